`timescale 1ns / 1ps
`default_nettype none

/*
 * Self-checking test of eth_mac_rx_gmii alone (no FIFO: tready=1,
 * almost_full=0), GMII at 125 MHz:
 *   - frames of many lengths with preamble + SFD and a good FCS: delivered
 *     byte-exact without FCS, tkeep a run from bit 0 on tlast, tuser=0
 *     (short frames included: runts are the NIC's job)
 *   - bad FCS -> complete data, tuser=1; rx_er inside the frame -> tuser=1
 *   - back-to-back frames with the minimum IFG (12) and with a 1-cycle gap,
 *     short preambles
 *   - bursts with no SFD, a bad preamble byte, or <= 4 bytes after the SFD
 *     produce nothing
 * Prints PASS on success.
 */
module tb_eth_mac_rx_gmii;

reg clk = 1'b0;
reg rst = 1'b1;
always #4 clk = !clk;

reg [7:0] gmii_rxd = 8'd0;
reg gmii_rx_dv = 1'b0;
reg gmii_rx_er = 1'b0;

wire [63:0] tdata;
wire [7:0] tkeep;
wire tvalid;
wire tlast;
wire tuser;
wire stat_frame, stat_bad_fcs, stat_rx_er, stat_truncated;

eth_mac_rx_gmii dut (
    .clk(clk),
    .rst(rst),
    .gmii_rxd(gmii_rxd),
    .gmii_rx_dv(gmii_rx_dv),
    .gmii_rx_er(gmii_rx_er),
    .m_axis_tdata(tdata),
    .m_axis_tkeep(tkeep),
    .m_axis_tvalid(tvalid),
    .m_axis_tready(1'b1),
    .m_axis_almost_full(1'b0),
    .m_axis_tlast(tlast),
    .m_axis_tuser(tuser),
    .stat_frame(stat_frame),
    .stat_bad_fcs(stat_bad_fcs),
    .stat_rx_er(stat_rx_er),
    .stat_truncated(stat_truncated)
);

// ---------------------------------------------------------------------------
// one GMII byte per clock
task line_byte(input [7:0] d, input dv, input er);
    begin
        @(negedge clk);
        gmii_rxd = d;
        gmii_rx_dv = dv;
        gmii_rx_er = er;
    end
endtask

`include "eth_tb_frames.vh"

always @(posedge clk) begin
    if (stat_bad_fcs) bad_pulses = bad_pulses + 1;
    if (stat_rx_er) er_pulses = er_pulses + 1;
    if (stat_truncated) begin
        $display("ERROR: truncated pulse without a FIFO");
        errors = errors + 1;
    end
    if (tvalid) check_beat;
    if (stat_frame) frames_seen = frames_seen + 1;
end

// ---------------------------------------------------------------------------
integer n, len, k;
reg [31:0] c;
integer exp_bad_fcs, exp_er;

initial begin
    // reference CRC check value (IEEE 802.3 CRC-32 of "123456789")
    c = 32'hFFFFFFFF;
    for (k = 0; k < 9; k = k + 1) c = crc_byte(c, 8'h31 + k);
    if (~c !== 32'hCBF43926) begin
        $display("ERROR: reference CRC %h", ~c);
        errors = errors + 1;
    end

    exp_bad_fcs = 0;
    exp_er = 0;
    // reset while a burst is in flight: must not be taken as a frame
    line_byte(8'hD5, 1'b1, 1'b0);
    line_byte(8'h12, 1'b1, 1'b0);
    rst = 1'b0;
    line_byte(8'hD5, 1'b1, 1'b0);
    line_byte(8'h34, 1'b1, 1'b0);
    idle(4);

    // good frames, every length 1..80 and some longer, min IFG, 7-byte preamble
    for (len = 1; len <= 80; len = len + 1) begin
        fill(len);
        send(len, 7, 1'b0, -1, 12);
    end
    for (n = 0; n < 12; n = n + 1) begin
        len = 100 + ($random & 16'h7FF);
        fill(len);
        send(len, 7, 1'b0, -1, 12);
    end
    fill(1514); send(1514, 7, 1'b0, -1, 12);
    fill(9018); send(9018, 7, 1'b0, -1, 12);

    // bad FCS, rx_er at several positions (incl. in the FCS)
    fill(64); send(64, 7, 1'b1, -1, 12); exp_bad_fcs = exp_bad_fcs + 1;
    fill(61); send(61, 7, 1'b1, -1, 12); exp_bad_fcs = exp_bad_fcs + 1;
    fill(72); send(72, 7, 1'b0, 0, 12); exp_er = exp_er + 1;
    fill(72); send(72, 7, 1'b0, 40, 12); exp_er = exp_er + 1;
    fill(72); send(72, 7, 1'b0, 71, 12); exp_er = exp_er + 1;
    fill(72);
    send(72, 7, 1'b0, 73, 12);   // rx_er on an FCS byte
    exp_er = exp_er + 1;
    fill(128); send(128, 7, 1'b0, -1, 12);

    // back-to-back: 1-cycle IFG, short and long preambles
    for (n = 0; n < 20; n = n + 1) begin
        len = 60 + ($random & 8'h3F);
        fill(len);
        send(len, (n % 8), 1'b0, -1, 1);
    end

    // noise: no SFD, bad preamble byte, rx_er in the preamble, <= 4 bytes after SFD
    for (k = 0; k < 8; k = k + 1) line_byte(8'h55, 1'b1, 1'b0);
    idle(12);
    line_byte(8'h55, 1'b1, 1'b0); line_byte(8'h17, 1'b1, 1'b0); line_byte(8'hD5, 1'b1, 1'b0);
    for (k = 0; k < 70; k = k + 1) line_byte(k[7:0], 1'b1, 1'b0);
    idle(12);
    line_byte(8'h55, 1'b1, 1'b1); line_byte(8'hD5, 1'b1, 1'b0);
    for (k = 0; k < 70; k = k + 1) line_byte(k[7:0], 1'b1, 1'b0);
    idle(12);
    line_byte(8'h55, 1'b1, 1'b0); line_byte(8'hD5, 1'b1, 1'b0);
    for (k = 0; k < 4; k = k + 1) line_byte(8'hAA, 1'b1, 1'b0);
    idle(12);
    // false carrier (rx_er without rx_dv) between frames
    line_byte(8'h0E, 1'b0, 1'b1);
    idle(3);
    fill(64); send(64, 7, 1'b0, -1, 12);

    idle(40);

    if (got_frame != exp_wr) begin
        $display("ERROR: %0d frames out, %0d expected", got_frame, exp_wr);
        errors = errors + 1;
    end
    if (frames_seen != exp_wr) begin
        $display("ERROR: %0d stat_frame pulses, %0d expected", frames_seen, exp_wr);
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

    if (errors == 0) begin
        $display("tb_eth_mac_rx_gmii: %0d frames checked", got_frame);
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
