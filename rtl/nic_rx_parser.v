`timescale 1ns / 1ps
`default_nettype none

/*
 * Streaming RX header parser (docs/rss.md, "Parser"), 64-bit beats.
 *
 * A passive tap of the MAC stream: it never back-pressures and produces
 * exactly one result per frame (every tlast beat), in frame order, whatever
 * the frame's length or errors. Result: m_valid pulses PARSER_LATENCY cycles
 * after the frame's tlast beat is on s_axis.
 *
 * Frame bytes and length: byte 8*n + j of the frame is lane j of beat n. The
 * frame length len is the position of the first byte whose tkeep bit is 0
 * (on any beat), or the total byte count if there is none: bytes at and after
 * the first keep gap are absent. For legal streams (all ones except the tlast
 * beat, a run from bit 0 there) this is the usual length. len saturates at
 * 2^17-1. Frames with len < 14 (never delivered) give an all-zero result.
 *
 * Pipeline:
 *   input register (tap);
 *   stream stage: per-frame state updated once per beat. Every header field
 *     sits at a position that is known (registered) at least one beat before
 *     the beat that carries it:
 *       beat 1: ethertype (12..13) and byte 14;
 *       beat 2: VLAN tags -> L3 offset 14/18/22, final ethertype;
 *       beat 3: fixed IPv4/IPv6 header fields (all below byte 32 for every
 *               L3 offset), IPv4 L4 offset, IPv6 chain start;
 *       beat 4: l3_end (off + tot, or off + 40 + payload length);
 *       later: addresses (realigned words), one IPv6 extension header per
 *               beat (its two bytes preselected in the tap register), L4
 *               ports and TCP data offset (positions registered a beat
 *               ahead).
 *     Header starts are always 2 or 6 mod 8 (L3 offset 14/18/22, IPv4 L4
 *     offset off + 4*ihl, IPv6 headers off + 40 + 8*n), so every capture is a
 *     2:1 lane choice. Anything that needs the frame length is left to the
 *     resolve stages; a field read from a beat past len only matters when
 *     the L3 length checks fail anyway (all bytes read for a valid L3 header
 *     lie below l3_end <= len).
 *   R0: frame state at tlast (loaded every cycle, used in the cycle after
 *       the tlast beat);
 *   R1: length checks, chain outcome, L4 sums;
 *   R1b: L4 checks;
 *   R2: result (output registers).
 *
 * Outputs besides the completion fields: m_hash_l3 (a valid IPv4/IPv6 L3
 * header: a 2-tuple hash is possible), m_hash_l4 (the L4 rule produced
 * ports), m_addr (source then destination address, network order, byte 0 at
 * [7:0]; IPv4 uses [63:0], the rest is zero) and m_ports (source then
 * destination port, network order, byte 0 at [7:0]); addr is meaningful only
 * with m_hash_l3 and ports only with m_hash_l4 (don't-care otherwise).
 *
 * rst: synchronous; mirrors nic_rx_fifo: beats during rst are ignored and a
 * frame cut by rst has its tail ignored (no result for it), results in flight
 * are dropped.
 */
module nic_rx_parser (
    input  wire         clk,
    input  wire         rst,

    input  wire [63:0]  s_axis_tdata,
    input  wire [7:0]   s_axis_tkeep,
    input  wire         s_axis_tvalid,
    input  wire         s_axis_tready,
    input  wire         s_axis_tlast,

    output wire         m_valid,
    output wire [1:0]   m_l3_type,
    output wire [1:0]   m_l4_type,
    output wire [7:0]   m_flags,
    output wire [1:0]   m_vlan_count,
    output wire [9:0]   m_l3_offset,
    output wire [9:0]   m_l4_offset,
    output wire [9:0]   m_payload_offset,
    output wire         m_hash_l3,
    output wire         m_hash_l4,
    output wire [255:0] m_addr,
    output wire [31:0]  m_ports
);

