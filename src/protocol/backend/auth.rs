//! The authentication requests (type byte `'R'`): AuthenticationOk, AuthenticationSASL and the
//! rest of the family, told apart by their `Int32` code.

use bytes::{BufMut, Bytes, BytesMut};

use super::{ByteStr, DecodeError, EncodeError, Reader, codec, empty};

/// An authentication request or result (type byte `'R'`), one variant per message of the
/// family; the comment gives the code that identifies it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Authentication {
    /// 0: authentication succeeded.
    /// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-AUTHENTICATIONOK>
    Ok,
    /// 2: Kerberos V5 is required (no longer supported by the server since 9.4).
    /// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-AUTHENTICATIONKERBEROSV5>
    KerberosV5,
    /// 3: a cleartext password is required.
    /// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-AUTHENTICATIONCLEARTEXTPASSWORD>
    CleartextPassword,
    /// 5: an MD5-hashed password is required.
    /// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-AUTHENTICATIONMD5PASSWORD>
    Md5Password {
        /// The salt to use when hashing the password.
        salt: [u8; 4],
    },
    /// 7: GSSAPI authentication is required.
    /// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-AUTHENTICATIONGSS>
    Gss,
    /// 8: GSSAPI or SSPI authentication data.
    /// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-AUTHENTICATIONGSSCONTINUE>
    GssContinue(Bytes),
    /// 9: SSPI authentication is required.
    /// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-AUTHENTICATIONSSPI>
    Sspi,
    /// 10: SASL authentication is required, with one of the listed mechanisms.
    /// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-AUTHENTICATIONSASL>
    Sasl(SaslMechanisms),
    /// 11: a SASL challenge (for SCRAM, the server-first-message).
    /// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-AUTHENTICATIONSASLCONTINUE>
    SaslContinue(Bytes),
    /// 12: SASL outcome data (for SCRAM, the server-final-message).
    /// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-AUTHENTICATIONSASLFINAL>
    SaslFinal(Bytes),
}

impl Authentication {
    /// The `Int32` code that identifies the request.
    pub fn code(&self) -> i32 {
        match self {
            Self::Ok => 0,
            Self::KerberosV5 => 2,
            Self::CleartextPassword => 3,
            Self::Md5Password { .. } => 5,
            Self::Gss => 7,
            Self::GssContinue(_) => 8,
            Self::Sspi => 9,
            Self::Sasl(_) => 10,
            Self::SaslContinue(_) => 11,
            Self::SaslFinal(_) => 12,
        }
    }

    /// The message's name as the protocol chapter spells it (`"AuthenticationSASL"`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Ok => "AuthenticationOk",
            Self::KerberosV5 => "AuthenticationKerberosV5",
            Self::CleartextPassword => "AuthenticationCleartextPassword",
            Self::Md5Password { .. } => "AuthenticationMD5Password",
            Self::Gss => "AuthenticationGSS",
            Self::GssContinue(_) => "AuthenticationGSSContinue",
            Self::Sspi => "AuthenticationSSPI",
            Self::Sasl(_) => "AuthenticationSASL",
            Self::SaslContinue(_) => "AuthenticationSASLContinue",
            Self::SaslFinal(_) => "AuthenticationSASLFinal",
        }
    }

    /// Decodes the body of an `'R'` message.
    pub(super) fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut head = Reader::new(body, "Authentication");
        let code = head.i32()?;
        let rest = head.rest();
        Ok(match code {
            0 => empty(rest, "AuthenticationOk", Self::Ok)?,
            2 => empty(rest, "AuthenticationKerberosV5", Self::KerberosV5)?,
            3 => empty(rest, "AuthenticationCleartextPassword", Self::CleartextPassword)?,
            5 => {
                let mut r = Reader::new(rest, "AuthenticationMD5Password");
                let salt = r.array()?;
                r.finish()?;
                Self::Md5Password { salt }
            }
            7 => empty(rest, "AuthenticationGSS", Self::Gss)?,
            8 => Self::GssContinue(codec::sub_bytes(body, rest)),
            9 => empty(rest, "AuthenticationSSPI", Self::Sspi)?,
            10 => Self::Sasl(SaslMechanisms::decode(body, rest)?),
            11 => Self::SaslContinue(codec::sub_bytes(body, rest)),
            12 => Self::SaslFinal(codec::sub_bytes(body, rest)),
            _ => return Err(head.invalid("authentication code")),
        })
    }

    /// Writes the body: the code, then the request's data.
    pub(super) fn write_body(&self, buf: &mut BytesMut) {
        buf.put_i32(self.code());
        match self {
            Self::Md5Password { salt } => buf.put_slice(salt),
            Self::GssContinue(data) | Self::SaslContinue(data) | Self::SaslFinal(data) => {
                buf.put_slice(data);
            }
            Self::Sasl(mechanisms) => mechanisms.write(buf),
            Self::Ok | Self::KerberosV5 | Self::CleartextPassword | Self::Gss | Self::Sspi => {}
        }
    }
}

