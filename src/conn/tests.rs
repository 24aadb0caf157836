//! Unit tests of the core's state machine with scripted server bytes. (The transcript tests in
//! `tests/transcript.rs` replay bytes recorded from real servers.)

use bytes::{Bytes, BytesMut};

use super::config::RequireAuth;
use super::*;
use crate::ErrorKind;
use crate::protocol::auth::ChannelBinding;
use crate::protocol::backend::{
    Authentication, BackendKeyData, BackendMessage, CommandComplete, CopyResponse, DataRow,
    ErrorFields, ParameterStatus, RowDescription,
};
use crate::protocol::{Format, ProtocolVersion, TransactionStatus};

fn startup(tls: TlsStart) -> StartupConfig {
    StartupConfig {
        user: "u".into(),
        database: Some("d".into()),
        password: Some(b"pw".to_vec()),
        params: vec![],
        tls,
        channel_binding: ChannelBinding::Prefer,
        require_auth: RequireAuth::default(),
        min_protocol: ProtocolVersion::V3_0,
        max_protocol: ProtocolVersion::V3_2,
        client_nonce: [7; 18],
        max_message_len: 0,
    }
}

fn bytes_of(msgs: &[BackendMessage]) -> Vec<u8> {
    let mut buf = BytesMut::new();
    for m in msgs {
        m.encode(&mut buf).unwrap();
    }
    buf.to_vec()
}

fn drain(core: &mut ConnectionCore) -> Vec<Event> {
    let mut out = Vec::new();
    while let Some(ev) = core.poll_event().unwrap() {
        out.push(ev);
    }
    out
}

fn clear_transmit(core: &mut ConnectionCore) -> Vec<u8> {
    let mut sent = Vec::new();
    while let Some(b) = core.poll_transmit() {
        sent.extend_from_slice(b);
        let n = b.len();
        core.advance_transmit(n);
    }
    sent
}

fn rfq(s: TransactionStatus) -> BackendMessage {
    BackendMessage::ReadyForQuery(s)
}

fn error(code: &str) -> BackendMessage {
    BackendMessage::ErrorResponse(
        ErrorFields::new(&[(b'S', "ERROR"), (b'V', "ERROR"), (b'C', code), (b'M', "boom")])
            .unwrap(),
    )
}

/// A core that finished startup with trust authentication.
fn ready_core() -> ConnectionCore {
    let mut core = ConnectionCore::new(startup(TlsStart::None)).unwrap();
    clear_transmit(&mut core);
    core.handle_input_bytes(&bytes_of(&[
        BackendMessage::Authentication(Authentication::Ok),
        BackendMessage::ParameterStatus(ParameterStatus::new("server_version", "18.1").unwrap()),
        BackendMessage::BackendKeyData(BackendKeyData::new(42, Bytes::from(vec![9; 32])).unwrap()),
        rfq(TransactionStatus::Idle),
    ]));
    let events = drain(&mut core);
    assert!(matches!(events.last(), Some(Event::Ready)), "{events:?}");
    core
}

