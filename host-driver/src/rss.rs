//! Receive-side scaling settings: Toeplitz key, hash types, indirection
//! table, default queue (docs/rss.md has the device's rules).

use nic_hal::Hal;
use nic_spec::{global, rss, rss_type};

/// RSS settings for [`crate::Nic::open`] (in [`crate::RxConfig::rss`]) and
/// [`crate::Nic::set_rss`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RssConfig {
    /// Toeplitz key (`RSS_KEY`), byte 0 first.
    pub key: [u8; rss::KEY_BYTES],
    /// Enabled hash types (`RSS_HASH_TYPES`): bit `t - 1` enables
    /// `nic_spec::rss_type` `t`; at most `rss_type::ALL_ENABLED`.
    pub hash_types: u32,
    /// Indirection table: the queue for each value of the hash's low bits.
    /// Empty: spread evenly over the open queues (entry `i` is `i % queues`).
    /// Otherwise its length must divide the device's table size
    /// ([`crate::Caps::rss_reta_size`]) and it is repeated to fill it, which
    /// steers exactly as a table of that length would. Every entry must be
    /// an open queue.
    pub reta: Vec<u8>,
    /// Queue for frames no enabled hash type covers (`RSS_DEFAULT_QUEUE`);
    /// must be an open queue.
    pub default_queue: u8,
}

impl Default for RssConfig {
    /// The Microsoft key, every hash type, an even spread, queue 0 as default.
    fn default() -> Self {
        RssConfig { key: rss::MS_KEY, hash_types: rss_type::ALL_ENABLED, reta: Vec::new(), default_queue: 0 }
    }
}

impl RssConfig {
    /// The device table this configuration programs: `reta_size` entries
    /// for `queues` open queues. Errors say what is wrong.
    pub fn expand_reta(&self, reta_size: usize, queues: usize) -> Result<Vec<u8>, String> {
        if self.hash_types & !rss_type::ALL_ENABLED != 0 {
            return Err(format!(
                "hash_types {:#x} has bits beyond the six types ({:#x})",
                self.hash_types,
                rss_type::ALL_ENABLED
            ));
        }
        if usize::from(self.default_queue) >= queues {
            return Err(format!("default queue {} is not one of the {queues} open queues", self.default_queue));
        }
        if self.reta.is_empty() {
            return Ok((0..reta_size).map(|i| (i % queues) as u8).collect());
        }
        if self.reta.len() > reta_size || !reta_size.is_multiple_of(self.reta.len()) {
            return Err(format!(
                "indirection table of {} entries: the length must divide the device's {reta_size}",
                self.reta.len()
            ));
        }
        if let Some((i, q)) = self.reta.iter().enumerate().find(|(_, &q)| usize::from(q) >= queues) {
            return Err(format!("indirection table entry {i} is queue {q}, but only {queues} queues are open"));
        }
        Ok(self.reta.iter().copied().cycle().take(reta_size).collect())
    }
}

/// Writes the whole configuration: key, table and default queue first, the
/// hash-type enables last (so a frame is never hashed under a half-written
/// table with types newly enabled). `reta` is the expanded table.
pub(crate) fn program<H: Hal>(hal: &mut H, cfg: &RssConfig, reta: &[u8]) {
    for (n, k) in cfg.key.chunks_exact(4).enumerate() {
        // Key byte 4n+k is bits [8k+7:8k] of RSS_KEY+4n: a little-endian dword.
        hal.mmio_write32(global::RSS_KEY + 4 * n as u32, u32::from_le_bytes([k[0], k[1], k[2], k[3]]));
    }
    for (n, e) in reta.chunks(4).enumerate() {
        let mut dw = [0u8; 4];
        dw[..e.len()].copy_from_slice(e);
        hal.mmio_write32(global::RSS_RETA + 4 * n as u32, u32::from_le_bytes(dw));
    }
    hal.mmio_write32(global::RSS_DEFAULT_QUEUE, u32::from(cfg.default_queue));
    hal.mmio_write32(global::RSS_HASH_TYPES, cfg.hash_types);
}
