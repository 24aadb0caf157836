//! `ConnectionCore` driven by arbitrary server bytes in every startup phase, and on into the
//! ready state with requests pending.
//!
//! Input layout: `[phase] [chunk] [flags] [server bytes...]`.
//! - phase 0: TlsStart::None, the bytes answer the StartupMessage;
//! - phase 1: TlsStart::SslRequest { required: false }, the bytes start with the answer to it;
//! - phase 2: TlsStart::Direct, then `handle_tls_established(Some(cb))`;
//! - phase 3: after a canned AuthenticationOk, so the bytes hit AwaitReady and then, once they
//!   hold a ReadyForQuery, the ready state (where the harness sends a simple query, an extended
//!   request and optionally a COPY FROM STDIN);
//! - phase 4: after AuthenticationOk + ReadyForQuery: the bytes are responses to those requests;
//! - phases 5, 6, 7: after AuthenticationSASL, AuthenticationCleartextPassword and
//!   AuthenticationMD5Password.
//!
//! Checks: nothing panics; `poll_event` always ends (None or Err); after an `Err`, every later
//! call returns an `Err` too (the latch), and so does `poll_event` after `handle_eof`;
//! everything the core transmits is a well-formed frontend message stream. Except when the
//! server bytes race a TLS handshake (phase 1), feeding the bytes whole and in chunks gives
//! the same events, the same transmitted bytes and the same error.

#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use pgtusk::conn::{ConnectionCore, Event, RequestId, Response, StartupConfig, TlsStart};
use pgtusk::protocol::auth::ChannelBinding;
use pgtusk::protocol::backend::{Authentication, BackendMessage, SaslMechanisms};
use pgtusk::protocol::framing::split_frame;
use pgtusk::protocol::frontend::{FrontendMessage, StartupPacket, decode_startup, split_startup};
use pgtusk::protocol::{Format, ProtocolVersion, TransactionStatus};
use pgtusk_fuzz::{exercise_backend, exercise_error_fields, has_expensive_iteration_count};

/// Channel-binding data handed over after the (imaginary) TLS handshake.
const CB: [u8; 32] = [0x5a; 32];
/// An upper bound on events per input: far above what any input can legitimately produce, so
/// hitting it means `poll_event` loops.
const MAX_EVENTS: usize = 1 << 20;

fn config(tls: TlsStart) -> StartupConfig {
    StartupConfig {
        user: "fuzz_user".into(),
        database: Some("postgres".into()),
        password: Some(b"fuzz_pw".to_vec()),
        params: vec![("application_name".into(), "fuzz".into())],
        tls,
        channel_binding: ChannelBinding::Prefer,
        require_auth: Default::default(),
        min_protocol: ProtocolVersion::V3_0,
        max_protocol: ProtocolVersion::V3_2,
        client_nonce: *b"fixed-fuzz-nonce!!",
        max_message_len: 0,
    }
}

fn canned(msg: BackendMessage) -> Vec<u8> {
    let mut buf = bytes::BytesMut::new();
    msg.encode(&mut buf).expect("canned message");
    buf.to_vec()
}

fn prefix(phase: u8) -> Vec<u8> {
    let auth = |a| canned(BackendMessage::Authentication(a));
    match phase {
        3 => auth(Authentication::Ok),
        4 => {
            let mut p = auth(Authentication::Ok);
            p.extend(canned(BackendMessage::ReadyForQuery(TransactionStatus::Idle)));
            p
        }
        5 => auth(Authentication::Sasl(
            SaslMechanisms::new(&["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"]).expect("names"),
        )),
        6 => auth(Authentication::CleartextPassword),
        7 => auth(Authentication::Md5Password { salt: [1, 2, 3, 4] }),
        _ => Vec::new(),
    }
}

/// One run of the core over the input.
struct Run {
    core: ConnectionCore,
    flags: u8,
    /// Debug strings of the events, then the error that ended it.
    events: Vec<String>,
    transmitted: Vec<u8>,
    error: Option<String>,
    requests_sent: bool,
    /// The requests sent, for the COPY TO STDOUT fast path (`take_copy_data`).
    requests: Vec<RequestId>,
}

impl Run {
    fn new(phase: u8, flags: u8) -> Self {
        let tls = match phase {
            1 => TlsStart::SslRequest { required: false },
            2 => TlsStart::Direct,
            _ => TlsStart::None,
        };
        let core = ConnectionCore::new(config(tls)).expect("a valid config starts");
        Self {
            core,
            flags,
            events: Vec::new(),
            transmitted: Vec::new(),
            error: None,
            requests_sent: false,
            requests: Vec::new(),
        }
    }

