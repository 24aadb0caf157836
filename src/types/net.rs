//! Network types: `inet` and `cidr` as [`IpAddr`] and [`IpNetwork`], `macaddr` as
//! [`MacAddr`], `macaddr8` as [`MacAddr8`].
//!
//! Binary `inet`/`cidr`: family (2 for IPv4, 3 for IPv6), prefix length in bits, an is-cidr
//! flag, the address length (4 or 16), then the address bytes.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::fmt;
use std::str::FromStr;

use bytes::{BufMut, BytesMut};

use super::oid;
use super::{Dumper, IsNull, Loader};
use crate::Error;
use crate::protocol::{Format, Oid};

/// PostgreSQL's address family codes in the binary format.
const PGSQL_AF_INET: u8 = 2;
const PGSQL_AF_INET6: u8 = 3;

/// The error for a type OID a loader does not accept.
fn not_accepted(type_oid: Oid, what: &str) -> Error {
    Error::conversion(format!("type OID {type_oid} is not {what}"))
}

/// A text-format value as `&str`.
fn utf8(raw: &[u8]) -> Result<&str, Error> {
    std::str::from_utf8(raw).map_err(|e| Error::conversion(format!("invalid UTF-8: {e}")))
}

/// The largest prefix length for `addr`'s family.
fn max_prefix(addr: &IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

/// An `inet` or `cidr` value: an address and a prefix length (netmask bits).
///
/// - [`Display`](fmt::Display) writes `address/prefix` (always with the prefix);
///   [`FromStr`] reads that, or an address alone (full prefix).
/// - Loaded from `inet` and `cidr`, binary and text. Sent as `inet` in binary; a `cidr`
///   column or `$1::cidr` takes it through PostgreSQL's cast, but the server refuses to store a
///   `cidr` with bits set right of the prefix, so use [`IpNetwork::network`] first.
///
/// The fields are public; a prefix longer than the family allows (32 for IPv4, 128 for IPv6)
/// is refused when the value is sent.
///
/// ```
/// use pgtusk::types::IpNetwork;
///
/// let n: IpNetwork = "192.168.1.77/24".parse().unwrap();
/// assert_eq!(n.prefix, 24);
/// assert_eq!(n.network().to_string(), "192.168.1.0/24");
/// assert_eq!("::1".parse::<IpNetwork>().unwrap().prefix, 128);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IpNetwork {
    /// The address (host bits included, as `inet` keeps them).
    pub addr: IpAddr,
    /// The prefix length in bits: up to 32 for IPv4, 128 for IPv6.
    pub prefix: u8,
}

impl IpNetwork {
    /// A network of `addr` and `prefix`; fails when the prefix is too long for the family.
    pub fn new(addr: IpAddr, prefix: u8) -> Result<Self, Error> {
        if prefix > max_prefix(&addr) {
            return Err(Error::conversion(format!("prefix /{prefix} is too long for {addr}")));
        }
        Ok(Self { addr, prefix })
    }

    /// The same prefix with the host bits cleared (what a `cidr` holds).
    pub fn network(&self) -> Self {
        let prefix = self.prefix.min(max_prefix(&self.addr));
        let addr = match self.addr {
            IpAddr::V4(a) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
                IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask))
            }
            IpAddr::V6(a) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
                IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask))
            }
        };
        Self { addr, prefix }
    }
}

impl From<IpAddr> for IpNetwork {
    /// The address with its full prefix (/32 or /128).
    fn from(addr: IpAddr) -> Self {
        Self { addr, prefix: max_prefix(&addr) }
    }
}

impl fmt::Display for IpNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// `address/prefix` or an address alone.
impl FromStr for IpNetwork {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let invalid = || {
            let shown: String = s.chars().take(60).collect();
            Error::conversion(format!("invalid inet text {shown:?}"))
        };
        let t = s.trim();
        let (addr, prefix) = match t.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (t, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| invalid())?;
        let prefix = match prefix {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse().map_err(|_| invalid())?
            }
            Some(_) => return Err(invalid()),
            None => max_prefix(&addr),
        };
        Self::new(addr, prefix)
    }
}

