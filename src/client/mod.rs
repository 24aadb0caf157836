//! The async connection on tokio: a thin IO driver around [`ConnectionCore`].
//!
//! Every protocol decision lives in the core; this module only moves bytes between the socket
//! and the core and hands results to the caller. [`Connection`] does its IO in the caller's task
//! (no channel, no spawned task).
//!
//! # Cancel safety
//!
//! Every `async` method may be dropped at any `.await`. The core keeps what was not written yet
//! and remembers what the server still owes; the next call on the connection first abandons the
//! unfinished request, whose remaining responses are then consumed silently, so results never
//! mix. A `BEGIN` whose future was dropped is rolled back, and a dropped [`Transaction`] rolls
//! back too: the connection is never handed on inside a transaction it did not ask for.

mod connect;
mod copy;
mod cursor;
mod pipeline;
mod shared;
mod stream;
mod transaction;

use std::collections::VecDeque;
use std::time::Duration;

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::conn::exec::{self, Collector, Exec, RowFeed, Step};
use crate::conn::{ConnectionCore, Event, RequestId, Response, Statement, ToStatement};
use crate::driver::{self, CancelToken, NoticeHandler, Notification};
use crate::error::{Error, ErrorKind};
use crate::protocol::TransactionStatus;
use crate::types::{FromRow, Loader, Params, Row, TypeInfo};

pub use copy::{CopyIn, CopyOut};
pub use cursor::Cursor;
pub use pipeline::Pipeline;
pub use shared::Client;
pub use transaction::{Transaction, TransactionBuilder};

use stream::{Stream, Transport};

/// Writes everything the core has queued (and flushes the transport after a write): ready
/// once nothing is left to write. A write error closes the core.
///
/// `unflushed` remembers, across polls, that bytes were written but the transport (TLS) was
/// not flushed yet.
fn poll_write_out(
    core: &mut ConnectionCore,
    stream: &mut Stream,
    unflushed: &mut bool,
    cx: &mut Context<'_>,
) -> Poll<Result<(), Error>> {
    let result = ready!(poll_write_all(core, stream, unflushed, cx));
    if let Err(e) = &result {
        core.handle_transport_error(e.clone());
    }
    Poll::Ready(result)
}

fn poll_write_all(
    core: &mut ConnectionCore,
    stream: &mut Stream,
    unflushed: &mut bool,
    cx: &mut Context<'_>,
) -> Poll<Result<(), Error>> {
    while core.wants_write() {
        ready!(poll_write_some(core, stream, cx))?;
        *unflushed = true;
    }
    if *unflushed {
        ready!(Pin::new(&mut *stream).poll_flush(cx))?;
        *unflushed = false;
    }
    Poll::Ready(Ok(()))
}

/// Writes what the core has queued, in one system call: everything, zero-copy COPY payloads
/// included, as far as the socket takes it; a plain write when it is all in one buffer (the
/// usual case: no vector to build). The core learns what went out.
fn poll_write_some<S: AsyncWrite + Unpin>(
    core: &mut ConnectionCore,
    stream: &mut S,
    cx: &mut Context<'_>,
) -> Poll<Result<(), Error>> {
    let polled = if core.has_queued_chunks() {
        let mut slices = [std::io::IoSlice::new(&[]); 32];
        let filled = core.poll_transmit_vectored(&mut slices);
        let slices = slices.get(..filled).unwrap_or_default();
        Pin::new(stream).poll_write_vectored(cx, slices)
    } else {
        let bytes = core.poll_transmit().unwrap_or_default();
        Pin::new(stream).poll_write(cx, bytes)
    };
    match ready!(polled)? {
        0 => Poll::Ready(Err(Error::new(ErrorKind::Closed, "socket closed while writing"))),
        n => {
            core.advance_transmit(n);
            Poll::Ready(Ok(()))
        }
    }
}

