`timescale 1ns / 1ps
`default_nettype none

/*
 * Toeplitz hash (Microsoft RSS), 8 input bytes per cycle.
 *
 * The input s_data is DATA_BYTES bytes in network order, byte 0 (the first
 * byte hashed) at [7:0]; shorter tuples are left-aligned and zero-padded
 * (zero bytes contribute nothing). The key is KEY_BYTES bytes, byte 0 at
 * [7:0]. Reading the key as the bit string k[0..8*KEY_BYTES) (k[0] = MSB of
 * key byte 0) and the input as x[0..8*DATA_BYTES) (x[0] = MSB of byte 0):
 *
 *     hash = XOR over every i with x[i] = 1 of k[i .. i+32)   (k[i] the MSB)
 *
 * Interface: one entry per cycle at most (s_valid, s_user); an entry with
 * s_hash_en set is hashed, one without gets m_hash = 0 and does not touch
 * the hash engine (s_data and s_key are ignored). s_hash_en must be low
 * whenever s_valid is (it is the key register's load enable).
 * m_valid/m_user/m_hash appear exactly LATENCY cycles after
 * s_valid/s_user, in order. No back-pressure.
 *
 * The engine takes one hashed entry every STEPS = ceil(DATA_BYTES/8) cycles:
 * two entries with s_hash_en must be at least STEPS cycles apart (a hashed
 * entry arriving earlier corrupts the one in progress). Entries without
 * s_hash_en may come in every cycle, also between hashed ones.
 *
 * Structure (chosen so that no control signal drives hundreds of LUT inputs):
 *   - the tuple enters free-running delay lines, chunk c (bytes 8c..8c+7)
 *     delayed c + 1 cycles, so the chunk the engine needs is always at the
 *     end of its line; a hashed entry also loads the key into a holding
 *     register (its clock enable is s_hash_en, a register upstream);
 *   - a one-hot chunk counter started by the hashed entry selects, per
 *     cycle, chunk c and the 95-bit key window k[64c .. 64c+95) the chunk's
 *     64 input bits reach (two LUT4 levels) into the chunk registers, all
 *     zero when no hash is in progress;
 *   - eight partial hashes of 8 input bits each (8 key windows AND-XORed as a
 *     balanced tree: two LUT4 levels) into the partial registers;
 *   - the accumulator XORs the eight partials in (two LUT4 levels), reloaded
 *     by the first chunk; it holds the hash once the partials are zero.
 *
 *     cycle 0             s_valid && s_hash_en (key -> holding register)
 *     cycle 1..STEPS      chunk c = cycle - 1 selected -> chunk registers
 *     cycle 2..STEPS+1    partials of chunk cycle - 2 -> partial registers
 *     cycle 3..STEPS+2    accumulator ^= partials (chunk 0: loaded)
 *     cycle STEPS+3       m_valid, m_hash = accumulator    (LATENCY = STEPS + 3)
 *
 * Cost: 64 x 32 AND-XOR terms (about 1/4.5 of hashing all 36 bytes at once),
 * the delay lines, the key register, and a LATENCY-deep sideband (valid,
 * user) delay line.
 *
 * KEY_BYTES must be >= DATA_BYTES + 4.
 */
module nic_rss_toeplitz #(
    parameter DATA_BYTES = 36,
    parameter KEY_BYTES = 40,
    parameter USER_WIDTH = 1
) (
    input  wire                     clk,
    input  wire                     rst,

    input  wire [DATA_BYTES*8-1:0]  s_data,
    input  wire [KEY_BYTES*8-1:0]   s_key,
    input  wire                     s_valid,
    input  wire                     s_hash_en,
    input  wire [USER_WIDTH-1:0]    s_user,

    output wire [31:0]              m_hash,
    output wire                     m_valid,
    output wire [USER_WIDTH-1:0]    m_user
);

// 8-byte chunks per tuple; cycles from s_* to m_*
localparam integer STEPS = (DATA_BYTES + 7) / 8;
localparam integer LATENCY = STEPS + 3;

localparam D_BITS = STEPS*64;           // tuple, zero-padded to whole chunks
localparam K_BITS = STEPS*64 + 32;      // key: the last window ends at k[64*STEPS + 31]
localparam IN_BITS = DATA_BYTES*8;
// key bytes the windows can reach (the rest would only meet zero padding)
localparam K_USED = KEY_BYTES*8 < K_BITS ? KEY_BYTES*8 : K_BITS;
// delay line lengths 1..STEPS: chunk c at [64*c*(c+1)/2 +: 64*(c+1)], the
// newest stage at the bottom
localparam DL_BITS = 64*STEPS*(STEPS+1)/2;

// ---------------------------------------------------------------------------
// Sideband delay line: valid, hash enable, user
// ---------------------------------------------------------------------------

