// See harness.h for the design. The per-cycle loop is `Harness::loop`:
//   1. inputs for this cycle are already on the ports (set when the
//      previous cycle's handshakes were applied, or by refresh_inputs()),
//   2. clk=0, eval: combinational outputs (readys, valids) settle,
//   3. handshakes are sampled exactly as the DUT sees them at the edge,
//      outgoing beats are captured,
//   4. clk=1, eval: the rising edge,
//   5. queues advance on the sampled handshakes and drive the next beat.
// The loop allocates nothing in steady state: every buffer keeps its
// capacity across clear().
#include "nic-sim/csrc/harness.h"
#include "nic-sim/src/ffi.rs.h"

#include <algorithm>
#include <cstring>

#include "Vnic_core.h"
#include "verilated.h"
#ifdef NIC_SIM_FST
#include "verilated_fst_c.h"
#else
class VerilatedFstC {};  // never instantiated; completes the type for unique_ptr
#endif

namespace nicsim {

namespace {
inline uint32_t rd32(const std::vector<uint32_t>& b, size_t i) { return b[i]; }
inline uint64_t rd64(const std::vector<uint32_t>& b, size_t i) {
    return static_cast<uint64_t>(b[i]) | (static_cast<uint64_t>(b[i + 1]) << 32);
}
inline uint32_t beats_for(uint32_t ndw) { return ndw == 0 ? 1 : (ndw + 3) / 4; }
}  // namespace

Harness::Harness() : ctx_(new VerilatedContext) {
    ctx_->debug(0);
    ctx_->randReset(0);
#ifdef NIC_SIM_FST
    ctx_->traceEverOn(true);
#endif
    top_.reset(new Vnic_core(ctx_.get(), "TOP"));
    Vnic_core* t = top_.get();
    t->clk = 0;
    t->rst = 1;
    t->s_axis_rx_tvalid = 0;
    t->s_tlp_req_valid = 0;
    t->s_tlp_cpl_valid = 0;
    t->m_tlp_req_ready = 1;
    t->m_tlp_cpl_ready = 1;
    t->cfg_requester_id = 0;
    t->cfg_bus_master_enable = 0;
    t->cfg_max_payload_size = 0;
    t->cfg_max_read_req_size = 0;
    t->cfg_msix_enable = 0;
    t->cfg_msix_function_mask = 0;
    t->eval();
    out_.reserve(out_threshold_ * 2);
    out_req_.stage.reserve(OUT_HDR_WORDS + 4 * OUT_MAX_BEATS);
    out_cpl_.stage.reserve(OUT_HDR_WORDS + 4 * OUT_MAX_BEATS);
}

Harness::~Harness() {
    close_fst();
    if (top_) top_->final();
}

std::unique_ptr<Harness> new_harness() { return std::unique_ptr<Harness>(new Harness()); }

bool fst_supported() {
#ifdef NIC_SIM_FST
    return true;
#else
    return false;
#endif
}

bool Harness::open_fst(rust::Str path) {
#ifdef NIC_SIM_FST
    close_fst();
    std::string p(path.data(), path.size());
    fst_.reset(new VerilatedFstC);
    top_->trace(fst_.get(), 99);
    fst_->open(p.c_str());
    if (!fst_->isOpen()) {
        fst_.reset();
        return false;
    }
    return true;
#else
    (void)path;
    return false;
#endif
}

void Harness::close_fst() {
#ifdef NIC_SIM_FST
    if (fst_) {
        fst_->close();
        fst_.reset();
    }
#endif
}

void Harness::set_reset(bool on) {
    if (rec_ && top_->rst != on) taint("reset changed while recording");
    top_->rst = on;
}

CfgPorts Harness::cfg_ports() const {
    const Vnic_core* t = top_.get();
    CfgPorts p;
    p.requester_id = t->cfg_requester_id;
    p.bus_master_enable = t->cfg_bus_master_enable & 1;
    p.mps_code = t->cfg_max_payload_size & 7;
    p.mrrs_code = t->cfg_max_read_req_size & 7;
    p.msix_enable = t->cfg_msix_enable & 1;
    p.msix_function_mask = t->cfg_msix_function_mask & 1;
    return p;
}

// Drives the configuration inputs; a change while recording becomes an
// event of the recording (it takes effect in the cycle about to be clocked).
void Harness::apply_cfg(const CfgPorts& p) {
    if (rec_ && p != cfg_ports()) rec_->cfg.push_back(CfgEvent{cycle_, p});
    Vnic_core* t = top_.get();
    t->cfg_requester_id = p.requester_id;
    t->cfg_bus_master_enable = p.bus_master_enable;
    t->cfg_max_payload_size = p.mps_code;
    t->cfg_max_read_req_size = p.mrrs_code;
    t->cfg_msix_enable = p.msix_enable;
    t->cfg_msix_function_mask = p.msix_function_mask;
}

void Harness::set_cfg(uint16_t requester_id, bool bme, uint8_t mps_code, uint8_t mrrs_code) {
    CfgPorts p = cfg_ports();
    p.requester_id = requester_id;
    p.bus_master_enable = bme;
    p.mps_code = mps_code & 7;
    p.mrrs_code = mrrs_code & 7;
    apply_cfg(p);
    // settle the outputs that follow the config inputs combinationally
    // (m_tlp_req_valid drops for a TLP not yet shown when BME goes to 0), so
    // req_presented() sees what the next clock edge will
    top_->eval();
}

void Harness::set_msix(bool enable, bool function_mask) {
    CfgPorts p = cfg_ports();
    p.msix_enable = enable;
    p.msix_function_mask = function_mask;
    apply_cfg(p);
}

uint16_t Harness::msix_table_size() const { return top_->cfg_msix_table_size & 0x7FF; }

void Harness::set_irq_window(uint64_t base, uint64_t len) {
    irq_base_ = base;
    irq_len_ = len;
}

bool Harness::req_presented() const { return (top_->m_tlp_req_valid & 1) || out_req_.in_pkt; }

void Harness::set_stall(uint32_t req_threshold, uint32_t cpl_threshold, uint64_t seed) {
    if (rec_) taint("set_stall while recording");
    req_stall_ = req_threshold;
    cpl_stall_ = cpl_threshold;
    rng_ = seed ? seed : 0x9E3779B97F4A7C15ULL;
    top_->m_tlp_req_ready = 1;
    top_->m_tlp_cpl_ready = 1;
}

void Harness::set_out_threshold(size_t words) {
    out_threshold_ = std::max<size_t>(words, OUT_HDR_WORDS + 4 * OUT_MAX_BEATS);
    out_.reserve(out_threshold_ + OUT_HDR_WORDS + 4 * OUT_MAX_BEATS);
}

// ---------------------------------------------------------------- MAC input

void Harness::push_frame(rust::Slice<const uint8_t> data, bool error, uint32_t gap) {
    if (frame_head_ == frames_.size()) {  // empty: recycle the buffers
        frames_.clear();
        bytes_.clear();
        frame_head_ = 0;
    }
    Frame f{bytes_.size(), 0, static_cast<uint32_t>(data.size()), gap, error};
    bytes_.insert(bytes_.end(), data.begin(), data.end());
    frames_.push_back(f);
}

void Harness::mac_drive() {
    const Frame& f = frames_[frame_head_];
    const uint32_t left = f.len - mac_pos_;
    uint64_t word = 0;
    const uint32_t n = left < 8 ? left : 8;
    std::memcpy(&word, bytes_.data() + f.offset + mac_pos_, n);
    Vnic_core* t = top_.get();
    t->s_axis_rx_tdata = word;
    const bool last = left <= 8;
    t->s_axis_rx_tkeep = last ? static_cast<uint8_t>((1u << n) - 1) : 0xFF;
    t->s_axis_rx_tlast = last;
    t->s_axis_rx_tuser = last && f.error;
    t->s_axis_rx_tvalid = 1;
}

// Called at the end of a cycle while no frame is on the bus.
void Harness::mac_start() {
    if (frame_head_ == frames_.size()) return;
    const Frame& f = frames_[frame_head_];
    if (cycle_ < f.not_before) return;
    if (!mac_gap_loaded_) {
        mac_gap_left_ = frames_[frame_head_].gap;
        mac_gap_loaded_ = true;
    }
    if (mac_gap_left_ != 0) {
        --mac_gap_left_;
        return;
    }
    mac_active_ = true;
    mac_pos_ = 0;
    ++frames_started_;
    if (replaying_ && cycle_ != f.not_before) ++late_starts_;
    if (rec_) {
        rec_->frames.push_back(Frame{rec_->bytes.size(), cycle_, f.len, 0, f.error});
        const uint8_t* b = bytes_.data() + f.offset;
        rec_->bytes.insert(rec_->bytes.end(), b, b + f.len);
    }
    mac_drive();
}

void Harness::mac_advance() {
    mac_pos_ += 8;
    if (mac_pos_ < frames_[frame_head_].len) {
        mac_drive();
        return;
    }
    ++frames_sent_;
    ++frame_head_;
    mac_active_ = false;
    mac_gap_loaded_ = false;
    top_->s_axis_rx_tvalid = 0;
    if (frame_head_ == frames_.size()) {
        frames_.clear();
        bytes_.clear();
        frame_head_ = 0;
    } else if (!replaying_ && frame_head_ >= 4096 && frame_head_ * 2 >= frames_.size()) {
        // Compact a queue that never drains completely.
        const uint64_t base = frames_[frame_head_].offset;
        bytes_.erase(bytes_.begin(), bytes_.begin() + static_cast<ptrdiff_t>(base));
        frames_.erase(frames_.begin(), frames_.begin() + static_cast<ptrdiff_t>(frame_head_));
        for (Frame& f : frames_) f.offset -= base;
        frame_head_ = 0;
    }
    mac_start();  // back-to-back when the next gap is 0
}

// ---------------------------------------------------------------- TLP input

void Harness::push_tlps(uint8_t queue, rust::Slice<const uint32_t> records) {
    InQueue& q = queue == 0 ? req_q_ : cpl_q_;
    if (q.count == 0) {
        q.buf.clear();
        q.head = 0;
    }
    size_t i = 0;
    const uint32_t* r = records.data();
    const size_t n = records.size();
    while (i + IN_HDR_WORDS <= n) {
        const size_t len = IN_HDR_WORDS + r[i];
        if (i + len > n) break;  // malformed tail: the Rust side never sends one
        ++q.count;
        i += len;
    }
    q.buf.insert(q.buf.end(), r, r + i);
}

void Harness::in_drive(InQueue& q, bool is_req) {
    const uint32_t* rec = q.buf.data() + q.head;
    const uint32_t ndw = rec[0];
    Vnic_core* t = top_.get();
    uint32_t data[4] = {0, 0, 0, 0};
    const uint32_t first = q.beat * 4;
    for (uint32_t k = 0; k < 4 && first + k < ndw; ++k) data[k] = rec[IN_HDR_WORDS + first + k];
    const bool sop = q.beat == 0;
    const bool eop = q.beat + 1 == q.nbeats;
    if (is_req) {
        for (int k = 0; k < 4; ++k) {
            t->s_tlp_req_hdr[3 - k] = rec[4 + k];
            t->s_tlp_req_data[k] = data[k];
        }
        t->s_tlp_req_bar_id = rec[1] & 7;
        t->s_tlp_req_sop = sop;
        t->s_tlp_req_eop = eop;
        t->s_tlp_req_valid = 1;
    } else {
        for (int k = 0; k < 4; ++k) {
            t->s_tlp_cpl_hdr[3 - k] = rec[4 + k];
            t->s_tlp_cpl_data[k] = data[k];
        }
        t->s_tlp_cpl_sop = sop;
        t->s_tlp_cpl_eop = eop;
        t->s_tlp_cpl_valid = 1;
    }
}

void Harness::in_try_start(InQueue& q, bool is_req) {
    if (q.active || q.count == 0) return;
    const uint64_t nb = rd64(q.buf, q.head + 2);
    if (cycle_ < nb) return;
    q.active = true;
    q.beat = 0;
    q.nbeats = beats_for(rd32(q.buf, q.head));
    ++(is_req ? req_started_ : cpl_started_);
    if (replaying_ && cycle_ != nb) ++late_starts_;
    if (rec_) record_tlp(q, is_req);
    in_drive(q, is_req);
}

void Harness::record_tlp(const InQueue& q, bool is_req) {
    const uint32_t* r = q.buf.data() + q.head;
    std::vector<uint32_t>& dst = is_req ? rec_->req : rec_->cpl;
    const size_t at = dst.size();
    dst.insert(dst.end(), r, r + IN_HDR_WORDS + r[0]);
    dst[at + 2] = static_cast<uint32_t>(cycle_);
    dst[at + 3] = static_cast<uint32_t>(cycle_ >> 32);
    ++(is_req ? rec_->req_count : rec_->cpl_count);
}

void Harness::in_advance(InQueue& q, bool is_req) {
    if (++q.beat < q.nbeats) {
        in_drive(q, is_req);
        return;
    }
    if (!is_req) ++cpl_accepted_;
    q.active = false;
    q.head += IN_HDR_WORDS + q.buf[q.head];
    --q.count;
    if (q.count == 0) {
        q.buf.clear();
        q.head = 0;
    } else if (!replaying_ && q.head >= (1u << 16) && q.head * 2 >= q.buf.size()) {
        q.buf.erase(q.buf.begin(), q.buf.begin() + static_cast<ptrdiff_t>(q.head));
        q.head = 0;
    }
    if (is_req) {
        top_->s_tlp_req_valid = 0;
    } else {
        top_->s_tlp_cpl_valid = 0;
    }
    in_try_start(q, is_req);  // back-to-back
}

size_t Harness::tlps_pending(uint8_t queue) const { return queue == 0 ? req_q_.count : cpl_q_.count; }

// ---------------------------------------------------------------- TLP output

void Harness::finish(OutStream& s, uint32_t stream) {
    s.stage[0] = (stream << 31) | (s.flags << 24) | (s.beats & 0xFFFFFF);
    out_.insert(out_.end(), s.stage.begin(), s.stage.end());
    s.in_pkt = false;
    const uint32_t dw0 = s.stage[4];
    if (s.irq) {
        stop_ = STOP_INTERRUPT;
        s.irq = false;
    } else if (stream == 1) {
        stop_ = STOP_COMPLETION;
    } else if (((dw0 >> 30) & 1) == 0) {
        stop_ = STOP_NON_POSTED;  // no data: MemRd (or something the RC rejects)
    }
    if (out_.size() >= out_threshold_ && stop_ == STOP_BUDGET) stop_ = STOP_OUT_FULL;
}

void Harness::capture(OutStream& s, uint32_t stream, const uint32_t* hdr, const uint32_t* data, bool sop,
                      bool eop) {
    if (sop || !s.in_pkt) {
        if (s.in_pkt) {  // eop never came
            s.flags |= FLAG_TRUNCATED;
            s.irq = false;
            finish(s, stream);
        }
        s.stage.resize(OUT_HDR_WORDS);
        s.in_pkt = true;
        s.flags = sop ? 0 : FLAG_NO_SOP;
        s.beats = 0;
        s.stage[1] = static_cast<uint32_t>(cycle_);
        s.stage[2] = static_cast<uint32_t>(cycle_ >> 32);
        s.stage[3] = static_cast<uint32_t>(cpl_accepted_);
        s.stage[4] = hdr[3];
        s.stage[5] = hdr[2];
        s.stage[6] = hdr[1];
        s.stage[7] = hdr[0];
        // The one interrupt-window compare per TLP: a MemWr (Fmt 01x, Type 0)
        // whose address (DW2, or DW2:DW3 for a 4-DW header) is in the window.
        const uint32_t dw0 = hdr[3];
        const bool mem_wr = ((dw0 >> 24) & 0xDF) == 0x40;
        const uint64_t addr = ((dw0 >> 29) & 1) ? (static_cast<uint64_t>(hdr[1]) << 32 | (hdr[0] & ~3u))
                                                : static_cast<uint64_t>(hdr[1] & ~3u);
        s.irq = stream == 0 && mem_wr && addr - irq_base_ < irq_len_;
    }
    if (s.beats < OUT_MAX_BEATS) {
        s.stage.insert(s.stage.end(), data, data + 4);
    } else {
        s.flags |= FLAG_OVERFLOW;
    }
    ++s.beats;
    if (eop) {
        s.stage[1] = static_cast<uint32_t>(cycle_);
        s.stage[2] = static_cast<uint32_t>(cycle_ >> 32);
        s.stage[3] = static_cast<uint32_t>(cpl_accepted_);
        finish(s, stream);
    }
}

rust::Slice<const uint32_t> Harness::out_records() const {
    return rust::Slice<const uint32_t>(out_.data(), out_.size());
}

void Harness::clear_out() {
    out_.clear();
    if (stop_ != STOP_BUDGET) stop_ = STOP_BUDGET;
}

// ---------------------------------------------------------------- clock loop

void Harness::refresh_inputs() {
    if (!mac_active_ && frame_head_ < frames_.size()) {
        if (!mac_gap_loaded_) {
            mac_gap_left_ = frames_[frame_head_].gap;
            mac_gap_loaded_ = true;
        }
        if (mac_gap_left_ == 0) mac_start();
    }
    in_try_start(req_q_, true);
    in_try_start(cpl_q_, false);
}

template <bool kBare, bool kTrace, bool kDigest>
uint64_t Harness::loop(uint64_t max_cycles) {
    Vnic_core* const t = top_.get();
    stop_ = STOP_BUDGET;
    refresh_inputs();
    uint64_t n = 0;
    while (n < max_cycles) {
        if (req_stall_ | cpl_stall_) {
            t->m_tlp_req_ready = rng32() >= req_stall_;
            t->m_tlp_cpl_ready = rng32() >= cpl_stall_;
        }
        t->clk = 0;
        t->eval();
#ifdef NIC_SIM_FST
        if (kTrace) fst_->dump(2 * cycle_);
#endif
        const bool mac_fire = t->s_axis_rx_tvalid & t->s_axis_rx_tready;
        const bool req_in_fire = t->s_tlp_req_valid & t->s_tlp_req_ready;
        const bool cpl_in_fire = t->s_tlp_cpl_valid & t->s_tlp_cpl_ready;
        if (t->m_tlp_req_valid & t->m_tlp_req_ready) {
            ++req_beats_;
            if (kDigest)
                digest_beat(0, t->m_tlp_req_hdr.data(), t->m_tlp_req_data.data(), t->m_tlp_req_sop,
                            t->m_tlp_req_eop);
            if (!kBare)
                capture(out_req_, 0, t->m_tlp_req_hdr.data(), t->m_tlp_req_data.data(), t->m_tlp_req_sop,
                        t->m_tlp_req_eop);
        }
        if (t->m_tlp_cpl_valid & t->m_tlp_cpl_ready) {
            ++cpl_beats_;
            if (kDigest)
                digest_beat(1, t->m_tlp_cpl_hdr.data(), t->m_tlp_cpl_data.data(), t->m_tlp_cpl_sop,
                            t->m_tlp_cpl_eop);
            if (!kBare)
                capture(out_cpl_, 1, t->m_tlp_cpl_hdr.data(), t->m_tlp_cpl_data.data(), t->m_tlp_cpl_sop,
                        t->m_tlp_cpl_eop);
        }
        t->clk = 1;
        t->eval();
#ifdef NIC_SIM_FST
        if (kTrace) fst_->dump(2 * cycle_ + 1);
#endif
        ++cycle_;
        ++n;
        if (mac_fire) {
            mac_advance();
        } else if (!mac_active_) {
            mac_start();
        }
        if (req_in_fire) {
            in_advance(req_q_, true);
        } else if (!req_q_.active) {
            in_try_start(req_q_, true);
        }
        if (cpl_in_fire) {
            in_advance(cpl_q_, false);
        } else if (!cpl_q_.active) {
            in_try_start(cpl_q_, false);
        }
        if (!kBare && stop_ != STOP_BUDGET) break;
    }
    ctx_->time(2 * cycle_);
    return n;
}

uint64_t Harness::run(uint64_t max_cycles) {
#ifdef NIC_SIM_FST
    if (fst_) return rec_ ? loop<false, true, true>(max_cycles) : loop<false, true, false>(max_cycles);
#endif
    return rec_ ? loop<false, false, true>(max_cycles) : loop<false, false, false>(max_cycles);
}

uint64_t Harness::bare_loop(uint64_t cycles) {
    const uint32_t rs = req_stall_, cs = cpl_stall_;
    req_stall_ = cpl_stall_ = 0;
    top_->m_tlp_req_ready = 1;
    top_->m_tlp_cpl_ready = 1;
    const uint64_t n = loop<true, false, false>(cycles);
    req_stall_ = rs;
    cpl_stall_ = cs;
    stop_ = STOP_BUDGET;
    return n;
}

// ---------------------------------------------------------------- record and replay

void Harness::snapshot(uint64_t* a) const {
    a[0] = cycle_;
    a[1] = frames_sent_;
    a[2] = frames_started_;
    a[3] = req_started_;
    a[4] = cpl_started_;
    a[5] = req_beats_;
    a[6] = cpl_beats_;
    a[7] = digest_;
    a[8] = late_starts_;
}

namespace {
Activity to_activity(const uint64_t* a) {
    Activity x;
    x.cycle = a[0];
    x.frames_sent = a[1];
    x.frames_started = a[2];
    x.req_tlps_in = a[3];
    x.cpl_tlps_in = a[4];
    x.req_beats_out = a[5];
    x.cpl_beats_out = a[6];
    x.digest = a[7];
    x.late_starts = a[8];
    return x;
}
}  // namespace

Activity Harness::activity() const {
    uint64_t a[9];
    snapshot(a);
    return to_activity(a);
}

void Harness::taint(const char* why) {
    if (rec_ && rec_->taint.empty()) rec_->taint = why;
}

// Starts (or restarts) recording. An input already being driven now would
// be missing from the recording: that taints it.
void Harness::start_recording() {
    rec_.reset(new Recording);
    replaying_ = false;
    digest_ = 0;
    late_starts_ = 0;
    snapshot(rec_->start);
    rec_->cfg0 = cfg_ports();
    if (mac_active_ || req_q_.active || cpl_q_.active) taint("recording started during a transfer");
}

std::unique_ptr<Recording> Harness::take_recording() {
    if (!rec_) return nullptr;
    snapshot(rec_->end);
    return std::move(rec_);
}

rust::String Harness::load_recording(const Recording& r) {
    if (!r.taint.empty()) return rust::String("recording is unusable: " + r.taint);
    uint64_t now[9];
    snapshot(now);
    // Same config, same reset: the same cycle and counters (digest and late
    // starts are reset below; they only count from here).
    for (int i = 0; i < 7; ++i) {
        if (now[i] != r.start[i]) {
            static const char* names[7] = {"cycle",        "frames_sent",   "frames_started", "req_tlps_in",
                                           "cpl_tlps_in", "req_beats_out", "cpl_beats_out"};
            return rust::String(std::string("this harness is not where the recording started: ") + names[i] + " " +
                                std::to_string(now[i]) + " != " + std::to_string(r.start[i]));
        }
    }
    if (rec_) return rust::String("this harness is recording");
    if (frame_head_ != frames_.size() || mac_active_ || req_q_.count || cpl_q_.count)
        return rust::String("this harness has inputs queued");
    if (cfg_ports() != r.cfg0)
        return rust::String("this harness's configuration inputs (requester ID, bus master enable, MPS, MRRS, "
                            "MSI-X enable/mask) differ from the recording's start");
    frames_ = r.frames;
    bytes_ = r.bytes;
    frame_head_ = 0;
    mac_gap_loaded_ = false;
    req_q_.buf = r.req;
    req_q_.head = 0;
    req_q_.count = r.req_count;
    cpl_q_.buf = r.cpl;
    cpl_q_.head = 0;
    cpl_q_.count = r.cpl_count;
    replay_cfg_ = r.cfg;
    replay_cfg_next_ = 0;
    digest_ = 0;
    late_starts_ = 0;
    replaying_ = true;
    return rust::String();
}

// Runs in chunks that end where a recorded configuration change is due, so
// each change is applied before the cycle it was recorded at (no per-cycle cost).
uint64_t Harness::replay_bare(uint64_t cycles) {
    uint64_t n = 0;
    for (;;) {
        while (replay_cfg_next_ < replay_cfg_.size() && replay_cfg_[replay_cfg_next_].cycle <= cycle_)
            apply_cfg(replay_cfg_[replay_cfg_next_++].ports);
        if (n >= cycles) break;
        uint64_t chunk = cycles - n;
        if (replay_cfg_next_ < replay_cfg_.size())
            chunk = std::min(chunk, replay_cfg_[replay_cfg_next_].cycle - cycle_);
        n += loop<true, false, true>(chunk);
    }
    stop_ = STOP_BUDGET;
    return n;
}

uint64_t recording_tlps(const Recording& r, uint8_t queue) { return queue == 0 ? r.req_count : r.cpl_count; }
uint64_t recording_frames(const Recording& r) { return r.frames.size(); }
rust::Str recording_taint(const Recording& r) { return rust::Str(r.taint.data(), r.taint.size()); }
Activity recording_start(const Recording& r) { return to_activity(r.start); }
Activity recording_end(const Recording& r) { return to_activity(r.end); }

}  // namespace nicsim
