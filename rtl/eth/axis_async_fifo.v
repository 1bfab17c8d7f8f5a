`timescale 1ns / 1ps
`default_nettype none

/*
 * AXI-stream asynchronous FIFO (clock-domain crossing), beat granularity.
 *
 * Storage: DEPTH entries of {tlast, tuser, tkeep, tdata} in one memory written
 * on s_clk and read on m_clk (read address registered on m_clk, output data
 * register = RAM read register), so yosys infers distributed RAM (ECP5
 * TRELLIS_DPR16X4) or block RAM (iCE40 SB_RAM40_4K) rather than flip-flops.
 *
 * Pointers are DEPTH*2-modulo binary counters, published to the other domain
 * as registered Gray code through two-flop synchronizers (ASYNC_REG). Full
 * and empty are therefore conservative (never wrong, sometimes late).
 *
 * Write side: s_axis_tready = at least one free entry; s_axis_almost_full =
 * fewer than two free entries. Both are registered, from the write pointer
 * and the synchronized read pointer as it was two cycles earlier
 * (conservative like the rest): the read pointer is decoded from Gray and
 * its offsets + DEPTH - 2, + DEPTH - 1 and + DEPTH are registered in
 * between, so a flag is only equality compares of the write pointer against
 * those (the fill level is k exactly when wr_ptr == rd_ptr + k, pointers
 * modulo 2 * DEPTH and the level within 0..DEPTH): no subtraction or carry
 * chain between the write pointer and the RAM write enable, the path that
 * limited the 125 MHz GMII domain on the ECP5. A writer that cannot be
 * back-pressured (the GMII MAC) writes a non-last beat only when
 * !s_axis_almost_full, so the entry a frame's tlast beat needs is always
 * there (see eth_mac_rx_gmii).
 *
 * Read side: standard valid/ready with a registered output (no bubble while
 * data is available and the sink is ready).
 *
 * Resets: s_rst (sync to s_clk) clears the write pointer, m_rst (sync to
 * m_clk) the read pointer and output. Assert both together for at least
 * three cycles of the slower clock while both clocks run (the board tops
 * derive both from one reset); a one-sided reset leaves the pointers
 * inconsistent.
 *
 * DEPTH must be a power of two >= 4.
 */
module axis_async_fifo #(
    parameter DATA_WIDTH = 64,
    parameter KEEP_WIDTH = DATA_WIDTH/8,
    parameter DEPTH = 16
) (
    // write side
    input  wire                   s_clk,
    input  wire                   s_rst,
    input  wire [DATA_WIDTH-1:0]  s_axis_tdata,
    input  wire [KEEP_WIDTH-1:0]  s_axis_tkeep,
    input  wire                   s_axis_tvalid,
    output wire                   s_axis_tready,
    input  wire                   s_axis_tlast,
    input  wire                   s_axis_tuser,
    output wire                   s_axis_almost_full,

    // read side
    input  wire                   m_clk,
    input  wire                   m_rst,
    output wire [DATA_WIDTH-1:0]  m_axis_tdata,
    output wire [KEEP_WIDTH-1:0]  m_axis_tkeep,
    output wire                   m_axis_tvalid,
    input  wire                   m_axis_tready,
    output wire                   m_axis_tlast,
    output wire                   m_axis_tuser
);

localparam ADDR_W = $clog2(DEPTH);
localparam PTR_W = ADDR_W + 1;
localparam WIDTH = DATA_WIDTH + KEEP_WIDTH + 2;
localparam [PTR_W-1:0] DEPTH_P = DEPTH[PTR_W-1:0];
localparam [PTR_W-1:0] DEPTH_M1 = DEPTH_P - 1;
localparam [PTR_W-1:0] DEPTH_M2 = DEPTH_P - 2;

function [PTR_W-1:0] bin2gray(input [PTR_W-1:0] b);
    bin2gray = b ^ (b >> 1);
endfunction

function [PTR_W-1:0] gray2bin(input [PTR_W-1:0] g);
    integer k;
    begin
        gray2bin[PTR_W-1] = g[PTR_W-1];
        for (k = PTR_W - 2; k >= 0; k = k - 1) begin
            gray2bin[k] = gray2bin[k+1] ^ g[k];
        end
    end
endfunction

reg [WIDTH-1:0] mem [0:DEPTH-1];