/// The SASL mechanisms an [AuthenticationSASL] request offers, in the server's order of
/// preference (for example `SCRAM-SHA-256-PLUS`, `SCRAM-SHA-256`).
///
/// On the wire: each name NUL-terminated, the list ended by an empty name. The names are
/// validated as UTF-8 at decode. The list may be empty (the server never sends that, but the
/// format allows it; authentication then finds no mechanism in common).
///
/// [AuthenticationSASL]: https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-AUTHENTICATIONSASL
#[derive(Clone, PartialEq, Eq)]
pub struct SaslMechanisms {
    /// Every name followed by its NUL; the list's final empty name is not included.
    names: ByteStr,
}

impl SaslMechanisms {
    /// A list of mechanism names, refusing a name that is empty (it would end the list) or
    /// contains a NUL.
    pub fn new(names: &[&str]) -> Result<Self, EncodeError> {
        let mut list = String::new();
        for name in names {
            if name.is_empty() {
                return Err(EncodeError::InvalidValue { field: "SASL mechanism name" });
            }
            if name.contains('\0') {
                return Err(EncodeError::NulInString { field: "SASL mechanism name" });
            }
            list.push_str(name);
            list.push('\0');
        }
        Ok(Self { names: ByteStr::from(list.as_str()) })
    }

    /// The mechanism names, in the server's order of preference.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.names.split_terminator('\0')
    }

    /// True when the server offers the mechanism `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.iter().any(|offered| offered == name)
    }

    /// Decodes the list from `rest`, the part of `body` after the code.
    fn decode(body: &Bytes, rest: &[u8]) -> Result<Self, DecodeError> {
        const NAME: &str = "AuthenticationSASL";
        let mut r = Reader::new(rest, NAME);
        let mut names_len = 0usize;
        loop {
            let name = r.cstr_bytes()?;
            if name.is_empty() {
                break;
            }
            names_len += name.len() + 1;
        }
        r.finish()?;
        let names = Reader::new(rest, NAME).take(names_len)?;
        let names = ByteStr::from_utf8(codec::sub_bytes(body, names))
            .map_err(|_| DecodeError::InvalidUtf8 { message: NAME })?;
        Ok(Self { names })
    }

    /// Writes the list with its terminating empty name.
    fn write(&self, buf: &mut BytesMut) {
        buf.put_slice(self.names.as_bytes());
        buf.put_u8(0);
    }
}

impl std::fmt::Debug for SaslMechanisms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
pub(super) mod tests {
    use proptest::prelude::*;

    use super::super::BackendMessage;
    use super::super::testing::{
        arb_cstr, assert_roundtrip, assert_truncations_fail, assert_truncations_fail_below, fixture,
    };
    use super::*;

    fn auth(tag_body: &'static [u8]) -> Authentication {
        match fixture(b'R', tag_body) {
            BackendMessage::Authentication(a) => a,
            other => panic!("not Authentication: {other:?}"),
        }
    }

    #[test]
    fn requests_without_data() {
        for (body, want, name) in [
            (&b"\0\0\0\0"[..], Authentication::Ok, "AuthenticationOk"),
            (b"\0\0\0\x02", Authentication::KerberosV5, "AuthenticationKerberosV5"),
            (b"\0\0\0\x03", Authentication::CleartextPassword, "AuthenticationCleartextPassword"),
            (b"\0\0\0\x07", Authentication::Gss, "AuthenticationGSS"),
            (b"\0\0\0\x09", Authentication::Sspi, "AuthenticationSSPI"),
        ] {
            let got = auth(body);
            assert_eq!(got, want);
            assert_eq!(got.name(), name);
            assert_eq!(BackendMessage::Authentication(got).name(), name);
            assert_truncations_fail(b'R', body);
        }
    }

