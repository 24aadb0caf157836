//! `BackendMessage::decode` on arbitrary bytes: the first byte is the type byte, the rest the
//! body. It never panics, every accessor of what it accepts works, and what it accepts encodes
//! back to exactly the framed original (tag + length + body) and decodes again to an equal
//! message.

#![no_main]

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use pgtusk::protocol::backend::BackendMessage;
use pgtusk_fuzz::{exercise_backend, frame};

fuzz_target!(|data: &[u8]| {
    let Some((&tag, body)) = data.split_first() else {
        return;
    };
    let body = Bytes::copy_from_slice(body);
    let Ok(msg) = BackendMessage::decode(tag, body.clone()) else {
        return;
    };
    assert_eq!(msg.tag(), tag, "decoded message reports another type byte");
    exercise_backend(&msg);

    let mut buf = BytesMut::new();
    msg.encode(&mut buf).expect("a decoded message encodes");
    assert_eq!(&buf[..], &frame(tag, &body)[..], "decode -> encode is not the identity");

    let again = BackendMessage::decode(tag, buf.freeze().slice(5..)).expect("re-decode");
    assert_eq!(again, msg, "encode -> decode changed the message");
});
