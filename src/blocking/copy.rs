//! COPY on the blocking connection: [`CopyIn`] (COPY FROM STDIN, an [`io::Write`]) and
//! [`CopyOut`] (COPY TO STDOUT, an [`io::Read`]), mirroring the async
//! [`CopyIn`](crate::CopyIn) and [`CopyOut`](crate::CopyOut). The protocol bookkeeping lives
//! in [`crate::copy`]; this file only moves bytes.
//!
//! Memory stays bounded: data goes out in CopyData messages of about 256 KiB, and once about
//! 256 KiB wait in the connection the next write sends them to the socket first (blocking
//! while it is full, and reading whatever the server sends meanwhile, so an error it reports
//! mid-stream is returned by the next write).
//!
//! A handle dropped before its end leaves the connection usable: the next call fails a
//! dropped [`CopyIn`] with CopyFail (nothing it sent is committed) and discards the rest of a
//! dropped [`CopyOut`]'s data.

use crate::copy::table::{COLUMN_TYPES_QUERY, TableCopy};
use std::io::{self, Read, Write};

use bytes::{Bytes, BytesMut};

use crate::conn::{Event, RequestId};
use crate::copy::session::{self, CHUNK, CopyInSession, CopyOutSession, Direction, Step, Tracker};
use crate::error::Error;
use crate::protocol::Oid;
use crate::protocol::backend::{CopyResponse, DataRow};
use crate::types::{Column, FromRow, Params, Row};

use super::Connection;

