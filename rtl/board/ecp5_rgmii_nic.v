`timescale 1ns / 1ps
`default_nettype none

/*
 * What the ECP5 board tops share: the core PLL, reset sequencing, the RGMII
 * receive interface and the NIC (nic_board_core, host side on nic_host_stub).
 * A board top only names its pins, picks the PLL dividers and the queue
 * count, and drives its LEDs from the outputs here.
 *
 * Clocks: clk_in -> EHXPLLL (CLKI_DIV / CLKFB_DIV / CLKOP_DIV, see ecp5_pll)
 * -> clk (core, CLK_PERIOD_PS); eth_rx_clk (RXC from the PHY, 125 MHz at
 * 1000BASE-T) clocks rgmii_rx and the MAC; axis_async_fifo crosses to the
 * core. 1 Gb/s only (no 10/100).
 *
 * Reset: the core is held in reset (rst) until the PLL locks and for
 * 2^RST_BITS core cycles after (and while rst_n, the board's reset button, is
 * low); the PHY reset (eth_rst_n) is released once, at the end of the first
 * such window (~21 ms at 50 MHz with RST_BITS 20), and not pulsed again by the
 * button, so RXC keeps running while the RX-clock side of the MAC is reset
 * (the reset is re-synchronised into eth_rx_clk).
 *
 * nic_led: nic_host_stub's four LEDs (frame toggle, DMA write activity, error,
 * signature parity: the signature keeps every NIC output observable).
 * bad_led: high for 2^23 RXC cycles (~67 ms) after a bad frame.
 */
module ecp5_rgmii_nic #(
    parameter RST_BITS = 20,
    parameter RX_DELAY_TAPS = 80,
    parameter RX_QUEUES = 1,
    parameter CLKI_DIV = 1,
    parameter CLKFB_DIV = 2,
    parameter CLKOP_DIV = 12,
    parameter CLK_PERIOD_PS = 20000     // clk as the PLL makes it
) (
    input  wire       clk_in,
    input  wire       rst_n,

    input  wire       eth_rx_clk,
    input  wire       eth_rx_ctl,
    input  wire [3:0] eth_rxd,
    output wire       eth_rst_n,

    output wire       clk,
    output wire       rst,
    output wire       pll_locked,
    output wire [3:0] nic_led,
    output wire       bad_led
);

// ---------------------------------------------------------------------------
// clocks and resets
ecp5_pll #(
    .CLKI_DIV(CLKI_DIV),
    .CLKFB_DIV(CLKFB_DIV),
    .CLKOP_DIV(CLKOP_DIV)
)
pll_inst (
    .clk_in(clk_in),
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

assign rst = rst_reg;
assign eth_rst_n = phy_up_reg;

(* ASYNC_REG = "TRUE" *) reg [1:0] rx_rst_sync_reg = 2'b11;

always @(posedge eth_rx_clk) begin
    rx_rst_sync_reg <= {rx_rst_sync_reg[0], rst_reg};
end

wire rx_rst = rx_rst_sync_reg[1];

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

wire rx_frame_bad;

nic_board_core #(
    .RX_FIFO_BYTES(32768),
    .DESC_FETCH_MAX(8),
    .DESC_CACHE_DEPTH(16),
    .DMA_READ_TAGS(4),
    .RX_QUEUES(RX_QUEUES),
    .RETA_ENTRIES(128),
    .MSIX_VECTORS(RX_QUEUES + 1),     // one per queue and the error vector
    .CLK_PERIOD_PS(CLK_PERIOD_PS)
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

assign bad_led = bad_cnt_reg != 23'd0;

endmodule

`default_nettype wire
