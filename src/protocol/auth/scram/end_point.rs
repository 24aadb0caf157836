//! `tls-server-end-point` channel-binding data (RFC 5929 §4): a hash of the server's DER
//! certificate, taken with the hash of the certificate's own signature algorithm.
//!
//! Only the outer `Certificate` SEQUENCE is parsed, with a tiny bounds-checked DER reader over
//! [`Reader`]: `SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }`, and in
//! `signatureAlgorithm` the OID (and, for RSASSA-PSS, the `hashAlgorithm` parameter).
//!
//! Hash choice:
//! - SHA-224/256/384/512 signatures (RSA PKCS#1 v1.5, ECDSA, DSA) use that hash;
//! - MD5 and SHA-1 signatures use SHA-256, as RFC 5929 §4.1 requires;
//! - RSASSA-PSS uses the hash named in its parameters (SHA-1, the default, becomes SHA-256),
//!   as OpenSSL's `X509_get_signature_info` reports it;
//! - Ed25519 and Ed448 have no separate hash, and RFC 5929 predates them: SHA-256 is used
//!   (a PostgreSQL server built on OpenSSL may be unable to bind with such a certificate);
//! - anything else (SHA-3 signatures, unknown OIDs) gives no data.

use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

use crate::protocol::codec::Reader;

/// The `tls-server-end-point` channel-binding data for the server certificate `cert_der`
/// (DER, as the TLS handshake delivers it), or `None` when the certificate cannot be parsed or
/// its signature algorithm has no hash this module knows.
pub fn tls_server_end_point(cert_der: &[u8]) -> Option<Vec<u8>> {
    Some(signature_hash(cert_der)?.digest(cert_der))
}

/// A hash function that end-point data can be taken with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hash {
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha224 => Sha224::digest(data).to_vec(),
            Self::Sha256 => Sha256::digest(data).to_vec(),
            Self::Sha384 => Sha384::digest(data).to_vec(),
            Self::Sha512 => Sha512::digest(data).to_vec(),
        }
    }
}

const TAG_SEQUENCE: u8 = 0x30;
const TAG_OID: u8 = 0x06;
const TAG_BIT_STRING: u8 = 0x03;
/// `[0]` constructed, context-specific: the explicit tag of RSASSA-PSS-params' hashAlgorithm.
const TAG_CONTEXT_0: u8 = 0xa0;

/// The hash to use for the certificate's signature algorithm.
fn signature_hash(cert_der: &[u8]) -> Option<Hash> {
    let mut outer = Reader::new(cert_der, "Certificate");
    let certificate = read_tlv(&mut outer, TAG_SEQUENCE)?;
    outer.finish().ok()?;
    let mut certificate = Reader::new(certificate, "Certificate");
    read_tlv(&mut certificate, TAG_SEQUENCE)?; // tbsCertificate
    let algorithm = read_tlv(&mut certificate, TAG_SEQUENCE)?; // signatureAlgorithm
    read_tlv(&mut certificate, TAG_BIT_STRING)?; // signatureValue
    certificate.finish().ok()?;

    let mut algorithm = Reader::new(algorithm, "AlgorithmIdentifier");
    let oid = read_tlv(&mut algorithm, TAG_OID)?;
    if oid == RSASSA_PSS {
        return pss_hash(algorithm.rest());
    }
    signature_algorithm_hash(oid)
}

// Object identifiers, as the content bytes of their DER encoding.
/// 1.2.840.113549.1.1.10
const RSASSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];

