//! Synthetic Ethernet frames for tests and the benchmark.
//!
//! Each frame carries a locally administered unicast destination, an
//! EtherType of 0x88B5 (IEEE local experimental) and a payload that starts
//! with the frame's sequence number and length, followed by a pattern
//! derived from both, so that any two frames differ and a misplaced or
//! corrupted byte is visible.

use crate::replay::Stimulus;

/// Builds frame `seq` of `len` bytes (`len >= 1`; shorter than 14 bytes is a runt).
pub fn frame(seq: u64, len: usize) -> Vec<u8> {
    let mut f = Vec::with_capacity(len);
    let mut hdr = [0u8; 22];
    hdr[0..6].copy_from_slice(&[0x02, 0x77, 0x00, 0x00, 0x00, 0x01]);
    hdr[6..12].copy_from_slice(&[0x02, 0x77, 0x00, 0x00, 0x00, 0x02]);
    hdr[12..14].copy_from_slice(&[0x88, 0xB5]);
    hdr[14..22].copy_from_slice(&seq.to_be_bytes());
    f.extend_from_slice(&hdr[..len.min(22)]);
    let mut x = seq.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (len as u64) << 17 | 1;
    while f.len() < len {
        // xorshift64: cheap, never all-zero.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let n = (len - f.len()).min(8);
        f.extend_from_slice(&x.to_le_bytes()[..n]);
    }
    f
}

/// `count` frames of `len` bytes, numbered from `first`.
pub fn frames(first: u64, count: u64, len: usize) -> impl Iterator<Item = Vec<u8>> {
    (first..first + count).map(move |s| frame(s, len))
}

/// Wraps frames as infallible replay stimuli.
pub fn stimuli<I: IntoIterator<Item = Vec<u8>>>(
    frames: I,
) -> impl Iterator<Item = Result<Stimulus, crate::pcap::PcapError>> {
    frames.into_iter().map(|d| Ok(Stimulus::synthetic(d)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn frames_differ_and_have_length() {
        let a = super::frame(1, 60);
        let b = super::frame(2, 60);
        assert_eq!(a.len(), 60);
        assert_ne!(a, b);
        assert_eq!(super::frame(3, 9018).len(), 9018);
        assert_eq!(super::frame(3, 5).len(), 5);
    }
}
