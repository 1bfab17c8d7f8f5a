`timescale 1ns / 1ps

/*
 * End-to-end test of nic_rx_engine with a behavioural host:
 *  - root complex: checks every request TLP (Fmt/Type, reserved bits, requester
 *    ID, Length vs beats, byte enables, MPS/MRRS, 4 KiB, 3DW/4DW choice,
 *    unique tags, BME, DMA only into memory the driver allows), applies MemWr
 *    to a memory array, answers MemRd with CplD split at a 64-byte RCB (or at
 *    random dword boundaries), interleaving tags, after a latency;
 *  - RX FIFO model: lengths and 128-bit words of preloaded frames;
 *  - driver model, per queue: posts descriptors, polls completion records by
 *    phase bit, checks them (every field, incl. the RSS / parser fields each
 *    frame's meta carries) and the buffer contents (and that bytes past the
 *    frame are untouched), recycles buffers, returns CPL_CONS.
 * The engine has NQ = 4 queues. T1..T8 steer every frame to queue 3 (the
 * single-queue behaviour); T9..T12 cover several queues: steering and
 * throughput with frames alternating between queues, per-queue drops, a queue
 * without descriptors not blocking the others, round-robin descriptor fetch,
 * orphan completion tags, and Q busy on disable (no DMA into a queue's memory
 * once busy has cleared). T13 covers the MSI-X message input: messages (3-
 * and 4-DW addresses) leave as 1-DW MemWr with their data in lane 0 under
 * back-pressure, and a message source that, like nic_msix, announces each
 * new q_cpl_prod value finds the announced completion record already in
 * host memory when its message arrives (the ordering rule). Throughout,
 * every q_cpl_event pulse must match a q_cpl_prod increment.
 * T14/T15 cover header split, scatter and VLAN stripping end to end
 * (docs/split.md): the driver model works out every frame's outcome from the
 * rule book (model_frame) and checks each record's HDR_LEN, DESC_COUNT,
 * LAST_LEN, SPLIT, HDR_OVERFLOW, VLAN_* and DESC_IDX, the header buffer
 * (and that the rest of it is untouched), every data buffer from offset 0,
 * the unused header buffers of scatter descriptors, q_desc_cons advancing by
 * DESC_COUNT, stat_split / stat_hdr_overflow and stat_frame_bytes (= LEN).
 * T14: split / unsplit / overflow / small / VLAN strip / bad HDR_IDX cases,
 * a jumbo over 3 buffers, too few posted (dropped, descriptors kept), bad
 * scatter descriptors, LEN not a multiple of 16, cap 0. T15: four queues
 * with four configurations and random frames. With split off (T1..T13) the
 * same checks hold: HDR_LEN 0, DESC_COUNT 1, LAST_LEN = LEN. Every record's
 * CHECKSUM_COMPLETE is the frame's own sum (frames are random, so a record
 * that does not wait for nic_rx_csum's result gets its neighbour's).
 * Run: iverilog -g2005-sv -Irtl -o tb rtl/tb/tb_nic_rx_engine.v rtl/*.v && vvp tb
 *      (vvp tb +split_only: T14 and T15 alone)
 */
module tb_nic_rx_engine;

`include "nic_spec.vh"

localparam TIMEOUT = 3000;
localparam TAGS = 4;
localparam NQ = 4;
localparam MEM_AW = 21;
localparam REQ_ID = 16'hA5C3;

reg clk = 1'b0;
always #5 clk = ~clk;
reg rst = 1'b1;

integer cycle = 0;
always @(posedge clk) cycle <= cycle + 1;

// ---------------------------------------------------------------- DUT
reg  [127:0] s_axis_tdata = 0;
reg  [15:0]  s_axis_tkeep = 0;
reg          s_axis_tvalid = 0;
wire         s_axis_tready;
reg          s_axis_tlast = 0;
reg  [15:0]  s_len_tdata = 0;
reg  [87:0]  s_meta_tdata = 0;
reg          s_len_tvalid = 0;
wire         s_len_tready;

