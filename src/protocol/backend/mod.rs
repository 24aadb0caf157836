//! Backend (server → client) messages of protocol 3.0 and 3.2: decoding and encoding.
//!
//! [`BackendMessage::decode`] turns one message body, as cut off the stream by
//! [`split_frame`](super::framing::split_frame), into a typed message;
//! [`BackendMessage::encode`] writes it back (for proxies, test servers and the decode → encode
//! fuzz check).
//!
//! Invariants:
//! - Every message is validated completely, once, when it is decoded: counts, lengths, codes,
//!   NUL terminators, UTF-8 where the API hands out `&str`, and no bytes left over. The decoded
//!   message keeps (a zero-copy slice of) the body's [`Bytes`], so its accessors are infallible
//!   and allocate nothing.
//! - Decoding never panics, whatever the input. Every read goes through
//!   [`Reader`].
//! - Encoding is the exact inverse of decoding: any bytes that decode successfully encode back
//!   to the same bytes. Values built with the types' `new` constructors are validated the same
//!   way, so they always encode to bytes that decode to an equal value.
//!
//! Decisions the protocol chapter leaves open:
//! - Counts declared `Int16` (columns, fields, options) are read as signed and a negative count
//!   is refused, as the chapter's types say; a result has at most 1,664 columns, so the server
//!   never sends more than 32,767. The exception is ParameterDescription: a statement may have
//!   up to 65,535 parameters and the server sends the count as its unsigned bit pattern, so that
//!   count is read as unsigned (see [`ParameterDescription`]).
//! - ErrorResponse and NoticeResponse fields are kept as bytes, not required to be UTF-8: before
//!   `client_encoding` is in effect the server may send them in its own encoding.
//!
//! Names follow the protocol chapter:
//! <https://www.postgresql.org/docs/current/protocol-message-formats.html>.

mod auth;
mod copy;
mod data_row;
mod error;
mod notify;
mod rows;
mod startup;
#[cfg(test)]
mod testing;

use bytes::{BufMut, Bytes, BytesMut};

use super::TransactionStatus;
use super::codec::{self, ByteStr, DecodeError, EncodeError, Reader};
use super::framing::Frame;

pub use auth::{Authentication, SaslMechanisms};
pub use copy::CopyResponse;
pub use data_row::{DataRow, DataRowRanges, DataRowValues};
pub use error::ErrorFields;
pub use notify::NotificationResponse;
pub use rows::{CommandComplete, FieldDescription, ParameterDescription, RowDescription};
pub use startup::{BackendKeyData, NegotiateProtocolVersion, ParameterStatus};

/// One message the server sends, decoded.
///
/// Each variant is named after its message in
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html>; the comment gives its
/// type byte.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BackendMessage {
    /// `'R'`: an authentication request or result (AuthenticationOk, AuthenticationSASL, ...).
    Authentication(Authentication),
    /// `'K'`: the cancellation key of this session.
    BackendKeyData(BackendKeyData),
    /// `'2'`: a Bind completed.
    /// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-BINDCOMPLETE>
    BindComplete,
    /// `'3'`: a Close completed.
    /// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-CLOSECOMPLETE>
    CloseComplete,
    /// `'C'`: a command completed, with its command tag.
    CommandComplete(CommandComplete),
    /// `'d'`: a chunk of COPY data (the payload, sharing the read buffer).
    /// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-COPYDATA>
    CopyData(Bytes),
    /// `'c'`: the COPY data stream ended.
    /// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-COPYDONE>
    CopyDone,
    /// `'G'`: the server is ready to receive COPY data.
    CopyInResponse(CopyResponse),
    /// `'H'`: the server is about to send COPY data.
    CopyOutResponse(CopyResponse),
    /// `'W'`: COPY data flows both ways (streaming replication).
    CopyBothResponse(CopyResponse),
    /// `'D'`: one row of a result.
    DataRow(DataRow),
    /// `'I'`: the query string was empty.
    /// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-EMPTYQUERYRESPONSE>
    EmptyQueryResponse,
    /// `'E'`: an error.
    /// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-ERRORRESPONSE>
    ErrorResponse(ErrorFields),
    /// `'v'`: the server does not support the requested minor version or some protocol options.
    NegotiateProtocolVersion(NegotiateProtocolVersion),
    /// `'n'`: the described statement or portal returns no rows.
    /// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-NODATA>
    NoData,
    /// `'N'`: a notice (warning, informational message).
    /// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-NOTICERESPONSE>
    NoticeResponse(ErrorFields),
    /// `'A'`: a NOTIFY on a channel this session listens to.
    NotificationResponse(NotificationResponse),
    /// `'t'`: the parameter types of a described statement.
    ParameterDescription(ParameterDescription),
    /// `'S'`: a run-time parameter's current value.
    ParameterStatus(ParameterStatus),
    /// `'1'`: a Parse completed.
    /// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-PARSECOMPLETE>
    ParseComplete,
    /// `'s'`: an Execute reached its row limit before the portal was exhausted.
    /// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-PORTALSUSPENDED>
    PortalSuspended,
    /// `'Z'`: the server is ready for a new query cycle, with the transaction status.
    /// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-READYFORQUERY>
    ReadyForQuery(TransactionStatus),
    /// `'T'`: the columns of the rows that follow (or of a described statement or portal).
    RowDescription(RowDescription),
}

