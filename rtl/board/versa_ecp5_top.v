`timescale 1ns / 1ps
`default_nettype none

/*
 * Lattice ECP5-5G Versa board (LFE5UM5G-45F-8BG381C): NIC receive path on
 * RGMII PHY 0 (Marvell 88E1512, litex-boards "eth" 0), host side replaced by
 * nic_host_stub. Pins: versa_ecp5.lpf.
 *
 * Clocks and reset: ecp5_rgmii_nic (shared with the other ECP5 boards):
 * clk100 (100 MHz LVDS oscillator) -> EHXPLLL -> clk (core, 50 MHz); eth_rx_clk (RXC,
 * 125 MHz) clocks the RGMII interface and the MAC; rst_n is the T1 reset button;
 * eth_rst_n releases the PHY once, after the first reset window.
 *
 * led[3:0]: nic_host_stub (Q_FRAMES bit 0, DMA write activity, ERR_STATUS
 * non-zero, signature parity: the signature keeps every NIC output
 * observable); led[4]: bad frame received (stretched); led[5]: heartbeat;
 * led[6]: PLL locked; led[7]: core out of reset. Driven active high, as
 * litex-boards and nmigen-boards declare them (set LED_INVERT=1 to flip). The PHY's MDIO is not driven (strap
 * defaults); TX is held idle (tx_ctl low).
 */
module versa_ecp5_top #(
    parameter RST_BITS = 20,
    parameter RX_DELAY_TAPS = 80,
    parameter RX_QUEUES = 4,
    parameter LED_INVERT = 0
) (
    input  wire       clk100,
    input  wire       rst_n,
    output wire [7:0] led,

    input  wire       eth_rx_clk,
    input  wire       eth_rx_ctl,
    input  wire [3:0] eth_rxd,
    output wire       eth_tx_ctl,
    output wire       eth_rst_n,
    output wire       eth_mdc
);

wire clk;
wire rst;
wire pll_locked;
wire [3:0] nic_led;
wire bad_led;

// clk100 -> 50 MHz core clock (VCO 600 MHz)
ecp5_rgmii_nic #(
    .RST_BITS(RST_BITS),
    .RX_DELAY_TAPS(RX_DELAY_TAPS),
    .RX_QUEUES(RX_QUEUES),
    .CLKI_DIV(2),
    .CLKFB_DIV(1),
    .CLKOP_DIV(12),
    .CLK_PERIOD_PS(20000)
)
board_inst (
    .clk_in(clk100),
    .rst_n(rst_n),
    .eth_rx_clk(eth_rx_clk),
    .eth_rx_ctl(eth_rx_ctl),
    .eth_rxd(eth_rxd),
    .eth_rst_n(eth_rst_n),
    .clk(clk),
    .rst(rst),
    .pll_locked(pll_locked),
    .nic_led(nic_led),
    .bad_led(bad_led)
);

assign eth_mdc = 1'b0;
assign eth_tx_ctl = 1'b0;

reg [25:0] beat_reg = 26'd0;

always @(posedge clk) begin
    beat_reg <= beat_reg + 26'd1;
end

wire [7:0] led_int = {!rst, pll_locked, beat_reg[25], bad_led, nic_led};

assign led = LED_INVERT ? ~led_int : led_int;

endmodule

`default_nettype wire
