//! The blocking connection: the same API as the async [`Connection`](crate::Connection)
//! without `.await`, on `std::net` sockets and plain system calls (no runtime inside).
//!
//! Like the async driver it is a thin loop around [`ConnectionCore`]: a round trip whose answer
//! fits the read buffer costs one `write` and one `read` system call.
//!
//! ```no_run
//! let mut conn = pgtusk::blocking::Connection::connect("postgresql://app:secret@localhost/app")?;
//! let n: i64 = conn.query_scalar("SELECT $1::int8 * 2", (21_i64,))?;
//! assert_eq!(n, 42);
//! # Ok::<(), pgtusk::Error>(())
//! ```

mod connect;
mod copy;
mod cursor;
mod pipeline;
mod stream;
mod transaction;

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

use crate::conn::exec::{self, Collector, Exec, RowFeed, Step};
use crate::conn::{ConnectionCore, Event, RequestId, Response, Statement, ToStatement};
use crate::driver::{self, CancelToken, NoticeHandler, Notification};
use crate::error::{Error, ErrorKind};
use crate::protocol::TransactionStatus;
use crate::types::{FromRow, Loader, Params, Row, TypeInfo};

pub use crate::pool::blocking_pool::{Pool, PooledConnection};
pub use copy::{CopyIn, CopyOut};
pub use cursor::Cursor;
pub use pipeline::Pipeline;
pub use transaction::{Transaction, TransactionBuilder};

use stream::Stream;

/// Writes everything the core has queued.
fn flush(core: &mut ConnectionCore, stream: &mut Stream) -> Result<(), Error> {
    let result = write_all(core, stream);
    if let Err(e) = &result {
        core.handle_transport_error(e.clone());
    }
    result
}

/// Writes what the core has queued in one system call: everything, zero-copy COPY payloads
/// included, as far as the socket takes it.
fn write_queued(core: &ConnectionCore, stream: &mut Stream) -> std::io::Result<usize> {
    let mut slices = [std::io::IoSlice::new(&[]); 32];
    let filled = core.poll_transmit_vectored(&mut slices);
    stream.write_vectored(slices.get(..filled).unwrap_or_default())
}

fn write_all(core: &mut ConnectionCore, stream: &mut Stream) -> Result<(), Error> {
    let mut wrote = false;
    while core.wants_write() {
        let n = write_queued(core, stream)?;
        if n == 0 {
            return Err(Error::new(ErrorKind::Closed, "socket closed while writing"));
        }
        core.advance_transmit(n);
        wrote = true;
    }
    if wrote {
        stream.flush()?;
    }
    Ok(())
}

/// Reads once from the socket into the core, through `scratch`: a buffer kept across reads so
/// that no read has to zero memory first (copying the bytes that arrived costs less than
/// zeroing the whole read window). Returns how many bytes came.
fn fill(
    core: &mut ConnectionCore,
    stream: &mut Stream,
    scratch: &mut Vec<u8>,
) -> Result<usize, Error> {
    let want = core.read_size_hint();
    if scratch.len() < want {
        scratch.resize(want, 0);
    }
    let window = scratch.get_mut(..want).unwrap_or_default();
    let n = loop {
        match stream.read(window) {
            Ok(n) => break n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                let e = Error::from(e);
                // A read timeout (notifications with a timeout) leaves the session intact.
                if !matches!(e.kind(), ErrorKind::Timeout) && !is_would_block(&e) {
                    core.handle_transport_error(e.clone());
                }
                return Err(e);
            }
        }
    };
    if n == 0 {
        core.handle_eof();
    } else {
        core.handle_input_bytes(window.get(..n).unwrap_or_default());
    }
    Ok(n)
}

