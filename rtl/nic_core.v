`timescale 1ns / 1ps
`default_nettype none

/*
 * NIC core (top level): MAC RX stream -> store-and-forward RX FIFO -> RX DMA
 * engine (RX_QUEUES queues: descriptor rings, DMA writes, completion rings),
 * plus the BAR0 register block / MMIO completer. nic_rss taps the MAC stream
 * (parser, Toeplitz hash, indirection table) and hands one metadata word per
 * frame to the FIFO, which keeps it with the frame; the engine steers each
 * frame to the meta's queue and copies the fields into the completion record.
 * nic_msix holds the MSI-X table, PBA and per-vector moderation (BAR0
 * 0x8000..0xBFFF, reached through nic_csr) and hands its messages to the
 * engine, which sends them on m_tlp_req behind the completion records they
 * announce (docs/interrupts.md). Ports: docs/interfaces.md.
 *
 * Resets: rst is the hard reset. CTRL.RESET (soft reset from nic_csr) is or'ed
 * into the datapath reset (FIFO, engine), which is registered and so lags
 * both by a cycle; the CSR clears its own registers for the soft reset's
 * window. The FIFO also gets the hard reset alone, to keep track
 * of MAC framing across a soft reset; nic_rss sees the same stream and also
 * runs on the hard reset only, so its results stay paired with the FIFO's
 * frames across a soft reset. nic_msix gets both resets apart: soft_rst
 * clears its vector state but not its register handshake with nic_csr.
 */
module nic_core #(
    parameter AXIS_DATA_WIDTH   = 64,            // MAC stream
    parameter AXIS_KEEP_WIDTH   = AXIS_DATA_WIDTH/8,
    parameter TLP_DATA_WIDTH    = 128,           // PCIe transaction layer
    parameter RX_FIFO_BYTES     = 32768,         // store-and-forward RX FIFO
    parameter DESC_FETCH_MAX    = 8,             // descriptors per DMA read
    parameter DESC_CACHE_DEPTH  = 16,            // descriptors held on chip
    parameter DMA_READ_TAGS     = 4,             // outstanding descriptor reads per queue
    parameter CPL_TIMEOUT_CYCLES = 1 << 20,      // DMA read completion timeout
    parameter RX_QUEUES         = 8,             // RX queues, 1..64 (RX_QUEUES * DMA_READ_TAGS <= 256)
    parameter RETA_ENTRIES      = 128,           // RSS indirection table entries, power of two, 128..512
    parameter MSIX_VECTORS      = 16,            // MSI-X table entries, 1..256
    parameter CLK_PERIOD_PS     = 6400           // clk period (156.25 MHz), for ns-based interrupt moderation
) (
    input  wire                        clk,
    input  wire                        rst,

    // MAC receive stream
    input  wire [AXIS_DATA_WIDTH-1:0]  s_axis_rx_tdata,
    input  wire [AXIS_KEEP_WIDTH-1:0]  s_axis_rx_tkeep,
    input  wire                        s_axis_rx_tvalid,
    output wire                        s_axis_rx_tready,
    input  wire                        s_axis_rx_tlast,
    input  wire                        s_axis_rx_tuser,

    // PCIe completer requests in (host -> NIC: MMIO to BAR0)
    input  wire [127:0]                s_tlp_req_hdr,
    input  wire [TLP_DATA_WIDTH-1:0]   s_tlp_req_data,
    input  wire [2:0]                  s_tlp_req_bar_id,
    input  wire                        s_tlp_req_sop,
    input  wire                        s_tlp_req_eop,
    input  wire                        s_tlp_req_valid,
    output wire                        s_tlp_req_ready,

    // PCIe completer completions out (NIC -> host: MMIO read data)
    output wire [127:0]                m_tlp_cpl_hdr,
    output wire [TLP_DATA_WIDTH-1:0]   m_tlp_cpl_data,
    output wire                        m_tlp_cpl_sop,
    output wire                        m_tlp_cpl_eop,
    output wire                        m_tlp_cpl_valid,
    input  wire                        m_tlp_cpl_ready,

    // PCIe requester requests out (NIC -> host: DMA MemWr and MemRd)
    output wire [127:0]                m_tlp_req_hdr,
    output wire [TLP_DATA_WIDTH-1:0]   m_tlp_req_data,
    output wire                        m_tlp_req_sop,
    output wire                        m_tlp_req_eop,
    output wire                        m_tlp_req_valid,
    input  wire                        m_tlp_req_ready,

    // PCIe requester completions in (host -> NIC: DMA read data)
    input  wire [127:0]                s_tlp_cpl_hdr,
    input  wire [TLP_DATA_WIDTH-1:0]   s_tlp_cpl_data,
    input  wire                        s_tlp_cpl_sop,
    input  wire                        s_tlp_cpl_eop,
    input  wire                        s_tlp_cpl_valid,
    output wire                        s_tlp_cpl_ready,

    // Configuration the PCIe block exports from config space
    input  wire [15:0]                 cfg_requester_id,
    input  wire                        cfg_bus_master_enable,
    input  wire [2:0]                  cfg_max_payload_size,
    input  wire [2:0]                  cfg_max_read_req_size,
    // MSI-X capability (Message Control, config space) and its table size (N-1)
    input  wire                        cfg_msix_enable,
    input  wire                        cfg_msix_function_mask,
    output wire [10:0]                 cfg_msix_table_size
);

