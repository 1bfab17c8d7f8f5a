`timescale 1ns / 1ps
`default_nettype none

/*
 * BAR0 register block and MMIO completer.
 *
 * One request at a time:
 *   IDLE   accept the sop beat (latch header fields, payload DW0 and the
 *          request checks made from the header)
 *   DRAIN  consume the remaining beats of a multi-beat request
 *   DECODE two cycles: the first registers the address decode (range
 *          compares, one-hot register selects); the second acts on it and
 *          on the checks (registered selects and read selects, each
 *          queue's register write strobes)
 *   ACCESS apply a write / register the read data (in parts: per queue and
 *          per group of 8 other registers; the completion data is their OR,
 *          all but the part read are 0) and the completion header
 *   CPL    present the completion until accepted
 * Request sop beat accepted -> completion valid: 4 cycles; a 1-DW write takes
 * 4 cycles (the next request is accepted 4 cycles after the write).
 * Statistics counters (Q_FRAMES, Q_BYTES, Q_DROP_*, Q_SPLIT_FRAMES,
 * Q_HDR_OVERFLOW, RX_FRAMES_IN, RX_DROP_*) live in RAM swept by
 * nic_stat_counters (the event counters in one, the queues' byte counters in
 * another): their reads add a STAT state between DECODE and ACCESS that
 * waits for the counter's turn in the sweep, 6 to 7 * RX_QUEUES + 11 cycles;
 * the value is the count as of a moment after the request.
 * RSS_RETA accesses add a RETA state between DECODE and ACCESS: the four
 * entries of the dword are written (byte enables honoured) / read one per
 * cycle through reta_wr_* / reta_rd_* (read data one cycle after the
 * address), 5 cycles more.
 *
 * MSI-X window (BAR0 0x8000..0xBFFF: table, PBA, per-vector ivec blocks):
 * forwarded to nic_msix over the reg_* port in an MSIX state between DECODE
 * and ACCESS: a one-cycle reg_wr/reg_rd strobe, then wait for reg_ack (read
 * data with it); writes wait for the ack too, so MMIO stays one request at
 * a time. Everything else keeps the 4-cycle timing.
 *
 * Interrupt registers: CLK_PERIOD_PS (RO, the parameter), IRQ_ERR_VECTOR (8
 * bits, reset min(RX_QUEUES, MSIX_VECTORS - 1)), per-queue Q_IRQ_VECTOR (8
 * bits, reset min(q, MSIX_VECTORS - 1)). err_event pulses one cycle when an
 * ERR_STATUS bit that was 0 is set (the error vector's event, nic_msix).
 *
 * RSS registers: RSS_HASH_TYPES (6 bits), RSS_DEFAULT_QUEUE (8 bits, masked
 * by nic_rss), RSS_RETA_SIZE (= RETA_ENTRIES), RSS_KEY[0..9] (rss_key[32n +:
 * 32] is RSS_KEY+4n, so key byte i is rss_key[8i +: 8]), RSS_RETA (table in
 * nic_rss). Every reset (hard or CTRL.RESET) clears them; the table is
 * cleared by a sweep of RETA_ENTRIES writes right after the reset, during
 * which RETA accesses wait.
 *
 * Supported: 1-DW MemRd/MemWr (3- or 4-DW header) to BAR 0, Last BE 0, not
 * poisoned; address bits [15:2] are decoded. Everything else sets
 * ERR_STATUS.MMIO_BAD_REQUEST; a non-posted one is answered with a Cpl (no
 * data, Length 0) with status UR.
 *
 * CTRL.RESET: first quiesces the requester interface: tlp_hold stops new
 * TLPs on m_tlp_req and the reset waits until tlp_busy is low (no TLP half
 * sent, nothing held in the output stage), so a DMA write is never cut in
 * half (at most QUIESCE_TIMEOUT cycles: a host that never accepts the rest of
 * a TLP cannot block the reset forever). Then it holds every register of
 * this block (not the completer) and the soft_rst output for
 * SOFT_RESET_CYCLES cycles; writes in that window are ignored, CTRL reads
 * RESET=1 from the write until done. The result equals a hard reset.
 *
 * Header split / scatter / VLAN strip (docs/split.md), per queue:
 * Q_HDR_BASE_LO/HI (bits [3:0] read 0), Q_HDR_COUNT (16 bits) and Q_RX_CFG
 * (only the rx_cfg fields are kept, reserved bits read 0) are writable only
 * while the queue is disabled, like the ring bases, so the engine never sees
 * them change under a frame; Q_SPLIT_FRAMES and Q_HDR_OVERFLOW count the
 * engine's stat_q_split / stat_q_hdr_overflow pulses and, like every other
 * counter, are cleared only by a (hard or soft) reset.
 *
 * Per-queue ports are flattened: queue q uses bits [q*W +: W].
 */
module nic_csr #(
    parameter TLP_DATA_WIDTH = 128,
    parameter RX_QUEUES = 1,
    parameter RX_FIFO_BYTES = 32768,
    parameter DESC_FETCH_MAX = 8,
    parameter RETA_ENTRIES = 128,
    parameter MSIX_VECTORS = 16,
    parameter CLK_PERIOD_PS = 6400,
    parameter SOFT_RESET_CYCLES = 16,
    parameter QUIESCE_TIMEOUT = 65535
) (
    input  wire                        clk,
    input  wire                        rst,

    // completer requests (host -> NIC)
    input  wire [127:0]                s_tlp_req_hdr,
    input  wire [TLP_DATA_WIDTH-1:0]   s_tlp_req_data,
    input  wire [2:0]                  s_tlp_req_bar_id,
    input  wire                        s_tlp_req_sop,
    input  wire                        s_tlp_req_eop,
    input  wire                        s_tlp_req_valid,
    output wire                        s_tlp_req_ready,

    // completer completions (NIC -> host)
    output wire [127:0]                m_tlp_cpl_hdr,
    output wire [TLP_DATA_WIDTH-1:0]   m_tlp_cpl_data,
    output wire                        m_tlp_cpl_sop,
    output wire                        m_tlp_cpl_eop,
    output wire                        m_tlp_cpl_valid,
    input  wire                        m_tlp_cpl_ready,

    input  wire [15:0]                 cfg_requester_id,

    // control
    output wire                        soft_rst,
    output wire                        tlp_hold,
    input  wire                        tlp_busy,
    output wire                        rx_enable,

    // RSS configuration (nic_rss)
    output wire [5:0]                  rss_hash_types,
    output wire [7:0]                  rss_default_queue,
    output wire [319:0]                rss_key,
    output wire                        reta_wr_en,
    output wire [8:0]                  reta_wr_addr,
    output wire [7:0]                  reta_wr_data,
    output wire [8:0]                  reta_rd_addr,
    input  wire [7:0]                  reta_rd_data,

    // MSI-X window (nic_msix): one request at a time, one ack per request
    output wire [15:0]                 reg_addr,
    output wire [31:0]                 reg_wr_data,
    output wire [3:0]                  reg_wr_be,
    output wire                        reg_wr,
    output wire                        reg_rd,
    input  wire                        reg_ack,
    input  wire [31:0]                 reg_rd_data,

    // interrupt configuration and events (nic_msix)
    output wire [7:0]                  err_vector,
    output wire                        err_event,
    output wire [RX_QUEUES*8-1:0]      q_irq_vector,

    // per-queue configuration
    output wire [RX_QUEUES-1:0]        q_enable,
    output wire [RX_QUEUES*64-1:0]     q_desc_base,
    output wire [RX_QUEUES*4-1:0]      q_desc_log_size,
    output wire [RX_QUEUES*16-1:0]     q_desc_prod,
    output wire [RX_QUEUES*64-1:0]     q_cpl_base,
    output wire [RX_QUEUES*4-1:0]      q_cpl_log_size,
    output wire [RX_QUEUES*16-1:0]     q_cpl_cons,
    output wire [RX_QUEUES*64-1:0]     q_hdr_base,      // bits [3:0] are 0
    output wire [RX_QUEUES*16-1:0]     q_hdr_count,
    output wire [RX_QUEUES*32-1:0]     q_rx_cfg,        // Q_RX_CFG, reserved bits 0

    // per-queue engine status and event pulses
    input  wire [RX_QUEUES*16-1:0]     q_desc_cons,
    input  wire [RX_QUEUES*16-1:0]     q_cpl_prod,
    input  wire [RX_QUEUES-1:0]        q_halted,
    input  wire [RX_QUEUES-1:0]        q_busy,
    input  wire [RX_QUEUES-1:0]        stat_q_frame_ok,
    input  wire [RX_QUEUES*16-1:0]     stat_q_frame_bytes,
    input  wire [RX_QUEUES-1:0]        stat_q_drop_no_desc,
    input  wire [RX_QUEUES-1:0]        stat_q_drop_buf_too_small,
    input  wire [RX_QUEUES-1:0]        stat_q_drop_bad_desc,
    input  wire [RX_QUEUES-1:0]        stat_q_drop_disabled,
    input  wire [RX_QUEUES-1:0]        stat_q_split,        // frame delivered with SPLIT
    input  wire [RX_QUEUES-1:0]        stat_q_hdr_overflow, // frame delivered with HDR_OVERFLOW
    input  wire [RX_QUEUES-1:0]        err_cpl_status,
    input  wire [RX_QUEUES-1:0]        err_cpl_unexpected,
    input  wire [RX_QUEUES-1:0]        err_cpl_timeout,

    // RX FIFO status and event pulses
    input  wire [31:0]                 fifo_fill_bytes,
    input  wire                        stat_rx_frame_in,
    input  wire                        stat_rx_drop_fifo_full,
    input  wire                        stat_rx_drop_mac_error,
    input  wire                        stat_rx_drop_runt,
    input  wire                        stat_rx_drop_oversize,
    input  wire                        stat_rx_drop_disabled
);