impl Connection {
    /// Starts `COPY ... FROM STDIN`; see the async
    /// [`Connection::copy_in`](crate::Connection::copy_in).
    ///
    /// ```no_run
    /// # fn demo(conn: &mut pgtusk::blocking::Connection) -> Result<(), pgtusk::Error> {
    /// let mut w = conn.copy_in("COPY t (a, b) FROM STDIN (FORMAT binary)")?;
    /// w.write_row((1_i64, "x"))?;
    /// assert_eq!(w.finish()?, 1);
    /// # Ok(()) }
    /// ```
    pub fn copy_in(&mut self, sql: &str) -> Result<CopyIn<'_>, Error> {
        let (req, tracker, response) = self.open_copy(sql, Direction::In)?;
        Ok(CopyIn { s: CopyInSession::new(req, tracker, response), conn: self })
    }

    /// Starts a binary `COPY ... FROM STDIN` whose columns have these types; see the async
    /// [`Connection::copy_in_binary`](crate::Connection::copy_in_binary).
    pub fn copy_in_binary(&mut self, sql: &str, types: &[Oid]) -> Result<CopyIn<'_>, Error> {
        let (req, tracker, response) = self.open_copy(sql, Direction::In)?;
        let mut s = CopyInSession::new(req, tracker, response);
        if let Err(e) = s.use_types(types) {
            s.fail(&mut self.core, "the client refused the COPY");
            self.end_copy(req, &mut s.tracker)?;
            return Err(e);
        }
        Ok(CopyIn { conn: self, s })
    }

    /// Starts a binary `COPY table (columns) FROM STDIN` with the column types read from the
    /// catalog; see the async
    /// [`Connection::copy_in_table`](crate::Connection::copy_in_table).
    pub fn copy_in_table(
        &mut self,
        table: &crate::sql::Identifier,
        columns: &[&str],
    ) -> Result<CopyIn<'_>, Error> {
        let plan = TableCopy::new(table, columns)?;
        let rows = self.query(COLUMN_TYPES_QUERY, (plan.table.as_str(), &plan.columns))?;
        let (sql, types) = plan.statement(&rows)?;
        self.copy_in_binary(&sql, &types)
    }

    /// Starts `COPY ... TO STDOUT`; see the async
    /// [`Connection::copy_out`](crate::Connection::copy_out).
    pub fn copy_out(&mut self, sql: &str) -> Result<CopyOut<'_>, Error> {
        let (req, tracker, response) = self.open_copy(sql, Direction::Out)?;
        Ok(CopyOut { s: CopyOutSession::new(req, tracker, response), conn: self })
    }

    /// Starts a binary `COPY ... TO STDOUT` whose columns have these types, for typed rows;
    /// see the async [`Connection::copy_out_binary`](crate::Connection::copy_out_binary).
    ///
    /// ```no_run
    /// # fn demo(conn: &mut pgtusk::blocking::Connection) -> Result<(), pgtusk::Error> {
    /// use pgtusk::types::oid;
    /// let sql = "COPY t (a, b) TO STDOUT (FORMAT binary)";
    /// let mut r = conn.copy_out_binary(sql, &[oid::INT8, oid::TEXT])?;
    /// while let Some((a, b)) = r.read_row::<(i64, Option<String>)>()? {
    ///     // ...
    /// }
    /// # Ok(()) }
    /// ```
    pub fn copy_out_binary(&mut self, sql: &str, types: &[Oid]) -> Result<CopyOut<'_>, Error> {
        self.copy_out_binary_columns(sql, &session::columns_of(types))
    }

    /// Like [`copy_out_binary`](Self::copy_out_binary) with named columns; see the async
    /// [`Connection::copy_out_binary_columns`](crate::Connection::copy_out_binary_columns).
    pub fn copy_out_binary_columns(
        &mut self,
        sql: &str,
        columns: &[Column],
    ) -> Result<CopyOut<'_>, Error> {
        let (req, tracker, response) = self.open_copy(sql, Direction::Out)?;
        let mut s = CopyOutSession::new(req, tracker, response);
        // On error the server sends the data anyway: the next call reads and discards it.
        s.use_columns(columns)?;
        Ok(CopyOut { conn: self, s })
    }

    /// Exports the result of `query` as CSV with a header line to `writer`, streaming; see the
    /// async [`Connection::copy_to_csv`](crate::Connection::copy_to_csv).
    ///
    /// ```no_run
    /// # fn demo(conn: &mut pgtusk::blocking::Connection) -> Result<(), Box<dyn std::error::Error>> {
    /// let file = std::io::BufWriter::new(std::fs::File::create("users.csv")?);
    /// let n = conn.copy_to_csv("SELECT id, name FROM users ORDER BY id", file)?;
    /// # Ok(()) }
    /// ```
    pub fn copy_to_csv<W: Write>(&mut self, query: &str, mut writer: W) -> Result<u64, Error> {
        let mut out = self.copy_out(&session::csv_export_sql(query))?;
        while let Some(chunk) = out.next_chunk() {
            writer.write_all(&chunk?).map_err(session::writer_error)?;
        }
        writer.flush().map_err(session::writer_error)?;
        Ok(out.rows_affected())
    }

    /// Loads CSV data with a header line from `reader` into `table`, streaming; see the async
    /// [`Connection::copy_from_csv`](crate::Connection::copy_from_csv).
    pub fn copy_from_csv<R: Read>(&mut self, table: &str, mut reader: R) -> Result<u64, Error> {
        let mut w = self.copy_in(&session::csv_import_sql(table))?;
        let mut buf = BytesMut::zeroed(CHUNK);
        let mut filled = 0;
        loop {
            match reader.read(buf.get_mut(filled..).unwrap_or_default()) {
                Ok(0) => break,
                Ok(n) => filled += n.min(CHUNK - filled),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let e = session::reader_error(e);
                    w.abort("reading the CSV input failed");
                    return Err(e);
                }
            }
            if filled >= CHUNK / 2 {
                buf.truncate(filled);
                w.send(buf.split().freeze())?;
                buf.resize(CHUNK, 0);
                filled = 0;
            }
        }
        buf.truncate(filled);
        w.send(buf.freeze())?;
        w.finish()
    }

    /// Sends a COPY statement and waits until the COPY starts. Any other outcome is read to
    /// its end and returned as an error.
    fn open_copy(
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
            let r = match self.next_response(req) {
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
    fn end_copy(&mut self, req: RequestId, tracker: &mut Tracker) -> Result<(), Error> {
        while !tracker.is_done() {
            let r = match self.next_response(req) {
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

/// A `COPY ... FROM STDIN` in progress; see [`Connection::copy_in`] and the async
/// [`CopyIn`](crate::CopyIn).
///
/// Write data with [`send`](Self::send) (zero-copy), through [`io::Write`] (buffered into
/// 256 KiB messages), or as typed binary rows with [`write_row`](Self::write_row); end with
/// [`finish`](Self::finish) or [`abort`](Self::abort). Dropping it without either aborts the
/// COPY. `io::Write::flush` only sends what is buffered: call [`finish`](Self::finish) to end
/// the COPY.
#[must_use = "the COPY is aborted unless finish() is called"]
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
    /// The server's CopyInResponse.
    pub fn response(&self) -> &CopyResponse {
        self.s.response()
    }

    /// Sends `data` as it is, without copying it; see the async
    /// [`CopyIn::send`](crate::CopyIn::send).
    pub fn send(&mut self, data: Bytes) -> Result<(), Error> {
        self.s.send(&mut self.conn.core, data)?;
        self.relieve()
    }

    /// Writes one typed row of a binary COPY; see the async
    /// [`CopyIn::write_row`](crate::CopyIn::write_row).
    pub fn write_row<P: Params>(&mut self, row: P) -> Result<(), Error> {
        self.s.write_row(&mut self.conn.core, &row)?;
        self.relieve()
    }

    /// Ends the data and returns the number of rows copied, or the server's error.
    pub fn finish(mut self) -> Result<u64, Error> {
        self.s.end(&mut self.conn.core)?;
        self.conn.end_copy(self.s.req, &mut self.s.tracker)?;
        self.s.tracker.result()
    }

    /// Aborts the COPY (CopyFail with `reason`); returns the server's error (SQLSTATE 57014,
    /// its message contains `reason`). The connection stays usable.
    pub fn abort(mut self, reason: &str) -> Error {
        self.s.fail(&mut self.conn.core, reason);
        if let Err(e) = self.conn.end_copy(self.s.req, &mut self.s.tracker) {
            return e;
        }
        self.s.abort_error()
    }

    /// Once too much waits in the connection, writes it all (reading what the server sends
    /// meanwhile) and handles the server's answers.
    fn relieve(&mut self) -> Result<(), Error> {
        if !self.s.needs_relief() {
            return Ok(());
        }
        self.write_out()
    }

    fn write_out(&mut self) -> Result<(), Error> {
        self.conn.exchange()?;
        self.s.relieved();
        self.conn.drain_copy_events(self.s.req, &mut self.s.tracker)
    }
}

impl Write for CopyIn<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.relieve().map_err(io::Error::other)?;
        self.s.write(&mut self.conn.core, data).map_err(io::Error::other)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.s.check().map_err(io::Error::other)?;
        self.s.hand_over(&mut self.conn.core).map_err(io::Error::other)?;
        self.write_out().map_err(io::Error::other)
    }
}

// ----- COPY TO STDOUT -------------------------------------------------------------------------

/// A `COPY ... TO STDOUT` in progress; see [`Connection::copy_out`] and the async
/// [`CopyOut`](crate::CopyOut). Dropping it before the end is fine: the next call on the
/// connection discards the rest.
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
    /// The server's CopyOutResponse.
    pub fn response(&self) -> &CopyResponse {
        self.s.response()
    }

    /// The next chunk of data (one CopyData message), `None` at the end, or the server's
    /// error (once; then `None`).
    pub fn next_chunk(&mut self) -> Option<Result<Bytes, Error>> {
        if let Some(rest) = self.s.take_buffered() {
            return Some(Ok(rest));
        }
        loop {
            if self.s.tracker.is_done() {
                self.conn.in_flight = None;
                return self.s.end().map(Err);
            }
            if self.s.is_ended() {
                return None;
            }
            if let Some(data) = self.s.take_data(&mut self.conn.core) {
                return Some(Ok(data));
            }
            match self.conn.next_response(self.s.req) {
                Ok(r) => {
                    if let Some(data) = self.s.on_response(&mut self.conn.core, r) {
                        return Some(Ok(data));
                    }
                }
                Err(e) => return Some(Err(self.s.stop(e))),
            }
        }
    }

    /// The next row of a binary COPY as a [`Row`]; see the async
    /// [`CopyOut::next_row`](crate::CopyOut::next_row).
    pub fn next_row(&mut self) -> Option<Result<Row, Error>> {
        self.next_decoded(CopyOutSession::decode_row)
    }

    /// The next row of a binary COPY built with [`FromRow`]; `Ok(None)` at the end.
    pub fn read_row<T: FromRow>(&mut self) -> Result<Option<T>, Error> {
        match self.next_row() {
            Some(Ok(row)) => T::from_row(&row).map(Some),
            Some(Err(e)) => Err(e),
            None => Ok(None),
        }
    }

    /// The next row of a binary COPY with its fields as raw bytes, needing no column types.
    pub fn next_raw_row(&mut self) -> Option<Result<DataRow, Error>> {
        self.next_decoded(CopyOutSession::decode_raw)
    }

    /// The number of rows copied, from the command tag (known at the end).
    pub fn rows_affected(&self) -> u64 {
        self.s.tracker.rows()
    }

    fn next_decoded<T>(
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
            match self.next_chunk() {
                Some(Ok(chunk)) => self.s.push(chunk),
                Some(Err(e)) => {
                    self.s.rows_failed();
                    return Some(Err(e));
                }
                None => return self.s.end_rows().err().map(Err),
            }
        }
    }
}

impl Read for CopyOut<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut chunk = match self.next_chunk() {
            Some(Ok(chunk)) => chunk,
            Some(Err(e)) => return Err(io::Error::other(e)),
            None => return Ok(0),
        };
        let n = chunk.len().min(buf.len());
        let head = chunk.split_to(n);
        if let Some(dst) = buf.get_mut(..n) {
            dst.copy_from_slice(&head);
        }
        self.s.keep_leftover(chunk);
        Ok(n)
    }
}
