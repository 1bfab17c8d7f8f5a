`timescale 1ns / 1ps
`default_nettype none

/*
 * Board-independent part of the board tops: GMII receive MAC and clock
 * crossing (eth_mac_rx_gmii_fifo), nic_core, and the on-chip host stand-in
 * (nic_host_stub) on the NIC's four TLP streams. The tops add pins, clocks,
 * resets and the PHY interface (rgmii_rx or GMII pins).
 *
 * The stub programs queue 0 only; with RSS left at its reset state every
 * frame is steered to queue 0 (RSS_DEFAULT_QUEUE), the other RX_QUEUES - 1
 * queues stay disabled but are synthesised (their registers are reachable
 * over MMIO).
 *
 * led: see nic_host_stub ([0] frame toggle, [1] DMA activity, [2] error,
 * [3] signature parity). rx_led (rx_clk domain): frame with data received
 * (pulse), for the tops to stretch.
 */
module nic_board_core #(
    parameter RX_FIFO_BYTES = 32768,
    parameter DESC_FETCH_MAX = 8,
    parameter DESC_CACHE_DEPTH = 16,
    parameter DMA_READ_TAGS = 4,
    parameter RX_QUEUES = 1,
    parameter RETA_ENTRIES = 128,
    parameter MAC_FIFO_DEPTH = 16,
    parameter RING_LOG = 4,
    parameter POLL_CYCLES = 256,
    parameter ACT_BITS = 22
) (
    // PHY side (GMII at the PHY receive clock)
    input  wire        rx_clk,
    input  wire        rx_rst,
    input  wire [7:0]  gmii_rxd,
    input  wire        gmii_rx_dv,
    input  wire        gmii_rx_er,

    // core
    input  wire        clk,
    input  wire        rst,

    output wire [3:0]  led,
    output wire        rx_frame_bad
);

localparam TLP_DATA_WIDTH = 128;

wire [63:0] rx_tdata;
wire [7:0] rx_tkeep;
wire rx_tvalid;
wire rx_tready;
wire rx_tlast;
wire rx_tuser;

wire stat_frame;
wire stat_bad_fcs;
wire stat_rx_er;
wire stat_truncated;

eth_mac_rx_gmii_fifo #(
    .DATA_WIDTH(64),
    .KEEP_WIDTH(8),
    .FIFO_DEPTH(MAC_FIFO_DEPTH)
)
mac_inst (
    .rx_clk(rx_clk),
    .rx_rst(rx_rst),
    .gmii_rxd(gmii_rxd),
    .gmii_rx_dv(gmii_rx_dv),
    .gmii_rx_er(gmii_rx_er),
    .clk(clk),
    .rst(rst),
    .m_axis_tdata(rx_tdata),
    .m_axis_tkeep(rx_tkeep),
    .m_axis_tvalid(rx_tvalid),
    .m_axis_tready(rx_tready),
    .m_axis_tlast(rx_tlast),
    .m_axis_tuser(rx_tuser),
    .stat_frame(stat_frame),
    .stat_bad_fcs(stat_bad_fcs),
    .stat_rx_er(stat_rx_er),
    .stat_truncated(stat_truncated)
);

assign rx_frame_bad = stat_frame && (stat_bad_fcs || stat_rx_er || stat_truncated);

wire [127:0] mmio_req_hdr;
wire [TLP_DATA_WIDTH-1:0] mmio_req_data;
wire [2:0] mmio_req_bar_id;
wire mmio_req_sop;
wire mmio_req_eop;
wire mmio_req_valid;
wire mmio_req_ready;

wire [127:0] mmio_cpl_hdr;
wire [TLP_DATA_WIDTH-1:0] mmio_cpl_data;
wire mmio_cpl_sop;
wire mmio_cpl_eop;
wire mmio_cpl_valid;
wire mmio_cpl_ready;

wire [127:0] dma_req_hdr;
wire [TLP_DATA_WIDTH-1:0] dma_req_data;
wire dma_req_sop;
wire dma_req_eop;
wire dma_req_valid;
wire dma_req_ready;

wire [127:0] dma_cpl_hdr;
wire [TLP_DATA_WIDTH-1:0] dma_cpl_data;
wire dma_cpl_sop;
wire dma_cpl_eop;
wire dma_cpl_valid;
wire dma_cpl_ready;

wire [15:0] cfg_requester_id;
wire cfg_bus_master_enable;
wire [2:0] cfg_max_payload_size;
wire [2:0] cfg_max_read_req_size;

// MSI-X: the host stub has no config space and takes no interrupts (MSI-X
// disabled, function not masked; the table size is not read)
wire [10:0] cfg_msix_table_size;
wire _unused_msix = &{1'b0, cfg_msix_table_size, 1'b0};