fn responses(events: &[Event]) -> Vec<(u64, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Response(id, r) => {
                let name = format!("{r:?}");
                let name = name.split(['(', ' ']).next().unwrap_or_default().to_owned();
                Some((id.get(), name))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn startup_records_key_parameters_and_protocol() {
    let core = ready_core();
    assert!(core.is_ready());
    assert_eq!(core.parameter("server_version"), Some("18.1"));
    let key = core.backend_key().unwrap();
    assert_eq!((key.process_id(), key.secret_key().len()), (42, 32));
    assert_eq!(core.protocol_version(), ProtocolVersion::V3_2);
}

#[test]
fn negotiate_protocol_version_down_to_3_0() {
    let mut core = ConnectionCore::new(startup(TlsStart::None)).unwrap();
    core.handle_input_bytes(&bytes_of(&[
        BackendMessage::NegotiateProtocolVersion(
            crate::protocol::backend::NegotiateProtocolVersion::new(0, &["_pq_.x"]).unwrap(),
        ),
        BackendMessage::Authentication(Authentication::Ok),
        rfq(TransactionStatus::Idle),
    ]));
    drain(&mut core);
    assert_eq!(core.protocol_version(), ProtocolVersion::V3_0);
}

#[test]
fn pgbouncer_bad_packet_header_suggests_protocol_3_0() {
    let mut core = ConnectionCore::new(startup(TlsStart::None)).unwrap();
    core.handle_input_bytes(&bytes_of(&[BackendMessage::ErrorResponse(
        ErrorFields::new(&[(b'S', "FATAL"), (b'C', "08P01"), (b'M', "bad packet header")]).unwrap(),
    )]));
    let err = core.poll_event().unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some("08P01"));
    assert_eq!(core.retry_hint(), Some(Retry::ProtocolV3_0));
    // The latch: every later call fails with the same error.
    assert_eq!(core.poll_event().unwrap_err().code().map(|c| c.code()), Some("08P01"));
    assert!(core.send_query("SELECT 1").is_err());
}

#[test]
fn bytes_after_ssl_answer_are_refused() {
    let mut core = ConnectionCore::new(startup(TlsStart::SslRequest { required: true })).unwrap();
    assert_eq!(clear_transmit(&mut core), b"\0\0\0\x08\x04\xd2\x16\x2f");
    // 'S' followed by injected plaintext (CVE-2021-23222).
    core.handle_input_bytes(b"SR\0\0\0\x08\0\0\0\0");
    let err = core.poll_event().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Protocol);
    assert!(core.is_closed());
}

#[test]
fn ssl_required_but_refused() {
    let mut core = ConnectionCore::new(startup(TlsStart::SslRequest { required: true })).unwrap();
    core.handle_input_bytes(b"N");
    assert_eq!(core.poll_event().unwrap_err().kind(), ErrorKind::Tls);
}

#[test]
fn ssl_accepted_then_startup_after_handshake() {
    let mut core = ConnectionCore::new(startup(TlsStart::SslRequest { required: false })).unwrap();
    clear_transmit(&mut core);
    core.handle_input_bytes(b"S");
    assert!(matches!(core.poll_event().unwrap(), Some(Event::StartTls)));
    assert!(!core.wants_read(), "no reading during the handshake");
    core.handle_tls_established(None).unwrap();
    let sent = clear_transmit(&mut core);
    assert_eq!(&sent[4..8], &ProtocolVersion::V3_2.to_word().to_be_bytes());
    assert!(core.is_tls());
}

#[test]
fn direct_tls_starts_with_start_tls_and_sends_nothing() {
    let mut core = ConnectionCore::new(startup(TlsStart::Direct)).unwrap();
    assert!(core.poll_transmit().is_none());
    assert!(matches!(core.poll_event().unwrap(), Some(Event::StartTls)));
}

#[test]
fn require_auth_refuses_other_methods_and_missing_auth() {
    let mut cfg = startup(TlsStart::None);
    cfg.require_auth = "scram-sha-256".parse().unwrap();
    let mut core = ConnectionCore::new(cfg.clone()).unwrap();
    core.handle_input_bytes(&bytes_of(&[BackendMessage::Authentication(
        Authentication::Md5Password { salt: [1, 2, 3, 4] },
    )]));
    assert_eq!(core.poll_event().unwrap_err().kind(), ErrorKind::Auth);

    let mut core = ConnectionCore::new(cfg).unwrap();
    core.handle_input_bytes(&bytes_of(&[BackendMessage::Authentication(Authentication::Ok)]));
    assert_eq!(core.poll_event().unwrap_err().kind(), ErrorKind::Auth);
}

#[test]
fn channel_binding_require_refuses_password_auth() {
    let mut cfg = startup(TlsStart::None);
    cfg.channel_binding = ChannelBinding::Require;
    let mut core = ConnectionCore::new(cfg).unwrap();
    core.handle_input_bytes(&bytes_of(&[BackendMessage::Authentication(
        Authentication::CleartextPassword,
    )]));
    assert_eq!(core.poll_event().unwrap_err().kind(), ErrorKind::Auth);
}

