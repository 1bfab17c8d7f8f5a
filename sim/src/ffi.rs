//! The `cxx` bridge to `csrc/harness.{h,cpp}`. Crossed per event (a batch
//! of TLPs, a frame, a `run` call), never per clock edge.

/// Input queue selectors for `push_tlps`.
pub(crate) const QUEUE_REQ: u8 = 0;
pub(crate) const QUEUE_CPL: u8 = 1;

/// Words before the payload in an input record: ndw, bar_id, not_before lo/hi, 4 header DWs.
pub(crate) const IN_HDR_WORDS: usize = 8;
/// Words before the data in an output record: info, cycle lo/hi, cpl_accepted, 4 header DWs.
pub(crate) const OUT_HDR_WORDS: usize = 8;
pub(crate) const OUT_MAX_BEATS: u32 = 272;
pub(crate) const FLAG_NO_SOP: u32 = 1;
pub(crate) const FLAG_TRUNCATED: u32 = 2;
pub(crate) const FLAG_OVERFLOW: u32 = 4;

/// Why `run` returned (`StopReason` in harness.h).
#[allow(dead_code)]
pub(crate) mod stop {
    pub(crate) const BUDGET: u32 = 0;
    pub(crate) const NON_POSTED: u32 = 1;
    pub(crate) const COMPLETION: u32 = 2;
    pub(crate) const OUT_FULL: u32 = 3;
    pub(crate) const INTERRUPT: u32 = 4;
}

#[cxx::bridge(namespace = "nicsim")]
pub(crate) mod bridge {
    /// What the model did, counted by the C++ loop (see [`crate::Activity`]).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    struct Activity {
        /// Cycles clocked since the model was built.
        cycle: u64,
        /// MAC frames fully accepted by the NIC.
        frames_sent: u64,
        /// MAC frames whose first beat was driven.
        frames_started: u64,
        /// Input TLPs (MMIO requests) whose first beat was driven.
        req_tlps_in: u64,
        /// Input TLPs (completions) whose first beat was driven.
        cpl_tlps_in: u64,
        /// Beats fired on `m_tlp_req` (valid & ready).
        req_beats_out: u64,
        /// Beats fired on `m_tlp_cpl`.
        cpl_beats_out: u64,
        /// Digest of every output beat (cycle, stream, sop/eop, header,
        /// data) since recording or replay started; 0 otherwise.
        digest: u64,
        /// Replay only: inputs that did not start at their recorded cycle.
        late_starts: u64,
    }

    unsafe extern "C++" {
        include!("nic-sim/csrc/harness.h");

        type Harness;
        type Recording;

        fn new_harness() -> UniquePtr<Harness>;
        fn fst_supported() -> bool;

        fn open_fst(self: Pin<&mut Harness>, path: &str) -> bool;
        fn set_reset(self: Pin<&mut Harness>, on: bool);
        fn set_cfg(self: Pin<&mut Harness>, requester_id: u16, bus_master_enable: bool, mps_code: u8, mrrs_code: u8);
        fn set_msix(self: Pin<&mut Harness>, enable: bool, function_mask: bool);
        fn msix_table_size(self: &Harness) -> u16;
        fn set_irq_window(self: Pin<&mut Harness>, base: u64, len: u64);
        fn req_presented(self: &Harness) -> bool;
        /// Why the last `run` returned (`stop::*`; reset by `clear_out`). For tests.
        #[allow(dead_code)]
        fn last_reason(self: &Harness) -> u32;
        fn set_stall(self: Pin<&mut Harness>, req_threshold: u32, cpl_threshold: u32, seed: u64);
        fn push_frame(self: Pin<&mut Harness>, data: &[u8], error: bool, gap: u32);
        fn push_tlps(self: Pin<&mut Harness>, queue: u8, records: &[u32]);
        fn run(self: Pin<&mut Harness>, max_cycles: u64) -> u64;
        fn bare_loop(self: Pin<&mut Harness>, cycles: u64) -> u64;
        fn out_records(self: &Harness) -> &[u32];
        fn clear_out(self: Pin<&mut Harness>);
        fn cycle(self: &Harness) -> u64;
        fn frames_pending(self: &Harness) -> usize;
        fn frames_sent(self: &Harness) -> u64;
        fn tlps_pending(self: &Harness, queue: u8) -> usize;

        fn activity(self: &Harness) -> Activity;
        fn start_recording(self: Pin<&mut Harness>);
        fn recording(self: &Harness) -> bool;
        fn take_recording(self: Pin<&mut Harness>) -> UniquePtr<Recording>;
        fn load_recording(self: Pin<&mut Harness>, r: &Recording) -> String;
        fn replay_bare(self: Pin<&mut Harness>, cycles: u64) -> u64;
        fn recording_tlps(r: &Recording, queue: u8) -> u64;
        fn recording_frames(r: &Recording) -> u64;
        fn recording_taint(r: &Recording) -> &str;
        fn recording_start(r: &Recording) -> Activity;
        fn recording_end(r: &Recording) -> Activity;
    }
}
