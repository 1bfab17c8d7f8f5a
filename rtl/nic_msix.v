`timescale 1ns / 1ps
`default_nettype none

/*
 * MSI-X: the table and PBA (PCIe Base Specification, MSI-X capability), the
 * per-vector interrupt moderation block (ivec) and the message sender.
 * docs/interrupts.md has the full description; the rules in short:
 *
 * Table (BAR0 MSIX_TABLE_OFFSET, 16 B per vector): message address [31:0]
 * (bits [1:0] forced 0), [63:32], data, vector control (bit 0 mask, other
 * bits read 0). Address and data live in 12 byte-lane RAMs (one 8-bit RAM
 * per dword and lane, so byte enables need no read-modify-write), not reset;
 * the mask bits are flops, set by every reset. One synchronous read port is
 * shared: an MMIO read of the table owns it in its cycle, the sender reads
 * the entry of the vector it sends in the next free cycle (so it waits at
 * most one cycle per MMIO request).
 *
 * PBA (BAR0 MSIX_PBA_OFFSET): vector v is bit v % 32 of dword v / 32 (bit v
 * of qword v / 64, little-endian), read-only. PBA[v] = registered
 * (enable && armed && work && due && (masked || function mask)): it drops
 * again when the work goes away (the driver polled the ring dry), which the
 * specification permits.
 *
 * ivec (BAR0 IVEC_BASE + v * IVEC_STRIDE): ITR_NS (24 bits, saturating at
 * ITR_MAX_NS), ITR_FRAMES (16 bits), CTRL (write ARM: arm; write TRIGGER:
 * set the software-event latch; reads {armed}), MSGS (messages sent, wraps).
 *
 * Vector v
 *   has work  when an enabled queue q with q_irq_vector[q] == v has
 *             q_cpl_prod[q] != q_cpl_cons[q]; or v == err_vector and the
 *             error latch is set (err_event pulse; cleared when v's message
 *             is sent); or v's trigger latch is set;
 *   is due    when its ITR cycle count is 0; or at least that many cycles
 *             passed since v's previous message (a per-vector saturating
 *             counter, saturated after reset so a first event is not
 *             delayed); or ITR_FRAMES != 0 and at least ITR_FRAMES
 *             completions were written on queues mapped to v since then
 *             (q_cpl_event pulses, at most one queue per cycle; saturating);
 *   fires     when armed && work && due.
 * A firing vector is sent when it is unmasked, cfg_msix_enable = 1, the
 * function mask is 0 and cfg_bus_master_enable = 1. Sending ("commit")
 * disarms v, clears its frame count, elapsed counter and trigger latch (and
 * the error latch if v is the error vector) and counts MSGS; a trigger or
 * error event in the commit cycle itself is kept for the next message. An
 * ARM write in the commit cycle of the same vector is absorbed by the
 * commit (the vector was armed already). With MSI-X disabled nothing is sent
 * and the PBA reads 0; the state is kept, so enabling later sends what is
 * due. Masked or BME=0: nothing is sent either (masked sets the PBA bit).
 * Vectors start disarmed and masked. A queue or error vector number >=
 * MSIX_VECTORS raises nothing.
 *
 * Arbitration: round robin over the vectors ready to send (the first one at
 * or after the one following the previous grant), so a vector waits for at
 * most MSIX_VECTORS - 1 other messages. One message at a time: commit, table
 * read, message registered, held until m_msg_ready: 4 cycles per message
 * without back-pressure. For timing the pick is pipelined: the ready flags
 * (fires, unmasked, MSI-X on, function unmasked, BME) are registered, the
 * round-robin pick over them is registered, and the commit takes the picked
 * vector if its ready flag is still set (armed, work and due as of the cycle
 * before) and it is unmasked and MSI-X, function mask and BME allow it in the
 * commit cycle itself (else the pick is made again): a vector is committed 2
 * cycles after it becomes ready at the earliest. (That commit condition is
 * registered per vector from the next values of its four terms, and the
 * pick is one-hot, so the commit hangs off flops.)
 *
 * Timing: the commit cycle of a vector's next message is at least ITR cycles
 * after the commit of its previous one, exactly ITR cycles when the vector is
 * armed with work and the sender is free at that point. The queue state goes
 * through two register stages (per-queue pending, per-vector work), so a
 * change of q_cpl_prod/q_cpl_cons reaches the fire decision 2 cycles later;
 * q_cpl_event counts 1 cycle later.
 *
 * ITR_NS -> cycles: ceil(ns * 1000 / CLK_PERIOD_PS), computed once when
 * ITR_NS is written, as ceil(ns * K / 2^24) with K = ceil(1000 * 2^24 /
 * CLK_PERIOD_PS): exact when 1000 / CLK_PERIOD_PS has a power-of-two
 * denominator (6400 ps: K = 2621440), else at most one cycle long. The
 * product is built bit-serially (one shift-add per ns bit, 24 cycles) so the
 * block needs no multiplier; the ITR_NS write is acknowledged when the new
 * cycle count is in place.
 *
 * Register port: one request at a time (reg_wr or reg_rd one cycle, the next
 * one only after reg_ack); every request gets exactly one reg_ack (one
 * cycle, with reg_rd_data for reads) 3 cycles after the strobe, 29 for an
 * ITR_NS write. Offsets past MSIX_VECTORS (and anything else in the window)
 * read 0 and ignore writes. A write is ignored, but still acknowledged, when
 * soft_rst is high in its strobe cycle or in the cycle after (nic_csr
 * ignores writes during its reset window; the vector state's reset lags
 * soft_rst by a cycle, see Resets). The request is decoded as it is latched
 * (the write cycle uses one registered strobe per register); the ivec read
 * mux is split over the write cycle (vector within a group of 4, field) and
 * the next (group, next to the table RAM data).
 *
 * Resets: rst is the hard reset. soft_rst (CTRL.RESET) resets the same
 * vector state (masks, armed, latches, counters, ITR settings, PBA, sender);
 * only the table RAM keeps its content. The per-vector state (everything in
 * g_vec) is reset one cycle after rst / soft_rst (a registered copy of the
 * reset per vector, for fanout); the sender, the pick, the error latch and
 * the converter are reset at once, so nothing is committed from state the
 * reset is about to clear. A completion event (q_cpl_event) in the cycle
 * right after a soft reset is not counted (the engines leave reset with it
 * and cannot complete a frame that soon). The request/ack handshake runs on
 * rst only, so a request across a soft reset is still answered.
 *
 * Message: MemWr, 1 DW, First BE 0xF, Last BE 0, TC 0, attributes 0, tag 0,
 * requester ID cfg_requester_id, 3-DW header when address [63:32] == 0
 * (DW3 = 0), else 4-DW; data DW0 = message data (docs/interfaces.md).
 */
