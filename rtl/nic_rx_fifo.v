`timescale 1ns / 1ps
`default_nettype none

/*
 * Store-and-forward RX frame FIFO.
 *
 * Input: the MAC stream (S_DATA_WIDTH, never back-pressured: tready is high
 * whenever the core is out of hard reset). Frames are packed SEG_COUNT input
 * beats per M_DATA_WIDTH storage word (frame byte 0 in bits [7:0] of the first
 * word) and written speculatively; at tlast the frame is either committed
 * (write pointer published, length pushed into the length FIFO) or dropped
 * whole (write pointer rolled back).
 *
 * Outcome of every frame, one pulse each at its tlast (+2 cycles):
 * stat_frame_in, plus at most one drop pulse, chosen by priority
 *   disabled > mac_error > oversize > runt > fifo_full
 * (disabled: rx_enable was low at the first beat; mac_error: tuser on the
 * tlast beat or malformed tkeep anywhere; oversize: > MAX_FRAME_LEN bytes,
 * storing stops at the first beat past the limit; runt: < MIN_FRAME_LEN bytes;
 * fifo_full: a word or the length entry found no room).
 *
 * Metadata: every frame the MAC stream carries (every tlast beat accepted
 * while s_axis_tready is high, including frames dropped here, cut by a reset
 * or arriving during one) gets exactly one s_meta pulse from the steering
 * block (nic_rss), in order, at most META_FIFO_DEPTH - 4 cycles after its
 * tlast beat. The FIFO records the outcome of each frame at its tlast (+2) in
 * an outcome queue and pairs outcomes with metas in order: a dropped frame's
 * meta is discarded; a committed frame becomes visible to the read side
 * (length entry {meta, len} and its data words) only once its meta arrived.
 * One pairing per cycle, so the metadata costs no throughput. The outcome
 * and meta queues are reset by mac_rst only (the steering block sees the
 * same stream); rst turns outcomes not yet paired into drops.
 *
 * Output: m_meta (frame length in bytes + metadata) becomes valid once the
 * frame is committed and its meta arrived; the consumer pops it and reads
 * ceil(len/M_KEEP_WIDTH) words of m_axis (tlast on the last, tkeep a run from
 * bit 0). One word per cycle.
 *
 * Reset: rst is the datapath reset (hard or soft) and clears all storage;
 * mac_rst is the hard reset only. Beats arriving during rst are accepted and
 * discarded, and a frame cut by rst has its tail discarded silently (it is
 * not counted), so the FIFO never sees half a frame as a new frame.
 *
 * Latencies: tlast beat in -> m_meta_tvalid / first word m_axis_tvalid:
 * max(7, meta latency + 5) cycles (input register, commit, outcome push,
 * meta pairing, RAM read, RAM output register, output register; the RAM
 * output register keeps the block RAM's slow read port off every other
 * path, the registered outcome push keeps the commit decision off the
 * outcome queue). Stat pulses: 2
 * cycles after the tlast beat. Bytes past the frame end in the last word are
 * zero. The output pipeline prefetches up to 4 words (the data output is a
 * skid buffer: the consumer's tready reaches only the output stage) and 3
 * length entries, so with the consumer stalled the FIFO holds
 * RX_FIFO_BYTES / M_KEEP_WIDTH + 4 words and LEN_FIFO_DEPTH + 3 frames.
 *
 * RX_FIFO_BYTES / M_KEEP_WIDTH and LEN_FIFO_DEPTH must be powers of two.
 */
module nic_rx_fifo #(
    parameter S_DATA_WIDTH = 64,
    parameter S_KEEP_WIDTH = S_DATA_WIDTH/8,
    parameter M_DATA_WIDTH = 128,
    parameter M_KEEP_WIDTH = M_DATA_WIDTH/8,
    parameter RX_FIFO_BYTES = 32768,
    parameter MIN_FRAME_LEN = 14,
    parameter MAX_FRAME_LEN = 9216,
    parameter META_WIDTH = 88,
    // one entry per 64 bytes of storage: a FIFO full of minimum-size (60-byte)
    // frames; only shorter frames can find the length FIFO full first
    parameter LEN_FIFO_DEPTH = RX_FIFO_BYTES/64,
    // frames whose meta is outstanding (bounds the meta latency, see above)
    parameter META_FIFO_DEPTH = 32
) (
    input  wire                     clk,
    input  wire                     rst,
    input  wire                     mac_rst,

    input  wire                     rx_enable,

    input  wire [S_DATA_WIDTH-1:0]  s_axis_tdata,
    input  wire [S_KEEP_WIDTH-1:0]  s_axis_tkeep,
    input  wire                     s_axis_tvalid,
    output wire                     s_axis_tready,
    input  wire                     s_axis_tlast,
    input  wire                     s_axis_tuser,

    output wire [M_DATA_WIDTH-1:0]  m_axis_tdata,
    output wire [M_KEEP_WIDTH-1:0]  m_axis_tkeep,
    output wire                     m_axis_tvalid,
    input  wire                     m_axis_tready,
    output wire                     m_axis_tlast,

    // per-frame metadata from the steering block: one pulse per frame, in order
    input  wire [META_WIDTH-1:0]    s_meta_tdata,
    input  wire                     s_meta_tvalid,

    output wire [15:0]              m_meta_len,
    output wire [META_WIDTH-1:0]    m_meta_tdata,
    output wire                     m_meta_tvalid,
    input  wire                     m_meta_tready,

    output wire [31:0]              fifo_fill_bytes,

    output wire                     stat_frame_in,
    output wire                     stat_drop_fifo_full,
    output wire                     stat_drop_mac_error,
    output wire                     stat_drop_runt,
    output wire                     stat_drop_oversize,
    output wire                     stat_drop_disabled
);

