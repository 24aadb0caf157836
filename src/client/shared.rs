//! [`Client`]: a connection shared by many tasks, with implicit pipelining.
//!
//! A background task owns the socket and the core. Each call encodes its request in the
//! caller's task (parameters included, through the statement cache) and hands the bytes to the
//! driver task, which queues them behind the requests of other tasks without waiting for
//! their answers: concurrent calls share one connection and their round trips overlap. Every
//! request keeps its own Sync, so an error in one task's statement never aborts another's.
//!
//! Dropping a call's future abandons its request: the driver task consumes the rest of its
//! answer silently.

use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::Poll;

use tokio::io::{AsyncReadExt, AsyncWrite};
use tokio::sync::mpsc;

use crate::conn::exec::{self, Collector, Exec, Step};
use crate::conn::{
    ConnectionCore, Detached, DetachedRequest, Event, RequestId, Response, ToStatement,
};
use crate::driver::{self, CancelToken, NoticeHandler};
use crate::error::{Error, ErrorKind};
use crate::types::{FromRow, Loader, Params, Row};

use super::Connection;
use super::stream::Stream;

type Reply = mpsc::UnboundedSender<Result<Response, Error>>;

struct Job {
    request: DetachedRequest,
    reply: Reply,
}

struct Shared {
    jobs: mpsc::UnboundedSender<Job>,
    /// The statement cache and encoding buffers; held while a request is encoded and queued,
    /// so requests reach the driver task in the order the cache planned them.
    exec: Mutex<Exec>,
    cancel: Option<CancelToken>,
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
        let (tx, rx) = mpsc::unbounded_channel();
        let Connection { core, stream, exec, notice_handler, cancel, .. } = self;
        tokio::spawn(drive(core, stream, rx, notice_handler));
        Client { shared: Arc::new(Shared { jobs: tx, exec: Mutex::new(exec), cancel }) }
    }
}

impl Client {
    /// True once the driver task stopped (the connection closed).
    pub fn is_closed(&self) -> bool {
        self.shared.jobs.is_closed()
    }

    /// A token that cancels the statements running on the shared connection.
    pub fn cancel_token(&self) -> Option<CancelToken> {
        self.shared.cancel.clone()
    }

    /// Encodes a statement and hands it to the driver task.
    fn submit<S, P>(
        &self,
        statement: &S,
        params: &P,
    ) -> Result<(Collector, mpsc::UnboundedReceiver<Result<Response, Error>>), Error>
    where
        S: ToStatement + ?Sized,
        P: Params + ?Sized,
    {
        if let crate::conn::StatementRef::Sql(sql) = statement.statement_ref() {
            refuse_copy(sql)?;
        }
        let mut exec = self.shared.exec.lock().unwrap_or_else(|p| p.into_inner());
        let mut sink = Detached::default();
        let (_, collector) = exec.send(&mut sink, statement.statement_ref(), params)?;
        let request = sink.0.ok_or_else(|| Error::misuse("empty request"))?;
        let (tx, rx) = mpsc::unbounded_channel();
        self.shared
            .jobs
            .send(Job { request, reply: tx })
            .map_err(|_| Error::new(ErrorKind::Closed, "connection closed"))?;
        Ok((collector, rx))
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
            let (mut c, mut rx) = self.submit(statement, params)?;
            c.retried = retried;
            let result = loop {
                let r = match rx.recv().await {
                    Some(Ok(r)) => r,
                    Some(Err(e)) => break Err(c.take_error().unwrap_or(e)),
                    None => break Err(Error::new(ErrorKind::Closed, "connection closed")),
                };
                match c.on_response(r) {
                    Ok(Step::Continue) => {}
                    Ok(Step::Row(row)) => on_row(row),
                    Ok(Step::Done) => {
                        let mut exec = self.shared.exec.lock().unwrap_or_else(|p| p.into_inner());
                        let status = c.status();
                        break exec.finish(&mut c, status);
                    }
                    Err(e) => break Err(e),
                }
            };
            match result {
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

    /// Runs a query that must return exactly one row.
    pub async fn query_one<S, P>(&self, statement: &S, params: P) -> Result<Row, Error>
    where
        S: ToStatement + ?Sized,
        P: Params,
    {
        let rows = self.query(statement, params).await?;
        let count = rows.len();
        exec::exactly_one(rows.into_iter().next(), count)
    }

    /// Runs a query that returns zero or one row.
    pub async fn query_opt<S, P>(&self, statement: &S, params: P) -> Result<Option<Row>, Error>
    where
        S: ToStatement + ?Sized,
        P: Params,
    {
        let rows = self.query(statement, params).await?;
        let count = rows.len();
        exec::at_most_one(rows.into_iter().next(), count)
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
        self.shared.exec.lock().unwrap_or_else(|p| p.into_inner()).adapters().clone()
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
        let request = DetachedRequest::build(|r| r.query(sql))?;
        let (tx, mut rx) = mpsc::unbounded_channel();
        self.shared
            .jobs
            .send(Job { request, reply: tx })
            .map_err(|_| Error::new(ErrorKind::Closed, "connection closed"))?;
        let mut c = Collector::default();
        loop {
            let r = match rx.recv().await {
                Some(Ok(r)) => r,
                Some(Err(e)) => return Err(c.take_error().unwrap_or(e)),
                None => return Err(Error::new(ErrorKind::Closed, "connection closed")),
            };
            if let Step::Done = c.on_response(r)? {
                let mut exec = self.shared.exec.lock().unwrap_or_else(|p| p.into_inner());
                let status = c.status();
                return exec.finish(&mut c, status);
            }
        }
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
    mut stream: Stream,
    mut jobs: mpsc::UnboundedReceiver<Job>,
    mut notices: NoticeHandler,
) {
    let mut routes: VecDeque<(RequestId, Reply)> = VecDeque::new();
    let mut jobs_open = true;
    let failure = loop {
        // Hand out every event already decoded.
        loop {
            match core.poll_event() {
                Ok(Some(Event::Response(id, r))) => {
                    let done = matches!(r, Response::ReadyForQuery(_));
                    let Some(pos) = routes.iter().position(|(rid, _)| *rid == id) else { continue };
                    let delivered =
                        routes.get(pos).is_some_and(|(_, reply)| reply.send(Ok(r)).is_ok());
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
                    for (_, reply) in routes.drain(..) {
                        let _ = reply.send(Err(e.clone()));
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
            let _ = super::flush(&mut core, &mut stream).await;
            break None;
        }
        // Wait for a new job, room to write, or bytes to read.
        let step = poll_fn(|cx| {
            let mut progress = false;
            while jobs_open {
                match jobs.poll_recv(cx) {
                    Poll::Ready(Some(job)) => {
                        match core.send_detached(job.request) {
                            Ok(id) => routes.push_back((id, job.reply)),
                            Err(e) => {
                                let _ = job.reply.send(Err(e));
                            }
                        }
                        progress = true;
                    }
                    Poll::Ready(None) => {
                        jobs_open = false;
                        progress = true;
                    }
                    Poll::Pending => break,
                }
            }
            while let Some(bytes) = core.poll_transmit() {
                match Pin::new(&mut stream).poll_write(cx, bytes) {
                    Poll::Ready(Ok(0)) => {
                        return Poll::Ready(Err(Error::new(
                            ErrorKind::Closed,
                            "socket closed while writing",
                        )));
                    }
                    Poll::Ready(Ok(n)) => {
                        core.advance_transmit(n);
                        progress = true;
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e.into())),
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
    if let Some(e) = failure {
        for (_, reply) in routes.drain(..) {
            let _ = reply.send(Err(e.clone()));
        }
    }
}
