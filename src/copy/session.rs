//! The COPY bookkeeping shared by the async and the blocking handles: what the server's
//! responses mean for a COPY, when buffered data goes to the core, and when the IO driver must
//! write before accepting more. The drivers only move bytes.
//!
//! ```text
//!   copy_in:  Query(COPY ... FROM STDIN) --CopyInResponse--> streaming
//!             streaming --write/write_row/send--> streaming  (data -> CopyData; over
//!                                                 HIGH_WATER queued: the driver writes)
//!             streaming --ErrorResponse (bad value...)--> failed early (writes return it)
//!             streaming --finish: CopyDone / abort, drop: CopyFail--> ending
//!             ending --CommandComplete "COPY n", or ErrorResponse; ReadyForQuery--> done
//!   copy_out: Query(COPY ... TO STDOUT) --CopyOutResponse--> CopyData* --CopyDone-->
//!             CommandComplete --ReadyForQuery--> done
//! ```
//!
//! Any other outcome of the opening query (an error, a statement that is not the expected
//! COPY) is read to its ReadyForQuery and returned as an error, so the connection stays usable.

use std::sync::Arc;

use bytes::{Bytes, BytesMut};

use super::{BinaryDecoder, BinaryEncoder};
use crate::conn::{ConnectionCore, CopyFrames, RequestId, Response};
use crate::error::{DbError, Error, ErrorKind};
use crate::protocol::backend::{CopyResponse, DataRow};
use crate::protocol::{Format, Oid};
use crate::types::{Column, Columns, Params, Row};

/// Data is handed to the core in CopyData messages of about this size: as large as
/// [`HIGH_WATER`], so each socket write sends one message and frees one buffer (fewer system
/// calls and allocations per row than smaller messages written together).
pub(crate) const CHUNK: usize = 256 * 1024;
/// When more than this was handed to the core since the last write, the driver writes it all
/// to the socket before accepting more: memory stays bounded whatever the input size.
pub(crate) const HIGH_WATER: usize = 256 * 1024;

/// Which way the data flows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// COPY FROM STDIN.
    In,
    /// COPY TO STDOUT.
    Out,
}

/// What one response meant.
#[derive(Debug)]
pub(crate) enum Step {
    /// Nothing for the caller.
    Continue,
    /// The COPY started (CopyInResponse or CopyOutResponse).
    Opened(CopyResponse),
    /// A chunk of COPY TO STDOUT data.
    Data(Bytes),
    /// ReadyForQuery: the request is over.
    Done,
}

/// Follows the responses of a COPY request: whether the COPY started, its row count, its
/// first error, and its end.
#[derive(Debug)]
pub(crate) struct Tracker {
    direction: Direction,
    opened: bool,
    error: Option<Error>,
    rows: Option<u64>,
    done: bool,
}

impl Tracker {
    pub(crate) fn new(direction: Direction) -> Self {
        Self { direction, opened: false, error: None, rows: None, done: false }
    }

    /// Handles one response to the request. A COPY FROM STDIN nobody will feed (a second one
    /// in the same query string) is failed through `core`.
    /// True while CopyData is what this COPY expects: a COPY TO STDOUT that started and did
    /// not fail.
    pub(crate) fn takes_data(&self) -> bool {
        self.direction == Direction::Out && self.opened && self.error.is_none()
    }

