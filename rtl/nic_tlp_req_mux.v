`timescale 1ns / 1ps
`default_nettype none

/*
 * Two-input TLP stream arbiter (header-sideband TLP stream, see
 * docs/interfaces.md), switching only at TLP boundaries.
 *
 * Grant: a registered select (gnt_reg: 0 = s0, 1 = s1), decided one cycle
 * ahead, so the data mux and the input readies come from flops, not from
 * the inputs' valid. Only the granted input sees ready (s_ready_reg, gated
 * by hold / bus_master_enable at a TLP boundary); it is locked from the first
 * accepted beat of a TLP to its eop beat, so TLPs are never interleaved.
 * Round robin: in the cycle an eop beat is taken, the grant moves to the
 * other input if it is valid then, else stays (back-to-back TLPs of one
 * input pass with no idle cycle; with both inputs busy they alternate with
 * no idle cycle). At a TLP boundary with no beat taken, the grant moves to
 * a valid input (to the preferred one, rr_reg, if both are valid).
 * Latency: an input that becomes valid while the grant rests on the other,
 * idle input is taken a cycle after it becomes valid (the grant moves at
 * that edge; in the RX engine: a MemRd / MSI-X request after MemWr
 * traffic), else in the cycle it is valid.
 *
 * The output is a full-throughput skid register (two beats of storage), so
 * no input ready depends combinationally on m_ready and the output is
 * registered. The beat storage is cut into SLICES slices of at most
 * SLICE_W bits, each with its own copy of the flops that steer it (grant,
 * s_ready, m_valid; `keep` on their process so yosys does not merge the
 * copies): the select and load-enable nets are one flop, or one LUT on
 * m_ready / bus_master_enable, per slice. The skid beat is loaded whenever
 * s_ready_reg is high (it is empty then; the beat only counts if it has to
 * wait there), the output beat whenever it is free or taken, from the input
 * while s_ready_reg is high and from the skid beat otherwise. Data never
 * passes through the valid/ready logic: a beat costs a 2:1 mux on the
 * registered grant and the skid/output mux.
 *
 * USER_WIDTH sideband bits travel with each beat (the RX engine uses them to
 * mark the beat that commits a completion record and the queue a MemWr
 * belongs to). pend_user is the OR of the user bits of every beat held in the
 * output stage (output and skid registers), so the engine can tell which
 * queues still have write beats inside the arbiter.
 *
 * Inputs may withdraw a beat before it is taken, and may replace an untaken
 * sop beat by another TLP (nic_rx_dma_wr's valid follows its frame input and
 * its abort flag): only beats taken (valid && ready) count.
 *
 * hold: while high, no new TLP is granted (a TLP already started runs to
 * its eop). busy: a TLP is in progress or beats are still held in the output
 * stage. hold && !busy means the output is quiet at a TLP boundary: the soft
 * reset waits for that, so it never cuts a TLP in half.
 *
 * bus_master_enable (PCIe Command.BME): while low, no TLP starts on m: no new
 * TLP is granted, and a sop beat already in the output stage is not
 * presented (m_valid low) unless it was presented at an earlier clock edge
 * (valid is never withdrawn). A TLP whose sop has been presented runs to its
 * eop; everything behind it waits and goes out unchanged once the bit
 * returns. A parked TLP (nothing of it presented) does not count as busy, so
 * a soft reset with bus mastering off completes and discards it; while hold
 * is high it stays parked even if the bit returns, so the reset that follows
 * cannot cut it.
 */
