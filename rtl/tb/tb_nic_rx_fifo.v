`timescale 1ns / 1ps
`default_nettype none

/*
 * Self-checking test bench for nic_rx_fifo.
 *
 * A MAC driver sends frames whose bytes are a function of (frame id, offset);
 * a monitor maps every stat pulse to the frame it belongs to and checks the
 * outcome; a consumer checks the length stream and every output word (data,
 * tkeep, tlast) of the committed frames, under random back-pressure.
 * A steering-block model answers every frame the MAC stream carries with one
 * meta pulse (a function of the frame id) after a random 1..24-cycle latency,
 * in order; the consumer checks each committed frame's meta.
 * Prints PASS, or stops with $fatal.
 */
module tb_nic_rx_fifo;

localparam RX_FIFO_BYTES = 16384;
localparam WORDS = RX_FIFO_BYTES / 16;
localparam MAXF = 9216;
localparam MINF = 14;

localparam K_OK = 0, K_DIS = 1, K_ERR = 2, K_OVER = 3, K_RUNT = 4, K_SILENT = 5;
localparam KEEP_OK = 0, KEEP_MID = 1, KEEP_GAP = 2, KEEP_ZERO = 3;

reg clk = 1'b0;
always #5 clk = ~clk;

reg rst = 1'b1;
reg mac_rst = 1'b1;
reg rx_enable = 1'b1;

reg [63:0] s_tdata = 64'd0;
reg [7:0] s_tkeep = 8'd0;
reg s_tvalid = 1'b0;
reg s_tlast = 1'b0;
reg s_tuser = 1'b0;
wire s_tready;

wire [127:0] m_tdata;
wire [15:0] m_tkeep;
wire m_tvalid;
wire m_tlast;
reg m_tready = 1'b0;

wire [15:0] m_len;
wire [87:0] m_meta;
wire m_len_valid;
reg m_len_ready = 1'b0;

reg [87:0] s_meta = 88'd0;
reg s_meta_valid = 1'b0;

wire [31:0] fill;
wire st_in, st_full, st_err, st_runt, st_over, st_dis;

nic_rx_fifo #(
    .S_DATA_WIDTH(64),
    .M_DATA_WIDTH(128),
    .RX_FIFO_BYTES(RX_FIFO_BYTES),
    .MIN_FRAME_LEN(MINF),
    .MAX_FRAME_LEN(MAXF)
) dut (
    .clk(clk),
    .rst(rst),
    .mac_rst(mac_rst),
    .rx_enable(rx_enable),
    .s_axis_tdata(s_tdata),
    .s_axis_tkeep(s_tkeep),
    .s_axis_tvalid(s_tvalid),
    .s_axis_tready(s_tready),
    .s_axis_tlast(s_tlast),
    .s_axis_tuser(s_tuser),
    .m_axis_tdata(m_tdata),
    .m_axis_tkeep(m_tkeep),
    .m_axis_tvalid(m_tvalid),
    .m_axis_tready(m_tready),
    .m_axis_tlast(m_tlast),
    .s_meta_tdata(s_meta),
    .s_meta_tvalid(s_meta_valid),
    .m_meta_len(m_len),
    .m_meta_tdata(m_meta),
    .m_meta_tvalid(m_len_valid),
    .m_meta_tready(m_len_ready),
    .fifo_fill_bytes(fill),
    .stat_frame_in(st_in),
    .stat_drop_fifo_full(st_full),
    .stat_drop_mac_error(st_err),
    .stat_drop_runt(st_runt),
    .stat_drop_oversize(st_over),
    .stat_drop_disabled(st_dis)
);

// ---------------------------------------------------------------------------
// bookkeeping
// ---------------------------------------------------------------------------

localparam NF = 4096;
integer exp_kind [0:NF-1];
integer exp_len [0:NF-1];
integer commit_fid [0:NF-1];
integer n_sent = 0;
integer mon_fid = 0;
integer n_commit = 0;
integer len_idx = 0;
integer data_idx = 0;
integer word_idx = 0;
integer n_pulses = 0;
integer cnt_full = 0, cnt_err = 0, cnt_runt = 0, cnt_over = 0, cnt_dis = 0;
integer allow_full = 0;
integer ready_pct = 100;
integer seed = 32'h1234;
integer cycle = 0;
integer frame_start_cycle = 0;
reg frame_fast = 1'b0;
integer max_fill = 0;
integer n_words_checked = 0;

function [7:0] pat(input integer fid, input integer i);
    pat = fid * 29 + i * 7 + (i >> 5);
