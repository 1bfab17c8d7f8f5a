`timescale 1ns / 1ps
`default_nettype none

/*
 * RX DMA engine for one RX queue.
 *
 *   nic_desc_fetch  - batched descriptor MemRd, tag table, completion checks
 *                     and timeout, descriptor cache, head descriptor output
 *   nic_rx_dma_wr   - per-frame decision, MemWr segmentation at MPS, frame
 *                     data streaming, completion record
 *   nic_tlp_req_mux - TLP-boundary round-robin arbiter onto m_tlp_req
 *                     (registered skid output)
 *
 * Exported indices: q_desc_cons and q_cpl_prod advance when a completion
 * record's last beat is accepted on m_tlp_req (after the frame's data TLPs),
 * and are held at zero while the queue is disabled.
 *
 * The FIFO length stream is popped ahead of the frame data (the scheduler
 * works one or two frames ahead of the words being streamed).
 *
 * Requires TLP_DATA_WIDTH == 128.
 */
module nic_rx_engine #(
    parameter TLP_DATA_WIDTH = 128,
    parameter DESC_FETCH_MAX = 8,
    parameter DESC_CACHE_DEPTH = 16,
    parameter DMA_READ_TAGS = 4,
    parameter CPL_TIMEOUT_CYCLES = 1 << 20,
    parameter QUEUE_ID = 0
) (
    input  wire                       clk,
    input  wire                       rst,

    input  wire [TLP_DATA_WIDTH-1:0]  s_axis_tdata,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [TLP_DATA_WIDTH/8-1:0] s_axis_tkeep,   // words are counted from s_len
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire                       s_axis_tvalid,
    output wire                       s_axis_tready,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire                       s_axis_tlast,
    /* verilator lint_on UNUSEDSIGNAL */

    input  wire [15:0]                s_len_tdata,
    input  wire                       s_len_tvalid,
    output wire                       s_len_tready,

    input  wire                       q_enable,
    input  wire [63:0]                q_desc_base,
    input  wire [3:0]                 q_desc_log_size,
    input  wire [15:0]                q_desc_prod,
    input  wire [63:0]                q_cpl_base,
    input  wire [3:0]                 q_cpl_log_size,
    input  wire [15:0]                q_cpl_cons,
    output wire [15:0]                q_desc_cons,
    output wire [15:0]                q_cpl_prod,
    output wire                       q_halted,
    output wire                       q_busy,       // DMA writes to this queue's memory still pending

    output wire                       stat_frame_ok,
    output wire [15:0]                stat_frame_bytes,
    output wire                       stat_drop_no_desc,
    output wire                       stat_drop_buf_too_small,
    output wire                       stat_drop_bad_desc,
    output wire                       stat_drop_disabled,
    output wire                       err_cpl_status,
    output wire                       err_cpl_unexpected,
    output wire                       err_cpl_timeout,

    output wire [127:0]               m_tlp_req_hdr,
    output wire [TLP_DATA_WIDTH-1:0]  m_tlp_req_data,
    output wire                       m_tlp_req_sop,
    output wire                       m_tlp_req_eop,
    output wire                       m_tlp_req_valid,
    input  wire                       m_tlp_req_ready,

    input  wire [127:0]               s_tlp_cpl_hdr,
    input  wire [TLP_DATA_WIDTH-1:0]  s_tlp_cpl_data,
    input  wire                       s_tlp_cpl_sop,
    input  wire                       s_tlp_cpl_eop,
    input  wire                       s_tlp_cpl_valid,
    output wire                       s_tlp_cpl_ready,

    input  wire [15:0]                cfg_requester_id,
    input  wire                       cfg_bus_master_enable,
    input  wire [2:0]                 cfg_max_payload_size,
    input  wire [2:0]                 cfg_max_read_req_size
);

