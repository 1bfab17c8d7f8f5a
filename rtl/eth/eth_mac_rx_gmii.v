`timescale 1ns / 1ps
`default_nettype none

/*
 * GMII receive MAC: 8-bit GMII at the PHY receive clock (one byte per cycle,
 * 1000BASE-T rate; 10/100 nibble modes are not supported) -> 64-bit
 * AXI-stream frames without preamble, SFD or FCS, in the same clock domain
 * (cross to the core clock with axis_async_fifo).
 *
 * Framing: after rx_dv rises, 0x55 preamble bytes are skipped up to the SFD
 * (0xD5); the frame is every byte after the SFD while rx_dv stays high. Any
 * other byte (or rx_er) before the SFD discards the burst until rx_dv falls.
 * The last four bytes are the FCS: a 4-byte delay line holds them back, so
 * they never reach the output.
 *
 * FCS: CRC-32 (IEEE 802.3, reflected, 8 bits per cycle as a parallel XOR
 * network unrolled from the LFSR) over every byte after the SFD including the
 * FCS; a good frame leaves the residue 32'hDEBB20E3 in the register.
 *
 * Output (tkeep all ones except on tlast, a run from bit 0; at most one beat
 * per 8 cycles plus the tlast beat): tuser=1 on the tlast beat marks a bad
 * frame: FCS mismatch, rx_er while rx_dv, or truncated (a beat was lost to a
 * full FIFO, see below). Runts are not flagged here (the NIC drops frames
 * shorter than 14 bytes); bursts of four bytes or fewer after the SFD carry
 * no data and emit nothing.
 *
 * The stream is not back-pressured: m_axis_tvalid pulses regardless. With a
 * FIFO behind it (m_axis_tready = room for 1 beat, m_axis_almost_full = room
 * for fewer than 2), a non-last beat is written only with room for 2, so a
 * frame that started always gets its tlast beat in; a frame that lost a beat
 * is ended by its tlast beat with tuser=1, and a frame none of whose beats
 * got in is discarded whole. Without a FIFO, tie m_axis_tready=1 and
 * m_axis_almost_full=0.
 *
 * Status pulses (one cycle, at the end of a frame): stat_frame (every frame
 * that emitted data), stat_bad_fcs, stat_rx_er, stat_truncated.
 *
 * Latency: GMII byte in -> its beat out: input register, delay line, packer,
 * output register.
 */
module eth_mac_rx_gmii #(
    parameter DATA_WIDTH = 64,
    parameter KEEP_WIDTH = DATA_WIDTH/8
) (
    input  wire                   clk,
    input  wire                   rst,

    // GMII receive
    input  wire [7:0]             gmii_rxd,
    input  wire                   gmii_rx_dv,
    input  wire                   gmii_rx_er,

    // frame stream
    output wire [DATA_WIDTH-1:0]  m_axis_tdata,
    output wire [KEEP_WIDTH-1:0]  m_axis_tkeep,
    output wire                   m_axis_tvalid,
    input  wire                   m_axis_tready,
    input  wire                   m_axis_almost_full,
    output wire                   m_axis_tlast,
    output wire                   m_axis_tuser,

    // status
    output wire                   stat_frame,
    output wire                   stat_bad_fcs,
    output wire                   stat_rx_er,
    output wire                   stat_truncated
);

localparam [7:0] ETH_PRE = 8'h55;
localparam [7:0] ETH_SFD = 8'hD5;
localparam [31:0] CRC_RESIDUE = 32'hDEBB20E3;
localparam CNT_W = $clog2(KEEP_WIDTH);
localparam integer CNT_LAST_I = KEEP_WIDTH - 1;
localparam [CNT_W-1:0] CNT_LAST = CNT_LAST_I[CNT_W-1:0];

localparam [1:0]
    ST_IDLE = 2'd0,   // waiting for the SFD (preamble bytes skipped)
    ST_DATA = 2'd1,   // frame bytes
    ST_DROP = 2'd2;   // discard until rx_dv falls

