use super::*;

const CLIENT_NONCE: &str = "rOprNGfwEbeRWgbNEkqO";
const SERVER_FIRST: &[u8] =
    b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
const CLIENT_FINAL: &[u8] = b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
const SERVER_FINAL: &[u8] = b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

fn plain_client(password: &[u8]) -> ScramClient {
    ScramClient::new(password, Mechanism::ScramSha256, ChannelBindingData::None, CLIENT_NONCE)
        .unwrap()
}

fn await_server_first() -> ScramAwaitServerFirst {
    plain_client(b"pencil").client_first().1
}

/// A server-first-message for our nonce with a cheap iteration count.
fn cheap_server_first(iterations: &str) -> Vec<u8> {
    format!("r={CLIENT_NONCE}XYZ,s=QSXCR+Q6sek8bf92,i={iterations}").into_bytes()
}

fn await_server_final() -> ScramAwaitServerFinal {
    await_server_first().handle_server_first(&cheap_server_first("1")).unwrap().1
}

/// RFC 7677 §3, with the user name the RFC uses.
#[test]
fn rfc7677_vector() {
    let (first, next) = plain_client(b"pencil").with_username("user").client_first();
    assert_eq!(first, b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    let (client_final, next) = next.handle_server_first(SERVER_FIRST).unwrap();
    assert_eq!(
        std::str::from_utf8(&client_final).unwrap(),
        std::str::from_utf8(CLIENT_FINAL).unwrap()
    );
    next.handle_server_final(SERVER_FINAL).unwrap();
}

#[test]
fn postgres_sends_empty_user_name() {
    let (first, _) = plain_client(b"pencil").client_first();
    assert_eq!(first, b"n,,n=,r=rOprNGfwEbeRWgbNEkqO");
}

#[test]
fn user_name_is_escaped() {
    let (first, _) = plain_client(b"x").with_username("a=b,c").client_first();
    assert_eq!(first, b"n,,n=a=3Db=2Cc,r=rOprNGfwEbeRWgbNEkqO");
}

#[test]
fn password_goes_through_saslprep() {
    // "pen\u{ad}cil" prepares to "pencil", so the RFC 7677 proof must come out.
    let (_, next) = plain_client("pen\u{ad}cil".as_bytes()).with_username("user").client_first();
    let (client_final, _) = next.handle_server_first(SERVER_FIRST).unwrap();
    assert_eq!(client_final, CLIENT_FINAL);
}

#[test]
fn wrong_server_signature_is_rejected() {
    let (_, next) = plain_client(b"pencil").with_username("user").client_first();
    let (_, next) = next.handle_server_first(SERVER_FIRST).unwrap();
    let bad = b"v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
    assert_eq!(next.handle_server_final(bad), Err(ScramError::InvalidServerSignature));
    assert_eq!(
        await_server_final().handle_server_final(SERVER_FINAL),
        Err(ScramError::InvalidServerSignature)
    );
}

#[test]
fn wrong_password_gives_a_different_proof() {
    let (_, next) = plain_client(b"pencil2").with_username("user").client_first();
    let (client_final, next) = next.handle_server_first(SERVER_FIRST).unwrap();
    assert_ne!(client_final, CLIENT_FINAL);
    assert_eq!(next.handle_server_final(SERVER_FINAL), Err(ScramError::InvalidServerSignature));
}

#[test]
fn server_error_surfaces() {
    assert_eq!(
        await_server_final().handle_server_final(b"e=invalid-proof"),
        Err(ScramError::Server("invalid-proof".into()))
    );
    let e = ScramError::Server("invalid-proof".into());
    assert!(e.to_string().contains("invalid-proof"));
}

#[test]
fn malformed_server_final() {
    for bad in [
        &b""[..],
        b"v=",
        b"v=AAAA", // 3 bytes, not a 32-byte signature
        b"x=abc",
        b"v=!!!!",
        b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5=", // non-canonical padding bits
        b"v=AAAA,",
        b"V=AAAA",
    ] {
        let err = await_server_final().handle_server_final(bad).unwrap_err();
        assert!(matches!(err, ScramError::Malformed { .. }), "{bad:?}: {err:?}");
    }
    let sig_and_ext = b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=,x=1";
    assert_eq!(
        await_server_final().handle_server_final(sig_and_ext),
        Err(ScramError::UnsupportedExtension)
    );
}

#[test]
fn nonce_must_extend_ours() {
    for server_first in [
        "r=rOprNGfwEbeRWgbNEkqO,s=QSXCR+Q6sek8bf92,i=1", // equal, adds nothing
        "r=XOprNGfwEbeRWgbNEkqOabc,s=QSXCR+Q6sek8bf92,i=1", // different prefix
        "r=rOprNG,s=QSXCR+Q6sek8bf92,i=1",               // shorter
        "r=abcrOprNGfwEbeRWgbNEkqO,s=QSXCR+Q6sek8bf92,i=1", // ours, but not first
    ] {
        assert_eq!(
            await_server_first().handle_server_first(server_first.as_bytes()).err(),
            Some(ScramError::NonceMismatch),
            "{server_first}"
        );
    }
}

#[test]
fn iteration_count_is_parsed_strictly() {
    let malformed =
        ScramError::Malformed { message: "server-first-message", field: "iteration count" };
    for i in ["0", "abc", "", "-1", "+1", " 1", "1 ", "01", "4096x", "1.0"] {
        assert_eq!(
            await_server_first().handle_server_first(&cheap_server_first(i)).err(),
            Some(malformed.clone()),
            "i={i:?}"
        );
    }
    for i in ["1000001", "4294967295", "4294967296", "99999999999999999999999"] {
        assert_eq!(
            await_server_first().handle_server_first(&cheap_server_first(i)).err(),
            Some(ScramError::IterationCountTooHigh),
            "i={i:?}"
        );
    }
    assert_eq!(parse_iterations(b"1000000"), Ok(MAX_ITERATIONS));
    assert_eq!(parse_iterations(b"4096"), Ok(4096));
}

#[test]
fn malformed_server_first() {
    let cases: &[(&[u8], ScramError)] = &[
        (b"", malformed("server-first-message", "nonce")),
        (
            b"s=QSXCR+Q6sek8bf92,r=rOprNGfwEbeRWgbNEkqOx,i=1",
            malformed("server-first-message", "nonce"),
        ),
        (b"r=rOprNGfwEbeRWgbNEkqOx", malformed("server-first-message", "salt")),
        (b"r=rOprNGfwEbeRWgbNEkqOx,s=***,i=1", malformed("server-first-message", "salt")),
        (b"r=rOprNGfwEbeRWgbNEkqOx,s=QSX,i=1", malformed("server-first-message", "salt")),
        (
            b"r=rOprNGfwEbeRWgbNEkqOx,s=QSXCR+Q6sek8bf92",
            malformed("server-first-message", "iteration count"),
        ),
        (
            b"r=rOprNGfwEbeRWgbNEkqO\x01,s=QSXCR+Q6sek8bf92,i=1",
            malformed("server-first-message", "nonce"),
        ),
        (
            b"r=rOprNGfwEbeRWgbNEkqOx,s=QSXCR+Q6sek8bf92,i=1,",
            malformed("server-first-message", "end of message"),
        ),
        (b"m=ext,r=rOprNGfwEbeRWgbNEkqOx,s=QSXCR+Q6sek8bf92,i=1", ScramError::UnsupportedExtension),
        (b"r=rOprNGfwEbeRWgbNEkqOx,s=QSXCR+Q6sek8bf92,i=1,x=y", ScramError::UnsupportedExtension),
    ];
    for (message, expected) in cases {
        assert_eq!(
            await_server_first().handle_server_first(message).err().as_ref(),
            Some(expected),
            "{:?}",
            String::from_utf8_lossy(message)
        );
    }
}

/// The server side of SCRAM, written out from RFC 5802 §3, to check what the client sends.
struct TestServer {
    salted_password: [u8; 32],
}

impl TestServer {
    fn new(password: &[u8]) -> Self {
        Self { salted_password: hi(password, b"salt-salt", 2) }
    }

    fn server_first(&self) -> Vec<u8> {
        format!("r={CLIENT_NONCE}srv,s={},i=2", BASE64.encode(b"salt-salt")).into_bytes()
    }

    /// Checks the proof in `client_final` and returns the server-final-message.
    fn verify(&self, client_first: &[u8], client_final: &[u8]) -> Vec<u8> {
        let bare_at = client_first.windows(3).position(|w| w == b"n=,").unwrap();
        let bare = &client_first[bare_at..];
        let proof_at = client_final.windows(3).position(|w| w == b",p=").unwrap();
        let without_proof = &client_final[..proof_at];
        let proof = BASE64.decode(&client_final[proof_at + 3..]).unwrap();
        let auth_message = [bare, b",", &self.server_first(), b",", without_proof].concat();
        let client_key = hmac(&self.salted_password, b"Client Key");
        let stored_key: [u8; 32] = Sha256::digest(client_key).into();
        let signature = hmac(&stored_key, &auth_message);
        let recovered: Vec<u8> = proof.iter().zip(signature).map(|(p, s)| p ^ s).collect();
        assert_eq!(Sha256::digest(&recovered).as_slice(), stored_key, "client proof is wrong");
        let server_key = hmac(&self.salted_password, b"Server Key");
        format!("v={}", BASE64.encode(hmac(&server_key, &auth_message))).into_bytes()
    }
}

fn run_exchange(client: ScramClient) -> (Vec<u8>, Vec<u8>) {
    let server = TestServer::new(b"hunter2");
    let (client_first, next) = client.client_first();
    let (client_final, next) = next.handle_server_first(&server.server_first()).unwrap();
    let server_final = server.verify(&client_first, &client_final);
    next.handle_server_final(&server_final).unwrap();
    (client_first, client_final)
}

#[test]
fn plus_binds_the_certificate_hash() {
    let cb_data: Vec<u8> = (0..32).collect();
    let client = ScramClient::new(
        b"hunter2",
        Mechanism::ScramSha256Plus,
        ChannelBindingData::TlsServerEndPoint(cb_data.clone()),
        CLIENT_NONCE,
    )
    .unwrap();
    assert_eq!(client.mechanism().name(), "SCRAM-SHA-256-PLUS");
    let (client_first, client_final) = run_exchange(client);
    assert_eq!(client_first, b"p=tls-server-end-point,,n=,r=rOprNGfwEbeRWgbNEkqO");
    let expected_c = BASE64.encode([&b"p=tls-server-end-point,,"[..], &cb_data].concat());
    let expected_prefix = format!("c={expected_c},r={CLIENT_NONCE}srv,p=");
    assert!(client_final.starts_with(expected_prefix.as_bytes()));
}

#[test]
fn y_flag_when_client_could_bind() {
    let client = ScramClient::new(
        b"hunter2",
        Mechanism::ScramSha256,
        ChannelBindingData::Unused,
        CLIENT_NONCE,
    )
    .unwrap();
    let (client_first, client_final) = run_exchange(client);
    assert_eq!(client_first, b"y,,n=,r=rOprNGfwEbeRWgbNEkqO");
    // base64("y,,") = "eSws"
    assert!(client_final.starts_with(b"c=eSws,r="));
}

#[test]
fn n_flag_without_binding() {
    let (client_first, client_final) = run_exchange(plain_client(b"hunter2"));
    assert_eq!(client_first, b"n,,n=,r=rOprNGfwEbeRWgbNEkqO");
    assert!(client_final.starts_with(b"c=biws,r="));
}

#[test]
fn new_checks_its_arguments() {
    let new = |mechanism, cb, nonce: &str| ScramClient::new(b"pw", mechanism, cb, nonce).err();
    use ChannelBindingData as Cb;
    use Mechanism::*;
    assert_eq!(new(ScramSha256, Cb::None, ""), Some(ScramError::InvalidNonce));
    assert_eq!(new(ScramSha256, Cb::None, "a,b"), Some(ScramError::InvalidNonce));
    assert_eq!(new(ScramSha256, Cb::None, "a b"), Some(ScramError::InvalidNonce));
    assert_eq!(new(ScramSha256, Cb::None, "caf\u{e9}"), Some(ScramError::InvalidNonce));
    assert_eq!(new(ScramSha256Plus, Cb::None, "n"), Some(ScramError::ChannelBindingMismatch));
    assert_eq!(new(ScramSha256Plus, Cb::Unused, "n"), Some(ScramError::ChannelBindingMismatch));
    let empty = Cb::TlsServerEndPoint(Vec::new());
    assert_eq!(new(ScramSha256Plus, empty, "n"), Some(ScramError::ChannelBindingMismatch));
    let data = Cb::TlsServerEndPoint(vec![1; 32]);
    assert_eq!(new(ScramSha256, data.clone(), "n"), Some(ScramError::ChannelBindingMismatch));
    assert_eq!(new(ScramSha256Plus, data, "n"), None);
    assert_eq!(new(ScramSha256, Cb::Unused, "n"), None);
}

#[test]
fn mechanism_names() {
    for m in [Mechanism::ScramSha256, Mechanism::ScramSha256Plus] {
        assert_eq!(Mechanism::from_name(m.name()), Some(m));
    }
    assert_eq!(Mechanism::from_name("scram-sha-256"), None);
}

/// Every policy × offered list × end-point data combination.
#[test]
fn mechanism_choice_table() {
    use ChannelBinding::{Disable, Prefer, Require};
    use Mechanism::{ScramSha256 as Plain, ScramSha256Plus as Plus};
    use ScramError::{ChannelBindingDisabled, ChannelBindingRequired, ChannelBindingUnavailable};
    const P: &str = "SCRAM-SHA-256";
    const PP: &str = "SCRAM-SHA-256-PLUS";
    let data: &[u8] = &[7; 32];
    let none = |offered: &[&str]| ScramError::NoSupportedMechanism { offered: offered.join(", ") };
    let offered_lists: [&[&str]; 6] = [&[], &["OAUTHBEARER"], &[P], &[PP], &[PP, P], &[P, PP]];
    for policy in [Disable, Prefer, Require] {
        for offered in offered_lists {
            for cb in [None, Some(data)] {
                let has_plain = offered.contains(&P);
                let has_plus = offered.contains(&PP);
                let expected = match (policy, has_plain, has_plus, cb.is_some()) {
                    (_, false, false, _) => Err(none(offered)),
                    (Disable, true, _, _) => Ok(Plain),
                    (Disable, false, true, _) => Err(ChannelBindingDisabled),
                    (Prefer, _, true, true) => Ok(Plus),
                    (Prefer, true, _, _) => Ok(Plain),
                    (Prefer, false, true, false) => Err(ChannelBindingUnavailable),
                    (Require, _, false, _) => Err(ChannelBindingRequired),
                    (Require, _, true, false) => Err(ChannelBindingUnavailable),
                    (Require, _, true, true) => Ok(Plus),
                };
                let got = choose_mechanism(offered.iter().copied(), policy, cb);
                assert_eq!(got, expected, "{policy:?} {offered:?} {cb:?}");
                if let Ok(m) = got {
                    let selected = ChannelBindingData::select(m, policy, cb);
                    let flag = match (m, policy, cb.is_some()) {
                        (Plus, ..) => ChannelBindingData::TlsServerEndPoint(data.to_vec()),
                        (Plain, Disable, _) | (Plain, _, false) => ChannelBindingData::None,
                        (Plain, _, true) => ChannelBindingData::Unused,
                    };
                    assert_eq!(selected, flag, "{policy:?} {offered:?} {cb:?}");
                    assert!(ScramClient::new(b"pw", m, selected, "n").is_ok());
                }
            }
        }
    }
    let err = choose_mechanism(["OAUTHBEARER", "X"], Prefer, None).unwrap_err();
    assert!(err.to_string().contains("OAUTHBEARER, X"), "{err}");
}

#[test]
fn debug_does_not_show_secrets() {
    let client = plain_client(b"hunter2");
    assert!(!format!("{client:?}").contains("hunter2"));
    let data = ChannelBindingData::TlsServerEndPoint(vec![0xab; 32]);
    assert_eq!(format!("{data:?}"), "TlsServerEndPoint(32)");
}

proptest::proptest! {
    #[test]
    fn server_first_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
        let _ = await_server_first().handle_server_first(&bytes);
    }

    #[test]
    fn server_first_after_our_nonce_never_panics(
        tail in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
    ) {
        let mut message = format!("r={CLIENT_NONCE}x,s=").into_bytes();
        message.extend_from_slice(&tail);
        let _ = await_server_first().handle_server_first(&message);
    }

    #[test]
    fn server_final_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
        let _ = await_server_final().handle_server_final(&bytes);
    }
}
