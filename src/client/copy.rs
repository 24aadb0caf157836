//! COPY on the async connection: [`CopyIn`] streams data to the server (COPY FROM STDIN),
//! [`CopyOut`] streams it back (COPY TO STDOUT). The protocol bookkeeping lives in
//! [`crate::copy`]; this file only moves bytes.
//!
//! # Memory and backpressure
//!
//! Data is gathered into CopyData messages of about 256 KiB; once about 256 KiB wait in the
//! connection, the next write first sends them to the socket (waiting while the socket is
//! full), so memory stays bounded however much is copied. While writing, whatever the server
//! sends is read too: an error it reports mid-stream (a bad value, a constraint) is noticed
//! and returned by the next write, instead of after the whole input was sent.
//!
//! # Cancel safety
//!
//! Every method may be dropped at an `.await`, and a handle may be dropped at any point: the
//! next call on the connection first ends what is left (a dropped [`CopyIn`] is failed with
//! CopyFail, so nothing it sent is committed; a dropped [`CopyOut`]'s remaining data is read
//! and discarded), and the connection stays usable. Dropping [`CopyIn::finish`] after it
//! started may leave the COPY committed or not.

use crate::copy::table::{COLUMN_TYPES_QUERY, TableCopy};
use std::future::{Future, poll_fn};
use std::io;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, ready};

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};

use crate::conn::{Event, RequestId};
use crate::copy::session::{self, CHUNK, CopyInSession, CopyOutSession, Direction, Step, Tracker};
use crate::error::Error;
use crate::protocol::Oid;
use crate::protocol::backend::{CopyResponse, DataRow};
use crate::types::{Column, FromRow, Params, Row};

use super::Connection;