/// Reads once from the socket into the core. A read error closes the core.
fn poll_fill(
    core: &mut ConnectionCore,
    stream: &mut Stream,
    cx: &mut Context<'_>,
) -> Poll<Result<(), Error>> {
    // tokio's `read_buf` future reads into the spare capacity without zeroing it; it holds
    // only borrows, so making one per poll costs nothing.
    let read = std::pin::pin!(stream.read_buf(core.recv_buf())).poll(cx);
    match ready!(read) {
        Ok(0) => core.handle_eof(),
        Ok(n) => core.handle_input(n),
        Err(e) => {
            let e = Error::from(e);
            core.handle_transport_error(e.clone());
            return Poll::Ready(Err(e));
        }
    }
    Poll::Ready(Ok(()))
}

/// Reads once, batched when the core says an answer streams in bulk
/// ([`ConnectionCore::read_wake_threshold`]): the socket's low-water mark then lets the kernel
/// gather that many bytes before it wakes the task, and the transport's timer bounds a wait
/// for an answer that ends short of it (`READ_BATCH_WAIT`).
#[inline]
fn poll_fill_batched(
    core: &mut ConnectionCore,
    transport: &mut Transport,
    cx: &mut Context<'_>,
) -> Poll<Result<(), Error>> {
    // The plain read unless reads are, or are due to be, batched: two comparisons.
    if transport.lowat() == 1 && core.read_wake_threshold() == 1 {
        return poll_fill(core, &mut transport.stream, cx);
    }
    poll_fill_under_mark(core, transport, cx)
}

/// [`poll_fill_batched`] when the mark is raised or due to be.
#[inline(never)]
fn poll_fill_under_mark(
    core: &mut ConnectionCore,
    transport: &mut Transport,
    cx: &mut Context<'_>,
) -> Poll<Result<(), Error>> {
    let want = transport.wanted_lowat(core.read_wake_threshold());
    // On failure batching stops (`wanted_lowat` is 1 from now on), and a mark that could
    // not be lowered keeps its waits bounded below.
    let _ = transport.set_lowat(want);
    let polled = poll_fill(core, &mut transport.stream, cx);
    if polled.is_ready() || transport.lowat() == 1 {
        transport.read_done();
        return polled;
    }
    if !transport.poll_wait_expired(cx) {
        return Poll::Pending;
    }
    // The answer stopped short of the mark: take what came (lowering the mark makes the
    // kernel report it readable) and wake on any byte until another bulk run.
    core.read_batch_expired();
    let want = transport.wanted_lowat(core.read_wake_threshold());
    if let Err(e) = transport.set_lowat(want) {
        let e = Error::from(e);
        core.handle_transport_error(e.clone());
        return Poll::Ready(Err(e));
    }
    poll_fill(core, &mut transport.stream, cx)
}

/// Writes everything the core has queued.
async fn flush(core: &mut ConnectionCore, stream: &mut Stream) -> Result<(), Error> {
    let mut unflushed = false;
    poll_fn(|cx| poll_write_out(core, stream, &mut unflushed, cx)).await
}

/// Reads once from the socket into the core.
async fn fill(core: &mut ConnectionCore, stream: &mut Stream) -> Result<(), Error> {
    poll_fn(|cx| poll_fill(core, stream, cx)).await
}

/// An async connection to a PostgreSQL server.
///
/// ```no_run
/// # async fn demo() -> Result<(), pgtusk::Error> {
/// let mut conn = pgtusk::Connection::connect("postgresql://app:secret@localhost/app").await?;
/// conn.execute("CREATE TEMP TABLE t (a int8, b text)", ()).await?;
/// conn.execute("INSERT INTO t (a, b) VALUES ($1, $2)", (1_i64, "x")).await?;
/// let row = conn.query_one("SELECT a, b FROM t WHERE a = $1", (1_i64,)).await?;
/// let (a, b): (i64, &str) = (row.get(0), row.get("b"));
/// assert_eq!((a, b), (1, "x"));
/// # Ok(()) }
/// ```
pub struct Connection {
    core: ConnectionCore,
    stream: Transport,
    exec: Exec,
    /// The request a call was waiting for when its future was dropped.
    in_flight: Option<RequestId>,
    /// Bytes were written but the transport was not flushed yet (see `poll_write_out`).
    unflushed: bool,
    notice_handler: NoticeHandler,
    notifications: VecDeque<Notification>,
    cancel: Option<CancelToken>,
    query_timeout: Option<Duration>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection").field("core", &self.core).finish_non_exhaustive()
    }
}