impl BackendMessage {
    /// Decodes one message body (as produced by
    /// [`split_frame`](super::framing::split_frame)).
    ///
    /// Never panics. An unknown `tag` gives [`DecodeError::UnknownTag`]; bytes left after the
    /// last field give [`DecodeError::TrailingBytes`]. The result shares `body`'s buffer.
    pub fn decode(tag: u8, body: Bytes) -> Result<Self, DecodeError> {
        Ok(match tag {
            // DataRow first: it is the message that arrives millions of times.
            b'D' => Self::DataRow(DataRow::decode(body)?),
            b'd' => Self::CopyData(body),
            b'C' => Self::CommandComplete(CommandComplete::decode(body)?),
            b'Z' => Self::ReadyForQuery(startup::decode_ready_for_query(&body)?),
            b'T' => Self::RowDescription(RowDescription::decode(body)?),
            b'R' => Self::Authentication(Authentication::decode(&body)?),
            b'K' => Self::BackendKeyData(BackendKeyData::decode(&body)?),
            b'S' => Self::ParameterStatus(ParameterStatus::decode(&body)?),
            b'v' => Self::NegotiateProtocolVersion(NegotiateProtocolVersion::decode(&body)?),
            b'E' => Self::ErrorResponse(ErrorFields::decode(body, "ErrorResponse")?),
            b'N' => Self::NoticeResponse(ErrorFields::decode(body, "NoticeResponse")?),
            b'A' => Self::NotificationResponse(NotificationResponse::decode(&body)?),
            b't' => Self::ParameterDescription(ParameterDescription::decode(&body)?),
            b'G' => Self::CopyInResponse(CopyResponse::decode(&body, "CopyInResponse")?),
            b'H' => Self::CopyOutResponse(CopyResponse::decode(&body, "CopyOutResponse")?),
            b'W' => Self::CopyBothResponse(CopyResponse::decode(&body, "CopyBothResponse")?),
            b'1' => empty(&body, "ParseComplete", Self::ParseComplete)?,
            b'2' => empty(&body, "BindComplete", Self::BindComplete)?,
            b'3' => empty(&body, "CloseComplete", Self::CloseComplete)?,
            b'c' => empty(&body, "CopyDone", Self::CopyDone)?,
            b'I' => empty(&body, "EmptyQueryResponse", Self::EmptyQueryResponse)?,
            b'n' => empty(&body, "NoData", Self::NoData)?,
            b's' => empty(&body, "PortalSuspended", Self::PortalSuspended)?,
            _ => return Err(DecodeError::UnknownTag { tag }),
        })
    }

    /// Decodes a [`Frame`]: the same as [`decode`](Self::decode) on its tag and body.
    pub fn from_frame(frame: Frame) -> Result<Self, DecodeError> {
        Self::decode(frame.tag, frame.body)
    }

