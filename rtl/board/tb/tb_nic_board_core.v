`timescale 1ns / 1ps
`default_nettype none

/*
 * System test of nic_board_core (what the board tops instantiate): GMII
 * frames with preamble and FCS at 125 MHz -> MAC -> async FIFO -> nic_core
 * at 50 MHz, driven by nic_host_stub (MMIO setup and doorbells, descriptor
 * CplD, DMA writes swallowed). Checks, by watching the NIC's TLP streams:
 *   - every good frame yields one completion record (MemWr to the completion
 *     ring) whose length field equals the frame length, in order, and its
 *     bytes arrive in MemWr TLPs to the stub's buffer range
 *   - a frame with a bad FCS is not delivered
 *   - MSI-X (the stub enables it and arms vector 0 every poll pass): the
 *     NIC sends interrupt messages, 1-DW MemWr of the stub's MSI data to
 *     its MSI address, none before the first completion record
 *   - the stub saw no MMIO error (ERR_STATUS read 0) and read Q_FRAMES equal
 *     to the frames delivered
 * Prints PASS on success.
 */
module tb_nic_board_core #(
    parameter RX_QUEUES = 4    // as the ECP5 tops
);

reg rx_clk = 1'b0;
reg clk = 1'b0;
reg rst = 1'b1;
reg rx_rst = 1'b1;
always #4 rx_clk = !rx_clk;
always #10 clk = !clk;

reg [7:0] gmii_rxd = 8'd0;
reg gmii_rx_dv = 1'b0;
reg gmii_rx_er = 1'b0;
wire [3:0] led;
wire rx_frame_bad;

nic_board_core #(
    .RX_FIFO_BYTES(4096),
    .RX_QUEUES(RX_QUEUES),
    .POLL_CYCLES(64),
    .ACT_BITS(8)
)
dut (
    .rx_clk(rx_clk),
    .rx_rst(rx_rst),
    .gmii_rxd(gmii_rxd),
    .gmii_rx_dv(gmii_rx_dv),
    .gmii_rx_er(gmii_rx_er),
    .clk(clk),
    .rst(rst),
    .led(led),
    .rx_frame_bad(rx_frame_bad)
);

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

reg [7:0] frame_buf [0:2047];
integer exp_len [0:255];
integer exp_n = 0;
integer errors = 0;

task gmii_byte(input [7:0] d, input dv);
    begin
        @(negedge rx_clk);
        gmii_rxd = d;
        gmii_rx_dv = dv;
    end
endtask