impl Connection {
    pub(crate) fn from_parts(
        core: ConnectionCore,
        stream: Stream,
        config: &crate::conn::Config,
        cancel: Option<CancelToken>,
    ) -> Self {
        Self {
            core,
            stream: Transport::new(stream, config.get_read_batching()),
            exec: Exec::new(config, driver::random_seed()),
            in_flight: None,
            unflushed: false,
            notice_handler: driver::default_notice_handler(),
            notifications: VecDeque::new(),
            cancel,
            query_timeout: None,
        }
    }

    // ----- IO -----------------------------------------------------------------------------
    //
    // The hot path is written as plain `poll_*` functions driven by one `poll_fn` per call,
    // not as nested `async fn`s: a round trip polls the call's future about twice, and every
    // nested state machine would be entered (and its state moved) on each poll.

    async fn flush(&mut self) -> Result<(), Error> {
        let Self { core, stream, unflushed, .. } = self;
        poll_fn(|cx| poll_write_out(core, &mut stream.stream, unflushed, cx)).await
    }

    async fn fill(&mut self) -> Result<(), Error> {
        let Self { core, stream, .. } = self;
        poll_fn(|cx| poll_fill_batched(core, stream, cx)).await
    }

    /// Writes what is queued, then reads once.
    fn poll_io(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        ready!(poll_write_out(&mut self.core, &mut self.stream.stream, &mut self.unflushed, cx))?;
        poll_fill_batched(&mut self.core, &mut self.stream, cx)
    }

    /// Handles an event that is not a response to a request.
    fn session_event(&mut self, ev: Event) {
        match ev {
            Event::Notice(n) => driver::deliver_notice(&mut self.notice_handler, &n),
            Event::Notification(n) => self.notifications.push_back(Notification::from_message(&n)),
            _ => {}
        }
    }

    /// The next response to `req`, writing and reading as needed.
    fn poll_next_response(
        &mut self,
        cx: &mut Context<'_>,
        req: RequestId,
    ) -> Poll<Result<Response, Error>> {
        loop {
            match self.core.poll_event()? {
                Some(Event::Response(id, r)) if id == req => return Poll::Ready(Ok(r)),
                Some(Event::Response(..)) => {}
                Some(ev) => self.session_event(ev),
                None => ready!(self.poll_io(cx))?,
            }
        }
    }

    /// The next response to `req`, writing and reading as needed.
    async fn next_response(&mut self, req: RequestId) -> Result<Response, Error> {
        poll_fn(|cx| self.poll_next_response(cx, req)).await
    }

    /// Gives up on a request whose caller went away (see the module docs on cancel safety).
    fn abandon_previous(&mut self) {
        if let Some(prev) = self.in_flight.take() {
            self.core.abandon(prev);
        }
    }

    /// Sends `stmt` and returns its request and collector, marking it in flight.
    fn start<S, P>(&mut self, stmt: &S, params: &P) -> Result<(RequestId, Collector), Error>
    where
        S: ToStatement + ?Sized,
        P: Params + ?Sized,
    {
        self.abandon_previous();
        let (req, collector) = self.exec.send(&mut self.core, stmt.statement_ref(), params)?;
        self.in_flight = Some(req);
        Ok((req, collector))
    }

