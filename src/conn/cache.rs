//! The automatic statement cache: repeated SQL runs as Bind + Execute + Sync on a named
//! statement prepared by an earlier execution, with its result description cached.
//!
//! Decisions (psycopg 3 and tokio-postgres users will recognise both halves):
//! - **Keyed by SQL text and parameter types.** A text is prepared once it has been executed
//!   `prepare_threshold` times (default [`DEFAULT_PREPARE_THRESHOLD`]); the preparing
//!   execution is still one round trip (Parse with a name + Bind + Describe + Execute + Sync).
//! - **LRU of `statement_cache_size` entries** (default 256). An evicted statement is closed on
//!   the server with the protocol Close message, sent in front of the next request, so it costs
//!   no round trip of its own.
//! - **Invalidation.** `DISCARD ALL` and `DEALLOCATE` (seen in command tags) forget everything
//!   the server forgot. SQLSTATE 0A000 ("cached plan must not change result type": a schema
//!   change altered the result) drops the entry, closes it, and the call is retried once when
//!   no transaction is open (inside one the transaction is already failed). SQLSTATE 26000
//!   (the statement is gone, e.g. behind a pooler) drops everything and retries once likewise.
//! - Size 0 or threshold 0 turns the cache off, and so does `pooler_mode` (PgBouncer in
//!   transaction mode cannot keep named statements across transactions).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use crate::protocol::Oid;
use crate::types::Columns;

/// Executions of a SQL text before it is prepared, unless configured.
pub const DEFAULT_PREPARE_THRESHOLD: u32 = 2;

/// A fast multiplicative hasher (the scheme of rustc's FxHash) for SQL text: the lookup runs
/// on every execution, and SipHash's protection against hash flooding is not needed for keys
/// that the application itself writes.
#[derive(Default, Clone, Copy)]
struct SqlHasher(u64);

impl SqlHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for SqlHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word.iter_mut().zip(rest).for_each(|(w, b)| *w = *b);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, b: u8) {
        self.add(u64::from(b));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type SqlMap<V> = HashMap<Box<str>, V, BuildHasherDefault<SqlHasher>>;

/// What the cache says to do with one execution.
#[derive(Debug, Clone)]
pub(crate) enum Plan {
    /// Not cached: unnamed statement.
    Unnamed,
    /// Prepare as `name` during this execution.
    Prepare { name: Arc<str> },
    /// Run the prepared statement `name` with its cached columns (`None`: no result rows).
    Cached { name: Arc<str>, columns: Option<Arc<Columns>> },
    /// `name` is being prepared by an earlier item of the same sync group (a pipeline): bind
    /// it, and describe the portal, since its columns are not known yet. (If that Parse
    /// fails, this item is skipped with it.)
    Pending { name: Arc<str> },
}

#[derive(Debug)]
enum State {
    /// Executed this many times unnamed.
    Counting(u32),
    /// Being prepared by a request in flight, queued in sync group `group`.
    Preparing(Arc<str>, u64),
    Prepared {
        name: Arc<str>,
        columns: Option<Arc<Columns>>,
    },
}

#[derive(Debug)]
struct Entry {
    types: Box<[Oid]>,
    state: State,
    last_used: u64,
}

/// The per-connection statement cache. See the module docs.
#[derive(Debug)]
pub(crate) struct StatementCache {
    capacity: usize,
    threshold: u32,
    entries: SqlMap<Vec<Entry>>,
    len: usize,
    clock: u64,
    next_name: u64,
    /// Unique to the session, so names never collide with another client's statements on a
    /// server connection shared through a pooler.
    prefix: Arc<str>,
    /// Statements to close with the next request.
    to_close: Vec<Arc<str>>,
}

impl StatementCache {
    pub(crate) fn new(capacity: usize, threshold: u32, prefix: Arc<str>) -> Self {
        Self {
            prefix,
            capacity,
            threshold,
            entries: SqlMap::default(),
            len: 0,
            clock: 0,
            next_name: 1,
            to_close: Vec::new(),
        }
    }

    fn enabled(&self) -> bool {
        self.capacity > 0 && self.threshold > 0
    }

