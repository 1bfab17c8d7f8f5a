`timescale 1ns / 1ps

/*
 * nic_rx_dma_wr unit test. The testbench offers descriptors directly and
 * predicts every TLP with a reference segmentation model:
 *   first TLP up to the next MPS boundary, then MPS-sized; Length, First/Last
 *   BE (1-DW rule), 3DW/4DW per address, data words; then the completion
 *   record MemWr (fields, phase, slot address) with the commit flag on its
 *   eop beat.
 * Cases: random lengths 14..9216 at all MPS settings (incl. reserved 6/7 ->
 * 4096) and misaligned (16 B) buffer offsets, 64-bit addresses crossing 4 GiB,
 * random sink backpressure and FIFO gaps; drops (no descriptor, too small,
 * bad descriptor -> BAD record, disabled, halted); completion ring full and
 * BME low (wait); disable in the middle of a frame (finish the current TLP,
 * drain the rest, no record).
 * The DUT has 8 queues; every frame is steered to queue 7 by its meta (the
 * others are disabled and must see nothing), and each frame's meta fields
 * (random) must show up in its completion record.
 *
 * Header/data split, scatter and VLAN strip (docs/split.md): a behavioural
 * model (model_frame) computes per frame, when it is added (the section's
 * descriptors are posted first), the outcome (delivered / dropped / BAD_DESC
 * record), the byte ranges that must be written (header buffer, data buffers)
 * with the delivered bytes they hold, and the completion record. The memory
 * checker (memchk) assembles every MemWr: data TLPs must lie inside one
 * expected range of the current frame, carry exactly the delivered bytes of
 * that place, never write a byte twice, obey the MPS / 4 KiB segmentation and
 * 3DW/4DW rule; the record must match, and by then every expected byte must
 * have been written. Statistics (frame_ok, split, hdr_overflow, too small,
 * bad descriptor, no descriptor) and consumed descriptors are compared per
 * section. Sections: every mode (incl. reserved 3) x threshold on/off, frames
 * of every kind (TCP/UDP/other/fragment/malformed/depth-limit/not IP/payload
 * offset past the end); header exactly filling and one byte over the header
 * buffer, with and without strip, QinQ; zero-length payload; small frames;
 * payload exactly filling a data buffer and one byte over (no scatter);
 * scatter over 2..5 buffers with every header length mod 16 at MPS 128/256;
 * jumbo 9018 over 4 KiB buffers at MPS 128..1024 with 64-bit (4DW) header and
 * data buffers; too few posted (dropped, descriptors kept, then delivered);
 * bad head (misaligned), bad HDR_IDX (used / unused), bad continuation
 * (misaligned, short, LEN 0); disable while a scatter waits for its next
 * descriptor; 64-byte frames back to back (cycles counted: split at a
 * 48-byte header and small frames cost exactly what unsplit frames cost);
 * a randomized run of ~4000 frames (fixed seed, printed) mixing all of it
 * with backpressure and FIFO gaps.
 * Run: iverilog -g2005-sv -Irtl -o tb rtl/tb/tb_nic_rx_dma_wr.v rtl/nic_rx_dma_wr.v && vvp tb
 */
module tb_nic_rx_dma_wr;

`include "nic_spec.vh"

localparam REQ_ID = 16'h0200;

reg clk = 0;
always #5 clk = ~clk;
reg rst = 1;
integer cycle = 0;
always @(posedge clk) cycle <= cycle + 1;

reg  [127:0] ax_data = 0;
reg          ax_valid = 0;
wire         ax_ready;
reg  [15:0]  len_data = 0;
reg          len_valid = 0;
wire         len_ready;
reg          q_enable = 1, q_halted = 0;
reg  [63:0]  q_cpl_base = 64'h0000_0000_0020_0000;
reg  [3:0]   q_cpl_log_size = 3;
reg  [15:0]  q_cpl_cons = 0;
reg  [63:0]  d_addr = 0;
reg  [15:0]  d_len = 0, d_buf = 0, d_idx = 0;
reg          d_bad = 0, d_valid = 0, d_empty = 1;
wire         d_ready;
reg          bme = 1;
reg  [2:0]   mps_n = 0;
wire [127:0] t_hdr, t_data;
wire         t_sop, t_eop, t_commit, t_valid;
reg          t_ready = 1;
wire         st_ok, st_nd, st_sm, st_bad, st_dis, st_abort;
wire [15:0]  st_bytes;
reg  [87:0]  meta_data = 0;
reg  [63:0]  q_hdr_base = 64'h0000_0000_0080_0000;
reg  [15:0]  q_hdr_count = 0;
reg  [31:0]  q_rx_cfg = 0;
reg  [15:0]  d_hdr_idx = 0, d_avail = 0;
wire         d_empty_eff;
reg          memchk = 0;        // 1: the split sections' memory-model checker instead

// queue 7 is the tb's queue; queues 0..6 are disabled with nothing posted
localparam NQ = 8;
wire [NQ-1:0] v_split, v_ovf;
wire [NQ-1:0] v_ok, v_nd, v_sm, v_bad, v_dis, v_abort, v_busy, v_d_ready;
wire [2:0]    t_queue;
assign {st_ok, st_nd, st_sm, st_bad, st_dis, st_abort, d_ready} =
    {v_ok[7], v_nd[7], v_sm[7], v_bad[7], v_dis[7], v_abort[7], v_d_ready[7]};
wire other_events = |{v_ok[6:0], v_nd[6:0], v_sm[6:0], v_bad[6:0], v_dis[6:0], v_abort[6:0], v_busy[6:0], v_d_ready[6:0]};