#[test]
fn gss_is_refused_by_name() {
    let mut core = ConnectionCore::new(startup(TlsStart::None)).unwrap();
    core.handle_input_bytes(&bytes_of(&[BackendMessage::Authentication(Authentication::Gss)]));
    let err = core.poll_event().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(err.to_string().contains("GSSAPI"), "{err}");
}

#[test]
fn md5_password_is_sent() {
    let mut core = ConnectionCore::new(startup(TlsStart::None)).unwrap();
    clear_transmit(&mut core);
    core.handle_input_bytes(&bytes_of(&[BackendMessage::Authentication(
        Authentication::Md5Password { salt: [1, 2, 3, 4] },
    )]));
    assert!(core.poll_event().unwrap().is_none());
    let sent = clear_transmit(&mut core);
    let expected = crate::protocol::auth::md5_password(b"u", b"pw", [1, 2, 3, 4]);
    assert_eq!(sent.first(), Some(&b'p'));
    assert_eq!(&sent[5..sent.len() - 1], expected.as_bytes());
}

fn extended(core: &mut ConnectionCore, sql: &str) -> RequestId {
    core.send_request(|r| {
        r.parse("", sql, &[])?;
        r.bind::<[Option<&[u8]>]>("", "", &[], &[], &[Format::Binary])?;
        r.execute("", 0)
    })
    .unwrap()
}

#[test]
fn error_mid_pipeline_aborts_until_sync() {
    let mut core = ready_core();
    let a = extended(&mut core, "SELECT 1");
    let b = extended(&mut core, "SELECT 1/0");
    let c = extended(&mut core, "SELECT 3");
    let s = core.send_request(|r| r.sync()).unwrap();
    let d = extended(&mut core, "SELECT 4");
    let s2 = core.send_request(|r| r.sync()).unwrap();
    assert_eq!(core.pending_requests(), 6);
    core.handle_input_bytes(&bytes_of(&[
        BackendMessage::ParseComplete,
        BackendMessage::BindComplete,
        BackendMessage::DataRow(DataRow::new(&[Some(b"1")]).unwrap()),
        BackendMessage::CommandComplete(CommandComplete::new("SELECT 1").unwrap()),
        BackendMessage::ParseComplete,
        BackendMessage::BindComplete,
        error("22012"),
        rfq(TransactionStatus::Idle),
        BackendMessage::ParseComplete,
        BackendMessage::BindComplete,
        BackendMessage::CommandComplete(CommandComplete::new("SELECT 0").unwrap()),
        rfq(TransactionStatus::Idle),
    ]));
    let got = responses(&drain(&mut core));
    let id = |r: RequestId| r.get();
    let expected: Vec<(u64, String)> = [
        (id(a), "ParseComplete"),
        (id(a), "BindComplete"),
        (id(a), "DataRow"),
        (id(a), "CommandComplete"),
        (id(b), "ParseComplete"),
        (id(b), "BindComplete"),
        (id(b), "Error"),
        (id(c), "Aborted"),
        (id(c), "Aborted"),
        (id(c), "Aborted"),
        (id(s), "ReadyForQuery"),
        (id(d), "ParseComplete"),
        (id(d), "BindComplete"),
        (id(d), "CommandComplete"),
        (id(s2), "ReadyForQuery"),
    ]
    .into_iter()
    .map(|(i, n)| (i, n.to_owned()))
    .collect();
    assert_eq!(got, expected);
    assert_eq!(core.pending_requests(), 0);
}