    /// Writes the message with its type byte and length word.
    ///
    /// The exact inverse of [`decode`](Self::decode): for any bytes that decode successfully,
    /// this writes back the same bytes. The only possible error is a message longer than
    /// `i32::MAX` bytes (a [`CopyData`](Self::CopyData) or SASL payload that large), in which
    /// case `buf` is left as it was.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        codec::write_frame(buf, Some(self.tag()), |buf| {
            self.write_body(buf);
            Ok::<(), EncodeError>(())
        })
    }

    /// Writes the body (everything after the length word).
    fn write_body(&self, buf: &mut BytesMut) {
        match self {
            Self::Authentication(m) => m.write_body(buf),
            Self::BackendKeyData(m) => m.write_body(buf),
            Self::CommandComplete(m) => m.write_body(buf),
            Self::CopyData(data) => buf.put_slice(data),
            Self::CopyInResponse(m) | Self::CopyOutResponse(m) | Self::CopyBothResponse(m) => {
                m.write_body(buf);
            }
            Self::DataRow(m) => buf.put_slice(m.body()),
            Self::ErrorResponse(m) | Self::NoticeResponse(m) => buf.put_slice(m.body()),
            Self::NegotiateProtocolVersion(m) => m.write_body(buf),
            Self::NotificationResponse(m) => m.write_body(buf),
            Self::ParameterDescription(m) => m.write_body(buf),
            Self::ParameterStatus(m) => m.write_body(buf),
            Self::ReadyForQuery(status) => buf.put_u8(status.to_byte()),
            Self::RowDescription(m) => buf.put_slice(m.body()),
            Self::BindComplete
            | Self::CloseComplete
            | Self::CopyDone
            | Self::EmptyQueryResponse
            | Self::NoData
            | Self::ParseComplete
            | Self::PortalSuspended => {}
        }
    }

    /// The message's name as the protocol chapter spells it (`"DataRow"`, `"ErrorResponse"`,
    /// `"AuthenticationSASL"`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Authentication(m) => m.name(),
            Self::BackendKeyData(_) => "BackendKeyData",
            Self::BindComplete => "BindComplete",
            Self::CloseComplete => "CloseComplete",
            Self::CommandComplete(_) => "CommandComplete",
            Self::CopyData(_) => "CopyData",
            Self::CopyDone => "CopyDone",
            Self::CopyInResponse(_) => "CopyInResponse",
            Self::CopyOutResponse(_) => "CopyOutResponse",
            Self::CopyBothResponse(_) => "CopyBothResponse",
            Self::DataRow(_) => "DataRow",
            Self::EmptyQueryResponse => "EmptyQueryResponse",
            Self::ErrorResponse(_) => "ErrorResponse",
            Self::NegotiateProtocolVersion(_) => "NegotiateProtocolVersion",
            Self::NoData => "NoData",
            Self::NoticeResponse(_) => "NoticeResponse",
            Self::NotificationResponse(_) => "NotificationResponse",
            Self::ParameterDescription(_) => "ParameterDescription",
            Self::ParameterStatus(_) => "ParameterStatus",
            Self::ParseComplete => "ParseComplete",
            Self::PortalSuspended => "PortalSuspended",
            Self::ReadyForQuery(_) => "ReadyForQuery",
            Self::RowDescription(_) => "RowDescription",
        }
    }

    /// The message type byte.
    pub fn tag(&self) -> u8 {
        match self {
            Self::Authentication(_) => b'R',
            Self::BackendKeyData(_) => b'K',
            Self::BindComplete => b'2',
            Self::CloseComplete => b'3',
            Self::CommandComplete(_) => b'C',
            Self::CopyData(_) => b'd',
            Self::CopyDone => b'c',
            Self::CopyInResponse(_) => b'G',
            Self::CopyOutResponse(_) => b'H',
            Self::CopyBothResponse(_) => b'W',
            Self::DataRow(_) => b'D',
            Self::EmptyQueryResponse => b'I',
            Self::ErrorResponse(_) => b'E',
            Self::NegotiateProtocolVersion(_) => b'v',
            Self::NoData => b'n',
            Self::NoticeResponse(_) => b'N',
            Self::NotificationResponse(_) => b'A',
            Self::ParameterDescription(_) => b't',
            Self::ParameterStatus(_) => b'S',
            Self::ParseComplete => b'1',
            Self::PortalSuspended => b's',
            Self::ReadyForQuery(_) => b'Z',
            Self::RowDescription(_) => b'T',
        }
    }
}

/// Returns `message` when `body` is empty, as the protocol requires of messages that carry only
/// their type byte and length.
fn empty<T>(body: &[u8], name: &'static str, message: T) -> Result<T, DecodeError> {
    Reader::new(body, name).finish()?;
    Ok(message)
}

/// Reads a NUL-terminated UTF-8 string as a [`ByteStr`] sharing `body`. `r` must read `body`
/// itself (not a copy), so that the string is a slice of it.
fn read_byte_str(
    body: &Bytes,
    r: &mut Reader<'_>,
    message: &'static str,
) -> Result<ByteStr, DecodeError> {
    let bytes = r.cstr_bytes()?;
    ByteStr::from_utf8(codec::sub_bytes(body, bytes))
        .map_err(|_| DecodeError::InvalidUtf8 { message })
}

/// A string for a NUL-terminated field, refusing one that contains a NUL.
fn owned_cstr(field: &'static str, s: &str) -> Result<ByteStr, EncodeError> {
    if s.as_bytes().contains(&0) {
        return Err(EncodeError::NulInString { field });
    }
    Ok(ByteStr::from(s))
}