// The shared header declares every spec constant; each module uses a few.
/* verilator lint_off UNUSEDPARAM */
`include "nic_spec.vh"
`include "nic_rx_meta.vh"
/* verilator lint_on UNUSEDPARAM */

// MSI-X Table Size (N - 1), a constant the PCIe block's config space
// advertises in Message Control
localparam integer MSIX_TABLE_SIZE_I = MSIX_VECTORS - 1;
localparam [10:0] MSIX_TABLE_SIZE = MSIX_TABLE_SIZE_I[10:0];
assign cfg_msix_table_size = MSIX_TABLE_SIZE;

// ---------------------------------------------------------------------------
// Resets
// ---------------------------------------------------------------------------

wire soft_rst;
wire tlp_hold;   // CTRL.RESET quiesce: no new TLP on m_tlp_req
wire tlp_busy;   // a TLP is still in progress on m_tlp_req
// The datapath reset (hard or soft), registered next to each block it
// resets (`keep`: the copies stay apart). A combinational OR placed between
// the CSR block and the FIFO made two long hops in one cycle into the FIFO's
// reset logic (the core's worst path once q_enable was registered). The
// copies lag rst and soft_rst by a cycle; nic_csr's tlp_hold covers the
// soft reset's first cycle (no TLP starts while it is high) and the engine's
// own reset copies lag another cycle, so no TLP starts in the cycle after.
reg fifo_rst_reg = 1'b1;
reg engine_rst_reg = 1'b1;
(* keep *) always @(posedge clk) fifo_rst_reg <= rst || soft_rst;
(* keep *) always @(posedge clk) engine_rst_reg <= rst || soft_rst;

// ---------------------------------------------------------------------------
// Registers
// ---------------------------------------------------------------------------

wire rx_enable;

wire [RX_QUEUES-1:0] q_enable;
wire [RX_QUEUES*64-1:0] q_desc_base;
wire [RX_QUEUES*4-1:0] q_desc_log_size;
wire [RX_QUEUES*16-1:0] q_desc_prod;
wire [RX_QUEUES*64-1:0] q_cpl_base;
wire [RX_QUEUES*4-1:0] q_cpl_log_size;
wire [RX_QUEUES*16-1:0] q_cpl_cons;
wire [RX_QUEUES*64-1:0] q_hdr_base;
wire [RX_QUEUES*16-1:0] q_hdr_count;
wire [RX_QUEUES*32-1:0] q_rx_cfg;
wire [RX_QUEUES*16-1:0] q_desc_cons;
wire [RX_QUEUES*16-1:0] q_cpl_prod;
wire [RX_QUEUES-1:0] q_halted;
wire [RX_QUEUES-1:0] q_busy;