#[test]
fn abandoned_request_is_drained_silently_and_begin_rolled_back() {
    let mut core = ready_core();
    let begin = core
        .send_request(|r| {
            r.query("BEGIN")?;
            r.rollback_if_abandoned();
            Ok(())
        })
        .unwrap();
    clear_transmit(&mut core);
    core.abandon(begin);
    // The core queued a ROLLBACK by itself, ahead of anything sent later.
    let sent = clear_transmit(&mut core);
    assert_eq!(sent, b"Q\0\0\0\x0dROLLBACK\0");
    let next = core.send_query("SELECT 1").unwrap();
    core.handle_input_bytes(&bytes_of(&[
        BackendMessage::CommandComplete(CommandComplete::new("BEGIN").unwrap()),
        rfq(TransactionStatus::InTransaction),
    ]));
    assert!(drain(&mut core).is_empty(), "abandoned responses produce no events");
    core.handle_input_bytes(&bytes_of(&[
        BackendMessage::CommandComplete(CommandComplete::new("ROLLBACK").unwrap()),
        rfq(TransactionStatus::Idle),
        BackendMessage::RowDescription(
            RowDescription::new(&[crate::protocol::backend::FieldDescription {
                name: "x",
                table_oid: 0,
                column_id: 0,
                type_oid: 23,
                type_size: 4,
                type_modifier: -1,
                format: Format::Text,
            }])
            .unwrap(),
        ),
        BackendMessage::DataRow(DataRow::new(&[Some(b"1")]).unwrap()),
        BackendMessage::CommandComplete(CommandComplete::new("SELECT 1").unwrap()),
        rfq(TransactionStatus::Idle),
    ]));
    let got = responses(&drain(&mut core));
    assert!(got.iter().all(|(id, _)| *id == next.get()), "{got:?}");
    assert_eq!(got.last().map(|(_, n)| n.as_str()), Some("ReadyForQuery"));
    assert_eq!(core.transaction_status(), TransactionStatus::Idle);
}

#[test]
fn copy_in_flow_and_misuse() {
    let mut core = ready_core();
    assert_eq!(
        core.send_copy_data(Bytes::from_static(b"x")).unwrap_err().kind(),
        ErrorKind::Misuse
    );
    let req = core.send_request(|r| r.copy_query("COPY t FROM STDIN")).unwrap();
    clear_transmit(&mut core);
    core.handle_input_bytes(&bytes_of(&[BackendMessage::CopyInResponse(
        CopyResponse::new(Format::Text, &[Format::Text]).unwrap(),
    )]));
    let got = responses(&drain(&mut core));
    assert_eq!(got, vec![(req.get(), "CopyIn".to_owned())]);
    assert!(core.in_copy_in());
    assert_eq!(core.send_query("SELECT 1").unwrap_err().kind(), ErrorKind::Misuse);
    core.send_copy_data(Bytes::from_static(b"1\n")).unwrap();
    core.send_copy_data(Bytes::from(vec![b'2'; 10_000])).unwrap();
    core.send_copy_done().unwrap();
    let sent = clear_transmit(&mut core);
    assert_eq!(sent.len(), 5 + 2 + 5 + 10_000 + 5);
    assert_eq!(&sent[sent.len() - 5..], b"c\0\0\0\x04");
}

#[test]
fn unexpected_copy_in_is_failed_by_the_core() {
    let mut core = ready_core();
    let req = extended(&mut core, "COPY t FROM STDIN");
    core.send_request(|r| r.sync()).unwrap();
    clear_transmit(&mut core);
    core.handle_input_bytes(&bytes_of(&[
        BackendMessage::ParseComplete,
        BackendMessage::BindComplete,
        BackendMessage::CopyInResponse(CopyResponse::new(Format::Text, &[]).unwrap()),
    ]));
    let got = responses(&drain(&mut core));
    assert_eq!(got.len(), 2, "{got:?}");
    let sent = clear_transmit(&mut core);
    // CopyFail then an extra Sync (the server ignored the first one in COPY mode).
    assert_eq!(sent.first(), Some(&b'f'));
    assert_eq!(&sent[sent.len() - 5..], b"S\0\0\0\x04");
    let _ = req;
}

