`timescale 1ns / 1ps
`default_nettype none

/*
 * Self-checking test of the RGMII receive path as the board tops use it:
 * rgmii_rx (TARGET "GENERIC", DDR capture) at 125 MHz -> eth_mac_rx_gmii_fifo
 * (MAC + async FIFO) -> 64-bit stream at a 50 MHz core clock.
 *   - RGMII DDR: low nibble + RX_DV on the rising edge, high nibble +
 *     RX_DV^RX_ER on the falling edge, data launched 2 ns before each edge
 *   - good frames (every length 1..80, random lengths, 1514, 9018) byte-exact,
 *     bad FCS and rx_er (encoded on the falling-edge ctl) flagged in tuser,
 *     back-to-back frames with the minimum IFG
 *   - FIFO overflow (core side stalled, as during a core reset): the frame
 *     that lost beats ends with tuser=1, a frame arriving at a full FIFO is
 *     dropped whole, later frames are intact
 * Prints PASS on success.
 */
module tb_rgmii_rx;

reg rx_clk = 1'b0;
reg clk = 1'b0;
reg rst = 1'b1;
reg rx_rst = 1'b1;
always #4 rx_clk = !rx_clk;
always #10 clk = !clk;

reg [3:0] rgmii_rxd = 4'd0;
reg rgmii_rx_ctl = 1'b0;
reg tready = 1'b1;

wire [7:0] gmii_rxd;
wire gmii_rx_dv;
wire gmii_rx_er;

rgmii_rx #(
    .TARGET("GENERIC")
)
phy_inst (
    .rst(rx_rst),
    .rgmii_rx_clk(rx_clk),
    .rgmii_rxd(rgmii_rxd),
    .rgmii_rx_ctl(rgmii_rx_ctl),
    .gmii_rxd(gmii_rxd),
    .gmii_rx_dv(gmii_rx_dv),
    .gmii_rx_er(gmii_rx_er)
);

wire [63:0] tdata;
wire [7:0] tkeep;
wire tvalid;
wire tlast;
wire tuser;
wire stat_frame, stat_bad_fcs, stat_rx_er, stat_truncated;

eth_mac_rx_gmii_fifo #(
    .FIFO_DEPTH(16)
)
dut (
    .rx_clk(rx_clk),
    .rx_rst(rx_rst),
    .gmii_rxd(gmii_rxd),
    .gmii_rx_dv(gmii_rx_dv),
    .gmii_rx_er(gmii_rx_er),
    .clk(clk),
    .rst(rst),
    .m_axis_tdata(tdata),
    .m_axis_tkeep(tkeep),
    .m_axis_tvalid(tvalid),
    .m_axis_tready(tready),
    .m_axis_tlast(tlast),
    .m_axis_tuser(tuser),
    .stat_frame(stat_frame),
    .stat_bad_fcs(stat_bad_fcs),
    .stat_rx_er(stat_rx_er),
    .stat_truncated(stat_truncated)
);

// ---------------------------------------------------------------------------
// one RGMII byte: low nibble + dv sampled at the rising edge, high nibble +
// dv^er at the falling edge; each launched 2 ns before its edge
task line_byte(input [7:0] d, input dv, input er);
    begin
        @(negedge rx_clk);
        #2;
        rgmii_rxd = d[3:0];
        rgmii_rx_ctl = dv;
        @(posedge rx_clk);
        #2;
        rgmii_rxd = d[7:4];
        rgmii_rx_ctl = dv ^ er;
    end
endtask

`include "eth_tb_frames.vh"

integer trunc_pulses = 0;

always @(posedge rx_clk) begin
    if (stat_bad_fcs) bad_pulses = bad_pulses + 1;
    if (stat_rx_er) er_pulses = er_pulses + 1;
    if (stat_truncated) trunc_pulses = trunc_pulses + 1;
    if (stat_frame) frames_seen = frames_seen + 1;
end

always @(posedge clk) begin
    if (tvalid && tready) check_beat;
end

// ---------------------------------------------------------------------------
integer n, len, k;
integer exp_bad_fcs, exp_er;

initial begin
    exp_bad_fcs = 0;
    exp_er = 0;
    repeat (4) @(posedge clk);
    rst = 1'b0;
    @(posedge rx_clk);
    rx_rst = 1'b0;
    idle(4);

    for (len = 1; len <= 80; len = len + 1) begin
        fill(len);
        send(len, 7, 1'b0, -1, 12);
    end
    for (n = 0; n < 10; n = n + 1) begin
        len = 100 + ($random & 16'h7FF);
        fill(len);
        send(len, 7, 1'b0, -1, 12);
    end
    fill(1514); send(1514, 7, 1'b0, -1, 12);
    fill(9018); send(9018, 7, 1'b0, -1, 12);

    fill(64); send(64, 7, 1'b1, -1, 12); exp_bad_fcs = exp_bad_fcs + 1;
    fill(72); send(72, 7, 1'b0, 9, 12); exp_er = exp_er + 1;
    fill(72); send(72, 7, 1'b0, 70, 12); exp_er = exp_er + 1;
    for (n = 0; n < 20; n = n + 1) begin
        len = 60 + ($random & 8'h3F);
        fill(len);
        send(len, 7, 1'b0, -1, 12);
    end

    // overflow: core side stalled for a 1500-byte frame (cut, tuser=1) and
    // a following 200-byte frame (FIFO full from its first beat: dropped)
    idle(12);
    @(posedge clk);
    tready = 1'b0;
    fill(1500); send(1500, 7, 1'b0, -1, 12);
    exp_bad[exp_wr-1] = 1'b1;
    exp_trunc[exp_wr-1] = 1'b1;
    fill(200); send(200, 7, 1'b0, -1, 12);
    exp_wr = exp_wr - 1;
    exp_ptr = exp_ptr - 200;
    @(posedge clk);
    tready = 1'b1;
    idle(40);
    for (n = 0; n < 5; n = n + 1) begin
        len = 60 + ($random & 8'hFF);
        fill(len);
        send(len, 7, 1'b0, -1, 12);
    end

    idle(100);
    repeat (50) @(posedge clk);

    if (got_frame != exp_wr) begin
        $display("ERROR: %0d frames out, %0d expected", got_frame, exp_wr);
        errors = errors + 1;
    end
    if (frames_seen != exp_wr + 1) begin
        $display("ERROR: %0d stat_frame pulses, %0d expected", frames_seen, exp_wr + 1);
        errors = errors + 1;
    end
    if (bad_pulses != exp_bad_fcs) begin
        $display("ERROR: %0d bad-FCS pulses, %0d expected", bad_pulses, exp_bad_fcs);
        errors = errors + 1;
    end
    if (er_pulses != exp_er) begin
        $display("ERROR: %0d rx_er pulses, %0d expected", er_pulses, exp_er);
        errors = errors + 1;
    end
    if (trunc_pulses != 2) begin
        $display("ERROR: %0d truncated pulses, 2 expected", trunc_pulses);
        errors = errors + 1;
    end

    if (errors == 0) begin
        $display("tb_rgmii_rx: %0d frames checked", got_frame);
        $display("PASS");
    end else begin
        $display("FAIL: %0d errors", errors);
    end
    $finish;
end

initial begin
    #50000000;
    $display("FAIL: timeout");
    $finish;
end

endmodule

`default_nettype wire
