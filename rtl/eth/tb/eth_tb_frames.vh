// Shared by the MAC-side testbenches (tb_eth_mac_rx_gmii, tb_rgmii_rx):
// reference CRC-32, random frame fill, the expected-frame queue, frame
// sending (preamble, SFD, data, FCS, optional rx_er) and the AXIS output
// checker. Included inside the module body. The includer provides
//   task line_byte(input [7:0] d, input dv, input er);  one byte on its PHY interface
// and the AXIS signals tdata[63:0], tkeep[7:0], tlast, tuser; it calls
// check_beat on every accepted output beat.

function [31:0] crc_byte(input [31:0] c_in, input [7:0] d);
    integer k;
    reg [31:0] c;
    begin
        c = c_in;
        for (k = 0; k < 8; k = k + 1) begin
            if (c[0] ^ d[k]) c = (c >> 1) ^ 32'hEDB88320;
            else c = c >> 1;
        end
        crc_byte = c;
    end
endfunction

reg [7:0] frame_buf [0:16383];
reg [7:0] exp_data [0:1048575];
integer exp_start [0:1023];
integer exp_len [0:1023];
reg exp_bad [0:1023];
reg exp_trunc [0:1023];   // data and length not compared (frame cut by an overflow)
integer exp_wr = 0;      // frames queued
integer exp_ptr = 0;     // bytes queued
integer errors = 0;
integer frames_seen = 0;
integer bad_pulses = 0;
integer er_pulses = 0;

task expect_frame(input integer len, input bad);
    integer i;
    begin
        exp_start[exp_wr] = exp_ptr;
        exp_len[exp_wr] = len;
        exp_bad[exp_wr] = bad;
        exp_trunc[exp_wr] = 1'b0;
        for (i = 0; i < len; i = i + 1) begin
            exp_data[exp_ptr + i] = frame_buf[i];
        end
        exp_ptr = exp_ptr + len;
        exp_wr = exp_wr + 1;
    end
endtask

task idle(input integer n);
    integer i;
    begin
        for (i = 0; i < n; i = i + 1) line_byte(8'h00, 1'b0, 1'b0);
    end
endtask

// send frame_buf[0..len-1] + FCS after pre preamble bytes and the SFD;
// er_pos >= 0: rx_er on that byte (FCS bytes count from len)
task send(input integer len, input integer pre, input bad_fcs, input integer er_pos, input integer ifg);
    integer i;
    reg [31:0] crc;
    reg [31:0] fcs;
    begin
        crc = 32'hFFFFFFFF;
        for (i = 0; i < len; i = i + 1) crc = crc_byte(crc, frame_buf[i]);
        fcs = ~crc;
        if (bad_fcs) fcs = fcs ^ 32'h00010000;
        if (len > 0) expect_frame(len, bad_fcs || er_pos >= 0);
        for (i = 0; i < pre; i = i + 1) line_byte(8'h55, 1'b1, 1'b0);
        line_byte(8'hD5, 1'b1, 1'b0);
        for (i = 0; i < len; i = i + 1) line_byte(frame_buf[i], 1'b1, i == er_pos);
        for (i = 0; i < 4; i = i + 1) line_byte(fcs[8*i +: 8], 1'b1, len + i == er_pos);
        idle(ifg);
    end
endtask

task fill(input integer len);
    integer i;
    begin
        for (i = 0; i < len; i = i + 1) frame_buf[i] = $random;
    end
endtask

// AXIS output checker: tkeep shape, bytes against the queue, length and
// tuser at tlast
integer got_len = 0;
integer got_frame = 0;

task check_beat;
    integer b;
    begin
        if (!tlast && tkeep != 8'hFF) begin
            $display("ERROR: partial tkeep %h on a non-last beat", tkeep);
            errors = errors + 1;
        end
        if (tkeep == 8'h00 || (tkeep & (tkeep + 8'h01)) != 8'h00) begin
            $display("ERROR: tkeep %h not a run from bit 0", tkeep);
            errors = errors + 1;
        end
        for (b = 0; b < 8; b = b + 1) begin
            if (tkeep[b]) begin
                if (got_frame >= exp_wr) begin
                    // reported at tlast
                end else if (got_len >= exp_len[got_frame]) begin
                    // too long, reported at tlast
                end else if (exp_trunc[got_frame]) begin
                    // cut by an overflow: content not compared
                end else if (tdata[8*b +: 8] !== exp_data[exp_start[got_frame] + got_len]) begin
                    $display("ERROR: frame %0d byte %0d: got %h expected %h", got_frame, got_len,
                        tdata[8*b +: 8], exp_data[exp_start[got_frame] + got_len]);
                    errors = errors + 1;
                end
                got_len = got_len + 1;
            end
        end
        if (tlast) begin
            if (got_frame >= exp_wr) begin
                $display("ERROR: unexpected frame (%0d bytes)", got_len);
                errors = errors + 1;
            end else begin
                if (got_len != exp_len[got_frame] && !exp_trunc[got_frame]) begin
                    $display("ERROR: frame %0d length %0d expected %0d", got_frame, got_len, exp_len[got_frame]);
                    errors = errors + 1;
                end
                if (tuser !== exp_bad[got_frame]) begin
                    $display("ERROR: frame %0d tuser %b expected %b", got_frame, tuser, exp_bad[got_frame]);
                    errors = errors + 1;
                end
            end
            got_frame = got_frame + 1;
            got_len = 0;
        end
    end
endtask