reg  [NQ-1:0]    q_enable = 0;
reg  [NQ*64-1:0] q_desc_base = 0;
reg  [NQ*4-1:0]  q_desc_log_size = {NQ{4'd4}};
reg  [NQ*16-1:0] q_desc_prod = 0;
reg  [NQ*64-1:0] q_cpl_base = 0;
reg  [NQ*4-1:0]  q_cpl_log_size = {NQ{4'd4}};
reg  [NQ*16-1:0] q_cpl_cons = 0;
// header split / scatter / VLAN strip: all off unless a test sets them
reg  [NQ*64-1:0] q_hdr_base = 0;
reg  [NQ*16-1:0] q_hdr_count = 0;
reg  [NQ*32-1:0] q_rx_cfg = 0;
wire [NQ*16-1:0] q_desc_cons, q_cpl_prod;
wire [NQ-1:0]    q_halted, q_busy, q_cpl_event;

// MSI-X message input
reg  [127:0] s_msg_hdr = 0;
reg  [31:0]  s_msg_data = 0;
reg          s_msg_valid = 0;
wire         s_msg_ready;

wire [NQ-1:0]    stat_frame_ok;
wire [NQ*16-1:0] stat_frame_bytes;
wire [NQ-1:0]    stat_drop_no_desc, stat_drop_buf_too_small, stat_drop_bad_desc, stat_drop_disabled;
wire [NQ-1:0]    stat_split, stat_hdr_overflow;
wire [NQ-1:0]    err_cpl_status, err_cpl_unexpected, err_cpl_timeout;

wire [127:0] m_tlp_req_hdr;
wire [127:0] m_tlp_req_data;
wire         m_tlp_req_sop, m_tlp_req_eop, m_tlp_req_valid;
reg          m_tlp_req_ready = 1;

reg  [127:0] s_tlp_cpl_hdr = 0;
reg  [127:0] s_tlp_cpl_data = 0;
reg          s_tlp_cpl_sop = 0, s_tlp_cpl_eop = 0, s_tlp_cpl_valid = 0;
wire         s_tlp_cpl_ready;

reg          bme = 1;
reg  [2:0]   mps_n = 0;
reg  [2:0]   mrrs_n = 2;

nic_rx_engine #(
    .TLP_DATA_WIDTH(128),
    .RX_QUEUES(NQ),
    .DESC_FETCH_MAX(8),
    .DESC_CACHE_DEPTH(16),
    .DMA_READ_TAGS(TAGS),
    .CPL_TIMEOUT_CYCLES(TIMEOUT)
) dut (
    .clk(clk), .rst(rst),
    .s_axis_tdata(s_axis_tdata), .s_axis_tkeep(s_axis_tkeep), .s_axis_tvalid(s_axis_tvalid),
    .s_axis_tready(s_axis_tready), .s_axis_tlast(s_axis_tlast),
    .s_meta_len(s_len_tdata), .s_meta_tdata(s_meta_tdata), .s_meta_tvalid(s_len_tvalid), .s_meta_tready(s_len_tready),
    .q_enable(q_enable), .q_desc_base(q_desc_base), .q_desc_log_size(q_desc_log_size), .q_desc_prod(q_desc_prod),
    .q_cpl_base(q_cpl_base), .q_cpl_log_size(q_cpl_log_size), .q_cpl_cons(q_cpl_cons),
    .q_hdr_base(q_hdr_base), .q_hdr_count(q_hdr_count), .q_rx_cfg(q_rx_cfg),
    .q_desc_cons(q_desc_cons), .q_cpl_prod(q_cpl_prod), .q_halted(q_halted), .q_busy(q_busy),
    .q_cpl_event(q_cpl_event),
    .stat_frame_ok(stat_frame_ok), .stat_frame_bytes(stat_frame_bytes),
    .stat_drop_no_desc(stat_drop_no_desc), .stat_drop_buf_too_small(stat_drop_buf_too_small),
    .stat_drop_bad_desc(stat_drop_bad_desc), .stat_drop_disabled(stat_drop_disabled),
    .stat_split(stat_split), .stat_hdr_overflow(stat_hdr_overflow),
    .err_cpl_status(err_cpl_status), .err_cpl_unexpected(err_cpl_unexpected), .err_cpl_timeout(err_cpl_timeout),
    .m_tlp_req_hdr(m_tlp_req_hdr), .m_tlp_req_data(m_tlp_req_data), .m_tlp_req_sop(m_tlp_req_sop),
    .m_tlp_req_eop(m_tlp_req_eop), .m_tlp_req_valid(m_tlp_req_valid), .m_tlp_req_ready(m_tlp_req_ready),
    .s_tlp_cpl_hdr(s_tlp_cpl_hdr), .s_tlp_cpl_data(s_tlp_cpl_data), .s_tlp_cpl_sop(s_tlp_cpl_sop),
    .s_tlp_cpl_eop(s_tlp_cpl_eop), .s_tlp_cpl_valid(s_tlp_cpl_valid), .s_tlp_cpl_ready(s_tlp_cpl_ready),
    .s_msg_hdr(s_msg_hdr), .s_msg_data(s_msg_data), .s_msg_valid(s_msg_valid), .s_msg_ready(s_msg_ready),
    .tlp_hold(1'b0), .tlp_busy(),
    .cfg_requester_id(REQ_ID), .cfg_bus_master_enable(bme),
    .cfg_max_payload_size(mps_n), .cfg_max_read_req_size(mrrs_n)
);

// ---------------------------------------------------------------- helpers
integer errors = 0;
task fail(input [8*80-1:0] msg);
    begin
        $display("ERROR @%0d: %0s", cycle, msg);
        errors = errors + 1;
        if (errors > 10) $fatal(1, "too many errors");
    end
endtask

// host memory: index = {addr[32], addr[19:0]}; low window and the window at 4 GiB
reg [7:0] mem [0:(1<<MEM_AW)-1];
reg       wr_ok [0:(1<<MEM_AW)-1];

function integer midx(input [63:0] a);
    midx = {a[32], a[19:0]};
endfunction

function addr_ok(input [63:0] a);
    addr_ok = (a[63:33] == 0) && (a[31:20] == 12'h000 || a[31:20] == 12'hFFF);
endfunction

// MSI-X message addresses (T13): 0xFEE0_0xxx, and the same at 4 GiB + that
function is_msi(input [63:0] a);
    is_msi = (a[63:33] == 0) && (a[31:12] == 20'hFEE00);
endfunction

task mem_fill(input [63:0] a, input integer n, input [7:0] v, input okv);
    integer k;
    begin
        for (k = 0; k < n; k = k + 1) begin
            mem[midx(a + k)] = v;
            wr_ok[midx(a + k)] = okv;
        end
    end
endtask

function [31:0] mem_dw(input [63:0] a);
    mem_dw = {mem[midx(a+3)], mem[midx(a+2)], mem[midx(a+1)], mem[midx(a)]};
endfunction

// ---------------------------------------------------------------- frames (RX FIFO model)
localparam MAXF = 4096;
reg [7:0] fbytes [0:(1<<22)-1];
integer   foff [0:MAXF-1];
integer   flen [0:MAXF-1];
integer   fexp [0:MAXF-1];          // 0 = delivered, 1 = dropped (any reason), 2 = bad desc
integer   fq [0:MAXF-1];            // queue the frame is steered to
reg [79:0] fmeta [0:MAXF-1];        // record fields its meta carries
integer   cq = 3;                   // queue of add_frame / setup_queue / post_desc
integer   n_frames = 0;             // frames created
integer   n_avail = 0;              // frames committed in the "FIFO"
integer   fb_top = 0;
integer   len_idx = 0;              // next length to present
integer   w_frame = 0, w_word = 0;  // next word to present
integer   len_avail_cycle [0:MAXF-1];
reg       axis_gaps = 0;

// meta word as nic_core packs it (rtl/nic_rx_meta.vh)
function [87:0] pack_meta(input [79:0] m, input [7:0] qn);
    pack_meta = {m[79:70], m[69:60], m[59:50], m[49:48], m[47:40], m[39:38], m[37:36], qn, m[35:32], m[31:0]};
endfunction

function [255:0] rec_meta(input [79:0] m);
    begin
        rec_meta = 0;
        rec_meta[CPL_RSS_HASH_LSB +: 32] = m[31:0];
        rec_meta[CPL_RSS_TYPE_LSB +: 4] = m[35:32];
        rec_meta[CPL_L3_TYPE_LSB +: 2] = m[37:36];
        rec_meta[CPL_L4_TYPE_LSB +: 2] = m[39:38];
        rec_meta[CPL_PARSE_FLAGS_LSB +: 8] = m[47:40];
        rec_meta[CPL_VLAN_COUNT_LSB +: 2] = m[49:48];
        rec_meta[CPL_L3_OFFSET_LSB +: 10] = m[59:50];
        rec_meta[CPL_L4_OFFSET_LSB +: 10] = m[69:60];
        rec_meta[CPL_PAYLOAD_OFFSET_LSB +: 10] = m[79:70];
    end
endfunction

task add_frame(input integer len, input integer expv);
    add_frame_q(cq, len, expv);
endtask

task add_frame_q(input integer qn, input integer len, input integer expv);
    reg [79:0] m;
    begin
        m = {$urandom, $urandom, $urandom};
        // nic_rx_parser reports a VLAN tag only in a frame that holds it (18
        // bytes); VLAN_TCI of shorter frames is not defined by the hardware
        if (len < 18) m[49:48] = 2'd0;
        add_frame_qm(qn, len, expv, m);
    end
endtask

// meta fields of a parsed IP frame (fmeta layout): l3/l4 type, parse flags,
// VLAN count and payload offset (the split point); hash and offsets random
function [79:0] ip_meta(input integer l3, input integer l4, input [7:0] flags, input integer vc, input integer po);
    reg [79:0] m;
    begin
        m = {$urandom, $urandom, $urandom};
        m[37:36] = l3; m[39:38] = l4; m[47:40] = flags; m[49:48] = vc; m[79:70] = po;
        ip_meta = m;
    end
endfunction

task add_frame_qm(input integer qn, input integer len, input integer expv, input [79:0] meta);
    integer k;
    begin
        foff[n_frames] = fb_top;
        flen[n_frames] = len;
        fexp[n_frames] = expv;
        fq[n_frames] = qn;
        fmeta[n_frames] = meta;
        for (k = 0; k < len; k = k + 1) fbytes[fb_top + k] = $urandom;
        fb_top = fb_top + ((len + 15) / 16) * 16;
        n_frames = n_frames + 1;
    end
endtask

task commit_frames;  // make every created frame visible
    begin
        while (n_avail < n_frames) begin
            len_avail_cycle[n_avail] = cycle;
            n_avail = n_avail + 1;
        end
    end
endtask

integer k_ax;
always @(posedge clk) begin
    // length stream
    if (s_len_tvalid && s_len_tready) begin
        s_len_tvalid <= 1'b0;
        len_idx = len_idx + 1;
    end
    if ((!s_len_tvalid || s_len_tready) && len_idx < n_avail) begin
        s_len_tvalid <= 1'b1;
        s_len_tdata <= flen[len_idx];
        s_meta_tdata <= pack_meta(fmeta[len_idx], fq[len_idx]);
    end
    // word stream
    if (s_axis_tvalid && s_axis_tready) begin
        s_axis_tvalid <= 1'b0;
        w_word = w_word + 1;
        if (w_word * 16 >= flen[w_frame]) begin
            w_frame = w_frame + 1;
            w_word = 0;
        end
    end
    if ((!s_axis_tvalid || s_axis_tready) && w_frame < n_avail && !(axis_gaps && ($urandom % 4 == 0))) begin
        s_axis_tvalid <= 1'b1;
        for (k_ax = 0; k_ax < 16; k_ax = k_ax + 1) begin
            s_axis_tdata[8*k_ax +: 8] <= (w_word*16 + k_ax < flen[w_frame]) ? fbytes[foff[w_frame] + w_word*16 + k_ax] : 8'hXX;
            s_axis_tkeep[k_ax] <= (w_word*16 + k_ax < flen[w_frame]);
        end
        s_axis_tlast <= (w_word + 1) * 16 >= flen[w_frame];
    end
    if (rst) begin
        s_len_tvalid <= 1'b0;
        s_axis_tvalid <= 1'b0;
    end
end

// ---------------------------------------------------------------- root complex: requests
reg [63:0] dbase_chk [0:NQ-1];
integer    dsize_chk [0:NQ-1];
integer    memrd_q [0:4095];       // queue of each MemRd, in issue order

localparam MAXP = 16;
reg        p_valid [0:MAXP-1];
reg [7:0]  p_tag [0:MAXP-1];
reg [63:0] p_addr [0:MAXP-1];
integer    p_rem [0:MAXP-1];
integer    p_due [0:MAXP-1];
integer    p_mode [0:MAXP-1];      // 0 normal, 1 answer UR, 2 never answer
integer    cpl_lat = 40;
integer    next_rd_mode = 0;
integer    n_memrd = 0, n_memwr = 0, n_memrd_desc = 0;
integer    memrd_sizes [0:31];

reg        t_in = 0;
reg        t_wr;
reg [63:0] t_addr;
integer    t_L, t_dw;
reg [3:0]  t_fbe, t_lbe;
reg [127:0] prev_hdr, prev_data;
reg        prev_stall = 0, prev_sop, prev_eop;

integer kk, jj, pi;
reg [31:0] d0, d1, d2, d3;
reg [63:0] a;
reg [3:0]  be;
integer    L;
reg        dup;
integer    req_beats_total = 0;

// the MemRd pick reads req_seen_reg alone: it must imply the engine's valid
always @(posedge clk) begin
    if ((dut.req_seen_reg & ~dut.fq_valid) != 0) fail("req_seen_reg without the engine's request");
end

always @(posedge clk) begin
    if (!rst) begin
        // stream rule: beat held while valid && !ready
        if (prev_stall) begin
            if (!m_tlp_req_valid || m_tlp_req_hdr !== prev_hdr || m_tlp_req_sop !== prev_sop || m_tlp_req_eop !== prev_eop
                || m_tlp_req_data !== prev_data)
                fail("m_tlp_req beat changed while stalled");
        end
        prev_stall = m_tlp_req_valid && !m_tlp_req_ready;
        prev_hdr = m_tlp_req_hdr; prev_data = m_tlp_req_data; prev_sop = m_tlp_req_sop; prev_eop = m_tlp_req_eop;

        if (m_tlp_req_valid && m_tlp_req_ready) begin
            req_beats_total = req_beats_total + 1;
            if (!bme) fail("request while bus master disabled");
            if (m_tlp_req_sop) begin
                if (t_in) fail("sop inside TLP");
                d0 = m_tlp_req_hdr[127:96]; d1 = m_tlp_req_hdr[95:64];
                d2 = m_tlp_req_hdr[63:32]; d3 = m_tlp_req_hdr[31:0];
                if (d0[28:24] != 5'b00000) fail("type not Mem");
                if (d0[23:10] != 0) fail("DW0 reserved/TC/attr bits set");
                if (d1[31:16] != REQ_ID) fail("requester id");
                L = (d0[9:0] == 0) ? 1024 : d0[9:0];
                if (d0[29]) begin
                    a = {d2, d3[31:2], 2'b00};
                    if (d2 == 0) fail("4DW header below 4 GiB");
                    if (d3[1:0] != 0) fail("addr[1:0]");
                end else begin
                    a = {32'd0, d2[31:2], 2'b00};
                    if (d3 != 0) fail("3DW header DW3 not zero");
                    if (d2[1:0] != 0) fail("addr[1:0]");
                end
                if (!addr_ok(a) && !is_msi(a)) fail("address outside host memory");
                if ((a & 64'hFFF) + L*4 > 4096) fail("crosses 4 KiB");
                if (L == 1) begin
                    if (d1[7:4] != 0 || d1[3:0] == 0) fail("1-DW byte enables");
                end else begin
                    if (d1[3:0] != 4'hF || d1[7:4] == 0) fail("byte enables");
                    if (!(d1[7:4] == 4'h1 || d1[7:4] == 4'h3 || d1[7:4] == 4'h7 || d1[7:4] == 4'hF)) fail("last BE not contiguous");
                end
                if (d0[31:29] == 3'b000 || d0[31:29] == 3'b001) begin
                    // MemRd
                    if (!m_tlp_req_eop) fail("MemRd not single beat");
                    if (L*4 > (128 << mrrs_n)) fail("MemRd > MRRS");
                    if (d1[15:8] >= TAGS * NQ) fail("tag out of range");
                    else if (a < dbase_chk[d1[15:8] / TAGS] || a + L*4 > dbase_chk[d1[15:8] / TAGS] + dsize_chk[d1[15:8] / TAGS]*16)
                        fail("MemRd outside the tag's queue's descriptor ring");
                    memrd_q[n_memrd % 4096] = d1[15:8] / TAGS;
                    n_memrd = n_memrd + 1;
                    if (L % 4 != 0) fail("MemRd not whole descriptors");
                    if (L/4 < 32) memrd_sizes[L/4] = memrd_sizes[L/4] + 1;
                    dup = 0;
                    for (pi = 0; pi < MAXP; pi = pi + 1)
                        if (p_valid[pi] && p_tag[pi] == d1[15:8]) dup = 1;
                    if (dup) fail("tag reused while outstanding");
                    pi = 0;
                    while (pi < MAXP && p_valid[pi]) pi = pi + 1;
                    if (pi == MAXP) fail("pending table overflow");
                    else begin
                        p_valid[pi] = 1; p_tag[pi] = d1[15:8]; p_addr[pi] = a; p_rem[pi] = L*4;
                        p_due[pi] = cycle + cpl_lat + ($urandom % 8); p_mode[pi] = next_rd_mode;
                        next_rd_mode = 0;
                    end
                end else if ((d0[31:29] == 3'b010 || d0[31:29] == 3'b011) && is_msi(a)) begin
                    if (L != 1 || d1[3:0] != 4'hF || d1[7:4] != 4'h0 || !m_tlp_req_eop) fail("MSI-X MemWr format");
                    if (d1[15:8] != 8'h00) fail("MSI-X MemWr tag");
                    msi_got(a, m_tlp_req_data[31:0]);
                end else if (d0[31:29] == 3'b010 || d0[31:29] == 3'b011) begin
                    n_memwr = n_memwr + 1;
                    if (L*4 > (128 << mps_n)) fail("MemWr > MPS");
                    t_in = 1; t_wr = 1; t_addr = a; t_L = L; t_dw = 0; t_fbe = d1[3:0]; t_lbe = d1[7:4];
                end else begin
                    fail("bad Fmt");
                end
            end else if (!t_in) begin
                fail("beat without sop");
            end
            if (t_in) begin
                for (jj = 0; jj < 4; jj = jj + 1) begin
                    if (t_dw < t_L) begin
                        be = (t_dw == 0) ? t_fbe : ((t_dw == t_L - 1) ? t_lbe : 4'hF);
                        for (kk = 0; kk < 4; kk = kk + 1) begin
                            if (be[kk]) begin
                                if (!wr_ok[midx(t_addr + kk)]) begin
                                    $display("  MemWr byte at %h", t_addr + kk);
                                    fail("MemWr into memory not owned by device");
                                end
                                mem[midx(t_addr + kk)] = m_tlp_req_data[32*jj + 8*kk +: 8];
                            end
                        end
                        t_addr = t_addr + 4;
                        t_dw = t_dw + 1;
                    end
                end
                if (m_tlp_req_eop) begin
                    if (t_dw != t_L || (t_L > 4 && t_dw - 4 >= t_L)) fail("MemWr length vs beats");
                    t_in = 0;
                end else if (t_dw >= t_L) begin
                    fail("MemWr too many beats");
                end
            end
        end
    end
end

// ---------------------------------------------------------------- root complex: completions
reg        c_busy = 0;
integer    c_beats, c_beat, c_len_dw;
reg [63:0] c_addr;
reg [127:0] c_hdr;
reg        rand_split = 0;
reg        inject_bogus = 0;
reg [7:0]  bogus_tag = 8'd5;
integer    c_pick, c_n, ci, c_bytes, c_bnd;

always @(posedge clk) begin
    if (rst) begin
        s_tlp_cpl_valid <= 0;
        c_busy = 0;
    end else begin
        if (s_tlp_cpl_valid && s_tlp_cpl_ready) s_tlp_cpl_valid <= 0;
        if (!s_tlp_cpl_valid || s_tlp_cpl_ready) begin
            if (!c_busy) begin
                // pick a new completion
                if (inject_bogus) begin
                    inject_bogus = 0;
                    c_hdr = {3'b010, 5'b01010, 14'd0, 10'd4, 16'h0100, 3'b000, 1'b0, 12'd16, REQ_ID, bogus_tag, 1'b0, 7'd0, 32'd0};
                    c_addr = 64'h0; c_beats = 1; c_beat = 0; c_len_dw = 4; c_busy = 1;
                end else begin
                    c_pick = -1;
                    c_n = $urandom % MAXP;
                    for (ci = 0; ci < MAXP; ci = ci + 1)
                        if (c_pick < 0 && p_valid[(ci + c_n) % MAXP] && p_mode[(ci + c_n) % MAXP] != 2
                            && p_due[(ci + c_n) % MAXP] <= cycle)
                            c_pick = (ci + c_n) % MAXP;
                    if (c_pick >= 0 && ($urandom % 8 != 0)) begin
                        if (p_mode[c_pick] == 1) begin
                            c_hdr = {3'b000, 5'b01010, 14'd0, 10'd0, 16'h0100, 3'b001, 1'b0, p_rem[c_pick][11:0],
                                     REQ_ID, p_tag[c_pick], 1'b0, p_addr[c_pick][6:0], 32'd0};
                            c_beats = 1; c_beat = 0; c_len_dw = 0; c_busy = 1;
                            p_valid[c_pick] = 0;
                        end else begin
                            if (rand_split && p_rem[c_pick] > 4)
                                c_bytes = 4 * (1 + ($urandom % (p_rem[c_pick] / 4)));
                            else begin
                                c_bnd = 64 - (p_addr[c_pick] % 64);
                                c_bytes = (p_rem[c_pick] < c_bnd) ? p_rem[c_pick] : c_bnd;
                            end
                            c_hdr = {3'b010, 5'b01010, 14'd0, c_bytes[11:2], 16'h0100, 3'b000, 1'b0, p_rem[c_pick][11:0],
                                     REQ_ID, p_tag[c_pick], 1'b0, p_addr[c_pick][6:0], 32'd0};
                            c_addr = p_addr[c_pick]; c_len_dw = c_bytes / 4;
                            c_beats = (c_len_dw + 3) / 4; c_beat = 0; c_busy = 1;
                            p_addr[c_pick] = p_addr[c_pick] + c_bytes;
                            p_rem[c_pick] = p_rem[c_pick] - c_bytes;
                            p_due[c_pick] = cycle;
                            if (p_rem[c_pick] == 0) p_valid[c_pick] = 0;
                        end
                    end
                end
            end
            if (c_busy) begin
                s_tlp_cpl_valid <= 1;
                s_tlp_cpl_hdr <= c_hdr;
                s_tlp_cpl_sop <= (c_beat == 0);
                s_tlp_cpl_eop <= (c_beat == c_beats - 1);
                s_tlp_cpl_data <= {mem_dw(c_addr + 12), mem_dw(c_addr + 8), mem_dw(c_addr + 4), mem_dw(c_addr)};
                c_addr = c_addr + 16;
                c_beat = c_beat + 1;
                if (c_beat == c_beats) c_busy = 0;
            end
        end
    end
end

// ---------------------------------------------------------------- MSI-X message source (T13)
localparam MAXM = 1024;
reg [63:0] mq_addr [0:MAXM-1];
reg [31:0] mq_data [0:MAXM-1];
integer    mq_push = 0, mq_sent = 0, mq_got = 0;
reg        msg_auto = 0;              // announce every q_cpl_prod change (ordering test)
reg        msg_gaps = 0;
integer    msg_wait = 0, msg_wait_max = 0;
reg [15:0] ann_prod [0:NQ-1];         // last q_cpl_prod announced per queue
integer    n_ord_checked = 0;

task msg_push(input [63:0] a, input [31:0] d);
    begin
        mq_addr[mq_push % MAXM] = a;
        mq_data[mq_push % MAXM] = d;
        mq_push = mq_push + 1;
    end
endtask

function [127:0] msg_hdr_of(input [63:0] a);
    reg [31:0] dw0, dw1;
    begin
        dw0 = {(a[63:32] != 0) ? 3'b011 : 3'b010, 5'b00000, 14'd0, 10'd1};
        dw1 = {REQ_ID, 8'd0, 4'h0, 4'hF};
        msg_hdr_of = (a[63:32] != 0) ? {dw0, dw1, a[63:32], a[31:0]} : {dw0, dw1, a[31:0], 32'd0};
    end
endfunction

integer mq_k;
always @(posedge clk) begin
    if (s_msg_valid && s_msg_ready) begin
        mq_sent = mq_sent + 1;
        if (msg_wait > msg_wait_max) msg_wait_max = msg_wait;
        msg_wait = 0;
    end else if (s_msg_valid) begin
        msg_wait = msg_wait + 1;
    end
    if (msg_auto && !rst) begin
        for (mq_k = 0; mq_k < NQ; mq_k = mq_k + 1) begin
            if (q_enable[mq_k] && q_cpl_prod[mq_k*16 +: 16] != ann_prod[mq_k]) begin
                ann_prod[mq_k] = q_cpl_prod[mq_k*16 +: 16];
                msg_push(64'hFEE0_0000 + 4 * mq_k, {mq_k[7:0], 8'h00, ann_prod[mq_k]});
            end
        end
    end
    // present message mq_sent; held until accepted
    if (!s_msg_valid || s_msg_ready) begin
        if (mq_sent < mq_push && !(msg_gaps && ($urandom % 3 == 0))) begin
            s_msg_valid <= 1'b1;
            s_msg_hdr <= msg_hdr_of(mq_addr[mq_sent % MAXM]);
            s_msg_data <= mq_data[mq_sent % MAXM];
        end else begin
            s_msg_valid <= 1'b0;
        end
    end
    if (rst) s_msg_valid <= 1'b0;
end

// a message arrived at the root complex: in order, and (auto mode) the
// completion record it announces is already in host memory
task msi_got(input [63:0] a, input [31:0] d);
    integer mq, mi;
    reg [15:0] mp;
    reg        ph;
    begin
        if (mq_got >= mq_sent) fail("MSI-X MemWr nobody sent");
        else begin
            if (a !== mq_addr[mq_got % MAXM] || d !== mq_data[mq_got % MAXM]) begin
                $display("MSI-X got %h/%h, expected %h/%h", a, d, mq_addr[mq_got % MAXM], mq_data[mq_got % MAXM]);
                fail("MSI-X message address/data");
            end
            if (msg_auto) begin
                mq = d[31:24];
                mp = d[15:0];
                mi = (mp - 16'd1) % (1 << clog[mq]);
                ph = ((((mp - 16'd1) & 16'hFFFF) >> clog[mq]) & 1) == 0;
                if (mem[midx(cbase[mq] + mi*32 + 31)][7] !== ph)
                    fail("MSI-X message before the completion record it announces");
                n_ord_checked = n_ord_checked + 1;
            end
        end
        mq_got = mq_got + 1;
    end
endtask

// q_cpl_event: one pulse per q_cpl_prod increment, in the cycle before it shows
reg [NQ*16-1:0] prev_prod;
reg [NQ-1:0]    prev_ev = 0;
reg [NQ-1:0]    prev_en = 0;
integer         ev_q;
always @(posedge clk) begin
    if (!rst) begin
        if ((q_cpl_event & (q_cpl_event - 1'b1)) != 0) fail("q_cpl_event on two queues at once");
        for (ev_q = 0; ev_q < NQ; ev_q = ev_q + 1)
            if (prev_en[ev_q] && q_enable[ev_q]
                && q_cpl_prod[ev_q*16 +: 16] != prev_prod[ev_q*16 +: 16] + {15'd0, prev_ev[ev_q]})
                fail("q_cpl_event does not match q_cpl_prod");
    end
    prev_prod <= q_cpl_prod;
    prev_ev <= q_cpl_event;
    prev_en <= q_enable;
end

// ---------------------------------------------------------------- statistics
integer n_ok = 0, n_no_desc = 0, n_small = 0, n_bad = 0, n_dis = 0;
integer n_err_status = 0, n_err_unexp = 0, n_err_timeout = 0;
integer ok_first = 0, ok_last = 0;
integer ok_ninth = 0;     // the 9th frame_ok: steady-state throughput is measured from it
integer ok_bytes = 0;
integer q_ok [0:NQ-1], q_nd [0:NQ-1], q_sm [0:NQ-1], q_bad [0:NQ-1], q_dis [0:NQ-1];
integer sq;
always @(posedge clk) begin
    for (sq = 0; sq < NQ; sq = sq + 1) begin
        if (stat_frame_ok[sq]) begin
            if (n_ok == 0) ok_first = cycle;
            if (n_ok == 8) ok_ninth = cycle;
            ok_last = cycle;
            n_ok = n_ok + 1;
            q_ok[sq] = q_ok[sq] + 1;
            ok_bytes = ok_bytes + stat_frame_bytes[sq*16 +: 16];
        end
        if (stat_drop_no_desc[sq]) begin n_no_desc = n_no_desc + 1; q_nd[sq] = q_nd[sq] + 1; end
        if (stat_drop_buf_too_small[sq]) begin n_small = n_small + 1; q_sm[sq] = q_sm[sq] + 1; end
        if (stat_drop_bad_desc[sq]) begin n_bad = n_bad + 1; q_bad[sq] = q_bad[sq] + 1; end
        if (stat_drop_disabled[sq]) begin n_dis = n_dis + 1; q_dis[sq] = q_dis[sq] + 1; end
        if (stat_split[sq]) begin
            n_split = n_split + 1;
            if (!stat_frame_ok[sq]) fail("stat_split without stat_frame_ok");
        end
        if (stat_hdr_overflow[sq]) begin
            n_ovf = n_ovf + 1;
            if (!stat_frame_ok[sq]) fail("stat_hdr_overflow without stat_frame_ok");
        end
        if (err_cpl_status[sq]) n_err_status = n_err_status + 1;
        if (err_cpl_unexpected[sq]) n_err_unexp = n_err_unexp + 1;
        if (err_cpl_timeout[sq]) n_err_timeout = n_err_timeout + 1;
    end
end

// ---------------------------------------------------------------- driver model (per queue)
reg [63:0] dbase [0:NQ-1], cbase [0:NQ-1];
integer    dlog [0:NQ-1], clog [0:NQ-1];
integer    prod [0:NQ-1];       // driver's desc producer
integer    ccons [0:NQ-1];      // driver's completion consumer
integer    exp_frame [0:NQ-1];  // next frame of the queue expected to complete (skips drops)
integer    exp_didx [0:NQ-1];   // DESC_IDX of the next record (advances by DESC_COUNT)
reg        qpoll [0:NQ-1];
reg        poll_en = 1;
reg        refill = 0;
reg [63:0] buf_addr [0:1023];
integer    buf_len [0:1023];
integer    posted_buf [0:NQ*4096-1];
integer    posted_len [0:NQ*4096-1];
reg [63:0] posted_addr [0:NQ*4096-1];
integer    posted_hdr [0:NQ*4096-1];
integer    force_hdr = -1;      // >= 0: HDR_IDX of every posted descriptor, else buffer id % 64
// split statistics: pulses seen and what the records say they should be
integer    n_split = 0, n_ovf = 0, e_split = 0, e_ovf = 0, e_bytes = 0;

task post_desc(input integer b, input [63:0] addr, input integer len);
    post_desc_q(cq, b, addr, len);
endtask

function integer hdr_size(input integer qn);
    integer l;
    begin
        l = q_rx_cfg[qn*32 + RX_CFG_HDR_LOG_SIZE_SHIFT +: 4];
        if (l < HDR_LOG_SIZE_MIN) l = HDR_LOG_SIZE_MIN;
        if (l > HDR_LOG_SIZE_MAX) l = HDR_LOG_SIZE_MAX;
        hdr_size = 1 << l;
    end
endfunction

function [63:0] hdr_addr(input integer qn, input integer h);
    hdr_addr = q_hdr_base[qn*64 +: 64] + h * hdr_size(qn);
endfunction

// the record's complete checksum of frame f (docs/checksum.md): the
// ones'-complement sum of frame bytes [14, len) as big-endian words, folded
// (0 only for all-zero bytes). Frames are random and differ, so a record
// that took a neighbour's result (the wait on nic_rx_csum) fails here.
function [15:0] frame_complete(input integer f);
    integer i;
    reg [31:0] sum;
    begin
        sum = 0;
        for (i = 14; i < flen[f]; i = i + 1) begin
            sum = sum + (((i - 14) % 2 == 0) ? {16'd0, fbytes[foff[f] + i], 8'd0} : {24'd0, fbytes[foff[f] + i]});
        end
        while (sum > 32'hFFFF) sum = (sum & 32'hFFFF) + (sum >> 16);
        frame_complete = sum[15:0];
    end
endfunction

// byte j of frame f as delivered (without bytes 12..15 when stripped)
function [7:0] dbyte(input integer f, input integer j, input strip);
    dbyte = fbytes[foff[f] + ((strip && j >= 12) ? j + 4 : j)];
endfunction

// docs/split.md for frame f on queue qn with its first descriptor at ring
// index head: layout (steps 1-3) and descriptors (steps 4-5, with what is
// posted now). m_out: 0 delivered, 1 dropped (too small / too few), 2 BAD_DESC
integer m_lp, m_hlen, m_dlen, m_n, m_cap, m_last, m_out, m_bad_n, m_hsz;
reg     m_strip, m_split, m_ovf;
reg [15:0] m_tci;
task model_frame(input integer qn, input integer f, input integer head);
    reg [31:0] c;
    reg [79:0] m;
    reg [7:0]  fl;
    reg        elig;
    integer    L, mode, thr, po, l3, l4, vc, d, h, k, need, c0, hi;
    begin
        c = q_rx_cfg[qn*32 +: 32]; m = fmeta[f]; L = flen[f];
        mode = c[RX_CFG_MODE_SHIFT +: 2];
        if (mode == 3) mode = SPLIT_NEVER;
        thr = c[RX_CFG_THRESH_SHIFT +: 12];
        m_hsz = hdr_size(qn);
        l3 = m[37:36]; l4 = m[39:38]; fl = m[47:40]; vc = m[49:48]; po = m[79:70];
        m_strip = c[RX_CFG_VLAN_STRIP_BIT] && vc >= 1 && L >= 18;
        d = m_strip ? 4 : 0;
        m_lp = L - d;
        m_tci = (vc >= 1 && L >= 16) ? {fbytes[foff[f] + 14], fbytes[foff[f] + 15]} : 16'd0;
        elig = !fl[PARSE_MALFORMED_BIT] && !fl[PARSE_DEPTH_LIMIT_BIT] && l3 != L3_TYPE_NONE && po != 0 && po <= L
            && (mode == SPLIT_ALWAYS || (mode == SPLIT_TCP_UDP && (l4 == L4_TYPE_TCP || l4 == L4_TYPE_UDP)));
        m_split = 0; m_ovf = 0; m_hlen = 0;
        if (mode != SPLIT_NEVER && thr != 0 && m_lp <= thr && m_lp <= m_hsz) begin
            m_hlen = m_lp;
        end else if (elig) begin
            h = (po > d) ? po - d : 0;
            if (h <= m_hsz) begin m_hlen = h; m_split = 1; end
            else m_ovf = 1;
        end
        m_dlen = m_lp - m_hlen;
        hi = qn*4096 + head % 4096;
        c0 = posted_len[hi];
        m_cap = c0 & ~15;
        m_n = 1; m_out = 0; m_bad_n = 0;
        if (posted_addr[hi][3:0] != 0 || c0 == 0 || (m_hlen > 0 && posted_hdr[hi] >= q_hdr_count[qn*16 +: 16])) begin
            m_out = 2; m_bad_n = 1;
        end else if (m_dlen > c0) begin
            if (!c[RX_CFG_SCATTER_BIT] || m_cap == 0) m_out = 1;
            else begin
                m_n = (m_dlen + m_cap - 1) / m_cap;
                if (m_n > MAX_SCATTER_BUFS || m_n > prod[qn] - head) m_out = 1;
            end
        end
        m_last = (m_dlen == 0) ? 0 : m_dlen - (m_n - 1) * m_cap;
        if (m_out == 0) begin
            for (k = 1; k < m_n && m_out == 0; k = k + 1) begin
                hi = qn*4096 + (head + k) % 4096;
                need = (k == m_n - 1) ? m_last : m_cap;
                if (posted_addr[hi][3:0] != 0 || posted_len[hi] < need) begin m_out = 2; m_bad_n = k + 1; end
            end
        end
    end
endtask

// the buffer bytes of a delivered frame (model_frame just ran): header
// buffer, data buffers, untouched remainders and unused buffers
reg chk_ok;
task check_buffers(input integer qn, input integer f, input integer head);
    integer k, j, lk, hi, pl, hs;
    reg [63:0] a;
    begin
        chk_ok = 1;
        hi = qn*4096 + head % 4096;
        hs = posted_hdr[hi];
        if (hs < q_hdr_count[qn*16 +: 16]) begin
            a = hdr_addr(qn, hs);
            for (j = 0; j < m_hsz; j = j + 1)
                if (mem[midx(a + j)] !== ((j < m_hlen) ? dbyte(f, j, m_strip) : 8'hEE)) chk_ok = 0;
            if (!chk_ok) $display("  header buffer %0d at %h: hdr_len %0d", hs, a, m_hlen);
        end else if (m_hlen > 0) begin
            chk_ok = 0;
        end
        for (k = 0; k < m_n; k = k + 1) begin
            hi = qn*4096 + (head + k) % 4096;
            a = posted_addr[hi];
            pl = posted_len[hi];
            lk = (m_dlen == 0) ? 0 : (m_n == 1) ? m_dlen : (k == m_n - 1) ? m_last : m_cap;
            for (j = 0; j < lk; j = j + 1)
                if (mem[midx(a + j)] !== dbyte(f, m_hlen + k * m_cap + j, m_strip)) chk_ok = 0;
            for (j = lk; j < lk + 16 && j < pl + 16; j = j + 1)
                if (mem[midx(a + j)] !== 8'hEE) chk_ok = 0;
            // header buffers of scatter descriptors 1.. are not used
            if (k > 0 && posted_hdr[hi] < q_hdr_count[qn*16 +: 16])
                for (j = 0; j < m_hsz; j = j + 1)
                    if (mem[midx(hdr_addr(qn, posted_hdr[hi]) + j)] !== 8'hEE) chk_ok = 0;
            if (!chk_ok) begin
                $display("  data buffer %0d (desc %0d) at %h: %0d bytes, cap %0d", k, head + k, a, lk, m_cap);
                k = m_n;
            end
        end
    end
endtask

task post_desc_q(input integer qn, input integer b, input [63:0] addr, input integer len);
    reg [63:0] da;
    integer k, h;
    begin
        da = dbase[qn] + ((prod[qn] % (1 << dlog[qn])) * 16);
        for (k = 0; k < 8; k = k + 1) mem[midx(da + k)] = addr[8*k +: 8];
        mem[midx(da + 8)] = len[7:0]; mem[midx(da + 9)] = len[15:8];
        mem[midx(da + 10)] = b[7:0]; mem[midx(da + 11)] = b[15:8];
        h = (force_hdr >= 0) ? force_hdr : b % 64;
        mem[midx(da + 12)] = h[7:0]; mem[midx(da + 13)] = h[15:8];
        mem[midx(da + 14)] = 8'h00; mem[midx(da + 15)] = 8'h00;
        posted_buf[qn*4096 + prod[qn] % 4096] = b;
        posted_len[qn*4096 + prod[qn] % 4096] = len;
        posted_addr[qn*4096 + prod[qn] % 4096] = addr;
        posted_hdr[qn*4096 + prod[qn] % 4096] = h;
        // its header buffer (when in the pool): sentinel, writable
        if (h < q_hdr_count[qn*16 +: 16]) mem_fill(hdr_addr(qn, h), hdr_size(qn), 8'hEE, 1);
        // sentinel, device may write only the buffer
        if (len > 0 && len <= 16384) mem_fill(addr, len, 8'hEE, 1);
        if (len <= 16384) mem_fill(addr + len, 16, 8'hEE, 0);
        prod[qn] = prod[qn] + 1;
    end
endtask

task ring_doorbell;
    ring_doorbell_q(cq);
endtask

task ring_doorbell_q(input integer qn);
    begin
        @(posedge clk);
        q_desc_prod[qn*16 +: 16] <= prod[qn];
    end
endtask

// next frame the queue's ring should report (skips the queue's drops)
function integer next_frame(input integer qn);
    integer k;
    begin
        k = exp_frame[qn];
        while (k < n_frames && (fq[k] != qn || fexp[k] == 1)) k = k + 1;
        next_frame = k;
    end
endfunction

reg [255:0] rec, rec_exp;
integer     r_len, r_buf, r_stat, r_q, r_idx, r_dcnt, r_adv, k_p, slot, pq, ef;
reg [15:0]  r_cc;
reg         r_phase, expect_phase;
reg [15:0]  pend;

always @(posedge clk) begin
    for (pq = 0; pq < NQ; pq = pq + 1) begin
        if (!rst && q_enable[pq] && poll_en && qpoll[pq]) begin
            slot = ccons[pq] % (1 << clog[pq]);
            for (k_p = 0; k_p < 32; k_p = k_p + 1) rec[8*k_p +: 8] = mem[midx(cbase[pq] + slot*32 + k_p)];
            r_phase = rec[CPL_PHASE_LSB];
            expect_phase = ((ccons[pq] >> clog[pq]) & 1) == 0;
            if (r_phase == expect_phase) begin
                r_len = rec[CPL_LEN_LSB +: 16]; r_buf = rec[CPL_BUF_ID_LSB +: 16]; r_stat = rec[CPL_STATUS_LSB +: 8];
                r_q = rec[CPL_QUEUE_LSB +: 8]; r_idx = rec[CPL_DESC_IDX_LSB +: 16];
                r_dcnt = rec[CPL_DESC_COUNT_LSB +: CPL_DESC_COUNT_W];
                if (r_q != pq) fail("record queue id");
                if (r_idx != (exp_didx[pq] % 65536)) fail("record desc index");
                if (r_buf != posted_buf[pq*4096 + r_idx % 4096]) fail("record buf id");
                ef = next_frame(pq);
                r_adv = 1;
                if (ef >= n_frames) fail("record without a frame");
                else begin
                    model_frame(pq, ef, exp_didx[pq]);
                    r_adv = (m_out == 2) ? m_bad_n : m_n;
                    if (m_out != fexp[ef]) begin
                        $display("frame %0d: test expects outcome %0d, the rule book says %0d", ef, fexp[ef], m_out);
                        fail("test bench expectation vs docs/split.md");
                    end
                    rec_exp = rec_meta(fmeta[ef]);
                    rec_exp[CPL_VLAN_TCI_LSB +: CPL_VLAN_TCI_W] = m_tci;
                    if (m_out == 2) begin
                        rec_exp[CPL_DESC_COUNT_LSB +: CPL_DESC_COUNT_W] = m_bad_n;
                    end else begin
                        rec_exp[CPL_DESC_COUNT_LSB +: CPL_DESC_COUNT_W] = m_n;
                        rec_exp[CPL_HDR_LEN_LSB +: CPL_HDR_LEN_W] = m_hlen;
                        rec_exp[CPL_LAST_LEN_LSB +: CPL_LAST_LEN_W] = m_last;
                        rec_exp[CPL_SPLIT_LSB] = m_split;
                        rec_exp[CPL_HDR_OVERFLOW_LSB] = m_ovf;
                        rec_exp[CPL_VLAN_STRIPPED_LSB] = m_strip;
                    end
                    // the verdicts need parsed headers (random bytes here: tb_nic_rx_csum
                    // checks them); the complete sum is the frame's own (0 in a
                    // BAD_DESC record: no data written)
                    r_cc = (r_stat == 1) ? 16'd0 : frame_complete(ef);
                    if (rec[CPL_CSUM_COMPLETE_LSB +: CPL_CSUM_COMPLETE_W] !== r_cc) begin
                        $display("complete checksum %h expected %h (frame %0d, len %0d, status %0d)",
                            rec[CPL_CSUM_COMPLETE_LSB +: CPL_CSUM_COMPLETE_W], r_cc, ef, flen[ef], r_stat);
                        fail("record complete checksum (the frame's own result)");
                    end
                    rec[CPL_IP_CSUM_LSB +: CPL_IP_CSUM_W] = 0;
                    rec[CPL_L4_CSUM_LSB +: CPL_L4_CSUM_W] = 0;
                    rec[CPL_CSUM_COMPLETE_LSB +: CPL_CSUM_COMPLETE_W] = 0;
                    if (rec[254:64] !== rec_exp[254:64]) begin
                        $display("record   %h\nexpected %h (frame %0d, len %0d)", rec[254:64], rec_exp[254:64], ef, flen[ef]);
                        fail("record fields (meta, split, descriptor count, reserved bits)");
                    end
                    if (r_stat == 1) begin
                        if (fexp[ef] != 2) fail("unexpected BAD_DESC record");
                        if (r_len != 0) fail("BAD_DESC record length");
                    end else begin
                        if (r_stat != 0) fail("record status");
                        if (fexp[ef] != 0) fail("frame should have been dropped");
                        if (r_len != m_lp) begin
                            $display("len %0d expected %0d (frame %0d)", r_len, m_lp, ef);
                            fail("record length");
                        end
                        check_buffers(pq, ef, exp_didx[pq]);
                        if (!chk_ok) begin
                            $display("frame %0d buf %0d", ef, r_buf);
                            fail("buffer contents");
                        end
                        e_split = e_split + m_split;
                        e_ovf = e_ovf + m_ovf;
                        e_bytes = e_bytes + m_lp;
                    end
                    exp_frame[pq] = ef + 1;
                end
                ccons[pq] = ccons[pq] + 1;
                q_cpl_cons[pq*16 +: 16] <= ccons[pq];
                // recycle every descriptor the frame consumed
                if (refill) begin
                    for (k_p = 0; k_p < r_adv; k_p = k_p + 1)
                        post_desc_q(pq, posted_buf[pq*4096 + (r_idx + k_p) % 4096],
                            buf_addr[posted_buf[pq*4096 + (r_idx + k_p) % 4096]],
                            buf_len[posted_buf[pq*4096 + (r_idx + k_p) % 4096]]);
                    q_desc_prod[pq*16 +: 16] <= prod[pq];
                end
                exp_didx[pq] = exp_didx[pq] + r_adv;
            end else begin
                pend = q_cpl_prod[pq*16 +: 16] - ccons[pq];
                if (pend != 0 && pend < 16'h8000) fail("CPL_PROD advanced before record visible");
            end
        end
    end
end

// ---------------------------------------------------------------- test control
integer t, i, nf, base_ok, base_nd, base_sm, base_bad, base_dis, t0, t1, qn, cnt;
integer cnt_q [0:NQ-1];

task setup_queue(input [63:0] db, input integer dl, input [63:0] cb, input integer cl);
    setup_q(cq, db, dl, cb, cl);
endtask

task setup_q(input integer qn, input [63:0] db, input integer dl, input [63:0] cb, input integer cl);
    begin
        @(posedge clk);
        q_enable[qn] <= 0;
        @(posedge clk);
        dbase[qn] = db; cbase[qn] = cb; dlog[qn] = dl; clog[qn] = cl;
        dbase_chk[qn] = db; dsize_chk[qn] = 1 << dl;
        mem_fill(db, (1 << dl) * 16, 8'h00, 0);
        mem_fill(cb, (1 << cl) * 32, 8'h00, 1);
        q_desc_base[qn*64 +: 64] <= db; q_desc_log_size[qn*4 +: 4] <= dl;
        q_cpl_base[qn*64 +: 64] <= cb; q_cpl_log_size[qn*4 +: 4] <= cl;
        q_desc_prod[qn*16 +: 16] <= 0; q_cpl_cons[qn*16 +: 16] <= 0;
        prod[qn] = 0; ccons[qn] = 0; exp_didx[qn] = 0;
        // pending reads of an old queue may still complete
        @(posedge clk);
        q_enable[qn] <= 1;
        @(posedge clk);
    end
endtask

task wait_idle(input integer max_cycles);
    integer k;
    begin
        k = 0;
        while (k < max_cycles && !(len_idx == n_avail && w_frame == n_avail && exp_frame_done(0))) begin
            @(posedge clk);
            k = k + 1;
        end
        repeat (30) @(posedge clk);
        if (k >= max_cycles) begin
            $display("len_idx %0d w_frame %0d n_avail %0d exp_frame %0d %0d %0d %0d", len_idx, w_frame, n_avail,
                exp_frame[0], exp_frame[1], exp_frame[2], exp_frame[3]);
            fail("timeout waiting for frames");
        end
    end
endtask

function exp_frame_done(input integer dummy);
    integer k;
    begin
        exp_frame_done = 1;
        for (k = 0; k < NQ; k = k + 1)
            if (next_frame(k) < n_frames) exp_frame_done = 0;
    end
endfunction

task snap;
    begin
        base_ok = n_ok; base_nd = n_no_desc; base_sm = n_small; base_bad = n_bad; base_dis = n_dis;
    end
endtask

task check_stats(input integer ok, input integer nd, input integer sm, input integer bad, input integer dis);
    begin
        if (n_ok - base_ok != ok || n_no_desc - base_nd != nd || n_small - base_sm != sm || n_bad - base_bad != bad
            || n_dis - base_dis != dis) begin
            $display("stats ok %0d/%0d nodesc %0d/%0d small %0d/%0d bad %0d/%0d dis %0d/%0d",
                n_ok - base_ok, ok, n_no_desc - base_nd, nd, n_small - base_sm, sm, n_bad - base_bad, bad, n_dis - base_dis, dis);
            fail("statistics");
        end
    end
endtask

task drop_pending_reads;
    integer k;
    begin
        for (k = 0; k < MAXP; k = k + 1) p_valid[k] = 0;
    end
endtask

task clear_qstats;
    integer k;
    begin
        for (k = 0; k < NQ; k = k + 1) begin q_ok[k] = 0; q_nd[k] = 0; q_sm[k] = 0; q_bad[k] = 0; q_dis[k] = 0; end
    end
endtask

// split configuration of a queue (written while it is disabled, as nic_csr
// requires), then fresh rings as setup_q makes them
task setup_split_q(input integer qn, input [31:0] cfg, input [63:0] hbase, input integer hcount,
                   input [63:0] db, input integer dl, input [63:0] cb, input integer cl);
    begin
        @(posedge clk);
        q_enable[qn] <= 0;
        @(posedge clk);
        q_rx_cfg[qn*32 +: 32] <= cfg;
        q_hdr_base[qn*64 +: 64] <= hbase;
        q_hdr_count[qn*16 +: 16] <= hcount;
        @(posedge clk);
        setup_q(qn, db, dl, cb, cl);
    end
endtask

function [31:0] rx_cfg(input integer mode, input scatter, input strip, input integer hlog, input integer thresh);
    rx_cfg = (mode << RX_CFG_MODE_SHIFT) | (scatter << RX_CFG_SCATTER_BIT) | (strip << RX_CFG_VLAN_STRIP_BIT)
        | (hlog << RX_CFG_HDR_LOG_SIZE_SHIFT) | (thresh << RX_CFG_THRESH_SHIFT);
endfunction

integer base_split, base_ovf, base_esplit, base_eovf, base_bytes, base_ebytes;
task snap_split;
    begin
        snap;
        base_split = n_split; base_ovf = n_ovf; base_esplit = e_split; base_eovf = e_ovf;
        base_bytes = ok_bytes; base_ebytes = e_bytes;
    end
endtask

// the split counters against the records, and literal expectations
task check_split(input integer sp, input integer ov);
    begin
        if (n_split - base_split != e_split - base_esplit || n_ovf - base_ovf != e_ovf - base_eovf
            || n_split - base_split != sp || n_ovf - base_ovf != ov) begin
            $display("split %0d (records %0d, expected %0d), overflow %0d (records %0d, expected %0d)",
                n_split - base_split, e_split - base_esplit, sp, n_ovf - base_ovf, e_ovf - base_eovf, ov);
            fail("stat_split / stat_hdr_overflow");
        end
        if (ok_bytes - base_bytes != e_bytes - base_ebytes) begin
            $display("stat_frame_bytes %0d, delivered lengths %0d", ok_bytes - base_bytes, e_bytes - base_ebytes);
            fail("stat_frame_bytes (delivered length)");
        end
    end
endtask

task check_cons(input integer qn, input integer n);
    begin
        if (q_desc_cons[qn*16 +: 16] != n[15:0] || exp_didx[qn] != n) begin
            $display("q_desc_cons %0d, records %0d, expected %0d", q_desc_cons[qn*16 +: 16], exp_didx[qn], n);
            fail("descriptors consumed");
        end
    end
endtask
initial begin
    for (i = 0; i < MAXP; i = i + 1) p_valid[i] = 0;
    for (i = 0; i < NQ; i = i + 1) begin
        prod[i] = 0; ccons[i] = 0; exp_frame[i] = 0; exp_didx[i] = 0; qpoll[i] = 1;
        dbase[i] = 0; cbase[i] = 0; dlog[i] = 4; clog[i] = 4; dbase_chk[i] = 0; dsize_chk[i] = 0;
    end
    clear_qstats;
    for (i = 0; i < 32; i = i + 1) memrd_sizes[i] = 0;
    for (i = 0; i < (1 << MEM_AW); i = i + 1) begin mem[i] = 8'h00; wr_ok[i] = 0; end
    repeat (5) @(posedge clk);
    rst <= 0;
    repeat (5) @(posedge clk);

    // +split_only: T14 and T15 alone (quick runs while working on the split path)
    if (!$test$plusargs("split_only")) begin
    // ---------------- T1: random lengths, MPS 128, RCB 64 splits, backpressure, refill
    $display("T1 random frames, MPS 128, backpressure, refill");
    mps_n = 0; mrrs_n = 2;
    setup_queue(64'h0001_0000, 4, 64'h0002_0000, 4);
    for (i = 0; i < 16; i = i + 1) begin
        buf_addr[i] = 64'h0004_0000 + i * 64'h4000 + (i % 8) * 16; buf_len[i] = 2048;
        post_desc(i, buf_addr[i], buf_len[i]);
    end
    ring_doorbell;
    refill = 1;
    snap;
    nf = 80;
    for (i = 0; i < nf; i = i + 1) add_frame(14 + ($urandom % 2035), 0);
    fork
        begin : bp
            while (!exp_frame_done(0)) begin
                @(posedge clk);
                m_tlp_req_ready <= ($urandom % 4 != 0);
            end
            m_tlp_req_ready <= 1;
        end
        begin
            axis_gaps = 1;
            commit_frames;
            wait_idle(200000);
        end
    join
    axis_gaps = 0;
    check_stats(nf, 0, 0, 0, 0);

    // ---------------- T2: 4-DW addresses, MPS 256, random dword splits, long frames
    $display("T2 64-bit addresses, MPS 256, random completion splits");
    mps_n = 1; mrrs_n = 0; rand_split = 1;
    setup_queue(64'h1_0001_0000, 3, 64'h1_0002_0000, 3);
    refill = 1;
    for (i = 0; i < 8; i = i + 1) begin
        buf_addr[i] = 64'h1_0004_0000 + i * 64'h4000 + 16 * (i * 5); buf_len[i] = 4096 + 512;
        post_desc(i, buf_addr[i], buf_len[i]);
    end
    ring_doorbell;
    snap;
    nf = 40;
    for (i = 0; i < nf; i = i + 1) add_frame((i % 4 == 0) ? 4096 + 512 : 14 + ($urandom % 4600), 0);
    commit_frames;
    wait_idle(200000);
    check_stats(nf, 0, 0, 0, 0);
    rand_split = 0;

    // ---------------- T3: jumbo frames, MPS 512, buffer crossing 4 GiB (3DW -> 4DW mid-frame)
    $display("T3 jumbo frames, buffer across 4 GiB");
    mps_n = 2; mrrs_n = 5;
    setup_queue(64'h0001_0000, 2, 64'h0002_0000, 2);
    refill = 1;
    buf_addr[0] = 64'h0_FFFF_E010; buf_len[0] = 9216 + 16;
    buf_addr[1] = 64'h0_0008_0FF0; buf_len[1] = 9216;
    buf_addr[2] = 64'h1_0008_0000; buf_len[2] = 9216;
    buf_addr[3] = 64'h0_000C_0100; buf_len[3] = 9216;
    for (i = 0; i < 4; i = i + 1) post_desc(i, buf_addr[i], buf_len[i]);
    ring_doorbell;
    snap;
    add_frame(9216, 0); add_frame(9215, 0); add_frame(8000, 0); add_frame(9213, 0);
    add_frame(9214, 0); add_frame(17, 0); add_frame(4099, 0); add_frame(129, 0);
    commit_frames;
    wait_idle(100000);
    check_stats(8, 0, 0, 0, 0);

    // ---------------- T4: drops: no descriptor, buffer too small, bad descriptors
    $display("T4 no descriptor, buffer too small, bad descriptors");
    mps_n = 0; mrrs_n = 2;
    setup_queue(64'h0001_0000, 4, 64'h0002_0000, 4);
    refill = 0;
    snap;
    add_frame(60, 1); add_frame(61, 1); add_frame(1500, 1);
    commit_frames;
    wait_idle(5000);
    check_stats(0, 3, 0, 0, 0);
    snap;
    buf_addr[0] = 64'h0004_0000; buf_len[0] = 100;
    buf_addr[1] = 64'h0004_4008; buf_len[1] = 100;      // misaligned: bad
    buf_addr[2] = 64'h0004_8000; buf_len[2] = 0;        // zero length: bad
    buf_addr[3] = 64'h0004_C000; buf_len[3] = 1514;
    for (i = 0; i < 4; i = i + 1) post_desc(i, buf_addr[i], buf_len[i]);
    ring_doorbell;
    add_frame(60, 0);       // buf 0
    // buf 1 not yet consumed: reposting buf 0 would need the frame to complete first
    commit_frames;
    wait_idle(5000);
    post_desc(0, buf_addr[0], buf_len[0]);      // index 4: buf 0 again (100 bytes)
    ring_doorbell;
    add_frame(200, 2);      // desc 1 bad (checked before size): BAD record
    add_frame(300, 2);      // desc 2 bad: BAD record
    add_frame(1600, 1);     // desc 3 (1514) too small, kept
    add_frame(1514, 0);     // desc 3
    add_frame(101, 1);      // desc 4 (100) too small, kept
    add_frame(100, 0);      // desc 4
    add_frame(64, 1);       // nothing left: no desc
    commit_frames;
    wait_idle(10000);
    check_stats(3, 1, 2, 2, 0);

    // ---------------- T5: queue disabled
    $display("T5 disabled queue");
    snap;
    q_enable[cq] <= 0;
    add_frame(60, 1); add_frame(900, 1); add_frame(14, 1);
    commit_frames;
    wait_idle(5000);
    check_stats(0, 0, 0, 0, 3);

    // ---------------- T6: completion ring full, bus master disable
    $display("T6 completion ring full, BME low");
    setup_queue(64'h0001_0000, 4, 64'h0002_0000, 2);
    refill = 0;
    for (i = 0; i < 12; i = i + 1) begin
        buf_addr[i] = 64'h0004_0000 + i * 64'h4000; buf_len[i] = 2048;
        post_desc(i, buf_addr[i], buf_len[i]);
    end
    ring_doorbell;
    repeat (200) @(posedge clk);
    poll_en = 0;
    snap;
    for (i = 0; i < 10; i = i + 1) add_frame(100 + i, 0);
    commit_frames;
    repeat (2000) @(posedge clk);
    if (n_ok - base_ok != 4) fail("ring full: expected exactly 4 completions");
    if (q_cpl_prod[cq*16 +: 16] != 4) fail("ring full: CPL_PROD");
    bme = 0;
    poll_en = 1;
    repeat (1000) @(posedge clk);
    if (n_ok - base_ok != 4) fail("BME low: engine kept writing");
    bme = 1;
    wait_idle(20000);
    check_stats(10, 0, 0, 0, 0);
    if (q_desc_cons[cq*16 +: 16] != 10 || q_cpl_prod[cq*16 +: 16] != 10) fail("exported indices");

    // ---------------- T7: completion errors
    $display("T7 unexpected completion, error status, timeout, disable with reads in flight");
    snap;
    inject_bogus = 1;
    repeat (50) @(posedge clk);
    if (n_err_unexp != 1) fail("err_cpl_unexpected for unknown tag");
    // error status -> halt
    setup_queue(64'h0001_0000, 4, 64'h0002_0000, 4);
    next_rd_mode = 1;
    for (i = 0; i < 4; i = i + 1) post_desc(i, buf_addr[i], buf_len[i]);
    ring_doorbell;
    repeat (200) @(posedge clk);
    if (n_err_status != 1 || !q_halted[cq]) fail("error status must halt");
    snap;
    add_frame(80, 1);
    commit_frames;
    wait_idle(3000);
    check_stats(0, 0, 0, 0, 1);
    // re-enable recovers
    setup_queue(64'h0001_0000, 4, 64'h0002_0000, 4);
    if (q_halted[cq]) fail("halt not cleared by disable");
    for (i = 0; i < 4; i = i + 1) post_desc(i, buf_addr[i], buf_len[i]);
    ring_doorbell;
    snap;
    add_frame(80, 0); add_frame(81, 0);
    commit_frames;
    wait_idle(5000);
    check_stats(2, 0, 0, 0, 0);
    // timeout
    setup_queue(64'h0001_0000, 4, 64'h0002_0000, 4);
    next_rd_mode = 2;
    for (i = 0; i < 4; i = i + 1) post_desc(i, buf_addr[i], buf_len[i]);
    ring_doorbell;
    repeat (TIMEOUT + 200) @(posedge clk);
    if (n_err_timeout != 1 || !q_halted[cq]) fail("timeout must halt");
    drop_pending_reads;
    // disable with reads in flight: late completions are swallowed silently
    cpl_lat = 400;
    setup_queue(64'h0001_0000, 4, 64'h0002_0000, 4);
    for (i = 0; i < 12; i = i + 1) post_desc(i, buf_addr[i], buf_len[i]);
    ring_doorbell;
    repeat (60) @(posedge clk);
    t0 = n_err_unexp;
    cpl_lat = 40;
    setup_queue(64'h0001_0000, 4, 64'h0002_0000, 4);
    for (i = 0; i < 8; i = i + 1) post_desc(i + 20, buf_addr[i], buf_len[i]);
    for (i = 0; i < 8; i = i + 1) begin buf_addr[i + 20] = buf_addr[i]; buf_len[i + 20] = buf_len[i]; end
    ring_doorbell;
    snap;
    for (i = 0; i < 6; i = i + 1) add_frame(200 + i, 0);
    commit_frames;
    wait_idle(5000);
    repeat (600) @(posedge clk);
    check_stats(6, 0, 0, 0, 0);
    if (n_err_unexp != t0) fail("stale completions flagged unexpected");
    if (n_err_status != 1 || n_err_timeout != 1) fail("spurious errors");

    // ---------------- T8: throughput, back-to-back 60-byte frames
    $display("T8 throughput: 60-byte frames");
    mps_n = 1; mrrs_n = 2; cpl_lat = 60;
    setup_queue(64'h0001_0000, 9, 64'h0002_0000, 9);
    refill = 1;
    for (i = 0; i < 256; i = i + 1) begin
        buf_addr[i] = 64'h0004_0000 + i * 64'h0800; buf_len[i] = 1536;
    end
    for (i = 0; i < 256; i = i + 1) post_desc(i, buf_addr[i], buf_len[i]);
    ring_doorbell;
    repeat (400) @(posedge clk);
    n_ok = 0;
    snap;
    for (i = 0; i < 32; i = i + 1) memrd_sizes[i] = 0;
    t0 = req_beats_total;
    t1 = n_memrd;
    for (i = 0; i < 600; i = i + 1) add_frame(60, 0);
    commit_frames;
    t1 = cycle;
    wait_idle(100000);
    check_stats(600, 0, 0, 0, 0);
    $write("  MemRd sizes (descs:count):");
    for (i = 0; i < 32; i = i + 1) if (memrd_sizes[i] != 0) $write(" %0d:%0d", i, memrd_sizes[i]);
    $display("");
    $display("  600 x 60 B: %0d cycles first->last frame_ok, %0.3f cycles/frame, %0.3f req beats/frame",
        ok_last - ok_first, (ok_last - ok_first) / 599.0, (req_beats_total - t0) / 600.0);
    // steady state, from the 9th frame on: the first frames also carry the
    // pipeline's start (a descriptor MemRd taken by the request mux between
    // two of their MemWr TLPs can cost a cycle there, depending on phase)
    if ((ok_last - ok_ninth) > 8 * 591) fail("throughput below 1 frame / 8 cycles");
    if ((ok_last - ok_first) > 8 * 599 + 8) fail("start-up cost more than a frame slot");
    $display("  first frame: length valid -> stat_frame_ok %0d cycles", ok_first - t1);

    // full-size frames
    n_ok = 0;
    snap;
    for (i = 0; i < 100; i = i + 1) add_frame(1514, 0);
    commit_frames;
    wait_idle(100000);
    check_stats(100, 0, 0, 0, 0);
    $display("  100 x 1514 B: %0.2f cycles/frame (95 data beats + 2)", (ok_last - ok_first) / 99.0);

    // ---------------- T9: several queues: steering, alternating queues at full rate
    $display("T9 multi-queue: 60-byte frames alternating over %0d queues, then random queues and lengths", NQ);
    mps_n = 1; mrrs_n = 2; cpl_lat = 60;
    q_enable <= 0;      // queue 3's old rings overlap the new ones
    repeat (2) @(posedge clk);
    refill = 1;
    for (qn = 0; qn < NQ; qn = qn + 1) begin
        setup_q(qn, 64'h0001_0000 + qn * 64'h2000, 9, 64'h0002_0000 + qn * 64'h4000, 9);
        for (i = 0; i < 64; i = i + 1) begin
            buf_addr[qn*64 + i] = 64'h0004_0000 + (qn*64 + i) * 64'h0800; buf_len[qn*64 + i] = 1536;
            post_desc_q(qn, qn*64 + i, buf_addr[qn*64 + i], buf_len[qn*64 + i]);
        end
        ring_doorbell_q(qn);
    end
    repeat (400) @(posedge clk);
    n_ok = 0;
    clear_qstats;
    snap;
    for (i = 0; i < 800; i = i + 1) add_frame_q(i % NQ, 60, 0);
    commit_frames;
    wait_idle(100000);
    check_stats(800, 0, 0, 0, 0);
    for (qn = 0; qn < NQ; qn = qn + 1) if (q_ok[qn] != 800 / NQ) fail("frames per queue");
    $display("  800 x 60 B over %0d queues: %0.3f cycles/frame", NQ, (ok_last - ok_first) / 799.0);
    if ((ok_last - ok_ninth) > 8 * 791) fail("multi-queue throughput below 1 frame / 8 cycles");
    if ((ok_last - ok_first) > 8 * 799 + 8) fail("multi-queue start-up cost more than a frame slot");
    clear_qstats;
    snap;
    for (i = 0; i < 16; i = i + 1) cnt_q[i % NQ] = 0;
    for (i = 0; i < 300; i = i + 1) begin
        qn = $urandom % NQ;
        cnt_q[qn] = cnt_q[qn] + 1;
        add_frame_q(qn, 14 + ($urandom % 1500), 0);
    end
    fork
        begin : bp9
            while (!exp_frame_done(0)) begin
                @(posedge clk);
                m_tlp_req_ready <= ($urandom % 4 != 0);
            end
            m_tlp_req_ready <= 1;
        end
        begin
            axis_gaps = 1;
            commit_frames;
            wait_idle(200000);
        end
    join
    axis_gaps = 0;
    check_stats(300, 0, 0, 0, 0);
    for (qn = 0; qn < NQ; qn = qn + 1) if (q_ok[qn] != cnt_q[qn]) fail("random steering: frames per queue");

    // ---------------- T10: per-queue drops; a queue without descriptors blocks nobody
    $display("T10 per-queue drops: q0 ok, q1 no descriptors, q2 disabled, q3 too small / ok");
    refill = 0;
    mps_n = 0;
    setup_q(0, 64'h0001_0000, 6, 64'h0002_0000, 6);
    setup_q(1, 64'h0001_2000, 6, 64'h0002_4000, 6);
    setup_q(2, 64'h0001_4000, 6, 64'h0002_8000, 6);
    setup_q(3, 64'h0001_6000, 6, 64'h0002_C000, 6);
    q_enable[2] <= 0;
    for (i = 0; i < 16; i = i + 1) begin
        buf_addr[i] = 64'h0004_0000 + i * 64'h0800; buf_len[i] = 1536;
        post_desc_q(0, i, buf_addr[i], buf_len[i]);
        buf_addr[64 + i] = 64'h0008_0000 + i * 64'h0800; buf_len[64 + i] = 100;
        if (i < 8) post_desc_q(3, 64 + i, buf_addr[64 + i], buf_len[64 + i]);
    end
    ring_doorbell_q(0);
    ring_doorbell_q(3);
    repeat (300) @(posedge clk);
    clear_qstats;
    snap;
    t0 = cycle;
    for (i = 0; i < 64; i = i + 1) begin
        case (i % 4)
            0: add_frame_q(0, 60 + i, 0);
            1: add_frame_q(1, 60, 1);
            2: add_frame_q(2, 70, 1);
            default: add_frame_q(3, (i % 8 == 3) ? 200 : 60, (i % 8 == 3) ? 1 : 0);
        endcase
    end
    commit_frames;
    wait_idle(20000);
    check_stats(24, 16, 8, 0, 16);
    if (q_ok[0] != 16 || q_nd[1] != 16 || q_dis[2] != 16 || q_ok[3] != 8 || q_sm[3] != 8
        || q_nd[0] + q_nd[2] + q_nd[3] + q_dis[0] + q_dis[1] + q_dis[3] + q_ok[1] + q_ok[2] != 0)
        fail("per-queue statistics");
    $display("  64 frames (24 delivered, 40 dropped): %0d cycles", ok_last - t0);
    if (q_desc_cons[0*16 +: 16] != 16 || q_cpl_prod[3*16 +: 16] != 8 || q_cpl_prod[1*16 +: 16] != 0)
        fail("per-queue exported indices");

    // ---------------- T11: descriptor fetch is round robin over the queues
    $display("T11 round-robin descriptor fetch");
    mrrs_n = 2;
    for (qn = 0; qn < NQ; qn = qn + 1) setup_q(qn, 64'h0001_0000 + qn * 64'h2000, 6, 64'h0002_0000 + qn * 64'h4000, 6);
    for (qn = 0; qn < NQ; qn = qn + 1)
        for (i = 0; i < 64; i = i + 1) post_desc_q(qn, qn*64 + i, buf_addr[(qn*64 + i) % 16], 1536);
    t1 = n_memrd;
    @(posedge clk);
    for (qn = 0; qn < NQ; qn = qn + 1) q_desc_prod[qn*16 +: 16] <= prod[qn];
    repeat (400) @(posedge clk);
    if (n_memrd - t1 != 2 * NQ) begin
        $display("  %0d MemRd", n_memrd - t1);
        fail("expected two 8-descriptor reads per queue");
    end
    for (t = 0; t < 2; t = t + 1) begin
        for (qn = 0; qn < NQ; qn = qn + 1) cnt_q[qn] = 0;
        for (i = 0; i < NQ; i = i + 1) cnt_q[memrd_q[(t1 + t*NQ + i) % 4096]] = cnt_q[memrd_q[(t1 + t*NQ + i) % 4096]] + 1;
        for (qn = 0; qn < NQ; qn = qn + 1) if (cnt_q[qn] != 1) fail("MemRd not round robin over the queues");
    end
    $write("  MemRd queue order:");
    for (i = 0; i < 2 * NQ; i = i + 1) $write(" %0d", memrd_q[(t1 + i) % 4096]);
    $display("");
    repeat (200) @(posedge clk);

    // ---------------- T12: orphan completion tag; Q busy covers a disable mid-DMA
    $display("T12 orphan completion tag, disable a queue mid-DMA under backpressure");
    t0 = n_err_unexp;
    bogus_tag = TAGS * NQ + 7;
    inject_bogus = 1;
    repeat (50) @(posedge clk);
    if (n_err_unexp != t0 + 1) fail("orphan tag not flagged");
    mps_n = 0;
    refill = 1;
    setup_q(0, 64'h0001_0000, 6, 64'h0002_0000, 6);
    setup_q(1, 64'h0001_2000, 6, 64'h0002_4000, 6);
    for (i = 0; i < 16; i = i + 1) begin
        buf_addr[i] = 64'h0004_0000 + i * 64'h0800; buf_len[i] = 1536;
        post_desc_q(0, i, buf_addr[i], buf_len[i]);
        buf_addr[64 + i] = 64'h0008_0000 + i * 64'h0800; buf_len[64 + i] = 1536;
        post_desc_q(1, 64 + i, buf_addr[64 + i], buf_len[64 + i]);
    end
    ring_doorbell_q(0);
    ring_doorbell_q(1);
    qpoll[1] = 0;      // queue 1's outcome is not checked: it is torn down mid-stream
    repeat (200) @(posedge clk);
    for (i = 0; i < 40; i = i + 1) add_frame_q(i % 2, 1400 + i, i % 2);
    fork
        begin : bp12
            while (!exp_frame_done(0)) begin
                @(posedge clk);
                m_tlp_req_ready <= ($urandom % 3 != 0);
            end
            m_tlp_req_ready <= 1;
        end
        begin
            commit_frames;
            repeat (900) @(posedge clk);
            q_enable[1] <= 0;
            @(posedge clk);
            t = 0;
            while (q_busy[1] === 1'b1 && t < 1000) begin @(posedge clk); t = t + 1; end
            $display("  queue 1 disabled: busy for %0d more cycles", t + 1);
            if (q_busy[1] !== 1'b0) fail("Q busy never cleared");
            // the driver frees queue 1's memory: any later write to it is a violation
            for (i = 0; i < 16; i = i + 1) mem_fill(buf_addr[64 + i], buf_len[64 + i], 8'hEE, 0);
            mem_fill(64'h0002_4000, 64 * 32, 8'h00, 0);
            wait_idle(200000);
        end
    join
    qpoll[1] = 1;
    repeat (100) @(posedge clk);

    // ---------------- T13: MSI-X messages through the request path
    $display("T13 MSI-X messages: format, back-pressure, ordering behind the completion records");
    mps_n = 1; mrrs_n = 2; cpl_lat = 60;
    refill = 1;
    q_enable <= 0;
    repeat (2) @(posedge clk);
    for (qn = 0; qn < NQ; qn = qn + 1) begin
        setup_q(qn, 64'h0001_0000 + qn * 64'h2000, 4, 64'h0002_0000 + qn * 64'h4000, 4);
        for (i = 0; i < 16; i = i + 1) begin
            buf_addr[qn*64 + i] = 64'h0004_0000 + (qn*64 + i) * 64'h0800; buf_len[qn*64 + i] = 1536;
            post_desc_q(qn, qn*64 + i, buf_addr[qn*64 + i], buf_len[qn*64 + i]);
        end
        ring_doorbell_q(qn);
    end
    repeat (300) @(posedge clk);
    // alone, 3- and 4-DW addresses
    t0 = mq_got;
    for (i = 0; i < 8; i = i + 1) msg_push(i % 2 ? 64'h1_FEE0_0100 + 4 * i : 64'hFEE0_0200 + 4 * i, 32'hA5A5_0000 + i);
    repeat (100) @(posedge clk);
    if (mq_got != t0 + 8) fail("messages alone");
    // mixed with frames (data, records, descriptor reads) under back-pressure
    msg_gaps = 1;
    snap;
    for (i = 0; i < 200; i = i + 1) add_frame_q($urandom % NQ, 14 + ($urandom % 700), 0);
    fork
        begin : bp13
            while (!exp_frame_done(0)) begin
                @(posedge clk);
                m_tlp_req_ready <= ($urandom % 3 != 0);
            end
            m_tlp_req_ready <= 1;
        end
        begin : msgs13
            for (i = 0; i < 60; i = i + 1) begin
                repeat (13 + ($urandom % 40)) @(posedge clk);
                msg_push(($urandom % 2) ? 64'h1_FEE0_0000 + 4 * (i % 1024) : 64'hFEE0_0000 + 4 * (i % 1024), $urandom);
            end
        end
        begin
            commit_frames;
            wait_idle(200000);
        end
    join
    repeat (50) @(posedge clk);
    check_stats(200, 0, 0, 0, 0);
    if (mq_got != mq_push) fail("messages lost");
    $display("  %0d messages, longest wait for s_msg_ready %0d cycles", mq_got, msg_wait_max);
    // a source that announces every new q_cpl_prod (as nic_msix does): the
    // record must be in host memory when the message arrives
    for (qn = 0; qn < NQ; qn = qn + 1) ann_prod[qn] = q_cpl_prod[qn*16 +: 16];
    msg_auto = 1;
    snap;
    for (i = 0; i < 300; i = i + 1) add_frame_q($urandom % NQ, 14 + ($urandom % 300), 0);
    fork
        begin : bp13b
            while (!exp_frame_done(0)) begin
                @(posedge clk);
                m_tlp_req_ready <= ($urandom % 4 != 0);
            end
            m_tlp_req_ready <= 1;
        end
        begin
            commit_frames;
            wait_idle(200000);
        end
    join
    msg_auto = 0;
    repeat (50) @(posedge clk);
    check_stats(300, 0, 0, 0, 0);
    if (mq_got != mq_push) fail("messages lost (ordering run)");
    if (n_ord_checked < 100) fail("too few ordering checks");
    $display("  ordering: %0d messages each found their completion record in memory", n_ord_checked);
    msg_gaps = 0;
    end

    // ---------------- T14: header split, VLAN strip, scatter through descriptor fetch + DMA
    $display("T14a header split (TCP_UDP, 128-byte header buffers): split, unsplit, overflow, no payload, too small");
    mps_n = 1; mrrs_n = 2; cpl_lat = 40;
    q_enable <= 0;
    repeat (2) @(posedge clk);
    refill = 0;
    cq = 3;
    setup_split_q(3, rx_cfg(SPLIT_TCP_UDP, 0, 0, 7, 0), 64'h000E_0000, 32, 64'h0001_0000, 5, 64'h0002_0000, 5);
    for (i = 0; i < 16; i = i + 1) begin
        buf_addr[i] = 64'h0004_0000 + i * 64'h1000; buf_len[i] = 2048;
        post_desc(i, buf_addr[i], buf_len[i]);
    end
    ring_doorbell;
    repeat (100) @(posedge clk);
    snap_split;
    add_frame_qm(3, 1000, 0, ip_meta(L3_TYPE_IPV4, L4_TYPE_TCP, 0, 0, 54));     // split 54 + 946
    add_frame_qm(3, 300, 0, ip_meta(L3_TYPE_IPV6, L4_TYPE_UDP, 0, 0, 62));      // split 62 + 238
    add_frame_qm(3, 200, 0, ip_meta(L3_TYPE_IPV4, L4_TYPE_OTHER, 0, 0, 34));    // not TCP/UDP: unsplit
    add_frame_qm(3, 60, 0, ip_meta(L3_TYPE_NONE, L4_TYPE_NONE, 0, 0, 0));       // not IP: unsplit
    add_frame_qm(3, 700, 0, ip_meta(L3_TYPE_IPV4, L4_TYPE_TCP, 0, 0, 200));     // header > 128: overflow
    add_frame_qm(3, 54, 0, ip_meta(L3_TYPE_IPV4, L4_TYPE_TCP, 0, 0, 54));       // split, no payload
    add_frame_qm(3, 500, 0, ip_meta(L3_TYPE_IPV4, L4_TYPE_TCP, 8'h04, 0, 54));  // MALFORMED: unsplit
    add_frame_qm(3, 200, 0, ip_meta(L3_TYPE_IPV4, L4_TYPE_TCP, 0, 0, 300));     // offset past the frame: unsplit
    add_frame_qm(3, 1200, 0, ip_meta(L3_TYPE_IPV6, L4_TYPE_TCP, 0, 0, 93));     // odd header length: realigned
    add_frame_qm(3, 2048 + 54, 0, ip_meta(L3_TYPE_IPV4, L4_TYPE_TCP, 0, 0, 54)); // payload = buffer exactly
    add_frame_qm(3, 2048 + 55, 1, ip_meta(L3_TYPE_IPV4, L4_TYPE_TCP, 0, 0, 54)); // one byte more, no SCATTER: too small
    add_frame_qm(3, 128 + 14, 0, ip_meta(L3_TYPE_IPV4, L4_TYPE_UDP, 0, 0, 128)); // header = 128 exactly: split
    commit_frames;
    wait_idle(20000);
    check_stats(11, 0, 1, 0, 0);
    check_split(6, 1);
    check_cons(3, 11);

    $display("T14b ALWAYS, 64-byte header buffers above 4 GiB, THRESH 100, VLAN strip, bad HDR_IDX");
    setup_split_q(3, rx_cfg(SPLIT_ALWAYS, 0, 1, 3, 100), 64'h1_000E_0000, 32, 64'h0001_0000, 5, 64'h0002_0000, 5);
    for (i = 0; i < 16; i = i + 1) begin
        buf_addr[i] = 64'h1_0004_0000 + i * 64'h1000; buf_len[i] = 2048;
        if (i == 8 || i == 9) force_hdr = 40;      // past Q_HDR_COUNT
        post_desc(i, buf_addr[i], buf_len[i]);
        force_hdr = -1;
    end
    ring_doorbell;
    repeat (100) @(posedge clk);
    snap_split;
    add_frame_qm(3, 60, 0, ip_meta(L3_TYPE_NONE, L4_TYPE_NONE, 0, 0, 0));      // small: whole frame in the header buffer
    add_frame_qm(3, 64, 0, ip_meta(L3_TYPE_IPV4, L4_TYPE_TCP, 0, 1, 58));      // stripped to 60: small
    add_frame_qm(3, 1000, 0, ip_meta(L3_TYPE_IPV4, L4_TYPE_TCP, 0, 1, 58));    // stripped, split 54 + 942
    add_frame_qm(3, 1000, 0, ip_meta(L3_TYPE_IPV4, L4_TYPE_OTHER, 0, 1, 38));  // ALWAYS: split after L3 (34)
    add_frame_qm(3, 500, 0, ip_meta(L3_TYPE_IPV4, L4_TYPE_TCP, 0, 2, 62));     // QinQ, outer stripped: split 58
    add_frame_qm(3, 500, 0, ip_meta(L3_TYPE_IPV4, L4_TYPE_TCP, 0, 1, 70));     // 66 > 64: overflow, stripped
    add_frame_qm(3, 17, 0, ip_meta(L3_TYPE_NONE, L4_TYPE_NONE, 0, 1, 0));      // tagged, too short to strip: small
    add_frame_qm(3, 101, 0, ip_meta(L3_TYPE_NONE, L4_TYPE_NONE, 0, 0, 0));     // over THRESH: unsplit
    add_frame_qm(3, 300, 2, ip_meta(L3_TYPE_IPV4, L4_TYPE_TCP, 0, 0, 54));     // header buffer 40 >= 32: BAD_DESC
    add_frame_qm(3, 300, 0, ip_meta(L3_TYPE_NONE, L4_TYPE_NONE, 0, 1, 0));     // same HDR_IDX, header buffer unused: ok
    add_frame_qm(3, 2000, 0, ip_meta(L3_TYPE_IPV6, L4_TYPE_UDP, 0, 1, 66));    // stripped, split 62 + 1934
    commit_frames;
    wait_idle(20000);
    check_stats(10, 0, 0, 1, 0);
    check_split(4, 1);
    check_cons(3, 11);

    $display("T14c scatter: jumbo over 3 buffers, too few posted, bad scatter descriptors, unaligned LEN, cap 0");
    mps_n = 2;
    setup_split_q(3, rx_cfg(SPLIT_TCP_UDP, 1, 0, 8, 0), 64'h000E_0000, 32, 64'h0001_0000, 5, 64'h0002_0000, 5);
    for (i = 0; i < 24; i = i + 1) begin
        buf_addr[i] = 64'h0004_0000 + i * 64'h4000; buf_len[i] = 4096;
    end
    for (i = 0; i < 8; i = i + 1) post_desc(i, buf_addr[i], buf_len[i]);
    ring_doorbell;
    repeat (100) @(posedge clk);
    snap_split;
    add_frame_qm(3, 9000, 0, ip_meta(L3_TYPE_IPV4, L4_TYPE_TCP, 0, 0, 54));     // split: 54 | 4096 4096 754
    add_frame_qm(3, 9000, 0, ip_meta(L3_TYPE_NONE, L4_TYPE_NONE, 0, 0, 0));     // unsplit: 4096 4096 808
    add_frame_qm(3, 8192 + 66, 0, ip_meta(L3_TYPE_IPV6, L4_TYPE_UDP, 0, 0, 66)); // split: 66 | 4096 4096
    commit_frames;
    wait_idle(20000);
    check_cons(3, 8);
    // two posted, three needed: dropped whole, both kept for the next frames
    post_desc(8, buf_addr[8], buf_len[8]);
    post_desc(9, buf_addr[9], buf_len[9]);
    ring_doorbell;
    repeat (100) @(posedge clk);
    add_frame_qm(3, 9000, 1, ip_meta(L3_TYPE_NONE, L4_TYPE_NONE, 0, 0, 0));     // too few posted
    add_frame_qm(3, 1500, 0, ip_meta(L3_TYPE_IPV4, L4_TYPE_TCP, 0, 0, 54));     // desc 8
    commit_frames;
    wait_idle(20000);
    check_cons(3, 9);
    post_desc(10, buf_addr[10], buf_len[10]);
    post_desc(11, buf_addr[11], buf_len[11]);
    ring_doorbell;
    repeat (100) @(posedge clk);
    add_frame_qm(3, 9000, 0, ip_meta(L3_TYPE_IPV4, L4_TYPE_TCP, 0, 0, 54));     // descs 9..11
    commit_frames;
    wait_idle(20000);
    check_cons(3, 12);
    // second descriptor misaligned, then one too short for its share: BAD_DESC over 2
    post_desc(12, buf_addr[12], buf_len[12]);
    post_desc(13, buf_addr[13] + 8, buf_len[13]);
    post_desc(14, buf_addr[14], buf_len[14]);
    post_desc(15, buf_addr[15], buf_len[15]);
    post_desc(16, buf_addr[16], 100);
    post_desc(17, buf_addr[17], buf_len[17]);
    ring_doorbell;
    repeat (100) @(posedge clk);
    add_frame_qm(3, 9000, 2, ip_meta(L3_TYPE_NONE, L4_TYPE_NONE, 0, 0, 0));     // descs 12, 13 (bad)
    add_frame_qm(3, 9000, 2, ip_meta(L3_TYPE_IPV4, L4_TYPE_TCP, 0, 0, 54));     // descs 14, 15, 16 (short)... 
    add_frame_qm(3, 100, 0, ip_meta(L3_TYPE_NONE, L4_TYPE_NONE, 0, 0, 0));      // desc 17
    commit_frames;
    wait_idle(20000);
    // LEN not a multiple of 16: every buffer but the last holds LEN & ~15
    post_desc(18, buf_addr[18], 4004);
    post_desc(19, buf_addr[19], 4004);
    post_desc(20, buf_addr[20], 1000);
    ring_doorbell;
    repeat (100) @(posedge clk);
    add_frame_qm(3, 9000, 0, ip_meta(L3_TYPE_NONE, L4_TYPE_NONE, 0, 0, 0));     // 4000 4000 1000
    commit_frames;
    wait_idle(20000);
    // head buffer under 16 bytes: cap 0, too small even with SCATTER; a frame
    // without payload still fits it
    post_desc(21, buf_addr[21], 8);
    ring_doorbell;
    repeat (100) @(posedge clk);
    add_frame_qm(3, 60, 1, ip_meta(L3_TYPE_NONE, L4_TYPE_NONE, 0, 0, 0));
    add_frame_qm(3, 54, 0, ip_meta(L3_TYPE_IPV4, L4_TYPE_TCP, 0, 0, 54));
    commit_frames;
    wait_idle(20000);
    check_stats(8, 0, 2, 2, 0);
    check_split(5, 0);
    check_cons(3, 22);

    $display("T15 four queues, four split configurations, random frames up to 9000 bytes, back-pressure");
    mps_n = 1; mrrs_n = 2;
    q_enable <= 0;
    repeat (2) @(posedge clk);
    refill = 1;
    setup_split_q(0, rx_cfg(SPLIT_ALWAYS, 1, 1, 7, 128), 64'h000E_0000, 64, 64'h0001_0000, 8, 64'h0002_0000, 8);
    setup_split_q(1, rx_cfg(SPLIT_TCP_UDP, 1, 0, 9, 0), 64'h1_000E_0000, 64, 64'h0001_2000, 8, 64'h0002_4000, 8);
    setup_split_q(2, rx_cfg(SPLIT_NEVER, 1, 1, 6, 300), 64'h000E_2000, 64, 64'h0001_4000, 8, 64'h0002_8000, 8);
    setup_split_q(3, rx_cfg(3, 1, 0, 15, 200), 64'h000E_3000, 64, 64'h0001_6000, 8, 64'h0002_C000, 8);
    for (qn = 0; qn < NQ; qn = qn + 1) begin
        for (i = 0; i < 64; i = i + 1) begin
            // 2032: room for the 16 guard bytes before the next buffer; cap 2032
            buf_addr[qn*64 + i] = 64'h0004_0000 + (qn*64 + i) * 64'h0800; buf_len[qn*64 + i] = 2032;
            post_desc_q(qn, qn*64 + i, buf_addr[qn*64 + i], buf_len[qn*64 + i]);
        end
        ring_doorbell_q(qn);
    end
    repeat (300) @(posedge clk);
    clear_qstats;
    snap_split;
    for (i = 0; i < 16; i = i + 1) cnt_q[i % NQ] = 0;
    for (i = 0; i < 300; i = i + 1) begin
        qn = $urandom % NQ;
        cnt_q[qn] = cnt_q[qn] + 1;
        t = ($urandom % 8 == 0) ? 4000 + ($urandom % 5001) : 14 + ($urandom % 1600);
        t0 = $urandom % 8;      // kind of frame
        t1 = (t < 18) ? 0 : $urandom % 3;   // VLAN tags
        add_frame_qm(qn, t, 0, ip_meta(t0 == 0 ? L3_TYPE_NONE : (t0 < 5 ? L3_TYPE_IPV4 : L3_TYPE_IPV6),
            t0 == 0 ? L4_TYPE_NONE : (t0 == 7 ? L4_TYPE_OTHER : 1 + t0 % 2),
            ($urandom % 16 == 0) ? (8'h1 << ($urandom % 4)) : 8'h0, t1,
            t0 == 0 ? 0 : ($urandom % 16 == 0) ? $urandom % 1024 : 14 + 4 * t1 + 20 + 4 * ($urandom % 30)));
    end
    fork
        begin : bp15
            while (!exp_frame_done(0)) begin
                @(posedge clk);
                m_tlp_req_ready <= ($urandom % 4 != 0);
            end
            m_tlp_req_ready <= 1;
        end
        begin
            axis_gaps = 1;
            commit_frames;
            wait_idle(400000);
        end
    join
    axis_gaps = 0;
    check_stats(300, 0, 0, 0, 0);
    for (qn = 0; qn < NQ; qn = qn + 1) if (q_ok[qn] != cnt_q[qn]) fail("T15 frames per queue");
    if (n_split - base_split != e_split - base_esplit || n_ovf - base_ovf != e_ovf - base_eovf
        || ok_bytes - base_bytes != e_bytes - base_ebytes) fail("T15 split counters / bytes");
    for (qn = 0; qn < NQ; qn = qn + 1)
        if (q_desc_cons[qn*16 +: 16] != exp_didx[qn] % 65536) fail("T15 q_desc_cons vs records");
    $display("  %0d split, %0d header overflow, %0d descriptors for 300 frames", n_split - base_split,
        n_ovf - base_ovf, exp_didx[0] + exp_didx[1] + exp_didx[2] + exp_didx[3]);
    if (n_split == base_split || n_ovf == base_ovf) fail("T15 did not exercise split / overflow");
    $display("  frame bytes used: %0d of %0d, frames %0d of %0d", fb_top, 1 << 22, n_frames, MAXF);

    if (errors != 0) $fatal(1, "FAILED with %0d errors", errors);
    $display("PASS");
    $finish;
end

initial begin
    #50_000_000;
    $fatal(1, "global timeout");
end

endmodule