    pub(crate) fn on_response(&mut self, core: &mut ConnectionCore, r: Response) -> Step {
        match r {
            Response::CopyIn(c)
                if self.direction == Direction::In && !self.opened && self.error.is_none() =>
            {
                self.opened = true;
                return Step::Opened(c);
            }
            Response::CopyIn(_) => {
                // A COPY FROM STDIN nobody will feed: a second one in the query string, or one
                // after a statement that already failed the call. Cannot fail: the core just
                // entered COPY FROM STDIN for this request.
                let _ = core.send_copy_fail("one COPY FROM STDIN per copy_in call");
                self.set_error(Error::misuse(
                    "the query string runs more than one COPY FROM STDIN; use one per copy_in",
                ));
            }
            Response::CopyOut(c) if self.direction == Direction::Out && !self.opened => {
                self.opened = true;
                return Step::Opened(c);
            }
            Response::CopyOut(_) if self.direction == Direction::In && !self.opened => {
                self.set_error(Error::misuse(
                    "copy_in needs COPY ... FROM STDIN; for COPY ... TO STDOUT use copy_out",
                ));
            }
            Response::CopyData(data)
                if self.direction == Direction::Out && self.opened && self.error.is_none() =>
            {
                return Step::Data(data);
            }
            Response::CommandComplete(c) if self.opened && self.rows.is_none() => {
                self.rows = c.rows();
            }
            Response::Error(fields) => self.set_error(Error::db(DbError::from_fields(&fields))),
            Response::Aborted => {
                self.set_error(Error::new(ErrorKind::Aborted, "statement was not executed"));
            }
            Response::ReadyForQuery(_) => {
                self.done = true;
                return Step::Done;
            }
            _ => {}
        }
        Step::Continue
    }

    /// Keeps the first error: later ones are consequences.
    fn set_error(&mut self, e: Error) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }

    /// True once the request's ReadyForQuery arrived.
    pub(crate) fn is_done(&self) -> bool {
        self.done
    }

    /// The first error so far.
    pub(crate) fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// The row count from the COPY's command tag (0 until it arrived).
    pub(crate) fn rows(&self) -> u64 {
        self.rows.unwrap_or(0)
    }

    /// The outcome once done: the first error, or the row count.
    pub(crate) fn result(&self) -> Result<u64, Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if !self.opened {
            let expected = match self.direction {
                Direction::In => "COPY ... FROM STDIN",
                Direction::Out => "COPY ... TO STDOUT",
            };
            return Err(Error::misuse(format!("the statement did not start a {expected}")));
        }
        Ok(self.rows())
    }

    /// The error an opening that never started the COPY ended with.
    pub(crate) fn opening_error(&self) -> Error {
        match self.result() {
            Err(e) => e,
            Ok(_) => Error::misuse("the COPY ended before it started"),
        }
    }
}

// ----- COPY FROM STDIN ------------------------------------------------------------------------

/// A COPY FROM STDIN in progress: the data buffered for the next CopyData message, the binary
/// row encoder, and how much was handed to the core since the driver last wrote.
#[derive(Debug)]
pub(crate) struct CopyInSession {
    pub(crate) req: RequestId,
    pub(crate) tracker: Tracker,
    response: CopyResponse,
    buf: BytesMut,
    encoder: Option<BinaryEncoder>,
    /// Bytes handed to the core since the driver last wrote everything.
    queued: usize,
    /// Raw data was written before any typed row (a header of our own would corrupt it).
    raw_first: bool,
}

impl CopyInSession {
    pub(crate) fn new(req: RequestId, tracker: Tracker, response: CopyResponse) -> Self {
        Self {
            req,
            tracker,
            response,
            buf: BytesMut::new(),
            encoder: None,
            queued: 0,
            raw_first: false,
        }
    }

    /// Declares the column types of typed rows (`copy_in_binary`): the COPY must be binary and
    /// have that many columns.
    pub(crate) fn use_types(&mut self, types: &[Oid]) -> Result<(), Error> {
        self.check_binary()?;
        let columns = self.response.len();
        if types.len() != columns {
            return Err(Error::misuse(format!(
                "{} column types were given, but the COPY has {columns} columns",
                types.len()
            )));
        }
        self.encoder = Some(BinaryEncoder::with_types(types));
        Ok(())
    }

    fn check_binary(&self) -> Result<(), Error> {
        if self.response.format() != Format::Binary {
            return Err(Error::misuse(
                "typed rows need a binary COPY: add (FORMAT binary) to the COPY statement",
            ));
        }
        Ok(())
    }

    /// The server's CopyInResponse.
    pub(crate) fn response(&self) -> &CopyResponse {
        &self.response
    }

    /// Fails when the COPY cannot take data any more: the server ended it with an error, which
    /// is returned.
    #[inline]
    pub(crate) fn check(&self) -> Result<(), Error> {
        if let Some(e) = self.tracker.error() {
            return Err(e.clone());
        }
        if self.tracker.is_done() {
            return Err(Error::misuse("the COPY is over"));
        }
        Ok(())
    }

