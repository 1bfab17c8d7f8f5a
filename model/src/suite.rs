//! The Microsoft RSS verification suite: the table the RSS specification
//! gives to check a Toeplitz implementation, reproduced in the Intel 82599
//! datasheet ("RSS Verification Suite") and DPDK's `test_thash.c`. All
//! hashes are under `nic_spec::rss::MS_KEY`; the input is source address,
//! destination address, then (4-tuple) source port, destination port.

/// One IPv4 row: destination address and port, source address and port,
/// the 2-tuple (addresses) hash and the 4-tuple (with ports) hash.
pub type V4Row = ([u8; 4], u16, [u8; 4], u16, u32, u32);
/// One IPv6 row, as [`V4Row`].
pub type V6Row = ([u8; 16], u16, [u8; 16], u16, u32, u32);

/// The IPv4 rows.
pub const MS_V4: [V4Row; 5] = [
    ([161, 142, 100, 80], 1766, [66, 9, 149, 187], 2794, 0x323e_8fc2, 0x51cc_c178),
    ([65, 69, 140, 83], 4739, [199, 92, 111, 2], 14230, 0xd718_262a, 0xc626_b0ea),
    ([12, 22, 207, 184], 38024, [24, 19, 198, 95], 12898, 0xd2d0_a5de, 0x5c2b_394a),
    ([209, 142, 163, 6], 2217, [38, 27, 205, 30], 48228, 0x8298_9176, 0xafc7_327f),
    ([202, 188, 127, 2], 1303, [153, 39, 163, 191], 44251, 0x5d18_09c5, 0x10e8_28a2),
];

fn v6(s: &str) -> [u8; 16] {
    s.parse::<std::net::Ipv6Addr>().expect("literal address").octets()
}

/// The IPv6 rows.
pub fn ms_v6() -> [V6Row; 3] {
    [
        (v6("3ffe:2501:200:3::1"), 1766, v6("3ffe:2501:200:1fff::7"), 2794, 0x2cc1_8cd5, 0x4020_7d3d),
        (v6("ff02::1"), 4739, v6("3ffe:501:8::260:97ff:fe40:efab"), 14230, 0x0f0c_461c, 0xdde5_1bbf),
        (
            v6("fe80::200:f8ff:fe21:67cf"),
            38024,
            v6("3ffe:1900:4545:3:200:f8ff:fe21:67cf"),
            44251,
            0x4b61_e985,
            0x02d1_feef,
        ),
    ]
}