/* verilator lint_off UNUSEDPARAM */
`include "nic_spec.vh"
/* verilator lint_on UNUSEDPARAM */

// tlast beat on s_axis -> m_valid
/* verilator lint_off UNUSEDPARAM */
localparam integer PARSER_LATENCY = 5;
/* verilator lint_on UNUSEDPARAM */

// The position arithmetic below relies on PARSE_LIMIT == 256 (8-bit header
// positions, 32 beats); nic_spec.vh fixes it.
localparam [8:0] LIMIT = 9'd256;

localparam [1:0] CH_IDLE = 2'd0, CH_RUN = 2'd1, CH_MAL = 2'd2, CH_DEPTH = 2'd3;

localparam [15:0] ET_IPV4 = 16'h0800, ET_IPV6 = 16'h86DD, ET_VLAN = 16'h8100, ET_QINQ = 16'h88A8;

function is_vlan(input [15:0] et);
    is_vlan = et == ET_VLAN || et == ET_QINQ;
endfunction

// IPv6 extension headers the parser walks: hop-by-hop, routing, fragment, dest options
function is_ext(input [7:0] nh);
    is_ext = nh == 8'd0 || nh == 8'd43 || nh == 8'd44 || nh == 8'd60;
endfunction

// 8 bytes starting at lane 2 (s6 = 0) or lane 6 (s6 = 1) of prev, continuing into cur
/* verilator lint_off UNUSEDSIGNAL */
function [63:0] realign(input [63:0] prev, input [63:0] cur, input s6);
    realign = s6 ? {cur[47:0], prev[63:48]} : {cur[15:0], prev[63:16]};
endfunction
/* verilator lint_on UNUSEDSIGNAL */

function [7:0] lane(input [63:0] d, input [2:0] n);
    lane = d[8*n +: 8];
endfunction

// ---------------------------------------------------------------------------
// Input register (tap)
// ---------------------------------------------------------------------------

reg [63:0] in_data_reg = 64'd0;
reg [3:0] in_nbytes_reg = 4'd0;     // leading ones of tkeep
reg [7:0] in_eb0_reg = 8'd0;        // IPv6 extension header bytes 0/1 if one starts in this beat
reg in_eb1_big_reg = 1'b0;          // byte 1 (hu) >= 32
reg [8:0] in_eb1p1_reg = 9'd0;      // byte 1 + 1
reg in_eb0_44_reg = 1'b0;           // in_eb0_reg is a fragment header
reg in_eb0_ext_reg = 1'b0;          // in_eb0_reg is an extension header
reg in_last_reg = 1'b0;
reg in_valid_reg = 1'b0;
reg mac_in_frame_reg = 1'b0;
reg skip_reg = 1'b0;

reg [1:0] off_sel_reg = 2'd0;       // stream stage: L3 offset 14 / 18 / 22

wire tap_beat = s_axis_tvalid && s_axis_tready;
wire mac_in_frame_next = tap_beat ? !s_axis_tlast : mac_in_frame_reg;

reg [3:0] tap_nbytes;
reg tap_gap;
integer i;

always @* begin
    tap_nbytes = 4'd0;
    tap_gap = 1'b0;
    for (i = 0; i < 8; i = i + 1) begin
        if (!s_axis_tkeep[i]) begin
            tap_gap = 1'b1;
        end else if (!tap_gap) begin
            tap_nbytes = tap_nbytes + 1'b1;
        end
    end
end

always @(posedge clk) begin
    in_data_reg <= s_axis_tdata;
    in_nbytes_reg <= tap_nbytes;
    // IPv6 headers start at lane 2 (L3 offset 18) or 6 (14, 22); off_sel_reg is
    // final for every beat >= 3 of the frame, and steps only happen from beat 6
    if (off_sel_reg == 2'd1) begin
        in_eb0_reg <= s_axis_tdata[23:16];
        in_eb1_big_reg <= s_axis_tdata[31:29] != 3'd0;
        in_eb1p1_reg <= {1'b0, s_axis_tdata[31:24]} + 9'd1;
        in_eb0_44_reg <= s_axis_tdata[23:16] == 8'd44;
        in_eb0_ext_reg <= is_ext(s_axis_tdata[23:16]);
    end else begin
        in_eb0_reg <= s_axis_tdata[55:48];
        in_eb1_big_reg <= s_axis_tdata[63:61] != 3'd0;
        in_eb1p1_reg <= {1'b0, s_axis_tdata[63:56]} + 9'd1;
        in_eb0_44_reg <= s_axis_tdata[55:48] == 8'd44;
        in_eb0_ext_reg <= is_ext(s_axis_tdata[55:48]);
    end
    in_last_reg <= s_axis_tlast;
    in_valid_reg <= tap_beat && !skip_reg && !rst;

    // tracks the MAC stream across rst (like nic_rx_fifo) so a frame cut by
    // rst is skipped whole
    mac_in_frame_reg <= mac_in_frame_next;

    if (rst) begin
        skip_reg <= mac_in_frame_next;
    end else if (tap_beat && s_axis_tlast) begin
        skip_reg <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// Stream stage
// ---------------------------------------------------------------------------
// State is returned to its initial value after every tlast beat (and on
// rst); fields without an initial value are only used once rewritten for the
// current frame, or when the length checks fail anyway.
//
// IPv6 extension chain in 8-byte units: a header starts at p = 8*u + base
// (base = 2 or 6, u = its beat); with k units walked so far,
//   p + h > l3_end  <=>  hu > R,  R = floor(plen/8) - 1 - k
//   p + h > LIMIT   <=>  hu > L,  L = floor((216 - off)/8) - 1 - k
// where hu = h/8 - 1 = b[p+1] (or 0 for a fragment header). p + 2 > LIMIT
// never holds (p <= 254), so that check needs no logic.

reg [5:0] beat_reg = 6'd0, beat_next;          // index of this beat, saturating
reg [16:0] len_reg = 17'd0, len_next;
reg gap_reg = 1'b0, gap_next;
reg [63:0] prev_reg = 64'd0;                    // previous beat of the same frame

reg et1_vlan_reg = 1'b0, et1_vlan_next;         // ethertype at 12 is a tag
reg et2_vlan_reg = 1'b0, et2_vlan_next;         // ... and so is the one at 16
reg [1:0] off_sel_next;
reg v4_reg = 1'b0, v4_next;
reg v6_reg = 1'b0, v6_next;
reg [7:0] b14_reg = 8'd0, b14_next;

reg [7:0] verihl_reg = 8'd0, verihl_next;
reg [15:0] l3len_reg = 16'd0, l3len_next;       // IPv4 total length / IPv6 payload length
reg frag4_reg = 1'b0, frag4_next;
reg [7:0] proto4_reg = 8'd0, proto4_next;
reg [6:0] l4v4_reg = 7'd0, l4v4_next;           // off + 4*ihl
reg [16:0] l3_end_reg = 17'd0, l3_end_next;
reg [5:0] l3add_reg = 6'd0, l3add_next;         // l3_end - L3 length: off (IPv4) or off + 40 (IPv6)

reg [1:0] chain_reg = CH_IDLE, chain_next;
reg [7:0] nh_reg = 8'd0, nh_next;               // IPv6 next header
reg nh44_reg = 1'b0, nh44_next;                 // nh is a fragment header
reg nhext_reg = 1'b0, nhext_next;               // nh is an extension header
reg [4:0] u_reg = 5'd0, u_next;                 // its position: p = {u, base}
reg [13:0] cr_reg = 14'd0, cr_next;             // R (signed)
reg [5:0] cl_reg = 6'd0, cl_next;               // L (signed)
reg frag6_reg = 1'b0, frag6_next;
reg opt6_reg = 1'b0, opt6_next;

reg ports_en_reg = 1'b0, ports_en_next;         // the ports complete in this beat
reg doff_en_reg = 1'b0, doff_en_next;           // the TCP data offset is in this beat
reg l4s6_reg = 1'b0, l4s6_next;                 // L4 offset is 6 mod 8

reg [3:0] addr_en_reg = 4'd0, addr_en_next;   // address word m completes in this beat
reg a_s6_reg = 1'b0;                            // address words start at lane 6 (else 2)
reg [255:0] addr_reg = 256'd0, addr_next;
reg [31:0] ports_reg = 32'd0, ports_next;
reg [3:0] doff_reg = 4'd0, doff_next;

// Chain-step comparisons of b[p+1] (hu) against R and L, made one beat
// ahead as the tap register takes the beat, against the state of that cycle:
// both against R / L (no step in that cycle) and against R - 1 / L - 1 (a
// step by one 8-byte unit in that cycle: the only step that can be followed
// by another in the next beat, since u advances by hu + 1 <= 25). The stream
// stage picks one by stepped_reg, so its step decision has no comparator.
reg in_gt_r_reg = 1'b0, in_gt_r1_reg = 1'b0;   // hu > R[7:0], hu > (R - 1)[7:0]
reg in_gt_l_reg = 1'b0, in_gt_l1_reg = 1'b0;   // hu[4:0] > L[4:0], hu[4:0] > (L - 1)[4:0]
reg stepped_reg = 1'b0;                         // the chain advanced in the cycle the tap took this beat

wire [7:0] tap_eb1 = off_sel_reg == 2'd1 ? s_axis_tdata[31:24] : s_axis_tdata[63:56];

always @(posedge clk) begin
    in_gt_r_reg <= tap_eb1 > cr_reg[7:0];
    in_gt_r1_reg <= cr_reg[7:0] != 8'd0 && tap_eb1 >= cr_reg[7:0];
    in_gt_l_reg <= tap_eb1[4:0] > cl_reg[4:0];
    in_gt_l1_reg <= cl_reg[4:0] != 5'd0 && tap_eb1[4:0] >= cl_reg[4:0];
end

// R0: frame state at tlast
reg r0_valid_reg = 1'b0;
reg [16:0] r0_len_reg = 17'd0;
reg r0_et1_vlan_reg = 1'b0, r0_et2_vlan_reg = 1'b0;
reg [1:0] r0_off_sel_reg = 2'd0;
reg r0_v4_reg = 1'b0, r0_v6_reg = 1'b0;
reg [7:0] r0_verihl_reg = 8'd0;
reg [15:0] r0_l3len_reg = 16'd0;
reg r0_frag4_reg = 1'b0;
reg [7:0] r0_proto4_reg = 8'd0;
reg [6:0] r0_l4v4_reg = 7'd0;
reg [16:0] r0_l3_end_reg = 17'd0;
reg [1:0] r0_chain_reg = CH_IDLE;
reg [7:0] r0_nh_reg = 8'd0;
reg [4:0] r0_u_reg = 5'd0;
reg r0_frag6_reg = 1'b0, r0_opt6_reg = 1'b0;
reg [255:0] r0_addr_reg = 256'd0;
reg [31:0] r0_ports_reg = 32'd0;
reg [3:0] r0_doff_reg = 4'd0;

reg [15:0] et1, et2, et3, et;
reg [4:0] a_beat;     // beat that completes address word 0
reg a_s6;
reg [2:0] a_words;
reg [6:0] off;
reg base6;
/* verilator lint_off UNUSEDSIGNAL */
reg [7:0] l4pos;      // always 2 mod 4
/* verilator lint_on UNUSEDSIGNAL */
reg step, hdr44, r_neg, r_big, c_mal, c_dep, advance, l4rdy, gt_r, gt_l;
reg [8:0] hu1;        // header length in 8-byte units (hu + 1)
/* verilator lint_off UNUSEDSIGNAL */
reg [63:0] l4word;    // only the ports (first 4 bytes) are kept
/* verilator lint_on UNUSEDSIGNAL */

always @* begin
    beat_next = (beat_reg == 6'h3F) ? beat_reg : beat_reg + 1'b1;
    len_next = len_reg;
    gap_next = gap_reg;
    et1_vlan_next = et1_vlan_reg;
    et2_vlan_next = et2_vlan_reg;
    off_sel_next = off_sel_reg;
    v4_next = v4_reg;
    v6_next = v6_reg;
    b14_next = b14_reg;
    verihl_next = verihl_reg;
    l3len_next = l3len_reg;
    frag4_next = frag4_reg;
    proto4_next = proto4_reg;
    l4v4_next = l4v4_reg;
    l3_end_next = l3_end_reg;
    l3add_next = l3add_reg;
    chain_next = chain_reg;
    nh_next = nh_reg;
    nh44_next = nh44_reg;
    nhext_next = nhext_reg;
    u_next = u_reg;
    cr_next = cr_reg;
    cl_next = cl_reg;
    frag6_next = frag6_reg;
    opt6_next = opt6_reg;
    addr_next = addr_reg;
    ports_next = ports_reg;
    doff_next = doff_reg;

    // frame length (frozen at the first keep gap, saturating)
    if (!gap_reg) begin
        if (len_reg > 17'h1FFF7) begin
            len_next = 17'h1FFFF;
        end else begin
            len_next = len_reg + {13'd0, in_nbytes_reg};
        end
        gap_next = in_nbytes_reg != 4'd8;
    end

    off = off_sel_reg == 2'd0 ? 7'd14 : off_sel_reg == 2'd1 ? 7'd18 : 7'd22;
    base6 = off_sel_reg != 2'd1;

    // beat 1: first ethertype; tentative L3 at 14
    et1 = {lane(in_data_reg, 4), lane(in_data_reg, 5)};
    if (beat_reg == 6'd1) begin
        et1_vlan_next = is_vlan(et1);
        v4_next = et1 == ET_IPV4;
        v6_next = et1 == ET_IPV6;
        b14_next = lane(in_data_reg, 6);
    end

    // beat 2: up to two tags
    et2 = {lane(in_data_reg, 0), lane(in_data_reg, 1)};
    et3 = {lane(in_data_reg, 4), lane(in_data_reg, 5)};
    et = is_vlan(et2) ? et3 : et2;
    if (beat_reg == 6'd2 && et1_vlan_reg) begin
        et2_vlan_next = is_vlan(et2);
        off_sel_next = is_vlan(et2) ? 2'd2 : 2'd1;
        v4_next = et == ET_IPV4;
        v6_next = et == ET_IPV6;
    end

    // beat 3: fixed L3 fields (prev_reg is beat 2), IPv4 L4 offset, IPv6 chain start
    if (beat_reg == 6'd3) begin
        case (off_sel_reg)
            2'd0: begin
                verihl_next = b14_reg;
                l3len_next = v4_reg ? {lane(prev_reg, 0), lane(prev_reg, 1)}
                                    : {lane(prev_reg, 2), lane(prev_reg, 3)};
                frag4_next = ({lane(prev_reg, 4), lane(prev_reg, 5)} & 16'h3FFF) != 16'd0;
                proto4_next = lane(prev_reg, 7);
                nh_next = lane(prev_reg, 4);
            end
            2'd1: begin
                verihl_next = lane(prev_reg, 2);
                l3len_next = v4_reg ? {lane(prev_reg, 4), lane(prev_reg, 5)}
                                    : {lane(prev_reg, 6), lane(prev_reg, 7)};
                frag4_next = ({lane(in_data_reg, 0), lane(in_data_reg, 1)} & 16'h3FFF) != 16'd0;
                proto4_next = lane(in_data_reg, 3);
                nh_next = lane(in_data_reg, 0);
            end
            default: begin
                verihl_next = lane(prev_reg, 6);
                l3len_next = v4_reg ? {lane(in_data_reg, 0), lane(in_data_reg, 1)}
                                    : {lane(in_data_reg, 2), lane(in_data_reg, 3)};
                frag4_next = ({lane(in_data_reg, 4), lane(in_data_reg, 5)} & 16'h3FFF) != 16'd0;
                proto4_next = lane(in_data_reg, 7);
                nh_next = lane(in_data_reg, 4);
            end
        endcase
        l4v4_next = off + {1'b0, verihl_next[3:0], 2'b00};
        nh44_next = nh_next == 8'd44;
        nhext_next = is_ext(nh_next);
        chain_next = v6_reg ? CH_RUN : CH_IDLE;
        u_next = off_sel_reg == 2'd0 ? 5'd6 : 5'd7;         // off + 40 = 54 / 58 / 62
        cl_next = off_sel_reg == 2'd0 ? 6'd24 : 6'd23;
        // registered here so the beat-4 sum is a plain adder (off_sel_reg
        // and v4_reg are final from beat 3)
        l3add_next = v4_reg ? off[5:0] : off[5:0] + 6'd40;
    end

    // beat 4: end of the L3 packet; R for the chain (first step at beat >= 6)
    if (beat_reg == 6'd4) begin
        l3_end_next = {1'b0, l3len_reg} + {11'd0, l3add_reg};
        cr_next = {1'b0, l3len_reg[15:3]} - 14'd1;
    end

    // addresses: word m (8 bytes) is complete at beat a_beat + m
    //   IPv4 at off + 12 (1 word), IPv6 at off + 8 (4 words)
    // The enables are registered a beat ahead from the registered L3 offset
    // and type: final after beat 1 without tags (earliest word: beat 3), after
    // beat 2 with tags (earliest word: beat 4).
    case ({v6_reg, off_sel_reg})
        3'b0_00: begin a_beat = 5'd4; a_s6 = 1'b0; end  // 26
        3'b0_01: begin a_beat = 5'd4; a_s6 = 1'b1; end  // 30
        3'b0_10: begin a_beat = 5'd5; a_s6 = 1'b0; end  // 34
        3'b1_00: begin a_beat = 5'd3; a_s6 = 1'b1; end  // 22
        3'b1_01: begin a_beat = 5'd4; a_s6 = 1'b0; end  // 26
        default: begin a_beat = 5'd4; a_s6 = 1'b1; end  // 30
    endcase
    a_words = v6_reg ? 3'd4 : 3'd1;
    for (i = 0; i < 4; i = i + 1) begin
        addr_en_next[i] = (v4_reg || v6_reg) && i[2:0] < a_words
            && {1'b0, a_beat} + i[5:0] == beat_reg + 6'd1;
        if (addr_en_reg[i]) begin
            // a_s6 registered a beat ahead, like the enables: the realign
            // select drives 256 muxes
            addr_next[64*i +: 64] = realign(prev_reg, in_data_reg, a_s6_reg);
        end
    end

    // IPv6 extension header chain: one header per beat
    hdr44 = nh44_reg;
    step = chain_reg == CH_RUN && nhext_reg && beat_reg == {1'b0, u_reg};
    r_neg = cr_reg[13];
    r_big = !r_neg && cr_reg[12:8] != 5'd0;
    gt_r = stepped_reg ? in_gt_r1_reg : in_gt_r_reg;     // hu > cr_reg[7:0]
    gt_l = stepped_reg ? in_gt_l1_reg : in_gt_l_reg;     // hu[4:0] > cl_reg[4:0]
    c_mal = hdr44 ? r_neg : (r_neg || (!r_big && gt_r));
    c_dep = hdr44 ? cl_reg[5] : (cl_reg[5] || in_eb1_big_reg || gt_l);
    advance = step && !c_mal && !c_dep;
    hu1 = hdr44 ? 9'd1 : in_eb1p1_reg;
    if (step) begin
        opt6_next = 1'b1;
        if (c_mal) begin
            chain_next = CH_MAL;
        end else if (c_dep) begin
            chain_next = CH_DEPTH;
        end else begin
            if (hdr44) begin
                frag6_next = 1'b1;
            end
            nh_next = in_eb0_reg;
            nh44_next = in_eb0_44_reg;
            nhext_next = in_eb0_ext_reg;
            u_next = u_reg + hu1[4:0];
            cr_next = cr_reg - {5'd0, hu1};
            cl_next = cl_reg - hu1[5:0];
        end
    end

    // L4 header (capture enables registered one beat ahead, from an L4 offset
    // known by then): the ports complete one beat after the beat holding l4,
    // the TCP data offset (l4 + 12) is in lane 6 of the next beat (l4 = 2 mod
    // 8) or lane 2 of the one after (6 mod 8). IPv4: l4 is known from beat 4
    // (earliest capture beat 5); IPv6: from the beat after the step that found
    // it (at least two beats before its capture beats).
    l4pos = v4_reg ? {1'b0, l4v4_reg} : {u_reg, base6, 2'b10};
    l4rdy = v4_reg ? beat_reg >= 6'd4 : (chain_reg == CH_RUN && !nhext_reg);
    ports_en_next = l4rdy && {1'b0, l4pos[7:3]} == beat_reg;
    doff_en_next = l4rdy && {1'b0, l4pos[7:3]} + {5'd0, l4pos[2]} == beat_reg;
    l4s6_next = l4pos[2];


    l4word = realign(prev_reg, in_data_reg, l4s6_reg);
    if (ports_en_reg) begin
        ports_next = l4word[31:0];
    end
    if (doff_en_reg) begin
        doff_next = l4s6_reg ? in_data_reg[23:20] : in_data_reg[55:52];
    end
end

always @(posedge clk) begin
    r0_valid_reg <= 1'b0;
    stepped_reg <= in_valid_reg && advance;

    if (in_valid_reg) begin
        beat_reg <= beat_next;
        len_reg <= len_next;
        gap_reg <= gap_next;
        prev_reg <= in_data_reg;
        et1_vlan_reg <= et1_vlan_next;
        et2_vlan_reg <= et2_vlan_next;
        off_sel_reg <= off_sel_next;
        v4_reg <= v4_next;
        v6_reg <= v6_next;
        b14_reg <= b14_next;
        verihl_reg <= verihl_next;
        l3len_reg <= l3len_next;
        frag4_reg <= frag4_next;
        proto4_reg <= proto4_next;
        l4v4_reg <= l4v4_next;
        l3_end_reg <= l3_end_next;
        l3add_reg <= l3add_next;
        chain_reg <= chain_next;
        nh_reg <= nh_next;
        nh44_reg <= nh44_next;
        nhext_reg <= nhext_next;
        u_reg <= u_next;
        cr_reg <= cr_next;
        cl_reg <= cl_next;
        frag6_reg <= frag6_next;
        opt6_reg <= opt6_next;
        ports_en_reg <= ports_en_next;
        doff_en_reg <= doff_en_next;
        l4s6_reg <= l4s6_next;
        addr_en_reg <= addr_en_next;
        a_s6_reg <= a_s6;
        addr_reg <= addr_next;
        ports_reg <= ports_next;
        doff_reg <= doff_next;

        r0_valid_reg <= in_last_reg;
    end

    // R0 loads every cycle (no enable: no fanout of the tlast condition to
    // its ~400 flip-flops); R1 only uses it in the cycle r0_valid_reg marks,
    // the one after the tlast beat
    r0_len_reg <= len_next;
    r0_et1_vlan_reg <= et1_vlan_next;
    r0_et2_vlan_reg <= et2_vlan_next;
    r0_off_sel_reg <= off_sel_next;
    r0_v4_reg <= v4_next;
    r0_v6_reg <= v6_next;
    r0_verihl_reg <= verihl_next;
    r0_l3len_reg <= l3len_next;
    r0_frag4_reg <= frag4_next;
    r0_proto4_reg <= proto4_next;
    r0_l4v4_reg <= l4v4_next;
    r0_l3_end_reg <= l3_end_next;
    r0_chain_reg <= chain_next;
    r0_nh_reg <= nh_next;
    r0_u_reg <= u_next;
    r0_frag6_reg <= frag6_next;
    r0_opt6_reg <= opt6_next;
    r0_addr_reg <= addr_next;
    r0_ports_reg <= ports_next;
    r0_doff_reg <= doff_next;

    // next frame starts from the initial state
    if ((in_valid_reg && in_last_reg) || rst) begin
        beat_reg <= 6'd0;
        len_reg <= 17'd0;
        gap_reg <= 1'b0;
        et1_vlan_reg <= 1'b0;
        et2_vlan_reg <= 1'b0;
        off_sel_reg <= 2'd0;
        v4_reg <= 1'b0;
        v6_reg <= 1'b0;
        chain_reg <= CH_IDLE;
        frag6_reg <= 1'b0;
        opt6_reg <= 1'b0;
        ports_en_reg <= 1'b0;
        doff_en_reg <= 1'b0;
        addr_en_reg <= 4'd0;
    end

    if (rst) begin
        r0_valid_reg <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// R1: length checks, chain outcome, L4 sums
// ---------------------------------------------------------------------------

reg r1_valid_reg = 1'b0;
reg r1_short_reg = 1'b0, r1_vmal0_reg = 1'b0, r1_vmal1_reg = 1'b0;
reg [1:0] r1_vlan_reg = 2'd0;
reg [4:0] r1_off_reg = 5'd0;
reg r1_v4_reg = 1'b0, r1_v6_reg = 1'b0;
reg r1_lt_off20_reg = 1'b0, r1_lt_off40_reg = 1'b0, r1_lt_l4v4_reg = 1'b0, r1_lt_l3end_reg = 1'b0;
reg r1_tot_lt_hdr_reg = 1'b0, r1_ver_bad_reg = 1'b0, r1_ihl_lt5_reg = 1'b0;
reg r1_chain_mal_reg = 1'b0, r1_chain_dep_reg = 1'b0;
reg r1_frag_reg = 1'b0, r1_opt_reg = 1'b0;
reg [7:0] r1_l4_reg = 8'd0;
reg r1_tcp_reg = 1'b0, r1_udp_reg = 1'b0;
reg [8:0] r1_l4p20_reg = 9'd0, r1_l4p8_reg = 9'd0, r1_pay_tcp_reg = 9'd0;
reg r1_doff_small_reg = 1'b0;
reg [16:0] r1_l3_end_reg = 17'd0;
reg [255:0] r1_addr_reg = 256'd0;
reg [31:0] r1_ports_reg = 32'd0;

reg [4:0] r0_off;
reg [5:0] r0_off20, r0_off40;
reg [3:0] r0_ihl;
reg [3:0] r0_ver;
reg ext_pending;
reg [7:0] r0_l4;
reg [7:0] r0_proto;

always @* begin
    r0_off = r0_off_sel_reg == 2'd0 ? 5'd14 : r0_off_sel_reg == 2'd1 ? 5'd18 : 5'd22;
    r0_off20 = r0_off_sel_reg == 2'd0 ? 6'd34 : r0_off_sel_reg == 2'd1 ? 6'd38 : 6'd42;
    r0_off40 = r0_off_sel_reg == 2'd0 ? 6'd54 : r0_off_sel_reg == 2'd1 ? 6'd58 : 6'd62;
    r0_ver = r0_verihl_reg[7:4];
    r0_ihl = r0_verihl_reg[3:0];


    // a header still waiting for its beat at tlast: the frame ended first, so
    // p + 8 > len >= l3_end (or the L3 checks fail): MALFORMED
    ext_pending = r0_chain_reg == CH_RUN && is_ext(r0_nh_reg);

    r0_l4 = r0_v4_reg ? {1'b0, r0_l4v4_reg} : {r0_u_reg, r0_off_sel_reg != 2'd1, 2'b10};
    r0_proto = r0_v4_reg ? r0_proto4_reg : r0_nh_reg;
end

always @(posedge clk) begin
    r1_valid_reg <= r0_valid_reg;
    r1_short_reg <= r0_len_reg < 17'd14;
    r1_vmal0_reg <= r0_et1_vlan_reg && r0_len_reg < 17'd18;
    r1_vmal1_reg <= r0_et1_vlan_reg && r0_et2_vlan_reg && r0_len_reg < 17'd22;
    r1_vlan_reg <= !r0_et1_vlan_reg ? 2'd0 : !r0_et2_vlan_reg ? 2'd1 : 2'd2;
    r1_off_reg <= r0_off;
    r1_v4_reg <= r0_v4_reg;
    r1_v6_reg <= r0_v6_reg;
    // L3 checks, ORed in R1b
    r1_lt_off20_reg <= r0_len_reg < {11'd0, r0_off20};
    r1_lt_off40_reg <= r0_len_reg < {11'd0, r0_off40};
    r1_lt_l4v4_reg <= r0_len_reg < {10'd0, r0_l4v4_reg};
    r1_lt_l3end_reg <= r0_len_reg < r0_l3_end_reg;
    r1_tot_lt_hdr_reg <= r0_l3len_reg < {10'd0, r0_ihl, 2'b00};
    r1_ver_bad_reg <= r0_ver != (r0_v4_reg ? 4'd4 : 4'd6);
    r1_ihl_lt5_reg <= r0_ihl < 4'd5;
    r1_chain_mal_reg <= r0_chain_reg == CH_MAL || ext_pending;
    r1_chain_dep_reg <= r0_chain_reg == CH_DEPTH;
    r1_frag_reg <= r0_v4_reg ? r0_frag4_reg : r0_frag6_reg;
    r1_opt_reg <= r0_v4_reg ? r0_ihl > 4'd5 : (r0_opt6_reg || ext_pending);
    r1_l4_reg <= r0_l4;
    r1_tcp_reg <= r0_proto == 8'd6;
    r1_udp_reg <= r0_proto == 8'd17;
    r1_l4p20_reg <= {1'b0, r0_l4} + 9'd20;
    r1_l4p8_reg <= {1'b0, r0_l4} + 9'd8;
    r1_pay_tcp_reg <= {1'b0, r0_l4} + {3'd0, r0_doff_reg, 2'b00};
    r1_doff_small_reg <= r0_doff_reg < 4'd5;
    r1_l3_end_reg <= r0_l3_end_reg;
    r1_addr_reg <= r0_v4_reg ? {192'd0, r0_addr_reg[63:0]} : r0_addr_reg;
    r1_ports_reg <= r0_ports_reg;

    if (rst) begin
        r1_valid_reg <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// R1b: L4 checks
// ---------------------------------------------------------------------------

reg r1b_valid_reg = 1'b0;
reg r1b_short_reg = 1'b0, r1b_vmal0_reg = 1'b0, r1b_vmal1_reg = 1'b0;
reg [1:0] r1b_vlan_reg = 2'd0;
reg [4:0] r1b_off_reg = 5'd0;
reg r1b_v4_reg = 1'b0, r1b_v6_reg = 1'b0;
reg r1b_l3mal_reg = 1'b0;
reg r1b_chain_mal_reg = 1'b0, r1b_chain_dep_reg = 1'b0;
reg r1b_frag_reg = 1'b0, r1b_opt_reg = 1'b0;
reg [7:0] r1b_l4_reg = 8'd0;
reg r1b_tcp_reg = 1'b0, r1b_udp_reg = 1'b0;
reg r1b_t_mal_reg = 1'b0, r1b_t_dep_reg = 1'b0, r1b_t_doff_bad_reg = 1'b0;
reg r1b_u_mal_reg = 1'b0, r1b_u_dep_reg = 1'b0;
reg [8:0] r1b_pay_tcp_reg = 9'd0, r1b_pay_udp_reg = 9'd0;
reg [255:0] r1b_addr_reg = 256'd0;
reg [31:0] r1b_ports_reg = 32'd0;

always @(posedge clk) begin
    r1b_valid_reg <= r1_valid_reg;
    r1b_short_reg <= r1_short_reg;
    r1b_vmal0_reg <= r1_vmal0_reg;
    r1b_vmal1_reg <= r1_vmal1_reg;
    r1b_vlan_reg <= r1_vlan_reg;
    r1b_off_reg <= r1_off_reg;
    r1b_v4_reg <= r1_v4_reg;
    r1b_v6_reg <= r1_v6_reg;
    r1b_l3mal_reg <= r1_v4_reg ?
        (r1_lt_off20_reg || r1_ver_bad_reg || r1_ihl_lt5_reg || r1_lt_l4v4_reg || r1_tot_lt_hdr_reg || r1_lt_l3end_reg) :
        (r1_lt_off40_reg || r1_ver_bad_reg || r1_lt_l3end_reg);
    r1b_chain_mal_reg <= r1_chain_mal_reg;
    r1b_chain_dep_reg <= r1_chain_dep_reg;
    r1b_frag_reg <= r1_frag_reg;
    r1b_opt_reg <= r1_opt_reg;
    r1b_l4_reg <= r1_l4_reg;
    r1b_tcp_reg <= r1_tcp_reg;
    r1b_udp_reg <= r1_udp_reg;
    r1b_t_mal_reg <= {8'd0, r1_l4p20_reg} > r1_l3_end_reg;
    r1b_t_dep_reg <= r1_l4p20_reg > LIMIT;
    r1b_t_doff_bad_reg <= r1_doff_small_reg || {8'd0, r1_pay_tcp_reg} > r1_l3_end_reg;
    r1b_u_mal_reg <= {8'd0, r1_l4p8_reg} > r1_l3_end_reg;
    r1b_u_dep_reg <= r1_l4p8_reg > LIMIT;
    r1b_pay_tcp_reg <= r1_pay_tcp_reg;
    r1b_pay_udp_reg <= r1_l4p8_reg;
    r1b_addr_reg <= r1_addr_reg;
    r1b_ports_reg <= r1_ports_reg;

    if (rst) begin
        r1b_valid_reg <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// R2: result
// ---------------------------------------------------------------------------

reg r2_valid_reg = 1'b0;
reg [1:0] r2_l3_type_reg = 2'd0, r2_l4_type_reg = 2'd0;
reg [7:0] r2_flags_reg = 8'd0;
reg [1:0] r2_vlan_reg = 2'd0;
reg [9:0] r2_l3_off_reg = 10'd0, r2_l4_off_reg = 10'd0, r2_pay_off_reg = 10'd0;
reg r2_hash_l3_reg = 1'b0, r2_hash_l4_reg = 1'b0;
reg [255:0] r2_addr_reg = 256'd0;
reg [31:0] r2_ports_reg = 32'd0;

reg [1:0] l3_type, l4_type;
reg [7:0] flags;
reg [1:0] vlan;
reg [9:0] l3_off, l4_off, pay_off;
reg hash_l3, hash_l4, l4_body;

always @* begin
    l3_type = L3_TYPE_NONE[1:0];
    l4_type = L4_TYPE_NONE[1:0];
    flags = 8'd0;
    vlan = 2'd0;
    l3_off = 10'd0;
    l4_off = 10'd0;
    pay_off = 10'd0;
    hash_l3 = 1'b0;
    hash_l4 = 1'b0;
    l4_body = 1'b0;

    if (r1b_short_reg) begin
        // runt: never delivered, all zero
    end else if (r1b_vmal0_reg) begin
        flags[PARSE_MALFORMED_BIT] = 1'b1;
    end else if (r1b_vmal1_reg) begin
        flags[PARSE_MALFORMED_BIT] = 1'b1;
        vlan = 2'd1;
    end else begin
        vlan = r1b_vlan_reg;
        l3_off = {5'd0, r1b_off_reg};
        if (r1b_v4_reg || r1b_v6_reg) begin
            l3_type = r1b_v4_reg ? L3_TYPE_IPV4[1:0] : L3_TYPE_IPV6[1:0];
            if (r1b_l3mal_reg) begin
                flags[PARSE_MALFORMED_BIT] = 1'b1;
            end else begin
                hash_l3 = 1'b1;
                flags[PARSE_IP_OPTIONS_BIT] = r1b_opt_reg;
                flags[PARSE_FRAGMENT_BIT] = r1b_frag_reg;
                if (r1b_chain_mal_reg) begin
                    flags[PARSE_MALFORMED_BIT] = 1'b1;
                end else if (r1b_chain_dep_reg) begin
                    flags[PARSE_DEPTH_LIMIT_BIT] = 1'b1;
                end else begin
                    l4_body = 1'b1;
                end
            end
        end
    end

    if (l4_body) begin
        l4_off = {2'd0, r1b_l4_reg};
        if (r1b_frag_reg) begin
            pay_off = {2'd0, r1b_l4_reg};
        end else if (r1b_tcp_reg) begin
            l4_type = L4_TYPE_TCP[1:0];
            if (r1b_t_mal_reg) begin
                flags[PARSE_MALFORMED_BIT] = 1'b1;
            end else if (r1b_t_dep_reg) begin
                flags[PARSE_DEPTH_LIMIT_BIT] = 1'b1;
            end else if (r1b_t_doff_bad_reg) begin
                flags[PARSE_MALFORMED_BIT] = 1'b1;
            end else begin
                hash_l4 = 1'b1;
                pay_off = {1'b0, r1b_pay_tcp_reg};
            end
        end else if (r1b_udp_reg) begin
            l4_type = L4_TYPE_UDP[1:0];
            if (r1b_u_mal_reg) begin
                flags[PARSE_MALFORMED_BIT] = 1'b1;
            end else if (r1b_u_dep_reg) begin
                flags[PARSE_DEPTH_LIMIT_BIT] = 1'b1;
            end else begin
                hash_l4 = 1'b1;
                pay_off = {1'b0, r1b_pay_udp_reg};
            end
        end else begin
            l4_type = L4_TYPE_OTHER[1:0];
            pay_off = {2'd0, r1b_l4_reg};
        end
    end
end

always @(posedge clk) begin
    r2_valid_reg <= r1b_valid_reg;
    r2_l3_type_reg <= l3_type;
    r2_l4_type_reg <= l4_type;
    r2_flags_reg <= flags;
    r2_vlan_reg <= vlan;
    r2_l3_off_reg <= l3_off;
    r2_l4_off_reg <= l4_off;
    r2_pay_off_reg <= pay_off;
    r2_hash_l3_reg <= hash_l3;
    r2_hash_l4_reg <= hash_l4;
    // not gated (fanout): only meaningful with m_hash_l3 / m_hash_l4
    r2_addr_reg <= r1b_addr_reg;
    r2_ports_reg <= r1b_ports_reg;

    if (rst) begin
        r2_valid_reg <= 1'b0;
    end
end

assign m_valid = r2_valid_reg;
assign m_l3_type = r2_l3_type_reg;
assign m_l4_type = r2_l4_type_reg;
assign m_flags = r2_flags_reg;
assign m_vlan_count = r2_vlan_reg;
assign m_l3_offset = r2_l3_off_reg;
assign m_l4_offset = r2_l4_off_reg;
assign m_payload_offset = r2_pay_off_reg;
assign m_hash_l3 = r2_hash_l3_reg;
assign m_hash_l4 = r2_hash_l4_reg;
assign m_addr = r2_addr_reg;
assign m_ports = r2_ports_reg;

endmodule

`resetall
