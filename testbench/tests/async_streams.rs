//! The application-facing async API end to end (issue #6): a real capture
//! through the RTL, one NAPI task per MSI-X vector delivering into
//! [`TcpStreams`], an acceptor task and one reader task per stream
//! direction. Half the readers take zero-copy chunks, half read into their
//! own buffer ([`tokio::io::AsyncRead`], the copy path). Every stream must
//! equal the `tshark follow,tcp,raw` oracle, payload must arrive lent (no
//! copy before the readers), and every lent buffer must come back.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;
use std::rc::Rc;

use nic_driver::napi::{run_vector, IrqHub, Shared};
use nic_driver::tcp::{TcpReceiver, TcpStreams};
use nic_driver::{Delivery, IrqConfig, Nic, RxConfig};
use nic_sim::{Sim, SimConfig};
use nic_testbench::pcap;
use serde_json::Value;
use tcp_reassembly::sha256::Sha256;
use tcp_reassembly::{Chunk, Payload};
use tokio::io::AsyncReadExt;
use tokio::task::spawn_local;

type Key = (String, u16, String, u16);

#[test]
fn async_readers_get_the_oracle_streams() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/tcp");
    let frames = pcap::read_all(dir.join("ns-http-reorder.pcap")).unwrap();
    let oracle: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("ns-http-reorder.streams.json")).unwrap()).unwrap();
    let want: BTreeMap<Key, (u64, String)> = oracle
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let k = (
                e["src"].as_str().unwrap().to_string(),
                e["sport"].as_u64().unwrap() as u16,
                e["dst"].as_str().unwrap().to_string(),
                e["dport"].as_u64().unwrap() as u16,
            );
            (k, (e["bytes"].as_u64().unwrap(), e["sha256"].as_str().unwrap().to_string()))
        })
        .collect();

    let mut sim = Sim::new(SimConfig::default()).unwrap();
    let mut nic = Nic::probe(&mut sim).unwrap();
    nic.open(&mut sim, &RxConfig { delivery: Delivery::ZeroCopy, ..RxConfig::default() }).unwrap();
    nic.enable_interrupts(&mut sim, &IrqConfig::default()).unwrap();
    let hub = Rc::new(IrqHub::new(&nic).unwrap());
    let shared = Rc::new(Shared::new(nic, sim));
    let streams = TcpStreams::new(TcpReceiver::default());
    let got: Rc<RefCell<BTreeMap<Key, (u64, String, bool)>>> = Rc::default();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);

    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    tokio::task::LocalSet::new().block_on(&rt, async {
        let napi: Vec<_> = (0..hub.vectors())
            .map(|v| {
                let (shared, hub, streams) = (shared.clone(), hub.clone(), streams.clone());
                let mut stop_rx = stop_rx.clone();
                spawn_local(async move {
                    let stop = async move {
                        let _ = stop_rx.wait_for(|s| *s).await;
                    };
                    run_vector(&shared, &hub, v, stop, |f| streams.deliver(&f)).await
                })
            })
            .collect();
        let acceptor = {
            let (streams, got) = (streams.clone(), got.clone());
            spawn_local(async move {
                let mut readers = Vec::new();
                let mut n = 0;
                while let Some(mut s) = streams.accept().await {
                    let k = s.key();
                    let key = (k.src.to_string(), k.sport, k.dst.to_string(), k.dport);
                    let got = got.clone();
                    let zero_copy = n % 2 == 0;
                    n += 1;
                    readers.push(spawn_local(async move {
                        let mut sha = Sha256::new();
                        let mut len = 0u64;
                        if zero_copy {
                            while let Some(c) = s.next_chunk().await {
                                let Chunk::Data(p) = c else { panic!("{key:?}: a hole") };
                                sha.update(p.bytes());
                                len += p.len() as u64;
                            }
                        } else {
                            let mut v = Vec::new();
                            s.read_to_end(&mut v).await.unwrap();
                            sha.update(&v);
                            len = v.len() as u64;
                        }
                        got.borrow_mut().insert(key, (len, sha.finish_hex(), zero_copy));
                    }));
                }
                for r in readers {
                    r.await.unwrap();
                }
            })
        };
        // The clock: frames into the MAC a few at a time, the model run,
        // interrupts handed to the NAPI tasks, which run before the next step.
        for chunk in frames.chunks(8).map(Some).chain(std::iter::repeat_n(None, 64)) {
            shared
                .with_hal(|sim| {
                    for f in chunk.into_iter().flatten() {
                        sim.mac_push(&f.data, false, 0);
                    }
                    sim.run(2048);
                    hub.dispatch(sim)
                })
                .unwrap();
            for _ in 0..8 {
                tokio::task::yield_now().await;
            }
        }
        streams.close();
        acceptor.await.unwrap();
        stop_tx.send_replace(true);
        for t in napi {
            t.await.unwrap().unwrap();
        }
    });

    let got = got.borrow();
    assert_eq!(got.len(), want.len(), "one reader per stream direction");
    for (k, (len, sha)) in &want {
        let (glen, gsha, _) = got.get(k).unwrap_or_else(|| panic!("{k:?} never accepted"));
        assert_eq!((glen, gsha), (len, sha), "{k:?}");
    }
    assert!(got.values().any(|g| g.2) && got.values().any(|g| !g.2), "both read paths used");
    let c = streams.counters();
    let total: u64 = want.values().map(|w| w.0).sum();
    assert_eq!(c.payload_bytes_copied, 0, "{c:?}");
    assert!(c.payload_bytes_zero_copy >= total, "{c:?}");
    assert!(c.read_bytes_copied > 0 && c.read_bytes_copied < total, "half the streams were read by copy: {c:?}");
    drop(streams);
    let Ok(shared) = Rc::try_unwrap(shared) else { panic!("tasks ended") };
    let (mut nic, mut sim) = shared.into_inner();
    let st = nic.stats(&mut sim).unwrap();
    assert_eq!(st.queues.iter().map(|q| q.lent_buffers).sum::<usize>(), 0, "every lent buffer came back");
    assert_eq!(st.queues.iter().map(|q| q.frames_delivered).sum::<u64>(), frames.len() as u64);
    assert!(st.queues.iter().all(|q| q.bytes_copied == 0 && q.device_faults == 0));
    assert!(sim.violations().is_empty(), "{:#?}", sim.violations());
}