endfunction

function integer rnd(input integer n);
    rnd = {$random(seed)} % n;
endfunction

always @(posedge clk) cycle <= cycle + 1;

// ---------------------------------------------------------------------------
// steering-block model: one meta per observed frame, in order, 1..24 cycles
// after its tlast beat (frame ids count observed frames: the tb never sends
// while tready is low)
// ---------------------------------------------------------------------------

function [87:0] metaf(input integer fid);
    metaf = {fid[23:0] * 24'd40503, fid[31:0] ^ 32'h5A5A_0000, fid[31:0] * 32'd2654435761};
endfunction

integer obs_n = 0, meta_n = 0, meta_lat_max = 24;
integer meta_seed = 32'h4321;
integer emit_at [0:NF-1];

always @(posedge clk) begin
    if (s_tvalid && s_tready && s_tlast) begin
        emit_at[obs_n] = cycle + 1 + {$random(meta_seed)} % meta_lat_max;
        if (obs_n > 0 && emit_at[obs_n] <= emit_at[obs_n - 1]) emit_at[obs_n] = emit_at[obs_n - 1] + 1;
        obs_n = obs_n + 1;
    end
    s_meta_valid <= 1'b0;
    if (meta_n < obs_n && emit_at[meta_n] <= cycle + 1) begin
        // visible in cycle + 1, i.e. at most 24 cycles after the tlast beat
        s_meta_valid <= 1'b1;
        s_meta <= metaf(meta_n);
        meta_n = meta_n + 1;
    end
    // the steering block shares the hard reset: results in flight are lost
    if (mac_rst) begin
        meta_n = obs_n;
        s_meta_valid <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// MAC driver
// ---------------------------------------------------------------------------

task send_frame(input integer len, input integer en, input integer user,
                input integer keep_mode, input integer gap_pct);
    integer fid, nb, b, i, rem, k;
    reg [63:0] d;
    reg [7:0] kp;
    begin
        fid = n_sent;
        exp_len[fid] = len;
        // a hole in a one-beat frame's keep is just a short legal last keep
        if (keep_mode == KEEP_MID && len <= 8) keep_mode = KEEP_GAP;
        k = !en ? K_DIS :
            (user || keep_mode != KEEP_OK) ? K_ERR :
            len > MAXF ? K_OVER :
            len < MINF ? K_RUNT : K_OK;
        exp_kind[fid] = k;
        n_sent = n_sent + 1;
        nb = (len + 7) / 8;
        for (b = 0; b < nb; b = b + 1) begin
            while (gap_pct > 0 && rnd(100) < gap_pct) begin
                s_tvalid <= 1'b0;
                @(posedge clk);
            end
            for (i = 0; i < 8; i = i + 1) begin
                d[i*8 +: 8] = pat(fid, b * 8 + i);
            end
            rem = len - b * 8;
            kp = rem >= 8 ? 8'hFF : (8'hFF >> (8 - rem));
            if (keep_mode == KEEP_MID && b == 0) kp = 8'h7F;
            if (keep_mode == KEEP_GAP && b == nb - 1) kp = 8'h05;
            if (keep_mode == KEEP_ZERO && b == nb - 1) kp = 8'h00;
            s_tdata <= d;
            s_tkeep <= kp;
            s_tvalid <= 1'b1;
            s_tlast <= b == nb - 1;
            s_tuser <= user && b == nb - 1;
            // only the first beat's rx_enable matters
            rx_enable <= b == 0 ? en[0] : !en[0];
            @(posedge clk);
        end
        s_tvalid <= 1'b0;
        s_tlast <= 1'b0;
        s_tuser <= 1'b0;
        rx_enable <= 1'b1;
    end
endtask

task send_ok(input integer len);
    send_frame(len, 1, 0, KEEP_OK, 0);
endtask

// ---------------------------------------------------------------------------
// stat monitor
// ---------------------------------------------------------------------------

integer ndrop, k;