wire [RX_QUEUES-1:0] stat_q_frame_ok;
wire [RX_QUEUES*16-1:0] stat_q_frame_bytes;
wire [RX_QUEUES-1:0] stat_q_drop_no_desc;
wire [RX_QUEUES-1:0] stat_q_drop_buf_too_small;
wire [RX_QUEUES-1:0] stat_q_drop_bad_desc;
wire [RX_QUEUES-1:0] stat_q_drop_disabled;
wire [RX_QUEUES-1:0] stat_q_split;
wire [RX_QUEUES-1:0] stat_q_hdr_overflow;
wire [RX_QUEUES-1:0] err_cpl_status;
wire [RX_QUEUES-1:0] err_cpl_unexpected;
wire [RX_QUEUES-1:0] err_cpl_timeout;

wire [5:0] rss_hash_types;
wire [7:0] rss_default_queue;
wire [319:0] rss_key;
wire reta_wr_en;
wire [8:0] reta_wr_addr;
wire [7:0] reta_wr_data;
wire [8:0] reta_rd_addr;
wire [7:0] reta_rd_data;

wire [15:0] msix_reg_addr;
wire [31:0] msix_reg_wr_data;
wire [3:0] msix_reg_wr_be;
wire msix_reg_wr;
wire msix_reg_rd;
wire msix_reg_ack;
wire [31:0] msix_reg_rd_data;
wire [7:0] err_vector;
wire err_event;
wire [RX_QUEUES*8-1:0] q_irq_vector;
wire [RX_QUEUES-1:0] q_cpl_event;

wire [127:0] msg_hdr;
wire [31:0] msg_data;
wire msg_valid;
wire msg_ready;

wire [31:0] fifo_fill_bytes;
wire stat_rx_frame_in;
wire stat_rx_drop_fifo_full;
wire stat_rx_drop_mac_error;
wire stat_rx_drop_runt;
wire stat_rx_drop_oversize;
wire stat_rx_drop_disabled;

nic_csr #(
    .TLP_DATA_WIDTH(TLP_DATA_WIDTH),
    .RX_QUEUES(RX_QUEUES),
    .RX_FIFO_BYTES(RX_FIFO_BYTES),
    .DESC_FETCH_MAX(DESC_FETCH_MAX),
    .RETA_ENTRIES(RETA_ENTRIES),
    .MSIX_VECTORS(MSIX_VECTORS),
    .CLK_PERIOD_PS(CLK_PERIOD_PS),
    .SOFT_RESET_CYCLES(16)
)
csr_inst (
    .clk(clk),
    .rst(rst),

    .s_tlp_req_hdr(s_tlp_req_hdr),
    .s_tlp_req_data(s_tlp_req_data),
    .s_tlp_req_bar_id(s_tlp_req_bar_id),
    .s_tlp_req_sop(s_tlp_req_sop),
    .s_tlp_req_eop(s_tlp_req_eop),
    .s_tlp_req_valid(s_tlp_req_valid),
    .s_tlp_req_ready(s_tlp_req_ready),

    .m_tlp_cpl_hdr(m_tlp_cpl_hdr),
    .m_tlp_cpl_data(m_tlp_cpl_data),
    .m_tlp_cpl_sop(m_tlp_cpl_sop),
    .m_tlp_cpl_eop(m_tlp_cpl_eop),
    .m_tlp_cpl_valid(m_tlp_cpl_valid),
    .m_tlp_cpl_ready(m_tlp_cpl_ready),

    .cfg_requester_id(cfg_requester_id),

    .soft_rst(soft_rst),
    .tlp_hold(tlp_hold),
    .tlp_busy(tlp_busy),
    .rx_enable(rx_enable),

    .rss_hash_types(rss_hash_types),
    .rss_default_queue(rss_default_queue),
    .rss_key(rss_key),
    .reta_wr_en(reta_wr_en),
    .reta_wr_addr(reta_wr_addr),
    .reta_wr_data(reta_wr_data),
    .reta_rd_addr(reta_rd_addr),
    .reta_rd_data(reta_rd_data),

    .reg_addr(msix_reg_addr),
    .reg_wr_data(msix_reg_wr_data),
    .reg_wr_be(msix_reg_wr_be),
    .reg_wr(msix_reg_wr),
    .reg_rd(msix_reg_rd),
    .reg_ack(msix_reg_ack),
    .reg_rd_data(msix_reg_rd_data),

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
    .stat_q_frame_ok(stat_q_frame_ok),
    .stat_q_frame_bytes(stat_q_frame_bytes),
    .stat_q_drop_no_desc(stat_q_drop_no_desc),
    .stat_q_drop_buf_too_small(stat_q_drop_buf_too_small),
    .stat_q_drop_bad_desc(stat_q_drop_bad_desc),
    .stat_q_drop_disabled(stat_q_drop_disabled),
    .stat_q_split(stat_q_split),
    .stat_q_hdr_overflow(stat_q_hdr_overflow),
    .err_cpl_status(err_cpl_status),
    .err_cpl_unexpected(err_cpl_unexpected),
    .err_cpl_timeout(err_cpl_timeout),

    .fifo_fill_bytes(fifo_fill_bytes),
    .stat_rx_frame_in(stat_rx_frame_in),
    .stat_rx_drop_fifo_full(stat_rx_drop_fifo_full),
    .stat_rx_drop_mac_error(stat_rx_drop_mac_error),
    .stat_rx_drop_runt(stat_rx_drop_runt),
    .stat_rx_drop_oversize(stat_rx_drop_oversize),
    .stat_rx_drop_disabled(stat_rx_drop_disabled)
);

