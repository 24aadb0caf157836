//! Helpers shared by the fuzz targets in `fuzz_targets/`.
//!
//! Each helper calls every public accessor of a decoded value and walks every iterator to its
//! end, so that a decoder that accepted bad input and left an accessor to trip over it is
//! caught here, not in a user's program.

use bytes::{BufMut, BytesMut};
use pgtusk::DbError;
use pgtusk::protocol::backend::{BackendMessage, ErrorFields};

/// Calls every accessor of a decoded backend message.
pub fn exercise_backend(msg: &BackendMessage) {
    use pgtusk::protocol::backend::Authentication;
    let _ = (msg.name(), msg.tag(), format!("{msg:?}"));
    match msg {
        BackendMessage::Authentication(a) => {
            let _ = (a.code(), a.name());
            if let Authentication::Sasl(m) = a {
                for name in m.iter() {
                    assert!(m.contains(name));
                }
            }
        }
        BackendMessage::BackendKeyData(k) => {
            let _ = (k.process_id(), k.secret_key().len());
        }
        BackendMessage::CommandComplete(c) => {
            let _ = (c.tag(), c.rows());
        }
        BackendMessage::CopyInResponse(c)
        | BackendMessage::CopyOutResponse(c)
        | BackendMessage::CopyBothResponse(c) => {
            let _ = c.format();
            assert_eq!(c.column_formats().count(), c.len());
            assert_eq!(c.is_empty(), c.column_formats().next().is_none());
        }
        BackendMessage::DataRow(row) => {
            assert_eq!(row.values().count(), row.len());
            assert_eq!(row.ranges().count(), row.len());
            for (value, range) in row.values().zip(row.ranges()) {
                match (value, range) {
                    (Some(v), Some(r)) => assert_eq!(row.body().get(r), Some(v)),
                    (None, None) => {}
                    other => panic!("values and ranges disagree: {other:?}"),
                }
            }
        }
        BackendMessage::ErrorResponse(f) | BackendMessage::NoticeResponse(f) => {
            exercise_error_fields(f);
        }
        BackendMessage::NegotiateProtocolVersion(n) => {
            let _ = (n.version_word(), n.newest_minor());
            let _ = n.unrecognized_options().count();
        }
        BackendMessage::NotificationResponse(n) => {
            let _ = (n.process_id(), n.channel(), n.payload());
        }
        BackendMessage::ParameterDescription(p) => {
            assert_eq!(p.types().count(), p.len());
            assert_eq!(p.is_empty(), p.types().next().is_none());
        }
        BackendMessage::ParameterStatus(p) => {
            let _ = (p.name(), p.value());
        }
        BackendMessage::RowDescription(d) => {
            assert_eq!(d.fields().count(), d.len());
            assert_eq!(d.is_empty(), d.fields().next().is_none());
        }
        _ => {}
    }
}

/// Calls every accessor of ErrorResponse/NoticeResponse fields, and builds the public
/// [`DbError`] from them (which parses numbers out of `P`, `p` and `L`).
pub fn exercise_error_fields(f: &ErrorFields) {
    let _ = (f.severity(), f.code(), f.message(), format!("{f:?}"));
    for (code, value) in f.iter() {
        assert_ne!(code, 0);
        assert!(f.get(code).is_some());
        assert!(!value.contains(&0));
    }
    let db = DbError::from_fields(f);
    let _ = (format!("{db:?}"), db.to_string());
}

/// A framed backend message: `tag`, the length word, `body`.
pub fn frame(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = BytesMut::with_capacity(body.len() + 5);
    out.put_u8(tag);
    out.put_u32(u32::try_from(body.len() + 4).expect("small body"));
    out.put_slice(body);
    out.to_vec()
}

/// The largest SCRAM iteration count a fuzz input may carry.
///
/// The client honours counts up to `MAX_ITERATIONS` (a million), which costs about a second of
/// HMAC per execution: once the fuzzer finds one, it would spend its time hashing. Inputs that
/// ask for more than this are skipped; the iteration-count parsing itself is still fuzzed below
/// this bound, and the bound's enforcement has unit tests.
pub const FUZZ_MAX_ITERATIONS: u64 = 20_000;

/// True when `data` contains an `i=` attribute whose number exceeds [`FUZZ_MAX_ITERATIONS`]
/// (the parser accepts no sign and no leading zero, so the digits right after `i=` are it).
pub fn has_expensive_iteration_count(data: &[u8]) -> bool {
    data.windows(2).enumerate().any(|(at, w)| {
        if w != b"i=" {
            return false;
        }
        let digits: Vec<u8> =
            data[at + 2..].iter().take_while(|b| b.is_ascii_digit()).copied().collect();
        digits.len() > 6
            || std::str::from_utf8(&digits)
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
                .is_some_and(|n| n > FUZZ_MAX_ITERATIONS)
    })
}
