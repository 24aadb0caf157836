//! Explicit pipelines and `execute_many` on the blocking connection.

use std::io::{ErrorKind as IoKind, Write};
use std::time::Duration;

use crate::conn::{Event, Mark, ToStatement};
use crate::error::{Error, ErrorKind};
use crate::pipeline::{Batch, ItemId, PipelineResults};
use crate::types::Params;

use super::Connection;

/// How long one write may block before the driver reads what the server sent meanwhile.
const WRITE_SLICE: Duration = Duration::from_millis(5);

/// A pipeline: statements queued without waiting, results read in one go by
/// [`run`](Self::run). See [`Connection::pipeline`].
#[must_use = "a pipeline does nothing until run() is called"]
pub struct Pipeline<'c> {
    conn: &'c mut Connection,
    batch: Batch,
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
    /// Starts an explicit pipeline; see the async [`Connection::pipeline`](crate::Connection::pipeline).
    pub fn pipeline(&mut self) -> Pipeline<'_> {
        self.abandon_previous();
        let mark = Some(self.core.mark());
        Pipeline { conn: self, batch: Batch::default(), mark }
    }

    /// Runs one statement for many parameter sets in one round trip, atomically. Returns the
    /// total rows affected.
    pub fn execute_many<P: Params>(&mut self, sql: &str, rows: &[P]) -> Result<u64, Error> {
        self.abandon_previous();
        let (req, mut c) = self.exec.send_many(&mut self.core, sql, rows)?;
        self.in_flight = Some(req);
        self.exchange()?;
        self.drive(req, &mut c, &mut |_| {})?;
        Ok(c.rows_affected())
    }

    /// Writes everything queued while reading whatever the server sends meanwhile: a write
    /// blocks at most [`WRITE_SLICE`], then the socket is drained without blocking, so a batch
    /// larger than the socket buffers never deadlocks.
    pub(super) fn exchange(&mut self) -> Result<(), Error> {
        if !self.core.wants_write() {
            return Ok(());
        }
        self.stream.set_write_timeout(Some(WRITE_SLICE))?;
        let result = self.exchange_loop();
        let restored = self.stream.set_write_timeout(None);
        if let Err(e) = &result {
            self.core.handle_transport_error(e.clone());
        }
        result?;
        restored?;
        Ok(())
    }

    fn exchange_loop(&mut self) -> Result<(), Error> {
        while self.core.wants_write() {
            match super::write_queued(&self.core, &mut self.stream) {
                Ok(0) => return Err(Error::new(ErrorKind::Closed, "socket closed while writing")),
                Ok(n) => self.core.advance_transmit(n),
                Err(e) if matches!(e.kind(), IoKind::WouldBlock | IoKind::TimedOut) => {}
                Err(e) if e.kind() == IoKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
            self.stream.set_nonblocking(true)?;
            let read = super::fill(&mut self.core, &mut self.stream, &mut self.scratch);
            self.stream.set_nonblocking(false)?;
            match read {
                Err(e) if super::is_would_block(&e) => {}
                other => _ = other?,
            }
            if self.core.is_closed() {
                return Err(self.core.fatal_error().cloned().unwrap_or_else(|| {
                    Error::new(ErrorKind::Closed, "server closed the connection unexpectedly")
                }));
            }
        }
        self.stream.flush()?;
        Ok(())
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

    /// Sends everything (adding a final Sync when needed) and reads every result.
    pub fn run(mut self) -> Result<PipelineResults, Error> {
        self.mark = None;
        let conn = &mut *self.conn;
        self.batch.close(&mut conn.exec, &mut conn.core)?;
        conn.in_flight = self.batch.last_request();
        conn.exchange()?;
        while self.batch.awaiting().is_some() {
            match conn.core.poll_event()? {
                Some(Event::Response(req, r)) if self.batch.owns(req) => {
                    self.batch.on_response(req, r)?;
                }
                Some(Event::Response(..)) => {}
                Some(ev) => conn.session_event(ev),
                None => {
                    conn.flush()?;
                    conn.fill()?;
                }
            }
        }
        conn.in_flight = None;
        let status = conn.core.transaction_status();
        Ok(std::mem::take(&mut self.batch).finish(&mut conn.exec, status))
    }
}
