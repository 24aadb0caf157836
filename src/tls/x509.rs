//! The few certificate fields libpq looks at itself, read with a small bounds-checked DER
//! reader: the subject's first Common Name, the subjectAltName entries, and the validity
//! period.
//!
//! Everything else about a certificate (its signature, its chain, its key usages) is left to
//! webpki. A certificate this module cannot read is treated as matching nothing.
//!
//! ```text
//! Certificate  ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
//! TBSCertificate ::= SEQUENCE {
//!     version [0] EXPLICIT OPTIONAL, serialNumber INTEGER, signature AlgorithmIdentifier,
//!     issuer Name, validity Validity, subject Name, subjectPublicKeyInfo,
//!     issuerUniqueID [1] OPTIONAL, subjectUniqueID [2] OPTIONAL, extensions [3] EXPLICIT OPTIONAL }
//! ```

use crate::protocol::codec::Reader;

const TAG_INTEGER: u8 = 0x02;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_OID: u8 = 0x06;
const TAG_BOOLEAN: u8 = 0x01;
const TAG_SEQUENCE: u8 = 0x30;
const TAG_SET: u8 = 0x31;
const TAG_UTC_TIME: u8 = 0x17;
const TAG_GENERALIZED_TIME: u8 = 0x18;
/// `version [0] EXPLICIT`.
const TAG_VERSION: u8 = 0xa0;
/// `extensions [3] EXPLICIT`.
const TAG_EXTENSIONS: u8 = 0xa3;
/// GeneralName `dNSName [2] IA5String` (implicit, primitive).
const TAG_DNS_NAME: u8 = 0x82;
/// GeneralName `iPAddress [7] OCTET STRING` (implicit, primitive).
const TAG_IP_ADDRESS: u8 = 0x87;

/// 2.5.4.3, id-at-commonName.
const OID_COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
/// 2.5.29.17, id-ce-subjectAltName.
const OID_SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];

/// One subjectAltName entry of the kinds libpq compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum AltName<'a> {
    /// A `dNSName`, as raw IA5String bytes.
    Dns(&'a [u8]),
    /// An `iPAddress`, as raw octets (4 or 16 of them in a valid certificate).
    Ip(&'a [u8]),
}

/// The names a server certificate presents.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Names<'a> {
    /// The subjectAltName entries of kind `dNSName` and `iPAddress`, in certificate order.
    pub(super) alt_names: Vec<AltName<'a>>,
    /// The value bytes of the subject's first Common Name attribute (any string type).
    pub(super) common_name: Option<&'a [u8]>,
}

/// The validity period, in seconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Validity {
    pub(super) not_before: i64,
    pub(super) not_after: i64,
}

/// The fields of a TBSCertificate this module uses.
struct Tbs<'a> {
    validity: &'a [u8],
    subject: &'a [u8],
    extensions: Option<&'a [u8]>,
}

/// The names `cert_der` presents, or `None` if it cannot be read.
pub(super) fn names(cert_der: &[u8]) -> Option<Names<'_>> {
    let tbs = tbs_certificate(cert_der)?;
    let mut names = Names { alt_names: Vec::new(), common_name: first_common_name(tbs.subject)? };
    let san = match tbs.extensions {
        Some(extensions) => subject_alt_name(extensions)?,
        None => None,
    };
    if let Some(san) = san {
        names.alt_names = alt_names(san)?;
    }
    Some(names)
}

/// The validity period of `cert_der`, or `None` if it cannot be read.
pub(super) fn validity(cert_der: &[u8]) -> Option<Validity> {
    let mut validity = Reader::new(tbs_certificate(cert_der)?.validity, "Validity");
    let not_before = time(&mut validity)?;
    let not_after = time(&mut validity)?;
    validity.finish().ok()?;
    Some(Validity { not_before, not_after })
}