#[test]
fn protocol_violation_is_fatal() {
    let mut core = ready_core();
    core.handle_input_bytes(&bytes_of(&[BackendMessage::ParseComplete]));
    let err = core.poll_event().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Protocol);
    assert!(core.is_closed());
    assert_eq!(core.send_query("SELECT 1").unwrap_err().kind(), ErrorKind::Protocol);
}

#[test]
fn oversized_message_is_refused_before_buffering() {
    let mut core = ready_core();
    core.send_query("SELECT 1").unwrap();
    core.handle_input_bytes(b"D\x7f\xff\xff\xff");
    assert_eq!(core.poll_event().unwrap_err().kind(), ErrorKind::Decode);
}

#[test]
fn eof_closes_and_fails_pending() {
    let mut core = ready_core();
    core.send_query("SELECT pg_sleep(10)").unwrap();
    core.handle_eof();
    assert_eq!(core.poll_event().unwrap_err().kind(), ErrorKind::Closed);
}

#[test]
fn failed_request_build_leaves_nothing_behind() {
    let mut core = ready_core();
    clear_transmit(&mut core);
    let err = core
        .send_request(|r| {
            r.query("SELECT 1")?;
            r.query("bad\0sql")
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Encode);
    assert!(core.poll_transmit().is_none());
    assert_eq!(core.pending_requests(), 0);
}

#[test]
fn notices_and_notifications_arrive_any_time() {
    let mut core = ready_core();
    core.handle_input_bytes(&bytes_of(&[
        BackendMessage::NoticeResponse(
            ErrorFields::new(&[(b'S', "NOTICE"), (b'M', "hi")]).unwrap(),
        ),
        BackendMessage::NotificationResponse(
            crate::protocol::backend::NotificationResponse::new(7, "c", "p").unwrap(),
        ),
        BackendMessage::ParameterStatus(ParameterStatus::new("TimeZone", "UTC").unwrap()),
    ]));
    let events = drain(&mut core);
    assert!(matches!(
        events.as_slice(),
        [Event::Notice(_), Event::Notification(_), Event::ParameterStatus(_)]
    ));
    assert_eq!(core.parameter("TimeZone"), Some("UTC"));
}

#[test]
fn fatal_error_without_request_closes() {
    let mut core = ready_core();
    core.handle_input_bytes(&bytes_of(&[BackendMessage::ErrorResponse(
        ErrorFields::new(&[
            (b'S', "FATAL"),
            (b'V', "FATAL"),
            (b'C', "57P01"),
            (b'M', "terminating"),
        ])
        .unwrap(),
    )]));
    let err = core.poll_event().unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some("57P01"));
    assert!(core.is_closed());
}

#[test]
fn chunked_input_gives_the_same_events() {
    let script = bytes_of(&[
        BackendMessage::ParseComplete,
        BackendMessage::BindComplete,
        BackendMessage::DataRow(DataRow::new(&[Some(b"1"), None]).unwrap()),
        BackendMessage::CommandComplete(CommandComplete::new("SELECT 1").unwrap()),
        rfq(TransactionStatus::Idle),
    ]);
    let run = |chunk: usize| {
        let mut core = ready_core();
        extended(&mut core, "SELECT 1");
        core.send_request(|r| r.sync()).unwrap();
        let mut events = Vec::new();
        for part in script.chunks(chunk) {
            core.handle_input_bytes(part);
            events.extend(drain(&mut core));
        }
        format!("{:?}", responses(&events))
    };
    assert_eq!(run(script.len()), run(1));
}

#[test]
fn an_unfilled_recv_slice_is_not_server_data() {
    let mut core = ConnectionCore::new(startup(TlsStart::None)).unwrap();
    let _ = core.recv_slice(); // the read failed: no handle_input
    let auth_ok = bytes_of(&[BackendMessage::Authentication(Authentication::Ok)]);
    let buf = core.recv_slice();
    buf[..auth_ok.len()].copy_from_slice(&auth_ok);
    core.handle_input(auth_ok.len());
    assert!(core.poll_event().unwrap().is_none());
    let _ = core.recv_slice();
    assert!(core.poll_event().unwrap().is_none(), "zeros must not be parsed");
}

