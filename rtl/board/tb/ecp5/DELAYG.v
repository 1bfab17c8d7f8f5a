`timescale 1ns / 1ps
`default_nettype none

// Lint/simulation stand-in for the ECP5 DELAYG primitive: zero delay.
module DELAYG #(
    /* verilator lint_off UNUSEDPARAM */
    parameter DEL_MODE = "USER_DEFINED",
    parameter DEL_VALUE = 0
    /* verilator lint_on UNUSEDPARAM */
) (
    input  wire A,
    output wire Z
);

assign Z = A;

endmodule

`default_nettype wire
