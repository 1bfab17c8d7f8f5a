`timescale 1ns / 1ps
`default_nettype none

/*
 * RX checksum offload (docs/checksum.md): a passive tap on the FIFO -> DMA
 * frame stream (DATA_WIDTH = 128: 16 frame bytes per beat, frame byte 0 in
 * bits [7:0] of the first beat). It never back-pressures the stream and adds
 * no cycles to it.
 *
 * Per frame it computes
 *   - ip verdict:  IPv4 with a header that passed the parser's L3 checks
 *                  (l4_offset != 0): the ones'-complement sum of [l3, l4)
 *                  is 0xFFFF -> GOOD, else BAD; otherwise NONE;
 *   - l4 verdict:  TCP or UDP, not FRAGMENT / MALFORMED / DEPTH_LIMIT:
 *                  pseudo-header (source and destination address of the
 *                  fixed IP header, protocol, L4 length = ip_end - l4) plus
 *                  [l4, ip_end) sums to 0xFFFF -> GOOD, else BAD, where
 *                  ip_end = l3 + IPv4 total length or l3 + 40 + IPv6 payload
 *                  length (padding past ip_end is excluded). UDP checksum 0:
 *                  NONE over IPv4, BAD over IPv6. Otherwise NONE;
 *   - complete:    ones'-complement sum of frame bytes [14, len) (bytes
 *                  with tkeep low are zero), folded to 16 bits, 0 only when
 *                  every byte is 0.
 *
 * The frame's parser results come from the meta handshake (s_meta_*): the
 * DMA scheduler pops a frame's meta at least 4 cycles before its first
 * beat, and frames leave in meta order, so metas wait here in a small queue
 * (MQ_DEPTH entries; the DMA path holds at most 6 popped frames that have
 * not started streaming) and the next frame's context is loaded on the
 * previous frame's tlast beat. Every byte range is known before its beat
 * passes: the IP length word arrives at least one beat before the first
 * L4 byte, so ip_end is a register by then.
 *
 * Timing (for 156.25 MHz): the tap is registered first (stage i: the
 * stream's tready only reaches two flops here), then 3 stages: the beat's IP and L4 bytes are
 * registered already masked (stage 0: a mask clears its bytes' flops, no
 * LUT on the data; d_v_reg says whether a beat moved and gates the
 * accumulators), the masks from bound-vs-beat compares made a beat ahead
 * (registered as word masks for the frame's fixed bounds, ge_*_reg, with
 * the word offsets decoded per frame; as beat compares for ip_end; for
 * ip_end in the length word's beat: whether ip_end falls in the next beat
 * or the one after, 6-bit compares of the word at each position against
 * per-frame constants, see e_in_p_reg, registered per pair of positions as
 * picked by the length word's mask, so no data -> compare -> select path
 * ends in the next beat's masks; when ip_end falls in the next beat, that
 * beat's bytes past it are cleared in stage 1, d_fix_*_reg, not by the
 * stage-0 clears; the length word itself and ip_end's low 4 bits are
 * registered in its beat and ip_end's high bits (base + word, one adder
 * from flops) a cycle later, for the beats after next; the UDP checksum
 * word's zero test likewise, resolved a cycle later). The complete sum
 * needs no per-frame bound but byte 14, so its 8 words are reduced to a
 * pair in stage 0 already (its byte mask, tkeep and first beat, registered
 * with the tap: t_cck_reg). Reductions use end-around-carry carry-save
 * adders (no carry chain); sums are kept in redundant form (a pair whose
 * sum mod 0xFFFF is the ones'-complement sum so far). Stage 1 reduces the
 * IP and L4 sums' 8 words to a pair each, decides the verdicts' sum-
 * independent part on the last beat, and adds the complete sum's pair to
 * its accumulator (on the last beat into fin_cc_reg instead); stage 2 adds
 * the IP and L4 pairs to their accumulators and on the frame's last beat
 * instead registers the verdicts from the pair (the sum is 0xFFFF when the
 * pair's bits are complementary or both all ones: no adder, a 3-level AND
 * tree of kept nets) and the
 * complete sum folded from fin_cc_reg (an adder from flops), clears the
 * accumulators, and so the result is in
 * the m_* registers 4 cycles after the tlast beat is accepted. The pseudo-
 * header's protocol and L4 length (IP length word - (l4 - l3 - 40 v6), the
 * subtraction as a ones'-complement constant) are summed as words: the
 * constants on the frame's first beat, the length word as it passes (the
 * same sum as ip_end - l4 for every frame with an L4 verdict: the parser
 * flags l4 + L4 header > ip_end as MALFORMED). The result registers hold
 * the most recently ended frame's result except in the 3 cycles after a
 * tlast beat (while a frame that has ended is still in the pipeline). This
 * block does not register that "result valid" flag itself: its consumer
 * does, next to the logic that waits on it (the DMA writer's completion
 * record, far from this tap), as
 *     valid_reg <= !((tvalid && tready && tlast) || m_pend_tail)
 * (1 after a reset), where m_pend_tail (from flops here) says a tlast beat
 * was taken 1 or 2 cycles ago. The DMA writer reads the result for the frame's
 * completion record, which it builds only after the frame's data and before
 * any beat of the next frame: no result queue is needed. The record's
 * second beat, right behind the data, waits two cycles for it (minimum
 * frames back to back: 8.0 cycles per 60-byte frame, under the 10.5 of a
 * 10 Gb/s line; the registered tap costs the second of them). A reset clears the queue, the
 * pipeline and the accumulators: the next frame's result does not depend on
 * a frame cut by it.
 * The next-beat compare state is written as an enable (st_step: a beat or no
 * context) and a select that does not involve the handshake (st_load), so
 * the late xfer only gates enables; the compares themselves are kept nets
 * (nx_*), so the late tlast picks among results in the last LUT.
 */