// The shared header declares every spec constant; each module uses a few.
/* verilator lint_off UNUSEDPARAM */
`include "nic_spec.vh"
/* verilator lint_on UNUSEDPARAM */

localparam RXQ_OFF_W = $clog2(RXQ_STRIDE);
localparam QIDX_W = 16 - RXQ_OFF_W;
localparam QSEL_W = RX_QUEUES > 1 ? $clog2(RX_QUEUES) : 1;
localparam RST_CNT_W = $clog2(SOFT_RESET_CYCLES + 1);

localparam [31:0] CAPS_VAL =
    ((RX_QUEUES & 32'hFF) << CAPS_RX_QUEUES_SHIFT) |
    ((MAX_LOG_RING & 32'hFF) << CAPS_MAX_LOG_RING_SHIFT) |
    ((DESC_FETCH_MAX & 32'hFF) << CAPS_DESC_FETCH_MAX_SHIFT);
localparam [31:0] FIFO_BYTES_VAL = RX_FIFO_BYTES;
localparam [RST_CNT_W-1:0] RST_CNT_INIT = SOFT_RESET_CYCLES;
localparam QWAIT_W = $clog2(QUIESCE_TIMEOUT + 1);
localparam [QWAIT_W-1:0] QWAIT_MAX = QUIESCE_TIMEOUT;
localparam [31:0] RETA_SIZE_VAL = RETA_ENTRIES;
localparam [15:0] KEY_END = REG_RSS_KEY + 16'd4 * RSS_KEY_DWORDS[15:0];
localparam [15:0] RETA_END = REG_RSS_RETA + RETA_ENTRIES[15:0];
localparam [9:0] SWEEP_INIT = RETA_ENTRIES[9:0];
localparam [31:0] CLK_PERIOD_VAL = CLK_PERIOD_PS;
localparam integer ERR_VEC_RST_I = RX_QUEUES < MSIX_VECTORS - 1 ? RX_QUEUES : MSIX_VECTORS - 1;
localparam [7:0] ERR_VEC_RST = ERR_VEC_RST_I[7:0];

// global register indices
localparam G_ID = 0, G_VERSION = 1, G_CTRL = 2, G_ERR = 3, G_CAPS = 4, G_SCRATCH = 5,
    G_FIFO_BYTES = 6, G_FIFO_PEAK = 7, G_FRAMES_IN = 8, G_DROP_FULL = 9,
    G_DROP_MAC = 10, G_DROP_RUNT = 11, G_DROP_OVER = 12, G_DROP_DIS = 13,
    G_RSS_TYPES = 14, G_RSS_DEFQ = 15, G_RSS_RETA_SIZE = 16, G_CLK_PERIOD = 17, G_ERR_VEC = 18, G_N = 19;

// per-queue register indices
localparam Q_DESC_BASE_LO = 0, Q_DESC_BASE_HI = 1, Q_DESC_LOG = 2, Q_DESC_PROD = 3,
    Q_DESC_CONS = 4, Q_CPL_BASE_LO = 5, Q_CPL_BASE_HI = 6, Q_CPL_LOG = 7, Q_CPL_PROD = 8,
    Q_CPL_CONS = 9, Q_CTRL = 10, Q_STATUS = 11, Q_FRAMES = 12, Q_BYTES = 13,
    Q_DROP_NO_DESC = 14, Q_DROP_SMALL = 15, Q_DROP_BAD = 16, Q_DROP_DIS = 17, Q_IRQ_VEC = 18,
    Q_HDR_BASE_LO = 19, Q_HDR_BASE_HI = 20, Q_HDR_COUNT = 21, Q_RX_CFG = 22, Q_SPLIT = 23,
    Q_HDR_OVF = 24, Q_N = 25;

localparam [2:0]
    ST_IDLE = 3'd0,
    ST_DRAIN = 3'd1,
    ST_DECODE = 3'd2,
    ST_ACCESS = 3'd3,
    ST_CPL = 3'd4,
    ST_RETA = 3'd5,
    ST_MSIX = 3'd6,
    ST_STAT = 3'd7;

`include "nic_be_merge.vh"

// ---------------------------------------------------------------------------
// Completer FSM
// ---------------------------------------------------------------------------

reg [2:0] state_reg = ST_IDLE, state_next;

// latched request
reg [2:0] req_tc_reg = 3'd0;
reg [2:0] req_attr_reg = 3'd0;
reg [1:0] req_tag_hi_reg = 2'd0;
reg [9:0] req_len_reg = 10'd0;
reg [15:0] req_rid_reg = 16'd0;
reg [7:0] req_tag_reg = 8'd0;
reg [3:0] req_lbe_reg = 4'd0;
reg [3:0] req_fbe_reg = 4'd0;
reg [15:2] req_addr_reg = 14'd0;
reg [31:0] req_data_reg = 32'd0;
reg req_stray_reg = 1'b0;