fn tbs_certificate(cert_der: &[u8]) -> Option<Tbs<'_>> {
    let mut outer = Reader::new(cert_der, "Certificate");
    let certificate = read_tlv(&mut outer, TAG_SEQUENCE)?;
    outer.finish().ok()?;
    let mut certificate = Reader::new(certificate, "Certificate");
    let tbs = read_tlv(&mut certificate, TAG_SEQUENCE)?;

    let mut tbs = Reader::new(tbs, "TBSCertificate");
    let (mut tag, mut value) = read_any(&mut tbs)?;
    if tag == TAG_VERSION {
        (tag, value) = read_any(&mut tbs)?;
    }
    if tag != TAG_INTEGER || value.is_empty() {
        return None; // serialNumber
    }
    read_tlv(&mut tbs, TAG_SEQUENCE)?; // signature
    read_tlv(&mut tbs, TAG_SEQUENCE)?; // issuer
    let validity = read_tlv(&mut tbs, TAG_SEQUENCE)?;
    let subject = read_tlv(&mut tbs, TAG_SEQUENCE)?;
    read_tlv(&mut tbs, TAG_SEQUENCE)?; // subjectPublicKeyInfo
    let mut extensions = None;
    while !tbs.is_empty() {
        let (tag, value) = read_any(&mut tbs)?;
        if tag == TAG_EXTENSIONS {
            extensions = Some(value);
        }
    }
    Some(Tbs { validity, subject, extensions })
}

/// `Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value ANY }`: the first commonName's
/// value bytes (OpenSSL's `X509_NAME_get_index_by_NID(.., NID_commonName, -1)`), `Some(None)`
/// when there is none.
fn first_common_name(subject: &[u8]) -> Option<Option<&[u8]>> {
    let mut rdns = Reader::new(subject, "Name");
    let mut found = None;
    while !rdns.is_empty() {
        let mut rdn = Reader::new(read_tlv(&mut rdns, TAG_SET)?, "RelativeDistinguishedName");
        while !rdn.is_empty() {
            let mut attribute = Reader::new(read_tlv(&mut rdn, TAG_SEQUENCE)?, "Attribute");
            let oid = read_tlv(&mut attribute, TAG_OID)?;
            let (_string_type, value) = read_any(&mut attribute)?;
            attribute.finish().ok()?;
            if oid == OID_COMMON_NAME && found.is_none() {
                found = Some(value);
            }
        }
    }
    Some(found)
}

/// The extnValue of the subjectAltName extension, `Some(None)` when there is none.
fn subject_alt_name(extensions: &[u8]) -> Option<Option<&[u8]>> {
    let mut explicit = Reader::new(extensions, "Extensions");
    let list = read_tlv(&mut explicit, TAG_SEQUENCE)?;
    explicit.finish().ok()?;
    let mut list = Reader::new(list, "Extensions");
    let mut found = None;
    while !list.is_empty() {
        let mut extension = Reader::new(read_tlv(&mut list, TAG_SEQUENCE)?, "Extension");
        let oid = read_tlv(&mut extension, TAG_OID)?;
        let (mut tag, mut value) = read_any(&mut extension)?;
        if tag == TAG_BOOLEAN {
            (tag, value) = read_any(&mut extension)?; // critical
        }
        extension.finish().ok()?;
        if tag != TAG_OCTET_STRING {
            return None;
        }
        if oid == OID_SUBJECT_ALT_NAME {
            if found.is_some() {
                return None; // RFC 5280 §4.2: an extension appears at most once
            }
            found = Some(value);
        }
    }
    Some(found)
}

/// `GeneralNames ::= SEQUENCE OF GeneralName`: the `dNSName` and `iPAddress` entries.
fn alt_names(extn_value: &[u8]) -> Option<Vec<AltName<'_>>> {
    let mut outer = Reader::new(extn_value, "GeneralNames");
    let sequence = read_tlv(&mut outer, TAG_SEQUENCE)?;
    outer.finish().ok()?;
    let mut sequence = Reader::new(sequence, "GeneralNames");
    let mut names = Vec::new();
    while !sequence.is_empty() {
        match read_any(&mut sequence)? {
            (TAG_DNS_NAME, name) => names.push(AltName::Dns(name)),
            (TAG_IP_ADDRESS, addr) => names.push(AltName::Ip(addr)),
            _ => {} // otherName, rfc822Name, URI, directoryName...: not compared by libpq
        }
    }
    Some(names)
}

