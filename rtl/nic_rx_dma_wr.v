`timescale 1ns / 1ps
`default_nettype none

/*
 * RX frame DMA write path shared by RX_QUEUES queues: per-frame decision, TLP
 * segmentation and the beat streamer that turns FIFO words into MemWr TLPs,
 * followed by the 32-byte completion record.
 *
 * Frames are handled strictly in FIFO order. Each s_meta entry carries the
 * frame length and its metadata word (nic_rx_meta.vh); the frame goes to the
 * queue in the meta's QUEUE field (taken modulo 2^QW; a value >= RX_QUEUES
 * maps to queue 0). Per-queue inputs/outputs are flattened: queue q uses
 * bits [q*W +: W]; the head descriptor of every queue is offered in parallel
 * and only the frame's queue is consumed. Completion ring state (allocation
 * index) is kept per queue; the registered ring-full / phase / slot values
 * are computed for the queue of the popped frame and the decision waits one
 * cycle after a pop so they are fresh.
 *
 * Frame scheduler (one frame at a time, runs ahead of the streamer):
 *   pop a length + meta, then decide with the queue's head descriptor:
 *     queue disabled or halted          -> drain, stat_drop_disabled
 *     no descriptor and none can arrive -> drain, stat_drop_no_desc
 *     descriptor on its way             -> wait
 *     malformed descriptor              -> (needs BME + completion slot)
 *                                          consume, drain, completion with
 *                                          STATUS.BAD_DESC, stat_drop_bad_desc
 *     frame longer than buffer          -> drain, keep descriptor,
 *                                          stat_drop_buf_too_small
 *     otherwise                         -> (needs BME + completion slot)
 *                                          consume, DMA, completion record
 *   The segmenter splits the frame into MemWr TLPs: the first up to the next
 *   MPS-aligned address, the rest MPS-sized (MPS <= 4 KiB and buffers are
 *   16-byte aligned, so no TLP crosses 4 KiB and every TLP starts on a FIFO
 *   word). It emits one command per TLP (PREP/PUSH, plus one UPD cycle to
 *   carry into address bits [63:12] between TLPs) into a small command FIFO.
 *   A minimum-size frame costs the scheduler 4 cycles.
 *
 * Streamer: executes commands back to back with no idle cycles:
 *   DATA  - ceil(bytes/16) FIFO words as the payload of one MemWr
 *   DRAIN - consume FIFO words, no output (dropped frames, at full rate)
 *   CPL   - the 2-beat completion record MemWr; m_tlp_commit marks its eop
 *           beat so the top advances the exported indices when the record
 *           has left the engine. The second beat (DW4..7, with the checksum
 *           fields) waits for s_csum_valid: the checksum result of the frame
 *           whose data just left (valid 2 cycles after its last beat, so a
 *           record right behind its data does not wait).
 * While a queue is disabled every queued command of that queue is marked
 * aborted: data TLPs not yet started become drains and completion records are
 * skipped (stat_abort_disabled pulses for an aborted frame). A TLP already
 * started is always finished; busy[q] covers it. m_tlp_queue names the queue
 * of every beat (the top routes the commit and the busy tracking with it).
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

    input  wire [15:0]                s_meta_len,
    input  wire [META_WIDTH-1:0]      s_meta_tdata,
    input  wire                       s_meta_tvalid,
    output wire                       s_meta_tready,

    input  wire [RX_QUEUES-1:0]       q_enable,
    input  wire [RX_QUEUES-1:0]       q_halted,
    input  wire [RX_QUEUES*64-1:0]    q_cpl_base,
    input  wire [RX_QUEUES*4-1:0]     q_cpl_log_size,
    input  wire [RX_QUEUES*16-1:0]    q_cpl_cons,

    input  wire [RX_QUEUES*64-1:0]    s_desc_addr,
    input  wire [RX_QUEUES*16-1:0]    s_desc_len,
    input  wire [RX_QUEUES*16-1:0]    s_desc_buf_id,
    input  wire [RX_QUEUES*16-1:0]    s_desc_idx,
    input  wire [RX_QUEUES-1:0]       s_desc_bad,
    input  wire [RX_QUEUES-1:0]       s_desc_valid,
    output wire [RX_QUEUES-1:0]       s_desc_ready,
    input  wire [RX_QUEUES-1:0]       s_desc_empty,

    // checksum result of the most recently ended frame (nic_rx_csum): read
    // for a frame's completion record, whose second beat waits for s_csum_valid
    input  wire [1:0]                 s_csum_ip,
    input  wire [1:0]                 s_csum_l4,
    input  wire [15:0]                s_csum_complete,
    input  wire                       s_csum_valid,

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

    // A MemWr TLP of queue q has started and must still finish: after
    // q_enable[q] drops, host memory stays a DMA target until busy[q] clears.
    output wire [RX_QUEUES-1:0]       busy
);

/* verilator lint_off UNUSEDPARAM */
`include "nic_spec.vh"
`include "nic_rx_meta.vh"
/* verilator lint_on UNUSEDPARAM */

