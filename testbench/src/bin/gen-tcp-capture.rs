//! `gen-tcp-capture`: writes a deterministic synthetic TCP capture (many
//! concurrent IPv4/IPv6 connections, some VLAN-tagged, with lost and
//! retransmitted segments) and, optionally, the streams a reassembly must
//! produce from it. See `nic_testbench::tcpgen`.

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use nic_testbench::pcap::PcapWriter;
use nic_testbench::tcpgen::{generate, ExpectWriter, GenConfig};

#[derive(Parser, Debug)]
#[command(version, about = "Write a deterministic synthetic TCP capture with losses and retransmissions")]
struct Args {
    /// Output capture (classic pcap, nanosecond timestamps).
    out: PathBuf,
    /// Frames to write.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    frames: u64,
    /// Seed of every random choice.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// Probability that a data segment is lost (retransmitted later), 0..=0.5.
    #[arg(long, value_name = "P", default_value_t = 0.01)]
    loss: f64,
    /// Connections open at a time.
    #[arg(long, value_name = "N", default_value_t = 64)]
    concurrency: usize,
    /// Share of connections over IPv6.
    #[arg(long, value_name = "P", default_value_t = 0.3)]
    ipv6: f64,
    /// Share of connections with a VLAN tag.
    #[arg(long, value_name = "P", default_value_t = 0.2)]
    vlan: f64,
    /// Also write the expected streams here (JSON array, one stream
    /// direction per line: the fields of vectors/tcp/*.streams.json plus
    /// vlan and gaps).
    #[arg(long, value_name = "FILE")]
    expect: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("gen-tcp-capture: error: {msg}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let cfg = GenConfig {
        frames: args.frames,
        seed: args.seed,
        loss: args.loss,
        concurrency: args.concurrency,
        ipv6: args.ipv6,
        vlan: args.vlan,
    };
    cfg.validate().map_err(|e| format!("--{e}"))?;
    let mut pcap = PcapWriter::create(&args.out).map_err(|e| e.to_string())?;
    let mut expect = match &args.expect {
        Some(p) => {
            let f = File::create(p).map_err(|e| format!("--expect {}: {e}", p.display()))?;
            Some(ExpectWriter::new(BufWriter::new(f)).map_err(|e| format!("--expect {}: {e}", p.display()))?)
        }
        None => None,
    };
    let stats = generate(&cfg, &mut pcap, |e| match &mut expect {
        Some(w) => w.write(e),
        None => Ok(()),
    })
    .map_err(|e| format!("writing {}: {e}", args.out.display()))?;
    pcap.finish().map_err(|e| format!("writing {}: {e}", args.out.display()))?;
    if let (Some(w), Some(p)) = (expect, &args.expect) {
        w.finish().map_err(|e| format!("--expect {}: {e}", p.display()))?;
    }
    println!(
        "{}: {} frames, {} connections ({} closed, {} IPv6, {} VLAN), {} data segments, {} lost, {} retransmissions, {} duplicates, {} payload bytes",
        args.out.display(),
        stats.frames,
        stats.connections,
        stats.connections_closed,
        stats.ipv6_connections,
        stats.vlan_connections,
        stats.data_segments,
        stats.lost_segments,
        stats.retransmissions,
        stats.duplicates,
        stats.payload_bytes
    );
    Ok(())
}
