//! Explicit pipelines and `execute_many` on the async connection.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;

use tokio::io::{AsyncReadExt, AsyncWrite};

use crate::conn::{Event, Mark, ToStatement};
use crate::error::{Error, ErrorKind};
use crate::pipeline::{Batch, ItemId, PipelineResults};
use crate::types::Params;

use super::Connection;

/// A pipeline: statements queued without waiting, results read in one go by
/// [`run`](Self::run). See [`Connection::pipeline`].
#[must_use = "a pipeline does nothing until run() is awaited"]
pub struct Pipeline<'c> {
    conn: &'c mut Connection,
    batch: Batch,
    /// Where the pipeline's requests start, to withdraw them if it is dropped before `run`.
    mark: Option<Mark>,
}

/// A pipeline dropped before `run` sends nothing: its queued statements are withdrawn.
impl Drop for Pipeline<'_> {
    fn drop(&mut self) {
        if let Some(mark) = self.mark.take() {
            self.conn.core.rewind(mark);
            // What its items planned to prepare never reached the server: a new sync group,
            // so later statements do not bind those names.
            self.conn.exec.note_sync();
        }
    }
}

impl Connection {
    /// Starts an explicit pipeline: queue statements with [`Pipeline::execute`] and
    /// [`Pipeline::query`], add sync points with [`Pipeline::sync`], and send them all with
    /// [`Pipeline::run`]: one round trip per pipeline, one Sync per group.
    ///
    /// ```no_run
    /// # async fn demo(conn: &mut pgtusk::Connection) -> Result<(), pgtusk::Error> {
    /// let mut p = conn.pipeline();
    /// let a = p.execute("INSERT INTO t (a) VALUES ($1)", (1_i64,));
    /// let b = p.query("SELECT a FROM t WHERE a = $1", (1_i64,));
    /// let out = p.run().await?;
    /// assert_eq!(out.rows_affected(a)?, 1);
    /// assert_eq!(out.rows(b)?.len(), 1);
    /// # Ok(()) }
    /// ```
    pub fn pipeline(&mut self) -> Pipeline<'_> {
        self.abandon_previous();
        let mark = Some(self.core.mark());
        Pipeline { conn: self, batch: Batch::default(), mark }
    }

    /// Runs one statement for many parameter sets in one round trip, atomically (one Sync: an
    /// implicit transaction, unless one is open). Returns the total rows affected.
    pub async fn execute_many<P: Params>(&mut self, sql: &str, rows: &[P]) -> Result<u64, Error> {
        self.abandon_previous();
        let (req, mut c) = self.exec.send_many(&mut self.core, sql, rows)?;
        self.in_flight = Some(req);
        self.exchange().await?;
        self.drive(req, &mut c, &mut |_| {}).await?;
        Ok(c.rows_affected())
    }

    /// Writes everything queued while reading whatever the server sends meanwhile, so a batch
    /// larger than the socket buffers never deadlocks.
    pub(super) async fn exchange(&mut self) -> Result<(), Error> {
        let (core, stream) = (&mut self.core, &mut self.stream);
        let result = poll_fn(|cx| {
            loop {
                let mut progress = false;
                if !core.wants_write() {
                    return match Pin::new(&mut *stream).poll_flush(cx) {
                        Poll::Ready(r) => Poll::Ready(r.map_err(Error::from)),
                        Poll::Pending => Poll::Pending,
                    };
                }
                match super::poll_write_some(core, stream, cx) {
                    Poll::Ready(Ok(())) => progress = true,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => {}
                }
                // `read_buf` reads into the spare capacity without zeroing it first.
                let read = std::pin::pin!(stream.read_buf(core.recv_buf())).poll(cx);
                match read {
                    Poll::Ready(Ok(0)) => {
                        core.handle_eof();
                        return Poll::Ready(Err(Error::new(
                            ErrorKind::Closed,
                            "server closed the connection unexpectedly",
                        )));
                    }
                    Poll::Ready(Ok(n)) => {
                        core.handle_input(n);
                        progress = true;
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e.into())),
                    Poll::Pending => {}
                }
                if !progress {
                    return Poll::Pending;
                }
            }
        })
        .await;
        if let Err(e) = &result {
            self.core.handle_transport_error(e.clone());
        }
        result
    }
}

impl Pipeline<'_> {
    /// Queues a statement whose row count is kept.
    pub fn execute<S, P>(&mut self, statement: &S, params: P) -> ItemId
    where
        S: ToStatement + ?Sized,
        P: Params,
    {
        let conn = &mut *self.conn;
        self.batch.push(&mut conn.exec, &mut conn.core, statement.statement_ref(), &params, false)
    }

    /// Queues a statement whose rows are kept.
    pub fn query<S, P>(&mut self, statement: &S, params: P) -> ItemId
    where
        S: ToStatement + ?Sized,
        P: Params,
    {
        let conn = &mut *self.conn;
        self.batch.push(&mut conn.exec, &mut conn.core, statement.statement_ref(), &params, true)
    }

    /// Queues the preparation of a named statement (Parse + Describe); the result's
    /// [`statement`](PipelineResults::statement) gives the [`Statement`](crate::conn::Statement),
    /// which later pipelines and calls can execute. Statements prepared this way are not in
    /// the automatic cache.
    pub fn prepare(&mut self, sql: &str) -> ItemId {
        self.prepare_typed(sql, &[])
    }

    /// [`prepare`](Self::prepare) with some parameter types given (0 = let the server infer).
    pub fn prepare_typed(&mut self, sql: &str, types: &[crate::protocol::Oid]) -> ItemId {
        let conn = &mut *self.conn;
        self.batch.push_prepare(&mut conn.exec, &mut conn.core, sql, types)
    }

    /// Ends the current sync group: an error in it aborts the rest of the group only.
    pub fn sync(&mut self) -> Result<(), Error> {
        let conn = &mut *self.conn;
        self.batch.sync(&mut conn.exec, &mut conn.core)
    }

    /// Sends everything (adding a final Sync when needed) and reads every result, writing and
    /// reading at once so that no pipeline size deadlocks.
    pub async fn run(mut self) -> Result<PipelineResults, Error> {
        self.mark = None;
        let conn = &mut *self.conn;
        self.batch.close(&mut conn.exec, &mut conn.core)?;
        if let Some(last) = self.batch.last_request() {
            conn.in_flight = Some(last);
        }
        conn.exchange().await?;
        while self.batch.awaiting().is_some() {
            match conn.core.poll_event()? {
                Some(Event::Response(req, r)) if self.batch.owns(req) => {
                    self.batch.on_response(req, r)?;
                }
                Some(Event::Response(..)) => {}
                Some(ev) => conn.session_event(ev),
                None => {
                    conn.flush().await?;
                    conn.fill().await?;
                }
            }
        }
        conn.in_flight = None;
        let status = conn.core.transaction_status();
        Ok(std::mem::take(&mut self.batch).finish(&mut conn.exec, status))
    }
}
