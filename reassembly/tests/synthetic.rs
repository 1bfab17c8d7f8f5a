//! Synthetic vectors: each feeds segments and checks the exact stream bytes
//! and counters.

use std::net::{IpAddr, Ipv4Addr};
use tcp_reassembly::*;

const F: u8 = TcpFlags::FIN;
const S: u8 = TcpFlags::SYN;
const R: u8 = TcpFlags::RST;
const A: u8 = TcpFlags::ACK;

fn key(n: u16) -> StreamKey {
    StreamKey {
        src: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
        dst: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
        sport: 40000 + n,
        dport: 80,
        vlan: VlanTags::default(),
    }
}

fn push(r: &mut Reassembler<SharedBytes>, k: StreamKey, seq: u32, flags: u8, data: &[u8]) -> PushOutcome {
    r.push(k, SegmentMeta { seq, flags: TcpFlags(flags | A) }, SharedBytes::from(data))
}

/// Drains the stream: data bytes, with each gap shown as `<gap N>`.
fn read(r: &mut Reassembler<SharedBytes>, k: StreamKey) -> Vec<u8> {
    let s = r.stream_mut(&k).expect("stream");
    let mut out = Vec::new();
    while let Some(c) = s.pop_chunk() {
        match c {
            Chunk::Data(p) => out.extend_from_slice(p.bytes()),
            Chunk::Gap(n) => out.extend_from_slice(format!("<gap {n}>").as_bytes()),
        }
    }
    out
}

fn counters(r: &Reassembler<SharedBytes>, k: StreamKey) -> Counters {
    *r.stream(&k).unwrap().counters()
}

#[test]
fn in_order_with_syn_and_fin() {
    let mut r = Reassembler::default();
    let k = key(0);
    let o = push(&mut r, k, 1000, S, b"");
    assert!(o.new_stream);
    assert_eq!(push(&mut r, k, 1001, 0, b"hello ").class, SegmentClass::InOrder);
    assert_eq!(push(&mut r, k, 1007, 0, b"world").delivered, 5);
    let o = push(&mut r, k, 1012, F, b"");
    assert_eq!(o.ended, Some(StreamEnd::Fin));
    assert_eq!(read(&mut r, k), b"hello world");
    assert_eq!(r.stream(&k).unwrap().end(), Some(StreamEnd::Fin));
    let c = counters(&r, k);
    assert_eq!(c.delivered_bytes, 11);
    assert_eq!(c.ooo_segments, 0);
}