    /// Runs a request to its end, handing each row to `on_row`.
    fn poll_drive(
        &mut self,
        cx: &mut Context<'_>,
        req: RequestId,
        collector: &mut Collector,
        on_row: &mut (dyn FnMut(Row) + Send),
    ) -> Poll<Result<(), Error>> {
        loop {
            // `poll_next_response` written out, so that a response goes from the core to the
            // collector without a detour.
            let r = match self.core.poll_event() {
                Ok(Some(Event::Response(id, r))) if id == req => r,
                Ok(Some(Event::Response(..))) => continue,
                Ok(Some(ev)) => {
                    self.session_event(ev);
                    continue;
                }
                Ok(None) => match ready!(self.poll_io(cx)) {
                    Ok(()) => continue,
                    // When the session died after the server reported an error for this
                    // request, that report says more than "connection closed".
                    Err(e) => return Poll::Ready(Err(collector.take_error().unwrap_or(e))),
                },
                Err(e) => return Poll::Ready(Err(collector.take_error().unwrap_or(e))),
            };
            match collector.on_response(r)? {
                Step::Continue => {}
                Step::Row(row) => on_row(row),
                Step::Done => {
                    self.in_flight = None;
                    let status = self.core.transaction_status();
                    return Poll::Ready(self.exec.finish(collector, status));
                }
            }
        }
    }

    /// Runs a request to its end, handing each row to `on_row`.
    async fn drive(
        &mut self,
        req: RequestId,
        collector: &mut Collector,
        on_row: &mut (dyn FnMut(Row) + Send),
    ) -> Result<(), Error> {
        poll_fn(|cx| self.poll_drive(cx, req, collector, on_row)).await
    }

    /// [`drive`](Self::drive) with the per-call timeout applied: when it expires, the statement
    /// is cancelled on the server, its end is awaited (so the connection stays usable), and a
    /// [`ErrorKind::Timeout`] error is returned.
    async fn drive_timed(
        &mut self,
        req: RequestId,
        collector: &mut Collector,
        on_row: &mut (dyn FnMut(Row) + Send),
    ) -> Result<(), Error> {
        let Some(limit) = self.query_timeout else {
            return self.drive(req, collector, on_row).await;
        };
        self.drive_limited(limit, req, collector, on_row).await
    }

    /// [`drive_timed`](Self::drive_timed) when a timeout is set.
    async fn drive_limited(
        &mut self,
        limit: Duration,
        req: RequestId,
        collector: &mut Collector,
        on_row: &mut (dyn FnMut(Row) + Send),
    ) -> Result<(), Error> {
        match tokio::time::timeout(limit, self.drive(req, collector, on_row)).await {
            Ok(result) => result,
            Err(_elapsed) => {
                if let Some(token) = self.cancel.clone() {
                    // Best effort: the statement may have finished meanwhile.
                    let _ = token.cancel().await;
                }
                let _ = self.drive(req, collector, &mut |_| {}).await;
                Err(Error::new(ErrorKind::Timeout, format!("query timed out after {limit:?}")))
            }
        }
    }

    // ----- queries ------------------------------------------------------------------------

    /// Runs a statement to its end (retrying once when the statement cache says a fresh
    /// preparation fixes the failure) and returns the rows it affected.
    async fn run<S, P>(
        &mut self,
        stmt: &S,
        params: &P,
        on_row: &mut (dyn FnMut(Row) + Send),
    ) -> Result<u64, Error>
    where
        S: ToStatement + ?Sized,
        P: Params + ?Sized,
    {
        let mut retried = false;
        loop {
            let (req, mut c) = self.start(stmt, params)?;
            c.retried = retried;
            // Without a timeout the call's future is this one state machine around `poll_drive`.
            let result = match self.query_timeout {
                None => poll_fn(|cx| self.poll_drive(cx, req, &mut c, on_row)).await,
                Some(limit) => self.drive_limited(limit, req, &mut c, on_row).await,
            };
            match result {
                Ok(()) => return Ok(c.rows_affected()),
                Err(_) if c.retry => retried = true,
                Err(e) => return Err(e),
            }
        }
    }