// decoded request
reg op_rd_reg = 1'b0;
reg op_wr_reg = 1'b0;
reg op_ur_reg = 1'b0;
reg op_mem_reg = 1'b0;
reg [G_N-1:0] gsel_reg = {G_N{1'b0}};
// RSS_KEY dword write strobes, one-hot, high in the ACCESS cycle of a key
// write (decoded in DECODE, which a key write always leaves for ACCESS): the
// 320 key flops' enables come straight from flops
reg [RSS_KEY_DWORDS-1:0] key_we_reg = {RSS_KEY_DWORDS{1'b0}};
reg [6:0] reta_idx_reg = 7'd0;
reg [2:0] reta_k_reg = 3'd0;
reg [31:0] reta_rdata_reg = 32'd0;
reg [9:0] sweep_cnt_reg = SWEEP_INIT;
reg msix_wr_reg = 1'b0;
reg msix_rd_reg = 1'b0;
reg [31:0] msix_rdata_reg = 32'd0;
// sweep_cnt_reg != 0, registered (many enables depend on it)
reg sweeping_reg = SWEEP_INIT != 10'd0;
wire sweeping = sweeping_reg;

// completion
reg [127:0] cpl_hdr_reg = 128'd0;
reg cpl_valid_reg = 1'b0;

assign s_tlp_req_ready = state_reg == ST_IDLE || state_reg == ST_DRAIN;

assign m_tlp_cpl_hdr = cpl_hdr_reg;
assign m_tlp_cpl_sop = 1'b1;
assign m_tlp_cpl_eop = 1'b1;
assign m_tlp_cpl_valid = cpl_valid_reg;

wire req_beat = s_tlp_req_valid && s_tlp_req_ready;

always @* begin
    state_next = state_reg;
    case (state_reg)
        ST_IDLE: begin
            if (req_beat && s_tlp_req_sop) begin
                state_next = s_tlp_req_eop ? ST_DECODE : ST_DRAIN;
            end
        end
        ST_DRAIN: begin
            if (req_beat && s_tlp_req_eop) begin
                state_next = ST_DECODE;
            end
        end
        ST_DECODE: begin
            if (!dec_ph_reg) begin
                state_next = ST_DECODE;     // the address decode registers
            end else if (dec_bad) begin
                state_next = ST_ACCESS;
            end else if (dec_reta_hit) begin
                state_next = ST_RETA;
            end else if (dec_msix_hit) begin
                state_next = ST_MSIX;
            end else if (dec_stat_rd) begin
                state_next = ST_STAT;
            end else begin
                state_next = ST_ACCESS;
            end
        end
        ST_MSIX: begin
            if (reg_ack) begin
                state_next = ST_ACCESS;
            end
        end
        ST_STAT: begin
            if (stat_ack) begin
                state_next = ST_ACCESS;
            end
        end
        ST_RETA: begin
            if (reta_k_reg == 3'd4) begin
                state_next = ST_ACCESS;
            end
        end
        ST_ACCESS: begin
            state_next = (op_rd_reg || op_ur_reg) ? ST_CPL : ST_IDLE;
        end
        ST_CPL: begin
            if (m_tlp_cpl_ready) begin
                state_next = ST_IDLE;
            end
        end
        default: begin
            state_next = ST_IDLE;
        end
    endcase
end

// request checks (DECODE state, from the latched fields)
// (made from the sop beat's header and registered with the request fields,
// so DECODE starts from flops)
wire [2:0] rq_fmt = s_tlp_req_hdr[127:125];
wire [4:0] rq_type = s_tlp_req_hdr[124:120];
wire rq_is_mem = rq_type == TLP_TYPE_MEM;
wire rq_is_rd = rq_is_mem && (rq_fmt == TLP_FMT_3DW_NO_DATA || rq_fmt == TLP_FMT_4DW_NO_DATA);
wire rq_is_wr = rq_is_mem && (rq_fmt == TLP_FMT_3DW_DATA || rq_fmt == TLP_FMT_4DW_DATA);
// Length 1, BAR 0, not poisoned, Last BE 0
wire rq_conform = s_tlp_req_hdr[105:96] == 10'd1 && s_tlp_req_bar_id == 3'd0 && !s_tlp_req_hdr[110]
    && s_tlp_req_hdr[71:68] == 4'd0;
reg req_mem_reg = 1'b0;
reg req_ok_rd_reg = 1'b0;
reg req_ok_wr_reg = 1'b0;       // also single-beat
reg req_posted_reg = 1'b0;
wire dec_is_mem = req_mem_reg;
wire dec_ok_rd = req_ok_rd_reg;
wire dec_ok_wr = req_ok_wr_reg;
// posted: MemWr, Msg/MsgD; completions never expect an answer either
wire dec_posted = req_posted_reg;
wire dec_bad = !dec_ok_rd && !dec_ok_wr;

// Address decode (adec_*: the range compares and one-hot selects), from
// req_addr_reg, registered (dec_*_reg) in DECODE's first cycle; whatever
// acts on the decode does so in its second (dec_go). The compares' carry
// chains and the per-queue strobes behind them were one path too long for
// the whole core. An MMIO request takes a cycle more.
reg dec_ph_reg = 1'b0;                      // DECODE's second cycle
wire dec_go = state_reg == ST_DECODE && dec_ph_reg;
wire dec_first = state_reg == ST_DECODE && !dec_ph_reg && !rst;   // DECODE's first cycle
wire [15:0] adec_addr = {req_addr_reg, 2'b00};
wire [15:0] adec_qrel = adec_addr - RXQ_BASE;
wire [QIDX_W-1:0] adec_qidx = adec_qrel[15:RXQ_OFF_W];
wire adec_qhit = adec_addr >= RXQ_BASE && {{32-QIDX_W{1'b0}}, adec_qidx} < RX_QUEUES;
wire [RXQ_OFF_W-1:2] adec_qoff = adec_qrel[RXQ_OFF_W-1:2];
wire adec_key_hit = adec_addr >= REG_RSS_KEY && adec_addr < KEY_END;
/* verilator lint_off UNUSEDSIGNAL */
wire [15:0] adec_key_rel = adec_addr - REG_RSS_KEY;
wire [15:0] adec_reta_rel = adec_addr - REG_RSS_RETA;
/* verilator lint_on UNUSEDSIGNAL */
wire adec_reta_hit = adec_addr >= REG_RSS_RETA && adec_addr < RETA_END;
// the MSI-X quarter of BAR0: table (MSIX_TABLE_OFFSET), PBA, ivec blocks
wire adec_msix_hit = adec_addr[15:14] == MSIX_TABLE_OFFSET[15:14];

reg [G_N-1:0] adec_gsel;
reg [Q_N-1:0] adec_qsel;

reg [G_N-1:0] dec_gsel_reg = {G_N{1'b0}};
reg [Q_N-1:0] dec_qsel_reg = {Q_N{1'b0}};
reg [QSEL_W-1:0] dec_qidx_reg = {QSEL_W{1'b0}};
reg dec_key_hit_reg = 1'b0;
reg [3:0] dec_key_dw_reg = 4'd0;
reg dec_reta_hit_reg = 1'b0;
reg [6:0] dec_reta_idx_reg = 7'd0;
reg dec_msix_hit_reg = 1'b0;
always @(posedge clk) begin
    dec_ph_reg <= dec_first;
    dec_gsel_reg <= adec_gsel;
    dec_qsel_reg <= adec_qsel;
    dec_qidx_reg <= adec_qidx[QSEL_W-1:0];
    dec_key_hit_reg <= adec_key_hit;
    dec_key_dw_reg <= adec_key_rel[5:2];
    dec_reta_hit_reg <= adec_reta_hit;
    dec_reta_idx_reg <= adec_reta_rel[8:2];
    dec_msix_hit_reg <= adec_msix_hit;
end
wire [G_N-1:0] dec_gsel = dec_gsel_reg;
wire [Q_N-1:0] dec_qsel = dec_qsel_reg;
wire [QSEL_W-1:0] dec_qidx = dec_qidx_reg;  // the queue (the range check is in dec_qsel)
wire dec_key_hit = dec_key_hit_reg;
wire dec_reta_hit = dec_reta_hit_reg;
wire dec_msix_hit = dec_msix_hit_reg;

always @* begin
    adec_gsel = {G_N{1'b0}};
    adec_gsel[G_ID] = req_addr_reg == REG_ID[15:2];
    adec_gsel[G_VERSION] = req_addr_reg == REG_VERSION[15:2];
    adec_gsel[G_CTRL] = req_addr_reg == REG_CTRL[15:2];
    adec_gsel[G_ERR] = req_addr_reg == REG_ERR_STATUS[15:2];
    adec_gsel[G_CAPS] = req_addr_reg == REG_CAPS[15:2];
    adec_gsel[G_SCRATCH] = req_addr_reg == REG_SCRATCH[15:2];
    adec_gsel[G_FIFO_BYTES] = req_addr_reg == REG_RX_FIFO_BYTES[15:2];
    adec_gsel[G_FIFO_PEAK] = req_addr_reg == REG_RX_FIFO_PEAK[15:2];
    adec_gsel[G_FRAMES_IN] = req_addr_reg == REG_RX_FRAMES_IN[15:2];
    adec_gsel[G_DROP_FULL] = req_addr_reg == REG_RX_DROP_FIFO_FULL[15:2];
    adec_gsel[G_DROP_MAC] = req_addr_reg == REG_RX_DROP_MAC_ERROR[15:2];
    adec_gsel[G_DROP_RUNT] = req_addr_reg == REG_RX_DROP_RUNT[15:2];
    adec_gsel[G_DROP_OVER] = req_addr_reg == REG_RX_DROP_OVERSIZE[15:2];
    adec_gsel[G_DROP_DIS] = req_addr_reg == REG_RX_DROP_DISABLED[15:2];
    adec_gsel[G_RSS_TYPES] = req_addr_reg == REG_RSS_HASH_TYPES[15:2];
    adec_gsel[G_RSS_DEFQ] = req_addr_reg == REG_RSS_DEFAULT_QUEUE[15:2];
    adec_gsel[G_RSS_RETA_SIZE] = req_addr_reg == REG_RSS_RETA_SIZE[15:2];
    adec_gsel[G_CLK_PERIOD] = req_addr_reg == REG_CLK_PERIOD_PS[15:2];
    adec_gsel[G_ERR_VEC] = req_addr_reg == REG_IRQ_ERR_VECTOR[15:2];

    adec_qsel = {Q_N{1'b0}};
    adec_qsel[Q_DESC_BASE_LO] = adec_qoff == RXQ_DESC_BASE_LO[RXQ_OFF_W-1:2];
    adec_qsel[Q_DESC_BASE_HI] = adec_qoff == RXQ_DESC_BASE_HI[RXQ_OFF_W-1:2];
    adec_qsel[Q_DESC_LOG] = adec_qoff == RXQ_DESC_LOG_SIZE[RXQ_OFF_W-1:2];
    adec_qsel[Q_DESC_PROD] = adec_qoff == RXQ_DESC_PROD[RXQ_OFF_W-1:2];
    adec_qsel[Q_DESC_CONS] = adec_qoff == RXQ_DESC_CONS[RXQ_OFF_W-1:2];
    adec_qsel[Q_CPL_BASE_LO] = adec_qoff == RXQ_CPL_BASE_LO[RXQ_OFF_W-1:2];
    adec_qsel[Q_CPL_BASE_HI] = adec_qoff == RXQ_CPL_BASE_HI[RXQ_OFF_W-1:2];
    adec_qsel[Q_CPL_LOG] = adec_qoff == RXQ_CPL_LOG_SIZE[RXQ_OFF_W-1:2];
    adec_qsel[Q_CPL_PROD] = adec_qoff == RXQ_CPL_PROD[RXQ_OFF_W-1:2];
    adec_qsel[Q_CPL_CONS] = adec_qoff == RXQ_CPL_CONS[RXQ_OFF_W-1:2];
    adec_qsel[Q_CTRL] = adec_qoff == RXQ_Q_CTRL[RXQ_OFF_W-1:2];
    adec_qsel[Q_STATUS] = adec_qoff == RXQ_Q_STATUS[RXQ_OFF_W-1:2];
    adec_qsel[Q_FRAMES] = adec_qoff == RXQ_Q_FRAMES[RXQ_OFF_W-1:2];
    adec_qsel[Q_BYTES] = adec_qoff == RXQ_Q_BYTES[RXQ_OFF_W-1:2];
    adec_qsel[Q_DROP_NO_DESC] = adec_qoff == RXQ_Q_DROP_NO_DESC[RXQ_OFF_W-1:2];
    adec_qsel[Q_DROP_SMALL] = adec_qoff == RXQ_Q_DROP_BUF_TOO_SMALL[RXQ_OFF_W-1:2];
    adec_qsel[Q_DROP_BAD] = adec_qoff == RXQ_Q_DROP_BAD_DESC[RXQ_OFF_W-1:2];
    adec_qsel[Q_DROP_DIS] = adec_qoff == RXQ_Q_DROP_DISABLED[RXQ_OFF_W-1:2];
    adec_qsel[Q_IRQ_VEC] = adec_qoff == RXQ_Q_IRQ_VECTOR[RXQ_OFF_W-1:2];
    adec_qsel[Q_HDR_BASE_LO] = adec_qoff == RXQ_Q_HDR_BASE_LO[RXQ_OFF_W-1:2];
    adec_qsel[Q_HDR_BASE_HI] = adec_qoff == RXQ_Q_HDR_BASE_HI[RXQ_OFF_W-1:2];
    adec_qsel[Q_HDR_COUNT] = adec_qoff == RXQ_Q_HDR_COUNT[RXQ_OFF_W-1:2];
    adec_qsel[Q_RX_CFG] = adec_qoff == RXQ_Q_RX_CFG[RXQ_OFF_W-1:2];
    adec_qsel[Q_SPLIT] = adec_qoff == RXQ_Q_SPLIT_FRAMES[RXQ_OFF_W-1:2];
    adec_qsel[Q_HDR_OVF] = adec_qoff == RXQ_Q_HDR_OVERFLOW[RXQ_OFF_W-1:2];
    if (!adec_qhit) begin
        adec_qsel = {Q_N{1'b0}};
    end
end

// statistics counters, in two nic_stat_counters blocks: the event counters
// (7 per queue, counter q*7 + k, k as below; then the 6 global ones from
// RX_FRAMES_IN) and a byte counter per queue. Their reads wait in ST_STAT
// for the counter sweep.
localparam integer QEV_N = 7;
localparam integer GEV_N = 6;
localparam integer EV_Q_N = RX_QUEUES * QEV_N;
localparam integer EV_N = EV_Q_N + GEV_N;
localparam integer EV_IDX_W = $clog2(EV_N > 4 ? EV_N : 4);
localparam integer BY_IDX_W = $clog2(RX_QUEUES > 4 ? RX_QUEUES : 4);
wire [QEV_N-1:0] dec_qev_oh = {dec_qsel[Q_HDR_OVF], dec_qsel[Q_SPLIT], dec_qsel[Q_DROP_DIS], dec_qsel[Q_DROP_BAD],
                               dec_qsel[Q_DROP_SMALL], dec_qsel[Q_DROP_NO_DESC], dec_qsel[Q_FRAMES]};
// the index of the set bit of a one-hot select of up to 7 (bit 0 is index
// 0, as is no bit set: it is not read)
/* verilator lint_off UNUSEDSIGNAL */
function [2:0] oh_index7(input [6:0] oh);
    oh_index7 = {|oh[6:4], |{oh[6], oh[3:2]}, |{oh[5], oh[3], oh[1]}};
endfunction
/* verilator lint_on UNUSEDSIGNAL */
wire [2:0] dec_qev = oh_index7(dec_qev_oh);
// RX_FRAMES_IN, RX_DROP_FIFO_FULL, _MAC_ERROR, _RUNT, _OVERSIZE, _DISABLED
// (G_FRAMES_IN .. G_DROP_DIS are consecutive indices, in this order)
wire [GEV_N-1:0] dec_gev_oh = dec_gsel[G_DROP_DIS:G_FRAMES_IN];
wire [2:0] dec_gev = oh_index7({1'b0, dec_gev_oh});
wire dec_stat_rd = dec_ok_rd && (|dec_qev_oh || dec_qsel[Q_BYTES] || |dec_gev_oh);
localparam [15:0] EV_Q_N_16 = EV_Q_N[15:0];
// q * 7 as (q << 3) - q: a constant multiply would take a DSP block
wire [15:0] dec_q16 = {{(16-QSEL_W){1'b0}}, dec_qidx[QSEL_W-1:0]};
/* verilator lint_off UNUSEDSIGNAL */
wire [15:0] dec_ev_idx = |dec_gev_oh ? EV_Q_N_16 + {13'd0, dec_gev}
    : (dec_q16 << 3) - dec_q16 + {13'd0, dec_qev};
/* verilator lint_on UNUSEDSIGNAL */

// completion fields (ACCESS state, from the latched fields)
function [1:0] first_set(input [3:0] be);
    first_set = be[0] ? 2'd0 : be[1] ? 2'd1 : be[2] ? 2'd2 : be[3] ? 2'd3 : 2'd0;
endfunction

function [1:0] last_set(input [3:0] be);
    last_set = be[3] ? 2'd3 : be[2] ? 2'd2 : be[1] ? 2'd1 : be[0] ? 2'd0 : 2'd0;
endfunction

reg [12:0] cpl_bc;
reg [6:0] cpl_la;
reg [127:0] cpl_hdr;

always @* begin
    if (!op_mem_reg) begin
        // IO/Cfg and other non-memory requests: Byte Count 4, Lower Address 0
        cpl_bc = 13'd4;
        cpl_la = 7'd0;
    end else begin
        if (req_len_reg == 10'd1) begin
            cpl_bc = req_fbe_reg == 4'd0 ? 13'd1 :
                {11'd0, last_set(req_fbe_reg)} - {11'd0, first_set(req_fbe_reg)} + 13'd1;
        end else begin
            // (length 0 encodes 1024 DW)
            cpl_bc = {req_len_reg == 10'd0, req_len_reg, 2'b00}
                - {11'd0, first_set(req_fbe_reg)}
                - {11'd0, 2'd3 - last_set(req_lbe_reg)};
        end
        cpl_la = {req_addr_reg[6:2], first_set(req_fbe_reg)};
    end

    cpl_hdr = 128'd0;
    // DW0
    cpl_hdr[127:125] = op_ur_reg ? TLP_FMT_3DW_NO_DATA : TLP_FMT_3DW_DATA;
    cpl_hdr[124:120] = TLP_TYPE_CPL;
    cpl_hdr[119] = req_tag_hi_reg[1];
    cpl_hdr[118:116] = req_tc_reg;
    cpl_hdr[115] = req_tag_hi_reg[0];
    cpl_hdr[114] = req_attr_reg[2];
    cpl_hdr[109:108] = req_attr_reg[1:0];
    cpl_hdr[105:96] = op_ur_reg ? 10'd0 : 10'd1;
    // DW1
    cpl_hdr[95:80] = cfg_requester_id;
    cpl_hdr[79:77] = op_ur_reg ? TLP_CPL_STATUS_UR : TLP_CPL_STATUS_SC;
    cpl_hdr[76] = 1'b0;
    cpl_hdr[75:64] = cpl_bc[11:0];
    // DW2
    cpl_hdr[63:48] = req_rid_reg;
    cpl_hdr[47:40] = req_tag_reg;
    cpl_hdr[38:32] = cpl_la;
end

// ---------------------------------------------------------------------------
// Registers
// ---------------------------------------------------------------------------

reg soft_rst_reg = 1'b0;
reg [RST_CNT_W-1:0] soft_rst_cnt_reg = {RST_CNT_W{1'b0}};
reg quiesce_reg = 1'b0;
reg [QWAIT_W-1:0] quiesce_cnt_reg = {QWAIT_W{1'b0}};

// soft_rst_reg's next value (the sequencer below). The register groups are
// reset by their own registered copies of soft_rst_next || rst (srst_*_reg,
// kept apart: one reset net to every register flop of the block was a
// critical path, and so was the OR with rst placed between the reset flops
// and the registers): the soft reset's cycles, and the hard reset's a cycle
// late (nothing can write a register within a cycle of the hard reset: the
// completer needs a request, DECODE and ACCESS).
reg soft_rst_next;
always @* begin
    soft_rst_next = soft_rst_reg;
    if (soft_rst_cnt_reg != {RST_CNT_W{1'b0}}) begin
        soft_rst_next = soft_rst_cnt_reg != {{RST_CNT_W-1{1'b0}}, 1'b1};
    end else if (quiesce_reg && (!tlp_busy || quiesce_cnt_reg == QWAIT_MAX)) begin
        soft_rst_next = 1'b1;
    end
    if (rst) begin
        soft_rst_next = 1'b0;
    end
end

reg srst_misc_reg = 1'b0;   // RETA sweep, RSS_HASH_TYPES, RSS_DEFAULT_QUEUE
reg srst_key_reg = 1'b0;    // RSS_KEY
reg srst_glob_reg = 1'b0;   // global registers
(* keep *) always @(posedge clk) srst_misc_reg <= soft_rst_next || rst;
(* keep *) always @(posedge clk) srst_key_reg <= soft_rst_next || rst;
(* keep *) always @(posedge clk) srst_glob_reg <= soft_rst_next || rst;

wire acc_wr = state_reg == ST_ACCESS && op_wr_reg;
wire [31:0] wdata = req_data_reg;
wire [3:0] wbe = req_fbe_reg;
wire err_bad_set = (dec_go && dec_bad) || req_stray_reg;

reg rx_enable_reg = 1'b0;
reg [3:0] err_status_reg = 4'd0;
reg [31:0] scratch_reg = 32'd0;
reg [31:0] fill_reg = 32'd0;
reg [31:0] peak_reg = 32'd0;
reg [31:0] peak_fill_reg = 32'd0;   // fill_reg a cycle ago
reg peak_gt_reg = 1'b0;             // it exceeded the peak: load it
wire [31:0] peak_eff = peak_gt_reg ? peak_fill_reg : peak_reg;
reg [5:0] rss_types_reg = 6'd0;
reg [7:0] rss_defq_reg = 8'd0;
reg [31:0] rss_key_reg [0:RSS_KEY_DWORDS-1];
reg [7:0] err_vec_reg = ERR_VEC_RST;
reg err_event_reg = 1'b0;

assign soft_rst = soft_rst_reg;
assign tlp_hold = quiesce_reg || soft_rst_reg;
assign rx_enable = rx_enable_reg;
assign rss_hash_types = rss_types_reg;
assign rss_default_queue = rss_defq_reg;
assign err_vector = err_vec_reg;
assign err_event = err_event_reg;

// MSI-X window: the request fields stay latched until the ack
assign reg_addr = {req_addr_reg, 2'b00};
assign reg_wr_data = req_data_reg;
assign reg_wr_be = req_fbe_reg;
assign reg_wr = msix_wr_reg;
assign reg_rd = msix_rd_reg;

genvar kd;
generate
for (kd = 0; kd < RSS_KEY_DWORDS; kd = kd + 1) begin : g_key
    assign rss_key[kd*32 +: 32] = rss_key_reg[kd];
end
endgenerate

// RETA: MMIO sequencer (ST_RETA, entry k of the dword in cycle k, read data
// of entry k captured in cycle k+1) and the clearing sweep after a reset
wire [8:0] reta_entry = {reta_idx_reg, reta_k_reg[1:0]};
wire [1:0] reta_k_prev = reta_k_reg[1:0] - 2'd1;
wire [31:0] rss_types_wr = be_merge({26'd0, rss_types_reg}, wdata, wbe);
wire [31:0] rss_defq_wr = be_merge({24'd0, rss_defq_reg}, wdata, wbe);
wire reta_mmio_wr = state_reg == ST_RETA && !sweeping && !reta_k_reg[2] && op_wr_reg
    && req_fbe_reg[reta_k_reg[1:0]];

assign reta_wr_en = sweeping || reta_mmio_wr;
assign reta_wr_addr = sweeping ? (RETA_ENTRIES[8:0] - sweep_cnt_reg[8:0]) : reta_entry;
assign reta_wr_data = sweeping ? 8'd0 : req_data_reg[reta_k_reg[1:0]*8 +: 8];
assign reta_rd_addr = reta_entry;

always @(posedge clk) begin
    if (state_reg == ST_RETA && !sweeping) begin
        reta_k_reg <= reta_k_reg + 3'd1;
        if (reta_k_reg != 3'd0) begin
            reta_rdata_reg[reta_k_prev*8 +: 8] <= reta_rd_data;
        end
    end
    if (state_reg != ST_RETA) begin
        reta_k_reg <= 3'd0;
    end
    if (sweeping) begin
        sweep_cnt_reg <= sweep_cnt_reg - 10'd1;
        sweeping_reg <= sweep_cnt_reg != 10'd1;
    end
    if (srst_misc_reg) begin
        sweep_cnt_reg <= SWEEP_INIT;
        sweeping_reg <= SWEEP_INIT != 10'd0;
        reta_k_reg <= 3'd0;
    end
end

integer ki;
always @(posedge clk) begin
    if (acc_wr && gsel_reg[G_RSS_TYPES]) begin
        rss_types_reg <= rss_types_wr[5:0];
    end
    if (acc_wr && gsel_reg[G_RSS_DEFQ]) begin
        rss_defq_reg <= rss_defq_wr[7:0];
    end
    for (ki = 0; ki < RSS_KEY_DWORDS; ki = ki + 1) begin
        if (key_we_reg[ki]) begin
            rss_key_reg[ki] <= be_merge(rss_key_reg[ki], wdata, wbe);
        end
    end
    if (srst_misc_reg) begin
        rss_types_reg <= 6'd0;
        rss_defq_reg <= 8'd0;
    end
    if (srst_key_reg) begin
        for (ki = 0; ki < RSS_KEY_DWORDS; ki = ki + 1) begin
            rss_key_reg[ki] <= 32'd0;
        end
    end
end

wire [31:0] ctrl_wr_val = be_merge({30'd0, rx_enable_reg, 1'b0}, wdata, wbe);
wire [31:0] err_vec_wr = be_merge({24'd0, err_vec_reg}, wdata, wbe);

// ERR_STATUS set conditions, bit by bit
wire [3:0] err_set = ({3'd0, err_bad_set} << ERR_MMIO_BAD_REQUEST_BIT)
    | ({3'd0, |err_cpl_status} << ERR_DMA_CPL_STATUS_BIT)
    | ({3'd0, |err_cpl_unexpected} << ERR_DMA_CPL_UNEXPECTED_BIT)
    | ({3'd0, |err_cpl_timeout} << ERR_DMA_CPL_TIMEOUT_BIT);

always @(posedge clk) begin
    // soft reset sequencer (only the hard reset stops it): quiesce, then reset
    soft_rst_reg <= soft_rst_next;
    if (soft_rst_cnt_reg != {RST_CNT_W{1'b0}}) begin
        soft_rst_cnt_reg <= soft_rst_cnt_reg - 1'b1;
    end else if (quiesce_reg) begin
        quiesce_cnt_reg <= quiesce_cnt_reg + 1'b1;
        if (!tlp_busy || quiesce_cnt_reg == QWAIT_MAX) begin
            quiesce_reg <= 1'b0;
            soft_rst_cnt_reg <= RST_CNT_INIT;
        end
    end else if (acc_wr && gsel_reg[G_CTRL] && ctrl_wr_val[CTRL_RESET_BIT]) begin
        quiesce_reg <= 1'b1;
        quiesce_cnt_reg <= {QWAIT_W{1'b0}};
    end
    if (rst) begin
        soft_rst_cnt_reg <= {RST_CNT_W{1'b0}};
        quiesce_reg <= 1'b0;
        quiesce_cnt_reg <= {QWAIT_W{1'b0}};
    end
end

always @(posedge clk) begin
    if (acc_wr && gsel_reg[G_CTRL]) begin
        rx_enable_reg <= ctrl_wr_val[CTRL_RX_ENABLE_BIT];
    end

    if (acc_wr && gsel_reg[G_SCRATCH]) begin
        scratch_reg <= be_merge(scratch_reg, wdata, wbe);
    end

    err_status_reg <= (err_status_reg & ~((acc_wr && gsel_reg[G_ERR]) ? (wbe[0] ? wdata[3:0] : 4'd0) : 4'd0))
        | err_set;
    // a new error: a bit that was clear gets set
    err_event_reg <= |(err_set & ~err_status_reg);

    if (acc_wr && gsel_reg[G_ERR_VEC]) begin
        err_vec_reg <= err_vec_wr[7:0];
    end

    // running maximum, pipelined: the compare only feeds a flop (peak_gt_reg)
    // and the peak loads a cycle later; the compare is against the peak as it
    // will be after that pending load (peak_eff), so it stays exact
    fill_reg <= fifo_fill_bytes;
    peak_fill_reg <= fill_reg;
    peak_gt_reg <= fill_reg > peak_eff;
    if (peak_gt_reg) begin
        peak_reg <= peak_fill_reg;
    end

    if (srst_glob_reg) begin
        rx_enable_reg <= 1'b0;
        scratch_reg <= 32'd0;
        err_status_reg <= 4'd0;
        err_event_reg <= 1'b0;
        err_vec_reg <= ERR_VEC_RST;
        fill_reg <= 32'd0;
        peak_reg <= 32'd0;
        peak_fill_reg <= 32'd0;
        peak_gt_reg <= 1'b0;
    end
end

wire [G_N*32-1:0] gval;
assign gval[G_ID*32 +: 32] = NIC_ID_MAGIC;
assign gval[G_VERSION*32 +: 32] = NIC_VERSION;
assign gval[G_CTRL*32 +: 32] = {30'd0, rx_enable_reg, soft_rst_reg || quiesce_reg};
assign gval[G_ERR*32 +: 32] = {28'd0, err_status_reg};
assign gval[G_CAPS*32 +: 32] = CAPS_VAL;
assign gval[G_SCRATCH*32 +: 32] = scratch_reg;
assign gval[G_FIFO_BYTES*32 +: 32] = FIFO_BYTES_VAL;
assign gval[G_FIFO_PEAK*32 +: 32] = peak_reg;
// (the statistics counters read 0 here: they are answered from ST_STAT)
assign gval[G_FRAMES_IN*32 +: 32] = 32'd0;
assign gval[G_DROP_FULL*32 +: 32] = 32'd0;
assign gval[G_DROP_MAC*32 +: 32] = 32'd0;
assign gval[G_DROP_RUNT*32 +: 32] = 32'd0;
assign gval[G_DROP_OVER*32 +: 32] = 32'd0;
assign gval[G_DROP_DIS*32 +: 32] = 32'd0;
assign gval[G_RSS_TYPES*32 +: 32] = {26'd0, rss_types_reg};
assign gval[G_RSS_DEFQ*32 +: 32] = {24'd0, rss_defq_reg};
assign gval[G_RSS_RETA_SIZE*32 +: 32] = RETA_SIZE_VAL;
assign gval[G_CLK_PERIOD*32 +: 32] = CLK_PERIOD_VAL;
assign gval[G_ERR_VEC*32 +: 32] = {24'd0, err_vec_reg};

wire [RX_QUEUES*32-1:0] q_rd;    // per-queue read values (zero unless read)

// ---------------------------------------------------------------------------
// statistics counters (Q_FRAMES, Q_BYTES, Q_DROP_*, Q_SPLIT_FRAMES,
// Q_HDR_OVERFLOW, RX_FRAMES_IN, RX_DROP_*): RAM words swept by
// nic_stat_counters instead of a 32-bit register and adder each. A read is requested from DECODE
// (stat_rd_reg) and answered in ST_STAT (stat_ack); cleared by every reset.
reg srst_stat_reg = 1'b0;
(* keep *) always @(posedge clk) srst_stat_reg <= soft_rst_next || rst;
reg stat_rd_reg = 1'b0;
reg stat_bytes_reg = 1'b0;                  // the read is of Q_BYTES
reg [EV_IDX_W-1:0] stat_ev_idx_reg = {EV_IDX_W{1'b0}};
reg [BY_IDX_W-1:0] stat_by_idx_reg = {BY_IDX_W{1'b0}};
reg [31:0] stat_rdata_reg = 32'd0;

wire [EV_N-1:0] ev_inc;
assign ev_inc[EV_N-1 -: GEV_N] = {stat_rx_drop_disabled, stat_rx_drop_oversize, stat_rx_drop_runt,
    stat_rx_drop_mac_error, stat_rx_drop_fifo_full, stat_rx_frame_in};
wire [RX_QUEUES*16-1:0] by_inc;
genvar qs;
generate
for (qs = 0; qs < RX_QUEUES; qs = qs + 1) begin : g_stat_in
    // event counter q*7 + k, k: Q_FRAMES, Q_DROP_NO_DESC, Q_DROP_BUF_TOO_SMALL,
    // Q_DROP_BAD_DESC, Q_DROP_DISABLED, Q_SPLIT_FRAMES, Q_HDR_OVERFLOW
    assign ev_inc[qs*QEV_N +: QEV_N] = {stat_q_hdr_overflow[qs], stat_q_split[qs], stat_q_drop_disabled[qs],
        stat_q_drop_bad_desc[qs], stat_q_drop_buf_too_small[qs], stat_q_drop_no_desc[qs], stat_q_frame_ok[qs]};
    assign by_inc[qs*16 +: 16] = stat_q_frame_ok[qs] ? stat_q_frame_bytes[qs*16 +: 16] : 16'd0;
end
endgenerate

wire ev_valid, by_valid;
wire [31:0] ev_data, by_data;
nic_stat_counters #(
    .COUNTERS(EV_N),
    .INC_W(1),
    .CNT_W(32)
) ev_cnt_inst (
    .clk(clk),
    .rst(srst_stat_reg),
    .s_inc(ev_inc),
    .rd_req(stat_rd_reg && !stat_bytes_reg),
    .rd_idx(stat_ev_idx_reg),
    .rd_valid(ev_valid),
    .rd_data(ev_data)
);
nic_stat_counters #(
    .COUNTERS(RX_QUEUES),
    .INC_W(16),
    .CNT_W(32)
) by_cnt_inst (
    .clk(clk),
    .rst(srst_stat_reg),
    .s_inc(by_inc),
    .rd_req(stat_rd_reg && stat_bytes_reg),
    .rd_idx(stat_by_idx_reg),
    .rd_valid(by_valid),
    .rd_data(by_data)
);
wire stat_ack = ev_valid || by_valid;

always @(posedge clk) begin
    stat_rd_reg <= dec_go && dec_stat_rd;
    if (dec_go) begin
        stat_bytes_reg <= dec_qsel[Q_BYTES];
        stat_ev_idx_reg <= dec_ev_idx[EV_IDX_W-1:0];
        stat_by_idx_reg <= {{(BY_IDX_W-QSEL_W){1'b0}}, dec_qidx[QSEL_W-1:0]};
    end
    if (state_reg == ST_STAT && stat_ack) begin
        stat_rdata_reg <= ev_valid ? ev_data : by_data;
    end
    if (rst) begin
        stat_rd_reg <= 1'b0;
    end
end

// min(v, MAX_LOG_RING) for the 4-bit log fields, v the byte-enable merge
// of the write into the field: MAX_LOG_RING is 15, the fields' maximum, so
// v saturates exactly when a written bit of [31:4] is set, which does not
// depend on the field (its bits [31:4] are 0). That flag is registered
// (log_sat_reg: the latched request is stable from DECODE on, so it is
// current in ACCESS); the field takes 15, the written low nibble or stays.
reg log_sat_reg = 1'b0;
always @(posedge clk) begin
    log_sat_reg <= (wbe[0] && |wdata[7:4]) || (wbe[1] && |wdata[15:8])
        || (wbe[2] && |wdata[23:16]) || (wbe[3] && |wdata[31:24]);
end

function [3:0] log_wr(input [3:0] old);
    log_wr = log_sat_reg ? MAX_LOG_RING[3:0] : wbe[0] ? wdata[3:0] : old;
endfunction

// a queue's read value: AND-OR of its registers (v, by index) over the two
// copies of its one-hot read select, one per half
function [31:0] q_read(input [Q_N-1:0] sel_lo, input [Q_N-1:0] sel_hi, input [Q_N*32-1:0] v);
    integer i;
    begin
        q_read = 32'd0;
        for (i = 0; i < Q_N; i = i + 1) begin
            q_read[15:0] = q_read[15:0] | ({16{sel_lo[i]}} & v[i*32 +: 16]);
            q_read[31:16] = q_read[31:16] | ({16{sel_hi[i]}} & v[i*32+16 +: 16]);
        end
    end
endfunction

genvar q;
generate
for (q = 0; q < RX_QUEUES; q = q + 1) begin : g_q
    reg enable_reg = 1'b0;
    reg [63:12] desc_base_reg = 52'd0;
    reg [3:0] desc_log_reg = 4'd0;
    reg [15:0] desc_prod_reg = 16'd0;
    reg [63:12] cpl_base_reg = 52'd0;
    reg [3:0] cpl_log_reg = 4'd0;
    reg [15:0] cpl_cons_reg = 16'd0;
    reg [63:4] hdr_base_reg = 60'd0;
    reg [15:0] hdr_count_reg = 16'd0;
    reg [31:0] rx_cfg_reg = 32'd0;
    localparam integer IRQ_VEC_RST_I = q < MSIX_VECTORS - 1 ? q : MSIX_VECTORS - 1;
    localparam [7:0] IRQ_VEC_RST = IRQ_VEC_RST_I[7:0];
    reg [7:0] irq_vec_reg = IRQ_VEC_RST;

    // This queue's write strobes, one-hot, high in the ACCESS cycle of a
    // write to it (decoded in DECODE, like key_we_reg): the enables of the
    // queue's registers come straight from flops.
    localparam [QSEL_W-1:0] QI = q;
    reg srst_cfg_reg = 1'b0;    // this queue's configuration
    (* keep *) always @(posedge clk) srst_cfg_reg <= soft_rst_next || rst;
    // This queue is the one addressed, registered in DECODE's first cycle
    // with the address decode, so in its second (dec_go) this queue's
    // strobes hang off a local flop instead of the state register, whose
    // decode fanned out to every queue's strobes (the core's worst path).
    reg hit_wr_reg = 1'b0;
    reg hit_rd_reg = 1'b0;
    always @(posedge clk) begin
        hit_wr_reg <= dec_first && dec_ok_wr && adec_qidx[QSEL_W-1:0] == QI;
        hit_rd_reg <= dec_first && dec_ok_rd && adec_qidx[QSEL_W-1:0] == QI;
    end
    reg [Q_N-1:0] we_reg = {Q_N{1'b0}};
    always @(posedge clk) begin
        // (the queue blocks, 1..64 of them, lie between the RSS table and
        // the MSI-X window: a queue write always goes from DECODE to ACCESS)
        we_reg <= hit_wr_reg ? dec_qsel : {Q_N{1'b0}};
        if (rst) begin
            we_reg <= {Q_N{1'b0}};
        end
    end
    wire [31:0] ctrl_wr = be_merge({31'd0, enable_reg}, wdata, wbe);
    wire [31:0] desc_base_lo_wr = be_merge({desc_base_reg[31:12], 12'd0}, wdata, wbe);
    wire [31:0] desc_base_hi_wr = be_merge(desc_base_reg[63:32], wdata, wbe);
    wire [31:0] cpl_base_lo_wr = be_merge({cpl_base_reg[31:12], 12'd0}, wdata, wbe);
    wire [31:0] cpl_base_hi_wr = be_merge(cpl_base_reg[63:32], wdata, wbe);
    wire [31:0] desc_prod_wr = be_merge({16'd0, desc_prod_reg}, wdata, wbe);
    wire [31:0] cpl_cons_wr = be_merge({16'd0, cpl_cons_reg}, wdata, wbe);
    wire [31:0] irq_vec_wr = be_merge({24'd0, irq_vec_reg}, wdata, wbe);
    wire [31:0] hdr_base_lo_wr = be_merge({hdr_base_reg[31:4], 4'd0}, wdata, wbe);
    wire [31:0] hdr_base_hi_wr = be_merge(hdr_base_reg[63:32], wdata, wbe);
    wire [31:0] hdr_count_wr = be_merge({16'd0, hdr_count_reg}, wdata, wbe);
    wire [31:0] rx_cfg_wr = be_merge(rx_cfg_reg, wdata, wbe);
    wire _unused_q = &{1'b0, desc_base_lo_wr[11:0], cpl_base_lo_wr[11:0],
        desc_prod_wr[31:16], cpl_cons_wr[31:16], irq_vec_wr[31:8],
        hdr_base_lo_wr[3:0], hdr_count_wr[31:16], 1'b0};

    always @(posedge clk) begin
        if (!enable_reg) begin
            if (we_reg[Q_DESC_BASE_LO]) desc_base_reg[31:12] <= desc_base_lo_wr[31:12];
            if (we_reg[Q_DESC_BASE_HI]) desc_base_reg[63:32] <= desc_base_hi_wr;
            if (we_reg[Q_DESC_LOG]) desc_log_reg <= log_wr(desc_log_reg);
            if (we_reg[Q_CPL_BASE_LO]) cpl_base_reg[31:12] <= cpl_base_lo_wr[31:12];
            if (we_reg[Q_CPL_BASE_HI]) cpl_base_reg[63:32] <= cpl_base_hi_wr;
            if (we_reg[Q_CPL_LOG]) cpl_log_reg <= log_wr(cpl_log_reg);
            if (we_reg[Q_HDR_BASE_LO]) hdr_base_reg[31:4] <= hdr_base_lo_wr[31:4];
            if (we_reg[Q_HDR_BASE_HI]) hdr_base_reg[63:32] <= hdr_base_hi_wr;
            if (we_reg[Q_HDR_COUNT]) hdr_count_reg <= hdr_count_wr[15:0];
            if (we_reg[Q_RX_CFG]) rx_cfg_reg <= rx_cfg_wr & RX_CFG_DEFINED;
        end
        if (we_reg[Q_DESC_PROD]) begin
            desc_prod_reg <= desc_prod_wr[15:0];
        end
        if (we_reg[Q_CPL_CONS]) begin
            cpl_cons_reg <= cpl_cons_wr[15:0];
        end
        if (we_reg[Q_IRQ_VEC]) begin
            irq_vec_reg <= irq_vec_wr[7:0];
        end
        if (we_reg[Q_CTRL]) begin
            enable_reg <= ctrl_wr[QCTRL_ENABLE_BIT];
            if (!enable_reg && ctrl_wr[QCTRL_ENABLE_BIT]) begin
                desc_prod_reg <= 16'd0;
                cpl_cons_reg <= 16'd0;
            end
        end

        if (srst_cfg_reg) begin
            enable_reg <= 1'b0;
            desc_base_reg <= 52'd0;
            desc_log_reg <= 4'd0;
            desc_prod_reg <= 16'd0;
            cpl_base_reg <= 52'd0;
            cpl_log_reg <= 4'd0;
            cpl_cons_reg <= 16'd0;
            irq_vec_reg <= IRQ_VEC_RST;
            hdr_base_reg <= 60'd0;
            hdr_count_reg <= 16'd0;
            rx_cfg_reg <= 32'd0;
        end
    end

    assign q_enable[q] = enable_reg;
    assign q_irq_vector[q*8 +: 8] = irq_vec_reg;
    assign q_desc_base[q*64 +: 64] = {desc_base_reg, 12'd0};
    assign q_desc_log_size[q*4 +: 4] = desc_log_reg;
    assign q_desc_prod[q*16 +: 16] = desc_prod_reg;
    assign q_cpl_base[q*64 +: 64] = {cpl_base_reg, 12'd0};
    assign q_cpl_log_size[q*4 +: 4] = cpl_log_reg;
    assign q_cpl_cons[q*16 +: 16] = cpl_cons_reg;
    assign q_hdr_base[q*64 +: 64] = {hdr_base_reg, 4'd0};
    assign q_hdr_count[q*16 +: 16] = hdr_count_reg;
    assign q_rx_cfg[q*32 +: 32] = rx_cfg_reg;

    // This queue's read value, loaded only when a read of this queue is
    // being answered. (A read mux over every queue's registers as one wide
    // always-evaluated vector cost the verilated model ~10 % of its speed.)
    // ENABLED stays set after a disable until the engine's last DMA write
    // has left, so a driver may free ring and buffer memory once it reads 0.
    // this queue's read selects, one-hot, high in the ACCESS cycle of a read
    // of it (decoded in DECODE like we_reg), in two copies: each drives one
    // half of the read value's AND-OR
    reg [Q_N-1:0] re_lo_reg = {Q_N{1'b0}};
    reg [Q_N-1:0] re_hi_reg = {Q_N{1'b0}};
    wire [Q_N-1:0] re_next = hit_rd_reg ? dec_qsel : {Q_N{1'b0}};
    (* keep *) always @(posedge clk) re_lo_reg <= rst ? {Q_N{1'b0}} : re_next;
    (* keep *) always @(posedge clk) re_hi_reg <= rst ? {Q_N{1'b0}} : re_next;

    reg [31:0] rd_reg = 32'd0;
    always @(posedge clk) begin
        if (state_reg == ST_ACCESS) begin
            // this queue's registers as read, by index (Q_*: Q_HDR_OVF first;
            // the counters read 0 here: they are answered from ST_STAT)
            rd_reg <= q_read(re_lo_reg, re_hi_reg, {
                32'd0,
                32'd0,
                rx_cfg_reg,
                {16'd0, hdr_count_reg},
                hdr_base_reg[63:32],
                {hdr_base_reg[31:4], 4'd0},
                {24'd0, irq_vec_reg},
                32'd0,
                32'd0,
                32'd0,
                32'd0,
                32'd0,
                32'd0,
                ({31'd0, enable_reg | q_busy[q]} << QSTATUS_ENABLED_BIT) | ({31'd0, q_halted[q]} << QSTATUS_HALTED_BIT),
                {31'd0, enable_reg} << QCTRL_ENABLE_BIT,
                {16'd0, cpl_cons_reg},
                {16'd0, q_cpl_prod[q*16 +: 16]},
                {28'd0, cpl_log_reg},
                cpl_base_reg[63:32],
                {cpl_base_reg[31:12], 12'd0},
                {16'd0, q_desc_cons[q*16 +: 16]},
                {16'd0, desc_prod_reg},
                {28'd0, desc_log_reg},
                desc_base_reg[63:32],
                {desc_base_reg[31:12], 12'd0}});
        end
        if (rst) begin
            rd_reg <= 32'd0;
        end
    end
    assign q_rd[q*32 +: 32] = rd_reg;
end
endgenerate

// read mux (ACCESS state): AND-OR over registered one-hot selects (at most
// one is set: the address picks one register; none unless a read is
// answered), {MSI-X, RETA, RSS_KEY[9..0], global registers}, decoded in
// DECODE, in two copies: each drives one half of the read value. It is
// registered per group of 8 selects (rd_grp_reg, loaded in ACCESS like the
// queues' rd_reg) and the groups are OR'd into the completion data.
localparam NSEL = G_N + RSS_KEY_DWORDS + 3;
wire [RSS_KEY_DWORDS-1:0] dec_key_oh;
genvar kh;
generate
for (kh = 0; kh < RSS_KEY_DWORDS; kh = kh + 1) begin : g_key_oh
    assign dec_key_oh[kh] = dec_key_hit && dec_key_dw_reg == kh;
end
endgenerate
wire [NSEL-1:0] dec_rsel = {dec_stat_rd, dec_msix_hit, dec_reta_hit, dec_key_oh, dec_gsel};
wire [NSEL*32-1:0] rval = {stat_rdata_reg, msix_rdata_reg, reta_rdata_reg, rss_key, gval};
reg [NSEL-1:0] rsel_lo_reg = {NSEL{1'b0}};
reg [NSEL-1:0] rsel_hi_reg = {NSEL{1'b0}};
(* keep *) always @(posedge clk) begin
    if (dec_go) rsel_lo_reg <= dec_ok_rd ? dec_rsel : {NSEL{1'b0}};
    if (rst) rsel_lo_reg <= {NSEL{1'b0}};
end
(* keep *) always @(posedge clk) begin
    if (dec_go) rsel_hi_reg <= dec_ok_rd ? dec_rsel : {NSEL{1'b0}};
    if (rst) rsel_hi_reg <= {NSEL{1'b0}};
end

localparam NGRP = (NSEL + 7) / 8;
reg [NGRP*32-1:0] rd_grp;
reg [NGRP*32-1:0] rd_grp_reg = {NGRP*32{1'b0}};
integer gi;

always @* begin
    rd_grp = {NGRP*32{1'b0}};
    for (gi = 0; gi < NSEL; gi = gi + 1) begin
        rd_grp[(gi/8)*32 +: 16] = rd_grp[(gi/8)*32 +: 16] | ({16{rsel_lo_reg[gi]}} & rval[gi*32 +: 16]);
        rd_grp[(gi/8)*32+16 +: 16] = rd_grp[(gi/8)*32+16 +: 16] | ({16{rsel_hi_reg[gi]}} & rval[gi*32+16 +: 16]);
    end
end

always @(posedge clk) begin
    if (state_reg == ST_ACCESS) begin
        rd_grp_reg <= rd_grp;
    end
    if (rst) begin
        rd_grp_reg <= {NGRP*32{1'b0}};
    end
end

// The completion data: the OR of every registered read value, the global
// groups and the queues (at most one is non-zero: the others' selects are
// clear).
localparam NRD = NGRP + RX_QUEUES;
wire [NRD*32-1:0] rd_all = {rd_grp_reg, q_rd};
reg [31:0] rd_any;
integer ri;

always @* begin
    rd_any = 32'd0;
    for (ri = 0; ri < NRD; ri = ri + 1) begin
        rd_any = rd_any | rd_all[ri*32 +: 32];
    end
end

assign m_tlp_cpl_data = {{TLP_DATA_WIDTH-32{1'b0}}, rd_any};

// ---------------------------------------------------------------------------
// Completer sequential logic
// ---------------------------------------------------------------------------

integer kw;

always @(posedge clk) begin
    state_reg <= state_next;

    if (state_reg == ST_IDLE && req_beat && s_tlp_req_sop) begin
        req_mem_reg <= rq_is_mem;
        req_ok_rd_reg <= rq_is_rd && rq_conform;
        req_ok_wr_reg <= rq_is_wr && rq_conform && s_tlp_req_eop;
        req_posted_reg <= rq_is_wr || rq_type[4:3] == 2'b10 || rq_type[4:1] == 4'b0101;
        req_tag_hi_reg <= {s_tlp_req_hdr[119], s_tlp_req_hdr[115]};
        req_tc_reg <= s_tlp_req_hdr[118:116];
        req_attr_reg <= {s_tlp_req_hdr[114], s_tlp_req_hdr[109:108]};
        req_len_reg <= s_tlp_req_hdr[105:96];
        req_rid_reg <= s_tlp_req_hdr[95:80];
        req_tag_reg <= s_tlp_req_hdr[79:72];
        req_lbe_reg <= s_tlp_req_hdr[71:68];
        req_fbe_reg <= s_tlp_req_hdr[67:64];
        // 4-DW header: address [31:0] in DW3, else in DW2
        req_addr_reg <= s_tlp_req_hdr[125] ? s_tlp_req_hdr[15:2] : s_tlp_req_hdr[47:34];
        req_data_reg <= s_tlp_req_data[31:0];
    end

    // a beat without sop outside a TLP is dropped and reported
    req_stray_reg <= state_reg == ST_IDLE && req_beat && !s_tlp_req_sop;

    if (dec_go) begin
        op_rd_reg <= dec_ok_rd;
        op_wr_reg <= dec_ok_wr;
        op_ur_reg <= dec_bad && !dec_posted;
        op_mem_reg <= dec_is_mem;
        gsel_reg <= dec_gsel;
        reta_idx_reg <= dec_reta_idx_reg;
    end

    for (kw = 0; kw < RSS_KEY_DWORDS; kw = kw + 1) begin
        key_we_reg[kw] <= dec_go && dec_ok_wr && dec_key_hit
            && dec_key_dw_reg == kw[3:0];
    end

    // MSI-X window: one-cycle strobe on entering ST_MSIX, data with the ack
    msix_wr_reg <= dec_go && !dec_bad && dec_msix_hit && dec_ok_wr;
    msix_rd_reg <= dec_go && !dec_bad && dec_msix_hit && dec_ok_rd;
    if (state_reg == ST_MSIX && reg_ack) begin
        msix_rdata_reg <= reg_rd_data;
    end

    if (state_reg == ST_ACCESS) begin
        cpl_hdr_reg <= cpl_hdr;
        cpl_valid_reg <= op_rd_reg || op_ur_reg;
    end else if (m_tlp_cpl_ready) begin
        cpl_valid_reg <= 1'b0;
    end

    if (rst) begin
        state_reg <= ST_IDLE;
        req_stray_reg <= 1'b0;
        op_rd_reg <= 1'b0;
        op_wr_reg <= 1'b0;
        op_ur_reg <= 1'b0;
        gsel_reg <= {G_N{1'b0}};
        key_we_reg <= {RSS_KEY_DWORDS{1'b0}};
        msix_wr_reg <= 1'b0;
        msix_rd_reg <= 1'b0;
        cpl_valid_reg <= 1'b0;
    end
end

// header bits not needed: LN, TH, TD (digest already stripped), AT, address
// bits outside the 64 KiB BAR, payload past DW0
wire _unused_ok = &{1'b0, rss_types_wr[31:6], rss_defq_wr[31:8], err_vec_wr[31:8], s_tlp_req_hdr[113:111], s_tlp_req_hdr[107:106],
    s_tlp_req_hdr[63:48], s_tlp_req_hdr[33:32], s_tlp_req_hdr[31:16], s_tlp_req_hdr[1:0],
    s_tlp_req_data[TLP_DATA_WIDTH-1:32], cpl_bc[12], adec_qrel[1:0], 1'b0};

endmodule

`default_nettype wire
