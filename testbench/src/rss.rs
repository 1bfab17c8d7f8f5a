//! RSS settings as the CLI takes them (`--rss-key`, `--rss-types`, `--reta`)
//! and the names the output contract prints.

use std::fmt::Write as _;
use std::path::Path;

use nic_spec::{rss, rss_type};

/// Names of `l3_type` values, indexed by value, as `completions.jsonl` prints them.
pub const L3_NAMES: [&str; 3] = ["none", "ipv4", "ipv6"];
/// Names of `l4_type` values, indexed by value.
pub const L4_NAMES: [&str; 4] = ["none", "tcp", "udp", "other"];

/// The name of enum value `v` in `names`, `"unknown"` for a value the spec
/// does not define (a device bug, printed rather than hidden).
pub fn name_of(names: &'static [&'static str], v: u8) -> &'static str {
    names.get(usize::from(v)).copied().unwrap_or("unknown")
}

/// Parses a 40-byte Toeplitz key written as 80 hex digits (`:`, `-`, `_`
/// and spaces between them are ignored, as is a leading `0x`).
pub fn parse_key(s: &str) -> Result<[u8; rss::KEY_BYTES], String> {
    let t = s.trim();
    let t = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")).unwrap_or(t);
    let digits: Vec<char> = t.chars().filter(|c| !matches!(c, ':' | '-' | '_' | ' ')).collect();
    if let Some((i, c)) = digits.iter().enumerate().find(|(_, c)| !c.is_ascii_hexdigit()) {
        return Err(format!("RSS key: {c:?} (hex digit {}) is not a hex digit", i + 1));
    }
    if digits.len() != 2 * rss::KEY_BYTES {
        return Err(format!("RSS key: {} hex digits, need {}", digits.len(), 2 * rss::KEY_BYTES));
    }
    let mut key = [0u8; rss::KEY_BYTES];
    for (k, pair) in key.iter_mut().zip(digits.chunks(2)) {
        let hi = pair[0].to_digit(16).expect("checked");
        let lo = pair[1].to_digit(16).expect("checked");
        *k = (hi * 16 + lo) as u8;
    }
    Ok(key)
}

/// The key as 80 lowercase hex digits.
pub fn key_hex(key: &[u8; rss::KEY_BYTES]) -> String {
    key.iter().fold(String::with_capacity(80), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Parses a comma-separated list of hash type names
/// (`ipv4,ipv4_tcp,ipv4_udp,ipv6,ipv6_tcp,ipv6_udp`), or `all` / `none`,
/// into `RSS_HASH_TYPES` bits.
pub fn parse_types(s: &str) -> Result<u32, String> {
    let s = s.trim();
    match s {
        "all" => return Ok(rss_type::ALL_ENABLED),
        "none" | "" => return Ok(0),
        _ => {}
    }
    let mut bits = 0;
    for name in s.split(',').map(str::trim) {
        let t = rss_type::NAMES.iter().position(|n| *n == name).filter(|&t| t != rss_type::NONE as usize).ok_or_else(
            || format!("RSS hash type {name:?} is not one of {} (or all, none)", rss_type::NAMES[1..].join(", ")),
        )?;
        bits |= rss_type::enable_bit(t as u32);
    }
    Ok(bits)
}

/// The names of the types enabled in `bits`, in value order.
pub fn type_names(bits: u32) -> Vec<&'static str> {
    (1..rss_type::NAMES.len() as u32)
        .filter(|&t| bits & rss_type::enable_bit(t) != 0)
        .map(|t| rss_type::NAMES[t as usize])
        .collect()
}

/// Parses an indirection table: queue numbers (decimal, or hex with `0x`)
/// separated by whitespace or commas; `#` starts a comment to the end of
/// the line. `name` is used in errors, which give the line, column and
/// entry number (all counted from 1).
pub fn parse_reta(name: &str, text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for (ln, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("");
        let mut col = 0;
        for tok in line.split(|c: char| c.is_whitespace() || c == ',') {
            let start = col;
            col += tok.len() + 1;
            if tok.is_empty() {
                continue;
            }
            let v = match tok.strip_prefix("0x").or_else(|| tok.strip_prefix("0X")) {
                Some(h) => u32::from_str_radix(h, 16),
                None => tok.parse::<u32>(),
            };
            match v {
                Ok(q) if q <= u32::from(u8::MAX) => out.push(q as u8),
                _ => {
                    return Err(format!(
                        "{name}: line {} column {}: entry {} {tok:?} is not a queue number (0..=255)",
                        ln + 1,
                        start + 1,
                        out.len() + 1
                    ))
                }
            }
        }
    }
    if out.is_empty() {
        return Err(format!("{name}: no queue numbers in the indirection table"));
    }
    Ok(out)
}

/// Reads an indirection table file (see [`parse_reta`]).
pub fn read_reta(path: &Path) -> Result<Vec<u8>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse_reta(&path.display().to_string(), &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        let hex = key_hex(&rss::MS_KEY);
        assert_eq!(hex.len(), 80);
        assert!(hex.starts_with("6d5a56da"));
        assert_eq!(parse_key(&hex).unwrap(), rss::MS_KEY);
        assert_eq!(parse_key(&format!("0x{}", hex.to_uppercase())).unwrap(), rss::MS_KEY);
        assert_eq!(parse_key(&hex[..78]).unwrap_err(), "RSS key: 78 hex digits, need 80");
        assert_eq!(
            parse_key(&format!("{}zz", &hex[..78])).unwrap_err(),
            "RSS key: 'z' (hex digit 79) is not a hex digit"
        );
    }

    #[test]
    fn types() {
        assert_eq!(parse_types("all").unwrap(), 0x3F);
        assert_eq!(parse_types("none").unwrap(), 0);
        assert_eq!(parse_types("ipv4,ipv6_udp").unwrap(), 0b10_0001);
        assert_eq!(parse_types(" ipv4_tcp , ipv4_tcp ").unwrap(), 0b10);
        assert!(parse_types("ipv4,tcp").unwrap_err().contains("\"tcp\" is not one of ipv4, ipv4_tcp"));
        assert!(parse_types("none,ipv4").is_err());
        assert_eq!(type_names(0b10_0001), vec!["ipv4", "ipv6_udp"]);
        assert_eq!(type_names(parse_types("all").unwrap()).len(), 6);
    }

    #[test]
    fn reta_files() {
        assert_eq!(parse_reta("t", "0 1 2 3\n4,5\t0x6 # seven\n\n7").unwrap(), vec![0, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(
            parse_reta("r.txt", "0 1\n2 x3 4").unwrap_err(),
            "r.txt: line 2 column 3: entry 4 \"x3\" is not a queue number (0..=255)"
        );
        assert_eq!(
            parse_reta("r.txt", "1 256").unwrap_err(),
            "r.txt: line 1 column 3: entry 2 \"256\" is not a queue number (0..=255)"
        );
        assert_eq!(parse_reta("r.txt", "# nothing\n").unwrap_err(), "r.txt: no queue numbers in the indirection table");
        assert!(read_reta(Path::new("/nonexistent/reta")).unwrap_err().starts_with("/nonexistent/reta: "));
    }
}