    /// Decides how `sql` with parameter `types` runs now, in sync group `group` (a number the
    /// caller increases after every Sync it queues), and records the use.
    pub(crate) fn plan(&mut self, sql: &str, types: &[Oid], group: u64) -> Plan {
        if !self.enabled() {
            return Plan::Unnamed;
        }
        self.clock += 1;
        let now = self.clock;
        let threshold = self.threshold;
        if let Some(entry) =
            self.entries.get_mut(sql).and_then(|list| list.iter_mut().find(|e| *e.types == *types))
        {
            entry.last_used = now;
            return match &mut entry.state {
                State::Prepared { name, columns } => {
                    Plan::Cached { name: name.clone(), columns: columns.clone() }
                }
                State::Preparing(name, g) if *g == group => Plan::Pending { name: name.clone() },
                State::Preparing(old, _) => {
                    // Its group ended and nobody reported the outcome (the caller went away,
                    // or the pipeline was withdrawn): prepare afresh, and close the old name
                    // in case it exists (Close of a missing statement is not an error).
                    let old = old.clone();
                    let name = self.new_name();
                    if let Some(e) = self.find_mut(sql, types) {
                        e.state = State::Preparing(name.clone(), group);
                    }
                    self.to_close.push(old);
                    Plan::Prepare { name }
                }
                State::Counting(n) => {
                    *n += 1;
                    if *n >= threshold {
                        let name = self.new_name();
                        // Re-borrow: `new_name` needed `self`.
                        if let Some(e) = self.find_mut(sql, types) {
                            e.state = State::Preparing(name.clone(), group);
                        }
                        Plan::Prepare { name }
                    } else {
                        Plan::Unnamed
                    }
                }
            };
        }
        if self.len >= self.capacity {
            self.evict();
        }
        let (state, plan) = if threshold <= 1 {
            let name = self.new_name();
            (State::Preparing(name.clone(), group), Plan::Prepare { name })
        } else {
            (State::Counting(1), Plan::Unnamed)
        };
        self.entries.entry(sql.into()).or_default().push(Entry {
            types: types.into(),
            state,
            last_used: now,
        });
        self.len += 1;
        plan
    }

    fn find_mut(&mut self, sql: &str, types: &[Oid]) -> Option<&mut Entry> {
        self.entries.get_mut(sql)?.iter_mut().find(|e| *e.types == *types)
    }

    fn new_name(&mut self) -> Arc<str> {
        let name: Arc<str> = format!("{}c{}", self.prefix, self.next_name).into();
        self.next_name += 1;
        name
    }

    /// Drops the least recently used entry, closing its statement on the server.
    fn evict(&mut self) {
        let oldest = self
            .entries
            .iter()
            .flat_map(|(sql, list)| list.iter().map(move |e| (e.last_used, sql)))
            .min_by_key(|(t, _)| *t)
            .map(|(t, sql)| (t, sql.clone()));
        let Some((t, sql)) = oldest else { return };
        if let Some(list) = self.entries.get_mut(&sql) {
            if let Some(i) = list.iter().position(|e| e.last_used == t) {
                let e = list.swap_remove(i);
                self.len -= 1;
                match e.state {
                    State::Prepared { name, .. } | State::Preparing(name, _) => {
                        self.to_close.push(name)
                    }
                    State::Counting(_) => {}
                }
            }
            if list.is_empty() {
                self.entries.remove(&sql);
            }
        }
    }

    /// Records the end of an execution that prepared `name`: `parsed` says whether the
    /// server created the statement; `columns` is its described result.
    pub(crate) fn prepared(
        &mut self,
        name: &Arc<str>,
        parsed: bool,
        columns: Option<Arc<Columns>>,
    ) {
        let mut found = false;
        for list in self.entries.values_mut() {
            for e in list.iter_mut() {
                if matches!(&e.state, State::Preparing(n, _) if n == name) {
                    found = true;
                    e.state = if parsed {
                        State::Prepared { name: name.clone(), columns: columns.clone() }
                    } else {
                        State::Counting(0)
                    };
                }
            }
        }
        if parsed && !found {
            // Evicted while in flight: the server has it, so close it.
            self.to_close.push(name.clone());
        }
    }

