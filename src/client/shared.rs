//! [`Client`]: a connection shared by many tasks, with implicit pipelining.
//!
//! A background task owns the socket and the core. Each call encodes its request in the
//! caller's task (parameters included, through the statement cache) straight into a batch
//! shared with the driver task, which takes the whole batch at once and queues it behind the
//! requests already sent, without waiting for their answers: concurrent calls share one
//! connection and their round trips overlap. Every request keeps its own Sync, so an error in
//! one task's statement never aborts another's.
//!
//! ```text
//!  caller tasks                         driver task
//!  lock Inner: encode into `batch`,     lock Inner: take `batch` + `replies` (swap buffers),
//!  push a reply Slot, wake the driver   queue them in the core, write, read, and push each
//!  wait on the Slot  <----------------  response into its request's Slot (waking its caller)
//! ```
//!
//! A call's answer comes back through its `Slot`: a small queue the driver pushes into and
//! the caller pops from. Slots are reused by later calls, so a call usually allocates nothing
//! for its answer. Dropping a call's future abandons its request: the slot is marked dropped
//! and the driver task, seeing that, has the core consume the rest of the answer silently.

use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use tokio::io::{AsyncReadExt, AsyncWrite};

use crate::conn::exec::{self, Collector, Exec, Step};
use crate::conn::{
    ConnectionCore, Detached, DetachedRequest, Event, RequestId, Response, ToStatement,
};
use crate::driver::{self, CancelToken, NoticeHandler};
use crate::error::{Error, ErrorKind};
use crate::types::{FromRow, Loader, Params, Row};

use super::Connection;
use super::stream::Transport;

/// Finished calls' slots kept for reuse (more are freed).
const SPARE_SLOTS: usize = 64;

/// What the callers and the driver task share, under one lock.
struct Inner {
    /// The statement cache and encoding buffers. Requests are encoded and appended to `batch`
    /// under the same lock, so they reach the server in the order the cache planned them.
    exec: Exec,
    /// Requests encoded by callers and not yet taken by the driver task.
    batch: Detached,
    /// The reply slot of each request in `batch`, in the same order.
    replies: Vec<Arc<Slot>>,
    /// Slots of finished calls, for later calls.
    spare: Vec<Arc<Slot>>,
    /// The driver task's waker while it waits for requests.
    driver: Option<Waker>,
    /// Every `Client` was dropped: the driver task finishes what is queued, then closes.
    clients_gone: bool,
    /// The driver task stopped: nothing more can be sent.
    closed: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn closed_error() -> Error {
    Error::new(ErrorKind::Closed, "connection closed")
}

/// Where the driver task puts one request's responses for its caller.
#[derive(Default)]
struct Slot(Mutex<SlotState>);

#[derive(Default)]
struct SlotState {
    /// Responses not yet taken by the caller (an `Err` when the connection failed).
    responses: VecDeque<Result<Response, Error>>,
    /// The caller, while it waits for a response.
    waker: Option<Waker>,
    /// Nothing more will come: the driver task stopped.
    closed: bool,
    /// The caller gave up (its future was dropped): the request is to be abandoned.
    dropped: bool,
}

impl Slot {
    /// Hands a response to the caller; false when the caller is gone.
    fn deliver(&self, r: Result<Response, Error>) -> bool {
        let mut s = lock(&self.0);
        if s.dropped {
            return false;
        }
        s.responses.push_back(r);
        // Taking the waker wakes the caller once for everything delivered before it runs.
        wake_caller(s);
        true
    }

