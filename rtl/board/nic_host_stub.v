`timescale 1ns / 1ps
`default_nettype none

/*
 * On-chip stand-in for the PCIe host, for board builds without a PCIe block:
 * keeps every part of nic_core live in synthesis and exercises it on the
 * board. TLP formats: docs/interfaces.md.
 *
 * MMIO (m_mmio_req -> nic_core s_tlp_req, s_mmio_cpl <- nic_core m_tlp_cpl):
 * 1-DW MemWr/MemRd with 3-DW headers to BAR 0 at BAR0_BASE, one at a time
 * (a read waits for its completion). Program:
 *   init  queue 0: DESC_BASE_LO, DESC_LOG_SIZE, CPL_BASE_LO, CPL_LOG_SIZE,
 *         Q_CTRL.ENABLE, then CTRL.RX_ENABLE; MSI-X table entry 0 (queue
 *         0's vector): address MSI_ADDR, data MSI_DATA, unmasked; vector 0
 *         ITR_NS = ITR_NS
 *   loop  read DESC_CONS, write DESC_PROD = DESC_CONS + ring size (every
 *         descriptor posted again); read CPL_PROD, write CPL_CONS = CPL_PROD
 *         (every completion consumed); arm vector 0 (like a driver leaving
 *         NAPI polling); read Q_FRAMES, RX_FRAMES_IN, ERR_STATUS; read the
 *         BAR0 dword at a scan offset that advances by 4 every pass (whole
 *         64 KiB BAR, MSI-X window included); write SCRATCH with the value
 *         just read; wait POLL_CYCLES; repeat.
 * cfg_msix_enable is 1 and the function unmasked, so the NIC sends MSI-X
 * MemWr to MSI_ADDR when frames complete on queue 0.
 * The scan read and the scratch write exist for synthesis: with only the
 * fixed program, address and data bits constant over all steps (queue
 * select bits, data high bits) would let yosys prove whole register blocks
 * (queues 1.., RSS tables) unwritable and remove them. Reads have no side
 * effects in the register map.
 *
 * DMA (s_dma_req <- nic_core m_tlp_req, m_dma_cpl -> nic_core s_tlp_cpl):
 * MemWr (frame data, completion records, MSI-X messages) are accepted and
 * discarded. A MemRd
 * is answered with one CplD (status SC, Byte Count = request length, Lower
 * Address = address[6:0]) carrying descriptors computed from the address: the
 * ring at DESC_BASE has 2^RING_LOG entries, entry i = {buffer BUF_BASE +
 * i * 2^BUF_LOG_STRIDE, length BUF_LEN, buffer id i}. Reads are assumed
 * 16-byte aligned and within the ring (what nic_desc_fetch issues); requests
 * are stalled while a CplD is being sent. Max Payload Size and Max Read
 * Request Size are set to 128 bytes (cfg_*), so one CplD per read is legal.
 *
 * Nothing is optimised away: every beat the NIC emits (MMIO completion data,
 * DMA headers and payloads) is folded into a 32-bit signature whose parity
 * drives led[3]. led[0]: Q_FRAMES bit 0 (toggles per delivered frame);
 * led[1]: NIC DMA write seen in the last 2^ACT_BITS cycles; led[2]:
 * ERR_STATUS non-zero.
 */
