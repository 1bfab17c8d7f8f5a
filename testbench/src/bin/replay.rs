//! `replay`: replays a capture through the verilated NIC and the driver.
//!
//! Exit status: 0 when every frame is accounted for (delivered byte-identical
//! or counted as dropped) with no root-complex violation; 2 when the replay
//! ran to the end but found violations, corrupt frames or unaccounted
//! frames (outputs are written); 1 when it could not run or stopped early
//! (bad capture, driver error, stall; outputs are written when possible).

use std::cell::RefCell;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

use clap::Parser;
use nic_driver::{Delivery, SplitConfig, SplitMode};
use nic_testbench::mem::MemSampler;
use nic_testbench::output::{OutputDir, Summary};
use nic_testbench::pcap::PcapReader;
use nic_testbench::replay::{Progress, ReplayConfig, Replayer, RxMode, Stimulus};
use nic_testbench::rss;
use nic_testbench::streams::{self, StreamData};

#[derive(Parser, Debug)]
#[command(version, about = "Replay a pcap/pcapng capture through the simulated NIC and its driver")]
struct Args {
    /// Input capture (pcap or pcapng, Ethernet).
    pcap: PathBuf,
    /// Output directory (summary.json, completions.jsonl, queues/q<N>.pcap,
    /// streams/).
    #[arg(long)]
    out: PathBuf,
    /// Pace frames at this Ethernet line rate in Gb/s (default: back to back
    /// at the datapath rate, 64 bits per core clock).
    #[arg(long, value_name = "R")]
    line_rate_gbps: Option<f64>,
    /// Core clock in MHz, for --line-rate-gbps.
    #[arg(long, value_name = "F", default_value_t = nic_testbench::pacing::DEFAULT_CLOCK_MHZ)]
    clock_mhz: f64,
    /// Root-complex latency of a DMA read, in cycles (default: the simulator's).
    #[arg(long, value_name = "N")]
    dma_latency_cycles: Option<u64>,
    /// Probability per cycle that the host stalls the NIC's requests (MemWr back-pressure).
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    req_stall_probability: f64,
    /// RX data buffer size in bytes (alias --buf-size).
    #[arg(long = "data-buf", visible_alias = "buf-size", value_name = "BYTES", default_value_t = 2048)]
    buf_size: usize,
    /// Buffers per queue (default: ring size - 1).
    #[arg(long, value_name = "N")]
    bufs_per_queue: Option<usize>,
    /// Header/data split: never, always (every IP frame) or tcp-udp.
    #[arg(long, value_name = "MODE", default_value = "never")]
    split: String,
    /// Header buffer size in bytes: a power of two, 64..=1024.
    #[arg(long, value_name = "BYTES", default_value_t = 256)]
    hdr_buf: u32,
    /// Frames of at most this many bytes go whole into the header buffer
    /// (with --split always or tcp-udp); 0: off.
    #[arg(long, value_name = "BYTES", default_value_t = 0)]
    split_thresh: u32,
    /// Drop frames longer than one data buffer instead of continuing them
    /// in the next buffers.
    #[arg(long)]
    no_scatter: bool,
    /// Strip the outer VLAN tag from delivered frames (the TCI stays in the
    /// completion; the replay matches the frame with the tag put back).
    #[arg(long)]
    vlan_strip: bool,
    /// Rings hold 2^N entries.
    #[arg(long, value_name = "N", default_value_t = 8)]
    ring_log: u32,
    /// RX queues to open (default: every queue the device has).
    #[arg(long, value_name = "N")]
    queues: Option<usize>,
    /// RSS Toeplitz key: 80 hex digits (default: the Microsoft key).
    #[arg(long, value_name = "HEX")]
    rss_key: Option<String>,
    /// RSS hash types to enable: comma list of ipv4, ipv4_tcp, ipv4_udp,
    /// ipv6, ipv6_tcp, ipv6_udp, or all / none.
    #[arg(long, value_name = "LIST", default_value = "all")]
    rss_types: String,
    /// RSS indirection table: a file of whitespace-separated queue numbers
    /// (its length must divide the device's table size; it is repeated), or
    /// "even" for entry i -> i % queues.
    #[arg(long, value_name = "FILE|even", default_value = "even")]
    reta: String,
    /// Queue for frames no enabled hash type covers.
    #[arg(long, value_name = "N", default_value_t = 0)]
    default_queue: u8,
    /// Replay at most N frames of the capture.
    #[arg(long, value_name = "N")]
    max_frames: Option<u64>,
    /// Poll every queue after each simulation chunk instead of waiting for
    /// MSI-X interrupts (MSI-X stays disabled).
    #[arg(long)]
    poll: bool,
    /// Interrupt moderation: a vector with work waits until NS ns have
    /// passed since its previous interrupt (0: off).
    #[arg(long, value_name = "NS", default_value_t = 0)]
    itr_ns: u32,
    /// Interrupt moderation: a vector fires early once N completions were
    /// written since its previous interrupt (0: no threshold).
    #[arg(long, value_name = "N", default_value_t = 0)]
    itr_frames: u16,
    /// Completions per poll: the NAPI budget in MSI-X mode.
    #[arg(long, value_name = "N", default_value_t = 64)]
    budget: usize,
    /// Write an FST waveform to FILE.
    #[arg(long, value_name = "FILE")]
    fst: Option<PathBuf>,
    /// How the driver hands payload over: zero-copy (lends its data
    /// buffers; they return to the NIC when the application drops them) or
    /// copy (into its scratch buffer; the reassembler copies the payload).
    #[arg(long, value_name = "MODE", default_value = "zero-copy")]
    delivery: Delivery,
    /// Do not write the reassembled TCP streams' bytes (streams/*.bin);
    /// streams/index.json (lengths, digests, gaps) and the reassembly
    /// counters are still written.
    #[arg(long)]
    no_streams: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Sample the resident set size (VmRSS, VmHWM) every --mem-every frames
    /// sent; print the samples and the peak, and record them in
    /// summary.json `memory`.
    #[arg(long)]
    mem_report: bool,
    /// Frames between --mem-report samples.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    mem_every: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("replay: error: {msg}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &Args) -> Result<ExitCode, String> {
    if let Some(r) = args.line_rate_gbps {
        if !(r.is_finite() && r > 0.0) {
            return Err(format!("--line-rate-gbps must be a positive number, not {r}"));
        }
    }
    if !(args.clock_mhz.is_finite() && args.clock_mhz > 0.0) {
        return Err(format!("--clock-mhz must be a positive number, not {}", args.clock_mhz));
    }
    if args.itr_ns > nic_spec::limits::ITR_MAX_NS {
        return Err(format!(
            "--itr-ns {} exceeds the largest interval, {} ns",
            args.itr_ns,
            nic_spec::limits::ITR_MAX_NS
        ));
    }
    if args.budget == 0 {
        return Err("--budget must be at least 1".into());
    }
    if args.queues == Some(0) {
        return Err("--queues must be at least 1".into());
    }
    let rss_key = match &args.rss_key {
        Some(k) => rss::parse_key(k).map_err(|e| format!("--rss-key: {e}"))?,
        None => nic_spec::rss::MS_KEY,
    };
    let rss_types = rss::parse_types(&args.rss_types).map_err(|e| format!("--rss-types: {e}"))?;
    let reta = match args.reta.as_str() {
        "even" => Vec::new(),
        file => rss::read_reta(std::path::Path::new(file)).map_err(|e| format!("--reta: {e}"))?,
    };
    let split = split_config(args)?;
    if args.buf_size == 0 || args.buf_size > usize::from(u16::MAX) {
        return Err(format!("--data-buf must be in 1..=65535, not {}", args.buf_size));
    }
    if args.bufs_per_queue == Some(0) {
        return Err("--bufs-per-queue must be at least 1".into());
    }
    if args.mem_every == 0 {
        return Err("--mem-every must be at least 1".into());
    }
    // Open the capture first: a bad file fails before the simulator starts.
    let reader = PcapReader::open(&args.pcap).map_err(|e| e.to_string())?;
    let mut cfg = ReplayConfig {
        queues: args.queues,
        rss_key,
        rss_types,
        reta,
        default_queue: args.default_queue,
        line_rate_gbps: args.line_rate_gbps,
        clock_mhz: args.clock_mhz,
        req_stall_probability: args.req_stall_probability,
        buf_size: args.buf_size,
        bufs_per_queue: args.bufs_per_queue.unwrap_or(0),
        split,
        ring_log: args.ring_log,
        fst: args.fst.clone(),
        mode: if args.poll { RxMode::Poll } else { RxMode::Msix },
        itr_ns: args.itr_ns,
        itr_frames: args.itr_frames,
        poll_budget: args.budget,
        streams: if args.no_streams { StreamData::Count } else { StreamData::Keep },
        delivery: args.delivery,
        ..ReplayConfig::default()
    };
    if let Some(n) = args.dma_latency_cycles {
        cfg.dma_latency_cycles = n;
    }
    let mut out = OutputDir::create(&args.out).map_err(|e| format!("cannot create output directory: {e}"))?;
    let mut rp = Replayer::new(cfg.clone()).map_err(|e| e.to_string())?;
    out.open_queues(rp.queues()).map_err(|e| e.to_string())?;

