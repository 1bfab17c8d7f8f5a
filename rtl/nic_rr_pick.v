`timescale 1ns / 1ps
`default_nettype none

/*
 * Round-robin pick (combinational): the lowest requester at or after
 * `first`, else the lowest requester overall. The caller keeps `first`
 * (usually grant + 1 after a grant). Used by the RX engine's MemRd arbiter
 * and the MSI-X sender.
 */
module nic_rr_pick #(
    parameter N = 8,
    parameter W = N > 1 ? $clog2(N) : 1
) (
    input  wire [N-1:0] req,
    input  wire [W-1:0] first,
    output reg          found,
    output reg  [W-1:0] grant
);

integer i;

always @* begin
    found = 1'b0;
    grant = {W{1'b0}};
    for (i = N - 1; i >= 0; i = i - 1) begin
        if (req[i]) begin
            found = 1'b1;
            grant = i[W-1:0];
        end
    end
    for (i = N - 1; i >= 0; i = i - 1) begin
        if (req[i] && i[W-1:0] >= first) begin
            grant = i[W-1:0];
        end
    end
end

endmodule

`default_nettype wire
