`timescale 1ns / 1ps
`default_nettype none

/*
 * Self-checking test of axis_async_fifo (DEPTH 16) in both clock ratios
 * (fast writer / slow reader and the reverse) with random valid and ready:
 *   - every beat written comes out once, in order, with its tlast/tuser/tkeep
 *   - the flags never promise room that is not there: s_axis_tready only
 *     with at most DEPTH - 1 entries really in the FIFO, !s_axis_almost_full
 *     only with at most DEPTH - 2 (the true level counts reads as they
 *     happen, so it is never above what the write side sees)
 *   - exact once the pointers have settled: with the reader stopped, the
 *     writer fills exactly DEPTH entries (almost_full after DEPTH - 1), and
 *     after the reader drains it both flags clear
 * Prints PASS on success.
 */
module tb_axis_async_fifo;

localparam DEPTH = 16;

reg s_clk = 1'b0;
reg m_clk = 1'b0;
reg rst = 1'b1;
integer s_half = 4;
integer m_half = 10;
always #(s_half) s_clk = !s_clk;
always #(m_half) m_clk = !m_clk;

reg [63:0] s_tdata = 64'd0;
reg [7:0] s_tkeep = 8'd0;
reg s_tvalid = 1'b0;
reg s_tlast = 1'b0;
reg s_tuser = 1'b0;
wire s_tready;
wire s_almost_full;

wire [63:0] m_tdata;
wire [7:0] m_tkeep;
wire m_tvalid;
reg m_tready = 1'b0;
wire m_tlast;
wire m_tuser;

axis_async_fifo #(
    .DATA_WIDTH(64),
    .DEPTH(DEPTH)
)
dut (
    .s_clk(s_clk),
    .s_rst(rst),
    .s_axis_tdata(s_tdata),
    .s_axis_tkeep(s_tkeep),
    .s_axis_tvalid(s_tvalid),
    .s_axis_tready(s_tready),
    .s_axis_tlast(s_tlast),
    .s_axis_tuser(s_tuser),
    .s_axis_almost_full(s_almost_full),
    .m_clk(m_clk),
    .m_rst(rst),
    .m_axis_tdata(m_tdata),
    .m_axis_tkeep(m_tkeep),
    .m_axis_tvalid(m_tvalid),
    .m_axis_tready(m_tready),
    .m_axis_tlast(m_tlast),
    .m_axis_tuser(m_tuser)
);

integer errors = 0;
integer n_wr = 0;        // beats accepted on the write side
integer n_rd = 0;        // beats taken from the RAM (dut.rd_en)
integer n_out = 0;       // beats delivered on the read side
integer w_rate = 100;    // % of write-side cycles with tvalid
integer r_rate = 100;    // % of read-side cycles with tready
reg w_run = 1'b0;
reg r_run = 1'b0;
integer seed = 7;

