`timescale 1ns / 1ps
`default_nettype none

/*
 * RX frame DMA write path for one queue: per-frame decision, TLP segmentation
 * and the beat streamer that turns FIFO words into MemWr TLPs, followed by the
 * 32-byte completion record.
 *
 * Frame scheduler (one frame at a time, runs ahead of the streamer):
 *   pop a length, then decide with the head descriptor:
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
 *           has left the engine.
 * While the queue is disabled every queued command is marked aborted: data
 * TLPs not yet started become drains and completion records are skipped
 * (stat_abort_disabled pulses for an aborted frame). A TLP already started is
 * always finished.
 *
 * Assumes TLP_DATA_WIDTH == 128 (FIFO word == TLP beat == 16 bytes).
 */
module nic_rx_dma_wr #(
    parameter TLP_DATA_WIDTH = 128,
    parameter QUEUE_ID = 0,
    parameter CMD_FIFO_DEPTH = 4,
    parameter CMD_AW = $clog2(CMD_FIFO_DEPTH)
) (
    input  wire                       clk,
    input  wire                       rst,

    input  wire [TLP_DATA_WIDTH-1:0]  s_axis_tdata,
    input  wire                       s_axis_tvalid,
    output wire                       s_axis_tready,

    input  wire [15:0]                s_len_tdata,
    input  wire                       s_len_tvalid,
    output wire                       s_len_tready,

    input  wire                       q_enable,
    input  wire                       q_halted,
    input  wire [63:0]                q_cpl_base,
    input  wire [3:0]                 q_cpl_log_size,
    input  wire [15:0]                q_cpl_cons,

    input  wire [63:0]                s_desc_addr,
    input  wire [15:0]                s_desc_len,
    input  wire [15:0]                s_desc_buf_id,
    input  wire [15:0]                s_desc_idx,
    input  wire                       s_desc_bad,
    input  wire                       s_desc_valid,
    output wire                       s_desc_ready,
    input  wire                       s_desc_empty,

    input  wire [15:0]                cfg_requester_id,
    input  wire                       cfg_bus_master_enable,
    input  wire [2:0]                 cfg_max_payload_size,

    output wire [127:0]               m_tlp_hdr,
    output wire [TLP_DATA_WIDTH-1:0]  m_tlp_data,
    output wire                       m_tlp_sop,
    output wire                       m_tlp_eop,
    output wire                       m_tlp_commit,
    output wire                       m_tlp_valid,
    input  wire                       m_tlp_ready,

    output wire                       stat_frame_ok,
    output wire [15:0]                stat_frame_bytes,
    output wire                       stat_drop_no_desc,
    output wire                       stat_drop_buf_too_small,
    output wire                       stat_drop_bad_desc,
    output wire                       stat_drop_disabled,
    output wire                       stat_abort_disabled,

    // A MemWr TLP has started and must still finish: after q_enable drops,
    // host memory stays a DMA target until this clears.
    output wire                       busy
);