// ---------------------------------------------------------------------------
// MSI-X: table, PBA, per-vector moderation, message sender
// ---------------------------------------------------------------------------

nic_msix #(
    .MSIX_VECTORS(MSIX_VECTORS),
    .RX_QUEUES(RX_QUEUES),
    .CLK_PERIOD_PS(CLK_PERIOD_PS)
)
msix_inst (
    .clk(clk),
    .rst(rst),
    .soft_rst(soft_rst),

    .reg_addr(msix_reg_addr),
    .reg_wr_data(msix_reg_wr_data),
    .reg_wr_be(msix_reg_wr_be),
    .reg_wr(msix_reg_wr),
    .reg_rd(msix_reg_rd),
    .reg_ack(msix_reg_ack),
    .reg_rd_data(msix_reg_rd_data),

    .cfg_msix_enable(cfg_msix_enable),
    .cfg_msix_function_mask(cfg_msix_function_mask),
    .cfg_bus_master_enable(cfg_bus_master_enable),
    .cfg_requester_id(cfg_requester_id),

    .q_enable(q_enable),
    .q_cpl_prod(q_cpl_prod),
    .q_cpl_cons(q_cpl_cons),
    .q_irq_vector(q_irq_vector),
    .q_cpl_event(q_cpl_event),

    .err_event(err_event),
    .err_vector(err_vector),

    .m_msg_hdr(msg_hdr),
    .m_msg_data(msg_data),
    .m_msg_valid(msg_valid),
    .m_msg_ready(msg_ready)
);

// ---------------------------------------------------------------------------
// RSS: parser, Toeplitz hash, indirection table on a tap of the MAC stream
// ---------------------------------------------------------------------------

wire rss_meta_valid;
wire [31:0] rss_meta_hash;
wire [3:0] rss_meta_type;
wire [7:0] rss_meta_queue;
wire [1:0] rss_meta_l3_type;
wire [1:0] rss_meta_l4_type;
wire [7:0] rss_meta_flags;
wire [1:0] rss_meta_vlan_count;
wire [9:0] rss_meta_l3_offset;
wire [9:0] rss_meta_l4_offset;
wire [9:0] rss_meta_payload_offset;

