`timescale 1ns / 1ps
`default_nettype none

/*
 * Multi-queue RX DMA engine (RX_QUEUES queues, each with its own descriptor
 * ring, completion ring, doorbells, descriptor cache and counters).
 *
 *   nic_desc_fetch x RX_QUEUES - batched descriptor MemRd, tag table,
 *                     completion checks and timeout, descriptor cache, head
 *                     descriptor output. Queue q owns the PCIe tags
 *                     q*DMA_READ_TAGS .. q*DMA_READ_TAGS+DMA_READ_TAGS-1;
 *                     every instance snoops the (never back-pressured)
 *                     completion stream, through its own registered copy
 *                     (one cycle), and takes the TLPs with its tags.
 *                     A completion whose tag is in no queue's range is
 *                     flagged here (err_cpl_unexpected, reported on queue 0).
 *   MemRd arbiter   - round-robin over the fetch engines' MemRd requests
 *                     (the pick registered: a request waits a cycle before
 *                     it can be taken; the take reaches the engine as a
 *                     registered ready), one registered request at a time,
 *                     loaded only when empty (ready from flops). MSI-X messages
 *                     (s_msg, from nic_msix) enter the same register, with
 *                     priority over MemRd (they are rare: one per armed
 *                     vector), as single-beat MemWr with the message data in
 *                     data lanes [31:0].
 *   nic_rx_csum     - RX checksum offload, a passive tap on the frame
 *                     stream: IPv4 header and TCP/UDP verdicts and the
 *                     CHECKSUM_COMPLETE sum for the completion record.
 *   nic_rx_dma_wr   - one shared frame path: frames leave the FIFO in order,
 *                     each goes to the queue named by its meta; decision,
 *                     MemWr segmentation at MPS, frame data streaming,
 *                     completion record (with the RSS / parser fields).
 *   nic_tlp_req_mux - TLP-boundary round-robin arbiter onto m_tlp_req
 *                     (registered skid output) between MemRd and MemWr.
 *                     With cfg_bus_master_enable low it starts no TLP (one
 *                     already presented finishes) and holds the rest.
 *
 * Exported indices: q_desc_cons[q] and q_cpl_prod[q] advance when a
 * completion record of queue q has its last beat accepted on m_tlp_req (after
 * the frame's data TLPs), and are held at zero while the queue is disabled.
 * q_cpl_prod moves by one record, q_desc_cons by the record's DESC_COUNT (a
 * scattered frame consumes several descriptors), read from the record's
 * second beat as it leaves, so the two can never disagree with what the
 * host sees in the ring.
 * q_enable reaches the engine's parts through registered copies, a cycle
 * late (all of them alike).
 * q_busy[q]: a MemWr of queue q was started and has not yet left the engine,
 * or a descriptor MemRd of queue q was requested by its fetch engine and has
 * not yet left (a request is never withdrawn: one made before a disable still
 * goes out, through the MemRd register and the request mux), or the engine
 * still sees the queue enabled (the cycle after a disable): the driver frees
 * a ring only once the queue reports idle.
 * q_cpl_event[q]: one-cycle pulse in the cycle a completion record of queue
 * q is committed (q_cpl_prod[q] shows it from the next cycle on), for
 * interrupt moderation; at most one queue pulses per cycle.
 *
 * Ordering rule (MSI-X): q_cpl_prod only advances once a completion record's
 * last beat has been accepted on m_tlp_req, and nic_msix issues a message
 * only for work it sees in q_cpl_prod. So the message is created after the
 * records it announces have left, and it enters the request stream behind
 * them (all requests share one in-order output): every MSI-X MemWr leaves
 * the NIC after the completion-record writes it announces, as PCIe posted
 * ordering then keeps it in host memory order.
 *
 * A queue without descriptors only costs the frame at the FIFO head: it is
 * dropped (no_desc) as soon as nothing is cached, in flight or posted; frames
 * wait only while a descriptor of their own queue is on its way or their
 * completion ring is full.
 *
 * Requires TLP_DATA_WIDTH == 128 and RX_QUEUES * DMA_READ_TAGS <= 256.
 */
