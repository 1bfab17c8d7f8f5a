`timescale 1ns / 1ps
`default_nettype none

/*
 * Self-checking test bench for nic_stat_counters.
 *
 * Three configurations run side by side (stat_counters_check below): 14
 * event counters (1-bit increments), one 16-bit byte counter with 20-bit
 * sums (the pass is padded to 4 slots; the sums wrap every few increments),
 * and 5 counters of 3-bit increments. Each gets random increments in phases:
 * idle, sparse, and every counter at its largest increment in every cycle
 * (the accumulators' worst case). Reads go to random counters at random
 * times; each answer must equal the reference count of that counter at
 * some cycle between the request and the answer (a snapshot taken after
 * the request), and come within PERIOD + 4 cycles (plus any reset in
 * between). Resets of 1..20 cycles come at random, also while a read is
 * pending: the counters read 0 plus what came after, and the pending read
 * is still answered. Prints PASS, or stops with $fatal.
 */
module tb_nic_stat_counters;

reg clk = 1'b0;
always #5 clk = ~clk;

wire done_a, done_b, done_c;

stat_counters_check #(.COUNTERS(14), .INC_W(1), .CNT_W(32), .SEED(11)) chk_a (.clk(clk), .done(done_a));
stat_counters_check #(.COUNTERS(1), .INC_W(16), .CNT_W(20), .SEED(22)) chk_b (.clk(clk), .done(done_b));
stat_counters_check #(.COUNTERS(5), .INC_W(3), .CNT_W(32), .SEED(33)) chk_c (.clk(clk), .done(done_c));

initial begin
    wait (done_a && done_b && done_c);
    $display("PASS");
    $finish;
end

endmodule

module stat_counters_check #(
    parameter COUNTERS = 14,
    parameter INC_W = 1,
    parameter CNT_W = 32,
    parameter SEED = 1,
    parameter CYCLES = 40000
) (
    input  wire clk,
    output reg  done = 1'b0
);

localparam PERIOD = COUNTERS > 4 ? COUNTERS : 4;
localparam IDX_W = $clog2(PERIOD);
localparam MAX_SEEN = 4096;

reg                      rst = 1'b1;
reg [COUNTERS*INC_W-1:0] s_inc = 0;
reg                      rd_req = 1'b0;
reg [IDX_W-1:0]          rd_idx = 0;
wire                     rd_valid;
wire [CNT_W-1:0]         rd_data;

nic_stat_counters #(
    .COUNTERS(COUNTERS),
    .INC_W(INC_W),
    .CNT_W(CNT_W)
) dut (
    .clk(clk),
    .rst(rst),
    .s_inc(s_inc),
    .rd_req(rd_req),
    .rd_idx(rd_idx),
    .rd_valid(rd_valid),
    .rd_data(rd_data)
);

reg [CNT_W-1:0] ref_cnt [0:COUNTERS-1];
reg [CNT_W-1:0] seen [0:MAX_SEEN-1];
integer seed = SEED;
integer cyc = 0, nseen = 0, t_wait = 0, n_reads = 0, n_rst = 0, n_rst_pending = 0, n_wrap = 0;
integer phase = 0, phase_left = 0, rst_left = 0, k, c;
reg     outstanding = 1'b0;
reg     hit;
reg [IDX_W-1:0] pidx = 0;
reg [CNT_W-1:0] prev_cnt;
reg [INC_W-1:0] inc;

initial begin
    for (k = 0; k < COUNTERS; k = k + 1) ref_cnt[k] = 0;
end

always @(posedge clk) begin
    cyc = cyc + 1;

    // the answer, against the reference counts seen since the request
    if (outstanding) begin
        if (nseen < MAX_SEEN) begin
            seen[nseen] = ref_cnt[pidx];
            nseen = nseen + 1;
        end
        t_wait = rst ? 0 : t_wait + 1;
        if (rd_valid) begin
            hit = 1'b0;
            for (k = 0; k < nseen; k = k + 1) begin
                if (seen[k] == rd_data) hit = 1'b1;
            end
            if (!hit) begin
                $fatal(1, "%m: counter %0d read %0d, not a count it had since the request (now %0d)",
                    pidx, rd_data, ref_cnt[pidx]);
            end
            outstanding = 1'b0;
            n_reads = n_reads + 1;
        end else if (t_wait > PERIOD + 4) begin
            $fatal(1, "%m: read of counter %0d not answered after %0d cycles", pidx, t_wait);
        end
    end else if (rd_valid) begin
        $fatal(1, "%m: an answer without a request");
    end

    // the reference counts after this edge
    for (c = 0; c < COUNTERS; c = c + 1) begin
        prev_cnt = ref_cnt[c];
        ref_cnt[c] = rst ? {CNT_W{1'b0}} : ref_cnt[c] + s_inc[c*INC_W +: INC_W];
        if (!rst && ref_cnt[c] < prev_cnt) n_wrap = n_wrap + 1;
    end

    // next inputs
    if (phase_left == 0) begin
        phase = $unsigned($random(seed)) % 3;
        phase_left = 50 + $unsigned($random(seed)) % 400;
    end
    phase_left = phase_left - 1;
    for (c = 0; c < COUNTERS; c = c + 1) begin
        inc = $random(seed);
        case (phase)
            0: s_inc[c*INC_W +: INC_W] <= {INC_W{1'b0}};
            1: s_inc[c*INC_W +: INC_W] <= ($unsigned($random(seed)) % 4 == 0) ? inc : {INC_W{1'b0}};
            default: s_inc[c*INC_W +: INC_W] <= {INC_W{1'b1}};
        endcase
    end

    if (rst_left > 0) begin
        rst_left = rst_left - 1;
        rst <= rst_left != 0;
    end else if (cyc > 10 && $unsigned($random(seed)) % 1500 == 0) begin
        rst_left = 1 + $unsigned($random(seed)) % 20;
        rst <= 1'b1;
        n_rst = n_rst + 1;
        if (outstanding) n_rst_pending = n_rst_pending + 1;
    end else begin
        rst <= 1'b0;
    end

    rd_req <= 1'b0;
    if (!outstanding && cyc > 5 && $unsigned($random(seed)) % 8 == 0) begin
        pidx = $unsigned($random(seed)) % COUNTERS;
        rd_req <= 1'b1;
        rd_idx <= pidx;
        outstanding = 1'b1;
        nseen = 0;
        t_wait = 0;
    end

    if (cyc == CYCLES) begin
        if (n_reads < CYCLES / 40 || n_rst < 5 || n_rst_pending < 1) begin
            $fatal(1, "%m: too little exercised: %0d reads, %0d resets (%0d with a read pending)",
                n_reads, n_rst, n_rst_pending);
        end
        $display("%m: %0d reads, %0d resets (%0d with a read pending), %0d wraps", n_reads, n_rst,
            n_rst_pending, n_wrap);
        done <= 1'b1;
    end
end

endmodule

`default_nettype wire
