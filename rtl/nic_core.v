`timescale 1ns / 1ps
`default_nettype none

/*
 * NIC core (top level): MAC RX stream -> store-and-forward RX FIFO -> RX DMA
 * engine (descriptor ring, DMA writes, completion ring) on queue 0, plus the
 * BAR0 register block / MMIO completer. Ports: docs/interfaces.md.
 *
 * Resets: rst is the hard reset. CTRL.RESET (soft reset from nic_csr) is or'ed
 * into the datapath reset (FIFO, engine); the CSR clears its own registers
 * for the same window. The FIFO also gets the hard reset alone, to keep track
 * of MAC framing across a soft reset.
 */
module nic_core #(
    parameter AXIS_DATA_WIDTH   = 64,            // MAC stream
    parameter AXIS_KEEP_WIDTH   = AXIS_DATA_WIDTH/8,
    parameter TLP_DATA_WIDTH    = 128,           // PCIe transaction layer
    parameter RX_FIFO_BYTES     = 32768,         // store-and-forward RX FIFO
    parameter DESC_FETCH_MAX    = 8,             // descriptors per DMA read
    parameter DESC_CACHE_DEPTH  = 16,            // descriptors held on chip
    parameter DMA_READ_TAGS     = 4,             // outstanding descriptor reads
    parameter CPL_TIMEOUT_CYCLES = 1 << 20       // DMA read completion timeout
) (
    input  wire                        clk,
    input  wire                        rst,

    // MAC receive stream
    input  wire [AXIS_DATA_WIDTH-1:0]  s_axis_rx_tdata,
    input  wire [AXIS_KEEP_WIDTH-1:0]  s_axis_rx_tkeep,
    input  wire                        s_axis_rx_tvalid,
    output wire                        s_axis_rx_tready,
    input  wire                        s_axis_rx_tlast,
    input  wire                        s_axis_rx_tuser,

    // PCIe completer requests in (host -> NIC: MMIO to BAR0)
    input  wire [127:0]                s_tlp_req_hdr,
    input  wire [TLP_DATA_WIDTH-1:0]   s_tlp_req_data,
    input  wire [2:0]                  s_tlp_req_bar_id,
    input  wire                        s_tlp_req_sop,
    input  wire                        s_tlp_req_eop,
    input  wire                        s_tlp_req_valid,
    output wire                        s_tlp_req_ready,

    // PCIe completer completions out (NIC -> host: MMIO read data)
    output wire [127:0]                m_tlp_cpl_hdr,
    output wire [TLP_DATA_WIDTH-1:0]   m_tlp_cpl_data,
    output wire                        m_tlp_cpl_sop,
    output wire                        m_tlp_cpl_eop,
    output wire                        m_tlp_cpl_valid,
    input  wire                        m_tlp_cpl_ready,

    // PCIe requester requests out (NIC -> host: DMA MemWr and MemRd)
    output wire [127:0]                m_tlp_req_hdr,
    output wire [TLP_DATA_WIDTH-1:0]   m_tlp_req_data,
    output wire                        m_tlp_req_sop,
    output wire                        m_tlp_req_eop,
    output wire                        m_tlp_req_valid,
    input  wire                        m_tlp_req_ready,

    // PCIe requester completions in (host -> NIC: DMA read data)
    input  wire [127:0]                s_tlp_cpl_hdr,
    input  wire [TLP_DATA_WIDTH-1:0]   s_tlp_cpl_data,
    input  wire                        s_tlp_cpl_sop,
    input  wire                        s_tlp_cpl_eop,
    input  wire                        s_tlp_cpl_valid,
    output wire                        s_tlp_cpl_ready,

    // Configuration the PCIe block exports from config space
    input  wire [15:0]                 cfg_requester_id,
    input  wire                        cfg_bus_master_enable,
    input  wire [2:0]                  cfg_max_payload_size,
    input  wire [2:0]                  cfg_max_read_req_size
);

