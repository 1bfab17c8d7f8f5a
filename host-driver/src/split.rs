//! Header/data split, scatter and VLAN stripping settings (docs/split.md).

use std::fmt;
use std::str::FromStr;

use nic_spec::{limits, rx_cfg, split_mode};

/// Where the NIC splits a frame between the header buffer and the data
/// buffers (`nic_spec::split_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SplitMode {
    /// Whole frames into data buffers; header buffers are never used.
    #[default]
    Never,
    /// Split every IP frame the parser understood (after the TCP/UDP header,
    /// or after the L3 header for other IP traffic and fragments).
    Always,
    /// Split TCP and UDP only (not fragments).
    TcpUdp,
}

impl SplitMode {
    /// The `rx_cfg` MODE value.
    pub fn raw(self) -> u32 {
        match self {
            SplitMode::Never => split_mode::NEVER,
            SplitMode::Always => split_mode::ALWAYS,
            SplitMode::TcpUdp => split_mode::TCP_UDP,
        }
    }

    /// The name the CLI and the replay contract use (`split_mode::NAMES`).
    pub fn name(self) -> &'static str {
        split_mode::NAMES[self.raw() as usize]
    }
}

impl fmt::Display for SplitMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SplitMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "never" => Ok(SplitMode::Never),
            "always" => Ok(SplitMode::Always),
            "tcp-udp" => Ok(SplitMode::TcpUdp),
            _ => Err(format!("unknown split mode {s:?}: expected never, always or tcp-udp")),
        }
    }
}

impl serde::Serialize for SplitMode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// Per-queue receive layout, in [`crate::RxConfig::split`]; programmed into
/// `Q_RX_CFG` (and the header pool registers) while the queue is disabled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SplitConfig {
    /// Split mode.
    pub mode: SplitMode,
    /// Header buffer bytes: a power of two, 64..=1024. The header pool is
    /// allocated only when `mode` is not `Never` or `thresh` is not 0.
    pub hdr_buf: u16,
    /// Small-frame threshold (`rx_cfg` THRESH, at most 4095): frames of at
    /// most this many bytes go whole into the header buffer (when `mode` is
    /// not `Never`); 0 = off.
    pub thresh: u16,
    /// A frame longer than one data buffer continues in the next ones
    /// (else it is dropped as too small).
    pub scatter: bool,
    /// Remove the outer VLAN tag from delivered frames (`RxFrame::vlan_tci` keeps it).
    pub vlan_strip: bool,
}

impl Default for SplitConfig {
    fn default() -> Self {
        SplitConfig { mode: SplitMode::Never, hdr_buf: 256, thresh: 0, scatter: true, vlan_strip: false }
    }
}

impl SplitConfig {
    /// Whether the queue needs a header pool.
    pub fn uses_header_pool(&self) -> bool {
        self.mode != SplitMode::Never || self.thresh != 0
    }

    /// `log2(hdr_buf)`, once validated.
    pub fn hdr_log_size(&self) -> u32 {
        u32::from(self.hdr_buf).trailing_zeros()
    }

    /// Checks the values against `nic_spec::limits` and `rx_cfg`.
    pub fn validate(&self) -> Result<(), String> {
        let min = 1u32 << limits::HDR_LOG_SIZE_MIN;
        let max = 1u32 << limits::HDR_LOG_SIZE_MAX;
        let h = u32::from(self.hdr_buf);
        if !h.is_power_of_two() || !(min..=max).contains(&h) {
            return Err(format!("header buffer size {h} must be a power of two in {min}..={max}"));
        }
        if u32::from(self.thresh) > rx_cfg::THRESH_MASK {
            return Err(format!("split threshold {} exceeds {}", self.thresh, rx_cfg::THRESH_MASK));
        }
        Ok(())
    }

    /// The `Q_RX_CFG` value.
    pub fn rx_cfg(&self) -> u32 {
        rx_cfg::value(self.mode.raw(), self.scatter, self.vlan_strip, self.hdr_log_size(), u32::from(self.thresh))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mode_names_round_trip() {
        for m in [SplitMode::Never, SplitMode::Always, SplitMode::TcpUdp] {
            assert_eq!(m.to_string().parse::<SplitMode>(), Ok(m));
        }
        assert!("sometimes".parse::<SplitMode>().unwrap_err().contains("tcp-udp"));
        assert_eq!(SplitMode::default(), SplitMode::Never);
    }

    #[test]
    fn config_validates_and_encodes() {
        let c = SplitConfig::default();
        assert_eq!((c.hdr_buf, c.thresh, c.scatter, c.vlan_strip), (256, 0, true, false));
        assert!(!c.uses_header_pool());
        c.validate().unwrap();
        assert_eq!(c.rx_cfg(), rx_cfg::SCATTER | (8 << rx_cfg::HDR_LOG_SIZE_SHIFT));
        for bad in [0u16, 32, 100, 2048] {
            assert!(SplitConfig { hdr_buf: bad, ..c }.validate().is_err(), "{bad}");
        }
        assert!(SplitConfig { thresh: 4096, ..c }.validate().is_err());
        let t = SplitConfig { mode: SplitMode::TcpUdp, hdr_buf: 64, thresh: 100, scatter: false, vlan_strip: true };
        t.validate().unwrap();
        assert!(t.uses_header_pool());
        assert_eq!(
            t.rx_cfg(),
            2 | rx_cfg::VLAN_STRIP | (6 << rx_cfg::HDR_LOG_SIZE_SHIFT) | (100 << rx_cfg::THRESH_SHIFT)
        );
    }
}