#[test]
fn zero_copy_slices_share_the_buffer() {
    let mut r = Reassembler::default();
    let k = key(0);
    push(&mut r, k, 0, S, b"");
    push(&mut r, k, 1, 0, b"abcd");
    let seg = SharedBytes::from(&b"cdefgh"[..]);
    r.push(k, SegmentMeta { seq: 3, flags: TcpFlags(A) }, seg.clone());
    let s = r.stream_mut(&k).unwrap();
    let _ = s.pop_chunk();
    match s.pop_chunk() {
        Some(Chunk::Data(p)) => {
            assert_eq!(p.bytes(), b"efgh");
            assert!(p.same_buffer(&seg), "trimmed by slicing, not copied");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn out_of_order() {
    let mut r = Reassembler::default();
    let k = key(0);
    push(&mut r, k, 99, S, b"");
    assert_eq!(push(&mut r, k, 110, 0, b"KLMNO").class, SegmentClass::OutOfOrder);
    assert_eq!(push(&mut r, k, 105, 0, b"FGHIJ").class, SegmentClass::OutOfOrder);
    assert!(!r.stream(&k).unwrap().is_readable());
    let o = push(&mut r, k, 100, 0, b"ABCDE");
    assert_eq!(o.class, SegmentClass::InOrder);
    assert_eq!(o.delivered, 15);
    assert!(o.readable);
    assert_eq!(read(&mut r, k), b"ABCDEFGHIJKLMNO");
    let c = counters(&r, k);
    assert_eq!((c.ooo_segments, c.in_order_segments), (2, 1));
    assert_eq!(r.held(), (0, 0));
}

#[test]
fn duplicates() {
    let mut r = Reassembler::default();
    let k = key(0);
    push(&mut r, k, 0, S, b"");
    push(&mut r, k, 1, 0, b"abcd");
    assert_eq!(push(&mut r, k, 1, 0, b"abcd").class, SegmentClass::Duplicate);
    push(&mut r, k, 9, 0, b"ijkl");
    assert_eq!(push(&mut r, k, 9, 0, b"ijkl").class, SegmentClass::Duplicate);
    assert_eq!(push(&mut r, k, 10, 0, b"jk").class, SegmentClass::Duplicate);
    push(&mut r, k, 5, 0, b"efgh");
    assert_eq!(read(&mut r, k), b"abcdefghijkl");
    let c = counters(&r, k);
    assert_eq!((c.retransmitted_segments, c.retransmitted_bytes), (3, 10));
    assert_eq!(c.conflict_bytes, 0);
}

/// Rule 1: bytes already delivered win (Linux tcp_data_queue: the
/// already-received prefix of a partial packet is skipped).
#[test]
fn overlap_delivered_data_wins() {
    let mut r = Reassembler::default();
    let k = key(0);
    push(&mut r, k, 0, S, b"");
    push(&mut r, k, 1, 0, b"abcdef");
    // Retransmission with different bytes, extending the stream.
    let o = push(&mut r, k, 4, 0, b"XYZghi");
    assert_eq!(o.class, SegmentClass::InOrder);
    assert_eq!(read(&mut r, k), b"abcdefghi");
    let c = counters(&r, k);
    assert_eq!(c.overlap_bytes, 3);
}

/// In-order data beats held out-of-order data (tcp_ofo_queue trims the ofo skb).
#[test]
fn overlap_in_order_beats_held() {
    let mut r = Reassembler::default();
    let k = key(0);
    push(&mut r, k, 0, S, b"");
    push(&mut r, k, 5, 0, b"xxxxEFGH"); // held, offsets 4..12
    push(&mut r, k, 1, 0, b"abcdefg"); // in order, offsets 0..7: wins 4..7
    assert_eq!(read(&mut r, k), b"abcdefgxEFGH");
    let c = counters(&r, k);
    assert_eq!(c.overlap_bytes, 3);
    assert_eq!(c.conflict_bytes, 3, "held 'xxx' at offsets 4..7 differs from 'efg'");
}

/// Rule 2 among held segments: lowest start wins, then longest, then first.
#[test]
fn overlap_held_lowest_start_wins() {
    // A later segment starting inside a held one: the held (lower start) wins the overlap.
    let mut r = Reassembler::default();
    let k = key(0);
    push(&mut r, k, 0, S, b"");
    push(&mut r, k, 11, 0, b"KLMNO"); // offsets 10..15
    push(&mut r, k, 13, 0, b"xxxPQR"); // 12..18; 12..15 overlaps, held wins
    push(&mut r, k, 1, 0, b"ABCDEFGHIJ");
    assert_eq!(read(&mut r, k), b"ABCDEFGHIJKLMNOPQR");
    let c = counters(&r, k);
    assert_eq!((c.overlap_bytes, c.conflict_bytes), (3, 3));

    // A new segment starting earlier covers held data: new wins.
    let k = key(1);
    push(&mut r, k, 0, S, b"");
    push(&mut r, k, 13, 0, b"xxx"); // 12..15
    push(&mut r, k, 16, 0, b"yyyyy"); // 15..20: extends past the new one's end
    push(&mut r, k, 11, 0, b"KLMNOPQ"); // 10..17: covers 12..15, overlaps 15..17
    push(&mut r, k, 1, 0, b"ABCDEFGHIJ");
    assert_eq!(read(&mut r, k), b"ABCDEFGHIJKLMNOPQyyy");

    // Same start: the longer wins; same start and length: the first wins.
    let k = key(2);
    push(&mut r, k, 0, S, b"");
    push(&mut r, k, 11, 0, b"abc"); // 10..13
    push(&mut r, k, 11, 0, b"KLMNO"); // 10..15, same start, longer: wins
    push(&mut r, k, 11, 0, b"zzzzz"); // same start and end: first wins
    assert_eq!(push(&mut r, k, 12, 0, b"qq").class, SegmentClass::Duplicate); // inside: held wins
    push(&mut r, k, 1, 0, b"ABCDEFGHIJ");
    assert_eq!(read(&mut r, k), b"ABCDEFGHIJKLMNO");
    let c = counters(&r, k);
    assert_eq!(c.retransmitted_segments, 2);
}

#[test]
fn wrap_around() {
    let mut r = Reassembler::default();
    let k = key(0);
    let isn = u32::MAX - 5;
    push(&mut r, k, isn, S, b"");
    // Offsets: 0..4 at seq MAX-4..MAX-1, 4..8 across the wrap, 8..12 after it.
    push(&mut r, k, 3, 0, b"89ab"); // out of order, after the wrap (offset 5 is seq 0)
    push(&mut r, k, isn.wrapping_add(5), 0, b"4567"); // crosses 2^32
    push(&mut r, k, isn.wrapping_add(1), 0, b"0123");
    push(&mut r, k, 7, F, b"cd");
    assert_eq!(read(&mut r, k), b"0123456789abcd");
    assert_eq!(r.stream(&k).unwrap().end(), Some(StreamEnd::Fin));
    assert_eq!(r.stream(&k).unwrap().rcv_nxt(), Some(9));
}

#[test]
fn long_stream_many_wraps() {
    // More than 2^32 bytes of sequence space without storing them: only
    // counting, via a payload of 1 MiB pushed repeatedly at the right seq.
    let mut r = Reassembler::default();
    let k = key(0);
    let chunk = SharedBytes::from(vec![7u8; 1 << 20]);
    let mut seq = 0x1234_5678u32;
    r.push(k, SegmentMeta { seq, flags: TcpFlags(S) }, SharedBytes::from(Vec::new()));
    seq = seq.wrapping_add(1);
    for _ in 0..(5u64 << 12) {
        let o = r.push(k, SegmentMeta { seq, flags: TcpFlags(A) }, chunk.clone());
        assert_eq!(o.class, SegmentClass::InOrder);
        seq = seq.wrapping_add(1 << 20);
        let s = r.stream_mut(&k).unwrap();
        while s.pop_chunk().is_some() {}
    }
    assert_eq!(r.stream(&k).unwrap().next_offset(), 5 << 32);
}

#[test]
fn mid_stream_start() {
    let mut r = Reassembler::default();
    let k = key(0);
    // No SYN: the first segment seen sets the start.
    assert_eq!(push(&mut r, k, 5000, 0, b"middle ").class, SegmentClass::InOrder);
    push(&mut r, k, 5012, 0, b"end");
    push(&mut r, k, 5007, 0, b"then ");
    // Earlier data showing up later is behind the start: counted, not delivered.
    assert_eq!(push(&mut r, k, 4990, 0, b"0123456789").class, SegmentClass::Duplicate);
    assert_eq!(read(&mut r, k), b"middle then end");
    assert_eq!(counters(&r, k).retransmitted_bytes, 10);
}

#[test]
fn rst_closes_and_keeps_delivered() {
    let mut r = Reassembler::default();
    let k = key(0);
    push(&mut r, k, 0, S, b"");
    push(&mut r, k, 1, 0, b"abc");
    push(&mut r, k, 7, 0, b"ghi"); // held behind a hole
    let o = push(&mut r, k, 4, R, b"rst payload");
    assert_eq!(o.ended, Some(StreamEnd::Reset));
    // Held data is released behind a gap marker.
    assert_eq!(read(&mut r, k), b"abc<gap 3>ghi");
    assert_eq!(push(&mut r, k, 10, 0, b"late").class, SegmentClass::AfterEnd);
    let c = counters(&r, k);
    assert_eq!((c.gaps, c.gap_bytes, c.rst_payload_bytes, c.after_fin_bytes), (1, 3, 11, 4));
}

#[test]
fn fin_then_data_after_it() {
    let mut r = Reassembler::default();
    let k = key(0);
    push(&mut r, k, 0, S, b"");
    push(&mut r, k, 8, 0, b"beyond"); // held; will lie beyond the FIN
    push(&mut r, k, 4, F, b"def"); // FIN at offset 6: discards held bytes past it
    assert_eq!(r.held(), (3, 1), "only the FIN segment's own data is held");
    // The ACK after the FIN (seq FIN + 1) is not data after the FIN.
    assert_eq!(push(&mut r, k, 7, 0, b"").class, SegmentClass::Control);
    assert_eq!(counters(&r, k).after_fin_segments, 0);
    push(&mut r, k, 1, 0, b"abc");
    assert_eq!(r.stream(&k).unwrap().end(), Some(StreamEnd::Fin));
    assert_eq!(push(&mut r, k, 7, 0, b"more").class, SegmentClass::AfterEnd);
    assert_eq!(push(&mut r, k, 4, F, b"def").class, SegmentClass::Duplicate);
    assert_eq!(read(&mut r, k), b"abcdef");
    let c = counters(&r, k);
    assert_eq!(c.after_fin_bytes, 6 + 4);
}

#[test]
fn fin_segment_with_data_past_known_fin_is_trimmed() {
    let mut r = Reassembler::default();
    let k = key(0);
    push(&mut r, k, 0, S, b"");
    push(&mut r, k, 1, F, b"abc"); // FIN at offset 3
    assert_eq!(push(&mut r, k, 2, 0, b"bcXYZ").class, SegmentClass::AfterEnd);
    assert_eq!(read(&mut r, k), b"abc");
}

#[test]
fn out_of_window() {
    let cfg = Config { window_ahead: 1000, window_behind: 1000, ..Config::default() };
    let mut r = Reassembler::new(cfg);
    let k = key(0);
    push(&mut r, k, 0, S, b"");
    push(&mut r, k, 1, 0, b"abc");
    assert_eq!(push(&mut r, k, 1 + 5000, 0, b"far").class, SegmentClass::OutOfWindow);
    assert_eq!(push(&mut r, k, 0x8000_0000, 0, b"half").class, SegmentClass::OutOfWindow);
    assert_eq!(push(&mut r, k, 1u32.wrapping_sub(3000), 0, b"old").class, SegmentClass::OutOfWindow);
    assert_eq!(push(&mut r, k, 1 + 900, 0, b"ok").class, SegmentClass::OutOfOrder);
    // An RST with an out-of-window sequence number is ignored.
    assert_eq!(push(&mut r, k, 50_000, R, b"").class, SegmentClass::OutOfWindow);
    assert_eq!(r.stream(&k).unwrap().end(), None);
    // A SYN with another ISN on a live stream too.
    assert_eq!(push(&mut r, k, 777, S, b"").class, SegmentClass::OutOfWindow);
    assert_eq!(read(&mut r, k), b"abc");
    assert_eq!(counters(&r, k).out_of_window_segments, 5);
}

#[test]
fn memory_limit_per_flow_drops_new_segment_and_reports_gap() {
    let cfg = Config { max_ooo_bytes_per_flow: 10, max_ooo_segments_per_flow: 2, ..Config::default() };
    let mut r = Reassembler::new(cfg);
    let k = key(0);
    push(&mut r, k, 0, S, b"");
    assert_eq!(push(&mut r, k, 11, 0, b"KLMN").class, SegmentClass::OutOfOrder); // 10..14
    assert_eq!(push(&mut r, k, 21, 0, b"UVWXYZ").class, SegmentClass::OutOfOrder); // 20..26, 10 bytes held
    assert_eq!(push(&mut r, k, 15, 0, b"OP").class, SegmentClass::DroppedByLimit); // bytes
                                                                                   // A duplicate of held data is never dropped by the limit.
    assert_eq!(push(&mut r, k, 11, 0, b"KL").class, SegmentClass::Duplicate);
    // Same size replacement (new wins, nothing grows) is accepted.
    assert_eq!(push(&mut r, k, 11, 0, b"KLMN").class, SegmentClass::Duplicate);
    assert_eq!(r.stream(&k).unwrap().held(), (10, 2));
    push(&mut r, k, 1, 0, b"ABCDEFGHIJ");
    // Hole 14..20 (its data was dropped) is still open: wait for a retransmission...
    assert_eq!(read(&mut r, k), b"ABCDEFGHIJKLMN");
    // ...that never comes: the end of input skips it as a gap.
    r.finish(&k);
    assert_eq!(read(&mut r, k), b"<gap 6>UVWXYZ");
    let c = counters(&r, k);
    assert_eq!((c.dropped_by_limit_segments, c.dropped_by_limit_bytes, c.gaps, c.gap_bytes), (1, 2, 1, 6));
    assert_eq!(r.stream(&k).unwrap().end(), Some(StreamEnd::Finished));
    assert_eq!(r.held(), (0, 0));
}

#[test]
fn memory_limit_total() {
    let cfg = Config { max_ooo_bytes_total: 8, ..Config::default() };
    let mut r = Reassembler::new(cfg);
    for n in 0..3 {
        push(&mut r, key(n), 0, S, b"");
    }
    assert_eq!(push(&mut r, key(0), 5, 0, b"1234").class, SegmentClass::OutOfOrder);
    assert_eq!(push(&mut r, key(1), 5, 0, b"1234").class, SegmentClass::OutOfOrder);
    assert_eq!(push(&mut r, key(2), 5, 0, b"1").class, SegmentClass::DroppedByLimit);
    assert_eq!(r.held(), (8, 2));
    // Filling flow 0's hole frees its share.
    push(&mut r, key(0), 1, 0, b"abcd");
    assert_eq!(r.held(), (4, 1));
    assert_eq!(push(&mut r, key(2), 5, 0, b"1").class, SegmentClass::OutOfOrder);
    assert_eq!(r.totals().dropped_by_limit_segments, 1);
}

#[test]
fn many_flows_interleaved() {
    let mut r = Reassembler::default();
    let n = 50u16;
    let text = |i: u16| format!("flow {i} says: {}", "x".repeat(i as usize * 7)).into_bytes();
    for i in 0..n {
        push(&mut r, key(i), i as u32 * 1000, S, b"");
        push(&mut r, key(i).reversed(), i as u32 * 77, S, b"");
    }
    // Segments of 3 bytes, round robin over flows, each flow in reverse order.
    let mut pending: Vec<Vec<(u32, Vec<u8>)>> = (0..n)
        .map(|i| {
            let t = text(i);
            t.chunks(3).enumerate().map(|(j, c)| (i as u32 * 1000 + 1 + 3 * j as u32, c.to_vec())).rev().collect()
        })
        .collect();
    let mut left = true;
    while left {
        left = false;
        for i in 0..n {
            if let Some((seq, d)) = pending[i as usize].pop() {
                // Alternate: push every other flow's segments reversed by swapping pairs.
                push(&mut r, key(i), seq, 0, &d);
                push(&mut r, key(i).reversed(), i as u32 * 77 + 1 + (seq - i as u32 * 1000 - 1), 0, &d);
                left = true;
            }
        }
    }
    for i in 0..n {
        assert_eq!(read(&mut r, key(i)), text(i));
        assert_eq!(read(&mut r, key(i).reversed()), text(i));
    }
    assert_eq!(r.streams().count(), 2 * n as usize);
}

#[test]
fn syn_reuse_after_end_starts_new_incarnation() {
    let mut r = Reassembler::default();
    let k = key(0);
    push(&mut r, k, 100, S, b"");
    push(&mut r, k, 101, F, b"one");
    assert_eq!(read(&mut r, k), b"one");
    let o = push(&mut r, k, 9000, S, b"");
    assert_eq!(o.class, SegmentClass::Control);
    push(&mut r, k, 9001, 0, b"two");
    assert_eq!(read(&mut r, k), b"two");
    assert_eq!(counters(&r, k).restarts, 1);
}

#[test]
fn syn_with_data() {
    let mut r = Reassembler::default();
    let k = key(0);
    push(&mut r, k, 41, S, b"fast");
    push(&mut r, k, 46, 0, b"open");
    assert_eq!(read(&mut r, k), b"fastopen");
}

#[test]
fn stray_ack_then_syn_adopts_isn() {
    let mut r = Reassembler::default();
    let k = key(0);
    // Capture starts with the last ACK of an earlier connection.
    assert_eq!(push(&mut r, k, 123_456, 0, b"").class, SegmentClass::Control);
    push(&mut r, k, 5000, S, b"");
    push(&mut r, k, 5001, 0, b"new connection");
    assert_eq!(read(&mut r, k), b"new connection");
    assert_eq!(counters(&r, k).restarts, 0);
}

#[test]
fn syn_after_mid_stream_data_restarts() {
    let mut r = Reassembler::default();
    let k = key(0);
    push(&mut r, k, 70_000, 0, b"tail of old");
    push(&mut r, k, 5000, S, b"");
    push(&mut r, k, 5001, F, b"new");
    assert_eq!(read(&mut r, k), b"tail of oldnew");
    assert_eq!(counters(&r, k).restarts, 1);
    assert_eq!(r.stream(&k).unwrap().end(), Some(StreamEnd::Fin));
    assert_eq!(r.remove_finished(), 1);
    assert!(r.stream(&k).is_none());
    assert_eq!(r.totals().delivered_bytes, 14);
}
