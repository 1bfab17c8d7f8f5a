`timescale 1ns / 1ps
`default_nettype none

/*
 * Pipelined Toeplitz hash (Microsoft RSS), one input per cycle.
 *
 * The input s_data is DATA_BYTES bytes in network order, byte 0 (the first
 * byte hashed) at [7:0]; shorter tuples are left-aligned and zero-padded
 * (zero bytes contribute nothing). The key is KEY_BYTES bytes, byte 0 at
 * [7:0]. Reading the key as the bit string k[0..8*KEY_BYTES) (k[0] = MSB of
 * key byte 0) and the input as x[0..8*DATA_BYTES) (x[0] = MSB of byte 0):
 *
 *     hash = XOR over every i with x[i] = 1 of k[i .. i+32)   (k[i] the MSB)
 *
 * Structure: input register (data, key, valid, user); stage 1 XORs the
 * key windows of GROUP_BITS input bits into one 32-bit partial per group
 * (two LUT4 levels for 8 bits); stage 2 XORs GROUP2 partials; stage 3 XORs
 * the rest. m_valid/m_user/m_hash appear LATENCY cycles after
 * s_valid/s_user/s_data. No back-pressure.
 *
 * KEY_BYTES must be >= DATA_BYTES + 4.
 */
module nic_rss_toeplitz #(
    parameter DATA_BYTES = 36,
    parameter KEY_BYTES = 40,
    parameter USER_WIDTH = 1,
    // input bits per first-level partial, first-level partials per second-level one
    parameter GROUP_BITS = 8,
    parameter GROUP2 = 6
) (
    input  wire                     clk,
    input  wire                     rst,

    input  wire [DATA_BYTES*8-1:0]  s_data,
    input  wire [KEY_BYTES*8-1:0]   s_key,
    input  wire                     s_valid,
    input  wire [USER_WIDTH-1:0]    s_user,

    output wire [31:0]              m_hash,
    output wire                     m_valid,
    output wire [USER_WIDTH-1:0]    m_user
);

// Cycles from s_* to m_*: input register, two partial XOR stages, final XOR.
/* verilator lint_off UNUSEDPARAM */
localparam integer LATENCY = 4;
/* verilator lint_on UNUSEDPARAM */

localparam IN_BITS = DATA_BYTES*8;
localparam KEY_BITS = KEY_BYTES*8;
localparam GROUPS = (IN_BITS + GROUP_BITS - 1) / GROUP_BITS;
localparam GROUPS2 = (GROUPS + GROUP2 - 1) / GROUP2;

// key bits k[0..KEY_USED) are the only ones any window reaches
localparam KEY_USED = IN_BITS + 31;

// stage 0: input register
reg [IN_BITS-1:0] data_reg = {IN_BITS{1'b0}};
reg [KEY_USED-1:0] key_reg = {KEY_USED{1'b0}};  // k[n] at [KEY_USED-1-n]
reg valid_0_reg = 1'b0;
reg [USER_WIDTH-1:0] user_0_reg = {USER_WIDTH{1'b0}};

// stage 1: per-group partial hashes
reg [GROUPS*32-1:0] part_reg = {GROUPS*32{1'b0}};
reg valid_1_reg = 1'b0;
reg [USER_WIDTH-1:0] user_1_reg = {USER_WIDTH{1'b0}};

// stage 2: second-level partials
reg [GROUPS2*32-1:0] part2_reg = {GROUPS2*32{1'b0}};
reg valid_2_reg = 1'b0;
reg [USER_WIDTH-1:0] user_2_reg = {USER_WIDTH{1'b0}};

// stage 3: output
reg [31:0] hash_reg = 32'd0;
reg valid_3_reg = 1'b0;
reg [USER_WIDTH-1:0] user_3_reg = {USER_WIDTH{1'b0}};

assign m_hash = hash_reg;
assign m_valid = valid_3_reg;
assign m_user = user_3_reg;

// MSB-first views: x[i] = xvec[IN_BITS-1-i], k[n] = kvec[KEY_BITS-1-n]
// (reversing the byte order of a byte-0-at-[7:0] vector)
reg [IN_BITS-1:0] xvec;
/* verilator lint_off UNUSEDSIGNAL */
reg [KEY_BITS-1:0] kvec;  // the tail past KEY_USED is not needed
/* verilator lint_on UNUSEDSIGNAL */
reg [GROUPS*32-1:0] part_next;
reg [GROUPS2*32-1:0] part2_next;
reg [31:0] hash_next;
reg [31:0] acc;
integer b, g, i;

always @* begin
    for (b = 0; b < DATA_BYTES; b = b + 1) begin
        xvec[IN_BITS-8-8*b +: 8] = data_reg[8*b +: 8];
    end
    for (b = 0; b < KEY_BYTES; b = b + 1) begin
        kvec[KEY_BITS-8-8*b +: 8] = s_key[8*b +: 8];
    end

    part_next = {GROUPS*32{1'b0}};
    for (g = 0; g < GROUPS; g = g + 1) begin
        acc = 32'd0;
        for (i = g*GROUP_BITS; i < (g+1)*GROUP_BITS && i < IN_BITS; i = i + 1) begin
            acc = acc ^ ({32{xvec[IN_BITS-1-i]}} & key_reg[KEY_USED-1-i -: 32]);
        end
        part_next[g*32 +: 32] = acc;
    end

    part2_next = {GROUPS2*32{1'b0}};
    for (g = 0; g < GROUPS; g = g + 1) begin
        part2_next[(g/GROUP2)*32 +: 32] = part2_next[(g/GROUP2)*32 +: 32] ^ part_reg[g*32 +: 32];
    end

    hash_next = 32'd0;
    for (g = 0; g < GROUPS2; g = g + 1) begin
        hash_next = hash_next ^ part2_reg[g*32 +: 32];
    end
end

always @(posedge clk) begin
    data_reg <= s_data;
    key_reg <= kvec[KEY_BITS-1 -: KEY_USED];
    user_0_reg <= s_user;
    valid_0_reg <= s_valid;

    part_reg <= part_next;
    user_1_reg <= user_0_reg;
    valid_1_reg <= valid_0_reg;

    part2_reg <= part2_next;
    user_2_reg <= user_1_reg;
    valid_2_reg <= valid_1_reg;

    hash_reg <= hash_next;
    user_3_reg <= user_2_reg;
    valid_3_reg <= valid_2_reg;

    if (rst) begin
        valid_0_reg <= 1'b0;
        valid_1_reg <= 1'b0;
        valid_2_reg <= 1'b0;
        valid_3_reg <= 1'b0;
    end
end

endmodule

`resetall