impl Connection {
    /// Starts `COPY ... FROM STDIN`: returns once the server is ready for data.
    ///
    /// Write the data raw ([`CopyIn::send`], or through [`AsyncWrite`]) in the format the
    /// statement names, or as typed rows with [`CopyIn::write_row`] for `(FORMAT binary)`;
    /// then [`CopyIn::finish`] returns the number of rows copied. An error before the COPY
    /// starts (a syntax error, a missing table, a statement that is not `COPY ... FROM
    /// STDIN`) is returned here and the connection stays usable.
    ///
    /// ```no_run
    /// # async fn demo(conn: &mut pgtusk::Connection) -> Result<(), pgtusk::Error> {
    /// let mut w = conn.copy_in("COPY t (a, b) FROM STDIN (FORMAT binary)").await?;
    /// w.write_row((1_i64, "x")).await?;
    /// w.write_row((2_i64, None::<&str>)).await?;
    /// let n = w.finish().await?;
    /// assert_eq!(n, 2);
    ///
    /// let mut w = conn.copy_in("COPY t (a, b) FROM STDIN (FORMAT csv)").await?;
    /// w.send(bytes::Bytes::from_static(b"3,three\n4,four\n")).await?;
    /// w.finish().await?;
    /// # Ok(()) }
    /// ```
    pub async fn copy_in(&mut self, sql: &str) -> Result<CopyIn<'_>, Error> {
        let (req, tracker, response) = self.open_copy(sql, Direction::In).await?;
        Ok(CopyIn { s: CopyInSession::new(req, tracker, response), conn: self })
    }

    /// Starts a binary `COPY ... FROM STDIN` whose columns have these types: every
    /// [`CopyIn::write_row`] must have one value per column, each dumped as its column's type
    /// (see [`BinaryEncoder`](crate::copy::BinaryEncoder) for what is checked). Fails, ending
    /// the COPY, when the statement is not binary or has another number of columns.
    pub async fn copy_in_binary(&mut self, sql: &str, types: &[Oid]) -> Result<CopyIn<'_>, Error> {
        let (req, tracker, response) = self.open_copy(sql, Direction::In).await?;
        let mut s = CopyInSession::new(req, tracker, response);
        if let Err(e) = s.use_types(types) {
            s.fail(&mut self.core, "the client refused the COPY");
            self.end_copy(req, &mut s.tracker).await?;
            return Err(e);
        }
        Ok(CopyIn { conn: self, s })
    }

    /// Starts a binary `COPY table (columns) FROM STDIN` whose column types are read from the
    /// catalog (a domain column takes its base type), so rows can be written with
    /// [`CopyIn::write_row`] without naming types. An empty `columns` means every column, in
    /// table order. Fails before the COPY starts when the table or a column does not exist.
    ///
    /// ```no_run
    /// # async fn demo(conn: &mut pgtusk::Connection) -> Result<(), pgtusk::Error> {
    /// use pgtusk::sql::Identifier;
    /// let mut w = conn.copy_in_table(&Identifier::new("items"), &["id", "name"]).await?;
    /// w.write_row((1_i64, "one")).await?;
    /// assert_eq!(w.finish().await?, 1);
    /// # Ok(()) }
    /// ```
    pub async fn copy_in_table(
        &mut self,
        table: &crate::sql::Identifier,
        columns: &[&str],
    ) -> Result<CopyIn<'_>, Error> {
        let plan = TableCopy::new(table, columns)?;
        let rows = self.query(COLUMN_TYPES_QUERY, (plan.table.as_str(), &plan.columns)).await?;
        let (sql, types) = plan.statement(&rows)?;
        self.copy_in_binary(&sql, &types).await
    }

    /// Starts `COPY ... TO STDOUT` (or `COPY (query) TO STDOUT`): returns once the server
    /// starts sending. Read the data as chunks ([`CopyOut::next_chunk`]) or through
    /// [`AsyncRead`], in the format the statement names.
    ///
    /// ```no_run
    /// # async fn demo(conn: &mut pgtusk::Connection) -> Result<(), pgtusk::Error> {
    /// let mut r = conn.copy_out("COPY t TO STDOUT (FORMAT csv)").await?;
    /// while let Some(chunk) = r.next_chunk().await {
    ///     let chunk = chunk?;
    ///     // ...
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn copy_out(&mut self, sql: &str) -> Result<CopyOut<'_>, Error> {
        let (req, tracker, response) = self.open_copy(sql, Direction::Out).await?;
        Ok(CopyOut { s: CopyOutSession::new(req, tracker, response), conn: self })
    }

    /// Starts a binary `COPY ... TO STDOUT` whose columns have these types, to read typed rows
    /// with [`CopyOut::next_row`] or [`CopyOut::read_row`] (binary COPY data names no types:
    /// the caller does). The columns have no names; see
    /// [`copy_out_binary_columns`](Self::copy_out_binary_columns) to read rows by column name.
    /// Fails when the statement is not binary or has another number of columns.
    ///
    /// ```no_run
    /// # async fn demo(conn: &mut pgtusk::Connection) -> Result<(), pgtusk::Error> {
    /// use pgtusk::types::oid;
    /// let sql = "COPY t (a, b) TO STDOUT (FORMAT binary)";
    /// let mut r = conn.copy_out_binary(sql, &[oid::INT8, oid::TEXT]).await?;
    /// while let Some((a, b)) = r.read_row::<(i64, Option<String>)>().await? {
    ///     // ...
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn copy_out_binary(
        &mut self,
        sql: &str,
        types: &[Oid],
    ) -> Result<CopyOut<'_>, Error> {
        self.copy_out_binary_columns(sql, &session::columns_of(types)).await
    }

    /// Like [`copy_out_binary`](Self::copy_out_binary) with named columns, for example a
    /// prepared statement's [`columns`](crate::Statement::columns), so that rows can be read by
    /// name (and with a `FromRow` derive).
    pub async fn copy_out_binary_columns(
        &mut self,
        sql: &str,
        columns: &[Column],
    ) -> Result<CopyOut<'_>, Error> {
        let (req, tracker, response) = self.open_copy(sql, Direction::Out).await?;
        let mut s = CopyOutSession::new(req, tracker, response);
        // On error the server sends the data anyway: the next call reads and discards it.
        s.use_columns(columns)?;
        Ok(CopyOut { conn: self, s })
    }

    /// Exports the result of `query` as CSV with a header line to `writer`, streaming
    /// (`COPY (query) TO STDOUT (FORMAT csv, HEADER)`); returns the number of rows. `query` is
    /// any query (`SELECT ...`, `TABLE t`, `VALUES ...`), with or without a final `;`.
    ///
    /// ```no_run
    /// # async fn demo(conn: &mut pgtusk::Connection) -> Result<(), Box<dyn std::error::Error>> {
    /// let file = tokio::fs::File::create("users.csv").await?;
    /// let n = conn.copy_to_csv("SELECT id, name FROM users ORDER BY id", file).await?;
    /// # Ok(()) }
    /// ```
    pub async fn copy_to_csv<W>(&mut self, query: &str, mut writer: W) -> Result<u64, Error>
    where
        W: AsyncWrite + Unpin,
    {
        let mut out = self.copy_out(&session::csv_export_sql(query)).await?;
        while let Some(chunk) = out.next_chunk().await {
            writer.write_all(&chunk?).await.map_err(session::writer_error)?;
        }
        writer.flush().await.map_err(session::writer_error)?;
        Ok(out.rows_affected())
    }

    /// Loads CSV data with a header line from `reader` into `table`, streaming (`COPY table
    /// FROM STDIN (FORMAT csv, HEADER)`); returns the number of rows. `table` is written into
    /// the statement as it is: a name (quoted as SQL needs) optionally followed by a column
    /// list, `my_table (a, b)`. When `reader` fails, the COPY is aborted (nothing is loaded)
    /// and its error returned.
    ///
    /// ```no_run
    /// # async fn demo(conn: &mut pgtusk::Connection) -> Result<(), Box<dyn std::error::Error>> {
    /// let file = tokio::fs::File::open("users.csv").await?;
    /// let n = conn.copy_from_csv("users (id, name)", file).await?;
    /// # Ok(()) }
    /// ```
    pub async fn copy_from_csv<R>(&mut self, table: &str, mut reader: R) -> Result<u64, Error>
    where
        R: AsyncRead + Unpin,
    {
        let mut w = self.copy_in(&session::csv_import_sql(table)).await?;
        let mut buf = BytesMut::new();
        loop {
            if buf.capacity() - buf.len() < CHUNK / 4 {
                buf.reserve(CHUNK);
            }
            match reader.read_buf(&mut buf).await {
                Ok(0) => break,
                Ok(_) if buf.len() >= CHUNK / 2 => w.send(buf.split().freeze()).await?,
                Ok(_) => {}
                Err(e) => {
                    let e = session::reader_error(e);
                    w.abort("reading the CSV input failed").await;
                    return Err(e);
                }
            }
        }
        w.send(buf.freeze()).await?;
        w.finish().await
    }

    /// Sends a COPY statement and waits until the COPY starts. Any other outcome is read to
    /// its end and returned as an error.
    async fn open_copy(
        &mut self,
        sql: &str,
        direction: Direction,
    ) -> Result<(RequestId, Tracker, CopyResponse), Error> {
        self.abandon_previous();
        let req = self.core.send_request(|r| match direction {
            Direction::In => r.copy_query(sql),
            // A plain query: the core refuses a COPY FROM STDIN in it (nobody would feed it).
            Direction::Out => r.query(sql),
        })?;
        self.in_flight = Some(req);
        let mut tracker = Tracker::new(direction);
        loop {
            let r = match self.next_response(req).await {
                Ok(r) => r,
                Err(e) => return Err(tracker.error().cloned().unwrap_or(e)),
            };
            match tracker.on_response(&mut self.core, r) {
                Step::Opened(response) => return Ok((req, tracker, response)),
                Step::Done => {
                    self.in_flight = None;
                    return Err(tracker.opening_error());
                }
                Step::Continue | Step::Data(_) => {}
            }
        }
    }

    /// Reads the responses of a COPY request up to its ReadyForQuery.
    async fn end_copy(&mut self, req: RequestId, tracker: &mut Tracker) -> Result<(), Error> {
        while !tracker.is_done() {
            let r = match self.next_response(req).await {
                Ok(r) => r,
                Err(e) => return Err(tracker.error().cloned().unwrap_or(e)),
            };
            tracker.on_response(&mut self.core, r);
        }
        self.in_flight = None;
        Ok(())
    }

    /// Handles the events already received, without IO.
    fn drain_copy_events(&mut self, req: RequestId, tracker: &mut Tracker) -> Result<(), Error> {
        while !tracker.is_done() {
            match self.core.poll_event()? {
                Some(Event::Response(id, r)) if id == req => {
                    tracker.on_response(&mut self.core, r);
                }
                Some(Event::Response(..)) => {}
                Some(ev) => self.session_event(ev),
                None => break,
            }
        }
        if tracker.is_done() {
            self.in_flight = None;
        }
        Ok(())
    }
}