    /// Runs a statement and returns the number of rows it affected (0 for statements that
    /// report none).
    pub async fn execute<S, P>(&mut self, statement: &S, params: P) -> Result<u64, Error>
    where
        S: ToStatement + ?Sized,
        P: Params,
    {
        self.run(statement, &params, &mut |_| {}).await
    }

    /// Runs a query and returns all its rows.
    pub async fn query<S, P>(&mut self, statement: &S, params: P) -> Result<Vec<Row>, Error>
    where
        S: ToStatement + ?Sized,
        P: Params,
    {
        let mut rows = Vec::new();
        self.run(statement, &params, &mut |r| rows.push(r)).await?;
        Ok(rows)
    }

    /// Runs a query that must return exactly one row.
    pub async fn query_one<S, P>(&mut self, statement: &S, params: P) -> Result<Row, Error>
    where
        S: ToStatement + ?Sized,
        P: Params,
    {
        let mut first = None;
        let mut count = 0_usize;
        self.run(statement, &params, &mut |r| {
            count += 1;
            first.get_or_insert(r);
        })
        .await?;
        exec::exactly_one(first, count)
    }

    /// Runs a query that returns zero or one row.
    pub async fn query_opt<S, P>(&mut self, statement: &S, params: P) -> Result<Option<Row>, Error>
    where
        S: ToStatement + ?Sized,
        P: Params,
    {
        let mut first = None;
        let mut count = 0_usize;
        self.run(statement, &params, &mut |r| {
            count += 1;
            first.get_or_insert(r);
        })
        .await?;
        exec::at_most_one(first, count)
    }

    /// Runs a query that returns one row of one column and loads that value.
    pub async fn query_scalar<T, S, P>(&mut self, statement: &S, params: P) -> Result<T, Error>
    where
        T: for<'a> Loader<'a>,
        S: ToStatement + ?Sized,
        P: Params,
    {
        exec::scalar(self.query_one(statement, params).await?)
    }

    /// Runs a query and maps every row with [`FromRow`].
    pub async fn query_as<T, S, P>(&mut self, statement: &S, params: P) -> Result<Vec<T>, Error>
    where
        T: FromRow,
        S: ToStatement + ?Sized,
        P: Params,
    {
        self.query(statement, params).await?.iter().map(T::from_row).collect()
    }

    /// Runs a query and streams its rows: memory stays bounded whatever the result size,
    /// because the socket is read only as rows are asked for.
    pub async fn query_stream<S, P>(
        &mut self,
        statement: &S,
        params: P,
    ) -> Result<RowStream<'_>, Error>
    where
        S: ToStatement + ?Sized,
        P: Params,
    {
        let (req, collector) = self.start(statement, &params)?;
        self.flush().await?;
        Ok(RowStream { conn: self, feed: RowFeed::new(req, collector, 0) })
    }

    /// Like [`query_stream`](Self::query_stream), but the server produces the rows
    /// `batch_size` at a time (Execute with a row limit on a portal), so it holds no more than
    /// one batch ahead of the reader either. Only inside a transaction, where the portal
    /// survives between batches; elsewhere an [`ErrorKind::Misuse`] error.
    pub async fn query_stream_batched<S, P>(
        &mut self,
        statement: &S,
        params: P,
        batch_size: u32,
    ) -> Result<RowStream<'_>, Error>
    where
        S: ToStatement + ?Sized,
        P: Params,
    {
        if self.core.transaction_status() != TransactionStatus::InTransaction {
            return Err(Error::misuse("query_stream_batched needs an open transaction"));
        }
        let batch = batch_size.max(1);
        self.abandon_previous();
        let (req, collector) =
            self.exec.send_item(&mut self.core, statement.statement_ref(), &params, true, batch)?;
        self.in_flight = Some(req);
        self.flush().await?;
        Ok(RowStream { conn: self, feed: RowFeed::new(req, collector, batch) })
    }

