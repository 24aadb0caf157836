//! The simple and extended query messages: Query, Parse, Describe, Execute, Sync, Flush, Close,
//! and Terminate, which ends the session.

use bytes::{BufMut, Bytes, BytesMut};

use super::{FrontendMessage, Oids, read_str};
use crate::protocol::codec::{Reader, count_u16, put_cstr, sub_bytes, write_frame};
use crate::protocol::{ByteStr, DecodeError, EncodeError, Oid};

/// What a [`Describe`] or [`Close`] refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// A prepared statement (`'S'`).
    Statement,
    /// A portal (`'P'`).
    Portal,
}

impl Target {
    /// The byte the protocol sends for it.
    pub fn code(self) -> u8 {
        match self {
            Self::Statement => b'S',
            Self::Portal => b'P',
        }
    }

    /// The target a protocol byte names, if it names one.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            b'S' => Some(Self::Statement),
            b'P' => Some(Self::Portal),
            _ => None,
        }
    }

    /// The name's field, as the protocol chapter calls it.
    fn name_field(self) -> &'static str {
        match self {
            Self::Statement => "prepared statement name",
            Self::Portal => "portal name",
        }
    }
}

/// Query (`'Q'`): a simple query (possibly several statements separated by semicolons).
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-QUERY>
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Query<'a> {
    /// The query string.
    pub sql: &'a str,
}

impl Query<'_> {
    /// Appends the message to `buf`; refuses a NUL in the query string, leaving `buf` unchanged.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_frame(buf, Some(b'Q'), |buf| put_cstr(buf, "query string", self.sql.as_bytes()))
    }
}

/// Parse (`'P'`): creates a prepared statement.
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-PARSE>
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parse<'a> {
    /// The name of the destination prepared statement (empty: the unnamed statement).
    pub name: &'a str,
    /// The query string to be parsed.
    pub sql: &'a str,
    /// The OIDs of the parameter data types; 0 (or fewer types than placeholders) leaves a
    /// type for the server to infer.
    pub param_types: &'a [Oid],
}

impl Parse<'_> {
    /// Appends the message to `buf`; on error `buf` is left unchanged.
    ///
    /// Refuses a NUL in the name or query string and more than 65,535 parameter types.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_frame(buf, Some(b'P'), |buf| {
            put_cstr(buf, "prepared statement name", self.name.as_bytes())?;
            put_cstr(buf, "query string", self.sql.as_bytes())?;
            buf.put_u16(count_u16("parameter data types", self.param_types.len())?);
            for &oid in self.param_types {
                buf.put_u32(oid);
            }
            Ok(())
        })
    }
}

/// A decoded Parse, sharing the message body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseBody {
    name: ByteStr,
    sql: ByteStr,
    param_types: Bytes,
}

impl ParseBody {
    pub(super) fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        const M: &str = "Parse";
        let mut r = Reader::new(body, M);
        let name = read_str(&mut r, body, M)?;
        let sql = read_str(&mut r, body, M)?;
        let count = usize::from(r.u16()?);
        let param_types = sub_bytes(body, r.take(count * 4)?);
        r.finish()?;
        Ok(Self { name, sql, param_types })
    }

    /// The name of the destination prepared statement (empty: the unnamed statement).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The query string.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The OIDs of the parameter data types.
    pub fn param_types(&self) -> impl ExactSizeIterator<Item = Oid> + '_ {
        Oids(Reader::new(&self.param_types, "Parse"))
    }

    /// Encodes the message again, byte for byte as it was decoded.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_frame(buf, Some(b'P'), |buf| {
            put_cstr(buf, "prepared statement name", self.name.as_bytes())?;
            put_cstr(buf, "query string", self.sql.as_bytes())?;
            buf.put_u16(count_u16("parameter data types", self.param_types.len() / 4)?);
            buf.put_slice(&self.param_types);
            Ok(())
        })
    }
}

/// Describe (`'D'`): asks for a description of a prepared statement or portal.
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-DESCRIBE>
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Describe<'a> {
    /// Whether a prepared statement or a portal is described.
    pub target: Target,
    /// Its name (empty: the unnamed one).
    pub name: &'a str,
}

impl Describe<'_> {
    /// Appends the message to `buf`; refuses a NUL in the name, leaving `buf` unchanged.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        encode_targeted(buf, b'D', self.target, self.name)
    }
}

