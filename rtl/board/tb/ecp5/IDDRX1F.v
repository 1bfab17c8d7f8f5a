`timescale 1ns / 1ps
`default_nettype none

// Lint/simulation stand-in for the ECP5 IDDRX1F primitive: Q0 = sample at a
// rising edge of SCLK, Q1 = sample at the falling edge after it, both updated
// at the next rising edge.
module IDDRX1F (
    input  wire D,
    input  wire SCLK,
    input  wire RST,
    output wire Q0,
    output wire Q1
);

reg rise_reg = 1'b0;
reg fall_reg = 1'b0;
reg q0_reg = 1'b0;
reg q1_reg = 1'b0;

always @(posedge SCLK) begin
    rise_reg <= D;
    q0_reg <= rise_reg;
    q1_reg <= fall_reg;
    if (RST) begin
        q0_reg <= 1'b0;
        q1_reg <= 1'b0;
    end
end

always @(negedge SCLK) begin
    fall_reg <= D;
end

assign Q0 = q0_reg;
assign Q1 = q1_reg;

endmodule

`default_nettype wire
