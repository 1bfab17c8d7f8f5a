`timescale 1ns / 1ps
`default_nettype none

/*
 * Self-checking test bench for nic_csr (2 queues, to exercise the flattened
 * per-queue ports). Drives MMIO TLPs, checks every completion header field,
 * register semantics, bad-request handling and the soft reset, with random
 * back-pressure on the completion stream. The MSI-X window is answered by a
 * reg-port responder (a dword memory, random ack delay) that checks the
 * port protocol: one-cycle strobes, one request at a time, fields stable
 * until the ack. Interrupt registers: CLK_PERIOD_PS, IRQ_ERR_VECTOR,
 * Q_IRQ_VECTOR (reset values clamped to MSIX_VECTORS = 2), err_event.
 * Split registers: Q_HDR_BASE_LO/HI, Q_HDR_COUNT, Q_RX_CFG (reset 0, masks,
 * byte enables, locked while the queue is enabled, outputs) and the
 * Q_SPLIT_FRAMES / Q_HDR_OVERFLOW counters (RO, cleared by the soft reset).
 * Prints PASS, or stops with $fatal.
 */
module tb_nic_csr;

`include "nic_spec.vh"

localparam Q = 2;
localparam FIFO_BYTES = 32768;
localparam [15:0] REQ_ID = 16'hA5C3;
localparam [15:0] CPL_ID = 16'h0308;
localparam NV = 2;                      // MSI-X vectors: clamps the vector reset values
localparam CLK_PS = 3333;

reg clk = 1'b0;
always #5 clk = ~clk;
reg rst = 1'b1;

reg [127:0] req_hdr = 128'd0;
reg [127:0] req_data = 128'd0;
reg [2:0] req_bar = 3'd0;
reg req_sop = 1'b0, req_eop = 1'b0, req_valid = 1'b0;
wire req_ready;

wire [127:0] cpl_hdr;
wire [127:0] cpl_data;
wire cpl_sop, cpl_eop, cpl_valid;
reg cpl_ready = 1'b0;

wire soft_rst, rx_enable;
wire tlp_hold;
reg tlp_busy = 1'b0;
wire [Q-1:0] q_enable;
wire [Q*64-1:0] q_desc_base, q_cpl_base;
wire [Q*4-1:0] q_desc_log_size, q_cpl_log_size;
wire [Q*16-1:0] q_desc_prod, q_cpl_cons;

reg [Q*16-1:0] q_desc_cons = 0, q_cpl_prod = 0;
reg [Q-1:0] q_halted = 0;
reg [Q-1:0] q_busy = 0;
reg [Q-1:0] st_ok = 0, st_no_desc = 0, st_small = 0, st_bad = 0, st_qdis = 0;
reg [Q-1:0] st_split = 0, st_hovf = 0;
wire [Q*64-1:0] q_hdr_base;
wire [Q*16-1:0] q_hdr_count;
wire [Q*32-1:0] q_rx_cfg;
reg [Q*16-1:0] st_bytes = 0;
reg [Q-1:0] e_status = 0, e_unexp = 0, e_timeout = 0;
reg [31:0] fill = 0;
reg f_in = 0, f_full = 0, f_mac = 0, f_runt = 0, f_over = 0, f_dis = 0;

// RSS: configuration outputs and a model of nic_rss's indirection table
localparam RETA = 128;
wire [5:0] rss_types;
wire [7:0] rss_defq;
wire [319:0] rss_key;
wire reta_wr_en;
wire [8:0] reta_wr_addr, reta_rd_addr;
wire [7:0] reta_wr_data;
reg [7:0] reta_rd_data = 8'd0;
reg [7:0] reta_m [0:RETA-1];
integer n_reta_wr = 0;
always @(posedge clk) begin
    if (reta_wr_en) begin
        if (reta_wr_addr >= RETA) $fatal(1, "RETA write past the table: %0d", reta_wr_addr);
        reta_m[reta_wr_addr] <= reta_wr_data;
        n_reta_wr = n_reta_wr + 1;
    end
    reta_rd_data <= reta_rd_addr < RETA ? reta_m[reta_rd_addr] : 8'd0;
end

// MSI-X window responder (stands in for nic_msix)
wire [15:0] reg_addr;
wire [31:0] reg_wr_data;
wire [3:0] reg_wr_be;
wire reg_wr, reg_rd;
reg reg_ack = 1'b0;
reg [31:0] reg_rd_data = 32'd0;
wire [7:0] err_vector;
wire err_event;
wire [Q*8-1:0] q_irq_vector;

reg [31:0] win_m [0:4095];               // 0x8000..0xBFFF, dword index
integer n_fwd_wr = 0, n_fwd_rd = 0;
integer ack_max = 6;
reg r_busy = 1'b0;
integer r_wait = 0;
reg r_is_wr = 1'b0;
reg [15:0] r_addr;
reg [31:0] r_data;
reg [3:0] r_be;
integer wi;
initial for (wi = 0; wi < 4096; wi = wi + 1) win_m[wi] = 32'h5A00_0000 | wi;

always @(posedge clk) begin
    reg_ack <= 1'b0;
    if (reg_wr && reg_rd) $fatal(1, "reg_wr and reg_rd together");
    if (reg_wr || reg_rd) begin
        if (r_busy || reg_ack) $fatal(1, "reg port: new request before the ack");
        if (reg_addr[15:14] != 2'b10 || reg_addr[1:0] != 2'b00) $fatal(1, "reg port address %h", reg_addr);
        r_busy <= 1'b1;
        r_is_wr <= reg_wr;
        r_addr <= reg_addr;
        r_data <= reg_wr_data;
        r_be <= reg_wr_be;
        r_wait <= rnd(ack_max);
        if (reg_wr) n_fwd_wr = n_fwd_wr + 1; else n_fwd_rd = n_fwd_rd + 1;
    end
    if (r_busy) begin
        // a strobe lasts one cycle; the fields stay put until the ack
        if (reg_wr || reg_rd) $fatal(1, "reg port strobe longer than one cycle");
        if (reg_addr !== r_addr || (r_is_wr && (reg_wr_data !== r_data || reg_wr_be !== r_be)))
            $fatal(1, "reg port fields changed before the ack");
        if (r_wait == 0) begin
            r_busy <= 1'b0;
            reg_ack <= 1'b1;
            if (r_is_wr) begin
                win_m[r_addr[13:2]] <= be_merge_tb(win_m[r_addr[13:2]], r_data, r_be);
                reg_rd_data <= 32'hXXXX_XXXX;
            end else begin
                reg_rd_data <= win_m[r_addr[13:2]];
            end
        end else begin
            r_wait <= r_wait - 1;
        end
    end
end

function [31:0] be_merge_tb(input [31:0] o, input [31:0] d, input [3:0] be);
    integer k;
    begin
        for (k = 0; k < 4; k = k + 1) be_merge_tb[8*k +: 8] = be[k] ? d[8*k +: 8] : o[8*k +: 8];
    end
endfunction

integer n_err_event = 0;
always @(posedge clk) if (err_event) n_err_event = n_err_event + 1;

nic_csr #(
    .TLP_DATA_WIDTH(128),
    .RX_QUEUES(Q),
    .RX_FIFO_BYTES(FIFO_BYTES),
    .DESC_FETCH_MAX(8),
    .RETA_ENTRIES(RETA),
    .MSIX_VECTORS(NV),
    .CLK_PERIOD_PS(CLK_PS),
    .SOFT_RESET_CYCLES(16)
) dut (
    .clk(clk),
    .rst(rst),
    .s_tlp_req_hdr(req_hdr),
    .s_tlp_req_data(req_data),
    .s_tlp_req_bar_id(req_bar),
    .s_tlp_req_sop(req_sop),
    .s_tlp_req_eop(req_eop),
    .s_tlp_req_valid(req_valid),
    .s_tlp_req_ready(req_ready),
    .m_tlp_cpl_hdr(cpl_hdr),
    .m_tlp_cpl_data(cpl_data),
    .m_tlp_cpl_sop(cpl_sop),
    .m_tlp_cpl_eop(cpl_eop),
    .m_tlp_cpl_valid(cpl_valid),
    .m_tlp_cpl_ready(cpl_ready),
    .cfg_requester_id(CPL_ID),
    .soft_rst(soft_rst),
    .tlp_hold(tlp_hold),
    .tlp_busy(tlp_busy),
    .rx_enable(rx_enable),
    .rss_hash_types(rss_types),
    .rss_default_queue(rss_defq),
    .rss_key(rss_key),
    .reta_wr_en(reta_wr_en),
    .reta_wr_addr(reta_wr_addr),
    .reta_wr_data(reta_wr_data),
    .reta_rd_addr(reta_rd_addr),
    .reta_rd_data(reta_rd_data),
    .reg_addr(reg_addr),
    .reg_wr_data(reg_wr_data),
    .reg_wr_be(reg_wr_be),
    .reg_wr(reg_wr),
    .reg_rd(reg_rd),
    .reg_ack(reg_ack),
    .reg_rd_data(reg_rd_data),
    .err_vector(err_vector),
    .err_event(err_event),
    .q_irq_vector(q_irq_vector),
    .q_enable(q_enable),
    .q_desc_base(q_desc_base),
    .q_desc_log_size(q_desc_log_size),
    .q_desc_prod(q_desc_prod),
    .q_cpl_base(q_cpl_base),
    .q_cpl_log_size(q_cpl_log_size),
    .q_cpl_cons(q_cpl_cons),
    .q_hdr_base(q_hdr_base),
    .q_hdr_count(q_hdr_count),
    .q_rx_cfg(q_rx_cfg),
    .q_desc_cons(q_desc_cons),
    .q_cpl_prod(q_cpl_prod),
    .q_halted(q_halted),
    .q_busy(q_busy),
    .stat_q_frame_ok(st_ok),
    .stat_q_frame_bytes(st_bytes),
    .stat_q_drop_no_desc(st_no_desc),
    .stat_q_drop_buf_too_small(st_small),
    .stat_q_drop_bad_desc(st_bad),
    .stat_q_drop_disabled(st_qdis),
    .stat_q_split(st_split),
    .stat_q_hdr_overflow(st_hovf),
    .err_cpl_status(e_status),
    .err_cpl_unexpected(e_unexp),
    .err_cpl_timeout(e_timeout),
    .fifo_fill_bytes(fill),
    .stat_rx_frame_in(f_in),
    .stat_rx_drop_fifo_full(f_full),
    .stat_rx_drop_mac_error(f_mac),
    .stat_rx_drop_runt(f_runt),
    .stat_rx_drop_oversize(f_over),
    .stat_rx_drop_disabled(f_dis)
);

integer seed = 7;
integer ready_pct = 60;
integer n_cpl = 0;
integer n_checks = 0;

function integer rnd(input integer n);
    rnd = {$random(seed)} % n;
endfunction

// completion back-pressure and stream protocol checks
reg [127:0] last_hdr;
reg [31:0] last_data;
reg stalled = 1'b0;

always @(posedge clk) begin
    if (stalled && !cpl_valid) $fatal(1, "completion valid dropped before it was accepted");
    if (stalled && (cpl_hdr !== last_hdr || cpl_data[31:0] !== last_data)) $fatal(1, "completion changed while stalled");
    if (cpl_valid && !(cpl_sop && cpl_eop)) $fatal(1, "completion must be a single beat");
    stalled <= cpl_valid && !cpl_ready;
    last_hdr <= cpl_hdr;
    last_data <= cpl_data[31:0];
    cpl_ready <= rnd(100) < ready_pct;
end

// ---------------------------------------------------------------------------
// TLP helpers
// ---------------------------------------------------------------------------

reg [7:0] tag = 8'd0;
reg [2:0] tc = 3'd0;
reg [2:0] attr = 3'd0;
reg [1:0] tag_hi = 2'd0;

function [127:0] mk_hdr(input [2:0] fmt, input [4:0] typ, input [9:0] len, input [3:0] fbe,
                        input [3:0] lbe, input [31:0] addr, input ep);
    reg [31:0] dw0, dw1, dw2, dw3;
    begin
        dw0 = {fmt, typ, tag_hi[1], tc, tag_hi[0], attr[2], 1'b0, 1'b0, 1'b0, ep, attr[1:0], 2'b00, len};
        dw1 = {REQ_ID, tag, lbe, fbe};
        if (fmt[0]) begin
            dw2 = 32'h0000_0001;   // upper address bits: outside the BAR decode
            dw3 = {addr[31:2], 2'b00};
        end else begin
            dw2 = {addr[31:2], 2'b00};
            dw3 = 32'd0;
        end
        mk_hdr = {dw0, dw1, dw2, dw3};
    end
endfunction

task send_beat(input [127:0] hdr, input [127:0] data, input [2:0] bar, input sop, input eop);
    begin
        req_hdr <= hdr;
        req_data <= data;
        req_bar <= bar;
        req_sop <= sop;
        req_eop <= eop;
        req_valid <= 1'b1;
        @(posedge clk);
        while (!req_ready) @(posedge clk);
        req_valid <= 1'b0;
        req_sop <= 1'b0;
        req_eop <= 1'b0;
    end
endtask

reg [127:0] got_hdr;
reg [31:0] got_data;

task wait_cpl;
    integer t;
    begin
        t = 0;
        @(posedge clk);
        while (!(cpl_valid && cpl_ready)) begin
            @(posedge clk);
            t = t + 1;
            if (t > 1000) $fatal(1, "no completion");
        end
        got_hdr = cpl_hdr;
        got_data = cpl_data[31:0];
        n_cpl = n_cpl + 1;
    end
endtask

task no_cpl;
    begin
        repeat (30) begin
            @(posedge clk);
            if (cpl_valid) $fatal(1, "unexpected completion");
        end
    end
endtask

task check_cpl(input [2:0] fmt, input [2:0] status, input [9:0] len, input [11:0] bc, input [6:0] la);
    begin
        n_checks = n_checks + 1;
        if (got_hdr[127:125] !== fmt) $fatal(1, "cpl fmt %b, expected %b", got_hdr[127:125], fmt);
        if (got_hdr[124:120] !== TLP_TYPE_CPL) $fatal(1, "cpl type %b", got_hdr[124:120]);
        if (got_hdr[119] !== tag_hi[1] || got_hdr[115] !== tag_hi[0]) $fatal(1, "cpl tag[9:8]");
        if (got_hdr[118:116] !== tc) $fatal(1, "cpl tc %0d, expected %0d", got_hdr[118:116], tc);
        if (got_hdr[114] !== attr[2] || got_hdr[109:108] !== attr[1:0]) $fatal(1, "cpl attr");
        if (got_hdr[113:110] !== 4'd0 || got_hdr[107:106] !== 2'd0) $fatal(1, "cpl LN/TH/TD/EP/AT not zero");
        if (got_hdr[105:96] !== len) $fatal(1, "cpl length %0d, expected %0d", got_hdr[105:96], len);
        if (got_hdr[95:80] !== CPL_ID) $fatal(1, "cpl completer id %h", got_hdr[95:80]);
        if (got_hdr[79:77] !== status) $fatal(1, "cpl status %b, expected %b", got_hdr[79:77], status);
        if (got_hdr[76] !== 1'b0) $fatal(1, "cpl BCM");
        if (got_hdr[75:64] !== bc) $fatal(1, "cpl byte count %0d, expected %0d", got_hdr[75:64], bc);
        if (got_hdr[63:48] !== REQ_ID) $fatal(1, "cpl requester id %h", got_hdr[63:48]);
        if (got_hdr[47:40] !== tag) $fatal(1, "cpl tag %h, expected %h", got_hdr[47:40], tag);
        if (got_hdr[39] !== 1'b0) $fatal(1, "cpl reserved bit");
        if (got_hdr[38:32] !== la) $fatal(1, "cpl lower address %h, expected %h", got_hdr[38:32], la);
        if (got_hdr[31:0] !== 32'd0) $fatal(1, "cpl DW3 not zero");
    end
endtask

function [11:0] bc1(input [3:0] be);
    integer lo, hi, i;
    begin
        lo = -1; hi = -1;
        for (i = 0; i < 4; i = i + 1) if (be[i]) begin if (lo < 0) lo = i; hi = i; end
        bc1 = be == 4'd0 ? 12'd1 : hi - lo + 1;
    end
endfunction

function [1:0] la1(input [3:0] be);
    la1 = be[0] ? 2'd0 : be[1] ? 2'd1 : be[2] ? 2'd2 : be[3] ? 2'd3 : 2'd0;
endfunction

// 1-DW read with every completion field checked; returns the data
task rd_be(input [15:0] addr, input [3:0] be, input fmt4, output [31:0] data);
    begin
        tag = tag + 8'd1;
        send_beat(mk_hdr(fmt4 ? TLP_FMT_4DW_NO_DATA : TLP_FMT_3DW_NO_DATA, TLP_TYPE_MEM, 10'd1, be, 4'd0,
            {16'h8000, addr}, 1'b0), 128'd0, 3'd0, 1'b1, 1'b1);
        wait_cpl;
        check_cpl(TLP_FMT_3DW_DATA, TLP_CPL_STATUS_SC, 10'd1, bc1(be), {addr[6:2], la1(be)});
        data = got_data;
    end
endtask

task rd(input [15:0] addr, output [31:0] data);
    rd_be(addr, 4'hF, 1'b0, data);
endtask

task wr_be(input [15:0] addr, input [31:0] data, input [3:0] be, input fmt4);
    begin
        tag = tag + 8'd1;
        send_beat(mk_hdr(fmt4 ? TLP_FMT_4DW_DATA : TLP_FMT_3DW_DATA, TLP_TYPE_MEM, 10'd1, be, 4'd0,
            {16'h8000, addr}, 1'b0), {96'hDEAD_BEEF_DEAD_BEEF_DEAD_BEEF, data}, 3'd0, 1'b1, 1'b1);
    end
endtask

task wr(input [15:0] addr, input [31:0] data);
    wr_be(addr, data, 4'hF, 1'b0);
endtask

reg [31:0] v;

task expect_rd(input [15:0] addr, input [31:0] exp);
    begin
        rd(addr, v);
        if (v !== exp) $fatal(1, "read %h = %h, expected %h", addr, v, exp);
    end
endtask

task expect_bad(input integer is_set);
    begin
        rd(REG_ERR_STATUS, v);
        if (v[ERR_MMIO_BAD_REQUEST_BIT] !== is_set[0]) $fatal(1, "ERR_STATUS.MMIO_BAD_REQUEST = %0d, expected %0d", v[0], is_set);
        if (is_set) wr(REG_ERR_STATUS, 32'd1 << ERR_MMIO_BAD_REQUEST_BIT);
    end
endtask

function [15:0] qa(input integer q, input [15:0] off);
    qa = RXQ_BASE + q * RXQ_STRIDE + off;
endfunction

// one-cycle pulse on a test bench signal
`define PULSE(sig) begin sig <= 1'b1; @(posedge clk); sig <= 1'b0; end

