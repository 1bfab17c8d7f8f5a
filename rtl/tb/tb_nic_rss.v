`timescale 1ns / 1ps
`default_nettype none

/*
 * Self-checking test bench for nic_rss (parser + hash type selection +
 * Toeplitz + RETA steering).
 *
 * A behavioural model written straight from docs/rss.md (byte array in,
 * fields out) predicts every frame's result; two DUTs (RX_QUEUES 8 /
 * RETA 128 and RX_QUEUES 5 / RETA 512) see the same stream and every result
 * is checked field by field, in order, and exactly META_LATENCY cycles after
 * the frame's tlast beat. Sections:
 *   - directed frames with hand-written expectations (also run through the
 *     model): every parser rule, MS-suite tuples with known hashes;
 *   - hash-types / default-queue / RETA settings, RETA read-back;
 *   - 1-beat and 2-beat frames back to back, tkeep anomalies, stalls;
 *   - randomized frames (VLAN stacks, IPv4 options/fragments, IPv6 extension
 *     chains, TCP/UDP/other, bad lengths, truncation, padding).
 * Prints PASS, or stops with $fatal.
 */
module tb_nic_rss;

`include "nic_spec.vh"

localparam FMAX = 1400;
localparam NEXP = 8192;
localparam LAT = 16;   // nic_rss META_LATENCY

reg clk = 1'b0;
always #5 clk = ~clk;
reg rst = 1'b1;

reg [63:0] s_tdata = 64'd0;
reg [7:0] s_tkeep = 8'd0;
reg s_tvalid = 1'b0;
reg s_tready = 1'b1;
reg s_tlast = 1'b0;

reg [319:0] rss_key = 320'd0;
reg [5:0] rss_hash_types = 6'h3F;
reg [7:0] rss_default_queue = 8'd0;
reg reta_wr_en = 1'b0;
reg [8:0] reta_wr_addr = 9'd0;
reg [7:0] reta_wr_data = 8'd0;
reg [8:0] reta_rd_addr = 9'd0;

wire [7:0] rd_a, rd_b;
wire va, vb;
wire [31:0] ha, hb;
wire [3:0] ta, tb;
wire [7:0] qa, qb;
wire [1:0] l3a, l3b, l4a, l4b, vca, vcb;
wire [7:0] fa, fb_;
wire [9:0] o3a, o3b, o4a, o4b, opa, opb;

nic_rss #(.RX_QUEUES(8), .RETA_ENTRIES(128)) dut_a (
    .clk(clk), .rst(rst),
    .s_axis_tdata(s_tdata), .s_axis_tkeep(s_tkeep), .s_axis_tvalid(s_tvalid),
    .s_axis_tready(s_tready), .s_axis_tlast(s_tlast),
    .rss_key(rss_key), .rss_hash_types(rss_hash_types), .rss_default_queue(rss_default_queue),
    .reta_wr_en(reta_wr_en), .reta_wr_addr(reta_wr_addr), .reta_wr_data(reta_wr_data),
    .reta_rd_addr(reta_rd_addr), .reta_rd_data(rd_a),
    .m_meta_valid(va), .m_meta_hash(ha), .m_meta_type(ta), .m_meta_queue(qa),
    .m_meta_l3_type(l3a), .m_meta_l4_type(l4a), .m_meta_flags(fa), .m_meta_vlan_count(vca),
    .m_meta_l3_offset(o3a), .m_meta_l4_offset(o4a), .m_meta_payload_offset(opa)
);

nic_rss #(.RX_QUEUES(5), .RETA_ENTRIES(512)) dut_b (
    .clk(clk), .rst(rst),
    .s_axis_tdata(s_tdata), .s_axis_tkeep(s_tkeep), .s_axis_tvalid(s_tvalid),
    .s_axis_tready(s_tready), .s_axis_tlast(s_tlast),
    .rss_key(rss_key), .rss_hash_types(rss_hash_types), .rss_default_queue(rss_default_queue),
    .reta_wr_en(reta_wr_en), .reta_wr_addr(reta_wr_addr), .reta_wr_data(reta_wr_data),
    .reta_rd_addr(reta_rd_addr), .reta_rd_data(rd_b),
    .m_meta_valid(vb), .m_meta_hash(hb), .m_meta_type(tb), .m_meta_queue(qb),
    .m_meta_l3_type(l3b), .m_meta_l4_type(l4b), .m_meta_flags(fb_), .m_meta_vlan_count(vcb),
    .m_meta_l3_offset(o3b), .m_meta_l4_offset(o4b), .m_meta_payload_offset(opb)
);

// ---------------------------------------------------------------------------
// Frame buffer, keeps
// ---------------------------------------------------------------------------

reg [7:0] fbuf [0:FMAX-1];
reg [7:0] kbuf [0:FMAX/8];   // tkeep per beat
integer wire_len;            // bytes on the wire (ceil(wire_len/8) beats)
integer model_len;           // first keep gap, as docs: frame length
reg [7:0] reta_a [0:127];
reg [7:0] reta_b [0:511];
reg [7:0] ms_key_bytes [0:39];
reg [319:0] ms_key;

integer cycle = 0;
always @(posedge clk) cycle <= cycle + 1;

// ---------------------------------------------------------------------------
// Reference model (docs/rss.md)
// ---------------------------------------------------------------------------

reg [1:0] e_l3, e_l4, e_vlan;
reg [7:0] e_flags;
integer e_l3off, e_l4off, e_payoff;
reg e_hl3, e_hl4;
reg [127:0] e_src, e_dst;
reg [15:0] e_sport, e_dport;
reg e_v6;

function integer be16(input integer i);
    be16 = {fbuf[i], fbuf[i+1]};
endfunction

function is_ext6(input integer nh);
    is_ext6 = nh == 0 || nh == 43 || nh == 60 || nh == 44;
endfunction

task model_parse;
    integer len, off, et, vc, stop, ihl, tot, l3_end, proto, l4, p, h, nh, doff, go_l4, i;
    begin
        e_l3 = 0; e_l4 = 0; e_vlan = 0; e_flags = 0;
        e_l3off = 0; e_l4off = 0; e_payoff = 0;
        e_hl3 = 0; e_hl4 = 0; e_src = 0; e_dst = 0; e_sport = 0; e_dport = 0; e_v6 = 0;
        len = model_len;
        go_l4 = 0; proto = 0; l4 = 0; l3_end = 0;
        if (len >= 14) begin
            et = be16(12); off = 14; vc = 0; stop = 0;
            while (!stop && (et == 16'h8100 || et == 16'h88A8) && vc < 2) begin
                if (off + 4 > len) begin
                    e_flags[PARSE_MALFORMED_BIT] = 1; stop = 1;
                end else begin
                    et = be16(off + 2); off = off + 4; vc = vc + 1;
                end
            end
            e_vlan = vc;
            if (!stop) begin
                e_l3off = off;
                if (et == 16'h0800) begin
                    e_l3 = L3_TYPE_IPV4;
                    ihl = fbuf[off] & 15;
                    tot = be16(off + 2);
                    if (off + 20 > len || (fbuf[off] >> 4) != 4 || ihl < 5 || off + 4*ihl > len ||
                        tot < 4*ihl || off + tot > len) begin
                        e_flags[PARSE_MALFORMED_BIT] = 1;
                    end else begin
                        l3_end = off + tot;
                        if (ihl > 5) e_flags[PARSE_IP_OPTIONS_BIT] = 1;
                        for (i = 0; i < 4; i = i + 1) begin
                            e_src[127-8*i -: 8] = fbuf[off + 12 + i];
                            e_dst[127-8*i -: 8] = fbuf[off + 16 + i];
                        end
                        proto = fbuf[off + 9];
                        l4 = off + 4*ihl;
                        if ((be16(off + 6) & 16'h3FFF) != 0) e_flags[PARSE_FRAGMENT_BIT] = 1;
                        go_l4 = 1;
                    end
                end else if (et == 16'h86DD) begin
                    e_l3 = L3_TYPE_IPV6;
                    e_v6 = 1;
                    if (off + 40 > len || (fbuf[off] >> 4) != 6 || off + 40 + be16(off + 4) > len) begin
                        e_flags[PARSE_MALFORMED_BIT] = 1;
                    end else begin
                        l3_end = off + 40 + be16(off + 4);
                        for (i = 0; i < 16; i = i + 1) begin
                            e_src[127-8*i -: 8] = fbuf[off + 8 + i];
                            e_dst[127-8*i -: 8] = fbuf[off + 24 + i];
                        end
                        nh = fbuf[off + 6];
                        p = off + 40;
                        while (!stop && is_ext6(nh)) begin
                            e_flags[PARSE_IP_OPTIONS_BIT] = 1;
                            // b[p+1] may lie past the frame only when p + 2 > l3_end,
                            // where any h >= 8 gives MALFORMED
                            h = nh == 44 ? 8 : 8 * (fbuf[p + 1] + 1);
                            if (p + 2 > PARSE_LIMIT) begin
                                e_flags[PARSE_DEPTH_LIMIT_BIT] = 1; stop = 1;
                            end else if (p + h > l3_end) begin
                                e_flags[PARSE_MALFORMED_BIT] = 1; stop = 1;
                            end else if (p + h > PARSE_LIMIT) begin
                                e_flags[PARSE_DEPTH_LIMIT_BIT] = 1; stop = 1;
                            end else begin
                                if (nh == 44) e_flags[PARSE_FRAGMENT_BIT] = 1;
                                nh = fbuf[p];
                                p = p + h;
                            end
                        end
                        e_hl3 = 1;
                        if (!stop) begin
                            proto = nh; l4 = p; go_l4 = 1;
                        end
                    end
                end
            end
        end
        if (go_l4) begin
            e_hl3 = 1;
            e_l4off = l4;
            if (e_flags[PARSE_FRAGMENT_BIT]) begin
                e_payoff = l4;
            end else if (proto == 6) begin
                e_l4 = L4_TYPE_TCP;
                if (l4 + 20 > l3_end) begin
                    e_flags[PARSE_MALFORMED_BIT] = 1;
                end else if (l4 + 20 > PARSE_LIMIT) begin
                    e_flags[PARSE_DEPTH_LIMIT_BIT] = 1;
                end else begin
                    doff = fbuf[l4 + 12] >> 4;
                    if (doff < 5 || l4 + 4*doff > l3_end) begin
                        e_flags[PARSE_MALFORMED_BIT] = 1;
                    end else begin
                        e_hl4 = 1; e_sport = be16(l4); e_dport = be16(l4 + 2);
                        e_payoff = l4 + 4*doff;
                    end
                end
            end else if (proto == 17) begin
                e_l4 = L4_TYPE_UDP;
                if (l4 + 8 > l3_end) begin
                    e_flags[PARSE_MALFORMED_BIT] = 1;
                end else if (l4 + 8 > PARSE_LIMIT) begin
                    e_flags[PARSE_DEPTH_LIMIT_BIT] = 1;
                end else begin
                    e_hl4 = 1; e_sport = be16(l4); e_dport = be16(l4 + 2);
                    e_payoff = l4 + 8;
                end
            end else begin
                e_l4 = L4_TYPE_OTHER;
                e_payoff = l4;
            end
        end
    end
endtask

// Toeplitz straight from docs/rss.md: in = tuple bytes, MSB-first, nbytes long
function [31:0] toeplitz(input [287:0] t, input integer nbytes, input [319:0] key);
    integer i, j;
    reg [31:0] h, w;
    begin
        h = 0;
        for (i = 0; i < nbytes*8; i = i + 1) begin
            if (t[287 - i]) begin
                for (j = 0; j < 32; j = j + 1) w[31-j] = key[8*((i+j)/8) + 7 - ((i+j)%8)];
                h = h ^ w;
            end
        end
        toeplitz = h;
    end
endfunction

function [7:0] steer(input [3:0] t, input [7:0] entry, input [7:0] dflt, input integer nq);
    integer qmask;
    reg [7:0] dq, e;
    begin
        qmask = 1;
        while (qmask < nq) qmask = qmask * 2;
        qmask = qmask - 1;
        dq = dflt & qmask;
        if (dq >= nq) dq = 0;
        e = entry & qmask;
        steer = t == 0 ? dq : (e < nq ? e : dq);
    end
endfunction

// expected results
reg [31:0] x_hash [0:NEXP-1];
reg [3:0] x_type [0:NEXP-1];
reg [7:0] x_qa [0:NEXP-1], x_qb [0:NEXP-1];
reg [1:0] x_l3 [0:NEXP-1], x_l4 [0:NEXP-1], x_vlan [0:NEXP-1];
reg [7:0] x_flags [0:NEXP-1];
reg [9:0] x_o3 [0:NEXP-1], x_o4 [0:NEXP-1], x_op [0:NEXP-1];
integer x_cycle [0:NEXP-1];
integer nsent = 0, nchk_a = 0, nchk_b = 0;

reg [3:0] c_type;
integer cov_flag [0:3];
integer cov_l4 [0:3];
integer cov_type [0:7];
integer cov_vlan [0:2];
integer cov_v6ok = 0, cov_v4ok = 0;
reg [31:0] c_hash;

task model_full;
    integer n, k;
    reg [287:0] t;
    begin
        model_parse;
        for (k = 0; k < 4; k = k + 1) if (e_flags[k]) cov_flag[k] = cov_flag[k] + 1;
        cov_l4[e_l4] = cov_l4[e_l4] + 1;
        cov_vlan[e_vlan] = cov_vlan[e_vlan] + 1;
        if (e_hl3 && e_v6) cov_v6ok = cov_v6ok + 1;
        if (e_hl3 && !e_v6) cov_v4ok = cov_v4ok + 1;
        c_type = 0;
        if (e_hl3 && !e_v6) begin
            if (e_l4 == L4_TYPE_TCP && e_hl4 && rss_hash_types[1]) c_type = 2;
            else if (e_l4 == L4_TYPE_UDP && e_hl4 && rss_hash_types[2]) c_type = 3;
            else if (rss_hash_types[0]) c_type = 1;
        end else if (e_hl3 && e_v6) begin
            if (e_l4 == L4_TYPE_TCP && e_hl4 && rss_hash_types[4]) c_type = 5;
            else if (e_l4 == L4_TYPE_UDP && e_hl4 && rss_hash_types[5]) c_type = 6;
            else if (rss_hash_types[3]) c_type = 4;
        end
        case (c_type)
            1: begin t = {e_src[127:96], e_dst[127:96], 224'd0}; n = 8; end
            2, 3: begin t = {e_src[127:96], e_dst[127:96], e_sport, e_dport, 192'd0}; n = 12; end
            4: begin t = {e_src, e_dst, 32'd0}; n = 32; end
            5, 6: begin t = {e_src, e_dst, e_sport, e_dport}; n = 36; end
            default: begin t = 0; n = 0; end
        endcase
        c_hash = toeplitz(t, n, rss_key);
        cov_type[c_type] = cov_type[c_type] + 1;
        k = nsent % NEXP;
        x_hash[k] = c_hash;
        x_type[k] = c_type;
        x_qa[k] = steer(c_type, reta_a[c_hash[6:0]], rss_default_queue, 8);
        x_qb[k] = steer(c_type, reta_b[c_hash[8:0]], rss_default_queue, 5);
        x_l3[k] = e_l3; x_l4[k] = e_l4; x_vlan[k] = e_vlan; x_flags[k] = e_flags;
        x_o3[k] = e_l3off; x_o4[k] = e_l4off; x_op[k] = e_payoff;
    end
endtask

// ---------------------------------------------------------------------------
// Checkers
// ---------------------------------------------------------------------------

task check_one(input integer idx, input [31:0] h, input [3:0] t, input [7:0] q, input [7:0] xq,
               input [1:0] l3, input [1:0] l4, input [7:0] f, input [1:0] vc,
               input [9:0] o3, input [9:0] o4, input [9:0] op, input [8*8-1:0] name);
    integer k;
    begin
        k = idx % NEXP;
        if (idx >= nsent) begin
            $display("FAIL %s: result %0d with only %0d frames sent", name, idx, nsent);
            $fatal(1);
        end
        if (cycle != x_cycle[k] + LAT) begin
            $display("FAIL %s: frame %0d result at cycle %0d, tlast at %0d (latency %0d)", name, idx,
                     cycle, x_cycle[k], cycle - x_cycle[k]);
            $fatal(1);
        end
        if (h !== x_hash[k] || t !== x_type[k] || q !== xq || l3 !== x_l3[k] || l4 !== x_l4[k] ||
            f !== x_flags[k] || vc !== x_vlan[k] || o3 !== x_o3[k] || o4 !== x_o4[k] || op !== x_op[k]) begin
            $display("FAIL %s: frame %0d", name, idx);
            $display("  got hash %08x type %0d queue %0d l3 %0d l4 %0d flags %02x vlan %0d off %0d/%0d/%0d",
                     h, t, q, l3, l4, f, vc, o3, o4, op);
            $display("  exp hash %08x type %0d queue %0d l3 %0d l4 %0d flags %02x vlan %0d off %0d/%0d/%0d",
                     x_hash[k], x_type[k], xq, x_l3[k], x_l4[k], x_flags[k], x_vlan[k], x_o3[k], x_o4[k], x_op[k]);
            $fatal(1);
        end
    end
endtask

always @(posedge clk) begin
    if (va) begin
        check_one(nchk_a, ha, ta, qa, x_qa[nchk_a % NEXP], l3a, l4a, fa, vca, o3a, o4a, opa, "dut_a");
        nchk_a = nchk_a + 1;
    end
    if (vb) begin
        check_one(nchk_b, hb, tb, qb, x_qb[nchk_b % NEXP], l3b, l4b, fb_, vcb, o3b, o4b, opb, "dut_b");
        nchk_b = nchk_b + 1;
    end
end

// ---------------------------------------------------------------------------
// Driver
// ---------------------------------------------------------------------------

integer seed = 32'h0badf00d;
integer stall_pct = 0;     // chance of an idle / not-ready cycle before a beat

function integer rnd(input integer n);   // 0..n-1
    reg [31:0] r;
    begin
        r = $random(seed);
        rnd = n <= 1 ? 0 : r % n;
    end
endfunction

// standard keeps for wire_len bytes
task set_keeps;
    integer b, nb;
    begin
        nb = (wire_len + 7) / 8;
        for (b = 0; b < nb; b = b + 1) kbuf[b] = 8'hFF;
        if (wire_len % 8 != 0) kbuf[nb-1] = (8'd1 << (wire_len % 8)) - 1;
    end
endtask

task compute_model_len;
    integer b, j, nb, done;
    begin
        nb = (wire_len + 7) / 8;
        if (nb == 0) nb = 1;
        model_len = 0;
        done = 0;
        for (b = 0; b < nb; b = b + 1) begin
            for (j = 0; j < 8; j = j + 1) begin
                if (!done && kbuf[b][j]) model_len = model_len + 1;
                else done = 1;
            end
        end
    end
endtask

// sends the frame in fbuf/kbuf (ceil(wire_len/8) beats, at least one), records expectations
task send_frame;
    integer b, nb, j;
    reg [63:0] d;
    begin
        nb = (wire_len + 7) / 8;
        if (nb == 0) nb = 1;
        compute_model_len;
        model_full;
        for (b = 0; b < nb; b = b + 1) begin
            while (rnd(100) < stall_pct) begin
                // idle, or valid garbage with tready low
                s_tvalid <= rnd(2);
                s_tready <= 1'b0;
                s_tdata <= {$random(seed), $random(seed)};
                s_tkeep <= $random(seed);
                s_tlast <= rnd(2);
                @(posedge clk);
            end
            for (j = 0; j < 8; j = j + 1) begin
                d[8*j +: 8] = kbuf[b][j] ? fbuf[8*b + j] : $random(seed);
            end
            s_tdata <= d;
            s_tkeep <= kbuf[b];
            s_tvalid <= 1'b1;
            s_tready <= 1'b1;
            s_tlast <= b == nb - 1;
            // (cycle's own update at this edge is still pending: +1)
            if (b == nb - 1) x_cycle[nsent % NEXP] = cycle + 1;
            @(posedge clk);
        end
        s_tvalid <= 1'b0;
        s_tlast <= 1'b0;
        nsent = nsent + 1;
    end
endtask

task drain;
    begin
        s_tvalid <= 1'b0;
        repeat (LAT + 4) @(posedge clk);
        if (nchk_a != nsent || nchk_b != nsent) begin
            $display("FAIL: %0d frames sent, %0d / %0d results", nsent, nchk_a, nchk_b);
            $fatal(1);
        end
    end
endtask

`include "tb/rss_frame_tasks.vh"

