//! `verify-full`'s host-name check, with libpq's rules rather than webpki's.
//!
//! libpq (`pgtls_verify_peer_name_matches_certificate_guts` in `fe-secure-openssl.c` and
//! `fe-secure-common.c`) differs from RFC 6125 and from webpki in ways real servers rely on:
//! - the subject Common Name is checked when the certificate has no subjectAltName of the
//!   host's kind (no `dNSName` for a host name, no `iPAddress` for an IP address) — the
//!   certificate PostgreSQL's documentation makes with `openssl req -x509 -subj /CN=host` has
//!   no subjectAltName at all;
//! - an IP address host is also compared, as text, with `dNSName` entries;
//! - a wildcard is `*.` at the start of a name and stands for exactly one label;
//! - comparisons ignore ASCII case; a name with an embedded NUL fails the check, and so does
//!   an `iPAddress` entry that is neither 4 nor 16 bytes long.
//!
//! The entries are examined in certificate order and the first match (or error) ends the
//! search, as in libpq.

use std::net::IpAddr;

use super::x509::{AltName, Names};

/// Why a certificate does not match the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Mismatch {
    /// No name matched. Holds the names that were compared, for the error message.
    NoMatch(Vec<String>),
    /// A name is malformed (an embedded NUL, or an IP address of the wrong length).
    Malformed,
}

/// libpq's check of `host` (a host name, or an IP address in text form) against `names`.
pub(super) fn check(names: &Names<'_>, host: &str) -> Result<(), Mismatch> {
    let host_ip = host.parse::<IpAddr>().ok();
    let mut examined = Vec::new();
    // "If there is no subjectAltName extension of the matching type, check the Common Name."
    let mut check_cn = true;
    for name in &names.alt_names {
        let (same_kind, matched) = match *name {
            AltName::Dns(pattern) => {
                examined.push(String::from_utf8_lossy(pattern).into_owned());
                (host_ip.is_none(), name_matches(pattern, host)?)
            }
            AltName::Ip(octets) => {
                examined.push(show_ip(octets));
                (host_ip.is_some(), ip_matches(octets, host_ip)?)
            }
        };
        if same_kind {
            check_cn = false;
        }
        if matched {
            return Ok(());
        }
    }
    if check_cn && let Some(common_name) = names.common_name {
        examined.push(String::from_utf8_lossy(common_name).into_owned());
        if name_matches(common_name, host)? {
            return Ok(());
        }
    }
    Err(Mismatch::NoMatch(examined))
}

/// `pq_verify_peer_name_matches_certificate_name`: an exact or wildcard match, ignoring ASCII
/// case. A name with an embedded NUL is an error (CVE-2009-4034).
fn name_matches(name: &[u8], host: &str) -> Result<bool, Mismatch> {
    if name.contains(&0) {
        return Err(Mismatch::Malformed);
    }
    Ok(name.eq_ignore_ascii_case(host.as_bytes()) || wildcard_matches(name, host.as_bytes()))
}

/// `wildcard_certificate_match`: the pattern starts with `*.`, the host ends with the rest of
/// it, and the part `*` stands for contains no dot.
fn wildcard_matches(pattern: &[u8], host: &[u8]) -> bool {
    let Some(suffix) = pattern.strip_prefix(b"*") else {
        return false;
    };
    if !suffix.starts_with(b".") || suffix.len() < 2 || host.len() < pattern.len() {
        return false;
    }
    let (label, host_suffix) = host.split_at(host.len() - suffix.len());
    host_suffix.eq_ignore_ascii_case(suffix) && !label.contains(&b'.')
}

/// `pq_verify_peer_name_matches_certificate_ip`: the entry's octets against the host read as
/// an address of the same family; a host that is not an address matches no entry.
fn ip_matches(octets: &[u8], host: Option<IpAddr>) -> Result<bool, Mismatch> {
    match (octets.len(), host) {
        (4, Some(IpAddr::V4(v4))) => Ok(octets == v4.octets()),
        (16, Some(IpAddr::V6(v6))) => Ok(octets == v6.octets()),
        (4 | 16, _) => Ok(false),
        // "Not IPv4 or IPv6. We could ignore the field, but leniency seems wrong given the
        // subject matter."
        _ => Err(Mismatch::Malformed),
    }
}