    /// Tells the caller that nothing more will come, after `error` if there is one.
    fn close(&self, error: Option<Error>) {
        let mut s = lock(&self.0);
        s.responses.extend(error.map(Err));
        s.closed = true;
        wake_caller(s);
    }
}

/// Wakes the caller waiting on a slot, if any, after releasing the slot's lock.
fn wake_caller(mut s: MutexGuard<'_, SlotState>) {
    let waker = s.waker.take();
    drop(s);
    if let Some(w) = waker {
        w.wake();
    }
}

/// A submitted request, as its caller sees it: the way to its responses. Dropping it before
/// the request finished abandons the request.
struct Call<'a> {
    inner: &'a Mutex<Inner>,
    slot: Arc<Slot>,
    finished: bool,
}

impl Call<'_> {
    /// Ends a request that received its ReadyForQuery: lets the statement cache learn from
    /// it, and keeps the slot for a later call.
    fn finish(&mut self, c: &mut Collector) -> Result<(), Error> {
        self.finished = true;
        let mut inner = lock(self.inner);
        let result = inner.exec.finish(c, c.status());
        // The driver task let go of the slot after delivering the ReadyForQuery (on a
        // multi-threaded runtime it may not have yet: then the slot is simply freed).
        if Arc::strong_count(&self.slot) == 1 && inner.spare.len() < SPARE_SLOTS {
            *lock(&self.slot.0) = SlotState::default();
            inner.spare.push(self.slot.clone());
        }
        result
    }

    /// Receives responses until the request's ReadyForQuery, handing them to `c` and rows to
    /// `on_row`.
    async fn collect(
        &mut self,
        c: &mut Collector,
        on_row: &mut (dyn FnMut(Row) + Send),
    ) -> Result<(), Error> {
        poll_fn(|cx| {
            // One lock for every response already delivered (released before `finish`).
            let mut s = lock(&self.slot.0);
            loop {
                let r = match s.responses.pop_front() {
                    Some(Ok(r)) => r,
                    Some(Err(e)) => return Poll::Ready(Err(c.take_error().unwrap_or(e))),
                    None if s.closed => return Poll::Ready(Err(closed_error())),
                    None => {
                        if !s.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                            s.waker = Some(cx.waker().clone());
                        }
                        return Poll::Pending;
                    }
                };
                match c.on_response(r) {
                    Ok(Step::Continue) => {}
                    Ok(Step::Row(row)) => on_row(row),
                    Ok(Step::Done) => {
                        drop(s);
                        return Poll::Ready(self.finish(c));
                    }
                    Err(e) => return Poll::Ready(Err(e)),
                }
            }
        })
        .await
    }
}

impl Drop for Call<'_> {
    fn drop(&mut self) {
        if !self.finished {
            let mut s = lock(&self.slot.0);
            s.dropped = true;
            s.responses.clear();
            s.waker = None;
        }
    }
}

struct Shared {
    inner: Arc<Mutex<Inner>>,
    cancel: Option<CancelToken>,
}

impl Drop for Shared {
    /// The last `Client` is gone: tell the driver task to finish up.
    fn drop(&mut self) {
        let mut inner = lock(&self.inner);
        inner.clients_gone = true;
        let driver = inner.driver.take();
        drop(inner);
        if let Some(w) = driver {
            w.wake();
        }
    }
}

/// A connection shared by many tasks (`Clone + Send + Sync`): concurrent calls are pipelined
/// on one socket by a driver task. Made with [`Connection::into_client`].
///
/// ```no_run
/// # async fn demo() -> Result<(), pgtusk::Error> {
/// let client = pgtusk::Connection::connect("postgresql://localhost/app").await?.into_client();
/// let tasks: Vec<_> = (0..32_i64)
///     .map(|i| {
///         let client = client.clone();
///         tokio::spawn(async move { client.query_scalar::<i64, _, _>("SELECT $1::int8", (i,)).await })
///     })
///     .collect();
/// for t in tasks {
///     t.await.expect("task")?;
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("closed", &self.is_closed()).finish_non_exhaustive()
    }
}