// beat n carries a pattern of n; tlast/tuser/tkeep from n too
function [73:0] beat(input integer n);
    beat = {n[3:0] == 4'd5, n[2:0] == 3'd3, n[7:0] ^ 8'h5a, {n[31:0], ~n[31:0]}};
endfunction

// true level: beats in the RAM (written, not yet read into the output register)
always @(posedge s_clk) begin
    if (!rst) begin
        if (s_tready && n_wr - n_rd > DEPTH - 1) begin
            $display("ERROR: s_axis_tready with %0d entries in the FIFO", n_wr - n_rd);
            errors = errors + 1;
        end
        if (!s_almost_full && n_wr - n_rd > DEPTH - 2) begin
            $display("ERROR: !s_axis_almost_full with %0d entries in the FIFO", n_wr - n_rd);
            errors = errors + 1;
        end
        if (s_tvalid && s_tready) begin
            n_wr = n_wr + 1;
        end
    end
    s_tvalid <= w_run && ($urandom(seed) % 100 < w_rate);
    {s_tlast, s_tuser, s_tkeep, s_tdata} <= beat(n_wr);
    if (s_tvalid && !s_tready) begin
        // hold the offered beat (AXI-stream: no change while not accepted)
        s_tvalid <= 1'b1;
        {s_tlast, s_tuser, s_tkeep, s_tdata} <= {s_tlast, s_tuser, s_tkeep, s_tdata};
    end
end

always @(posedge m_clk) begin
    if (!rst) begin
        if (dut.rd_en) begin
            n_rd = n_rd + 1;
        end
        if (m_tvalid && m_tready) begin
            if ({m_tlast, m_tuser, m_tkeep, m_tdata} !== beat(n_out)) begin
                $display("ERROR: beat %0d: got %h, expected %h", n_out, {m_tlast, m_tuser, m_tkeep, m_tdata}, beat(n_out));
                errors = errors + 1;
            end
            n_out = n_out + 1;
        end
    end
    m_tready <= r_run && ($urandom(seed) % 100 < r_rate);
end

task check_delivered;
    begin
        if (n_out != n_wr) begin
            $display("ERROR: %0d beats written, %0d delivered", n_wr, n_out);
            errors = errors + 1;
        end
    end
endtask

task run_random(input integer cycles, input integer wr, input integer rr);
    begin
        w_rate = wr;
        r_rate = rr;
        w_run = 1'b1;
        r_run = 1'b1;
        repeat (cycles) @(posedge s_clk);
        w_run = 1'b0;
        // drain
        repeat (200) @(posedge m_clk);
        check_delivered;
    end
endtask

task fill_exact;
    begin
        r_run = 1'b0;
        repeat (20) @(posedge m_clk);     // read side stopped, pointers settled
        w_rate = 100;
        w_run = 1'b1;
        repeat (200) @(posedge s_clk);
        w_run = 1'b0;
        repeat (4) @(posedge s_clk);
        if (n_wr - n_rd != DEPTH) begin
            $display("ERROR: writer stopped at %0d entries in the RAM, expected %0d", n_wr - n_rd, DEPTH);
            errors = errors + 1;
        end
        if (s_tready || !s_almost_full) begin
            $display("ERROR: full FIFO: tready %b almost_full %b", s_tready, s_almost_full);
            errors = errors + 1;
        end
        r_rate = 100;
        r_run = 1'b1;
        repeat (100) @(posedge m_clk);
        if (!s_tready || s_almost_full) begin
            $display("ERROR: drained FIFO: tready %b almost_full %b", s_tready, s_almost_full);
            errors = errors + 1;
        end
        check_delivered;
    end
endtask

// almost_full must rise exactly when DEPTH - 1 entries are in the RAM
// (reader stopped): watch it while filling one beat at a time
task almost_full_edge;
    integer k;
    begin
        r_run = 1'b0;
        repeat (20) @(posedge m_clk);
        for (k = 0; k < DEPTH; k = k + 1) begin
            w_rate = 100;
            w_run = 1'b1;
            @(posedge s_clk);
            w_run = 1'b0;
            repeat (3) @(posedge s_clk);
            if (s_almost_full !== (n_wr - n_rd >= DEPTH - 1)) begin
                $display("ERROR: %0d entries: almost_full %b", n_wr - n_rd, s_almost_full);
                errors = errors + 1;
            end
            if (s_tready !== (n_wr - n_rd <= DEPTH - 1)) begin
                $display("ERROR: %0d entries: tready %b", n_wr - n_rd, s_tready);
                errors = errors + 1;
            end
        end
        r_run = 1'b1;
        repeat (100) @(posedge m_clk);
    end
endtask

initial begin
    repeat (5) @(posedge m_clk);
    rst = 1'b0;
    repeat (5) @(posedge m_clk);

    // slow reader (writer 125 MHz, reader 50 MHz)
    run_random(3000, 100, 100);
    run_random(3000, 60, 80);
    fill_exact;
    almost_full_edge;

    // fast reader: swap the clocks
    s_half = 10;
    m_half = 4;
    repeat (20) @(posedge m_clk);
    run_random(3000, 100, 100);
    run_random(3000, 90, 30);
    run_random(3000, 20, 90);
    fill_exact;
    almost_full_edge;

    if (n_wr < 5000) begin
        $display("ERROR: only %0d beats went through", n_wr);
        errors = errors + 1;
    end
    if (errors == 0) begin
        $display("PASS: %0d beats", n_wr);
    end else begin
        $display("FAIL: %0d errors", errors);
    end
    $finish;
end

endmodule

`resetall
