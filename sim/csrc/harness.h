// C++ side of nic-sim: owns the Verilated `nic_core` and runs its clock.
//
// Why the clock loop lives here: one cycle of the model costs a few hundred
// nanoseconds, so crossing the Rust/C++ boundary per clock edge would cost
// as much as the model itself. Instead Rust hands over whole TLPs and frames
// (queues below) and calls `run()`, which clocks the model until something
// needs the Rust side: a non-posted request or completion came out, the
// output buffer filled up, or the cycle budget is spent. Latency is modelled
// by timestamps (`not_before`), so the loop never stops just to release an
// input at a given cycle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rust/cxx.h"

class VerilatedContext;
class Vnic_core;
class VerilatedFstC;

namespace nicsim {

struct Activity;  // shared with Rust, defined by the cxx bridge (src/ffi.rs)

// Why `run()` returned (mirrored in src/ffi.rs).
enum StopReason : uint32_t {
    STOP_BUDGET = 0,       // max_cycles elapsed
    STOP_NON_POSTED = 1,   // a MemRd (or any request without data) left the NIC
    STOP_COMPLETION = 2,   // a completion (MMIO read answer) left the NIC
    STOP_OUT_FULL = 3,     // output buffer passed its threshold
    STOP_INTERRUPT = 4,    // a MemWr into the interrupt window left the NIC (see set_irq_window)
};

// Input queue record layout (u32 words), shared with src/ffi.rs:
//   [0] payload DWs  [1] bar_id  [2] not_before lo  [3] not_before hi
//   [4..8) header DW0..DW3  [8..8+n) payload
// Output record layout:
//   [0] bit31 stream (0 m_tlp_req, 1 m_tlp_cpl) | bits30:24 flags | bits23:0 beats
//   [1] cycle lo  [2] cycle hi (cycle of the eop beat)
//   [3] completions the NIC had fully accepted before that cycle (low 32 bits)
//   [4..8) header DW0..DW3  [8..) 4 DWs per stored beat (min(beats, OUT_MAX_BEATS))
constexpr size_t IN_HDR_WORDS = 8;
constexpr size_t OUT_HDR_WORDS = 8;
constexpr uint32_t OUT_MAX_BEATS = 272;  // > 1024 DW / 4 DW per beat
constexpr uint32_t FLAG_NO_SOP = 1;      // first beat had no sop
constexpr uint32_t FLAG_TRUNCATED = 2;   // a new sop came before eop
constexpr uint32_t FLAG_OVERFLOW = 4;    // more than OUT_MAX_BEATS beats

// A MAC frame queued for the s_axis_rx stream.
struct Frame {
    uint64_t offset;      // into the byte buffer
    uint64_t not_before;  // first cycle it may start (0: as soon as its gap allows)
    uint32_t len;
    uint32_t gap;         // idle cycles before it
    bool error;
};

// The configuration inputs of nic_core (what the PCIe block exports from
// config space), as one comparable value.
struct CfgPorts {
    uint16_t requester_id = 0;
    uint8_t bus_master_enable = 0;
    uint8_t mps_code = 0;
    uint8_t mrrs_code = 0;
    uint8_t msix_enable = 0;
    uint8_t msix_function_mask = 0;
    bool operator==(const CfgPorts& o) const {
        return requester_id == o.requester_id && bus_master_enable == o.bus_master_enable &&
               mps_code == o.mps_code && mrrs_code == o.mrrs_code && msix_enable == o.msix_enable &&
               msix_function_mask == o.msix_function_mask;
    }
    bool operator!=(const CfgPorts& o) const { return !(*this == o); }
};

// A change of the configuration inputs while recording: from `cycle` on
// (applied before that cycle is evaluated) the ports hold `ports`.
struct CfgEvent {
    uint64_t cycle;
    CfgPorts ports;
};

// Record and replay (see Harness::start_recording). Everything the model
// was driven with from the cycle recording started: each input TLP record
// with not_before = the cycle it actually started, each MAC frame with its
// start cycle, each change of the configuration inputs with its cycle. A
// fresh Harness built and reset the same way, loaded with this and clocked
// the same number of cycles, drives the model with identical inputs at
// identical cycles: a faithful C++-only rerun.
struct Recording {
    std::vector<uint32_t> req, cpl;  // input records, layout as push_tlps
    size_t req_count = 0, cpl_count = 0;
    std::vector<uint8_t> bytes;
    std::vector<Frame> frames;  // gap 0, not_before = start cycle
    CfgPorts cfg0;              // configuration inputs when recording started
    std::vector<CfgEvent> cfg;  // their changes, in cycle order
    uint64_t start[9] = {};     // Activity at start_recording (see snapshot())
    uint64_t end[9] = {};       // Activity at take_recording
    std::string taint;          // non-empty: something not recorded changed the inputs
};

class Harness {
public:
    Harness();
    ~Harness();
    Harness(const Harness&) = delete;
    Harness& operator=(const Harness&) = delete;