/// A blocking connection to a PostgreSQL server.
pub struct Connection {
    core: ConnectionCore,
    stream: Stream,
    exec: Exec,
    /// The read window (see [`fill`]).
    scratch: Vec<u8>,
    /// The request a call was waiting for when it was interrupted (an error or a panic in
    /// a row callback); abandoned by the next call.
    in_flight: Option<RequestId>,
    notice_handler: NoticeHandler,
    notifications: VecDeque<Notification>,
    cancel: Option<CancelToken>,
    query_timeout: Option<Duration>,
    /// When the call in progress times out (set per call from `query_timeout`).
    deadline: Option<Instant>,
    /// The call in progress timed out and its statement was cancelled.
    timed_out: bool,
    /// Read batching is on (the `read_batching` parameter, over TCP on Linux).
    read_batching: bool,
    /// The receive low-water mark the socket has now (1: wake on any byte).
    lowat: usize,
    /// The read timeout the call in progress asked for (a batched read shortens it).
    read_timeout: Option<Duration>,
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
            stream,
            exec: Exec::new(config, driver::random_seed()),
            scratch: Vec::new(),
            in_flight: None,
            notice_handler: driver::default_notice_handler(),
            notifications: VecDeque::new(),
            cancel,
            query_timeout: None,
            deadline: None,
            timed_out: false,
            read_batching: config.get_read_batching(),
            lowat: 1,
            read_timeout: None,
        }
    }

    fn flush(&mut self) -> Result<(), Error> {
        flush(&mut self.core, &mut self.stream)
    }

    /// Reads once, batched when the core says an answer is streaming in bulk
    /// ([`ConnectionCore::read_wake_threshold`]): the socket's low-water mark then lets the
    /// kernel gather that many bytes before it wakes this thread, and the read timeout
    /// (`READ_BATCH_WAIT` at most) bounds the wait for an answer that ends short of it.
    fn fill(&mut self) -> Result<(), Error> {
        // The plain read unless reads are, or are due to be, batched.
        if self.lowat == 1 && (!self.read_batching || self.core.read_wake_threshold() == 1) {
            return fill(&mut self.core, &mut self.stream, &mut self.scratch).map(drop);
        }
        self.fill_under_mark()
    }

    /// [`fill`](Self::fill) when the mark is raised or due to be.
    #[inline(never)]
    fn fill_under_mark(&mut self) -> Result<(), Error> {
        let want = if self.read_batching { self.core.read_wake_threshold() } else { 1 };
        if want != self.lowat {
            self.set_lowat(want)?;
        }
        if self.lowat == 1 {
            return fill(&mut self.core, &mut self.stream, &mut self.scratch).map(drop);
        }
        let window = self.core.read_size_hint();
        let expired = match fill(&mut self.core, &mut self.stream, &mut self.scratch) {
            // A read that stopped short of what it waited for ended by the timeout (TLS
            // returns plaintext in records, so there only the timeout error tells).
            Ok(n) => !self.stream.is_tls() && n < self.lowat.min(window),
            Err(e) if e.kind() == ErrorKind::Timeout || is_would_block(&e) => true,
            Err(e) => return Err(e),
        };
        if expired {
            self.core.read_batch_expired();
        }
        Ok(())
    }

    fn set_lowat(&mut self, bytes: usize) -> Result<(), Error> {
        match self.stream.set_recv_lowat(bytes) {
            Ok(true) => {
                self.lowat = bytes;
                self.apply_read_timeout()
            }
            // No TCP socket under this stream, or the kernel refused: read unbatched (a mark
            // that could not be lowered keeps its bounded waits).
            Ok(false) | Err(_) => {
                self.read_batching = false;
                Ok(())
            }
        }
    }

    /// Sets the read timeout a call wants (`None`: block until data comes).
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> Result<(), Error> {
        self.read_timeout = timeout;
        self.apply_read_timeout()
    }

    /// The socket's read timeout: the call's own, shortened to `READ_BATCH_WAIT` while reads
    /// are batched.
    fn apply_read_timeout(&mut self) -> Result<(), Error> {
        let timeout = match self.read_timeout {
            _ if self.lowat == 1 => self.read_timeout,
            Some(t) => Some(t.min(driver::READ_BATCH_WAIT)),
            None => Some(driver::READ_BATCH_WAIT),
        };
        Ok(self.stream.set_read_timeout(timeout)?)
    }

    fn session_event(&mut self, ev: Event) {
        match ev {
            Event::Notice(n) => driver::deliver_notice(&mut self.notice_handler, &n),
            Event::Notification(n) => self.notifications.push_back(Notification::from_message(&n)),
            _ => {}
        }
    }

    fn next_response(&mut self, req: RequestId) -> Result<Response, Error> {
        loop {
            match self.core.poll_event()? {
                Some(Event::Response(id, r)) if id == req => return Ok(r),
                Some(Event::Response(..)) => {}
                Some(ev) => self.session_event(ev),
                None => {
                    if self.core.wants_write() {
                        self.flush()?;
                    }
                    match self.deadline {
                        None => self.fill()?,
                        Some(deadline) => self.fill_until(deadline)?,
                    }
                }
            }
        }
    }

    /// Reads with the per-call timeout: when `deadline` passes, the statement is cancelled on
    /// the server and the call goes on without a deadline until the server answers.
    fn fill_until(&mut self, deadline: Instant) -> Result<(), Error> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            self.deadline = None;
            self.timed_out = true;
            self.set_read_timeout(None)?;
            if let Some(token) = &self.cancel {
                // Best effort: the statement may have finished meanwhile.
                let _ = token.cancel_blocking();
            }
            return Ok(());
        }
        self.set_read_timeout(Some(left))?;
        match self.fill() {
            Err(e) if e.kind() == ErrorKind::Timeout || is_would_block(&e) => Ok(()),
            other => other,
        }
    }

    /// Ends a call's timeout: the error to return instead of the call's own, if it timed out.
    fn end_deadline(&mut self) -> Option<Error> {
        if self.deadline.take().is_some() {
            let _ = self.set_read_timeout(None);
        }
        std::mem::take(&mut self.timed_out).then(|| {
            let limit = self.query_timeout.unwrap_or_default();
            Error::new(ErrorKind::Timeout, format!("query timed out after {limit:?}"))
        })
    }

    fn abandon_previous(&mut self) {
        if let Some(prev) = self.in_flight.take() {
            self.core.abandon(prev);
        }
    }

    fn start<S, P>(&mut self, stmt: &S, params: &P) -> Result<(RequestId, Collector), Error>
    where
        S: ToStatement + ?Sized,
        P: Params + ?Sized,
    {
        self.abandon_previous();
        let (req, collector) = self.exec.send(&mut self.core, stmt.statement_ref(), params)?;
        self.in_flight = Some(req);
        self.deadline = self.query_timeout.map(|t| Instant::now() + t);
        Ok((req, collector))
    }

    fn drive(
        &mut self,
        req: RequestId,
        collector: &mut Collector,
        on_row: &mut dyn FnMut(Row),
    ) -> Result<(), Error> {
        loop {
            // When the session died after the server reported an error for this request,
            // that report says more than "connection closed".
            let r = match self.next_response(req) {
                Ok(r) => r,
                Err(e) => {
                    let e = collector.take_error().unwrap_or(e);
                    return Err(self.end_deadline().unwrap_or(e));
                }
            };
            match collector.on_response(r)? {
                Step::Continue => {}
                Step::Row(row) => on_row(row),
                Step::Done => {
                    self.in_flight = None;
                    let result = self.exec.finish(collector, self.core.transaction_status());
                    return match self.end_deadline() {
                        Some(timeout) => Err(timeout),
                        None => result,
                    };
                }
            }
        }
    }

    /// Runs a statement to its end (retrying once when the statement cache says a fresh
    /// preparation fixes the failure).
    fn run<S, P>(
        &mut self,
        stmt: &S,
        params: &P,
        on_row: &mut dyn FnMut(Row),
    ) -> Result<Collector, Error>
    where
        S: ToStatement + ?Sized,
        P: Params + ?Sized,
    {
        let mut retried = false;
        loop {
            let (req, mut c) = self.start(stmt, params)?;
            c.retried = retried;
            match self.drive(req, &mut c, on_row) {
                Ok(()) => return Ok(c),
                Err(_) if c.retry => retried = true,
                Err(e) => return Err(e),
            }
        }
    }

    /// Runs a statement and returns the number of rows it affected.
    pub fn execute<S, P>(&mut self, statement: &S, params: P) -> Result<u64, Error>
    where
        S: ToStatement + ?Sized,
        P: Params,
    {
        Ok(self.run(statement, &params, &mut |_| {})?.rows_affected())
    }

    /// Runs a query and returns all its rows.
    pub fn query<S, P>(&mut self, statement: &S, params: P) -> Result<Vec<Row>, Error>
    where
        S: ToStatement + ?Sized,
        P: Params,
    {
        let mut rows = Vec::new();
        self.run(statement, &params, &mut |r| rows.push(r))?;
        Ok(rows)
    }

    /// Runs a query that must return exactly one row.
    pub fn query_one<S, P>(&mut self, statement: &S, params: P) -> Result<Row, Error>
    where
        S: ToStatement + ?Sized,
        P: Params,
    {
        let mut first = None;
        let mut count = 0_usize;
        self.run(statement, &params, &mut |r| {
            count += 1;
            first.get_or_insert(r);
        })?;
        exec::exactly_one(first, count)
    }

    /// Runs a query that returns zero or one row.
    pub fn query_opt<S, P>(&mut self, statement: &S, params: P) -> Result<Option<Row>, Error>
    where
        S: ToStatement + ?Sized,
        P: Params,
    {
        let mut first = None;
        let mut count = 0_usize;
        self.run(statement, &params, &mut |r| {
            count += 1;
            first.get_or_insert(r);
        })?;
        exec::at_most_one(first, count)
    }

    /// Runs a query that returns one row of one column and loads that value.
    pub fn query_scalar<T, S, P>(&mut self, statement: &S, params: P) -> Result<T, Error>
    where
        T: for<'a> Loader<'a>,
        S: ToStatement + ?Sized,
        P: Params,
    {
        exec::scalar(self.query_one(statement, params)?)
    }

    /// Runs a query and maps every row with [`FromRow`].
    pub fn query_as<T, S, P>(&mut self, statement: &S, params: P) -> Result<Vec<T>, Error>
    where
        T: FromRow,
        S: ToStatement + ?Sized,
        P: Params,
    {
        self.query(statement, params)?.iter().map(T::from_row).collect()
    }

    /// Runs a query and iterates over its rows, reading the socket only as rows are asked
    /// for (bounded memory).
    pub fn query_stream<S, P>(&mut self, statement: &S, params: P) -> Result<RowIter<'_>, Error>
    where
        S: ToStatement + ?Sized,
        P: Params,
    {
        let (req, collector) = self.start(statement, &params)?;
        self.flush()?;
        Ok(RowIter { conn: self, feed: RowFeed::new(req, collector, 0) })
    }

    /// Like [`query_stream`](Self::query_stream), but the server produces the rows
    /// `batch_size` at a time (a portal with a row limit). Only inside a transaction.
    pub fn query_stream_batched<S, P>(
        &mut self,
        statement: &S,
        params: P,
        batch_size: u32,
    ) -> Result<RowIter<'_>, Error>
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
        self.flush()?;
        Ok(RowIter { conn: self, feed: RowFeed::new(req, collector, batch) })
    }

    /// Runs one or more statements separated by semicolons with the simple query protocol
    /// (no parameters; results are discarded).
    pub fn batch_execute(&mut self, sql: &str) -> Result<(), Error> {
        self.simple_query(sql).map(drop)
    }

    /// Runs several statements separated by semicolons with the simple query protocol and
    /// returns each statement's result: rows (text format), command tag and row count. The
    /// statements run as one implicit transaction unless they manage their own; the first
    /// error stops the rest and is returned.
    pub fn query_multi(&mut self, sql: &str) -> Result<Vec<crate::conn::ResultSet>, Error> {
        self.abandon_previous();
        let req = self.core.send_query(sql)?;
        self.in_flight = Some(req);
        let mut c = self.exec.multi_collector();
        loop {
            let r = match self.next_response(req) {
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
    fn simple_query(&mut self, sql: &str) -> Result<Collector, Error> {
        self.abandon_previous();
        let req = self.core.send_query(sql)?;
        self.in_flight = Some(req);
        self.deadline = self.query_timeout.map(|t| Instant::now() + t);
        let mut c = Collector::default();
        self.drive(req, &mut c, &mut |_| {})?;
        Ok(c)
    }

    /// Prepares a named statement on the server.
    pub fn prepare(&mut self, sql: &str) -> Result<Statement, Error> {
        self.prepare_typed(sql, &[])
    }

    /// Prepares a statement with some parameter types given (0 = let the server infer).
    pub fn prepare_typed(
        &mut self,
        sql: &str,
        types: &[crate::protocol::Oid],
    ) -> Result<Statement, Error> {
        self.abandon_previous();
        let name = self.exec.explicit_name();
        let req = exec::send_prepare(&mut self.core, &name, sql, types, true)?;
        self.in_flight = Some(req);
        let mut c = self.exec.collector();
        self.drive(req, &mut c, &mut |_| {})?;
        Ok(exec::statement_from(name, &c))
    }

    /// A server parameter (`server_version`, `TimeZone`...), as last reported.
    pub fn parameter(&self, name: &str) -> Option<&str> {
        self.core.parameter(name)
    }

    /// The transaction status from the server's last ReadyForQuery.
    pub fn transaction_status(&self) -> TransactionStatus {
        self.core.transaction_status()
    }

    /// The negotiated protocol version.
    pub fn protocol_version(&self) -> crate::protocol::ProtocolVersion {
        self.core.protocol_version()
    }

    /// True when the session runs over TLS.
    pub fn is_tls(&self) -> bool {
        self.core.is_tls()
    }

    /// True once the connection is closed.
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

    /// A token that cancels the statement running on this connection, from another thread.
    pub fn cancel_token(&self) -> Option<CancelToken> {
        self.cancel.clone()
    }

    /// The types registered on this connection, beyond the built-in ones: what
    /// [`Value`](crate::types::Value) uses to load enums, domains and types with a registered
    /// loader. It starts as a copy of [`AdaptersMap::global`](crate::types::AdaptersMap::global).
    pub fn adapters(&self) -> &crate::types::AdaptersMap {
        self.exec.adapters()
    }

    /// Reads a type's description from `pg_type` ([`TypeInfo::fetch_blocking`]) and registers it on
    /// this connection's [`adapters`](Self::adapters). `name` may be schema-qualified.
    pub fn register_type(&mut self, name: &str) -> Result<TypeInfo, Error> {
        let info = TypeInfo::fetch_blocking(self, name)?;
        self.adapters().register(info.clone());
        Ok(info)
    }

    /// Waits up to `timeout` for the next notification (`LISTEN`/`NOTIFY`); `Ok(None)` when
    /// none came in time.
    pub fn next_notification(&mut self, timeout: Duration) -> Result<Option<Notification>, Error> {
        self.abandon_previous();
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(n) = self.notifications.pop_front() {
                return Ok(Some(n));
            }
            match self.core.poll_event()? {
                Some(ev) => self.session_event(ev),
                None => {
                    self.flush()?;
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Ok(None);
                    }
                    self.set_read_timeout(Some(left))?;
                    let r = self.fill();
                    self.set_read_timeout(None)?;
                    match r {
                        Err(e) if e.kind() == ErrorKind::Timeout || is_would_block(&e) => {
                            return Ok(self.notifications.pop_front());
                        }
                        other => other?,
                    }
                }
            }
        }
    }

    /// An iterator over notifications that waits up to `timeout` for each one and ends when
    /// none arrives in time.
    pub fn notifications(&mut self, timeout: Duration) -> Notifications<'_> {
        Notifications { conn: self, timeout }
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
    /// Each step runs under `limit` as its query timeout (the connection's own is restored
    /// after).
    pub(crate) fn reset(&mut self, limit: Duration) -> Result<(), Error> {
        let own = self.query_timeout.replace(limit);
        let drained = if self.owes_answers() { self.batch_execute("") } else { Ok(()) };
        let result = drained.and_then(|()| {
            if self.core.transaction_status() == TransactionStatus::Idle {
                return Ok(());
            }
            self.batch_execute("ROLLBACK")
        });
        self.query_timeout = own;
        self.notifications.clear();
        result
    }

    /// Whether an idle connection is still alive, without a round trip: the socket is
    /// asked whether anything arrived (one system call on Linux); if so (the server's
    /// goodbye, its closing of the socket, or a notification), that is read and handled.
    /// False when the server has ended the session or the socket failed.
    pub(crate) fn probe(&mut self) -> bool {
        match self.stream.has_input() {
            Ok(Some(false)) => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
        if self.stream.set_nonblocking(true).is_err() {
            return false;
        }
        let alive = loop {
            match self.core.poll_event() {
                Ok(Some(ev)) => {
                    self.session_event(ev);
                    continue;
                }
                Ok(None) if self.core.is_closed() => break false,
                Ok(None) => {}
                Err(_) => break false,
            }
            match fill(&mut self.core, &mut self.stream, &mut self.scratch) {
                Ok(_) => {}
                Err(e) if is_would_block(&e) => break true,
                Err(_) => break false,
            }
        };
        self.stream.set_nonblocking(false).is_ok() && alive
    }

    /// Closes the connection politely (Terminate).
    pub fn close(mut self) -> Result<(), Error> {
        self.abandon_previous();
        self.core.send_terminate()?;
        self.flush()?;
        self.stream.shutdown();
        Ok(())
    }
}

fn is_would_block(e: &Error) -> bool {
    use std::error::Error as _;
    e.source()
        .and_then(|s| s.downcast_ref::<std::io::Error>())
        .is_some_and(|io| io.kind() == std::io::ErrorKind::WouldBlock)
}

/// Rows of a query, read as they are asked for. Dropping it early is fine: the next call on
/// the connection skips the rest.
pub struct RowIter<'c> {
    conn: &'c mut Connection,
    feed: RowFeed,
}