/// `Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }`, in DER's only allowed
/// forms `YYMMDDHHMMSSZ` and `YYYYMMDDHHMMSSZ`, as seconds since the Unix epoch.
fn time(reader: &mut Reader<'_>) -> Option<i64> {
    let (tag, text) = read_any(reader)?;
    let (year, rest) = match (tag, text.len()) {
        (TAG_UTC_TIME, 13) => {
            // RFC 5280 §4.1.2.5.1: YY >= 50 is 19YY, else 20YY.
            let yy = digits(text.get(..2)?)?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, text.get(2..)?)
        }
        (TAG_GENERALIZED_TIME, 15) => (digits(text.get(..4)?)?, text.get(4..)?),
        _ => return None,
    };
    let [m1, m2, d1, d2, h1, h2, n1, n2, s1, s2, b'Z'] = *rest else {
        return None;
    };
    let month = digits(&[m1, m2])?;
    let day = digits(&[d1, d2])?;
    let (hour, minute, second) = (digits(&[h1, h2])?, digits(&[n1, n2])?, digits(&[s1, s2])?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second)
}

/// Decimal ASCII digits as a number.
fn digits(text: &[u8]) -> Option<i64> {
    text.iter().try_fold(0_i64, |n, &c| c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0')))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let shifted_month = (month + 9) % 12; // March = 0
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Reads one DER element with the tag `tag`, returning its contents.
fn read_tlv<'a>(reader: &mut Reader<'a>, tag: u8) -> Option<&'a [u8]> {
    match read_any(reader)? {
        (t, contents) if t == tag => Some(contents),
        _ => None,
    }
}

/// Reads one DER element (single-byte tag, definite length of at most four bytes).
fn read_any<'a>(reader: &mut Reader<'a>) -> Option<(u8, &'a [u8])> {
    let tag = reader.u8().ok()?;
    if tag & 0x1f == 0x1f {
        return None; // high tag numbers: no certificate field uses them
    }
    let first = reader.u8().ok()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        // Long form: the low bits count the length bytes. 0x80 is BER's indefinite length,
        // which DER forbids; more than four bytes cannot describe a certificate.
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let mut len: u32 = 0;
        for &b in reader.take(count).ok()? {
            len = (len << 8) | u32::from(b);
        }
        usize::try_from(len).ok()?
    };
    Some((tag, reader.take(len).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(days_from_civil(2024, 2, 29), 19_782);
    }

    #[test]
    fn times() {
        let parse = |tag: u8, text: &str| {
            let mut der = vec![tag, u8::try_from(text.len()).unwrap()];
            der.extend_from_slice(text.as_bytes());
            time(&mut Reader::new(&der, "Time"))
        };
        assert_eq!(parse(TAG_UTC_TIME, "700101000000Z"), Some(0));
        assert_eq!(parse(TAG_UTC_TIME, "491231235959Z"), Some(2_524_607_999));
        assert_eq!(parse(TAG_UTC_TIME, "500101000000Z"), Some(-631_152_000));
        assert_eq!(
            parse(TAG_GENERALIZED_TIME, "21260101000000Z"),
            Some(days_from_civil(2126, 1, 1) * 86_400)
        );
        assert_eq!(parse(TAG_UTC_TIME, "7001010000Z"), None);
        assert_eq!(parse(TAG_UTC_TIME, "700101000000+"), None);
        assert_eq!(parse(TAG_UTC_TIME, "701301000000Z"), None);
        assert_eq!(parse(TAG_UTC_TIME, "70010100000aZ"), None);
        assert_eq!(parse(TAG_GENERALIZED_TIME, "700101000000Z"), None);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = names(&bytes);
            let _ = validity(&bytes);
        }
    }
}