impl Connection {
    /// Turns the connection into a [`Client`] shared by many tasks. Spawns the driver task on
    /// the current tokio runtime; it ends when every `Client` clone is dropped.
    pub fn into_client(mut self) -> Client {
        self.abandon_previous();
        let Connection { core, stream, exec, notice_handler, cancel, .. } = self;
        let inner = Arc::new(Mutex::new(Inner {
            exec,
            batch: Detached::default(),
            replies: Vec::new(),
            spare: Vec::new(),
            driver: None,
            clients_gone: false,
            closed: false,
        }));
        tokio::spawn(drive(core, stream, inner.clone(), notice_handler));
        Client { shared: Arc::new(Shared { inner, cancel }) }
    }
}

impl Client {
    /// True once the driver task stopped (the connection closed).
    pub fn is_closed(&self) -> bool {
        lock(&self.shared.inner).closed
    }

    /// A token that cancels the statements running on the shared connection.
    pub fn cancel_token(&self) -> Option<CancelToken> {
        self.shared.cancel.clone()
    }

    /// Encodes one request into the shared batch with `encode` and wakes the driver task.
    fn submit<T>(
        &self,
        encode: impl FnOnce(&mut Exec, &mut Detached) -> Result<T, Error>,
    ) -> Result<(T, Call<'_>), Error> {
        let mut guard = lock(&self.shared.inner);
        if guard.closed {
            return Err(closed_error());
        }
        let inner = &mut *guard;
        let encoded = encode(&mut inner.exec, &mut inner.batch);
        // One slot per request in the batch, whatever `encode` returned: the driver task
        // pairs them by position. Only a successful encode's one request has a caller.
        let mut call = None;
        while inner.replies.len() < inner.batch.0.len() {
            let slot = inner.spare.pop().unwrap_or_default();
            inner.replies.push(slot.clone());
            // Dropping an earlier one marks its request abandoned.
            call = Some(Call { inner: &self.shared.inner, slot, finished: false });
        }
        let driver = inner.driver.take();
        drop(guard);
        if let Some(w) = driver {
            w.wake();
        }
        match (encoded, call) {
            (Ok(v), Some(call)) => Ok((v, call)),
            (Ok(_), None) => Err(Error::misuse("empty request")),
            // A failed encode that still queued a request: dropping the call abandons it.
            (Err(e), _) => Err(e),
        }
    }

