//! Parsers used by build.rs, kept apart so the crate's unit tests can check
//! them (`build.rs` and `lib.rs` both include this file).

/// Parses `Verilator 5.006 2023-01-22 rev ...` into (5, 6).
pub fn parse_version(out: &str) -> Option<(u32, u32)> {
    let ver = out.split_whitespace().nth(1)?;
    let (major, minor) = ver.split_once('.')?;
    let minor: String = minor.chars().take_while(|c| c.is_ascii_digit()).collect();
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// `$NIC_SIM_PARAMS`: `NAME=VALUE` pairs separated by spaces or commas,
/// NAME a Verilog identifier, VALUE a decimal integer. The error names the
/// variable, the offending item and the whole value.
pub fn parse_sim_params(raw: &str) -> Result<Vec<(String, u64)>, String> {
    let mut params = Vec::new();
    for item in raw.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty()) {
        let parsed = item.split_once('=').and_then(|(name, value)| {
            let ident = !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit());
            Some((name.to_string(), value.parse::<u64>().ok()?)).filter(|_| ident)
        });
        match parsed {
            Some(p) => params.push(p),
            None => {
                return Err(format!(
                    "NIC_SIM_PARAMS: `{item}` is not NAME=VALUE (a parameter name and a decimal integer), in \"{raw}\""
                ))
            }
        }
    }
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_from_banner() {
        assert_eq!(parse_version("Verilator 5.006 2023-01-22 rev (Debian 5.006-3)"), Some((5, 6)));
        assert_eq!(parse_version("Verilator 5.036 2025-04-27 rev v5.036"), Some((5, 36)));
        assert_eq!(parse_version("Verilator"), None);
        assert_eq!(parse_version("Verilator five.six"), None);
    }

    #[test]
    fn params_separated_by_spaces_or_commas() {
        let want = vec![("RX_QUEUES".to_string(), 1), ("MSIX_VECTORS".to_string(), 2)];
        assert_eq!(parse_sim_params("RX_QUEUES=1 MSIX_VECTORS=2").unwrap(), want);
        assert_eq!(parse_sim_params(" RX_QUEUES=1,MSIX_VECTORS=2 ,").unwrap(), want);
        assert_eq!(parse_sim_params("").unwrap(), vec![]);
    }

    #[test]
    fn malformed_params_name_the_variable_and_the_item() {
        for (raw, item) in [
            ("RX_QUEUES", "RX_QUEUES"),
            ("RX_QUEUES=two", "RX_QUEUES=two"),
            ("RX_QUEUES=1 =4", "=4"),
            ("1Q=4", "1Q=4"),
            ("RX-QUEUES=4", "RX-QUEUES=4"),
            ("RX_QUEUES=-1", "RX_QUEUES=-1"),
        ] {
            let err = parse_sim_params(raw).unwrap_err();
            assert!(err.starts_with("NIC_SIM_PARAMS: "), "{err}");
            assert!(err.contains(&format!("`{item}`")), "{err}");
            assert!(err.contains(raw), "{err}");
        }
    }
}