    /// Drops the entry of statement `name` (its plan changed) and closes it.
    pub(crate) fn invalidate(&mut self, name: &Arc<str>) {
        let mut removed = false;
        for list in self.entries.values_mut() {
            let before = list.len();
            list.retain(|e| !matches!(&e.state, State::Prepared { name: n, .. } if n == name));
            removed |= list.len() != before;
            self.len -= before - list.len();
        }
        self.entries.retain(|_, l| !l.is_empty());
        if removed {
            self.to_close.push(name.clone());
        }
    }

    /// Forgets everything, without closing (the server forgot too, or never had them).
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.len = 0;
        self.to_close.clear();
    }

    /// Statements to close with the next request.
    pub(crate) fn take_to_close(&mut self) -> Vec<Arc<str>> {
        std::mem::take(&mut self.to_close)
    }

    /// Puts back statements whose Close could not be queued.
    pub(crate) fn restore_to_close(&mut self, names: Vec<Arc<str>>) {
        self.to_close.extend(names);
    }

    /// True when there are statements to close.
    #[cfg(test)]
    pub(crate) fn has_to_close(&self) -> bool {
        !self.to_close.is_empty()
    }

    /// Number of cached SQL texts.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepares_at_the_threshold_then_reuses() {
        let mut c = StatementCache::new(10, 2, "t_".into());
        assert!(matches!(c.plan("a", &[], 0), Plan::Unnamed));
        let Plan::Prepare { name } = c.plan("a", &[], 0) else { panic!("expected Prepare") };
        c.prepared(&name, true, None);
        assert!(matches!(c.plan("a", &[], 0), Plan::Cached { name: n, .. } if n == name));
        // Other parameter types are another entry.
        assert!(matches!(c.plan("a", &[23], 0), Plan::Unnamed));
    }

    #[test]
    fn threshold_one_prepares_at_once_and_zero_disables() {
        let mut c = StatementCache::new(10, 1, "t_".into());
        assert!(matches!(c.plan("a", &[], 0), Plan::Prepare { .. }));
        let mut off = StatementCache::new(10, 0, "t_".into());
        assert!(matches!(off.plan("a", &[], 0), Plan::Unnamed));
        assert!(matches!(off.plan("a", &[], 0), Plan::Unnamed));
        let mut off = StatementCache::new(0, 1, "t_".into());
        assert!(matches!(off.plan("a", &[], 0), Plan::Unnamed));
    }

    #[test]
    fn pending_within_a_group_and_fresh_prepare_after_it() {
        let mut c = StatementCache::new(10, 1, "t_".into());
        let Plan::Prepare { name } = c.plan("a", &[], 7) else { panic!() };
        assert!(matches!(c.plan("a", &[], 7), Plan::Pending { name: n } if n == name));
        // The group ended without an outcome: a new name, and the old one is closed.
        let Plan::Prepare { name: again } = c.plan("a", &[], 8) else { panic!() };
        assert_ne!(again, name);
        assert_eq!(c.take_to_close(), vec![name]);
    }

    #[test]
    fn lru_eviction_closes_the_statement() {
        let mut c = StatementCache::new(2, 1, "t_".into());
        let Plan::Prepare { name: a } = c.plan("a", &[], 0) else { panic!() };
        c.prepared(&a, true, None);
        let Plan::Prepare { name: b } = c.plan("b", &[], 0) else { panic!() };
        c.prepared(&b, true, None);
        assert!(matches!(c.plan("a", &[], 0), Plan::Cached { .. })); // a is now newer than b
        let _ = c.plan("c", &[], 0);
        assert_eq!(c.take_to_close(), vec![b]);
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn failed_parse_goes_back_to_counting_and_invalidate_closes() {
        let mut c = StatementCache::new(10, 1, "t_".into());
        let Plan::Prepare { name } = c.plan("bad", &[], 0) else { panic!() };
        c.prepared(&name, false, None);
        assert!(!c.has_to_close());
        let Plan::Prepare { name } = c.plan("bad", &[], 0) else { panic!("retries preparing") };
        c.prepared(&name, true, None);
        c.invalidate(&name);
        assert_eq!(c.take_to_close(), vec![name]);
        assert_eq!(c.len(), 0);
        c.clear();
        assert!(!c.has_to_close());
    }
}