module nic_tlp_req_mux #(
    parameter DATA_WIDTH = 128,
    parameter USER_WIDTH = 1
) (
    input  wire                   clk,
    input  wire                   rst,

    input  wire [127:0]           s0_hdr,
    input  wire [DATA_WIDTH-1:0]  s0_data,
    input  wire                   s0_sop,
    input  wire                   s0_eop,
    input  wire [USER_WIDTH-1:0]  s0_user,
    input  wire                   s0_valid,
    output wire                   s0_ready,

    input  wire [127:0]           s1_hdr,
    input  wire [DATA_WIDTH-1:0]  s1_data,
    input  wire                   s1_sop,
    input  wire                   s1_eop,
    input  wire [USER_WIDTH-1:0]  s1_user,
    input  wire                   s1_valid,
    output wire                   s1_ready,

    output wire [127:0]           m_hdr,
    output wire [DATA_WIDTH-1:0]  m_data,
    output wire                   m_sop,
    output wire                   m_eop,
    output wire [USER_WIDTH-1:0]  m_user,
    output wire                   m_valid,
    input  wire                   m_ready,

    output wire [USER_WIDTH-1:0]  pend_user,

    input  wire                   bus_master_enable,
    input  wire                   hold,
    output wire                   busy
);

// beat layout: {hdr, data, sop, eop, user}
localparam BEAT_W = 128 + DATA_WIDTH + 2 + USER_WIDTH;
localparam SOP_BIT = USER_WIDTH + 1;
// control copies: one per slice of at most ~36 beat bits
localparam SLICES = (BEAT_W + 35) / 36;
localparam SLICE_W = (BEAT_W + SLICES - 1) / SLICES;

// arbitration state
reg lock_reg = 1'b0, lock_next;   // a TLP of the granted input is in progress
reg gnt_reg = 1'b0, gnt_next;     // granted input
reg rr_reg = 1'b0, rr_next;       // input preferred when both are valid

// skid register control
reg s_ready_reg = 1'b0;
reg m_valid_reg = 1'b0, m_valid_next;
reg temp_valid_reg = 1'b0, temp_valid_next;
reg park_reg = 1'b0;      // parked for a soft reset: stays parked while hold
// the output beat is a sop not presented at an earlier edge (m_valid high
// and not taken there): the only beat bus_master_enable may hold back.
// Computed a cycle ahead, so park and the output load enables are one LUT
// from flops and the two inputs
reg sop_unshown_reg = 1'b0;
reg m_sop_next;

wire [BEAT_W-1:0] s0_beat = {s0_hdr, s0_data, s0_sop, s0_eop, s0_user};
wire [BEAT_W-1:0] s1_beat = {s1_hdr, s1_data, s1_sop, s1_eop, s1_user};
wire [BEAT_W-1:0] m_beat;
/* verilator lint_off UNUSEDSIGNAL */
wire [BEAT_W-1:0] temp_beat;      // only its user and sop bits are read
/* verilator lint_on UNUSEDSIGNAL */

// a new TLP may only start while hold is low and bus mastering is on
wire grant_ok = lock_reg || (!hold && bus_master_enable);
wire sel_valid = grant_ok && (gnt_reg ? s1_valid : s0_valid);
wire sel_eop = gnt_reg ? s1_eop : s0_eop;
wire other_valid = gnt_reg ? s0_valid : s1_valid;

assign s0_ready = s_ready_reg && !gnt_reg && grant_ok;
assign s1_ready = s_ready_reg && gnt_reg && grant_ok;
assign {m_hdr, m_data, m_sop, m_eop, m_user} = m_beat;

// a TLP not yet presented waits at its sop beat while bus mastering is off;
// m_beat is the oldest beat held, so nothing behind it was presented
wire park = sop_unshown_reg && (!bus_master_enable || park_reg);
wire m_ready_int = m_ready && !park;