    bool open_fst(rust::Str path);
    void close_fst();
    void set_reset(bool on);
    // Configuration inputs. A change while recording is recorded with its
    // cycle and replayed at the same cycle (no taint).
    void set_cfg(uint16_t requester_id, bool bus_master_enable, uint8_t mps_code, uint8_t mrrs_code);
    void set_msix(bool enable, bool function_mask);
    uint16_t msix_table_size() const;
    // Interrupt window [base, base + len) (len 0: none). When the eop beat of
    // a MemWr on m_tlp_req whose address lies in it is accepted, run()
    // returns at the end of that cycle (STOP_INTERRUPT). Only decides where
    // run() stops: not a model input, not recorded.
    void set_irq_window(uint64_t base, uint64_t len);
    // Is a TLP presented on m_tlp_req right now (valid high for the next
    // cycle, or one mid-transfer)? The NIC may no longer take it back.
    bool req_presented() const;
    void set_stall(uint32_t req_threshold, uint32_t cpl_threshold, uint64_t seed);
    void set_out_threshold(size_t words);
    void push_frame(rust::Slice<const uint8_t> data, bool error, uint32_t gap);
    void push_tlps(uint8_t queue, rust::Slice<const uint32_t> records);
    uint64_t run(uint64_t max_cycles);
    uint64_t bare_loop(uint64_t cycles);
    rust::Slice<const uint32_t> out_records() const;
    void clear_out();
    uint64_t cycle() const { return cycle_; }
    uint32_t last_reason() const { return stop_; }
    size_t frames_pending() const { return frames_.size() - frame_head_; }
    uint64_t frames_sent() const { return frames_sent_; }
    uint64_t cpl_accepted() const { return cpl_accepted_; }
    size_t tlps_pending(uint8_t queue) const;

    // Record and replay. Counters are kept in every mode; the output digest
    // only while recording or replaying.
    Activity activity() const;
    void start_recording();
    bool recording() const { return rec_ != nullptr; }
    std::unique_ptr<Recording> take_recording();
    // Loads a recording into this (fresh) harness; "" or why it cannot.
    rust::String load_recording(const Recording& r);
    // Clocks `cycles` with the loaded recording as the only input, outputs
    // discarded (digested), ready/stall settings untouched.
    uint64_t replay_bare(uint64_t cycles);

private:
    struct InQueue {
        std::vector<uint32_t> buf;
        size_t head = 0;       // word offset of the head record
        size_t count = 0;      // records queued (head included)
        bool active = false;   // head record is being driven
        uint32_t beat = 0;     // beat of the head being driven
        uint32_t nbeats = 0;
    };
    struct OutStream {
        std::vector<uint32_t> stage;
        bool in_pkt = false;
        bool irq = false;  // m_tlp_req only: a MemWr into the interrupt window
        uint32_t flags = 0;
        uint32_t beats = 0;
    };

