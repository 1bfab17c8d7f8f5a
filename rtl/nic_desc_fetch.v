`timescale 1ns / 1ps
`default_nettype none

/*
 * RX descriptor fetch and cache for one queue.
 *
 * Fetch: when descriptors are posted (q_desc_prod - fetch_ptr > 0) and the
 * cache (counting in-flight reads) has room, one MemRd is issued for
 *   min(available, free cache slots, DESC_FETCH_MAX, MRRS/16,
 *       entries to the ring end, entries to the next 4 KiB boundary)
 * descriptors. A read cut short only by the cache room waits until it is at
 * least DESC_FETCH_MAX/2 long, so a nearly full cache does not degrade into
 * single-descriptor reads (MemRd beats stay <= 1/4 per frame). Up to
 * DMA_READ_TAGS reads are outstanding, with the PCIe tags
 * TAG_BASE..TAG_BASE+DMA_READ_TAGS-1 (one range per queue when several
 * instances share the completion stream). The issue path is a 3-state loop (calc, decide, send)
 * so every compare works on registered, fresh operands.
 *
 * Cache: descriptor index i lives in row i % DESC_CACHE_DEPTH, so completion
 * data is written straight into place (offset = request bytes - Byte Count,
 * tracked per tag as a running dword position). The row is stored as four
 * dword banks so completions split at any dword boundary land correctly
 * (each 128-bit beat writes each bank at most once, rotated). A row becomes
 * valid when its last dword is written (completions per tag arrive in address
 * order). Rows are handed out strictly in ring order.
 *
 * Completions are snooped: one whose tag is outside this instance's range is
 * ignored (flagged as unexpected only with FLAG_FOREIGN, for a lone instance;
 * a multi-queue engine flags tags outside every range itself).
 * Completion checks (on the sop beat): free tag, wrong type -> error
 * pulse err_cpl_unexpected, discard. Status != SC -> err_cpl_status, halt,
 * tag freed. Byte Count != bytes outstanding, Length > Byte Count, Lower
 * Address mismatch -> err_cpl_unexpected, discard. No completion for
 * CPL_TIMEOUT_CYCLES -> err_cpl_timeout, halt, tag freed. The timeout is
 * coarse, as PCIe's completion timeout ranges are: one prescaler ticks every
 * P = floor(CPL_TIMEOUT_CYCLES / 8) cycles and each tag counts 8 ticks since
 * its request or its last completion, so a tag times out after more than 7P
 * and at most 8P cycles without one. Exact below 8 cycles (a tick every
 * cycle). A 3-bit age per tag instead of a full-width timer each.
 *
 * Disable (!q_enable): indices, cache and issue state are zero; outstanding
 * tags become stale: their completions are swallowed silently (not flagged)
 * and the tag is freed on the final completion (or silently on timeout), so a
 * tag is never reused while the host may still answer it.
 *
 * Head output: registered descriptor (address, length, buffer id, header
 * buffer index, free-running index, bad flag) with valid/ready, loaded
 * from the cache (distributed RAM, read asynchronously) in the cycle after
 * the row's last dword was written or the previous head was taken.
 * m_desc_bad covers only what this block
 * can judge alone (address alignment, LEN 0); HDR_IDX against Q_HDR_COUNT is
 * checked by the frame path, which knows whether the header buffer is used.
 * m_desc_empty: nothing cached, in flight or posted (frames may be dropped).
 *
 * m_desc_avail = q_desc_prod - (free-running index of the head descriptor,
 * i.e. the next one to be handed out): the descriptors the consumer can still
 * take for a frame, the head included, whether or not they are cached yet
 * (a scattered frame checks it holds enough before it takes the first).
 * Registered: exact in the cycle after a pop (the pop is folded in), one
 * cycle behind a change of q_desc_prod (a doorbell only ever raises it, so
 * the stale value errs low), 0 while the queue is disabled.
 *
 * q_desc_log_size is registered (ring mask): a fetch decision made in the
 * cycle after it changed (mask still old) is discarded and recalculated, so
 * the first read after a log-size change, even at the edge that enables the
 * queue, is sized by the new ring. Change it only while the queue is disabled
 * (nic_csr does): reads already issued keep the old geometry.
 *
 * Requires TLP_DATA_WIDTH == 128 and power-of-two DESC_CACHE_DEPTH.
 */
