`timescale 1ns / 1ps
`default_nettype none

/*
 * Colorlight i5 (v7.0 module, LFE5U-25F-6BG381C) on its extension board:
 * NIC receive path on the first RGMII PHY (Broadcom B50612D, litex-boards
 * "eth" 0), host side replaced by nic_host_stub. Pins: colorlight_i5.lpf.
 *
 * Clocks and reset: ecp5_rgmii_nic (shared with the other ECP5 boards):
 * clk25 (25 MHz oscillator) -> EHXPLLL -> clk (core, 50 MHz); eth_rx_clk (RXC,
 * 125 MHz) clocks the RGMII interface and the MAC; rst_n is the K18 button;
 * eth_rst_n releases the PHY once, after the first reset window.
 *
 * One RX queue (RX_QUEUES): the whole NIC (parser, Toeplitz hash and RETA,
 * checksum offload, header split / scatter, MSI-X with two vectors) fills
 * ~70 % of the LFE5U-25F's LUTs with one; two queues ~84 % (too congested
 * to route), four do not fit (105 %). The RSS hash is still computed and
 * reported in every completion. The Versa board (LFE5UM5G-45F) has four.
 *
 * led_n (active low, the module's only LED): XOR of nic_host_stub's four
 * LEDs (frame toggle, DMA activity, error, signature) and a stretched "bad
 * frame received" bit, so it flickers with traffic; its real job is to keep
 * every NIC output observable. The PHY's MDIO is not driven (strap
 * defaults); TX is held idle (tx_ctl low).
 */
module colorlight_i5_top #(
    parameter RST_BITS = 20,
    parameter RX_DELAY_TAPS = 80,
    parameter RX_QUEUES = 1
) (
    input  wire       clk25,
    input  wire       rst_n,
    output wire       led_n,

    input  wire       eth_rx_clk,
    input  wire       eth_rx_ctl,
    input  wire [3:0] eth_rxd,
    output wire       eth_tx_ctl,
    output wire       eth_rst_n,
    output wire       eth_mdc
);

wire [3:0] nic_led;
wire bad_led;

// clk25 -> 50 MHz core clock (VCO 600 MHz); the one LED has no room for
// the clock, reset and PLL state
/* verilator lint_off PINCONNECTEMPTY */
ecp5_rgmii_nic #(
    .RST_BITS(RST_BITS),
    .RX_DELAY_TAPS(RX_DELAY_TAPS),
    .RX_QUEUES(RX_QUEUES),
    .CLKI_DIV(1),
    .CLKFB_DIV(2),
    .CLKOP_DIV(12),
    .CLK_PERIOD_PS(20000)
)
board_inst (
    .clk_in(clk25),
    .rst_n(rst_n),
    .eth_rx_clk(eth_rx_clk),
    .eth_rx_ctl(eth_rx_ctl),
    .eth_rxd(eth_rxd),
    .eth_rst_n(eth_rst_n),
    .clk(),
    .rst(),
    .pll_locked(),
    .nic_led(nic_led),
    .bad_led(bad_led)
);
/* verilator lint_on PINCONNECTEMPTY */

assign eth_mdc = 1'b0;
assign eth_tx_ctl = 1'b0;

assign led_n = !(^nic_led ^ bad_led);

endmodule

`default_nettype wire
