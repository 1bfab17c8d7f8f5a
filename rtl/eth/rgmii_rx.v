`timescale 1ns / 1ps
`default_nettype none

/*
 * RGMII receive: 4-bit DDR data and rx_ctl on both edges of rgmii_rx_clk ->
 * GMII (8-bit rxd, rx_dv, rx_er) at rgmii_rx_clk (1000BASE-T: 125 MHz).
 *
 * RGMII: the rising edge carries rxd[3:0] and RX_DV, the following falling
 * edge rxd[7:4] and RX_DV XOR RX_ER.
 *
 * TARGET "ECP5": DELAYG on rx_ctl and each data bit (RX_DELAY_TAPS x 25 ps,
 * DEL_MODE "SCLK_ALIGNED"; the default 80 taps = 2 ns is the RX delay
 * LiteEth's ECP5 RGMII PHY uses by default, for a PHY that does not delay
 * RXC itself; set 0 for a PHY in RGMII-ID mode) feeding IDDRX1F (Q0 = the
 * rising-edge sample, Q1 = the falling-edge sample of the same clock period).
 * TARGET "GENERIC": behavioural posedge/negedge capture (simulation, other
 * FPGAs without a DDR primitive).
 *
 * The GMII outputs are registered on the rising edge: one cycle after the
 * DDR stage.
 */
module rgmii_rx #(
    parameter TARGET = "GENERIC",
    /* verilator lint_off UNUSEDPARAM */
    parameter RX_DELAY_TAPS = 80    // ECP5 only
    /* verilator lint_on UNUSEDPARAM */
) (
    input  wire        rst,

    input  wire        rgmii_rx_clk,
    input  wire [3:0]  rgmii_rxd,
    input  wire        rgmii_rx_ctl,

    output wire [7:0]  gmii_rxd,
    output wire        gmii_rx_dv,
    output wire        gmii_rx_er
);

wire [3:0] rxd_rise;
wire [3:0] rxd_fall;
wire ctl_rise;
wire ctl_fall;

generate
    if (TARGET == "ECP5") begin : ecp5
        wire [4:0] pin = {rgmii_rx_ctl, rgmii_rxd};
        wire [4:0] q0;
        wire [4:0] q1;
        genvar n;
        for (n = 0; n < 5; n = n + 1) begin : bit_in
            wire dly;
            DELAYG #(
                .DEL_MODE("SCLK_ALIGNED"),
                .DEL_VALUE(RX_DELAY_TAPS)
            )
            delay_inst (
                .A(pin[n]),
                .Z(dly)
            );
            IDDRX1F iddr_inst (
                .D(dly),
                .SCLK(rgmii_rx_clk),
                .RST(1'b0),
                .Q0(q0[n]),
                .Q1(q1[n])
            );
        end
        assign rxd_rise = q0[3:0];
        assign rxd_fall = q1[3:0];
        assign ctl_rise = q0[4];
        assign ctl_fall = q1[4];
    end else begin : generic
        reg [4:0] rise_reg = 5'd0;   // sampled on the rising edge
        reg [4:0] fall_reg = 5'd0;   // sampled on the falling edge after it
        reg [4:0] q0_reg = 5'd0;
        reg [4:0] q1_reg = 5'd0;
        always @(posedge rgmii_rx_clk) begin
            rise_reg <= {rgmii_rx_ctl, rgmii_rxd};
        end
        always @(negedge rgmii_rx_clk) begin
            fall_reg <= {rgmii_rx_ctl, rgmii_rxd};
        end
        // at the next rising edge rise_reg/fall_reg still hold the two halves
        // of the period just ended: register them together (as IDDRX1F does)
        always @(posedge rgmii_rx_clk) begin
            q0_reg <= rise_reg;
            q1_reg <= fall_reg;
        end
        assign rxd_rise = q0_reg[3:0];
        assign ctl_rise = q0_reg[4];
        assign rxd_fall = q1_reg[3:0];
        assign ctl_fall = q1_reg[4];
    end
endgenerate

reg [7:0] gmii_rxd_reg = 8'd0;
reg gmii_rx_dv_reg = 1'b0;
reg gmii_rx_er_reg = 1'b0;

always @(posedge rgmii_rx_clk) begin
    gmii_rxd_reg <= {rxd_fall, rxd_rise};
    gmii_rx_dv_reg <= ctl_rise;
    gmii_rx_er_reg <= ctl_rise ^ ctl_fall;
    if (rst) begin
        gmii_rx_dv_reg <= 1'b0;
        gmii_rx_er_reg <= 1'b0;
    end
end

assign gmii_rxd = gmii_rxd_reg;
assign gmii_rx_dv = gmii_rx_dv_reg;
assign gmii_rx_er = gmii_rx_er_reg;

endmodule

`default_nettype wire