/* verilator lint_off UNUSEDPARAM */
`include "nic_spec.vh"
/* verilator lint_on UNUSEDPARAM */

localparam [7:0] QUEUE_ID_8 = QUEUE_ID[7:0];

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
localparam integer CMD_W = 148;

// ---------------------------------------------------------------------------
// frame scheduler state
localparam [2:0] S_IDLE = 3'd0, S_PREP = 3'd1, S_PUSH = 3'd2, S_UPD = 3'd3, S_CPL = 3'd4, S_DRAIN = 3'd5;

reg [2:0]   state_reg = S_IDLE;

reg         len_valid_reg = 1'b0;
reg [15:0]  len_reg = 16'd0;

reg [15:0]  cpl_alloc_reg = 16'd0;
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

reg         stat_no_desc_reg = 1'b0;
reg         stat_too_small_reg = 1'b0;
reg         stat_bad_desc_reg = 1'b0;
reg         stat_disabled_reg = 1'b0;

// command FIFO
reg [CMD_W-1:0]          cmd_mem [0:CMD_FIFO_DEPTH-1];
reg [CMD_FIFO_DEPTH-1:0] cmd_abort_reg = 0;
reg [CMD_AW:0]           cmd_wr_ptr_reg = 0;
reg [CMD_AW:0]           cmd_rd_ptr_reg = 0;

// streamer
reg [9:0]   cnt_reg = 10'd0;
reg         cur_abort_reg = 1'b0;
reg         stat_ok_reg = 1'b0;
reg [15:0]  stat_bytes_reg = 16'd0;
reg         stat_abort_reg = 1'b0;

assign s_len_tready = !len_valid_reg;

assign stat_frame_ok = stat_ok_reg;
assign stat_frame_bytes = stat_bytes_reg;
assign stat_drop_no_desc = stat_no_desc_reg;
assign stat_drop_buf_too_small = stat_too_small_reg;
assign stat_drop_bad_desc = stat_bad_desc_reg;
assign stat_drop_disabled = stat_disabled_reg;
assign stat_abort_disabled = stat_abort_reg;

// ---------------------------------------------------------------------------
// completion ring bookkeeping (registered, refreshed every cycle; the
// scheduler never decides within 2 cycles of an allocation)
wire [15:0] cpl_size16 = 16'd1 << q_cpl_log_size;
wire [15:0] cpl_mask = cpl_size16 - 16'd1;
wire [15:0] cpl_count = cpl_alloc_reg - q_cpl_cons;

always @(posedge clk) begin
    cpl_full_reg <= |(cpl_count & ~cpl_mask);
    cpl_phase_reg <= !(|(cpl_alloc_reg & cpl_size16));
    cpl_slot_addr_reg <= q_cpl_base + {43'd0, cpl_alloc_reg & cpl_mask, 5'd0};
end

// Max Payload Size
wire [2:0]  mps_n = (cfg_max_payload_size > 3'd5) ? 3'd5 : cfg_max_payload_size;
wire [12:0] mps = 13'd128 << mps_n;
wire [11:0] mps_mask = (12'd128 << mps_n) - 12'd1;

// ---------------------------------------------------------------------------
// decision
wire cmd_full = (cmd_wr_ptr_reg[CMD_AW-1:0] == cmd_rd_ptr_reg[CMD_AW-1:0])
    && (cmd_wr_ptr_reg[CMD_AW] != cmd_rd_ptr_reg[CMD_AW]);

wire dec_ready = (state_reg == S_IDLE) && len_valid_reg;
wire dec_dis = !q_enable || q_halted;
wire dec_can_write = cfg_bus_master_enable && !cpl_full_reg;
wire dec_fits = len_reg <= s_desc_len;

wire act_disabled = dec_ready && dec_dis;
wire act_no_desc = dec_ready && !dec_dis && !s_desc_valid && s_desc_empty;
wire act_bad = dec_ready && !dec_dis && s_desc_valid && s_desc_bad && dec_can_write;
wire act_small = dec_ready && !dec_dis && s_desc_valid && !s_desc_bad && !dec_fits;
wire act_dma = dec_ready && !dec_dis && s_desc_valid && !s_desc_bad && dec_fits && dec_can_write;
wire act_drain = act_disabled || act_no_desc || act_small || act_bad;

assign s_desc_ready = act_bad || act_dma;

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
always @(posedge clk) begin
    stat_no_desc_reg <= act_no_desc;
    stat_too_small_reg <= act_small;
    stat_bad_desc_reg <= act_bad;
    stat_disabled_reg <= act_disabled;

    if (s_len_tvalid && s_len_tready) begin
        len_valid_reg <= 1'b1;
        len_reg <= s_len_tdata;
    end

    if (!q_enable) begin
        seg_abort_reg <= 1'b1;
    end

    case (state_reg)
        S_IDLE: begin
            seg_abort_reg <= !q_enable;
            seg_len_lo_reg <= len_reg[1:0];
            seg_drain_m1_reg <= len_m1[13:4];
            seg_rem_reg <= len_reg;
            seg_addr_reg <= s_desc_addr;
            seg_room_reg <= mps - {1'b0, s_desc_addr[11:0] & mps_mask};

            rec_len_reg <= act_bad ? 16'd0 : len_reg;
            rec_buf_id_reg <= s_desc_buf_id;
            rec_status_reg <= act_bad ? (8'd1 << CPL_STATUS_BAD_DESC_BIT) : 8'd0;
            rec_idx_reg <= s_desc_idx;
            rec_phase_reg <= cpl_phase_reg;
            rec_addr_reg <= cpl_slot_addr_reg;
            rec_4dw_reg <= |cpl_slot_addr_reg[63:32];

            if (act_drain || act_dma) begin
                len_valid_reg <= 1'b0;
            end
            if (act_bad || act_dma) begin
                cpl_alloc_reg <= cpl_alloc_reg + 16'd1;
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

    if (!q_enable) begin
        cpl_alloc_reg <= 16'd0;
    end

    if (rst) begin
        state_reg <= S_IDLE;
        len_valid_reg <= 1'b0;
        cpl_alloc_reg <= 16'd0;
        seg_abort_reg <= 1'b0;
        stat_no_desc_reg <= 1'b0;
        stat_too_small_reg <= 1'b0;
        stat_bad_desc_reg <= 1'b0;
        stat_disabled_reg <= 1'b0;
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

wire first_beat = cnt_reg == 10'd0;
wire eff_abort = first_beat ? (cmd_abort_reg[cmd_rd_ptr_reg[CMD_AW-1:0]] || !q_enable) : cur_abort_reg;

wire is_data = head_valid && h_kind == K_DATA;
wire is_cpl = head_valid && h_kind == K_CPL;
wire is_drain = head_valid && h_kind == K_DRAIN;

wire wr_out = is_data && !eff_abort;
wire drain_like = is_drain || (is_data && eff_abort);
wire cpl_out = is_cpl && !eff_abort;
wire cpl_skip = is_cpl && eff_abort;

wire last_beat = cnt_reg == h_beats_m1;

// Only a TLP already past its first beat survives a disable (every queued
// command is aborted then), so this is the whole remaining DMA exposure.
assign busy = head_valid && !first_beat && !cur_abort_reg;

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
    rec[CPL_QUEUE_LSB +: CPL_QUEUE_W] = QUEUE_ID_8;
    rec[CPL_DESC_IDX_LSB +: CPL_DESC_IDX_W] = h_cidx;
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
assign m_tlp_valid = (wr_out && s_axis_tvalid) || cpl_out;

integer i;

always @(posedge clk) begin
    if (beat_done) begin
        cur_abort_reg <= eff_abort;
        cnt_reg <= pop ? 10'd0 : cnt_reg + 10'd1;
    end

    stat_ok_reg <= cpl_out && m_tlp_ready && last_beat && (h_cstat == 8'd0);
    stat_bytes_reg <= h_clen;
    stat_abort_reg <= cpl_skip && (h_cstat == 8'd0);

    if (cmd_push) begin
        cmd_abort_reg[cmd_wr_ptr_reg[CMD_AW-1:0]] <= seg_abort_reg || !q_enable;
        cmd_wr_ptr_reg <= cmd_wr_ptr_reg + 1'b1;
    end
    if (pop) begin
        cmd_rd_ptr_reg <= cmd_rd_ptr_reg + 1'b1;
    end
    if (!q_enable) begin
        for (i = 0; i < CMD_FIFO_DEPTH; i = i + 1) begin
            cmd_abort_reg[i] <= 1'b1;
        end
    end

    if (rst) begin
        cnt_reg <= 10'd0;
        cur_abort_reg <= 1'b0;
        stat_ok_reg <= 1'b0;
        stat_abort_reg <= 1'b0;
        cmd_wr_ptr_reg <= 0;
        cmd_rd_ptr_reg <= 0;
        cmd_abort_reg <= 0;
    end
end

endmodule

`default_nettype wire