    /// Writes everything, in pieces of varying size.
    fn transmit(&mut self) {
        let step = usize::from(self.flags % 7) + 1;
        while let Some(out) = self.core.poll_transmit() {
            assert!(!out.is_empty(), "poll_transmit returned an empty slice");
            let n = step.min(out.len());
            self.transmitted.extend_from_slice(&out[..n]);
            self.core.advance_transmit(n);
        }
        assert!(!self.core.wants_write());
    }

    /// Polls until the core needs input or fails.
    fn drain(&mut self) {
        for _ in 0..MAX_EVENTS {
            self.transmit();
            let _ = (self.core.wants_read(), self.core.transaction_status());
            let _ = (self.core.pending_requests(), self.core.in_copy_in());
            // The COPY TO STDOUT fast path must hand out exactly the CopyData events the
            // general path would.
            let fast = self.requests.iter().find_map(|&r| Some((r, self.core.take_copy_data(r)?)));
            if let Some((req, data)) = fast {
                assert!(self.error.is_none(), "COPY data after a fatal error");
                self.events.push(format!("{:?}", Event::Response(req, Response::CopyData(data))));
                continue;
            }
            match self.core.poll_event() {
                Ok(Some(ev)) => {
                    assert!(self.error.is_none(), "an event after a fatal error: {ev:?}");
                    self.events.push(format!("{ev:?}"));
                    self.react(ev);
                }
                Ok(None) => {
                    assert!(self.error.is_none(), "Ok(None) after a fatal error");
                    // Handling input can queue output (an authentication answer) without an
                    // event: write it before waiting for more input.
                    self.transmit();
                    return;
                }
                Err(e) => {
                    self.latched(e.to_string());
                    self.transmit();
                    return;
                }
            }
        }
        panic!("poll_event never returned None");
    }

    /// Records a fatal error and checks that it sticks.
    fn latched(&mut self, e: String) {
        if let Some(first) = &self.error {
            assert_eq!(first, &e, "a later call returned another error");
        }
        self.error = Some(e.clone());
        assert!(self.core.fatal_error().is_some() || !self.core.is_ready());
        for _ in 0..2 {
            match self.core.poll_event() {
                Err(again) => assert_eq!(again.to_string(), e, "the latched error changed"),
                Ok(ev) => panic!("poll_event after a fatal error returned {ev:?}"),
            }
        }
        assert!(self.core.send_query("SELECT 1").is_err(), "a query was queued after an error");
        assert!(self.core.handle_tls_established(Some(CB.to_vec())).is_err());
        assert!(self.core.send_copy_data(Bytes::from_static(b"x")).is_err());
        assert!(!self.core.is_ready());
    }

    fn react(&mut self, ev: Event) {
        match ev {
            Event::StartTls => {
                if let Err(e) = self.core.handle_tls_established(Some(CB.to_vec())) {
                    // Only a fatal error can make the expected call fail.
                    self.latched(e.to_string());
                }
            }
            Event::Ready => {
                assert!(self.core.is_ready());
                let _ = (self.core.backend_key(), self.core.protocol_version());
                let _ = self.core.parameters().count();
                if !self.requests_sent {
                    self.requests_sent = true;
                    self.send_requests();
                }
            }
            Event::Notice(f) => exercise_error_fields(&f),
            Event::Response(_, Response::Error(f)) => exercise_error_fields(&f),
            Event::Response(_, Response::CopyIn(_)) => {
                assert!(self.core.in_copy_in());
                self.core.send_copy_data(Bytes::from_static(b"1\tone\n")).expect("copy data");
                self.core.send_copy_data(Bytes::from(vec![b'x'; 5000])).expect("large copy data");
                if self.flags & 0x10 != 0 {
                    self.core.send_copy_fail("fuzz\0abort").expect("copy fail");
                } else {
                    self.core.send_copy_done().expect("copy done");
                }
            }
            Event::Response(_, Response::DataRow(row)) => {
                exercise_backend(&BackendMessage::DataRow(row));
            }
            Event::Response(_, Response::RowDescription(d)) => {
                exercise_backend(&BackendMessage::RowDescription(d));
            }
            _ => {}
        }
    }