nic_rss #(
    .RX_QUEUES(RX_QUEUES),
    .RETA_ENTRIES(RETA_ENTRIES)
)
rss_inst (
    .clk(clk),
    .rst(rst),

    .s_axis_tdata(s_axis_rx_tdata),
    .s_axis_tkeep(s_axis_rx_tkeep),
    .s_axis_tvalid(s_axis_rx_tvalid),
    .s_axis_tready(s_axis_rx_tready),
    .s_axis_tlast(s_axis_rx_tlast),

    .rss_key(rss_key),
    .rss_hash_types(rss_hash_types),
    .rss_default_queue(rss_default_queue),
    .reta_wr_en(reta_wr_en),
    .reta_wr_addr(reta_wr_addr),
    .reta_wr_data(reta_wr_data),
    .reta_rd_addr(reta_rd_addr),
    .reta_rd_data(reta_rd_data),

    .m_meta_valid(rss_meta_valid),
    .m_meta_hash(rss_meta_hash),
    .m_meta_type(rss_meta_type),
    .m_meta_queue(rss_meta_queue),
    .m_meta_l3_type(rss_meta_l3_type),
    .m_meta_l4_type(rss_meta_l4_type),
    .m_meta_flags(rss_meta_flags),
    .m_meta_vlan_count(rss_meta_vlan_count),
    .m_meta_l3_offset(rss_meta_l3_offset),
    .m_meta_l4_offset(rss_meta_l4_offset),
    .m_meta_payload_offset(rss_meta_payload_offset)
);

wire [META_W-1:0] rss_meta;
assign rss_meta[META_HASH_LSB +: 32] = rss_meta_hash;
assign rss_meta[META_TYPE_LSB +: 4] = rss_meta_type;
assign rss_meta[META_QUEUE_LSB +: 8] = rss_meta_queue;
assign rss_meta[META_L3_TYPE_LSB +: 2] = rss_meta_l3_type;
assign rss_meta[META_L4_TYPE_LSB +: 2] = rss_meta_l4_type;
assign rss_meta[META_FLAGS_LSB +: 8] = rss_meta_flags;
assign rss_meta[META_VLAN_LSB +: 2] = rss_meta_vlan_count;
assign rss_meta[META_L3_OFF_LSB +: 10] = rss_meta_l3_offset;
assign rss_meta[META_L4_OFF_LSB +: 10] = rss_meta_l4_offset;
assign rss_meta[META_PAY_OFF_LSB +: 10] = rss_meta_payload_offset;

// ---------------------------------------------------------------------------
// RX FIFO
// ---------------------------------------------------------------------------

wire [TLP_DATA_WIDTH-1:0] fifo_tdata;
wire [TLP_DATA_WIDTH/8-1:0] fifo_tkeep;
wire fifo_tvalid;
wire fifo_tready;
wire fifo_tlast;
wire [15:0] fifo_meta_len;
wire [META_W-1:0] fifo_meta_tdata;
wire fifo_meta_tvalid;
wire fifo_meta_tready;

nic_rx_fifo #(
    .S_DATA_WIDTH(AXIS_DATA_WIDTH),
    .S_KEEP_WIDTH(AXIS_KEEP_WIDTH),
    .M_DATA_WIDTH(TLP_DATA_WIDTH),
    .M_KEEP_WIDTH(TLP_DATA_WIDTH/8),
    .RX_FIFO_BYTES(RX_FIFO_BYTES),
    .MIN_FRAME_LEN(MIN_FRAME_LEN),
    .MAX_FRAME_LEN(MAX_FRAME_LEN),
    .META_WIDTH(META_W)
)
rx_fifo_inst (
    .clk(clk),
    .rst(fifo_rst_reg),
    .mac_rst(rst),

    .rx_enable(rx_enable),

    .s_axis_tdata(s_axis_rx_tdata),
    .s_axis_tkeep(s_axis_rx_tkeep),
    .s_axis_tvalid(s_axis_rx_tvalid),
    .s_axis_tready(s_axis_rx_tready),
    .s_axis_tlast(s_axis_rx_tlast),
    .s_axis_tuser(s_axis_rx_tuser),

    .m_axis_tdata(fifo_tdata),
    .m_axis_tkeep(fifo_tkeep),
    .m_axis_tvalid(fifo_tvalid),
    .m_axis_tready(fifo_tready),
    .m_axis_tlast(fifo_tlast),

    .s_meta_tdata(rss_meta),
    .s_meta_tvalid(rss_meta_valid),

    .m_meta_len(fifo_meta_len),
    .m_meta_tdata(fifo_meta_tdata),
    .m_meta_tvalid(fifo_meta_tvalid),
    .m_meta_tready(fifo_meta_tready),

    .fifo_fill_bytes(fifo_fill_bytes),

    .stat_frame_in(stat_rx_frame_in),
    .stat_drop_fifo_full(stat_rx_drop_fifo_full),
    .stat_drop_mac_error(stat_rx_drop_mac_error),
    .stat_drop_runt(stat_rx_drop_runt),
    .stat_drop_oversize(stat_rx_drop_oversize),
    .stat_drop_disabled(stat_rx_drop_disabled)
);