#[test]
fn fatal_report_for_an_abandoned_request_closes_at_once() {
    let mut core = ready_core();
    let req = core.send_query("SELECT pg_sleep(10)").unwrap();
    core.abandon(req);
    core.handle_input_bytes(&bytes_of(&[BackendMessage::ErrorResponse(
        ErrorFields::new(&[(b'S', "FATAL"), (b'V', "FATAL"), (b'C', "57P01"), (b'M', "bye")])
            .unwrap(),
    )]));
    let err = core.poll_event().unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some("57P01"));
}

/// A ready core with a text COPY TO STDOUT started (its CopyOutResponse handled).
fn copy_out_started() -> (ConnectionCore, RequestId) {
    let mut core = ready_core();
    let req = core.send_request(|r| r.copy_query("COPY t TO STDOUT")).unwrap();
    clear_transmit(&mut core);
    core.handle_input_bytes(&bytes_of(&[BackendMessage::CopyOutResponse(
        CopyResponse::new(Format::Text, &[Format::Text]).unwrap(),
    )]));
    assert_eq!(responses(&drain(&mut core)), vec![(req.get(), "CopyOut".to_owned())]);
    (core, req)
}

#[test]
fn copy_out_data_fast_path_agrees_with_events() {
    let mut core = ready_core();
    let req = core.send_request(|r| r.copy_query("COPY t TO STDOUT")).unwrap();
    clear_transmit(&mut core);
    // Nothing before the COPY started.
    core.handle_input_bytes(&bytes_of(&[BackendMessage::CopyData(Bytes::from_static(b"x"))]));
    assert_eq!(core.take_copy_data(req), None);
    let (mut core, req) = copy_out_started();
    let stream = bytes_of(&[
        BackendMessage::CopyData(Bytes::from_static(b"1\n")),
        BackendMessage::CopyData(Bytes::from_static(b"22\n")),
        BackendMessage::NoticeResponse(
            ErrorFields::new(&[(b'S', "NOTICE"), (b'C', "00000"), (b'M', "hi")]).unwrap(),
        ),
        BackendMessage::CopyData(Bytes::from_static(b"333\n")),
        BackendMessage::CopyDone,
    ]);
    // The first message in two pieces: nothing until it is complete.
    core.handle_input_bytes(&stream[..4]);
    assert_eq!(core.take_copy_data(req), None);
    assert_eq!(core.take_copy_data(RequestId(req.get() + 1)), None);
    core.handle_input_bytes(&stream[4..]);
    assert_eq!(core.take_copy_data(req).as_deref(), Some(&b"1\n"[..]));
    assert_eq!(core.take_copy_data(req).as_deref(), Some(&b"22\n"[..]));
    // A notice is not data: the events report it, then the fast path goes on.
    assert_eq!(core.take_copy_data(req), None);
    assert!(matches!(core.poll_event().unwrap(), Some(Event::Notice(_))));
    assert_eq!(core.take_copy_data(req).as_deref(), Some(&b"333\n"[..]));
    assert_eq!(core.take_copy_data(req), None);
    assert_eq!(responses(&drain(&mut core)), vec![(req.get(), "CopyDone".to_owned())]);
}