module nic_rx_csum #(
    parameter DATA_WIDTH = 128,
    parameter KEEP_WIDTH = DATA_WIDTH/8,
    parameter META_WIDTH = 88,
    parameter MQ_DEPTH = 16
) (
    input  wire                   clk,
    input  wire                   rst,

    // tap on the frame stream (a beat moves when tvalid && tready)
    input  wire [DATA_WIDTH-1:0]  s_axis_tdata,
    input  wire [KEEP_WIDTH-1:0]  s_axis_tkeep,
    input  wire                   s_axis_tvalid,
    input  wire                   s_axis_tready,
    input  wire                   s_axis_tlast,

    // tap on the per-frame meta (nic_rx_meta.vh), popped in frame order
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [META_WIDTH-1:0]  s_meta_tdata,     // only the parser fields
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire                   s_meta_tvalid,
    input  wire                   s_meta_tready,

    // result of the most recently ended frame (csum values, nic_spec.vh)
    output wire [1:0]             m_ip_csum,
    output wire [1:0]             m_l4_csum,
    output wire [15:0]            m_csum_complete,
    // a tlast beat was taken 1 or 2 cycles ago: the result registers are
    // not the last frame's in the next cycle (see above: the consumer
    // registers the valid flag)
    output wire                   m_pend_tail
);

/* verilator lint_off UNUSEDPARAM */
`include "nic_spec.vh"
`include "nic_rx_meta.vh"
/* verilator lint_on UNUSEDPARAM */

localparam [1:0] C_NONE = CSUM_NONE[1:0];
localparam [1:0] C_GOOD = CSUM_GOOD[1:0];
localparam [1:0] C_BAD = CSUM_BAD[1:0];
localparam WORDS = DATA_WIDTH / 16;
localparam WW = $clog2(WORDS);
localparam MQ_AW = $clog2(MQ_DEPTH);
localparam BEAT_W = 10;                 // 9216 bytes are 576 beats
// context: {l3, l4 and address bounds in the first beat, the address
// bounds' word offsets in their beats, l3 offset, l4 offset, v6, udp, check
// ip, check l4}
localparam CTX_F = 10 + 10 + 4;
localparam CTX_W = 3 + 6 + CTX_F;

// ---------------------------------------------------------------------------
// meta queue (distributed RAM)
// ---------------------------------------------------------------------------

wire [9:0] mi_l3 = s_meta_tdata[META_L3_OFF_LSB +: 10];
wire [9:0] mi_l4 = s_meta_tdata[META_L4_OFF_LSB +: 10];
wire [1:0] mi_l3t = s_meta_tdata[META_L3_TYPE_LSB +: 2];
wire [1:0] mi_l4t = s_meta_tdata[META_L4_TYPE_LSB +: 2];
wire [7:0] mi_flags = s_meta_tdata[META_FLAGS_LSB +: 8];