reg [LATENCY-1:0] valid_pipe_reg = {LATENCY{1'b0}};
reg [LATENCY-1:0] en_pipe_reg = {LATENCY{1'b0}};
reg [LATENCY*USER_WIDTH-1:0] user_pipe_reg = {LATENCY*USER_WIDTH{1'b0}};

always @(posedge clk) begin
    valid_pipe_reg <= {valid_pipe_reg[LATENCY-2:0], s_valid};
    en_pipe_reg <= {en_pipe_reg[LATENCY-2:0], s_valid && s_hash_en};
    user_pipe_reg <= {user_pipe_reg[(LATENCY-1)*USER_WIDTH-1:0], s_user};

    if (rst) begin
        valid_pipe_reg <= {LATENCY{1'b0}};
    end
end

// ---------------------------------------------------------------------------
// Hash engine
// ---------------------------------------------------------------------------

reg [DL_BITS-1:0] dl_reg = {DL_BITS{1'b0}};
reg [K_BITS-1:0] key_reg = {K_BITS{1'b0}};
reg [STEPS-1:0] oh_reg = {STEPS{1'b0}};     // one-hot: chunk c is selected this cycle

// the selected chunk / key window, byte 0 at [7:0]
reg [63:0] x_reg = 64'd0;
reg [95:0] w_reg = 96'd0;
reg x_first_reg = 1'b0;     // x_reg holds chunk 0

// partial hashes of the chunk's input bits 8g..8g+7, g = 0..7 (at [32*g +: 32])
reg [8*32-1:0] q_reg = {8*32{1'b0}};
reg q_first_reg = 1'b0;

reg [31:0] acc_reg = 32'd0;

reg [D_BITS-1:0] d_in;
reg [K_BITS-1:0] k_in;
reg [DL_BITS-1:0] dl_next;
reg [63:0] x_next;
reg [95:0] w_next;
reg [63:0] xv;      // x[i] of the chunk at [63-i] (i = 0: MSB of byte 0)
reg [95:0] kv;      // k[n] of the window at [95-n]
reg [64*32-1:0] term;
reg [8*32-1:0] q_next;
reg [31:0] q_all;
integer c, i;

always @* begin
    d_in = {D_BITS{1'b0}};
    d_in[IN_BITS-1:0] = s_data;
    k_in = {K_BITS{1'b0}};
    k_in[K_USED-1:0] = s_key[K_USED-1:0];

    // delay lines: chunk c's line has c + 1 stages
    for (c = 0; c < STEPS; c = c + 1) begin
        dl_next[64*c*(c+1)/2 +: 64] = d_in[64*c +: 64];
        for (i = 1; i <= c; i = i + 1) begin
            dl_next[64*(c*(c+1)/2 + i) +: 64] = dl_reg[64*(c*(c+1)/2 + i - 1) +: 64];
        end
    end

    // chunk and key window selection (one-hot AND-OR; zero when idle)
    x_next = 64'd0;
    w_next = 96'd0;
    for (c = 0; c < STEPS; c = c + 1) begin
        x_next = x_next | ({64{oh_reg[c]}} & dl_reg[64*(c*(c+1)/2 + c) +: 64]);
        w_next = w_next | ({96{oh_reg[c]}} & key_reg[64*c +: 96]);
    end

    // MSB-first views (reversing the byte order of the byte-0-at-[7:0] registers)
    for (i = 0; i < 8; i = i + 1) begin
        xv[56-8*i +: 8] = x_reg[8*i +: 8];
    end
    for (i = 0; i < 12; i = i + 1) begin
        kv[88-8*i +: 8] = w_reg[8*i +: 8];
    end

    // input bit i meets the key window k[i .. i+32)
    for (i = 0; i < 64; i = i + 1) begin
        term[32*i +: 32] = {32{xv[63-i]}} & kv[95-i -: 32];
    end

    // per 8 input bits, a balanced XOR tree: two LUT4 levels (pairs of
    // terms, then four pairs)
    for (i = 0; i < 8; i = i + 1) begin
        q_next[32*i +: 32] =
            ((term[32*(8*i+0) +: 32] ^ term[32*(8*i+1) +: 32]) ^ (term[32*(8*i+2) +: 32] ^ term[32*(8*i+3) +: 32])) ^
            ((term[32*(8*i+4) +: 32] ^ term[32*(8*i+5) +: 32]) ^ (term[32*(8*i+6) +: 32] ^ term[32*(8*i+7) +: 32]));
    end

    q_all = ((q_reg[0 +: 32] ^ q_reg[32 +: 32]) ^ (q_reg[64 +: 32] ^ q_reg[96 +: 32])) ^
            ((q_reg[128 +: 32] ^ q_reg[160 +: 32]) ^ (q_reg[192 +: 32] ^ q_reg[224 +: 32]));
end

always @(posedge clk) begin
    dl_reg <= dl_next;
    if (s_hash_en) begin
        key_reg <= k_in;
    end
    oh_reg <= {oh_reg[STEPS-2:0], s_valid && s_hash_en};

    x_reg <= x_next;
    w_reg <= w_next;
    x_first_reg <= oh_reg[0];

    q_reg <= q_next;
    q_first_reg <= x_first_reg;

    acc_reg <= (q_first_reg ? 32'd0 : acc_reg) ^ q_all;

    if (rst) begin
        oh_reg <= {STEPS{1'b0}};
    end
end

assign m_hash = en_pipe_reg[LATENCY-1] ? acc_reg : 32'd0;
assign m_valid = valid_pipe_reg[LATENCY-1];
assign m_user = user_pipe_reg[(LATENCY-1)*USER_WIDTH +: USER_WIDTH];

endmodule

`resetall