nic_rx_dma_wr #(.TLP_DATA_WIDTH(128), .RX_QUEUES(NQ)) dut (
    .clk(clk), .rst(rst),
    .s_axis_tdata(ax_data), .s_axis_tvalid(ax_valid), .s_axis_tready(ax_ready), .s_axis_tlast(1'b0),
    .s_meta_len(len_data), .s_meta_tdata(meta_data), .s_meta_tvalid(len_valid), .s_meta_tready(len_ready),
    .q_enable({q_enable, 7'd0}), .q_halted({q_halted, 7'd0}), .q_cpl_base({q_cpl_base, 448'd0}),
    .q_cpl_log_size({q_cpl_log_size, 28'd0}), .q_cpl_cons({q_cpl_cons, 112'd0}),
    .q_hdr_base({q_hdr_base, 448'd0}), .q_hdr_count({q_hdr_count, 112'd0}), .q_rx_cfg({q_rx_cfg, 224'd0}),
    .s_desc_addr({d_addr, 448'd0}), .s_desc_len({d_len, 112'd0}), .s_desc_buf_id({d_buf, 112'd0}),
    .s_desc_idx({d_idx, 112'd0}), .s_desc_bad({d_bad, 7'd0}),
    .s_desc_valid({d_valid, 7'd0}), .s_desc_ready(v_d_ready), .s_desc_empty({d_empty_eff, 7'h7F}),
    .s_desc_hdr_idx({d_hdr_idx, 112'd0}), .s_desc_avail({d_avail, 112'd0}),
    // checksum result: none / 0, always valid (no tlast, no pending tail;
    // tb_nic_rx_csum and the engine cover the wait)
    .s_csum_ip(2'd0), .s_csum_l4(2'd0), .s_csum_complete(16'd0), .s_csum_pend_tail(1'b0),
    .cfg_requester_id(REQ_ID), .cfg_bus_master_enable(bme), .cfg_max_payload_size(mps_n),
    .m_tlp_hdr(t_hdr), .m_tlp_data(t_data), .m_tlp_sop(t_sop), .m_tlp_eop(t_eop), .m_tlp_commit(t_commit),
    .m_tlp_queue(t_queue), .m_tlp_valid(t_valid), .m_tlp_ready(t_ready),
    .stat_frame_ok(v_ok), .stat_frame_bytes(st_bytes), .stat_drop_no_desc(v_nd),
    .stat_drop_buf_too_small(v_sm), .stat_drop_bad_desc(v_bad), .stat_drop_disabled(v_dis),
    .stat_abort_disabled(v_abort), .stat_split(v_split), .stat_hdr_overflow(v_ovf), .busy(v_busy)
);

integer errors = 0;
task fail(input [8*64-1:0] msg);
    begin
        $display("ERROR @%0d: %0s", cycle, msg);
        errors = errors + 1;
        if (errors > 10) $fatal(1, "too many errors");
    end
endtask

// ---------------------------------------------------------------- frames and descriptors
localparam MAXF = 8192;
integer flen [0:MAXF-1];
integer fseed [0:MAXF-1];
reg [79:0] fmeta [0:MAXF-1];
reg        fvlan [0:MAXF-1];    // tagged: bytes 12..13 are the TPID 0x8100

// meta word as nic_core packs it (rtl/nic_rx_meta.vh), queue 7
function [87:0] pack_meta(input [79:0] m);
    pack_meta = {m[79:70], m[69:60], m[59:50], m[49:48], m[47:40], m[39:38], m[37:36], 8'd7, m[35:32], m[31:0]};
endfunction

// the record fields a meta carries
function [255:0] rec_meta(input [79:0] m);
    begin
        rec_meta = 0;
        rec_meta[CPL_RSS_HASH_LSB +: 32] = m[31:0];
        rec_meta[CPL_RSS_TYPE_LSB +: 4] = m[35:32];
        rec_meta[CPL_L3_TYPE_LSB +: 2] = m[37:36];
        rec_meta[CPL_L4_TYPE_LSB +: 2] = m[39:38];
        rec_meta[CPL_PARSE_FLAGS_LSB +: 8] = m[47:40];
        rec_meta[CPL_VLAN_COUNT_LSB +: 2] = m[49:48];
        rec_meta[CPL_L3_OFFSET_LSB +: 10] = m[59:50];
        rec_meta[CPL_L4_OFFSET_LSB +: 10] = m[69:60];
        rec_meta[CPL_PAYLOAD_OFFSET_LSB +: 10] = m[79:70];
    end
endfunction
integer n_frames = 0, len_i = 0, wf = 0, ww = 0;
reg     gaps = 0;

function [7:0] fbyte(input integer f, input integer k);
    if (fvlan[f] && k == 12) fbyte = 8'h81;
    else if (fvlan[f] && k == 13) fbyte = 8'h00;
    else fbyte = (fseed[f] * 7 + k * 13 + (k >> 8)) & 8'hFF;
endfunction

integer k1;
always @(posedge clk) begin
    if (len_valid && len_ready) begin len_valid <= 0; len_i = len_i + 1; end
    if ((!len_valid || len_ready) && len_i < n_frames) begin
        len_valid <= 1; len_data <= flen[len_i]; meta_data <= pack_meta(fmeta[len_i]);
    end
    if (ax_valid && ax_ready) begin
        ax_valid <= 0; ww = ww + 1;
        if (ww * 16 >= flen[wf]) begin wf = wf + 1; ww = 0; end
    end
    if ((!ax_valid || ax_ready) && wf < n_frames && !(gaps && $urandom % 3 == 0)) begin
        ax_valid <= 1;
        for (k1 = 0; k1 < 16; k1 = k1 + 1) ax_data[8*k1 +: 8] <= fbyte(wf, ww*16 + k1);
    end
end

localparam MAXD = 16384;
reg [63:0] dq_addr [0:MAXD-1];
integer    dq_len [0:MAXD-1];
reg [15:0] dq_hidx [0:MAXD-1];
reg        hold_desc = 0;       // offer no descriptor past index hold_at
reg        flush = 0;           // forget the posted descriptors (a ring reset)
integer    hold_at = 0;
integer    n_desc = 0, desc_i = 0;
// the split sections: empty when nothing posted is left
assign d_empty_eff = memchk ? (!d_valid && desc_i >= n_desc) : d_empty;
always @(posedge clk) begin
    if (d_valid && d_ready) begin d_valid <= 0; desc_i = desc_i + 1; end
    if (flush) begin d_valid <= 0; desc_i = n_desc; end
    if ((!d_valid || d_ready) && desc_i < n_desc && !(hold_desc && desc_i >= hold_at)) begin
        d_valid <= 1; d_addr <= dq_addr[desc_i]; d_len <= dq_len[desc_i]; d_buf <= desc_i + 1000;
        d_hdr_idx <= dq_hidx[desc_i];
        d_idx <= desc_i; d_bad <= (dq_addr[desc_i][3:0] != 0) || (dq_len[desc_i] == 0);
    end
    // posted and not consumed, the head included; exact in the cycle after a pop
    d_avail <= n_desc - desc_i;
end

// ---------------------------------------------------------------- expected TLPs
localparam MAXT = 16384;
reg [127:0] e_hdr [0:MAXT-1];
integer     e_beats [0:MAXT-1];
integer     e_frame [0:MAXT-1];     // frame id for data TLPs, -1 for records
integer     e_off [0:MAXT-1];       // frame byte offset
reg [255:0] e_rec [0:MAXT-1];
integer     n_exp = 0, n_got = 0;
integer     cprod = 0;

function [127:0] mk_hdr(input [63:0] a, input integer dw, input [3:0] fbe, input [3:0] lbe);
    reg [9:0] l;
    begin
        l = dw;
        if (a[63:32] != 0) mk_hdr = {3'b011, 5'b0, 14'd0, l, REQ_ID, 8'd0, lbe, fbe, a[63:32], a[31:2], 2'b00};
        else mk_hdr = {3'b010, 5'b0, 14'd0, l, REQ_ID, 8'd0, lbe, fbe, a[31:2], 2'b00, 32'd0};
    end
endfunction

task expect_record(input integer f, input integer len, input integer buf_id, input integer status, input integer idx);
    reg [255:0] r;
    reg [63:0]  a;
    begin
        r = rec_meta(fmeta[f]);
        r[CPL_LEN_LSB +: 16] = len; r[CPL_BUF_ID_LSB +: 16] = buf_id; r[CPL_STATUS_LSB +: 8] = status;
        r[CPL_QUEUE_LSB +: 8] = 7; r[CPL_DESC_IDX_LSB +: 16] = idx;
        r[CPL_DESC_COUNT_LSB +: 8] = 1;
        if (status == 0) r[CPL_LAST_LEN_LSB +: 16] = len;
        if (fmeta[f][49:48] != 0) r[CPL_VLAN_TCI_LSB +: 16] = {fbyte(f, 14), fbyte(f, 15)};
        r[CPL_PHASE_LSB] = ((cprod >> q_cpl_log_size) & 1) == 0;
        a = q_cpl_base + (cprod % (1 << q_cpl_log_size)) * 32;
        e_hdr[n_exp] = mk_hdr(a, 8, 4'hF, 4'hF); e_beats[n_exp] = 2; e_frame[n_exp] = -1; e_rec[n_exp] = r;
        n_exp = n_exp + 1;
        cprod = cprod + 1;
    end
endtask

// frame f into descriptor (addr, idx): predict TLPs
task expect_dma(input integer f, input [63:0] a, input integer idx);
    integer off, room, bytes, dw, mps;
    reg [3:0] mask, fbe, lbe;
    begin
        mps = 128 << ((mps_n > 5) ? 5 : mps_n);
        off = 0;
        mask = (flen[f] % 4 == 0) ? 4'hF : (flen[f] % 4 == 1) ? 4'h1 : (flen[f] % 4 == 2) ? 4'h3 : 4'h7;
        while (off < flen[f]) begin
            room = mps - ((a + off) % mps);
            bytes = (flen[f] - off < room) ? flen[f] - off : room;
            dw = (bytes + 3) / 4;
            if (dw == 1) begin fbe = mask; lbe = 0; end
            else begin fbe = 4'hF; lbe = (off + bytes == flen[f]) ? mask : 4'hF; end
            e_hdr[n_exp] = mk_hdr(a + off, dw, fbe, lbe); e_beats[n_exp] = (bytes + 15) / 16;
            e_frame[n_exp] = f; e_off[n_exp] = off;
            n_exp = n_exp + 1;
            off = off + bytes;
        end
        expect_record(f, flen[f], idx + 1000, 0, idx);
    end
endtask

task add_frame(input integer len);
    begin
        flen[n_frames] = len; fseed[n_frames] = $urandom;
        fmeta[n_frames] = {$urandom, $urandom, $urandom}; fvlan[n_frames] = 0;
        n_frames = n_frames + 1;
    end
endtask

task add_desc(input [63:0] a, input integer len);
    begin
        dq_addr[n_desc] = a; dq_len[n_desc] = len; dq_hidx[n_desc] = 0; n_desc = n_desc + 1;
    end
endtask

// ---------------------------------------------------------------- internal copies
// registers that stand for a decode or compare of others always agree with it
always @(posedge clk) begin
    if (dut.st_oh_reg != (9'd1 << dut.state_reg)) fail("st_oh_reg out of step");
    if (dut.cnt_le_reg != (dut.cnt_rem_reg <= dut.cap_reg)) fail("cnt_le_reg out of step");
    if (dut.cnt_max_reg != (dut.cnt_n_reg == dut.MAX_SCATTER_BUFS[7:0])) fail("cnt_max_reg out of step");
end

// ---------------------------------------------------------------- TLP checker
integer beat = 0, kk, jj;
reg [127:0] expd;
reg     prev_stall = 0;
reg [257:0] prev_beat;
always @(posedge clk) begin
    if (!rst && !memchk) begin
        if (t_valid && t_ready && !bme) fail("TLP while BME low");
        if (t_valid && t_queue != 7) fail("TLP of another queue");
        if (other_events) fail("event on a queue without frames");
        if (t_valid && t_ready) begin
            if (n_got >= n_exp) fail("unexpected TLP");
            else begin
                if (t_sop != (beat == 0)) fail("sop");
                if (t_eop != (beat == e_beats[n_got] - 1)) fail("eop");
                if (t_sop && t_hdr != e_hdr[n_got]) begin
                    $display("hdr %h expected %h", t_hdr, e_hdr[n_got]);
                    fail("header");
                end
                if (e_frame[n_got] < 0) begin
                    expd = beat ? e_rec[n_got][255:128] : e_rec[n_got][127:0];
                    if (t_data != expd) fail("record data");
                    if (t_commit != 1) fail("commit flag");
                end else begin
                    for (kk = 0; kk < 16; kk = kk + 1)
                        if (e_off[n_got] + beat*16 + kk < flen[e_frame[n_got]]
                            && t_data[8*kk +: 8] != fbyte(e_frame[n_got], e_off[n_got] + beat*16 + kk))
                            fail("payload");
                    if (t_commit) fail("commit on data TLP");
                end
                beat = beat + 1;
                if (t_eop) begin beat = 0; n_got = n_got + 1; end
            end
        end
    end
end

integer n_ok = 0, n_nd = 0, n_sm = 0, n_bad = 0, n_dis = 0, n_abort = 0;
always @(posedge clk) begin
    if (st_ok) n_ok = n_ok + 1;
    if (st_nd) n_nd = n_nd + 1;
    if (st_sm) n_sm = n_sm + 1;
    if (st_bad) n_bad = n_bad + 1;
    if (st_dis) n_dis = n_dis + 1;
    if (st_abort) n_abort = n_abort + 1;
end

reg rand_ready = 0;
always @(posedge clk) if (rand_ready) t_ready <= $urandom % 4 != 0;

task wait_done(input integer maxc);
    integer k;
    begin
        k = 0;
        while (k < maxc && !(n_got == n_exp && wf == n_frames && len_i == n_frames)) begin @(posedge clk); k = k + 1; end
        repeat (10) @(posedge clk);
        if (k >= maxc) begin
            $display("got %0d/%0d TLPs, words of frame %0d/%0d", n_got, n_exp, wf, n_frames);
            fail("stuck");
        end
    end
endtask

task stats(input integer ok, input integer nd, input integer sm, input integer bad, input integer dis);
    begin
        if (n_ok != ok || n_nd != nd || n_sm != sm || n_bad != bad || n_dis != dis) begin
            $display("ok %0d nd %0d sm %0d bad %0d dis %0d", n_ok, n_nd, n_sm, n_bad, n_dis);
            fail("statistics");
        end
    end
endtask

// ================================================================ split / scatter / strip model
// docs/split.md computed per frame when the frame is added (descriptors of the
// section are posted before its frames): outcome, the byte ranges that must
// be written (bus address, length, delivered-byte offset) and the record.
localparam RSEED = 20261127;
integer rseed = RSEED;
localparam O_DELIVER = 0, O_DROP = 1, O_BAD = 2, O_ABORT = 3;
localparam MAXR = 65536;
integer    fout [0:MAXF-1];
integer    f_rg0 [0:MAXF-1];
integer    f_nrg [0:MAXF-1];
integer    f_bytes [0:MAXF-1];      // bytes that must be written
reg        f_strip [0:MAXF-1];
reg [255:0] f_rec [0:MAXF-1];
reg [63:0] f_slot [0:MAXF-1];
reg [63:0] rg_addr [0:MAXR-1];
integer    rg_len [0:MAXR-1];
integer    rg_doff [0:MAXR-1];
integer    n_rg = 0;
integer    mdesc = 0;               // model's head descriptor
integer    m_ok = 0, m_nd = 0, m_sm = 0, m_bad = 0, m_split = 0, m_ovf = 0;

// delivered byte j of frame f
function [7:0] dbyte(input integer f, input integer j);
    dbyte = (f_strip[f] && j >= 12) ? fbyte(f, j + 4) : fbyte(f, j);
endfunction

task add_range(input [63:0] a, input integer len, input integer doff);
    begin
        rg_addr[n_rg % MAXR] = a; rg_len[n_rg % MAXR] = len; rg_doff[n_rg % MAXR] = doff;
        n_rg = n_rg + 1;
    end
endtask

task model_frame(input integer f);
    integer L, D, Lp, po, mode, hl, hs, thresh, hdr_len, data_len, c0, cap, n, k, share, vlan, l3, l4, flags;
    integer nbuf_ok, lastl, avail;
    reg strip, point, elig, is_small, is_split, ovf, bad;
    reg [255:0] r;
    begin
        L = flen[f]; vlan = fmeta[f][49:48]; l3 = fmeta[f][37:36]; l4 = fmeta[f][39:38];
        flags = fmeta[f][47:40]; po = fmeta[f][79:70];
        mode = q_rx_cfg[1:0];
        hl = q_rx_cfg[7:4]; if (hl < 6) hl = 6; if (hl > 10) hl = 10; hs = 1 << hl;
        thresh = q_rx_cfg[27:16];
        strip = q_rx_cfg[3] && vlan >= 1 && L >= 18;
        D = strip ? 4 : 0; Lp = L - D;
        point = !flags[2] && !flags[3] && l3 != 0 && po != 0 && po <= L;
        elig = point && (mode == 1 || (mode == 2 && (l4 == 1 || l4 == 2)));
        is_small = (mode == 1 || mode == 2) && thresh != 0 && Lp <= thresh && Lp <= hs;
        is_split = 0; ovf = 0;
        if (is_small) begin hdr_len = Lp; data_len = 0; end
        else if (elig && po - D <= hs) begin is_split = 1; hdr_len = po - D; data_len = Lp - hdr_len; end
        else begin ovf = elig; hdr_len = 0; data_len = Lp; end
        f_strip[f] = strip;
        f_rg0[f] = n_rg; f_nrg[f] = 0; f_bytes[f] = 0;
        r = rec_meta(fmeta[f]);
        r[CPL_QUEUE_LSB +: 8] = 7;
        if (vlan != 0) r[CPL_VLAN_TCI_LSB +: 16] = {fbyte(f, 14), fbyte(f, 15)};
        r[CPL_BUF_ID_LSB +: 16] = mdesc + 1000; r[CPL_DESC_IDX_LSB +: 16] = mdesc;
        r[CPL_PHASE_LSB] = ((cprod >> q_cpl_log_size) & 1) == 0;
        avail = n_desc - mdesc;
        if (avail <= 0) begin
            fout[f] = O_DROP; m_nd = m_nd + 1;
        end else begin
        c0 = dq_len[mdesc];
        bad = dq_addr[mdesc][3:0] != 0 || c0 == 0 || (hdr_len > 0 && dq_hidx[mdesc] >= q_hdr_count);
        n = 1; cap = c0 & ~15;
        fout[f] = O_DELIVER;
        if (bad) begin
            fout[f] = O_BAD;
            r[CPL_STATUS_LSB +: 8] = 1; r[CPL_DESC_COUNT_LSB +: 8] = 1;
            mdesc = mdesc + 1;
        end else begin
            if (data_len > c0) begin
                if (!q_rx_cfg[2] || cap == 0) fout[f] = O_DROP;
                else begin
                    n = (data_len + cap - 1) / cap;
                    if (n > 255 || n > avail) fout[f] = O_DROP;
                end
            end
            if (fout[f] == O_DROP) begin
                m_sm = m_sm + 1;
            end else begin
                if (hdr_len > 0) begin
                    add_range(q_hdr_base + dq_hidx[mdesc] * hs, hdr_len, 0);
                    f_nrg[f] = 1; f_bytes[f] = hdr_len;
                end
                nbuf_ok = 1;
                lastl = 0;
                for (k = 0; k < n && nbuf_ok && data_len > 0; k = k + 1) begin
                    share = (k == n - 1) ? data_len - k * cap : cap;
                    if (n == 1) share = data_len;
                    if (k > 0 && (dq_addr[mdesc + k][3:0] != 0 || dq_len[mdesc + k] < share)) begin
                        nbuf_ok = 0;
                        fout[f] = O_BAD;
                        r[CPL_STATUS_LSB +: 8] = 1; r[CPL_DESC_COUNT_LSB +: 8] = k + 1;
                        mdesc = mdesc + k + 1;
                    end else begin
                        add_range(dq_addr[mdesc + k], share, hdr_len + k * cap);
                        f_nrg[f] = f_nrg[f] + 1; f_bytes[f] = f_bytes[f] + share;
                        lastl = share;
                    end
                end
                if (nbuf_ok) begin
                    r[CPL_LEN_LSB +: 16] = Lp; r[CPL_HDR_LEN_LSB +: 12] = hdr_len;
                    r[CPL_DESC_COUNT_LSB +: 8] = n; r[CPL_LAST_LEN_LSB +: 16] = lastl;
                    r[CPL_SPLIT_LSB] = is_split; r[CPL_HDR_OVERFLOW_LSB] = ovf; r[CPL_VLAN_STRIPPED_LSB] = strip;
                    mdesc = mdesc + n;
                    m_ok = m_ok + 1; m_split = m_split + is_split; m_ovf = m_ovf + ovf;
                end
            end
        end
        end
        if (fout[f] == O_BAD) m_bad = m_bad + 1;
        if (fout[f] != O_DROP) begin
            f_rec[f] = r;
            f_slot[f] = q_cpl_base + (cprod % (1 << q_cpl_log_size)) * 32;
            cprod = cprod + 1;
        end
    end
endtask

// a frame with consistent meta: Ethernet (+ vlan tags), l3 at 14 + 4*vlan
task add_sframe(input integer len, input integer vlan, input integer l3, input integer l4,
                input integer flags, input integer po);
    reg [79:0] m;
    integer l3off;
    begin
        l3off = 14 + 4 * vlan;
        m = 0;
        m[31:0] = $random(rseed); m[35:32] = $random(rseed);
        m[37:36] = l3; m[39:38] = l4; m[47:40] = flags; m[49:48] = vlan;
        m[59:50] = l3off; m[69:60] = (l4 != 0) ? l3off + 20 : 0; m[79:70] = po;
        flen[n_frames] = len; fseed[n_frames] = $random(rseed); fmeta[n_frames] = m;
        fvlan[n_frames] = vlan != 0;
        model_frame(n_frames);
        n_frames = n_frames + 1;
    end
endtask

task add_hdesc(input [63:0] a, input integer len, input integer hidx);
    begin
        dq_addr[n_desc] = a; dq_len[n_desc] = len; dq_hidx[n_desc] = hidx; n_desc = n_desc + 1;
    end
endtask

// ---------------------------------------------------------------- memory-model checker
// Every MemWr is either a record (into the completion ring) or data; data
// TLPs must lie inside one expected range of the current frame cf (the next
// frame that writes), carry the delivered bytes of that place, never write a
// byte twice and obey the MPS / 4 KiB segmentation; a record must be cf's;
// then every expected byte of cf must have been written.
integer    cf = 0;                  // current frame
integer    cf_written = 0;
integer    wmark [0:16383];         // frame that wrote each delivered offset
integer    mb = 0, m_rg = -1, m_dw = 0, m_nbeats = 0, m_isrec = 0;
reg [63:0] m_a;
reg [3:0]  m_fbe, m_lbe;
integer    mq, mi, mj, mk, mdw, mdoff, mps_b;
reg [63:0] ring_end, mba;
reg [255:0] m_recv;
integer    s_ok = 0, s_split = 0, s_ovf = 0;
integer    last_rec_cycle = 0, t0 = 0, ri, rj, rk, rl, rm;
integer    lr [0:3];

task cf_advance;
    begin
        cf = cf + 1;
        while (cf < n_frames && fout[cf] == O_DROP) cf = cf + 1;
        cf_written = 0;
    end
endtask

task cf_start(input integer f);
    begin
        cf = f - 1;
        cf_advance;
    end
endtask

always @(posedge clk) begin
    if (st_ok) s_ok = s_ok + 1;
    if (v_split[7]) s_split = s_split + 1;
    if (v_ovf[7]) s_ovf = s_ovf + 1;
    if ((v_split[7] || v_ovf[7]) && !st_ok) fail("split/overflow pulse without frame_ok");
    if (!rst && memchk) begin
        if (t_valid && t_ready && !bme) fail("TLP while BME low");
        if (t_valid && t_queue != 7) fail("TLP of another queue");
        if (other_events) fail("event on a queue without frames");
        if (t_valid && t_ready) begin
            if (t_sop != (mb == 0)) fail("sop");
            if (mb == 0) begin
                while (cf < n_frames && fout[cf] == O_DROP) cf_advance;
                m_dw = t_hdr[105:96]; if (m_dw == 0) m_dw = 1024;
                m_fbe = t_hdr[67:64]; m_lbe = t_hdr[71:68];
                if (t_hdr[127:125] == 3'b011) m_a = {t_hdr[63:2], 2'b00};
                else begin
                    m_a = {32'd0, t_hdr[63:34], 2'b00};
                    if (t_hdr[127:125] != 3'b010) fail("fmt");
                end
                if (t_hdr[127:125] == 3'b011 && m_a[63:32] == 0) fail("4DW header below 4 GiB");
                if (t_hdr[124:120] != 0 || t_hdr[95:80] != REQ_ID) fail("header type/requester");
                if (m_a[3:0] != 0) fail("TLP not 16-byte aligned");
                m_nbeats = (m_dw * 4 + 15) / 16;
                ring_end = q_cpl_base + (32 << q_cpl_log_size);
                m_isrec = m_a >= q_cpl_base && m_a < ring_end;
                mps_b = 128 << ((mps_n > 5) ? 5 : mps_n);
                if (m_isrec) begin
                    if (m_dw != 8 || m_fbe != 4'hF || m_lbe != 4'hF) fail("record header");
                    if (cf >= n_frames || fout[cf] == O_DROP) fail("record without a frame");
                    else if (m_a != f_slot[cf]) begin
                        $display("record of frame %0d at %h, expected %h", cf, m_a, f_slot[cf]);
                        fail("record slot");
                    end
                end else begin
                    if (m_dw * 4 > mps_b) fail("TLP longer than MPS");
                    if ((m_a / mps_b) != ((m_a + m_dw * 4 - 1) / mps_b)) fail("TLP crosses an MPS boundary");
                    if (m_dw == 1 && m_lbe != 0) fail("1-DW TLP with LBE");
                    if (m_dw > 1 && m_fbe != 4'hF) fail("FBE");
                    // the range this TLP writes into
                    m_rg = -1;
                    if (cf < n_frames)
                        for (mq = f_rg0[cf]; mq < f_rg0[cf] + f_nrg[cf]; mq = mq + 1)
                            if (m_a >= rg_addr[mq % MAXR] && m_a + m_dw * 4 <= rg_addr[mq % MAXR] + ((rg_len[mq % MAXR] + 3) & ~3))
                                m_rg = mq % MAXR;
                    if (m_rg < 0) begin
                        $display("frame %0d: TLP at %h, %0d DW outside its buffers", cf, m_a, m_dw);
                        fail("write outside the expected buffers");
                    end else if (m_a + m_dw * 4 != rg_addr[m_rg] + ((rg_len[m_rg] + 3) & ~3)
                                 && ((m_a + m_dw * 4) % mps_b) != 0)
                        fail("TLP neither ends its segment nor at an MPS boundary");
                end
            end
            if (t_eop != (mb == m_nbeats - 1)) fail("eop");
            if (m_isrec) begin
                if (mb == 0) m_recv[127:0] = t_data; else m_recv[255:128] = t_data;
                if (t_commit != t_eop && t_eop) fail("commit flag");
                if (t_eop) last_rec_cycle = cycle;
                if (t_eop && cf < n_frames) begin
                    if (m_recv != f_rec[cf]) begin
                        $display("frame %0d record %h\n        expected %h", cf, m_recv, f_rec[cf]);
                        fail("record");
                    end
                    if (cf_written != f_bytes[cf]) begin
                        $display("frame %0d: %0d bytes written, expected %0d", cf, cf_written, f_bytes[cf]);
                        fail("frame bytes missing");
                    end
                    cf_advance;
                end
            end else begin
                if (t_commit) fail("commit on data TLP");
                if (m_rg >= 0) begin
                    for (mj = 0; mj < 16; mj = mj + 1) begin
                        mdw = mb * 4 + mj / 4;
                        if (mdw < m_dw && (mdw == 0 ? m_fbe[mj % 4] : mdw == m_dw - 1 ? m_lbe[mj % 4] : 1'b1)) begin
                            mba = m_a + mb * 16 + mj - rg_addr[m_rg];
                            mdoff = rg_doff[m_rg] + mba;
                            if (mba >= rg_len[m_rg]) fail("byte past the end of its range");
                            else if (wmark[mdoff] == cf) fail("byte written twice");
                            else begin
                                wmark[mdoff] = cf; cf_written = cf_written + 1;
                                if (t_data[8*mj +: 8] !== dbyte(cf, mdoff)) begin
                                    $display("frame %0d delivered byte %0d at %h: %h expected %h", cf, mdoff,
                                             m_a + mb * 16 + mj, t_data[8*mj +: 8], dbyte(cf, mdoff));
                                    fail("payload byte");
                                end
                            end
                        end
                    end
                end
            end
            mb = mb + 1;
            if (t_eop) mb = 0;
        end
    end
end

initial for (mq = 0; mq < 16384; mq = mq + 1) wmark[mq] = -1;

// the section's frames all checked, stats as the model says
task sec_done(input integer maxc);
    integer k;
    begin
        k = 0;
        while (k < maxc && !(cf >= n_frames && wf == n_frames && len_i == n_frames)) begin
            @(posedge clk); k = k + 1;
            // dropped frames write nothing: pass them once they have left the FIFO
            while (cf < n_frames && cf < wf && fout[cf] == O_DROP) cf_advance;
        end
        repeat (20) @(posedge clk);
        if (k >= maxc) begin
            $display("frame %0d of %0d pending (words of frame %0d); state %0d len_valid %0d age %0d d_valid %0d desc_i %0d n_desc %0d avail %0d cnt_done %0d n %0d k %0d seen %0d",
                     cf, n_frames, wf, dut.state_reg, dut.len_valid_reg, dut.len_age_reg, d_valid, desc_i, n_desc, d_avail,
                     dut.cnt_done_reg, dut.cnt_n_reg, dut.seg_k_reg, dut.desc_seen_reg);
            $display("flen %0d meta %h desc len %0d", flen[cf], fmeta[cf], dq_len[desc_i]);
            fail("stuck");
        end
        if (s_ok != m_ok || s_split != m_split || s_ovf != m_ovf || n_sm != m_sm || n_bad != m_bad || n_nd != m_nd) begin
            $display("ok %0d/%0d split %0d/%0d ovf %0d/%0d small %0d/%0d bad %0d/%0d", s_ok, m_ok, s_split, m_split,
                     s_ovf, m_ovf, n_sm, m_sm, n_bad, m_bad);
            fail("statistics");
        end
        if (desc_i != mdesc) begin
            $display("descriptors consumed %0d, model %0d", desc_i, mdesc);
            fail("descriptors consumed");
        end
    end
endtask

// queue disable / enable: posted descriptors forgotten, rings restart
task ring_reset;
    begin
        q_enable = 0; flush = 1;
        @(posedge clk);
        @(posedge clk);
        flush = 0; q_enable = 1; cprod = 0;
        @(posedge clk);
        sec_begin;
    end
endtask

// start a memory-checked section: counters aligned with the tb's
task sec_begin;
    begin
        memchk = 1;
        m_ok = s_ok; m_nd = n_nd; m_sm = n_sm; m_bad = n_bad; m_split = s_split; m_ovf = s_ovf;
        mdesc = desc_i;
        cf_start(n_frames);
    end
endtask

function [31:0] rxcfg(input integer mode, input integer scatter, input integer strip, input integer hlog, input integer thresh);
    rxcfg = (mode & 3) | (scatter ? 4 : 0) | (strip ? 8 : 0) | ((hlog & 15) << 4) | ((thresh & 12'hFFF) << 16);
endfunction

integer i, m, f0, len, off16, nok;
reg [63:0] ba;
initial begin
    repeat (4) @(posedge clk);
    rst <= 0;
    repeat (2) @(posedge clk);

    // ------------- random frames at every MPS setting
    $display("segmentation: all MPS settings, random lengths/offsets, backpressure");
    q_cpl_log_size = 15;   // never full here
    rand_ready = 1; gaps = 1;
    nok = 0;
    for (m = 0; m < 8; m = m + 1) begin
        mps_n = m;
        for (i = 0; i < 12; i = i + 1) begin
            len = (i == 0) ? 9216 : (i == 1) ? 14 : (i == 2) ? 129 : 14 + $urandom % 9203;
            off16 = $urandom % 256;
            ba = (i % 3 == 0) ? 64'h0000_0000_FFFF_E000 + off16 * 16 :
                 (i % 3 == 1) ? 64'h0000_0012_3456_0000 + off16 * 16 : 64'h0000_0000_0010_0000 + off16 * 16;
            add_frame(len); add_desc(ba, 9216);
            d_empty = 0;
            expect_dma(n_frames - 1, ba, n_desc - 1);
            nok = nok + 1;
        end
        wait_done(100000);
    end
    stats(nok, 0, 0, 0, 0);
    // (a clock edge between: the random-ready block may have sampled
    // rand_ready at this edge, and its NBA would override t_ready = 1)
    rand_ready = 0; @(posedge clk); t_ready = 1; gaps = 0;

    // ------------- drops
    $display("drops: too small, bad descriptor, no descriptor, disabled, halted");
    mps_n = 1;
    add_frame(300); add_desc(64'h0000_0000_0030_0000, 200);     // too small, kept
    add_frame(200); expect_dma(n_frames - 1, 64'h0000_0000_0030_0000, n_desc - 1);
    add_frame(100); add_desc(64'h0000_0000_0031_0004, 100);     // misaligned: bad
    expect_record(n_frames - 1, 0, n_desc - 1 + 1000, 1, n_desc - 1);
    add_frame(100); add_desc(64'h0000_0000_0032_0000, 0);       // zero length: bad
    expect_record(n_frames - 1, 0, n_desc - 1 + 1000, 1, n_desc - 1);
    wait_done(5000);
    stats(nok + 1, 0, 1, 2, 0);
    d_empty = 1;
    add_frame(64); add_frame(65);                              // no descriptor
    wait_done(5000);
    stats(nok + 1, 2, 1, 2, 0);
    q_halted = 1; d_empty = 0;
    add_frame(64);
    wait_done(5000);
    q_halted = 0; q_enable = 0;
    add_frame(1500);
    wait_done(5000);
    stats(nok + 1, 2, 1, 2, 2);
    nok = nok + 1;

    // ------------- completion ring full, BME low
    $display("completion ring full, BME low");
    q_enable = 1; cprod = 0;                // indices restart on enable
    @(posedge clk);
    q_cpl_log_size = 2; q_cpl_cons = 0;
    for (i = 0; i < 6; i = i + 1) begin
        add_frame(60 + i); add_desc(64'h0000_0000_0040_0000 + i * 4096, 2048);
    end
    for (i = 0; i < 4; i = i + 1) expect_dma(n_frames - 6 + i, 64'h0000_0000_0040_0000 + i * 4096, n_desc - 6 + i);
    repeat (300) @(posedge clk);
    if (n_got != n_exp) fail("first 4 frames not written");
    for (i = 4; i < 6; i = i + 1) expect_dma(n_frames - 6 + i, 64'h0000_0000_0040_0000 + i * 4096, n_desc - 6 + i);
    repeat (200) @(posedge clk);
    if (n_got != n_exp - 4) fail("wrote past a full completion ring");
    bme = 0;
    q_cpl_cons = 4;
    repeat (200) @(posedge clk);
    if (n_got != n_exp - 4) fail("wrote with BME low");
    bme = 1;
    wait_done(5000);
    nok = nok + 6;
    stats(nok, 2, 1, 2, 2);

    // ------------- disable in the middle of a frame
    $display("disable mid-frame");
    q_cpl_log_size = 15; q_cpl_cons = 0;
    q_enable = 0; @(posedge clk); q_enable = 1; cprod = 0;
    mps_n = 0;
    t_ready = 0;
    add_frame(2000); add_desc(64'h0000_0000_0050_0000, 2048);
    f0 = n_frames - 1;
    // the first TLP (128 bytes, 8 beats) is started, the rest of the frame is drained
    e_hdr[n_exp] = mk_hdr(64'h0000_0000_0050_0000, 32, 4'hF, 4'hF); e_beats[n_exp] = 8;
    e_frame[n_exp] = f0; e_off[n_exp] = 0; n_exp = n_exp + 1;
    add_frame(100); add_desc(64'h0000_0000_0051_0000, 2048);   // after re-enable: normal
    repeat (20) @(posedge clk);
    t_ready = 1;
    @(posedge clk);
    q_enable = 0;
    i = 0;
    while (i < 2000 && wf != n_frames) begin @(posedge clk); i = i + 1; end
    repeat (10) @(posedge clk);
    if (wf != n_frames || n_got != n_exp) fail("aborted frame not drained");
    if (n_abort != 1) fail("aborted frame not counted");
    if (n_dis != 3) fail("frame while disabled not dropped");
    // the second frame was dropped while disabled: its descriptor is still offered
    q_enable = 1; cprod = 0;
    add_frame(100);
    expect_dma(n_frames - 1, 64'h0000_0000_0051_0000, n_desc - 1);
    wait_done(5000);
    if (n_ok != nok + 1) fail("frame after re-enable");


    // ================================================================ split / scatter / VLAN strip
    $display("split: memory-model checker (seed %0d)", rseed);
    wait_done(5000);
    q_cpl_log_size = 15; q_cpl_cons = 0; d_empty = 0; mps_n = 1;
    q_hdr_base = 64'h0000_0000_0080_0000; q_hdr_count = 64;
    sec_begin;

    // ---- every mode x threshold, frames of every kind
    $display("split: modes (never/always/tcp-udp/reserved) x threshold");
    for (m = 0; m < 8; m = m + 1) begin
        q_rx_cfg = rxcfg(m % 4, 0, 0, 7, (m >= 4) ? 100 : 0);
        @(posedge clk);
        for (i = 0; i < 9; i = i + 1) add_hdesc(64'h0000_0000_0100_0000 + (n_desc % 512) * 4096, 2048, $random(rseed) & 63);
        add_sframe(200, 0, 1, 1, 0, 54);        // IPv4 TCP
        add_sframe(64, 0, 1, 2, 0, 42);         // IPv4 UDP, small
        add_sframe(300, 0, 1, 3, 0, 34);        // IPv4 other protocol
        add_sframe(300, 0, 2, 3, 1, 54);        // IPv6 fragment
        add_sframe(300, 0, 1, 1, 4, 54);        // malformed
        add_sframe(300, 0, 1, 1, 8, 54);        // depth limit
        add_sframe(90, 0, 0, 0, 0, 0);          // not IP
        add_sframe(60, 0, 2, 1, 0, 74);         // payload offset beyond L
        add_sframe(1500, 0, 2, 2, 0, 62);       // IPv6 UDP
        sec_done(20000);
    end

    // ---- header buffer exactly full / one byte over, with and without strip
    $display("split: header exactly filling / overflowing, strip");
    for (m = 0; m < 2; m = m + 1) begin
        q_rx_cfg = rxcfg(1, 0, m, 6, 0);
        @(posedge clk);
        for (i = 0; i < 8; i = i + 1) add_hdesc(64'h0000_0000_0100_0000 + (n_desc % 512) * 4096, 2048, $random(rseed) & 63);
        add_sframe(200, 0, 1, 1, 0, 64);        // hdr 64: split
        add_sframe(200, 0, 1, 1, 0, 65);        // 65: overflow
        add_sframe(200, 1, 1, 1, 0, 68);        // tagged: 68 - 4 = 64 when stripped
        add_sframe(200, 1, 1, 1, 0, 69);
        add_sframe(200, 2, 1, 1, 0, 66);        // QinQ
        add_sframe(64, 0, 1, 1, 0, 64);         // zero-length payload
        add_sframe(68, 1, 1, 1, 0, 68);         // zero-length payload, tagged
        add_sframe(99, 1, 0, 0, 0, 0);          // tagged, not IP
        sec_done(20000);
    end

    // ---- threshold: small frames whole into the header buffer (with strip)
    $display("split: threshold, small frames");
    for (m = 0; m < 2; m = m + 1) begin
        q_rx_cfg = rxcfg(2, 1, m, 7, 128);
        @(posedge clk);
        for (i = 0; i < 8; i = i + 1) add_hdesc(64'h0000_0000_0100_0000 + (n_desc % 512) * 4096, 1024, $random(rseed) & 63);
        add_sframe(128, 0, 1, 1, 0, 54);
        add_sframe(129, 0, 1, 1, 0, 54);
        add_sframe(132, 1, 1, 1, 0, 58);        // 128 once stripped
        add_sframe(60, 0, 0, 0, 0, 0);
        add_sframe(64, 1, 1, 3, 0, 38);         // other protocol: small
        add_sframe(1000, 1, 1, 3, 0, 38);       // tcp-udp mode: not eligible
        add_sframe(18, 1, 0, 0, 0, 0);          // shortest strippable
        add_sframe(17, 0, 0, 0, 0, 0);
        sec_done(20000);
    end

    // ---- payload exactly filling a data buffer, one over (no scatter: too small)
    $display("split: data buffer exactly full, too small without scatter");
    q_rx_cfg = rxcfg(1, 0, 0, 7, 0);
    @(posedge clk);
    add_hdesc(64'h0000_0000_0100_0000, 1000, 3);
    add_hdesc(64'h0000_0000_0100_1000, 1000, 4);
    add_hdesc(64'h0000_0000_0100_2000, 1001, 5);
    add_sframe(1054, 0, 1, 1, 0, 54);       // payload 1000: fits
    add_sframe(1055, 0, 1, 1, 0, 54);       // 1001: too small, kept
    add_sframe(1055, 0, 1, 1, 0, 54);       // still too small for it (1000)
    sec_done(20000);
    q_rx_cfg = rxcfg(0, 0, 0, 7, 0);
    @(posedge clk);
    add_hdesc(64'h0000_0000_0100_3000, 1000, 5);
    add_sframe(1000, 0, 1, 1, 0, 54);       // never: whole frame into 1000
    add_sframe(1002, 0, 1, 1, 0, 54);       // then into 1001? no: 1002 > 1001
    add_sframe(1001, 0, 1, 1, 0, 54);
    sec_done(20000);

    // ---- scatter: every header length mod 16, 2..5 buffers, odd lengths, MPS 128/256
    $display("split: scatter over 2..5 buffers, every header length mod 16");
    for (ri = 0; ri < 2; ri = ri + 1) begin
        mps_n = ri;
        for (m = 0; m < 3; m = m + 1) begin
            q_rx_cfg = rxcfg(m == 2 ? 0 : 1, 1, m == 1, 8, 0);
            @(posedge clk);
            // buffers of 256..271 bytes: cap 256 (all posted before the frames)
            for (i = 0; i < 16 * 4; i = i + 1)
                for (rj = 0; rj < 2 + i % 4; rj = rj + 1)
                    add_hdesc(64'h0000_0000_0200_0000 + (n_desc % 1024) * 1024, 256 + (rj * 5 + i) % 16, $random(rseed) & 63);
            for (i = 0; i < 16 * 4; i = i + 1) begin
                len = 48 + i % 16 + 4 * (m == 1);
                add_sframe(len + (1 + i % 4) * 256 + 1 + 2 * ($random(rseed) & 127), m == 1, 1, 1, 0, len);
            end
            sec_done(100000);
        end
    end
    mps_n = 1;

    // ---- jumbo 9018 over 4 KiB buffers (unsplit / split / stripped), 4DW above 4 GiB
    $display("split: jumbo frames over 4 KiB buffers, 64-bit addresses");
    ring_reset;
    for (m = 0; m < 4; m = m + 1) begin
        mps_n = m;
        q_hdr_base = (m % 2) ? 64'h0000_0002_0000_0000 : 64'h0000_0000_0080_0000;
        q_rx_cfg = rxcfg(m % 2, 1, m >= 2, 8, 0);
        @(posedge clk);
        for (i = 0; i < 9; i = i + 1)
            add_hdesc(((i % 2) ? 64'h0000_0001_2345_0000 : 64'h0000_0000_0400_0000) + (n_desc % 64) * 8192, 4096, i);
        add_sframe(9018, 0, 1, 1, 0, 54);
        add_sframe(9018, 1, 1, 1, 0, 58);
        add_sframe(8192 + 54, 0, 1, 1, 0, 54);  // payload exactly 2 buffers
        sec_done(100000);
    end
    mps_n = 1; q_hdr_base = 64'h0000_0000_0080_0000;

    // ---- too few posted (dropped, kept), then enough
    $display("split: too few descriptors posted, bad descriptors");
    ring_reset;
    q_rx_cfg = rxcfg(1, 1, 0, 7, 0);
    @(posedge clk);
    add_hdesc(64'h0000_0000_0300_0000, 512, 1);
    add_hdesc(64'h0000_0000_0300_1000, 512, 2);
    add_sframe(54 + 1100, 0, 1, 1, 0, 54);  // needs 3: 2 posted
    sec_done(20000);
    add_hdesc(64'h0000_0000_0300_2000, 512, 3);
    add_sframe(54 + 1100, 0, 1, 1, 0, 54);  // now 3
    sec_done(20000);
    // bad head (misaligned), bad hdr_idx (used / not used), bad continuations
    add_hdesc(64'h0000_0000_0300_3008, 512, 1);     // misaligned head
    add_hdesc(64'h0000_0000_0300_4000, 512, 64);    // hdr_idx = count, header used
    add_hdesc(64'h0000_0000_0300_5000, 512, 1);
    add_hdesc(64'h0000_0000_0300_6004, 512, 1);     // misaligned continuation
    add_hdesc(64'h0000_0000_0300_7000, 512, 1);
    add_hdesc(64'h0000_0000_0300_8000, 512, 1);
    add_hdesc(64'h0000_0000_0300_9000, 100, 1);     // last one shorter than the rest
    add_hdesc(64'h0000_0000_0300_A000, 512, 1);
    add_hdesc(64'h0000_0000_0300_B000, 0, 1);       // LEN 0 continuation
    add_hdesc(64'h0000_0000_0300_C000, 512, 1);
    add_hdesc(64'h0000_0000_0300_D000, 256, 100);   // hdr_idx bad but header unused
    add_sframe(300, 0, 1, 1, 0, 54);
    add_sframe(300, 0, 1, 1, 0, 54);
    add_sframe(54 + 700, 0, 1, 1, 0, 54);   // 0x5000 then bad 0x6004
    add_sframe(54 + 1100, 0, 1, 1, 0, 54);  // 0x7000, 0x8000, 0x9000 short
    add_sframe(54 + 600, 0, 1, 1, 0, 54);   // 0xA000, LEN 0
    add_sframe(54 + 10, 0, 1, 1, 0, 54);    // 0xC000: fine
    add_sframe(200, 0, 0, 0, 0, 0);         // not IP: 0xD000, hdr_idx unchecked
    sec_done(20000);

    // ---- disable while a scatter waits for its next descriptor
    $display("split: disable mid-scatter");
    q_rx_cfg = rxcfg(0, 1, 0, 7, 0);
    t_ready = 1; gaps = 0;
    @(posedge clk);
    add_hdesc(64'h0000_0000_0310_0000, 512, 1);
    add_hdesc(64'h0000_0000_0310_1000, 512, 1);
    add_hdesc(64'h0000_0000_0310_2000, 512, 1);
    hold_desc = 1; hold_at = desc_i + 1;
    f0 = n_frames; i = n_abort;
    add_sframe(1400, 0, 1, 1, 0, 54);
    fout[f0] = O_ABORT; cprod = cprod - 1; m_ok = m_ok - 1;
    repeat (200) @(posedge clk);
    if (desc_i != hold_at) fail("head descriptor not taken");
    q_enable = 0;
    repeat (200) @(posedge clk);
    if (wf != n_frames) fail("aborted scatter not drained");
    if (n_abort != i + 1) fail("aborted scatter not counted");
    q_enable = 1; cprod = 0; hold_desc = 0;
    mdesc = desc_i;
    cf_start(n_frames);
    add_sframe(700, 0, 1, 1, 0, 54);        // takes the two held descriptors
    sec_done(20000);
    // the same with the queue halting (recovered by a disable: rings restart)
    add_hdesc(64'h0000_0000_0311_0000, 512, 1);
    add_hdesc(64'h0000_0000_0311_1000, 512, 1);
    add_hdesc(64'h0000_0000_0311_2000, 512, 1);
    hold_desc = 1; hold_at = desc_i + 1;
    f0 = n_frames; i = n_abort;
    add_sframe(1400, 1, 1, 1, 0, 58);
    fout[f0] = O_ABORT; cprod = cprod - 1; m_ok = m_ok - 1;
    repeat (200) @(posedge clk);
    if (desc_i != hold_at) fail("head descriptor not taken");
    q_halted = 1;
    repeat (200) @(posedge clk);
    if (wf != n_frames) fail("halted scatter not drained");
    if (n_abort != i + 1) fail("halted scatter not counted");
    q_halted = 0; hold_desc = 0;
    ring_reset;
    add_hdesc(64'h0000_0000_0312_0000, 2048, 1);
    add_sframe(700, 1, 1, 1, 0, 58);
    sec_done(20000);

    // ---- line rate: 64-byte frames back to back, split off / on
    $display("split: line rate, 64-byte frames");
    for (m = 0; m < 4; m = m + 1) begin
        q_rx_cfg = (m == 0) ? rxcfg(0, 0, 0, 7, 0) : (m == 1) ? rxcfg(1, 0, 0, 7, 0) :
                   (m == 2) ? rxcfg(1, 1, 0, 7, 100) : rxcfg(1, 1, 0, 7, 0);
        @(posedge clk);
        for (i = 0; i < 200; i = i + 1) add_hdesc(64'h0000_0000_0500_0000 + (n_desc % 512) * 2048, 2048, i % 64);
        @(posedge clk);
        t0 = cycle;
        // hdr 48 (3 beats + 1 data beat: as many beats as unsplit), or UDP (42)
        for (i = 0; i < 200; i = i + 1) add_sframe(64, 0, 1, (m == 3) ? 2 : 3, 0, (m == 3) ? 42 : 48);
        sec_done(20000);
        lr[m] = last_rec_cycle - t0;
        $display("  mode %0d: %0d cycles for 200 frames", m, lr[m]);
    end
    // unsplit: 4 data + 2 record beats per frame; split at 48: 3 + 1 + 2; small: 4 + 2;
    // UDP (header 42): 3 + 2 + 2 -- the streamer is the limit, never the scheduler
    if (lr[1] > lr[0] + 2 || lr[2] > lr[0] + 2) fail("split mode slows 64-byte frames down");
    if (lr[0] > 6 * 200 + 20 || lr[3] > 7 * 200 + 20) fail("streamer idles between 64-byte frames");

    // ---- randomized mix
    $display("split: randomized run (seed %0d, now %0d)", RSEED, rseed);
    rand_ready = 1; gaps = 1;
    for (ri = 0; ri < 40; ri = ri + 1) begin
        mps_n = $random(rseed) & 7;
        q_rx_cfg = rxcfg($random(rseed) & 3, ($random(rseed) & 3) != 0, $random(rseed) & 1, 5 + ($random(rseed) & 7),
                         (($random(rseed) & 1) ? 0 : $random(rseed) & 511));
        q_hdr_base = (($random(rseed) & 1) ? 64'h0000_0002_0000_0000 : 64'h0000_0000_0080_0000) + (($random(rseed) & 255) << 4);
        q_hdr_count = 1 + ($random(rseed) & 63);
        @(posedge clk);
        for (i = 0; i < 200; i = i + 1) begin
            rj = $random(rseed) & 15;
            len = (rj < 6) ? 64 + ($random(rseed) & 1023) : (rj < 12) ? 256 + ($random(rseed) & 4095) : 2048 + ($random(rseed) & 2047);
            if (($random(rseed) & 31) == 0) len = len | 1;
            ba = (($random(rseed) & 3) == 0 ? 64'h0000_0001_2345_0000 : 64'h0000_0000_0600_0000) + (n_desc % 2048) * 8192;
            if (($random(rseed) & 63) == 0) ba = ba + 8;               // misaligned
            if (($random(rseed) & 63) == 0) len = 0;
            add_hdesc(ba, len, ($random(rseed) & 63) == 0 ? q_hdr_count : ($random(rseed) & 16'hFFFF) % q_hdr_count);
        end
        for (i = 0; i < 100 && mdesc < n_desc; i = i + 1) begin
            rj = $random(rseed) & 3;                 // vlan tags (3: none)
            if (rj == 3) rj = 0;
            rk = $random(rseed) & 7;
            rl = ($random(rseed) & 3);               // l3: none, v4, v6
            if (rl == 3) rl = 1;
            rm = ($random(rseed) & 3);               // l4
            len = 14 + 4 * rj + (rl == 1 ? 20 + 4 * ($random(rseed) & 3) : rl == 2 ? 40 + 8 * ($random(rseed) & 7) : 0);
            len = len + (rl == 0 ? 0 : rm == 1 ? 20 + 4 * ($random(rseed) & 7) : rm == 2 ? 8 : 0);
            f0 = ($random(rseed) & 7) == 0 ? 9018 : ($random(rseed) & 1) ? 60 + ($random(rseed) & 127) : 60 + ($random(rseed) & 4095);
            if (f0 < len) f0 = len + ($random(rseed) & 15);
            add_sframe(f0, rj, rl, rl == 0 ? 0 : rm,
                       (rk == 0) ? 1 : (rk == 1) ? 4 : (rk == 2) ? 8 : 0,
                       (rl == 0) ? 0 : (($random(rseed) & 63) == 0 ? f0 + 1 : len));
        end
        sec_done(400000);
        if (errors) ri = 40;
    end
    rand_ready = 0; @(posedge clk); t_ready = 1; gaps = 0;
    $display("split: %0d frames delivered (%0d split, %0d header overflow), %0d too small, %0d bad descriptor",
             s_ok, s_split, s_ovf, n_sm, n_bad);

    if (errors) $fatal(1, "FAILED");
    $display("PASS");
    $finish;
end

initial begin
    #200_000_000;
    $fatal(1, "global timeout");
end

endmodule
