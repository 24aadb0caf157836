//! Differential: `ConnectionCore`'s fast paths against its general path.
//!
//! `poll_event` answers the messages of a cached statement (ParseComplete, BindComplete,
//! DataRow, CommandComplete, ReadyForQuery) straight from the bytes (`take_routine_response`),
//! and a COPY TO STDOUT reader takes CopyData payloads with `take_copy_data` (one at a time) or
//! `take_copy_frames` (every complete one at once, as the drivers do). Both promise to
//! give exactly what the general decode-and-route path gives. Here two cores in the ready state,
//! with the same requests pending, get the same server bytes in the same chunks: core A as the
//! drivers run it (`take_copy_data` for the requests before each `poll_event`), core B with the
//! fast paths off (`set_general_path_only`, a `cfg(fuzzing)` hook).
//!
//! Input layout: `[setup] [kind; n] [chunk] [server bytes...]`, where `n = setup % 4 + 1`.
//! - `setup` bits 2-3: how the bytes are handed over (`handle_input_bytes`, `recv_slice`,
//!   `recv_buf`, or `handle_input_bytes` followed by a `recv_slice` that is never filled);
//!   bits 4-6: the write size; bit 7: a ReadyForQuery queues one more request (up to four).
//! - `kind`: bits 0-2 pick the request (see `Kind`), bit 6 asks for `rollback_if_abandoned`,
//!   bit 7 abandons it at once; bit 3 of the first one makes core A read COPY data with
//!   `take_copy_frames` instead of `take_copy_data`.
//! - `chunk`: 0 feeds the bytes whole, otherwise in pieces of `chunk % 64 + 1` bytes (every
//!   eighth piece `chunk / 64 + 1` bytes, so that small and large pieces mix).
//!
//! Checks: nothing panics; `poll_event` always ends; A and B give the same events in the same
//! order (A's `take_copy_data` payloads counted as the `Response::CopyData` events B gives), the
//! same error (kind and message) at the same point, the same state after every piece (transaction
//! status, pending requests, COPY, closed) and the same transmitted bytes.

#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use pgtusk::conn::{ConnectionCore, Event, RequestId, Response, StartupConfig, TlsStart};
use pgtusk::protocol::auth::ChannelBinding;
use pgtusk::protocol::{Format, ProtocolVersion};
use pgtusk_fuzz::frame;

/// Far above what any input can produce per drain: hitting it means `poll_event` loops.
const MAX_EVENTS: usize = 1 << 20;
/// Requests queued by ReadyForQuery events (setup bit 7), at most.
const MAX_REQUEUED: usize = 4;

fn config() -> StartupConfig {
    StartupConfig {
        user: "fuzz_user".into(),
        database: Some("postgres".into()),
        password: None,
        params: Vec::new(),
        tls: TlsStart::None,
        channel_binding: ChannelBinding::Disable,
        require_auth: Default::default(),
        min_protocol: ProtocolVersion::V3_0,
        max_protocol: ProtocolVersion::V3_0,
        client_nonce: *b"fixed-fuzz-nonce!!",
        max_message_len: 0,
    }
}

