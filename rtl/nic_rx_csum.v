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
 * Timing: per beat, three 8-word masked sums are accumulated (unfolded,
 * ACC_W bits: a 9216-byte frame cannot overflow them). On the tlast beat
 * the sums move to a finalize stage; one cycle later the verdicts are in the
 * m_* registers. m_valid is low exactly while a frame that has ended is still
 * being finalized, so in the cycle its tlast beat is accepted + 2 the result
 * of the most recently ended frame is valid. The DMA writer reads it for the
 * frame's completion record, which it builds only after the frame's data and
 * before any beat of the next frame: no result queue is needed.
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
    output wire                   m_valid
);

/* verilator lint_off UNUSEDPARAM */
`include "nic_spec.vh"
`include "nic_rx_meta.vh"
/* verilator lint_on UNUSEDPARAM */

localparam WORDS = DATA_WIDTH / 16;
localparam WW = $clog2(WORDS);
localparam MQ_AW = $clog2(MQ_DEPTH);
localparam ACC_W = 30;
localparam SUM_W = 16 + WW;
localparam BEAT_W = 10;                 // 9216 bytes are 576 beats
// context: {l3 offset, l4 offset, v6, udp, check ip, check l4}
localparam CTX_W = 10 + 10 + 4;

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
wire [CTX_W-1:0] mi_ctx = {mi_l3, mi_l4, mi_l3t == L3_TYPE_IPV6[1:0], mi_l4t == L4_TYPE_UDP[1:0],
    mi_chk_ip, mi_chk_l4};