// write domain
reg [PTR_W-1:0] wr_ptr_reg = {PTR_W{1'b0}};
reg [PTR_W-1:0] wr_ptr_gray_reg = {PTR_W{1'b0}};
(* ASYNC_REG = "TRUE" *) reg [PTR_W-1:0] rd_ptr_gray_sync1_reg = {PTR_W{1'b0}};
(* ASYNC_REG = "TRUE" *) reg [PTR_W-1:0] rd_ptr_gray_sync2_reg = {PTR_W{1'b0}};
reg [PTR_W-1:0] rd_ptr_sync_bin_reg = {PTR_W{1'b0}};
// rd_ptr_sync_bin_reg + DEPTH - 2 / + DEPTH - 1 / + DEPTH (the level at which
// the write pointer equals them), one cycle later
reg [PTR_W-1:0] rd_lvl_dm2_reg = DEPTH_M2;
reg [PTR_W-1:0] rd_lvl_dm1_reg = DEPTH_M1;
reg [PTR_W-1:0] rd_lvl_d_reg = DEPTH_P;
reg wr_full_reg = 1'b0;
reg wr_almost_full_reg = 1'b0;

// read domain
reg [PTR_W-1:0] rd_ptr_reg = {PTR_W{1'b0}};
reg [PTR_W-1:0] rd_ptr_gray_reg = {PTR_W{1'b0}};
(* ASYNC_REG = "TRUE" *) reg [PTR_W-1:0] wr_ptr_gray_sync1_reg = {PTR_W{1'b0}};
(* ASYNC_REG = "TRUE" *) reg [PTR_W-1:0] wr_ptr_gray_sync2_reg = {PTR_W{1'b0}};

reg [WIDTH-1:0] out_reg = {WIDTH{1'b0}};
reg out_valid_reg = 1'b0;

// ---------------------------------------------------------------------------
// write side
assign s_axis_tready = !wr_full_reg;
assign s_axis_almost_full = wr_almost_full_reg;

wire wr_en = s_axis_tvalid && !wr_full_reg;

// fill level before this cycle's write (against the registered read pointer
// offsets) as equality tests; the flags are for the level after the write
// (wr_en selects at the end): full after = level D, or D - 1 and a write;
// almost full after = level >= D - 1 after = level in {D - 1, D} without a
// write, {D - 2, D - 1} with one
wire lvl_dm2 = wr_ptr_reg == rd_lvl_dm2_reg;
wire lvl_dm1 = wr_ptr_reg == rd_lvl_dm1_reg;
wire lvl_d = wr_ptr_reg == rd_lvl_d_reg;

always @(posedge s_clk) begin
    if (wr_en) begin
        mem[wr_ptr_reg[ADDR_W-1:0]] <= {s_axis_tlast, s_axis_tuser, s_axis_tkeep, s_axis_tdata};
    end
end

always @(posedge s_clk) begin
    rd_ptr_gray_sync1_reg <= rd_ptr_gray_reg;
    rd_ptr_gray_sync2_reg <= rd_ptr_gray_sync1_reg;
    rd_ptr_sync_bin_reg <= gray2bin(rd_ptr_gray_sync2_reg);
    rd_lvl_dm2_reg <= rd_ptr_sync_bin_reg + DEPTH_M2;
    rd_lvl_dm1_reg <= rd_ptr_sync_bin_reg + DEPTH_M1;
    rd_lvl_d_reg <= rd_ptr_sync_bin_reg ^ DEPTH_P;

    wr_full_reg <= wr_en ? lvl_dm1 : lvl_d;
    wr_almost_full_reg <= wr_en ? (lvl_dm2 || lvl_dm1) : (lvl_dm1 || lvl_d);

    if (wr_en) begin
        wr_ptr_reg <= wr_ptr_reg + 1'b1;
        wr_ptr_gray_reg <= bin2gray(wr_ptr_reg + 1'b1);
    end

    if (s_rst) begin
        wr_ptr_reg <= {PTR_W{1'b0}};
        wr_ptr_gray_reg <= {PTR_W{1'b0}};
        rd_ptr_gray_sync1_reg <= {PTR_W{1'b0}};
        rd_ptr_gray_sync2_reg <= {PTR_W{1'b0}};
        rd_ptr_sync_bin_reg <= {PTR_W{1'b0}};
        rd_lvl_dm2_reg <= DEPTH_M2;
        rd_lvl_dm1_reg <= DEPTH_M1;
        rd_lvl_d_reg <= DEPTH_P;
        wr_full_reg <= 1'b0;
        wr_almost_full_reg <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// read side
wire rd_empty = rd_ptr_gray_reg == wr_ptr_gray_sync2_reg;
wire rd_en = !rd_empty && (!out_valid_reg || m_axis_tready);

always @(posedge m_clk) begin
    if (rd_en) begin
        out_reg <= mem[rd_ptr_reg[ADDR_W-1:0]];
    end
end

always @(posedge m_clk) begin
    wr_ptr_gray_sync1_reg <= wr_ptr_gray_reg;
    wr_ptr_gray_sync2_reg <= wr_ptr_gray_sync1_reg;

    if (rd_en) begin
        out_valid_reg <= 1'b1;
        rd_ptr_reg <= rd_ptr_reg + 1'b1;
        rd_ptr_gray_reg <= bin2gray(rd_ptr_reg + 1'b1);
    end else if (m_axis_tready) begin
        out_valid_reg <= 1'b0;
    end

    if (m_rst) begin
        out_valid_reg <= 1'b0;
        rd_ptr_reg <= {PTR_W{1'b0}};
        rd_ptr_gray_reg <= {PTR_W{1'b0}};
        wr_ptr_gray_sync1_reg <= {PTR_W{1'b0}};
        wr_ptr_gray_sync2_reg <= {PTR_W{1'b0}};
    end
end

assign m_axis_tdata = out_reg[DATA_WIDTH-1:0];
assign m_axis_tkeep = out_reg[DATA_WIDTH +: KEEP_WIDTH];
assign m_axis_tuser = out_reg[WIDTH-2];
assign m_axis_tlast = out_reg[WIDTH-1];
assign m_axis_tvalid = out_valid_reg;

endmodule

`default_nettype wire