/// Decodes a binary `inet` or `cidr`.
fn decode_inet(raw: &[u8]) -> Result<IpNetwork, Error> {
    let Some((&[family, bits, is_cidr, nb], addr)) = raw.split_first_chunk::<4>() else {
        return Err(Error::conversion(format!("binary inet of {} bytes is too short", raw.len())));
    };
    if is_cidr > 1 || usize::from(nb) != addr.len() {
        return Err(Error::conversion("malformed binary inet"));
    }
    let addr = match (family, addr) {
        (PGSQL_AF_INET, a) => IpAddr::V4(Ipv4Addr::from(
            <[u8; 4]>::try_from(a).map_err(|_| Error::conversion("malformed binary inet"))?,
        )),
        (PGSQL_AF_INET6, a) => IpAddr::V6(Ipv6Addr::from(
            <[u8; 16]>::try_from(a).map_err(|_| Error::conversion("malformed binary inet"))?,
        )),
        _ => return Err(Error::conversion(format!("unknown inet address family {family}"))),
    };
    IpNetwork::new(addr, bits)
}

/// Loads an `inet` or `cidr` value.
fn load_inet(oid: Oid, format: Format, raw: &[u8]) -> Result<IpNetwork, Error> {
    if !matches!(oid, oid::INET | oid::CIDR) {
        return Err(not_accepted(oid, "inet or cidr"));
    }
    match format {
        Format::Binary => decode_inet(raw),
        Format::Text => utf8(raw)?.parse(),
    }
}

/// Writes a binary `inet`.
fn encode_inet(net: &IpNetwork, buf: &mut BytesMut) -> Result<IsNull, Error> {
    let net = IpNetwork::new(net.addr, net.prefix)?;
    match net.addr {
        IpAddr::V4(a) => {
            buf.put_slice(&[PGSQL_AF_INET, net.prefix, 0, 4]);
            buf.put_slice(&a.octets());
        }
        IpAddr::V6(a) => {
            buf.put_slice(&[PGSQL_AF_INET6, net.prefix, 0, 16]);
            buf.put_slice(&a.octets());
        }
    }
    Ok(IsNull::No)
}

/// From `inet` or `cidr`, binary or text.
impl Loader<'_> for IpNetwork {
    fn accepts(oid: Oid) -> bool {
        matches!(oid, oid::INET | oid::CIDR)
    }
    fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
        load_inet(oid, format, raw)
    }
}

/// Sent as `inet` in binary.
impl Dumper for IpNetwork {
    fn type_oid(&self) -> Oid {
        oid::INET
    }
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        encode_inet(self, buf)
    }
    /// `address/prefix`.
    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        super::dumper::put_display(IpNetwork::new(self.addr, self.prefix)?, buf);
        Ok(IsNull::No)
    }
}

/// From `inet` or `cidr`, binary or text: the address, whatever the prefix (load
/// [`IpNetwork`] to keep it).
impl Loader<'_> for IpAddr {
    fn accepts(oid: Oid) -> bool {
        matches!(oid, oid::INET | oid::CIDR)
    }
    fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
        load_inet(oid, format, raw).map(|n| n.addr)
    }
}

/// Sent as `inet` in binary, with the full prefix (/32 or /128).
impl Dumper for IpAddr {
    fn type_oid(&self) -> Oid {
        oid::INET
    }
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        encode_inet(&IpNetwork::from(*self), buf)
    }
    /// The address alone (the prefix is the full length).
    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        super::dumper::put_display(self, buf);
        Ok(IsNull::No)
    }
}

/// From `inet` or `cidr` holding an IPv4 address.
impl Loader<'_> for Ipv4Addr {
    fn accepts(oid: Oid) -> bool {
        matches!(oid, oid::INET | oid::CIDR)
    }
    fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
        match IpAddr::load(oid, format, raw)? {
            IpAddr::V4(a) => Ok(a),
            IpAddr::V6(a) => Err(Error::conversion(format!("{a} is not an IPv4 address"))),
        }
    }
}