    /// Encodes one typed row into the buffer (the binary header first).
    #[inline]
    pub(crate) fn write_row<P: Params + ?Sized>(
        &mut self,
        core: &mut ConnectionCore,
        row: &P,
    ) -> Result<(), Error> {
        self.check()?;
        let encoder = match &mut self.encoder {
            Some(e) => e,
            None => {
                self.check_binary()?;
                if self.raw_first {
                    return Err(Error::misuse(
                        "write_row after raw COPY data: write every row one way or the other",
                    ));
                }
                let columns = self.response.len();
                self.encoder.insert(BinaryEncoder::new().with_column_count(columns))
            }
        };
        if self.buf.capacity() == 0 {
            self.buf.reserve(CHUNK + CHUNK / 4);
        }
        encoder.encode_row(row, &mut self.buf)?;
        if self.buf.len() >= CHUNK {
            self.hand_over(core)?;
        }
        Ok(())
    }

    /// Buffers raw data; returns how much was taken (at most what fills the current chunk).
    pub(crate) fn write(&mut self, core: &mut ConnectionCore, data: &[u8]) -> Result<usize, Error> {
        self.check()?;
        if data.is_empty() {
            return Ok(0);
        }
        if self.buf.len() >= CHUNK {
            self.hand_over(core)?;
        }
        if self.buf.capacity() == 0 {
            self.buf.reserve(CHUNK);
        }
        let n = data.len().min(CHUNK - self.buf.len());
        self.buf.extend_from_slice(data.get(..n).unwrap_or_default());
        self.raw_first |= self.encoder.is_none();
        if self.buf.len() >= CHUNK {
            self.hand_over(core)?;
        }
        Ok(n)
    }

    /// Hands `data` to the core as it is (no copy for large chunks), after what was buffered.
    pub(crate) fn send(&mut self, core: &mut ConnectionCore, data: Bytes) -> Result<(), Error> {
        self.check()?;
        self.hand_over(core)?;
        if !data.is_empty() {
            self.raw_first |= self.encoder.is_none();
            self.queued += data.len();
            core.send_copy_data(data)?;
        }
        Ok(())
    }

    /// Hands the buffered data to the core as one CopyData message.
    pub(crate) fn hand_over(&mut self, core: &mut ConnectionCore) -> Result<(), Error> {
        if self.buf.is_empty() {
            return Ok(());
        }
        // The whole buffer goes (not a split of it): the next rows get a fresh one, instead of
        // filling the old one's tail and copying it into a new allocation when that runs out.
        let data = std::mem::take(&mut self.buf).freeze();
        self.queued += data.len();
        core.send_copy_data(data)
    }

    /// True when the driver must write everything to the socket before accepting more.
    pub(crate) fn needs_relief(&self) -> bool {
        self.queued >= HIGH_WATER
    }

    /// The driver wrote everything.
    pub(crate) fn relieved(&mut self) {
        self.queued = 0;
    }

    /// Ends the data: the binary trailer (when typed rows were written), the rest of the
    /// buffer, CopyDone. Nothing is sent when the server already ended the COPY.
    pub(crate) fn end(&mut self, core: &mut ConnectionCore) -> Result<(), Error> {
        if self.tracker.is_done() || !core.in_copy_in() {
            return Ok(());
        }
        if self.tracker.error().is_some() {
            // The call already failed: end the COPY without committing anything.
            self.fail(core, "the COPY failed on the client");
            return Ok(());
        }
        if let Some(encoder) = &mut self.encoder {
            encoder.encode_trailer(&mut self.buf);
        }
        self.hand_over(core)?;
        core.send_copy_done()
    }

    /// Aborts the COPY with CopyFail; buffered data is dropped.
    pub(crate) fn fail(&mut self, core: &mut ConnectionCore, reason: &str) {
        self.buf.clear();
        if !self.tracker.is_done() && core.in_copy_in() {
            // Cannot fail: the core is in COPY FROM STDIN.
            let _ = core.send_copy_fail(reason);
        }
    }

