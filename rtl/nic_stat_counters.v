`timescale 1ns / 1ps
`default_nettype none

/*
 * Statistics counters kept in a RAM.
 *
 * COUNTERS counters of CNT_W bits, each fed an increment of INC_W bits every
 * cycle (0: none). Instead of a CNT_W-bit register and adder per counter,
 * each counter has a small accumulator and one sweep visits one counter per
 * cycle (PERIOD cycles per pass): it reads the counter's RAM word, adds the
 * accumulator's value and writes the sum back two cycles later, while the
 * accumulator restarts from that cycle's increment. An accumulator collects
 * at most PERIOD increments (ACC_W = INC_W + clog2(PERIOD + 1) bits), so the
 * counts are exact for any input, one increment per cycle per counter.
 *
 * Read: rd_req for one cycle with rd_idx; rd_valid pulses with rd_data, the
 * counter as of a snapshot taken after the request (nothing counted before
 * the request is missed), 4 to PERIOD + 3 cycles later. One read at a time:
 * a new request replaces one still pending.
 *
 * rst clears every counter: the accumulators at once, the RAM words in the
 * first pass after it (which writes the accumulators alone); a read during
 * that pass is exact too. A read pending across rst is answered after it.
 *
 * Sums wrap at CNT_W bits.
 */
module nic_stat_counters #(
    parameter COUNTERS = 8,
    parameter INC_W = 1,
    parameter CNT_W = 32,
    // a RAM word is written 2 cycles after it is read: at least 4 per pass
    parameter PERIOD = COUNTERS > 4 ? COUNTERS : 4,
    parameter IDX_W = $clog2(PERIOD),
    parameter ACC_W = INC_W + $clog2(PERIOD + 1)
) (
    input  wire                      clk,
    input  wire                      rst,

    input  wire [COUNTERS*INC_W-1:0] s_inc,

    input  wire                      rd_req,
    input  wire [IDX_W-1:0]          rd_idx,
    output wire                      rd_valid,
    output wire [CNT_W-1:0]          rd_data
);

localparam integer LAST_I = PERIOD - 1;
localparam [IDX_W-1:0] LAST = LAST_I[IDX_W-1:0];

// sweep position: binary (RAM address, read match) and one-hot (which
// accumulator restarts)
reg [IDX_W-1:0]  s0_idx_reg = {IDX_W{1'b0}};
reg [PERIOD-1:0] s0_oh_reg = {{(PERIOD-1){1'b0}}, 1'b1};
reg              clr_reg = 1'b1;          // this pass clears the RAM words

reg              pend_reg = 1'b0;         // a read waits for its snapshot
reg [IDX_W-1:0]  pend_idx_reg = {IDX_W{1'b0}};

// stage 1: the RAM word and the accumulator snapshot
reg              s1_valid_reg = 1'b0;
reg              s1_clr_reg = 1'b0;
reg              s1_cap_reg = 1'b0;
reg [IDX_W-1:0]  s1_idx_reg = {IDX_W{1'b0}};
reg [ACC_W-1:0]  s1_acc_reg = {ACC_W{1'b0}};
reg [CNT_W-1:0]  s1_word_reg = {CNT_W{1'b0}};

// stage 2: the sum, written back
reg              s2_valid_reg = 1'b0;
reg              s2_cap_reg = 1'b0;
reg [IDX_W-1:0]  s2_idx_reg = {IDX_W{1'b0}};
reg [CNT_W-1:0]  s2_sum_reg = {CNT_W{1'b0}};

reg              rd_valid_reg = 1'b0;
reg [CNT_W-1:0]  rd_data_reg = {CNT_W{1'b0}};

// no_rw_check: the word read (the sweep's) is never the one written in the
// same cycle (written 2 slots behind it, PERIOD >= 4): no bypass logic
(* no_rw_check *)
reg [CNT_W-1:0]  mem [0:PERIOD-1];

assign rd_valid = rd_valid_reg;
assign rd_data = rd_data_reg;

// accumulators (idle slots past COUNTERS read 0), and the one at the sweep
wire [PERIOD*ACC_W-1:0] acc;
wire [ACC_W-1:0]        acc_pick = acc[s0_idx_reg*ACC_W +: ACC_W];

genvar c;
generate
    for (c = 0; c < COUNTERS; c = c + 1) begin : g_acc
        reg [ACC_W-1:0] acc_reg = {ACC_W{1'b0}};
        always @(posedge clk) begin
            acc_reg <= (s0_oh_reg[c] ? {ACC_W{1'b0}} : acc_reg)
                + {{(ACC_W-INC_W){1'b0}}, s_inc[c*INC_W +: INC_W]};
            if (rst) begin
                acc_reg <= {ACC_W{1'b0}};
            end
        end
        assign acc[c*ACC_W +: ACC_W] = acc_reg;
    end
    if (PERIOD > COUNTERS) begin : g_idle
        assign acc[PERIOD*ACC_W-1:COUNTERS*ACC_W] = {((PERIOD-COUNTERS)*ACC_W){1'b0}};
    end
endgenerate

always @(posedge clk) begin
    // sweep
    s0_idx_reg <= (s0_idx_reg == LAST) ? {IDX_W{1'b0}} : s0_idx_reg + 1'b1;
    s0_oh_reg <= {s0_oh_reg[PERIOD-2:0], s0_oh_reg[PERIOD-1]};
    if (s0_idx_reg == LAST) begin
        clr_reg <= 1'b0;
    end

    // stage 1 (slots past COUNTERS are idle)
    s1_word_reg <= mem[s0_idx_reg];
    s1_acc_reg <= acc_pick;
    s1_idx_reg <= s0_idx_reg;
    s1_valid_reg <= {{(32-IDX_W){1'b0}}, s0_idx_reg} < COUNTERS;
    s1_clr_reg <= clr_reg;
    s1_cap_reg <= pend_reg && pend_idx_reg == s0_idx_reg;

    // stage 2
    s2_sum_reg <= (s1_clr_reg ? {CNT_W{1'b0}} : s1_word_reg) + {{(CNT_W-ACC_W){1'b0}}, s1_acc_reg};
    s2_idx_reg <= s1_idx_reg;
    s2_valid_reg <= s1_valid_reg;
    s2_cap_reg <= s1_cap_reg;

    // write back, answer a read (not in a reset cycle: a pending read stays
    // pending and is answered from the pass after the reset)
    rd_valid_reg <= s2_cap_reg && !rst;
    if (s2_cap_reg && !rst) begin
        rd_data_reg <= s2_sum_reg;
        pend_reg <= 1'b0;
    end
    if (rd_req) begin
        pend_reg <= 1'b1;
        pend_idx_reg <= rd_idx;
    end

    if (rst) begin
        s0_idx_reg <= {IDX_W{1'b0}};
        s0_oh_reg <= {{(PERIOD-1){1'b0}}, 1'b1};
        clr_reg <= 1'b1;
        s1_valid_reg <= 1'b0;
        s1_cap_reg <= 1'b0;
        s2_valid_reg <= 1'b0;
        s2_cap_reg <= 1'b0;
    end
end

always @(posedge clk) begin
    if (s2_valid_reg) begin
        mem[s2_idx_reg] <= s2_sum_reg;
    end
end

endmodule

`default_nettype wire