task send(input integer len, input bad_fcs, input integer ifg);
    integer i;
    reg [31:0] crc;
    reg [31:0] fcs;
    begin
        for (i = 0; i < len; i = i + 1) frame_buf[i] = $random;
        crc = 32'hFFFFFFFF;
        for (i = 0; i < len; i = i + 1) crc = crc_byte(crc, frame_buf[i]);
        fcs = ~crc ^ (bad_fcs ? 32'h1 : 32'h0);
        if (!bad_fcs) begin
            exp_len[exp_n] = len;
            exp_n = exp_n + 1;
        end
        for (i = 0; i < 7; i = i + 1) gmii_byte(8'h55, 1'b1);
        gmii_byte(8'hD5, 1'b1);
        for (i = 0; i < len; i = i + 1) gmii_byte(frame_buf[i], 1'b1);
        for (i = 0; i < 4; i = i + 1) gmii_byte(fcs[8*i +: 8], 1'b1);
        for (i = 0; i < ifg; i = i + 1) gmii_byte(8'h00, 1'b0);
    end
endtask

// ---------------------------------------------------------------------------
// watch the NIC's DMA requests
wire [127:0] req_hdr = dut.dma_req_hdr;
wire [127:0] req_data = dut.dma_req_data;
wire req_fire = dut.dma_req_valid && dut.dma_req_ready;
wire [2:0] req_fmt = req_hdr[127:125];
wire [31:0] req_addr = req_fmt[0] ? req_hdr[31:0] : req_hdr[63:32];

integer cpl_n = 0;
integer buf_bytes = 0;
integer rd_n = 0;
integer msi_n = 0;

always @(posedge clk) begin
    if (req_fire && dut.dma_req_sop) begin
        if (!req_fmt[1]) begin
            rd_n = rd_n + 1;
        end else if (req_addr[31:28] == 4'h2) begin
            // completion record: LEN in DW0[15:0]
            if (cpl_n >= exp_n) begin
                $display("ERROR: unexpected completion record (len %0d)", req_data[15:0]);
                errors = errors + 1;
            end else if (req_data[15:0] != exp_len[cpl_n]) begin
                $display("ERROR: completion %0d len %0d expected %0d", cpl_n, req_data[15:0], exp_len[cpl_n]);
                errors = errors + 1;
            end
            cpl_n = cpl_n + 1;
        end else if (req_addr[31:28] == 4'h4) begin
            buf_bytes = buf_bytes + 4 * (req_hdr[105:96] == 10'd0 ? 1024 : req_hdr[105:96]);
        end else if (req_addr == dut.host_inst.MSI_ADDR) begin
            if (req_fmt != 3'b010 || req_hdr[105:96] != 10'd1 || req_hdr[71:64] != 8'h0F
                || req_data[31:0] != dut.host_inst.MSI_DATA || !dut.dma_req_eop) begin
                $display("ERROR: MSI-X message hdr %h data %h", req_hdr, req_data[31:0]);
                errors = errors + 1;
            end
            if (cpl_n == 0) begin
                $display("ERROR: MSI-X message before any completion record");
                errors = errors + 1;
            end
            msi_n = msi_n + 1;
        end else begin
            $display("ERROR: DMA write to %h", req_addr);
            errors = errors + 1;
        end
    end
end

// stub's view of Q_FRAMES and ERR_STATUS
integer q_frames = -1;
reg [31:0] err_status = 32'd0;

always @(posedge clk) begin
    if (dut.mmio_cpl_valid && dut.mmio_cpl_ready) begin
        if (dut.host_inst.step_reg == dut.host_inst.STEP_Q_FRAMES) q_frames = dut.mmio_cpl_data[31:0];
        if (dut.host_inst.step_reg == dut.host_inst.STEP_ERR) err_status = err_status | dut.mmio_cpl_data[31:0];
    end
end

integer n, total;

initial begin
    repeat (8) @(posedge clk);
    rst = 1'b0;
    @(posedge rx_clk);
    rx_rst = 1'b0;

    // let the stub program the NIC
    repeat (200) @(posedge clk);

    total = 0;
    for (n = 0; n < 40; n = n + 1) begin
        if (n == 7 || n == 23) begin
            send(100, 1'b1, 12);
        end else begin
            send(60 + ((n * 37) % 400), 1'b0, 12 + (n % 3) * 200);
            total = total + 60 + ((n * 37) % 400);
        end
    end

    repeat (3000) @(posedge clk);

    if (cpl_n != exp_n) begin
        $display("ERROR: %0d completion records, %0d frames sent", cpl_n, exp_n);
        errors = errors + 1;
    end
    // each frame is written as whole dwords from the buffer start
    if (buf_bytes < total) begin
        $display("ERROR: %0d payload bytes written, %0d expected at least", buf_bytes, total);
        errors = errors + 1;
    end
    if (q_frames != exp_n) begin
        $display("ERROR: Q_FRAMES read %0d, expected %0d", q_frames, exp_n);
        errors = errors + 1;
    end
    if (err_status != 32'd0) begin
        $display("ERROR: ERR_STATUS %h", err_status);
        errors = errors + 1;
    end
    if (rd_n == 0) begin
        $display("ERROR: no descriptor reads");
        errors = errors + 1;
    end
    if (msi_n == 0) begin
        $display("ERROR: no MSI-X message");
        errors = errors + 1;
    end

    if (errors == 0) begin
        $display("tb_nic_board_core: %0d frames delivered, %0d descriptor reads, %0d MSI-X messages", cpl_n, rd_n, msi_n);
        $display("PASS");
    end else begin
        $display("FAIL: %0d errors", errors);
    end
    $finish;
end

initial begin
    #20000000;
    $display("FAIL: timeout");
    $finish;
end

endmodule

`default_nettype wire