/// Maps a signature algorithm OID to the end-point hash.
fn signature_algorithm_hash(oid: &[u8]) -> Option<Hash> {
    const PKCS1: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01]; // 1.2.840.113549.1.1
    const ECDSA_SHA2: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03]; // 1.2.840.10045.4.3
    const NIST_SIG: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03]; // 2.16.840.1.101.3.4.3
    const ECDSA_SHA1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01]; // 1.2.840.10045.4.1
    const DSA_SHA1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x03]; // 1.2.840.10040.4.3
    const OIW_SHA1_RSA: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1d]; // 1.3.14.3.2.29
    const ED25519: &[u8] = &[0x2b, 0x65, 0x70]; // 1.3.101.112
    const ED448: &[u8] = &[0x2b, 0x65, 0x71]; // 1.3.101.113

    if let Some(arc) = oid.strip_prefix(PKCS1) {
        return match arc {
            // md5WithRSA and sha1WithRSA (RFC 5929: SHA-256), sha256WithRSAEncryption
            [0x04 | 0x05 | 0x0b] => Some(Hash::Sha256),
            [0x0c] => Some(Hash::Sha384), // sha384WithRSAEncryption
            [0x0d] => Some(Hash::Sha512), // sha512WithRSAEncryption
            [0x0e] => Some(Hash::Sha224), // sha224WithRSAEncryption
            _ => None,
        };
    }
    if let Some(arc) = oid.strip_prefix(ECDSA_SHA2) {
        return match arc {
            [0x01] => Some(Hash::Sha224), // ecdsa-with-SHA224
            [0x02] => Some(Hash::Sha256), // ecdsa-with-SHA256
            [0x03] => Some(Hash::Sha384), // ecdsa-with-SHA384
            [0x04] => Some(Hash::Sha512), // ecdsa-with-SHA512
            _ => None,
        };
    }
    if let Some(arc) = oid.strip_prefix(NIST_SIG) {
        return match arc {
            [0x01] => Some(Hash::Sha224), // dsa-with-sha224
            [0x02] => Some(Hash::Sha256), // dsa-with-sha256
            _ => None,
        };
    }
    match oid {
        ECDSA_SHA1 | DSA_SHA1 | OIW_SHA1_RSA => Some(Hash::Sha256),
        ED25519 | ED448 => Some(Hash::Sha256),
        _ => None,
    }
}

/// The hash named by RSASSA-PSS-params (RFC 4055 §3.1):
/// `SEQUENCE { hashAlgorithm [0] EXPLICIT AlgorithmIdentifier DEFAULT sha1, ... }`.
fn pss_hash(params: &[u8]) -> Option<Hash> {
    let mut params = Reader::new(params, "RSASSA-PSS-params");
    if params.is_empty() {
        // Absent parameters: every field takes its default, SHA-1, which becomes SHA-256.
        return Some(Hash::Sha256);
    }
    let sequence = read_tlv(&mut params, TAG_SEQUENCE)?;
    let mut sequence = Reader::new(sequence, "RSASSA-PSS-params");
    if sequence.is_empty() {
        return Some(Hash::Sha256);
    }
    let explicit = match read_any(&mut sequence)? {
        (TAG_CONTEXT_0, explicit) => explicit,
        // hashAlgorithm omitted, so it is the default, SHA-1, which becomes SHA-256.
        _ => return Some(Hash::Sha256),
    };
    let mut explicit = Reader::new(explicit, "RSASSA-PSS-params");
    let algorithm = read_tlv(&mut explicit, TAG_SEQUENCE)?;
    let mut algorithm = Reader::new(algorithm, "AlgorithmIdentifier");
    hash_algorithm(read_tlv(&mut algorithm, TAG_OID)?)
}