wire mi_chk_ip = (mi_l3t == L3_TYPE_IPV4[1:0]) && (mi_l4 != 10'd0);
wire mi_chk_l4 = (mi_l4t == L4_TYPE_TCP[1:0] || mi_l4t == L4_TYPE_UDP[1:0])
    && !mi_flags[PARSE_FRAGMENT_BIT] && !mi_flags[PARSE_MALFORMED_BIT] && !mi_flags[PARSE_DEPTH_LIMIT_BIT];
wire mi_v6 = mi_l3t == L3_TYPE_IPV6[1:0];
// the first beat's compares (word bound < 8), made here: a context load then
// only moves flops and RAM bits (it depends on the late beat handshake)
wire mi_l3_eq0 = mi_l3[9:4] == 6'd0;
wire mi_l4_eq0 = mi_l4[9:4] == 6'd0;
wire mi_alo_eq0 = mi_v6 ? (mi_l3[9:3] == 7'd0) : (mi_l3[9:2] == 8'd0);     // l3/2 + 4 or 6 < 8
// (the address bounds' word offsets likewise: no adder behind the queue's
// read in front of the word masks loaded from it)
wire [2:0] mi_alo_off = mi_l3[3:1] + (mi_v6 ? 3'd4 : 3'd6);      // l3/2 + 4 or 6, mod 8
wire [2:0] mi_ahi_off = mi_l3[3:1] + (mi_v6 ? 3'd4 : 3'd2);      // l3/2 + 20 or 10, mod 8
wire [CTX_W-1:0] mi_ctx = {mi_l3_eq0, mi_l4_eq0, mi_alo_eq0, mi_alo_off, mi_ahi_off, mi_l3, mi_l4, mi_v6,
    mi_l4t == L4_TYPE_UDP[1:0], mi_chk_ip, mi_chk_l4};

// ---------------------------------------------------------------------------
// stage i: the tap, registered. The stream's tready is late (the DMA writer's
// streamer decides it from the request mux's grant) and this block may sit
// far from it: here it only reaches a flop (t_v_reg), not the
// clock enables of the data path. The meta handshake likewise (its context
// compares are made before the register). Everything below sees the stream
// and the metas a cycle later, in the same order and spacing.
// ---------------------------------------------------------------------------

reg [DATA_WIDTH-1:0] t_data_reg = {DATA_WIDTH{1'b0}};
reg                  t_last_reg = 1'b0;
reg                  t_v_reg = 1'b0;
reg [CTX_W-1:0]      t_ctx_reg = {CTX_W{1'b0}};
reg                  t_mpush_reg = 1'b0;

always @(posedge clk) begin
    t_data_reg <= s_axis_tdata;
    t_last_reg <= s_axis_tlast;
    t_v_reg <= s_axis_tvalid && s_axis_tready;
    t_ctx_reg <= mi_ctx;
    t_mpush_reg <= s_meta_tvalid && s_meta_tready;
    if (rst) begin
        t_v_reg <= 1'b0;
        t_mpush_reg <= 1'b0;
    end
end

reg [CTX_W-1:0] mq_mem [0:MQ_DEPTH-1];
reg [MQ_AW:0] mq_wr_ptr_reg = {MQ_AW+1{1'b0}};
reg [MQ_AW:0] mq_rd_ptr_reg = {MQ_AW+1{1'b0}};

wire mq_empty = mq_wr_ptr_reg == mq_rd_ptr_reg;
wire mq_full = mq_wr_ptr_reg == {~mq_rd_ptr_reg[MQ_AW], mq_rd_ptr_reg[MQ_AW-1:0]};
wire mq_push = t_mpush_reg && !mq_full;
wire [CTX_W-1:0] mq_head = mq_mem[mq_rd_ptr_reg[MQ_AW-1:0]];

always @(posedge clk) begin
    if (mq_push) begin
        mq_mem[mq_wr_ptr_reg[MQ_AW-1:0]] <= t_ctx_reg;
    end
end

// ---------------------------------------------------------------------------
// sums in redundant ones'-complement form: a pair (x, y) stands for
// x + y mod 0xFFFF. A carry-save step with end-around carry (2^16 = 1 mod
// 0xFFFF: the carry out of bit 15 re-enters at bit 0) adds a third operand
// without carry propagation, and keeps "all operands 0" apart from "sum is
// a nonzero multiple of 0xFFFF" (any 1 bit in, some 1 bit out).
// ---------------------------------------------------------------------------

function [31:0] csa(input [15:0] x, input [15:0] y, input [15:0] z);
    reg [15:0] c;
    begin
        c = (x & y) | (x & z) | (y & z);
        csa = {x ^ y ^ z, c[14:0], c[15]};
    end
endfunction

// 8 words -> 2 (four carry-save levels)
function [31:0] csa8(input [127:0] v);
    reg [31:0] l1a, l1b, l2a, l2b, l3, l4;
    begin
        l1a = csa(v[15:0], v[31:16], v[47:32]);
        l1b = csa(v[63:48], v[79:64], v[95:80]);
        l2a = csa(l1a[31:16], l1a[15:0], l1b[31:16]);
        l2b = csa(l1b[15:0], v[111:96], v[127:112]);
        l3 = csa(l2a[31:16], l2a[15:0], l2b[31:16]);
        l4 = csa(l3[31:16], l3[15:0], l2b[15:0]);
        csa8 = l4;
    end
endfunction

// ---------------------------------------------------------------------------
// stage 0 (the beat's cycle): word masks, registered with the beat
// ---------------------------------------------------------------------------

// Byte ranges start on even offsets, so they are tracked as word indices
// (word j = frame bytes 2j, 2j+1; beat k holds words 8k..8k+7). A bound is
// {beat, word in beat}; per beat it only costs a beat compare and a decode.
localparam BW = 16;                     // word index (ip_end reaches 2^16)

reg             ctx_valid_reg = 1'b0;
reg             c_v6_reg = 1'b0;
reg             c_udp_reg = 1'b0;
reg             c_chk_ip_reg = 1'b0;
reg             c_chk_l4_reg = 1'b0;
reg [16:0]      c_base_reg = 17'd0;             // l3 + (IPv6 ? 40 : 0): ip_end = base + length word
reg [9:0]       c_l4_reg = 10'd0;               // l4 offset (~(l4 - base) is the first beat's L4 constant)
// word bounds (the beat part only: the word offsets are in c_*_ge_reg)
/* verilator lint_off UNUSEDSIGNAL */
reg [BW-1:0]    c_l3_w_reg = {BW{1'b0}};
reg [BW-1:0]    c_l4_w_reg = {BW{1'b0}};
reg [BW-1:0]    c_alo_w_reg = {BW{1'b0}};       // pseudo-header addresses
reg [BW-1:0]    c_ahi_w_reg = {BW{1'b0}};
/* verilator lint_on UNUSEDSIGNAL */
reg [BW-1:0]    c_len_w_reg = {BW{1'b0}};       // IP length word
reg [BW-1:0]    c_uz_w_reg = {BW{1'b0}};        // UDP checksum word

/* verilator lint_off UNUSEDSIGNAL */
wire [9:0] h_l3 = mq_head[CTX_F-1 -: 10];       // even: bit 0 is not needed for word bounds
wire [9:0] h_l4 = mq_head[CTX_F-11 -: 10];
/* verilator lint_on UNUSEDSIGNAL */
wire       h_v6 = mq_head[3];
wire [2:0] h_alo_off = mq_head[CTX_W-4 -: 3];
wire [2:0] h_ahi_off = mq_head[CTX_W-7 -: 3];

// beat index of the next beat, + 1 (beat k holds words 8k..8k+7)
reg [BEAT_W-1:0] beat_p1_reg = {{(BEAT_W-1){1'b0}}, 1'b1};
reg              beat0_reg = 1'b1;              // the next beat is the frame's first
// ip_end (byte offset) in two parts: bits [3:0] registered with the length
// word's beat (they shape the next beat's L4 masks), bits [16:4] one cycle
// later from the registered length word (one adder from flops, no per-
// position adders on the data); the compares for the beat after next are
// then taken from the length word directly (e_in_p_reg, e_in2_p_reg)
reg [3:0]        ip_end_lo_reg = 4'd0;
reg [16:4]       ip_end_hi_reg = 13'd0;
reg [15:0]       len_word_reg = 16'd0;          // the IP length word, registered in its beat
reg              len_new_reg = 1'b0;            // the length word's beat moved in the last cycle
reg              udp_zero_reg = 1'b0;
// masks of the length and UDP checksum words for the next beat, made a beat
// ahead: the words they pick feed len_word_reg, ip_end_lo_reg, e_in*_p_reg
// and uz_hit_reg in this cycle
reg [WORDS-1:0]  m_len_reg = {WORDS{1'b0}};
reg [WORDS-1:0]  m_uz_reg = {WORDS{1'b0}};
// Beat compares for the next beat, made a beat ahead: bound X's beat is below
// (X_gt) or equal to (X_eq) the next beat's; with X's word offset they give the
// beat's mask (X_gt: all words, X_eq: words from the offset on). For the
// frame's fixed bounds the mask itself is registered (ge_X_reg: the words at
// or after X; the top word is set when X's beat is at or below this one, so
// it doubles as the next beat's X_gt): the stage-0 masks start from flops, no
// offset decode in front of the masked-data flops' clears.
reg [WORDS-1:0]  ge_l3_reg = {WORDS{1'b0}};
reg [WORDS-1:0]  ge_l4_reg = {WORDS{1'b0}};
reg [WORDS-1:0]  ge_alo_reg = {WORDS{1'b0}};
reg [WORDS-1:0]  ge_ahi_reg = {WORDS{1'b0}};
// the bounds' word offsets decoded (words at or after it), per frame
reg [WORDS-1:0]  c_l3_ge_reg = {WORDS{1'b0}};
reg [WORDS-1:0]  c_l4_ge_reg = {WORDS{1'b0}};
reg [WORDS-1:0]  c_alo_ge_reg = {WORDS{1'b0}};
reg [WORDS-1:0]  c_ahi_ge_reg = {WORDS{1'b0}};
reg              e_gt_reg = 1'b0, e_eq_reg = 1'b0;     // ip_end
// In the length word's beat (j) the next beat's ip_end compare is made per
// word position (against the data, see below) and registered per pair of
// positions, already picked by the length word's mask: ip_end is in beat
// j + 1 (e_in_p_reg; all 0 after any other beat). For every frame with an L4
// verdict ip_end >= l4 + 8 (the parser flags l4 + L4 header > ip_end as
// MALFORMED), so ip_end >= l3 + 28 (IPv4) or l3 + 48 (IPv6): at least 24
// bytes past the length word, never below beat j + 1, and in beat j + 1 only
// when ip_end < 16 (j + 2), i.e. the word is below thr_len = 16 (j + 2) -
// base: 34 - ((l3 + 2) mod 16), in 19..34, for IPv4; never for IPv6 (thr 0).
// So one 6-bit compare against a per-frame constant and a zero test of the
// word's high 10 bits (no carry chain on the data). Likewise ip_end is in
// beat j + 1 or j + 2 (e_in2_p_reg) when the word is below thr2: thr2 =
// 16 (j + 3) - base, 50 - ((l3 + 2) mod 16) for IPv4, 12 - ((l3 + 4) mod 16)
// (0 when below) for IPv6, so the compare made for beat j + 2 (in beat
// j + 1, while ip_end_hi_reg is loaded) is e_gt_reg = e_in_p, e_eq_reg = e_in2_p
// and not e_in_p (resolved there, from flops, to keep the data compares
// one shape).
// For other frames ip_end only shapes the L4 sum, which is then not used.
reg [WORDS/2-1:0] e_in_p_reg = {WORDS/2{1'b0}};
reg [WORDS/2-1:0] e_in2_p_reg = {WORDS/2{1'b0}};
reg [5:0]         thr_len_reg = 6'd0;
reg [5:0]         thr2_reg = 6'd0;

wire xfer = t_v_reg;

// the word of this beat at word bound b (one-hot, or 0)
function [WORDS-1:0] at_mask(input [BEAT_W-1:0] k, input [BW-1:0] b);
    reg [BW-WW-1:0] kb;
    begin
        kb = {{(BW-WW-BEAT_W){1'b0}}, k};
        at_mask = (kb == b[BW-1:WW]) ? ({{(WORDS-1){1'b0}}, 1'b1} << b[WW-1:0]) : {WORDS{1'b0}};
    end
endfunction

// words of this beat at or after a bound: from its compares and word offset
function [WORDS-1:0] ge_dec(input gt, input eq, input [WW-1:0] off);
    ge_dec = gt ? {WORDS{1'b1}} : eq ? ({WORDS{1'b1}} << off) : {WORDS{1'b0}};
endfunction

// beat k is beat kb (a word bound's beat: bound[BW-1:WW])
function beat_eq(input [BEAT_W-1:0] k, input [BW-WW-1:0] kb);
    beat_eq = {{(BW-WW-BEAT_W){1'b0}}, k} == kb;
endfunction

// the bytes of a beat at or after ip_end's offset in its beat: a word's low
// byte (2w + 1) when w >= half the offset, its high byte (2w) when 2w >= it
reg [WORDS-1:0] past_e_lo, past_e_hi;
// ... of this beat: all when ip_end's beat is below this one (e_gt_reg), those
// at or after the offset when it is this one (e_eq_reg)
reg [WORDS-1:0] ge_e_lo, ge_e_hi;
integer w;
always @* begin
    for (w = 0; w < WORDS; w = w + 1) begin
        past_e_lo[w] = w >= ip_end_lo_reg[WW:1];
        past_e_hi[w] = 2*w >= ip_end_lo_reg;
    end
    ge_e_lo = {WORDS{e_gt_reg}} | ({WORDS{e_eq_reg}} & past_e_lo);
    ge_e_hi = {WORDS{e_gt_reg}} | ({WORDS{e_eq_reg}} & past_e_hi);
end
// In the beat right after the length word's ip_end may fall in that beat
// (e_in_p_reg): its bytes are then cleared in stage 1 (d_fix_*_reg), from
// flops, so the stage-0 clears need no term from the length word's data.

wire [WORDS-1:0] m_ip = ge_l3_reg & ~ge_l4_reg;
wire [WORDS-1:0] m_addr = ge_alo_reg & ~ge_ahi_reg;
// (until the IP length word passed, the ip_end compares are stale: both L4
// masks are limited to words at or after l4, which come later)
// the L4 sum's words: high and low byte
wire [WORDS-1:0] m_l4_hi = m_addr | (ge_l4_reg & ~ge_e_hi) | m_len_reg;
wire [WORDS-1:0] m_l4_lo = m_addr | (ge_l4_reg & ~ge_e_lo) | m_len_reg;

// ip_end's beat compares for each word as the length word: straight from
// the data, the mask only selects a result
wire [WORDS-1:0]    e_in_w;             // each word as the length word: ip_end in the next beat
wire [WORDS-1:0]    e_in2_w;            // ... in the next beat or the one after
wire [WORDS-1:0]    zero_w;             // each word as the UDP checksum word: 0

genvar gw;
generate
for (gw = 0; gw < WORDS; gw = gw + 1) begin : g_len
    wire [15:0] wd = {t_data_reg[16*gw +: 8], t_data_reg[16*gw+8 +: 8]};
    wire        hi_zero = wd[15:6] == 10'd0;
    wire        lt1 = wd[5:0] < thr_len_reg;
    wire        lt2 = wd[5:0] < thr2_reg;
    assign e_in_w[gw] = hi_zero && lt1;
    assign e_in2_w[gw] = hi_zero && lt2;
    assign zero_w[gw] = wd == 16'd0;
end
endgenerate

reg [15:0]      len_word_sel;           // the length word (0 outside its beat)

always @* begin
    len_word_sel = 16'd0;
    for (w = 0; w < WORDS; w = w + 1) begin
        // frame bytes 2j (high) and 2j+1 (low) of big-endian word j
        len_word_sel = len_word_sel | (m_len_reg[w] ? {t_data_reg[16*w +: 8], t_data_reg[16*w+8 +: 8]} : 16'd0);
    end
end

// ip_end = base + length word, from flops (loaded into ip_end_hi_reg in the
// cycle after the length word's beat)
/* verilator lint_off UNUSEDSIGNAL */
wire [16:0] ip_end_full = c_base_reg + {1'b0, len_word_reg};     // bits [3:0]: ip_end_lo_reg
/* verilator lint_on UNUSEDSIGNAL */

// The complete sum's words need no per-frame bound but byte 14: they are
// reduced in the beat's own cycle and the pair is registered; d_v_reg
// (below) says whether a beat moved, as for the IP and L4 sums. The byte
// mask (tkeep, and bytes 14.. on a frame's first beat) is registered with
// the tap (t_cck_reg): whether the beat is a first beat is beat0_reg as it
// loads in that cycle (from flops, no handshake term), so each byte's mask is
// one flop, not a decode in front of the reduction.
reg [KEEP_WIDTH-1:0] t_cck_reg = {KEEP_WIDTH{1'b0}};
wire                 beat0_nx = xfer ? t_last_reg : beat0_reg;
integer b;
always @(posedge clk) begin
    for (b = 0; b < KEEP_WIDTH; b = b + 1) begin
        t_cck_reg[b] <= s_axis_tkeep[b] && (b >= 14 || !beat0_nx);
    end
end
wire [127:0] v_cc0;
generate
for (gw = 0; gw < WORDS; gw = gw + 1) begin : g_cc0
    assign v_cc0[16*gw +: 16] = {t_cck_reg[2*gw] ? t_data_reg[16*gw +: 8] : 8'd0,
                                 t_cck_reg[2*gw+1] ? t_data_reg[16*gw+8 +: 8] : 8'd0};
end
endgenerate

reg [31:0]           pc_cc_reg = 32'd0;

// stage 0 registers: the beat and its masks (masks 0 when no beat moved)
// The beat's bytes for the IP and L4 sums, already masked (a mask clears
// its bytes' flops: no LUT on the data), whether a beat moved or not:
// d_v_reg says whether one did and gates the accumulators in stage 2.
reg [DATA_WIDTH-1:0] d_ip_d_reg = {DATA_WIDTH{1'b0}};
reg [DATA_WIDTH-1:0] d_l4_d_reg = {DATA_WIDTH{1'b0}};
reg                  d_v_reg = 1'b0;
// the beat's L4 bytes at or after ip_end when it is the beat right after the
// length word's and holds ip_end (e_in_p_reg): cleared in stage 1
reg [WORDS-1:0]      d_fix_lo_reg = {WORDS{1'b0}};
reg [WORDS-1:0]      d_fix_hi_reg = {WORDS{1'b0}};
reg [15:0]           d_inj0_reg = 16'd0;           // pseudo-header constants (first beat)
reg [15:0]           d_inj1_reg = 16'd0;
reg                  d_last_reg = 1'b0;
reg                  d_chk_ip_reg = 1'b0;
reg                  d_chk_l4_reg = 1'b0;
reg                  d_udp_reg = 1'b0;
reg                  d_v6_reg = 1'b0;
// The UDP checksum word's zero test is registered per position (uz_hit_reg,
// uz_sel_reg: the beat held the word) and resolved a cycle later: the
// frame's flag is udp_zero_cur, in time for stage 1 of its last beat.
reg [WORDS-1:0]      uz_hit_reg = {WORDS{1'b0}};
reg                  uz_sel_reg = 1'b0;
wire                 udp_zero_cur = uz_sel_reg ? (|uz_hit_reg) : udp_zero_reg;

wire mq_pop = (xfer && t_last_reg) || !ctx_valid_reg;
// The context registers load on every pop, also from an empty queue (no
// queue-empty term in their enables): the context is invalid then, no beat
// passes, and it loads again when a meta arrives.
wire ctx_load = mq_pop;
// the next-beat state below moves on a beat or while no context is loaded
// (st_step); st_load: it restarts for the next frame's first beat
wire st_step = xfer || !ctx_valid_reg;
wire st_load = t_last_reg || !ctx_valid_reg;

// the next beat's compares against the frame's bounds, as kept nets: the
// late tlast (st_load) then only picks between them and the load values in
// one LUT in front of the flops, rather than being folded into the compares
(* keep *) wire [WORDS-1:0] nx_len_m = at_mask(beat_p1_reg, c_len_w_reg);
(* keep *) wire [WORDS-1:0] nx_uz_m = at_mask(beat_p1_reg, c_uz_w_reg);
(* keep *) wire [3:0]       nx_beat_eq = {beat_eq(beat_p1_reg, c_l3_w_reg[BW-1:WW]),
    beat_eq(beat_p1_reg, c_l4_w_reg[BW-1:WW]), beat_eq(beat_p1_reg, c_alo_w_reg[BW-1:WW]),
    beat_eq(beat_p1_reg, c_ahi_w_reg[BW-1:WW])};
(* keep *) wire             nx_e_gt = {3'd0, beat_p1_reg} > ip_end_hi_reg;
(* keep *) wire             nx_e_eq = beat_eq(beat_p1_reg, ip_end_hi_reg);

// the head's bounds, registered with the context
wire [BW-1:0] h_l3_w = {7'd0, h_l3[9:1]};
wire [BW-1:0] h_l4_w = {7'd0, h_l4[9:1]};
wire [BW-1:0] h_alo_w = h_l3_w + (h_v6 ? 16'd4 : 16'd6);
wire [BW-1:0] h_ahi_w = h_l3_w + (h_v6 ? 16'd20 : 16'd10);
wire [BW-1:0] h_len_w = h_l3_w + (h_v6 ? 16'd2 : 16'd1);
wire [BW-1:0] h_uz_w = h_l4_w + 16'd3;
wire [16:0]   h_base = {7'd0, h_l3} + (h_v6 ? 17'd40 : 17'd0);

always @(posedge clk) begin
    if (ctx_load) begin
        ctx_valid_reg <= !mq_empty;
        {c_v6_reg, c_udp_reg, c_chk_ip_reg, c_chk_l4_reg} <= mq_head[3:0];
        c_base_reg <= h_base;
        c_l4_reg <= h_l4;
        c_l3_w_reg <= h_l3_w;
        c_l4_w_reg <= h_l4_w;
        c_alo_w_reg <= h_alo_w;
        c_ahi_w_reg <= h_ahi_w;
        c_len_w_reg <= h_len_w;
        c_uz_w_reg <= h_uz_w;
        c_l3_ge_reg <= {WORDS{1'b1}} << h_l3[3:1];
        c_l4_ge_reg <= {WORDS{1'b1}} << h_l4[3:1];
        c_alo_ge_reg <= {WORDS{1'b1}} << h_alo_off;
        c_ahi_ge_reg <= {WORDS{1'b1}} << h_ahi_off;
        if (!mq_empty) begin
            mq_rd_ptr_reg <= mq_rd_ptr_reg + 1'b1;
        end
    end
    if (mq_push) begin
        mq_wr_ptr_reg <= mq_wr_ptr_reg + 1'b1;
    end

    // Compares and length / UDP checksum word masks for the next beat. On a
    // context load the next beat is beat 0 (bound beats below 8 words, from
    // the offsets' high bits, queued with the meta); a frame's first beat never holds
    // the length / UDP checksum word (l3 >= 14 for IP, l4 >= 34) when they
    // matter, nor ip_end.
    // (written as an enable, st_step, and a data select, st_load, that
    // does not involve the handshake: the beat's xfer only gates enables)
    if (st_step) begin
        if (st_load) begin
            // (the offsets as loaded into c_*_ge_reg now)
            ge_l3_reg <= ge_dec(1'b0, mq_head[CTX_W-1], h_l3[3:1]);
            ge_l4_reg <= ge_dec(1'b0, mq_head[CTX_W-2], h_l4[3:1]);
            ge_alo_reg <= ge_dec(1'b0, mq_head[CTX_W-3], h_alo_off);
            ge_ahi_reg <= {WORDS{1'b0}};                                        // l3/2 + 10 >= 8
        end else begin
            ge_l3_reg <= {WORDS{ge_l3_reg[WORDS-1]}} | ({WORDS{nx_beat_eq[3]}} & c_l3_ge_reg);
            ge_l4_reg <= {WORDS{ge_l4_reg[WORDS-1]}} | ({WORDS{nx_beat_eq[2]}} & c_l4_ge_reg);
            ge_alo_reg <= {WORDS{ge_alo_reg[WORDS-1]}} | ({WORDS{nx_beat_eq[1]}} & c_alo_ge_reg);
            ge_ahi_reg <= {WORDS{ge_ahi_reg[WORDS-1]}} | ({WORDS{nx_beat_eq[0]}} & c_ahi_ge_reg);
        end
    end
    // the length word's threshold, a function of the context (valid from
    // the frame's second beat: no first beat holds the length word)
    thr_len_reg <= c_v6_reg ? 6'd0 : 6'd34 - {2'd0, c_base_reg[3:0] + 4'd2};
    thr2_reg <= c_v6_reg ? ((c_base_reg[3:0] + 4'd12 <= 4'd12) ? 6'd12 - {2'd0, c_base_reg[3:0] + 4'd12} : 6'd0)
                         : 6'd50 - {2'd0, c_base_reg[3:0] + 4'd2};
    if (st_step) begin
        if (st_load) begin
            m_len_reg <= {WORDS{1'b0}};
            m_uz_reg <= {WORDS{1'b0}};
            e_gt_reg <= 1'b0;
            e_eq_reg <= 1'b0;
            e_in_p_reg <= {WORDS/2{1'b0}};
            e_in2_p_reg <= {WORDS/2{1'b0}};
        end else begin
            m_len_reg <= nx_len_m;
            m_uz_reg <= nx_uz_m;
            // next beat against ip_end = base + length word, in the length
            // word's beat: per position, picked in the next beat (e_eq_reg)
            for (w = 0; w < WORDS / 2; w = w + 1) begin
                e_in_p_reg[w] <= (m_len_reg[2*w] && e_in_w[2*w]) || (m_len_reg[2*w+1] && e_in_w[2*w+1]);
                e_in2_p_reg[w] <= (m_len_reg[2*w] && e_in2_w[2*w]) || (m_len_reg[2*w+1] && e_in2_w[2*w+1]);
            end
            if (|m_len_reg) begin
                // ip_end changes with this beat
                e_gt_reg <= 1'b0;
                e_eq_reg <= 1'b0;
            end else if (len_new_reg) begin
                // the beat after the length word's (ip_end_hi_reg loads now):
                // ip_end's beat from the length word's compares
                e_gt_reg <= |e_in_p_reg;
                e_eq_reg <= (|e_in2_p_reg) && !(|e_in_p_reg);
            end else begin
                e_gt_reg <= nx_e_gt;
                e_eq_reg <= nx_e_eq;
            end
        end
    end

    for (w = 0; w < WORDS; w = w + 1) begin
        // big-endian word w: frame bytes 2w (data [16w +: 8], the word's
        // bits 15:8) and 2w+1 (data [16w+8 +: 8], bits 7:0)
        d_ip_d_reg[16*w +: 16] <= m_ip[w] ? {t_data_reg[16*w +: 8], t_data_reg[16*w+8 +: 8]} : 16'd0;
        d_l4_d_reg[16*w+8 +: 8] <= m_l4_hi[w] ? t_data_reg[16*w +: 8] : 8'd0;
        d_l4_d_reg[16*w +: 8] <= m_l4_lo[w] ? t_data_reg[16*w+8 +: 8] : 8'd0;
    end
    d_v_reg <= xfer;
    d_fix_lo_reg <= {WORDS{|e_in_p_reg}} & past_e_lo;
    d_fix_hi_reg <= {WORDS{|e_in_p_reg}} & past_e_hi;
    pc_cc_reg <= csa8(v_cc0);
    // pseudo-header protocol and -(l4 - base), added once per frame
    d_inj0_reg <= beat0_reg ? (c_udp_reg ? 16'd17 : 16'd6) : 16'd0;
    // ~(l4 - base): L4 length = length word + this (mod 0xFFFF)
    d_inj1_reg <= beat0_reg ? ~({6'd0, c_l4_reg} - c_base_reg[15:0]) : 16'd0;
    d_last_reg <= xfer && t_last_reg;
    uz_sel_reg <= xfer && (|m_uz_reg);
    uz_hit_reg <= m_uz_reg & zero_w;
    udp_zero_reg <= udp_zero_cur;

    len_new_reg <= xfer && (|m_len_reg);
    if (xfer && (|m_len_reg)) begin
        len_word_reg <= len_word_sel;
        ip_end_lo_reg <= c_base_reg[3:0] + len_word_sel[3:0];
    end
    if (len_new_reg) begin
        ip_end_hi_reg <= ip_end_full[16:4];
    end
    if (xfer) begin
        if (t_last_reg) begin
            d_chk_ip_reg <= c_chk_ip_reg;
            d_chk_l4_reg <= c_chk_l4_reg;
            d_udp_reg <= c_udp_reg;
            d_v6_reg <= c_v6_reg;
            beat_p1_reg <= {{(BEAT_W-1){1'b0}}, 1'b1};
            beat0_reg <= 1'b1;
        end else begin
            beat_p1_reg <= beat_p1_reg + 1'b1;
            beat0_reg <= 1'b0;
        end
    end

    if (rst) begin
        mq_wr_ptr_reg <= {MQ_AW+1{1'b0}};
        mq_rd_ptr_reg <= {MQ_AW+1{1'b0}};
        ctx_valid_reg <= 1'b0;
        beat_p1_reg <= {{(BEAT_W-1){1'b0}}, 1'b1};
        beat0_reg <= 1'b1;
        m_len_reg <= {WORDS{1'b0}};
        m_uz_reg <= {WORDS{1'b0}};
        ge_l3_reg <= {WORDS{1'b0}};
        ge_l4_reg <= {WORDS{1'b0}};
        ge_alo_reg <= {WORDS{1'b0}};
        ge_ahi_reg <= {WORDS{1'b0}};
        e_gt_reg <= 1'b0;
        e_eq_reg <= 1'b0;
        e_in_p_reg <= {WORDS/2{1'b0}};
        e_in2_p_reg <= {WORDS/2{1'b0}};
        len_new_reg <= 1'b0;
        uz_sel_reg <= 1'b0;
        d_v_reg <= 1'b0;
        d_inj0_reg <= 16'd0;
        d_inj1_reg <= 16'd0;
        d_last_reg <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// stage 1: masked words -> two words per sum
// ---------------------------------------------------------------------------

// (continuous assignments: they also hold before the first input event)
wire [127:0] v_ip, v_l4;

genvar g;
generate
for (g = 0; g < WORDS; g = g + 1) begin : g_word
    // the first beat's L4 words are all outside the pseudo-header / L4
    // range: words 6 and 7 (one carry-save level shallower in csa8 than
    // words 0..5) carry the frame's pseudo-header constants there
    // (d_fix_*_reg: the L4 bytes past ip_end in the beat after the length
    // word's; never in the first beat, so never on the injected constants)
    wire [15:0] inj = (g == WORDS-2) ? d_inj0_reg : (g == WORDS-1) ? d_inj1_reg : 16'd0;
    assign v_ip[16*g +: 16] = d_ip_d_reg[16*g +: 16];
    assign v_l4[16*g +: 16] = {d_fix_hi_reg[g] ? 8'd0 : d_l4_d_reg[16*g+8 +: 8],
                               d_fix_lo_reg[g] ? 8'd0 : d_l4_d_reg[16*g +: 8]} | inj;
end
endgenerate

reg [31:0] p_ip_reg = 32'd0;
reg [31:0] p_l4_reg = 32'd0;
// the complete sum: accumulated here (its words were reduced in stage 0),
// the frame's final pair in fin_cc_reg, folded in stage 2
reg [31:0] acc_cc_reg = 32'd0;
reg [31:0] fin_cc_reg = 32'd0;
(* keep *) wire [31:0] u_cc = csa(acc_cc_reg[31:16], acc_cc_reg[15:0], pc_cc_reg[31:16]);
(* keep *) wire [31:0] t_cc = csa(u_cc[31:16], u_cc[15:0], pc_cc_reg[15:0]);
reg        p_last_reg = 1'b0;
reg        p_v_reg = 1'b0;              // p_* hold a beat's words
// the verdicts' sum-independent part: IP NONE; L4 fixed (NONE, or the
// UDP-checksum-0 verdict) and its value
reg        p_ip_none_reg = 1'b0;
reg        p_l4_fixed_reg = 1'b0;
reg [1:0]  p_l4_val_reg = 2'd0;

always @(posedge clk) begin
    p_ip_reg <= csa8(v_ip);
    p_l4_reg <= csa8(v_l4);
    if (d_v_reg) begin
        acc_cc_reg <= d_last_reg ? 32'd0 : t_cc;
    end
    if (d_last_reg) begin
        fin_cc_reg <= t_cc;
    end
    p_last_reg <= d_last_reg;
    p_v_reg <= d_v_reg;
    if (d_last_reg) begin
        p_ip_none_reg <= !d_chk_ip_reg;
        p_l4_fixed_reg <= !d_chk_l4_reg || (d_udp_reg && udp_zero_cur);
        p_l4_val_reg <= (d_chk_l4_reg && d_v6_reg) ? C_BAD : C_NONE;
    end
    if (rst) begin
        p_v_reg <= 1'b0;
        acc_cc_reg <= 32'd0;
        p_last_reg <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// stage 2: accumulate; on the frame's last beat, verdicts from the pair
// ---------------------------------------------------------------------------

reg [31:0] acc_ip_reg = 32'd0;
reg [31:0] acc_l4_reg = 32'd0;

// the two carry-save levels as kept nets: each is one LUT level (3-input
// functions), so the verdicts start 2 LUTs from the flops
(* keep *) wire [31:0] u_ip = csa(acc_ip_reg[31:16], acc_ip_reg[15:0], p_ip_reg[31:16]);
(* keep *) wire [31:0] u_l4 = csa(acc_l4_reg[31:16], acc_l4_reg[15:0], p_l4_reg[31:16]);
(* keep *) wire [31:0] t_ip = csa(u_ip[31:16], u_ip[15:0], p_ip_reg[15:0]);
(* keep *) wire [31:0] t_l4 = csa(u_l4[31:16], u_l4[15:0], p_l4_reg[15:0]);

// the ones'-complement sum of the pair is 0xFFFF: x + y is 0xFFFF or 0x1FFFE
// (x + y = 0 is the all-zero sum, which folds to 0): &(x ^ y) or &(x & y),
// as a tree of kept nets (two bit positions per LUT, then four of those,
// then the verdict's LUT): 3 LUT levels after the carry-save pair (left to
// itself the mapper folded them into the carry-save levels as wide-mux
// chains, 5 to 7 levels deep)
(* keep *) wire [7:0] ip_xa, ip_aa, l4_xa, l4_aa;
(* keep *) wire [1:0] ip_xb, ip_ab, l4_xb, l4_ab;
genvar go;
generate
for (go = 0; go < 8; go = go + 1) begin : g_ones_a
    assign ip_xa[go] = &(t_ip[16+2*go +: 2] ^ t_ip[2*go +: 2]);
    assign ip_aa[go] = &(t_ip[16+2*go +: 2] & t_ip[2*go +: 2]);
    assign l4_xa[go] = &(t_l4[16+2*go +: 2] ^ t_l4[2*go +: 2]);
    assign l4_aa[go] = &(t_l4[16+2*go +: 2] & t_l4[2*go +: 2]);
end
for (go = 0; go < 2; go = go + 1) begin : g_ones_b
    assign ip_xb[go] = &ip_xa[4*go +: 4];
    assign ip_ab[go] = &ip_aa[4*go +: 4];
    assign l4_xb[go] = &l4_xa[4*go +: 4];
    assign l4_ab[go] = &l4_aa[4*go +: 4];
end
endgenerate
wire ones_ip = (&ip_xb) || (&ip_ab);
wire ones_l4 = (&l4_xb) || (&l4_ab);

// the folded sum (end-around carry): 0 only for the all-zero sum
wire [16:0] cc_s0 = {1'b0, fin_cc_reg[31:16]} + {1'b0, fin_cc_reg[15:0]};
wire [15:0] cc_s1 = fin_cc_reg[31:16] + fin_cc_reg[15:0] + 16'd1;
wire [15:0] cc_fold = cc_s0[16] ? cc_s1 : cc_s0[15:0];

reg [1:0]  ip_csum_reg = 2'd0;
reg [1:0]  l4_csum_reg = 2'd0;
reg [15:0] complete_reg = 16'd0;

always @(posedge clk) begin
    if (p_v_reg) begin
        acc_ip_reg <= p_last_reg ? 32'd0 : t_ip;
        acc_l4_reg <= p_last_reg ? 32'd0 : t_l4;
    end
    if (p_last_reg) begin
        complete_reg <= cc_fold;
        ip_csum_reg <= p_ip_none_reg ? C_NONE : (ones_ip ? C_GOOD : C_BAD);
        l4_csum_reg <= p_l4_fixed_reg ? p_l4_val_reg : (ones_l4 ? C_GOOD : C_BAD);
    end
    if (rst) begin
        acc_ip_reg <= 32'd0;
        acc_l4_reg <= 32'd0;
        ip_csum_reg <= C_NONE;
        l4_csum_reg <= C_NONE;
        complete_reg <= 16'd0;
    end
end

assign m_ip_csum = ip_csum_reg;
assign m_l4_csum = l4_csum_reg;
assign m_csum_complete = complete_reg;
// the frame's tlast beat is in stage t (taken) or d: its result lands in
// the m_* registers 2 or 1 cycles after the next edge
assign m_pend_tail = (xfer && t_last_reg) || d_last_reg;

endmodule

`default_nettype wire