// ----- COPY FROM STDIN ------------------------------------------------------------------------

/// A `COPY ... FROM STDIN` in progress; see [`Connection::copy_in`].
///
/// Write data with [`send`](Self::send) (zero-copy), through [`AsyncWrite`] (buffered into
/// 256 KiB messages), or as typed binary rows with [`write_row`](Self::write_row); end with
/// [`finish`](Self::finish) or [`abort`](Self::abort). `AsyncWrite::poll_shutdown` only
/// flushes: call [`finish`](Self::finish) to end the COPY.
///
/// Memory stays bounded: once about 256 KiB wait in the connection, the next write first
/// sends them to the socket (waiting while it is full). While writing, whatever the server
/// sends is read too, so an error it reports mid-stream (a bad value, a constraint) is
/// returned by the next write instead of after the whole input was sent.
///
/// Cancel safety: every method may be dropped at an `.await`, and the handle may be dropped
/// at any point. Dropped without `finish`, the COPY is failed with CopyFail by the next call
/// on the connection (nothing it sent is committed) and the connection stays usable. A
/// `finish` dropped after it started may leave the COPY committed or not.
#[must_use = "the COPY is aborted unless finish() is awaited"]
pub struct CopyIn<'c> {
    conn: &'c mut Connection,
    s: CopyInSession,
}