/// Converts a count to the protocol's signed `Int16`, refusing more than 32,767 (a count the
/// decoder would read as negative).
fn count_i16(field: &'static str, count: usize) -> Result<i16, EncodeError> {
    i16::try_from(count).map_err(|_| EncodeError::InvalidValue { field })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::testing::{assert_decodes_to_same_bytes, assert_roundtrip, fixture};
    use super::*;

    /// Every type byte this side of the protocol sends.
    const TAGS: &[u8] = b"RK23CdcGHWDIEvnNAtS1sZT";

    #[test]
    fn messages_without_fields() {
        for (tag, msg) in [
            (b'1', BackendMessage::ParseComplete),
            (b'2', BackendMessage::BindComplete),
            (b'3', BackendMessage::CloseComplete),
            (b'c', BackendMessage::CopyDone),
            (b'I', BackendMessage::EmptyQueryResponse),
            (b'n', BackendMessage::NoData),
            (b's', BackendMessage::PortalSuspended),
        ] {
            assert_eq!(fixture(tag, b""), msg);
            assert_eq!(msg.tag(), tag);
            assert!(matches!(
                BackendMessage::decode(tag, Bytes::from_static(b"\0")),
                Err(DecodeError::TrailingBytes { message }) if message == msg.name()
            ));
        }
    }

    #[test]
    fn copy_data_is_zero_copy() {
        let body = Bytes::from_static(b"1\tone\n");
        let msg = fixture(b'd', b"1\tone\n");
        assert_eq!(msg, BackendMessage::CopyData(body.clone()));
        let BackendMessage::CopyData(data) = BackendMessage::decode(b'd', body.clone()).unwrap()
        else {
            panic!("not CopyData")
        };
        assert_eq!(data.as_ptr(), body.as_ptr());
        assert_eq!(fixture(b'd', b""), BackendMessage::CopyData(Bytes::new()));
    }

    #[test]
    fn unknown_tag() {
        for tag in [0u8, b'x', b'Q', b'P', 0xff] {
            assert_eq!(
                BackendMessage::decode(tag, Bytes::new()),
                Err(DecodeError::UnknownTag { tag })
            );
        }
    }

    #[test]
    fn from_frame_and_names() {
        let frame = Frame { tag: b'Z', body: Bytes::from_static(b"T") };
        let msg = BackendMessage::from_frame(frame).unwrap();
        assert_eq!(msg, BackendMessage::ReadyForQuery(TransactionStatus::InTransaction));
        assert_eq!(msg.name(), "ReadyForQuery");
        assert_eq!(BackendMessage::CopyData(Bytes::new()).name(), "CopyData");
    }

    /// Valid messages of every type.
    fn arb_message() -> impl Strategy<Value = BackendMessage> {
        prop_oneof![
            auth::tests::arb_message(),
            startup::tests::arb_message(),
            rows::tests::arb_message(),
            data_row::tests::arb_message(),
            error::tests::arb_message(),
            copy::tests::arb_message(),
            notify::tests::arb_message(),
            proptest::collection::vec(any::<u8>(), 0..64)
                .prop_map(|d| BackendMessage::CopyData(Bytes::from(d))),
            prop::sample::select(vec![
                BackendMessage::BindComplete,
                BackendMessage::CloseComplete,
                BackendMessage::CopyDone,
                BackendMessage::EmptyQueryResponse,
                BackendMessage::NoData,
                BackendMessage::ParseComplete,
                BackendMessage::PortalSuspended,
            ]),
        ]
    }

    proptest! {
        #[test]
        fn every_message_round_trips(msg in arb_message()) {
            assert_roundtrip(&msg)?;
        }

        #[test]
        fn arbitrary_bodies_never_panic(
            tag in prop::sample::select(TAGS),
            body in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            assert_decodes_to_same_bytes(tag, &body)?;
        }

        #[test]
        fn arbitrary_tags_never_panic(
            tag in any::<u8>(),
            body in proptest::collection::vec(any::<u8>(), 0..16),
        ) {
            assert_decodes_to_same_bytes(tag, &body)?;
        }

        /// Damaged copies of valid messages reach far deeper into the decoders than random
        /// bytes do.
        #[test]
        fn damaged_messages_never_panic(
            msg in arb_message(),
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
            cut in any::<prop::sample::Index>(),
            truncate in any::<bool>(),
        ) {
            let mut buf = BytesMut::new();
            msg.encode(&mut buf).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut body = buf.split_off(5).to_vec();
            if !body.is_empty() {
                for (at, byte) in edits {
                    let i = at.index(body.len());
                    body[i] = byte;
                }
                if truncate {
                    body.truncate(cut.index(body.len()));
                }
            }
            assert_decodes_to_same_bytes(msg.tag(), &body)?;
        }
    }
}
