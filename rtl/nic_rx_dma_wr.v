`timescale 1ns / 1ps
`default_nettype none

/*
 * RX frame DMA write path shared by RX_QUEUES queues: per-frame decision,
 * header/data split, scatter, VLAN stripping (docs/split.md), TLP
 * segmentation and the beat streamer that turns FIFO words into MemWr TLPs,
 * followed by the 32-byte completion record.
 *
 * Frames are handled strictly in FIFO order. Each s_meta entry carries the
 * frame length and its metadata word (nic_rx_meta.vh); the frame goes to the
 * queue in the meta's QUEUE field (taken modulo 2^QW; a value >= RX_QUEUES
 * maps to queue 0). Per-queue inputs/outputs are flattened: queue q uses
 * bits [q*W +: W]; the head descriptor of every queue is offered in parallel
 * and only the frame's queue is consumed (s_desc_ready is a registered pop
 * strobe, a cycle after the descriptor was taken). Completion ring state
 * (allocation index) is kept per queue; the registered ring-full / phase /
 * slot values, the queue's split configuration, header pool and
 * posted-descriptor count are registered for the queue of the popped frame,
 * and the frame's plan (strip, header length, data length, SPLIT /
 * HDR_OVERFLOW) is registered from them: the decision waits three cycles
 * after a pop so all are fresh (the previous frame's scheduling covers that
 * wait but for minimum-size unsplit frames, below). The plan takes the three
 * cycles: the frame's own values (L - 4, L - H, the compares of L, L - 4, H,
 * H - 4 against every header buffer size 2^6..2^10) are registered in the
 * first, while the queue's configuration (and its header buffer size,
 * decoded one-hot per queue) is muxed in; the threshold and header-size
 * compares against that configuration in the second; the LEN compares and
 * the selects in the third.
 * The queue's head descriptor is registered every cycle and its checks (LEN
 * against the plan, BAD, header buffer) are registered from that: the
 * decision (and S_NEXT) waits until the descriptor has been at the head for
 * two cycles (costs a cycle or two only when it has just arrived; a fetch
 * engine's next descriptor, two cycles after a pop, is ready by the time the
 * next frame of the queue can be decided). The queue's enable / halt and the
 * head's valid / empty flags are also taken a cycle old: a disable or halt
 * in the cycle of a decision acts as one a cycle later (a frame decided then
 * is aborted like one already in flight), and the ring state (allocation
 * index, consumer index, size, base) is registered in two steps, the slot
 * address in three.
 *
 * Frame scheduler (one frame at a time, runs ahead of the streamer):
 *   pop a length + meta, plan it, then decide with the queue's head descriptor:
 *     queue disabled or halted          -> drain, stat_drop_disabled
 *     no descriptor and none can arrive -> drain, stat_drop_no_desc
 *     descriptor on its way             -> wait
 *     malformed head descriptor (also   -> (needs BME + completion slot)
 *       HDR_IDX >= Q_HDR_COUNT when the    consume, drain, completion with
 *       header buffer is used)             STATUS.BAD_DESC, stat_drop_bad_desc
 *     data longer than the head buffer  -> without SCATTER (or cap 0): drain,
 *                                          keep descriptors, too small;
 *                                          with SCATTER: count the buffers
 *                                          n = ceil(data_len / cap) by repeated
 *                                          subtraction (S_COUNT, one cycle per
 *                                          buffer: never longer than the
 *                                          streamer takes for the frame), then
 *                                          n > 255 or n > posted: too small
 *                                          (posted as registered a cycle
 *                                          before: it only grows meanwhile)
 *     otherwise                         -> (needs BME + completion slot)
 *                                          consume, DMA, completion record
 *   A frame is written as up to 1 + n segments, each a run of the virtual
 *   stream V (below) into one buffer from its offset 0: the header buffer
 *   Q_HDR_BASE + HDR_IDX << log (delivered bytes [0, hdr_len)), then data
 *   buffer k (descriptor k of the frame; the head one was popped at the
 *   decision, the others are popped in S_NEXT as the frame reaches them and
 *   checked there: aligned, LEN >= its share, else BAD_DESC: the rest of the
 *   frame is drained and the record says so).
 *   The segmenter splits each segment into MemWr TLPs: the first up to the
 *   next MPS-aligned address, the rest MPS-sized (MPS <= 4 KiB and buffers
 *   are 16-byte aligned, so no TLP crosses 4 KiB and every TLP starts on a
 *   16-byte address). It emits one command per TLP (PREP/PUSH, plus one UPD
 *   cycle to carry into address bits [63:12] between TLPs of a segment; the
 *   next segment is loaded in the last PUSH) into a small command FIFO.
 *   A minimum-size unsplit frame costs the scheduler 5 cycles (4 steps; the
 *   next meta is popped a cycle after the decision and planned for 3), a
 *   split one 6 (header TLP + data TLP), never more than the streamer needs
 *   for it (a 64-byte frame: 4 data beats and 2 record beats).
 *   Frames needing one descriptor release the meta at the decision (the next
 *   frame is planned meanwhile); scattered frames hold it until their last
 *   descriptor is popped, so the descriptor and config muxes stay on their
 *   queue.
 *
 * Byte realignment: V is the frame as received, except that when the outer
 * VLAN tag is stripped word 0 is replaced by word0 << 32, so V bytes [D, L)
 * (D = 4 when stripping, else 0) are exactly the delivered bytes. Every
 * segment is V bytes [S, S + len) with shift s = S mod 16; consecutive
 * segments are contiguous in V, and all TLPs of a segment share its shift
 * (their lengths are multiples of 16 but the last). Each DATA command carries
 * s, its last beat's byte count, a prime flag and a first-of-frame flag.
 *
 * Streamer: executes commands back to back with no idle cycles:
 *   DATA  - the beats of one MemWr. It keeps the most recently popped V word
 *           (hold). s = 0: a beat pops one FIFO word and outputs it. s != 0:
 *           a beat outputs ({next, hold} >> 8s)[127:0] and pops next only if
 *           its bytes pass the end of hold (always but, possibly, on a
 *           segment's last beat). Prime: the frame's first segment of a
 *           stripped frame starts at V byte 4, whose word was never popped:
 *           one beat pops word 0 into hold (<< 32) with no output. So every
 *           frame pops exactly ceil(L/16) words. The outer TCI is captured
 *           from word 0 as it is popped (first-of-frame command).
 *   DRAIN - consume FIFO words, no output (dropped frames, at full rate)
 *   CPL   - the 2-beat completion record MemWr; m_tlp_commit marks its eop
 *           beat so the top advances the exported indices when the record
 *           has left the engine. The second beat (DW4..7, with the checksum
 *           fields) waits for the checksum result of the frame whose data
 *           just left: valid 4 cycles after its last beat, a flop here
 *           (csum_ok_reg) from this engine's own tlast pop and
 *           s_csum_pend_tail, so the wait starts next to the handshake it
 *           holds back (a record right behind its data waits 2 cycles).
 * While a queue is disabled every queued command of that queue is marked
 * aborted: data TLPs not yet started run without output (their FIFO pops are
 * those of the TLP, so the realignment state stays right) and completion
 * records are skipped (stat_abort_disabled pulses for an aborted frame). A
 * TLP already started is always finished; busy[q] covers it. The abort flags
 * follow q_enable a cycle late, so a TLP may still start in the cycle
 * q_enable drops: busy[q] is also high while a command of q, not aborted,
 * waits at the head for its first beat. A scatter that
 * waits for its next descriptor when the queue is disabled or halts is
 * aborted the same way (rest drained, record skipped). m_tlp_queue names the
 * queue of every beat (the top routes the commit and the busy tracking with
 * it).
 *
 * Assumes TLP_DATA_WIDTH == 128 (FIFO word == TLP beat == 16 bytes).
 */
module nic_rx_dma_wr #(
    parameter TLP_DATA_WIDTH = 128,
    parameter RX_QUEUES = 8,
    parameter META_WIDTH = 88,
    parameter CMD_FIFO_DEPTH = 4,
    parameter CMD_AW = $clog2(CMD_FIFO_DEPTH),
    parameter QW = RX_QUEUES > 1 ? $clog2(RX_QUEUES) : 1
) (
    input  wire                       clk,
    input  wire                       rst,

    input  wire [TLP_DATA_WIDTH-1:0]  s_axis_tdata,
    input  wire                       s_axis_tvalid,
    output wire                       s_axis_tready,
    // only for the checksum result's wait (csum_ok_reg): the frame's words
    // are counted from its length
    input  wire                       s_axis_tlast,

    input  wire [15:0]                s_meta_len,
    input  wire [META_WIDTH-1:0]      s_meta_tdata,
    input  wire                       s_meta_tvalid,
    output wire                       s_meta_tready,

    input  wire [RX_QUEUES-1:0]       q_enable,
    input  wire [RX_QUEUES-1:0]       q_halted,
    input  wire [RX_QUEUES*64-1:0]    q_cpl_base,
    input  wire [RX_QUEUES*4-1:0]     q_cpl_log_size,
    input  wire [RX_QUEUES*16-1:0]    q_cpl_cons,
    // per-queue header pool and split configuration (flattened, queue q at [q*W +: W])
    input  wire [RX_QUEUES*64-1:0]    q_hdr_base,      // Q_HDR_BASE, bits [3:0] are 0
    input  wire [RX_QUEUES*16-1:0]    q_hdr_count,     // Q_HDR_COUNT
    input  wire [RX_QUEUES*32-1:0]    q_rx_cfg,        // raw Q_RX_CFG register

    input  wire [RX_QUEUES*64-1:0]    s_desc_addr,
    input  wire [RX_QUEUES*16-1:0]    s_desc_len,
    input  wire [RX_QUEUES*16-1:0]    s_desc_buf_id,
    input  wire [RX_QUEUES*16-1:0]    s_desc_idx,
    input  wire [RX_QUEUES-1:0]       s_desc_bad,
    input  wire [RX_QUEUES-1:0]       s_desc_valid,
    output wire [RX_QUEUES-1:0]       s_desc_ready,
    input  wire [RX_QUEUES-1:0]       s_desc_empty,
    // head descriptor extras from nic_desc_fetch
    input  wire [RX_QUEUES*16-1:0]    s_desc_hdr_idx,  // desc DW3[15:0]
    // descriptors posted and not yet consumed by this engine, the head
    // included (DESC_PROD - head index); updates 1 cycle after a pop
    input  wire [RX_QUEUES*16-1:0]    s_desc_avail,

    // checksum result of the most recently ended frame (nic_rx_csum): read
    // for a frame's completion record, whose second beat waits until it is
    // the last frame's (nic_rx_csum: a tlast beat taken 1 or 2 cycles ago)
    input  wire [1:0]                 s_csum_ip,
    input  wire [1:0]                 s_csum_l4,
    input  wire [15:0]                s_csum_complete,
    input  wire                       s_csum_pend_tail,

    input  wire [15:0]                cfg_requester_id,
    input  wire                       cfg_bus_master_enable,
    input  wire [2:0]                 cfg_max_payload_size,

    output wire [127:0]               m_tlp_hdr,
    output wire [TLP_DATA_WIDTH-1:0]  m_tlp_data,
    output wire                       m_tlp_sop,
    output wire                       m_tlp_eop,
    output wire                       m_tlp_commit,
    output wire [QW-1:0]              m_tlp_queue,
    output wire                       m_tlp_valid,
    input  wire                       m_tlp_ready,

    output wire [RX_QUEUES-1:0]       stat_frame_ok,
    output wire [15:0]                stat_frame_bytes,
    output wire [RX_QUEUES-1:0]       stat_drop_no_desc,
    output wire [RX_QUEUES-1:0]       stat_drop_buf_too_small,
    output wire [RX_QUEUES-1:0]       stat_drop_bad_desc,
    output wire [RX_QUEUES-1:0]       stat_drop_disabled,
    output wire [RX_QUEUES-1:0]       stat_abort_disabled,
    output wire [RX_QUEUES-1:0]       stat_split,        // pulse with stat_frame_ok: frame delivered with SPLIT
    output wire [RX_QUEUES-1:0]       stat_hdr_overflow, // pulse with stat_frame_ok: delivered with HDR_OVERFLOW

    // A MemWr TLP of queue q has started and must still finish: after
    // q_enable[q] drops, host memory stays a DMA target until busy[q] clears.
    output wire [RX_QUEUES-1:0]       busy
);

/* verilator lint_off UNUSEDPARAM */
`include "nic_spec.vh"
`include "nic_rx_meta.vh"
/* verilator lint_on UNUSEDPARAM */

