//! The SQL of named server-side cursors, shared by both connections (psycopg's
//! `ServerCursor`): `DECLARE`, `FETCH`, `MOVE`, `CLOSE`.

/// Where `Cursor::scroll` moves a cursor (backwards needs `scroll`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScrollTo {
    /// Forward (positive) or backward (negative) by this many rows.
    Relative(i64),
    /// To this row (1 is the first; 0 is before the first; negative counts from the end).
    Absolute(i64),
}

/// Options of a server-side cursor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CursorOptions {
    /// `SCROLL`: the cursor can move backwards.
    pub scroll: bool,
    /// `WITH HOLD`: the cursor outlives the transaction that created it (then it can also be
    /// used outside a transaction).
    pub hold: bool,
}

/// `DECLARE name [SCROLL] CURSOR [WITH HOLD] FOR query`.
pub(crate) fn declare_sql(name: &str, query: &str, opts: CursorOptions) -> String {
    format!(
        "DECLARE {name} {}CURSOR {}FOR {query}",
        if opts.scroll { "SCROLL " } else { "NO SCROLL " },
        if opts.hold { "WITH HOLD " } else { "" }
    )
}

/// `FETCH FORWARD n FROM name`.
pub(crate) fn fetch_sql(name: &str, n: u64) -> String {
    format!("FETCH FORWARD {n} FROM {name}")
}

/// `MOVE ... FROM name`.
pub(crate) fn move_sql(name: &str, to: ScrollTo) -> String {
    match to {
        ScrollTo::Relative(n) => format!("MOVE RELATIVE {n} FROM {name}"),
        ScrollTo::Absolute(n) => format!("MOVE ABSOLUTE {n} FROM {name}"),
    }
}

/// `CLOSE name`.
pub(crate) fn close_sql(name: &str) -> String {
    format!("CLOSE {name}")
}