module nic_desc_fetch #(
    parameter TLP_DATA_WIDTH = 128,
    parameter DESC_FETCH_MAX = 8,
    parameter DESC_CACHE_DEPTH = 16,
    parameter DMA_READ_TAGS = 4,
    parameter CPL_TIMEOUT_CYCLES = 1 << 20,
    parameter TAG_BASE = 0,
    parameter FLAG_FOREIGN = 1,
    // 1: s_tlp_cpl_data arrives one cycle after the beat's header and flags
    // (a register stage shared by several instances, outside); the instance
    // then keeps no payload copy of its own before the cache write stage
    parameter CPL_DATA_LATE = 0,
    parameter CACHE_AW = $clog2(DESC_CACHE_DEPTH),
    parameter TAG_W = DMA_READ_TAGS > 1 ? $clog2(DMA_READ_TAGS) : 1
) (
    input  wire                       clk,
    input  wire                       rst,

    input  wire                       q_enable,
    input  wire [63:0]                q_desc_base,
    input  wire [3:0]                 q_desc_log_size,
    input  wire [15:0]                q_desc_prod,
    output wire                       q_halted,

    // head descriptor, in ring order
    output wire [63:0]                m_desc_addr,
    output wire [15:0]                m_desc_len,
    output wire [15:0]                m_desc_buf_id,
    output wire [15:0]                m_desc_idx,
    output wire [15:0]                m_desc_hdr_idx,  // desc DW3[15:0]
    output wire                       m_desc_bad,
    output wire                       m_desc_valid,
    input  wire                       m_desc_ready,
    output wire                       m_desc_empty,
    output wire [15:0]                m_desc_avail,    // see above: posted, not yet popped

    // MemRd requests (single beat, sop = eop = 1)
    output wire [127:0]               m_tlp_hdr,
    output wire                       m_tlp_valid,
    input  wire                       m_tlp_ready,

    // read completions
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [127:0]               s_tlp_cpl_hdr,   // DW3 unused
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire [TLP_DATA_WIDTH-1:0]  s_tlp_cpl_data,
    input  wire                       s_tlp_cpl_sop,
    input  wire                       s_tlp_cpl_eop,
    input  wire                       s_tlp_cpl_valid,
    output wire                       s_tlp_cpl_ready,

    input  wire [15:0]                cfg_requester_id,
    input  wire                       cfg_bus_master_enable,
    input  wire [2:0]                 cfg_max_read_req_size,

    output wire                       err_cpl_status,
    output wire                       err_cpl_unexpected,
    output wire                       err_cpl_timeout
);

