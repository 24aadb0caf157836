//! The fields of ErrorResponse and NoticeResponse.

use std::borrow::Cow;

use bytes::{BufMut, Bytes, BytesMut};

use super::{DecodeError, EncodeError, Reader};
use crate::protocol::codec;

/// The body of an [ErrorResponse] or [NoticeResponse]: fields, each a type byte and a string,
/// ended by a zero byte. The field types are listed in
/// <https://www.postgresql.org/docs/current/protocol-error-fields.html> (`S` severity, `C`
/// SQLSTATE code, `M` message, ...); unknown types are kept, as the chapter asks clients to
/// ignore them silently rather than fail.
///
/// The strings are kept as bytes and not required to be UTF-8: during startup, before
/// `client_encoding` applies, a server may send messages in its own encoding. The convenience
/// accessors decode them lossily.
///
/// [ErrorResponse]: https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-ERRORRESPONSE
/// [NoticeResponse]: https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-NOTICERESPONSE
#[derive(Clone, PartialEq, Eq)]
pub struct ErrorFields {
    body: Bytes,
}

impl ErrorFields {
    /// Fields built from `(type, value)` pairs, refusing a type byte of 0 (it would end the
    /// list) or a value containing a NUL.
    pub fn new(fields: &[(u8, &str)]) -> Result<Self, EncodeError> {
        let mut body = BytesMut::new();
        for &(code, value) in fields {
            if code == 0 {
                return Err(EncodeError::InvalidValue { field: "field type" });
            }
            body.put_u8(code);
            codec::put_cstr(&mut body, "field value", value.as_bytes())?;
        }
        body.put_u8(0);
        Ok(Self { body: body.freeze() })
    }

    /// The value of the first field of type `code` (`b'C'` for the SQLSTATE code, ...).
    pub fn get(&self, code: u8) -> Option<&[u8]> {
        self.iter().find(|&(c, _)| c == code).map(|(_, value)| value)
    }

    /// Every field in the order the server sent them, as (type byte, value).
    pub fn iter(&self) -> impl Iterator<Item = (u8, &[u8])> {
        let mut r = Reader::new(&self.body, "ErrorResponse");
        // Re-reads data validated at decode; any failure just ends the walk.
        std::iter::from_fn(move || {
            let code = r.u8().ok().filter(|&c| c != 0)?;
            Some((code, r.cstr_bytes().ok()?))
        })
    }

    /// The severity: the non-localized `V` field (sent since PostgreSQL 9.6), or else the
    /// possibly localized `S` field (`ERROR`, `FATAL`, `PANIC`, `WARNING`, `NOTICE`, ...).
    pub fn severity(&self) -> Option<Cow<'_, str>> {
        self.get(b'V').or_else(|| self.get(b'S')).map(String::from_utf8_lossy)
    }

    /// The SQLSTATE code (`C` field), e.g. `"23505"`.
    pub fn code(&self) -> Option<Cow<'_, str>> {
        self.get(b'C').map(String::from_utf8_lossy)
    }

    /// The primary human-readable message (`M` field).
    pub fn message(&self) -> Option<Cow<'_, str>> {
        self.get(b'M').map(String::from_utf8_lossy)
    }

    /// The whole message body, as received.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Validates `body`, the body of the message named `message`.
    pub(super) fn decode(body: Bytes, message: &'static str) -> Result<Self, DecodeError> {
        let mut r = Reader::new(&body, message);
        // "The message body consists of one or more identified fields, followed by a zero byte
        // as a terminator." Zero fields is accepted too: it harms nothing.
        while r.u8()? != 0 {
            r.cstr_bytes()?;
        }
        r.finish()?;
        Ok(Self { body })
    }
}

impl std::fmt::Debug for ErrorFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(
                self.iter().map(|(code, value)| (code as char, String::from_utf8_lossy(value))),
            )
            .finish()
    }
}

#[cfg(test)]
pub(super) mod tests {
    use proptest::prelude::*;

    use super::super::BackendMessage;
    use super::super::testing::{arb_cstr, assert_roundtrip, assert_truncations_fail, fixture};
    use super::*;

    /// A unique violation as PostgreSQL 18 sends it.
    const UNIQUE_VIOLATION: &[u8] = b"SERROR\0VERROR\0C23505\0\
        Mduplicate key value violates unique constraint \"t_pkey\"\0\
        DKey (id)=(1) already exists.\0spublic\0tt\0nt_pkey\0\
        Fnbtinsert.c\0L666\0R_bt_check_unique\0\0";

    #[test]
    fn error_response() {
        let BackendMessage::ErrorResponse(e) = fixture(b'E', UNIQUE_VIOLATION) else { panic!() };
        assert_eq!(e.severity().as_deref(), Some("ERROR"));
        assert_eq!(e.code().as_deref(), Some("23505"));
        assert_eq!(
            e.message().as_deref(),
            Some("duplicate key value violates unique constraint \"t_pkey\"")
        );
        assert_eq!(e.get(b'D'), Some(&b"Key (id)=(1) already exists."[..]));
        assert_eq!(e.get(b'L'), Some(&b"666"[..]));
        assert_eq!(e.get(b'H'), None);
        assert_eq!(e.iter().count(), 11);
        assert_truncations_fail(b'E', UNIQUE_VIOLATION);
    }

