`timescale 1ns / 1ps
`default_nettype none

/*
 * Statistics counters kept in a RAM.
 *
 * COUNTERS counters of CNT_W bits, each fed an increment of INC_W bits every
 * cycle (0: none). Instead of a CNT_W-bit register and adder per counter,
 * each counter has a small accumulator and one sweep visits one counter per
 * cycle (PERIOD cycles per pass): it takes the accumulator's value (the
 * accumulator restarts from that cycle's increment), reads the counter's RAM
 * word a cycle later, adds the value and writes the sum back two cycles
 * after the read. The value is picked in two registered steps, within a
 * group of ACC_GROUP accumulators (each group with its own copy of the
 * sweep position) and then among the groups: the accumulators sit next to
 * the blocks whose events they count, all over the device. An accumulator collects
 * at most PERIOD increments (ACC_W = INC_W + clog2(PERIOD + 1) bits), so the
 * counts are exact for any input, one increment per cycle per counter.
 *
 * Read: rd_req for one cycle with rd_idx; rd_valid pulses with rd_data, the
 * counter as of a snapshot taken after the request (nothing counted before
 * the request is missed), 5 to PERIOD + 4 cycles later. One read at a time:
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
    // a RAM word is written 2 cycles after it is read (3 after its slot):
    // at least 4 per pass
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

// stage a: the accumulator snapshot, picked within each group
localparam integer GB = 3;                   // ACC_GROUP = 2^GB
localparam integer ACC_GROUP = 1 << GB;
localparam integer PW = IDX_W > GB ? GB : IDX_W;  // position bits within a group
localparam integer GROUPS = (PERIOD + ACC_GROUP - 1) / ACC_GROUP;
reg              sa_valid_reg = 1'b0;
reg              sa_clr_reg = 1'b0;
reg              sa_cap_reg = 1'b0;
reg [IDX_W-1:0]  sa_idx_reg = {IDX_W{1'b0}};

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

wire [IDX_W-1:0] s0_idx_next = (s0_idx_reg == LAST) ? {IDX_W{1'b0}} : s0_idx_reg + 1'b1;

// accumulators (idle slots past COUNTERS read 0), each group's pick at the
// sweep (stage a, registered) and the pick among the groups (stage 1).
// Slices are selected through arrays, not as acc[idx * ACC_W +: ACC_W]: a
// stride that is not a power of two can become a multiplier in synthesis.
wire [GROUPS*ACC_GROUP*ACC_W-1:0] acc;
wire [ACC_W-1:0]                  ga [0:GROUPS-1];
wire [ACC_W-1:0]                  acc_pick;

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
    if (GROUPS*ACC_GROUP > COUNTERS) begin : g_idle
        assign acc[GROUPS*ACC_GROUP*ACC_W-1:COUNTERS*ACC_W] = {((GROUPS*ACC_GROUP-COUNTERS)*ACC_W){1'b0}};
    end
    for (c = 0; c < GROUPS; c = c + 1) begin : g_group
        wire [ACC_W-1:0] member [0:ACC_GROUP-1];
        genvar m;
        for (m = 0; m < ACC_GROUP; m = m + 1) begin : g_member
            assign member[m] = acc[(c*ACC_GROUP + m)*ACC_W +: ACC_W];
        end
        // the group's own copy of the sweep position's low bits (kept apart
        // by `keep`)
        reg [PW-1:0] pos_reg = {PW{1'b0}};
        (* keep *) always @(posedge clk) pos_reg <= rst ? {PW{1'b0}} : s0_idx_next[PW-1:0];
        reg [ACC_W-1:0] pick_reg = {ACC_W{1'b0}};
        if (PW == GB) begin : g_pos_full
            always @(posedge clk) pick_reg <= member[pos_reg];
        end else begin : g_pos_short
            always @(posedge clk) pick_reg <= member[{{(GB-PW){1'b0}}, pos_reg}];
        end
        assign ga[c] = pick_reg;
    end
    if (GROUPS > 1) begin : g_among
        assign acc_pick = ga[sa_idx_reg[IDX_W-1:GB]];
    end else begin : g_one
        assign acc_pick = ga[0];
    end
endgenerate

always @(posedge clk) begin
    // sweep
    s0_idx_reg <= s0_idx_next;
    s0_oh_reg <= {s0_oh_reg[PERIOD-2:0], s0_oh_reg[PERIOD-1]};
    if (s0_idx_reg == LAST) begin
        clr_reg <= 1'b0;
    end

    // stage a (slots past COUNTERS are idle); the snapshot is taken at this
    // edge, and so is the capture decision of a pending read
    sa_idx_reg <= s0_idx_reg;
    sa_valid_reg <= {{(32-IDX_W){1'b0}}, s0_idx_reg} < COUNTERS;
    sa_clr_reg <= clr_reg;
    sa_cap_reg <= pend_reg && pend_idx_reg == s0_idx_reg;

    // stage 1
    s1_word_reg <= mem[sa_idx_reg];
    s1_acc_reg <= acc_pick;
    s1_idx_reg <= sa_idx_reg;
    s1_valid_reg <= sa_valid_reg;
    s1_clr_reg <= sa_clr_reg;
    s1_cap_reg <= sa_cap_reg;

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
        sa_valid_reg <= 1'b0;
        sa_cap_reg <= 1'b0;
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