    fn send_requests(&mut self) {
        let simple = self.core.send_query("SELECT 1; SELECT 2").expect("simple query");
        let extended = self
            .core
            .send_request(|r| {
                r.parse("", "SELECT $1::int4", &[23])?;
                r.bind("", "", &[Format::Text], &[Some(&b"42"[..])], &[Format::Binary])?;
                r.describe_portal("")?;
                r.execute("", 0)?;
                r.sync()
            })
            .expect("extended request");
        self.core
            .send_request(|r| {
                r.parse("s1", "SELECT 1", &[])?;
                r.describe_statement("s1")?;
                r.close_statement("s1")?;
                r.flush()?;
                r.sync()
            })
            .expect("describe request");
        self.requests.extend([simple, extended]);
        if self.flags & 0x20 != 0 {
            let copy = self.core.send_request(|r| r.copy_query("COPY t FROM STDIN"));
            self.requests.push(copy.expect("copy request"));
        }
        if self.flags & 0x40 != 0 {
            self.core.abandon(simple);
        }
        if self.flags & 0x80 != 0 {
            self.core
                .send_request(|r| {
                    r.query("BEGIN")?;
                    r.rollback_if_abandoned();
                    Ok(())
                })
                .map(|id| self.core.abandon(id))
                .expect("begin request");
            self.core.abandon(extended);
        }
    }

    /// Feeds `bytes` through one of the input paths, then drains.
    fn feed(&mut self, bytes: &[u8], path: u8) {
        if self.error.is_some() {
            // Input after a fatal error is ignored, but must not revive the core.
            self.core.handle_input_bytes(bytes);
            self.drain_after_error();
            return;
        }
        match path % 3 {
            0 => self.core.handle_input_bytes(bytes),
            1 => {
                let slice = self.core.recv_slice();
                let n = bytes.len().min(slice.len());
                slice[..n].copy_from_slice(&bytes[..n]);
                self.core.handle_input(n);
                if n < bytes.len() {
                    self.core.handle_input_bytes(&bytes[n..]);
                }
            }
            _ => {
                self.core.recv_buf().extend_from_slice(bytes);
                self.core.handle_input(bytes.len());
            }
        }
        self.drain();
    }

    fn drain_after_error(&mut self) {
        let e = self.error.clone().expect("an error");
        match self.core.poll_event() {
            Err(again) => assert_eq!(again.to_string(), e),
            Ok(ev) => panic!("poll_event after a fatal error returned {ev:?}"),
        }
    }

    fn eof(&mut self) {
        self.core.handle_eof();
        assert!(!self.core.wants_read());
        match self.core.poll_event() {
            Err(e) => {
                if self.error.is_none() {
                    self.events.push("<eof>".into());
                }
                self.latched(e.to_string());
            }
            Ok(ev) => panic!("poll_event after EOF returned {ev:?}"),
        }
        self.transmit();
    }
}

/// Checks that what the core sent is a well-formed frontend stream: `untagged` startup-phase
/// packets (at most), then tagged messages, each of which decodes.
fn check_transmitted(phase: u8, bytes: &[u8]) {
    let mut buf = bytes::BytesMut::from(bytes);
    if phase == 1 {
        let body = split_startup(&mut buf, 1 << 16).expect("SSLRequest").expect("whole");
        assert_eq!(decode_startup(body), Ok(StartupPacket::SslRequest));
    }
    if !buf.is_empty() {
        let body = split_startup(&mut buf, 1 << 16).expect("StartupMessage").expect("whole");
        assert!(matches!(decode_startup(body), Ok(StartupPacket::Startup(_))));
    }
    while !buf.is_empty() {
        let frame = split_frame(&mut buf, u32::MAX)
            .expect("a frontend frame")
            .expect("a whole frontend frame");
        let tag = frame.tag;
        if let Err(e) = FrontendMessage::decode(tag, frame.body) {
            panic!("the core sent a message that does not decode ({:?}): {e}", tag as char);
        }
    }
}

fn run(phase: u8, flags: u8, input: &[u8], chunk: usize, path: u8) -> Run {
    let mut run = Run::new(phase, flags);
    run.drain();
    let pre = prefix(phase);
    if !pre.is_empty() {
        run.feed(&pre, 0);
    }
    if chunk == 0 {
        run.feed(input, path);
    } else {
        for piece in input.chunks(chunk) {
            run.feed(piece, path);
        }
    }
    run.eof();
    check_transmitted(phase, &run.transmitted);
    run
}

fuzz_target!(|data: &[u8]| {
    let [phase, chunk, flags, input @ ..] = data else {
        return;
    };
    if has_expensive_iteration_count(input) {
        return;
    }
    let phase = phase % 8;
    let whole = run(phase, *flags, input, 0, 0);
    let chunk = usize::from(*chunk % 32) + 1;
    let chunked = run(phase, *flags, input, chunk, *flags >> 2);
    if phase != 1 {
        assert_eq!(whole.events, chunked.events, "events differ whole vs in chunks of {chunk}: {:?} vs {:?}", whole.error, chunked.error);
        assert_eq!(whole.error, chunked.error, "errors differ whole vs in chunks of {chunk}");
        assert_eq!(
            whole.transmitted, chunked.transmitted,
            "transmitted bytes differ whole vs in chunks of {chunk}"
        );
    }
});