nic_core #(
    .AXIS_DATA_WIDTH(64),
    .TLP_DATA_WIDTH(TLP_DATA_WIDTH),
    .RX_FIFO_BYTES(RX_FIFO_BYTES),
    .DESC_FETCH_MAX(DESC_FETCH_MAX),
    .DESC_CACHE_DEPTH(DESC_CACHE_DEPTH),
    .DMA_READ_TAGS(DMA_READ_TAGS),
    .RX_QUEUES(RX_QUEUES),
    .RETA_ENTRIES(RETA_ENTRIES)
)
nic_inst (
    .clk(clk),
    .rst(rst),

    .s_axis_rx_tdata(rx_tdata),
    .s_axis_rx_tkeep(rx_tkeep),
    .s_axis_rx_tvalid(rx_tvalid),
    .s_axis_rx_tready(rx_tready),
    .s_axis_rx_tlast(rx_tlast),
    .s_axis_rx_tuser(rx_tuser),

    .s_tlp_req_hdr(mmio_req_hdr),
    .s_tlp_req_data(mmio_req_data),
    .s_tlp_req_bar_id(mmio_req_bar_id),
    .s_tlp_req_sop(mmio_req_sop),
    .s_tlp_req_eop(mmio_req_eop),
    .s_tlp_req_valid(mmio_req_valid),
    .s_tlp_req_ready(mmio_req_ready),

    .m_tlp_cpl_hdr(mmio_cpl_hdr),
    .m_tlp_cpl_data(mmio_cpl_data),
    .m_tlp_cpl_sop(mmio_cpl_sop),
    .m_tlp_cpl_eop(mmio_cpl_eop),
    .m_tlp_cpl_valid(mmio_cpl_valid),
    .m_tlp_cpl_ready(mmio_cpl_ready),

    .m_tlp_req_hdr(dma_req_hdr),
    .m_tlp_req_data(dma_req_data),
    .m_tlp_req_sop(dma_req_sop),
    .m_tlp_req_eop(dma_req_eop),
    .m_tlp_req_valid(dma_req_valid),
    .m_tlp_req_ready(dma_req_ready),

    .s_tlp_cpl_hdr(dma_cpl_hdr),
    .s_tlp_cpl_data(dma_cpl_data),
    .s_tlp_cpl_sop(dma_cpl_sop),
    .s_tlp_cpl_eop(dma_cpl_eop),
    .s_tlp_cpl_valid(dma_cpl_valid),
    .s_tlp_cpl_ready(dma_cpl_ready),

    .cfg_requester_id(cfg_requester_id),
    .cfg_bus_master_enable(cfg_bus_master_enable),
    .cfg_max_payload_size(cfg_max_payload_size),
    .cfg_max_read_req_size(cfg_max_read_req_size),
    .cfg_msix_enable(1'b0),
    .cfg_msix_function_mask(1'b0),
    .cfg_msix_table_size(cfg_msix_table_size)
);

nic_host_stub #(
    .TLP_DATA_WIDTH(TLP_DATA_WIDTH),
    .RING_LOG(RING_LOG),
    .POLL_CYCLES(POLL_CYCLES),
    .ACT_BITS(ACT_BITS)
)
host_inst (
    .clk(clk),
    .rst(rst),

    .m_mmio_req_hdr(mmio_req_hdr),
    .m_mmio_req_data(mmio_req_data),
    .m_mmio_req_bar_id(mmio_req_bar_id),
    .m_mmio_req_sop(mmio_req_sop),
    .m_mmio_req_eop(mmio_req_eop),
    .m_mmio_req_valid(mmio_req_valid),
    .m_mmio_req_ready(mmio_req_ready),

    .s_mmio_cpl_hdr(mmio_cpl_hdr),
    .s_mmio_cpl_data(mmio_cpl_data),
    .s_mmio_cpl_sop(mmio_cpl_sop),
    .s_mmio_cpl_eop(mmio_cpl_eop),
    .s_mmio_cpl_valid(mmio_cpl_valid),
    .s_mmio_cpl_ready(mmio_cpl_ready),

    .s_dma_req_hdr(dma_req_hdr),
    .s_dma_req_data(dma_req_data),
    .s_dma_req_sop(dma_req_sop),
    .s_dma_req_eop(dma_req_eop),
    .s_dma_req_valid(dma_req_valid),
    .s_dma_req_ready(dma_req_ready),

    .m_dma_cpl_hdr(dma_cpl_hdr),
    .m_dma_cpl_data(dma_cpl_data),
    .m_dma_cpl_sop(dma_cpl_sop),
    .m_dma_cpl_eop(dma_cpl_eop),
    .m_dma_cpl_valid(dma_cpl_valid),
    .m_dma_cpl_ready(dma_cpl_ready),

    .cfg_requester_id(cfg_requester_id),
    .cfg_bus_master_enable(cfg_bus_master_enable),
    .cfg_max_payload_size(cfg_max_payload_size),
    .cfg_max_read_req_size(cfg_max_read_req_size),

    .led(led)
);

endmodule

`default_nettype wire