module nic_msix #(
    parameter MSIX_VECTORS = 16,        // 1..256
    parameter RX_QUEUES = 8,
    parameter CLK_PERIOD_PS = 6400
) (
    input  wire                       clk,
    input  wire                       rst,
    input  wire                       soft_rst,

    // register port from nic_csr: BAR0 byte offsets 0x8000..0xBFFF
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [15:0]                reg_addr,        // dword aligned: [1:0] ignored
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire [31:0]                reg_wr_data,
    input  wire [3:0]                 reg_wr_be,
    input  wire                       reg_wr,
    input  wire                       reg_rd,
    output wire                       reg_ack,
    output wire [31:0]                reg_rd_data,

    // configuration space
    input  wire                       cfg_msix_enable,
    input  wire                       cfg_msix_function_mask,
    input  wire                       cfg_bus_master_enable,
    input  wire [15:0]                cfg_requester_id,

    // queue state, flattened: queue q uses [q*W +: W]
    input  wire [RX_QUEUES-1:0]       q_enable,
    input  wire [RX_QUEUES*16-1:0]    q_cpl_prod,
    input  wire [RX_QUEUES*16-1:0]    q_cpl_cons,
    input  wire [RX_QUEUES*8-1:0]     q_irq_vector,
    input  wire [RX_QUEUES-1:0]       q_cpl_event,

    input  wire                       err_event,
    input  wire [7:0]                 err_vector,

    // message TLP (single beat, header + payload DW0)
    output wire [127:0]               m_msg_hdr,
    output wire [31:0]                m_msg_data,
    output wire                       m_msg_valid,
    input  wire                       m_msg_ready
);

// The shared header declares every spec constant; each module uses a few.
/* verilator lint_off UNUSEDPARAM */
`include "nic_spec.vh"
/* verilator lint_on UNUSEDPARAM */

localparam V = MSIX_VECTORS;
localparam VW = V > 1 ? $clog2(V) : 1;
localparam PBA_DW = (V + 31) / 32;              // PBA dwords holding bits
localparam PBA_IW = PBA_DW > 1 ? $clog2(PBA_DW) : 1;
localparam ENT_SH = $clog2(MSIX_ENTRY_SIZE);
localparam IV_SH = $clog2(IVEC_STRIDE);
localparam integer TAB_BYTES_I = V * MSIX_ENTRY_SIZE;
localparam integer IVEC_BYTES_I = V * IVEC_STRIDE;
localparam integer PBA_BYTES_I = PBA_DW * 4;
localparam [16:0] TAB_BYTES = TAB_BYTES_I[16:0];
localparam [16:0] IVEC_BYTES = IVEC_BYTES_I[16:0];
localparam [16:0] PBA_BYTES = PBA_BYTES_I[16:0];

// ITR_NS -> cycles: ceil(ns * K / 2^FRAC), K = ceil(1000 * 2^FRAC / period).
// FRAC = NS_W keeps the error of the rounded-up K below one cycle over the
// whole ITR_NS range.
localparam NS_W = $clog2(ITR_MAX_NS + 1);
localparam FRAC = NS_W;
// (widening a 32-bit parameter: Verilator 5.006 flags every spelling of it)
/* verilator lint_off WIDTH */
localparam [63:0] PERIOD_PS = CLK_PERIOD_PS;
/* verilator lint_on WIDTH */
localparam [63:0] ITR_K = ((64'd1000 << FRAC) + PERIOD_PS - 64'd1) / PERIOD_PS;
localparam KW = $clog2(ITR_K + 64'd1);
localparam ACC_W = NS_W + KW;
localparam [63:0] MAX_NS_64 = {32'd0, ITR_MAX_NS};
localparam [63:0] MAX_CYC = (MAX_NS_64 * ITR_K + (64'd1 << FRAC) - 64'd1) >> FRAC;
localparam CYC_W0 = $clog2(MAX_CYC + 64'd1);
localparam CYC_W = CYC_W0 < 3 ? 3 : CYC_W0;     // elapsed restarts at 4
localparam RES_W = ACC_W - FRAC + 1;
localparam CNT_W = $clog2(NS_W + 1);
localparam integer NS_W_I = NS_W;
localparam [CNT_W-1:0] CONV_STEPS = NS_W_I[CNT_W-1:0];
localparam [ACC_W-1:0] K_ACC = ITR_K[ACC_W-1:0];
localparam [31:0] NS_MAX_32 = ITR_MAX_NS;

localparam [1:0]
    S_IDLE = 2'd0,      // pick a vector (commit)
    S_READ = 2'd1,      // read its table entry when the RAM port is free
    S_CAPT = 2'd2,      // RAM data valid: build the TLP
    S_SEND = 2'd3;      // present it until accepted

`include "nic_be_merge.vh"

