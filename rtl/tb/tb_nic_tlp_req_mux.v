`timescale 1ns / 1ps

/*
 * nic_tlp_req_mux: two random TLP sources against a random sink, checked by a
 * scoreboard: every beat accepted on an input is queued per source and must
 * leave on m in that order, unchanged (header, data, sop, eop, user), with
 * TLPs whole (sop .. eop of one source, never interleaved). Nothing else may
 * come out and everything must drain.
 *
 * The sources behave like the RX engine's: a TLP is 1..MAXB beats; a source
 * may leave gaps inside a TLP, may withdraw a beat it presents before it is
 * taken (nic_rx_dma_wr's valid follows its frame input), and may abandon a
 * TLP whose sop was presented but not taken and start the next one (an
 * aborted command). The sink's ready is random per cycle, in long stalls, or
 * as in tb_nic_rx_engine T1 (75 %, a MemRd source that reloads a cycle after
 * each take next to 8-beat MemWr with input gaps).
 *
 * Also: the output beat is stable while stalled; zero idle cycles and
 * round-robin fairness with both sources saturated; one beat per cycle for
 * back-to-back TLPs of one source alone; no TLP is granted under hold or
 * with bus mastering off (inputs) and none is first presented with bus
 * mastering off (output); hold && !busy only at a TLP boundary with nothing
 * shown; a parked TLP does not count as busy and stays parked under hold;
 * pend_user covers every user bit held in the output stage.
 * Run: scripts/rtl-test.sh "$(ls rtl/*.v)" "" rtl/tb/tb_nic_tlp_req_mux.v
 */
module tb_nic_tlp_req_mux;

localparam BW = 128 + 128 + 2 + 1;   // beat: {hdr, data, sop, eop, user}
localparam QD = 8192;                // scoreboard depth per source (ring)

reg clk = 0;
always #5 clk = ~clk;
reg rst = 1;

reg  [127:0] s_hdr [0:1];
reg  [127:0] s_data [0:1];
reg          s_sop [0:1];
reg          s_eop [0:1];
reg          s_user [0:1];
reg          s_valid [0:1];
wire         s_ready [0:1];

wire [127:0] m_hdr, m_data;
wire         m_sop, m_eop, m_user, m_valid, pend_user;
reg          m_ready = 0;
reg          bme = 1;
reg          hold = 0;
wire         busy;

nic_tlp_req_mux #(.DATA_WIDTH(128), .USER_WIDTH(1)) dut (
    .clk(clk), .rst(rst),
    .s0_hdr(s_hdr[0]), .s0_data(s_data[0]), .s0_sop(s_sop[0]), .s0_eop(s_eop[0]), .s0_user(s_user[0]),
    .s0_valid(s_valid[0]), .s0_ready(s_ready[0]),
    .s1_hdr(s_hdr[1]), .s1_data(s_data[1]), .s1_sop(s_sop[1]), .s1_eop(s_eop[1]), .s1_user(s_user[1]),
    .s1_valid(s_valid[1]), .s1_ready(s_ready[1]),
    .m_hdr(m_hdr), .m_data(m_data), .m_sop(m_sop), .m_eop(m_eop), .m_user(m_user),
    .m_valid(m_valid), .m_ready(m_ready), .pend_user(pend_user),
    .bus_master_enable(bme), .hold(hold), .busy(busy)
);

integer errors = 0;
task fail(input [8*64-1:0] msg);
    begin
        $display("ERROR @%0t: %0s", $time, msg);
        errors = errors + 1;
        if (errors > 10) $fatal(1, "too many errors");
    end
endtask

// ---------------------------------------------------------------- sources
// Everything the DUT sees is driven with non-blocking assignments at the
// clock edge; the bookkeeping below is the bench's own.
integer src_rate [0:1];      // % chance to present a beat in a cycle
integer src_wd [0:1];        // % chance to withdraw a presented, untaken beat
integer src_abort [0:1];     // % chance to abandon an untaken sop beat
integer src_minb [0:1];      // TLP length range in beats
integer src_maxb [0:1];
integer src_reload [0:1];    // 1: idle for a cycle after each take (the engine's MemRd register)
reg     src_stop [0:1];      // 1: finish the TLP in progress, then offer nothing

integer tlp_n [0:1];         // TLP being offered
integer beat_n [0:1];        // its next beat
integer tlp_len [0:1];
integer in_beats [0:1];      // beats accepted per source
integer in_tlps [0:1];
reg     just_taken [0:1];
integer p;

reg [BW-1:0] sb [0:2*QD-1];  // per-source rings: source p at p*QD
integer sb_wr [0:1];
integer sb_rd [0:1];

function integer pick_len(input integer src);
    pick_len = src_minb[src] + $urandom % (src_maxb[src] - src_minb[src] + 1);
endfunction

// beat contents: data = {p, tlp, beat, random}, header = {p, tlp, random}
task present(input integer src);
    begin
        s_valid[src] <= 1'b1;
        s_hdr[src] <= {src[31:0], tlp_n[src][31:0], tlp_len[src][31:0], $urandom};
        s_data[src] <= {src[31:0], tlp_n[src][31:0], beat_n[src][31:0], $urandom};
        s_sop[src] <= beat_n[src] == 0;
        s_eop[src] <= beat_n[src] == tlp_len[src] - 1;
        s_user[src] <= $urandom % 2;
    end
endtask

always @(posedge clk) begin
    for (p = 0; p < 2; p = p + 1) begin
        just_taken[p] = 0;
        if (s_valid[p] && s_ready[p]) begin
            // a new TLP is never granted under hold or with bus mastering off
            if (s_sop[p] && (hold || !bme)) fail("TLP granted under hold / bus mastering off");
            sb[p*QD + sb_wr[p] % QD] = {s_hdr[p], s_data[p], s_sop[p], s_eop[p], s_user[p]};
            sb_wr[p] = sb_wr[p] + 1;
            in_beats[p] = in_beats[p] + 1;
            just_taken[p] = 1;
            beat_n[p] = beat_n[p] + 1;
            if (beat_n[p] == tlp_len[p]) begin
                beat_n[p] = 0;
                tlp_n[p] = tlp_n[p] + 1;
                tlp_len[p] = pick_len(p);
                in_tlps[p] = in_tlps[p] + 1;
            end
        end
        if (rst || (src_stop[p] && beat_n[p] == 0)) begin
            s_valid[p] <= 1'b0;
        end else if (s_valid[p] && !just_taken[p]) begin
            // an untaken beat: keep it, withdraw it, or abandon the TLP at its sop
            if (beat_n[p] == 0 && ($urandom % 100) < src_abort[p]) begin
                tlp_n[p] = tlp_n[p] + 1;
                tlp_len[p] = pick_len(p);
                if (($urandom % 100) < src_rate[p]) present(p);
                else s_valid[p] <= 1'b0;
            end else if (($urandom % 100) < src_wd[p]) begin
                s_valid[p] <= 1'b0;
            end
        end else if (!(src_reload[p] && just_taken[p]) && ($urandom % 100) < src_rate[p]) begin
            present(p);
        end else begin
            s_valid[p] <= 1'b0;
        end
    end
end

// ---------------------------------------------------------------- sink
integer cur_src = -1;          // source of the TLP in progress on m
integer out_beats = 0;
integer tlps_out [0:1];
integer q;
reg          stalled = 0;
reg          hold_d = 0;
reg          park_seen = 0;
reg [BW-1:0] stall_beat;
reg [BW-1:0] exp_beat;

always @(posedge clk) begin
    if (!rst) begin
        if (m_valid && m_sop && !bme && !stalled) fail("TLP first presented with bus mastering off");
        if (stalled && (!m_valid || {m_hdr, m_data, m_sop, m_eop, m_user} !== stall_beat))
            fail("beat changed while stalled");
        stalled = m_valid && !m_ready;
        stall_beat = {m_hdr, m_data, m_sop, m_eop, m_user};
        // pend_user covers the output beat (and the skid beat, which implies one;
        // a beat parked by bus_master_enable / hold is held but not shown)
        if (m_valid && m_user && !pend_user) fail("pend_user misses the output beat");
        // (a beat parked under hold stays hidden for a cycle after hold drops)
        if (!m_valid && pend_user && bme && !hold && !hold_d) fail("pend_user without a held beat");
        hold_d = hold;
        // hold && !busy: the output is quiet at a TLP boundary; the inputs
        // too, unless a TLP is parked (bus mastering went off since hold was
        // last low: the soft reset discards the parked TLP and what follows)
        if (!bme) park_seen = 1;
        else if (!hold) park_seen = 0;
        if (hold && !busy) begin
            if (m_valid) fail("beat shown while hold && !busy");
            if (cur_src != -1) fail("hold && !busy inside an output TLP");
            for (q = 0; q < 2; q = q + 1)
                if (beat_n[q] != 0 && !park_seen) fail("hold && !busy inside an input TLP");
        end
        if (m_valid && m_ready) begin
            out_beats = out_beats + 1;
            q = m_data[127:96];
            if (q < 0 || q > 1) begin
                fail("beat from no source");
            end else if (sb_rd[q] == sb_wr[q]) begin
                fail("beat out that was never taken in");
            end else begin
                exp_beat = sb[q*QD + sb_rd[q] % QD];
                sb_rd[q] = sb_rd[q] + 1;
                if ({m_hdr, m_data, m_sop, m_eop, m_user} !== exp_beat) fail("beat lost, reordered or corrupted");
            end
            if (m_sop) begin
                if (cur_src != -1) fail("sop inside TLP (interleaving)");
                cur_src = q;
            end else if (cur_src == -1) begin
                fail("beat outside a TLP");
            end else if (q != cur_src) begin
                fail("beat from other source inside TLP (interleaving)");
            end
            if (m_eop) begin
                if (q >= 0 && q <= 1) tlps_out[q] = tlps_out[q] + 1;
                cur_src = -1;
            end
        end
    end
end

// ready: 0 random (1 in RDY_DEN low), 1 always, 2 long random stalls and bursts
integer rdy_mode = 0;
integer rdy_den = 3;
integer rdy_run = 0;
reg     rdy_level = 1;
always @(posedge clk) begin
    case (rdy_mode)
        0: m_ready <= ($urandom % rdy_den) != 0;
        1: m_ready <= 1'b1;
        default: begin
            if (rdy_run == 0) begin
                rdy_level = !rdy_level;
                rdy_run = 1 + $urandom % (rdy_level ? 12 : 40);
            end
            rdy_run = rdy_run - 1;
            m_ready <= rdy_level;
        end
    endcase
end

task set_src(input integer src, input integer rate, input integer wd, input integer abrt,
             input integer minb, input integer maxb, input integer reload);
    begin
        src_rate[src] = rate; src_wd[src] = wd; src_abort[src] = abrt;
        src_minb[src] = minb; src_maxb[src] = maxb; src_reload[src] = reload;
        src_stop[src] = 0;
    end
endtask

// stop the sources at a TLP boundary (each finishes the TLP it started) and drain
task drain;
    integer n;
    begin
        src_stop[0] = 1; src_stop[1] = 1;
        n = 0;
        while ((beat_n[0] != 0 || beat_n[1] != 0 || s_valid[0] || s_valid[1]) && n < 20000) begin
            @(posedge clk);
            n = n + 1;
        end
        n = 0;
        while ((sb_rd[0] != sb_wr[0] || sb_rd[1] != sb_wr[1] || m_valid) && n < 20000) begin
            @(posedge clk);
            n = n + 1;
        end
        if (sb_rd[0] != sb_wr[0] || sb_rd[1] != sb_wr[1]) fail("beats stuck in the mux");
        if (busy) fail("busy after draining");
        if (cur_src != -1) fail("output TLP left open");
        src_stop[0] = 0; src_stop[1] = 0;
    end
endtask

integer i, b0, c0, t0, t1, k, bt;

task phase(input [8*48-1:0] name, input integer cycles);
    begin
        b0 = out_beats; t0 = tlps_out[0]; t1 = tlps_out[1];
        repeat (cycles) @(posedge clk);
        drain;
        $display("%0s: %0d beats, TLPs %0d + %0d", name, out_beats - b0, tlps_out[0] - t0, tlps_out[1] - t1);
    end
endtask

initial begin
    for (i = 0; i < 2; i = i + 1) begin
        s_valid[i] = 0; s_hdr[i] = 0; s_data[i] = 0; s_sop[i] = 0; s_eop[i] = 0; s_user[i] = 0;
        tlp_n[i] = 0; beat_n[i] = 0; in_beats[i] = 0; in_tlps[i] = 0; tlps_out[i] = 0;
        sb_wr[i] = 0; sb_rd[i] = 0;
        set_src(i, 0, 0, 0, 1, 1, 0);
        tlp_len[i] = 1;
    end
    repeat (4) @(posedge clk);
    rst <= 0;
    @(posedge clk);

    // random traffic, random sink (sources keep what they present)
    set_src(0, 60, 0, 0, 1, 1, 0);
    set_src(1, 60, 0, 0, 1, 5, 0);
    rdy_mode = 0; rdy_den = 3;
    phase("random, source 0 single beats", 5000);

    // both sources multi-beat, gaps, withdrawn beats, abandoned sops
    set_src(0, 70, 20, 10, 1, 9, 0);
    set_src(1, 70, 20, 10, 1, 12, 0);
    phase("both multi-beat, withdraw/abort, random ready", 40000);

    // the same against long stalls and bursts of ready
    set_src(0, 80, 10, 5, 1, 9, 0);
    set_src(1, 90, 10, 5, 1, 12, 0);
    rdy_mode = 2;
    phase("both multi-beat, long stalls", 40000);

    // as tb_nic_rx_engine T1: MemRd register (single beats, reloads a cycle
    // after a take), 8-beat MemWr and 2-beat records with input gaps, 75 % ready
    set_src(0, 30, 0, 0, 1, 1, 1);
    set_src(1, 85, 15, 2, 2, 8, 0);
    rdy_mode = 0; rdy_den = 4;
    phase("T1-like (MemRd + MemWr, 75% ready)", 40000);

    // saturated: both sources always valid, sink always ready -> no idle cycles
    set_src(0, 100, 0, 0, 1, 6, 0);
    set_src(1, 100, 0, 0, 1, 6, 0);
    rdy_mode = 1;
    repeat (50) @(posedge clk);
    b0 = out_beats; t0 = tlps_out[0]; t1 = tlps_out[1];
    repeat (1000) @(posedge clk);
    if (out_beats - b0 != 1000) fail("idle cycles with work available");
    // round robin: the TLP counts of the two sources differ by at most one
    if ((tlps_out[0] - t0) - (tlps_out[1] - t1) > 1 || (tlps_out[1] - t1) - (tlps_out[0] - t0) > 1)
        fail("round-robin fairness");
    $display("saturated: %0d beats in 1000 cycles, TLPs %0d/%0d", out_beats - b0, tlps_out[0] - t0, tlps_out[1] - t1);
    drain;

    // one source alone, back-to-back multi-beat TLPs: one beat per cycle
    for (k = 0; k < 2; k = k + 1) begin
        set_src(k, 100, 0, 0, 1, 9, 0);
        set_src(1 - k, 0, 0, 0, 1, 1, 0);
        repeat (50) @(posedge clk);
        b0 = out_beats;
        repeat (1000) @(posedge clk);
        if (out_beats - b0 != 1000) fail("one source alone: not one beat per cycle");
        $display("source %0d alone: %0d beats in 1000 cycles", k, out_beats - b0);
        drain;
    end

    // bus mastering toggled at random under random traffic and a random sink
    set_src(0, 60, 10, 5, 1, 4, 0);
    set_src(1, 60, 10, 5, 1, 9, 0);
    rdy_mode = 0; rdy_den = 3;
    b0 = out_beats;
    for (k = 0; k < 300; k = k + 1) begin
        bme <= ($urandom % 3) != 0;
        repeat (1 + $urandom % 40) @(posedge clk);
    end
    bme <= 1;
    drain;
    $display("bme toggles: %0d beats", out_beats - b0);

    // hold toggled at random (a soft reset waiting for a quiet boundary)
    set_src(0, 60, 10, 5, 1, 4, 0);
    set_src(1, 70, 10, 5, 1, 9, 0);
    rdy_mode = 2;
    b0 = out_beats;
    c0 = 0;
    for (k = 0; k < 300; k = k + 1) begin
        hold <= ($urandom % 2);
        bt = 1 + $urandom % 30;
        repeat (bt) begin
            @(posedge clk);
            if (hold && !busy) c0 = c0 + 1;
        end
    end
    hold <= 0;
    drain;
    if (c0 == 0) fail("hold never reached a quiet boundary");
    $display("hold toggles: %0d beats, %0d quiet cycles under hold", out_beats - b0, c0);

    // bus mastering off for long: at most the TLP already presented finishes
    set_src(0, 60, 0, 0, 1, 4, 0);
    set_src(1, 60, 0, 0, 1, 9, 0);
    rdy_mode = 0;
    repeat (100) @(posedge clk);
    bme <= 0;
    repeat (50) @(posedge clk);
    #1 b0 = out_beats;
    repeat (300) @(posedge clk);
    if (out_beats != b0) fail("beats out long after bus mastering went off");
    // soft-reset quiesce with bus mastering off: the parked TLP is not busy,
    // and stays parked under hold when the bit returns
    hold <= 1;
    c0 = 0;
    for (k = 0; k < 20; k = k + 1) begin
        @(posedge clk);
        if (!busy) c0 = c0 + 1;
    end
    if (c0 < 15) fail("parked TLP counted as busy under hold");
    bme <= 1;
    repeat (20) @(posedge clk);
    if (out_beats != b0 || busy) fail("parked TLP left under hold");
    hold <= 0;
    // back on: everything drains in order (the scoreboard), nothing is lost
    repeat (200) @(posedge clk);
    if (out_beats == b0) fail("no progress after bus mastering returned");
    drain;
    $display("bme off/hold/on: drained %0d beats", out_beats - b0);

    for (i = 0; i < 2; i = i + 1)
        if (sb_rd[i] != in_beats[i]) fail("beats taken in != beats out");
    $display("in all: %0d + %0d beats, %0d + %0d TLPs", in_beats[0], in_beats[1], tlps_out[0], tlps_out[1]);
    repeat (20) @(posedge clk);
    if (errors) $fatal(1, "FAILED");
    $display("PASS");
    $finish;
end

endmodule