    /// Runs one or more statements separated by semicolons with the simple query protocol
    /// (no parameters; results are discarded).
    pub async fn batch_execute(&mut self, sql: &str) -> Result<(), Error> {
        self.simple_query(sql).await.map(drop)
    }

    /// Runs several statements separated by semicolons with the simple query protocol and
    /// returns each statement's result: rows (text format), command tag and row count. The
    /// statements run as one implicit transaction unless they manage their own; the first
    /// error stops the rest and is returned.
    pub async fn query_multi(&mut self, sql: &str) -> Result<Vec<crate::conn::ResultSet>, Error> {
        self.abandon_previous();
        let req = self.core.send_query(sql)?;
        self.in_flight = Some(req);
        let mut c = self.exec.multi_collector();
        loop {
            let r = match self.next_response(req).await {
                Ok(r) => r,
                Err(e) => return Err(c.inner.take_error().unwrap_or(e)),
            };
            if c.on_response(r)? {
                self.in_flight = None;
                let status = c.inner.status();
                self.exec.finish(&mut c.inner, status)?;
                return Ok(c.sets);
            }
        }
    }

    /// Runs a simple query and returns its collector (for the last command tag).
    async fn simple_query(&mut self, sql: &str) -> Result<Collector, Error> {
        self.abandon_previous();
        let req = self.core.send_query(sql)?;
        self.in_flight = Some(req);
        let mut c = Collector::default();
        self.drive_timed(req, &mut c, &mut |_| {}).await?;
        Ok(c)
    }

    /// Prepares a named statement on the server. The automatic statement cache covers repeated
    /// SQL already; this is for explicit control.
    pub async fn prepare(&mut self, sql: &str) -> Result<Statement, Error> {
        self.prepare_typed(sql, &[]).await
    }

    /// Prepares a statement with some parameter types given (0 = let the server infer).
    pub async fn prepare_typed(
        &mut self,
        sql: &str,
        types: &[crate::protocol::Oid],
    ) -> Result<Statement, Error> {
        self.abandon_previous();
        let name = self.exec.explicit_name();
        let req = exec::send_prepare(&mut self.core, &name, sql, types, true)?;
        self.in_flight = Some(req);
        let mut c = self.exec.collector();
        self.drive(req, &mut c, &mut |_| {}).await?;
        Ok(exec::statement_from(name, &c))
    }

    // ----- session ------------------------------------------------------------------------

    /// A server parameter (`server_version`, `TimeZone`, `DateStyle`...), as last reported.
    pub fn parameter(&self, name: &str) -> Option<&str> {
        self.core.parameter(name)
    }