// ---------------------------------------------------------------------------
// RETA programming
// ---------------------------------------------------------------------------

task reta_write(input integer a, input integer v);
    begin
        reta_wr_en <= 1'b1;
        reta_wr_addr <= a;
        reta_wr_data <= v;
        @(posedge clk);
        reta_wr_en <= 1'b0;
        if (a < 128) reta_a[a] = v;
        if (a < 512) reta_b[a] = v;
    end
endtask

task reta_program(input integer mode);
    integer a;
    begin
        for (a = 0; a < 512; a = a + 1) begin
            case (mode)
                0: reta_write(a, a % 8);
                1: reta_write(a, (a * 7 + 3) % 5);
                default: reta_write(a, rnd(100) < 70 ? rnd(8) : rnd(256));
            endcase
        end
    end
endtask

task reta_readback;
    integer a;
    begin
        for (a = 0; a < 512; a = a + 1) begin
            reta_rd_addr <= a;
            @(posedge clk);
            #1;
            if (rd_a !== (a < 128 ? reta_a[a] : 8'd0) || rd_b !== (a < 512 ? reta_b[a % 512] : 8'd0)) begin
                $display("FAIL: RETA read-back %0d: %02x / %02x", a, rd_a, rd_b);
                $fatal(1);
            end
        end
        // back onto the clock edge: send_frame records a beat's cycle as the
        // driver sees it right at an edge (a 1-beat frame sent from #1 after
        // the edge would be recorded one cycle late)
        @(posedge clk);
    end
