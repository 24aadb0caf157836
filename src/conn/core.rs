//! [`ConnectionCore`]: the sans-IO connection state machine.

use std::collections::VecDeque;
use std::io::IoSlice;

use bytes::{Buf, Bytes, BytesMut};

use crate::error::{DbError, Error, ErrorKind};
use crate::protocol::backend::{
    BackendKeyData, BackendMessage, CommandComplete, DataRow, ErrorFields,
};
use crate::protocol::framing::{DEFAULT_MAX_MESSAGE_LEN, split_frame};
use crate::protocol::frontend::{CopyData, CopyDone, CopyFail, Sync, Terminate};
use crate::protocol::{ProtocolVersion, TransactionStatus};

use super::event::{Event, RequestId, Response};
use super::queue::{Expect, Pending};
use super::request::RequestBuilder;
use super::startup::{Retry, Startup, StartupConfig, Step};

/// The first read buffer size, and the largest the adaptive read size grows to.
const READ_MIN: usize = 8 * 1024;
const READ_MAX: usize = 1024 * 1024;
/// Payloads at least this large are queued as their own chunk instead of being copied into
/// the write buffer (a vectored write sends them).
const ZERO_COPY_MIN: usize = 4 * 1024;
/// Startup messages are small; anything larger before the first ReadyForQuery is hostile.
const STARTUP_MAX_MESSAGE_LEN: u32 = 1024 * 1024;
/// Read batching (see [`ConnectionCore::read_wake_threshold`]): how much of one answer must
/// have streamed in, with nothing sent since, before waits gather [`BATCH_BYTES`] at a time.
const BATCH_AFTER: usize = 4 * 1024 * 1024;
/// How many bytes a batched wait lets the kernel gather before it wakes the driver.
const BATCH_BYTES: usize = 64 * 1024;

/// Where the connection is in its life.
enum State {
    Startup(Box<Startup>),
    Ready,
    /// Terminate was sent; nothing more can be queued.
    Closing,
    /// A fatal error happened (or EOF); the error is returned by every call.
    Closed(Error),
}

/// The COPY sub-protocol state of the request at the front.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Copy {
    None,
    /// CopyInResponse received; CopyData may be sent until CopyDone or CopyFail.
    In,
    /// CopyDone or CopyFail sent; waiting for CommandComplete or ErrorResponse.
    InFinished,
    /// CopyOutResponse received; CopyData arrives until CopyDone.
    Out,
}

/// The sans-IO PostgreSQL connection: startup and authentication, the request queue, pipeline
/// and COPY bookkeeping. It owns its read and write buffers and does no IO, takes no clock and
/// has no randomness of its own (the SCRAM nonce comes in [`StartupConfig`]).
///
/// # Call order
///
/// An IO driver (the tokio and std drivers in this crate, or your own) runs this loop:
///
/// ```text
///   ConnectionCore::new(startup_config)
///   loop {
///       while let Some(bytes) = poll_transmit() { n = socket.write(bytes); advance_transmit(n) }
///       while let Some(event) = poll_event()? { ... Event::StartTls => handshake, then
///                                                handle_tls_established(cb_data) ... }
///       if it needs more: n = socket.read(recv_buf()); if n == 0 { handle_eof() } else
///                         { handle_input(n) }
///   }
/// ```
///
/// Commands (`send_*`) queue frontend messages and return a [`RequestId`]; every response event
/// names the request it answers. A command in the wrong state (COPY data outside COPY, a query
/// before startup finished) is an [`ErrorKind::Misuse`] error and changes nothing.
///
/// Output is consumed only after it was written (`advance_transmit`), and a request can be
/// abandoned ([`abandon`](Self::abandon)) at any point: its remaining responses are consumed
/// silently, so a caller that drops a half-finished call never desynchronises the connection.
///
/// A decode error or a protocol violation is fatal: the core moves to closed and returns the
/// same error from every later call. A server ErrorResponse is scoped to its request.
///
/// # Fast paths
///
/// `poll_event` answers the routine messages of a request (ParseComplete, BindComplete,
/// DataRow, CommandComplete, ReadyForQuery) straight from the read buffer, and a COPY TO
/// STDOUT reader can take data without events: [`take_copy_data`](Self::take_copy_data) one
/// payload at a time, [`take_copy_frames`](Self::take_copy_frames) every complete one at once.
/// They give exactly what the general decode-and-route path gives and step aside whenever
/// anything else is going on; the `core_fast_paths` fuzz target checks both against each
/// other on arbitrary input.
pub struct ConnectionCore {
    state: State,
    read_buf: BytesMut,
    read_size: usize,
    /// `Some(len)` while `recv_slice` handed out zero-filled spare room after `len` bytes.
    slice_base: Option<usize>,
    /// Chunks to send before `write_buf` (zero-copy payloads and what preceded them).
    queued: VecDeque<Bytes>,
    write_buf: BytesMut,
    pending: VecDeque<Pending>,
    next_id: u64,
    /// An extended-protocol error happened: entries up to the next Sync are aborted.
    skipping: bool,
    copy: Copy,
    tx_status: TransactionStatus,
    params: Vec<(String, String)>,
    backend_key: Option<BackendKeyData>,
    protocol: ProtocolVersion,
    tls: bool,
    max_message_len: u32,
    retry: Option<Retry>,
    /// Events produced while handling something else, handed out before reading more.
    deferred: VecDeque<Event>,
    /// Bytes written so far (for [`Mark`]).
    transmitted: u64,
    /// Bytes received since the last write or the last expired batched wait (read batching).
    streamed: usize,
    /// Fuzzing only: the fast paths are off (see `set_general_path_only`).
    #[cfg(fuzzing)]
    general_path_only: bool,
}

/// Requests encoded without a core, to be queued with [`ConnectionCore::send_detached`]: lets
/// many tasks encode their own requests (parameters included) while one task owns the
/// connection. It holds one request or a batch of them (see [`push`](Self::push)), queued
/// together in the order they were pushed, each under its own [`RequestId`].
#[derive(Debug, Default)]
pub struct DetachedRequest {
    bytes: BytesMut,
    /// The requests' expected responses; their ids are indexes in the batch (0, 1, ...) until
    /// `send_detached` gives them real ones.
    pending: VecDeque<Pending>,
    /// How many requests the batch holds.
    count: u64,
}