module nic_rx_engine #(
    parameter TLP_DATA_WIDTH = 128,
    parameter RX_QUEUES = 8,
    parameter META_WIDTH = 88,
    parameter DESC_FETCH_MAX = 8,
    parameter DESC_CACHE_DEPTH = 16,
    parameter DMA_READ_TAGS = 4,            // per queue
    parameter CPL_TIMEOUT_CYCLES = 1 << 20
) (
    input  wire                       clk,
    input  wire                       rst,

    // words are counted from s_meta_len; tkeep and tlast are for the checksum tap
    input  wire [TLP_DATA_WIDTH-1:0]  s_axis_tdata,
    input  wire [TLP_DATA_WIDTH/8-1:0] s_axis_tkeep,
    input  wire                       s_axis_tvalid,
    output wire                       s_axis_tready,
    input  wire                       s_axis_tlast,

    // per-frame length + metadata (nic_rx_meta.vh), in frame order
    input  wire [15:0]                s_meta_len,
    input  wire [META_WIDTH-1:0]      s_meta_tdata,
    input  wire                       s_meta_tvalid,
    output wire                       s_meta_tready,

    // per-queue configuration and status, flattened: queue q uses [q*W +: W]
    input  wire [RX_QUEUES-1:0]       q_enable,
    input  wire [RX_QUEUES*64-1:0]    q_desc_base,
    input  wire [RX_QUEUES*4-1:0]     q_desc_log_size,
    input  wire [RX_QUEUES*16-1:0]    q_desc_prod,
    input  wire [RX_QUEUES*64-1:0]    q_cpl_base,
    input  wire [RX_QUEUES*4-1:0]     q_cpl_log_size,
    input  wire [RX_QUEUES*16-1:0]    q_cpl_cons,
    // header split / scatter / VLAN strip (docs/split.md), from nic_csr
    input  wire [RX_QUEUES*64-1:0]    q_hdr_base,   // Q_HDR_BASE, bits [3:0] are 0
    input  wire [RX_QUEUES*16-1:0]    q_hdr_count,  // Q_HDR_COUNT
    input  wire [RX_QUEUES*32-1:0]    q_rx_cfg,     // Q_RX_CFG
    output wire [RX_QUEUES*16-1:0]    q_desc_cons,
    output wire [RX_QUEUES*16-1:0]    q_cpl_prod,
    output wire [RX_QUEUES-1:0]       q_halted,
    output wire [RX_QUEUES-1:0]       q_busy,       // DMA writes to this queue's memory still pending
    output wire [RX_QUEUES-1:0]       q_cpl_event,  // completion record of this queue committed (pulse)

    output wire [RX_QUEUES-1:0]       stat_frame_ok,
    output wire [RX_QUEUES*16-1:0]    stat_frame_bytes,
    output wire [RX_QUEUES-1:0]       stat_drop_no_desc,
    output wire [RX_QUEUES-1:0]       stat_drop_buf_too_small,
    output wire [RX_QUEUES-1:0]       stat_drop_bad_desc,
    output wire [RX_QUEUES-1:0]       stat_drop_disabled,
    output wire [RX_QUEUES-1:0]       stat_split,        // with stat_frame_ok: delivered with SPLIT
    output wire [RX_QUEUES-1:0]       stat_hdr_overflow, // with stat_frame_ok: delivered with HDR_OVERFLOW
    output wire [RX_QUEUES-1:0]       err_cpl_status,
    output wire [RX_QUEUES-1:0]       err_cpl_unexpected,
    output wire [RX_QUEUES-1:0]       err_cpl_timeout,

    output wire [127:0]               m_tlp_req_hdr,
    output wire [TLP_DATA_WIDTH-1:0]  m_tlp_req_data,
    output wire                       m_tlp_req_sop,
    output wire                       m_tlp_req_eop,
    output wire                       m_tlp_req_valid,
    input  wire                       m_tlp_req_ready,

    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [127:0]               s_tlp_cpl_hdr,   // DW3 unused
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire [TLP_DATA_WIDTH-1:0]  s_tlp_cpl_data,
    input  wire                       s_tlp_cpl_sop,
    input  wire                       s_tlp_cpl_eop,
    input  wire                       s_tlp_cpl_valid,
    output wire                       s_tlp_cpl_ready,

    // MSI-X message (nic_msix): single-beat MemWr, header + payload DW0
    input  wire [127:0]               s_msg_hdr,
    input  wire [31:0]                s_msg_data,
    input  wire                       s_msg_valid,
    output wire                       s_msg_ready,

    // soft-reset quiesce (nic_csr): tlp_hold stops new TLPs on m_tlp_req;
    // tlp_busy: a TLP is still in progress or held in the output stage
    input  wire                       tlp_hold,
    output wire                       tlp_busy,

    input  wire [15:0]                cfg_requester_id,
    input  wire                       cfg_bus_master_enable,
    input  wire [2:0]                 cfg_max_payload_size,
    input  wire [2:0]                 cfg_max_read_req_size
);