    /// The error an aborted COPY ended with (the server's, which carries the reason).
    pub(crate) fn abort_error(&self) -> Error {
        match self.tracker.error() {
            Some(e) => e.clone(),
            None => Error::new(ErrorKind::Aborted, "COPY aborted"),
        }
    }
}

// ----- COPY TO STDOUT -------------------------------------------------------------------------

/// A COPY TO STDOUT in progress: the part of a chunk a reader left, and the binary row
/// decoder with the column description rows are built with.
#[derive(Debug)]
pub(crate) struct CopyOutSession {
    pub(crate) req: RequestId,
    pub(crate) tracker: Tracker,
    response: CopyResponse,
    /// What `Read`/`AsyncRead` did not consume of the last chunk.
    leftover: Bytes,
    /// The end (or the error) was handed out.
    reported: bool,
    columns: Option<Arc<Columns>>,
    decoder: Option<BinaryDecoder>,
    /// Typed reading ended (its end or its error was handed out).
    rows_over: bool,
    /// CopyData messages taken off the core's read buffer, not yet handed out. They come
    /// before anything the core still holds; dropped with the session (the request is then
    /// abandoned, and the rest of its data discarded anyway).
    frames: CopyFrames,
}

impl CopyOutSession {
    pub(crate) fn new(req: RequestId, tracker: Tracker, response: CopyResponse) -> Self {
        Self {
            req,
            tracker,
            response,
            leftover: Bytes::new(),
            reported: false,
            columns: None,
            decoder: None,
            rows_over: false,
            frames: CopyFrames::default(),
        }
    }

    /// Declares the columns of typed rows (`copy_out_binary`): the COPY must be binary and
    /// have that many columns. Values are read in binary whatever the columns say.
    pub(crate) fn use_columns(&mut self, columns: &[Column]) -> Result<(), Error> {
        self.check_binary()?;
        let count = self.response.len();
        if columns.len() != count {
            return Err(Error::misuse(format!(
                "{} column types were given, but the COPY has {count} columns",
                columns.len()
            )));
        }
        let binary = columns.iter().map(|c| Column::new(c.name(), c.type_oid(), Format::Binary));
        self.columns = Some(Arc::new(binary.collect()));
        Ok(())
    }

    fn check_binary(&self) -> Result<(), Error> {
        if self.response.format() != Format::Binary {
            return Err(Error::misuse(
                "rows need a binary COPY: add (FORMAT binary) to the COPY statement",
            ));
        }
        Ok(())
    }

    /// The server's CopyOutResponse.
    pub(crate) fn response(&self) -> &CopyResponse {
        &self.response
    }

    /// Handles one response: a data chunk for the caller, or `None`. Empty chunks are
    /// skipped (a reader would take one for the end of the data).
    pub(crate) fn on_response(&mut self, core: &mut ConnectionCore, r: Response) -> Option<Bytes> {
        match self.tracker.on_response(core, r) {
            Step::Data(data) if !data.is_empty() => Some(data),
            _ => None,
        }
    }

    /// The next CopyData payload straight from the core's read buffer, when a complete one is
    /// there (see [`ConnectionCore::take_copy_frames`]); `None`: go through the events.
    pub(crate) fn take_data(&mut self, core: &mut ConnectionCore) -> Option<Bytes> {
        if !self.tracker.takes_data() {
            return None;
        }
        loop {
            if let Some(data) = self.next_frame() {
                return Some(data);
            }
            self.frames = core.take_copy_frames(self.req)?;
        }
    }

    /// The next non-empty payload of the CopyData messages already taken off the core.
    fn next_frame(&mut self) -> Option<Bytes> {
        self.frames.find(|data| !data.is_empty())
    }

    /// What the session already holds for the caller, before anything else: the rest of a
    /// chunk a reader did not consume, else the next payload taken off the core earlier (no
    /// state to check for those: the request cannot have ended behind them).
    pub(crate) fn take_buffered(&mut self) -> Option<Bytes> {
        if self.leftover.is_empty() {
            self.next_frame()
        } else {
            Some(std::mem::take(&mut self.leftover))
        }
    }

    /// Keeps the part of a chunk a reader did not consume.
    pub(crate) fn keep_leftover(&mut self, rest: Bytes) {
        self.leftover = rest;
    }