// ---------------------------------------------------------------------------
// RX DMA engine, RX_QUEUES queues
// ---------------------------------------------------------------------------

nic_rx_engine #(
    .TLP_DATA_WIDTH(TLP_DATA_WIDTH),
    .RX_QUEUES(RX_QUEUES),
    .META_WIDTH(META_W),
    .DESC_FETCH_MAX(DESC_FETCH_MAX),
    .DESC_CACHE_DEPTH(DESC_CACHE_DEPTH),
    .DMA_READ_TAGS(DMA_READ_TAGS),
    .CPL_TIMEOUT_CYCLES(CPL_TIMEOUT_CYCLES)
)
rx_engine_inst (
    .clk(clk),
    .rst(engine_rst_reg),

    .s_axis_tdata(fifo_tdata),
    .s_axis_tkeep(fifo_tkeep),
    .s_axis_tvalid(fifo_tvalid),
    .s_axis_tready(fifo_tready),
    .s_axis_tlast(fifo_tlast),

    .s_meta_len(fifo_meta_len),
    .s_meta_tdata(fifo_meta_tdata),
    .s_meta_tvalid(fifo_meta_tvalid),
    .s_meta_tready(fifo_meta_tready),

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
    .q_cpl_event(q_cpl_event),

    .stat_frame_ok(stat_q_frame_ok),
    .stat_frame_bytes(stat_q_frame_bytes),
    .stat_drop_no_desc(stat_q_drop_no_desc),
    .stat_drop_buf_too_small(stat_q_drop_buf_too_small),
    .stat_drop_bad_desc(stat_q_drop_bad_desc),
    .stat_drop_disabled(stat_q_drop_disabled),
    .stat_split(stat_q_split),
    .stat_hdr_overflow(stat_q_hdr_overflow),
    .err_cpl_status(err_cpl_status),
    .err_cpl_unexpected(err_cpl_unexpected),
    .err_cpl_timeout(err_cpl_timeout),

    .m_tlp_req_hdr(m_tlp_req_hdr),
    .m_tlp_req_data(m_tlp_req_data),
    .m_tlp_req_sop(m_tlp_req_sop),
    .m_tlp_req_eop(m_tlp_req_eop),
    .m_tlp_req_valid(m_tlp_req_valid),
    .m_tlp_req_ready(m_tlp_req_ready),

    .s_tlp_cpl_hdr(s_tlp_cpl_hdr),
    .s_tlp_cpl_data(s_tlp_cpl_data),
    .s_tlp_cpl_sop(s_tlp_cpl_sop),
    .s_tlp_cpl_eop(s_tlp_cpl_eop),
    .s_tlp_cpl_valid(s_tlp_cpl_valid),
    .s_tlp_cpl_ready(s_tlp_cpl_ready),

    .s_msg_hdr(msg_hdr),
    .s_msg_data(msg_data),
    .s_msg_valid(msg_valid),
    .s_msg_ready(msg_ready),
    .tlp_hold(tlp_hold),
    .tlp_busy(tlp_busy),

    .cfg_requester_id(cfg_requester_id),
    .cfg_bus_master_enable(cfg_bus_master_enable),
    .cfg_max_payload_size(cfg_max_payload_size),
    .cfg_max_read_req_size(cfg_max_read_req_size)
);

endmodule

`default_nettype wire