/// From `inet` or `cidr` holding an IPv6 address.
impl Loader<'_> for Ipv6Addr {
    fn accepts(oid: Oid) -> bool {
        matches!(oid, oid::INET | oid::CIDR)
    }
    fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
        match IpAddr::load(oid, format, raw)? {
            IpAddr::V6(a) => Ok(a),
            IpAddr::V4(a) => Err(Error::conversion(format!("{a} is not an IPv6 address"))),
        }
    }
}

/// Sent as `inet` in binary (/32).
impl Dumper for Ipv4Addr {
    fn type_oid(&self) -> Oid {
        oid::INET
    }
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        IpAddr::V4(*self).dump(buf)
    }
    /// The address alone (the prefix is the full length).
    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        super::dumper::put_display(self, buf);
        Ok(IsNull::No)
    }
}

/// Sent as `inet` in binary (/128).
impl Dumper for Ipv6Addr {
    fn type_oid(&self) -> Oid {
        oid::INET
    }
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        IpAddr::V6(*self).dump(buf)
    }
    /// The address alone (the prefix is the full length).
    fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        super::dumper::put_display(self, buf);
        Ok(IsNull::No)
    }
}

// ---------------------------------------------------------------------------------------------
// MAC addresses

/// Reads `N` bytes of hex digits, skipping the separators PostgreSQL accepts (`:`, `-`, `.`).
fn parse_hex_bytes<const N: usize>(s: &str) -> Option<[u8; N]> {
    let mut digits = s.trim().bytes().filter(|b| !matches!(b, b':' | b'-' | b'.'));
    let mut out = [0_u8; N];
    for slot in &mut out {
        let hi = (digits.next()? as char).to_digit(16)?;
        let lo = (digits.next()? as char).to_digit(16)?;
        *slot = u8::try_from(hi << 4 | lo).ok()?;
    }
    digits.next().is_none().then_some(out)
}

/// Writes bytes as lowercase hex separated by colons.
fn write_mac(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            f.write_str(":")?;
        }
        write!(f, "{b:02x}")?;
    }
    Ok(())
}

/// A `macaddr`: a 6-byte MAC address.
///
/// [`Display`](fmt::Display) writes `08:00:2b:01:02:03`; [`FromStr`] reads hex digits in any
/// case with `:`, `-` or `.` separators (`08-00-2b-01-02-03`, `0800.2b01.0203`,
/// `08002b010203`). Loaded from `macaddr` (binary and text), sent as `macaddr` in binary.
///
/// ```
/// use pgtusk::types::MacAddr;
///
/// let m: MacAddr = "08-00-2B-01-02-03".parse().unwrap();
/// assert_eq!(m, MacAddr([8, 0, 0x2b, 1, 2, 3]));
/// assert_eq!(m.to_string(), "08:00:2b:01:02:03");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MacAddr(pub [u8; 6]);

/// A `macaddr8`: an 8-byte (EUI-64) MAC address.
///
/// Like [`MacAddr`] with 8 bytes; [`FromStr`] also reads a 6-byte address and, as PostgreSQL
/// does, inserts `ff:fe` in the middle. Loaded from `macaddr8` (binary and text), sent as
/// `macaddr8` in binary.
///
/// ```
/// use pgtusk::types::MacAddr8;
///
/// let m: MacAddr8 = "08:00:2b:01:02:03".parse().unwrap();
/// assert_eq!(m.to_string(), "08:00:2b:ff:fe:01:02:03");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MacAddr8(pub [u8; 8]);

impl From<MacAddr> for MacAddr8 {
    /// The EUI-64 form: `ff:fe` inserted after the third byte.
    fn from(m: MacAddr) -> Self {
        let [a, b, c, d, e, f] = m.0;
        Self([a, b, c, 0xff, 0xfe, d, e, f])
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_mac(f, &self.0)
    }
}

