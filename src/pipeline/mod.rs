//! Explicit pipelines: bookkeeping shared by the async and blocking handles (no IO here).
//!
//! A pipeline queues statements without waiting for their results and ends each group with a
//! Sync (one at the end unless the caller asks for more sync points). The server answers in
//! order; the core already routes every response to its request and answers the requests an
//! error made the server skip with `Aborted`. This module keeps one result per item:
//!
//! ```text
//!   item 0  execute   -> Ok(rows affected)
//!   item 1  query     -> Err(division_by_zero)        the first error of the sync group
//!   item 2  execute   -> Err(Aborted)                  skipped by the server
//!   --- sync ---                                       ReadyForQuery: the group is over
//!   item 3  query     -> Ok(rows)                      a new group runs normally
//! ```
//!
//! An [`ErrorKind::Aborted`] error is distinct from an item's own
//! failure. Transaction status after the pipeline is the server's, from the last
//! ReadyForQuery.

use crate::conn::Statement;
use crate::conn::exec::{Collector, Exec, Step, send_prepare, statement_from};
use crate::conn::{ConnectionCore, RequestId, Response, StatementRef};
use crate::error::{Error, ErrorKind};
use crate::protocol::{Oid, TransactionStatus};
use crate::types::{Params, Row};

/// Names one item of a pipeline, to find its result in [`PipelineResults`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ItemId(usize);

/// True when the statement's first keyword is `COPY` (after white space, comments and
/// opening parentheses).
pub(crate) fn is_copy(sql: &str) -> bool {
    let mut rest = sql;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '(');
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, tail)| tail);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, tail)| tail);
        } else {
            break;
        }
    }
    rest.get(..4).is_some_and(|w| w.eq_ignore_ascii_case("copy"))
        && !rest.get(4..).unwrap_or("").starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
}

/// What a pipeline item keeps of its results.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Keep {
    /// The row count only.
    Count,
    /// The rows.
    Rows,
    /// The statement an explicit prepare creates, under this name.
    Statement(String),
}

struct Item {
    keep: Keep,
    collector: Collector,
    rows: Vec<Row>,
    /// An error found before the item reached the server (encoding, misuse).
    early_error: Option<Error>,
}

/// The items and sync points of one pipeline.
#[derive(Default)]
pub(crate) struct Batch {
    items: Vec<Item>,
    /// Sync requests not answered yet.
    syncs: Vec<RequestId>,
    /// The requests of the items that were sent, with their item index, in sending order
    /// (request ids increase, so this is sorted).
    sent: Vec<(RequestId, usize)>,
    /// Items were added since the last sync.
    open_group: bool,
}

impl Batch {
    /// Queues a statement (no Sync). A statement that cannot be queued fails as an item.
    pub(crate) fn push<P: Params + ?Sized>(
        &mut self,
        exec: &mut Exec,
        core: &mut ConnectionCore,
        statement: StatementRef<'_>,
        params: &P,
        rows: bool,
    ) -> ItemId {
        let keep = if rows { Keep::Rows } else { Keep::Count };
        if let StatementRef::Sql(sql) = statement
            && is_copy(sql)
        {
            // The server would read the next pipelined messages as COPY data and end the
            // session; COPY runs through copy_in / copy_out, outside pipelines.
            return self.push_error(
                keep,
                Error::misuse("COPY cannot run inside a pipeline; use copy_in or copy_out"),
            );
        }
        let item = match exec.send_item(core, statement, params, false, 0) {
            Ok((req, mut collector)) => {
                self.sent.push((req, self.items.len()));
                collector.retried = true; // no automatic retry inside a pipeline
                Item { keep, collector, rows: Vec::new(), early_error: None }
            }
            Err(e) => Item {
                keep,
                collector: Collector::default(),
                rows: Vec::new(),
                early_error: Some(e),
            },
        };
        self.items.push(item);
        self.open_group = true;
        ItemId(self.items.len() - 1)
    }

    /// Queues a Parse + Describe of `sql` as a named statement (no Sync).
    pub(crate) fn push_prepare(
        &mut self,
        exec: &mut Exec,
        core: &mut ConnectionCore,
        sql: &str,
        types: &[Oid],
    ) -> ItemId {
        let name = exec.explicit_name();
        let item = match send_prepare(core, &name, sql, types, false) {
            Ok(req) => {
                self.sent.push((req, self.items.len()));
                let mut collector = exec.collector();
                collector.retried = true;
                Item { keep: Keep::Statement(name), collector, rows: Vec::new(), early_error: None }
            }
            Err(e) => return self.push_error(Keep::Statement(name), e),
        };
        self.items.push(item);
        self.open_group = true;
        ItemId(self.items.len() - 1)
    }

    fn push_error(&mut self, keep: Keep, error: Error) -> ItemId {
        self.items.push(Item {
            keep,
            collector: Collector::default(),
            rows: Vec::new(),
            early_error: Some(error),
        });
        ItemId(self.items.len() - 1)
    }

    /// Ends the current sync group.
    pub(crate) fn sync(&mut self, exec: &mut Exec, core: &mut ConnectionCore) -> Result<(), Error> {
        let req = core.send_request(|r| r.sync())?;
        exec.note_sync();
        self.syncs.push(req);
        self.open_group = false;
        Ok(())
    }

    /// Adds the final Sync when items were queued after the last one.
    pub(crate) fn close(
        &mut self,
        exec: &mut Exec,
        core: &mut ConnectionCore,
    ) -> Result<(), Error> {
        if self.open_group || self.syncs.is_empty() {
            self.sync(exec, core)?;
        }
        Ok(())
    }

