`timescale 1ns / 1ps
`default_nettype none

/*
 * Simulation-only wrapper: nic_core with its MAC stream fed from RGMII pins
 * through rgmii_rx (TARGET "GENERIC") and eth_mac_rx_gmii_fifo, so frames
 * with preamble, SFD and FCS can be driven as on the wire. The TLP and
 * configuration ports are nic_core's, unchanged (docs/interfaces.md).
 *
 * Clocks: clk is the core clock (every nic_core port), rgmii_rx_clk the
 * RGMII receive clock (125 MHz at 1 Gb/s; data and rx_ctl must be stable
 * around both of its edges). rst (sync to clk) is re-synchronised into
 * rgmii_rx_clk, which must run while rst is high.
 *
 * rx_stat_* (rgmii_rx_clk domain, one-cycle pulses): frame received with
 * data / bad FCS / rx_er / truncated by a full clock-crossing FIFO.
 */
module nic_rgmii_sim_top #(
    parameter TLP_DATA_WIDTH    = 128,
    parameter RX_FIFO_BYTES     = 32768,
    parameter DESC_FETCH_MAX    = 8,
    parameter DESC_CACHE_DEPTH  = 16,
    parameter DMA_READ_TAGS     = 4,
    parameter CPL_TIMEOUT_CYCLES = 1 << 20,
    parameter RX_QUEUES         = 8,
    parameter RETA_ENTRIES      = 128,
    parameter MSIX_VECTORS      = 16,
    parameter CLK_PERIOD_PS     = 6400,
    parameter MAC_FIFO_DEPTH    = 16
) (
    input  wire                        clk,
    input  wire                        rst,

    // RGMII receive
    input  wire                        rgmii_rx_clk,
    input  wire [3:0]                  rgmii_rxd,
    input  wire                        rgmii_rx_ctl,

    output wire                        rx_stat_frame,
    output wire                        rx_stat_bad_fcs,
    output wire                        rx_stat_rx_er,
    output wire                        rx_stat_truncated,

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
    input  wire [2:0]                  cfg_max_read_req_size,
    input  wire                        cfg_msix_enable,
    input  wire                        cfg_msix_function_mask,
    output wire [10:0]                 cfg_msix_table_size
);

(* ASYNC_REG = "TRUE" *) reg [1:0] rx_rst_sync_reg = 2'b11;

always @(posedge rgmii_rx_clk) begin
    rx_rst_sync_reg <= {rx_rst_sync_reg[0], rst};
end

wire rx_rst = rx_rst_sync_reg[1];

wire [7:0] gmii_rxd;
wire gmii_rx_dv;
wire gmii_rx_er;

rgmii_rx #(
    .TARGET("GENERIC")
)
rgmii_inst (
    .rst(rx_rst),
    .rgmii_rx_clk(rgmii_rx_clk),
    .rgmii_rxd(rgmii_rxd),
    .rgmii_rx_ctl(rgmii_rx_ctl),
    .gmii_rxd(gmii_rxd),
    .gmii_rx_dv(gmii_rx_dv),
    .gmii_rx_er(gmii_rx_er)
);

wire [63:0] rx_tdata;
wire [7:0] rx_tkeep;
wire rx_tvalid;
wire rx_tready;
wire rx_tlast;
wire rx_tuser;

eth_mac_rx_gmii_fifo #(
    .DATA_WIDTH(64),
    .KEEP_WIDTH(8),
    .FIFO_DEPTH(MAC_FIFO_DEPTH)
)
mac_inst (
    .rx_clk(rgmii_rx_clk),
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
    .stat_frame(rx_stat_frame),
    .stat_bad_fcs(rx_stat_bad_fcs),
    .stat_rx_er(rx_stat_rx_er),
    .stat_truncated(rx_stat_truncated)
);

nic_core #(
    .AXIS_DATA_WIDTH(64),
    .TLP_DATA_WIDTH(TLP_DATA_WIDTH),
    .RX_FIFO_BYTES(RX_FIFO_BYTES),
    .DESC_FETCH_MAX(DESC_FETCH_MAX),
    .DESC_CACHE_DEPTH(DESC_CACHE_DEPTH),
    .DMA_READ_TAGS(DMA_READ_TAGS),
    .CPL_TIMEOUT_CYCLES(CPL_TIMEOUT_CYCLES),
    .RX_QUEUES(RX_QUEUES),
    .RETA_ENTRIES(RETA_ENTRIES),
    .MSIX_VECTORS(MSIX_VECTORS),
    .CLK_PERIOD_PS(CLK_PERIOD_PS)
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
    .cfg_max_read_req_size(cfg_max_read_req_size),
    .cfg_msix_enable(cfg_msix_enable),
    .cfg_msix_function_mask(cfg_msix_function_mask),
    .cfg_msix_table_size(cfg_msix_table_size)
);

endmodule

`default_nettype wire