/* verilator lint_off UNUSEDPARAM */
`include "nic_spec.vh"
/* verilator lint_on UNUSEDPARAM */

localparam integer FETCH_LIMIT = DESC_FETCH_MAX < DESC_CACHE_DEPTH ? DESC_FETCH_MAX : DESC_CACHE_DEPTH;
localparam integer CNT_W = $clog2(FETCH_LIMIT + 1);
localparam [16:0] FETCH_LIMIT_17 = FETCH_LIMIT[16:0];
localparam integer FETCH_THRESH_I = FETCH_LIMIT > 1 ? FETCH_LIMIT / 2 : 1;
localparam [CNT_W-1:0] FETCH_THRESH = FETCH_THRESH_I[CNT_W-1:0];
localparam [16:0] DEPTH_17 = DESC_CACHE_DEPTH[16:0];
localparam integer DWPOS_W = CACHE_AW + 2;
// timeout geometry: not parameters, the 3-bit age holds at most 8 steps
localparam integer AGE_STEPS = CPL_TIMEOUT_CYCLES >= 8 ? 8 : CPL_TIMEOUT_CYCLES;
localparam integer TICK_CYCLES = CPL_TIMEOUT_CYCLES >= 8 ? CPL_TIMEOUT_CYCLES / 8 : 1;
localparam integer TICK_W = TICK_CYCLES > 1 ? $clog2(TICK_CYCLES) : 1;
// a tag's age counts down from AGE_STEPS - 1 on each tick; the tick after
// it reached 0 sets its timed-out flag (AGE_STEPS ticks in all)
localparam integer AGE_INIT_I = AGE_STEPS > 0 ? AGE_STEPS - 1 : 0;
localparam [2:0] AGE_INIT = AGE_INIT_I[2:0];
localparam integer TICK_LAST_I = TICK_CYCLES - 1;
localparam [TICK_W-1:0] TICK_LAST = TICK_LAST_I[TICK_W-1:0];
localparam AGE_NONE = AGE_STEPS == 0;     // CPL_TIMEOUT_CYCLES 0: at once
localparam [8:0] TAG_LO_9 = TAG_BASE[8:0];
localparam [8:0] TAG_HI_9 = TAG_LO_9 + DMA_READ_TAGS[8:0];
localparam [7:0] TAG_BASE_8 = TAG_BASE[7:0];

// min(x, FETCH_LIMIT); FETCH_LIMIT < 2^CNT_W, so the high bits only need an
// OR (no wide compare)
function [CNT_W-1:0] sat;
    input [16:0] x;
    begin
        sat = (|x[16:CNT_W] || x[CNT_W-1:0] > FETCH_LIMIT_17[CNT_W-1:0])
            ? FETCH_LIMIT_17[CNT_W-1:0] : x[CNT_W-1:0];
    end
endfunction

// min(x + 1, FETCH_LIMIT), without a wide adder
function [CNT_W-1:0] sat_inc;
    input [15:0] x;
    begin
        sat_inc = (|x[15:CNT_W] || x[CNT_W-1:0] >= FETCH_LIMIT_17[CNT_W-1:0])
            ? FETCH_LIMIT_17[CNT_W-1:0] : x[CNT_W-1:0] + 1'b1;
    end
endfunction

function [CNT_W-1:0] min2;
    input [CNT_W-1:0] a;
    input [CNT_W-1:0] b;
    begin
        min2 = (a < b) ? a : b;
    end
endfunction

// ---------------------------------------------------------------------------
// ring geometry
// registered, so the slot mask is not decoded in front of the descriptor
// address adder. A calc made with a mask older than q_desc_log_size (the
// cycle after a change) is not sent: DECIDE goes back to CALC (calc_fresh_reg)
reg  [15:0] ring_mask_reg = 16'd0;
reg  [3:0]  ring_log_reg = 4'd0;        // the log size ring_mask_reg is made from
wire [15:0] ring_mask = ring_mask_reg;
always @(posedge clk) begin
    ring_mask_reg <= (16'd1 << q_desc_log_size) - 16'd1;
    ring_log_reg <= q_desc_log_size;
end
wire [2:0]  mrrs_n = (cfg_max_read_req_size > 3'd5) ? 3'd5 : cfg_max_read_req_size;

// ---------------------------------------------------------------------------
// state
localparam [1:0] F_CALC = 2'd0, F_DECIDE = 2'd1, F_SEND = 2'd2;

reg [1:0]          f_state_reg = F_CALC;
reg [15:0]         fetch_ptr_reg = 16'd0;     // next descriptor index to request
reg [15:0]         rd_ptr_reg = 16'd0;        // next descriptor index to read out of the cache
reg                halted_reg = 1'b0;
reg                empty_reg = 1'b1;

reg [CNT_W-1:0]    calc_avail_reg = 0, calc_free_reg = 0, calc_ring_reg = 0;
reg [CNT_W-1:0]    calc_page_reg = 0, calc_mrrs_reg = 0;
reg [63:0]         calc_addr_reg = 64'd0;
reg                calc_fresh_reg = 1'b0;     // the calc's ring mask was current

reg [CNT_W-1:0]    req_count_reg = 0;
reg [TAG_W-1:0]    req_tag_reg = 0;
reg [6:0]          req_la_reg = 7'd0;
reg [127:0]        req_hdr_reg = 128'd0;
reg                req_valid_reg = 1'b0;

// per-tag state
reg [DMA_READ_TAGS-1:0] tag_busy_reg = 0;
reg [DMA_READ_TAGS-1:0] tag_stale_reg = 0;
reg [12:0]              tag_rem_reg [0:DMA_READ_TAGS-1];
reg [DWPOS_W-1:0]       tag_dw_reg [0:DMA_READ_TAGS-1];
reg [6:0]               tag_la_reg [0:DMA_READ_TAGS-1];
reg [2:0]               tag_age_reg [0:DMA_READ_TAGS-1];
reg [DMA_READ_TAGS-1:0] tag_tzero_reg = 0;      // timed out (AGE_STEPS ticks seen)

// timeout prescaler, shared by the tags: tick_reg is high one cycle in
// TICK_CYCLES
reg [TICK_W-1:0]        tick_cnt_reg = 0;
reg                     tick_reg = 1'b0;

// completion pipeline
reg                     c1_valid_reg = 1'b0;
reg                     c1_sop_reg = 1'b0;
reg                     c1_eop_reg = 1'b0;
/* verilator lint_off UNUSEDSIGNAL */
reg [95:0]              c1_hdr_reg = 96'd0;      // DW0..DW2; IDs, attributes unused
/* verilator lint_on UNUSEDSIGNAL */
wire [127:0]            c1_data;                 // the stage-1 beat's payload

reg                     cur_active_reg = 1'b0;
reg [DWPOS_W-1:0]       cur_dw_reg = 0;
reg [10:0]              cur_left_reg = 11'd0;
reg                     cur_gt3_reg = 1'b0;     // cur_left_reg > 3, > 7
reg                     cur_gt7_reg = 1'b0;

reg [3:0]               w_en_reg = 4'd0;
reg [4*CACHE_AW-1:0]    w_row_reg = 0;          // bank b: [b*CACHE_AW +: CACHE_AW]
reg [127:0]             w_data_reg = 128'd0;    // the beat's payload, not yet rotated
reg [7:0]               w_lane_reg = 8'd0;      // bank b takes payload lane [b*2 +: 2]

reg                     err_status_reg = 1'b0;
reg                     err_unexp_reg = 1'b0;
reg                     err_timeout_reg = 1'b0;

// cache rows
reg [DESC_CACHE_DEPTH-1:0] slot_valid_reg = 0;

// head output
wire [31:0]             rdq_dw [0:3];            // the cache row at rd_ptr_reg

reg                     out_valid_reg = 1'b0;
reg [63:0]              out_addr_reg = 64'd0;
reg [15:0]              out_len_reg = 16'd0;
reg [15:0]              out_buf_id_reg = 16'd0;
reg [15:0]              out_idx_reg = 16'd0;
reg [15:0]              out_hdr_idx_reg = 16'd0;
reg                     out_bad_reg = 1'b0;

// descriptors handed out since enable (= free-running index of the head)
reg [15:0]              pop_ptr_reg = 16'd0;
reg [15:0]              avail_reg = 16'd0;

integer i_to, i_seq;

// tag table entries are only read while the tag is busy, and every field is
// written when the tag is allocated: no reset needed

assign q_halted = halted_reg;

assign m_desc_addr = out_addr_reg;
assign m_desc_len = out_len_reg;
assign m_desc_buf_id = out_buf_id_reg;
assign m_desc_idx = out_idx_reg;
assign m_desc_hdr_idx = out_hdr_idx_reg;
assign m_desc_avail = avail_reg;
assign m_desc_bad = out_bad_reg;
assign m_desc_valid = out_valid_reg;
assign m_desc_empty = empty_reg;

assign m_tlp_hdr = req_hdr_reg;
assign m_tlp_valid = req_valid_reg;

assign s_tlp_cpl_ready = 1'b1;

assign err_cpl_status = err_status_reg;
assign err_cpl_unexpected = err_unexp_reg;
assign err_cpl_timeout = err_timeout_reg;

// ---------------------------------------------------------------------------
// issue path
wire [15:0] fetch_slot = fetch_ptr_reg & ring_mask;
wire [15:0] avail = q_desc_prod - fetch_ptr_reg;
// cached + in flight, never more than DESC_CACHE_DEPTH: CACHE_AW + 1 bits
wire [CACHE_AW:0] occupancy = fetch_ptr_reg[CACHE_AW:0] - rd_ptr_reg[CACHE_AW:0];
wire [CACHE_AW:0] free_rows = DEPTH_17[CACHE_AW:0] - occupancy;
// entries to the ring end, minus one: ring_mask - fetch_slot
wire [15:0] ring_left_m1 = ~fetch_ptr_reg & ring_mask;
// entries to the next 4 KiB boundary, minus one: 255 - fetch_slot[7:0]
wire [15:0] page_left_m1 = {8'd0, ~fetch_slot[7:0]};

// natural batch, then limited by cache room; a batch chopped by the cache
// room is only sent once it reaches FETCH_THRESH descriptors
wire [CNT_W-1:0] dec_want = min2(min2(calc_avail_reg, calc_ring_reg), min2(calc_page_reg, calc_mrrs_reg));
wire [CNT_W-1:0] dec_count = min2(dec_want, calc_free_reg);

// lowest free tag (function + continuous assign: evaluated at time zero in
// every simulator)
function [TAG_W:0] find_free;
    input [DMA_READ_TAGS-1:0] busy;
    integer n;
    begin
        find_free = {(TAG_W+1){1'b0}};
        for (n = DMA_READ_TAGS - 1; n >= 0; n = n - 1) begin
            if (!busy[n]) begin
                find_free = {1'b1, n[TAG_W-1:0]};
            end
        end
    end
endfunction

wire              free_tag_found;
wire [TAG_W-1:0]  free_tag;
assign {free_tag_found, free_tag} = find_free(tag_busy_reg);

wire dec_go = calc_fresh_reg && (dec_count != 0) && (dec_count == dec_want || dec_count >= FETCH_THRESH) && free_tag_found
    && q_enable && !halted_reg && cfg_bus_master_enable;

wire req_xfer = req_valid_reg && m_tlp_ready;

// MemRd header
wire        dec_4dw = |calc_addr_reg[63:32];
/* verilator lint_off UNUSEDSIGNAL */
wire [10:0] dec_len_full = {{(9-CNT_W){1'b0}}, dec_count, 2'b00};   // 4 dwords per descriptor
wire [9:0]  dec_len_dw = dec_len_full[9:0];   // 1024 encodes as 0
/* verilator lint_on UNUSEDSIGNAL */
wire [31:0] dec_dw0 = {dec_4dw ? TLP_FMT_4DW_NO_DATA : TLP_FMT_3DW_NO_DATA, TLP_TYPE_MEM, 14'd0, dec_len_dw};
wire [7:0]  dec_tag = TAG_BASE_8 + {{(8-TAG_W){1'b0}}, free_tag};
wire [31:0] dec_dw1 = {cfg_requester_id, dec_tag, 4'hF, 4'hF};
wire [63:0] dec_dw23 = dec_4dw ? {calc_addr_reg[63:32], calc_addr_reg[31:2], 2'b00}
                               : {calc_addr_reg[31:2], 2'b00, 32'd0};

always @(posedge clk) begin
    case (f_state_reg)
        F_CALC: begin
            calc_avail_reg <= sat({1'b0, avail});
            calc_free_reg <= sat({{(16-CACHE_AW){1'b0}}, free_rows});
            calc_ring_reg <= sat_inc(ring_left_m1);
            calc_page_reg <= sat_inc(page_left_m1);
            calc_mrrs_reg <= sat(17'd8 << mrrs_n);
            calc_addr_reg <= q_desc_base + {44'd0, fetch_slot, 4'd0};
            calc_fresh_reg <= ring_log_reg == q_desc_log_size;
            f_state_reg <= F_DECIDE;
        end
        F_DECIDE: begin
            req_count_reg <= dec_count;
            req_tag_reg <= free_tag;
            req_la_reg <= calc_addr_reg[6:0];
            req_hdr_reg <= {dec_dw0, dec_dw1, dec_dw23};
            if (dec_go) begin
                req_valid_reg <= 1'b1;
                f_state_reg <= F_SEND;
            end else begin
                f_state_reg <= F_CALC;
            end
        end
        default: begin
            if (req_xfer) begin
                req_valid_reg <= 1'b0;
                f_state_reg <= F_CALC;
                if (q_enable) begin
                    fetch_ptr_reg <= fetch_ptr_reg + {{(16-CNT_W){1'b0}}, req_count_reg};
                end
            end
        end
    endcase

    if (!q_enable) begin
        fetch_ptr_reg <= 16'd0;
        if (f_state_reg != F_SEND) begin
            f_state_reg <= F_CALC;
        end
    end

    if (rst) begin
        f_state_reg <= F_CALC;
        fetch_ptr_reg <= 16'd0;
        req_valid_reg <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// completion path, stage 1: register the beat (never back-pressured) and
// the checks that need only the header, so stage 2 starts from flops
wire [2:0]  s_fmt = s_tlp_cpl_hdr[127:125];
wire [4:0]  s_type = s_tlp_cpl_hdr[124:120];
wire [9:0]  s_length = s_tlp_cpl_hdr[105:96];
wire [2:0]  s_status = s_tlp_cpl_hdr[79:77];
wire [11:0] s_bc = s_tlp_cpl_hdr[75:64];
wire [7:0]  s_tag = s_tlp_cpl_hdr[47:40];
/* verilator lint_off UNUSEDSIGNAL */
wire [7:0]  s_tag_rel = s_tag - TAG_BASE_8;
/* verilator lint_on UNUSEDSIGNAL */
/* verilator lint_off UNSIGNED */
wire        s_mine = ({1'b0, s_tag} >= TAG_LO_9) && ({1'b0, s_tag} < TAG_HI_9);
/* verilator lint_on UNSIGNED */
wire        s_has_data = s_fmt == TLP_FMT_3DW_DATA;
wire        s_is_cpl = (s_type == TLP_TYPE_CPL) && (s_fmt == TLP_FMT_3DW_NO_DATA || s_has_data);
wire [12:0] s_len_bytes = {(s_length == 10'd0), s_length, 2'b00};
wire [12:0] s_bc_bytes = {(s_bc == 12'd0), s_bc};
wire        s_sc = s_status == TLP_CPL_STATUS_SC;

reg                     c1_mine_reg = 1'b0;      // tag in this instance's range
reg                     c1_cpl_reg = 1'b0;       // Cpl/CplD, tag in range
reg                     c1_sc_reg = 1'b0;        // status SC
reg                     c1_final_reg = 1'b0;     // last completion of its request
// a valid sop beat that is acceptable as far as the beat alone tells (in
// range Cpl, SC, CplD with Length <= Byte Count): the accept is this and
// the tag entry's checks, a short function of flops
reg                     c1_acc_ok_reg = 1'b0;
reg                     c1_gt3_reg = 1'b0;       // Length (dwords) > 3, > 7
reg                     c1_gt7_reg = 1'b0;
reg [DMA_READ_TAGS-1:0] c1_t_oh_reg = 0;         // tag table entry, one-hot
// per entry: Byte Count == bytes outstanding, Lower Address as expected,
// against the entry as it is after this edge (see below)
reg [DMA_READ_TAGS-1:0] c1_rem_eq_reg = 0;
reg [DMA_READ_TAGS-1:0] c1_la_eq_reg = 0;

integer i_oh;
always @(posedge clk) begin
    c1_valid_reg <= s_tlp_cpl_valid;
    if (s_tlp_cpl_valid) begin
        c1_sop_reg <= s_tlp_cpl_sop;
        c1_eop_reg <= s_tlp_cpl_eop;
        c1_hdr_reg <= s_tlp_cpl_hdr[127:32];
        c1_mine_reg <= s_mine;
        c1_cpl_reg <= s_is_cpl && s_mine;
        c1_sc_reg <= s_sc;
        c1_final_reg <= !s_sc || !s_has_data || (s_len_bytes >= s_bc_bytes);
        c1_gt3_reg <= s_length == 10'd0 || |s_length[9:2];
        c1_gt7_reg <= s_length == 10'd0 || |s_length[9:3];
        for (i_oh = 0; i_oh < DMA_READ_TAGS; i_oh = i_oh + 1) begin
            c1_t_oh_reg[i_oh] <= s_tag_rel[TAG_W-1:0] == i_oh[TAG_W-1:0];
        end
    end
    c1_acc_ok_reg <= s_tlp_cpl_valid && s_tlp_cpl_sop && s_is_cpl && s_mine && s_sc && s_has_data
        && (s_len_bytes <= s_bc_bytes);
    if (rst) begin
        c1_valid_reg <= 1'b0;
        c1_acc_ok_reg <= 1'b0;
    end
end

generate
    if (CPL_DATA_LATE != 0) begin : g_data_late
        assign c1_data = s_tlp_cpl_data[127:0];
    end else begin : g_data_reg
        reg [127:0] c1_data_reg = 128'd0;
        always @(posedge clk) begin
            if (s_tlp_cpl_valid) begin
                c1_data_reg <= s_tlp_cpl_data[127:0];
            end
        end
        assign c1_data = c1_data_reg;
    end
endgenerate

// stage 2: check the header against the tag table (every entry compared in
// parallel, the one-hot tag picks the result), compute cache writes
wire [9:0]  c_length = c1_hdr_reg[73:64];

wire [10:0] c_len_dw = {(c_length == 10'd0), c_length};
wire [12:0] c_len_bytes = {c_len_dw, 2'b00};
wire [DMA_READ_TAGS-1:0] c_oh = c1_t_oh_reg;

reg [DMA_READ_TAGS-1:0] c_ent_ok;   // entry i: busy, fresh, Byte Count and Lower Address as expected
reg                     c_busy, c_stale_t;
reg [DWPOS_W-1:0]       c_tag_dw;
integer i_ck;
always @* begin
    c_busy = 1'b0;
    c_stale_t = 1'b0;
    c_tag_dw = {DWPOS_W{1'b0}};
    for (i_ck = 0; i_ck < DMA_READ_TAGS; i_ck = i_ck + 1) begin
        c_ent_ok[i_ck] = tag_busy_reg[i_ck] && !tag_stale_reg[i_ck]
            && c1_rem_eq_reg[i_ck] && c1_la_eq_reg[i_ck];
        c_busy = c_busy | (c_oh[i_ck] & tag_busy_reg[i_ck]);
        c_stale_t = c_stale_t | (c_oh[i_ck] & tag_stale_reg[i_ck]);
        c_tag_dw = c_tag_dw | ({DWPOS_W{c_oh[i_ck]}} & tag_dw_reg[i_ck]);
    end
end

wire        c_head = c1_valid_reg && c1_sop_reg;
wire        c_match = c_head && c1_cpl_reg && c_busy;
wire        c_stale = c_stale_t || !q_enable;
wire        c_final = c1_final_reg;

wire        c_swallow = c_match && c_stale;
wire        c_bad_status = c_match && !c_stale && !c1_sc_reg;
// per entry, so each entry's update enable is a short function of flops
wire [DMA_READ_TAGS-1:0] c_acc_t = {DMA_READ_TAGS{c1_acc_ok_reg && q_enable}} & c_oh & c_ent_ok;
wire        c_accept = |c_acc_t;

// The Byte Count / Lower Address compares of stage 2 are made in stage 1
// against each entry's next value: the entry as it is, or as this edge's
// accept (stage 2, the beat ahead) or allocation (req_xfer, priority) leaves
// it; all three are compared in parallel and the update only selects.
wire [6:0]  s_la = s_tlp_cpl_hdr[38:32];
wire        s_rem_eq_alloc = s_bc_bytes == {{(9-CNT_W){1'b0}}, req_count_reg, 4'd0};
wire        s_la_eq_alloc = s_la == req_la_reg;
integer i_eq;
always @(posedge clk) begin
    for (i_eq = 0; i_eq < DMA_READ_TAGS; i_eq = i_eq + 1) begin
        if (req_xfer && req_tag_reg == i_eq[TAG_W-1:0]) begin
            c1_rem_eq_reg[i_eq] <= s_rem_eq_alloc;
            c1_la_eq_reg[i_eq] <= s_la_eq_alloc;
        end else if (c_acc_t[i_eq]) begin
            c1_rem_eq_reg[i_eq] <= s_bc_bytes == tag_rem_reg[i_eq] - c_len_bytes;
            c1_la_eq_reg[i_eq] <= s_la == tag_la_reg[i_eq] + c_len_bytes[6:0];
        end else begin
            c1_rem_eq_reg[i_eq] <= s_bc_bytes == tag_rem_reg[i_eq];
            c1_la_eq_reg[i_eq] <= s_la == tag_la_reg[i_eq];
        end
    end
end
wire        c_unexpected = c_head && (c1_mine_reg || FLAG_FOREIGN != 0) && !c_swallow && !c_bad_status && !c_accept;

// beat placement
// (c_accept implies a valid sop beat and q_enable)
wire                beat_active = c_accept || (c1_valid_reg && !c1_sop_reg && q_enable && cur_active_reg);
wire [DWPOS_W-1:0]  beat_dw = c1_sop_reg ? c_tag_dw : cur_dw_reg;
wire [10:0]         beat_left = c1_sop_reg ? c_len_dw : cur_left_reg;
// beat_left > 3 / > 7 from registered flags, > 4 from them and the low bits:
// no 11-bit compare behind the tag table lookup
wire                beat_gt3 = c1_sop_reg ? c1_gt3_reg : cur_gt3_reg;
wire                beat_gt7 = c1_sop_reg ? c1_gt7_reg : cur_gt7_reg;
wire                beat_gt4 = beat_gt7 || (beat_left[2] && |beat_left[1:0]);
wire                beat_truncated = beat_active && c1_eop_reg && beat_gt4;
wire [10:0]         cur_left_next = beat_gt4 ? beat_left - 11'd4 : 11'd0;

wire [3:0]          w_en_next;
wire [4*CACHE_AW-1:0] w_row_next;
wire [7:0]          w_lane_next;

genvar wb;
generate
    for (wb = 0; wb < 4; wb = wb + 1) begin : wlane
        // bank wb takes payload lane (wb - beat_dw) mod 4
        wire [1:0]         lane = wb[1:0] - beat_dw[1:0];
        /* verilator lint_off UNUSEDSIGNAL */
        wire [DWPOS_W-1:0] pos = beat_dw + {{(DWPOS_W-2){1'b0}}, lane};
        /* verilator lint_on UNUSEDSIGNAL */
        // lane < beat_left, with the high bits as the flag
        assign w_en_next[wb] = beat_active && (beat_gt3 || lane < beat_left[1:0]);
        assign w_row_next[wb*CACHE_AW +: CACHE_AW] = pos[DWPOS_W-1:2];
        assign w_lane_next[wb*2 +: 2] = lane;
    end
endgenerate

// per-tag table, timers, halt, error pulses
reg [DMA_READ_TAGS-1:0] timeout_hit;
reg                     timeout_active;

always @* begin
    timeout_hit = {DMA_READ_TAGS{1'b0}};
    timeout_active = 1'b0;
    for (i_to = 0; i_to < DMA_READ_TAGS; i_to = i_to + 1) begin
        // (c_match for this entry: c_oh is at most one-hot)
        if (tag_busy_reg[i_to] && tag_tzero_reg[i_to] && !(c_head && c1_cpl_reg && c_oh[i_to])) begin
            timeout_hit[i_to] = 1'b1;
            if (!tag_stale_reg[i_to] && q_enable) begin
                timeout_active = 1'b1;
            end
        end
    end
end

always @(posedge clk) begin
    tick_reg <= tick_cnt_reg == TICK_LAST;
    tick_cnt_reg <= (tick_cnt_reg == TICK_LAST) ? {TICK_W{1'b0}} : tick_cnt_reg + 1'b1;
    if (rst) begin
        tick_cnt_reg <= {TICK_W{1'b0}};
        tick_reg <= 1'b0;
    end
end

always @(posedge clk) begin
    for (i_seq = 0; i_seq < DMA_READ_TAGS; i_seq = i_seq + 1) begin
        if (tag_busy_reg[i_seq] && !tag_tzero_reg[i_seq] && tick_reg) begin
            tag_age_reg[i_seq] <= tag_age_reg[i_seq] - 3'd1;
            tag_tzero_reg[i_seq] <= tag_age_reg[i_seq] == 3'd0;
        end
        if (timeout_hit[i_seq]) begin
            tag_busy_reg[i_seq] <= 1'b0;
        end
        if (!q_enable) begin
            tag_stale_reg[i_seq] <= 1'b1;
        end
    end

    // (swallow, bad status and accept exclude each other)
    for (i_seq = 0; i_seq < DMA_READ_TAGS; i_seq = i_seq + 1) begin
        if ((c_swallow || c_bad_status) && c_oh[i_seq]) begin
            if (c_final) begin
                tag_busy_reg[i_seq] <= 1'b0;
            end
            tag_age_reg[i_seq] <= AGE_INIT;
            tag_tzero_reg[i_seq] <= AGE_NONE;
        end
        if (c_acc_t[i_seq]) begin
            tag_rem_reg[i_seq] <= tag_rem_reg[i_seq] - c_len_bytes;
            tag_dw_reg[i_seq] <= tag_dw_reg[i_seq] + c_len_dw[DWPOS_W-1:0];
            tag_la_reg[i_seq] <= tag_la_reg[i_seq] + c_len_bytes[6:0];
            tag_age_reg[i_seq] <= AGE_INIT;
            tag_tzero_reg[i_seq] <= AGE_NONE;
            if (c_final) begin
                tag_busy_reg[i_seq] <= 1'b0;
            end
        end
    end

    if (req_xfer) begin
        tag_busy_reg[req_tag_reg] <= 1'b1;
        tag_stale_reg[req_tag_reg] <= !q_enable;
        tag_rem_reg[req_tag_reg] <= {{(9-CNT_W){1'b0}}, req_count_reg, 4'd0};
        tag_dw_reg[req_tag_reg] <= {fetch_ptr_reg[CACHE_AW-1:0], 2'b00};
        tag_la_reg[req_tag_reg] <= req_la_reg;
        tag_age_reg[req_tag_reg] <= AGE_INIT;
        tag_tzero_reg[req_tag_reg] <= AGE_NONE;
    end

    // current completion's following beats
    // (the position and count load with every beat that is not the last:
    // they only matter while cur_active_reg, which needs an accepted beat)
    if (c1_valid_reg) begin
        cur_active_reg <= beat_active && !c1_eop_reg;
        if (!c1_eop_reg) begin
            cur_dw_reg <= beat_dw + 4;
            cur_left_reg <= cur_left_next;
            // beat_left - 4 > 3, > 7
            cur_gt3_reg <= beat_gt7;
            cur_gt7_reg <= |beat_left[10:4] || (&beat_left[3:2]);
        end
    end
    if (!q_enable) begin
        cur_active_reg <= 1'b0;
    end

    err_status_reg <= c_bad_status;
    err_unexp_reg <= c_unexpected || beat_truncated;
    err_timeout_reg <= timeout_active;

    if (c_bad_status || timeout_active) begin
        halted_reg <= 1'b1;
    end
    if (!q_enable) begin
        halted_reg <= 1'b0;
    end

    if (rst) begin
        tag_busy_reg <= 0;
        tag_stale_reg <= 0;
        cur_active_reg <= 1'b0;
        err_status_reg <= 1'b0;
        err_unexp_reg <= 1'b0;
        err_timeout_reg <= 1'b0;
        halted_reg <= 1'b0;
    end
end

// stage 3: cache writes. The payload is registered unrotated and each bank
// picks its lane here from a registered select: the lane depends on the tag
// table lookup (beat_dw), which would otherwise steer 128 data muxes.
always @(posedge clk) begin
    w_en_reg <= w_en_next;
    w_row_reg <= w_row_next;
    w_lane_reg <= w_lane_next;
    w_data_reg <= c1_data;
    if (rst) begin
        w_en_reg <= 4'd0;
    end
end

// ---------------------------------------------------------------------------
// cache RAM and head output
// The head register loads straight from the cache row at rd_ptr_reg
// (distributed RAM, asynchronous read): no separate read-data stage, so
// each queue holds one copy of its head descriptor, not two.
// The head row is kept twice besides rd_ptr_reg, so rd_ptr_reg's low bits
// do not fan out to every LUT-RAM read port and the row-valid logic: one-hot
// (head_oh_reg: the valid select and the clear) and binary (ram_row_reg:
// the RAM read address). `keep`: not merged with rd_ptr_reg.
reg [DESC_CACHE_DEPTH-1:0] head_oh_reg = {{(DESC_CACHE_DEPTH-1){1'b0}}, 1'b1};
reg [CACHE_AW-1:0]         ram_row_reg = {CACHE_AW{1'b0}};
wire desc_pop = out_valid_reg && m_desc_ready;
wire [DESC_CACHE_DEPTH-1:0] slot_set = (w_en_reg[3] && q_enable)
    ? {{(DESC_CACHE_DEPTH-1){1'b0}}, 1'b1} << w_row_reg[3*CACHE_AW +: CACHE_AW] : {DESC_CACHE_DEPTH{1'b0}};
// "the head row is valid" is a register of its own, computed from the next
// values of slot_valid_reg and head_oh_reg, so head_load (which enables the
// ~130 head-register flops) is one LUT from flops instead of behind the
// 16-row AND-OR; it always equals |(slot_valid_reg & head_oh_reg)
reg  head_valid_reg = 1'b0;
wire head_load = q_enable && head_valid_reg && (!out_valid_reg || m_desc_ready);
wire [DESC_CACHE_DEPTH-1:0] head_oh_next = head_load
    ? (head_oh_reg << 1) | (head_oh_reg >> (DESC_CACHE_DEPTH - 1)) : head_oh_reg;
wire [DESC_CACHE_DEPTH-1:0] slot_valid_next =
    (slot_valid_reg | slot_set) & ~(head_load ? head_oh_reg : {DESC_CACHE_DEPTH{1'b0}});

(* keep *)
always @(posedge clk) begin
    head_oh_reg <= head_oh_next;
    if (head_load) begin
        ram_row_reg <= ram_row_reg + 1'b1;
    end
    if (!q_enable || rst) begin
        head_oh_reg <= {{(DESC_CACHE_DEPTH-1){1'b0}}, 1'b1};
        ram_row_reg <= {CACHE_AW{1'b0}};
    end
end

genvar b;
generate
    for (b = 0; b < 4; b = b + 1) begin : bank
        reg [31:0] mem [0:DESC_CACHE_DEPTH-1];
        always @(posedge clk) begin
            if (w_en_reg[b]) begin
                mem[w_row_reg[b*CACHE_AW +: CACHE_AW]] <= w_data_reg[32*w_lane_reg[b*2 +: 2] +: 32];
            end
        end
        assign rdq_dw[b] = mem[ram_row_reg];
    end
endgenerate

/* verilator lint_off UNUSEDSIGNAL */
wire [127:0] rdq_desc = {rdq_dw[3], rdq_dw[2], rdq_dw[1], rdq_dw[0]};
wire [63:0]  rdq_addr = rdq_desc[DESC_ADDR_LSB +: 64];
wire [15:0]  rdq_len = rdq_desc[DESC_LEN_LSB +: 16];
wire [15:0]  rdq_buf_id = rdq_desc[DESC_BUF_ID_LSB +: 16];
wire [15:0]  rdq_hdr_idx = rdq_desc[DESC_HDR_IDX_LSB +: DESC_HDR_IDX_W];
/* verilator lint_on UNUSEDSIGNAL */

always @(posedge clk) begin
    // a row becomes valid with its last dword, and free when it is loaded
    // into the head register (both in one cycle: different rows)
    slot_valid_reg <= slot_valid_next;
    head_valid_reg <= |(slot_valid_next & head_oh_next);
    if (head_load) begin
        rd_ptr_reg <= rd_ptr_reg + 16'd1;
        out_valid_reg <= 1'b1;
        out_addr_reg <= rdq_addr;
        out_len_reg <= rdq_len;
        out_buf_id_reg <= rdq_buf_id;
        out_idx_reg <= rd_ptr_reg;
        out_hdr_idx_reg <= rdq_hdr_idx;
        out_bad_reg <= (rdq_addr[3:0] != 4'd0) || (rdq_len == 16'd0);
    end else if (m_desc_ready) begin
        out_valid_reg <= 1'b0;
    end

    empty_reg <= (fetch_ptr_reg == q_desc_prod) && (fetch_ptr_reg == rd_ptr_reg)
        && !out_valid_reg;

    // the pop of this cycle is folded in, so the consumer never sees a count
    // that still includes a descriptor it already took
    if (desc_pop) begin
        pop_ptr_reg <= pop_ptr_reg + 16'd1;
    end
    avail_reg <= q_desc_prod - pop_ptr_reg - {15'd0, desc_pop};

    if (!q_enable || rst) begin
        slot_valid_reg <= 0;
        head_valid_reg <= 1'b0;
        rd_ptr_reg <= 16'd0;
        out_valid_reg <= 1'b0;
        pop_ptr_reg <= 16'd0;
        avail_reg <= 16'd0;
    end
    if (rst) begin
        empty_reg <= 1'b1;
    end
end

endmodule

`default_nettype wire