assign busy = (lock_reg || m_valid_reg || temp_valid_reg) && !park;
assign m_valid = m_valid_reg && !park;
assign pend_user = (m_valid_reg ? m_beat[USER_WIDTH-1:0] : {USER_WIDTH{1'b0}})
    | (temp_valid_reg ? temp_beat[USER_WIDTH-1:0] : {USER_WIDTH{1'b0}});

wire s_xfer = sel_valid && s_ready_reg;

// ready next cycle if the output is free or will be, and temp is empty
// (s_ready_reg high implies temp empty; temp full implies s_ready_reg low)
wire s_ready_early = m_ready_int || (!temp_valid_reg && (!m_valid_reg || !sel_valid));

always @* begin
    lock_next = lock_reg;
    gnt_next = gnt_reg;
    rr_next = rr_reg;

    if (s_xfer) begin
        lock_next = !sel_eop;
        if (sel_eop) begin
            // TLP done: the other input next if it waits, else stay
            rr_next = !gnt_reg;
            gnt_next = other_valid ? !gnt_reg : gnt_reg;
        end
    end else if (!lock_reg) begin
        // at a TLP boundary, nothing taken: grant a waiting input
        if (s0_valid && s1_valid) begin
            gnt_next = rr_reg;
        end else if (s0_valid || s1_valid) begin
            gnt_next = s1_valid;
        end
    end

    m_valid_next = m_valid_reg;
    temp_valid_next = temp_valid_reg;
    m_sop_next = m_sop;
    if (m_ready_int || !m_valid_reg) begin
        m_sop_next = s_ready_reg ? (gnt_reg ? s1_sop : s0_sop) : temp_beat[SOP_BIT];
    end

    if (s_ready_reg) begin
        if (m_ready_int || !m_valid_reg) begin
            m_valid_next = sel_valid;
        end else begin
            temp_valid_next = sel_valid;
        end
    end else if (m_ready_int) begin
        m_valid_next = temp_valid_reg;
        temp_valid_next = 1'b0;
    end
end

always @(posedge clk) begin
    lock_reg <= lock_next;
    gnt_reg <= gnt_next;
    rr_reg <= rr_next;

    s_ready_reg <= s_ready_early;
    m_valid_reg <= m_valid_next;
    temp_valid_reg <= temp_valid_next;
    park_reg <= park && hold;
    sop_unshown_reg <= m_valid_next && m_sop_next && !(m_valid && !m_ready);

    if (rst) begin
        lock_reg <= 1'b0;
        gnt_reg <= 1'b0;
        rr_reg <= 1'b0;
        s_ready_reg <= 1'b0;
        m_valid_reg <= 1'b0;
        temp_valid_reg <= 1'b0;
        park_reg <= 1'b0;
        sop_unshown_reg <= 1'b0;
    end
end

// beat storage, per slice with its own copies of the steering flops (the
// same next state as gnt_reg, s_ready_reg, m_valid_reg)
genvar k;
generate
for (k = 0; k < SLICES; k = k + 1) begin : g_slice
    localparam LO = k * SLICE_W;
    localparam W = (BEAT_W - LO < SLICE_W) ? BEAT_W - LO : SLICE_W;

    reg gnt_rep_reg = 1'b0;
    reg s_ready_rep_reg = 1'b0;
    reg m_valid_rep_reg = 1'b0;

    reg [W-1:0] m_beat_reg = {W{1'b0}};
    reg [W-1:0] temp_beat_reg = {W{1'b0}};

    // granted input's bits (a 2:1 mux on a registered select)
    wire [W-1:0] sel_beat = gnt_rep_reg ? s1_beat[LO +: W] : s0_beat[LO +: W];

    // `keep` on the process: yosys' opt_merge would fold identical flops
    // into one (a keep on the reg alone does not stop it)
    (* keep *)
    always @(posedge clk) begin
        gnt_rep_reg <= gnt_next;
        s_ready_rep_reg <= s_ready_early;
        m_valid_rep_reg <= m_valid_next;
        if (rst) begin
            gnt_rep_reg <= 1'b0;
            s_ready_rep_reg <= 1'b0;
            m_valid_rep_reg <= 1'b0;
        end
    end

    always @(posedge clk) begin
        // output beat: loaded when free or taken (s_ready_reg low implies
        // m_valid_reg high, so this covers the skid-to-output move too)
        if (m_ready_int || !m_valid_rep_reg) begin
            m_beat_reg <= s_ready_rep_reg ? sel_beat : temp_beat_reg;
        end
        // skid beat: empty while s_ready_reg is high; what it catches only
        // counts if the output beat was not free (temp_valid_next)
        if (s_ready_rep_reg) begin
            temp_beat_reg <= sel_beat;
        end
    end

    assign m_beat[LO +: W] = m_beat_reg;
    assign temp_beat[LO +: W] = temp_beat_reg;
end
endgenerate

endmodule

`default_nettype wire