#[test]
fn copy_out_frames_hold_every_complete_data_message_in_order() {
    let (mut core, req) = copy_out_started();
    let stream = bytes_of(&[
        BackendMessage::CopyData(Bytes::from_static(b"1\n")),
        BackendMessage::CopyData(Bytes::new()),
        BackendMessage::CopyData(Bytes::from_static(b"22\n")),
        BackendMessage::NoticeResponse(
            ErrorFields::new(&[(b'S', "NOTICE"), (b'C', "00000"), (b'M', "hi")]).unwrap(),
        ),
        BackendMessage::CopyData(Bytes::from_static(b"333\n")),
        BackendMessage::CopyData(Bytes::from_static(b"4444\n")),
        BackendMessage::CopyDone,
    ]);
    // Everything up to the notice, but the last message only once it is complete.
    let cut = stream.len() - 9;
    core.handle_input_bytes(&stream[..cut]);
    assert!(core.take_copy_frames(RequestId(req.get() + 1)).is_none());
    let frames = core.take_copy_frames(req).expect("three messages");
    assert_eq!(frames.collect::<Vec<_>>(), [&b"1\n"[..], b"", b"22\n"]);
    assert!(core.take_copy_frames(req).is_none(), "a notice is next");
    assert!(matches!(core.poll_event().unwrap(), Some(Event::Notice(_))));
    let frames = core.take_copy_frames(req).expect("one complete message");
    assert_eq!(frames.collect::<Vec<_>>(), [&b"333\n"[..]]);
    assert!(core.take_copy_frames(req).is_none(), "the rest is incomplete");
    core.handle_input_bytes(&stream[cut..]);
    let mut frames = core.take_copy_frames(req).expect("the last message");
    assert!(!frames.is_empty());
    assert_eq!(frames.next().as_deref(), Some(&b"4444\n"[..]));
    assert!(frames.is_empty() && frames.next().is_none());
    assert!(core.take_copy_frames(req).is_none());
    assert_eq!(responses(&drain(&mut core)), vec![(req.get(), "CopyDone".to_owned())]);
}

/// A PortalSuspended or EmptyQueryResponse during a COPY TO STDOUT (only CopyDone or an error
/// ends one) is a protocol error that closes the core; neither COPY fast path hands out the
/// CopyData behind it (found by the `core_fast_paths` fuzz target, when such a message still
/// ended the Execute and left the COPY state set).
#[test]
fn a_copy_is_not_ended_by_portal_suspended_or_empty_query() {
    for end in [BackendMessage::PortalSuspended, BackendMessage::EmptyQueryResponse] {
        let mut core = ready_core();
        let req = core
            .send_request(|r| {
                r.parse("", "COPY t TO STDOUT", &[])?;
                r.bind::<[Option<&[u8]>]>("", "", &[], &[], &[])?;
                r.execute("", 0)?;
                r.sync()
            })
            .unwrap();
        clear_transmit(&mut core);
        core.handle_input_bytes(&bytes_of(&[
            BackendMessage::ParseComplete,
            BackendMessage::BindComplete,
            BackendMessage::CopyOutResponse(
                CopyResponse::new(Format::Text, &[Format::Text]).unwrap(),
            ),
            end,
            BackendMessage::CopyData(Bytes::from_static(b"x\n")),
        ]));
        let events = [(); 3].map(|()| core.poll_event().unwrap());
        assert!(events.iter().all(Option::is_some), "{events:?}");
        assert_eq!(core.take_copy_data(req), None);
        assert!(core.take_copy_frames(req).is_none());
        let err = core.poll_event().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Protocol, "{err:?}");
        assert!(core.is_closed());
        assert!(core.take_copy_frames(req).is_none());
    }
}

/// The fast path for a statement's usual answer (`take_routine_response`) reports a malformed
/// body the way the general path does: a decode error that closes the core.
#[test]
fn malformed_routine_messages_are_fatal_on_the_fast_path() {
    // CommandComplete whose tag has no NUL; DataRow that declares 2 values and holds none.
    for bad in [&b"C\0\0\0\x08SELE"[..], &b"D\0\0\0\x06\0\x02"[..]] {
        let mut core = ready_core();
        extended(&mut core, "SELECT 1");
        core.send_request(|r| r.sync()).unwrap();
        let mut input = bytes_of(&[BackendMessage::ParseComplete, BackendMessage::BindComplete]);
        input.extend_from_slice(bad);
        core.handle_input_bytes(&input);
        let events = [core.poll_event().unwrap(), core.poll_event().unwrap()];
        assert!(events.iter().all(Option::is_some), "{events:?}");
        let err = core.poll_event().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{err:?}");
        assert!(core.is_closed());
    }
}