// Record fields taken from the meta (everything but the queue), re-packed
// into len_meta_reg and the command FIFO: the one place that says where.
localparam integer RM_HASH = 0;         // 32: RSS hash
localparam integer RM_TYPE = 32;        // 4: RSS type
localparam integer RM_L3 = 36;          // 2: l3_type
localparam integer RM_L4 = 38;          // 2: l4_type
localparam integer RM_FLAGS = 40;       // 8: parse flags
localparam integer RM_VLAN = 48;        // 2: VLAN tags parsed
localparam integer RM_L3OFF = 50;       // 10
localparam integer RM_L4OFF = 60;       // 10
localparam integer RM_PAYOFF = 70;      // 10
localparam integer RM_W = 80;

/* verilator lint_off UNUSEDSIGNAL */
function [QW-1:0] qmap(input [7:0] qv);
    reg [QW-1:0] t;
    begin
        t = qv[QW-1:0];
        qmap = ({{(32-QW){1'b0}}, t} < RX_QUEUES) ? t : {QW{1'b0}};
    end
endfunction
/* verilator lint_on UNUSEDSIGNAL */

function [RX_QUEUES-1:0] onehot(input [QW-1:0] qi, input b);
    begin
        onehot = {RX_QUEUES{1'b0}};
        onehot[qi] = b;
    end
endfunction

// command kinds
localparam [1:0] K_DATA = 2'd0, K_DRAIN = 2'd1, K_CPL = 2'd2;

// command layout
localparam integer C_KIND = 0;               // 2
localparam integer C_BEATS = C_KIND + 2;     // 10: beats - 1
localparam integer C_ADDR = C_BEATS + 10;    // 60: address [63:4]
localparam integer C_4DW = C_ADDR + 60;      // 1
localparam integer C_DW = C_4DW + 1;         // 10: Length field
localparam integer C_FBE = C_DW + 10;        // 4
localparam integer C_LBE = C_FBE + 4;        // 4
localparam integer C_SHIFT = C_LBE + 4;      // 4: DATA: V offset of the segment mod 16
localparam integer C_LB = C_SHIFT + 4;       // 4: DATA: bytes in the last beat - 1
localparam integer C_PRIME = C_LB + 4;       // 1: DATA: pop word 0 (<< 32) into hold first
localparam integer C_FIRST = C_PRIME + 1;    // 1: DATA/DRAIN: the first pop is the frame's word 0
localparam integer C_CLEN = C_FIRST + 1;     // 16: record fields
localparam integer C_CBUF = C_CLEN + 16;     // 16
localparam integer C_CSTAT = C_CBUF + 16;    // 8
localparam integer C_CIDX = C_CSTAT + 8;     // 16
localparam integer C_CPHASE = C_CIDX + 16;   // 1
localparam integer C_CHLEN = C_CPHASE + 1;   // 12: HDR_LEN
localparam integer C_CDCNT = C_CHLEN + 12;   // 8: DESC_COUNT
localparam integer C_CLLEN = C_CDCNT + 8;    // 16: LAST_LEN
localparam integer C_CSPLIT = C_CLLEN + 16;  // 1
localparam integer C_COVF = C_CSPLIT + 1;    // 1
localparam integer C_CSTRIP = C_COVF + 1;    // 1
localparam integer C_Q = C_CSTRIP + 1;       // QW: queue
localparam integer C_META = C_Q + QW;        // RM_W: record fields from the meta
localparam integer CMD_W = C_META + RM_W;

// ---------------------------------------------------------------------------
// frame scheduler state
localparam [3:0] S_IDLE = 4'd0, S_PREP = 4'd1, S_PUSH = 4'd2, S_UPD = 4'd3, S_CPL = 4'd4, S_DRAIN = 4'd5,
                 S_COUNT = 4'd6, S_NEXT = 4'd7, S_BADC = 4'd8;

reg [3:0]   state_reg = S_IDLE;
// state_reg == S_IDLE, S_NEXT, S_PUSH, S_CPL, S_DRAIN (see state_next)
reg         st_idle_reg = 1'b1;
reg         st_next_reg = 1'b0;
reg         st_push_reg = 1'b0;
reg         st_cpl_reg = 1'b0;
reg         st_drain_reg = 1'b0;

reg         len_valid_reg = 1'b0;
reg [1:0]   len_age_reg = 2'd0;         // 3: registered queue state and plan are for len's frame
reg [15:0]  len_reg = 16'd0;
reg [QW-1:0] len_q_reg = {QW{1'b0}};           // rec_q, alloc_q, the allocation index
// Copies of the frame's queue, each driving a share of the per-queue muxes
// (several hundred bits in all: one register's fanout was a 3.5-5 ns net).
// Each differs from the others in encoding (one-hot; inverted), power-up
// value or reset, so yosys' opt_merge cannot fold them back into one; all
// load together at a meta pop, and no queue is looked at before the first.
reg [RX_QUEUES-1:0] len_qoh_reg = {{(RX_QUEUES-1){1'b0}}, 1'b1};  // one-hot: per-queue flags
reg [QW-1:0] len_qa_reg = {QW{1'b1}};      // head descriptor address [31:0]
reg [QW-1:0] len_qan_reg = {QW{1'b0}};     // inverted: head descriptor address [63:32]
reg [QW-1:0] len_qbn_reg = {QW{1'b1}};     // inverted: head descriptor LEN, ids, header index
reg [QW-1:0] len_qc_reg = {QW{1'b0}};      // with reset: completion ring
reg [QW-1:0] len_qdn_reg = {QW{1'b1}};     // inverted, with reset: split config, header count, avail
reg [QW-1:0] len_qe_reg = {QW{1'b1}};      // with reset: header pool base
reg [RM_W-1:0] len_meta_reg = {RM_W{1'b0}};

reg [15:0]  cpl_alloc_reg [0:RX_QUEUES-1];
reg         alloc_inc_reg = 1'b0;       // a completion slot was taken (applied a cycle late)
reg [QW-1:0] alloc_q_reg = {QW{1'b0}};
reg [15:0]  alloc_val_reg = 16'd0;
reg         cpl_full_reg = 1'b0;
reg         cpl_phase_reg = 1'b1;
reg [63:0]  cpl_slot_addr_reg = 64'd0;
reg [21:0]  slot_lo_reg = 22'd0;
reg [42:0]  slot_hi_reg = 43'd0;
reg [42:0]  slot_hi_p1_reg = 43'd0;

// the popped frame's queue, registered (per-queue muxes kept off the decision path)
reg [31:0]  cfg_reg = 32'd0;
// the queue's header buffer size 2^(HDR_LOG_SIZE_MIN + i), one-hot (clamped
// HDR_LOG_SIZE decoded per queue ahead of the mux)
localparam integer HS_N = HDR_LOG_SIZE_MAX - HDR_LOG_SIZE_MIN + 1;
reg [HS_N-1:0] hsel_reg = {{(HS_N-1){1'b0}}, 1'b1};
reg [63:0]  hdr_base_reg = 64'd0;
reg [15:0]  hdr_count_reg = 16'd0;
reg [15:0]  avail_reg = 16'd0;
// The selected queue's head descriptor, registered every cycle (hd_*): the
// head of the previous cycle, so the head now when desc_seen_reg.
reg [63:0]  hd_addr_reg = 64'd0;
reg [12:0]  hd_room_reg = 13'd0;        // room_of(hd_addr_reg) a cycle later: valid when desc_seen2_reg
reg [15:0]  hd_len_reg = 16'd0;
reg [15:0]  hd_buf_id_reg = 16'd0;
reg [15:0]  hd_idx_reg = 16'd0;
reg [15:0]  hd_hdr_idx_reg = 16'd0;
reg         hd_bad_reg = 1'b0;
// the same descriptor was at the head in the previous cycle (desc_seen_reg),
// in the two previous cycles (desc_seen2_reg: the checks below, registered
// from hd_*, are valid; the decision and S_NEXT wait for it)
reg         desc_seen_reg = 1'b0;
reg         desc_seen2_reg = 1'b0;
// the queue's enable / halt and the head's valid / empty flags, registered
// (the previous cycle's values): the decision starts from flops only
reg         dis_reg = 1'b1;
reg         dvalid_reg = 1'b0;
reg         dempty_reg = 1'b0;
// from the head descriptor (hd_*), registered: valid when desc_seen2_reg
// header buffer address Q_HDR_BASE + HDR_IDX << log, carry-select: the
// offset (< 2^26, bits [5:0] zero) is added to base bits [25:6]; bits
// [63:26] are base or base + 1 (both registered), picked by the carry
reg [20:0]  hdr_lo_reg = 21'd0;         // {carry, address bits [25:6]}
reg [37:0]  hdr_hi_reg = 38'd0;
reg [37:0]  hdr_hi_p1_reg = 38'd0;
reg         hdr_bad_reg = 1'b0;
reg         desc_bad_reg = 1'b0;
reg         fits_reg = 1'b0;            // the plan's data length <= the descriptor's LEN
reg         cap_nz_reg = 1'b0;          // LEN >= 16 (scatter possible)
reg         nx_short_reg = 1'b0;        // LEN < nx_share_reg (S_NEXT)
// s_desc_ready: the pop leaves as a registered strobe, a cycle after the
// take (the decision stays off the fetch engines' head-register enables)
reg [RX_QUEUES-1:0] desc_pop_reg = {RX_QUEUES{1'b0}};

// The frame's plan (docs/split.md steps 1-3) in three register steps. Step 1
// (pv_*, every cycle from len_*: fresh the cycle after a meta pop while the
// queue's configuration is muxed into cfg_reg / hsel_reg): everything that
// depends on the frame alone, the compares against each possible header
// buffer size included. Step 2a (pa_*): the compares against the threshold
// and the queue's header buffer size. Step 2b (plan_*, fits_reg): the
// compares against the head descriptor's LEN, and the selects.
reg         pv_vlan18_reg = 1'b0;       // VLAN tag parsed and L >= 18 (strip if enabled)
reg [15:0]  pv_len4_reg = 16'd0;        // L - 4
reg         pv_point_reg = 1'b0;        // the parser's split point is usable
reg         pv_tu_reg = 1'b0;           // TCP or UDP
reg [15:0]  pv_sdata_reg = 16'd0;       // L - H
reg [10:0]  pv_hd4_reg = 11'd0;         // H - 4 (11 bits)
reg         pv_hd4_nz_reg = 1'b0;       // H != 4
reg         pv_hd0_nz_reg = 1'b0;       // H != 0
reg [HS_N-1:0] pv_le0_reg = {HS_N{1'b0}};   // L <= 2^(MIN + i)
reg [HS_N-1:0] pv_le4_reg = {HS_N{1'b0}};   // L - 4 <= 2^(MIN + i) (16-bit difference)
reg [HS_N-1:0] pv_hle0_reg = {HS_N{1'b0}};  // H <= 2^(MIN + i)
reg [HS_N-1:0] pv_hle4_reg = {HS_N{1'b0}};  // H - 4 <= 2^(MIN + i) (16-bit difference)
reg         plan_strip_reg = 1'b0;
reg [15:0]  plan_lenp_reg = 16'd0;      // L'
reg [10:0]  plan_hdr_len_reg = 11'd0;
reg         plan_use_hdr_reg = 1'b0;
reg [15:0]  plan_data_len_reg = 16'd0;
reg         plan_split_reg = 1'b0;
reg         plan_ovf_reg = 1'b0;

// descriptor count of a scattered frame (S_COUNT)
reg         cnt_done_reg = 1'b0;
reg         cnt_big_reg = 1'b0;
reg [7:0]   cnt_n_reg = 8'd0;
reg [15:0]  cnt_rem_reg = 16'd0;
// cnt_rem_reg <= cap_reg and cnt_n_reg == MAX_SCATTER_BUFS, each registered
// with the value it judges (computed from that value's own operands), so
// S_COUNT's step and its exit are a LUT from flops, not behind a 16-bit compare
reg         cnt_le_reg = 1'b1;
reg         cnt_max_reg = 1'b0;
reg [7:0]   cnt_nres_reg = 8'd0;        // the count's result: buffers
reg [15:0]  cnt_last_reg = 16'd0;       // and bytes in the last one
reg [15:0]  cap_reg = 16'd0;
// the count's result <= the posted descriptors, registered: avail_reg a cycle
// old (it only grows meanwhile: this engine's last pop was >= 4 cycles before)
reg         cnt_fit_reg = 1'b0;

// the decided frame's data segments
reg [7:0]   n_reg = 8'd0;               // data buffers (descriptors) of the frame
reg [7:0]   seg_k_reg = 8'd0;           // data segment being written
reg [15:0]  last_len_reg = 16'd0;       // bytes in the last data buffer
reg [15:0]  len0_reg = 16'd0;           // bytes in data buffer 0
reg [63:0]  dbuf_addr_reg = 64'd0;      // data buffer 0 (head descriptor)
reg [12:0]  dbuf_room_reg = 13'd0;
reg [3:0]   dshift_reg = 4'd0;          // V shift of every data segment
reg         data_nz_reg = 1'b0;         // data_len != 0
reg         seg_hdr_reg = 1'b0;         // current segment is the header buffer
reg [15:0]  nx_share_reg = 16'd0;       // bytes the next descriptor must take
reg         nx_last_reg = 1'b0;         // seg_k_reg + 2 == n_reg: the next descriptor is the frame's last
reg         seg_more_reg = 1'b0;        // seg_k_reg + 1 != n_reg: data buffers follow this one
reg         nx_took_reg = 1'b0;         // S_NEXT took a good descriptor: count it in PREP
reg         nx_badf_reg = 1'b0;         // S_NEXT found a bad descriptor: BAD_DESC record
reg [15:0]  vend_reg = 16'd0;           // V end of the segments loaded so far
reg [11:0]  words_m1_reg = 12'd0;       // the frame's FIFO words - 1

// segmenter
reg [63:0]  seg_addr_reg = 64'd0;
reg [15:0]  seg_rem_reg = 16'd0;
reg [12:0]  seg_room_reg = 13'd0;
reg [1:0]   seg_len_lo_reg = 2'd0;
reg [3:0]   seg_shift_reg = 4'd0;
reg         seg_prime_reg = 1'b0;
reg         seg_first_reg = 1'b0;
reg         seg_carry_reg = 1'b0;
reg         seg_abort_reg = 1'b0;
reg         seg_cpl_after_reg = 1'b0;
reg [9:0]   seg_drain_m1_reg = 10'd0;

reg         tlp_last_reg = 1'b0;
reg [9:0]   tlp_dw_reg = 10'd0;
reg [9:0]   tlp_beats_m1_reg = 10'd0;
reg [3:0]   tlp_fbe_reg = 4'd0;
reg [3:0]   tlp_lbe_reg = 4'd0;
reg [3:0]   tlp_lb_reg = 4'd0;
reg         tlp_4dw_reg = 1'b0;
reg         tlp_b0_reg = 1'b0;          // tlp_beats_m1_reg == 0
reg         tlp_b1_reg = 1'b0;          // tlp_beats_m1_reg == 1
reg         tlp_shend_reg = 1'b0;       // seg_shift_reg + tlp_lb_reg >= 16
reg         drain_b0_reg = 1'b0;        // seg_drain_m1_reg == 0
reg         drain_b1_reg = 1'b0;        // seg_drain_m1_reg == 1
reg         rec_ok_reg = 1'b1;          // rec_status_reg == 0

// completion record fields for the current frame
reg [15:0]  rec_len_reg = 16'd0;
reg [15:0]  rec_buf_id_reg = 16'd0;
reg [7:0]   rec_status_reg = 8'd0;
reg [15:0]  rec_idx_reg = 16'd0;
reg         rec_phase_reg = 1'b0;
reg [11:0]  rec_hlen_reg = 12'd0;
reg [7:0]   rec_dcnt_reg = 8'd0;
reg [15:0]  rec_llen_reg = 16'd0;
reg         rec_split_reg = 1'b0;
reg         rec_ovf_reg = 1'b0;
reg         rec_strip_reg = 1'b0;
/* verilator lint_off UNUSEDSIGNAL */
reg [63:0]  rec_addr_reg = 64'd0;
/* verilator lint_on UNUSEDSIGNAL */
reg         rec_4dw_reg = 1'b0;
reg [QW-1:0] rec_q_reg = {QW{1'b0}};
reg [RM_W-1:0] rec_meta_reg = {RM_W{1'b0}};

reg [RX_QUEUES-1:0] stat_no_desc_reg = {RX_QUEUES{1'b0}};
reg [RX_QUEUES-1:0] stat_too_small_reg = {RX_QUEUES{1'b0}};
reg [RX_QUEUES-1:0] stat_bad_desc_reg = {RX_QUEUES{1'b0}};
reg [RX_QUEUES-1:0] stat_disabled_reg = {RX_QUEUES{1'b0}};

// command FIFO
// (cmd_mem: CMD_SL distributed RAMs below, each with its own copy of the
// read pointer: one pointer drove ~70 RAM read addresses, a 2.8 ns net)
localparam integer CMD_SL = 4;
localparam integer CMD_SW = (CMD_W + CMD_SL - 1) / CMD_SL;
// The streamer's control fields of each entry also sit in flops, and those of
// the head entry in hc_reg, loaded in the cycle the head changes: the stream
// handshakes (s_axis_tready, the hold register's enable, pop) start from
// flops instead of the RAM read.
localparam integer HC_KIND = 0;              // 2
localparam integer HC_BEATS = HC_KIND + 2;   // 10
localparam integer HC_SHU = HC_BEATS + 10;   // 4: DATA: (shift - 1) mod 16, the output select
localparam integer HC_SHEND = HC_SHU + 4;  // 1: shift + last-beat bytes > 16
localparam integer HC_PRIME = HC_SHEND + 1;  // 1
localparam integer HC_FIRST = HC_PRIME + 1;  // 1
localparam integer HC_B0 = HC_FIRST + 1;     // 1: beats - 1 == 0
localparam integer HC_SH0 = HC_B0 + 1;       // 1: shift == 0
localparam integer HC_OK = HC_SH0 + 1;       // 1: CPL: STATUS == 0 (record fields below, for the statistics)
localparam integer HC_SPLIT = HC_OK + 1;     // 1: CPL: SPLIT
localparam integer HC_OVF = HC_SPLIT + 1;    // 1: CPL: HDR_OVERFLOW
localparam integer HC_B1 = HC_OVF + 1;       // 1: beats - 1 == 1
localparam integer HC_Q = HC_B1 + 1;         // QW
localparam integer HC_W = HC_Q + QW;
reg [HC_W-1:0]           cmd_ctl_reg [0:CMD_FIFO_DEPTH-1];
reg [HC_W-1:0]           hc_reg = {HC_W{1'b0}};
reg [CMD_FIFO_DEPTH-1:0] cmd_abort_reg = 0;
reg [QW-1:0]             cmd_q_reg [0:CMD_FIFO_DEPTH-1];
reg [CMD_AW:0]           cmd_wr_ptr_reg = 0;
reg [CMD_AW:0]           cmd_rd_ptr_reg = 0;
reg                      cmd_full_reg = 1'b0;   // cmd_wr_ptr_reg - cmd_rd_ptr_reg == CMD_FIFO_DEPTH
// the FIFO level cmd_wr_ptr_reg - cmd_rd_ptr_reg, one-hot (bit k: level k):
// the head bypass and the flags test a flop, not a pointer difference
reg [CMD_FIFO_DEPTH:0]   lvl_reg = {{CMD_FIFO_DEPTH{1'b0}}, 1'b1};
// the head entry's state in flops (the stream handshakes start from them,
// not from pointer compares, the beat counter or the per-entry abort mux):
// hv_reg = FIFO not empty, first_reg = cnt_reg == 0, last_reg = cnt_reg ==
// the head's beats - 1, habort_reg = cmd_abort_reg of the head entry
reg                      hv_reg = 1'b0;
reg                      first_reg = 1'b1;
reg                      last_reg = 1'b0;
reg                      lbs_reg = 1'b0;       // cnt_reg + 1 == the head's beats - 1
reg                      habort_reg = 1'b0;
// the head beat's flags (see the streamer): exact functions of the state
// above, registered
reg                      is_data_reg = 1'b0;
reg                      is_drain_reg = 1'b0;
reg                      is_cpl_reg = 1'b0;
reg                      prime_beat_reg = 1'b0;
reg                      need_pop_reg = 1'b1;
reg                      eff_abort_reg = 1'b0;
reg                      rdy_a_reg = 1'b0;     // s_axis_tready whatever m_tlp_ready
reg                      rdy_b_reg = 1'b0;     // s_axis_tready if m_tlp_ready
reg                      hld_a_reg = 1'b0;     // hold_reg loads on s_axis_tvalid whatever m_tlp_ready

// streamer
reg [9:0]   cnt_reg = 10'd0;
reg         cur_abort_reg = 1'b0;
reg         primed_reg = 1'b0;
reg [127:8] hold_reg = 120'd0;         // byte 0 is never output (shift >= 1 reads hold)
reg [15:0]  tci_reg = 16'd0;
reg [RX_QUEUES-1:0] stat_ok_reg = {RX_QUEUES{1'b0}};
reg [RX_QUEUES-1:0] stat_split_reg = {RX_QUEUES{1'b0}};
reg [RX_QUEUES-1:0] stat_ovf_reg = {RX_QUEUES{1'b0}};
reg [15:0]  stat_bytes_reg = 16'd0;
reg [RX_QUEUES-1:0] stat_abort_reg = {RX_QUEUES{1'b0}};

assign s_meta_tready = !len_valid_reg;

assign stat_frame_ok = stat_ok_reg;
assign stat_frame_bytes = stat_bytes_reg;
assign stat_drop_no_desc = stat_no_desc_reg;
assign stat_drop_buf_too_small = stat_too_small_reg;
assign stat_drop_bad_desc = stat_bad_desc_reg;
assign stat_drop_disabled = stat_disabled_reg;
assign stat_abort_disabled = stat_abort_reg;
assign stat_split = stat_split_reg;
assign stat_hdr_overflow = stat_ovf_reg;

// ---------------------------------------------------------------------------
// the popped frame's queue: configuration and head descriptor
wire [QW-1:0] dq = len_q_reg;
wire [QW-1:0] dq_a = len_qa_reg;
wire [QW-1:0] dq_an = ~len_qan_reg;
wire [QW-1:0] dq_b = ~len_qbn_reg;
wire [QW-1:0] dq_e = len_qe_reg;
wire [QW-1:0] dq_c = len_qc_reg;
wire [QW-1:0] dq_d = ~len_qdn_reg;
wire [RX_QUEUES-1:0] dq_oh = len_qoh_reg;
wire        d_enable = |(q_enable & dq_oh);
wire        d_halted = |(q_halted & dq_oh);
// The completion ring base's mux (64 bits of 8:1) has copies of the queue
// of its own, one per 16 bits: with len_qc_reg alone driving it and the ring
// state below, that one register's fanout net was the engine's worst path
// (9-10 ns of routing in nic_rx_engine). `keep`: the copies stay apart.
localparam integer CB_SLICES = 4;
wire [63:0] d_cpl_base;
genvar gcb;
generate
    for (gcb = 0; gcb < CB_SLICES; gcb = gcb + 1) begin : g_cb_sel
        reg [QW-1:0] sel_reg = {QW{1'b0}};
        (* keep *) always @(posedge clk) begin
            if (s_meta_tvalid && s_meta_tready) begin
                sel_reg <= qmap(s_meta_tdata[META_QUEUE_LSB +: 8]);
            end
        end
        assign d_cpl_base[gcb*16 +: 16] = q_cpl_base[sel_reg*64 + gcb*16 +: 16];
    end
endgenerate
wire [3:0]  d_cpl_log = q_cpl_log_size[dq_c*4 +: 4];
wire [15:0] d_cpl_cons = q_cpl_cons[dq_c*16 +: 16];
wire [15:0] d_cpl_alloc = cpl_alloc_reg[dq_c];
wire [63:0] d_desc_addr = {s_desc_addr[dq_an*64 + 32 +: 32], s_desc_addr[dq_a*64 +: 32]};
wire [15:0] d_desc_len = s_desc_len[dq_b*16 +: 16];
wire [15:0] d_desc_buf_id = s_desc_buf_id[dq_b*16 +: 16];
wire [15:0] d_desc_idx = s_desc_idx[dq_b*16 +: 16];
wire [15:0] d_desc_hdr_idx = s_desc_hdr_idx[dq_b*16 +: 16];
wire        d_desc_bad = |(s_desc_bad & dq_oh);
wire        d_desc_valid = |(s_desc_valid & dq_oh);
wire        d_desc_empty = |(s_desc_empty & dq_oh);

// ---------------------------------------------------------------------------
// completion ring bookkeeping (registered in two steps, the queue's values
// then the ring state, refreshed every cycle for the popped frame's queue;
// the ring-full flag and the slot address a step more; the scheduler never decides within 4
// cycles of an allocation decision, nor in the 3 cycles after a pop, so all
// steps are fresh by then)
reg [63:0]  rq_cpl_base_reg = 64'd0;
reg [3:0]   rq_cpl_log_reg = 4'd0;
reg [15:0]  rq_cpl_cons_reg = 16'd0;
reg [15:0]  rq_cpl_alloc_reg = 16'd0;

wire [15:0] cpl_size16 = 16'd1 << rq_cpl_log_reg;
wire [15:0] cpl_mask = cpl_size16 - 16'd1;
wire [15:0] cpl_count = rq_cpl_alloc_reg - rq_cpl_cons_reg;
// records in the ring and the mask of the counts that mean "full"
// (>= size), registered: the subtraction and the full test in separate
// steps (their chain, spread between the ring state and the decision, was
// the core's worst path on one seed)
reg [15:0]  cpl_count_reg = 16'd0;
reg [15:0]  cpl_over_mask_reg = 16'd0;

always @(posedge clk) begin
    rq_cpl_base_reg <= d_cpl_base;
    rq_cpl_log_reg <= d_cpl_log;
    rq_cpl_cons_reg <= d_cpl_cons;
    rq_cpl_alloc_reg <= d_cpl_alloc;
    cpl_count_reg <= cpl_count;
    cpl_over_mask_reg <= ~cpl_mask;
    cpl_full_reg <= |(cpl_count_reg & cpl_over_mask_reg);
    cpl_phase_reg <= !(|(rq_cpl_alloc_reg & cpl_size16));
    // slot address = base + (alloc & mask) << 5 in two steps: the offset
    // (< 2^21) added to base bits [20:0], bits [63:21] base or base + 1
    slot_lo_reg <= {1'b0, rq_cpl_base_reg[20:0]} + {1'b0, rq_cpl_alloc_reg & cpl_mask, 5'd0};
    slot_hi_reg <= rq_cpl_base_reg[63:21];
    slot_hi_p1_reg <= rq_cpl_base_reg[63:21] + 43'd1;
    cpl_slot_addr_reg <= {slot_lo_reg[21] ? slot_hi_p1_reg : slot_hi_reg, slot_lo_reg[20:0]};
end

// ---------------------------------------------------------------------------
// split configuration and plan (docs/split.md steps 1-3)
wire [1:0]  cfg_mode = cfg_reg[RX_CFG_MODE_SHIFT +: RX_CFG_MODE_W];
wire        cfg_scatter = cfg_reg[RX_CFG_SCATTER_BIT];
wire        cfg_strip = cfg_reg[RX_CFG_VLAN_STRIP_BIT];
wire [11:0] cfg_thresh = cfg_reg[RX_CFG_THRESH_SHIFT +: RX_CFG_THRESH_W];
// mode 3 is reserved and behaves as NEVER
wire        cfg_active = (cfg_mode == SPLIT_ALWAYS[1:0]) || (cfg_mode == SPLIT_TCP_UDP[1:0]);

// each queue's header buffer size, clamped to [MIN, MAX] and one-hot
// (hsel_reg muxes it like cfg_reg)
function [HS_N-1:0] hsel_of(input [3:0] hlog_raw);
    reg [3:0] t;
    begin
        t = (hlog_raw < HDR_LOG_SIZE_MIN[3:0]) ? HDR_LOG_SIZE_MIN[3:0] :
            (hlog_raw > HDR_LOG_SIZE_MAX[3:0]) ? HDR_LOG_SIZE_MAX[3:0] : hlog_raw;
        hsel_of = {{(HS_N-1){1'b0}}, 1'b1} << (t - HDR_LOG_SIZE_MIN[3:0]);
    end
endfunction

wire [RX_QUEUES*HS_N-1:0] q_hsel;
genvar gq;
generate
    for (gq = 0; gq < RX_QUEUES; gq = gq + 1) begin : g_hsel
        assign q_hsel[gq*HS_N +: HS_N] = hsel_of(q_rx_cfg[gq*32 + RX_CFG_HDR_LOG_SIZE_SHIFT +: RX_CFG_HDR_LOG_SIZE_W]);
    end
endgenerate

wire [1:0]  m_l3 = len_meta_reg[RM_L3 +: 2];
wire [1:0]  m_l4 = len_meta_reg[RM_L4 +: 2];
wire [7:0]  m_flags = len_meta_reg[RM_FLAGS +: 8];
wire [1:0]  m_vlan = len_meta_reg[RM_VLAN +: 2];
wire [9:0]  m_pay_off = len_meta_reg[RM_PAYOFF +: 10];

// step 1: the frame alone (H = the parser's payload offset)
wire [15:0] pv_hdr0 = {6'd0, m_pay_off};
integer hi;

always @(posedge clk) begin
    pv_vlan18_reg <= (m_vlan != 2'd0) && (len_reg >= 16'd18);
    pv_len4_reg <= len_reg - 16'd4;
    pv_point_reg <= !m_flags[PARSE_MALFORMED_BIT] && !m_flags[PARSE_DEPTH_LIMIT_BIT]
                    && (m_l3 != L3_TYPE_NONE[1:0]) && (m_pay_off != 10'd0) && (pv_hdr0 <= len_reg);
    pv_tu_reg <= (m_l4 == L4_TYPE_TCP[1:0]) || (m_l4 == L4_TYPE_UDP[1:0]);
    pv_sdata_reg <= len_reg - pv_hdr0;
    pv_hd4_reg <= pv_hdr0[10:0] - 11'd4;
    pv_hd4_nz_reg <= pv_hdr0 != 16'd4;
    pv_hd0_nz_reg <= pv_hdr0 != 16'd0;
    // x - 4 <= 2^k (16-bit difference) is x >= 4 && x <= 2^k + 4
    for (hi = 0; hi < HS_N; hi = hi + 1) begin
        pv_le0_reg[hi] <= len_reg <= (16'd1 << (HDR_LOG_SIZE_MIN + hi));
        pv_le4_reg[hi] <= (len_reg >= 16'd4) && (len_reg <= (16'd1 << (HDR_LOG_SIZE_MIN + hi)) + 16'd4);
        pv_hle0_reg[hi] <= pv_hdr0 <= (16'd1 << (HDR_LOG_SIZE_MIN + hi));
        pv_hle4_reg[hi] <= (pv_hdr0 >= 16'd4) && (pv_hdr0 <= (16'd1 << (HDR_LOG_SIZE_MIN + hi)) + 16'd4);
    end
end

// step 2: with the queue's configuration and the head descriptor. Every
// compare is made for both strip outcomes (L and L - 4, H and H - 4) and for
// every data-length candidate against LEN in parallel, then picked by
// pl_strip / pl_small / pl_split: no comparator sits behind another
// compare's select (timing, docs/synthesis.md).
// step 2a (pa_*, registered): the threshold and header-size compares
// against the queue's configuration, per strip outcome
reg         pa_strip_reg = 1'b0;
reg         pa_elig_reg = 1'b0;
reg         pa_small0_reg = 1'b0;       // small (threshold on) if not stripped
reg         pa_small4_reg = 1'b0;       // small if stripped
reg         pa_hle0_reg = 1'b0;         // H <= header buffer size
reg         pa_hle4_reg = 1'b0;         // H - 4 <= header buffer size
wire        pl_small_on = cfg_active && (cfg_thresh != 12'd0);
always @(posedge clk) begin
    pa_strip_reg <= cfg_strip && pv_vlan18_reg;
    pa_elig_reg <= pv_point_reg && ((cfg_mode == SPLIT_ALWAYS[1:0])
                   || ((cfg_mode == SPLIT_TCP_UDP[1:0]) && pv_tu_reg));
    pa_small0_reg <= pl_small_on && (len_reg <= {4'd0, cfg_thresh}) && |(pv_le0_reg & hsel_reg);
    pa_small4_reg <= pl_small_on && (pv_len4_reg <= {4'd0, cfg_thresh}) && |(pv_le4_reg & hsel_reg);
    pa_hle0_reg <= |(pv_hle0_reg & hsel_reg);
    pa_hle4_reg <= |(pv_hle4_reg & hsel_reg);
end

// step 2b: the selects
wire        pl_strip = pa_strip_reg;
wire [15:0] pl_lenp = pl_strip ? pv_len4_reg : len_reg;    // L'
wire        pl_elig = pa_elig_reg;
wire [10:0] pl_hd = pl_strip ? pv_hd4_reg : pv_hdr0[10:0];  // H - D
wire        pl_hd_nz = pl_strip ? pv_hd4_nz_reg : pv_hd0_nz_reg;
wire        pl_small = pl_strip ? pa_small4_reg : pa_small0_reg;
wire        pl_hd_le = pl_strip ? pa_hle4_reg : pa_hle0_reg;
wire        pl_cut = pl_elig && pl_hd_le;                    // split unless small
wire        pl_split = !pl_small && pl_cut;
wire        pl_ovf = !pl_small && pl_elig && !pl_hd_le;
// L' - (H - D) = L - H: no adder chain
wire [15:0] pl_data_len = pl_small ? 16'd0 : pl_split ? pv_sdata_reg : pl_lenp;
// pl_data_len <= LEN, candidate by candidate (small: 0 always fits); the
// candidate is picked without the threshold compares (pl_cut, not pl_split)
wire        pl_fits = pl_small
    || (pl_cut ? (pv_sdata_reg <= hd_len_reg) : pl_strip ? (pv_len4_reg <= hd_len_reg) : (len_reg <= hd_len_reg));

// header buffer of the head descriptor: HDR_IDX << log, bits [25:6]
reg [19:0]  hdr_off;
always @* begin
    hdr_off = 20'd0;
    for (hi = 0; hi < HS_N; hi = hi + 1) begin
        if (hsel_reg[hi]) begin
            hdr_off = hdr_off | ({4'd0, hd_hdr_idx_reg} << (HDR_LOG_SIZE_MIN + hi - 6));
        end
    end
end
wire [63:0] hdr_addr = {hdr_lo_reg[20] ? hdr_hi_p1_reg : hdr_hi_reg, hdr_lo_reg[19:0], hdr_base_reg[5:0]};

always @(posedge clk) begin
    cfg_reg <= q_rx_cfg[dq_d*32 +: 32];
    hsel_reg <= q_hsel[dq_d*HS_N +: HS_N];
    hdr_base_reg <= {q_hdr_base[dq_e*64 + 4 +: 60], 4'd0};
    hdr_count_reg <= q_hdr_count[dq_d*16 +: 16];
    avail_reg <= s_desc_avail[dq_d*16 +: 16];

    hdr_lo_reg <= {1'b0, hdr_base_reg[25:6]} + {1'b0, hdr_off};
    hdr_hi_reg <= hdr_base_reg[63:26];
    hdr_hi_p1_reg <= hdr_base_reg[63:26] + 38'd1;
    hdr_bad_reg <= hd_hdr_idx_reg >= hdr_count_reg;
    desc_bad_reg <= hd_bad_reg;
    fits_reg <= pl_fits;
    cap_nz_reg <= hd_len_reg[15:4] != 12'd0;

    plan_strip_reg <= pl_strip;
    plan_lenp_reg <= pl_lenp;
    plan_hdr_len_reg <= pl_small ? pl_lenp[10:0] : pl_split ? pl_hd : 11'd0;
    plan_use_hdr_reg <= pl_small || (pl_split && pl_hd_nz);
    plan_data_len_reg <= pl_data_len;
    plan_split_reg <= pl_split;
    plan_ovf_reg <= pl_ovf;
end

// Max Payload Size
wire [2:0]  mps_n = (cfg_max_payload_size > 3'd5) ? 3'd5 : cfg_max_payload_size;
wire [12:0] mps = 13'd128 << mps_n;
wire [11:0] mps_mask = (12'd128 << mps_n) - 12'd1;

// ---------------------------------------------------------------------------
// decision
// command FIFO full, registered (it gates the PUSH / CPL / DRAIN steps and
// so the wide segment registers' enables)
wire cmd_full = cmd_full_reg;

wire dec_ready = st_idle_reg && len_valid_reg && len_age_reg == 2'd3;
// A head valid in the previous cycle (desc_seen_reg) with the queue enabled
// then is still the same descriptor now: nic_desc_fetch drops it only on a
// pop (excluded by desc_seen_reg) or a cycle after !q_enable. A disable or
// halt seen a cycle late acts as one that came a cycle later (a frame
// decided meanwhile is aborted like one already in flight).
wire dec_dis = dis_reg;
wire dec_can_write = cfg_bus_master_enable && !cpl_full_reg;
// the descriptor checks (LEN against the plan, BAD, the header buffer's
// address and index) are registered from the head descriptor: wait until
// they are (only right after the descriptor arrived), so no compare behind
// the per-queue descriptor mux is on the decision path
wire dec_desc = !dec_dis && desc_seen2_reg;
wire dec_bad = desc_bad_reg || (plan_use_hdr_reg && hdr_bad_reg);
wire dec_fits = fits_reg;
wire [15:0] dec_cap = {hd_len_reg[15:4], 4'd0};
wire dec_multi_ok = cfg_scatter && cap_nz_reg;
wire dec_multi_fit = cnt_done_reg && !cnt_big_reg && cnt_fit_reg;

wire act_disabled = dec_ready && dec_dis;
wire act_no_desc = dec_ready && !dec_dis && !dvalid_reg && dempty_reg;
wire act_bad = dec_ready && dec_desc && dec_bad && dec_can_write;
// (a finished count implies the head descriptor allowed scatter: dec_multi_ok
// stays off the act_dma path)
wire act_small = dec_ready && dec_desc && !dec_bad && !dec_fits && (cnt_done_reg ? !dec_multi_fit : !dec_multi_ok);
wire act_count = dec_ready && dec_desc && !dec_bad && !dec_fits && dec_multi_ok && !cnt_done_reg;
wire act_dma = dec_ready && dec_desc && !dec_bad && (dec_fits || dec_multi_fit) && dec_can_write;
wire act_drain = act_disabled || act_no_desc || act_small || act_bad;

// scatter: the next descriptor of the frame
// like the decision, the LEN check is registered (against nx_share_reg as
// it will be) and S_NEXT waits until the descriptor was at the head two cycles
wire nx_dis = dis_reg;
wire nx_ok = desc_seen2_reg;
wire nx_pop = st_next_reg && !nx_dis && nx_ok;
wire nx_bad = desc_bad_reg || nx_short_reg;
wire nx_last = nx_last_reg;
// LEN < nx_share_reg after this edge (loaded in PUSH): each candidate
// compared in parallel, then selected
wire        nx_short_next = (st_push_reg && !cmd_full)
    ? (nx_last ? (hd_len_reg < last_len_reg) : (hd_len_reg < cap_reg)) : (hd_len_reg < nx_share_reg);

// Taken now, popped in the next cycle (desc_pop_reg): the stale head is not
// looked at meanwhile (IDLE and NEXT go to DRAIN / PREP, NEXT comes >= 3
// cycles after a take, and desc_seen_reg is low until the next descriptor)
wire desc_take = act_bad || act_dma || nx_pop;
assign s_desc_ready = desc_pop_reg;

/* verilator lint_off UNUSEDSIGNAL */
wire [15:0] len_m1 = len_reg - 16'd1;
wire [15:0] vend_p15 = vend_reg + 16'd15;
/* verilator lint_on UNUSEDSIGNAL */
// FIFO words a bad scatter descriptor leaves undrained: all minus those the
// written segments popped (ceil(vend / 16))
wire [11:0] badc_words = words_m1_reg + 12'd1 - vend_p15[15:4];
// registered every cycle: S_BADC reads it (vend_reg and words_m1_reg do not
// change in S_NEXT, the only state before it)
reg  [9:0]  badc_words_reg = 10'd0;
reg         badc_zero_reg = 1'b0;
reg         badc_one_reg = 1'b0;
reg         badc_two_reg = 1'b0;
always @(posedge clk) begin
    badc_words_reg <= badc_words[9:0];
    badc_zero_reg <= badc_words == 12'd0;
    badc_one_reg <= badc_words[9:0] == 10'd1;
    badc_two_reg <= badc_words[9:0] == 10'd2;
end

// ---------------------------------------------------------------------------
// segment preparation (PREP)
wire        prep_last = seg_rem_reg <= {3'd0, seg_room_reg};
/* verilator lint_off UNUSEDSIGNAL */
wire [15:0] prep_rem_p3 = seg_rem_reg + 16'd3;
wire [15:0] prep_rem_m1 = seg_rem_reg - 16'd1;
wire [10:0] prep_rem_dw = prep_rem_p3[12:2];        // valid when last (rem <= 4096)
wire [10:0] prep_dw = prep_last ? prep_rem_dw : seg_room_reg[12:2];
/* verilator lint_on UNUSEDSIGNAL */
wire [9:0]  prep_beats_m1 = prep_last ? {2'b00, prep_rem_m1[11:4]} : {1'b0, seg_room_reg[12:4]} - 10'd1;
wire [3:0]  prep_mask = (seg_len_lo_reg == 2'd1) ? 4'b0001 :
                        (seg_len_lo_reg == 2'd2) ? 4'b0011 :
                        (seg_len_lo_reg == 2'd3) ? 4'b0111 : 4'b1111;
wire        prep_one_dw = prep_last && (prep_rem_dw == 11'd1);
/* verilator lint_off UNUSEDSIGNAL */
wire [4:0]  prep_sh_end = {1'b0, seg_shift_reg} + {1'b0, prep_rem_m1[3:0]};
/* verilator lint_on UNUSEDSIGNAL */
wire        prep_shend_last = prep_sh_end[4];
wire        seg_sh0 = seg_shift_reg == 4'd0;    // (a LUT on the 4 flops)

wire [12:0] push_lo_sum = {1'b0, seg_addr_reg[11:0]} + seg_room_reg;

// room of a segment's first TLP: up to the next MPS boundary
function [12:0] room_of(input [11:0] lo, input [12:0] mps_v, input [11:0] mask_v);
    room_of = mps_v - {1'b0, lo & mask_v};
endfunction

// ---------------------------------------------------------------------------
// command FIFO write
reg             cmd_push;
reg [CMD_W-1:0] cmd_wdata;

always @* begin
    cmd_push = (st_push_reg || st_cpl_reg || st_drain_reg) && !cmd_full;
    cmd_wdata = {CMD_W{1'b0}};
    cmd_wdata[C_CLEN +: 16] = rec_len_reg;
    cmd_wdata[C_CBUF +: 16] = rec_buf_id_reg;
    cmd_wdata[C_CSTAT +: 8] = rec_status_reg;
    cmd_wdata[C_CIDX +: 16] = rec_idx_reg;
    cmd_wdata[C_CPHASE] = rec_phase_reg;
    cmd_wdata[C_CHLEN +: 12] = rec_hlen_reg;
    cmd_wdata[C_CDCNT +: 8] = rec_dcnt_reg;
    cmd_wdata[C_CLLEN +: 16] = rec_llen_reg;
    cmd_wdata[C_CSPLIT] = rec_split_reg;
    cmd_wdata[C_COVF] = rec_ovf_reg;
    cmd_wdata[C_CSTRIP] = rec_strip_reg;
    cmd_wdata[C_Q +: QW] = rec_q_reg;
    cmd_wdata[C_META +: RM_W] = rec_meta_reg;
    cmd_wdata[C_FIRST] = seg_first_reg;
    if (st_push_reg) begin
        cmd_wdata[C_KIND +: 2] = K_DATA;
        cmd_wdata[C_BEATS +: 10] = tlp_beats_m1_reg;
        cmd_wdata[C_ADDR +: 60] = seg_addr_reg[63:4];
        cmd_wdata[C_4DW] = tlp_4dw_reg;
        cmd_wdata[C_DW +: 10] = tlp_dw_reg;
        cmd_wdata[C_FBE +: 4] = tlp_fbe_reg;
        cmd_wdata[C_LBE +: 4] = tlp_lbe_reg;
        cmd_wdata[C_SHIFT +: 4] = seg_shift_reg;
        cmd_wdata[C_LB +: 4] = tlp_lb_reg;
        cmd_wdata[C_PRIME] = seg_prime_reg;
    end else if (st_cpl_reg) begin
        cmd_wdata[C_KIND +: 2] = K_CPL;
        cmd_wdata[C_BEATS +: 10] = 10'd1;
        cmd_wdata[C_ADDR +: 60] = rec_addr_reg[63:4];
        cmd_wdata[C_4DW] = rec_4dw_reg;
        cmd_wdata[C_DW +: 10] = 10'd8;
        cmd_wdata[C_FBE +: 4] = 4'hF;
        cmd_wdata[C_LBE +: 4] = 4'hF;
    end else if (st_drain_reg) begin
        cmd_wdata[C_KIND +: 2] = K_DRAIN;
        cmd_wdata[C_BEATS +: 10] = seg_drain_m1_reg;
    end
end

// ---------------------------------------------------------------------------
// scheduler state: the next state in one place, registered in state_reg
// (its decode drives the per-state loads below) and as one-hot flags, each
// with few loads: the decision (st_idle_reg), S_NEXT's pop (st_next_reg)
// and the command push (st_push_reg, st_cpl_reg, st_drain_reg: the push
// and the pushed entry's control fields, which feed the streamer's
// head-entry bypass, start one LUT from flops)
reg [3:0] state_next;
always @* begin
    state_next = state_reg;
    case (state_reg)
        S_IDLE: begin
            if (act_drain) begin
                state_next = S_DRAIN;
            end else if (act_dma) begin
                state_next = S_PREP;
            end else if (act_count) begin
                state_next = S_COUNT;
            end
        end
        S_COUNT: begin
            if (cnt_le_reg || cnt_max_reg) begin
                state_next = S_IDLE;
            end
        end
        S_PREP: state_next = S_PUSH;
        S_PUSH: begin
            if (!cmd_full) begin
                if (!tlp_last_reg) begin
                    state_next = S_UPD;
                end else if (seg_hdr_reg && data_nz_reg) begin
                    state_next = S_PREP;         // header done: data buffer 0
                end else if (!seg_hdr_reg && seg_more_reg) begin
                    state_next = S_NEXT;
                end else begin
                    state_next = S_CPL;
                end
            end
        end
        S_UPD: state_next = S_PREP;
        S_NEXT: begin
            if (nx_dis || (nx_ok && nx_bad)) begin
                state_next = S_BADC;
            end else if (nx_ok) begin
                state_next = S_PREP;
            end
        end
        S_BADC: state_next = badc_zero_reg ? S_CPL : S_DRAIN;
        S_CPL: begin
            if (!cmd_full) begin
                state_next = S_IDLE;
            end
        end
        S_DRAIN: begin
            if (!cmd_full) begin
                state_next = seg_cpl_after_reg ? S_CPL : S_IDLE;
            end
        end
        default: state_next = S_IDLE;
    endcase
    if (rst) begin
        state_next = S_IDLE;
    end
end

always @(posedge clk) begin
    state_reg <= state_next;
    st_idle_reg <= state_next == S_IDLE;
    st_next_reg <= state_next == S_NEXT;
    st_push_reg <= state_next == S_PUSH;
    st_cpl_reg <= state_next == S_CPL;
    st_drain_reg <= state_next == S_DRAIN;
end

// The wide segment registers (address, room, remaining bytes: 93 flops) load
// under state flags of their own, decoded from state_next a cycle ahead, so
// their clock enables are a LUT or two from flops and not behind the 4-bit
// state decode (which put five LUT levels and 8.7 ns of routing in front of
// seg_addr_reg's enables). `keep`: not merged with the st_*_reg flags.
// one-hot state flags, `keep` (not merged with st_*_reg or sg_*_reg): the
// per-state loads of the scheduler's sequential block (each a single flag,
// not a 4-bit decode, ahead of the clock enables)
reg [8:0] st_oh_reg = 9'd1 << S_IDLE;
(* keep *)
always @(posedge clk) begin
    st_oh_reg <= 9'd1 << state_next;
end

reg sg_idle_reg = 1'b1;
reg sg_push_reg = 1'b0;
reg sg_upd_reg = 1'b0;
reg sg_next_reg = 1'b0;
(* keep *)
always @(posedge clk) begin
    sg_idle_reg <= state_next == S_IDLE;
    sg_push_reg <= state_next == S_PUSH;
    sg_upd_reg <= state_next == S_UPD;
    sg_next_reg <= state_next == S_NEXT;
end

always @(posedge clk) begin
    if (sg_idle_reg) begin
        // first segment: the header buffer if used, else data buffer 0
        if (plan_use_hdr_reg) begin
            seg_addr_reg <= hdr_addr;
            seg_room_reg <= room_of(hdr_addr[11:0], mps, mps_mask);
            seg_rem_reg <= {5'd0, plan_hdr_len_reg};
        end else begin
            seg_addr_reg <= hd_addr_reg;
            seg_room_reg <= hd_room_reg;
            seg_rem_reg <= dec_fits ? plan_data_len_reg : cap_reg;
        end
    end
    if (sg_push_reg && !cmd_full) begin
        seg_addr_reg[11:0] <= push_lo_sum[11:0];
        seg_rem_reg <= seg_rem_reg - {3'd0, seg_room_reg};
        seg_room_reg <= mps;
        if (tlp_last_reg && seg_hdr_reg && data_nz_reg) begin
            // header done: data buffer 0 (the head descriptor's)
            seg_addr_reg <= dbuf_addr_reg;
            seg_room_reg <= dbuf_room_reg;
            seg_rem_reg <= len0_reg;
        end
    end
    if (sg_upd_reg) begin
        seg_addr_reg[63:12] <= seg_addr_reg[63:12] + {51'd0, seg_carry_reg};
    end
    if (sg_next_reg) begin
        // the head descriptor, every cycle of S_NEXT (see there)
        seg_addr_reg <= hd_addr_reg;
        seg_room_reg <= hd_room_reg;
        seg_rem_reg <= nx_share_reg;
    end
end

// ---------------------------------------------------------------------------
// scheduler / segmenter sequential logic
integer qi;

// the same descriptor (if valid) is at the head next cycle: no take or pop
// now, and the queue does not change (meta pop)
wire desc_stay = d_desc_valid && !desc_take && !(|(desc_pop_reg & dq_oh)) && !(s_meta_tvalid && s_meta_tready);

always @(posedge clk) begin
    desc_pop_reg <= dq_oh & {RX_QUEUES{desc_take}};
    dis_reg <= !d_enable || d_halted;
    dvalid_reg <= d_desc_valid;
    dempty_reg <= d_desc_empty;
    desc_seen_reg <= desc_stay;
    desc_seen2_reg <= desc_seen_reg && desc_stay;
    hd_addr_reg <= d_desc_addr;
    hd_room_reg <= room_of(hd_addr_reg[11:0], mps, mps_mask);
    hd_len_reg <= d_desc_len;
    hd_buf_id_reg <= d_desc_buf_id;
    hd_idx_reg <= d_desc_idx;
    hd_hdr_idx_reg <= d_desc_hdr_idx;
    hd_bad_reg <= d_desc_bad;
    nx_short_reg <= nx_short_next;

    stat_no_desc_reg <= dq_oh & {RX_QUEUES{act_no_desc}};
    stat_too_small_reg <= dq_oh & {RX_QUEUES{act_small}};
    stat_bad_desc_reg <= dq_oh & {RX_QUEUES{act_bad || (nx_pop && nx_bad)}};
    stat_disabled_reg <= dq_oh & {RX_QUEUES{act_disabled}};

    if (len_age_reg != 2'd3) begin
        len_age_reg <= len_age_reg + 2'd1;
    end
    if (s_meta_tvalid && s_meta_tready) begin
        len_valid_reg <= 1'b1;
        len_age_reg <= 2'd0;
        len_reg <= s_meta_len;
        len_q_reg <= qmap(s_meta_tdata[META_QUEUE_LSB +: 8]);
        len_qoh_reg <= onehot(qmap(s_meta_tdata[META_QUEUE_LSB +: 8]), 1'b1);
        len_qa_reg <= qmap(s_meta_tdata[META_QUEUE_LSB +: 8]);
        len_qan_reg <= ~qmap(s_meta_tdata[META_QUEUE_LSB +: 8]);
        len_qbn_reg <= ~qmap(s_meta_tdata[META_QUEUE_LSB +: 8]);
        len_qe_reg <= qmap(s_meta_tdata[META_QUEUE_LSB +: 8]);
        len_qc_reg <= qmap(s_meta_tdata[META_QUEUE_LSB +: 8]);
        len_qdn_reg <= ~qmap(s_meta_tdata[META_QUEUE_LSB +: 8]);
        len_meta_reg[RM_HASH +: 32] <= s_meta_tdata[META_HASH_LSB +: 32];
        len_meta_reg[RM_TYPE +: 4] <= s_meta_tdata[META_TYPE_LSB +: 4];
        len_meta_reg[RM_L3 +: 2] <= s_meta_tdata[META_L3_TYPE_LSB +: 2];
        len_meta_reg[RM_L4 +: 2] <= s_meta_tdata[META_L4_TYPE_LSB +: 2];
        len_meta_reg[RM_FLAGS +: 8] <= s_meta_tdata[META_FLAGS_LSB +: 8];
        len_meta_reg[RM_VLAN +: 2] <= s_meta_tdata[META_VLAN_LSB +: 2];
        len_meta_reg[RM_L3OFF +: 10] <= s_meta_tdata[META_L3_OFF_LSB +: 10];
        len_meta_reg[RM_L4OFF +: 10] <= s_meta_tdata[META_L4_OFF_LSB +: 10];
        len_meta_reg[RM_PAYOFF +: 10] <= s_meta_tdata[META_PAY_OFF_LSB +: 10];
        cnt_done_reg <= 1'b0;
    end

    if (!q_enable[rec_q_reg]) begin
        seg_abort_reg <= 1'b1;
    end

    // The allocation index moves a cycle after the decision (off the decision
    // path); the registered ring state and slot address are fresh again by
    // the next decision (>= 5 cycles later: the next meta's pop and plan).
    alloc_inc_reg <= act_bad || act_dma;
    alloc_q_reg <= dq;
    alloc_val_reg <= rq_cpl_alloc_reg + 16'd1;
    if (alloc_inc_reg) begin
        cpl_alloc_reg[alloc_q_reg] <= alloc_val_reg;
    end

    // (S_COUNT's last cycle compares the count it stores)
    cnt_fit_reg <= {8'd0, cnt_nres_reg} <= avail_reg;

    if (st_oh_reg[S_IDLE]) begin
        seg_abort_reg <= !d_enable;
        rec_q_reg <= dq;
        rec_meta_reg <= len_meta_reg;
        seg_drain_m1_reg <= len_m1[13:4];
        drain_b0_reg <= len_m1[13:4] == 10'd0;
        drain_b1_reg <= len_m1[13:4] == 10'd1;
        words_m1_reg <= len_m1[15:4];
        cap_reg <= dec_cap;

        // first segment: the header buffer if used, else data buffer 0
        dbuf_addr_reg <= hd_addr_reg;
        dbuf_room_reg <= hd_room_reg;
        len0_reg <= dec_fits ? plan_data_len_reg : cap_reg;
        last_len_reg <= dec_fits ? plan_data_len_reg : cnt_last_reg;
        n_reg <= dec_fits ? 8'd1 : cnt_nres_reg;
        seg_k_reg <= 8'd0;
        nx_last_reg <= !dec_fits && cnt_nres_reg == 8'd2;
        seg_more_reg <= !dec_fits && cnt_nres_reg != 8'd1;
        data_nz_reg <= plan_data_len_reg != 16'd0;
        dshift_reg <= (plan_strip_reg ? 4'd4 : 4'd0) + plan_hdr_len_reg[3:0];
        seg_hdr_reg <= plan_use_hdr_reg;
        seg_shift_reg <= plan_strip_reg ? 4'd4 : 4'd0;
        seg_prime_reg <= plan_strip_reg;
        seg_first_reg <= 1'b1;
        if (plan_use_hdr_reg) begin
            seg_len_lo_reg <= plan_hdr_len_reg[1:0];
            vend_reg <= (plan_strip_reg ? 16'd4 : 16'd0) + {5'd0, plan_hdr_len_reg};
        end else begin
            seg_len_lo_reg <= dec_fits ? plan_data_len_reg[1:0] : 2'd0;
            vend_reg <= (plan_strip_reg ? 16'd4 : 16'd0) + (dec_fits ? plan_data_len_reg : cap_reg);
        end

        // dec_bad, not act_bad: only the values loaded with act_bad or
        // act_dma are used (a plain drain has no record), and there they agree
        rec_len_reg <= dec_bad ? 16'd0 : plan_lenp_reg;
        rec_buf_id_reg <= hd_buf_id_reg;
        rec_status_reg <= dec_bad ? (8'd1 << CPL_STATUS_BAD_DESC_BIT) : 8'd0;
        rec_ok_reg <= !dec_bad;
        rec_idx_reg <= hd_idx_reg;
        rec_phase_reg <= cpl_phase_reg;
        rec_addr_reg <= cpl_slot_addr_reg;
        rec_4dw_reg <= |cpl_slot_addr_reg[63:32];
        rec_hlen_reg <= dec_bad ? 12'd0 : {1'b0, plan_hdr_len_reg};
        rec_dcnt_reg <= (dec_bad || dec_fits) ? 8'd1 : cnt_nres_reg;
        rec_llen_reg <= dec_bad ? 16'd0 : dec_fits ? plan_data_len_reg : cnt_last_reg;
        rec_split_reg <= !dec_bad && plan_split_reg;
        rec_ovf_reg <= !dec_bad && plan_ovf_reg;
        rec_strip_reg <= !dec_bad && plan_strip_reg;

        // the count's start values, loaded whether or not it starts
        // (no clock enable from the descriptor compare)
        cnt_rem_reg <= plan_data_len_reg - dec_cap;
        cnt_le_reg <= plan_data_len_reg - dec_cap <= dec_cap;
        cnt_n_reg <= 8'd2;
        cnt_max_reg <= MAX_SCATTER_BUFS[7:0] == 8'd2;
        // the count belongs to this head descriptor only
        if (!dec_desc && len_valid_reg) begin
            cnt_done_reg <= 1'b0;
        end
        // one-descriptor frames release the meta now; a scattered frame
        // keeps it (and so dq) until its last descriptor is popped
        if (act_drain || (act_dma && dec_fits)) begin
            len_valid_reg <= 1'b0;
        end
        seg_cpl_after_reg <= act_bad;
    end
    if (st_oh_reg[S_COUNT]) begin
        // n = ceil(data_len / cap), one buffer per cycle; > 255 is too small
        cnt_nres_reg <= cnt_n_reg;
        cnt_fit_reg <= {8'd0, cnt_n_reg} <= avail_reg;
        cnt_last_reg <= cnt_rem_reg;
        if (cnt_le_reg) begin
            cnt_done_reg <= 1'b1;
            cnt_big_reg <= 1'b0;
        end else if (cnt_max_reg) begin
            cnt_done_reg <= 1'b1;
            cnt_big_reg <= 1'b1;
        end else begin
            cnt_rem_reg <= cnt_rem_reg - cap_reg;
            cnt_le_reg <= cnt_rem_reg - cap_reg <= cap_reg;
            cnt_n_reg <= cnt_n_reg + 8'd1;
            cnt_max_reg <= cnt_n_reg + 8'd1 == MAX_SCATTER_BUFS[7:0];
        end
    end
    if (st_oh_reg[S_PREP]) begin
        if (nx_took_reg) begin
            nx_took_reg <= 1'b0;
            seg_k_reg <= seg_k_reg + 8'd1;
            nx_last_reg <= seg_k_reg + 8'd3 == n_reg;
            seg_more_reg <= seg_k_reg + 8'd2 != n_reg;
            vend_reg <= vend_reg + nx_share_reg;
        end
        tlp_last_reg <= prep_last;
        tlp_dw_reg <= prep_dw[9:0];
        tlp_beats_m1_reg <= prep_beats_m1;
        tlp_fbe_reg <= prep_one_dw ? prep_mask : 4'hF;
        tlp_lbe_reg <= prep_one_dw ? 4'h0 : (prep_last ? prep_mask : 4'hF);
        tlp_lb_reg <= prep_last ? prep_rem_m1[3:0] : 4'hF;
        // beats - 1 == 0, and shift + last-beat bytes > 16 (a full last beat: shift != 0)
        tlp_b0_reg <= prep_last ? (prep_rem_m1[11:4] == 8'd0) : (seg_room_reg[12:4] == 9'd1);
        tlp_b1_reg <= prep_last ? (prep_rem_m1[11:4] == 8'd1) : (seg_room_reg[12:4] == 9'd2);
        tlp_shend_reg <= prep_last ? prep_shend_last : !seg_sh0;
        tlp_4dw_reg <= |seg_addr_reg[63:32];
    end
    if (st_oh_reg[S_PUSH]) begin
        if (!cmd_full) begin
            seg_prime_reg <= 1'b0;
            seg_first_reg <= 1'b0;
            seg_carry_reg <= push_lo_sum[12];
            nx_share_reg <= nx_last ? last_len_reg : cap_reg;
            if (tlp_last_reg && seg_hdr_reg && data_nz_reg) begin
                // header done: data buffer 0 (the head descriptor's)
                seg_hdr_reg <= 1'b0;
                seg_len_lo_reg <= len0_reg[1:0];
                seg_shift_reg <= dshift_reg;
                vend_reg <= vend_reg + len0_reg;
            end
        end
    end
    if (st_oh_reg[S_NEXT]) begin
        // The segment registers load the head descriptor every cycle, used
        // only if it is taken and good: the descriptor mux and the
        // (registered) LEN check drive a few control flops, not the clock
        // enables of the wide segment registers (the counting is done in
        // PREP). seg_addr/room/rem: see their own block below.
        seg_len_lo_reg <= nx_share_reg[1:0];
        seg_shift_reg <= dshift_reg;
        nx_badf_reg <= 1'b0;
        if (nx_dis) begin
            // no more descriptors will come: abort like a disable
            seg_abort_reg <= 1'b1;
            len_valid_reg <= 1'b0;
        end else if (nx_ok) begin
            if (nx_bad) begin
                nx_badf_reg <= 1'b1;
                len_valid_reg <= 1'b0;
            end else begin
                nx_took_reg <= 1'b1;
                if (nx_last) begin
                    len_valid_reg <= 1'b0;
                end
            end
        end
    end
    if (st_oh_reg[S_BADC]) begin
        if (nx_badf_reg) begin
            rec_len_reg <= 16'd0;
            rec_status_reg <= 8'd1 << CPL_STATUS_BAD_DESC_BIT;
            rec_ok_reg <= 1'b0;
            rec_hlen_reg <= 12'd0;
            rec_dcnt_reg <= seg_k_reg + 8'd2;
            rec_llen_reg <= 16'd0;
            rec_split_reg <= 1'b0;
            rec_ovf_reg <= 1'b0;
            rec_strip_reg <= 1'b0;
        end
        // drain what the written segments did not pop, then the record
        seg_drain_m1_reg <= badc_words_reg[9:0] - 10'd1;
        drain_b0_reg <= badc_one_reg;
        drain_b1_reg <= badc_two_reg;
        seg_cpl_after_reg <= 1'b1;
    end
    if (st_oh_reg[S_DRAIN]) begin
        if (!cmd_full) begin
            seg_first_reg <= 1'b0;
        end
    end

    for (qi = 0; qi < RX_QUEUES; qi = qi + 1) begin
        if (!q_enable[qi] || rst) begin
            cpl_alloc_reg[qi] <= 16'd0;
        end
    end

    if (rst) begin
        len_valid_reg <= 1'b0;
        // (a reset only on some queue copies: it keeps them apart)
        len_qc_reg <= {QW{1'b0}};
        len_qdn_reg <= {QW{1'b1}};
        len_qe_reg <= {QW{1'b0}};
        nx_last_reg <= 1'b0;
        seg_more_reg <= 1'b0;
        len_age_reg <= 2'd0;
        cnt_done_reg <= 1'b0;
        nx_took_reg <= 1'b0;
        alloc_inc_reg <= 1'b0;
        seg_abort_reg <= 1'b0;
        desc_pop_reg <= {RX_QUEUES{1'b0}};
        desc_seen_reg <= 1'b0;
        desc_seen2_reg <= 1'b0;
        dis_reg <= 1'b1;
        dvalid_reg <= 1'b0;
        stat_no_desc_reg <= {RX_QUEUES{1'b0}};
        stat_too_small_reg <= {RX_QUEUES{1'b0}};
        stat_bad_desc_reg <= {RX_QUEUES{1'b0}};
        stat_disabled_reg <= {RX_QUEUES{1'b0}};
    end
end

// ---------------------------------------------------------------------------
// command FIFO (distributed RAM, asynchronous read of the head entry)
// the pushed command's control fields (as cmd_wdata's, the compares taken
// from flops loaded with the fields: no compare or adder behind the state mux)
// (formed from the state flags, not from cmd_wdata's state mux; fields of
// another kind are don't-cares)
wire       w_push = st_push_reg;
wire       w_b0 = w_push ? tlp_b0_reg : st_drain_reg ? drain_b0_reg : 1'b0;
wire       w_b1 = w_push ? tlp_b1_reg : st_drain_reg ? drain_b1_reg : 1'b1;
wire [1:0] w_kind = w_push ? K_DATA : st_cpl_reg ? K_CPL : K_DRAIN;
wire [9:0] w_beats = w_push ? tlp_beats_m1_reg : st_cpl_reg ? 10'd1 : seg_drain_m1_reg;
wire [HC_W-1:0] w_ctl = {rec_q_reg, w_b1, rec_ovf_reg, rec_split_reg, rec_ok_reg,
                         !w_push || seg_sh0, w_b0,
                         seg_first_reg, w_push && seg_prime_reg,
                         w_push && tlp_shend_reg, seg_shift_reg - 4'd1, w_beats, w_kind};

always @(posedge clk) begin
    if (cmd_push) begin
        cmd_ctl_reg[cmd_wr_ptr_reg[CMD_AW-1:0]] <= w_ctl;
    end
end

// ---------------------------------------------------------------------------
// streamer
wire             head_valid = hv_reg;
wire [CMD_SL*CMD_SW-1:0] cmd_wdata_pad = {{(CMD_SL*CMD_SW-CMD_W){1'b0}}, cmd_wdata};
/* verilator lint_off UNUSEDSIGNAL */
wire [CMD_SL*CMD_SW-1:0] head_pad;
/* verilator lint_on UNUSEDSIGNAL */
// the read pointer after this edge (as cmd_rd_ptr_reg below)
wire [CMD_AW-1:0] rd_ptr_next = rst ? {CMD_AW{1'b0}} : pop ? hc_idx1 : cmd_rd_ptr_reg[CMD_AW-1:0];
genvar gm;
generate
    for (gm = 0; gm < CMD_SL; gm = gm + 1) begin : g_cmd_mem
        reg [CMD_SW-1:0] cmd_mem [0:CMD_FIFO_DEPTH-1];
        reg [CMD_AW-1:0] rdp_reg = {CMD_AW{1'b0}};
        (* keep *) always @(posedge clk) rdp_reg <= rd_ptr_next;
        always @(posedge clk) begin
            if (cmd_push) begin
                cmd_mem[cmd_wr_ptr_reg[CMD_AW-1:0]] <= cmd_wdata_pad[gm*CMD_SW +: CMD_SW];
            end
        end
        assign head_pad[gm*CMD_SW +: CMD_SW] = cmd_mem[rdp_reg];
    end
endgenerate
wire [CMD_W-1:0] head = head_pad[CMD_W-1:0];
wire [9:0]       h_beats_m1 = hc_reg[HC_BEATS +: 10];
/* verilator lint_off UNUSEDSIGNAL */
wire [63:0]      h_addr = {head[C_ADDR +: 60], 4'd0};
/* verilator lint_on UNUSEDSIGNAL */
wire             h_4dw = head[C_4DW];
wire [9:0]       h_dw = head[C_DW +: 10];
wire [3:0]       h_fbe = head[C_FBE +: 4];
wire [3:0]       h_lbe = head[C_LBE +: 4];
wire             h_first = hc_reg[HC_FIRST];
wire [15:0]      h_clen = head[C_CLEN +: 16];
wire [15:0]      h_cbuf = head[C_CBUF +: 16];
wire [7:0]       h_cstat = head[C_CSTAT +: 8];
wire [15:0]      h_cidx = head[C_CIDX +: 16];
wire             h_cphase = head[C_CPHASE];
wire [11:0]      h_chlen = head[C_CHLEN +: 12];
wire [7:0]       h_cdcnt = head[C_CDCNT +: 8];
wire [15:0]      h_cllen = head[C_CLLEN +: 16];
wire             h_csplit = hc_reg[HC_SPLIT];
wire             h_covf = hc_reg[HC_OVF];
wire             h_cok = hc_reg[HC_OK];     // h_cstat == 0
wire             h_cstrip = head[C_CSTRIP];
wire [QW-1:0]    h_q = hc_reg[HC_Q +: QW];
wire [RM_W-1:0]  h_meta = head[C_META +: RM_W];

wire first_beat = first_reg;
// A first beat is held back by the head's abort flag, which follows
// q_enable a cycle late (habort_reg): a TLP may still start in the cycle
// q_enable drops. busy covers it: it is high while the head waits for its
// first beat, not aborted.
// (eff_abort_reg = first_beat ? habort_reg : cur_abort_reg, kept in a flop)
wire eff_abort = eff_abort_reg;

wire is_data = is_data_reg;                      // head_valid && h_kind == K_DATA
wire is_cpl = is_cpl_reg;                        // head_valid && h_kind == K_CPL
wire is_drain = is_drain_reg;                    // head_valid && h_kind == K_DRAIN

wire last_beat = last_reg;

// realignment: the prime beat pops word 0 with no output; a data beat pops
// unless it is shifted and its bytes end inside the hold word (shift + bytes
// <= 16, only possible on a TLP's last beat)
wire       prime_beat = prime_beat_reg;          // is_data && h_prime && !primed_reg
wire       data_beat = is_data && !prime_beat;
wire       need_pop = need_pop_reg;              // hc_reg[HC_SH0] || !last_beat || h_shend

wire wr_out = data_beat && !eff_abort;
wire in_ok = !need_pop || s_axis_tvalid;
wire out_ok = eff_abort || m_tlp_ready;
// the record's second beat carries the checksum fields: it waits for them
// (the frame's data has left by then; nic_rx_csum needs 2 cycles after it).
// The result is the last frame's unless a tlast beat was popped in the 3
// cycles before: registered here from this engine's pop and nic_rx_csum's
// tail flag (a flop of that block's, far from here, was the core's worst
// path through this wait, the pop and the next head)
reg  csum_ok_reg = 1'b1;
wire cpl_wait = cnt_reg[0] && !csum_ok_reg;
wire cpl_out = is_cpl && !eff_abort && !cpl_wait;
wire cpl_skip = is_cpl && eff_abort;

// Only a TLP already past its first beat, or starting in the cycle q_enable
// drops (the head's abort flag follows a cycle later), survives a disable
// (every queued command is aborted then), so this is the whole remaining DMA
// exposure.
assign busy = onehot(h_q, head_valid && !eff_abort);

// s_axis_tready = is_drain || prime_beat || (data_beat && need_pop && out_ok),
// from flops and m_tlp_ready: pops without (rdy_a) and with m_tlp_ready (rdy_b)
assign s_axis_tready = rdy_a_reg || (rdy_b_reg && m_tlp_ready);
// the hold register's enable (a pop but a drain's), one LUT before its fanout
wire hold_load = s_axis_tvalid && (hld_a_reg || (rdy_b_reg && m_tlp_ready));

wire axis_xfer = s_axis_tvalid && s_axis_tready;

always @(posedge clk) begin
    csum_ok_reg <= !((axis_xfer && s_axis_tlast) || s_csum_pend_tail);
    if (rst) begin
        csum_ok_reg <= 1'b1;
    end
end
wire beat_done = is_drain ? axis_xfer : data_beat ? (in_ok && out_ok) : (cpl_out ? m_tlp_ready : cpl_skip);
wire pop = beat_done && (last_beat || cpl_skip);

// the head entry after this edge: the next one on a pop, a command pushed
// into that slot in the same cycle taken straight from the write side. Both
// candidates are formed from flops and the handshake's pop only selects:
// without a pop the head stays, or is the command pushed into the empty
// FIFO (cnt_reg is 0 then); with a pop it is entry rd + 1, or the command
// pushed into it now.
wire              hc_new0 = !hv_reg && cmd_push;
wire [CMD_AW-1:0] hc_idx1 = cmd_rd_ptr_reg[CMD_AW-1:0] + {{(CMD_AW-1){1'b0}}, 1'b1};
wire              hc_byp1 = cmd_push && lvl_reg[1];    // wr == rd + 1
wire [HC_W-1:0]   hc_next0 = hc_new0 ? w_ctl : hc_reg;
wire [HC_W-1:0]   hc_next1 = hc_byp1 ? w_ctl : cmd_ctl_reg[hc_idx1];
wire [HC_W-1:0]   hc_next = pop ? hc_next1 : hc_next0;
// the abort flag of either candidate after this edge (as cmd_abort_reg below)
wire              w_abort = seg_abort_reg || !q_enable[rec_q_reg];
wire              ha_next0 = hc_new0 ? w_abort : (habort_reg || !q_enable[h_q]);
wire              ha_next1 = hc_byp1 ? w_abort : (cmd_abort_reg[hc_idx1] || !q_enable[cmd_q_reg[hc_idx1]]);
// last_reg after this edge: a pop restarts at the next head's beat 0, a
// beat moves on within the head, else it stays (or is that of a command
// just pushed into the empty FIFO)
// cnt_reg + 1 == h_beats_m1, kept in a flop (lbs_reg; loaded as last_reg is,
// one beat ahead: the beats - 1 == 1 flag of a new head, else the compare
// of the beat after next): the beat compare is off the handshake's path
wire [9:0]        cnt_p2 = cnt_reg + 10'd2;
wire              lb_step = lbs_reg;
wire              lb_step2 = cnt_p2 == h_beats_m1;
wire              lb_stay = hc_new0 ? w_ctl[HC_B0] : last_reg;

// The beat's flags after this edge (is_data_reg ... eff_abort_reg: functions
// of the head state above, kept in flops so the stream handshakes and the
// hold register's enable start one LUT from flops). Each is formed for both
// outcomes from flops (x1: a pop, x0: none) and the handshake selects.
wire              hv_next1 = cmd_push || !lvl_reg[1];
wire              isd_next1 = hv_next1 && hc_next1[HC_KIND +: 2] == K_DATA;
wire              isdr_next1 = hv_next1 && hc_next1[HC_KIND +: 2] == K_DRAIN;
wire              isc_next1 = hv_next1 && hc_next1[HC_KIND +: 2] == K_CPL;
wire              pb_next1 = isd_next1 && hc_next1[HC_PRIME];
wire              np_next1 = hc_next1[HC_SH0] || !hc_next1[HC_B0] || hc_next1[HC_SHEND];
wire              ea_next1 = ha_next1;
wire              isd_next0 = hc_new0 ? w_ctl[HC_KIND +: 2] == K_DATA : is_data_reg;
wire              isdr_next0 = hc_new0 ? w_ctl[HC_KIND +: 2] == K_DRAIN : is_drain_reg;
wire              isc_next0 = hc_new0 ? w_ctl[HC_KIND +: 2] == K_CPL : is_cpl_reg;
// (primed_reg is 0 while the FIFO is empty: a prime beat ends with its pop)
wire              pb_next0 = hc_new0 ? (w_ctl[HC_KIND +: 2] == K_DATA && w_ctl[HC_PRIME]) : (prime_beat_reg && !s_axis_tvalid);
wire              np_next0 = hc_new0 ? (w_ctl[HC_SH0] || !w_ctl[HC_B0] || w_ctl[HC_SHEND])
                                     : (hc_reg[HC_SH0] || hc_reg[HC_SHEND] || !(beat_done ? lb_step : last_reg));
wire              ea_next0 = beat_done ? eff_abort_reg : first_reg ? ha_next0 : cur_abort_reg;
wire              isd_next = pop ? isd_next1 : isd_next0;
wire              isdr_next = pop ? isdr_next1 : isdr_next0;
wire              pb_next = pop ? pb_next1 : pb_next0;
wire              np_next = pop ? np_next1 : np_next0;
wire              ea_next = pop ? ea_next1 : ea_next0;
wire              db_next = isd_next && !pb_next && np_next;    // a data beat that pops

always @(posedge clk) begin
    is_data_reg <= isd_next;
    is_drain_reg <= isdr_next;
    is_cpl_reg <= isc_next;
    prime_beat_reg <= pb_next;
    need_pop_reg <= np_next;
    eff_abort_reg <= ea_next;
    rdy_a_reg <= isdr_next || pb_next || (db_next && ea_next);
    rdy_b_reg <= db_next && !ea_next;
    hld_a_reg <= pb_next || (db_next && ea_next);
    hc_reg <= hc_next;
    habort_reg <= pop ? ha_next1 : ha_next0;
    last_reg <= pop ? hc_next1[HC_B0] : beat_done ? lb_step : lb_stay;
    lbs_reg <= pop ? hc_next1[HC_B1] : beat_done ? lb_step2 : hc_new0 ? w_ctl[HC_B1] : lbs_reg;
    if (beat_done) begin
        first_reg <= pop;
    end
    hv_reg <= cmd_push || (hv_reg && !(pop && lvl_reg[1]));
    // the level moves up on a push alone, down on a pop alone
    lvl_reg <= (cmd_push && !pop) ? {lvl_reg[CMD_FIFO_DEPTH-1:0], 1'b0}
             : (pop && !cmd_push) ? {1'b0, lvl_reg[CMD_FIFO_DEPTH:1]} : lvl_reg;
    // a pop leaves room (a push happens only when not full); else full stays,
    // or a push fills the last slot
    cmd_full_reg <= !pop && (cmd_full_reg || (cmd_push && lvl_reg[CMD_FIFO_DEPTH-1]));
    if (rst) begin
        habort_reg <= 1'b0;
        first_reg <= 1'b1;
        hv_reg <= 1'b0;
        lvl_reg <= {{CMD_FIFO_DEPTH{1'b0}}, 1'b1};
        cmd_full_reg <= 1'b0;
        is_data_reg <= 1'b0;
        is_drain_reg <= 1'b0;
        is_cpl_reg <= 1'b0;
        prime_beat_reg <= 1'b0;
        eff_abort_reg <= 1'b0;
        rdy_a_reg <= 1'b0;
        rdy_b_reg <= 1'b0;
        hld_a_reg <= 1'b0;
    end
end

// shifted output: V bytes [p, p + 16) from {next, hold}, p = 16 + s when
// shift s == 0 (next alone), else p = s. With u = (s - 1) mod 16 (the HC_SHU
// field, stored so) both are byte j + u of sh_src = {next, hold[127:8]}: one
// 16:1 byte select, no s == 0 special case. It is built as two explicit 4:1
// stages, fine (u[1:0], 28 bytes) then coarse (u[3:2], 4-byte steps), each
// 32-bit slice of a stage with its own copy of its select bits: the copies
// are loaded from hc_next with the head (keep on their always blocks, so
// yosys does not merge them; each drives ~32 mux bits, not the whole beat).
localparam integer SH_FINE_N = 7;   // fine stage: bytes [0, 28) in 4-byte slices
localparam integer SH_CRS_N = 4;    // coarse stage: output quarters
wire [247:0] sh_src = {s_axis_tdata, hold_reg};
wire [127:0] data_out;
wire [223:0] sh_fine;
genvar gs;
generate
    for (gs = 0; gs < SH_FINE_N; gs = gs + 1) begin : g_sh_fine
        reg [1:0] shf_reg = 2'd0;
        (* keep *) always @(posedge clk) shf_reg <= hc_next[HC_SHU +: 2];
        assign sh_fine[gs*32 +: 32] = shf_reg[1] ? (shf_reg[0] ? sh_src[gs*32 + 24 +: 32] : sh_src[gs*32 + 16 +: 32])
                                                  : (shf_reg[0] ? sh_src[gs*32 + 8 +: 32] : sh_src[gs*32 +: 32]);
    end
    for (gs = 0; gs < SH_CRS_N; gs = gs + 1) begin : g_sh_crs
        reg [1:0] shc_reg = 2'd0;
        (* keep *) always @(posedge clk) shc_reg <= hc_next[HC_SHU + 2 +: 2];
        assign data_out[gs*32 +: 32] = shc_reg[1] ? (shc_reg[0] ? sh_fine[gs*32 + 96 +: 32] : sh_fine[gs*32 + 64 +: 32])
                                                  : (shc_reg[0] ? sh_fine[gs*32 + 32 +: 32] : sh_fine[gs*32 +: 32]);
    end
endgenerate

// completion record
reg [255:0] rec;
always @* begin
    rec = 256'd0;
    rec[CPL_LEN_LSB +: CPL_LEN_W] = h_clen;
    rec[CPL_BUF_ID_LSB +: CPL_BUF_ID_W] = h_cbuf;
    rec[CPL_STATUS_LSB +: CPL_STATUS_W] = h_cstat;
    rec[CPL_QUEUE_LSB +: CPL_QUEUE_W] = {{(8-QW){1'b0}}, h_q};
    rec[CPL_DESC_IDX_LSB +: CPL_DESC_IDX_W] = h_cidx;
    rec[CPL_RSS_HASH_LSB +: CPL_RSS_HASH_W] = h_meta[RM_HASH +: 32];
    rec[CPL_RSS_TYPE_LSB +: CPL_RSS_TYPE_W] = h_meta[RM_TYPE +: 4];
    rec[CPL_L3_TYPE_LSB +: CPL_L3_TYPE_W] = h_meta[RM_L3 +: 2];
    rec[CPL_L4_TYPE_LSB +: CPL_L4_TYPE_W] = h_meta[RM_L4 +: 2];
    rec[CPL_PARSE_FLAGS_LSB +: CPL_PARSE_FLAGS_W] = h_meta[RM_FLAGS +: 8];
    rec[CPL_VLAN_COUNT_LSB +: CPL_VLAN_COUNT_W] = h_meta[RM_VLAN +: 2];
    rec[CPL_L3_OFFSET_LSB +: CPL_L3_OFFSET_W] = h_meta[RM_L3OFF +: 10];
    rec[CPL_L4_OFFSET_LSB +: CPL_L4_OFFSET_W] = h_meta[RM_L4OFF +: 10];
    rec[CPL_PAYLOAD_OFFSET_LSB +: CPL_PAYLOAD_OFFSET_W] = h_meta[RM_PAYOFF +: 10];
    rec[CPL_DESC_COUNT_LSB +: CPL_DESC_COUNT_W] = h_cdcnt;
    rec[CPL_HDR_LEN_LSB +: CPL_HDR_LEN_W] = h_chlen;
    rec[CPL_LAST_LEN_LSB +: CPL_LAST_LEN_W] = h_cllen;
    rec[CPL_SPLIT_LSB] = h_csplit;
    rec[CPL_HDR_OVERFLOW_LSB] = h_covf;
    rec[CPL_VLAN_STRIPPED_LSB] = h_cstrip;
    // the outer TCI whenever a tag was parsed (captured from the frame's word 0)
    rec[CPL_VLAN_TCI_LSB +: CPL_VLAN_TCI_W] = (h_meta[RM_VLAN +: 2] != 2'd0) ? tci_reg : 16'd0;
    // checksum fields: none / 0 for a BAD_DESC record (no data written)
    if (h_cok) begin
        rec[CPL_IP_CSUM_LSB +: CPL_IP_CSUM_W] = s_csum_ip;
        rec[CPL_L4_CSUM_LSB +: CPL_L4_CSUM_W] = s_csum_l4;
        rec[CPL_CSUM_COMPLETE_LSB +: CPL_CSUM_COMPLETE_W] = s_csum_complete;
    end
    rec[CPL_PHASE_LSB] = h_cphase;
end

// MemWr header
wire [31:0] hdr_dw0 = {h_4dw ? TLP_FMT_4DW_DATA : TLP_FMT_3DW_DATA, TLP_TYPE_MEM, 14'd0, h_dw};
wire [31:0] hdr_dw1 = {cfg_requester_id, 8'd0, h_lbe, h_fbe};
wire [63:0] hdr_dw23 = h_4dw ? {h_addr[63:32], h_addr[31:2], 2'b00} : {h_addr[31:2], 2'b00, 32'd0};

assign m_tlp_hdr = {hdr_dw0, hdr_dw1, hdr_dw23};
// the record / data select, per output quarter its own copy of is_cpl_reg
// and cnt_reg[0] (loaded as those are: keep, as the shift copies)
wire cnt0_next = rst ? 1'b0 : beat_done ? (!pop && !cnt_reg[0]) : cnt_reg[0];
wire isc_next = rst ? 1'b0 : pop ? isc_next1 : isc_next0;
generate
    for (gs = 0; gs < SH_CRS_N; gs = gs + 1) begin : g_out_sel
        reg osel_cpl_reg = 1'b0;
        reg osel_hi_reg = 1'b0;
        (* keep *) always @(posedge clk) begin
            osel_cpl_reg <= isc_next;
            osel_hi_reg <= cnt0_next;
        end
        assign m_tlp_data[gs*32 +: 32] = osel_cpl_reg ? (osel_hi_reg ? rec[128 + gs*32 +: 32] : rec[gs*32 +: 32])
                                                      : data_out[gs*32 +: 32];
    end
endgenerate
assign m_tlp_sop = first_beat;
assign m_tlp_eop = last_beat;
assign m_tlp_commit = is_cpl;
assign m_tlp_queue = h_q;
assign m_tlp_valid = (wr_out && in_ok) || cpl_out;

integer i;

always @(posedge clk) begin
    if (beat_done) begin
        cur_abort_reg <= eff_abort;
        cnt_reg <= pop ? 10'd0 : cnt_reg + 10'd1;
    end
    if (hold_load) begin
        // V word 0 of a stripped frame: bytes 0..11 moved up over the tag
        hold_reg <= prime_beat ? {s_axis_tdata[95:0], 24'd0} : s_axis_tdata[127:8];
    end
    if (axis_xfer && h_first && first_beat && !primed_reg) begin
        tci_reg <= {s_axis_tdata[119:112], s_axis_tdata[127:120]};
    end
    if (prime_beat && axis_xfer) begin
        primed_reg <= 1'b1;
    end
    if (pop) begin
        primed_reg <= 1'b0;
    end

    stat_ok_reg <= onehot(h_q, cpl_out && m_tlp_ready && last_beat && h_cok);
    stat_split_reg <= onehot(h_q, cpl_out && m_tlp_ready && last_beat && h_cok && h_csplit);
    stat_ovf_reg <= onehot(h_q, cpl_out && m_tlp_ready && last_beat && h_cok && h_covf);
    stat_bytes_reg <= h_clen;
    stat_abort_reg <= onehot(h_q, cpl_skip && h_cok);

    for (i = 0; i < CMD_FIFO_DEPTH; i = i + 1) begin
        if (!q_enable[cmd_q_reg[i]]) begin
            cmd_abort_reg[i] <= 1'b1;
        end
    end
    if (cmd_push) begin
        cmd_abort_reg[cmd_wr_ptr_reg[CMD_AW-1:0]] <= seg_abort_reg || !q_enable[rec_q_reg];
        cmd_q_reg[cmd_wr_ptr_reg[CMD_AW-1:0]] <= rec_q_reg;
        cmd_wr_ptr_reg <= cmd_wr_ptr_reg + 1'b1;
    end
    if (pop) begin
        cmd_rd_ptr_reg <= cmd_rd_ptr_reg + 1'b1;
    end

    if (rst) begin
        cnt_reg <= 10'd0;
        cur_abort_reg <= 1'b0;
        primed_reg <= 1'b0;
        stat_ok_reg <= {RX_QUEUES{1'b0}};
        stat_split_reg <= {RX_QUEUES{1'b0}};
        stat_ovf_reg <= {RX_QUEUES{1'b0}};
        stat_abort_reg <= {RX_QUEUES{1'b0}};
        cmd_wr_ptr_reg <= 0;
        cmd_rd_ptr_reg <= 0;
        cmd_abort_reg <= 0;
        for (i = 0; i < CMD_FIFO_DEPTH; i = i + 1) begin
            cmd_q_reg[i] <= {QW{1'b0}};
        end
    end
end

endmodule

`default_nettype wire