// ---------------------------------------------------------------------------
// stimulus
// ---------------------------------------------------------------------------

integer i, q, t, n;
reg [3:0] be;

initial begin
    repeat (4) @(posedge clk);
    rst <= 1'b0;
    @(posedge clk);

    // 1. identification and constants
    expect_rd(REG_ID, NIC_ID_MAGIC);
    expect_rd(REG_VERSION, NIC_VERSION);
    expect_rd(REG_CAPS, (Q << CAPS_RX_QUEUES_SHIFT) | (MAX_LOG_RING << CAPS_MAX_LOG_RING_SHIFT)
        | (8 << CAPS_DESC_FETCH_MAX_SHIFT));
    expect_rd(REG_RX_FIFO_BYTES, FIFO_BYTES);
    expect_rd(REG_CTRL, 32'd0);
    expect_rd(REG_ERR_STATUS, 32'd0);
    expect_rd(REG_SCRATCH, 32'd0);
    if (rx_enable !== 1'b0 || q_enable !== 0 || soft_rst !== 1'b0) $fatal(1, "outputs after reset");

    // 2. scratch, byte enables, 4-DW headers, header field copies
    wr(REG_SCRATCH, 32'hDEADBEEF);
    expect_rd(REG_SCRATCH, 32'hDEADBEEF);
    wr_be(REG_SCRATCH, 32'h11223344, 4'b0101, 1'b0);
    expect_rd(REG_SCRATCH, 32'hDE22BE44);
    wr_be(REG_SCRATCH, 32'h55667788, 4'b1000, 1'b1);
    expect_rd(REG_SCRATCH, 32'h5522BE44);
    wr_be(REG_SCRATCH, 32'hFFFFFFFF, 4'b0000, 1'b0);
    expect_rd(REG_SCRATCH, 32'h5522BE44);
    for (i = 0; i < 16; i = i + 1) begin
        tc = i[2:0];
        attr = i[3:1];
        tag_hi = i[1:0];
        be = i[3:0];
        rd_be(REG_SCRATCH, be, i[0], v);
        if (v !== 32'h5522BE44) $fatal(1, "scratch read with be %b", be);
        rd_be(REG_ID, be, !i[0], v);
        if (v !== NIC_ID_MAGIC) $fatal(1, "ID read with be %b", be);
    end
    tc = 0; attr = 0; tag_hi = 0;
    $display("scratch/completion fields: ok");

    // 3. unmapped offsets read 0, writes to them and to RO registers are ignored
    expect_rd(16'h0028, 32'd0);
    expect_rd(16'h00FC, 32'd0);
    expect_rd(16'h0118, 32'd0);
    expect_rd(16'h0800, 32'd0);
    expect_rd(qa(0, 16'h64), 32'd0);      // first offset past Q_HDR_OVERFLOW
    expect_rd(qa(0, 16'h7C), 32'd0);
    expect_rd(qa(Q, 16'h00), 32'd0);     // first queue past RX_QUEUES
    expect_rd(qa(63, 16'h28), 32'd0);
    expect_rd(16'hFFFC, 32'd0);
    wr(16'h0028, 32'h12345678);
    wr(REG_CLK_PERIOD_PS, 32'h12345678);
    wr(qa(Q, RXQ_DESC_BASE_LO), 32'h12345000);
    wr(REG_ID, 32'h0);
    wr(REG_RX_FIFO_BYTES, 32'h0);
    wr(REG_RX_FRAMES_IN, 32'h55);
    expect_rd(REG_ID, NIC_ID_MAGIC);
    expect_rd(REG_RX_FIFO_BYTES, FIFO_BYTES);
    expect_rd(REG_RX_FRAMES_IN, 32'd0);
    expect_rd(16'h0028, 32'd0);
    expect_rd(REG_CLK_PERIOD_PS, CLK_PS);
    expect_rd(qa(Q, RXQ_DESC_BASE_LO), 32'd0);
    expect_rd(REG_SCRATCH, 32'h5522BE44);
    expect_bad(0);
    $display("unmapped: ok");

    // 4. ERR_STATUS: set by pulses, write 1 to clear
    `PULSE(e_status[1])
    `PULSE(e_unexp[0])
    `PULSE(e_timeout[1])
    expect_rd(REG_ERR_STATUS, 32'hE);
    wr(REG_ERR_STATUS, 32'h2);
    expect_rd(REG_ERR_STATUS, 32'hC);
    wr_be(REG_ERR_STATUS, 32'hF, 4'b1110, 1'b0);   // byte 0 not enabled
    expect_rd(REG_ERR_STATUS, 32'hC);
    wr(REG_ERR_STATUS, 32'hFFFFFFFF);
    expect_rd(REG_ERR_STATUS, 32'h0);
    $display("err_status: ok");

    // 5. bad requests
    // MemRd length 2: UR, byte count 8, lower address from the address
    tag = 8'h40;
    send_beat(mk_hdr(TLP_FMT_3DW_NO_DATA, TLP_TYPE_MEM, 10'd2, 4'hF, 4'hF, REG_SCRATCH, 1'b0), 128'd0, 3'd0, 1'b1, 1'b1);
    wait_cpl; check_cpl(TLP_FMT_3DW_NO_DATA, TLP_CPL_STATUS_UR, 10'd0, 12'd8, 7'h14);
    expect_bad(1);
    // MemRd length 3, partial byte enables: 12 - 1 - 2 = 9
    tag = 8'h41;
    send_beat(mk_hdr(TLP_FMT_4DW_NO_DATA, TLP_TYPE_MEM, 10'd3, 4'b1110, 4'b0011, 16'h0104, 1'b0), 128'd0, 3'd0, 1'b1, 1'b1);
    wait_cpl; check_cpl(TLP_FMT_3DW_NO_DATA, TLP_CPL_STATUS_UR, 10'd0, 12'd9, 7'h05);
    expect_bad(1);
    // MemRd to BAR 1
    tag = 8'h42;
    send_beat(mk_hdr(TLP_FMT_3DW_NO_DATA, TLP_TYPE_MEM, 10'd1, 4'hF, 4'h0, REG_ID, 1'b0), 128'd0, 3'd1, 1'b1, 1'b1);
    wait_cpl; check_cpl(TLP_FMT_3DW_NO_DATA, TLP_CPL_STATUS_UR, 10'd0, 12'd4, 7'h00);
    expect_bad(1);
    // MemRd length 1 with a Last BE
    tag = 8'h43;
    send_beat(mk_hdr(TLP_FMT_3DW_NO_DATA, TLP_TYPE_MEM, 10'd1, 4'hF, 4'hF, REG_ID, 1'b0), 128'd0, 3'd0, 1'b1, 1'b1);
    wait_cpl; check_cpl(TLP_FMT_3DW_NO_DATA, TLP_CPL_STATUS_UR, 10'd0, 12'd4, 7'h00);
    expect_bad(1);
    // MemRdLk
    tag = 8'h44;
    send_beat(mk_hdr(TLP_FMT_3DW_NO_DATA, 5'b00001, 10'd1, 4'hF, 4'h0, REG_ID, 1'b0), 128'd0, 3'd0, 1'b1, 1'b1);
    wait_cpl; check_cpl(TLP_FMT_3DW_NO_DATA, TLP_CPL_STATUS_UR, 10'd0, 12'd4, 7'h00);
    expect_bad(1);
    // IO read: not memory, Byte Count 4, Lower Address 0
    tag = 8'h45;
    send_beat(mk_hdr(TLP_FMT_3DW_NO_DATA, 5'b00010, 10'd1, 4'b0100, 4'h0, 16'h0016, 1'b0), 128'd0, 3'd0, 1'b1, 1'b1);
    wait_cpl; check_cpl(TLP_FMT_3DW_NO_DATA, TLP_CPL_STATUS_UR, 10'd0, 12'd4, 7'h00);
    expect_bad(1);
    // CfgWr0 (non-posted, with data)
    tag = 8'h46;
    send_beat(mk_hdr(TLP_FMT_3DW_DATA, 5'b00100, 10'd1, 4'hF, 4'h0, 16'h0010, 1'b0), 128'd5, 3'd0, 1'b1, 1'b1);
    wait_cpl; check_cpl(TLP_FMT_3DW_NO_DATA, TLP_CPL_STATUS_UR, 10'd0, 12'd4, 7'h00);
    expect_bad(1);
    // posted bad requests: no completion, flagged, no effect
    wr(REG_SCRATCH, 32'h0BADF00D);
    send_beat(mk_hdr(TLP_FMT_3DW_DATA, TLP_TYPE_MEM, 10'd2, 4'hF, 4'hF, REG_SCRATCH, 1'b0), 128'h1111_2222, 3'd0, 1'b1, 1'b1);
    no_cpl;
    expect_bad(1);
    // 8-DW MemWr: two payload beats, all consumed
    send_beat(mk_hdr(TLP_FMT_4DW_DATA, TLP_TYPE_MEM, 10'd8, 4'hF, 4'hF, REG_SCRATCH, 1'b0), 128'h3, 3'd0, 1'b1, 1'b0);
    send_beat(128'hFFFF_FFFF, 128'h4, 3'd0, 1'b0, 1'b1);
    no_cpl;
    expect_bad(1);
    // 9-DW MemWr: three beats, with a pause between them
    send_beat(mk_hdr(TLP_FMT_3DW_DATA, TLP_TYPE_MEM, 10'd9, 4'hF, 4'hF, REG_SCRATCH, 1'b0), 128'h5, 3'd0, 1'b1, 1'b0);
    repeat (5) @(posedge clk);
    send_beat(128'd0, 128'h6, 3'd0, 1'b0, 1'b0);
    send_beat(128'd0, 128'h7, 3'd0, 1'b0, 1'b1);
    no_cpl;
    expect_bad(1);
    // 1-DW MemWr whose stream carries a second beat: malformed, ignored
    send_beat(mk_hdr(TLP_FMT_3DW_DATA, TLP_TYPE_MEM, 10'd1, 4'hF, 4'h0, REG_SCRATCH, 1'b0), 128'hB, 3'd0, 1'b1, 1'b0);
    send_beat(128'd0, 128'hC, 3'd0, 1'b0, 1'b1);
    no_cpl;
    expect_bad(1);
    // poisoned MemWr
    send_beat(mk_hdr(TLP_FMT_3DW_DATA, TLP_TYPE_MEM, 10'd1, 4'hF, 4'h0, REG_SCRATCH, 1'b1), 128'h8, 3'd0, 1'b1, 1'b1);
    no_cpl;
    expect_bad(1);
    // MemWr to BAR 2
    send_beat(mk_hdr(TLP_FMT_3DW_DATA, TLP_TYPE_MEM, 10'd1, 4'hF, 4'h0, REG_SCRATCH, 1'b0), 128'h9, 3'd2, 1'b1, 1'b1);
    no_cpl;
    expect_bad(1);
    // Msg (posted)
    send_beat(mk_hdr(3'b001, 5'b10100, 10'd0, 4'h0, 4'h0, 16'h0, 1'b0), 128'h0, 3'd0, 1'b1, 1'b1);
    no_cpl;
    expect_bad(1);
    // stray beat without sop
    send_beat(128'd0, 128'hA, 3'd0, 1'b0, 1'b1);
    no_cpl;
    expect_bad(1);
    expect_rd(REG_SCRATCH, 32'h0BADF00D);
    $display("bad requests: ok");

    // 6. per-queue registers
    // split registers: reset values
    for (q = 0; q < Q; q = q + 1) begin
        expect_rd(qa(q, RXQ_Q_HDR_BASE_LO), 32'd0);
        expect_rd(qa(q, RXQ_Q_HDR_BASE_HI), 32'd0);
        expect_rd(qa(q, RXQ_Q_HDR_COUNT), 32'd0);
        expect_rd(qa(q, RXQ_Q_RX_CFG), 32'd0);
        expect_rd(qa(q, RXQ_Q_SPLIT_FRAMES), 32'd0);
        expect_rd(qa(q, RXQ_Q_HDR_OVERFLOW), 32'd0);
    end
    if (q_hdr_base !== 0 || q_hdr_count !== 0 || q_rx_cfg !== 0) $fatal(1, "split outputs after reset");
    for (q = 0; q < Q; q = q + 1) begin
        wr(qa(q, RXQ_Q_HDR_BASE_LO), 32'h9876_543F - 32'h100 * q);
        wr(qa(q, RXQ_Q_HDR_BASE_HI), 32'h0000_0F00 + q);
        wr(qa(q, RXQ_Q_HDR_COUNT), 32'hABCD_0100 + q);
        wr(qa(q, RXQ_Q_RX_CFG), 32'hFFFF_FFFF);
        wr(qa(q, RXQ_Q_SPLIT_FRAMES), 32'h55);       // RO
        wr(qa(q, RXQ_Q_HDR_OVERFLOW), 32'h66);       // RO
    end
    for (q = 0; q < Q; q = q + 1) begin
        expect_rd(qa(q, RXQ_Q_HDR_BASE_LO), 32'h9876_5430 - 32'h100 * q);
        expect_rd(qa(q, RXQ_Q_HDR_BASE_HI), 32'h0000_0F00 + q);
        expect_rd(qa(q, RXQ_Q_HDR_COUNT), 32'h0000_0100 + q);
        expect_rd(qa(q, RXQ_Q_RX_CFG), 32'h0FFF_00FF);   // MODE, SCATTER, VLAN_STRIP, HDR_LOG_SIZE, THRESH
        expect_rd(qa(q, RXQ_Q_SPLIT_FRAMES), 32'd0);
        expect_rd(qa(q, RXQ_Q_HDR_OVERFLOW), 32'd0);
        if (q_hdr_base[q*64 +: 64] !== {32'h0000_0F00 + q, 32'h9876_5430 - 32'h100 * q}) $fatal(1, "q_hdr_base[%0d]", q);
        if (q_hdr_count[q*16 +: 16] !== 16'h0100 + q) $fatal(1, "q_hdr_count[%0d]", q);
        if (q_rx_cfg[q*32 +: 32] !== 32'h0FFF_00FF) $fatal(1, "q_rx_cfg[%0d]", q);
    end
    // Q_RX_CFG: reserved bits stay 0, byte enables honoured
    wr(qa(0, RXQ_Q_RX_CFG), 32'h0);
    wr(qa(0, RXQ_Q_RX_CFG), 32'hF000_FF00);
    expect_rd(qa(0, RXQ_Q_RX_CFG), 32'h0);
    wr_be(qa(0, RXQ_Q_RX_CFG), 32'h0123_4592, 4'b0101, 1'b0);   // bytes 0 and 2
    expect_rd(qa(0, RXQ_Q_RX_CFG), 32'h0023_0092);
    wr_be(qa(0, RXQ_Q_RX_CFG), 32'hFF00_0000, 4'b1000, 1'b1);   // byte 3: THRESH[11:8] only
    expect_rd(qa(0, RXQ_Q_RX_CFG), 32'h0F23_0092);
    wr_be(qa(0, RXQ_Q_HDR_COUNT), 32'h0000_7700, 4'b0010, 1'b0);
    expect_rd(qa(0, RXQ_Q_HDR_COUNT), 32'h0000_7700);
    wr(qa(0, RXQ_Q_RX_CFG), (SPLIT_TCP_UDP << RX_CFG_MODE_SHIFT) | (1 << RX_CFG_SCATTER_BIT)
        | (7 << RX_CFG_HDR_LOG_SIZE_SHIFT) | (128 << RX_CFG_THRESH_SHIFT));
    expect_rd(qa(0, RXQ_Q_RX_CFG), 32'h0080_0076);
    if (q_rx_cfg !== {32'h0FFF_00FF, 32'h0080_0076}) $fatal(1, "q_rx_cfg %h", q_rx_cfg);
    $display("split registers: ok");
    for (q = 0; q < Q; q = q + 1) begin
        wr(qa(q, RXQ_DESC_BASE_LO), 32'h12345FFF - q);
        wr(qa(q, RXQ_DESC_BASE_HI), 32'hABCD0000 + q);
        wr(qa(q, RXQ_CPL_BASE_LO), 32'h87654321);
        wr(qa(q, RXQ_CPL_BASE_HI), 32'h00000010 + q);
        wr(qa(q, RXQ_DESC_LOG_SIZE), 32'd20);
        wr(qa(q, RXQ_CPL_LOG_SIZE), 32'd3 + q);
        wr(qa(q, RXQ_DESC_PROD), 32'h00012345);
        wr(qa(q, RXQ_CPL_CONS), 32'hFFFF0007);
    end
    for (q = 0; q < Q; q = q + 1) begin
        expect_rd(qa(q, RXQ_DESC_BASE_LO), 32'h12345000);
        expect_rd(qa(q, RXQ_DESC_BASE_HI), 32'hABCD0000 + q);
        expect_rd(qa(q, RXQ_CPL_BASE_LO), 32'h87654000);
        expect_rd(qa(q, RXQ_CPL_BASE_HI), 32'h00000010 + q);
        expect_rd(qa(q, RXQ_DESC_LOG_SIZE), MAX_LOG_RING);
        expect_rd(qa(q, RXQ_CPL_LOG_SIZE), 32'd3 + q);
        expect_rd(qa(q, RXQ_DESC_PROD), 32'h2345);
        expect_rd(qa(q, RXQ_CPL_CONS), 32'h0007);
        if (q_desc_base[q*64 +: 64] !== {32'hABCD0000 + q, 32'h12345000}) $fatal(1, "q_desc_base[%0d]", q);
        if (q_cpl_base[q*64 +: 64] !== {32'h00000010 + q, 32'h87654000}) $fatal(1, "q_cpl_base[%0d]", q);
        if (q_desc_log_size[q*4 +: 4] !== 4'd15 || q_cpl_log_size[q*4 +: 4] !== 3 + q) $fatal(1, "log sizes[%0d]", q);
        if (q_desc_prod[q*16 +: 16] !== 16'h2345 || q_cpl_cons[q*16 +: 16] !== 16'h0007) $fatal(1, "indices[%0d]", q);
    end
    // log size: byte enables, and the clamp applies to the merged value
    wr_be(qa(0, RXQ_DESC_LOG_SIZE), 32'd7, 4'b0000, 1'b0);
    expect_rd(qa(0, RXQ_DESC_LOG_SIZE), 32'd15);
    wr(qa(0, RXQ_DESC_LOG_SIZE), 32'd7);
    expect_rd(qa(0, RXQ_DESC_LOG_SIZE), 32'd7);
    wr_be(qa(0, RXQ_DESC_LOG_SIZE), 32'h00000100, 4'b0010, 1'b0);
    expect_rd(qa(0, RXQ_DESC_LOG_SIZE), 32'd15);
    // only enabled bytes count for the clamp: set bits in disabled bytes do not
    wr_be(qa(0, RXQ_DESC_LOG_SIZE), 32'hFFFF_FF05, 4'b0001, 1'b0);
    expect_rd(qa(0, RXQ_DESC_LOG_SIZE), 32'd5);
    wr_be(qa(0, RXQ_DESC_LOG_SIZE), 32'h0000_0025, 4'b0001, 1'b0);
    expect_rd(qa(0, RXQ_DESC_LOG_SIZE), 32'd15);
    wr_be(qa(0, RXQ_CPL_LOG_SIZE), 32'h0000_0009, 4'b0001, 1'b0);
    wr_be(qa(0, RXQ_CPL_LOG_SIZE), 32'h0100_00F1, 4'b0010, 1'b0);
    expect_rd(qa(0, RXQ_CPL_LOG_SIZE), 32'd9);
    wr_be(qa(0, RXQ_CPL_LOG_SIZE), 32'h0100_00F1, 4'b1000, 1'b0);
    expect_rd(qa(0, RXQ_CPL_LOG_SIZE), 32'd15);
    wr(qa(0, RXQ_CPL_LOG_SIZE), 32'd3);
    wr(qa(0, RXQ_DESC_LOG_SIZE), 32'd10);
    // engine status
    q_desc_cons <= {16'hBEEF, 16'h1234};
    q_cpl_prod <= {16'h0F0F, 16'h5678};
    q_halted <= 2'b10;
    @(posedge clk);
    expect_rd(qa(0, RXQ_DESC_CONS), 32'h1234);
    expect_rd(qa(1, RXQ_DESC_CONS), 32'hBEEF);
    expect_rd(qa(0, RXQ_CPL_PROD), 32'h5678);
    expect_rd(qa(1, RXQ_CPL_PROD), 32'h0F0F);
    expect_rd(qa(0, RXQ_Q_STATUS), 32'h0);
    expect_rd(qa(1, RXQ_Q_STATUS), 32'd1 << QSTATUS_HALTED_BIT);
    // a disabled queue whose last DMA write is still leaving reads ENABLED
    q_busy <= 2'b01;
    @(posedge clk);
    expect_rd(qa(0, RXQ_Q_STATUS), 32'd1 << QSTATUS_ENABLED_BIT);
    q_busy <= 2'b00;
    @(posedge clk);
    expect_rd(qa(0, RXQ_Q_STATUS), 32'h0);
    // enable queue 1: its doorbells are zeroed, queue 0 untouched
    wr(qa(1, RXQ_Q_CTRL), 32'd1 << QCTRL_ENABLE_BIT);
    expect_rd(qa(1, RXQ_Q_CTRL), 32'd1 << QCTRL_ENABLE_BIT);
    expect_rd(qa(1, RXQ_Q_STATUS), (32'd1 << QSTATUS_HALTED_BIT) | (32'd1 << QSTATUS_ENABLED_BIT));
    expect_rd(qa(1, RXQ_DESC_PROD), 32'h0);
    expect_rd(qa(1, RXQ_CPL_CONS), 32'h0);
    expect_rd(qa(0, RXQ_DESC_PROD), 32'h2345);
    if (q_enable !== 2'b10) $fatal(1, "q_enable %b", q_enable);
    // while enabled: base and size are locked, doorbells are live
    wr(qa(1, RXQ_DESC_BASE_LO), 32'h0);
    wr(qa(1, RXQ_DESC_BASE_HI), 32'h0);
    wr(qa(1, RXQ_CPL_BASE_LO), 32'h0);
    wr(qa(1, RXQ_CPL_BASE_HI), 32'h0);
    wr(qa(1, RXQ_DESC_LOG_SIZE), 32'h1);
    wr(qa(1, RXQ_CPL_LOG_SIZE), 32'h1);
    wr(qa(1, RXQ_DESC_PROD), 32'h10);
    wr_be(qa(1, RXQ_CPL_CONS), 32'h0302, 4'b0010, 1'b0);
    wr(qa(1, RXQ_Q_HDR_BASE_LO), 32'h0);
    wr(qa(1, RXQ_Q_HDR_BASE_HI), 32'h0);
    wr(qa(1, RXQ_Q_HDR_COUNT), 32'h0);
    wr(qa(1, RXQ_Q_RX_CFG), 32'h0);
    expect_rd(qa(1, RXQ_Q_HDR_BASE_LO), 32'h9876_5330);
    expect_rd(qa(1, RXQ_Q_HDR_BASE_HI), 32'h0000_0F01);
    expect_rd(qa(1, RXQ_Q_HDR_COUNT), 32'h0000_0101);
    expect_rd(qa(1, RXQ_Q_RX_CFG), 32'h0FFF_00FF);
    if (q_hdr_base[64 +: 64] !== 64'h0000_0F01_9876_5330 || q_hdr_count[16 +: 16] !== 16'h0101
        || q_rx_cfg[32 +: 32] !== 32'h0FFF_00FF) $fatal(1, "split outputs changed while enabled");
    // queue 0 is disabled: still writable
    wr(qa(0, RXQ_Q_HDR_COUNT), 32'h0000_0040);
    expect_rd(qa(0, RXQ_Q_HDR_COUNT), 32'h0000_0040);
    expect_rd(qa(1, RXQ_DESC_BASE_LO), 32'h12345000);
    expect_rd(qa(1, RXQ_DESC_BASE_HI), 32'hABCD0001);
    expect_rd(qa(1, RXQ_CPL_BASE_LO), 32'h87654000);
    expect_rd(qa(1, RXQ_CPL_BASE_HI), 32'h00000011);
    expect_rd(qa(1, RXQ_DESC_LOG_SIZE), 32'd15);
    expect_rd(qa(1, RXQ_CPL_LOG_SIZE), 32'd4);
    expect_rd(qa(1, RXQ_DESC_PROD), 32'h10);
    expect_rd(qa(1, RXQ_CPL_CONS), 32'h0300);
    // enable again while enabled: no zeroing
    wr(qa(1, RXQ_Q_CTRL), 32'd1);
    expect_rd(qa(1, RXQ_DESC_PROD), 32'h10);
    // disable: unlocked again
    wr(qa(1, RXQ_Q_CTRL), 32'd0);
    repeat (4) @(posedge clk);              // posted write lands 3 cycles after acceptance
    if (q_enable !== 2'b00) $fatal(1, "q_enable %b", q_enable);
    wr(qa(1, RXQ_DESC_BASE_LO), 32'h00002000);
    expect_rd(qa(1, RXQ_DESC_BASE_LO), 32'h00002000);
    wr(qa(1, RXQ_Q_RX_CFG), 32'h0000_0008);
    expect_rd(qa(1, RXQ_Q_RX_CFG), 32'h0000_0008);
    expect_rd(qa(1, RXQ_DESC_PROD), 32'h10);
    // counters
    for (i = 0; i < 5; i = i + 1) begin
        st_ok <= 2'b01; st_bytes <= {16'd0, 16'd1000 + i[15:0]};
        @(posedge clk);
        st_ok <= 2'b10; st_bytes <= {16'hFFFF, 16'd0};
        @(posedge clk);
        st_ok <= 2'b00; st_bytes <= 32'h77777777;   // ignored without frame_ok
        @(posedge clk);
    end
    for (i = 0; i < 3; i = i + 1) `PULSE(st_no_desc[0])
    for (i = 0; i < 4; i = i + 1) `PULSE(st_small[1])
    for (i = 0; i < 2; i = i + 1) `PULSE(st_bad[0])
    for (i = 0; i < 6; i = i + 1) `PULSE(st_qdis[1])
    for (i = 0; i < 7; i = i + 1) `PULSE(st_split[0])
    for (i = 0; i < 2; i = i + 1) `PULSE(st_hovf[1])
    st_split <= 2'b11; st_hovf <= 2'b11;        // held: one count per cycle
    repeat (3) @(posedge clk);
    st_split <= 2'b00; st_hovf <= 2'b00;
    @(posedge clk);
    expect_rd(qa(0, RXQ_Q_FRAMES), 5);
    expect_rd(qa(0, RXQ_Q_BYTES), 5010);
    expect_rd(qa(1, RXQ_Q_FRAMES), 5);
    expect_rd(qa(1, RXQ_Q_BYTES), 5 * 65535);
    expect_rd(qa(0, RXQ_Q_DROP_NO_DESC), 3);
    expect_rd(qa(1, RXQ_Q_DROP_NO_DESC), 0);
    expect_rd(qa(1, RXQ_Q_DROP_BUF_TOO_SMALL), 4);
    expect_rd(qa(0, RXQ_Q_DROP_BAD_DESC), 2);
    expect_rd(qa(1, RXQ_Q_DROP_DISABLED), 6);
    expect_rd(qa(0, RXQ_Q_DROP_DISABLED), 0);
    expect_rd(qa(0, RXQ_Q_SPLIT_FRAMES), 10);
    expect_rd(qa(1, RXQ_Q_SPLIT_FRAMES), 3);
    expect_rd(qa(0, RXQ_Q_HDR_OVERFLOW), 3);
    expect_rd(qa(1, RXQ_Q_HDR_OVERFLOW), 5);
    // counters are not cleared by a queue enable / disable
    wr(qa(0, RXQ_Q_CTRL), 32'd1);
    wr(qa(0, RXQ_Q_CTRL), 32'd0);
    expect_rd(qa(0, RXQ_Q_SPLIT_FRAMES), 10);
    expect_rd(qa(1, RXQ_Q_HDR_OVERFLOW), 5);
    expect_rd(qa(0, RXQ_Q_FRAMES), 5);
    $display("queue registers: ok");

    // 7. global counters and FIFO peak
    for (i = 0; i < 7; i = i + 1) `PULSE(f_in)
    `PULSE(f_full)
    for (i = 0; i < 2; i = i + 1) `PULSE(f_mac)
    for (i = 0; i < 3; i = i + 1) `PULSE(f_runt)
    for (i = 0; i < 4; i = i + 1) `PULSE(f_over)
    for (i = 0; i < 5; i = i + 1) `PULSE(f_dis)
    fill <= 100; @(posedge clk);
    fill <= 5000; @(posedge clk);
    fill <= 20; @(posedge clk);
    expect_rd(REG_RX_FRAMES_IN, 7);
    expect_rd(REG_RX_DROP_FIFO_FULL, 1);
    expect_rd(REG_RX_DROP_MAC_ERROR, 2);
    expect_rd(REG_RX_DROP_RUNT, 3);
    expect_rd(REG_RX_DROP_OVERSIZE, 4);
    expect_rd(REG_RX_DROP_DISABLED, 5);
    expect_rd(REG_RX_FIFO_PEAK, 5000);
    wr(REG_RX_FIFO_PEAK, 0);
    expect_rd(REG_RX_FIFO_PEAK, 5000);
    // one-cycle values rising and falling back to back (the peak is pipelined)
    fill <= 6000; @(posedge clk);
    fill <= 7000; @(posedge clk);
    fill <= 6500; @(posedge clk);
    fill <= 8000; @(posedge clk);
    fill <= 7999; @(posedge clk);
    fill <= 8001; @(posedge clk);
    fill <= 100; @(posedge clk);
    expect_rd(REG_RX_FIFO_PEAK, 8001);
    fill <= 9000; @(posedge clk);
    fill <= 8500; @(posedge clk);
    fill <= 20; @(posedge clk);
    expect_rd(REG_RX_FIFO_PEAK, 9000);
    $display("global counters: ok");

    // 7b. RSS registers
    expect_rd(REG_RSS_HASH_TYPES, 32'd0);
    expect_rd(REG_RSS_DEFAULT_QUEUE, 32'd0);
    expect_rd(REG_RSS_RETA_SIZE, RETA);
    for (i = 0; i < RSS_KEY_DWORDS; i = i + 1) expect_rd(REG_RSS_KEY + 4 * i, 32'd0);
    for (i = 0; i < RETA / 4; i = i + 1) expect_rd(REG_RSS_RETA + 4 * i, 32'd0);   // cleared by the reset sweep
    if (rss_types !== 6'd0 || rss_defq !== 8'd0 || rss_key !== 320'd0) $fatal(1, "RSS outputs after reset");
    wr(REG_RSS_HASH_TYPES, 32'hFFFF_FFFF);
    expect_rd(REG_RSS_HASH_TYPES, 32'h3F);
    wr_be(REG_RSS_HASH_TYPES, 32'h0000_0005, 4'b0010, 1'b0);
    expect_rd(REG_RSS_HASH_TYPES, 32'h3F);
    wr(REG_RSS_HASH_TYPES, 32'h12);
    wr(REG_RSS_DEFAULT_QUEUE, 32'h1234_5607);
    expect_rd(REG_RSS_DEFAULT_QUEUE, 32'h07);
    if (rss_types !== 6'h12 || rss_defq !== 8'h07) $fatal(1, "RSS hash types / default queue outputs");
    wr(REG_RSS_RETA_SIZE, 32'd4);
    expect_rd(REG_RSS_RETA_SIZE, RETA);
    // key: dword n holds key bytes 4n..4n+3, byte 4n in bits [7:0]; rss_key byte i at [8i +: 8]
    for (i = 0; i < RSS_KEY_DWORDS; i = i + 1) wr(REG_RSS_KEY + 4 * i, {i[5:0], 2'd3, i[5:0], 2'd2, i[5:0], 2'd1, i[5:0], 2'd0});
    wr_be(REG_RSS_KEY + 4 * 9, 32'hAA00_00BB, 4'b1001, 1'b1);
    for (i = 0; i < RSS_KEY_DWORDS; i = i + 1)
        expect_rd(REG_RSS_KEY + 4 * i, i == 9 ? 32'hAA26_25BB : {i[5:0], 2'd3, i[5:0], 2'd2, i[5:0], 2'd1, i[5:0], 2'd0});
    for (i = 0; i < 36; i = i + 1)
        if (rss_key[8*i +: 8] !== i[7:0]) $fatal(1, "rss_key byte %0d: %h", i, rss_key[8*i +: 8]);
    if (rss_key[319:288] !== 32'hAA26_25BB) $fatal(1, "rss_key last dword %h", rss_key[319:288]);
    // table: four entries per dword, byte enables honoured, reads through the RAM port
    for (i = 0; i < RETA / 4; i = i + 1) wr(REG_RSS_RETA + 4 * i, {i[7:0] + 8'd3, i[7:0] + 8'd2, i[7:0] + 8'd1, i[7:0]});
    for (i = 0; i < RETA / 4; i = i + 1) expect_rd(REG_RSS_RETA + 4 * i, {i[7:0] + 8'd3, i[7:0] + 8'd2, i[7:0] + 8'd1, i[7:0]});
    for (i = 0; i < RETA; i = i + 1)
        if (reta_m[i] !== (i / 4) + (i % 4)) $fatal(1, "RETA entry %0d = %0d", i, reta_m[i]);
    t = n_reta_wr;
    wr_be(REG_RSS_RETA + 4 * 5, 32'hF4F3_F2F1, 4'b0101, 1'b0);
    expect_rd(REG_RSS_RETA + 4 * 5, {8'd8, 8'hF3, 8'd6, 8'hF1});
    if (n_reta_wr != t + 2) $fatal(1, "RETA writes with byte enables 0101: %0d", n_reta_wr - t);
    wr_be(REG_RSS_RETA + 4 * 6, 32'hFFFF_FFFF, 4'b0000, 1'b1);
    expect_rd(REG_RSS_RETA + 4 * 6, {8'd9, 8'd8, 8'd7, 8'd6});
    // past RSS_RETA_SIZE: reads 0, writes ignored
    t = n_reta_wr;
    expect_rd(REG_RSS_RETA + RETA, 32'd0);
    wr(REG_RSS_RETA + RETA, 32'h0505_0505);
    expect_rd(REG_RSS_RETA + RETA, 32'd0);
    if (n_reta_wr != t) $fatal(1, "RETA written past RSS_RETA_SIZE");
    // back to back with other registers (the RETA state must not leak into them)
    wr(REG_SCRATCH, 32'h0000_600D);
    expect_rd(REG_SCRATCH, 32'h0000_600D);
    wr(REG_RSS_RETA + 4 * 31, 32'h0102_0304);
    expect_rd(REG_RSS_HASH_TYPES, 32'h12);
    expect_rd(REG_RSS_RETA + 4 * 31, 32'h0102_0304);
    expect_bad(0);
    $display("rss registers: ok");

    // 7c. interrupt registers and err_event
    expect_rd(REG_CLK_PERIOD_PS, CLK_PS);
    expect_rd(REG_IRQ_ERR_VECTOR, NV - 1);                  // min(RX_QUEUES, NV - 1)
    expect_rd(qa(0, RXQ_Q_IRQ_VECTOR), 32'd0);
    expect_rd(qa(1, RXQ_Q_IRQ_VECTOR), NV - 1);             // min(1, NV - 1)
    if (err_vector !== NV - 1 || q_irq_vector !== {8'd1, 8'd0}) $fatal(1, "vector outputs after reset");
    wr(REG_IRQ_ERR_VECTOR, 32'hFFFF_FF37);
    expect_rd(REG_IRQ_ERR_VECTOR, 32'h37);
    wr_be(REG_IRQ_ERR_VECTOR, 32'h0000_0011, 4'b1110, 1'b0);
    expect_rd(REG_IRQ_ERR_VECTOR, 32'h37);
    wr(qa(0, RXQ_Q_IRQ_VECTOR), 32'h1234_56AB);
    wr_be(qa(1, RXQ_Q_IRQ_VECTOR), 32'h0000_0005, 4'b0001, 1'b1);
    expect_rd(qa(0, RXQ_Q_IRQ_VECTOR), 32'hAB);
    expect_rd(qa(1, RXQ_Q_IRQ_VECTOR), 32'h05);
    if (err_vector !== 8'h37 || q_irq_vector !== {8'h05, 8'hAB}) $fatal(1, "vector outputs");
    // err_event: one pulse per ERR_STATUS bit going 0 -> 1
    wr(REG_ERR_STATUS, 32'hF);
    repeat (3) @(posedge clk);
    t = n_err_event;
    `PULSE(e_status[0])
    repeat (3) @(posedge clk);
    if (n_err_event != t + 1) $fatal(1, "err_event on a new DMA_CPL_STATUS: %0d", n_err_event - t);
    `PULSE(e_status[1])                                       // same bit, still set
    repeat (3) @(posedge clk);
    if (n_err_event != t + 1) $fatal(1, "err_event for a bit already set");
    e_unexp <= 2'b11;                                         // held 3 cycles: one event
    repeat (3) @(posedge clk);
    e_unexp <= 2'b00;
    repeat (3) @(posedge clk);
    if (n_err_event != t + 2) $fatal(1, "err_event for a held cause: %0d", n_err_event - t);
    wr(REG_ERR_STATUS, 32'd1 << ERR_DMA_CPL_STATUS_BIT);
    repeat (4) @(posedge clk);                                // posted write lands 3 cycles after acceptance
    `PULSE(e_status[1])
    repeat (3) @(posedge clk);
    if (n_err_event != t + 3) $fatal(1, "err_event after W1C");
    tag = 8'h50;                                              // bad request: MMIO_BAD_REQUEST
    send_beat(mk_hdr(TLP_FMT_3DW_NO_DATA, TLP_TYPE_MEM, 10'd2, 4'hF, 4'hF, REG_SCRATCH, 1'b0), 128'd0, 3'd0, 1'b1, 1'b1);
    wait_cpl; check_cpl(TLP_FMT_3DW_NO_DATA, TLP_CPL_STATUS_UR, 10'd0, 12'd8, 7'h14);
    repeat (3) @(posedge clk);
    if (n_err_event != t + 4) $fatal(1, "err_event on a bad request");
    wr(REG_ERR_STATUS, 32'hF);
    expect_rd(REG_ERR_STATUS, 32'd0);
    $display("interrupt registers: ok");

    // 7d. MSI-X window 0x8000..0xBFFF: forwarded on the reg port
    for (n = 0; n < 3; n = n + 1) begin
        ack_max = n == 0 ? 1 : n == 1 ? 8 : 40;
        t = n_fwd_wr; i = n_fwd_rd;
        wr(16'h8000, 32'h0101_0101 * (n + 1));
        wr(16'h800C, 32'hC0DE_0000 + n);
        wr(16'h9004, 32'hFFFF_0000 + n);
        wr(16'hA008, 32'h0000_0003);
        wr(16'hBFFC, 32'hBFFC_0000 + n);
        wr_be(16'h8014, 32'h1122_3344, 4'b0110, 1'b0);
        wr_be(16'hA100, 32'h5566_7788, 4'b1001, 1'b1);
        repeat (4) @(posedge clk);                            // the posted write reaches the port
        if (n_fwd_wr != t + 7) $fatal(1, "forwarded writes: %0d", n_fwd_wr - t);
        expect_rd(16'h8000, 32'h0101_0101 * (n + 1));
        expect_rd(16'h800C, 32'hC0DE_0000 + n);
        expect_rd(16'h9004, 32'hFFFF_0000 + n);
        expect_rd(16'hA008, 32'h0000_0003);
        expect_rd(16'hBFFC, 32'hBFFC_0000 + n);
        expect_rd(16'h8014, {8'h5A, 8'h22, 8'h33, 8'h05});
        expect_rd(16'hA100, {8'h55, 8'h00, 8'h08, 8'h88});
        rd_be(16'hA104, 4'b0100, 1'b1, v);                    // completion fields as for any register
        if (v !== 32'h5A00_0841) $fatal(1, "window read with byte enables: %h", v);
        if (n_fwd_rd != i + 8) $fatal(1, "forwarded reads: %0d", n_fwd_rd - i);
        // interleaved with ordinary registers
        wr(REG_SCRATCH, 32'h0000_1000 + n);
        expect_rd(16'h8000, 32'h0101_0101 * (n + 1));
        expect_rd(REG_SCRATCH, 32'h0000_1000 + n);
    end
    // just outside the window: not forwarded, unmapped
    t = n_fwd_wr; i = n_fwd_rd;
    wr(16'h7FFC, 32'h1);
    wr(16'hC000, 32'h1);
    expect_rd(16'h7FFC, 32'd0);
    expect_rd(16'hC000, 32'd0);
    // a bad request in the window is not forwarded either
    tag = 8'h51;
    send_beat(mk_hdr(TLP_FMT_3DW_NO_DATA, TLP_TYPE_MEM, 10'd2, 4'hF, 4'hF, 16'h8000, 1'b0), 128'd0, 3'd0, 1'b1, 1'b1);
    wait_cpl; check_cpl(TLP_FMT_3DW_NO_DATA, TLP_CPL_STATUS_UR, 10'd0, 12'd8, 7'h00);
    expect_bad(1);
    if (n_fwd_wr != t || n_fwd_rd != i) $fatal(1, "forwarded outside the window / a bad request");
    ack_max = 6;
    $display("msix window: ok");

    // 8. CTRL and the soft reset
    wr(REG_CTRL, 32'd1 << CTRL_RX_ENABLE_BIT);
    expect_rd(REG_CTRL, 32'd1 << CTRL_RX_ENABLE_BIT);
    if (rx_enable !== 1'b1) $fatal(1, "rx_enable");
    wr(qa(0, RXQ_Q_CTRL), 32'd1);
    wr(REG_IRQ_ERR_VECTOR, 32'h21);
    wr(qa(1, RXQ_Q_IRQ_VECTOR), 32'h22);
    `PULSE(e_status[0])
    fill <= 0;
    wr(REG_CTRL, (32'd1 << CTRL_RESET_BIT) | (32'd1 << CTRL_RX_ENABLE_BIT));
    // soft_rst must last exactly 16 cycles
    t = 0;
    while (!soft_rst) begin @(posedge clk); t = t + 1; if (t > 20) $fatal(1, "soft reset did not start"); end
    n = 0;
    while (soft_rst) begin @(posedge clk); n = n + 1; end
    if (n != 16) $fatal(1, "soft reset lasted %0d cycles", n);
    // CTRL reads RESET while in progress
    wr(REG_CTRL, 32'd1 << CTRL_RESET_BIT);
    rd(REG_CTRL, v);
    if (v !== (32'd1 << CTRL_RESET_BIT)) $fatal(1, "CTRL during soft reset: %h", v);
    wr(REG_SCRATCH, 32'h1234);              // ignored: still in reset
    t = 0;
    while (v[CTRL_RESET_BIT]) begin rd(REG_CTRL, v); t = t + 1; if (t > 20) $fatal(1, "soft reset stuck"); end
    // everything is back to reset values
    expect_rd(REG_CTRL, 32'd0);
    expect_rd(REG_SCRATCH, 32'd0);
    expect_rd(REG_ERR_STATUS, 32'd0);
    expect_rd(REG_RX_FIFO_PEAK, 32'd0);
    expect_rd(REG_RX_FRAMES_IN, 32'd0);
    expect_rd(REG_RX_DROP_DISABLED, 32'd0);
    for (q = 0; q < Q; q = q + 1) begin
        expect_rd(qa(q, RXQ_DESC_BASE_LO), 32'd0);
        expect_rd(qa(q, RXQ_DESC_BASE_HI), 32'd0);
        expect_rd(qa(q, RXQ_DESC_LOG_SIZE), 32'd0);
        expect_rd(qa(q, RXQ_DESC_PROD), 32'd0);
        expect_rd(qa(q, RXQ_CPL_CONS), 32'd0);
        expect_rd(qa(q, RXQ_Q_CTRL), 32'd0);
        expect_rd(qa(q, RXQ_Q_FRAMES), 32'd0);
        expect_rd(qa(q, RXQ_Q_BYTES), 32'd0);
        expect_rd(qa(q, RXQ_Q_HDR_BASE_LO), 32'd0);
        expect_rd(qa(q, RXQ_Q_HDR_BASE_HI), 32'd0);
        expect_rd(qa(q, RXQ_Q_HDR_COUNT), 32'd0);
        expect_rd(qa(q, RXQ_Q_RX_CFG), 32'd0);
        expect_rd(qa(q, RXQ_Q_SPLIT_FRAMES), 32'd0);
        expect_rd(qa(q, RXQ_Q_HDR_OVERFLOW), 32'd0);
    end
    if (q_hdr_base !== 0 || q_hdr_count !== 0 || q_rx_cfg !== 0) $fatal(1, "split outputs after soft reset");
    if (rx_enable !== 1'b0 || q_enable !== 0) $fatal(1, "outputs after soft reset");
    if (tlp_hold !== 1'b0) $fatal(1, "tlp_hold after soft reset");

    // 8b. the soft reset waits for the requester interface to reach a TLP
    // boundary: hold new TLPs, reset only once nothing is in flight
    tlp_busy <= 1'b1;
    wr(REG_CTRL, 32'd1 << CTRL_RESET_BIT);
    t = 0;
    while (!tlp_hold) begin @(posedge clk); t = t + 1; if (t > 20) $fatal(1, "no tlp_hold after CTRL.RESET"); end
    repeat (60) begin
        @(posedge clk);
        if (soft_rst !== 1'b0) $fatal(1, "soft reset started while a TLP was in flight");
        if (tlp_hold !== 1'b1) $fatal(1, "tlp_hold dropped while quiescing");
    end
    expect_rd(REG_CTRL, 32'd1 << CTRL_RESET_BIT);   // RESET reads 1 while quiescing
    tlp_busy <= 1'b0;
    t = 0;
    while (!soft_rst) begin @(posedge clk); t = t + 1; if (t > 4) $fatal(1, "soft reset did not follow the quiesce"); end
    n = 0;
    while (soft_rst) begin
        if (tlp_hold !== 1'b1) $fatal(1, "tlp_hold low during the soft reset");
        @(posedge clk); n = n + 1;
    end
    if (n != 16) $fatal(1, "soft reset after quiesce lasted %0d cycles", n);
    @(posedge clk);
    if (tlp_hold !== 1'b0) $fatal(1, "tlp_hold stuck after the soft reset");
    expect_rd(REG_ID, NIC_ID_MAGIC);
    expect_rd(REG_IRQ_ERR_VECTOR, NV - 1);
    expect_rd(qa(0, RXQ_Q_IRQ_VECTOR), 32'd0);
    expect_rd(qa(1, RXQ_Q_IRQ_VECTOR), NV - 1);
    if (err_vector !== NV - 1 || q_irq_vector !== {8'd1, 8'd0}) $fatal(1, "vector outputs after soft reset");
    // RSS configuration and table are cleared too
    expect_rd(REG_RSS_HASH_TYPES, 32'd0);
    expect_rd(REG_RSS_DEFAULT_QUEUE, 32'd0);
    for (i = 0; i < RSS_KEY_DWORDS; i = i + 1) expect_rd(REG_RSS_KEY + 4 * i, 32'd0);
    for (i = 0; i < RETA / 4; i = i + 1) expect_rd(REG_RSS_RETA + 4 * i, 32'd0);
    if (rss_types !== 6'd0 || rss_defq !== 8'd0 || rss_key !== 320'd0) $fatal(1, "RSS outputs after soft reset");
    for (i = 0; i < RETA; i = i + 1) if (reta_m[i] !== 8'd0) $fatal(1, "RETA entry %0d not cleared", i);
    $display("soft reset: ok");

    // 9. back-to-back traffic with the completion stream always ready
    ready_pct = 100;
    for (i = 0; i < 50; i = i + 1) begin
        wr(REG_SCRATCH, i * 32'h01010101);
        expect_rd(REG_SCRATCH, i * 32'h01010101);
    end

    $display("tb_nic_csr: %0d completions checked", n_checks);
    $display("PASS");
    $finish;
end

initial begin
    #10000000;
    $fatal(1, "timeout");
end

endmodule

`undef PULSE
`default_nettype wire