impl DetachedRequest {
    /// Builds a request with the same builder `send_request` uses.
    pub fn build<F>(build: F) -> Result<Self, Error>
    where
        F: FnOnce(&mut RequestBuilder<'_>) -> Result<(), Error>,
    {
        let mut r = Self::default();
        r.push(build)?;
        Ok(r)
    }

    /// Appends one more request to the batch and returns its index in it (0 for the first).
    /// All or nothing: when `build` fails, nothing it added stays in the batch.
    pub fn push<F>(&mut self, build: F) -> Result<u64, Error>
    where
        F: FnOnce(&mut RequestBuilder<'_>) -> Result<(), Error>,
    {
        let bytes_len = self.bytes.len();
        let pending_len = self.pending.len();
        let mut b = RequestBuilder::new(RequestId(self.count), &mut self.bytes, &mut self.pending);
        let built = build(&mut b);
        if built.is_ok() && self.bytes.len() == bytes_len {
            self.pending.truncate(pending_len);
            return Err(Error::misuse("empty request"));
        }
        if let Err(e) = built {
            self.bytes.truncate(bytes_len);
            self.pending.truncate(pending_len);
            return Err(e);
        }
        self.count += 1;
        Ok(self.count - 1)
    }

    /// How many requests the batch holds.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// True when the batch holds no request.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// Where requests go: the core itself, or a detached request (see [`DetachedRequest`]).
pub(crate) trait RequestSink {
    /// Queues (or records) one request; see [`ConnectionCore::send_request`].
    fn submit<F>(&mut self, build: F) -> Result<RequestId, Error>
    where
        F: FnOnce(&mut RequestBuilder<'_>) -> Result<(), Error>;
}

impl RequestSink for ConnectionCore {
    fn submit<F>(&mut self, build: F) -> Result<RequestId, Error>
    where
        F: FnOnce(&mut RequestBuilder<'_>) -> Result<(), Error>,
    {
        self.send_request(build)
    }
}

/// Appends requests to a batch for [`ConnectionCore::send_detached_batch`]. The id it returns
/// is the request's index in the batch: the real one is assigned when the batch is queued.
#[cfg(feature = "tokio")]
#[derive(Debug, Default)]
pub(crate) struct Detached(pub(crate) DetachedRequest);

#[cfg(feature = "tokio")]
impl RequestSink for Detached {
    fn submit<F>(&mut self, build: F) -> Result<RequestId, Error>
    where
        F: FnOnce(&mut RequestBuilder<'_>) -> Result<(), Error>,
    {
        self.0.push(build).map(RequestId)
    }
}

/// Complete CopyData messages taken off the read buffer together
/// ([`ConnectionCore::take_copy_frames`]); iterating gives each payload, in order, as a slice
/// of the same buffer (no copy).
#[derive(Clone, Debug, Default)]
pub struct CopyFrames {
    /// Whole messages, headers included, as the core checked them.
    frames: Bytes,
}

impl CopyFrames {
    /// True when every payload was handed out.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }
}

impl Iterator for CopyFrames {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        let word = self.frames.get(1..5)?.first_chunk::<4>()?;
        let end = 1 + u32::from_be_bytes(*word) as usize;
        if end < 5 || end > self.frames.len() {
            // Not what the core took; cannot happen, but never read past the end.
            self.frames.clear();
            return None;
        }
        // `split_to` gives the last one the rest, so nothing here still holds the read buffer
        // afterwards: with every payload dropped, the core's next read reuses its memory.
        let mut payload = self.frames.split_to(end);
        payload.advance(5);
        Some(payload)
    }
}

/// A point in the queue of requests not yet sent; see [`ConnectionCore::mark`].
#[derive(Clone, Copy, Debug)]
pub struct Mark {
    transmitted: u64,
    write_len: usize,
    queued: usize,
    pending: usize,
    next_id: u64,
}

impl std::fmt::Debug for ConnectionCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionCore")
            .field("pending", &self.pending.len())
            .field("transaction_status", &self.tx_status)
            .field("protocol", &self.protocol)
            .field("closed", &matches!(self.state, State::Closed(_)))
            .finish_non_exhaustive()
    }
}

impl ConnectionCore {
    /// Starts a session: the first message (SSLRequest or StartupMessage) is queued for
    /// sending at once; with direct TLS the first event is [`Event::StartTls`].
    pub fn new(config: StartupConfig) -> Result<Self, Error> {
        let mut write_buf = BytesMut::with_capacity(1024);
        let max_message_len = config.max_message_len;
        let direct = config.tls == super::startup::TlsStart::Direct;
        let startup = Startup::start(config, &mut write_buf)?;
        let mut deferred = VecDeque::new();
        if direct {
            deferred.push_back(Event::StartTls);
        }
        Ok(Self {
            protocol: startup.protocol,
            state: State::Startup(Box::new(startup)),
            read_buf: BytesMut::with_capacity(READ_MIN),
            read_size: READ_MIN,
            slice_base: None,
            queued: VecDeque::new(),
            write_buf,
            pending: VecDeque::new(),
            next_id: 1,
            skipping: false,
            copy: Copy::None,
            tx_status: TransactionStatus::Idle,
            params: Vec::new(),
            backend_key: None,
            tls: false,
            max_message_len: if max_message_len == 0 {
                DEFAULT_MAX_MESSAGE_LEN
            } else {
                max_message_len
            },
            retry: None,
            deferred,
            transmitted: 0,
            streamed: 0,
            #[cfg(fuzzing)]
            general_path_only: false,
        })
    }

    // ----- inputs -------------------------------------------------------------------------

    /// The buffer to read into (append at its end, e.g. with tokio's `read_buf`), then call
    /// [`handle_input`](Self::handle_input) with the number of bytes read. Its spare capacity
    /// grows with the traffic, from 8 KiB towards 1 MiB under bulk reads.
    pub fn recv_buf(&mut self) -> &mut BytesMut {
        self.drop_unfilled_slice();
        self.read_buf.reserve(self.read_size);
        &mut self.read_buf
    }

    /// Like [`recv_buf`](Self::recv_buf) for readers that need an initialised `&mut [u8]`
    /// (`std::io::Read`): read into the returned slice, then call
    /// [`handle_input`](Self::handle_input) with the number of bytes read.
    pub fn recv_slice(&mut self) -> &mut [u8] {
        self.drop_unfilled_slice();
        self.read_buf.reserve(self.read_size);
        let base = self.read_buf.len();
        self.slice_base = Some(base);
        let room = self.read_buf.capacity() - base;
        self.read_buf.resize(base + room, 0);
        &mut self.read_buf[base..]
    }

    /// Forgets the zero-filled room of a `recv_slice` that was never followed by
    /// `handle_input` (the read failed or was retried): those zeros are not server data.
    fn drop_unfilled_slice(&mut self) {
        if let Some(base) = self.slice_base.take() {
            self.read_buf.truncate(base);
        }
    }

    /// Records that `n` bytes were read into [`recv_buf`](Self::recv_buf) or
    /// [`recv_slice`](Self::recv_slice).
    pub fn handle_input(&mut self, n: usize) {
        let room = if let Some(base) = self.slice_base.take() {
            let room = self.read_buf.len() - base;
            self.read_buf.truncate(base + n.min(room));
            room
        } else {
            self.read_size
        };
        self.streamed = self.streamed.saturating_add(n);
        // A read that filled the room means more is waiting: read bigger next time.
        if n >= room && self.read_size < READ_MAX {
            self.read_size *= 2;
        }
    }

    /// Copies received bytes in (for drivers that own their buffers).
    pub fn handle_input_bytes(&mut self, bytes: &[u8]) {
        self.drop_unfilled_slice();
        self.read_buf.extend_from_slice(bytes);
        self.streamed = self.streamed.saturating_add(bytes.len());
        if bytes.len() >= self.read_size && self.read_size < READ_MAX {
            self.read_size *= 2;
        }
    }

    /// How many bytes the next read should ask for: 8 KiB at first, growing towards 1 MiB
    /// while reads come back full (for drivers that read into their own buffer and hand the
    /// bytes over with [`handle_input_bytes`](Self::handle_input_bytes)).
    pub fn read_size_hint(&self) -> usize {
        self.read_size
    }

    /// Read batching: how many bytes the driver may let the kernel gather before it wakes
    /// for the next read (a socket's receive low-water mark, `SO_RCVLOWAT`). 1 (wake on any
    /// byte) normally; 64 KiB once one answer has streamed in more than 4 MiB with nothing
    /// sent meanwhile (a large result or COPY TO STDOUT being read), while it is still
    /// owed more.
    ///
    /// Waking once per 64 KiB instead of once per server write (8 KiB) saves both sides a
    /// wake-up each time: on a local server that is most of what a fast reader costs it.
    /// A driver that applies a threshold above 1 must bound the wait (about a millisecond),
    /// since an answer can end with fewer bytes than that, and call
    /// [`read_batch_expired`](Self::read_batch_expired) when the bound is what ended it.
    #[inline]
    pub fn read_wake_threshold(&self) -> usize {
        if self.streamed >= BATCH_AFTER && self.wants_read() { BATCH_BYTES } else { 1 }
    }

    /// Read batching: a wait under [`read_wake_threshold`](Self::read_wake_threshold) ended
    /// by its time bound rather than by the bytes arriving. Waits wake on any byte again
    /// until another 4 MiB have streamed in, so a server that has paused or finished costs
    /// the reader at most one bounded wait.
    pub fn read_batch_expired(&mut self) {
        self.streamed = 0;
    }

    /// The server closed the connection. Pending requests fail; the core is closed.
    pub fn handle_eof(&mut self) {
        if matches!(self.state, State::Closed(_)) {
            return;
        }
        let closing = matches!(self.state, State::Closing);
        if let State::Startup(s) = &self.state {
            // A proxy that hangs up on a 3.2 StartupMessage before any answer.
            if s.retry.is_none() && matches!(s.phase, super::startup::Phase::AwaitAuthRequest) {
                self.retry = retry_on_eof(&s.config);
            }
        }
        let err = if closing {
            Error::new(ErrorKind::Closed, "connection closed")
        } else {
            Error::new(ErrorKind::Closed, "server closed the connection unexpectedly")
        };
        self.state = State::Closed(err);
    }

    /// The transport failed (a reset, a TLS error...): the core closes with `error`, which every
    /// later call returns.
    pub fn handle_transport_error(&mut self, error: Error) {
        if !matches!(self.state, State::Closed(_)) {
            self.state = State::Closed(error);
            self.pending.clear();
        }
    }

    /// The IO driver finished the TLS handshake that [`Event::StartTls`] asked for.
    /// `tls_server_end_point` is the RFC 5929 channel-binding data of the server certificate
    /// (see [`tls_server_end_point`](crate::protocol::auth::scram::tls_server_end_point)), used
    /// for SCRAM-SHA-256-PLUS.
    pub fn handle_tls_established(
        &mut self,
        tls_server_end_point: Option<Vec<u8>>,
    ) -> Result<(), Error> {
        self.check_open()?;
        let State::Startup(s) = &mut self.state else {
            return Err(Error::misuse("handle_tls_established called after startup"));
        };
        if !self.read_buf.is_empty() {
            return self.fail(Error::protocol(
                "server sent unencrypted data before the TLS handshake (possible \
                 man-in-the-middle injection)",
            ));
        }
        s.tls_established(tls_server_end_point, &mut self.write_buf)?;
        self.tls = true;
        Ok(())
    }

    // ----- outputs ------------------------------------------------------------------------

    /// The next bytes to write, or `None` when everything was written.
    pub fn poll_transmit(&self) -> Option<&[u8]> {
        match self.queued.front() {
            Some(chunk) => Some(chunk),
            None if self.write_buf.is_empty() => None,
            None => Some(&self.write_buf),
        }
    }

    /// Fills `out` with slices of everything waiting to be written, for a vectored write;
    /// returns how many were filled.
    pub fn poll_transmit_vectored<'a>(&'a self, out: &mut [IoSlice<'a>]) -> usize {
        let chunks = self.queued.iter().map(|b| &b[..]);
        let tail = (!self.write_buf.is_empty()).then_some(&self.write_buf[..]);
        let mut n = 0;
        for (slot, chunk) in out.iter_mut().zip(chunks.chain(tail)) {
            *slot = IoSlice::new(chunk);
            n += 1;
        }
        n
    }

    /// Records that `n` bytes of the transmit data were written.
    pub fn advance_transmit(&mut self, mut n: usize) {
        self.transmitted += n as u64;
        if n > 0 {
            // Something was sent: a new exchange starts, and read batching with it.
            self.streamed = 0;
        }
        while n > 0 {
            if let Some(front) = self.queued.front_mut() {
                let k = n.min(front.len());
                front.advance(k);
                n -= k;
                if front.is_empty() {
                    self.queued.pop_front();
                }
            } else {
                let k = n.min(self.write_buf.len());
                self.write_buf.advance(k);
                n -= k;
                if k == 0 {
                    break;
                }
            }
        }
    }

    /// True when zero-copy chunks wait in front of the write buffer, so that
    /// [`poll_transmit`](Self::poll_transmit) does not return everything at once (use
    /// [`poll_transmit_vectored`](Self::poll_transmit_vectored) for one write of it all).
    pub fn has_queued_chunks(&self) -> bool {
        !self.queued.is_empty()
    }

    /// True when output is waiting to be written.
    pub fn wants_write(&self) -> bool {
        !self.queued.is_empty() || !self.write_buf.is_empty()
    }

    /// True when the core expects more bytes from the server: startup is not finished, or a
    /// request still has responses coming. False while a TLS handshake is awaited.
    pub fn wants_read(&self) -> bool {
        match &self.state {
            State::Startup(s) => !s.awaiting_tls(),
            State::Ready => !self.pending.is_empty() || self.copy == Copy::Out,
            State::Closing | State::Closed(_) => false,
        }
    }

    /// The next event, or `None` when more input is needed.
    pub fn poll_event(&mut self) -> Result<Option<Event>, Error> {
        if let Some(routine) = self.take_routine_response() {
            return routine;
        }
        if let Some(ev) = self.deferred.pop_front() {
            return Ok(Some(ev));
        }
        self.drop_unfilled_slice();
        self.check_open()?;
        loop {
            if self.skipping
                && let Some(ev) = self.pop_aborted()
            {
                return Ok(Some(ev));
            }
            if let State::Startup(s) = &mut self.state {
                match s.handle_ssl_response(&mut self.read_buf, &mut self.write_buf) {
                    Ok(Some(true)) => return Ok(Some(Event::StartTls)),
                    Ok(_) => {}
                    Err(e) => return self.fail(e),
                }
                if s.awaiting_tls() {
                    if !self.read_buf.is_empty() {
                        return self.fail(Error::protocol(
                            "server sent unencrypted data before the TLS handshake",
                        ));
                    }
                    return Ok(None);
                }
            }
            let max = match self.state {
                State::Startup(_) => self.max_message_len.min(STARTUP_MAX_MESSAGE_LEN),
                _ => self.max_message_len,
            };
            let msg = match take_control_message(&mut self.read_buf) {
                Some(msg) => msg,
                None => {
                    let frame = match split_frame(&mut self.read_buf, max) {
                        Ok(Ok(frame)) => frame,
                        Ok(Err(_need)) => return Ok(None),
                        Err(e) => return self.fail(e.into()),
                    };
                    match BackendMessage::decode(frame.tag, frame.body) {
                        Ok(m) => m,
                        Err(e) => return self.fail(e.into()),
                    }
                }
            };
            let routed = match &mut self.state {
                State::Startup(_) => self.route_startup(msg),
                _ => self.route(msg),
            };
            match routed {
                Ok(Some(ev)) => return Ok(Some(ev)),
                // Handling the message may have closed the core (a FATAL report for an
                // abandoned request): report that now, not at the next call.
                Ok(None) => self.check_open()?,
                Err(e) => return self.fail(e),
            }
        }
    }

    /// The fast path of [`poll_event`](Self::poll_event) for the messages that answer a
    /// cached statement (BindComplete, DataRow, CommandComplete, ReadyForQuery, plus
    /// ParseComplete), when one of them is complete at the front of the read buffer, answers
    /// what the request at the front of the queue expects, and nothing else is going on (no
    /// deferred event, no error skip, no COPY, the request not abandoned). It builds the event
    /// straight from the bytes, without the general path's decode into a [`BackendMessage`]
    /// and its routing.
    ///
    /// In the same situation, an incomplete message is `Some(Ok(None))` (more input is
    /// needed), as the general path would answer.
    ///
    /// `None` leaves the message to the general path: anything else, and every message of
    /// these types that is malformed in its header (the general path reports the same error
    /// as always). A malformed DataRow or CommandComplete body is the decode error the general
    /// path would report, and closes the core the same way.
    fn take_routine_response(&mut self) -> Option<Result<Option<Event>, Error>> {
        let front = self.fast_path_front(Copy::None)?;
        let (req, expect) = (front.req, front.expect);
        let Some((&tag, rest)) = self.read_buf.split_first() else {
            return Some(Ok(None));
        };
        let Some(len_word) = rest.first_chunk::<4>() else {
            return Some(Ok(None));
        };
        let len = u32::from_be_bytes(*len_word);
        // The length counts itself; a bad one is the general path's error to report.
        if len < 4 || len > self.max_message_len {
            return None;
        }
        if rest.len() < len as usize {
            return Some(Ok(None));
        }
        let response = match (expect, tag, len) {
            (Expect::Bind, b'2', 4) => {
                self.read_buf.advance(5);
                self.pending.pop_front();
                Response::BindComplete
            }
            (Expect::Parse, b'1', 4) => {
                self.read_buf.advance(5);
                self.pending.pop_front();
                Response::ParseComplete
            }
            (Expect::Sync, b'Z', 5) => {
                let status = TransactionStatus::from_byte(*rest.get(4)?)?;
                self.read_buf.advance(6);
                self.tx_status = status;
                self.pending.pop_front();
                Response::ReadyForQuery(status)
            }
            (Expect::Execute, b'D', _) => match DataRow::decode(self.take_body(len)) {
                Ok(row) => Response::DataRow(row),
                Err(e) => return Some(self.fail(e.into())),
            },
            (Expect::Execute, b'C', _) => match CommandComplete::decode(self.take_body(len)) {
                Ok(c) => {
                    self.pending.pop_front();
                    Response::CommandComplete(c)
                }
                Err(e) => return Some(self.fail(e.into())),
            },
            _ => return None,
        };
        Some(Ok(Some(Event::Response(req, response))))
    }

    /// The body of the DataRow at the front of the read buffer, when it is complete and is
    /// what [`poll_event`](Self::poll_event) would hand out next as a response to `req`
    /// (under the conditions of its fast path: nothing deferred, no error skip, no COPY, the
    /// request at the front of the queue, not abandoned, executing). The body is not
    /// validated: a caller that reads it must check it as [`DataRow`] decoding does, and
    /// leave a malformed one to `poll_event`, which reports it.
    ///
    /// The message stays in the buffer until [`consume_data_row`](Self::consume_data_row);
    /// reading a row in place saves cutting a shared [`Bytes`] out of the buffer for it.
    #[inline]
    pub(crate) fn peek_data_row(&self, req: RequestId) -> Option<&[u8]> {
        let front = self.fast_path_front(Copy::None)?;
        if front.req != req || front.expect != Expect::Execute {
            return None;
        }
        let (&tag, rest) = self.read_buf.split_first()?;
        let len = u32::from_be_bytes(*rest.first_chunk::<4>()?);
        if tag != b'D' || len < 4 || len > self.max_message_len {
            return None;
        }
        rest.get(4..len as usize)
    }

    /// Drops from the read buffer the DataRow whose body (of `body_len` bytes)
    /// [`peek_data_row`](Self::peek_data_row) just returned, as `poll_event` would have taken
    /// it. The header was checked by the peek, so it is not parsed again.
    #[inline]
    pub(crate) fn consume_data_row(&mut self, body_len: usize) {
        let frame = body_len.saturating_add(5).min(self.read_buf.len());
        self.read_buf.advance(frame);
    }

    /// The request at the front of the queue, when a fast path (one that reads the front
    /// message straight from the buffer, skipping `poll_event`'s decode and routing) may
    /// answer for it: no error skip in progress, nothing deferred, no unfilled read slice, the
    /// ready state, the COPY state `copy`, and the request not abandoned. Every fast path
    /// starts here, so they all step aside in the same situations (and all of them under the
    /// fuzzing switch `set_general_path_only`).
    #[inline]
    fn fast_path_front(&self, copy: Copy) -> Option<&Pending> {
        #[cfg(fuzzing)]
        if self.general_path_only {
            return None;
        }
        if self.skipping
            || self.copy != copy
            || self.slice_base.is_some()
            || !self.deferred.is_empty()
            || !matches!(self.state, State::Ready)
        {
            return None;
        }
        self.pending.front().filter(|front| !front.abandoned)
    }

    /// Takes the complete message of length word `len` off the read buffer; returns its body.
    fn take_body(&mut self, len: u32) -> Bytes {
        let mut frame = self.read_buf.split_to(1 + len as usize);
        frame.advance(5);
        frame.freeze()
    }

    /// During the COPY TO STDOUT of request `req`: the payload of the CopyData message at the
    /// front of the read buffer, when a complete one is there and nothing else is waiting to
    /// be reported. The fast path of a COPY reader, which builds no event; `None` means "ask
    /// [`poll_event`](Self::poll_event)", which handles everything else (the same data
    /// included, and every error).
    pub fn take_copy_data(&mut self, req: RequestId) -> Option<Bytes> {
        let len = self.copy_frames_len(req, 1)?;
        let mut frame = self.read_buf.split_to(len);
        frame.advance(5);
        Some(frame.freeze())
    }

    /// [`take_copy_data`](Self::take_copy_data) for every complete CopyData message at the
    /// front of the read buffer at once: one split of the buffer for all of them, which
    /// [`CopyFrames`] hands out payload by payload. `None` means "ask
    /// [`poll_event`](Self::poll_event)", as for `take_copy_data`.
    pub fn take_copy_frames(&mut self, req: RequestId) -> Option<CopyFrames> {
        let len = self.copy_frames_len(req, usize::MAX)?;
        Some(CopyFrames { frames: self.read_buf.split_to(len).freeze() })
    }

    /// The length of the first `max` (or fewer, at least one) complete CopyData messages at
    /// the front of the read buffer, when the COPY fast path may take them: a COPY TO STDOUT
    /// of `req` is on, and nothing else is waiting to be reported.
    fn copy_frames_len(&self, req: RequestId, max: usize) -> Option<usize> {
        let front = self.fast_path_front(Copy::Out)?;
        // As on the general path, CopyData belongs to an Execute or a simple query.
        if front.req != req || !matches!(front.expect, Expect::Execute | Expect::SimpleQuery { .. })
        {
            return None;
        }
        let (mut end, mut count) = (0, 0);
        while count < max {
            let Some((&tag, rest)) = self.read_buf.get(end..).and_then(<[u8]>::split_first) else {
                break;
            };
            let Some(word) = rest.first_chunk::<4>() else {
                break;
            };
            let len = u32::from_be_bytes(*word) as usize;
            if tag != b'd' || len < 4 || len > self.max_message_len as usize || rest.len() < len {
                break;
            }
            end += 1 + len;
            count += 1;
        }
        (count > 0).then_some(end)
    }

    /// Fuzzing only: with `on`, [`poll_event`](Self::poll_event) skips its fast path and
    /// [`take_copy_data`](Self::take_copy_data) and
    /// [`take_copy_frames`](Self::take_copy_frames) always return `None`, so that a differential
    /// fuzz target can check the fast paths against the general path.
    #[cfg(fuzzing)]
    #[doc(hidden)]
    pub fn set_general_path_only(&mut self, on: bool) {
        self.general_path_only = on;
    }

    // ----- commands -----------------------------------------------------------------------

    /// Queues one request: the frontend messages `build` adds, all under one [`RequestId`].
    /// All or nothing: when `build` fails, nothing it added is sent or expected.
    pub fn send_request<F>(&mut self, build: F) -> Result<RequestId, Error>
    where
        F: FnOnce(&mut RequestBuilder<'_>) -> Result<(), Error>,
    {
        self.check_ready()?;
        if matches!(self.copy, Copy::In) {
            return Err(Error::misuse(
                "a COPY FROM STDIN is in progress; finish or abort it first",
            ));
        }
        let req = RequestId(self.next_id);
        let buf_len = self.write_buf.len();
        let pending_len = self.pending.len();
        let mut b = RequestBuilder::new(req, &mut self.write_buf, &mut self.pending);
        if let Err(e) = build(&mut b) {
            self.write_buf.truncate(buf_len);
            self.pending.truncate(pending_len);
            return Err(e);
        }
        if self.pending.len() == pending_len && self.write_buf.len() == buf_len {
            return Err(Error::misuse("empty request"));
        }
        self.next_id += 1;
        Ok(req)
    }

    /// Remembers the current end of the request queue, so requests queued after it can be
    /// withdrawn with [`rewind`](Self::rewind) as long as nothing was written in between.
    pub fn mark(&self) -> Mark {
        Mark {
            transmitted: self.transmitted,
            write_len: self.write_buf.len(),
            queued: self.queued.len(),
            pending: self.pending.len(),
            next_id: self.next_id,
        }
    }

    /// Withdraws every request queued since `mark`. Returns false (and changes nothing) when
    /// some output was written since, or the connection closed.
    pub fn rewind(&mut self, mark: Mark) -> bool {
        let untouched = mark.transmitted == self.transmitted
            && mark.queued == self.queued.len()
            && self.write_buf.len() >= mark.write_len
            && self.pending.len() >= mark.pending;
        if !untouched || !matches!(self.state, State::Ready) {
            return false;
        }
        self.write_buf.truncate(mark.write_len);
        self.pending.truncate(mark.pending);
        self.next_id = mark.next_id;
        true
    }

    /// Queues a request (or a batch of them) that was encoded away from the core (see
    /// [`DetachedRequest`]), for drivers whose callers encode in their own task. Returns the
    /// id of its first request; the others follow in order (`first + 1`, ...).
    pub fn send_detached(&mut self, mut request: DetachedRequest) -> Result<RequestId, Error> {
        self.send_detached_batch(&mut request)
    }

    /// Like [`send_detached`](Self::send_detached), taking the requests out of `batch` and
    /// leaving it empty with its buffers, ready to be filled again without allocating.
    pub fn send_detached_batch(&mut self, batch: &mut DetachedRequest) -> Result<RequestId, Error> {
        self.check_ready()?;
        if matches!(self.copy, Copy::In) {
            return Err(Error::misuse(
                "a COPY FROM STDIN is in progress; finish or abort it first",
            ));
        }
        let first = self.next_id;
        if self.write_buf.is_empty() {
            // The usual case under a shared client: trade buffers instead of copying.
            std::mem::swap(&mut self.write_buf, &mut batch.bytes);
        } else {
            self.write_buf.extend_from_slice(&batch.bytes);
        }
        batch.bytes.clear();
        self.pending.extend(
            batch.pending.drain(..).map(|p| Pending { req: RequestId(first + p.req.0), ..p }),
        );
        self.next_id += batch.count;
        batch.count = 0;
        Ok(RequestId(first))
    }

    /// Shorthand for a simple Query request (`batch_execute`).
    pub fn send_query(&mut self, sql: &str) -> Result<RequestId, Error> {
        self.send_request(|r| r.query(sql))
    }

    /// Queues a simple query whose answer nobody will read (a ROLLBACK or CLOSE issued by a
    /// drop handler): it is sent with the next write and its responses are consumed silently.
    pub fn send_query_unread(&mut self, sql: &str) -> Result<(), Error> {
        let req = self.send_query(sql)?;
        self.abandon(req);
        Ok(())
    }

    /// Sends one COPY FROM STDIN data chunk. Large `Bytes` are not copied: they are queued as
    /// their own chunk for a vectored write.
    pub fn send_copy_data(&mut self, data: Bytes) -> Result<(), Error> {
        self.check_copy_in()?;
        if data.len() >= ZERO_COPY_MIN {
            CopyData::encode_header(data.len(), &mut self.write_buf)?;
            let head = self.write_buf.split().freeze();
            self.queued.push_back(head);
            self.queued.push_back(data);
        } else {
            CopyData { data: &data }.encode(&mut self.write_buf)?;
        }
        Ok(())
    }

    /// Encodes COPY data straight into the write buffer: `write` appends the payload (for
    /// example binary COPY rows) and the CopyData framing is added around it.
    pub fn send_copy_data_with<F>(&mut self, write: F) -> Result<(), Error>
    where
        F: FnOnce(&mut BytesMut) -> Result<(), Error>,
    {
        self.check_copy_in()?;
        crate::protocol::codec::write_frame(&mut self.write_buf, Some(b'd'), write)
    }

    /// Ends COPY FROM STDIN successfully.
    pub fn send_copy_done(&mut self) -> Result<(), Error> {
        self.check_copy_in()?;
        CopyDone.encode(&mut self.write_buf)?;
        self.copy = Copy::InFinished;
        Ok(())
    }

    /// Aborts COPY FROM STDIN; the server answers with an error carrying `reason`.
    pub fn send_copy_fail(&mut self, reason: &str) -> Result<(), Error> {
        self.check_copy_in()?;
        let reason = reason.replace('\0', " ");
        CopyFail { message: &reason }.encode(&mut self.write_buf)?;
        self.copy = Copy::InFinished;
        Ok(())
    }

    /// Sends Terminate; the core closes after it. Nothing can be queued after this.
    pub fn send_terminate(&mut self) -> Result<(), Error> {
        if matches!(self.state, State::Closed(_) | State::Closing) {
            return Ok(());
        }
        Terminate.encode(&mut self.write_buf)?;
        self.state = State::Closing;
        Ok(())
    }

    /// Gives up on a request: its remaining responses are consumed without events. A COPY FROM
    /// STDIN in progress for it is failed. With
    /// [`rollback_if_abandoned`](RequestBuilder::rollback_if_abandoned), a transaction it left
    /// open is rolled back.
    pub fn abandon(&mut self, req: RequestId) {
        let mut found = false;
        let mut rollback = false;
        for p in self.pending.iter_mut().filter(|p| p.req == req && !p.abandoned) {
            p.abandoned = true;
            found = true;
            rollback |= p.rollback_if_abandoned;
        }
        let copying_for_req = self.pending.front().is_some_and(|p| p.req == req);
        if found && copying_for_req && self.copy == Copy::In {
            // Cannot fail: the state was just checked and the reason has no NUL.
            let _ = self.send_copy_fail("COPY abandoned by the client");
        }
        if rollback {
            // Queued right behind the abandoned BEGIN, before anything else the caller sends:
            // the next request must not run inside a transaction nobody holds. If the BEGIN
            // failed, the ROLLBACK is a harmless no-op (a warning).
            let _ = self.send_query_unread("ROLLBACK");
        }
    }

    // ----- state --------------------------------------------------------------------------

    /// The transaction status from the last ReadyForQuery.
    pub fn transaction_status(&self) -> TransactionStatus {
        self.tx_status
    }

    /// A server parameter reported with ParameterStatus (`server_version`, `TimeZone`...).
    pub fn parameter(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Every server parameter reported so far.
    pub fn parameters(&self) -> impl Iterator<Item = (&str, &str)> {
        self.params.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The server's process id and cancel key (BackendKeyData), once startup finished.
    pub fn backend_key(&self) -> Option<&BackendKeyData> {
        self.backend_key.as_ref()
    }

    /// The negotiated protocol version.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.protocol
    }

    /// True when the session runs over TLS.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// True once startup is complete and until the connection closes.
    pub fn is_ready(&self) -> bool {
        matches!(self.state, State::Ready)
    }

    /// True once the connection is closed (after EOF, Terminate or a fatal error).
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed(_))
    }

    /// The fatal error that closed the core, if any.
    pub fn fatal_error(&self) -> Option<&Error> {
        match &self.state {
            State::Closed(e) => Some(e),
            _ => None,
        }
    }

    /// After a failed startup: what the next attempt should change, when the failure says.
    pub fn retry_hint(&self) -> Option<Retry> {
        self.retry
    }

    /// Nothing owed and nothing to send: no request pending (abandoned ones included) and no
    /// output queued. With [`transaction_status`](Self::transaction_status) `Idle` as well, the
    /// session can be handed to someone else as it is (what a pool checks).
    pub fn is_quiet(&self) -> bool {
        self.pending.is_empty() && !self.wants_write()
    }

    /// Requests still owed a response (including abandoned ones).
    pub fn pending_requests(&self) -> usize {
        let mut n = 0;
        let mut last = None;
        for p in &self.pending {
            if last != Some(p.req) {
                n += 1;
                last = Some(p.req);
            }
        }
        n
    }

    /// True while a COPY FROM STDIN accepts data.
    pub fn in_copy_in(&self) -> bool {
        self.copy == Copy::In
    }

    // ----- internals ----------------------------------------------------------------------

    fn check_open(&self) -> Result<(), Error> {
        match &self.state {
            State::Closed(e) => Err(e.clone()),
            State::Closing => Err(Error::new(ErrorKind::Closed, "connection closed")),
            _ => Ok(()),
        }
    }

    fn check_ready(&self) -> Result<(), Error> {
        self.check_open()?;
        match self.state {
            State::Ready => Ok(()),
            _ => Err(Error::misuse("the connection has not finished starting up")),
        }
    }

    fn check_copy_in(&self) -> Result<(), Error> {
        self.check_open()?;
        match self.copy {
            Copy::In => Ok(()),
            _ => Err(Error::misuse("no COPY FROM STDIN is in progress")),
        }
    }

    /// Latches a fatal error.
    fn fail<T>(&mut self, e: Error) -> Result<T, Error> {
        self.state = State::Closed(e.clone());
        self.pending.clear();
        Err(e)
    }

    fn route_startup(&mut self, msg: BackendMessage) -> Result<Option<Event>, Error> {
        let State::Startup(s) = &mut self.state else {
            return Ok(None);
        };
        let step = s.handle(msg, &mut self.write_buf);
        if let Err(e) = &step {
            self.retry = s.retry;
            return Err(e.clone());
        }
        match step? {
            Step::Continue => Ok(None),
            Step::Event(ev) => {
                if let Event::ParameterStatus(p) = &ev {
                    self.set_param(p.name(), p.value());
                }
                Ok(Some(ev))
            }
            Step::Ready => {
                self.backend_key = s.backend_key.take();
                self.protocol = s.protocol;
                self.tls = s.tls_active();
                self.state = State::Ready;
                Ok(Some(Event::Ready))
            }
        }
    }

    fn set_param(&mut self, name: &str, value: &str) {
        match self.params.iter_mut().find(|(k, _)| k == name) {
            Some((_, v)) => value.clone_into(v),
            None => self.params.push((name.to_owned(), value.to_owned())),
        }
    }

    /// Pops the entries an extended-protocol error made the server skip.
    fn pop_aborted(&mut self) -> Option<Event> {
        while let Some(front) = self.pending.front() {
            if front.expect == Expect::Sync {
                self.skipping = false;
                return None;
            }
            let p = self.pending.pop_front()?;
            if !p.abandoned {
                return Some(Event::Response(p.req, Response::Aborted));
            }
        }
        None
    }

    fn unexpected(&self, msg: &BackendMessage) -> Error {
        let expecting =
            self.pending.front().map_or("nothing (no request pending)", |p| p.expect.describe());
        Error::protocol(format!("got {} while expecting {expecting}", msg.name()))
    }

    /// Routes one message after startup.
    fn route(&mut self, msg: BackendMessage) -> Result<Option<Event>, Error> {
        use BackendMessage as M;
        let front = match msg {
            M::NoticeResponse(n) => return Ok(Some(Event::Notice(n))),
            M::NotificationResponse(n) => return Ok(Some(Event::Notification(n))),
            M::ParameterStatus(p) => {
                self.set_param(p.name(), p.value());
                return Ok(Some(Event::ParameterStatus(p)));
            }
            M::ErrorResponse(fields) => return self.route_error(fields),
            _ => match self.pending.front_mut() {
                Some(front) => front,
                None => return Err(self.unexpected(&msg)),
            },
        };
        let (req, abandoned) = (front.req, front.abandoned);
        let expect = front.expect;
        let mut pop = true;
        let response = match (expect, msg) {
            (Expect::Sync | Expect::SimpleQuery { .. }, M::ReadyForQuery(status)) => {
                self.tx_status = status;
                self.copy = Copy::None;
                self.pending.pop_front();
                return Ok(
                    (!abandoned).then_some(Event::Response(req, Response::ReadyForQuery(status)))
                );
            }
            (Expect::Parse, M::ParseComplete) => Response::ParseComplete,
            (Expect::Bind, M::BindComplete) => Response::BindComplete,
            (Expect::Close, M::CloseComplete) => Response::CloseComplete,
            (Expect::DescribeStatement { got_params: false }, M::ParameterDescription(d)) => {
                front.expect = Expect::DescribeStatement { got_params: true };
                pop = false;
                Response::ParameterDescription(d)
            }
            (
                Expect::DescribeStatement { got_params: true } | Expect::DescribePortal,
                M::NoData,
            ) => Response::NoData,
            (
                Expect::DescribeStatement { got_params: true } | Expect::DescribePortal,
                M::RowDescription(d),
            ) => Response::RowDescription(d),
            (Expect::SimpleQuery { .. }, M::RowDescription(d)) => {
                pop = false;
                Response::RowDescription(d)
            }
            (Expect::Execute | Expect::SimpleQuery { .. }, M::DataRow(row))
                if self.copy == Copy::None =>
            {
                pop = false;
                Response::DataRow(row)
            }
            (Expect::Execute | Expect::SimpleQuery { .. }, M::CommandComplete(c)) => {
                pop = expect == Expect::Execute;
                self.copy = Copy::None;
                Response::CommandComplete(c)
            }
            // Neither can end a COPY (CopyDone or an error does): during one, they are the
            // catch-all's protocol error below, not the end of the Execute.
            (Expect::Execute | Expect::SimpleQuery { .. }, M::EmptyQueryResponse)
                if self.copy == Copy::None =>
            {
                pop = expect == Expect::Execute;
                Response::EmptyQuery
            }
            (Expect::Execute, M::PortalSuspended) if self.copy == Copy::None => {
                Response::PortalSuspended
            }
            (Expect::Execute | Expect::SimpleQuery { .. }, M::CopyInResponse(c)) => {
                pop = false;
                if expect == (Expect::SimpleQuery { copy_in: true }) && !abandoned {
                    self.copy = Copy::In;
                    Response::CopyIn(c)
                } else {
                    // Nobody will stream data: end the COPY at once. In the extended protocol
                    // the server ignored the Sync that followed Execute while in COPY mode, so
                    // one more is needed to end the error's skip.
                    self.copy = Copy::In;
                    self.send_copy_fail("COPY FROM STDIN is only supported through copy_in")?;
                    if expect == Expect::Execute {
                        Sync.encode(&mut self.write_buf)?;
                    }
                    return Ok(None);
                }
            }
            (Expect::Execute | Expect::SimpleQuery { .. }, M::CopyOutResponse(c)) => {
                pop = false;
                self.copy = Copy::Out;
                Response::CopyOut(c)
            }
            (Expect::Execute | Expect::SimpleQuery { .. }, M::CopyData(d))
                if self.copy == Copy::Out =>
            {
                pop = false;
                Response::CopyData(d)
            }
            (Expect::Execute | Expect::SimpleQuery { .. }, M::CopyDone)
                if self.copy == Copy::Out =>
            {
                pop = false;
                self.copy = Copy::None;
                Response::CopyDone
            }
            (_, M::CopyBothResponse(_)) => {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    "CopyBothResponse (streaming replication) is not supported",
                ));
            }
            (_, msg) => return Err(self.unexpected(&msg)),
        };
        if pop {
            self.pending.pop_front();
        }
        Ok((!abandoned).then_some(Event::Response(req, response)))
    }

    fn route_error(&mut self, fields: ErrorFields) -> Result<Option<Event>, Error> {
        let Some(front) = self.pending.front() else {
            // An error nobody asked for: the server is ending the session (admin shutdown,
            // idle_session_timeout...).
            return Err(Error::db(DbError::from_fields(&fields)));
        };
        let (req, abandoned, expect) = (front.req, front.abandoned, front.expect);
        if self.copy == Copy::In {
            // The server ended COPY FROM STDIN with an error; data still queued is ignored.
            self.copy = Copy::InFinished;
        } else if self.copy == Copy::Out {
            self.copy = Copy::None;
        }
        if !matches!(expect, Expect::SimpleQuery { .. } | Expect::Sync) {
            self.pending.pop_front();
            self.skipping = true;
        }
        let db = DbError::from_fields(&fields);
        if db.is_fatal() {
            // The server ends the session after a FATAL report: close now, so the caller does
            // not wait for a ReadyForQuery that will never come.
            self.state = State::Closed(Error::db(db));
            self.pending.clear();
            self.skipping = false;
        }
        Ok((!abandoned).then_some(Event::Response(req, Response::Error(fields))))
    }
}

/// Takes a complete, well-formed body-less control message (ParseComplete, BindComplete,
/// CloseComplete, NoData, PortalSuspended, EmptyQueryResponse, CopyDone) or ReadyForQuery off
/// the front of `buf` without splitting a shared buffer for it: two of the four messages of a
/// cached statement's answer are of this kind. Anything else, malformed ones included, is left
/// to the general path (which reports the same errors as always).
fn take_control_message(buf: &mut BytesMut) -> Option<BackendMessage> {
    let (msg, len) = match buf.get(..6)? {
        [b'Z', 0, 0, 0, 5, status] => {
            (BackendMessage::ReadyForQuery(TransactionStatus::from_byte(*status)?), 6)
        }
        [tag, 0, 0, 0, 4, ..] => (control_message(*tag)?, 5),
        _ => return None,
    };
    buf.advance(len);
    Some(msg)
}

fn control_message(tag: u8) -> Option<BackendMessage> {
    Some(match tag {
        b'1' => BackendMessage::ParseComplete,
        b'2' => BackendMessage::BindComplete,
        b'3' => BackendMessage::CloseComplete,
        b'n' => BackendMessage::NoData,
        b's' => BackendMessage::PortalSuspended,
        b'I' => BackendMessage::EmptyQueryResponse,
        b'c' => BackendMessage::CopyDone,
        _ => return None,
    })
}

fn retry_on_eof(config: &StartupConfig) -> Option<Retry> {
    (config.max_protocol > ProtocolVersion::V3_0 && config.min_protocol <= ProtocolVersion::V3_0)
        .then_some(Retry::ProtocolV3_0)
}