    /// The server's version number, e.g. 180001 for 18.1 (from `server_version`).
    pub fn server_version_num(&self) -> Option<u32> {
        let v = self.parameter("server_version")?;
        let mut parts = v.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty());
        let major: u32 = parts.next()?.parse().ok()?;
        let minor: u32 = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
        Some(major * 10_000 + minor)
    }

    /// The transaction status from the server's last ReadyForQuery.
    pub fn transaction_status(&self) -> TransactionStatus {
        self.core.transaction_status()
    }

    /// The negotiated protocol version (3.2 with PostgreSQL 18, 3.0 before).
    pub fn protocol_version(&self) -> crate::protocol::ProtocolVersion {
        self.core.protocol_version()
    }

    /// True when the session runs over TLS.
    pub fn is_tls(&self) -> bool {
        self.core.is_tls()
    }

    /// True once the connection is closed (it cannot be used again).
    pub fn is_closed(&self) -> bool {
        self.core.is_closed()
    }

    /// Replaces the notice handler (by default notices are logged through the `log` crate).
    pub fn set_notice_handler(&mut self, handler: impl FnMut(&crate::DbError) + Send + 'static) {
        self.notice_handler = Box::new(handler);
    }

    /// Sets a timeout for every later call: when it expires, the running statement is
    /// cancelled on the server, the call returns an [`ErrorKind::Timeout`] error, and the
    /// connection stays usable. `None` (the default) waits for ever.
    pub fn set_query_timeout(&mut self, timeout: Option<Duration>) {
        self.query_timeout = timeout;
    }

    /// A token that cancels the statement running on this connection, from any task or
    /// thread.
    pub fn cancel_token(&self) -> Option<CancelToken> {
        self.cancel.clone()
    }

    /// The types registered on this connection, beyond the built-in ones: what
    /// [`Value`](crate::types::Value) uses to load enums, domains and types with a registered
    /// loader. It starts as a copy of [`AdaptersMap::global`](crate::types::AdaptersMap::global).
    pub fn adapters(&self) -> &crate::types::AdaptersMap {
        self.exec.adapters()
    }

    /// Reads a type's description from `pg_type` ([`TypeInfo::fetch`]) and registers it on
    /// this connection's [`adapters`](Self::adapters). `name` may be schema-qualified.
    pub async fn register_type(&mut self, name: &str) -> Result<TypeInfo, Error> {
        let info = TypeInfo::fetch(self, name).await?;
        self.adapters().register(info.clone());
        Ok(info)
    }

    /// The next notification (`LISTEN`/`NOTIFY`), waiting for one if none was received yet.
    /// Notifications that arrive during other calls are queued and handed out first.
    pub async fn next_notification(&mut self) -> Result<Notification, Error> {
        self.abandon_previous();
        loop {
            if let Some(n) = self.notifications.pop_front() {
                return Ok(n);
            }
            match self.core.poll_event()? {
                Some(ev) => self.session_event(ev),
                None => {
                    self.flush().await?;
                    self.fill().await?;
                }
            }
        }
    }

    /// Notifications received so far, without waiting.
    pub fn take_notifications(&mut self) -> Vec<Notification> {
        self.notifications.drain(..).collect()
    }

    // ----- pool support -------------------------------------------------------------------

    /// Nothing owed, nothing queued, no transaction open: the connection can be lent out
    /// as it is.
    pub(crate) fn is_settled(&self) -> bool {
        !self.owes_answers() && self.core.transaction_status() == TransactionStatus::Idle
    }

    /// A request is unfinished or abandoned, or something is still to be sent.
    fn owes_answers(&self) -> bool {
        self.in_flight.is_some() || !self.core.is_quiet()
    }

    /// Brings the session back to idle for its next borrower: what earlier calls left owed
    /// is read and discarded (an empty query, sent only then, answers after all of it), then
    /// an open transaction is rolled back. Notifications received meanwhile are dropped.
    pub(crate) async fn reset(&mut self) -> Result<(), Error> {
        if self.owes_answers() {
            self.batch_execute("").await?;
        }
        if self.core.transaction_status() != TransactionStatus::Idle {
            self.batch_execute("ROLLBACK").await?;
        }
        self.notifications.clear();
        Ok(())
    }

    /// Whether an idle connection is still alive, without a round trip: the socket is
    /// asked whether anything arrived (one system call); if so (the server's goodbye, its
    /// closing of the socket, or a notification), that is read and handled. False when the
    /// server has ended the session or the socket failed.
    pub(crate) async fn probe(&mut self) -> bool {
        match self.stream.stream.has_input() {
            Ok(false) => return true,
            Ok(true) => {}
            Err(_) => return false,
        }
        // Let the runtime poll its IO driver, so that the socket reads as ready.
        tokio::task::yield_now().await;
        poll_fn(|cx| {
            loop {
                match self.core.poll_event() {
                    Ok(Some(ev)) => {
                        self.session_event(ev);
                        continue;
                    }
                    Ok(None) if self.core.is_closed() => return Poll::Ready(false),
                    Ok(None) => {}
                    Err(_) => return Poll::Ready(false),
                }
                match poll_fill(&mut self.core, &mut self.stream.stream, cx) {
                    // All read. Or, in theory, the runtime still does not see the socket as
                    // readable: then do not lend a connection nothing is known of.
                    Poll::Pending => {
                        return Poll::Ready(matches!(self.stream.stream.has_input(), Ok(false)));
                    }
                    Poll::Ready(Ok(())) => {}
                    Poll::Ready(Err(_)) => return Poll::Ready(false),
                }
            }
        })
        .await
    }

    /// Closes the connection politely (Terminate), waiting until it was sent.
    pub async fn close(mut self) -> Result<(), Error> {
        self.abandon_previous();
        self.core.send_terminate()?;
        self.flush().await?;
        let _ = self.stream.shutdown().await;
        Ok(())
    }
}