impl fmt::Display for MacAddr8 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_mac(f, &self.0)
    }
}

impl FromStr for MacAddr {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        parse_hex_bytes(s).map(Self).ok_or_else(|| {
            Error::conversion(format!(
                "invalid macaddr text {:?}",
                s.chars().take(40).collect::<String>()
            ))
        })
    }
}

impl FromStr for MacAddr8 {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        parse_hex_bytes(s)
            .map(Self)
            .or_else(|| parse_hex_bytes(s).map(|m| Self::from(MacAddr(m))))
            .ok_or_else(|| {
                Error::conversion(format!(
                    "invalid macaddr8 text {:?}",
                    s.chars().take(40).collect::<String>()
                ))
            })
    }
}

/// Implements `Loader` and `Dumper` for a fixed-size MAC address type.
macro_rules! mac_adapters {
    ($($ty:ident, $n:literal, $oid:expr, $name:literal;)*) => {$(
        #[doc = concat!("From `", $name, "`: ", stringify!($n), " bytes in binary, the colon form in text.")]
        impl Loader<'_> for $ty {
            fn accepts(oid: Oid) -> bool {
                oid == $oid
            }
            fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
                if oid != $oid {
                    return Err(not_accepted(oid, $name));
                }
                match format {
                    Format::Binary => raw.try_into().map(Self).map_err(|_| {
                        Error::conversion(format!(
                            concat!("binary ", $name, " must be ", stringify!($n), " bytes, got {}"),
                            raw.len()
                        ))
                    }),
                    Format::Text => utf8(raw)?.parse(),
                }
            }
        }

        #[doc = concat!("Sent as `", $name, "` in binary.")]
        impl Dumper for $ty {
            fn type_oid(&self) -> Oid {
                $oid
            }
            fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
                buf.put_slice(&self.0);
                Ok(IsNull::No)
            }
            fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
                super::dumper::put_display(self, buf);
                Ok(IsNull::No)
            }
        }
    )*};
}

