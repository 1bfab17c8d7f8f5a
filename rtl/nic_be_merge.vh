// Byte-enable merge for 32-bit registers: byte k of the result is byte k of
// wdata where be[k] is set, else of old. Included inside module bodies.
function [31:0] be_merge(input [31:0] old, input [31:0] wdata, input [3:0] be);
    integer k;
    begin
        for (k = 0; k < 4; k = k + 1) begin
            be_merge[k*8 +: 8] = be[k] ? wdata[k*8 +: 8] : old[k*8 +: 8];
        end
    end
endfunction