/// Maps a hash algorithm OID (as PSS names it) to the end-point hash.
fn hash_algorithm(oid: &[u8]) -> Option<Hash> {
    const NIST_HASH: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02]; // 2.16.840.1.101.3.4.2
    const SHA1: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1a]; // 1.3.14.3.2.26
    const MD5: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05]; // 1.2.840.113549.2.5
    match oid.strip_prefix(NIST_HASH) {
        Some([0x01]) => Some(Hash::Sha256),
        Some([0x02]) => Some(Hash::Sha384),
        Some([0x03]) => Some(Hash::Sha512),
        Some([0x04]) => Some(Hash::Sha224),
        Some(_) => None,
        None if oid == SHA1 || oid == MD5 => Some(Hash::Sha256),
        None => None,
    }
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
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    use super::*;

    // Generated with `openssl req -x509 -newkey ...` and `openssl x509 -outform der`; the
    // expected values are `openssl x509 -noout -fingerprint -<hash>` of the same certificate.

    /// RSA 2048, sha256WithRSAEncryption.
    const RSA_SHA256: &str = concat!(
        "MIIDFzCCAf+gAwIBAgIUbokVliniodetDgX7P+dPQDOspHUwDQYJKoZIhvcNAQELBQAwGjEYMBYGA1UEAwwPcGd0dXNrLXRl",
        "c3QtcnNhMCAXDTI2MTEyOTIwMzUxNVoYDzIxMjYxMTA1MjAzNTE1WjAaMRgwFgYDVQQDDA9wZ3R1c2stdGVzdC1yc2EwggEi",
        "MA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQC8asvoMtVdWm318IVjnNb2E19xADQ3McYTAs7uefY30hSxD55QWjYUJXaz",
        "fbToZ0zMg+oWHAuXWb/6/WqQ/xzOPQcT4EU9p4SxfjxeaDHbCb+b+N/OOG+9W4d3ZYaulV8A+74Xs1EQ4HanszsfuBFrp5Z2",
        "ZvH36FXUnb4ItvllWf/LwHjEnP/zl710L/EMbuTQpKYI1SVKW5WekiNoJxNLECv5rEdE8SnYDITYbnVaLsMRt3Lc6Z3KfRuc",
        "nxvGptRLaPVK2tdGyXHS+/1vvjHjJl+nECHUd/8ZuaaePNTfYE7/kxuKjLtxeIV9IxPfL09xfw5ehFZ81rSbEhXWCxhjAgMB",
        "AAGjUzBRMB0GA1UdDgQWBBSfiO/zyrhIchPmGC9Q76JIau6z4zAfBgNVHSMEGDAWgBSfiO/zyrhIchPmGC9Q76JIau6z4zAP",
        "BgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3DQEBCwUAA4IBAQCsscLVHMqz8hxYW4aP7rMAgaY4vXKOaiOdVt7z82SucZK6iIpY",
        "bhGq9qTUJl7Y7/bkrPDiayVeb6G6mohQPIUD+A56RSaNN1BO0/IsHj6zfZ4arPCvXEn0zmiiDpSIPrdOd9G5RtUocicEQjWp",
        "G6CIFMEpJrzmNun6iraqCmxpoGv2VNLQn2/VCpZPoQA9NvhBc769tJVHFPrjxG0EbSRhfSyFNY+9FsBYi3y/c5Up/XOVzT7T",
        "ilh92KzjDILmD7pCx3DYUbPISq7jzvXTT9rgtgRsGj5g8Pfdp48eH9LsxiYdNA6R6+Vx/z7GIOK8PUhhsOx+ZIlXz0PaLARe",
        "Q7cg",
    );
    const RSA_SHA256_FINGERPRINT: &str =
        "e3a2af4e147915f218042bc84186e42efc945225ed2d88783d1f766d3cb2c520";

    /// ECDSA P-384, ecdsa-with-SHA384.
    const EC_SHA384: &str = concat!(
        "MIIByjCCAVCgAwIBAgIUapkYY/3+VeS7oV4DgLmHrgk/WX8wCgYIKoZIzj0EAwMwGzEZMBcGA1UEAwwQcGd0dXNrLXRlc3Qt",
        "cDM4NDAgFw0yNjExMjkyMDM1MTVaGA8yMTI2MTEwNTIwMzUxNVowGzEZMBcGA1UEAwwQcGd0dXNrLXRlc3QtcDM4NDB2MBAG",
        "ByqGSM49AgEGBSuBBAAiA2IABPTyfs2v6ZjqKNoSMnkgEMZ+5XuDnwIVH4rlepADz/moeJR90BjZ2UL/ALccy1qUbEy1b4Ng",
        "VXANX4a/vbU6BgnPMLAo6O6PlpW1huwu3lMOR6ZCEQZwBF4HwRolMJGgGaNTMFEwHQYDVR0OBBYEFBZPCa1iaqfskYXsrX3X",
        "e/fZKmuUMB8GA1UdIwQYMBaAFBZPCa1iaqfskYXsrX3Xe/fZKmuUMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwMDaAAw",
        "ZQIwTEciQpnuVdcJITxxU5D6Vy+NZ4i7rDFjHtXf0U2KtuORDYdDeyhhLHeeoNeSHmhHAjEA1du/wspNknTZd6P9pWdaIIc+",
        "uhubEAROH9Ih3GVgMfdGVPCiLsrrwQk0Dymj8Czf",
    );
    const EC_SHA384_FINGERPRINT: &str = concat!(
        "c4bdb4a6e1e690b959273857ef5a4f264c2e47edee1611a6",
        "431a7432d29dfbb6659a56f2f1cab88cc105381622f1fd6d",
    );

    /// RSA 2048, RSASSA-PSS with SHA-512 in its parameters.
    const PSS_SHA512: &str = concat!(
        "MIIDgTCCAjSgAwIBAgIUD5mXm/beYjpJN9tXXQH/GHxRT1IwQgYJKoZIhvcNAQEKMDWgDzANBglghkgBZQMEAgMFAKEcMBoG",
        "CSqGSIb3DQEBCDANBglghkgBZQMEAgMFAKIEAgIAvjAaMRgwFgYDVQQDDA9wZ3R1c2stdGVzdC1wc3MwIBcNMjYxMTI5MjAz",
        "NTE2WhgPMjEyNjExMDUyMDM1MTZaMBoxGDAWBgNVBAMMD3BndHVzay10ZXN0LXBzczCCASIwDQYJKoZIhvcNAQEBBQADggEP",
        "ADCCAQoCggEBAJLD1yOJIEAFAbiLjvB5PNX7fzbii/JeGuqxWEk+SeCPy7CV379xUtL/sSv38lBQw90Ra2BF6meG45y/+E0m",
        "r1obbiZuK/z2ZBmfrQikOxS9gBc2SQhup2ScS6zvmpwkR9fEBQXk0Z6Mh3lng5phmmKz2+RLwpz/1HZVZs05lJJzu4UkVHKp",
        "6xsmWAn/gSkitOa2xRj0YJ+pgdsYvIEGb0IS6rsgyZMRceaJXNYlghZn/g18zQXgjf+F6cCoQW/gUbCQPI2IkFafBNrCKpr4",
        "qCXb1M8sDp/HLOV+g3CLhKWAC1x7UUtgdEBUn/HhrAQmXdFTg+/+I7eSpmDuROEfXxECAwEAAaNTMFEwHQYDVR0OBBYEFEOu",
        "Mf9c117XgzNcsw8RzGd9I8doMB8GA1UdIwQYMBaAFEOuMf9c117XgzNcsw8RzGd9I8doMA8GA1UdEwEB/wQFMAMBAf8wQgYJ",
        "KoZIhvcNAQEKMDWgDzANBglghkgBZQMEAgMFAKEcMBoGCSqGSIb3DQEBCDANBglghkgBZQMEAgMFAKIEAgIAvgOCAQEAfdM9",
        "T6GR4s7EWPof9CibydAMtJr76rRnkOC5D4dyYNIGP53M/D+sNx8/a3KDA/oQk0KPXSV4EqFHESaFavSCy5Bi90EFRgxF0PaP",
        "ST5+5Rja1TshibZvsiPNyOySd7fxb5+xFiBXMSPTHLDGhGsqz1XBQFVwnfIggQj04r+9jNgjt9ZvS/7iwAE4cNmZZ0kA3zjY",
        "aAn9J8xTYruIA6ChuRdZfNo0O5sauiPXLvzvQJ/efyFGk6dAD3CHx2pRYAzLmSw6tds9ywV7D1eDcvABZfD+BPJsZDMNB4Ux",
        "lIAcWOCxBwf84DT/CPEJ1UoPtnXqGA7NV/ZYLl8InXwMxmdZSQ==",
    );
    const PSS_SHA512_FINGERPRINT: &str = concat!(
        "a42eaeb3bda120c2f65af6d93cb15539e41b2c57f3a37bccc7791db93f37c6fd",
        "7213d685f23b6ec8b9a7cbf3a313a6a38542b712947127974ba3dfee4d4fe952",
    );

    /// Ed25519 (SHA-256 by this module's choice).
    const ED25519_CERT: &str = concat!(
        "MIIBUzCCAQWgAwIBAgIUfeNGU/MoAz7AFy8W3tdtQZBiitwwBQYDK2VwMB4xHDAaBgNVBAMME3BndHVzay10ZXN0LWVkMjU1",
        "MTkwIBcNMjYxMTI5MjAzNTE2WhgPMjEyNjExMDUyMDM1MTZaMB4xHDAaBgNVBAMME3BndHVzay10ZXN0LWVkMjU1MTkwKjAF",
        "BgMrZXADIQAMhT+ePHW9tXczv0ebuZ6egFd0nIQ9o5IosMYkT7vN46NTMFEwHQYDVR0OBBYEFMuxSl9ouA6BGGYtcMWBRtLE",
        "h3Y1MB8GA1UdIwQYMBaAFMuxSl9ouA6BGGYtcMWBRtLEh3Y1MA8GA1UdEwEB/wQFMAMBAf8wBQYDK2VwA0EA19Q99yN0ZuP6",
        "5P3mYHO6EJhZUl2RVfi+7KAug+k660b5DVtIiucaFU7wtQnbVLuSa/PAVbZtGWSLG5TW0ES8AA==",
    );
    const ED25519_FINGERPRINT: &str =
        "d68bf6c3743223483ebbbfbc649d715559e0ef5be7baba05da30a202839b039a";

    /// ECDSA P-384, ecdsa-with-SHA1 (RFC 5929: SHA-1 becomes SHA-256).
    const EC_SHA1: &str = concat!(
        "MIIByTCCAU+gAwIBAgIUfTuPdhIuKpB++A7RxjjqepsACxgwCQYHKoZIzj0EATAbMRkwFwYDVQQDDBBwZ3R1c2stdGVzdC1z",
        "aGExMCAXDTI2MTEyOTIwMzUxNloYDzIxMjYxMTA1MjAzNTE2WjAbMRkwFwYDVQQDDBBwZ3R1c2stdGVzdC1zaGExMHYwEAYH",
        "KoZIzj0CAQYFK4EEACIDYgAE9PJ+za/pmOoo2hIyeSAQxn7le4OfAhUfiuV6kAPP+ah4lH3QGNnZQv8AtxzLWpRsTLVvg2BV",
        "cA1fhr+9tToGCc8wsCjo7o+WlbWG7C7eUw5HpkIRBnAEXgfBGiUwkaAZo1MwUTAdBgNVHQ4EFgQUFk8JrWJqp+yRheytfdd7",
        "99kqa5QwHwYDVR0jBBgwFoAUFk8JrWJqp+yRheytfdd799kqa5QwDwYDVR0TAQH/BAUwAwEB/zAJBgcqhkjOPQQBA2kAMGYC",
        "MQC4pubUkkn6tcYWNxz8Um3aX7L6AJQrdMNPtEfs/U5VV/6BNa7n6fPD8lU3nSLIoe8CMQCx0PZFxughXvdZ76ay2Kd7Neid",
        "AA0XYHM0E1QSEHMtAXacCdR4gQ8QUlZIirib3IE=",
    );
    const EC_SHA1_FINGERPRINT: &str =
        "4f2ea7d336a4c2ed2df730ee17b008c45f07649a489b5d283405c57a3546f07e";

    fn der(b64: &str) -> Vec<u8> {
        STANDARD.decode(b64).unwrap()
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn end_point_hex(b64: &str) -> Option<String> {
        tls_server_end_point(&der(b64)).map(|h| hex(&h))
    }

    #[test]
    fn rsa_sha256() {
        assert_eq!(end_point_hex(RSA_SHA256).as_deref(), Some(RSA_SHA256_FINGERPRINT));
    }

    #[test]
    fn ecdsa_p384_sha384() {
        assert_eq!(end_point_hex(EC_SHA384).as_deref(), Some(EC_SHA384_FINGERPRINT));
    }

    #[test]
    fn rsassa_pss_uses_its_hash_parameter() {
        assert_eq!(end_point_hex(PSS_SHA512).as_deref(), Some(PSS_SHA512_FINGERPRINT));
    }

    #[test]
    fn ed25519_uses_sha256() {
        assert_eq!(end_point_hex(ED25519_CERT).as_deref(), Some(ED25519_FINGERPRINT));
    }

    #[test]
    fn sha1_signature_uses_sha256() {
        assert_eq!(end_point_hex(EC_SHA1).as_deref(), Some(EC_SHA1_FINGERPRINT));
    }

    #[test]
    fn pss_without_hash_parameter_uses_sha256() {
        assert_eq!(pss_hash(&[]), Some(Hash::Sha256));
        assert_eq!(pss_hash(&[TAG_SEQUENCE, 0]), Some(Hash::Sha256));
        // SEQUENCE { [0] { SEQUENCE { OID sha384 } } }
        let sha384 = [
            0x30, 0x0f, 0xa0, 0x0d, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
            0x04, 0x02, 0x02,
        ];
        assert_eq!(pss_hash(&sha384), Some(Hash::Sha384));
    }

    #[test]
    fn unparsable_gives_none() {
        let cert = der(RSA_SHA256);
        for len in 0..cert.len() {
            assert_eq!(tls_server_end_point(&cert[..len]), None, "truncated to {len}");
        }
        let mut trailing = cert.clone();
        trailing.push(0);
        assert_eq!(tls_server_end_point(&trailing), None);
        assert_eq!(tls_server_end_point(&[0x30, 0x80, 0, 0]), None);
        assert_eq!(tls_server_end_point(&[0x30, 0x85, 0, 0, 0, 0, 1]), None);
    }

    #[test]
    fn unknown_algorithm_gives_none() {
        // md2WithRSAEncryption (1.2.840.113549.1.1.2) has no end-point hash.
        assert_eq!(signature_algorithm_hash(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 1, 2]), None);
        assert_eq!(signature_algorithm_hash(&[]), None);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = tls_server_end_point(&bytes);
        }
    }
}
