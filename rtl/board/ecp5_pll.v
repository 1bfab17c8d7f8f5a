`timescale 1ns / 1ps
`default_nettype none

/*
 * ECP5 PLL (EHXPLLL), one output, feedback from CLKOP:
 *   f_out = f_in / CLKI_DIV * CLKFB_DIV,  f_vco = f_out * CLKOP_DIV
 * Keep f_in / CLKI_DIV and f_vco (400..800 MHz) inside the ECP5 data sheet's
 * PLL ranges. Defaults: 25 MHz -> 50 MHz (VCO 600 MHz); 100 MHz -> 50 MHz is
 * CLKI_DIV=2, CLKFB_DIV=1, CLKOP_DIV=12. CLKOP_CPHASE = CLKOP_DIV/2 - 1 is the
 * zero-phase setting the ecppll tool emits. Constrain the output net with
 * FREQUENCY NET in the .lpf (nextpnr then times the core domain).
 */
module ecp5_pll #(
    parameter CLKI_DIV = 1,
    parameter CLKFB_DIV = 2,
    parameter CLKOP_DIV = 12,
    parameter CLKOP_CPHASE = CLKOP_DIV/2 - 1
) (
    input  wire clk_in,
    output wire clk_out,
    output wire locked
);

EHXPLLL #(
    .PLLRST_ENA("DISABLED"),
    .INTFB_WAKE("DISABLED"),
    .STDBY_ENABLE("DISABLED"),
    .DPHASE_SOURCE("DISABLED"),
    .OUTDIVIDER_MUXA("DIVA"),
    .OUTDIVIDER_MUXB("DIVB"),
    .OUTDIVIDER_MUXC("DIVC"),
    .OUTDIVIDER_MUXD("DIVD"),
    .CLKI_DIV(CLKI_DIV),
    .CLKOP_ENABLE("ENABLED"),
    .CLKOP_DIV(CLKOP_DIV),
    .CLKOP_CPHASE(CLKOP_CPHASE),
    .CLKOP_FPHASE(0),
    .FEEDBK_PATH("CLKOP"),
    .CLKFB_DIV(CLKFB_DIV)
)
pll_inst (
    .RST(1'b0),
    .STDBY(1'b0),
    .CLKI(clk_in),
    .CLKOP(clk_out),
    .CLKFB(clk_out),
    /* verilator lint_off PINCONNECTEMPTY */
    .CLKINTFB(),
    /* verilator lint_on PINCONNECTEMPTY */
    .PHASESEL0(1'b0),
    .PHASESEL1(1'b0),
    .PHASEDIR(1'b1),
    .PHASESTEP(1'b1),
    .PHASELOADREG(1'b1),
    .PLLWAKESYNC(1'b0),
    .ENCLKOP(1'b0),
    .LOCK(locked)
);

endmodule

`default_nettype wire