/// A command tag that is not UTF-8 is refused on the fast path too.
#[test]
fn non_utf8_command_tag_is_refused() {
    let mut core = ready_core();
    extended(&mut core, "SELECT 1");
    let mut input = bytes_of(&[BackendMessage::ParseComplete, BackendMessage::BindComplete]);
    input.extend_from_slice(b"C\0\0\0\x07\xff\xfe\0");
    core.handle_input_bytes(&input);
    drain_until_err(&mut core);
    assert!(core.is_closed());
}

fn drain_until_err(core: &mut ConnectionCore) {
    loop {
        match core.poll_event() {
            Ok(Some(_)) => {}
            Ok(None) => panic!("no error"),
            Err(_) => return,
        }
    }
}

#[test]
fn reads_are_batched_only_while_one_answer_streams_in_bulk() {
    let (mut core, req) = copy_out_started();
    assert_eq!(core.read_wake_threshold(), 1);
    let chunk = bytes_of(&[BackendMessage::CopyData(Bytes::from(vec![b'x'; 64 * 1024 - 5]))]);
    let feed = |core: &mut ConnectionCore, n: usize| {
        for _ in 0..n {
            core.handle_input_bytes(&chunk);
            while core.take_copy_data(req).is_some() {}
        }
    };
    // Up to 4 MiB: every byte wakes the reader.
    feed(&mut core, 63);
    assert_eq!(core.read_wake_threshold(), 1);
    feed(&mut core, 1);
    assert_eq!(core.read_wake_threshold(), 64 * 1024);
    // A bounded wait that ran out: back to waking on any byte, for another 4 MiB.
    core.read_batch_expired();
    assert_eq!(core.read_wake_threshold(), 1);
    feed(&mut core, 63);
    assert_eq!(core.read_wake_threshold(), 1);
    feed(&mut core, 1);
    assert_eq!(core.read_wake_threshold(), 64 * 1024);
    // The answer ends: nothing is owed, so a wait (for notifications, say) wakes on any byte.
    core.handle_input_bytes(&bytes_of(&[
        BackendMessage::CopyDone,
        BackendMessage::CommandComplete(CommandComplete::new("COPY 1").unwrap()),
        rfq(TransactionStatus::Idle),
    ]));
    drain(&mut core);
    assert_eq!(core.pending_requests(), 0);
    assert_eq!(core.read_wake_threshold(), 1);
    // Bulk again, then a write: a new exchange starts unbatched.
    let req = core.send_request(|r| r.copy_query("COPY t TO STDOUT")).unwrap();
    clear_transmit(&mut core);
    core.handle_input_bytes(&bytes_of(&[BackendMessage::CopyOutResponse(
        CopyResponse::new(Format::Text, &[Format::Text]).unwrap(),
    )]));
    drain(&mut core);
    for _ in 0..64 {
        core.handle_input_bytes(&chunk);
        while core.take_copy_data(req).is_some() {}
    }
    assert_eq!(core.read_wake_threshold(), 64 * 1024);
    core.abandon(req);
    core.send_request(|r| r.query("SELECT 1")).unwrap();
    assert_eq!(core.read_wake_threshold(), 64 * 1024, "queued, not written yet");
    clear_transmit(&mut core);
    assert_eq!(core.read_wake_threshold(), 1);
}

#[test]
fn quiet_until_a_request_is_queued_and_again_after_its_answer() {
    let mut core = ready_core();
    assert!(core.is_quiet());
    let req = core.send_query("SELECT 1").unwrap();
    assert!(!core.is_quiet(), "queued output");
    clear_transmit(&mut core);
    assert!(!core.is_quiet(), "an answer owed");
    core.abandon(req);
    assert!(!core.is_quiet(), "abandoned, still owed");
    core.handle_input_bytes(&bytes_of(&[
        BackendMessage::EmptyQueryResponse,
        rfq(TransactionStatus::Idle),
    ]));
    drain(&mut core);
    assert!(core.is_quiet());
}
