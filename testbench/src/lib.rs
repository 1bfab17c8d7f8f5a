//! Test bench for the NIC: replays captures through the verilated RTL (via
//! `nic-sim`) and the real driver (`nic-driver`), checks every delivered frame
//! against the input and writes the results.
//!
//! * [`pcap`]: streaming pcap/pcapng reader and pcap writer;
//! * [`mem`]: resident memory samples (`replay --mem-report`);
//! * [`pacing`]: line-rate gaps for the MAC stream;
//! * [`replay`]: the replay engine;
//! * [`output`]: the output directory (`summary.json`, `completions.jsonl`,
//!   `queues/q<N>.pcap`);
//! * [`rss`]: RSS settings as the CLI takes them, names the output prints;
//! * [`streams`]: TCP reassembly of the delivered frames (`streams/`);
//! * [`synth`]: synthetic frames for tests and the benchmark;
//! * [`tcp_vectors`]: the TCP reassembly golden vectors
//!   (`vectors/tcp/synthetic/*.yaml`), replayed through the RTL and the
//!   driver and checked stream by stream;
//! * [`tcpgen`]: synthetic TCP captures with losses, and their expected
//!   streams (`gen-tcp-capture`, `make mem-bench`);
//! * [`vectors`]: the header-split golden vectors (`vectors/split/*.yaml`),
//!   run at register level against the RTL and the reference model.

pub mod mem;
pub mod output;
pub mod pacing;
pub mod pcap;
pub mod replay;
pub mod rss;
pub mod streams;
pub mod synth;
pub mod tcp_vectors;
pub mod tcpgen;
pub mod vectors;