    /// Once the request is done: its error, handed out once; `None` after that or when the
    /// COPY succeeded.
    pub(crate) fn end(&mut self) -> Option<Error> {
        if std::mem::replace(&mut self.reported, true) {
            return None;
        }
        self.tracker.error().cloned()
    }

    /// True once the end or an error was handed out: no more chunks come.
    pub(crate) fn is_ended(&self) -> bool {
        self.reported
    }

    /// The connection failed while reading: reading ends here. Returns the error to report
    /// (the server's, if it sent one first).
    pub(crate) fn stop(&mut self, e: Error) -> Error {
        self.reported = true;
        self.rows_over = true;
        self.tracker.error().cloned().unwrap_or(e)
    }

    /// True when typed reading has ended.
    pub(crate) fn rows_over(&self) -> bool {
        self.rows_over
    }

    /// The next complete binary row from what was pushed, `Ok(None)` when a chunk is needed.
    pub(crate) fn decode_raw(&mut self) -> Result<Option<DataRow>, Error> {
        if self.decoder.is_none() {
            if let Err(e) = self.check_binary() {
                self.rows_over = true;
                return Err(e);
            }
            self.decoder = Some(BinaryDecoder::new());
        }
        let Some(decoder) = &mut self.decoder else {
            return Ok(None);
        };
        if !self.leftover.is_empty() {
            // A reader consumed part of a chunk: the rest belongs to the rows.
            decoder.push(std::mem::take(&mut self.leftover));
        }
        decoder.next_row().map_err(|e| {
            self.rows_over = true;
            e.into()
        })
    }

    /// The next complete typed row, `Ok(None)` when a chunk is needed.
    pub(crate) fn decode_row(&mut self) -> Result<Option<Row>, Error> {
        let Some(columns) = self.columns.clone() else {
            self.rows_over = true;
            return Err(Error::misuse(
                "binary COPY data carries no column types: open the COPY with copy_out_binary \
                 to read typed rows",
            ));
        };
        match self.decode_raw()? {
            Some(data) => Row::new(columns, data).map(Some).inspect_err(|_| self.rows_over = true),
            None => Ok(None),
        }
    }

    /// Adds a chunk for the row decoder.
    pub(crate) fn push(&mut self, chunk: Bytes) {
        if let Some(decoder) = &mut self.decoder {
            decoder.push(chunk);
        }
    }

    /// The data ended: `Ok` when the binary trailer was read and nothing followed.
    pub(crate) fn end_rows(&mut self) -> Result<(), Error> {
        self.rows_over = true;
        match &mut self.decoder {
            Some(decoder) => decoder.finish().map_err(Error::from),
            None => Ok(()),
        }
    }

    /// Typed reading failed: it ends here.
    pub(crate) fn rows_failed(&mut self) {
        self.rows_over = true;
    }
}

/// Columns of these types, named `""`, for `copy_out_binary`.
pub(crate) fn columns_of(types: &[Oid]) -> Vec<Column> {
    types.iter().map(|&t| Column::new("", t, Format::Binary)).collect()
}

/// `COPY (query) TO STDOUT (FORMAT csv, HEADER)`. The query goes on its own lines, so a final
/// `-- comment` cannot swallow the closing parenthesis; a final `;` is dropped.
pub(crate) fn csv_export_sql(query: &str) -> String {
    let query = query.trim_end_matches(|c: char| c == ';' || c.is_whitespace());
    format!("COPY (\n{query}\n) TO STDOUT (FORMAT csv, HEADER)")
}

/// `COPY table FROM STDIN (FORMAT csv, HEADER)`.
pub(crate) fn csv_import_sql(table: &str) -> String {
    format!("COPY {table} FROM STDIN (FORMAT csv, HEADER)")
}

/// The error for a failed write to the caller's CSV writer.
pub(crate) fn writer_error(e: std::io::Error) -> Error {
    Error::with_source(ErrorKind::Io, "writing the COPY output failed", e)
}

/// The error for a failed read from the caller's CSV reader.
pub(crate) fn reader_error(e: std::io::Error) -> Error {
    Error::with_source(ErrorKind::Io, "reading the COPY input failed", e)
}
