`timescale 1ns / 1ps
`default_nettype none

/*
 * GMII receive MAC with clock-domain crossing: eth_mac_rx_gmii at the PHY
 * receive clock (rx_clk) -> axis_async_fifo -> 64-bit frame stream at the
 * core clock (clk), for nic_core's s_axis_rx (tuser on tlast = bad frame).
 *
 * The NIC takes a beat every cycle, the MAC emits at most one per 8 rx_clk
 * cycles, so at 1 Gb/s the FIFO stays near empty whenever clk >= 15.625 MHz
 * (plus margin for the core's reset windows); if it ever fills, frames are
 * cut and flagged or dropped whole (see eth_mac_rx_gmii), never merged.
 *
 * Resets: rx_rst (sync to rx_clk) and rst (sync to clk) must be asserted
 * together (axis_async_fifo).
 */
module eth_mac_rx_gmii_fifo #(
    parameter DATA_WIDTH = 64,
    parameter KEEP_WIDTH = DATA_WIDTH/8,
    parameter FIFO_DEPTH = 16
) (
    // PHY side
    input  wire                   rx_clk,
    input  wire                   rx_rst,
    input  wire [7:0]             gmii_rxd,
    input  wire                   gmii_rx_dv,
    input  wire                   gmii_rx_er,

    // core side
    input  wire                   clk,
    input  wire                   rst,
    output wire [DATA_WIDTH-1:0]  m_axis_tdata,
    output wire [KEEP_WIDTH-1:0]  m_axis_tkeep,
    output wire                   m_axis_tvalid,
    input  wire                   m_axis_tready,
    output wire                   m_axis_tlast,
    output wire                   m_axis_tuser,

    // status pulses, rx_clk domain
    output wire                   stat_frame,
    output wire                   stat_bad_fcs,
    output wire                   stat_rx_er,
    output wire                   stat_truncated
);

wire [DATA_WIDTH-1:0] mac_tdata;
wire [KEEP_WIDTH-1:0] mac_tkeep;
wire mac_tvalid;
wire mac_tready;
wire mac_almost_full;
wire mac_tlast;
wire mac_tuser;

eth_mac_rx_gmii #(
    .DATA_WIDTH(DATA_WIDTH),
    .KEEP_WIDTH(KEEP_WIDTH)
)
mac_inst (
    .clk(rx_clk),
    .rst(rx_rst),
    .gmii_rxd(gmii_rxd),
    .gmii_rx_dv(gmii_rx_dv),
    .gmii_rx_er(gmii_rx_er),
    .m_axis_tdata(mac_tdata),
    .m_axis_tkeep(mac_tkeep),
    .m_axis_tvalid(mac_tvalid),
    .m_axis_tready(mac_tready),
    .m_axis_almost_full(mac_almost_full),
    .m_axis_tlast(mac_tlast),
    .m_axis_tuser(mac_tuser),
    .stat_frame(stat_frame),
    .stat_bad_fcs(stat_bad_fcs),
    .stat_rx_er(stat_rx_er),
    .stat_truncated(stat_truncated)
);

axis_async_fifo #(
    .DATA_WIDTH(DATA_WIDTH),
    .KEEP_WIDTH(KEEP_WIDTH),
    .DEPTH(FIFO_DEPTH)
)
fifo_inst (
    .s_clk(rx_clk),
    .s_rst(rx_rst),
    .s_axis_tdata(mac_tdata),
    .s_axis_tkeep(mac_tkeep),
    .s_axis_tvalid(mac_tvalid),
    .s_axis_tready(mac_tready),
    .s_axis_tlast(mac_tlast),
    .s_axis_tuser(mac_tuser),
    .s_axis_almost_full(mac_almost_full),
    .m_clk(clk),
    .m_rst(rst),
    .m_axis_tdata(m_axis_tdata),
    .m_axis_tkeep(m_axis_tkeep),
    .m_axis_tvalid(m_axis_tvalid),
    .m_axis_tready(m_axis_tready),
    .m_axis_tlast(m_axis_tlast),
    .m_axis_tuser(m_axis_tuser)
);

endmodule

`default_nettype wire