/* verilator lint_off UNUSEDPARAM */
`include "nic_spec.vh"
/* verilator lint_on UNUSEDPARAM */

localparam QW = RX_QUEUES > 1 ? $clog2(RX_QUEUES) : 1;
// DESC_COUNT within the completion record's second (commit) beat
localparam integer DCOUNT_LSB = CPL_DESC_COUNT_LSB - 128;
localparam integer TAGS_TOTAL_I = RX_QUEUES * DMA_READ_TAGS;
localparam [8:0] TAGS_TOTAL = TAGS_TOTAL_I[8:0];
// mux user bits: {write beat of queue (one-hot), queue, commit}
localparam UW = RX_QUEUES + QW + 1;
localparam [RX_QUEUES-1:0] ONE = 1;

// descriptor fetch <-> frame path
wire [RX_QUEUES*64-1:0] desc_addr;
wire [RX_QUEUES*16-1:0] desc_len;
wire [RX_QUEUES*16-1:0] desc_buf_id;
wire [RX_QUEUES*16-1:0] desc_idx;
wire [RX_QUEUES*16-1:0] desc_hdr_idx;
wire [RX_QUEUES*16-1:0] desc_avail;
wire [RX_QUEUES-1:0]    desc_bad;
wire [RX_QUEUES-1:0]    desc_valid;
wire [RX_QUEUES-1:0]    desc_ready;
wire [RX_QUEUES-1:0]    desc_empty;
wire [RX_QUEUES-1:0]    halted;

// per-queue MemRd requests (held in each fetch engine until taken); DW1's
// Requester ID and byte enables are set by the arbiter, not read from here
/* verilator lint_off UNUSEDSIGNAL */
wire [RX_QUEUES*128-1:0] fq_hdr;
/* verilator lint_on UNUSEDSIGNAL */
wire [RX_QUEUES-1:0]     fq_valid;
wire [RX_QUEUES-1:0]     fq_ready;
wire [RX_QUEUES-1:0]     fq_cpl_ready;
wire [RX_QUEUES-1:0]     fq_err_unexp;

// arbitrated MemRd stream
wire         rd_tlp_ready;

// MemWr stream
wire [127:0]              wr_tlp_hdr;
wire [TLP_DATA_WIDTH-1:0] wr_tlp_data;
wire                      wr_tlp_sop;
wire                      wr_tlp_eop;
wire                      wr_tlp_commit;
wire [QW-1:0]             wr_tlp_queue;
wire                      wr_tlp_valid;
wire                      wr_tlp_ready;

wire [UW-1:0] m_user;
wire [UW-1:0] pend_user;

wire [RX_QUEUES-1:0] wr_busy;
wire [RX_QUEUES-1:0] drop_disabled_dec;
wire [RX_QUEUES-1:0] drop_disabled_abort;
wire [15:0]          frame_bytes;

assign q_halted = halted;

assign s_tlp_cpl_ready = 1'b1;

// ---------------------------------------------------------------------------
// descriptor fetch, one per queue
// ---------------------------------------------------------------------------

// completion payload, two register stages shared by the fetch engines
// (their header copies are per engine, below): the first in step with those
// copies, the second with the engines' first completion stage, which then
// keeps no payload copy of its own (CPL_DATA_LATE); each engine registers
// the payload once, in its cache write stage
reg [TLP_DATA_WIDTH-1:0] cq_data_reg = {TLP_DATA_WIDTH{1'b0}};
reg [TLP_DATA_WIDTH-1:0] cq_data1_reg = {TLP_DATA_WIDTH{1'b0}};
always @(posedge clk) begin
    cq_data_reg <= s_tlp_cpl_data;
    cq_data1_reg <= cq_data_reg;
end

// Reset tree: the synchronous reset reaches each big block through a
// register of its own, placed by its loads, so the one
// reset input drives a few flops instead of every block's LSR pins across
// the device. Those blocks leave reset a cycle after the glue and the
// request mux (the fetch engines' requests and the frame path's TLPs only
// start after that; both frame-path blocks leave it in the same cycle).
// (`keep` on each process: opt_merge folds equal registers into one
// otherwise, as it would the per-engine copies)
reg rst_csum_reg = 1'b1;
reg rst_dma_wr_reg = 1'b1;
(* keep *)
always @(posedge clk) begin
    rst_csum_reg <= rst;
end
(* keep *)
always @(posedge clk) begin
    rst_dma_wr_reg <= rst;
end

// The engine's view of the queue enables. nic_csr's enable flops feed
// consumers spread over the device (the fetch engines, the DMA engine, the
// exported indices): one net across it was the core's worst path. Each
// consumer takes its own registered copy, placed near it (`keep`: opt_merge
// would fold identical copies into one). Every copy is the enable of one
// cycle ago, so all parts of the engine still agree on it, as they do on
// their resets (rst_dma_wr_reg, f_rst), which lag rst by the same cycle.
// q_busy covers the lag for the driver: it is high while the engine still
// sees a queue enabled (en_busy_reg), so Q_STATUS.ENABLED (enable | busy)
// reads 0 only once the engine has seen the disable.
reg [RX_QUEUES-1:0] en_dma_reg = {RX_QUEUES{1'b0}};
reg [RX_QUEUES-1:0] en_busy_reg = {RX_QUEUES{1'b0}};
(* keep *) always @(posedge clk) en_dma_reg <= q_enable;
(* keep *) always @(posedge clk) en_busy_reg <= q_enable;

// each fetch engine's reset (its requests drop a cycle after it)
wire [RX_QUEUES-1:0] f_rst;

genvar q;
generate
for (q = 0; q < RX_QUEUES; q = q + 1) begin : g_fetch
    reg f_rst_reg = 1'b1;
    (* keep *)
    always @(posedge clk) begin
        f_rst_reg <= rst;
    end
    assign f_rst[q] = f_rst_reg;
    reg en_fetch_reg = 1'b0;    // this engine's copy of q_enable[q] (above)
    (* keep *) always @(posedge clk) en_fetch_reg <= q_enable[q];
    // Each fetch engine snoops the completion stream's header through its own
    // registered copy: the engines are spread over the device, and a shared
    // source drove their first-stage header checks (which yosys also shared
    // between them) across it. The copy holds only the header fields the
    // engine reads (Fmt/Type, Length, Status, Byte Count, Tag, Lower
    // Address: 48 of the 128 bits) and costs a cycle of descriptor-read
    // latency. The payload goes through shared register stages instead
    // (cq_data_reg, cq_data1_reg above): they only feed each engine's own
    // cache write register, a flop-to-flop hop with no logic.
    reg [47:0]               cq_fields_reg = 48'd0;
    reg                      cq_sop_reg = 1'b0;
    reg                      cq_eop_reg = 1'b0;
    reg                      cq_valid_reg = 1'b0;
    // `keep` on the process: opt_merge would fold the copies into one
    (* keep *)
    always @(posedge clk) begin
        cq_fields_reg <= {s_tlp_cpl_hdr[127:120], s_tlp_cpl_hdr[105:96], s_tlp_cpl_hdr[79:77],
                          s_tlp_cpl_hdr[75:64], s_tlp_cpl_hdr[47:40], s_tlp_cpl_hdr[38:32]};
        cq_sop_reg <= s_tlp_cpl_sop;
        cq_eop_reg <= s_tlp_cpl_eop;
        cq_valid_reg <= s_tlp_cpl_valid && !f_rst_reg;
    end
    // the header with the fields back in place, every other bit zero
    wire [127:0] cq_hdr = {cq_fields_reg[47:40], 14'd0, cq_fields_reg[39:30], 16'd0, cq_fields_reg[29:27], 1'b0,
                           cq_fields_reg[26:15], 16'd0, cq_fields_reg[14:7], 1'b0, cq_fields_reg[6:0], 32'd0};

    nic_desc_fetch #(
        .TLP_DATA_WIDTH(TLP_DATA_WIDTH),
        .DESC_FETCH_MAX(DESC_FETCH_MAX),
        .DESC_CACHE_DEPTH(DESC_CACHE_DEPTH),
        .DMA_READ_TAGS(DMA_READ_TAGS),
        .CPL_TIMEOUT_CYCLES(CPL_TIMEOUT_CYCLES),
        .TAG_BASE(q * DMA_READ_TAGS),
        .FLAG_FOREIGN(0),
        .CPL_DATA_LATE(1)
    ) desc_fetch_inst (
        .clk(clk),
        .rst(f_rst_reg),
        .q_enable(en_fetch_reg),
        .q_desc_base(q_desc_base[q*64 +: 64]),
        .q_desc_log_size(q_desc_log_size[q*4 +: 4]),
        .q_desc_prod(q_desc_prod[q*16 +: 16]),
        .q_halted(halted[q]),
        .m_desc_addr(desc_addr[q*64 +: 64]),
        .m_desc_len(desc_len[q*16 +: 16]),
        .m_desc_buf_id(desc_buf_id[q*16 +: 16]),
        .m_desc_idx(desc_idx[q*16 +: 16]),
        .m_desc_hdr_idx(desc_hdr_idx[q*16 +: 16]),
        .m_desc_bad(desc_bad[q]),
        .m_desc_valid(desc_valid[q]),
        .m_desc_ready(desc_ready[q]),
        .m_desc_empty(desc_empty[q]),
        .m_desc_avail(desc_avail[q*16 +: 16]),
        .m_tlp_hdr(fq_hdr[q*128 +: 128]),
        .m_tlp_valid(fq_valid[q]),
        .m_tlp_ready(fq_ready[q]),
        .s_tlp_cpl_hdr(cq_hdr),
        .s_tlp_cpl_data(cq_data1_reg),
        .s_tlp_cpl_sop(cq_sop_reg),
        .s_tlp_cpl_eop(cq_eop_reg),
        .s_tlp_cpl_valid(cq_valid_reg),
        .s_tlp_cpl_ready(fq_cpl_ready[q]),
        .cfg_requester_id(cfg_requester_id),
        .cfg_bus_master_enable(cfg_bus_master_enable),
        .cfg_max_read_req_size(cfg_max_read_req_size),
        .err_cpl_status(err_cpl_status[q]),
        .err_cpl_unexpected(fq_err_unexp[q]),
        .err_cpl_timeout(err_cpl_timeout[q])
    );

end
endgenerate

// completions with a tag outside every queue's range
reg orphan_reg = 1'b0;
always @(posedge clk) begin
    orphan_reg <= s_tlp_cpl_valid && s_tlp_cpl_sop && ({1'b0, s_tlp_cpl_hdr[47:40]} >= TAGS_TOTAL);
    if (rst) begin
        orphan_reg <= 1'b0;
    end
end

assign err_cpl_unexpected = fq_err_unexp | (ONE & {RX_QUEUES{orphan_reg}});

// ---------------------------------------------------------------------------
// MemRd arbiter: round robin over the queues, registered output; MSI-X
// messages take the same register first
// ---------------------------------------------------------------------------

reg [127:0]  rd_hdr_reg = 128'd0;
reg [31:0]   rd_data_reg = 32'd0;        // message data (MemRd: 0)
reg          rd_valid_reg = 1'b0;
reg [QW-1:0] rd_rr_reg = {QW{1'b0}};     // first queue to look at
reg [RX_QUEUES-1:0] rd_q_oh_reg = {RX_QUEUES{1'b0}};  // queue of a MemRd (MSI-X: none), for q_busy

// Loads only when empty (not in the cycle the mux takes it): the fetch
// engines' ready and s_msg_ready then come from flops, not through the
// request mux's grant from the MemWr streamer (timing). MemRd / MSI-X
// requests are rare (one per descriptor batch or interrupt): one every
// other cycle is plenty.
wire rd_load = !rd_valid_reg;

// lowest requesting queue at or after rd_rr_reg, else the lowest overall
wire          rd_found;
wire [QW-1:0] rd_grant;

// The take reaches the fetch engine a cycle later, as a registered ready
// (take_reg): the arbiter's pick (spread over the device) then drives only
// a flop per engine, not the engine's tag allocation and issue logic behind
// m_tlp_ready. The engine holds its request (valid and header) until that
// ready, so the header is read from it in the cycle of the take.
// A request is seen by the pick from its second cycle on (req_seen_reg,
// cleared by the take and in the cycle after it, while the engine's valid
// is still high, and by the engine's reset; so req_seen_reg implies the
// engine's valid, and the pick reads only local flops):
// the MemRd then leaves in the same cycle relative to the descriptor pops
// as it did through a request slot, so it takes an idle cycle of the MemWr
// stream of back-to-back minimum frames rather than one of its beats
// (tb_nic_rx_engine T8, T9: 8.00 cycles per frame instead of 8.25).
reg  [RX_QUEUES-1:0] take_reg = {RX_QUEUES{1'b0}};
reg  [RX_QUEUES-1:0] req_seen_reg = {RX_QUEUES{1'b0}};
wire [RX_QUEUES-1:0] rd_take_oh;
wire [RX_QUEUES-1:0] rd_req = req_seen_reg;

assign fq_ready = take_reg;

nic_rr_pick #(.N(RX_QUEUES), .W(QW)) rd_pick_inst (.req(rd_req), .first(rd_rr_reg), .found(rd_found), .grant(rd_grant));

// The pick is registered (a cycle after the request appears): the take and
// the header mux's select come from flops, not through the round-robin
// priority logic. A fetch engine's request stays valid until taken, and
// the pick made in the cycle of a take is never used (no take in the next
// cycle: rd_valid_reg is set), so a registered pick always names a queue
// that still requests.
reg                 pick_found_reg = 1'b0;
reg [QW-1:0]        pick_reg = {QW{1'b0}};
reg [RX_QUEUES-1:0] pick_oh_reg = {RX_QUEUES{1'b0}};

// The header mux reads the 104 bits of each engine's request that vary
// (DW0, the tag, the address), in PICK_GROUPS groups, each selected by a
// copy of the pick of its own: one pick register drove every bit's 8:1 mux
// (4 LUTs per bit on its low select bit, ~400 loads), the core's worst
// path on one seed. `keep` on the process keeps the copies apart.
localparam integer PICK_GROUPS = 8;
localparam integer PICK_GW = 13;            // 104 / PICK_GROUPS
// (a 128-bit stride per queue, 104 bits used: the index stays a shift; a
// stride of 104 was synthesized as a multiplier)
wire [128*RX_QUEUES-1:0] fq_hdr_used;
wire [103:0]             pick_hdr;
genvar hq, hg;
generate
for (hq = 0; hq < RX_QUEUES; hq = hq + 1) begin : g_hdr_used
    assign fq_hdr_used[128*hq +: 128] = {24'd0, fq_hdr[hq*128 + 96 +: 32], fq_hdr[hq*128 + 72 +: 8], fq_hdr[hq*128 +: 64]};
end
for (hg = 0; hg < PICK_GROUPS; hg = hg + 1) begin : g_pick_copy
    reg [QW-1:0] pick_cp_reg = {QW{1'b0}};
    (* keep *) always @(posedge clk) pick_cp_reg <= rd_grant;
    assign pick_hdr[PICK_GW*hg +: PICK_GW] = fq_hdr_used[pick_cp_reg*128 + PICK_GW*hg +: PICK_GW];
end
endgenerate

wire rd_take = rd_load && pick_found_reg && !s_msg_valid;

assign s_msg_ready = rd_load;
assign rd_take_oh = rd_take ? pick_oh_reg : {RX_QUEUES{1'b0}};

always @(posedge clk) begin
    take_reg <= rd_take_oh;
    // an engine's valid drops only after a take or its reset
    req_seen_reg <= fq_valid & ~take_reg & ~rd_take_oh & ~f_rst;
    pick_found_reg <= rd_found;
    pick_reg <= rd_grant;
    pick_oh_reg <= ONE << rd_grant;
    if (rd_tlp_ready) begin
        rd_valid_reg <= 1'b0;
    end
    if (rd_load) begin
        if (s_msg_valid) begin
            rd_valid_reg <= 1'b1;
            rd_hdr_reg <= s_msg_hdr;
            rd_data_reg <= s_msg_data;
            rd_q_oh_reg <= {RX_QUEUES{1'b0}};
        end else begin
            rd_valid_reg <= pick_found_reg;
            rd_data_reg <= 32'd0;
            rd_q_oh_reg <= pick_found_reg ? pick_oh_reg : {RX_QUEUES{1'b0}};
            if (pick_found_reg) begin
                // DW1's Requester ID and byte enables are the same in every
                // descriptor read: set here, so the engines' copies of
                // them are never read (synthesis drops them)
                rd_hdr_reg <= {pick_hdr[103:72], cfg_requester_id, pick_hdr[71:64], 8'hFF, pick_hdr[63:0]};
                rd_rr_reg <= ({{(32-QW){1'b0}}, pick_reg} == RX_QUEUES - 1) ? {QW{1'b0}} : pick_reg + 1'b1;
            end
        end
    end
    if (rst) begin
        rd_valid_reg <= 1'b0;
        rd_rr_reg <= {QW{1'b0}};
        pick_found_reg <= 1'b0;
        take_reg <= {RX_QUEUES{1'b0}};
        req_seen_reg <= {RX_QUEUES{1'b0}};
    end
end

// Started write TLPs, beats of the queue still held in the arbiter's output
// stage (MemWr and MemRd), a MemRd requested by the queue's fetch engine
// (taken or not: an engine never withdraws a request) or in the MemRd
// register, and the cycle after a disable, while the engine still acts on
// the enable it registered.
assign q_busy = wr_busy | pend_user[UW-1 -: RX_QUEUES] | fq_valid | (rd_valid_reg ? rd_q_oh_reg : {RX_QUEUES{1'b0}})
    | (en_busy_reg & ~q_enable);

// ---------------------------------------------------------------------------
// checksum offload: passive tap on the frame stream and the meta handshake
// ---------------------------------------------------------------------------

wire [1:0]  csum_ip;
wire [1:0]  csum_l4;
wire [15:0] csum_complete;
wire        csum_pend_tail;

nic_rx_csum #(
    .DATA_WIDTH(TLP_DATA_WIDTH),
    .META_WIDTH(META_WIDTH)
) csum_inst (
    .clk(clk),
    .rst(rst_csum_reg),
    .s_axis_tdata(s_axis_tdata),
    .s_axis_tkeep(s_axis_tkeep),
    .s_axis_tvalid(s_axis_tvalid),
    .s_axis_tready(s_axis_tready),
    .s_axis_tlast(s_axis_tlast),
    .s_meta_tdata(s_meta_tdata),
    .s_meta_tvalid(s_meta_tvalid),
    .s_meta_tready(s_meta_tready),
    .m_ip_csum(csum_ip),
    .m_l4_csum(csum_l4),
    .m_csum_complete(csum_complete),
    .m_pend_tail(csum_pend_tail)
);

// ---------------------------------------------------------------------------
// frame path (shared)
// ---------------------------------------------------------------------------

nic_rx_dma_wr #(
    .TLP_DATA_WIDTH(TLP_DATA_WIDTH),
    .RX_QUEUES(RX_QUEUES),
    .META_WIDTH(META_WIDTH)
) dma_wr_inst (
    .clk(clk),
    .rst(rst_dma_wr_reg),
    .s_axis_tdata(s_axis_tdata),
    .s_axis_tvalid(s_axis_tvalid),
    .s_axis_tready(s_axis_tready),
    .s_axis_tlast(s_axis_tlast),
    .s_meta_len(s_meta_len),
    .s_meta_tdata(s_meta_tdata),
    .s_meta_tvalid(s_meta_tvalid),
    .s_meta_tready(s_meta_tready),
    .q_enable(en_dma_reg),
    .q_halted(halted),
    .q_cpl_base(q_cpl_base),
    .q_cpl_log_size(q_cpl_log_size),
    .q_cpl_cons(q_cpl_cons),
    .q_hdr_base(q_hdr_base),
    .q_hdr_count(q_hdr_count),
    .q_rx_cfg(q_rx_cfg),
    .s_desc_addr(desc_addr),
    .s_desc_len(desc_len),
    .s_desc_buf_id(desc_buf_id),
    .s_desc_idx(desc_idx),
    .s_desc_bad(desc_bad),
    .s_desc_valid(desc_valid),
    .s_desc_ready(desc_ready),
    .s_desc_empty(desc_empty),
    .s_desc_hdr_idx(desc_hdr_idx),
    .s_desc_avail(desc_avail),
    .s_csum_ip(csum_ip),
    .s_csum_l4(csum_l4),
    .s_csum_complete(csum_complete),
    .s_csum_pend_tail(csum_pend_tail),
    .cfg_requester_id(cfg_requester_id),
    .cfg_bus_master_enable(cfg_bus_master_enable),
    .cfg_max_payload_size(cfg_max_payload_size),
    .m_tlp_hdr(wr_tlp_hdr),
    .m_tlp_data(wr_tlp_data),
    .m_tlp_sop(wr_tlp_sop),
    .m_tlp_eop(wr_tlp_eop),
    .m_tlp_commit(wr_tlp_commit),
    .m_tlp_queue(wr_tlp_queue),
    .m_tlp_valid(wr_tlp_valid),
    .m_tlp_ready(wr_tlp_ready),
    .stat_frame_ok(stat_frame_ok),
    .stat_frame_bytes(frame_bytes),
    .stat_drop_no_desc(stat_drop_no_desc),
    .stat_drop_buf_too_small(stat_drop_buf_too_small),
    .stat_drop_bad_desc(stat_drop_bad_desc),
    .stat_drop_disabled(drop_disabled_dec),
    .stat_abort_disabled(drop_disabled_abort),
    .stat_split(stat_split),
    .stat_hdr_overflow(stat_hdr_overflow),
    .busy(wr_busy)
);

assign stat_frame_bytes = {RX_QUEUES{frame_bytes}};

wire [RX_QUEUES-1:0] wr_onehot = ONE << wr_tlp_queue;

nic_tlp_req_mux #(
    .DATA_WIDTH(TLP_DATA_WIDTH),
    .USER_WIDTH(UW)
) req_mux_inst (
    .clk(clk),
    .rst(rst),
    .s0_hdr(rd_hdr_reg),
    .s0_data({{(TLP_DATA_WIDTH-32){1'b0}}, rd_data_reg}),
    .s0_sop(1'b1),
    .s0_eop(1'b1),
    .s0_user({rd_q_oh_reg, {(QW+1){1'b0}}}),   // queue for q_busy; no commit
    .s0_valid(rd_valid_reg),
    .s0_ready(rd_tlp_ready),
    .s1_hdr(wr_tlp_hdr),
    .s1_data(wr_tlp_data),
    .s1_sop(wr_tlp_sop),
    .s1_eop(wr_tlp_eop),
    .s1_user({wr_onehot, wr_tlp_queue, wr_tlp_commit}),
    .s1_valid(wr_tlp_valid),
    .s1_ready(wr_tlp_ready),
    .m_hdr(m_tlp_req_hdr),
    .m_data(m_tlp_req_data),
    .m_sop(m_tlp_req_sop),
    .m_eop(m_tlp_req_eop),
    .m_user(m_user),
    .m_valid(m_tlp_req_valid),
    .m_ready(m_tlp_req_ready),
    .pend_user(pend_user),
    .bus_master_enable(cfg_bus_master_enable),
    .hold(tlp_hold),
    .busy(tlp_busy)
);

// ---------------------------------------------------------------------------
// per-queue exported indices and drop-disabled merging
// ---------------------------------------------------------------------------

wire          commit = m_tlp_req_valid && m_tlp_req_ready && m_tlp_req_eop && m_user[0];
wire [QW-1:0] commit_q = m_user[QW:1];
// descriptors the committed record accounts for (>= 1, docs/split.md)
wire [15:0]   commit_dcount = {8'd0, m_tlp_req_data[DCOUNT_LSB +: CPL_DESC_COUNT_W]};

generate
for (q = 0; q < RX_QUEUES; q = q + 1) begin : g_q
    localparam [QW-1:0] QI = q;

    // one record per frame, DESC_COUNT descriptors per record
    reg [15:0] desc_cons_reg = 16'd0;
    reg [15:0] cpl_prod_reg = 16'd0;
    reg        en_idx_reg = 1'b0;   // the indices' copy of q_enable[q] (above)
    (* keep *) always @(posedge clk) en_idx_reg <= q_enable[q];

    always @(posedge clk) begin
        if (commit && commit_q == QI) begin
            desc_cons_reg <= desc_cons_reg + commit_dcount;
            cpl_prod_reg <= cpl_prod_reg + 16'd1;
        end
        if (rst || !en_idx_reg) begin
            desc_cons_reg <= 16'd0;
            cpl_prod_reg <= 16'd0;
        end
    end

    assign q_desc_cons[q*16 +: 16] = desc_cons_reg;
    assign q_cpl_prod[q*16 +: 16] = cpl_prod_reg;
    assign q_cpl_event[q] = commit && commit_q == QI;

    // drop-disabled pulses from two sources, merged without losing any
    reg [2:0] drop_dis_pend_reg = 3'd0;
    reg       drop_dis_reg = 1'b0;

    wire [3:0] drop_dis_total = {1'b0, drop_dis_pend_reg} + {3'd0, drop_disabled_dec[q]}
        + {3'd0, drop_disabled_abort[q]};

    always @(posedge clk) begin
        drop_dis_reg <= drop_dis_total != 4'd0;
        drop_dis_pend_reg <= (drop_dis_total != 4'd0) ? drop_dis_total[2:0] - 3'd1 : 3'd0;
        if (rst) begin
            drop_dis_reg <= 1'b0;
            drop_dis_pend_reg <= 3'd0;
        end
    end

    assign stat_drop_disabled[q] = drop_dis_reg;
end
endgenerate

// unused: per-instance completion ready (always 1), user bits of MemRd beats
wire _unused_ok = &{1'b0, fq_cpl_ready, m_user[UW-1 -: RX_QUEUES], pend_user[QW:0], 1'b0};

endmodule

`default_nettype wire