/// Rows of a query, read from the socket as they are asked for. Dropping the stream before
/// its end is fine: the next call on the connection skips the rest.
pub struct RowStream<'c> {
    conn: &'c mut Connection,
    feed: RowFeed,
}

impl RowStream<'_> {
    /// The next row, `None` at the end, or the query's error.
    pub async fn next(&mut self) -> Option<Result<Row, Error>> {
        self.next_as().await
    }

    /// The next row built as `T` (a tuple by position, a derived struct by name), `None` at
    /// the end, or the query's error. Tuples are built straight from the message, without a
    /// [`Row`] in between ([`FromRow::from_data_row`]): the fastest way to stream typed rows.
    /// A row that does not fit `T` is an error that ends the stream (the rest of the result
    /// is drained by the next call on the connection).
    ///
    /// ```no_run
    /// # async fn demo(conn: &mut pgtusk::Connection) -> Result<(), pgtusk::Error> {
    /// let mut rows = conn.query_stream("SELECT id, name FROM t", ()).await?;
    /// while let Some(row) = rows.next_as::<(i64, String)>().await {
    ///     let (id, name) = row?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn next_as<T: FromRow>(&mut self) -> Option<Result<T, Error>> {
        if self.feed.is_done() {
            return None;
        }
        loop {
            if let Some(item) = self.feed.next_in_place(&mut self.conn.core) {
                return Some(item);
            }
            let r = self.conn.next_response(self.feed.req).await;
            let conn = &mut *self.conn;
            if let Some(item) =
                self.feed.on_response(r, &mut conn.exec, &mut conn.core, &mut conn.in_flight)
            {
                return item;
            }
        }
    }

    /// Up to `n` more rows (fewer only at the end).
    pub async fn next_batch(&mut self, n: usize) -> Result<Vec<Row>, Error> {
        let mut out = Vec::with_capacity(n.min(4096));
        while out.len() < n {
            match self.next().await {
                Some(row) => out.push(row?),
                None => break,
            }
        }
        Ok(out)
    }

    /// Rows affected, as reported by the command tag (available at the end).
    pub fn rows_affected(&self) -> u64 {
        self.feed.rows_affected()
    }
}

impl TypeInfo {
    /// Reads the description of the type called `name` (schema-qualified or not, resolved as
    /// `::regtype` would) from `pg_type` and, for enums, composites and multiranges, their
    /// labels, attributes or range type. An error if no such type exists.
    pub async fn fetch(conn: &mut Connection, name: &str) -> Result<TypeInfo, Error> {
        let row = conn
            .query_opt(TypeInfo::TYPE_QUERY, (name,))
            .await?
            .ok_or_else(|| TypeInfo::not_found(name))?;
        let (mut info, follow) = TypeInfo::from_type_row(&row)?;
        if let Some((sql, param)) = follow {
            let rows = conn.query(sql, (param,)).await?;
            info.complete(&rows)?;
        }
        Ok(info)
    }
}
