//! NotificationResponse: a NOTIFY delivered to a session that LISTENs on the channel.

use bytes::{BufMut, Bytes, BytesMut};

use super::{ByteStr, DecodeError, EncodeError, Reader, owned_cstr, read_byte_str};

/// A notification raised with `NOTIFY channel, 'payload'` (or `pg_notify`) on a channel this
/// session listens to.
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-NOTIFICATIONRESPONSE>
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotificationResponse {
    process_id: i32,
    channel: ByteStr,
    payload: ByteStr,
}

impl NotificationResponse {
    /// A notification from backend `process_id`, refusing strings that contain a NUL.
    pub fn new(process_id: i32, channel: &str, payload: &str) -> Result<Self, EncodeError> {
        Ok(Self {
            process_id,
            channel: owned_cstr("channel name", channel)?,
            payload: owned_cstr("payload", payload)?,
        })
    }

    /// The process ID of the notifying backend.
    pub fn process_id(&self) -> i32 {
        self.process_id
    }

    /// The name of the channel the notify was raised on.
    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// The payload string passed from the notifying process (empty when none was given).
    pub fn payload(&self) -> &str {
        &self.payload
    }

    pub(super) fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        const NAME: &str = "NotificationResponse";
        let mut r = Reader::new(body, NAME);
        let process_id = r.i32()?;
        let channel = read_byte_str(body, &mut r, NAME)?;
        let payload = read_byte_str(body, &mut r, NAME)?;
        r.finish()?;
        Ok(Self { process_id, channel, payload })
    }

    pub(super) fn write_body(&self, buf: &mut BytesMut) {
        buf.put_i32(self.process_id);
        buf.put_slice(self.channel.as_bytes());
        buf.put_u8(0);
        buf.put_slice(self.payload.as_bytes());
        buf.put_u8(0);
    }
}

#[cfg(test)]
pub(super) mod tests {
    use proptest::prelude::*;

    use super::super::BackendMessage;
    use super::super::testing::{arb_cstr, assert_roundtrip, assert_truncations_fail, fixture};
    use super::*;

    #[test]
    fn notification() {
        // `NOTIFY jobs, 'job 17 done'` from backend 4242.
        let body = b"\0\0\x10\x92jobs\0job 17 done\0";
        let BackendMessage::NotificationResponse(n) = fixture(b'A', body) else { panic!() };
        assert_eq!(n.process_id(), 4242);
        assert_eq!(n.channel(), "jobs");
        assert_eq!(n.payload(), "job 17 done");
        assert_eq!(n, NotificationResponse::new(4242, "jobs", "job 17 done").unwrap());
        assert_truncations_fail(b'A', body);
    }

    #[test]
    fn notification_without_payload() {
        let body = b"\0\0\x10\x92Caf\xc3\xa9\0\0";
        let BackendMessage::NotificationResponse(n) = fixture(b'A', body) else { panic!() };
        assert_eq!(n.channel(), "Café");
        assert_eq!(n.payload(), "");
        assert_truncations_fail(b'A', body);
        assert_eq!(
            BackendMessage::decode(b'A', Bytes::from_static(b"\0\0\0\x01\xc3\0\0")),
            Err(DecodeError::InvalidUtf8 { message: "NotificationResponse" })
        );
        assert_eq!(
            NotificationResponse::new(1, "a\0", ""),
            Err(EncodeError::NulInString { field: "channel name" })
        );
    }

    /// Valid NotificationResponse messages.
    pub(in super::super) fn arb_message() -> impl Strategy<Value = BackendMessage> {
        (any::<i32>(), arb_cstr(16), arb_cstr(48)).prop_map(|(pid, channel, payload)| {
            BackendMessage::NotificationResponse(
                NotificationResponse::new(pid, &channel, &payload).expect("no NUL"),
            )
        })
    }

    proptest! {
        #[test]
        fn round_trip(msg in arb_message()) {
            assert_roundtrip(&msg)?;
        }
    }
}