// CRC-32, reflected polynomial, one byte (LSB first)
function [31:0] crc32_d8(input [31:0] crc, input [7:0] d);
    integer k;
    reg [31:0] c;
    begin
        c = crc;
        for (k = 0; k < 8; k = k + 1) begin
            c = (c[0] ^ d[k]) ? ((c >> 1) ^ 32'hEDB88320) : (c >> 1);
        end
        crc32_d8 = c;
    end
endfunction

// input register
reg [7:0] rxd_reg = 8'd0;
reg rx_dv_reg = 1'b0;
reg rx_er_reg = 1'b0;

reg [1:0] state_reg = ST_DROP;
reg [31:0] crc_reg = 32'hFFFFFFFF;
reg [31:0] dly_reg = 32'd0;           // byte k of the delay line in [8k +: 8], oldest at k = 0
reg [2:0] dly_cnt_reg = 3'd0;          // bytes held (saturates at 4)
reg err_reg = 1'b0;                    // rx_er seen in this frame

// packer
reg [DATA_WIDTH-1:0] pack_data_reg = {DATA_WIDTH{1'b0}};
reg [CNT_W-1:0] pack_cnt_reg = {CNT_W{1'b0}};
reg [KEEP_WIDTH-1:0] pack_keep_reg = {KEEP_WIDTH{1'b0}};   // bytes in pack_data_reg, a run from bit 0
reg [DATA_WIDTH-1:0] hold_data_reg = {DATA_WIDTH{1'b0}};
reg hold_valid_reg = 1'b0;             // a full beat waiting to learn whether it is the last

// frame-level drop tracking (FIFO full)
reg frame_drop_reg = 1'b0;
reg frame_wrote_reg = 1'b0;

// output register
reg [DATA_WIDTH-1:0] m_axis_tdata_reg = {DATA_WIDTH{1'b0}};
reg [KEEP_WIDTH-1:0] m_axis_tkeep_reg = {KEEP_WIDTH{1'b0}};
reg m_axis_tvalid_reg = 1'b0;
reg m_axis_tlast_reg = 1'b0;
reg m_axis_tuser_reg = 1'b0;

reg stat_frame_reg = 1'b0;
reg stat_bad_fcs_reg = 1'b0;
reg stat_rx_er_reg = 1'b0;
reg stat_truncated_reg = 1'b0;

assign m_axis_tdata = m_axis_tdata_reg;
assign m_axis_tkeep = m_axis_tkeep_reg;
assign m_axis_tvalid = m_axis_tvalid_reg;
assign m_axis_tlast = m_axis_tlast_reg;
assign m_axis_tuser = m_axis_tuser_reg;

assign stat_frame = stat_frame_reg;
assign stat_bad_fcs = stat_bad_fcs_reg;
assign stat_rx_er = stat_rx_er_reg;
assign stat_truncated = stat_truncated_reg;

// ---------------------------------------------------------------------------
// combinational: what happens this cycle
wire in_data = state_reg == ST_DATA && rx_dv_reg;
wire frame_end = state_reg == ST_DATA && !rx_dv_reg;
wire pop = in_data && dly_cnt_reg[2];            // the oldest delayed byte is frame data
wire [7:0] pop_byte = dly_reg[7:0];

wire bad_fcs = crc_reg != CRC_RESIDUE;
wire end_has_pack = pack_keep_reg[0];
wire end_emit = frame_end && (end_has_pack || hold_valid_reg);

// beat to emit (at most one per cycle)
reg emit;
reg emit_last;
reg [DATA_WIDTH-1:0] emit_data;
reg [KEEP_WIDTH-1:0] emit_keep;

always @* begin
    emit = 1'b0;
    emit_last = 1'b0;
    emit_data = hold_data_reg;
    emit_keep = {KEEP_WIDTH{1'b1}};
    if (pop && hold_valid_reg) begin
        // more data follows the held beat: it is not the last
        emit = 1'b1;
    end else if (end_emit) begin
        emit = 1'b1;
        emit_last = 1'b1;
        if (end_has_pack) begin
            emit_data = pack_data_reg;
            emit_keep = pack_keep_reg;
        end
    end
end

// write decision against the FIFO room
wire emit_write = emit && (emit_last
    ? (m_axis_tready && (!frame_drop_reg || frame_wrote_reg))
    : (!frame_drop_reg && !m_axis_almost_full));
wire emit_lost = emit && !emit_write;

always @(posedge clk) begin
    rxd_reg <= gmii_rxd;
    rx_dv_reg <= gmii_rx_dv;
    rx_er_reg <= gmii_rx_er;

    stat_frame_reg <= 1'b0;
    stat_bad_fcs_reg <= 1'b0;
    stat_rx_er_reg <= 1'b0;
    stat_truncated_reg <= 1'b0;

    // framing
    case (state_reg)
        ST_IDLE: begin
            crc_reg <= 32'hFFFFFFFF;
            dly_cnt_reg <= 3'd0;
            err_reg <= 1'b0;
            pack_cnt_reg <= {CNT_W{1'b0}};
            pack_keep_reg <= {KEEP_WIDTH{1'b0}};
            hold_valid_reg <= 1'b0;
            frame_drop_reg <= 1'b0;
            frame_wrote_reg <= 1'b0;
            if (rx_dv_reg) begin
                if (rx_er_reg) begin
                    state_reg <= ST_DROP;
                end else if (rxd_reg == ETH_SFD) begin
                    state_reg <= ST_DATA;
                end else if (rxd_reg != ETH_PRE) begin
                    state_reg <= ST_DROP;
                end
            end
        end
        ST_DATA: begin
            if (rx_dv_reg) begin
                crc_reg <= crc32_d8(crc_reg, rxd_reg);
                dly_reg <= {rxd_reg, dly_reg[31:8]};
                if (!dly_cnt_reg[2]) begin
                    dly_cnt_reg <= dly_cnt_reg + 3'd1;
                end
                if (rx_er_reg) begin
                    err_reg <= 1'b1;
                end
            end else begin
                state_reg <= ST_IDLE;
                if (end_emit) begin
                    stat_frame_reg <= 1'b1;
                    stat_bad_fcs_reg <= bad_fcs;
                    stat_rx_er_reg <= err_reg;
                    stat_truncated_reg <= frame_drop_reg || emit_lost;
                end
            end
        end
        default: begin
            if (!rx_dv_reg) begin
                state_reg <= ST_IDLE;
            end
        end
    endcase

    // packer
    if (pop) begin
        pack_data_reg[pack_cnt_reg*8 +: 8] <= pop_byte;
        pack_cnt_reg <= pack_cnt_reg + 1'b1;
        pack_keep_reg <= {pack_keep_reg[KEEP_WIDTH-2:0], 1'b1};
        if (hold_valid_reg) begin
            hold_valid_reg <= 1'b0;
        end
        if (pack_cnt_reg == CNT_LAST) begin
            hold_data_reg <= {pop_byte, pack_data_reg[DATA_WIDTH-9:0]};
            hold_valid_reg <= 1'b1;
            pack_keep_reg <= {KEEP_WIDTH{1'b0}};
        end
    end

    // frame drop tracking
    if (emit && !emit_last) begin
        if (emit_write) begin
            frame_wrote_reg <= 1'b1;
        end else begin
            frame_drop_reg <= 1'b1;
        end
    end

    // output register: the stream is never back-pressured and tvalid is a
    // one-cycle pulse, so the payload registers load every cycle (no clock
    // enable from the emit decision: it limited the 125 MHz domain)
    m_axis_tvalid_reg <= emit_write;
    m_axis_tdata_reg <= emit_data;
    m_axis_tkeep_reg <= emit_keep;
    m_axis_tlast_reg <= emit_last;
    m_axis_tuser_reg <= emit_last && (bad_fcs || err_reg || frame_drop_reg);

    if (rst) begin
        state_reg <= ST_DROP;
        m_axis_tvalid_reg <= 1'b0;
        hold_valid_reg <= 1'b0;
        pack_cnt_reg <= {CNT_W{1'b0}};
        pack_keep_reg <= {KEEP_WIDTH{1'b0}};
        stat_frame_reg <= 1'b0;
        stat_bad_fcs_reg <= 1'b0;
        stat_rx_er_reg <= 1'b0;
        stat_truncated_reg <= 1'b0;
    end
end

endmodule

`default_nettype wire