    #[test]
    fn md5_password() {
        let body = b"\0\0\0\x05\x9a\x0b\xc4\x11";
        assert_eq!(auth(body), Authentication::Md5Password { salt: [0x9a, 0x0b, 0xc4, 0x11] });
        assert_truncations_fail(b'R', body);
    }

    #[test]
    fn sasl_mechanisms() {
        let body = b"\0\0\0\x0aSCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0\0";
        let Authentication::Sasl(m) = auth(body) else { panic!("not SASL") };
        assert_eq!(m.iter().collect::<Vec<_>>(), ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"]);
        assert!(m.contains("SCRAM-SHA-256"));
        assert!(!m.contains("SCRAM-SHA"));
        assert_eq!(format!("{m:?}"), r#"["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"]"#);
        assert_eq!(m, SaslMechanisms::new(&["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"]).unwrap());
        assert_truncations_fail(b'R', body);

        let Authentication::Sasl(m) = auth(b"\0\0\0\x0a\0") else { panic!("not SASL") };
        assert_eq!(m.iter().count(), 0);
        assert!(matches!(
            BackendMessage::decode(b'R', Bytes::from_static(b"\0\0\0\x0a\xff\0\0")),
            Err(DecodeError::InvalidUtf8 { message: "AuthenticationSASL" })
        ));
        assert_eq!(
            SaslMechanisms::new(&["a", ""]),
            Err(EncodeError::InvalidValue { field: "SASL mechanism name" })
        );
        assert_eq!(
            SaslMechanisms::new(&["a\0b"]),
            Err(EncodeError::NulInString { field: "SASL mechanism name" })
        );
    }

    #[test]
    fn sasl_continue_and_final() {
        let body =
            b"\0\0\0\x0br=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
        let Authentication::SaslContinue(data) = auth(body) else { panic!("not SASLContinue") };
        assert_eq!(&data[..], &body[4..]);
        // The data runs to the end of the message: only a cut into the code is an error.
        assert_truncations_fail_below(b'R', body, 4);

        let body = b"\0\0\0\x0cv=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
        let Authentication::SaslFinal(data) = auth(body) else { panic!("not SASLFinal") };
        assert_eq!(&data[..], &body[4..]);
        assert_truncations_fail_below(b'R', body, 4);

        let body = b"\0\0\0\x08\x60\x82\x01";
        assert_eq!(auth(body), Authentication::GssContinue(Bytes::from_static(b"\x60\x82\x01")));
        assert_truncations_fail_below(b'R', body, 4);
    }

    #[test]
    fn unknown_code_is_invalid() {
        for code in [1u8, 4, 6, 13, 0xff] {
            assert_eq!(
                BackendMessage::decode(b'R', Bytes::copy_from_slice(&[0, 0, 0, code])),
                Err(DecodeError::InvalidField {
                    message: "Authentication",
                    field: "authentication code"
                })
            );
        }
    }

    /// Valid authentication messages.
    pub(in super::super) fn arb_message() -> impl Strategy<Value = BackendMessage> {
        let data = || proptest::collection::vec(any::<u8>(), 0..48).prop_map(Bytes::from);
        let mechanism = proptest::string::string_regex("[^\\x00]{1,24}").expect("valid regex");
        prop_oneof![
            Just(Authentication::Ok),
            Just(Authentication::KerberosV5),
            Just(Authentication::CleartextPassword),
            any::<[u8; 4]>().prop_map(|salt| Authentication::Md5Password { salt }),
            Just(Authentication::Gss),
            data().prop_map(Authentication::GssContinue),
            Just(Authentication::Sspi),
            proptest::collection::vec(mechanism, 0..4).prop_map(|names| {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                Authentication::Sasl(SaslMechanisms::new(&names).expect("valid names"))
            }),
            data().prop_map(Authentication::SaslContinue),
            data().prop_map(Authentication::SaslFinal),
        ]
        .prop_map(BackendMessage::Authentication)
    }

    proptest! {
        #[test]
        fn round_trip(msg in arb_message()) {
            assert_roundtrip(&msg)?;
        }

        #[test]
        fn sasl_names_round_trip(names in proptest::collection::vec(arb_cstr(16), 0..4)) {
            let names: Vec<&str> = names.iter().map(String::as_str).filter(|n| !n.is_empty()).collect();
            let m = SaslMechanisms::new(&names).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(m.iter().collect::<Vec<_>>(), names);
        }
    }
}
