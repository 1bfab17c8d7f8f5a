`timescale 1ns / 1ps
`default_nettype none

/*
 * iCE40 (HX8K or UP5K) build of the NIC, reduced: one queue, 4 KiB RX FIFO,
 * smaller descriptor cache, two MSI-X vectors (queue 0 and the error
 * vector), host side replaced by nic_host_stub. Its purpose
 * is to measure what fits; no pin constraint file is provided.
 *
 * iCE40 boards have no 1G PHY: frames come in on a GMII-like pin bus
 * (gmii_rx_clk, 8-bit gmii_rxd, gmii_rx_dv, gmii_rx_er: one byte per clock,
 * preamble/SFD/FCS as on the wire), e.g. from a PMOD or a pattern source,
 * crossed to the core clock by the MAC's async FIFO. The core runs on the
 * clk pin directly (no PLL): for the line rate of a byte-per-cycle
 * gmii_rx_clk the core needs clk >= gmii_rx_clk / 8.
 *
 * Reset: power-on counter only (2^RST_BITS core cycles), re-synchronised
 * into gmii_rx_clk (which must run during it).
 *
 * led[3:0]: nic_host_stub (frame toggle, DMA activity, error, signature);
 * led[4]: toggles on every bad frame received (rx clock domain);
 * led[7:5]: heartbeat bits.
 */
module ice40_top #(
    parameter RST_BITS = 16,
    parameter RX_FIFO_BYTES = 4096,
    parameter DESC_FETCH_MAX = 4,
    parameter DESC_CACHE_DEPTH = 8,
    parameter DMA_READ_TAGS = 2,
    parameter RX_QUEUES = 1,
    parameter RETA_ENTRIES = 128,
    parameter MSIX_VECTORS = 2,
    parameter CLK_PERIOD_PS = 20000     // clk: 50 MHz target (synth/ice40_clocks.pcf)
) (
    input  wire       clk,
    output wire [7:0] led,

    input  wire       gmii_rx_clk,
    input  wire [7:0] gmii_rxd,
    input  wire       gmii_rx_dv,
    input  wire       gmii_rx_er
);

reg [RST_BITS:0] rst_cnt_reg = {(RST_BITS+1){1'b0}};
reg rst_reg = 1'b1;

always @(posedge clk) begin
    if (!rst_cnt_reg[RST_BITS]) begin
        rst_cnt_reg <= rst_cnt_reg + 1'b1;
    end
    rst_reg <= !rst_cnt_reg[RST_BITS];
end

(* ASYNC_REG = "TRUE" *) reg [1:0] rx_rst_sync_reg = 2'b11;

always @(posedge gmii_rx_clk) begin
    rx_rst_sync_reg <= {rx_rst_sync_reg[0], rst_reg};
end

wire rx_rst = rx_rst_sync_reg[1];

// register the pins (IOB flip-flops)
reg [7:0] rxd_reg = 8'd0;
reg rx_dv_reg = 1'b0;
reg rx_er_reg = 1'b0;

always @(posedge gmii_rx_clk) begin
    rxd_reg <= gmii_rxd;
    rx_dv_reg <= gmii_rx_dv;
    rx_er_reg <= gmii_rx_er;
end

wire [3:0] nic_led;
wire rx_frame_bad;

nic_board_core #(
    .RX_FIFO_BYTES(RX_FIFO_BYTES),
    .DESC_FETCH_MAX(DESC_FETCH_MAX),
    .DESC_CACHE_DEPTH(DESC_CACHE_DEPTH),
    .DMA_READ_TAGS(DMA_READ_TAGS),
    .RX_QUEUES(RX_QUEUES),
    .RETA_ENTRIES(RETA_ENTRIES),
    .MSIX_VECTORS(MSIX_VECTORS),
    .CLK_PERIOD_PS(CLK_PERIOD_PS),
    .RING_LOG(4),
    .ACT_BITS(20)
)
nic_board_inst (
    .rx_clk(gmii_rx_clk),
    .rx_rst(rx_rst),
    .gmii_rxd(rxd_reg),
    .gmii_rx_dv(rx_dv_reg),
    .gmii_rx_er(rx_er_reg),
    .clk(clk),
    .rst(rst_reg),
    .led(nic_led),
    .rx_frame_bad(rx_frame_bad)
);

reg bad_reg = 1'b0;

always @(posedge gmii_rx_clk) begin
    if (rx_frame_bad) begin
        bad_reg <= !bad_reg;
    end
end

reg [23:0] beat_reg = 24'd0;

always @(posedge clk) begin
    beat_reg <= beat_reg + 24'd1;
end

assign led = {beat_reg[23:21], bad_reg, nic_led};

endmodule

`default_nettype wire