    /// The last request of the pipeline (its final Sync).
    pub(crate) fn last_request(&self) -> Option<RequestId> {
        self.syncs.last().copied()
    }

    /// The request whose response is awaited next, or `None` when the pipeline is complete.
    pub(crate) fn awaiting(&self) -> Option<RequestId> {
        self.syncs.first().copied()
    }

    /// True when `req` belongs to this pipeline.
    pub(crate) fn owns(&self, req: RequestId) -> bool {
        self.syncs.contains(&req) || self.find(req).is_some()
    }

    fn find(&self, req: RequestId) -> Option<usize> {
        let at = self.sent.binary_search_by_key(&req, |(r, _)| *r).ok()?;
        self.sent.get(at).map(|(_, item)| *item)
    }

    /// Handles one response of the pipeline's requests.
    pub(crate) fn on_response(&mut self, req: RequestId, r: Response) -> Result<(), Error> {
        if let Some(item) = self.find(req).and_then(|i| self.items.get_mut(i)) {
            if let Step::Row(row) = item.collector.on_response(r)?
                && matches!(item.keep, Keep::Rows)
            {
                item.rows.push(row);
            }
        } else if matches!(r, Response::ReadyForQuery(_)) && self.syncs.first() == Some(&req) {
            self.syncs.remove(0);
        }
        Ok(())
    }

    /// The results, once every sync was answered.
    pub(crate) fn finish(self, exec: &mut Exec, status: TransactionStatus) -> PipelineResults {
        let items = self
            .items
            .into_iter()
            .map(|mut item| {
                let result = match item.early_error {
                    Some(e) => Err(e),
                    None => exec.finish(&mut item.collector, status),
                };
                let statement = match (&result, item.keep) {
                    (Ok(()), Keep::Statement(name)) => Some(statement_from(name, &item.collector)),
                    _ => None,
                };
                ItemResult {
                    rows: item.rows,
                    rows_affected: item.collector.rows_affected(),
                    statement,
                    error: result.err(),
                }
            })
            .collect();
        PipelineResults { items }
    }
}

/// The outcome of one pipeline item.
#[derive(Debug)]
pub struct ItemResult {
    rows: Vec<Row>,
    rows_affected: u64,
    statement: Option<Statement>,
    error: Option<Error>,
}

impl ItemResult {
    /// The rows (for `query` items), or the item's error.
    pub fn rows(&self) -> Result<&[Row], Error> {
        match &self.error {
            Some(e) => Err(e.clone()),
            None => Ok(&self.rows),
        }
    }

    /// The rows affected, or the item's error.
    pub fn rows_affected(&self) -> Result<u64, Error> {
        match &self.error {
            Some(e) => Err(e.clone()),
            None => Ok(self.rows_affected),
        }
    }

    /// The statement a `prepare` item created, or the item's error (a misuse error for an
    /// item that was not a `prepare`).
    pub fn statement(&self) -> Result<&Statement, Error> {
        match (&self.error, &self.statement) {
            (Some(e), _) => Err(e.clone()),
            (None, Some(s)) => Ok(s),
            (None, None) => Err(Error::misuse("this pipeline item did not prepare a statement")),
        }
    }

    /// The item's error: its own failure, or [`ErrorKind::Aborted`] when the server skipped
    /// it after an earlier failure in the same sync group.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// True when the server skipped the item.
    pub fn is_aborted(&self) -> bool {
        self.error.as_ref().is_some_and(|e| e.kind() == ErrorKind::Aborted)
    }
}

/// The results of a pipeline, one per item, in order.
#[derive(Debug)]
pub struct PipelineResults {
    items: Vec<ItemResult>,
}

impl PipelineResults {
    /// The result of `item` (`None` for an id from another pipeline).
    pub fn get(&self, item: ItemId) -> Option<&ItemResult> {
        self.items.get(item.0)
    }

    fn item(&self, item: ItemId) -> Result<&ItemResult, Error> {
        self.get(item).ok_or_else(|| Error::misuse("the item id belongs to another pipeline"))
    }

    /// The rows of a `query` item, or its error.
    pub fn rows(&self, item: ItemId) -> Result<&[Row], Error> {
        self.item(item)?.rows()
    }

    /// The rows affected by an item, or its error.
    pub fn rows_affected(&self, item: ItemId) -> Result<u64, Error> {
        self.item(item)?.rows_affected()
    }

    /// The statement a `prepare` item created, or its error.
    pub fn statement(&self, item: ItemId) -> Result<&Statement, Error> {
        self.item(item)?.statement()
    }

    /// Every result, in item order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &ItemResult> {
        self.items.iter()
    }

    /// The number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True for a pipeline without items.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The first error of any item (its own, not an abort), if any.
    pub fn first_error(&self) -> Option<&Error> {
        self.items.iter().filter_map(|i| i.error.as_ref()).find(|e| e.kind() != ErrorKind::Aborted)
    }
}

#[cfg(test)]
mod tests {
    use super::is_copy;

    #[test]
    fn recognises_copy_statements() {
        for sql in ["COPY t FROM STDIN", "  copy t to stdout", "-- c\n/* x */ (COPY t FROM STDIN)"]
        {
            assert!(is_copy(sql), "{sql}");
        }
        for sql in ["SELECT 1", "copying", "INSERT INTO copy VALUES (1)", "", "co"] {
            assert!(!is_copy(sql), "{sql}");
        }
    }
}
