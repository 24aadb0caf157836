//! Named server-side cursors (psycopg's `ServerCursor`).

use crate::conn::cursor::{close_sql, declare_sql, fetch_sql, move_sql};
use crate::conn::{CursorOptions, ScrollTo};
use crate::error::Error;
use crate::types::{Params, Row};

use super::Connection;

/// A named cursor on the server: rows are fetched in batches of the caller's choosing, and it
/// is closed when dropped. See [`Connection::cursor`].
#[must_use = "a cursor is closed when dropped"]
pub struct Cursor<'c> {
    conn: &'c mut Connection,
    name: String,
    closed: bool,
}

impl Connection {
    /// Declares a server-side cursor for `query` with parameters. Without
    /// [`CursorOptions::hold`] it must be inside a transaction (the server refuses otherwise,
    /// SQLSTATE 25P01).
    pub fn cursor<P: Params>(
        &mut self,
        query: &str,
        params: P,
        options: CursorOptions,
    ) -> Result<Cursor<'_>, Error> {
        let name = self.exec.cursor_name();
        self.execute(declare_sql(&name, query, options).as_str(), params)?;
        Ok(Cursor { conn: self, name, closed: false })
    }
}

impl Cursor<'_> {
    /// The cursor's name on the server.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Fetches up to `n` more rows (fewer at the end; none once exhausted).
    pub fn fetch(&mut self, n: u64) -> Result<Vec<Row>, Error> {
        self.conn.query(fetch_sql(&self.name, n).as_str(), ())
    }

    /// Moves the cursor without fetching; returns how many rows it moved over.
    pub fn scroll(&mut self, to: ScrollTo) -> Result<u64, Error> {
        self.conn.execute(move_sql(&self.name, to).as_str(), ())
    }

    /// Closes the cursor on the server.
    pub fn close(mut self) -> Result<(), Error> {
        self.closed = true;
        self.conn.batch_execute(&close_sql(&self.name))
    }
}

/// Dropped without `close`: the CLOSE is queued and sent with the next call.
impl Drop for Cursor<'_> {
    fn drop(&mut self) {
        if !self.closed {
            self.conn.abandon_previous();
            let _ = self.conn.core.send_query_unread(&close_sql(&self.name));
        }
    }
}