impl std::fmt::Debug for CopyIn<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CopyIn").field("response", self.s.response()).finish_non_exhaustive()
    }
}

impl CopyIn<'_> {
    /// The server's CopyInResponse: the overall format and the number and formats of the
    /// columns.
    pub fn response(&self) -> &CopyResponse {
        self.s.response()
    }

    /// Sends `data` as it is (in the statement's format), without copying it.
    ///
    /// Fails with the server's error when the server already ended the COPY (a bad value
    /// earlier in the data).
    pub async fn send(&mut self, data: Bytes) -> Result<(), Error> {
        self.s.send(&mut self.conn.core, data)?;
        self.relieve().await
    }

    /// Writes one typed row of a binary COPY (`(FORMAT binary)`): a tuple or list of
    /// [`Dumper`](crate::Dumper)s, one per column, each written in binary straight into the
    /// outgoing buffer. The binary header goes before the first row and the trailer is added
    /// by [`finish`](Self::finish). Without column types ([`Connection::copy_in_binary`]),
    /// each value's type is what its dumper says.
    ///
    /// A row that cannot be encoded ([`ErrorKind::Conversion`](crate::ErrorKind::Conversion),
    /// [`ErrorKind::Misuse`](crate::ErrorKind::Misuse) for the wrong number of values) is not sent and the COPY goes on. Fails with the server's error
    /// when the server already ended the COPY.
    pub async fn write_row<P: Params>(&mut self, row: P) -> Result<(), Error> {
        self.s.write_row(&mut self.conn.core, &row)?;
        drop(row);
        self.relieve().await
    }

    /// Ends the data (CopyDone) and returns the number of rows copied, or the server's error
    /// (with its SQLSTATE and a `COPY t, line n` context in
    /// [`DbError::where_`](crate::DbError::where_)). The connection stays usable either way.
    pub async fn finish(mut self) -> Result<u64, Error> {
        self.s.end(&mut self.conn.core)?;
        self.conn.end_copy(self.s.req, &mut self.s.tracker).await?;
        self.s.tracker.result()
    }

    /// Aborts the COPY (CopyFail with `reason`): nothing is copied. Returns the server's
    /// error, SQLSTATE 57014 (`query_canceled`) with a message that contains `reason`; the
    /// connection stays usable.
    pub async fn abort(mut self, reason: &str) -> Error {
        self.s.fail(&mut self.conn.core, reason);
        if let Err(e) = self.conn.end_copy(self.s.req, &mut self.s.tracker).await {
            return e;
        }
        self.s.abort_error()
    }

    /// Once too much waits in the connection, writes it all (reading what the server sends
    /// meanwhile) and handles the server's answers.
    fn poll_relieve(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if !self.s.needs_relief() {
            return Poll::Ready(Ok(()));
        }
        ready!(pin!(self.conn.exchange()).poll(cx))?;
        self.s.relieved();
        Poll::Ready(self.conn.drain_copy_events(self.s.req, &mut self.s.tracker))
    }

    async fn relieve(&mut self) -> Result<(), Error> {
        poll_fn(|cx| self.poll_relieve(cx)).await
    }
}