    /// Encodes a statement and hands it to the driver task.
    fn submit_statement<S, P>(
        &self,
        statement: &S,
        params: &P,
    ) -> Result<(Collector, Call<'_>), Error>
    where
        S: ToStatement + ?Sized,
        P: Params + ?Sized,
    {
        if let crate::conn::StatementRef::Sql(sql) = statement.statement_ref() {
            refuse_copy(sql)?;
        }
        self.submit(|exec, batch| Ok(exec.send(batch, statement.statement_ref(), params)?.1))
    }

    /// Runs a statement to its end, handing rows to `on_row`; retries once when the
    /// statement cache says so.
    async fn run<S, P>(
        &self,
        statement: &S,
        params: &P,
        on_row: &mut (dyn FnMut(Row) + Send),
    ) -> Result<Collector, Error>
    where
        S: ToStatement + ?Sized,
        P: Params + ?Sized,
    {
        let mut retried = false;
        loop {
            let (mut c, mut call) = self.submit_statement(statement, params)?;
            c.retried = retried;
            match call.collect(&mut c, on_row).await {
                Ok(()) => return Ok(c),
                Err(_) if c.retry => retried = true,
                Err(e) => return Err(e),
            }
        }
    }

    /// Runs a statement and returns the number of rows it affected.
    pub async fn execute<S, P>(&self, statement: &S, params: P) -> Result<u64, Error>
    where
        S: ToStatement + ?Sized,
        P: Params,
    {
        Ok(self.run(statement, &params, &mut |_| {}).await?.rows_affected())
    }

    /// Runs a query and returns all its rows.
    pub async fn query<S, P>(&self, statement: &S, params: P) -> Result<Vec<Row>, Error>
    where
        S: ToStatement + ?Sized,
        P: Params,
    {
        let mut rows = Vec::new();
        self.run(statement, &params, &mut |r| rows.push(r)).await?;
        Ok(rows)
    }

    /// Runs a query and returns its first row and its number of rows.
    async fn query_first<S, P>(
        &self,
        statement: &S,
        params: P,
    ) -> Result<(Option<Row>, usize), Error>
    where
        S: ToStatement + ?Sized,
        P: Params,
    {
        let mut first = None;
        let mut count = 0;
        self.run(statement, &params, &mut |r| {
            count += 1;
            first.get_or_insert(r);
        })
        .await?;
        Ok((first, count))
    }

    /// Runs a query that must return exactly one row.
    pub async fn query_one<S, P>(&self, statement: &S, params: P) -> Result<Row, Error>
    where
        S: ToStatement + ?Sized,
        P: Params,
    {
        let (first, count) = self.query_first(statement, params).await?;
        exec::exactly_one(first, count)
    }

    /// Runs a query that returns zero or one row.
    pub async fn query_opt<S, P>(&self, statement: &S, params: P) -> Result<Option<Row>, Error>
    where
        S: ToStatement + ?Sized,
        P: Params,
    {
        let (first, count) = self.query_first(statement, params).await?;
        exec::at_most_one(first, count)
    }

    /// Runs a query that returns one row of one column and loads that value.
    pub async fn query_scalar<T, S, P>(&self, statement: &S, params: P) -> Result<T, Error>
    where
        T: for<'a> Loader<'a>,
        S: ToStatement + ?Sized,
        P: Params,
    {
        exec::scalar(self.query_one(statement, params).await?)
    }

    /// The types registered on the connection (see
    /// [`Connection::adapters`](crate::Connection::adapters)); a handle shared with it.
    pub fn adapters(&self) -> crate::types::AdaptersMap {
        lock(&self.shared.inner).exec.adapters().clone()
    }

    /// Runs a query and maps every row with [`FromRow`].
    pub async fn query_as<T, S, P>(&self, statement: &S, params: P) -> Result<Vec<T>, Error>
    where
        T: FromRow,
        S: ToStatement + ?Sized,
        P: Params,
    {
        self.query(statement, params).await?.iter().map(T::from_row).collect()
    }

    /// Runs statements with the simple query protocol (no parameters; results discarded).
    /// Session state it changes (SET, temporary tables...) is shared by every clone.
    pub async fn batch_execute(&self, sql: &str) -> Result<(), Error> {
        refuse_copy(sql)?;
        let ((), mut call) = self.submit(|_, batch| {
            batch.0.push(|r| r.query(sql))?;
            Ok(())
        })?;
        call.collect(&mut Collector::default(), &mut |_| {}).await
    }
}

/// COPY cannot share a pipelined connection: the server would read the other tasks'
/// messages as COPY data and end the session.
fn refuse_copy(sql: &str) -> Result<(), Error> {
    if crate::pipeline::is_copy(sql) {
        return Err(Error::misuse(
            "COPY cannot run on a shared Client; use a Connection's copy_in or copy_out",
        ));
    }
    Ok(())
}

/// The driver task: queues submitted requests, writes, reads, and routes every response to
/// the task waiting for it.
async fn drive(
    mut core: ConnectionCore,
    mut stream: Transport,
    inner: Arc<Mutex<Inner>>,
    mut notices: NoticeHandler,
) {
    let mut routes: VecDeque<(RequestId, Arc<Slot>)> = VecDeque::new();
    // The buffers traded with `Inner` for each batch taken.
    let mut batch = DetachedRequest::default();
    let mut replies: Vec<Arc<Slot>> = Vec::new();
    let mut jobs_open = true;
    let failure = loop {
        // Hand out every event already decoded.
        loop {
            match core.poll_event() {
                Ok(Some(Event::Response(id, r))) => {
                    let done = matches!(r, Response::ReadyForQuery(_));
                    let Some(pos) = routes.iter().position(|(rid, _)| *rid == id) else { continue };
                    let delivered = routes.get(pos).is_some_and(|(_, slot)| slot.deliver(Ok(r)));
                    if !delivered {
                        core.abandon(id);
                    }
                    if done || !delivered {
                        routes.remove(pos);
                    }
                }
                Ok(Some(Event::Notice(n))) => driver::deliver_notice(&mut notices, &n),
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => {
                    for (_, slot) in routes.drain(..) {
                        slot.close(Some(e.clone()));
                    }
                    break;
                }
            }
        }
        if core.is_closed() {
            break core.fatal_error().cloned();
        }
        if !jobs_open && routes.is_empty() && !core.wants_write() {
            let _ = core.send_terminate();
            let _ = super::flush(&mut core, &mut stream.stream).await;
            break None;
        }
        // Wait for new requests, room to write, or bytes to read.
        let step = poll_fn(|cx| {
            let mut progress = false;
            if jobs_open {
                progress |= take_batch(&inner, &mut batch, &mut replies, &mut jobs_open, cx);
            }
            if !batch.is_empty() {
                match core.send_detached_batch(&mut batch) {
                    Ok(first) => routes.extend(
                        replies
                            .drain(..)
                            .enumerate()
                            .map(|(i, s)| (RequestId(first.0 + i as u64), s)),
                    ),
                    Err(e) => {
                        batch = DetachedRequest::default();
                        for slot in replies.drain(..) {
                            slot.close(Some(e.clone()));
                        }
                    }
                }
            }
            while core.wants_write() {
                match super::poll_write_some(&mut core, &mut stream, cx) {
                    Poll::Ready(Ok(())) => progress = true,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => break,
                }
            }
            if !core.wants_write() {
                let _ = Pin::new(&mut stream).poll_flush(cx);
            }
            if core.wants_read() {
                // `read_buf` reads into the spare capacity without zeroing it first.
                let read = std::pin::pin!(stream.read_buf(core.recv_buf())).poll(cx);
                match read {
                    Poll::Ready(Ok(0)) => {
                        core.handle_eof();
                        progress = true;
                    }
                    Poll::Ready(Ok(n)) => {
                        core.handle_input(n);
                        progress = true;
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e.into())),
                    Poll::Pending => {}
                }
            }
            if progress { Poll::Ready(Ok(())) } else { Poll::Pending }
        })
        .await;
        if let Err(e) = step {
            core.handle_transport_error(e);
        }
    };
    // Nothing can be sent any more: fail what was sent, and what was submitted but not sent.
    let mut guard = lock(&inner);
    guard.closed = true;
    let unsent = std::mem::take(&mut guard.replies);
    drop(guard);
    for (_, slot) in routes.drain(..) {
        slot.close(failure.clone());
    }
    for slot in replies.into_iter().chain(unsent) {
        slot.close(None);
    }
}

/// Takes the requests the callers submitted since the last call into `batch` and `replies`
/// (empty on entry), trading buffers with `Inner`. Registers the driver task's waker when
/// there are none; clears `jobs_open` when every `Client` is gone. True when it did
/// something.
fn take_batch(
    inner: &Mutex<Inner>,
    batch: &mut DetachedRequest,
    replies: &mut Vec<Arc<Slot>>,
    jobs_open: &mut bool,
    cx: &mut Context<'_>,
) -> bool {
    let mut inner = lock(inner);
    if !inner.batch.0.is_empty() {
        std::mem::swap(&mut inner.batch.0, batch);
        std::mem::swap(&mut inner.replies, replies);
        return true;
    }
    if inner.clients_gone {
        *jobs_open = false;
        return true;
    }
    if !inner.driver.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
        inner.driver = Some(cx.waker().clone());
    }
    false
}