/// Close (`'C'`): closes a prepared statement or portal.
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-CLOSE>
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Close<'a> {
    /// Whether a prepared statement or a portal is closed.
    pub target: Target,
    /// Its name (empty: the unnamed one).
    pub name: &'a str,
}

impl Close<'_> {
    /// Appends the message to `buf`; refuses a NUL in the name, leaving `buf` unchanged.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        encode_targeted(buf, b'C', self.target, self.name)
    }
}

/// Describe and Close share a body: the target byte and the name.
fn encode_targeted(
    buf: &mut BytesMut,
    tag: u8,
    target: Target,
    name: &str,
) -> Result<(), EncodeError> {
    write_frame(buf, Some(tag), |buf| {
        buf.put_u8(target.code());
        put_cstr(buf, target.name_field(), name.as_bytes())
    })
}

/// Execute (`'E'`): runs a portal.
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-EXECUTE>
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Execute<'a> {
    /// The name of the portal (empty: the unnamed portal).
    pub portal: &'a str,
    /// The maximum number of rows to return; 0 means no limit. At most `i32::MAX`.
    pub max_rows: u32,
}

impl Execute<'_> {
    /// Appends the message to `buf`; on error `buf` is left unchanged.
    ///
    /// Refuses a NUL in the portal name, and `max_rows` above `i32::MAX` (the server reads the
    /// field as signed and would take it for "no limit").
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        let max_rows = i32::try_from(self.max_rows)
            .map_err(|_| EncodeError::InvalidValue { field: "maximum number of rows" })?;
        if self.portal.is_empty() {
            // The unnamed portal (nearly every Execute): a fixed 10-byte message.
            let [a, b, c, d] = max_rows.to_be_bytes();
            buf.put_slice(&[b'E', 0, 0, 0, 9, 0, a, b, c, d]);
            return Ok(());
        }
        write_frame(buf, Some(b'E'), |buf| {
            put_cstr(buf, "portal name", self.portal.as_bytes())?;
            buf.put_i32(max_rows);
            Ok(())
        })
    }
}

/// Sync (`'S'`): ends an extended-query batch; the server answers ReadyForQuery.
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-SYNC>
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Sync;

impl Sync {
    /// Appends the message to `buf`. Never fails.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        buf.put_slice(b"S\0\0\0\x04");
        Ok(())
    }
}

/// Flush (`'H'`): asks the server to send what it has buffered.
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-FLUSH>
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Flush;

impl Flush {
    /// Appends the message to `buf`. Never fails.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        buf.put_slice(b"H\0\0\0\x04");
        Ok(())
    }
}

/// Terminate (`'X'`): ends the session.
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-TERMINATE>
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Terminate;

impl Terminate {
    /// Appends the message to `buf`. Never fails.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        buf.put_slice(b"X\0\0\0\x04");
        Ok(())
    }
}

pub(super) fn decode_query(body: &Bytes) -> Result<FrontendMessage, DecodeError> {
    let mut r = Reader::new(body, "Query");
    let sql = read_str(&mut r, body, "Query")?;
    r.finish()?;
    Ok(FrontendMessage::Query { sql })
}

pub(super) fn decode_describe(body: &Bytes) -> Result<FrontendMessage, DecodeError> {
    let (target, name) = decode_targeted(body, "Describe")?;
    Ok(FrontendMessage::Describe { target, name })
}

pub(super) fn decode_close(body: &Bytes) -> Result<FrontendMessage, DecodeError> {
    let (target, name) = decode_targeted(body, "Close")?;
    Ok(FrontendMessage::Close { target, name })
}

fn decode_targeted(body: &Bytes, message: &'static str) -> Result<(Target, ByteStr), DecodeError> {
    let mut r = Reader::new(body, message);
    let target = Target::from_code(r.u8()?).ok_or(r.invalid("target"))?;
    let name = read_str(&mut r, body, message)?;
    r.finish()?;
    Ok((target, name))
}