reg [CTX_W-1:0] mq_mem [0:MQ_DEPTH-1];
reg [MQ_AW:0] mq_wr_ptr_reg = {MQ_AW+1{1'b0}};
reg [MQ_AW:0] mq_rd_ptr_reg = {MQ_AW+1{1'b0}};

wire mq_empty = mq_wr_ptr_reg == mq_rd_ptr_reg;
wire mq_full = mq_wr_ptr_reg == {~mq_rd_ptr_reg[MQ_AW], mq_rd_ptr_reg[MQ_AW-1:0]};
wire mq_push = s_meta_tvalid && s_meta_tready && !mq_full;
wire [CTX_W-1:0] mq_head = mq_mem[mq_rd_ptr_reg[MQ_AW-1:0]];

always @(posedge clk) begin
    if (mq_push) begin
        mq_mem[mq_wr_ptr_reg[MQ_AW-1:0]] <= mi_ctx;
    end
end

// ---------------------------------------------------------------------------
// per-beat sums
// ---------------------------------------------------------------------------

// Byte ranges start on even offsets, so they are tracked as word indices
// (word j = frame bytes 2j, 2j+1; beat k holds words 8k..8k+7). A bound is
// {beat, word in beat}; per beat it only costs a beat compare and a decode.
localparam BW = 16;                     // word index (ip_end reaches 2^16)

reg             ctx_valid_reg = 1'b0;
reg [9:0]       c_l3_reg = 10'd0;       // byte offsets
reg [9:0]       c_l4_reg = 10'd0;
reg             c_v6_reg = 1'b0;
reg             c_udp_reg = 1'b0;
reg             c_chk_ip_reg = 1'b0;
reg             c_chk_l4_reg = 1'b0;
reg [BW-1:0]    c_l3_w_reg = {BW{1'b0}};        // word bounds
reg [BW-1:0]    c_l4_w_reg = {BW{1'b0}};
reg [BW-1:0]    c_alo_w_reg = {BW{1'b0}};       // pseudo-header addresses
reg [BW-1:0]    c_ahi_w_reg = {BW{1'b0}};
reg [BW-1:0]    c_len_w_reg = {BW{1'b0}};       // IP length word
reg [BW-1:0]    c_uz_w_reg = {BW{1'b0}};        // UDP checksum word

/* verilator lint_off UNUSEDSIGNAL */
wire [9:0] h_l3 = mq_head[CTX_W-1 -: 10];       // even: bit 0 is not needed for word bounds
wire [9:0] h_l4 = mq_head[CTX_W-11 -: 10];
/* verilator lint_on UNUSEDSIGNAL */
wire       h_v6 = mq_head[3];

reg [BEAT_W-1:0] beat_reg = {BEAT_W{1'b0}};
reg [16:0]       ip_end_reg = 17'd0;            // byte offset
reg              udp_zero_reg = 1'b0;
reg [ACC_W-1:0]  acc_ip_reg = {ACC_W{1'b0}};
reg [ACC_W-1:0]  acc_l4_reg = {ACC_W{1'b0}};
reg [ACC_W-1:0]  acc_cc_reg = {ACC_W{1'b0}};

wire xfer = s_axis_tvalid && s_axis_tready;

// words of this beat at or after word bound b
function [WORDS-1:0] ge_mask(input [BEAT_W-1:0] k, input [BW-1:0] b);
    reg [BW-WW-1:0] kb;
    begin
        kb = {{(BW-WW-BEAT_W){1'b0}}, k};
        if (kb > b[BW-1:WW]) begin
            ge_mask = {WORDS{1'b1}};
        end else if (kb == b[BW-1:WW]) begin
            ge_mask = {WORDS{1'b1}} << b[WW-1:0];
        end else begin
            ge_mask = {WORDS{1'b0}};
        end
    end
endfunction

// the word of this beat at word bound b (one-hot, or 0)
function [WORDS-1:0] at_mask(input [BEAT_W-1:0] k, input [BW-1:0] b);
    reg [BW-WW-1:0] kb;
    begin
        kb = {{(BW-WW-BEAT_W){1'b0}}, k};
        at_mask = (kb == b[BW-1:WW]) ? ({{(WORDS-1){1'b0}}, 1'b1} << b[WW-1:0]) : {WORDS{1'b0}};
    end
endfunction

wire [BW-1:0] ip_end_w = ip_end_reg[16:1];

wire [WORDS-1:0] m_cc = ge_mask(beat_reg, 16'd7);      // bytes 14..
wire [WORDS-1:0] m_ip = ge_mask(beat_reg, c_l3_w_reg) & ~ge_mask(beat_reg, c_l4_w_reg);
wire [WORDS-1:0] m_addr = ge_mask(beat_reg, c_alo_w_reg) & ~ge_mask(beat_reg, c_ahi_w_reg);
// (until the IP length word passed, ip_end_reg is the previous frame's: both
// L4 masks are limited to words at or after l4, which come later)
wire [WORDS-1:0] m_l4_start = ge_mask(beat_reg, c_l4_w_reg);
wire [WORDS-1:0] m_l4 = m_l4_start & ~ge_mask(beat_reg, ip_end_w);
wire [WORDS-1:0] m_l4_half = m_l4_start & at_mask(beat_reg, ip_end_w) & {WORDS{ip_end_reg[0]}};
wire [WORDS-1:0] m_len = at_mask(beat_reg, c_len_w_reg);
wire [WORDS-1:0] m_uz = at_mask(beat_reg, c_uz_w_reg);

reg [SUM_W-1:0] sum_ip, sum_l4, sum_cc;
reg [15:0]      word, len_word, uz_word;
reg [16:0]      ip_end_next;
reg             udp_zero_next;
integer w;

always @* begin
    sum_ip = {SUM_W{1'b0}};
    sum_l4 = {SUM_W{1'b0}};
    sum_cc = {SUM_W{1'b0}};
    len_word = 16'd0;
    uz_word = 16'd0;
    word = 16'd0;
    for (w = 0; w < WORDS; w = w + 1) begin
        // frame bytes 2j (high) and 2j+1 (low) of big-endian word j
        word = {s_axis_tdata[16*w +: 8], s_axis_tdata[16*w+8 +: 8]};
        sum_cc = sum_cc + {{(SUM_W-16){1'b0}},
            m_cc[w] && s_axis_tkeep[2*w] ? word[15:8] : 8'd0,
            m_cc[w] && s_axis_tkeep[2*w+1] ? word[7:0] : 8'd0};
        sum_ip = sum_ip + {{(SUM_W-16){1'b0}}, m_ip[w] ? word : 16'd0};
        sum_l4 = sum_l4 + {{(SUM_W-16){1'b0}},
            (m_addr[w] || m_l4[w] || m_l4_half[w]) ? word[15:8] : 8'd0,
            (m_addr[w] || m_l4[w]) ? word[7:0] : 8'd0};
        len_word = len_word | (m_len[w] ? word : 16'd0);
        uz_word = uz_word | (m_uz[w] ? word : 16'd0);
    end
    ip_end_next = (|m_len) ? {7'd0, c_l3_reg} + (c_v6_reg ? 17'd40 : 17'd0) + {1'b0, len_word} : ip_end_reg;
    udp_zero_next = (|m_uz) ? (uz_word == 16'd0) : udp_zero_reg;
end

// ---------------------------------------------------------------------------
// accumulate; hand the frame to the finalize stage on tlast
// ---------------------------------------------------------------------------

reg             fin_valid_reg = 1'b0;
reg [ACC_W-1:0] fin_ip_reg = {ACC_W{1'b0}};
reg [ACC_W-1:0] fin_l4_reg = {ACC_W{1'b0}};
reg [ACC_W-1:0] fin_cc_reg = {ACC_W{1'b0}};
reg [16:0]      fin_l4_len_reg = 17'd0;
reg             fin_v6_reg = 1'b0;
reg             fin_udp_reg = 1'b0;
reg             fin_udp_zero_reg = 1'b0;
reg             fin_chk_ip_reg = 1'b0;
reg             fin_chk_l4_reg = 1'b0;

wire mq_pop = (xfer && s_axis_tlast) || !ctx_valid_reg;

// the head's bounds, registered with the context
wire [BW-1:0] h_l3_w = {7'd0, h_l3[9:1]};
wire [BW-1:0] h_l4_w = {7'd0, h_l4[9:1]};
wire [BW-1:0] h_alo_w = h_l3_w + (h_v6 ? 16'd4 : 16'd6);
wire [BW-1:0] h_ahi_w = h_l3_w + (h_v6 ? 16'd20 : 16'd10);
wire [BW-1:0] h_len_w = h_l3_w + (h_v6 ? 16'd2 : 16'd1);
wire [BW-1:0] h_uz_w = h_l4_w + 16'd3;

always @(posedge clk) begin
    fin_valid_reg <= 1'b0;

    if (mq_pop) begin
        ctx_valid_reg <= !mq_empty;
        if (!mq_empty) begin
            {c_l3_reg, c_l4_reg, c_v6_reg, c_udp_reg, c_chk_ip_reg, c_chk_l4_reg} <= mq_head;
            c_l3_w_reg <= h_l3_w;
            c_l4_w_reg <= h_l4_w;
            c_alo_w_reg <= h_alo_w;
            c_ahi_w_reg <= h_ahi_w;
            c_len_w_reg <= h_len_w;
            c_uz_w_reg <= h_uz_w;
            mq_rd_ptr_reg <= mq_rd_ptr_reg + 1'b1;
        end
    end
    if (mq_push) begin
        mq_wr_ptr_reg <= mq_wr_ptr_reg + 1'b1;
    end

    if (xfer) begin
        ip_end_reg <= ip_end_next;
        udp_zero_reg <= udp_zero_next;
        if (s_axis_tlast) begin
            fin_valid_reg <= 1'b1;
            fin_ip_reg <= acc_ip_reg + {{(ACC_W-SUM_W){1'b0}}, sum_ip};
            fin_l4_reg <= acc_l4_reg + {{(ACC_W-SUM_W){1'b0}}, sum_l4};
            fin_cc_reg <= acc_cc_reg + {{(ACC_W-SUM_W){1'b0}}, sum_cc};
            fin_l4_len_reg <= ip_end_next - {7'd0, c_l4_reg};
            fin_v6_reg <= c_v6_reg;
            fin_udp_reg <= c_udp_reg;
            fin_udp_zero_reg <= udp_zero_next;
            fin_chk_ip_reg <= c_chk_ip_reg;
            fin_chk_l4_reg <= c_chk_l4_reg;
            acc_ip_reg <= {ACC_W{1'b0}};
            acc_l4_reg <= {ACC_W{1'b0}};
            acc_cc_reg <= {ACC_W{1'b0}};
            beat_reg <= {BEAT_W{1'b0}};
        end else begin
            acc_ip_reg <= acc_ip_reg + {{(ACC_W-SUM_W){1'b0}}, sum_ip};
            acc_l4_reg <= acc_l4_reg + {{(ACC_W-SUM_W){1'b0}}, sum_l4};
            acc_cc_reg <= acc_cc_reg + {{(ACC_W-SUM_W){1'b0}}, sum_cc};
            beat_reg <= beat_reg + 1'b1;
        end
    end

    if (rst) begin
        mq_wr_ptr_reg <= {MQ_AW+1{1'b0}};
        mq_rd_ptr_reg <= {MQ_AW+1{1'b0}};
        ctx_valid_reg <= 1'b0;
        fin_valid_reg <= 1'b0;
        acc_ip_reg <= {ACC_W{1'b0}};
        acc_l4_reg <= {ACC_W{1'b0}};
        acc_cc_reg <= {ACC_W{1'b0}};
        beat_reg <= {BEAT_W{1'b0}};
    end
end

// ---------------------------------------------------------------------------
// finalize: fold to 16 bits (end-around carry), verdicts
// ---------------------------------------------------------------------------

function [15:0] fold(input [ACC_W-1:0] s);
    reg [16:0] t;
    begin
        t = {1'b0, s[15:0]} + {{(33-ACC_W){1'b0}}, s[ACC_W-1:16]};
        fold = t[15:0] + {15'd0, t[16]};
    end
endfunction

wire [ACC_W-1:0] fin_l4_total = fin_l4_reg + {{(ACC_W-17){1'b0}}, fin_l4_len_reg}
    + (fin_udp_reg ? 30'd17 : 30'd6);
wire [15:0] fin_ip_fold = fold(fin_ip_reg);
wire [15:0] fin_l4_fold = fold(fin_l4_total);

reg [1:0]  ip_csum_reg = 2'd0;
reg [1:0]  l4_csum_reg = 2'd0;
reg [15:0] complete_reg = 16'd0;

localparam [1:0] C_NONE = CSUM_NONE[1:0];
localparam [1:0] C_GOOD = CSUM_GOOD[1:0];
localparam [1:0] C_BAD = CSUM_BAD[1:0];

always @(posedge clk) begin
    if (fin_valid_reg) begin
        complete_reg <= fold(fin_cc_reg);
        ip_csum_reg <= !fin_chk_ip_reg ? C_NONE : (fin_ip_fold == 16'hFFFF ? C_GOOD : C_BAD);
        if (!fin_chk_l4_reg) begin
            l4_csum_reg <= C_NONE;
        end else if (fin_udp_reg && fin_udp_zero_reg) begin
            l4_csum_reg <= fin_v6_reg ? C_BAD : C_NONE;
        end else begin
            l4_csum_reg <= fin_l4_fold == 16'hFFFF ? C_GOOD : C_BAD;
        end
    end
    if (rst) begin
        ip_csum_reg <= C_NONE;
        l4_csum_reg <= C_NONE;
        complete_reg <= 16'd0;
    end
end

assign m_ip_csum = ip_csum_reg;
assign m_l4_csum = l4_csum_reg;
assign m_csum_complete = complete_reg;
assign m_valid = !fin_valid_reg;

endmodule

`default_nettype wire