module nic_host_stub #(
    parameter TLP_DATA_WIDTH = 128,
    parameter [31:0] BAR0_BASE = 32'hF000_0000,    // 64 KiB aligned
    parameter [31:0] DESC_BASE = 32'h1000_0000,    // 4 KiB aligned
    parameter [31:0] CPL_BASE = 32'h2000_0000,     // 4 KiB aligned
    parameter [31:0] BUF_BASE = 32'h4000_0000,
    parameter RING_LOG = 4,                        // 1..8
    parameter BUF_LOG_STRIDE = 11,
    parameter [15:0] BUF_LEN = 16'd2048,
    parameter [15:0] NIC_REQUESTER_ID = 16'h0100,
    parameter [15:0] HOST_ID = 16'h0000,
    parameter [31:0] MSI_ADDR = 32'hFEE0_0000,     // MSI-X message for vector 0
    parameter [31:0] MSI_DATA = 32'h0000_0041,
    parameter [31:0] ITR_NS = 32'd2000,            // vector 0 moderation interval
    parameter POLL_CYCLES = 256,
    parameter ACT_BITS = 22
) (
    input  wire                        clk,
    input  wire                        rst,

    // MMIO requests to the NIC (nic_core s_tlp_req)
    output wire [127:0]                m_mmio_req_hdr,
    output wire [TLP_DATA_WIDTH-1:0]   m_mmio_req_data,
    output wire [2:0]                  m_mmio_req_bar_id,
    output wire                        m_mmio_req_sop,
    output wire                        m_mmio_req_eop,
    output wire                        m_mmio_req_valid,
    input  wire                        m_mmio_req_ready,

    // MMIO completions from the NIC (nic_core m_tlp_cpl)
    input  wire [127:0]                s_mmio_cpl_hdr,
    input  wire [TLP_DATA_WIDTH-1:0]   s_mmio_cpl_data,
    input  wire                        s_mmio_cpl_sop,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire                        s_mmio_cpl_eop,     // single-beat completions
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire                        s_mmio_cpl_valid,
    output wire                        s_mmio_cpl_ready,

    // DMA requests from the NIC (nic_core m_tlp_req)
    input  wire [127:0]                s_dma_req_hdr,
    input  wire [TLP_DATA_WIDTH-1:0]   s_dma_req_data,
    input  wire                        s_dma_req_sop,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire                        s_dma_req_eop,      // writes are discarded beat by beat
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire                        s_dma_req_valid,
    output wire                        s_dma_req_ready,

    // DMA read completions to the NIC (nic_core s_tlp_cpl)
    output wire [127:0]                m_dma_cpl_hdr,
    output wire [TLP_DATA_WIDTH-1:0]   m_dma_cpl_data,
    output wire                        m_dma_cpl_sop,
    output wire                        m_dma_cpl_eop,
    output wire                        m_dma_cpl_valid,
    input  wire                        m_dma_cpl_ready,

    // configuration space
    output wire [15:0]                 cfg_requester_id,
    output wire                        cfg_bus_master_enable,
    output wire [2:0]                  cfg_max_payload_size,
    output wire [2:0]                  cfg_max_read_req_size,
    output wire                        cfg_msix_enable,
    output wire                        cfg_msix_function_mask,

    output wire [3:0]                  led
);

