`timescale 1ns / 1ps

/*
 * nic_desc_fetch unit test with a small host model (CplD split at a 64-byte
 * RCB or at random dword boundaries, tags interleaved, latency).
 * Checks: descriptors delivered in ring order with correct contents, index and
 * bad flag; MemRd sizing (<= FETCH_MAX, MRRS, ring end, 4 KiB page; natural
 * batch or >= FETCH_MAX/2 when cut by the cache room); cache occupancy bound;
 * unique tags; empty flag; error handling (unknown tag, bad Byte Count,
 * UR status -> halt, timeout -> halt), stale completions after disable;
 * header buffer index (DW3[15:0], DW3[31:16] ignored) and m_desc_avail in
 * every cycle (exact after pops, one cycle behind doorbells, 0 while
 * disabled), also across the 16-bit index wrap; a log size that changes at
 * the enabling edge sizes the first read.
 * Run: iverilog -g2005-sv -Irtl -o tb rtl/tb/tb_nic_desc_fetch.v rtl/nic_desc_fetch.v && vvp tb
 */
module tb_nic_desc_fetch;

localparam TAGS = 4;
localparam DEPTH = 16;
localparam FMAX = 8;
localparam TIMEOUT = 500;
localparam REQ_ID = 16'h0108;

reg clk = 0;
always #5 clk = ~clk;
reg rst = 1;
integer cycle = 0;
always @(posedge clk) cycle <= cycle + 1;

reg         q_enable = 0;
reg  [63:0] q_desc_base = 0;
reg  [3:0]  q_desc_log_size = 5;
reg  [15:0] q_desc_prod = 0;
wire        q_halted;
wire [63:0] d_addr;
wire [15:0] d_len, d_buf_id, d_idx, d_hdr_idx, d_avail;
wire        d_bad, d_valid, d_empty;
reg         d_ready = 0;
wire [127:0] rd_hdr;
wire        rd_valid;
reg         rd_ready = 1;
reg  [127:0] c_hdr = 0, c_data = 0;
reg         c_sop = 0, c_eop = 0, c_valid = 0;
wire        c_ready;
reg  [2:0]  mrrs_n = 0;
wire        e_status, e_unexp, e_timeout;

nic_desc_fetch #(
    .TLP_DATA_WIDTH(128), .DESC_FETCH_MAX(FMAX), .DESC_CACHE_DEPTH(DEPTH),
    .DMA_READ_TAGS(TAGS), .CPL_TIMEOUT_CYCLES(TIMEOUT)
) dut (
    .clk(clk), .rst(rst),
    .q_enable(q_enable), .q_desc_base(q_desc_base), .q_desc_log_size(q_desc_log_size), .q_desc_prod(q_desc_prod),
    .q_halted(q_halted),
    .m_desc_addr(d_addr), .m_desc_len(d_len), .m_desc_buf_id(d_buf_id), .m_desc_idx(d_idx), .m_desc_hdr_idx(d_hdr_idx),
    .m_desc_bad(d_bad), .m_desc_valid(d_valid), .m_desc_ready(d_ready), .m_desc_empty(d_empty),
    .m_desc_avail(d_avail),
    .m_tlp_hdr(rd_hdr), .m_tlp_valid(rd_valid), .m_tlp_ready(rd_ready),
    .s_tlp_cpl_hdr(c_hdr), .s_tlp_cpl_data(c_data), .s_tlp_cpl_sop(c_sop), .s_tlp_cpl_eop(c_eop),
    .s_tlp_cpl_valid(c_valid), .s_tlp_cpl_ready(c_ready),
    .cfg_requester_id(REQ_ID), .cfg_bus_master_enable(1'b1), .cfg_max_read_req_size(mrrs_n),
    .err_cpl_status(e_status), .err_cpl_unexpected(e_unexp), .err_cpl_timeout(e_timeout)
);

integer errors = 0;
task fail(input [8*64-1:0] msg);
    begin
        $display("ERROR @%0d: %0s", cycle, msg);
        errors = errors + 1;
        if (errors > 10) $fatal(1, "too many errors");
    end
endtask

// host memory: descriptor ring content is a function of the index, so we can
// check any descriptor: addr = {idx, 16'h0} (+8 if idx%13==5: bad), len = idx+100, buf = ~idx,
// hdr_idx = idx*37 ^ 16'h5A5A, DW3[31:16] = junk (must not matter)
reg [7:0] mem [0:65535];           // ring image, byte address relative to ring base
integer   dlog;

function [15:0] hdr_of(input integer s);
    reg [31:0] t;
    begin
        t = s * 37;
        hdr_of = t[15:0] ^ 16'h5A5A;
    end
endfunction

task write_ring;
    integer s, k;
    reg [127:0] d;
    begin
        for (s = 0; s < (1 << dlog); s = s + 1) begin
            d = 0;
            d[63:0] = {32'h0, s[15:0], 16'h0} + ((s % 13 == 5) ? 8 : 0);
            d[79:64] = s + 100;
            d[95:80] = ~s[15:0];
            d[111:96] = hdr_of(s);
            d[127:112] = 16'hDEAD;
            for (k = 0; k < 16; k = k + 1) mem[s*16 + k] = d[8*k +: 8];
        end
    end
endtask

// ---------------------------------------------------------------- MemRd checker + completer
localparam MAXP = 8;
reg        p_valid [0:MAXP-1];
reg [7:0]  p_tag [0:MAXP-1];
integer    p_off [0:MAXP-1];
integer    p_rem [0:MAXP-1];
integer    p_due [0:MAXP-1];
integer    p_mode [0:MAXP-1];
integer    next_mode = 0;      // 0 ok, 1 UR, 2 never, 3 wrong byte count first
reg [11:0] bc_err_add = 12'd4; // mode 3: added to the first completion's Byte Count
integer    lat = 30;
// the batch rule is judged against prod at the MemRd; it only holds when no
// doorbell came between the issue path's calc and the MemRd
reg        chk_chop = 1;
reg        rand_split = 0;
integer    prod = 0;
integer    n_rd = 0, sum_rd = 0;
integer    fetched = 0;        // descriptors requested (sum of counts) since enable
integer    popped = 0;
integer    pi, cnt, slot, avail, natural;
integer    bi, u0, t0;
integer    t_issue = 0, t_timeout = 0;   // cycles of the last MemRd and timeout
reg [31:0] d0, d1, d2;
reg        dup;

always @(posedge clk) begin
    if (rd_valid && rd_ready && !rst) begin
        d0 = rd_hdr[127:96]; d1 = rd_hdr[95:64]; d2 = rd_hdr[63:32];
        if (d0[31:24] != 8'h00) fail("MemRd fmt/type (3DW expected)");
        if (d1[31:16] != REQ_ID || d1[7:0] != 8'hFF) fail("requester id / BE");
        if (d0[9:0] % 4 != 0 || d0[9:0] == 0) fail("length not whole descriptors");
        cnt = d0[9:0] / 4;
        slot = (d2 - q_desc_base[31:0]) / 16;
        if (slot != (fetched % (1 << dlog))) fail("MemRd not at fetch pointer");
        avail = prod - fetched;
        natural = avail;
        if (natural > FMAX) natural = FMAX;
        if (natural > (8 << mrrs_n)) natural = 8 << mrrs_n;
        if (natural > (1 << dlog) - slot) natural = (1 << dlog) - slot;
        if (natural > 256 - (slot % 256)) natural = 256 - (slot % 256);
        if (cnt > natural) fail("MemRd larger than allowed");
        if (chk_chop && cnt != natural && cnt < FMAX / 2) fail("MemRd chopped below FETCH_MAX/2");
        if (fetched + cnt - popped > DEPTH + 2) fail("cache overfilled");
        dup = 0;
        for (pi = 0; pi < MAXP; pi = pi + 1) if (p_valid[pi] && p_tag[pi] == d1[15:8]) dup = 1;
        if (dup || d1[15:8] >= TAGS) fail("tag");
        pi = 0;
        while (p_valid[pi]) pi = pi + 1;
        p_valid[pi] = 1; p_tag[pi] = d1[15:8]; p_off[pi] = slot * 16; p_rem[pi] = cnt * 16;
        p_due[pi] = cycle + lat + $urandom % 10; p_mode[pi] = next_mode; next_mode = 0;
        fetched = fetched + cnt;
        n_rd = n_rd + 1; sum_rd = sum_rd + cnt;
        t_issue = cycle;
    end
end

// coverage: a sop beat enters stage 1 while stage 2 accepts its tag
integer n_fwd = 0;
always @(posedge clk) begin
    if (c_valid && c_sop && (dut.c_acc_t & (1 << (c_hdr[47:40] % TAGS))) != 0) n_fwd = n_fwd + 1;
end

// the registered head-row-valid flag always agrees with the row flags it
// stands for
always @(posedge clk) begin
    if (dut.head_valid_reg != |(dut.slot_valid_reg & dut.head_oh_reg)) fail("head_valid_reg out of step");
end

reg     busy = 0;
integer cb, cbeats, coff, cn, ci, cpick, cbytes, bnd;
reg [127:0] chdr;
reg     bogus = 0;

always @(posedge clk) begin
    if (rst) begin
        c_valid <= 0; busy = 0;
    end else begin
        c_valid <= 0;
        if (!busy) begin
            if (bogus) begin
                bogus = 0;
                chdr = {3'b010, 5'b01010, 14'd0, 10'd4, 16'h0, 3'b000, 1'b0, 12'd16, REQ_ID, 8'd9, 1'b0, 7'd0, 32'd0};
                coff = 0; cbeats = 1; cb = 0; busy = 1;
            end else begin
                cpick = -1; cn = $urandom % MAXP;
                for (ci = 0; ci < MAXP; ci = ci + 1)
                    if (cpick < 0 && p_valid[(ci + cn) % MAXP] && p_mode[(ci + cn) % MAXP] != 2 && p_due[(ci + cn) % MAXP] <= cycle)
                        cpick = (ci + cn) % MAXP;
                if (cpick >= 0) begin
                    if (p_mode[cpick] == 1) begin
                        chdr = {3'b000, 5'b01010, 14'd0, 10'd0, 16'h0, 3'b001, 1'b0, p_rem[cpick][11:0],
                                REQ_ID, p_tag[cpick], 1'b0, 7'd0, 32'd0};
                        cbeats = 1; cb = 0; busy = 1; p_valid[cpick] = 0;
                    end else begin
                        if (rand_split && p_rem[cpick] > 4) cbytes = 4 * (1 + $urandom % (p_rem[cpick] / 4));
                        else begin
                            bnd = 64 - (p_off[cpick] % 64);
                            cbytes = (p_rem[cpick] < bnd) ? p_rem[cpick] : bnd;
                        end
                        chdr = {3'b010, 5'b01010, 14'd0, cbytes[11:2], 16'h0, 3'b000, 1'b0,
                                p_rem[cpick][11:0] + ((p_mode[cpick] == 3) ? bc_err_add : 12'd0),
                                REQ_ID, p_tag[cpick], 1'b0, p_off[cpick][6:0], 32'd0};
                        p_mode[cpick] = 0;
                        coff = p_off[cpick]; cbeats = (cbytes / 4 + 3) / 4; cb = 0; busy = 1;
                        p_off[cpick] = p_off[cpick] + cbytes; p_rem[cpick] = p_rem[cpick] - cbytes;
                        if (p_rem[cpick] == 0) p_valid[cpick] = 0;
                    end
                end
            end
        end
        if (busy) begin
            c_valid <= 1; c_hdr <= chdr; c_sop <= cb == 0; c_eop <= cb == cbeats - 1;
            for (ci = 0; ci < 16; ci = ci + 1) c_data[8*ci +: 8] <= mem[(coff + ci) % 65536];
            coff = coff + 16; cb = cb + 1;
            if (cb == cbeats) busy = 0;
        end
    end
end

// ---------------------------------------------------------------- consumer
reg     pop_rand = 1;
reg     pop_fast = 0;   // pop 3 cycles in 4 instead of 1 in 3
integer exp_idx = 0;
integer es;
always @(posedge clk) begin
    if (!rst) begin
        if (d_valid && d_ready) begin
            if (d_idx != exp_idx[15:0]) fail("descriptor index order");
            es = exp_idx % (1 << dlog);
            if (d_addr != {32'h0, es[15:0], 16'h0} + (((es % 13) == 5) ? 8 : 0))
                fail("descriptor address");
            if (d_len != (exp_idx % (1 << dlog)) + 100) fail("descriptor length");
            if (d_buf_id != ~es[15:0]) fail("descriptor buf id");
            if (d_hdr_idx != hdr_of(es)) fail("descriptor hdr idx");
            if (d_bad != (((exp_idx % (1 << dlog)) % 13) == 5)) fail("bad flag");
            exp_idx = exp_idx + 1;
            popped = popped + 1;
        end
        d_ready <= pop_rand ? (pop_fast ? ($urandom % 4 != 0) : ($urandom % 3 == 0)) : 1'b0;
    end
end

// m_desc_avail, every cycle: the value registered at edge t is
// q_desc_prod(t) - pops up to and including edge t (0 while disabled)
reg [15:0] av_pops = 0;
reg [15:0] av_exp = 0;
integer    av_checks = 0, av_max = 0;
always @(posedge clk) begin
    if (!rst) begin
        if (d_avail !== av_exp) begin
            $display("  avail %0d, expected %0d", d_avail, av_exp);
            fail("m_desc_avail");
        end
        av_checks = av_checks + 1;
        if (d_avail > av_max) av_max = d_avail;
        if (!q_enable) begin
            av_pops = 0;
            av_exp = 0;
        end else begin
            if (d_valid && d_ready) av_pops = av_pops + 16'd1;
            av_exp = q_desc_prod - av_pops;
        end
    end
end

integer n_status = 0, n_unexp = 0, n_timeout = 0;
always @(posedge clk) begin
    if (e_status) n_status = n_status + 1;
    if (e_unexp) n_unexp = n_unexp + 1;
    if (e_timeout) begin n_timeout = n_timeout + 1; t_timeout = cycle; end
end

task restart(input integer log, input [2:0] mrrs);
    begin
        @(posedge clk);
        q_enable <= 0;
        @(posedge clk);
        dlog = log; write_ring;
        q_desc_log_size <= log; q_desc_base <= 64'h0000_0000_0010_0000; mrrs_n <= mrrs;
        prod = 0; fetched = 0; popped = 0; exp_idx = 0;
        q_desc_prod <= 0;
        @(posedge clk);
        q_enable <= 1;
        @(posedge clk);
    end
endtask

task post(input integer n);
    begin
        prod = prod + n;
        q_desc_prod <= prod[15:0];
    end
endtask

task drain(input integer maxc);
    integer k;
    begin
        k = 0;
        while (k < maxc && exp_idx != prod) begin @(posedge clk); k = k + 1; end
        if (k >= maxc) fail("descriptors not delivered");
    end
endtask

integer i;
initial begin
    for (i = 0; i < MAXP; i = i + 1) p_valid[i] = 0;
    repeat (4) @(posedge clk);
    rst <= 0;

    $display("basic: ring 32, MRRS 128, RCB 64");
    restart(5, 0);
    if (!d_empty) fail("empty flag with nothing posted");
    post(5); @(posedge clk); post(0);
    drain(2000);
    post(40);
    drain(5000);
    repeat (5) @(posedge clk);
    if (!d_empty) fail("empty flag after draining");

    $display("page boundary: ring 512, MRRS 512, random dword splits, cache full");
    rand_split = 1;
    restart(9, 2);
    pop_rand = 0;
    post(250);
    repeat (400) @(posedge clk);
    if (fetched > DEPTH + 2) fail("fetched beyond cache");
    if (d_empty) fail("empty while cache holds descriptors");
    pop_rand = 1;
    post(60);
    drain(20000);
    $display("  %0d MemRd, %0.2f descriptors per read", n_rd, sum_rd * 1.0 / n_rd);
    rand_split = 0;

    $display("errors: unknown tag, bad byte count, UR -> halt, timeout -> halt");
    restart(5, 0);
    bogus = 1;
    repeat (20) @(posedge clk);
    if (n_unexp != 1) fail("unknown tag not flagged");
    next_mode = 3;                 // first completion carries a wrong Byte Count
    post(4);
    repeat (TIMEOUT + 200) @(posedge clk);
    if (n_unexp != 2) fail("bad byte count not flagged");
    if (n_timeout != 1 || !q_halted) fail("timeout after discarded completion must halt");
    for (i = 0; i < MAXP; i = i + 1) p_valid[i] = 0;
    restart(5, 0);
    if (q_halted) fail("halt not cleared");
    next_mode = 1;
    post(4);
    repeat (200) @(posedge clk);
    if (n_status != 1 || !q_halted) fail("UR must halt");
    if (d_valid) fail("descriptor delivered from failed read");

    $display("disable with reads in flight");
    restart(5, 0);
    lat = 300;
    post(16);
    repeat (40) @(posedge clk);
    lat = 30;
    restart(5, 0);
    post(20);
    drain(5000);
    repeat (500) @(posedge clk);
    if (n_unexp != 2 || n_status != 1 || n_timeout != 1) fail("stale completions flagged");

    // the ring mask is registered: a log size that changes at the edge that
    // enables the queue must still size the first read (6 posted on a ring
    // of 4, more than it holds: only the ring-end limit keeps the read in it)
    $display("log size changed at the enabling edge: ring 512 -> 4");
    restart(9, 2);
    repeat (10) @(posedge clk);
    q_enable <= 0;
    @(posedge clk);
    dlog = 2; write_ring;
    prod = 0; fetched = 0; popped = 0; exp_idx = 0;
    post(6);
    @(posedge clk);
    q_enable <= 1; q_desc_log_size <= 2;
    @(posedge clk);
    drain(2000);
    if (n_rd < 2) fail("no reads");

    $display("16-bit index wrap: ring 16, 70000 descriptors in doorbells of 1..8");
    restart(4, 1);
    pop_rand = 1; pop_fast = 1; chk_chop = 0;
    while (prod < 70000) begin
        // keep a few posted ahead, so avail moves both ways and stays < ring
        if (prod - exp_idx < 8) post(1 + $urandom % 8);
        @(posedge clk);
    end
    drain(20000);
    repeat (5) @(posedge clk);
    if (d_avail != 0) fail("avail not 0 after draining");
    if (d_idx != prod[15:0] - 16'd1) fail("head index after wrap");
    pop_fast = 0;
    $display("  %0d avail checks, max %0d", av_checks, av_max);

    // a completion whose Byte Count is not the bytes outstanding for its tag
    // is discarded: off by one byte (not whole dwords), by 256 (equal in the
    // low bits an implementation might compare alone) and 4 short
    $display("Byte Count off by +1, +256, -4: discarded, then timeout");
    for (bi = 0; bi < 3; bi = bi + 1) begin
        restart(5, 0);
        u0 = n_unexp; t0 = n_timeout;
        bc_err_add = (bi == 0) ? 12'd1 : (bi == 1) ? 12'd256 : 12'hFFC;
        next_mode = 3;
        post(4);
        repeat (TIMEOUT + 200) @(posedge clk);
        if (n_unexp != u0 + 1) fail("Byte Count mismatch not flagged");
        if (n_timeout != t0 + 1 || !q_halted) fail("timeout after discarded completion must halt");
        // coarse timer: more than 7/8 and at most all of TIMEOUT after the
        // request (a discarded completion does not restart it), plus the
        // two registered stages to the error pulse
        if (t_timeout - t_issue <= TIMEOUT / 8 * 7 || t_timeout - t_issue > TIMEOUT / 8 * 8 + 3)
            fail("timeout outside (7/8, 1] of CPL_TIMEOUT_CYCLES");
        $display("  timeout %0d cycles after the request (CPL_TIMEOUT_CYCLES %0d)", t_timeout - t_issue, TIMEOUT);
        if (d_valid) fail("descriptor delivered from discarded completion");
        for (i = 0; i < MAXP; i = i + 1) p_valid[i] = 0;
    end
    bc_err_add = 12'd4;

    // the stage-1 compares forward the entry a stage-2 accept updates at the
    // same edge: that case (back-to-back completions of one tag) must occur
    $display("  %0d back-to-back completions of one tag", n_fwd);
    if (n_fwd == 0) fail("no back-to-back completions of one tag");
    if (errors) $fatal(1, "FAILED");
    $display("PASS");
    $finish;
end

initial begin
    #20_000_000;
    $fatal(1, "global timeout");
end

endmodule
