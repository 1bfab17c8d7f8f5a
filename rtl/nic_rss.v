`timescale 1ns / 1ps
`default_nettype none

/*
 * Receive-side scaling: header parser, hash type selection, Toeplitz hash and
 * indirection table (docs/rss.md), on a passive tap of the MAC stream.
 *
 * One result per observed frame (every tlast beat), in frame order, exactly
 * META_LATENCY cycles after the frame's tlast beat; frames of any length may
 * come back to back (one result per cycle). No back-pressure anywhere.
 *
 * Hash rate: the Toeplitz engine hashes 8 tuple bytes per cycle, so it takes
 * a new tuple every 5 cycles (36 bytes; shorter tuples also take 5). Only
 * frames with a hash type other than NONE use it, and each of them has a
 * valid IPv4 (len >= 14 + 20) or IPv6 (len >= 14 + 40) header, i.e. at least
 * 5 beats: two such frames' tlast beats are always >= 5 cycles apart, and so
 * are their engine starts (fixed offset from tlast). Frames without a hash
 * (runts, non-IP, malformed, types disabled) bypass the engine and may come
 * in every cycle, also between hashed ones.
 *
 * Steering rule (QMASK = 2^ceil(log2(RX_QUEUES)) - 1, i.e. RX_QUEUES - 1 for
 * a power of two):
 *     dq    = rss_default_queue & QMASK;  dq' = dq < RX_QUEUES ? dq : 0
 *     type NONE:  queue = dq'
 *     otherwise:  e = RETA[hash & (RETA_ENTRIES-1)] & QMASK;
 *                 queue = e < RX_QUEUES ? e : dq'
 * so the queue is always < RX_QUEUES; for a power-of-two RX_QUEUES this is
 * plain masking with RX_QUEUES - 1.
 *
 * Configuration is sampled as a frame passes (cycle 0 = its tlast beat):
 * rss_hash_types in cycle 5, rss_key in cycle 6 (hashed frames), the RETA is
 * read in cycle 14, rss_default_queue in cycle 15; a change takes effect for
 * later frames.
 * A RETA write at cycle w is seen by reads in cycles > w.
 *
 * RETA: RETA_ENTRIES x 8-bit RAM written through reta_wr_* (writes with
 * reta_wr_addr >= RETA_ENTRIES are ignored), kept twice: one copy for
 * steering, one for the MMIO read-back port (reta_rd_data valid one cycle
 * after reta_rd_addr; 0 for addresses >= RETA_ENTRIES). Reset does not clear
 * it (the driver programs it); it powers up as zeros.
 *
 * Points docs/rss.md leaves open, resolved here (the reference model must
 * match):
 *   - "no hash" means l3 NONE (incl. a truncated VLAN tag) or an IPv4/IPv6
 *     header that failed the L3 checks; an L3 header that passed always
 *     allows the 2-tuple type, also with FRAGMENT, an L4 MALFORMED /
 *     DEPTH_LIMIT, or an IPv6 extension chain that stopped (MALFORMED /
 *     DEPTH_LIMIT);
 *   - a truncated VLAN tag: vlan_count = tags consumed before it;
 *   - flags accumulate (IPv6: IP_OPTIONS from the first extension header
 *     met, even if it fails; FRAGMENT once a fragment header passed);
 *     L3 MALFORMED reports MALFORMED alone; TCP/UDP MALFORMED/DEPTH_LIMIT
 *     keep l4_type and l4_offset, payload_offset 0;
 *   - IPv6 header with p + 2 > l3_end: MALFORMED without reading b[p+1]
 *     (it may lie past the frame; every h >= 8 fails anyway);
 *   - frames shorter than 14 bytes: all-zero result (type NONE, default
 *     queue); frame length with tkeep holes: see nic_rx_parser.
 * rst mirrors nic_rx_fifo: a frame cut by rst gets no result.
 *
 * Latency (tlast beat on s_axis -> m_meta_valid): parser 5 (tap register,
 * stream stage, three resolve stages), type selection 1, Toeplitz 8 (5
 * chunks of 8 bytes selected one per cycle, partial hashes, accumulator),
 * RETA read 1, output 1.
 */
module nic_rss #(
    parameter RX_QUEUES = 8,            // 1..64
    parameter RETA_ENTRIES = 128        // power of two, 128..512
) (
    input  wire         clk,
    input  wire         rst,

    input  wire [63:0]  s_axis_tdata,
    input  wire [7:0]   s_axis_tkeep,
    input  wire         s_axis_tvalid,
    input  wire         s_axis_tready,
    input  wire         s_axis_tlast,

    input  wire [319:0] rss_key,
    input  wire [5:0]   rss_hash_types,
    input  wire [7:0]   rss_default_queue,
    input  wire         reta_wr_en,
    input  wire [8:0]   reta_wr_addr,
    input  wire [7:0]   reta_wr_data,
    input  wire [8:0]   reta_rd_addr,
    output wire [7:0]   reta_rd_data,

    output wire         m_meta_valid,
    output wire [31:0]  m_meta_hash,
    output wire [3:0]   m_meta_type,
    output wire [7:0]   m_meta_queue,
    output wire [1:0]   m_meta_l3_type,
    output wire [1:0]   m_meta_l4_type,
    output wire [7:0]   m_meta_flags,
    output wire [1:0]   m_meta_vlan_count,
    output wire [9:0]   m_meta_l3_offset,
    output wire [9:0]   m_meta_l4_offset,
    output wire [9:0]   m_meta_payload_offset
);