endtask

// ---------------------------------------------------------------------------
// Test sequence
// ---------------------------------------------------------------------------

localparam [1:0] N3 = 0, V4 = 1, V6 = 2;
localparam [1:0] N4 = 0, TCP = 1, UDP = 2, OTH = 3;
localparam [7:0] FR = 1, OP = 2, MAL = 4, DL = 8;

integer i, j, burst, ndirected;
reg [127:0] v6s, v6d;

initial begin
    {ms_key_bytes[0], ms_key_bytes[1], ms_key_bytes[2], ms_key_bytes[3], ms_key_bytes[4],
     ms_key_bytes[5], ms_key_bytes[6], ms_key_bytes[7], ms_key_bytes[8], ms_key_bytes[9]} =
        80'h6d5a56da255b0ec24167;
    {ms_key_bytes[10], ms_key_bytes[11], ms_key_bytes[12], ms_key_bytes[13], ms_key_bytes[14],
     ms_key_bytes[15], ms_key_bytes[16], ms_key_bytes[17], ms_key_bytes[18], ms_key_bytes[19]} =
        80'h253d43a38fb0d0ca2bcb;
    {ms_key_bytes[20], ms_key_bytes[21], ms_key_bytes[22], ms_key_bytes[23], ms_key_bytes[24],
     ms_key_bytes[25], ms_key_bytes[26], ms_key_bytes[27], ms_key_bytes[28], ms_key_bytes[29]} =
        80'hae7b30b477cb2da38030;
    {ms_key_bytes[30], ms_key_bytes[31], ms_key_bytes[32], ms_key_bytes[33], ms_key_bytes[34],
     ms_key_bytes[35], ms_key_bytes[36], ms_key_bytes[37], ms_key_bytes[38], ms_key_bytes[39]} =
        80'hf20c6a42b73bbeac01fa;
    for (i = 0; i < 40; i = i + 1) ms_key[8*i +: 8] = ms_key_bytes[i];
    rss_key = ms_key;
    for (i = 0; i < 8; i = i + 1) begin
        cov_type[i] = 0;
        if (i < 4) begin cov_flag[i] = 0; cov_l4[i] = 0; end
        if (i < 3) cov_vlan[i] = 0;
    end
    for (i = 0; i < 512; i = i + 1) begin
        reta_b[i] = 0;
        if (i < 128) reta_a[i] = 0;
    end

    repeat (5) @(posedge clk);
    rst <= 1'b0;
    @(posedge clk);

    reta_program(0);
    reta_readback;

    // ---------------- directed ----------------
    rss_hash_types = 6'h3F;
    rss_default_queue = 8'd3;

    // MS suite row 1 as IPv4/TCP: 4-tuple hash
    clear_frame; put16(16'h0800);
    put_ipv4(5, 16'h4000, 6, {8'd66, 8'd9, 8'd149, 8'd187}, {8'd161, 8'd142, 8'd100, 8'd80});
    put_tcp(2794, 1766, 5, 0); put_payload(6); fin_ipv4; go;
    expect_parse(V4, TCP, 0, 0, 14, 34, 54, 2);
    if (c_hash !== 32'h51ccc178) begin $display("FAIL: MS v4 tcp hash model %08x", c_hash); $fatal(1); end
    // same as UDP, VLAN tagged
    clear_frame; put16(16'h8100); put16(5); put16(16'h0800);
    put_ipv4(5, 0, 17, {8'd66, 8'd9, 8'd149, 8'd187}, {8'd161, 8'd142, 8'd100, 8'd80});
    put_udp(2794, 1766); put_payload(10); fin_ipv4; go;
    expect_parse(V4, UDP, 0, 1, 18, 38, 46, 3);
    if (c_hash !== 32'h51ccc178) begin $display("FAIL: MS v4 udp hash"); $fatal(1); end
    // QinQ + 802.1Q, ICMP: 2-tuple
    clear_frame; put16(16'h88A8); put16(5); put16(16'h8100); put16(6); put16(16'h0800);
    put_ipv4(5, 0, 1, {8'd66, 8'd9, 8'd149, 8'd187}, {8'd161, 8'd142, 8'd100, 8'd80});
    put_payload(8); fin_ipv4; go;
    expect_parse(V4, OTH, 0, 2, 22, 42, 42, 1);
    if (c_hash !== 32'h323e8fc2) begin $display("FAIL: MS v4 2-tuple hash"); $fatal(1); end
    // third tag: unknown ethertype
    clear_frame; put16(16'h8100); put16(5); put16(16'h8100); put16(6); put16(16'h8100); put16(7);
    put16(16'h0800); put_payload(40); go;
    expect_parse(N3, N4, 0, 2, 22, 0, 0, 0);
    // truncated tags
    clear_frame; put16(16'h8100); put8(0); go;                         // 15 bytes
    expect_parse(N3, N4, MAL, 0, 0, 0, 0, 0);
    clear_frame; put16(16'h8100); put16(1); put16(16'h88A8); put8(1); go;  // 19 bytes
    expect_parse(N3, N4, MAL, 1, 0, 0, 0, 0);
    clear_frame; put16(16'h8100); put16(1); put16(16'h0800); go;     // 18 bytes: tag fits
    expect_parse(V4, N4, MAL, 1, 18, 0, 0, 0);
    // ARP
    clear_frame; put16(16'h0806); put_payload(46); go;
    expect_parse(N3, N4, 0, 0, 14, 0, 0, 0);
    // IPv4 options (IHL 5..15), TCP with options
    for (i = 5; i <= 15; i = i + 1) begin
        clear_frame; put16(16'h0800);
        put_ipv4(i, 0, 6, 32'h0a000001, 32'h0a000002);
        put_tcp(1000 + i, 80, 5 + (i % 11), 4 * (i % 11)); put_payload(i); fin_ipv4; go;
        expect_parse(V4, TCP, i > 5 ? OP : 0, 0, 14, 14 + 4*i, 14 + 4*i + 4*(5 + i % 11), 2);
    end
    // IHL < 5, bad version
    clear_frame; put16(16'h0800); put_ipv4(4, 0, 6, 1, 2); put_tcp(1, 2, 5, 0); fin_ipv4; go;
    expect_parse(V4, N4, MAL, 0, 14, 0, 0, 0);
    clear_frame; put16(16'h0800); put_ipv4(5, 0, 6, 1, 2); fbuf[ip_at] = 8'h65;
    put_tcp(1, 2, 5, 0); fin_ipv4; go;
    expect_parse(V4, N4, MAL, 0, 14, 0, 0, 0);
    // total length beyond frame; smaller than header; padding after it
    clear_frame; put16(16'h0800); put_ipv4(5, 0, 17, 1, 2); put_udp(1, 2); fin_ipv4;
    wr16(ip_at + 2, 29); go;
    expect_parse(V4, N4, MAL, 0, 14, 0, 0, 0);
    clear_frame; put16(16'h0800); put_ipv4(6, 0, 17, 1, 2); put_udp(1, 2); fin_ipv4;
    wr16(ip_at + 2, 20); go;
    expect_parse(V4, N4, MAL, 0, 14, 0, 0, 0);
    clear_frame; put16(16'h0800); put_ipv4(5, 0, 17, 1, 2); put_udp(1, 2); fin_ipv4;
    put_payload(20); go;                                                   // padding
    expect_parse(V4, UDP, 0, 0, 14, 34, 42, 3);
    clear_frame; put16(16'h0800); put_ipv4(5, 0, 17, 1, 2); put_udp(1, 2); fin_ipv4;
    wr16(ip_at + 2, 27); put_payload(20); go;                              // UDP cut by tot
    expect_parse(V4, UDP, MAL, 0, 14, 34, 0, 1);
    // fragments: MF, offset, first fragment with TCP
    clear_frame; put16(16'h0800); put_ipv4(5, 16'h2000, 6, 1, 2); put_tcp(1, 2, 5, 0); fin_ipv4; go;
    expect_parse(V4, N4, FR, 0, 14, 34, 34, 1);
    clear_frame; put16(16'h0800); put_ipv4(7, 16'h0010, 17, 1, 2); put_payload(30); fin_ipv4; go;
    expect_parse(V4, N4, FR | OP, 0, 14, 42, 42, 1);
    // TCP doff < 5, header truncated by tot, options past tot
    clear_frame; put16(16'h0800); put_ipv4(5, 0, 6, 1, 2); put_tcp(1, 2, 4, 0); fin_ipv4; go;
    expect_parse(V4, TCP, MAL, 0, 14, 34, 0, 1);
    clear_frame; put16(16'h0800); put_ipv4(5, 0, 6, 1, 2); put_tcp(1, 2, 5, 0); fin_ipv4;
    wr16(ip_at + 2, 39); go;
    expect_parse(V4, TCP, MAL, 0, 14, 34, 0, 1);
    clear_frame; put16(16'h0800); put_ipv4(5, 0, 6, 1, 2); put_tcp(1, 2, 8, 4); fin_ipv4; go;
    expect_parse(V4, TCP, MAL, 0, 14, 34, 0, 1);
    // IPv6/UDP: MS v6 row 1 (4-tuple)
    v6d = 128'h3ffe_2501_0200_0003_0000_0000_0000_0001;
    v6s = 128'h3ffe_2501_0200_1fff_0000_0000_0000_0007;
    clear_frame; put16(16'h86DD); put_ipv6(17, v6s, v6d); put_udp(2794, 1766); put_payload(3);
    fin_ipv6; go;
    expect_parse(V6, UDP, 0, 0, 14, 54, 62, 6);
    if (c_hash !== 32'h40207d3d) begin $display("FAIL: MS v6 hash model"); $fatal(1); end
    // hop-by-hop, routing, dest options, then TCP; 2 VLAN tags
    clear_frame; put16(16'h8100); put16(1); put16(16'h8100); put16(2); put16(16'h86DD);
    put_ipv6(0, v6s, v6d); put_ext(43, 0); put_ext(60, 2); put_ext(6, 1);
    put_tcp(2794, 1766, 6, 4); fin_ipv6; go;
    expect_parse(V6, TCP, OP, 2, 22, 22 + 40 + 8 + 24 + 16, 22 + 40 + 48 + 24, 5);
    if (c_hash !== 32'h40207d3d) begin $display("FAIL: MS v6 tcp hash model"); $fatal(1); end
    // fragment header -> FRAGMENT, 2-tuple
    clear_frame; put16(16'h86DD); put_ipv6(44, v6s, v6d); put_ext(17, 0); put_udp(1, 2);
    fin_ipv6; go;
    expect_parse(V6, N4, FR | OP, 0, 14, 62, 62, 4);
    if (c_hash !== 32'h2cc18cd5) begin $display("FAIL: MS v6 2-tuple hash model"); $fatal(1); end
    // unknown next header
    clear_frame; put16(16'h86DD); put_ipv6(59, v6s, v6d); fin_ipv6; go;
    expect_parse(V6, OTH, 0, 0, 14, 54, 54, 4);
    // extension header beyond payload length
    clear_frame; put16(16'h86DD); put_ipv6(0, v6s, v6d); put_ext(6, 3); fin_ipv6;
    wr16(ip_at + 4, 24); put_payload(20); go;
    expect_parse(V6, N4, OP | MAL, 0, 14, 0, 0, 4);
    // chain running past PARSE_LIMIT: DEPTH_LIMIT
    clear_frame; put16(16'h86DD); put_ipv6(60, v6s, v6d);
    for (i = 0; i < 7; i = i + 1) put_ext(60, 3);
    put_ext(17, 3); put_udp(5, 6); fin_ipv6; go;
    expect_parse(V6, N4, OP | DL, 0, 14, 0, 0, 4);
    // chain ends just below the limit, UDP header crosses it
    clear_frame; put16(16'h86DD); put_ipv6(60, v6s, v6d);
    put_ext(60, 23); put_ext(17, 0); put_udp(5, 6); put_payload(40); fin_ipv6; go;   // l4 = 54+192+8 = 254
    expect_parse(V6, UDP, OP | DL, 0, 14, 254, 0, 4);
    // payload length beyond frame; bad version
    clear_frame; put16(16'h86DD); put_ipv6(17, v6s, v6d); put_udp(1, 2); fin_ipv6;
    wr16(ip_at + 4, 9); go;
    expect_parse(V6, N4, MAL, 0, 14, 0, 0, 0);
    clear_frame; put16(16'h86DD); put_ipv6(17, v6s, v6d); fbuf[ip_at] = 8'h40; put_udp(1, 2);
    fin_ipv6; go;
    expect_parse(V6, N4, MAL, 0, 14, 0, 0, 0);
    // short frames: runt (all zero), 1 and 2 beats, back to back
    for (i = 1; i <= 20; i = i + 1) begin
        clear_frame; put16(i < 10 ? 16'h0800 : 16'h86DD); pos = i; go;
    end
    drain;
    // the Toeplitz engine's worst case (a hash every 5 cycles): shortest
    // hashed frames back to back: IPv4 2-tuple in 34 bytes (5 beats), IPv4/UDP
    // 42 (6), IPv6 2-tuple 54 (7), IPv6/UDP 62 (8); then mixed with runts and
    // non-IP frames of 1..2 beats in between
    for (i = 0; i < 60; i = i + 1) begin
        clear_frame; put16(16'h0800);
        put_ipv4(5, 0, i < 20 ? 1 : 17, $random(seed), $random(seed));
        if (i >= 20) put_udp(rnd(65536), rnd(65536));
        fin_ipv4; go;
        if (i == 0) expect_parse(V4, OTH, 0, 0, 14, 34, 34, 1);
        if (i == 20) expect_parse(V4, UDP, 0, 0, 14, 34, 42, 3);
    end
    for (i = 0; i < 60; i = i + 1) begin
        clear_frame; put16(16'h86DD);
        put_ipv6(i < 20 ? 59 : 17, {$random(seed), $random(seed), $random(seed), $random(seed)},
                 {$random(seed), $random(seed), $random(seed), $random(seed)});
        if (i >= 20) put_udp(rnd(65536), rnd(65536));
        fin_ipv6; go;
        if (i == 0) expect_parse(V6, OTH, 0, 0, 14, 54, 54, 4);
        if (i == 20) expect_parse(V6, UDP, 0, 0, 14, 54, 62, 6);
    end
    for (i = 0; i < 120; i = i + 1) begin
        clear_frame;
        case (rnd(5))
            0: begin put16(16'h0800); put_ipv4(5, 0, 1, $random(seed), $random(seed)); fin_ipv4; end
            1: begin put16(16'h0800); put_ipv4(5, 0, 6, $random(seed), $random(seed));
                     put_tcp(rnd(65536), rnd(65536), 5, 0); fin_ipv4; end
            2: begin put16(16'h86DD); put_ipv6(17, {$random(seed), $random(seed), $random(seed), $random(seed)},
                     {$random(seed), $random(seed), $random(seed), $random(seed)});
                     put_udp(rnd(65536), rnd(65536)); fin_ipv6; end
            3: begin put16(16'h0800); pos = 1 + rnd(16); end      // runt / truncated: no hash
            default: begin put16(16'h0806); pos = 14 + rnd(3); end  // non-IP, 2 beats: no hash
        endcase
        go;
    end
    drain;

    // hash types: each bit alone, default queue out of range
    for (j = 0; j < 8; j = j + 1) begin
        rss_hash_types = j < 6 ? (6'd1 << j) : j == 6 ? 6'h00 : 6'h09;
        rss_default_queue = j * 37;
        for (i = 0; i < 24; i = i + 1) begin
            gen_random;
            send_frame;
        end
        drain;
    end
    ndirected = nsent;

    // ---------------- randomized ----------------
    for (burst = 0; burst < 12; burst = burst + 1) begin
        rss_hash_types = burst < 4 ? 6'h3F : rnd(64);
        rss_default_queue = rnd(100) < 70 ? rnd(8) : rnd(256);
        rss_key = burst % 3 == 2 ? {$random(seed), $random(seed), $random(seed), $random(seed),
                   $random(seed), $random(seed), $random(seed), $random(seed), $random(seed),
                   $random(seed)} : ms_key;
        stall_pct = burst % 4 == 1 ? 30 : burst % 4 == 3 ? 5 : 0;
        if (burst % 4 == 0) begin
            reta_program(burst == 0 ? 1 : 2);
            reta_readback;
        end
        for (i = 0; i < 150; i = i + 1) begin
            gen_random;
            send_frame;
        end
        drain;
    end

    // reset in the middle of a frame: its tail yields no result, the next frame does
    clear_frame; put16(16'h0806); put_payload(100); wire_len = pos; set_keeps;
    for (i = 0; i < 4; i = i + 1) begin
        s_tdata <= 0; s_tkeep <= 8'hFF; s_tvalid <= 1'b1; s_tready <= 1'b1; s_tlast <= 1'b0;
        @(posedge clk);
    end
    rst <= 1'b1;
    s_tvalid <= 1'b0;
    @(posedge clk);
    rst <= 1'b0;
    for (i = 0; i < 4; i = i + 1) begin
        s_tvalid <= 1'b1; s_tlast <= i == 3;
        @(posedge clk);
    end
    s_tvalid <= 1'b0; s_tlast <= 1'b0;
    repeat (20) @(posedge clk);
    if (nchk_a != nsent || nchk_b != nsent) begin
        $display("FAIL: results after reset %0d/%0d, sent %0d", nchk_a, nchk_b, nsent);
        $fatal(1);
    end
    clear_frame; put16(16'h0800); put_ipv4(5, 0, 6, 1, 2); put_tcp(1, 2, 5, 0); fin_ipv4; go;
    drain;

    $display("tb_nic_rss: %0d frames (%0d directed), 2 DUT configurations, all fields ok",
             nsent, ndirected);
    $display("coverage: flags FRAG %0d OPT %0d MAL %0d DEPTH %0d; l4 none %0d tcp %0d udp %0d other %0d",
             cov_flag[0], cov_flag[1], cov_flag[2], cov_flag[3], cov_l4[0], cov_l4[1], cov_l4[2], cov_l4[3]);
    $display("coverage: vlan 0/1/2 %0d/%0d/%0d; valid ipv4 %0d ipv6 %0d; types 0..6 %0d %0d %0d %0d %0d %0d %0d",
             cov_vlan[0], cov_vlan[1], cov_vlan[2], cov_v4ok, cov_v6ok, cov_type[0], cov_type[1], cov_type[2],
             cov_type[3], cov_type[4], cov_type[5], cov_type[6]);
    $display("PASS");
    $finish;
end

endmodule

`resetall