/// What one request sends (the `kind` byte's low three bits).
fn send(core: &mut ConnectionCore, kind: u8) -> RequestId {
    let text = [Format::Text];
    let bin = [Format::Binary];
    let built = match kind & 7 {
        // A simple query with two statements.
        0 => core.send_query("SELECT 1; SELECT 2"),
        // A statement prepared on the fly: Parse, Bind, Describe portal, Execute, Sync.
        1 => core.send_request(|r| {
            r.parse("", "SELECT $1::int4", &[23])?;
            r.bind("", "", &text, &[Some(&b"42"[..])], &bin)?;
            r.describe_portal("")?;
            r.execute("", 0)?;
            r.sync()
        }),
        // A cached statement: Bind, Execute, Sync (the fast path's bread and butter).
        2 => core.send_request(|r| {
            r.bind("", "s1", &[], &[None::<&[u8]>; 0], &text)?;
            r.execute("", 0)?;
            r.sync()
        }),
        // A portal read in batches: Execute with a row limit, then Sync.
        3 => core.send_request(|r| {
            r.bind("p1", "s1", &bin, &[Some(&[0, 0, 0, 7][..]), None], &bin)?;
            r.execute("p1", 2)?;
            r.close_portal("p1")?;
            r.sync()
        }),
        // COPY TO STDOUT, as the drivers send it (a simple query).
        4 => core.send_query("COPY t TO STDOUT"),
        // COPY FROM STDIN (the harness streams data when CopyInResponse comes).
        5 => core.send_request(|r| r.copy_query("COPY t FROM STDIN")),
        // A pipelined pair without a Sync in between (Flush), then the statement described.
        6 => core.send_request(|r| {
            r.parse("s2", "SELECT 1", &[])?;
            r.bind("", "s2", &[], &[None::<&[u8]>; 0], &[])?;
            r.execute("", 0)?;
            r.flush()?;
            r.describe_statement("s2")?;
            r.close_statement("s2")?;
            r.sync()
        }),
        // COPY TO STDOUT through the extended protocol, two Executes in one request.
        _ => core.send_request(|r| {
            r.parse("", "COPY t TO STDOUT", &[])?;
            r.bind("", "", &[], &[None::<&[u8]>; 0], &[])?;
            r.execute("", 0)?;
            r.bind("", "s1", &[], &[None::<&[u8]>; 0], &text)?;
            r.execute("", 0)?;
            r.sync()
        }),
    };
    let req = built.expect("a request in the ready state");
    if kind & 0x40 != 0 {
        core.send_request(|r| {
            r.query("BEGIN")?;
            r.rollback_if_abandoned();
            Ok(())
        })
        .map(|begin| core.abandon(begin))
        .expect("begin request");
    }
    if kind & 0x80 != 0 {
        core.abandon(req);
    }
    req
}

/// One core over the input.
struct Run {
    core: ConnectionCore,
    /// Core A: with the fast paths, and `take_copy_data` called as the drivers do.
    fast: bool,
    setup: u8,
    kinds: Vec<u8>,
    requeued: usize,
    requests: Vec<RequestId>,
    /// Events, state snapshots and the error, in order, as strings.
    log: Vec<String>,
    transmitted: Vec<u8>,
    error: Option<String>,
}

impl Run {
    fn new(fast: bool, setup: u8, kinds: &[u8]) -> Self {
        let mut core = ConnectionCore::new(config()).expect("a valid config starts");
        core.set_general_path_only(!fast);
        let mut run = Self {
            core,
            fast,
            setup,
            kinds: kinds.to_vec(),
            requeued: 0,
            requests: Vec::new(),
            log: Vec::new(),
            transmitted: Vec::new(),
            error: None,
        };
        run.transmit();
        let mut ready = frame(b'R', &0i32.to_be_bytes());
        ready.extend(frame(b'Z', b"I"));
        run.core.handle_input_bytes(&ready);
        match run.core.poll_event() {
            Ok(Some(Event::Ready)) => {}
            other => panic!("the canned startup did not end in Ready: {other:?}"),
        }
        assert!(matches!(run.core.poll_event(), Ok(None)));
        for &kind in kinds {
            let req = send(&mut run.core, kind);
            run.requests.push(req);
        }
        run.transmit();
        run
    }

    /// Writes everything, in pieces of the size the input chose.
    fn transmit(&mut self) {
        let step = usize::from((self.setup >> 4) & 7) * 5 + 1;
        while let Some(out) = self.core.poll_transmit() {
            assert!(!out.is_empty(), "poll_transmit returned an empty slice");
            let n = step.min(out.len());
            self.transmitted.extend_from_slice(&out[..n]);
            self.core.advance_transmit(n);
        }
    }

    fn snapshot(&mut self) {
        let c = &self.core;
        let state = format!(
            "state: {:?} pending={} copy_in={} wants_read={} ready={} closed={}",
            c.transaction_status(),
            c.pending_requests(),
            c.in_copy_in(),
            c.wants_read(),
            c.is_ready(),
            c.is_closed(),
        );
        self.log.push(state);
    }