// descriptor fetch <-> frame path
wire [63:0] desc_addr;
wire [15:0] desc_len;
wire [15:0] desc_buf_id;
wire [15:0] desc_idx;
wire        desc_bad;
wire        desc_valid;
wire        desc_ready;
wire        desc_empty;
wire        halted;

// MemRd stream
wire [127:0] rd_tlp_hdr;
wire         rd_tlp_valid;
wire         rd_tlp_ready;

// MemWr stream
wire [127:0]              wr_tlp_hdr;
wire [TLP_DATA_WIDTH-1:0] wr_tlp_data;
wire                      wr_tlp_sop;
wire                      wr_tlp_eop;
wire                      wr_tlp_commit;
wire                      wr_tlp_valid;
wire                      wr_tlp_ready;

wire m_commit_user;

wire wr_busy;

wire drop_disabled_dec;
wire drop_disabled_abort;

assign q_halted = halted;
// Started write TLPs, plus whatever sits in the arbiter's output register.
assign q_busy = wr_busy || m_tlp_req_valid;

nic_desc_fetch #(
    .TLP_DATA_WIDTH(TLP_DATA_WIDTH),
    .DESC_FETCH_MAX(DESC_FETCH_MAX),
    .DESC_CACHE_DEPTH(DESC_CACHE_DEPTH),
    .DMA_READ_TAGS(DMA_READ_TAGS),
    .CPL_TIMEOUT_CYCLES(CPL_TIMEOUT_CYCLES)
) desc_fetch_inst (
    .clk(clk),
    .rst(rst),
    .q_enable(q_enable),
    .q_desc_base(q_desc_base),
    .q_desc_log_size(q_desc_log_size),
    .q_desc_prod(q_desc_prod),
    .q_halted(halted),
    .m_desc_addr(desc_addr),
    .m_desc_len(desc_len),
    .m_desc_buf_id(desc_buf_id),
    .m_desc_idx(desc_idx),
    .m_desc_bad(desc_bad),
    .m_desc_valid(desc_valid),
    .m_desc_ready(desc_ready),
    .m_desc_empty(desc_empty),
    .m_tlp_hdr(rd_tlp_hdr),
    .m_tlp_valid(rd_tlp_valid),
    .m_tlp_ready(rd_tlp_ready),
    .s_tlp_cpl_hdr(s_tlp_cpl_hdr),
    .s_tlp_cpl_data(s_tlp_cpl_data),
    .s_tlp_cpl_sop(s_tlp_cpl_sop),
    .s_tlp_cpl_eop(s_tlp_cpl_eop),
    .s_tlp_cpl_valid(s_tlp_cpl_valid),
    .s_tlp_cpl_ready(s_tlp_cpl_ready),
    .cfg_requester_id(cfg_requester_id),
    .cfg_bus_master_enable(cfg_bus_master_enable),
    .cfg_max_read_req_size(cfg_max_read_req_size),
    .err_cpl_status(err_cpl_status),
    .err_cpl_unexpected(err_cpl_unexpected),
    .err_cpl_timeout(err_cpl_timeout)
);