/* verilator lint_off UNUSEDPARAM */
`include "nic_spec.vh"
/* verilator lint_on UNUSEDPARAM */

localparam [15:0] RING_SIZE = 16'd1 << RING_LOG;
localparam [31:0] RING_LOG_32 = RING_LOG;
localparam POLL_W = $clog2(POLL_CYCLES + 1);
localparam [POLL_W-1:0] POLL_INIT = POLL_CYCLES[POLL_W-1:0];

localparam [1:0] OP_WR = 2'd0, OP_RD = 2'd1, OP_WAIT = 2'd2;
// program steps the loop starts at / whose read data is kept
localparam [4:0] STEP_LOOP = 5'd10, STEP_Q_FRAMES = 5'd15, STEP_ERR = 5'd17, STEP_SCAN = 5'd18;

localparam [15:0] Q0 = RXQ_BASE;
localparam [15:0] MSIX0 = MSIX_TABLE_OFFSET;       // table entry 0
localparam [15:0] IVEC0 = IVEC_BASE;               // vector 0's block

localparam [1:0]
    P_ISSUE = 2'd0,   // present the request until accepted
    P_CPL = 2'd1,     // read: wait for its completion
    P_WAIT = 2'd2;    // poll delay

// ---------------------------------------------------------------------------
// MMIO program
reg [4:0] step_reg = 5'd0;
reg [1:0] p_state_reg = P_ISSUE;
reg [15:0] rd_val_reg = 16'd0;
reg [31:0] rd_full_reg = 32'd0;
reg [13:0] scan_reg = 14'd0;
reg [POLL_W-1:0] poll_cnt_reg = {POLL_W{1'b0}};
reg frames_reg = 1'b0;
reg [31:0] err_reg = 32'd0;
reg mmio_valid_reg = 1'b0;
reg [7:0] mmio_tag_reg = 8'd0;

reg [1:0] step_op;
/* verilator lint_off UNUSEDSIGNAL */
reg [15:0] step_off;   // dword aligned
/* verilator lint_on UNUSEDSIGNAL */
reg [31:0] step_wdata;

always @* begin
    step_op = OP_RD;
    step_off = REG_ID;
    step_wdata = 32'd0;
    case (step_reg)
        5'd0: begin step_op = OP_WR; step_off = Q0 + RXQ_DESC_BASE_LO; step_wdata = DESC_BASE; end
        5'd1: begin step_op = OP_WR; step_off = Q0 + RXQ_DESC_LOG_SIZE; step_wdata = RING_LOG_32; end
        5'd2: begin step_op = OP_WR; step_off = Q0 + RXQ_CPL_BASE_LO; step_wdata = CPL_BASE; end
        5'd3: begin step_op = OP_WR; step_off = Q0 + RXQ_CPL_LOG_SIZE; step_wdata = RING_LOG_32; end
        5'd4: begin step_op = OP_WR; step_off = Q0 + RXQ_Q_CTRL; step_wdata = 32'd1 << QCTRL_ENABLE_BIT; end
        5'd5: begin step_op = OP_WR; step_off = REG_CTRL; step_wdata = 32'd1 << CTRL_RX_ENABLE_BIT; end
        5'd6: begin step_op = OP_WR; step_off = MSIX0 + MSIX_ENTRY_ADDR_LO; step_wdata = MSI_ADDR; end
        5'd7: begin step_op = OP_WR; step_off = MSIX0 + MSIX_ENTRY_DATA; step_wdata = MSI_DATA; end
        5'd8: begin step_op = OP_WR; step_off = MSIX0 + MSIX_ENTRY_CTRL; step_wdata = 32'd0; end
        5'd9: begin step_op = OP_WR; step_off = IVEC0 + IVEC_ITR_NS; step_wdata = ITR_NS; end
        5'd10: begin step_op = OP_RD; step_off = Q0 + RXQ_DESC_CONS; end
        5'd11: begin step_op = OP_WR; step_off = Q0 + RXQ_DESC_PROD; step_wdata = {16'd0, rd_val_reg + RING_SIZE}; end
        5'd12: begin step_op = OP_RD; step_off = Q0 + RXQ_CPL_PROD; end
        5'd13: begin step_op = OP_WR; step_off = Q0 + RXQ_CPL_CONS; step_wdata = {16'd0, rd_val_reg}; end
        5'd14: begin step_op = OP_WR; step_off = IVEC0 + IVEC_CTRL; step_wdata = 32'd1 << IVEC_CTRL_ARM_BIT; end
        5'd15: begin step_op = OP_RD; step_off = Q0 + RXQ_Q_FRAMES; end
        5'd16: begin step_op = OP_RD; step_off = REG_RX_FRAMES_IN; end
        5'd17: begin step_op = OP_RD; step_off = REG_ERR_STATUS; end
        5'd18: begin step_op = OP_RD; step_off = {scan_reg, 2'b00}; end
        5'd19: begin step_op = OP_WR; step_off = REG_SCRATCH; step_wdata = rd_full_reg; end
        default: begin step_op = OP_WAIT; end
    endcase
end

wire step_wr = step_op == OP_WR;
wire [31:0] mmio_dw0 = {step_wr ? TLP_FMT_3DW_DATA : TLP_FMT_3DW_NO_DATA, TLP_TYPE_MEM, 14'd0, 10'd1};
wire [31:0] mmio_dw1 = {HOST_ID, mmio_tag_reg, 4'h0, 4'hF};
wire [31:0] mmio_dw2 = {BAR0_BASE[31:16], step_off[15:2], 2'b00};

assign m_mmio_req_hdr = {mmio_dw0, mmio_dw1, mmio_dw2, 32'd0};
assign m_mmio_req_data = {{(TLP_DATA_WIDTH-32){1'b0}}, step_wdata};
assign m_mmio_req_bar_id = 3'd0;
assign m_mmio_req_sop = 1'b1;
assign m_mmio_req_eop = 1'b1;
assign m_mmio_req_valid = mmio_valid_reg;

assign s_mmio_cpl_ready = 1'b1;

wire mmio_cpl = s_mmio_cpl_valid && s_mmio_cpl_sop;

always @(posedge clk) begin
    case (p_state_reg)
        P_ISSUE: begin
            if (step_op == OP_WAIT) begin
                poll_cnt_reg <= POLL_INIT;
                p_state_reg <= P_WAIT;
            end else begin
                mmio_valid_reg <= 1'b1;
                if (mmio_valid_reg && m_mmio_req_ready) begin
                    mmio_valid_reg <= 1'b0;
                    mmio_tag_reg <= mmio_tag_reg + 8'd1;
                    if (step_op == OP_RD) begin
                        p_state_reg <= P_CPL;
                    end else begin
                        step_reg <= step_reg + 5'd1;
                    end
                end
            end
        end
        P_CPL: begin
            if (mmio_cpl) begin
                rd_val_reg <= s_mmio_cpl_data[15:0];
                rd_full_reg <= s_mmio_cpl_data[31:0];
                if (step_reg == STEP_SCAN) begin
                    scan_reg <= scan_reg + 14'd1;
                end
                if (step_reg == STEP_Q_FRAMES) begin
                    frames_reg <= s_mmio_cpl_data[0];
                end
                if (step_reg == STEP_ERR) begin
                    err_reg <= s_mmio_cpl_data[31:0];
                end
                step_reg <= step_reg + 5'd1;
                p_state_reg <= P_ISSUE;
            end
        end
        default: begin
            poll_cnt_reg <= poll_cnt_reg - 1'b1;
            if (poll_cnt_reg == {POLL_W{1'b0}}) begin
                step_reg <= STEP_LOOP;
                p_state_reg <= P_ISSUE;
            end
        end
    endcase

    if (rst) begin
        step_reg <= 5'd0;
        p_state_reg <= P_ISSUE;
        mmio_valid_reg <= 1'b0;
        mmio_tag_reg <= 8'd0;
        frames_reg <= 1'b0;
        err_reg <= 32'd0;
    end
end

// ---------------------------------------------------------------------------
// DMA: accept requests, answer reads with descriptors
reg cpl_active_reg = 1'b0;
reg [9:0] cpl_len_reg = 10'd0;
reg [11:0] cpl_addr_reg = 12'd0;   // ring offset bits only (4 KiB-aligned ring)
reg [7:0] cpl_tag_reg = 8'd0;
reg [15:0] cpl_rid_reg = 16'd0;
reg [7:0] cpl_beat_reg = 8'd0;

assign s_dma_req_ready = !cpl_active_reg;

wire dma_beat = s_dma_req_valid && !cpl_active_reg;
wire [2:0] dma_fmt = s_dma_req_hdr[127:125];
wire [4:0] dma_type = s_dma_req_hdr[124:120];
wire dma_is_rd = dma_beat && s_dma_req_sop && !dma_fmt[2] && !dma_fmt[1] && dma_type == TLP_TYPE_MEM;
wire dma_is_wr = dma_beat && s_dma_req_sop && !dma_fmt[2] && dma_fmt[1] && dma_type == TLP_TYPE_MEM;

/* verilator lint_off UNUSEDSIGNAL */
wire [9:0] cpl_len_m1 = cpl_len_reg - 10'd1;
/* verilator lint_on UNUSEDSIGNAL */
wire [7:0] cpl_last_beat = cpl_len_m1[9:2];
wire [11:0] cpl_bc = {cpl_len_reg, 2'b00};   // at most 128 bytes
wire [31:0] cpl_dw0 = {TLP_FMT_3DW_DATA, TLP_TYPE_CPL, 14'd0, cpl_len_reg};
wire [31:0] cpl_dw1 = {HOST_ID, TLP_CPL_STATUS_SC, 1'b0, cpl_bc};
wire [31:0] cpl_dw2 = {cpl_rid_reg, cpl_tag_reg, 1'b0, cpl_addr_reg[6:0]};

// descriptor for this beat
wire [7:0] desc_idx_full = cpl_addr_reg[11:4] + cpl_beat_reg;
wire [15:0] desc_idx = {8'd0, desc_idx_full} & (RING_SIZE - 16'd1);
wire [31:0] desc_addr = BUF_BASE + ({16'd0, desc_idx} << BUF_LOG_STRIDE);

assign m_dma_cpl_hdr = {cpl_dw0, cpl_dw1, cpl_dw2, 32'd0};
assign m_dma_cpl_data = {{(TLP_DATA_WIDTH-128){1'b0}}, 32'd0, desc_idx, BUF_LEN, 32'd0, desc_addr};
assign m_dma_cpl_sop = cpl_beat_reg == 8'd0;
assign m_dma_cpl_eop = cpl_beat_reg == cpl_last_beat;
assign m_dma_cpl_valid = cpl_active_reg;

always @(posedge clk) begin
    if (dma_is_rd) begin
        cpl_active_reg <= 1'b1;
        cpl_len_reg <= s_dma_req_hdr[105:96];
        cpl_addr_reg <= dma_fmt[0] ? s_dma_req_hdr[11:0] : s_dma_req_hdr[43:32];
        cpl_rid_reg <= s_dma_req_hdr[95:80];
        cpl_tag_reg <= s_dma_req_hdr[79:72];
        cpl_beat_reg <= 8'd0;
    end
    if (cpl_active_reg && m_dma_cpl_ready) begin
        cpl_beat_reg <= cpl_beat_reg + 8'd1;
        if (m_dma_cpl_eop) begin
            cpl_active_reg <= 1'b0;
        end
    end
    if (rst) begin
        cpl_active_reg <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// signature and LEDs
function [31:0] fold128(input [127:0] x);
    fold128 = x[127:96] ^ x[95:64] ^ x[63:32] ^ x[31:0];
endfunction

reg [31:0] sig_reg = 32'd0;
reg [ACT_BITS-1:0] act_reg = {ACT_BITS{1'b0}};

always @(posedge clk) begin
    if (dma_beat || s_mmio_cpl_valid) begin
        sig_reg <= {sig_reg[30:0], sig_reg[31]}
            ^ (dma_beat ? fold128(s_dma_req_hdr) ^ fold128(s_dma_req_data[127:0]) : 32'd0)
            ^ (s_mmio_cpl_valid ? fold128(s_mmio_cpl_hdr) ^ fold128(s_mmio_cpl_data[127:0]) : 32'd0);
    end
    if (dma_is_wr) begin
        act_reg <= {ACT_BITS{1'b1}};
    end else if (act_reg != {ACT_BITS{1'b0}}) begin
        act_reg <= act_reg - 1'b1;
    end
    if (rst) begin
        sig_reg <= 32'd0;
        act_reg <= {ACT_BITS{1'b0}};
    end
end

assign led = {^sig_reg, err_reg != 32'd0, act_reg != {ACT_BITS{1'b0}}, frames_reg};

assign cfg_requester_id = NIC_REQUESTER_ID;
assign cfg_bus_master_enable = 1'b1;
assign cfg_max_payload_size = 3'd0;
assign cfg_max_read_req_size = 3'd0;
assign cfg_msix_enable = 1'b1;
assign cfg_msix_function_mask = 1'b0;

endmodule

`default_nettype wire