mac_adapters! {
    MacAddr, 6, oid::MACADDR, "macaddr";
    MacAddr8, 8, oid::MACADDR8, "macaddr8";
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn dumped(d: &dyn Dumper) -> Vec<u8> {
        let mut buf = BytesMut::new();
        assert_eq!(d.dump(&mut buf).unwrap(), IsNull::No);
        buf.to_vec()
    }

    #[test]
    fn inet_binary() {
        let n: IpNetwork = "10.1.2.3/8".parse().unwrap();
        let b = dumped(&n);
        assert_eq!(b, [2, 8, 0, 4, 10, 1, 2, 3]);
        assert_eq!(IpNetwork::load(oid::INET, Format::Binary, &b).unwrap(), n);
        let cidr = [2, 8, 1, 4, 10, 0, 0, 0];
        assert_eq!(
            IpNetwork::load(oid::CIDR, Format::Binary, &cidr).unwrap().to_string(),
            "10.0.0.0/8"
        );
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        let b = dumped(&v6);
        assert_eq!(&b[..4], &[3, 128, 0, 16]);
        assert_eq!(IpAddr::load(oid::INET, Format::Binary, &b).unwrap(), v6);
        assert_eq!(
            Ipv6Addr::load(oid::INET, Format::Binary, &b).unwrap().to_string(),
            "2001:db8::1"
        );
        assert!(Ipv4Addr::load(oid::INET, Format::Binary, &b).is_err());
        for bad in [
            &[][..],
            &[2, 8, 0, 4, 10, 1, 2],
            &[2, 33, 0, 4, 10, 1, 2, 3],
            &[4, 8, 0, 4, 10, 1, 2, 3],
            &[3, 8, 0, 4, 10, 1, 2, 3],
            &[2, 8, 2, 4, 10, 1, 2, 3],
            &[2, 8, 0, 5, 10, 1, 2, 3],
        ] {
            assert!(IpNetwork::load(oid::INET, Format::Binary, bad).is_err(), "{bad:?}");
        }
        assert!(IpNetwork { addr: v6, prefix: 129 }.dump(&mut BytesMut::new()).is_err());
    }

    #[test]
    fn inet_text() {
        let n = IpNetwork::load(oid::INET, Format::Text, b"192.168.0.1/24").unwrap();
        assert_eq!(n.addr, IpAddr::V4(Ipv4Addr::new(192, 168, 0, 1)));
        assert_eq!(n.prefix, 24);
        assert_eq!(n.network().to_string(), "192.168.0.0/24");
        let n = IpNetwork::load(oid::CIDR, Format::Text, b"2001:db8::/32").unwrap();
        assert_eq!(n.prefix, 32);
        assert_eq!(IpNetwork::from(n.addr).prefix, 128);
        assert_eq!(IpAddr::load(oid::INET, Format::Text, b"::1").unwrap().to_string(), "::1");
        let n: IpNetwork = "1.2.3.4/0".parse().unwrap();
        assert_eq!(n.network().to_string(), "0.0.0.0/0");
        for bad in ["", "1.2.3", "1.2.3.4/33", "1.2.3.4/", "1.2.3.4/+1", "::1/129", "x/8"] {
            assert!(bad.parse::<IpNetwork>().is_err(), "{bad}");
        }
        assert!(IpAddr::load(oid::TEXT, Format::Text, b"::1").is_err());
    }

    #[test]
    fn macaddr() {
        let m = MacAddr([8, 0, 0x2b, 1, 2, 3]);
        for s in ["08:00:2b:01:02:03", "08-00-2B-01-02-03", "08002b:010203", "0800.2b01.0203"] {
            assert_eq!(s.parse::<MacAddr>().unwrap(), m, "{s}");
        }
        for bad in ["", "08:00:2b:01:02", "08:00:2b:01:02:03:04", "08:00:2b:01:02:0g", "é"] {
            assert!(bad.parse::<MacAddr>().is_err(), "{bad}");
        }
        assert_eq!(dumped(&m), m.0);
        assert_eq!(MacAddr::load(oid::MACADDR, Format::Binary, &m.0).unwrap(), m);
        assert_eq!(MacAddr::load(oid::MACADDR, Format::Text, b"08:00:2b:01:02:03").unwrap(), m);
        assert!(MacAddr::load(oid::MACADDR, Format::Binary, &[1, 2]).is_err());
        assert!(MacAddr::load(oid::MACADDR8, Format::Binary, &m.0).is_err());

        let m8: MacAddr8 = "08:00:2b:01:02:03:04:05".parse().unwrap();
        assert_eq!(m8.to_string(), "08:00:2b:01:02:03:04:05");
        assert_eq!(MacAddr8::load(oid::MACADDR8, Format::Binary, &dumped(&m8)).unwrap(), m8);
        assert_eq!(MacAddr8::from(m).to_string(), "08:00:2b:ff:fe:01:02:03");
        assert!(MacAddr8::load(oid::MACADDR8, Format::Binary, &m.0).is_err());
    }

    proptest! {
        #[test]
        fn inet_round_trip(v6 in any::<bool>(), bits in any::<u128>(), prefix in 0_u8..=128) {
            let net = if v6 {
                IpNetwork { addr: IpAddr::V6(Ipv6Addr::from(bits)), prefix }
            } else {
                IpNetwork { addr: IpAddr::V4(Ipv4Addr::from(bits as u32)), prefix: prefix % 33 }
            };
            let b = dumped(&net);
            prop_assert_eq!(IpNetwork::load(oid::INET, Format::Binary, &b).unwrap(), net);
            prop_assert_eq!(net.to_string().parse::<IpNetwork>().unwrap(), net);
        }

        #[test]
        fn binary_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..24)) {
            let _ = IpNetwork::load(oid::INET, Format::Binary, &bytes);
            let _ = MacAddr::load(oid::MACADDR, Format::Binary, &bytes);
            let _ = MacAddr8::load(oid::MACADDR8, Format::Binary, &bytes);
        }
    }
}
