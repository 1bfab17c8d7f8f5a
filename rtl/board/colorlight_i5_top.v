`timescale 1ns / 1ps
`default_nettype none

/*
 * Colorlight i5 (v7.0 module, LFE5U-25F-6BG381C) on its extension board:
 * NIC receive path on the first RGMII PHY (Broadcom B50612D, litex-boards
 * "eth" 0), host side replaced by nic_host_stub. Pins: colorlight_i5.lpf.
 *
 * Clocks: clk25 (25 MHz oscillator) -> EHXPLLL -> clk (core, 50 MHz);
 * eth_rx_clk (RXC from the PHY, 125 MHz at 1000BASE-T) clocks rgmii_rx and
 * the MAC; axis_async_fifo crosses to the core. 1 Gb/s only (no 10/100).
 *
 * One RX queue (RX_QUEUES): the whole NIC (parser, Toeplitz hash and RETA,
 * checksum offload, header split / scatter, MSI-X with two vectors) fills
 * ~70 % of the LFE5U-25F's LUTs with one; two queues ~84 % (too congested
 * to route), four do not fit (105 %). The RSS hash is still computed and
 * reported in every completion. The Versa board (LFE5UM5G-45F) has four.
 *
 * Reset: the core is held in reset until the PLL locks and for 2^RST_BITS
 * core cycles after (and while rst_n, the K18 button, is low); the PHY reset
 * (eth_rst_n, shared by both PHYs) is released once, at the end of the first
 * such window (~21 ms at 50 MHz), and not pulsed again by the button, so RXC
 * keeps running while the RX-clock side of the MAC is reset (the reset is
 * re-synchronised into eth_rx_clk).
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

// ---------------------------------------------------------------------------
// clocks and resets
wire clk;
wire pll_locked;

ecp5_pll #(
    .CLKI_DIV(1),
    .CLKFB_DIV(2),
    .CLKOP_DIV(12)
)
pll_inst (
    .clk_in(clk25),
    .clk_out(clk),
    .locked(pll_locked)
);

(* ASYNC_REG = "TRUE" *) reg [1:0] btn_sync_reg = 2'b00;
reg [RST_BITS:0] rst_cnt_reg = {(RST_BITS+1){1'b0}};
reg rst_reg = 1'b1;
reg phy_up_reg = 1'b0;

always @(posedge clk) begin
    btn_sync_reg <= {btn_sync_reg[0], rst_n && pll_locked};
    if (!rst_cnt_reg[RST_BITS]) begin
        rst_cnt_reg <= rst_cnt_reg + 1'b1;
    end
    rst_reg <= !rst_cnt_reg[RST_BITS];
    if (rst_cnt_reg[RST_BITS]) begin
        phy_up_reg <= 1'b1;
    end
    if (!btn_sync_reg[1]) begin
        rst_cnt_reg <= {(RST_BITS+1){1'b0}};
        rst_reg <= 1'b1;
    end
end

(* ASYNC_REG = "TRUE" *) reg [1:0] rx_rst_sync_reg = 2'b11;

always @(posedge eth_rx_clk) begin
    rx_rst_sync_reg <= {rx_rst_sync_reg[0], rst_reg};
end

wire rx_rst = rx_rst_sync_reg[1];

assign eth_rst_n = phy_up_reg;
assign eth_mdc = 1'b0;
assign eth_tx_ctl = 1'b0;

// ---------------------------------------------------------------------------
// PHY interface and NIC
wire [7:0] gmii_rxd;
wire gmii_rx_dv;
wire gmii_rx_er;

rgmii_rx #(
    .TARGET("ECP5"),
    .RX_DELAY_TAPS(RX_DELAY_TAPS)
)
rgmii_inst (
    .rst(rx_rst),
    .rgmii_rx_clk(eth_rx_clk),
    .rgmii_rxd(eth_rxd),
    .rgmii_rx_ctl(eth_rx_ctl),
    .gmii_rxd(gmii_rxd),
    .gmii_rx_dv(gmii_rx_dv),
    .gmii_rx_er(gmii_rx_er)
);

wire [3:0] nic_led;
wire rx_frame_bad;

nic_board_core #(
    .RX_FIFO_BYTES(32768),
    .DESC_FETCH_MAX(8),
    .DESC_CACHE_DEPTH(16),
    .DMA_READ_TAGS(4),
    .RX_QUEUES(RX_QUEUES),
    .RETA_ENTRIES(128),
    .MSIX_VECTORS(RX_QUEUES + 1),     // one per queue and the error vector
    .CLK_PERIOD_PS(20000)              // clk: 50 MHz from the PLL
)
nic_board_inst (
    .rx_clk(eth_rx_clk),
    .rx_rst(rx_rst),
    .gmii_rxd(gmii_rxd),
    .gmii_rx_dv(gmii_rx_dv),
    .gmii_rx_er(gmii_rx_er),
    .clk(clk),
    .rst(rst_reg),
    .led(nic_led),
    .rx_frame_bad(rx_frame_bad)
);

// bad-frame indicator, stretched in the RX clock domain
reg [22:0] bad_cnt_reg = 23'd0;

always @(posedge eth_rx_clk) begin
    if (rx_frame_bad) begin
        bad_cnt_reg <= {23{1'b1}};
    end else if (bad_cnt_reg != 23'd0) begin
        bad_cnt_reg <= bad_cnt_reg - 23'd1;
    end
end

assign led_n = !(^nic_led ^ (bad_cnt_reg != 23'd0));

endmodule

`default_nettype wire