/* verilator lint_off UNUSEDPARAM */
`include "nic_spec.vh"

// Cycles from a frame's tlast beat (tvalid && tready && tlast on s_axis) to
// its m_meta_valid pulse. Fixed for every frame (so also the worst case).
localparam integer META_LATENCY = 16;
/* verilator lint_on UNUSEDPARAM */

localparam RETA_AW = $clog2(RETA_ENTRIES);
localparam [7:0] QMASK = RX_QUEUES > 1 ? (8'd1 << $clog2(RX_QUEUES)) - 8'd1 : 8'd0;
localparam [7:0] NQ = RX_QUEUES[7:0];

// sideband through the hash pipeline (USER_W below):
// {type 4, l3 2, l4 2, flags 8, vlan 2, l3 off 10, l4 off 10, payload off 10}

// ---------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------

wire p_valid;
wire [1:0] p_l3_type, p_l4_type, p_vlan;
wire [7:0] p_flags;
wire [9:0] p_l3_off, p_l4_off, p_pay_off;
wire p_hash_l3, p_hash_l4;
wire [255:0] p_addr;
wire [31:0] p_ports;

nic_rx_parser parser_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata(s_axis_tdata),
    .s_axis_tkeep(s_axis_tkeep),
    .s_axis_tvalid(s_axis_tvalid),
    .s_axis_tready(s_axis_tready),
    .s_axis_tlast(s_axis_tlast),
    .m_valid(p_valid),
    .m_l3_type(p_l3_type),
    .m_l4_type(p_l4_type),
    .m_flags(p_flags),
    .m_vlan_count(p_vlan),
    .m_l3_offset(p_l3_off),
    .m_l4_offset(p_l4_off),
    .m_payload_offset(p_pay_off),
    .m_hash_l3(p_hash_l3),
    .m_hash_l4(p_hash_l4),
    .m_addr(p_addr),
    .m_ports(p_ports)
);

// ---------------------------------------------------------------------------
// Hash type selection (registered), then the tuple into the Toeplitz input
// ---------------------------------------------------------------------------

localparam USER_W = 4 + 2 + 2 + 8 + 2 + 10 + 10 + 10;

reg s_valid_reg = 1'b0;
reg [3:0] s_type_reg = 4'd0;
reg s_use_reg = 1'b0;
reg [287:0] s_tuple_reg = 288'd0;
reg [USER_W-5:0] s_meta_reg = {USER_W-4{1'b0}};

reg [3:0] sel_type;
reg v4, v6, tcp, udp, ports4, ports6;

always @* begin
    v4 = p_hash_l3 && p_l3_type == L3_TYPE_IPV4[1:0];
    v6 = p_hash_l3 && p_l3_type == L3_TYPE_IPV6[1:0];
    tcp = p_hash_l4 && p_l4_type == L4_TYPE_TCP[1:0];
    udp = p_hash_l4 && p_l4_type == L4_TYPE_UDP[1:0];

    sel_type = RSS_TYPE_NONE[3:0];
    if (v4) begin
        if (tcp && rss_hash_types[RSS_TYPE_IPV4_TCP-1]) begin
            sel_type = RSS_TYPE_IPV4_TCP[3:0];
        end else if (udp && rss_hash_types[RSS_TYPE_IPV4_UDP-1]) begin
            sel_type = RSS_TYPE_IPV4_UDP[3:0];
        end else if (rss_hash_types[RSS_TYPE_IPV4-1]) begin
            sel_type = RSS_TYPE_IPV4[3:0];
        end
    end else if (v6) begin
        if (tcp && rss_hash_types[RSS_TYPE_IPV6_TCP-1]) begin
            sel_type = RSS_TYPE_IPV6_TCP[3:0];
        end else if (udp && rss_hash_types[RSS_TYPE_IPV6_UDP-1]) begin
            sel_type = RSS_TYPE_IPV6_UDP[3:0];
        end else if (rss_hash_types[RSS_TYPE_IPV6-1]) begin
            sel_type = RSS_TYPE_IPV6[3:0];
        end
    end
    ports4 = sel_type == RSS_TYPE_IPV4_TCP[3:0] || sel_type == RSS_TYPE_IPV4_UDP[3:0];
    ports6 = sel_type == RSS_TYPE_IPV6_TCP[3:0] || sel_type == RSS_TYPE_IPV6_UDP[3:0];
end

always @(posedge clk) begin
    s_valid_reg <= p_valid;
    s_type_reg <= sel_type;
    // hash this frame (also the engine's key load enable: only with a frame)
    s_use_reg <= p_valid && sel_type != RSS_TYPE_NONE[3:0];
    // tuple bytes in network order, byte 0 at [7:0]: src addr, dst addr, then
    // the ports for the 4-tuple types (IPv4: bytes 8..11, IPv6: 32..35). Only
    // hashed (s_use_reg) frames load it into the engine; for IPv4 the parser
    // leaves p_addr[255:64] zero.
    s_tuple_reg <= {
        ports6 ? p_ports : 32'd0,
        p_addr[255:96],
        ports4 ? p_ports : p_addr[95:64],
        p_addr[63:0]
    };
    s_meta_reg <= {p_l3_type, p_l4_type, p_flags, p_vlan, p_l3_off, p_l4_off, p_pay_off};

    if (rst) begin
        s_valid_reg <= 1'b0;
        s_use_reg <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// Toeplitz hash
// ---------------------------------------------------------------------------

wire [31:0] h_hash;
wire h_valid;
wire [USER_W-1:0] h_user;

nic_rss_toeplitz #(
    .DATA_BYTES(36),
    .KEY_BYTES(40),
    .USER_WIDTH(USER_W)
) toeplitz_inst (
    .clk(clk),
    .rst(rst),
    .s_data(s_tuple_reg),
    .s_key(rss_key),
    .s_valid(s_valid_reg),
    .s_hash_en(s_use_reg),
    .s_user({s_type_reg, s_meta_reg}),
    .m_hash(h_hash),
    .m_valid(h_valid),
    .m_user(h_user)
);

// ---------------------------------------------------------------------------
// Indirection table
// ---------------------------------------------------------------------------

reg [7:0] reta_mem[RETA_ENTRIES-1:0];
reg [7:0] reta_rb_mem[RETA_ENTRIES-1:0];

reg [7:0] reta_q_reg = 8'd0;
reg [7:0] reta_rb_reg = 8'd0;
reg reta_rb_ok_reg = 1'b0;

reg t_valid_reg = 1'b0;
reg [31:0] t_hash_reg = 32'd0;
reg [USER_W-1:0] t_user_reg = {USER_W{1'b0}};

integer k;

initial begin
    for (k = 0; k < RETA_ENTRIES; k = k + 1) begin
        reta_mem[k] = 8'd0;
        reta_rb_mem[k] = 8'd0;
    end
end

wire reta_wr_ok = reta_wr_en && {23'd0, reta_wr_addr} < RETA_ENTRIES;

always @(posedge clk) begin
    if (reta_wr_ok) begin
        reta_mem[reta_wr_addr[RETA_AW-1:0]] <= reta_wr_data;
    end
    reta_q_reg <= reta_mem[h_hash[RETA_AW-1:0]];
end

always @(posedge clk) begin
    if (reta_wr_ok) begin
        reta_rb_mem[reta_wr_addr[RETA_AW-1:0]] <= reta_wr_data;
    end
    reta_rb_reg <= reta_rb_mem[reta_rd_addr[RETA_AW-1:0]];
    reta_rb_ok_reg <= {23'd0, reta_rd_addr} < RETA_ENTRIES;
end

assign reta_rd_data = reta_rb_ok_reg ? reta_rb_reg : 8'd0;

always @(posedge clk) begin
    t_valid_reg <= h_valid;
    t_hash_reg <= h_hash;
    t_user_reg <= h_user;

    if (rst) begin
        t_valid_reg <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// Queue and output register
// ---------------------------------------------------------------------------

reg out_valid_reg = 1'b0;
reg [31:0] out_hash_reg = 32'd0;
reg [7:0] out_queue_reg = 8'd0;
reg [USER_W-1:0] out_user_reg = {USER_W{1'b0}};

reg [7:0] dq, dq_eff, e, queue;

always @* begin
    dq = rss_default_queue & QMASK;
    dq_eff = dq < NQ ? dq : 8'd0;
    e = reta_q_reg & QMASK;
    if (t_user_reg[USER_W-1 -: 4] == RSS_TYPE_NONE[3:0]) begin
        queue = dq_eff;
    end else begin
        queue = e < NQ ? e : dq_eff;
    end
end

always @(posedge clk) begin
    out_valid_reg <= t_valid_reg;
    out_hash_reg <= t_hash_reg;
    out_queue_reg <= queue;
    out_user_reg <= t_user_reg;

    if (rst) begin
        out_valid_reg <= 1'b0;
    end
end

assign m_meta_valid = out_valid_reg;
assign m_meta_hash = out_hash_reg;
assign m_meta_queue = out_queue_reg;
assign {m_meta_type, m_meta_l3_type, m_meta_l4_type, m_meta_flags, m_meta_vlan_count,
        m_meta_l3_offset, m_meta_l4_offset, m_meta_payload_offset} = out_user_reg;

endmodule

`resetall