    template <bool kBare, bool kTrace, bool kDigest>
    uint64_t loop(uint64_t max_cycles);
    void snapshot(uint64_t* a) const;
    CfgPorts cfg_ports() const;
    void apply_cfg(const CfgPorts& p);
    void taint(const char* why);
    void record_tlp(const InQueue& q, bool is_req);
    inline void digest_beat(uint32_t stream, const uint32_t* hdr, const uint32_t* data, bool sop, bool eop) {
        uint64_t h = digest_ ^ ((cycle_ << 3) | (stream << 2) | (sop << 1) | eop);
        h *= 0x9E3779B97F4A7C15ULL;
        if (sop) {
            h ^= (static_cast<uint64_t>(hdr[0]) << 32 | hdr[1]) + (static_cast<uint64_t>(hdr[2]) << 32 | hdr[3]) * 3;
            h *= 0xBF58476D1CE4E5B9ULL;
        }
        h ^= (static_cast<uint64_t>(data[0]) << 32 | data[1]) + (static_cast<uint64_t>(data[2]) << 32 | data[3]) * 3;
        h *= 0x94D049BB133111EBULL;
        digest_ = h ^ (h >> 29);
    }
    void refresh_inputs();
    void mac_start();
    void mac_drive();
    void mac_advance();
    void in_try_start(InQueue& q, bool is_req);
    void in_drive(InQueue& q, bool is_req);
    void in_advance(InQueue& q, bool is_req);
    void capture(OutStream& s, uint32_t stream, const uint32_t* hdr, const uint32_t* data, bool sop,
                 bool eop);
    void finish(OutStream& s, uint32_t stream);
    inline uint32_t rng32() {
        rng_ ^= rng_ >> 12;
        rng_ ^= rng_ << 25;
        rng_ ^= rng_ >> 27;
        return static_cast<uint32_t>((rng_ * 0x2545F4914F6CDD1DULL) >> 32);
    }

    std::unique_ptr<VerilatedContext> ctx_;
    std::unique_ptr<Vnic_core> top_;
    std::unique_ptr<VerilatedFstC> fst_;
    uint64_t cycle_ = 0;
    uint32_t stop_ = STOP_BUDGET;

    // MAC input
    std::vector<uint8_t> bytes_;
    std::vector<Frame> frames_;
    size_t frame_head_ = 0;
    bool mac_active_ = false;
    uint32_t mac_pos_ = 0;       // byte offset of the beat being driven
    uint32_t mac_gap_left_ = 0;  // idle cycles still owed before the head frame
    bool mac_gap_loaded_ = false;
    uint64_t frames_sent_ = 0;

    InQueue req_q_, cpl_q_;
    uint64_t cpl_accepted_ = 0;

    OutStream out_req_, out_cpl_;
    std::vector<uint32_t> out_;
    size_t out_threshold_ = 1 << 16;

    uint64_t irq_base_ = 0, irq_len_ = 0;  // interrupt window (len 0: none)

    uint32_t req_stall_ = 0, cpl_stall_ = 0;
    uint64_t rng_ = 0x9E3779B97F4A7C15ULL;

    // Activity counters (see ffi.rs `Activity`).
    uint64_t req_beats_ = 0, cpl_beats_ = 0;          // output beats fired
    uint64_t req_started_ = 0, cpl_started_ = 0;      // input TLPs started
    uint64_t frames_started_ = 0;
    uint64_t digest_ = 0;                             // of output beats (kDigest loops)
    uint64_t late_starts_ = 0;                        // replay: inputs not started at their cycle
    std::unique_ptr<Recording> rec_;                  // non-null while recording
    bool replaying_ = false;
    std::vector<CfgEvent> replay_cfg_;                // replay: configuration changes to apply
    size_t replay_cfg_next_ = 0;
};

std::unique_ptr<Harness> new_harness();
uint64_t recording_tlps(const Recording& r, uint8_t queue);
uint64_t recording_frames(const Recording& r);
rust::Str recording_taint(const Recording& r);
Activity recording_start(const Recording& r);
Activity recording_end(const Recording& r);
bool fst_supported();

}  // namespace nicsim
