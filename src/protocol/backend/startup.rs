//! Messages of the startup phase and session state: BackendKeyData, ParameterStatus,
//! NegotiateProtocolVersion and ReadyForQuery.

use bytes::{BufMut, Bytes, BytesMut};

use super::{
    ByteStr, DecodeError, EncodeError, Reader, TransactionStatus, owned_cstr, read_byte_str,
};

/// The cancellation key of this session: what a CancelRequest must quote.
///
/// Protocol 3.0 servers send a 4-byte secret; protocol 3.2 allows 4 to 256 bytes (PostgreSQL 18
/// sends 32). A secret outside 4 to 256 bytes is refused.
///
/// `Debug` shows the secret's length, not the secret.
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-BACKENDKEYDATA>
#[derive(Clone, PartialEq, Eq)]
pub struct BackendKeyData {
    process_id: i32,
    secret_key: Bytes,
}

impl BackendKeyData {
    /// The shortest secret key the protocol allows.
    pub const MIN_SECRET_KEY_LEN: usize = 4;
    /// The longest secret key the protocol allows.
    pub const MAX_SECRET_KEY_LEN: usize = 256;

    /// Key data for a backend, refusing a secret shorter than 4 or longer than 256 bytes.
    pub fn new(process_id: i32, secret_key: Bytes) -> Result<Self, EncodeError> {
        if !Self::valid_len(secret_key.len()) {
            return Err(EncodeError::InvalidValue { field: "secret key" });
        }
        Ok(Self { process_id, secret_key })
    }

    /// The process ID of the backend.
    pub fn process_id(&self) -> i32 {
        self.process_id
    }

    /// The secret key of the backend (4 to 256 bytes).
    pub fn secret_key(&self) -> &[u8] {
        &self.secret_key
    }

    fn valid_len(len: usize) -> bool {
        (Self::MIN_SECRET_KEY_LEN..=Self::MAX_SECRET_KEY_LEN).contains(&len)
    }

    pub(super) fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body, "BackendKeyData");
        let process_id = r.i32()?;
        // "This field extends to the end of the message, indicated by the length field."
        let secret = r.rest();
        if !Self::valid_len(secret.len()) {
            return Err(r.invalid("secret key"));
        }
        Ok(Self { process_id, secret_key: super::codec::sub_bytes(body, secret) })
    }

    pub(super) fn write_body(&self, buf: &mut BytesMut) {
        buf.put_i32(self.process_id);
        buf.put_slice(&self.secret_key);
    }
}

impl std::fmt::Debug for BackendKeyData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackendKeyData")
            .field("process_id", &self.process_id)
            .field("secret_key_len", &self.secret_key.len())
            .finish()
    }
}

/// The current value of a run-time parameter the server reports (`server_version`,
/// `client_encoding`, `TimeZone`, ...), at startup and whenever it changes.
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-PARAMETERSTATUS>
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParameterStatus {
    name: ByteStr,
    value: ByteStr,
}

impl ParameterStatus {
    /// A report of parameter `name` having `value`, refusing strings that contain a NUL.
    pub fn new(name: &str, value: &str) -> Result<Self, EncodeError> {
        Ok(Self { name: owned_cstr("name", name)?, value: owned_cstr("value", value)? })
    }

    /// The name of the parameter.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The current value of the parameter.
    pub fn value(&self) -> &str {
        &self.value
    }

    pub(super) fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        const NAME: &str = "ParameterStatus";
        let mut r = Reader::new(body, NAME);
        let name = read_byte_str(body, &mut r, NAME)?;
        let value = read_byte_str(body, &mut r, NAME)?;
        r.finish()?;
        Ok(Self { name, value })
    }

    pub(super) fn write_body(&self, buf: &mut BytesMut) {
        put_str(buf, &self.name);
        put_str(buf, &self.value);
    }
}

/// The server does not support the minor protocol version the client asked for, or some of the
/// protocol options (`_pq_.*`) it sent.
///
/// The chapter documents the first field as the newest *minor* version the server supports, but
/// PostgreSQL 18 sends the whole version word (`3 << 16 | 2`); both forms are accepted. The raw
/// word is kept ([`version_word`](Self::version_word)) and [`newest_minor`](Self::newest_minor)
/// reads its low 16 bits, which is the minor version in either form.
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-NEGOTIATEPROTOCOLVERSION>
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NegotiateProtocolVersion {
    version_word: u32,
    option_count: i32,
    /// Every option name followed by its NUL.
    options: ByteStr,
}

impl NegotiateProtocolVersion {
    /// A message carrying `version_word` (a minor version, or a full version word) and the
    /// names of the options the server did not recognise, refusing names that contain a NUL.
    pub fn new(version_word: u32, unrecognized_options: &[&str]) -> Result<Self, EncodeError> {
        const FIELD: &str = "option name";
        let option_count = i32::try_from(unrecognized_options.len())
            .map_err(|_| EncodeError::InvalidValue { field: "number of options" })?;
        let mut list = String::new();
        for name in unrecognized_options {
            list.push_str(&owned_cstr(FIELD, name)?);
            list.push('\0');
        }
        Ok(Self { version_word, option_count, options: ByteStr::from(list.as_str()) })
    }

