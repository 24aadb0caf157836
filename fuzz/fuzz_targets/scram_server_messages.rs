//! The SCRAM client state machine with arbitrary server-first and server-final messages, plus
//! the other pure authentication helpers on arbitrary bytes (`tls_server_end_point` on
//! arbitrary DER, `choose_mechanism` on arbitrary names, SASLprep, MD5). Never panics.
//!
//! Input layout: `[flags] [len_hi] [len_lo] [server-first: len bytes] [rest]`, where `rest` is
//! the server-final-message and also the DER / names / password input.

#![no_main]

use libfuzzer_sys::fuzz_target;
use pgtusk::protocol::auth::{
    ChannelBinding, ChannelBindingData, Mechanism, ScramClient, choose_mechanism, md5_password,
    saslprep, saslprep_bytes, tls_server_end_point,
};
use pgtusk_fuzz::has_expensive_iteration_count;

/// RFC 7677's client nonce, so that the RFC's server-first-message is a valid seed.
const NONCE: &str = "rOprNGfwEbeRWgbNEkqO";

fuzz_target!(|data: &[u8]| {
    let [flags, hi, lo, rest @ ..] = data else {
        return;
    };
    let len = usize::from(u16::from_be_bytes([*hi, *lo])).min(rest.len());
    let (server_first, server_final) = rest.split_at(len);

    // The pure helpers on the tail.
    let end_point = tls_server_end_point(server_final);
    if let Some(h) = &end_point {
        assert!(matches!(h.len(), 28 | 32 | 48 | 64), "hash length {}", h.len());
    }
    let _ = saslprep_bytes(server_final);
    if let Ok(s) = std::str::from_utf8(server_final) {
        let _ = saslprep(s);
    }
    let _ = md5_password(server_first, server_final, [1, 2, 3, 4]);
    let names = String::from_utf8_lossy(server_final);
    let policy = match flags % 3 {
        0 => ChannelBinding::Disable,
        1 => ChannelBinding::Prefer,
        _ => ChannelBinding::Require,
    };
    let cb: Option<&[u8]> = (flags & 4 != 0).then_some(&[7u8; 32][..]);
    if let Ok(m) = choose_mechanism(names.split('\0'), policy, cb) {
        let _ = ChannelBindingData::select(m, policy, cb);
    }

    // The exchange.
    if has_expensive_iteration_count(server_first) {
        return;
    }
    let (mechanism, binding) = match (flags >> 3) % 3 {
        0 => (Mechanism::ScramSha256, ChannelBindingData::None),
        1 => (Mechanism::ScramSha256, ChannelBindingData::Unused),
        _ => (Mechanism::ScramSha256Plus, ChannelBindingData::TlsServerEndPoint(vec![7; 32])),
    };
    let password: &[u8] = if flags & 0x40 != 0 { b"pencil" } else { "I\u{ad}X".as_bytes() };
    let client = ScramClient::new(password, mechanism, binding, NONCE).expect("valid setup");
    let client = if flags & 0x80 != 0 { client.with_username("user,=name") } else { client };
    let (first, client) = client.client_first();
    assert!(first.ends_with(NONCE.as_bytes()));
    let Ok((client_final, client)) = client.handle_server_first(server_first) else {
        return;
    };
    assert!(client_final.starts_with(b"c="));
    let _ = client.handle_server_final(server_final);
});