/// An `iPAddress` entry in text form, for error messages.
fn show_ip(octets: &[u8]) -> String {
    if let Ok(v4) = <[u8; 4]>::try_from(octets) {
        IpAddr::from(v4).to_string()
    } else if let Ok(v6) = <[u8; 16]>::try_from(octets) {
        IpAddr::from(v6).to_string()
    } else {
        format!("<IP address of {} bytes>", octets.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names<'a>(alt_names: &[AltName<'a>], common_name: Option<&'a str>) -> Names<'a> {
        Names { alt_names: alt_names.to_vec(), common_name: common_name.map(str::as_bytes) }
    }

    fn dns(name: &str) -> AltName<'_> {
        AltName::Dns(name.as_bytes())
    }

    const LOOPBACK_V4: AltName<'static> = AltName::Ip(&[127, 0, 0, 1]);
    const LOOPBACK_V6: AltName<'static> =
        AltName::Ip(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);

    #[test]
    fn wildcards_stand_for_one_label() {
        assert!(wildcard_matches(b"*.example.com", b"db.example.com"));
        assert!(wildcard_matches(b"*.Example.COM", b"DB.example.com"));
        assert!(!wildcard_matches(b"*.example.com", b"a.db.example.com"));
        assert!(!wildcard_matches(b"*.example.com", b"example.com"));
        assert!(!wildcard_matches(b"*.example.com", b".example.com"));
        assert!(!wildcard_matches(b"db*.example.com", b"db1.example.com"));
        assert!(!wildcard_matches(b"*", b"anything"));
        assert!(!wildcard_matches(b"*.", b"a."));
        assert!(wildcard_matches(b"*.x", b"a.x"));
        assert!(!wildcard_matches(b"a.example.com", b"a.example.com"));
    }

    #[test]
    fn dns_names() {
        let cert = names(&[dns("db.example.com"), dns("*.pg.example.com")], Some("other"));
        assert_eq!(check(&cert, "db.example.com"), Ok(()));
        assert_eq!(check(&cert, "DB.Example.Com"), Ok(()));
        assert_eq!(check(&cert, "a.pg.example.com"), Ok(()));
        // A dNSName is present, so the CN is not checked for a host name.
        assert_eq!(
            check(&cert, "other"),
            Err(Mismatch::NoMatch(vec!["db.example.com".into(), "*.pg.example.com".into()]))
        );
    }

    #[test]
    fn common_name_without_dns_alt_names() {
        assert_eq!(check(&names(&[], Some("localhost")), "localhost"), Ok(()));
        assert_eq!(check(&names(&[], Some("*.example.com")), "db.example.com"), Ok(()));
        assert!(check(&names(&[], Some("localhost")), "example.com").is_err());
        assert!(check(&names(&[], None), "localhost").is_err());
        // An iPAddress entry does not stop the CN check for a host name.
        assert_eq!(check(&names(&[LOOPBACK_V4], Some("localhost")), "localhost"), Ok(()));
    }

    #[test]
    fn ip_addresses() {
        let cert = names(&[dns("localhost"), LOOPBACK_V4, LOOPBACK_V6], Some("10.0.0.1"));
        assert_eq!(check(&cert, "127.0.0.1"), Ok(()));
        assert_eq!(check(&cert, "::1"), Ok(()));
        // iPAddress entries are present, so the CN is not checked for an address.
        assert!(check(&cert, "10.0.0.1").is_err());
        assert!(check(&cert, "127.0.0.2").is_err());
    }

    #[test]
    fn ip_address_against_dns_names_and_common_name() {
        // libpq compares an address with dNSName entries as text, and with the CN when there
        // is no iPAddress entry, even if there are dNSName entries.
        assert_eq!(check(&names(&[dns("127.0.0.1")], None), "127.0.0.1"), Ok(()));
        assert_eq!(check(&names(&[dns("localhost")], Some("127.0.0.1")), "127.0.0.1"), Ok(()));
        assert_eq!(check(&names(&[], Some("::1")), "::1"), Ok(()));
    }

    #[test]
    fn malformed_names_fail() {
        assert_eq!(
            check(&names(&[dns("localhost\0.evil.com")], None), "localhost"),
            Err(Mismatch::Malformed)
        );
        assert_eq!(check(&names(&[], Some("localhost\0")), "localhost"), Err(Mismatch::Malformed));
        assert_eq!(
            check(&names(&[AltName::Ip(&[127, 0, 0])], None), "127.0.0.1"),
            Err(Mismatch::Malformed)
        );
        // The first match ends the search before a later malformed entry is seen.
        assert_eq!(
            check(&names(&[dns("localhost"), AltName::Ip(&[1])], None), "localhost"),
            Ok(())
        );
    }

    #[test]
    fn shows_addresses() {
        assert_eq!(show_ip(&[127, 0, 0, 1]), "127.0.0.1");
        assert_eq!(show_ip(&[0; 16]), "::");
        assert_eq!(show_ip(&[1, 2]), "<IP address of 2 bytes>");
    }
}