    /// The first field exactly as sent: the newest minor version the server supports, or (as
    /// PostgreSQL 18 sends it) the full version word.
    pub fn version_word(&self) -> u32 {
        self.version_word
    }

    /// The newest minor protocol version the server supports for the major version requested.
    pub fn newest_minor(&self) -> u16 {
        // The low 16 bits: the whole word in the documented form, the minor part in the other.
        (self.version_word & 0xffff) as u16
    }

    /// The protocol options the server did not recognise.
    pub fn unrecognized_options(&self) -> impl Iterator<Item = &str> {
        // `split_terminator` yields exactly one item per NUL, empty names included.
        self.options.split_terminator('\0')
    }

    pub(super) fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        const NAME: &str = "NegotiateProtocolVersion";
        let mut r = Reader::new(body, NAME);
        let version_word = r.u32()?;
        let option_count = r.i32()?;
        let count = usize::try_from(option_count).map_err(|_| r.invalid("number of options"))?;
        let rest = r.rest();
        let mut names = Reader::new(rest, NAME);
        for _ in 0..count {
            names.cstr_bytes()?;
        }
        names.finish()?;
        let options = ByteStr::from_utf8(super::codec::sub_bytes(body, rest))
            .map_err(|_| DecodeError::InvalidUtf8 { message: NAME })?;
        Ok(Self { version_word, option_count, options })
    }

    pub(super) fn write_body(&self, buf: &mut BytesMut) {
        buf.put_u32(self.version_word);
        buf.put_i32(self.option_count);
        buf.put_slice(self.options.as_bytes());
    }
}

/// Decodes a ReadyForQuery body: the transaction status byte `I`, `T` or `E`.
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-READYFORQUERY>
pub(super) fn decode_ready_for_query(body: &[u8]) -> Result<TransactionStatus, DecodeError> {
    let mut r = Reader::new(body, "ReadyForQuery");
    let status = r.u8()?;
    r.finish()?;
    TransactionStatus::from_byte(status).ok_or(r.invalid("transaction status"))
}

/// Writes a string that was checked for NULs when it was built or decoded.
fn put_str(buf: &mut BytesMut, s: &ByteStr) {
    buf.put_slice(s.as_bytes());
    buf.put_u8(0);
}

#[cfg(test)]
pub(super) mod tests {
    use proptest::prelude::*;

    use super::super::BackendMessage;
    use super::super::testing::{
        arb_cstr, assert_roundtrip, assert_truncations_fail, assert_truncations_fail_below, fixture,
    };
    use super::*;

    fn key_data(body: &'static [u8]) -> BackendKeyData {
        match fixture(b'K', body) {
            BackendMessage::BackendKeyData(k) => k,
            other => panic!("not BackendKeyData: {other:?}"),
        }
    }

    #[test]
    fn backend_key_data_protocol_3_0() {
        let body = b"\0\0\x1f\x90\x12\x34\x56\x78";
        let k = key_data(body);
        assert_eq!(k.process_id(), 8080);
        assert_eq!(k.secret_key(), b"\x12\x34\x56\x78");
        assert_eq!(format!("{k:?}"), "BackendKeyData { process_id: 8080, secret_key_len: 4 }");
        assert_truncations_fail_below(b'K', body, body.len());
    }

    #[test]
    fn backend_key_data_protocol_3_2() {
        let body = b"\0\0\x1f\x90\
            \x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\
            \x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x20";
        let k = key_data(body);
        assert_eq!(k.process_id(), 8080);
        assert_eq!(k.secret_key().len(), 32);
        assert_eq!(k.secret_key().first(), Some(&1));
        // The secret runs to the end of the message; cuts that leave fewer than 4 bytes fail.
        assert_truncations_fail_below(b'K', body, 8);
    }

    #[test]
    fn backend_key_data_secret_lengths() {
        for (len, ok) in [(0, false), (3, false), (4, true), (32, true), (256, true), (257, false)]
        {
            let mut body = vec![0, 0, 0, 42];
            body.extend(std::iter::repeat_n(0xa5, len));
            let got = BackendMessage::decode(b'K', Bytes::from(body));
            assert_eq!(got.is_ok(), ok, "secret of {len} bytes: {got:?}");
            if !ok {
                assert_eq!(
                    got,
                    Err(DecodeError::InvalidField {
                        message: "BackendKeyData",
                        field: "secret key"
                    })
                );
            }
            let built = BackendKeyData::new(42, Bytes::from(vec![0xa5; len]));
            assert_eq!(built.is_ok(), ok);
            if let Ok(k) = built {
                assert_roundtrip(&BackendMessage::BackendKeyData(k)).unwrap();
            } else {
                assert_eq!(built, Err(EncodeError::InvalidValue { field: "secret key" }));
            }
        }
    }