    /// Polls until the core needs input or fails.
    fn drain(&mut self) {
        for _ in 0..MAX_EVENTS {
            self.transmit();
            if self.fast {
                let frames = self.kinds.first().is_some_and(|k| k & 8 != 0);
                let taken = self.requests.iter().find_map(|&r| {
                    if frames {
                        Some((r, self.core.take_copy_frames(r)?.collect()))
                    } else {
                        Some((r, vec![self.core.take_copy_data(r)?]))
                    }
                });
                if let Some((req, payloads)) = taken {
                    let payloads: Vec<Bytes> = payloads;
                    assert!(!payloads.is_empty(), "an empty run of COPY data");
                    assert!(self.error.is_none(), "COPY data after a fatal error");
                    for data in payloads {
                        let ev = Event::Response(req, Response::CopyData(data));
                        self.log.push(format!("{ev:?}"));
                    }
                    continue;
                }
            }
            match self.core.poll_event() {
                Ok(Some(ev)) => {
                    assert!(self.error.is_none(), "an event after a fatal error: {ev:?}");
                    self.log.push(format!("{ev:?}"));
                    self.react(ev);
                }
                Ok(None) => {
                    assert!(self.error.is_none(), "Ok(None) after a fatal error");
                    self.transmit();
                    return;
                }
                Err(e) => {
                    let e = format!("error {:?}: {e}", e.kind());
                    match &self.error {
                        Some(first) => assert_eq!(first, &e, "the latched error changed"),
                        None => self.log.push(e.clone()),
                    }
                    self.error = Some(e);
                    self.transmit();
                    return;
                }
            }
        }
        panic!("poll_event never returned None");
    }

    fn react(&mut self, ev: Event) {
        match ev {
            Event::Response(_, Response::CopyIn(_)) => {
                self.core.send_copy_data(Bytes::from_static(b"1\tone\n")).expect("copy data");
                self.core.send_copy_data(Bytes::from(vec![b'x'; 5000])).expect("large copy data");
                self.core.send_copy_done().expect("copy done");
            }
            Event::Response(_, Response::ReadyForQuery(_))
                if self.setup & 0x80 != 0 && self.requeued < MAX_REQUEUED =>
            {
                let kind = self.kinds[self.requeued % self.kinds.len()].rotate_left(3);
                self.requeued += 1;
                if self.core.is_ready() && !self.core.in_copy_in() {
                    let req = send(&mut self.core, kind);
                    self.requests.push(req);
                }
            }
            _ => {}
        }
    }

    fn feed(&mut self, bytes: &[u8]) {
        match (self.setup >> 2) & 3 {
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
            2 => {
                self.core.recv_buf().extend_from_slice(bytes);
                self.core.handle_input(bytes.len());
            }
            _ => {
                // A read that failed after `recv_slice` handed out room: the zeros are not data.
                self.core.handle_input_bytes(bytes);
                let _ = self.core.recv_slice();
            }
        }
        self.drain();
        self.snapshot();
    }

    fn eof(&mut self) {
        self.core.handle_eof();
        self.drain();
        self.snapshot();
    }
}

fn run(fast: bool, setup: u8, kinds: &[u8], chunk: u8, input: &[u8]) -> Run {
    let mut run = Run::new(fast, setup, kinds);
    if chunk == 0 {
        run.feed(input);
    } else {
        let small = usize::from(chunk % 64) + 1;
        let large = usize::from(chunk / 64) + 1;
        let mut rest = input;
        let mut i = 0;
        while !rest.is_empty() {
            let n = if i % 8 == 7 { large } else { small }.min(rest.len());
            run.feed(&rest[..n]);
            rest = &rest[n..];
            i += 1;
        }
    }
    run.eof();
    run
}

fuzz_target!(|data: &[u8]| {
    let Some((&setup, rest)) = data.split_first() else {
        return;
    };
    let n = usize::from(setup % 4) + 1;
    if rest.len() < n + 1 {
        return;
    }
    let (kinds, rest) = rest.split_at(n);
    let (chunk, input) = (rest[0], &rest[1..]);
    let a = run(true, setup, kinds, chunk, input);
    let b = run(false, setup, kinds, chunk, input);
    if a.log != b.log {
        let at = a.log.iter().zip(&b.log).take_while(|(x, y)| x == y).count();
        panic!(
            "fast and general paths differ at entry {at}:\n  fast:    {:?}\n  general: {:?}\n\
             (fast log {} entries, general {}; previous: {:?})",
            a.log.get(at),
            b.log.get(at),
            a.log.len(),
            b.log.len(),
            at.checked_sub(1).and_then(|p| a.log.get(p)),
        );
    }
    assert_eq!(a.error, b.error, "the errors differ");
    assert_eq!(a.transmitted, b.transmitted, "the transmitted bytes differ");
});
