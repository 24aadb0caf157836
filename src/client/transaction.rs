//! Transactions and savepoints on the async connection.

use std::ops::{Deref, DerefMut};

use crate::error::Error;

use super::Connection;
use crate::conn::exec::Collector;
use crate::conn::txn::{IsolationLevel, begin_sql, rollback_sql};

/// Options for a transaction; see [`Connection::build_transaction`].
#[derive(Debug)]
#[must_use = "call start() to begin the transaction"]
pub struct TransactionBuilder<'c> {
    conn: &'c mut Connection,
    isolation: Option<IsolationLevel>,
    read_only: Option<bool>,
    deferrable: Option<bool>,
}

impl<'c> TransactionBuilder<'c> {
    /// Sets the isolation level.
    pub fn isolation_level(mut self, level: IsolationLevel) -> Self {
        self.isolation = Some(level);
        self
    }

    /// Makes the transaction read only (or explicitly read write).
    pub fn read_only(mut self, read_only: bool) -> Self {
        self.read_only = Some(read_only);
        self
    }

    /// Makes a serializable read-only transaction deferrable.
    pub fn deferrable(mut self, deferrable: bool) -> Self {
        self.deferrable = Some(deferrable);
        self
    }

    /// Sends `BEGIN` with the options.
    pub async fn start(self) -> Result<Transaction<'c>, Error> {
        let sql = begin_sql(self.isolation, self.read_only, self.deferrable);
        self.conn.begin(&sql).await?;
        Ok(Transaction { conn: self.conn, savepoint: None, depth: 1, done: false })
    }
}

/// An open transaction (or savepoint). It derefs to the [`Connection`], so every query method
/// is available on it. Dropping it without [`commit`](Self::commit) rolls it back.
#[derive(Debug)]
#[must_use = "a transaction rolls back when dropped; call commit()"]
pub struct Transaction<'c> {
    conn: &'c mut Connection,
    /// The savepoint name for a nested transaction.
    savepoint: Option<String>,
    depth: u32,
    done: bool,
}

impl Connection {
    /// Begins a transaction.
    pub async fn transaction(&mut self) -> Result<Transaction<'_>, Error> {
        self.build_transaction().start().await
    }

    /// Begins a transaction with options (isolation level, read only, deferrable).
    pub fn build_transaction(&mut self) -> TransactionBuilder<'_> {
        TransactionBuilder { conn: self, isolation: None, read_only: None, deferrable: None }
    }

    /// Sends `BEGIN ...`; if the caller goes away before it completes, the core rolls the
    /// transaction back as soon as the `BEGIN` is done.
    async fn begin(&mut self, sql: &str) -> Result<(), Error> {
        self.abandon_previous();
        let req = self.core.send_request(|r| {
            r.query(sql)?;
            r.rollback_if_abandoned();
            Ok(())
        })?;
        self.in_flight = Some(req);
        let mut c = Collector::default();
        self.drive(req, &mut c, &mut |_| {}).await
    }
}

impl Transaction<'_> {
    /// Begins a nested transaction: a savepoint.
    pub async fn transaction(&mut self) -> Result<Transaction<'_>, Error> {
        let name = format!("pgtusk_sp_{}", self.depth);
        self.conn.batch_execute(&format!("SAVEPOINT {name}")).await?;
        Ok(Transaction {
            conn: self.conn,
            savepoint: Some(name),
            depth: self.depth + 1,
            done: false,
        })
    }

    /// Commits (or releases the savepoint). A transaction in which a statement failed cannot
    /// commit: the server rolls it back, and this returns an
    /// [`ErrorKind::Aborted`](crate::ErrorKind::Aborted) error.
    pub async fn commit(mut self) -> Result<(), Error> {
        self.done = true;
        match &self.savepoint {
            Some(sp) => self.conn.batch_execute(&format!("RELEASE SAVEPOINT {sp}")).await,
            None => {
                let c = self.conn.simple_query("COMMIT").await?;
                crate::conn::exec::check_commit(c.last_tag())
            }
        }
    }

    /// Rolls back (to the savepoint, for a nested transaction).
    pub async fn rollback(mut self) -> Result<(), Error> {
        self.done = true;
        let sql = rollback_sql(self.savepoint.as_deref());
        self.conn.batch_execute(&sql).await
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.done {
            // Queued now, sent with the next call; its answer is consumed silently.
            self.conn.abandon_previous();
            let _ = self.conn.core.send_query_unread(&rollback_sql(self.savepoint.as_deref()));
        }
    }
}

impl Deref for Transaction<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl DerefMut for Transaction<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn
    }
}
