`timescale 1ns / 1ps
`default_nettype none

/*
 * Two-input TLP stream arbiter (header-sideband TLP stream, see
 * docs/interfaces.md), switching only at TLP boundaries.
 *
 * Round-robin between the inputs: after a TLP from one input the other wins
 * if it is waiting. The grant is locked from the first accepted beat of a TLP
 * to its eop beat, so TLPs are never interleaved.
 *
 * The output is a full-throughput skid register (two beats of storage), so
 * no input ready depends combinationally on m_ready and the output is
 * registered. Back-to-back TLPs from either input pass without idle cycles.
 *
 * USER_WIDTH sideband bits travel with each beat (the RX engine uses them to
 * mark the beat that commits a completion record and the queue a MemWr
 * belongs to). pend_user is the OR of the user bits of every beat held in the
 * output stage (output and skid registers), so the engine can tell which
 * queues still have write beats inside the arbiter.
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

localparam BEAT_W = 128 + DATA_WIDTH + 2 + USER_WIDTH;

// arbitration state
reg lock_reg = 1'b0, lock_next;
reg sel_reg = 1'b0, sel_next;
reg rr_reg = 1'b0, rr_next;     // input preferred when both are valid

// skid register
reg              s_ready_reg = 1'b0;
reg              m_valid_reg = 1'b0, m_valid_next;
reg              temp_valid_reg = 1'b0, temp_valid_next;
reg [BEAT_W-1:0] m_beat_reg = {BEAT_W{1'b0}};
reg [BEAT_W-1:0] temp_beat_reg = {BEAT_W{1'b0}};
reg              m_shown_reg = 1'b0;   // m_valid was high at the last edge and not taken
reg              park_reg = 1'b0;      // parked for a soft reset: stays parked while hold

// combinational grant: locked input, else round-robin among valid inputs
wire sel = lock_reg ? sel_reg : ((s0_valid && s1_valid) ? rr_reg : s1_valid);
// a new TLP may only start while hold is low and bus mastering is on
wire grant_ok = lock_reg || (!hold && bus_master_enable);
wire sel_valid = grant_ok && (sel ? s1_valid : s0_valid);
wire sel_eop = sel ? s1_eop : s0_eop;
wire [BEAT_W-1:0] sel_beat = sel ? {s1_hdr, s1_data, s1_sop, s1_eop, s1_user}
                                 : {s0_hdr, s0_data, s0_sop, s0_eop, s0_user};

assign s0_ready = s_ready_reg && !sel && grant_ok;
assign s1_ready = s_ready_reg && sel && grant_ok;
assign {m_hdr, m_data, m_sop, m_eop, m_user} = m_beat_reg;

// a TLP not yet presented waits at its sop beat while bus mastering is off;
// m_beat_reg is the oldest beat held, so nothing behind it was presented
wire park = m_valid_reg && m_sop && !m_shown_reg && (!bus_master_enable || park_reg);
wire m_ready_int = m_ready && !park;

assign busy = (lock_reg || m_valid_reg || temp_valid_reg) && !park;
assign m_valid = m_valid_reg && !park;
assign pend_user = (m_valid_reg ? m_beat_reg[USER_WIDTH-1:0] : {USER_WIDTH{1'b0}})
    | (temp_valid_reg ? temp_beat_reg[USER_WIDTH-1:0] : {USER_WIDTH{1'b0}});

wire s_xfer = sel_valid && s_ready_reg;

// ready next cycle if the output is free or will be, and temp is empty
wire s_ready_early = m_ready_int || (!temp_valid_reg && (!m_valid_reg || !sel_valid));

reg store_in_to_out;
reg store_in_to_temp;
reg store_temp_to_out;

always @* begin
    lock_next = lock_reg;
    sel_next = sel_reg;
    rr_next = rr_reg;

    if (s_xfer) begin
        sel_next = sel;
        lock_next = !sel_eop;
        if (sel_eop) begin
            rr_next = !sel;
        end
    end

    m_valid_next = m_valid_reg;
    temp_valid_next = temp_valid_reg;
    store_in_to_out = 1'b0;
    store_in_to_temp = 1'b0;
    store_temp_to_out = 1'b0;

    if (s_ready_reg) begin
        if (m_ready_int || !m_valid_reg) begin
            m_valid_next = sel_valid;
            store_in_to_out = 1'b1;
        end else begin
            temp_valid_next = sel_valid;
            store_in_to_temp = 1'b1;
        end
    end else if (m_ready_int) begin
        m_valid_next = temp_valid_reg;
        temp_valid_next = 1'b0;
        store_temp_to_out = 1'b1;
    end
end

always @(posedge clk) begin
    lock_reg <= lock_next;
    sel_reg <= sel_next;
    rr_reg <= rr_next;

    s_ready_reg <= s_ready_early;
    m_valid_reg <= m_valid_next;
    temp_valid_reg <= temp_valid_next;
    m_shown_reg <= m_valid && !m_ready;
    park_reg <= park && hold;

    if (store_in_to_out) begin
        m_beat_reg <= sel_beat;
    end else if (store_temp_to_out) begin
        m_beat_reg <= temp_beat_reg;
    end

    if (store_in_to_temp) begin
        temp_beat_reg <= sel_beat;
    end

    if (rst) begin
        lock_reg <= 1'b0;
        sel_reg <= 1'b0;
        rr_reg <= 1'b0;
        s_ready_reg <= 1'b0;
        m_valid_reg <= 1'b0;
        temp_valid_reg <= 1'b0;
        m_shown_reg <= 1'b0;
        park_reg <= 1'b0;
    end
end

endmodule

`default_nettype wire