// ---------------------------------------------------------------------------
// Register port: strobe -> latched, decoded request (stage 1: writes, RAM
// read, read mux) -> stage 2 (read data) -> ack
// ---------------------------------------------------------------------------

reg rq_valid_reg = 1'b0;
reg [31:0] rq_data_reg = 32'd0;
reg [3:0] rq_be_reg = 4'd0;

// the address is decoded as it is latched (the window compares are off the
// paths that start at the latched request: RAM read port, writes, read mux)
wire [15:0] r_addr = {reg_addr[15:2], 2'b00};
/* verilator lint_off UNUSEDSIGNAL */
wire [15:0] r_tab_rel = r_addr - MSIX_TABLE_OFFSET;
wire [15:0] r_pba_rel = r_addr - MSIX_PBA_OFFSET;
wire [15:0] r_ivec_rel = r_addr - IVEC_BASE;
/* verilator lint_on UNUSEDSIGNAL */
wire r_tab_hit = r_addr >= MSIX_TABLE_OFFSET && {1'b0, r_tab_rel} < TAB_BYTES;
wire r_ivec_hit = r_addr >= IVEC_BASE && {1'b0, r_ivec_rel} < IVEC_BYTES;
wire r_fld_ctrl = r_tab_rel[3:2] == MSIX_ENTRY_CTRL[3:2];
wire [VW-1:0] r_ivec_vec = r_ivec_rel[IV_SH +: VW];

reg tab_hit_reg = 1'b0;
reg pba_hit_reg = 1'b0;
reg ivec_hit_reg = 1'b0;
reg [VW-1:0] tab_vec_reg = {VW{1'b0}};
reg [VW-1:0] ivec_vec_reg = {VW{1'b0}};
reg [1:0] tab_fld_reg = 2'd0;
reg [1:0] ivec_fld_reg = 2'd0;
reg [PBA_IW-1:0] pba_idx_reg = {PBA_IW{1'b0}};
reg mmio_ram_rd_reg = 1'b0;     // a table read (not the mask) owns the RAM port this cycle

always @(posedge clk) begin
    rq_valid_reg <= reg_wr || reg_rd;
    mmio_ram_rd_reg <= reg_rd && !reg_wr && r_tab_hit && !r_fld_ctrl;
    if (reg_wr || reg_rd) begin
        rq_data_reg <= reg_wr_data;
        rq_be_reg <= reg_wr_be;
        tab_hit_reg <= r_tab_hit;
        pba_hit_reg <= r_addr >= MSIX_PBA_OFFSET && {1'b0, r_pba_rel} < PBA_BYTES;
        ivec_hit_reg <= r_ivec_hit;
        tab_vec_reg <= r_tab_rel[ENT_SH +: VW];
        ivec_vec_reg <= r_ivec_vec;
        tab_fld_reg <= r_tab_rel[3:2];
        ivec_fld_reg <= r_ivec_rel[3:2];
        pba_idx_reg <= r_pba_rel[2 +: PBA_IW];
    end
    if (rst) begin
        rq_valid_reg <= 1'b0;
        mmio_ram_rd_reg <= 1'b0;
    end
end

wire tab_hit = tab_hit_reg;
wire pba_hit = pba_hit_reg;
wire ivec_hit = ivec_hit_reg;
wire [VW-1:0] tab_vec = tab_vec_reg;
wire [VW-1:0] ivec_vec = ivec_vec_reg;
wire [1:0] tab_fld = tab_fld_reg;
wire [1:0] ivec_fld = ivec_fld_reg;
wire [PBA_IW-1:0] pba_idx = pba_idx_reg;
wire mmio_ram_rd = mmio_ram_rd_reg;

wire fld_ctrl = tab_fld == MSIX_ENTRY_CTRL[3:2];

// Writes are decoded as the request is latched, into one registered strobe
// per target (vector and register, table RAM field and byte lane), so no
// address compare sits between the latched request and the write enables
// of the 16 vectors' registers. A write is ignored when soft_rst is high in
// its strobe cycle or in its write cycle (the cycle after): the vector state
// is reset one cycle after soft_rst (see g_vec), so a write in the cycle
// after a soft reset would be lost to it anyway; this keeps the table RAM
// and ITR_NS, which that reset does not reach, consistent with it.
wire r_wr_tab = reg_wr && r_tab_hit;
wire r_wr_ivec = reg_wr && r_ivec_hit;
wire [VW-1:0] r_tab_vec = r_tab_rel[ENT_SH +: VW];
wire [1:0] r_tab_fld = r_tab_rel[3:2];
wire [1:0] r_ivec_fld = r_ivec_rel[3:2];

reg [V-1:0] wr_mask_oh_reg = {V{1'b0}};     // table vector control (mask bit)
reg [V-1:0] wr_frames_oh_reg = {V{1'b0}};   // ivec ITR_FRAMES
reg [V-1:0] wr_ctrl_oh_reg = {V{1'b0}};     // ivec CTRL (byte 0)
reg [11:0] wr_ram_reg = 12'd0;              // table RAM field f, lane k: bit f*4+k
reg itr_ns_wr_reg = 1'b0;
reg itr_ns_ok_reg = 1'b0;                   // not strobed during soft_rst

integer wv, wf;
always @(posedge clk) begin
    for (wv = 0; wv < V; wv = wv + 1) begin
        wr_mask_oh_reg[wv] <= r_wr_tab && !soft_rst && r_tab_vec == wv[VW-1:0] && r_tab_fld == MSIX_ENTRY_CTRL[3:2] && reg_wr_be[0];
        wr_frames_oh_reg[wv] <= r_wr_ivec && !soft_rst && r_ivec_vec == wv[VW-1:0] && r_ivec_fld == IVEC_ITR_FRAMES[3:2];
        wr_ctrl_oh_reg[wv] <= r_wr_ivec && !soft_rst && r_ivec_vec == wv[VW-1:0] && r_ivec_fld == IVEC_CTRL[3:2] && reg_wr_be[0];
    end
    for (wf = 0; wf < 12; wf = wf + 1) begin
        wr_ram_reg[wf] <= r_wr_tab && !soft_rst && r_tab_fld == wf[3:2] && reg_wr_be[wf % 4];
    end
    itr_ns_wr_reg <= r_wr_ivec && r_ivec_fld == IVEC_ITR_NS[3:2];
    itr_ns_ok_reg <= !soft_rst;
    if (rst) begin
        wr_mask_oh_reg <= {V{1'b0}};
        wr_frames_oh_reg <= {V{1'b0}};
        wr_ctrl_oh_reg <= {V{1'b0}};
        wr_ram_reg <= 12'd0;
        itr_ns_wr_reg <= 1'b0;
    end
end

// ITR_NS writes start the converter even during soft_rst (nothing is applied
// then), so the ack always waits for the same sequence
wire itr_ns_wr = itr_ns_wr_reg;

// ---------------------------------------------------------------------------
// Table RAM: address lo (f = 0), hi (1), data (2); one RAM per field and lane.
// f is the entry's dword index (MSIX_ENTRY_ADDR_LO/HI/DATA = 0x0/0x4/0x8);
// dword 3 (vector control) is the mask flop.
// ---------------------------------------------------------------------------

reg [1:0] snd_state_reg = S_IDLE;
reg [VW-1:0] snd_vec_reg = {VW{1'b0}};

// MMIO reads of the table own the port in their cycle; the sender's S_READ
// waits for a cycle without one
wire [VW-1:0] ram_rd_addr = mmio_ram_rd ? tab_vec : snd_vec_reg;
wire [95:0] ram_q;

genvar f, k;
generate
for (f = 0; f < 3; f = f + 1) begin : g_ram_fld
    for (k = 0; k < 4; k = k + 1) begin : g_ram_lane
        reg [7:0] mem [0:V-1];
        reg [7:0] q_reg = 8'd0;
        // address bits [1:0] are forced to 0 in the stored value
        wire [7:0] wbyte = (f == 0 && k == 0) ? (rq_data_reg[7:0] & 8'hFC) : rq_data_reg[k*8 +: 8];
        integer i;

        initial begin
            for (i = 0; i < V; i = i + 1) begin
                mem[i] = 8'd0;
            end
        end

        always @(posedge clk) begin
            if (wr_ram_reg[f*4 + k] && !soft_rst) begin
                mem[tab_vec] <= wbyte;
            end
            q_reg <= mem[ram_rd_addr];
        end

        assign ram_q[f*32 + k*8 +: 8] = q_reg;
    end
end
endgenerate

// ---------------------------------------------------------------------------
// ITR_NS -> cycles converter (bit-serial constant multiply)
// ---------------------------------------------------------------------------

reg conv_busy_reg = 1'b0;
reg conv_apply_reg = 1'b0;
reg [VW-1:0] conv_vec_reg = {VW{1'b0}};
reg [NS_W-1:0] conv_ns_reg = {NS_W{1'b0}};
reg [NS_W-1:0] conv_sh_reg = {NS_W{1'b0}};
reg [ACC_W-1:0] conv_acc_reg = {ACC_W{1'b0}};
reg [CNT_W-1:0] conv_cnt_reg = {CNT_W{1'b0}};

wire [NS_W*V-1:0] v_itr_ns;
// An ITR_NS write takes the addressed vector's current value (for the
// byte-enable merge) from the register read mux, which selects it in the
// write cycle like for a read (st2_grp_sel, valid the cycle after: the
// cycle conv_pend_reg starts the converter); the value cannot change in
// between (only this block's conversion, acknowledged before the next
// request, changes it; a soft reset discards the write)
reg conv_pend_reg = 1'b0;
reg conv_pend_apply_reg = 1'b0;
wire [31:0] st2_grp_sel;
wire [31:0] ns_cur = {{(32-NS_W){1'b0}}, st2_grp_sel[NS_W-1:0]};
wire [31:0] ns_merged = be_merge(ns_cur, rq_data_reg, rq_be_reg);
wire [NS_W-1:0] ns_sat = ns_merged > NS_MAX_32 ? NS_MAX_32[NS_W-1:0] : ns_merged[NS_W-1:0];

wire conv_done = conv_busy_reg && conv_cnt_reg == {CNT_W{1'b0}};
// the write of the result into the vector's registers, decoded one cycle
// ahead (in the last shift-add step) into one registered enable per vector,
// so the counter compare and the vector decode do not drive the enables of
// every vector's ITR registers; a soft reset in that step discards it (one
// in the done cycle itself resets the vector, which takes priority)
wire conv_last_step = conv_busy_reg && conv_cnt_reg == {{(CNT_W-1){1'b0}}, 1'b1};
reg [V-1:0] conv_wr_oh_reg = {V{1'b0}};
integer cv;
always @(posedge clk) begin
    for (cv = 0; cv < V; cv = cv + 1) begin
        conv_wr_oh_reg[cv] <= conv_last_step && conv_apply_reg && !soft_rst && conv_vec_reg == cv[VW-1:0];
    end
    if (rst) begin
        conv_wr_oh_reg <= {V{1'b0}};
    end
end
wire [RES_W-1:0] conv_res = {1'b0, conv_acc_reg[ACC_W-1:FRAC]}
    + {{(RES_W-1){1'b0}}, |conv_acc_reg[FRAC-1:0]};
// never above MAX_CYC, so CYC_W bits hold it
wire [CYC_W-1:0] conv_cyc = conv_res[CYC_W-1:0];

always @(posedge clk) begin
    if (conv_busy_reg && !conv_done) begin
        conv_acc_reg <= {conv_acc_reg[ACC_W-2:0], 1'b0} + (conv_sh_reg[NS_W-1] ? K_ACC : {ACC_W{1'b0}});
        conv_sh_reg <= {conv_sh_reg[NS_W-2:0], 1'b0};
        conv_cnt_reg <= conv_cnt_reg - 1'b1;
    end
    if (conv_done) begin
        conv_busy_reg <= 1'b0;
    end
    conv_pend_reg <= itr_ns_wr;
    if (itr_ns_wr) begin
        conv_pend_apply_reg <= !soft_rst && itr_ns_ok_reg;
        conv_vec_reg <= ivec_vec;
    end
    if (conv_pend_reg) begin
        conv_busy_reg <= 1'b1;
        conv_apply_reg <= !soft_rst && conv_pend_apply_reg;
        conv_ns_reg <= ns_sat;
        conv_sh_reg <= ns_sat;
        conv_acc_reg <= {ACC_W{1'b0}};
        conv_cnt_reg <= CONV_STEPS;
    end
    // a soft reset during the conversion discards its result
    if (soft_rst) begin
        conv_apply_reg <= 1'b0;
    end
    if (rst) begin
        conv_pend_reg <= 1'b0;
        conv_busy_reg <= 1'b0;
        conv_apply_reg <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// Inputs: configuration, per-queue pending work and completion events
// ---------------------------------------------------------------------------

reg en_reg = 1'b0;
reg fmask_reg = 1'b0;
reg [RX_QUEUES-1:0] qpend_reg = {RX_QUEUES{1'b0}};
reg [RX_QUEUES-1:0] qev_reg = {RX_QUEUES{1'b0}};
reg err_pend_reg = 1'b0;

// MSI-X on, function unmasked, bus master: registered from the inputs as
// one flag (the same cycle as en_reg and fmask_reg)
reg glob_ok_reg = 1'b0;
wire glob_ok = glob_ok_reg;
wire glob_ok_next = !rst && cfg_msix_enable && !cfg_msix_function_mask && cfg_bus_master_enable;
always @(posedge clk) begin
    glob_ok_reg <= glob_ok_next;
end

integer qi;
always @(posedge clk) begin
    en_reg <= cfg_msix_enable;
    fmask_reg <= cfg_msix_function_mask;
    for (qi = 0; qi < RX_QUEUES; qi = qi + 1) begin
        qpend_reg[qi] <= q_enable[qi] && q_cpl_prod[qi*16 +: 16] != q_cpl_cons[qi*16 +: 16];
    end
    qev_reg <= q_cpl_event;
    if (rst) begin
        en_reg <= 1'b0;
        fmask_reg <= 1'b0;
        qpend_reg <= {RX_QUEUES{1'b0}};
        qev_reg <= {RX_QUEUES{1'b0}};
    end
end

// ---------------------------------------------------------------------------
// Per-vector state
// ---------------------------------------------------------------------------

wire [V-1:0] v_mask;
wire [V-1:0] v_armed;
wire [V-1:0] v_pba;
wire [V-1:0] v_send_ok;     // registered: fire && unmasked && glob_ok a cycle ago
wire [V-1:0] v_cand;        // registered: pick && send_ok && unmasked && glob_ok now
wire [16*V-1:0] v_itr_frames;
wire [32*V-1:0] v_msgs;

// sender arbitration (below)
wire commit;
wire snd_idle;
wire [V-1:0] pick_oh_next;
reg [V-1:0] pick_oh_reg = {V{1'b0}};         // the registered pick, one-hot
wire [V-1:0] v_err_sel;

genvar v, q;
generate
for (v = 0; v < V; v = v + 1) begin : g_vec
    localparam [7:0] VI = v;

    // the vector's reset: a registered copy of rst || soft_rst per vector
    // (kept apart: one net to every vector's ~140 flops is too slow), so
    // the vector state is reset one cycle after the reset input
    // (keep on the always block: it stops yosys merging the 16 copies)
    reg vrst_reg = 1'b1;
    (* keep *) always @(posedge clk) begin
        vrst_reg <= rst || soft_rst;
    end

    reg mask_reg = 1'b1;
    reg armed_reg = 1'b0;
    reg trig_reg = 1'b0;
    reg [NS_W-1:0] itr_ns_reg = {NS_W{1'b0}};
    reg [CYC_W-1:0] itr_cyc_reg = {CYC_W{1'b0}};
    reg [15:0] itr_frames_reg = 16'd0;
    reg [15:0] frames_reg = 16'd0;
    reg [CYC_W-1:0] elapsed_reg = {CYC_W{1'b1}};
    reg [31:0] msgs_reg = 32'd0;
    reg work_q_reg = 1'b0;
    reg due_reg = 1'b0;
    reg pba_reg = 1'b0;
    reg send_ok_reg = 1'b0;

    // the queue -> vector map and the error vector select, decoded as the
    // inputs are registered (one cycle, like the other inputs), so
    // the event count and the work flag do not wait for an 8-bit compare
    reg [RX_QUEUES-1:0] map_reg = {RX_QUEUES{v == 0}};
    reg err_sel_reg = v == 0;
    for (q = 0; q < RX_QUEUES; q = q + 1) begin : g_map
        always @(posedge clk) begin
            map_reg[q] <= q_irq_vector[q*8 +: 8] == VI;
        end
    end
    always @(posedge clk) begin
        err_sel_reg <= err_vector == VI;
    end
    wire [RX_QUEUES-1:0] map = map_reg;

    wire ev = |(qev_reg & map);
    wire err_here = err_pend_reg && err_sel_reg;
    wire work = work_q_reg || trig_reg || err_here;
    wire fire = armed_reg && work && due_reg;
    // committed when the sender is idle and the registered pick names v, if
    // v could still send a cycle ago (send_ok_reg: the pick is two cycles
    // old) and is still unmasked with MSI-X on now. That conjunction of four
    // registers is itself registered (cand_reg, from their next values), so
    // the commit does not wait for the fire logic and the vector's updates
    // hang off one flop and the sender state.
    wire mask_next;
    wire send_ok_next;
    reg cand_reg = 1'b0;
    always @(posedge clk) begin
        cand_reg <= pick_oh_next[v] && send_ok_next && !mask_next && glob_ok_next;
    end
    wire send = snd_idle && cand_reg;

    wire mask_wr = wr_mask_oh_reg[v] && !soft_rst;
    wire frames_wr = wr_frames_oh_reg[v] && !soft_rst;
    wire ctrl_wr = wr_ctrl_oh_reg[v] && !soft_rst;
    wire [31:0] frames_wr_val = be_merge({16'd0, itr_frames_reg}, rq_data_reg, rq_be_reg);
    wire _unused_v = &{1'b0, frames_wr_val[31:16], 1'b0};

    always @(posedge clk) begin
        if (elapsed_reg != {CYC_W{1'b1}}) begin
            elapsed_reg <= elapsed_reg + 1'b1;
        end
        if (ev && frames_reg != 16'hFFFF) begin
            frames_reg <= frames_reg + 16'd1;
        end
        if (ctrl_wr && rq_data_reg[IVEC_CTRL_ARM_BIT]) begin
            armed_reg <= 1'b1;
        end
        if (send) begin
            armed_reg <= 1'b0;
            trig_reg <= 1'b0;
            // 4: the due flag, the send_ok flag and the pick are
            // registered, so the next commit can come exactly ITR cycles
            // after this one
            elapsed_reg <= {{(CYC_W-3){1'b0}}, 3'd4};
            frames_reg <= {15'd0, ev};
            msgs_reg <= msgs_reg + 32'd1;
        end
        if (ctrl_wr && rq_data_reg[IVEC_CTRL_TRIGGER_BIT]) begin
            trig_reg <= 1'b1;
        end
        if (mask_wr) begin
            mask_reg <= rq_data_reg[MSIX_CTRL_MASKED_BIT];
        end
        if (frames_wr) begin
            itr_frames_reg <= frames_wr_val[15:0];
        end
        if (conv_wr_oh_reg[v]) begin
            itr_ns_reg <= conv_ns_reg;
            itr_cyc_reg <= conv_cyc;
        end

        work_q_reg <= |(qpend_reg & map);
        due_reg <= itr_cyc_reg == {CYC_W{1'b0}} || elapsed_reg >= itr_cyc_reg
            || (itr_frames_reg != 16'd0 && frames_reg >= itr_frames_reg);
        pba_reg <= en_reg && fire && (mask_reg || fmask_reg);
        send_ok_reg <= fire && !mask_reg && glob_ok;

        if (vrst_reg) begin
            mask_reg <= 1'b1;
            armed_reg <= 1'b0;
            trig_reg <= 1'b0;
            itr_ns_reg <= {NS_W{1'b0}};
            itr_cyc_reg <= {CYC_W{1'b0}};
            itr_frames_reg <= 16'd0;
            frames_reg <= 16'd0;
            elapsed_reg <= {CYC_W{1'b1}};
            msgs_reg <= 32'd0;
            work_q_reg <= 1'b0;
            due_reg <= 1'b0;
            pba_reg <= 1'b0;
            send_ok_reg <= 1'b0;
        end
    end

    assign v_mask[v] = mask_reg;
    assign v_armed[v] = armed_reg;
    assign v_pba[v] = pba_reg;
    assign v_send_ok[v] = send_ok_reg;
    assign v_cand[v] = cand_reg;
    assign v_err_sel[v] = err_sel_reg;
    // the next values of mask_reg and send_ok_reg (as the always block above)
    assign mask_next = vrst_reg ? 1'b1 : mask_wr ? rq_data_reg[MSIX_CTRL_MASKED_BIT] : mask_reg;
    assign send_ok_next = !vrst_reg && fire && !mask_reg && glob_ok;
    assign v_itr_ns[v*NS_W +: NS_W] = itr_ns_reg;
    assign v_itr_frames[v*16 +: 16] = itr_frames_reg;
    assign v_msgs[v*32 +: 32] = msgs_reg;
end
endgenerate

// error latch: set by err_event, cleared when the error vector's message is
// committed (an event in that same cycle keeps it set)
always @(posedge clk) begin
    if (commit && |(pick_oh_reg & v_err_sel)) begin
        err_pend_reg <= 1'b0;
    end
    if (err_event) begin
        err_pend_reg <= 1'b1;
    end
    if (rst || soft_rst) begin
        err_pend_reg <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// Sender: round-robin pick, table read, message register
// ---------------------------------------------------------------------------

// round robin: the vectors at or after the one following the last grant
reg [V-1:0] rr_mask_reg = {V{1'b1}};

// lowest ready vector in rr_mask_reg, else the lowest overall (as
// nic_rr_pick, here one-hot: x & -x on a carry chain instead of a priority
// mux chain); picked every cycle from the registered send_ok flags and
// registered (as the vectors' cand_reg and as a number), so neither the
// fire logic nor the round robin is on the path to the vectors' commit
// updates. A pick older than a commit is never used: the sender is busy for
// at least 3 cycles after one.
wire [V-1:0] req_hi = v_send_ok & rr_mask_reg;
wire [V-1:0] pick_hi = req_hi & (~req_hi + 1'b1);
wire [V-1:0] pick_lo = v_send_ok & (~v_send_ok + 1'b1);
wire [V-1:0] pick_oh = |req_hi ? pick_hi : pick_lo;
// the picked vector's number, encoded from the registered one-hot pick in
// the commit cycle (off the pick path)
reg [VW-1:0] pick_vec;
integer gi;
always @* begin
    pick_vec = {VW{1'b0}};
    for (gi = 0; gi < V; gi = gi + 1) begin
        pick_vec = pick_vec | (pick_oh_reg[gi] ? gi[VW-1:0] : {VW{1'b0}});
    end
end

assign pick_oh_next = (rst || soft_rst) ? {V{1'b0}} : pick_oh;
always @(posedge clk) begin
    pick_oh_reg <= pick_oh;
end

assign snd_idle = snd_state_reg == S_IDLE;
// = OR of the vectors' send, computed here from the flops rather than
// through the vectors (their flags are spread out)
assign commit = snd_idle && |v_cand;

reg [127:0] msg_hdr_reg = 128'd0;
reg [31:0] msg_data_reg = 32'd0;
reg msg_valid_reg = 1'b0;

assign m_msg_hdr = msg_hdr_reg;
assign m_msg_data = msg_data_reg;
assign m_msg_valid = msg_valid_reg;

wire [31:0] ent_addr_lo = ram_q[31:0];
wire [31:0] ent_addr_hi = ram_q[63:32];
wire [31:0] ent_data = ram_q[95:64];
wire ent_4dw = ent_addr_hi != 32'd0;
wire [31:0] msg_dw0 = {ent_4dw ? TLP_FMT_4DW_DATA : TLP_FMT_3DW_DATA, TLP_TYPE_MEM, 14'd0, 10'd1};
wire [31:0] msg_dw1 = {cfg_requester_id, 8'd0, 4'h0, 4'hF};
wire [63:0] msg_dw23 = ent_4dw ? {ent_addr_hi, ent_addr_lo[31:2], 2'b00} : {ent_addr_lo[31:2], 2'b00, 32'd0};

always @(posedge clk) begin
    case (snd_state_reg)
        S_IDLE: begin
            if (commit) begin
                snd_vec_reg <= pick_vec;
                for (gi = 0; gi < V; gi = gi + 1) begin
                    rr_mask_reg[gi] <= pick_oh_reg[V-1] || gi[VW-1:0] > pick_vec;
                end
                snd_state_reg <= S_READ;
            end
        end
        S_READ: begin
            if (!mmio_ram_rd) begin
                snd_state_reg <= S_CAPT;
            end
        end
        S_CAPT: begin
            msg_hdr_reg <= {msg_dw0, msg_dw1, msg_dw23};
            msg_data_reg <= ent_data;
            msg_valid_reg <= 1'b1;
            snd_state_reg <= S_SEND;
        end
        default: begin
            if (m_msg_ready) begin
                msg_valid_reg <= 1'b0;
                snd_state_reg <= S_IDLE;
            end
        end
    endcase
    if (rst || soft_rst) begin
        snd_state_reg <= S_IDLE;
        msg_valid_reg <= 1'b0;
        rr_mask_reg <= {V{1'b1}};
    end
end

// ---------------------------------------------------------------------------
// Register reads and the ack
// ---------------------------------------------------------------------------

wire [PBA_DW*32-1:0] pba_pad = {{(PBA_DW*32-V){1'b0}}, v_pba};

// The ivec read mux (MSIX_VECTORS x 4 fields) is split over the two cycles
// between the latched request and the read data register: stage 1 selects,
// in each group of RD_GRP_N vectors, the vector by the low index bits and
// the field (one register per group); stage 2 selects the group by the high
// index bits, next to the table RAM data. All groups are sampled in the same
// cycle, so a read returns one consistent snapshot, as before.
localparam RD_LO_W = (VW + 1) / 2;
localparam RD_GRP_N = 1 << RD_LO_W;                     // vectors per group
localparam RD_GRPS = (V + RD_GRP_N - 1) / RD_GRP_N;

wire [RD_LO_W-1:0] rd_vec_lo = ivec_vec[RD_LO_W-1:0];
reg [RD_GRPS*32-1:0] rd_grp;
reg [31:0] rd_misc;
integer rg, rv;

always @* begin
    rd_grp = {RD_GRPS*32{1'b0}};
    for (rg = 0; rg < RD_GRPS; rg = rg + 1) begin
        for (rv = 0; rv < RD_GRP_N; rv = rv + 1) begin
            if (rg * RD_GRP_N + rv < V && rd_vec_lo == rv[RD_LO_W-1:0]) begin
                case (ivec_fld)
                    IVEC_ITR_NS[3:2]: rd_grp[rg*32 +: 32] = {{(32-NS_W){1'b0}}, v_itr_ns[(rg*RD_GRP_N + rv)*NS_W +: NS_W]};
                    IVEC_ITR_FRAMES[3:2]: rd_grp[rg*32 +: 32] = {16'd0, v_itr_frames[(rg*RD_GRP_N + rv)*16 +: 16]};
                    IVEC_CTRL[3:2]: rd_grp[rg*32 +: 32] = {31'd0, v_armed[rg*RD_GRP_N + rv]} << IVEC_CTRL_ARM_BIT;
                    default: rd_grp[rg*32 +: 32] = v_msgs[(rg*RD_GRP_N + rv)*32 +: 32];
                endcase
            end
        end
    end
    rd_misc = 32'd0;
    if (tab_hit && fld_ctrl) begin
        rd_misc = {31'd0, v_mask[tab_vec]} << MSIX_CTRL_MASKED_BIT;
    end
    if (pba_hit) begin
        rd_misc = pba_pad[pba_idx*32 +: 32];
    end
end

reg st2_reg = 1'b0;
reg st2_ram_reg = 1'b0;
reg st2_ivec_reg = 1'b0;
reg [1:0] st2_fld_reg = 2'd0;
reg [VW-1:0] st2_grp_reg = {VW{1'b0}};
reg [RD_GRPS*32-1:0] st2_grp_data_reg = {RD_GRPS*32{1'b0}};
reg [31:0] st2_misc_reg = 32'd0;
reg ack_wait_reg = 1'b0;
reg ack_reg = 1'b0;
reg [31:0] rd_data_reg = 32'd0;

assign reg_ack = ack_reg;
assign reg_rd_data = rd_data_reg;

// (a function, not an always block: Icarus would leave it X until the
// first change of its inputs)
function [31:0] grp_pick(input [RD_GRPS*32-1:0] grps, input [VW-1:0] idx);
    integer sg;
    begin
        grp_pick = 32'd0;
        for (sg = 0; sg < RD_GRPS; sg = sg + 1) begin
            if (idx == sg[VW-1:0]) begin
                grp_pick = grps[sg*32 +: 32];
            end
        end
    end
endfunction
assign st2_grp_sel = grp_pick(st2_grp_data_reg, st2_grp_reg);

always @(posedge clk) begin
    st2_reg <= rq_valid_reg;
    st2_ram_reg <= mmio_ram_rd;
    st2_ivec_reg <= ivec_hit;
    st2_fld_reg <= tab_fld;
    st2_grp_reg <= ivec_vec >> RD_LO_W;
    st2_grp_data_reg <= rd_grp;
    st2_misc_reg <= rd_misc;
    if (st2_reg) begin
        rd_data_reg <= st2_ram_reg ? ram_q[st2_fld_reg*32 +: 32] :
                       st2_ivec_reg ? st2_grp_sel : st2_misc_reg;
    end
    // an ITR_NS write is acknowledged once its conversion is done
    ack_reg <= 1'b0;
    if ((st2_reg || ack_wait_reg) && !conv_busy_reg && !conv_pend_reg) begin
        ack_reg <= 1'b1;
        ack_wait_reg <= 1'b0;
    end else if (st2_reg) begin
        ack_wait_reg <= 1'b1;
    end
    if (rst) begin
        st2_reg <= 1'b0;
        ack_wait_reg <= 1'b0;
        ack_reg <= 1'b0;
    end
end

wire _unused_ok = &{1'b0, conv_res, ent_addr_lo[1:0], 1'b0};

endmodule

`default_nettype wire