impl AsyncWrite for CopyIn<'_> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_relieve(cx)).map_err(io::Error::other)?;
        Poll::Ready(this.s.write(&mut this.conn.core, data).map_err(io::Error::other))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.s.check().map_err(io::Error::other)?;
        this.s.hand_over(&mut this.conn.core).map_err(io::Error::other)?;
        ready!(pin!(this.conn.exchange()).poll(cx)).map_err(io::Error::other)?;
        this.s.relieved();
        let drained = this.conn.drain_copy_events(this.s.req, &mut this.s.tracker);
        Poll::Ready(drained.map_err(io::Error::other))
    }

    /// Flushes; the COPY itself ends with [`CopyIn::finish`].
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

// ----- COPY TO STDOUT -------------------------------------------------------------------------

/// A `COPY ... TO STDOUT` in progress; see [`Connection::copy_out`].
///
/// Read the data as chunks ([`next_chunk`](Self::next_chunk), one per CopyData message, no
/// copy), through [`AsyncRead`], or, for a binary COPY, as rows: typed with
/// [`next_row`](Self::next_row) and [`read_row`](Self::read_row) when the column types were
/// given ([`Connection::copy_out_binary`]), raw with [`next_raw_row`](Self::next_raw_row).
/// The socket is read only as data is asked for, so memory stays bounded.
///
/// Dropping it (or a call on it) before the end is fine: the next call on the connection
/// reads and discards the rest of the data.
pub struct CopyOut<'c> {
    conn: &'c mut Connection,
    s: CopyOutSession,
}

impl std::fmt::Debug for CopyOut<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CopyOut").field("response", self.s.response()).finish_non_exhaustive()
    }
}