nic_rx_dma_wr #(
    .TLP_DATA_WIDTH(TLP_DATA_WIDTH),
    .QUEUE_ID(QUEUE_ID)
) dma_wr_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata(s_axis_tdata),
    .s_axis_tvalid(s_axis_tvalid),
    .s_axis_tready(s_axis_tready),
    .s_len_tdata(s_len_tdata),
    .s_len_tvalid(s_len_tvalid),
    .s_len_tready(s_len_tready),
    .q_enable(q_enable),
    .q_halted(halted),
    .q_cpl_base(q_cpl_base),
    .q_cpl_log_size(q_cpl_log_size),
    .q_cpl_cons(q_cpl_cons),
    .s_desc_addr(desc_addr),
    .s_desc_len(desc_len),
    .s_desc_buf_id(desc_buf_id),
    .s_desc_idx(desc_idx),
    .s_desc_bad(desc_bad),
    .s_desc_valid(desc_valid),
    .s_desc_ready(desc_ready),
    .s_desc_empty(desc_empty),
    .cfg_requester_id(cfg_requester_id),
    .cfg_bus_master_enable(cfg_bus_master_enable),
    .cfg_max_payload_size(cfg_max_payload_size),
    .m_tlp_hdr(wr_tlp_hdr),
    .m_tlp_data(wr_tlp_data),
    .m_tlp_sop(wr_tlp_sop),
    .m_tlp_eop(wr_tlp_eop),
    .m_tlp_commit(wr_tlp_commit),
    .m_tlp_valid(wr_tlp_valid),
    .m_tlp_ready(wr_tlp_ready),
    .stat_frame_ok(stat_frame_ok),
    .stat_frame_bytes(stat_frame_bytes),
    .stat_drop_no_desc(stat_drop_no_desc),
    .stat_drop_buf_too_small(stat_drop_buf_too_small),
    .stat_drop_bad_desc(stat_drop_bad_desc),
    .stat_drop_disabled(drop_disabled_dec),
    .stat_abort_disabled(drop_disabled_abort),
    .busy(wr_busy)
);

nic_tlp_req_mux #(
    .DATA_WIDTH(TLP_DATA_WIDTH),
    .USER_WIDTH(1)
) req_mux_inst (
    .clk(clk),
    .rst(rst),
    .s0_hdr(rd_tlp_hdr),
    .s0_data({TLP_DATA_WIDTH{1'b0}}),
    .s0_sop(1'b1),
    .s0_eop(1'b1),
    .s0_user(1'b0),
    .s0_valid(rd_tlp_valid),
    .s0_ready(rd_tlp_ready),
    .s1_hdr(wr_tlp_hdr),
    .s1_data(wr_tlp_data),
    .s1_sop(wr_tlp_sop),
    .s1_eop(wr_tlp_eop),
    .s1_user(wr_tlp_commit),
    .s1_valid(wr_tlp_valid),
    .s1_ready(wr_tlp_ready),
    .m_hdr(m_tlp_req_hdr),
    .m_data(m_tlp_req_data),
    .m_sop(m_tlp_req_sop),
    .m_eop(m_tlp_req_eop),
    .m_user(m_commit_user),
    .m_valid(m_tlp_req_valid),
    .m_ready(m_tlp_req_ready)
);

// exported indices: advance when a completion record leaves the engine
reg [15:0] desc_cons_reg = 16'd0;
reg [15:0] cpl_prod_reg = 16'd0;

wire commit = m_tlp_req_valid && m_tlp_req_ready && m_tlp_req_eop && m_commit_user;

always @(posedge clk) begin
    if (commit) begin
        desc_cons_reg <= desc_cons_reg + 16'd1;
        cpl_prod_reg <= cpl_prod_reg + 16'd1;
    end
    if (rst || !q_enable) begin
        desc_cons_reg <= 16'd0;
        cpl_prod_reg <= 16'd0;
    end
end

assign q_desc_cons = desc_cons_reg;
assign q_cpl_prod = cpl_prod_reg;

// drop-disabled pulses from two sources, merged without losing any
reg [2:0] drop_dis_pend_reg = 3'd0;
reg       drop_dis_reg = 1'b0;

wire [3:0] drop_dis_total = {1'b0, drop_dis_pend_reg} + {3'd0, drop_disabled_dec} + {3'd0, drop_disabled_abort};

always @(posedge clk) begin
    drop_dis_reg <= drop_dis_total != 4'd0;
    drop_dis_pend_reg <= (drop_dis_total != 4'd0) ? drop_dis_total[2:0] - 3'd1 : 3'd0;
    if (rst) begin
        drop_dis_reg <= 1'b0;
        drop_dis_pend_reg <= 3'd0;
    end
end

assign stat_drop_disabled = drop_dis_reg;

endmodule

`default_nettype wire