// The shared header declares every spec constant; each module uses a few.
/* verilator lint_off UNUSEDPARAM */
`include "nic_spec.vh"
/* verilator lint_on UNUSEDPARAM */

localparam RX_QUEUES = 1;

// ---------------------------------------------------------------------------
// Resets
// ---------------------------------------------------------------------------

wire soft_rst;
wire dp_rst = rst || soft_rst;

// ---------------------------------------------------------------------------
// Registers
// ---------------------------------------------------------------------------

wire rx_enable;

wire q_enable;
wire [63:0] q_desc_base;
wire [3:0] q_desc_log_size;
wire [15:0] q_desc_prod;
wire [63:0] q_cpl_base;
wire [3:0] q_cpl_log_size;
wire [15:0] q_cpl_cons;
wire [15:0] q_desc_cons;
wire [15:0] q_cpl_prod;
wire q_halted;
wire q_busy;

wire stat_q_frame_ok;
wire [15:0] stat_q_frame_bytes;
wire stat_q_drop_no_desc;
wire stat_q_drop_buf_too_small;
wire stat_q_drop_bad_desc;
wire stat_q_drop_disabled;
wire err_cpl_status;
wire err_cpl_unexpected;
wire err_cpl_timeout;

wire [31:0] fifo_fill_bytes;
wire stat_rx_frame_in;
wire stat_rx_drop_fifo_full;
wire stat_rx_drop_mac_error;
wire stat_rx_drop_runt;
wire stat_rx_drop_oversize;
wire stat_rx_drop_disabled;

nic_csr #(
    .TLP_DATA_WIDTH(TLP_DATA_WIDTH),
    .RX_QUEUES(RX_QUEUES),
    .RX_FIFO_BYTES(RX_FIFO_BYTES),
    .DESC_FETCH_MAX(DESC_FETCH_MAX),
    .SOFT_RESET_CYCLES(16)
)
csr_inst (
    .clk(clk),
    .rst(rst),

    .s_tlp_req_hdr(s_tlp_req_hdr),
    .s_tlp_req_data(s_tlp_req_data),
    .s_tlp_req_bar_id(s_tlp_req_bar_id),
    .s_tlp_req_sop(s_tlp_req_sop),
    .s_tlp_req_eop(s_tlp_req_eop),
    .s_tlp_req_valid(s_tlp_req_valid),
    .s_tlp_req_ready(s_tlp_req_ready),

    .m_tlp_cpl_hdr(m_tlp_cpl_hdr),
    .m_tlp_cpl_data(m_tlp_cpl_data),
    .m_tlp_cpl_sop(m_tlp_cpl_sop),
    .m_tlp_cpl_eop(m_tlp_cpl_eop),
    .m_tlp_cpl_valid(m_tlp_cpl_valid),
    .m_tlp_cpl_ready(m_tlp_cpl_ready),

    .cfg_requester_id(cfg_requester_id),

    .soft_rst(soft_rst),
    .rx_enable(rx_enable),

    .q_enable(q_enable),
    .q_desc_base(q_desc_base),
    .q_desc_log_size(q_desc_log_size),
    .q_desc_prod(q_desc_prod),
    .q_cpl_base(q_cpl_base),
    .q_cpl_log_size(q_cpl_log_size),
    .q_cpl_cons(q_cpl_cons),

    .q_desc_cons(q_desc_cons),
    .q_cpl_prod(q_cpl_prod),
    .q_halted(q_halted),
    .q_busy(q_busy),
    .stat_q_frame_ok(stat_q_frame_ok),
    .stat_q_frame_bytes(stat_q_frame_bytes),
    .stat_q_drop_no_desc(stat_q_drop_no_desc),
    .stat_q_drop_buf_too_small(stat_q_drop_buf_too_small),
    .stat_q_drop_bad_desc(stat_q_drop_bad_desc),
    .stat_q_drop_disabled(stat_q_drop_disabled),
    .err_cpl_status(err_cpl_status),
    .err_cpl_unexpected(err_cpl_unexpected),
    .err_cpl_timeout(err_cpl_timeout),

    .fifo_fill_bytes(fifo_fill_bytes),
    .stat_rx_frame_in(stat_rx_frame_in),
    .stat_rx_drop_fifo_full(stat_rx_drop_fifo_full),
    .stat_rx_drop_mac_error(stat_rx_drop_mac_error),
    .stat_rx_drop_runt(stat_rx_drop_runt),
    .stat_rx_drop_oversize(stat_rx_drop_oversize),
    .stat_rx_drop_disabled(stat_rx_drop_disabled)
);

// ---------------------------------------------------------------------------
// RX FIFO
// ---------------------------------------------------------------------------

wire [TLP_DATA_WIDTH-1:0] fifo_tdata;
wire [TLP_DATA_WIDTH/8-1:0] fifo_tkeep;
wire fifo_tvalid;
wire fifo_tready;
wire fifo_tlast;
wire [15:0] fifo_len_tdata;
wire fifo_len_tvalid;
wire fifo_len_tready;

nic_rx_fifo #(
    .S_DATA_WIDTH(AXIS_DATA_WIDTH),
    .S_KEEP_WIDTH(AXIS_KEEP_WIDTH),
    .M_DATA_WIDTH(TLP_DATA_WIDTH),
    .M_KEEP_WIDTH(TLP_DATA_WIDTH/8),
    .RX_FIFO_BYTES(RX_FIFO_BYTES),
    .MIN_FRAME_LEN(MIN_FRAME_LEN),
    .MAX_FRAME_LEN(MAX_FRAME_LEN)
)
rx_fifo_inst (
    .clk(clk),
    .rst(dp_rst),
    .mac_rst(rst),

    .rx_enable(rx_enable),

    .s_axis_tdata(s_axis_rx_tdata),
    .s_axis_tkeep(s_axis_rx_tkeep),
    .s_axis_tvalid(s_axis_rx_tvalid),
    .s_axis_tready(s_axis_rx_tready),
    .s_axis_tlast(s_axis_rx_tlast),
    .s_axis_tuser(s_axis_rx_tuser),

    .m_axis_tdata(fifo_tdata),
    .m_axis_tkeep(fifo_tkeep),
    .m_axis_tvalid(fifo_tvalid),
    .m_axis_tready(fifo_tready),
    .m_axis_tlast(fifo_tlast),

    .m_len_tdata(fifo_len_tdata),
    .m_len_tvalid(fifo_len_tvalid),
    .m_len_tready(fifo_len_tready),

    .fifo_fill_bytes(fifo_fill_bytes),

    .stat_frame_in(stat_rx_frame_in),
    .stat_drop_fifo_full(stat_rx_drop_fifo_full),
    .stat_drop_mac_error(stat_rx_drop_mac_error),
    .stat_drop_runt(stat_rx_drop_runt),
    .stat_drop_oversize(stat_rx_drop_oversize),
    .stat_drop_disabled(stat_rx_drop_disabled)
);

// ---------------------------------------------------------------------------
// RX DMA engine, queue 0
// ---------------------------------------------------------------------------

nic_rx_engine #(
    .TLP_DATA_WIDTH(TLP_DATA_WIDTH),
    .DESC_FETCH_MAX(DESC_FETCH_MAX),
    .DESC_CACHE_DEPTH(DESC_CACHE_DEPTH),
    .DMA_READ_TAGS(DMA_READ_TAGS),
    .CPL_TIMEOUT_CYCLES(CPL_TIMEOUT_CYCLES),
    .QUEUE_ID(0)
)
rx_engine_inst (
    .clk(clk),
    .rst(dp_rst),

    .s_axis_tdata(fifo_tdata),
    .s_axis_tkeep(fifo_tkeep),
    .s_axis_tvalid(fifo_tvalid),
    .s_axis_tready(fifo_tready),
    .s_axis_tlast(fifo_tlast),

    .s_len_tdata(fifo_len_tdata),
    .s_len_tvalid(fifo_len_tvalid),
    .s_len_tready(fifo_len_tready),

    .q_enable(q_enable),
    .q_desc_base(q_desc_base),
    .q_desc_log_size(q_desc_log_size),
    .q_desc_prod(q_desc_prod),
    .q_cpl_base(q_cpl_base),
    .q_cpl_log_size(q_cpl_log_size),
    .q_cpl_cons(q_cpl_cons),
    .q_desc_cons(q_desc_cons),
    .q_cpl_prod(q_cpl_prod),
    .q_halted(q_halted),
    .q_busy(q_busy),

    .stat_frame_ok(stat_q_frame_ok),
    .stat_frame_bytes(stat_q_frame_bytes),
    .stat_drop_no_desc(stat_q_drop_no_desc),
    .stat_drop_buf_too_small(stat_q_drop_buf_too_small),
    .stat_drop_bad_desc(stat_q_drop_bad_desc),
    .stat_drop_disabled(stat_q_drop_disabled),
    .err_cpl_status(err_cpl_status),
    .err_cpl_unexpected(err_cpl_unexpected),
    .err_cpl_timeout(err_cpl_timeout),

    .m_tlp_req_hdr(m_tlp_req_hdr),
    .m_tlp_req_data(m_tlp_req_data),
    .m_tlp_req_sop(m_tlp_req_sop),
    .m_tlp_req_eop(m_tlp_req_eop),
    .m_tlp_req_valid(m_tlp_req_valid),
    .m_tlp_req_ready(m_tlp_req_ready),

    .s_tlp_cpl_hdr(s_tlp_cpl_hdr),
    .s_tlp_cpl_data(s_tlp_cpl_data),
    .s_tlp_cpl_sop(s_tlp_cpl_sop),
    .s_tlp_cpl_eop(s_tlp_cpl_eop),
    .s_tlp_cpl_valid(s_tlp_cpl_valid),
    .s_tlp_cpl_ready(s_tlp_cpl_ready),

    .cfg_requester_id(cfg_requester_id),
    .cfg_bus_master_enable(cfg_bus_master_enable),
    .cfg_max_payload_size(cfg_max_payload_size),
    .cfg_max_read_req_size(cfg_max_read_req_size)
);

endmodule

`default_nettype wire