localparam SEG_COUNT = M_DATA_WIDTH / S_DATA_WIDTH;
localparam SEG_W = SEG_COUNT > 1 ? $clog2(SEG_COUNT) : 1;
localparam DEPTH = RX_FIFO_BYTES / M_KEEP_WIDTH;
localparam ADDR_W = $clog2(DEPTH);
localparam NB_W = $clog2(M_KEEP_WIDTH);
// storage word: {last, tkeep, data}; the keep is stored rather than the byte
// count so nothing is decoded behind the RAM's (slow) read port
localparam MEM_W = M_DATA_WIDTH + M_KEEP_WIDTH + 1;
localparam LEN_ADDR_W = $clog2(LEN_FIFO_DEPTH);
localparam LEN_W = 16 + META_WIDTH;
localparam OQ_AW = $clog2(META_FIFO_DEPTH);
localparam MQ_DEPTH = 8;        // metas wait at most ~3 cycles for their outcome
localparam MQ_AW = 3;
localparam CNT_W = 17;
localparam FILL_W = ADDR_W + 1 + NB_W;

localparam [CNT_W-1:0] MIN_LEN = MIN_FRAME_LEN[CNT_W-1:0];
localparam [CNT_W-1:0] MAX_LEN = MAX_FRAME_LEN[CNT_W-1:0];
localparam [SEG_W-1:0] SEG_LAST = SEG_COUNT[SEG_W-1:0] - 1'b1;
localparam BYTES_W = $clog2(S_KEEP_WIDTH + 1);
// oversize / runt checks against the count so far (see the write side)
// the same, from the count before a full (S_KEEP_WIDTH-byte) beat:
// count + S_KEEP_WIDTH > NEAR_LEN, < MIN_LEN; MAX_LEN / MIN_LEN - count -
// S_KEEP_WIDTH (low bits)
localparam NEAR_ALWAYS = MAX_FRAME_LEN < 2 * S_KEEP_WIDTH;
localparam integer NEAR_PREV_I = NEAR_ALWAYS ? 0 : MAX_FRAME_LEN - 2 * S_KEEP_WIDTH;
localparam [CNT_W-1:0] NEAR_PREV = NEAR_PREV_I[CNT_W-1:0];
localparam SHORT_SOMETIMES = MIN_FRAME_LEN > S_KEEP_WIDTH;
localparam integer SHORT_PREV_I = SHORT_SOMETIMES ? MIN_FRAME_LEN - S_KEEP_WIDTH : 0;
localparam [CNT_W-1:0] SHORT_PREV = SHORT_PREV_I[CNT_W-1:0];
localparam integer ROOM_PREV_I = MAX_FRAME_LEN - S_KEEP_WIDTH;
localparam [31:0] ROOM_PREV = ROOM_PREV_I;
localparam integer NEED_PREV_I = MIN_FRAME_LEN - S_KEEP_WIDTH;
localparam [31:0] NEED_PREV = NEED_PREV_I;
localparam RUNT_W = MIN_FRAME_LEN > 0 ? $clog2(MIN_FRAME_LEN + 1) : 1;

// ---------------------------------------------------------------------------
// Input register stage (MAC side)
// ---------------------------------------------------------------------------

reg s_axis_tready_reg = 1'b0;
reg mac_in_frame_reg = 1'b0;
reg skip_reg = 1'b0;

