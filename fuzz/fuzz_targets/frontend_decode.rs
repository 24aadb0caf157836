//! `FrontendMessage::decode` and `decode_startup` on arbitrary bytes: never panic, every
//! accessor of what they accept works, and decode -> encode gives back the original bytes.
//!
//! Input layout: `[mode] [tag] [body...]`; an even mode decodes a tagged message `tag` with
//! `body`, an odd one decodes `tag` + `body` as an untagged startup-phase packet body.

#![no_main]

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use pgtusk::protocol::frontend::{
    FrontendMessage, StartupPacket, decode_startup, parse_gss_response, parse_password,
    parse_sasl_initial_response, parse_sasl_response,
};
use pgtusk_fuzz::frame;

fn exercise(msg: &FrontendMessage) {
    let _ = format!("{msg:?}");
    match msg {
        FrontendMessage::Bind(b) => {
            let _ = (b.portal(), b.statement());
            assert_eq!(b.param_formats().count(), b.param_formats().len());
            assert_eq!(b.params().count(), b.param_count());
            assert_eq!(b.params().len(), b.param_count());
            assert_eq!(b.result_formats().count(), b.result_formats().len());
            for i in 0..=b.param_count() {
                let _ = b.param_format(i);
            }
        }
        FrontendMessage::FunctionCall(f) => {
            let _ = (f.function(), f.result_format());
            assert_eq!(f.arg_formats().count(), f.arg_formats().len());
            assert_eq!(f.args().count(), f.arg_count());
            for i in 0..=f.arg_count() {
                let _ = f.arg_format(i);
            }
        }
        FrontendMessage::Parse(p) => {
            let _ = (p.name(), p.sql());
            assert_eq!(p.param_types().count(), p.param_types().len());
        }
        FrontendMessage::Password(body) => {
            if let Ok(pw) = parse_password(body) {
                assert!(!pw.contains(&0));
            }
            if let Ok(init) = parse_sasl_initial_response(body) {
                let _ = (init.mechanism.as_str(), init.data.as_ref().map(Bytes::len));
            }
            assert_eq!(parse_sasl_response(body).as_ref(), Ok(body));
            assert_eq!(parse_gss_response(body).as_ref(), Ok(body));
        }
        _ => {}
    }
}

fn tagged(tag: u8, body: &[u8]) {
    let body = Bytes::copy_from_slice(body);
    let Ok(msg) = FrontendMessage::decode(tag, body.clone()) else {
        return;
    };
    assert_eq!(msg.tag(), tag);
    exercise(&msg);
    let mut buf = BytesMut::new();
    msg.encode(&mut buf).expect("a decoded message encodes");
    assert_eq!(&buf[..], &frame(tag, &body)[..], "decode -> encode is not the identity");
    let again = FrontendMessage::decode(tag, buf.freeze().slice(5..)).expect("re-decode");
    assert_eq!(again, msg);
}

fn untagged(body: &[u8]) {
    let body = Bytes::copy_from_slice(body);
    let Ok(packet) = decode_startup(body.clone()) else {
        return;
    };
    let _ = format!("{packet:?}");
    if let StartupPacket::Startup(s) = &packet {
        let _ = s.version();
        for (name, _) in s.params() {
            assert!(s.param(name).is_some());
        }
    }
    let mut buf = BytesMut::new();
    packet.encode(&mut buf).expect("a decoded packet encodes");
    let mut expected = u32::try_from(body.len() + 4).unwrap().to_be_bytes().to_vec();
    expected.extend_from_slice(&body);
    assert_eq!(&buf[..], &expected[..], "decode -> encode is not the identity");
    let again = decode_startup(buf.freeze().slice(4..)).expect("re-decode");
    assert_eq!(again, packet);
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        if let Some((&tag, body)) = rest.split_first() {
            tagged(tag, body);
        }
    } else {
        untagged(rest);
    }
});