// record fields taken from the meta (everything but the queue)
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
localparam integer C_KIND = 0;          // 2
localparam integer C_BEATS = 2;         // 10: beats - 1
localparam integer C_ADDR = 12;         // 60: address [63:4]
localparam integer C_4DW = 72;          // 1
localparam integer C_DW = 73;           // 10: Length field
localparam integer C_FBE = 83;          // 4
localparam integer C_LBE = 87;          // 4
localparam integer C_CLEN = 91;         // 16
localparam integer C_CBUF = 107;        // 16
localparam integer C_CSTAT = 123;       // 8
localparam integer C_CIDX = 131;        // 16
localparam integer C_CPHASE = 147;      // 1
localparam integer C_Q = 148;           // QW: queue
localparam integer C_META = 148 + QW;   // RM_W: record fields from the meta
localparam integer CMD_W = C_META + RM_W;

// ---------------------------------------------------------------------------
// frame scheduler state
localparam [2:0] S_IDLE = 3'd0, S_PREP = 3'd1, S_PUSH = 3'd2, S_UPD = 3'd3, S_CPL = 3'd4, S_DRAIN = 3'd5;

reg [2:0]   state_reg = S_IDLE;

reg         len_valid_reg = 1'b0;
reg         len_age_reg = 1'b0;         // completion state below is for len's queue
reg [15:0]  len_reg = 16'd0;
reg [QW-1:0] len_q_reg = {QW{1'b0}};
reg [RM_W-1:0] len_meta_reg = {RM_W{1'b0}};

reg [15:0]  cpl_alloc_reg [0:RX_QUEUES-1];
reg         cpl_full_reg = 1'b0;
reg         cpl_phase_reg = 1'b1;
reg [63:0]  cpl_slot_addr_reg = 64'd0;

// segmenter
reg [63:0]  seg_addr_reg = 64'd0;
reg [15:0]  seg_rem_reg = 16'd0;
reg [12:0]  seg_room_reg = 13'd0;
reg [1:0]   seg_len_lo_reg = 2'd0;
reg         seg_carry_reg = 1'b0;
reg         seg_abort_reg = 1'b0;
reg         seg_cpl_after_reg = 1'b0;
reg [9:0]   seg_drain_m1_reg = 10'd0;

reg         tlp_last_reg = 1'b0;
reg [9:0]   tlp_dw_reg = 10'd0;
reg [9:0]   tlp_beats_m1_reg = 10'd0;
reg [3:0]   tlp_fbe_reg = 4'd0;
reg [3:0]   tlp_lbe_reg = 4'd0;
reg         tlp_4dw_reg = 1'b0;

// completion record fields for the current frame
reg [15:0]  rec_len_reg = 16'd0;
reg [15:0]  rec_buf_id_reg = 16'd0;
reg [7:0]   rec_status_reg = 8'd0;
reg [15:0]  rec_idx_reg = 16'd0;
reg         rec_phase_reg = 1'b0;
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
reg [CMD_W-1:0]          cmd_mem [0:CMD_FIFO_DEPTH-1];
reg [CMD_FIFO_DEPTH-1:0] cmd_abort_reg = 0;
reg [QW-1:0]             cmd_q_reg [0:CMD_FIFO_DEPTH-1];
reg [CMD_AW:0]           cmd_wr_ptr_reg = 0;
reg [CMD_AW:0]           cmd_rd_ptr_reg = 0;

// streamer
reg [9:0]   cnt_reg = 10'd0;
reg         cur_abort_reg = 1'b0;
reg [RX_QUEUES-1:0] stat_ok_reg = {RX_QUEUES{1'b0}};
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

// ---------------------------------------------------------------------------
// the popped frame's queue: configuration and head descriptor
wire [QW-1:0] dq = len_q_reg;
wire        d_enable = q_enable[dq];
wire        d_halted = q_halted[dq];
wire [63:0] d_cpl_base = q_cpl_base[dq*64 +: 64];
wire [3:0]  d_cpl_log = q_cpl_log_size[dq*4 +: 4];
wire [15:0] d_cpl_cons = q_cpl_cons[dq*16 +: 16];
wire [15:0] d_cpl_alloc = cpl_alloc_reg[dq];
wire [63:0] d_desc_addr = s_desc_addr[dq*64 +: 64];
wire [15:0] d_desc_len = s_desc_len[dq*16 +: 16];
wire [15:0] d_desc_buf_id = s_desc_buf_id[dq*16 +: 16];
wire [15:0] d_desc_idx = s_desc_idx[dq*16 +: 16];
wire        d_desc_bad = s_desc_bad[dq];
wire        d_desc_valid = s_desc_valid[dq];
wire        d_desc_empty = s_desc_empty[dq];

// ---------------------------------------------------------------------------
// completion ring bookkeeping (registered, refreshed every cycle for the
// popped frame's queue; the scheduler never decides within 2 cycles of an
// allocation, nor in the cycle after a pop)
wire [15:0] cpl_size16 = 16'd1 << d_cpl_log;
wire [15:0] cpl_mask = cpl_size16 - 16'd1;
wire [15:0] cpl_count = d_cpl_alloc - d_cpl_cons;

always @(posedge clk) begin
    cpl_full_reg <= |(cpl_count & ~cpl_mask);
    cpl_phase_reg <= !(|(d_cpl_alloc & cpl_size16));
    cpl_slot_addr_reg <= d_cpl_base + {43'd0, d_cpl_alloc & cpl_mask, 5'd0};
end

// Max Payload Size
wire [2:0]  mps_n = (cfg_max_payload_size > 3'd5) ? 3'd5 : cfg_max_payload_size;
wire [12:0] mps = 13'd128 << mps_n;
wire [11:0] mps_mask = (12'd128 << mps_n) - 12'd1;

// ---------------------------------------------------------------------------
// decision
wire cmd_full = (cmd_wr_ptr_reg[CMD_AW-1:0] == cmd_rd_ptr_reg[CMD_AW-1:0])
    && (cmd_wr_ptr_reg[CMD_AW] != cmd_rd_ptr_reg[CMD_AW]);

wire dec_ready = (state_reg == S_IDLE) && len_valid_reg && len_age_reg;
wire dec_dis = !d_enable || d_halted;
wire dec_can_write = cfg_bus_master_enable && !cpl_full_reg;
wire dec_fits = len_reg <= d_desc_len;

wire act_disabled = dec_ready && dec_dis;
wire act_no_desc = dec_ready && !dec_dis && !d_desc_valid && d_desc_empty;
wire act_bad = dec_ready && !dec_dis && d_desc_valid && d_desc_bad && dec_can_write;
wire act_small = dec_ready && !dec_dis && d_desc_valid && !d_desc_bad && !dec_fits;
wire act_dma = dec_ready && !dec_dis && d_desc_valid && !d_desc_bad && dec_fits && dec_can_write;
wire act_drain = act_disabled || act_no_desc || act_small || act_bad;

assign s_desc_ready = onehot(dq, act_bad || act_dma);

/* verilator lint_off UNUSEDSIGNAL */
wire [15:0] len_m1 = len_reg - 16'd1;
/* verilator lint_on UNUSEDSIGNAL */

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

wire [12:0] push_lo_sum = {1'b0, seg_addr_reg[11:0]} + seg_room_reg;

// ---------------------------------------------------------------------------
// command FIFO write
reg             cmd_push;
reg [CMD_W-1:0] cmd_wdata;

always @* begin
    cmd_push = 1'b0;
    cmd_wdata = {CMD_W{1'b0}};
    cmd_wdata[C_CLEN +: 16] = rec_len_reg;
    cmd_wdata[C_CBUF +: 16] = rec_buf_id_reg;
    cmd_wdata[C_CSTAT +: 8] = rec_status_reg;
    cmd_wdata[C_CIDX +: 16] = rec_idx_reg;
    cmd_wdata[C_CPHASE] = rec_phase_reg;
    cmd_wdata[C_Q +: QW] = rec_q_reg;
    cmd_wdata[C_META +: RM_W] = rec_meta_reg;
    case (state_reg)
        S_PUSH: begin
            cmd_push = !cmd_full;
            cmd_wdata[C_KIND +: 2] = K_DATA;
            cmd_wdata[C_BEATS +: 10] = tlp_beats_m1_reg;
            cmd_wdata[C_ADDR +: 60] = seg_addr_reg[63:4];
            cmd_wdata[C_4DW] = tlp_4dw_reg;
            cmd_wdata[C_DW +: 10] = tlp_dw_reg;
            cmd_wdata[C_FBE +: 4] = tlp_fbe_reg;
            cmd_wdata[C_LBE +: 4] = tlp_lbe_reg;
        end
        S_CPL: begin
            cmd_push = !cmd_full;
            cmd_wdata[C_KIND +: 2] = K_CPL;
            cmd_wdata[C_BEATS +: 10] = 10'd1;
            cmd_wdata[C_ADDR +: 60] = rec_addr_reg[63:4];
            cmd_wdata[C_4DW] = rec_4dw_reg;
            cmd_wdata[C_DW +: 10] = 10'd8;
            cmd_wdata[C_FBE +: 4] = 4'hF;
            cmd_wdata[C_LBE +: 4] = 4'hF;
        end
        S_DRAIN: begin
            cmd_push = !cmd_full;
            cmd_wdata[C_KIND +: 2] = K_DRAIN;
            cmd_wdata[C_BEATS +: 10] = seg_drain_m1_reg;
        end
        default: begin
        end
    endcase
end

// ---------------------------------------------------------------------------
// scheduler / segmenter sequential logic
integer qi;

always @(posedge clk) begin
    stat_no_desc_reg <= onehot(dq, act_no_desc);
    stat_too_small_reg <= onehot(dq, act_small);
    stat_bad_desc_reg <= onehot(dq, act_bad);
    stat_disabled_reg <= onehot(dq, act_disabled);

    len_age_reg <= 1'b1;
    if (s_meta_tvalid && s_meta_tready) begin
        len_valid_reg <= 1'b1;
        len_age_reg <= 1'b0;
        len_reg <= s_meta_len;
        len_q_reg <= qmap(s_meta_tdata[META_QUEUE_LSB +: 8]);
        len_meta_reg <= {s_meta_tdata[META_PAY_OFF_LSB +: 10], s_meta_tdata[META_L4_OFF_LSB +: 10],
            s_meta_tdata[META_L3_OFF_LSB +: 10], s_meta_tdata[META_VLAN_LSB +: 2],
            s_meta_tdata[META_FLAGS_LSB +: 8], s_meta_tdata[META_L4_TYPE_LSB +: 2],
            s_meta_tdata[META_L3_TYPE_LSB +: 2], s_meta_tdata[META_TYPE_LSB +: 4],
            s_meta_tdata[META_HASH_LSB +: 32]};
    end

    if (!q_enable[rec_q_reg]) begin
        seg_abort_reg <= 1'b1;
    end

    case (state_reg)
        S_IDLE: begin
            seg_abort_reg <= !d_enable;
            rec_q_reg <= dq;
            rec_meta_reg <= len_meta_reg;
            seg_len_lo_reg <= len_reg[1:0];
            seg_drain_m1_reg <= len_m1[13:4];
            seg_rem_reg <= len_reg;
            seg_addr_reg <= d_desc_addr;
            seg_room_reg <= mps - {1'b0, d_desc_addr[11:0] & mps_mask};

            rec_len_reg <= act_bad ? 16'd0 : len_reg;
            rec_buf_id_reg <= d_desc_buf_id;
            rec_status_reg <= act_bad ? (8'd1 << CPL_STATUS_BAD_DESC_BIT) : 8'd0;
            rec_idx_reg <= d_desc_idx;
            rec_phase_reg <= cpl_phase_reg;
            rec_addr_reg <= cpl_slot_addr_reg;
            rec_4dw_reg <= |cpl_slot_addr_reg[63:32];

            if (act_drain || act_dma) begin
                len_valid_reg <= 1'b0;
            end
            if (act_bad || act_dma) begin
                cpl_alloc_reg[dq] <= d_cpl_alloc + 16'd1;
            end
            seg_cpl_after_reg <= act_bad;
            if (act_drain) begin
                state_reg <= S_DRAIN;
            end else if (act_dma) begin
                state_reg <= S_PREP;
            end
        end
        S_PREP: begin
            tlp_last_reg <= prep_last;
            tlp_dw_reg <= prep_dw[9:0];
            tlp_beats_m1_reg <= prep_beats_m1;
            tlp_fbe_reg <= prep_one_dw ? prep_mask : 4'hF;
            tlp_lbe_reg <= prep_one_dw ? 4'h0 : (prep_last ? prep_mask : 4'hF);
            tlp_4dw_reg <= |seg_addr_reg[63:32];
            state_reg <= S_PUSH;
        end
        S_PUSH: begin
            if (!cmd_full) begin
                seg_addr_reg[11:0] <= push_lo_sum[11:0];
                seg_carry_reg <= push_lo_sum[12];
                seg_rem_reg <= seg_rem_reg - {3'd0, seg_room_reg};
                seg_room_reg <= mps;
                state_reg <= tlp_last_reg ? S_CPL : S_UPD;
            end
        end
        S_UPD: begin
            seg_addr_reg[63:12] <= seg_addr_reg[63:12] + {51'd0, seg_carry_reg};
            state_reg <= S_PREP;
        end
        S_CPL: begin
            if (!cmd_full) begin
                state_reg <= S_IDLE;
            end
        end
        S_DRAIN: begin
            if (!cmd_full) begin
                state_reg <= seg_cpl_after_reg ? S_CPL : S_IDLE;
            end
        end
        default: begin
            state_reg <= S_IDLE;
        end
    endcase

    for (qi = 0; qi < RX_QUEUES; qi = qi + 1) begin
        if (!q_enable[qi] || rst) begin
            cpl_alloc_reg[qi] <= 16'd0;
        end
    end

    if (rst) begin
        state_reg <= S_IDLE;
        len_valid_reg <= 1'b0;
        seg_abort_reg <= 1'b0;
        stat_no_desc_reg <= {RX_QUEUES{1'b0}};
        stat_too_small_reg <= {RX_QUEUES{1'b0}};
        stat_bad_desc_reg <= {RX_QUEUES{1'b0}};
        stat_disabled_reg <= {RX_QUEUES{1'b0}};
    end
end

// ---------------------------------------------------------------------------
// command FIFO (distributed RAM, asynchronous read of the head entry)
always @(posedge clk) begin
    if (cmd_push) begin
        cmd_mem[cmd_wr_ptr_reg[CMD_AW-1:0]] <= cmd_wdata;
    end
end

// ---------------------------------------------------------------------------
// streamer
wire             head_valid = cmd_wr_ptr_reg != cmd_rd_ptr_reg;
wire [CMD_W-1:0] head = cmd_mem[cmd_rd_ptr_reg[CMD_AW-1:0]];
wire [1:0]       h_kind = head[C_KIND +: 2];
wire [9:0]       h_beats_m1 = head[C_BEATS +: 10];
/* verilator lint_off UNUSEDSIGNAL */
wire [63:0]      h_addr = {head[C_ADDR +: 60], 4'd0};
/* verilator lint_on UNUSEDSIGNAL */
wire             h_4dw = head[C_4DW];
wire [9:0]       h_dw = head[C_DW +: 10];
wire [3:0]       h_fbe = head[C_FBE +: 4];
wire [3:0]       h_lbe = head[C_LBE +: 4];
wire [15:0]      h_clen = head[C_CLEN +: 16];
wire [15:0]      h_cbuf = head[C_CBUF +: 16];
wire [7:0]       h_cstat = head[C_CSTAT +: 8];
wire [15:0]      h_cidx = head[C_CIDX +: 16];
wire             h_cphase = head[C_CPHASE];
wire [QW-1:0]    h_q = head[C_Q +: QW];
wire [RM_W-1:0]  h_meta = head[C_META +: RM_W];

wire first_beat = cnt_reg == 10'd0;
wire eff_abort = first_beat ? (cmd_abort_reg[cmd_rd_ptr_reg[CMD_AW-1:0]] || !q_enable[h_q]) : cur_abort_reg;

wire is_data = head_valid && h_kind == K_DATA;
wire is_cpl = head_valid && h_kind == K_CPL;
wire is_drain = head_valid && h_kind == K_DRAIN;

wire wr_out = is_data && !eff_abort;
wire drain_like = is_drain || (is_data && eff_abort);
// the record's second beat carries the checksum fields: it waits for them
// (the frame's data has left by then; nic_rx_csum needs 2 cycles after it)
wire cpl_wait = cnt_reg[0] && !s_csum_valid;
wire cpl_out = is_cpl && !eff_abort && !cpl_wait;
wire cpl_skip = is_cpl && eff_abort;

wire last_beat = cnt_reg == h_beats_m1;

// Only a TLP already past its first beat survives a disable (every queued
// command is aborted then), so this is the whole remaining DMA exposure.
assign busy = onehot(h_q, head_valid && !first_beat && !cur_abort_reg);

assign s_axis_tready = drain_like || (wr_out && m_tlp_ready);

wire axis_xfer = s_axis_tvalid && s_axis_tready;
wire beat_done = (drain_like || wr_out) ? axis_xfer : (cpl_out ? m_tlp_ready : cpl_skip);
wire pop = beat_done && (last_beat || cpl_skip);

// completion record
reg [255:0] rec;
always @* begin
    rec = 256'd0;
    rec[CPL_LEN_LSB +: CPL_LEN_W] = h_clen;
    rec[CPL_BUF_ID_LSB +: CPL_BUF_ID_W] = h_cbuf;
    rec[CPL_STATUS_LSB +: CPL_STATUS_W] = h_cstat;
    rec[CPL_QUEUE_LSB +: CPL_QUEUE_W] = {{(8-QW){1'b0}}, h_q};
    rec[CPL_DESC_IDX_LSB +: CPL_DESC_IDX_W] = h_cidx;
    // meta fields, packed as in len_meta_reg
    rec[CPL_RSS_HASH_LSB +: CPL_RSS_HASH_W] = h_meta[0 +: 32];
    rec[CPL_RSS_TYPE_LSB +: CPL_RSS_TYPE_W] = h_meta[32 +: 4];
    rec[CPL_L3_TYPE_LSB +: CPL_L3_TYPE_W] = h_meta[36 +: 2];
    rec[CPL_L4_TYPE_LSB +: CPL_L4_TYPE_W] = h_meta[38 +: 2];
    rec[CPL_PARSE_FLAGS_LSB +: CPL_PARSE_FLAGS_W] = h_meta[40 +: 8];
    rec[CPL_VLAN_COUNT_LSB +: CPL_VLAN_COUNT_W] = h_meta[48 +: 2];
    rec[CPL_L3_OFFSET_LSB +: CPL_L3_OFFSET_W] = h_meta[50 +: 10];
    rec[CPL_L4_OFFSET_LSB +: CPL_L4_OFFSET_W] = h_meta[60 +: 10];
    rec[CPL_PAYLOAD_OFFSET_LSB +: CPL_PAYLOAD_OFFSET_W] = h_meta[70 +: 10];
    // checksum fields: none / 0 for a BAD_DESC record (no data written)
    if (h_cstat == 8'd0) begin
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
assign m_tlp_data = is_cpl ? (cnt_reg[0] ? rec[255:128] : rec[127:0]) : s_axis_tdata;
assign m_tlp_sop = first_beat;
assign m_tlp_eop = last_beat;
assign m_tlp_commit = is_cpl;
assign m_tlp_queue = h_q;
assign m_tlp_valid = (wr_out && s_axis_tvalid) || cpl_out;

integer i;

always @(posedge clk) begin
    if (beat_done) begin
        cur_abort_reg <= eff_abort;
        cnt_reg <= pop ? 10'd0 : cnt_reg + 10'd1;
    end

    stat_ok_reg <= onehot(h_q, cpl_out && m_tlp_ready && last_beat && (h_cstat == 8'd0));
    stat_bytes_reg <= h_clen;
    stat_abort_reg <= onehot(h_q, cpl_skip && (h_cstat == 8'd0));

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
        stat_ok_reg <= {RX_QUEUES{1'b0}};
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