impl CopyOut<'_> {
    /// The server's CopyOutResponse: the overall format and the number and formats of the
    /// columns.
    pub fn response(&self) -> &CopyResponse {
        self.s.response()
    }

    /// The next chunk of data (one CopyData message), `None` at the end, or the server's
    /// error (once; then `None`).
    pub async fn next_chunk(&mut self) -> Option<Result<Bytes, Error>> {
        poll_fn(|cx| self.poll_chunk(cx)).await
    }

    /// The next row of a binary COPY as a [`Row`] over the column types given to
    /// [`Connection::copy_out_binary`]; `None` at the end. Malformed binary data is an
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode) error; after an error, `None`.
    pub async fn next_row(&mut self) -> Option<Result<Row, Error>> {
        self.next_decoded(CopyOutSession::decode_row).await
    }

    /// The next row of a binary COPY built with [`FromRow`] (a tuple by position, or a derived
    /// struct by column name with [`Connection::copy_out_binary_columns`]); `Ok(None)` at the
    /// end.
    pub async fn read_row<T: FromRow>(&mut self) -> Result<Option<T>, Error> {
        match self.next_row().await {
            Some(Ok(row)) => T::from_row(&row).map(Some),
            Some(Err(e)) => Err(e),
            None => Ok(None),
        }
    }

    /// The next row of a binary COPY with its fields as raw bytes (each `None` for NULL),
    /// needing no column types.
    pub async fn next_raw_row(&mut self) -> Option<Result<DataRow, Error>> {
        self.next_decoded(CopyOutSession::decode_raw).await
    }

    /// The number of rows copied, from the command tag (known at the end).
    pub fn rows_affected(&self) -> u64 {
        self.s.tracker.rows()
    }

    async fn next_decoded<T>(
        &mut self,
        decode: fn(&mut CopyOutSession) -> Result<Option<T>, Error>,
    ) -> Option<Result<T, Error>> {
        if self.s.rows_over() {
            return None;
        }
        loop {
            match decode(&mut self.s) {
                Ok(Some(row)) => return Some(Ok(row)),
                Ok(None) => {}
                Err(e) => return Some(Err(e)),
            }
            match self.next_chunk().await {
                Some(Ok(chunk)) => self.s.push(chunk),
                Some(Err(e)) => {
                    self.s.rows_failed();
                    return Some(Err(e));
                }
                None => return self.s.end_rows().err().map(Err),
            }
        }
    }

    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Error>>> {
        if let Some(rest) = self.s.take_buffered() {
            return Poll::Ready(Some(Ok(rest)));
        }
        let conn = &mut *self.conn;
        loop {
            if self.s.tracker.is_done() {
                conn.in_flight = None;
                return Poll::Ready(self.s.end().map(Err));
            }
            if self.s.is_ended() {
                return Poll::Ready(None);
            }
            if let Some(data) = self.s.take_data(&mut conn.core) {
                return Poll::Ready(Some(Ok(data)));
            }
            let event = match conn.core.poll_event() {
                Ok(event) => event,
                Err(e) => return Poll::Ready(Some(Err(self.s.stop(e)))),
            };
            match event {
                Some(Event::Response(id, r)) if id == self.s.req => {
                    if let Some(data) = self.s.on_response(&mut conn.core, r) {
                        return Poll::Ready(Some(Ok(data)));
                    }
                }
                Some(Event::Response(..)) => {}
                Some(ev) => conn.session_event(ev),
                None => {
                    let (core, stream) = (&mut conn.core, &mut conn.stream);
                    let io = if core.wants_write() || conn.unflushed {
                        ready!(super::poll_write_out(
                            core,
                            &mut stream.stream,
                            &mut conn.unflushed,
                            cx
                        ))
                    } else {
                        ready!(super::poll_fill_batched(core, stream, cx))
                    };
                    if let Err(e) = io {
                        return Poll::Ready(Some(Err(self.s.stop(e))));
                    }
                }
            }
        }
    }
}

impl AsyncRead for CopyOut<'_> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        let mut chunk = match ready!(this.poll_chunk(cx)) {
            Some(Ok(chunk)) => chunk,
            Some(Err(e)) => return Poll::Ready(Err(io::Error::other(e))),
            None => return Poll::Ready(Ok(())),
        };
        let n = chunk.len().min(buf.remaining());
        buf.put_slice(&chunk.split_to(n));
        this.s.keep_leftover(chunk);
        Poll::Ready(Ok(()))
    }
}