    #[test]
    fn every_field_type() {
        const BODY: &[u8] = b"SFEHLER\0VERROR\0C42P01\0Mrelation \"nope\" does not exist\0\
            Ddetail\0Hhint\0P15\0p7\0qSELECT 1\0Wcontext\0spublic\0tnope\0ccol\0\
            ddomain\0nconstraint\0Fparse_relation.c\0L1452\0RparserOpenTable\0\0";
        let msg = fixture(b'N', BODY);
        assert_eq!(msg.name(), "NoticeResponse");
        let BackendMessage::NoticeResponse(e) = msg else { panic!() };
        let codes: Vec<u8> = e.iter().map(|(c, _)| c).collect();
        assert_eq!(codes, b"SVCMDHPpqWstcdnFLR");
        // `V` (never localized) wins over `S` (here in German).
        assert_eq!(e.severity().as_deref(), Some("ERROR"));
        assert_eq!(e.get(b'S'), Some(&b"FEHLER"[..]));
        assert_eq!(e.get(b'P'), Some(&b"15"[..]));
        assert_eq!(e.get(b'p'), Some(&b"7"[..]));
        assert_eq!(e.get(b'q'), Some(&b"SELECT 1"[..]));
        assert_eq!(e.get(b'R'), Some(&b"parserOpenTable"[..]));
        let pairs: Vec<(u8, String)> =
            e.iter().map(|(c, v)| (c, String::from_utf8(v.to_vec()).unwrap())).collect();
        let pairs: Vec<(u8, &str)> = pairs.iter().map(|(c, v)| (*c, v.as_str())).collect();
        assert_eq!(ErrorFields::new(&pairs).unwrap(), e);
        assert_truncations_fail(b'N', BODY);

        // The same fields as an ErrorResponse.
        let msg = fixture(b'E', BODY);
        assert_eq!(msg.name(), "ErrorResponse");
        assert_eq!(msg, BackendMessage::ErrorResponse(e));
        assert_truncations_fail(b'E', BODY);
    }

    #[test]
    fn severity_falls_back_to_s_and_bytes_need_not_be_utf8() {
        // A pre-9.6 server, with a message in LATIN1.
        let body = b"SFATAL\0C28P01\0Mauthentification \xe9chou\xe9e\0\0";
        let BackendMessage::ErrorResponse(e) = fixture(b'E', body) else { panic!() };
        assert_eq!(e.severity().as_deref(), Some("FATAL"));
        assert_eq!(e.message().as_deref(), Some("authentification \u{fffd}chou\u{fffd}e"));
        assert_eq!(e.get(b'M'), Some(&b"authentification \xe9chou\xe9e"[..]));
        assert_eq!(
            format!("{e:?}"),
            "{'S': \"FATAL\", 'C': \"28P01\", 'M': \"authentification \u{fffd}chou\u{fffd}e\"}"
        );
        assert_truncations_fail(b'E', body);
    }

    #[test]
    fn empty_field_list() {
        let BackendMessage::ErrorResponse(e) = fixture(b'E', b"\0") else { panic!() };
        assert_eq!(e.iter().count(), 0);
        assert_eq!(e.severity(), None);
        assert_eq!(e, ErrorFields::new(&[]).unwrap());
        assert_truncations_fail(b'E', b"\0");
    }

    #[test]
    fn constructor_refuses_what_cannot_be_sent() {
        assert_eq!(
            ErrorFields::new(&[(0, "x")]),
            Err(EncodeError::InvalidValue { field: "field type" })
        );
        assert_eq!(
            ErrorFields::new(&[(b'M', "a\0b")]),
            Err(EncodeError::NulInString { field: "field value" })
        );
    }

    fn arb_fields() -> impl Strategy<Value = Vec<(u8, String)>> {
        proptest::collection::vec((1u8..=255, arb_cstr(24)), 0..8)
    }

    /// Valid ErrorResponse and NoticeResponse messages.
    pub(in super::super) fn arb_message() -> impl Strategy<Value = BackendMessage> {
        (arb_fields(), any::<bool>()).prop_map(|(fields, notice)| {
            let fields: Vec<(u8, &str)> = fields.iter().map(|(c, v)| (*c, v.as_str())).collect();
            let e = ErrorFields::new(&fields).expect("valid");
            if notice {
                BackendMessage::NoticeResponse(e)
            } else {
                BackendMessage::ErrorResponse(e)
            }
        })
    }

    proptest! {
        #[test]
        fn round_trip(msg in arb_message()) {
            assert_roundtrip(&msg)?;
        }

        #[test]
        fn iter_gives_back_the_fields(fields in arb_fields()) {
            let pairs: Vec<(u8, &str)> = fields.iter().map(|(c, v)| (*c, v.as_str())).collect();
            let e = ErrorFields::new(&pairs).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let got: Vec<(u8, &[u8])> = e.iter().collect();
            let want: Vec<(u8, &[u8])> = pairs.iter().map(|(c, v)| (*c, v.as_bytes())).collect();
            prop_assert_eq!(got, want);
        }
    }
}