pub(super) fn decode_execute(body: &Bytes) -> Result<FrontendMessage, DecodeError> {
    const M: &str = "Execute";
    let mut r = Reader::new(body, M);
    let portal = read_str(&mut r, body, M)?;
    let max_rows = u32::try_from(r.i32()?).map_err(|_| r.invalid("maximum number of rows"))?;
    r.finish()?;
    Ok(FrontendMessage::Execute { portal, max_rows })
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn query_fixture() {
        let wire = encoded(|b| Query { sql: "SELECT 1" }.encode(b));
        assert_eq!(&wire[..], b"Q\0\0\0\rSELECT 1\0");
        assert_eq!(round_trip(&wire), FrontendMessage::Query { sql: "SELECT 1".into() });
        assert_truncations_fail(&wire);
    }

    #[test]
    fn parse_fixture() {
        let wire =
            encoded(|b| Parse { name: "s1", sql: "SELECT $1", param_types: &[23, 0] }.encode(b));
        assert_eq!(&wire[..], b"P\0\0\0\x1bs1\0SELECT $1\0\0\x02\0\0\0\x17\0\0\0\0");
        let FrontendMessage::Parse(p) = round_trip(&wire) else { panic!() };
        assert_eq!((p.name(), p.sql()), ("s1", "SELECT $1"));
        assert_eq!(p.param_types().collect::<Vec<_>>(), [23, 0]);
        assert_truncations_fail(&wire);
        let wire = encoded(|b| Parse { name: "", sql: "", param_types: &[] }.encode(b));
        assert_eq!(&wire[..], b"P\0\0\0\x08\0\0\0\0");
        round_trip(&wire);
    }

    #[test]
    fn describe_and_close_fixtures() {
        let wire = encoded(|b| Describe { target: Target::Statement, name: "s1" }.encode(b));
        assert_eq!(&wire[..], b"D\0\0\0\x08Ss1\0");
        assert_eq!(
            round_trip(&wire),
            FrontendMessage::Describe { target: Target::Statement, name: "s1".into() }
        );
        assert_truncations_fail(&wire);
        let wire = encoded(|b| Close { target: Target::Portal, name: "" }.encode(b));
        assert_eq!(&wire[..], b"C\0\0\0\x06P\0");
        assert_eq!(
            round_trip(&wire),
            FrontendMessage::Close { target: Target::Portal, name: "".into() }
        );
        assert_truncations_fail(&wire);
        assert_eq!(
            FrontendMessage::decode(b'C', Bytes::from_static(b"X\0")),
            Err(DecodeError::InvalidField { message: "Close", field: "target" })
        );
    }

    #[test]
    fn execute_fixture() {
        let wire = encoded(|b| Execute { portal: "", max_rows: 0 }.encode(b));
        assert_eq!(&wire[..], b"E\0\0\0\x09\0\0\0\0\0");
        round_trip(&wire);
        let wire = encoded(|b| Execute { portal: "p", max_rows: i32::MAX as u32 }.encode(b));
        assert_eq!(&wire[..], b"E\0\0\0\x0ap\0\x7f\xff\xff\xff");
        assert_eq!(
            round_trip(&wire),
            FrontendMessage::Execute { portal: "p".into(), max_rows: i32::MAX as u32 }
        );
        assert_truncations_fail(&wire);
        assert_eq!(
            FrontendMessage::decode(b'E', Bytes::from_static(b"\0\xff\xff\xff\xff")),
            Err(DecodeError::InvalidField { message: "Execute", field: "maximum number of rows" })
        );
    }

    #[test]
    fn bodiless_fixtures() {
        let wire = encoded(|b| Sync.encode(b));
        assert_eq!(&wire[..], b"S\0\0\0\x04");
        assert_eq!(round_trip(&wire), FrontendMessage::Sync);
        assert_truncations_fail(&wire);
        let wire = encoded(|b| Flush.encode(b));
        assert_eq!(&wire[..], b"H\0\0\0\x04");
        assert_eq!(round_trip(&wire), FrontendMessage::Flush);
        let wire = encoded(|b| Terminate.encode(b));
        assert_eq!(&wire[..], b"X\0\0\0\x04");
        assert_eq!(round_trip(&wire), FrontendMessage::Terminate);
    }

    #[test]
    fn a_pipeline_appends_to_one_buffer() {
        let mut buf = BytesMut::new();
        Parse { name: "", sql: "SELECT 1", param_types: &[] }.encode(&mut buf).unwrap();
        Describe { target: Target::Statement, name: "" }.encode(&mut buf).unwrap();
        Execute { portal: "", max_rows: 0 }.encode(&mut buf).unwrap();
        Sync.encode(&mut buf).unwrap();
        let mut tags = Vec::new();
        while let Ok(frame) = crate::protocol::framing::split_frame(&mut buf, 1 << 20).unwrap() {
            FrontendMessage::decode(frame.tag, frame.body).unwrap();
            tags.push(frame.tag);
        }
        assert_eq!(tags, b"PDES");
    }

    #[test]
    fn refusals_leave_the_buffer_unchanged() {
        let nul = |field| EncodeError::NulInString { field };
        assert_refused(|b| Query { sql: "SELECT 1\0; DROP" }.encode(b), nul("query string"));
        assert_refused(
            |b| Parse { name: "a\0b", sql: "", param_types: &[] }.encode(b),
            nul("prepared statement name"),
        );
        assert_refused(
            |b| Parse { name: "", sql: "\0", param_types: &[] }.encode(b),
            nul("query string"),
        );
        let types = vec![0; 65_536];
        assert_refused(
            |b| Parse { name: "", sql: "", param_types: &types }.encode(b),
            EncodeError::TooManyItems { field: "parameter data types", count: 65_536 },
        );
        assert_refused(
            |b| Describe { target: Target::Statement, name: "\0" }.encode(b),
            nul("prepared statement name"),
        );
        assert_refused(
            |b| Close { target: Target::Portal, name: "\0" }.encode(b),
            nul("portal name"),
        );
        assert_refused(|b| Execute { portal: "\0", max_rows: 0 }.encode(b), nul("portal name"));
        assert_refused(
            |b| Execute { portal: "", max_rows: i32::MAX as u32 + 1 }.encode(b),
            EncodeError::InvalidValue { field: "maximum number of rows" },
        );
    }

    #[test]
    fn the_largest_parse_round_trips() {
        let types: Vec<Oid> = (0..65_535).collect();
        let wire = encoded(|b| Parse { name: "", sql: "", param_types: &types }.encode(b));
        let FrontendMessage::Parse(p) = round_trip(&wire) else { panic!() };
        assert!(p.param_types().eq(types.iter().copied()));
    }

    fn target() -> impl Strategy<Value = Target> {
        prop_oneof![Just(Target::Statement), Just(Target::Portal)]
    }

    proptest! {
        #[test]
        fn query_round_trips(sql in "[^\u{0}]*", index in any::<usize>(), byte in any::<u8>()) {
            let wire = encoded(|b| Query { sql: &sql }.encode(b));
            prop_assert_eq!(round_trip(&wire), FrontendMessage::Query { sql: sql.as_str().into() });
            mutated_decodes_sanely(&wire, index, byte);
        }

        #[test]
        fn parse_round_trips(
            name in "[^\u{0}]{0,8}",
            sql in "[^\u{0}]*",
            types in proptest::collection::vec(any::<u32>(), 0..8),
            index in any::<usize>(),
            byte in any::<u8>(),
        ) {
            let wire = encoded(|b| Parse { name: &name, sql: &sql, param_types: &types }.encode(b));
            let FrontendMessage::Parse(p) = round_trip(&wire) else { panic!() };
            prop_assert_eq!(p.name(), &name);
            prop_assert_eq!(p.sql(), &sql);
            prop_assert_eq!(p.param_types().collect::<Vec<_>>(), types);
            mutated_decodes_sanely(&wire, index, byte);
        }

        #[test]
        fn describe_close_round_trip(target in target(), name in "[^\u{0}]{0,8}", close in any::<bool>()) {
            let wire = if close {
                encoded(|b| Close { target, name: &name }.encode(b))
            } else {
                encoded(|b| Describe { target, name: &name }.encode(b))
            };
            let name = name.as_str().into();
            let expected = if close {
                FrontendMessage::Close { target, name }
            } else {
                FrontendMessage::Describe { target, name }
            };
            prop_assert_eq!(round_trip(&wire), expected);
        }

        #[test]
        fn execute_round_trips(portal in "[^\u{0}]{0,8}", max_rows in 0..=i32::MAX as u32) {
            let wire = encoded(|b| Execute { portal: &portal, max_rows }.encode(b));
            prop_assert_eq!(
                round_trip(&wire),
                FrontendMessage::Execute { portal: portal.as_str().into(), max_rows }
            );
        }
    }
}