reg [S_DATA_WIDTH-1:0] in_data_reg = {S_DATA_WIDTH{1'b0}};
reg [S_KEEP_WIDTH-1:0] in_keep_reg = {S_KEEP_WIDTH{1'b0}};
reg in_last_reg = 1'b0;
reg in_user_reg = 1'b0;
reg in_enable_reg = 1'b0;
reg in_valid_reg = 1'b0;
reg in_obs_last_reg = 1'b0;     // a tlast beat the steering block saw
reg [BYTES_W-1:0] in_bytes_reg = {BYTES_W{1'b0}};  // popcount of tkeep
reg in_keep_ok_reg = 1'b0;

// tkeep checks: all ones except on the tlast beat, where it is a non-zero run
// from bit 0 (keep + 1 is a power of two); made here, a stage ahead
wire [S_KEEP_WIDTH:0] s_keep_inc = {1'b0, s_axis_tkeep} + 1'b1;
wire s_keep_ok = s_axis_tlast ?
    (s_axis_tkeep[0] && ((s_keep_inc & {1'b0, s_axis_tkeep}) == {S_KEEP_WIDTH+1{1'b0}})) :
    (&s_axis_tkeep);
// popcount (exact for the legal, contiguous keeps)
reg [BYTES_W-1:0] s_bytes;
integer ib;
always @* begin
    s_bytes = {BYTES_W{1'b0}};
    for (ib = 0; ib < S_KEEP_WIDTH; ib = ib + 1) begin
        s_bytes = s_bytes + {{BYTES_W-1{1'b0}}, s_axis_tkeep[ib]};
    end
end

assign s_axis_tready = s_axis_tready_reg;

wire in_beat = s_axis_tvalid && s_axis_tready_reg;
wire mac_in_frame_next = in_beat ? !s_axis_tlast : mac_in_frame_reg;

always @(posedge clk) begin
    in_data_reg <= s_axis_tdata;
    in_keep_reg <= s_axis_tkeep;
    in_last_reg <= s_axis_tlast;
    in_user_reg <= s_axis_tuser;
    in_enable_reg <= rx_enable;
    in_valid_reg <= in_beat && !skip_reg && !rst;
    in_obs_last_reg <= in_beat && s_axis_tlast;
    in_bytes_reg <= s_bytes;
    in_keep_ok_reg <= s_keep_ok;

    s_axis_tready_reg <= 1'b1;
    mac_in_frame_reg <= mac_in_frame_next;

    if (rst) begin
        // remember whether the MAC is inside a frame when the reset ends
        skip_reg <= mac_in_frame_next;
    end else if (in_beat && s_axis_tlast) begin
        skip_reg <= 1'b0;
    end

    if (mac_rst) begin
        s_axis_tready_reg <= 1'b0;
        mac_in_frame_reg <= 1'b0;
        skip_reg <= 1'b0;
        in_valid_reg <= 1'b0;
        in_obs_last_reg <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// Write side: pack, check, store speculatively, commit or roll back
// ---------------------------------------------------------------------------

// no_rw_check: a read never hits the word written in the same cycle (reads
// stay behind the published pointer, writes ahead of the read pointer), so
// yosys need not build collision logic around the block RAMs
(* no_rw_check *)
reg [MEM_W-1:0] mem[(2**ADDR_W)-1:0];
(* no_rw_check *)
reg [LEN_W-1:0] len_mem[(2**LEN_ADDR_W)-1:0];

reg [ADDR_W:0] wr_ptr_reg = {ADDR_W+1{1'b0}}, wr_ptr_next;
reg [ADDR_W:0] wr_ptr_commit_reg = {ADDR_W+1{1'b0}}, wr_ptr_commit_next;
reg [ADDR_W:0] rd_ptr_reg = {ADDR_W+1{1'b0}}, rd_ptr_next;
reg [LEN_ADDR_W:0] len_alloc_ptr_reg = {LEN_ADDR_W+1{1'b0}}, len_alloc_ptr_next;
reg [LEN_ADDR_W:0] len_wr_ptr_reg = {LEN_ADDR_W+1{1'b0}};
reg [ADDR_W:0] wr_ptr_pub_reg = {ADDR_W+1{1'b0}};
reg [LEN_ADDR_W:0] len_rd_ptr_reg = {LEN_ADDR_W+1{1'b0}}, len_rd_ptr_next;

reg in_frame_reg = 1'b0, in_frame_next;
reg drop_dis_reg = 1'b0, drop_dis_next;
reg drop_err_reg = 1'b0, drop_err_next;
reg drop_over_reg = 1'b0, drop_over_next;
reg drop_full_reg = 1'b0, drop_full_next;
reg [CNT_W-1:0] byte_cnt_reg = {CNT_W{1'b0}}, byte_cnt_next;
reg [SEG_W-1:0] seg_reg = {SEG_W{1'b0}}, seg_next;
reg [M_DATA_WIDTH-1:0] word_reg = {M_DATA_WIDTH{1'b0}}, word_next;
reg [M_KEEP_WIDTH-1:0] word_keep;

reg mem_wr_en;
reg [MEM_W-1:0] mem_wr_data;
reg len_wr_en;
reg mem_rollback;               // wr_ptr_next = wr_ptr_commit_reg

reg stat_frame_in_reg = 1'b0, stat_frame_in_next;
reg stat_drop_fifo_full_reg = 1'b0, stat_drop_fifo_full_next;
reg stat_drop_mac_error_reg = 1'b0, stat_drop_mac_error_next;
reg stat_drop_runt_reg = 1'b0, stat_drop_runt_next;
reg stat_drop_oversize_reg = 1'b0, stat_drop_oversize_next;
reg stat_drop_disabled_reg = 1'b0, stat_drop_disabled_next;

assign stat_frame_in = stat_frame_in_reg;
assign stat_drop_fifo_full = stat_drop_fifo_full_reg;
assign stat_drop_mac_error = stat_drop_mac_error_reg;
assign stat_drop_runt = stat_drop_runt_reg;
assign stat_drop_oversize = stat_drop_oversize_reg;
assign stat_drop_disabled = stat_drop_disabled_reg;

// Full flags, registered (exact, not conservative): full when the pointers
// differ only in the wrap bit. The commit decision reads the flops instead
// of the pointer compares; each flag is computed a cycle ahead from how the
// pointers move (see "full flags" below), so no compare or subtract sits on
// the path from the pointers to the commit.
reg mem_full_reg = 1'b0;
reg len_full_reg = 1'b0;
wire mem_full = mem_full_reg;
wire len_full = len_full_reg;

wire in_keep_ok = in_keep_ok_reg;

// The oversize and runt decisions do not wait for this beat's byte count
// (count + bytes, then a 17-bit compare): after each beat the count's
// distance to the limits is registered (near_reg: within one beat of
// MAX_FRAME_LEN, room_reg = MAX_FRAME_LEN - count; short_reg: below
// MIN_FRAME_LEN, need_reg = MIN_FRAME_LEN - count), so the next beat compares
// only its own byte count with them. These flags are only updated after a
// beat that is not the last, and such a beat either has a full keep
// (S_KEEP_WIDTH bytes) or makes the frame a mac_error (sticky, and it wins
// over oversize and runt). So they are computed from the count before the
// beat plus S_KEEP_WIDTH: a compare of a register with a constant, not an
// add and then a compare.
reg near_reg = 1'b0;
reg [BYTES_W-1:0] room_reg = {BYTES_W{1'b0}};
reg short_reg = 1'b0;
reg [RUNT_W-1:0] need_reg = {RUNT_W{1'b0}};

wire [CNT_W-1:0] in_bytes = {{CNT_W-BYTES_W{1'b0}}, in_bytes_reg};
reg [S_DATA_WIDTH-1:0] in_data_masked;
reg first, dis, err, over, runt, full, store, word_done;
reg [SEG_W-1:0] seg_cur;
reg [CNT_W-1:0] cnt_base, cnt_sum;
integer i;

always @* begin
    wr_ptr_next = wr_ptr_reg;
    wr_ptr_commit_next = wr_ptr_commit_reg;
    len_alloc_ptr_next = len_alloc_ptr_reg;
    in_frame_next = in_frame_reg;
    drop_dis_next = drop_dis_reg;
    drop_err_next = drop_err_reg;
    drop_over_next = drop_over_reg;
    drop_full_next = drop_full_reg;
    byte_cnt_next = byte_cnt_reg;
    seg_next = seg_reg;

    stat_frame_in_next = 1'b0;
    stat_drop_fifo_full_next = 1'b0;
    stat_drop_mac_error_next = 1'b0;
    stat_drop_runt_next = 1'b0;
    stat_drop_oversize_next = 1'b0;
    stat_drop_disabled_next = 1'b0;

    first = !in_frame_reg;
    seg_cur = first ? {SEG_W{1'b0}} : seg_reg;
    cnt_base = first ? {CNT_W{1'b0}} : byte_cnt_reg;
    cnt_sum = cnt_base + in_bytes;
    dis = first ? !in_enable_reg : drop_dis_reg;
    err = (!first && drop_err_reg) || !in_keep_ok || (in_last_reg && in_user_reg);
    // (= cnt_sum > MAX_LEN: the count never passes MAX_LEN unless drop_over_reg)
    over = first ? (in_bytes > MAX_LEN)
                 : (drop_over_reg || (near_reg && in_bytes_reg > room_reg));
    // (= cnt_sum < MIN_LEN)
    runt = first ? (in_bytes < MIN_LEN)
                 : (short_reg && in_bytes < {{CNT_W-RUNT_W{1'b0}}, need_reg});
    word_done = in_last_reg || seg_cur == SEG_LAST;
    full = (!first && drop_full_reg) || (word_done && mem_full);
    store = word_done && !dis && !err && !over && !full;

    // bytes past the end of the frame are stored as zeros, so no stale data
    // of an earlier frame ever leaves the FIFO
    for (i = 0; i < S_KEEP_WIDTH; i = i + 1) begin
        in_data_masked[i*8 +: 8] = in_keep_reg[i] ? in_data_reg[i*8 +: 8] : 8'd0;
    end
    word_next = word_reg;
    // earlier beats of a stored word had a full keep (else the frame drops)
    word_keep = {M_KEEP_WIDTH{1'b1}};
    for (i = 0; i < SEG_COUNT; i = i + 1) begin
        if (seg_cur == i[SEG_W-1:0]) begin
            word_next[i*S_DATA_WIDTH +: S_DATA_WIDTH] = in_data_masked;
            word_keep[i*S_KEEP_WIDTH +: S_KEEP_WIDTH] = in_keep_reg;
        end else if (in_last_reg && i[SEG_W-1:0] > seg_cur) begin
            word_next[i*S_DATA_WIDTH +: S_DATA_WIDTH] = {S_DATA_WIDTH{1'b0}};
            word_keep[i*S_KEEP_WIDTH +: S_KEEP_WIDTH] = {S_KEEP_WIDTH{1'b0}};
        end
    end

    mem_wr_en = in_valid_reg && store;
    mem_wr_data = {in_last_reg, word_keep, word_next};
    len_wr_en = 1'b0;
    mem_rollback = 1'b0;

    if (in_valid_reg) begin
        if (store) begin
            wr_ptr_next = wr_ptr_reg + 1'b1;
        end

        if (in_last_reg) begin
            in_frame_next = 1'b0;
            stat_frame_in_next = 1'b1;
            if (dis) begin
                stat_drop_disabled_next = 1'b1;
            end else if (err) begin
                stat_drop_mac_error_next = 1'b1;
            end else if (over) begin
                stat_drop_oversize_next = 1'b1;
            end else if (runt) begin
                stat_drop_runt_next = 1'b1;
            end else if (full || len_full) begin
                stat_drop_fifo_full_next = 1'b1;
            end else begin
                len_wr_en = 1'b1;
            end

            if (len_wr_en) begin
                wr_ptr_commit_next = wr_ptr_next;
                len_alloc_ptr_next = len_alloc_ptr_reg + 1'b1;
            end else begin
                wr_ptr_next = wr_ptr_commit_reg;
                mem_rollback = 1'b1;
            end
        end else begin
            in_frame_next = 1'b1;
            drop_dis_next = dis;
            drop_err_next = err;
            drop_over_next = over;
            drop_full_next = full;
            // freeze the count once oversize so it cannot wrap
            if (!over) begin
                byte_cnt_next = cnt_sum;
            end
            seg_next = word_done ? {SEG_W{1'b0}} : seg_cur + 1'b1;
        end
    end
end

always @(posedge clk) begin
    wr_ptr_reg <= wr_ptr_next;
    wr_ptr_commit_reg <= wr_ptr_commit_next;
    len_alloc_ptr_reg <= len_alloc_ptr_next;
    in_frame_reg <= in_frame_next;
    drop_dis_reg <= drop_dis_next;
    drop_err_reg <= drop_err_next;
    drop_over_reg <= drop_over_next;
    drop_full_reg <= drop_full_next;
    byte_cnt_reg <= byte_cnt_next;
    seg_reg <= seg_next;
    if (in_valid_reg) begin
        word_reg <= word_next;
    end
    // with every count update (a later beat follows); garbage after an
    // oversize beat, where drop_over_reg decides
    if (in_valid_reg && !in_last_reg) begin
        near_reg <= NEAR_ALWAYS || cnt_base > NEAR_PREV;
        room_reg <= ROOM_PREV[BYTES_W-1:0] - cnt_base[BYTES_W-1:0];
        short_reg <= SHORT_SOMETIMES && cnt_base < SHORT_PREV;
        need_reg <= NEED_PREV[RUNT_W-1:0] - cnt_base[RUNT_W-1:0];
    end

    stat_frame_in_reg <= stat_frame_in_next;
    stat_drop_fifo_full_reg <= stat_drop_fifo_full_next;
    stat_drop_mac_error_reg <= stat_drop_mac_error_next;
    stat_drop_runt_reg <= stat_drop_runt_next;
    stat_drop_oversize_reg <= stat_drop_oversize_next;
    stat_drop_disabled_reg <= stat_drop_disabled_next;

    if (rst) begin
        wr_ptr_reg <= {ADDR_W+1{1'b0}};
        wr_ptr_commit_reg <= {ADDR_W+1{1'b0}};
        len_alloc_ptr_reg <= {LEN_ADDR_W+1{1'b0}};
        in_frame_reg <= 1'b0;
        drop_dis_reg <= 1'b0;
        drop_err_reg <= 1'b0;
        drop_over_reg <= 1'b0;
        drop_full_reg <= 1'b0;
        byte_cnt_reg <= {CNT_W{1'b0}};
        seg_reg <= {SEG_W{1'b0}};
        stat_frame_in_reg <= 1'b0;
        stat_drop_fifo_full_reg <= 1'b0;
        stat_drop_mac_error_reg <= 1'b0;
        stat_drop_runt_reg <= 1'b0;
        stat_drop_oversize_reg <= 1'b0;
        stat_drop_disabled_reg <= 1'b0;
    end
end

// storage writes (no reset: block RAM), registered once more on the way to
// the RAM: the store decision and the word mux do not drive the (spread
// out) block RAMs' write enables and data directly. A word lands one cycle
// after its beat's decision; it is read at the earliest two cycles after
// that decision (publication, then the read), and the storage of a word
// the read side has taken is only reused a cycle after the take, so the
// delay is invisible.
reg mem_wr_en_reg = 1'b0;
reg [ADDR_W-1:0] mem_wr_addr_reg = {ADDR_W{1'b0}};
reg [MEM_W-1:0] mem_wr_data_reg = {MEM_W{1'b0}};

always @(posedge clk) begin
    mem_wr_en_reg <= mem_wr_en && !rst;
    mem_wr_addr_reg <= wr_ptr_reg[ADDR_W-1:0];
    mem_wr_data_reg <= mem_wr_data;
    if (mem_wr_en_reg) begin
        mem[mem_wr_addr_reg] <= mem_wr_data_reg;
    end
end

// ---------------------------------------------------------------------------
// Outcome queue x meta queue: pair in order, publish committed frames
// ---------------------------------------------------------------------------

// outcome of every observed frame: {end pointer, length} in distributed RAM,
// the commit flag in flops so rst can turn pending commits into drops
reg [ADDR_W+16:0] oq_mem[(2**OQ_AW)-1:0];
reg [(2**OQ_AW)-1:0] oq_commit_reg = {(2**OQ_AW){1'b0}};
reg [OQ_AW:0] oq_wr_ptr_reg = {OQ_AW+1{1'b0}};
reg [OQ_AW:0] oq_rd_ptr_reg = {OQ_AW+1{1'b0}};

reg [META_WIDTH-1:0] mq_mem[MQ_DEPTH-1:0];
reg [MQ_AW:0] mq_wr_ptr_reg = {MQ_AW+1{1'b0}};
reg [MQ_AW:0] mq_rd_ptr_reg = {MQ_AW+1{1'b0}};

wire [ADDR_W:0] wr_ptr_inc = wr_ptr_reg + 1'b1;

// The outcome is pushed a cycle after the tlast beat's commit decision
// (registered, so that decision does not drive the outcome queue's flags
// and RAM); a push in a mac_rst cycle is dropped like the queue's content.
reg oq_push_reg = 1'b0;
reg oq_push_commit_reg = 1'b0;
reg [ADDR_W+16:0] oq_push_data_reg = {ADDR_W+17{1'b0}};

always @(posedge clk) begin
    oq_push_reg <= in_obs_last_reg && !mac_rst;
    oq_push_commit_reg <= len_wr_en && !rst;
    // the end pointer is only used for a committed frame, whose last beat
    // is always stored: wr_ptr_reg + 1 (not the commit logic's wr_ptr_next)
    oq_push_data_reg <= {wr_ptr_inc, cnt_sum[15:0]};
end

wire oq_push = oq_push_reg;
wire oq_push_commit = oq_push_commit_reg && !rst;

// The pairing decision reads flops only: both queues' empty flags and the
// head outcome's commit flag (head_commit_reg == oq_commit_reg[head]) are
// kept registered, each computed a cycle ahead from the pushes and pops
// (a push at the next head index bypasses into head_commit_reg), so no
// pointer compare or 32:1 flag mux sits in front of the publication.
reg oq_empty_reg = 1'b1;
reg mq_empty_reg = 1'b1;
reg head_commit_reg = 1'b0;
reg [OQ_AW-1:0] oq_rd_idx_inc_reg = {{(OQ_AW-1){1'b0}}, 1'b1};    // head + 1

wire [OQ_AW-1:0] oq_wr_idx = oq_wr_ptr_reg[OQ_AW-1:0];
wire [OQ_AW-1:0] oq_rd_idx = oq_rd_ptr_reg[OQ_AW-1:0];
wire pair = !oq_empty_reg && !mq_empty_reg;
wire [ADDR_W+16:0] oq_head = oq_mem[oq_rd_idx];
wire pair_commit = pair && head_commit_reg && !rst;

wire oq_one_left = oq_rd_ptr_reg + 1'b1 == oq_wr_ptr_reg;
wire mq_one_left = mq_rd_ptr_reg + 1'b1 == mq_wr_ptr_reg;
// the next head's flag: the head stays (pair = 0) or moves on by one
wire head_push = oq_push && (pair ? oq_wr_idx == oq_rd_idx_inc_reg : oq_wr_idx == oq_rd_idx);
wire head_commit_next = head_push ? oq_push_commit :
                        pair ? oq_commit_reg[oq_rd_idx_inc_reg] : head_commit_reg;

always @(posedge clk) begin
    oq_empty_reg <= !oq_push && (pair ? oq_one_left : oq_empty_reg);
    mq_empty_reg <= !s_meta_tvalid && (pair ? mq_one_left : mq_empty_reg);
    head_commit_reg <= head_commit_next;
    if (pair) begin
        oq_rd_idx_inc_reg <= oq_rd_idx_inc_reg + 1'b1;
    end
    if (rst) begin
        head_commit_reg <= 1'b0;
    end
    if (mac_rst) begin
        oq_empty_reg <= 1'b1;
        mq_empty_reg <= 1'b1;
        head_commit_reg <= 1'b0;
        oq_rd_idx_inc_reg <= {{(OQ_AW-1){1'b0}}, 1'b1};
    end
end

always @(posedge clk) begin
    if (oq_push) begin
        oq_mem[oq_wr_ptr_reg[OQ_AW-1:0]] <= oq_push_data_reg;
    end
    if (s_meta_tvalid) begin
        mq_mem[mq_wr_ptr_reg[MQ_AW-1:0]] <= s_meta_tdata;
    end
    if (pair_commit) begin
        len_mem[len_wr_ptr_reg[LEN_ADDR_W-1:0]] <= {mq_mem[mq_rd_ptr_reg[MQ_AW-1:0]], oq_head[15:0]};
    end
end

always @(posedge clk) begin
    if (oq_push) begin
        oq_commit_reg[oq_wr_ptr_reg[OQ_AW-1:0]] <= oq_push_commit;
        oq_wr_ptr_reg <= oq_wr_ptr_reg + 1'b1;
    end
    if (s_meta_tvalid) begin
        mq_wr_ptr_reg <= mq_wr_ptr_reg + 1'b1;
    end
    if (pair) begin
        oq_rd_ptr_reg <= oq_rd_ptr_reg + 1'b1;
        mq_rd_ptr_reg <= mq_rd_ptr_reg + 1'b1;
    end
    if (pair_commit) begin
        len_wr_ptr_reg <= len_wr_ptr_reg + 1'b1;
        wr_ptr_pub_reg <= oq_head[16 +: ADDR_W+1];
    end

    if (rst) begin
        oq_commit_reg <= {(2**OQ_AW){1'b0}};
        len_wr_ptr_reg <= {LEN_ADDR_W+1{1'b0}};
        wr_ptr_pub_reg <= {ADDR_W+1{1'b0}};
    end
    if (mac_rst) begin
        oq_wr_ptr_reg <= {OQ_AW+1{1'b0}};
        oq_rd_ptr_reg <= {OQ_AW+1{1'b0}};
        mq_wr_ptr_reg <= {MQ_AW+1{1'b0}};
        mq_rd_ptr_reg <= {MQ_AW+1{1'b0}};
    end
end

// ---------------------------------------------------------------------------
// Read side: RAM read, RAM output register, output register (a skid
// buffer, below); one word per cycle. The RAM output register takes the block RAM's data straight off its
// (slow, unregistered) read port with nothing else on that path; each stage
// advances when the next one is empty or advances itself.
// ---------------------------------------------------------------------------

reg [MEM_W-1:0] mem_rd_data_reg = {MEM_W{1'b0}};
reg mem_rd_valid_reg = 1'b0, mem_rd_valid_next;
reg mem_rd_en;

reg [MEM_W-1:0] mem_q_data_reg = {MEM_W{1'b0}};
reg mem_q_valid_reg = 1'b0, mem_q_valid_next;
reg mem_q_store;

reg [M_DATA_WIDTH-1:0] m_axis_tdata_reg = {M_DATA_WIDTH{1'b0}};
reg [M_KEEP_WIDTH-1:0] m_axis_tkeep_reg = {M_KEEP_WIDTH{1'b0}};
reg m_axis_tlast_reg = 1'b0;
reg m_axis_tvalid_reg = 1'b0, m_axis_tvalid_next;
// The output register is a skid buffer: the stage takes the RAM output
// register's word when out_ready_reg (registered: the consumer's tready
// reaches this stage's registers alone, not the read pipeline, the RAM
// pointer and the full / empty flags behind it; the consumer's tready comes
// late, from the DMA writer's TLP grant). When the consumer stalls as a word
// arrives, the word waits in the skid register (tmp_*) and out_ready_reg
// drops for as long as it is full.
reg [MEM_W-1:0] tmp_data_reg = {MEM_W{1'b0}};
reg tmp_valid_reg = 1'b0, tmp_valid_next;
reg out_ready_reg = 1'b0;
wire out_ready_early = m_axis_tready || (!tmp_valid_reg && (!m_axis_tvalid_reg || !mem_q_valid_reg));
reg store_q_to_out, store_q_to_tmp, store_tmp_to_out;

assign m_axis_tdata = m_axis_tdata_reg;
assign m_axis_tkeep = m_axis_tkeep_reg;
assign m_axis_tlast = m_axis_tlast_reg;
assign m_axis_tvalid = m_axis_tvalid_reg;

reg [LEN_W-1:0] len_rd_data_reg = {LEN_W{1'b0}};
reg len_rd_valid_reg = 1'b0, len_rd_valid_next;
reg len_rd_en;

reg [LEN_W-1:0] len_q_data_reg = {LEN_W{1'b0}};
reg len_q_valid_reg = 1'b0, len_q_valid_next;
reg len_q_store;

reg [LEN_W-1:0] m_len_tdata_reg = {LEN_W{1'b0}};
reg m_len_tvalid_reg = 1'b0, m_len_tvalid_next;
reg m_len_store;

assign m_meta_len = m_len_tdata_reg[15:0];
assign m_meta_tdata = m_len_tdata_reg[16 +: META_WIDTH];
assign m_meta_tvalid = m_len_tvalid_reg;

// empty flags, registered like the full flags: next cycle's from this
// cycle's pointer moves. A published frame has at least one word (its last
// beat is always stored) and one length entry, so a publication (pair_commit)
// always leaves both non-empty; a read empties them if one was left.
reg mem_empty_reg = 1'b1;
reg len_empty_reg = 1'b1;
wire mem_empty = mem_empty_reg;
wire len_empty = len_empty_reg;
wire [ADDR_W:0] rd_ptr_inc = rd_ptr_reg + 1'b1;
wire [LEN_ADDR_W:0] len_rd_ptr_inc = len_rd_ptr_reg + 1'b1;
wire mem_one_left = rd_ptr_inc == wr_ptr_pub_reg;
wire len_one_left = len_rd_ptr_inc == len_wr_ptr_reg;

always @* begin
    // data: output register and its skid register (out_ready_reg implies
    // the skid register is empty)
    m_axis_tvalid_next = m_axis_tvalid_reg;
    tmp_valid_next = tmp_valid_reg;
    store_q_to_out = 1'b0;
    store_q_to_tmp = 1'b0;
    store_tmp_to_out = 1'b0;
    if (out_ready_reg) begin
        if (m_axis_tready || !m_axis_tvalid_reg) begin
            m_axis_tvalid_next = mem_q_valid_reg;
            store_q_to_out = 1'b1;
        end else begin
            tmp_valid_next = mem_q_valid_reg;
            store_q_to_tmp = 1'b1;
        end
    end else if (m_axis_tready) begin
        m_axis_tvalid_next = tmp_valid_reg;
        tmp_valid_next = 1'b0;
        store_tmp_to_out = 1'b1;
    end

    // data: RAM output register (from flops only)
    mem_q_store = !mem_q_valid_reg || out_ready_reg;
    mem_q_valid_next = mem_q_store ? mem_rd_valid_reg : mem_q_valid_reg;

    // data: RAM read
    rd_ptr_next = rd_ptr_reg;
    mem_rd_en = 1'b0;
    mem_rd_valid_next = mem_rd_valid_reg;
    if (mem_q_store || !mem_rd_valid_reg) begin
        mem_rd_valid_next = !mem_empty;
        if (!mem_empty) begin
            mem_rd_en = 1'b1;
            rd_ptr_next = rd_ptr_inc;
        end
    end

    // length: output register
    m_len_store = !m_len_tvalid_reg || m_meta_tready;
    m_len_tvalid_next = m_len_store ? len_q_valid_reg : m_len_tvalid_reg;

    // length: RAM output register
    len_q_store = !len_q_valid_reg || m_len_store;
    len_q_valid_next = len_q_store ? len_rd_valid_reg : len_q_valid_reg;

    // length: RAM read
    len_rd_ptr_next = len_rd_ptr_reg;
    len_rd_en = 1'b0;
    len_rd_valid_next = len_rd_valid_reg;
    if (len_q_store || !len_rd_valid_reg) begin
        len_rd_valid_next = !len_empty;
        if (!len_empty) begin
            len_rd_en = 1'b1;
            len_rd_ptr_next = len_rd_ptr_inc;
        end
    end
end

always @(posedge clk) begin
    mem_empty_reg <= !pair_commit && (mem_rd_en ? mem_one_left : mem_empty_reg);
    len_empty_reg <= !pair_commit && (len_rd_en ? len_one_left : len_empty_reg);
    rd_ptr_reg <= rd_ptr_next;
    mem_rd_valid_reg <= mem_rd_valid_next;
    mem_q_valid_reg <= mem_q_valid_next;
    m_axis_tvalid_reg <= m_axis_tvalid_next;
    len_rd_ptr_reg <= len_rd_ptr_next;
    len_rd_valid_reg <= len_rd_valid_next;
    len_q_valid_reg <= len_q_valid_next;
    m_len_tvalid_reg <= m_len_tvalid_next;

    if (mem_q_store) begin
        mem_q_data_reg <= mem_rd_data_reg;
    end
    tmp_valid_reg <= tmp_valid_next;
    out_ready_reg <= out_ready_early;
    if (store_q_to_out) begin
        m_axis_tdata_reg <= mem_q_data_reg[M_DATA_WIDTH-1:0];
        m_axis_tlast_reg <= mem_q_data_reg[MEM_W-1];
        m_axis_tkeep_reg <= mem_q_data_reg[M_DATA_WIDTH +: M_KEEP_WIDTH];
    end else if (store_tmp_to_out) begin
        m_axis_tdata_reg <= tmp_data_reg[M_DATA_WIDTH-1:0];
        m_axis_tlast_reg <= tmp_data_reg[MEM_W-1];
        m_axis_tkeep_reg <= tmp_data_reg[M_DATA_WIDTH +: M_KEEP_WIDTH];
    end
    if (store_q_to_tmp) begin
        tmp_data_reg <= mem_q_data_reg;
    end
    if (len_q_store) begin
        len_q_data_reg <= len_rd_data_reg;
    end
    if (m_len_store) begin
        m_len_tdata_reg <= len_q_data_reg;
    end

    if (rst) begin
        mem_empty_reg <= 1'b1;
        len_empty_reg <= 1'b1;
        rd_ptr_reg <= {ADDR_W+1{1'b0}};
        mem_rd_valid_reg <= 1'b0;
        mem_q_valid_reg <= 1'b0;
        m_axis_tvalid_reg <= 1'b0;
        tmp_valid_reg <= 1'b0;
        out_ready_reg <= 1'b0;
        len_rd_ptr_reg <= {LEN_ADDR_W+1{1'b0}};
        len_rd_valid_reg <= 1'b0;
        len_q_valid_reg <= 1'b0;
        m_len_tvalid_reg <= 1'b0;
    end
end

// RAM read ports (no reset: block RAM output registers)
always @(posedge clk) begin
    if (mem_rd_en) begin
        mem_rd_data_reg <= mem[rd_ptr_reg[ADDR_W-1:0]];
    end
    if (len_rd_en) begin
        len_rd_data_reg <= len_mem[len_rd_ptr_reg[LEN_ADDR_W-1:0]];
    end
end

// ---------------------------------------------------------------------------
// Full flags (used by the write side's commit decision)
// ---------------------------------------------------------------------------

// The flags for the next cycle, from how the pointers move in this one:
// wr_ptr_next is wr_ptr_reg (full stays full), wr_ptr_reg + 1 (full if one
// word was free) or, on a roll back, wr_ptr_commit_reg (full if the
// committed frames fill the storage); a read (rd_ptr_reg + 1) makes room.
// A store (an allocation) only happens when not full, so a read in the same
// cycle leaves it not full. The compares use registered pointers only.
wire mem_advance = mem_wr_en && !mem_rollback;
wire mem_one_free = wr_ptr_inc == {~rd_ptr_reg[ADDR_W], rd_ptr_reg[ADDR_W-1:0]};
wire mem_full_at_commit = wr_ptr_commit_reg == {~rd_ptr_reg[ADDR_W], rd_ptr_reg[ADDR_W-1:0]};
wire [LEN_ADDR_W:0] len_alloc_ptr_inc = len_alloc_ptr_reg + 1'b1;
wire len_one_free = len_alloc_ptr_inc == {~len_rd_ptr_reg[LEN_ADDR_W], len_rd_ptr_reg[LEN_ADDR_W-1:0]};

always @(posedge clk) begin
    mem_full_reg <= !mem_rd_en && (mem_rollback ? mem_full_at_commit :
                                   mem_advance ? mem_one_free : mem_full_reg);
    len_full_reg <= !len_rd_en && (len_wr_en ? len_one_free : len_full_reg);
    if (rst) begin
        mem_full_reg <= 1'b0;
        len_full_reg <= 1'b0;
    end
end

// ---------------------------------------------------------------------------
// Fill level in bytes (storage in use, including the frame being received)
// ---------------------------------------------------------------------------

reg [FILL_W-1:0] fill_bytes_reg = {FILL_W{1'b0}};
wire [ADDR_W:0] fill_words = wr_ptr_reg - rd_ptr_reg;

assign fifo_fill_bytes = {{32-FILL_W{1'b0}}, fill_bytes_reg};

always @(posedge clk) begin
    fill_bytes_reg <= {fill_words, {NB_W{1'b0}}};
    if (rst) begin
        fill_bytes_reg <= {FILL_W{1'b0}};
    end
end

endmodule

`default_nettype wire