    #[test]
    fn parameter_status() {
        let body = b"server_version\x0018.1\0";
        let BackendMessage::ParameterStatus(p) = fixture(b'S', body) else { panic!() };
        assert_eq!((p.name(), p.value()), ("server_version", "18.1"));
        assert_eq!(p, ParameterStatus::new("server_version", "18.1").unwrap());
        assert_truncations_fail(b'S', body);

        let BackendMessage::ParameterStatus(p) = fixture(b'S', b"application_name\0\0") else {
            panic!()
        };
        assert_eq!((p.name(), p.value()), ("application_name", ""));
        assert_eq!(
            BackendMessage::decode(b'S', Bytes::from_static(b"a\0\xc3\0")),
            Err(DecodeError::InvalidUtf8 { message: "ParameterStatus" })
        );
        assert_eq!(
            ParameterStatus::new("a", "b\0"),
            Err(EncodeError::NulInString { field: "value" })
        );
    }

    #[test]
    fn negotiate_protocol_version_minor_form() {
        let body = b"\0\0\0\0\0\0\0\x01_pq_.unknown_option\0";
        let BackendMessage::NegotiateProtocolVersion(n) = fixture(b'v', body) else { panic!() };
        assert_eq!(n.version_word(), 0);
        assert_eq!(n.newest_minor(), 0);
        assert_eq!(n.unrecognized_options().collect::<Vec<_>>(), ["_pq_.unknown_option"]);
        assert_eq!(n, NegotiateProtocolVersion::new(0, &["_pq_.unknown_option"]).unwrap());
        assert_truncations_fail(b'v', body);
    }

    #[test]
    fn negotiate_protocol_version_full_word_form() {
        // What PostgreSQL 18 sends to a client that asked for 3.3: 3 << 16 | 2 = 196610.
        let body = b"\0\x03\0\x02\0\0\0\0";
        let BackendMessage::NegotiateProtocolVersion(n) = fixture(b'v', body) else { panic!() };
        assert_eq!(n.version_word(), 196_610);
        assert_eq!(n.newest_minor(), 2);
        assert_eq!(n.unrecognized_options().count(), 0);
        assert_truncations_fail(b'v', body);

        let body = b"\0\x03\0\x02\0\0\0\x02_pq_.a\0\0";
        let BackendMessage::NegotiateProtocolVersion(n) = fixture(b'v', body) else { panic!() };
        assert_eq!(n.unrecognized_options().collect::<Vec<_>>(), ["_pq_.a", ""]);
        assert_truncations_fail(b'v', body);
    }

    #[test]
    fn negotiate_protocol_version_negative_count() {
        assert_eq!(
            BackendMessage::decode(b'v', Bytes::from_static(b"\0\0\0\x02\xff\xff\xff\xff")),
            Err(DecodeError::InvalidField {
                message: "NegotiateProtocolVersion",
                field: "number of options"
            })
        );
    }

    #[test]
    fn ready_for_query() {
        for (body, status) in [
            (b"I", TransactionStatus::Idle),
            (b"T", TransactionStatus::InTransaction),
            (b"E", TransactionStatus::Failed),
        ] {
            assert_eq!(fixture(b'Z', body), BackendMessage::ReadyForQuery(status));
            assert_truncations_fail(b'Z', body);
        }
        assert_eq!(
            BackendMessage::decode(b'Z', Bytes::from_static(b"X")),
            Err(DecodeError::InvalidField {
                message: "ReadyForQuery",
                field: "transaction status"
            })
        );
    }

    /// Valid messages of this family.
    pub(in super::super) fn arb_message() -> impl Strategy<Value = BackendMessage> {
        prop_oneof![
            (any::<i32>(), proptest::collection::vec(any::<u8>(), 4..=256)).prop_map(
                |(pid, key)| BackendMessage::BackendKeyData(
                    BackendKeyData::new(pid, Bytes::from(key)).expect("valid key")
                )
            ),
            (arb_cstr(24), arb_cstr(24)).prop_map(|(n, v)| BackendMessage::ParameterStatus(
                ParameterStatus::new(&n, &v).expect("no NUL")
            )),
            (any::<u32>(), proptest::collection::vec(arb_cstr(16), 0..4)).prop_map(
                |(word, names)| {
                    let names: Vec<&str> = names.iter().map(String::as_str).collect();
                    BackendMessage::NegotiateProtocolVersion(
                        NegotiateProtocolVersion::new(word, &names).expect("no NUL"),
                    )
                }
            ),
            prop::sample::select(vec![
                TransactionStatus::Idle,
                TransactionStatus::InTransaction,
                TransactionStatus::Failed,
            ])
            .prop_map(BackendMessage::ReadyForQuery),
        ]
    }

    proptest! {
        #[test]
        fn round_trip(msg in arb_message()) {
            assert_roundtrip(&msg)?;
        }

        #[test]
        fn negotiate_keeps_the_names(
            word in any::<u32>(),
            names in proptest::collection::vec(arb_cstr(16), 0..4),
        ) {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let n = NegotiateProtocolVersion::new(word, &names)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(n.unrecognized_options().collect::<Vec<_>>(), names);
            prop_assert_eq!(n.newest_minor(), (word & 0xffff) as u16);
        }
    }
}