impl RowIter<'_> {
    /// The next row built as `T`; see the async
    /// [`RowStream::next_as`](crate::RowStream::next_as).
    pub fn next_as<T: FromRow>(&mut self) -> Option<Result<T, Error>> {
        if self.feed.is_done() {
            return None;
        }
        loop {
            if let Some(item) = self.feed.next_in_place(&mut self.conn.core) {
                return Some(item);
            }
            let r = self.conn.next_response(self.feed.req);
            let conn = &mut *self.conn;
            if let Some(item) =
                self.feed.on_response(r, &mut conn.exec, &mut conn.core, &mut conn.in_flight)
            {
                return item;
            }
        }
    }

    /// Up to `n` more rows (fewer only at the end).
    pub fn next_batch(&mut self, n: usize) -> Result<Vec<Row>, Error> {
        let mut out = Vec::with_capacity(n.min(4096));
        while out.len() < n {
            match self.next() {
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

impl Iterator for RowIter<'_> {
    type Item = Result<Row, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_as()
    }
}

/// Notifications, each awaited up to a timeout; see [`Connection::notifications`].
pub struct Notifications<'c> {
    conn: &'c mut Connection,
    timeout: Duration,
}

impl Iterator for Notifications<'_> {
    type Item = Result<Notification, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.conn.next_notification(self.timeout).transpose()
    }
}

impl TypeInfo {
    /// Reads the description of the type called `name` (schema-qualified or not, resolved as
    /// `::regtype` would) from `pg_type` and, for enums, composites and multiranges, their
    /// labels, attributes or range type. An error if no such type exists.
    pub fn fetch_blocking(conn: &mut Connection, name: &str) -> Result<TypeInfo, Error> {
        let row = conn
            .query_opt(TypeInfo::TYPE_QUERY, (name,))?
            .ok_or_else(|| TypeInfo::not_found(name))?;
        let (mut info, follow) = TypeInfo::from_type_row(&row)?;
        if let Some((sql, param)) = follow {
            let rows = conn.query(sql, (param,))?;
            info.complete(&rows)?;
        }
        Ok(info)
    }
}