always @(posedge clk) begin
    ndrop = st_full + st_err + st_runt + st_over + st_dis;
    if (ndrop > 1) $fatal(1, "more than one drop pulse at once");
    if (ndrop > 0 && !st_in) $fatal(1, "drop pulse without stat_frame_in");
    if (st_in) begin
        while (mon_fid < n_sent && exp_kind[mon_fid] == K_SILENT) mon_fid = mon_fid + 1;
        if (mon_fid >= n_sent) $fatal(1, "stat pulse for a frame never sent");
        n_pulses = n_pulses + 1;
        k = exp_kind[mon_fid];
        case (k)
            K_OK: begin
                if (st_full) begin
                    if (!allow_full) $fatal(1, "frame %0d (len %0d) unexpectedly dropped: fifo full", mon_fid, exp_len[mon_fid]);
                    cnt_full = cnt_full + 1;
                end else if (ndrop != 0) begin
                    $fatal(1, "frame %0d (len %0d) dropped, expected commit (full %0d err %0d runt %0d over %0d dis %0d)",
                        mon_fid, exp_len[mon_fid], st_full, st_err, st_runt, st_over, st_dis);
                end else begin
                    commit_fid[n_commit] = mon_fid;
                    n_commit = n_commit + 1;
                end
            end
            K_DIS: begin
                if (!st_dis) $fatal(1, "frame %0d: expected drop_disabled", mon_fid);
                cnt_dis = cnt_dis + 1;
            end
            K_ERR: begin
                if (!st_err) $fatal(1, "frame %0d: expected drop_mac_error", mon_fid);
                cnt_err = cnt_err + 1;
            end
            K_OVER: begin
                if (!st_over) $fatal(1, "frame %0d (len %0d): expected drop_oversize", mon_fid, exp_len[mon_fid]);
                cnt_over = cnt_over + 1;
            end
            K_RUNT: begin
                if (!st_runt) $fatal(1, "frame %0d (len %0d): expected drop_runt", mon_fid, exp_len[mon_fid]);
                cnt_runt = cnt_runt + 1;
            end
            default: $fatal(1, "bad kind");
        endcase
        mon_fid = mon_fid + 1;
    end

    if (!mac_rst && s_tvalid && !s_tready) $fatal(1, "tready low outside hard reset");
    if (fill > max_fill) max_fill = fill;
    if (fill > RX_FIFO_BYTES) $fatal(1, "fill %0d above capacity", fill);
end

// the registered full and empty flags must always equal the pointer compares
// they stand for (a wrong "not full" would overwrite unread data, a wrong
// "full" would drop a frame that fits, a wrong "not empty" would read a word
// not yet published, a wrong "empty" would stall the output)
localparam ADDR_W = $clog2(WORDS);
localparam LEN_AW = $clog2(RX_FIFO_BYTES / 64);

always @(posedge clk) begin
    if (dut.mem_full_reg !== (dut.wr_ptr_reg == {~dut.rd_ptr_reg[ADDR_W], dut.rd_ptr_reg[ADDR_W-1:0]}))
        $fatal(1, "mem_full_reg %0d, pointers wr %0d rd %0d", dut.mem_full_reg, dut.wr_ptr_reg, dut.rd_ptr_reg);
    if (dut.len_full_reg !== (dut.len_alloc_ptr_reg == {~dut.len_rd_ptr_reg[LEN_AW], dut.len_rd_ptr_reg[LEN_AW-1:0]}))
        $fatal(1, "len_full_reg %0d, pointers alloc %0d rd %0d", dut.len_full_reg, dut.len_alloc_ptr_reg, dut.len_rd_ptr_reg);
    if (dut.oq_empty_reg !== (dut.oq_rd_ptr_reg == dut.oq_wr_ptr_reg))
        $fatal(1, "oq_empty_reg %0d, pointers rd %0d wr %0d", dut.oq_empty_reg, dut.oq_rd_ptr_reg, dut.oq_wr_ptr_reg);
    if (dut.mq_empty_reg !== (dut.mq_rd_ptr_reg == dut.mq_wr_ptr_reg))
        $fatal(1, "mq_empty_reg %0d, pointers rd %0d wr %0d", dut.mq_empty_reg, dut.mq_rd_ptr_reg, dut.mq_wr_ptr_reg);
    if (!dut.oq_empty_reg && dut.head_commit_reg !== dut.oq_commit_reg[dut.oq_rd_ptr_reg[4:0]])
        $fatal(1, "head_commit_reg %0d, flag of the head outcome %0d", dut.head_commit_reg, dut.oq_commit_reg[dut.oq_rd_ptr_reg[4:0]]);
    if (dut.mem_empty_reg !== (dut.rd_ptr_reg == dut.wr_ptr_pub_reg))
        $fatal(1, "mem_empty_reg %0d, pointers rd %0d published %0d", dut.mem_empty_reg, dut.rd_ptr_reg, dut.wr_ptr_pub_reg);
    if (dut.len_empty_reg !== (dut.len_rd_ptr_reg == dut.len_wr_ptr_reg))
        $fatal(1, "len_empty_reg %0d, pointers rd %0d wr %0d", dut.len_empty_reg, dut.len_rd_ptr_reg, dut.len_wr_ptr_reg);