    let bar = if !args.quiet && std::io::stderr().is_terminal() {
        let bar = match args.max_frames {
            Some(n) => indicatif::ProgressBar::new(n),
            None => indicatif::ProgressBar::new_spinner(),
        };
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {pos} frames sent {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        Some(bar)
    } else {
        None
    };
    let sampler = args.mem_report.then(|| Rc::new(RefCell::new(MemSampler::new(args.mem_every))));
    if bar.is_some() || sampler.is_some() {
        let (b, m) = (bar.clone(), sampler.clone());
        rp.set_progress(move |p| {
            if let Some(b) = &b {
                b.set_position(p.frames_sent);
                b.set_message(format!("{} delivered, {} cycles", p.frames_delivered, p.sim_cycles));
            }
            if let Some(m) = &m {
                m.borrow_mut().observe(&p);
            }
        });
    }

    let limit = args.max_frames.unwrap_or(u64::MAX);
    let frames = reader.take(usize::try_from(limit).unwrap_or(usize::MAX)).map(|r| r.map(Stimulus::from));
    let result = rp.run(frames, |d, data| out.record(d, data));
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let error = result.err().map(|e| e.to_string());
    let streams = rp.finish_streams();
    let report = rp.report().map_err(|e| format!("{e} (after: {})", error.clone().unwrap_or_default()))?;
    let _ = rp.close();
    let clean = report.is_clean();
    let mut summary = Summary::new(&args.pcap, report, &cfg, error.clone());
    // Streams first, so that the memory report's last sample and peak include writing them.
    let streams_written = streams::write_streams(&args.out, &streams, !args.no_streams);
    drop(streams);
    let last =
        Progress { frames_sent: summary.frames_in, frames_delivered: summary.frames_delivered, ..Progress::default() };
    summary.memory = sampler.map(|m| m.borrow_mut().finish(&last));
    out.finish(&summary).map_err(|e| format!("writing {}: {e}", args.out.display()))?;
    streams_written.map_err(|e| format!("writing {}/streams: {e}", args.out.display()))?;

    print_summary(&summary);
    if let Some(e) = error {
        eprintln!("replay: error: {e}");
        return Ok(ExitCode::from(1));
    }
    if !clean {
        eprintln!(
            "replay: FAILED: {} TLP violation(s), {} corrupt frame(s), {} driver fault(s), {} frame(s) unaccounted",
            summary.tlp_violations.count,
            summary.corrupt_frames.count,
            summary.driver_device_faults,
            summary
                .frames_in
                .saturating_sub(summary.frames_delivered + summary.frames_dropped.total + summary.frames_skipped_empty)
        );
        for v in summary.tlp_violations.list.iter().take(10) {
            eprintln!("  violation: {v}");
        }
        for m in summary.corrupt_frames.list.iter().take(3) {
            eprintln!("  corrupt: {m}");
        }
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

/// The split options, validated.
fn split_config(args: &Args) -> Result<SplitConfig, String> {
    let mode: SplitMode = args.split.parse().map_err(|e| format!("--split: {e}"))?;
    let hdr_buf = u16::try_from(args.hdr_buf).map_err(|_| format!("--hdr-buf {} is too large", args.hdr_buf))?;
    let thresh = u16::try_from(args.split_thresh).unwrap_or(u16::MAX);
    let c = SplitConfig { mode, hdr_buf, thresh, scatter: !args.no_scatter, vlan_strip: args.vlan_strip };
    c.validate().map_err(|e| {
        if e.starts_with("header") {
            format!("--hdr-buf: {e}")
        } else {
            format!("--split-thresh: {e}")
        }
    })?;
    Ok(c)
}

fn print_summary(s: &Summary) {
    let d = &s.frames_dropped;
    println!("{}: {} frames in, {} delivered, {} dropped", s.pcap, s.frames_in, s.frames_delivered, d.total);
    if d.total > 0 {
        let reasons = [
            ("fifo_full", d.fifo_full),
            ("mac_error", d.mac_error),
            ("runt", d.runt),
            ("oversize", d.oversize),
            ("disabled", d.disabled),
            ("no_desc", d.no_desc),
            ("buf_too_small", d.buf_too_small),
            ("bad_desc", d.bad_desc),
            ("queue_disabled", d.queue_disabled),
        ];
        let parts: Vec<String> = reasons.iter().filter(|(_, n)| *n > 0).map(|(r, n)| format!("{r} {n}")).collect();
        println!("  dropped: {}", parts.join(", "));
    }
    for q in &s.queues {
        println!("  queue {}: {} frames, {} bytes", q.queue, q.frames, q.bytes);
    }
    for p in s.pools.iter().filter(|p| p.hdr_pool_size > 0 || p.frames_scattered > 0 || p.vlan_stripped > 0) {
        println!(
            "  queue {}: {} split, {} header-only, {} header overflows, {} scattered, {} VLAN-stripped; {} descriptors; header pool {} (min free {}), data pool {} (min free {}), {} exhausted",
            p.queue,
            p.frames_split,
            p.frames_header_only,
            p.hdr_overflows,
            p.frames_scattered,
            p.vlan_stripped,
            p.descs_consumed,
            p.hdr_pool_size,
            p.hdr_free_min,
            p.data_pool_size,
            p.data_free_min,
            p.pool_exhausted
        );
    }
    let ra = &s.reassembly;
    println!(
        "  reassembly: {} streams, {} bytes ({} copied), {} out-of-order, {} retransmitted bytes, {} gaps ({} bytes), {} non-TCP frames",
        ra.streams,
        ra.delivered_bytes,
        s.payload_bytes_copied,
        ra.out_of_order_segments,
        ra.retransmitted_bytes,
        ra.gaps,
        ra.gap_bytes,
        ra.non_tcp_frames
    );
    if let Some(m) = &s.memory {
        let mib = |k: Option<u64>| k.map_or("?".to_string(), |k| format!("{:.1}", k as f64 / 1024.0));
        println!("  memory: peak RSS {} MiB (VmHWM); RSS by frames sent:", mib(m.peak_rss_kib));
        for x in &m.samples {
            println!(
                "    {:>9} frames  {:>8.1} s  RSS {:>7} MiB  peak {:>7} MiB",
                x.frames_sent,
                x.wall_seconds,
                mib(x.rss_kib),
                mib(x.peak_rss_kib)
            );
        }
    }
    let irq = &s.interrupt_stats;
    if irq.mode == RxMode::Msix {
        println!(
            "  {} interrupts ({:.1} frames per interrupt, {:.0} per simulated second) over {} vectors",
            irq.total,
            irq.frames_per_interrupt,
            irq.per_sim_second,
            s.interrupts.iter().filter(|v| v.count > 0).count()
        );
    } else {
        println!("  polling mode: no interrupts");
    }
    let rate = if s.wall_seconds > 0.0 { s.sim_cycles as f64 / s.wall_seconds } else { 0.0 };
    println!(
        "  {} cycles in {:.2} s ({:.2} Mcycles/s); RX FIFO peak {} of {} bytes; {} TLP violation(s); {} corrupt frame(s)",
        s.sim_cycles,
        s.wall_seconds,
        rate / 1e6,
        s.rx_fifo_peak,
        s.rx_fifo_bytes,
        s.tlp_violations.count,
        s.corrupt_frames.count
    );
}