end

// ---------------------------------------------------------------------------
// consumer
// ---------------------------------------------------------------------------

integer f, L, nw, b2, pos;

always @(posedge clk) begin
    if (m_len_valid && m_len_ready) begin
        if (len_idx >= n_commit) $fatal(1, "length entry for an uncommitted frame");
        if (m_len != exp_len[commit_fid[len_idx]][15:0])
            $fatal(1, "frame %0d: length %0d, expected %0d", commit_fid[len_idx], m_len, exp_len[commit_fid[len_idx]]);
        if (m_meta !== metaf(commit_fid[len_idx]))
            $fatal(1, "frame %0d: meta %h, expected %h", commit_fid[len_idx], m_meta, metaf(commit_fid[len_idx]));
        len_idx = len_idx + 1;
    end
    if (m_tvalid && m_tready) begin
        if (data_idx >= n_commit) $fatal(1, "data word for an uncommitted frame");
        f = commit_fid[data_idx];
        L = exp_len[f];
        nw = (L + 15) / 16;
        if (word_idx == 0) begin
            frame_start_cycle = cycle;
            // m_tready stays high from here on only if ready_pct already is 100
            frame_fast = ready_pct == 100;
        end
        for (b2 = 0; b2 < 16; b2 = b2 + 1) begin
            pos = word_idx * 16 + b2;
            if (pos < L) begin
                if (!m_tkeep[b2]) $fatal(1, "frame %0d word %0d: tkeep[%0d] low", f, word_idx, b2);
                if (m_tdata[b2*8 +: 8] !== pat(f, pos))
                    $fatal(1, "frame %0d byte %0d: %02x, expected %02x", f, pos, m_tdata[b2*8 +: 8], pat(f, pos));
            end else begin
                if (m_tkeep[b2]) $fatal(1, "frame %0d word %0d: tkeep[%0d] high past the end", f, word_idx, b2);
                if (m_tdata[b2*8 +: 8] !== 8'd0) $fatal(1, "frame %0d byte %0d past the end not zero", f, pos);
            end
        end
        if (m_tlast !== (word_idx == nw - 1)) $fatal(1, "frame %0d word %0d/%0d: tlast %0d", f, word_idx, nw, m_tlast);
        n_words_checked = n_words_checked + 1;
        if (m_tlast) begin
            // with the consumer always ready, a frame leaves at one word per cycle
            if (frame_fast && cycle - frame_start_cycle != nw - 1)
                $fatal(1, "frame %0d: %0d words took %0d cycles", f, nw, cycle - frame_start_cycle + 1);
            data_idx = data_idx + 1;
            word_idx = 0;
        end else begin
            word_idx = word_idx + 1;
        end
    end
    m_tready <= rnd(100) < ready_pct;
    m_len_ready <= rnd(100) < ready_pct;
end

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

task idle(input integer n);
    begin
        repeat (n) @(posedge clk);
    end
endtask

// wait until every sent frame has its outcome and every committed frame was read
task drain;
    integer t;
    begin
        t = 0;
        while (!(len_idx == n_commit && data_idx == n_commit && mon_fid_done(0)) && t < 200000) begin
            @(posedge clk);
            t = t + 1;
        end
        if (t >= 200000) $fatal(1, "drain timeout: sent %0d mon %0d commit %0d len %0d data %0d",
            n_sent, mon_fid, n_commit, len_idx, data_idx);
        idle(8);
        if (m_tvalid || m_len_valid) $fatal(1, "output left over after drain");
    end
endtask

function mon_fid_done(input integer dummy);
    integer j;
    begin
        j = mon_fid;
        while (j < n_sent && exp_kind[j] == K_SILENT) j = j + 1;
        mon_fid_done = j == n_sent;
    end
endfunction

task check_counts(input integer full, input integer err, input integer runt, input integer over, input integer dis);
    begin
        if (cnt_full != full || cnt_err != err || cnt_runt != runt || cnt_over != over || cnt_dis != dis)
            $fatal(1, "drop counts full %0d err %0d runt %0d over %0d dis %0d, expected %0d %0d %0d %0d %0d",
                cnt_full, cnt_err, cnt_runt, cnt_over, cnt_dis, full, err, runt, over, dis);
    end
endtask

// ---------------------------------------------------------------------------
// stimulus
// ---------------------------------------------------------------------------

integer n, len, fid0, c_full, c_err, c_runt, c_over, c_dis, en, user, km;

initial begin
    idle(4);
    if (s_tready) $fatal(1, "tready high in hard reset");
    mac_rst <= 1'b0;
    rst <= 1'b0;
    idle(2);
    if (!s_tready) $fatal(1, "tready low after reset");

    // 1. lengths around every boundary, back to back, consumer always ready
    ready_pct = 100;
    for (len = 14; len <= 50; len = len + 1) send_ok(len);
    send_ok(63); send_ok(64); send_ok(65); send_ok(127); send_ok(128); send_ok(129);
    send_ok(1514); send_ok(1518); send_ok(4000); send_ok(MAXF); send_ok(MAXF - 1); send_ok(60);
    drain;
    check_counts(0, 0, 0, 0, 0);
    $display("basic: %0d frames committed, %0d words checked", n_commit, n_words_checked);

    // 2. every drop reason, interleaved with good frames
    send_ok(100);
    send_frame(13, 1, 0, KEEP_OK, 0);     // runt
    send_frame(1, 1, 0, KEEP_OK, 0);      // runt
    send_frame(8, 1, 0, KEEP_OK, 0);      // runt
    send_ok(14);
    send_frame(MAXF + 1, 1, 0, KEEP_OK, 0);   // oversize
    send_frame(12000, 1, 0, KEEP_OK, 0);      // oversize
    send_ok(64);
    send_frame(64, 1, 1, KEEP_OK, 0);     // tuser
    send_frame(64, 1, 0, KEEP_MID, 0);    // keep hole mid-frame
    send_frame(67, 1, 0, KEEP_GAP, 0);    // non-contiguous last keep
    send_frame(67, 1, 0, KEEP_ZERO, 0);   // zero last keep
    send_frame(5, 1, 1, KEEP_OK, 0);      // runt + tuser -> mac error
    send_frame(MAXF + 8, 1, 1, KEEP_OK, 0); // oversize + tuser -> mac error
    send_ok(65);
    send_frame(64, 0, 0, KEEP_OK, 0);     // disabled
    send_frame(64, 0, 1, KEEP_OK, 0);     // disabled wins over error
    send_frame(5, 0, 0, KEEP_OK, 0);      // disabled wins over runt
    send_ok(66);
    // the limits one beat at a time (the checks use the count registered
    // after the previous beat): every last-beat size just past / at them
    send_frame(9, 1, 0, KEEP_OK, 0);      // runt
    send_frame(12, 1, 0, KEEP_OK, 0);     // runt
    send_ok(MAXF - 7); send_ok(MAXF - 8); send_ok(MAXF - 9);
    send_frame(MAXF + 2, 1, 0, KEEP_OK, 0);   // oversize
    send_frame(MAXF + 7, 1, 0, KEEP_OK, 0);   // oversize
    send_frame(MAXF + 9, 1, 0, KEEP_OK, 0);   // oversize
    send_ok(67);
    drain;
    check_counts(0, 6, 5, 5, 3);
    $display("drops: ok");

    // 3. fill up with the consumer stalled: 1500-byte frames are 94 words;
    //    1024 words + 4 prefetched by the output pipeline (RAM read, RAM
    //    output register, output register and its skid register) hold 10
    ready_pct = 0;
    allow_full = 1;
    idle(4);
    fid0 = n_commit;
    for (n = 0; n < 12; n = n + 1) send_ok(1500);
    idle(10);
    if (n_commit - fid0 != 10) $fatal(1, "fill: %0d frames stored, expected 10", n_commit - fid0);
    if (cnt_full != 2) $fatal(1, "fill: %0d fifo_full drops, expected 2", cnt_full);
    if (fill != (940 - 4) * 16) $fatal(1, "fill level %0d, expected %0d", fill, (940 - 4) * 16);
    ready_pct = 100;
    send_ok(1500);                        // arrives while draining: fits
    drain;
    allow_full = 0;
    if (fill != 0) $fatal(1, "fill level %0d after drain", fill);
    $display("fill: ok, peak %0d bytes", max_fill);

    // 4. datapath (soft) reset: a frame cut by it is discarded silently
    c_full = cnt_full;
    fid0 = n_sent;
    fork
        send_ok(800);
        begin
            idle(30);
            rst <= 1'b1;
            idle(5);
            rst <= 1'b0;
            exp_kind[fid0] = K_SILENT;
        end
    join
    send_ok(200);                          // must be delivered intact
    drain;                                 // (a reset flushes stored frames)
    // a frame that starts inside the reset
    fid0 = n_sent;
    fork
        begin
            rst <= 1'b1;
            idle(4);
            rst <= 1'b0;
        end
        begin
            idle(1);
            send_ok(300);
        end
    join
    exp_kind[fid0] = K_SILENT;
    send_ok(201);
    drain;
    // a frame wholly inside the reset
    fid0 = n_sent;
    rst <= 1'b1;
    send_ok(40);
    rst <= 1'b0;
    exp_kind[fid0] = K_SILENT;
    send_ok(202);
    drain;
    $display("soft reset: ok");

    // 5. random traffic, random gaps and back-pressure
    ready_pct = 85;
    allow_full = 1;
    c_full = cnt_full; c_err = cnt_err; c_runt = cnt_runt; c_over = cnt_over; c_dis = cnt_dis;
    for (n = 0; n < 600; n = n + 1) begin
        case (rnd(10))
            0, 1, 2: len = 14 + rnd(70);
            3: len = 1 + rnd(20);
            4: len = MAXF - 20 + rnd(40);
            default: len = 14 + rnd(1600);
        endcase
        en = rnd(100) >= 4;
        user = rnd(100) < 4;
        km = rnd(100) < 3 ? 1 + rnd(3) : KEEP_OK;
        send_frame(len, en, user, km, rnd(4) == 0 ? rnd(40) : 0);
        if (rnd(20) == 0) idle(rnd(50));
    end
    drain;
    $display("random: %0d frames sent, %0d committed, drops full %0d err %0d runt %0d over %0d dis %0d",
        600, n_commit, cnt_full - c_full, cnt_err - c_err, cnt_runt - c_runt, cnt_over - c_over, cnt_dis - c_dis);

    // 6. length FIFO full: minimum frames (one word each) with the consumer
    //    stalled: 256 length entries + 3 prefetched by the output pipeline
    ready_pct = 0;
    allow_full = 1;
    idle(4);
    fid0 = n_commit;
    c_full = cnt_full;
    for (n = 0; n < 262; n = n + 1) send_ok(MINF);
    idle(40);
    if (n_commit - fid0 != 259) $fatal(1, "len full: %0d frames stored, expected 259", n_commit - fid0);
    if (cnt_full - c_full != 3) $fatal(1, "len full: %0d fifo_full drops, expected 3", cnt_full - c_full);
    ready_pct = 100;
    drain;
    $display("length fifo full: ok");

    // 7. hovering at full: the consumer takes ~0.3 words per cycle, the MAC
    //    brings 0.5, so stores, roll backs of dropped frames and reads meet
    //    at the full boundary in every combination
    ready_pct = 30;
    c_full = cnt_full;
    fid0 = n_commit;
    for (n = 0; n < 300; n = n + 1) begin
        case (rnd(4))
            0: len = 14 + rnd(50);
            default: len = 14 + rnd(1600);
        endcase
        send_frame(len, 1, 0, KEEP_OK, 0);
    end
    ready_pct = 100;
    drain;
    if (cnt_full == c_full) $fatal(1, "hover: the FIFO never filled");
    $display("hover at full: %0d committed, %0d fifo_full drops", n_commit - fid0, cnt_full - c_full);
    allow_full = 0;

    // 8. earliest publication: metas 1 cycle after tlast, one-word frames
    //    into an idle output pipeline, so a frame's only word is read as
    //    early as the FIFO allows (right behind its write)
    meta_lat_max = 1;
    for (n = 0; n < 24; n = n + 1) begin
        send_ok(14 + n % 20);
        idle(n % 8);
    end
    drain;
    meta_lat_max = 24;
    $display("earliest publication: ok");

    // 9. hard reset
    mac_rst <= 1'b1;
    rst <= 1'b1;
    idle(2);
    if (s_tready) $fatal(1, "tready high in hard reset");
    mac_rst <= 1'b0;
    rst <= 1'b0;
    idle(2);
    send_ok(77);
    drain;

    if (n_pulses != n_sent - 3) $fatal(1, "%0d outcome pulses for %0d frames (3 silent)", n_pulses, n_sent);
    $display("tb_nic_rx_fifo: %0d frames, %0d committed, %0d words checked, peak fill %0d",
        n_sent, n_commit, n_words_checked, max_fill);
    $display("PASS");
    $finish;
end

initial begin
    #200000000;
    $fatal(1, "timeout");
end

endmodule

`default_nettype wire
