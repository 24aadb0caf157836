//! The SQL of transactions and savepoints, shared by both connections.

/// The isolation level of a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IsolationLevel {
    /// `READ UNCOMMITTED` (PostgreSQL runs it as READ COMMITTED).
    ReadUncommitted,
    /// `READ COMMITTED`, PostgreSQL's default.
    ReadCommitted,
    /// `REPEATABLE READ`.
    RepeatableRead,
    /// `SERIALIZABLE`.
    Serializable,
}

impl IsolationLevel {
    fn sql(self) -> &'static str {
        match self {
            Self::ReadUncommitted => "READ UNCOMMITTED",
            Self::ReadCommitted => "READ COMMITTED",
            Self::RepeatableRead => "REPEATABLE READ",
            Self::Serializable => "SERIALIZABLE",
        }
    }
}

/// Builds the `BEGIN` statement of a transaction with options (shared with the blocking
/// connection).
pub(crate) fn begin_sql(
    isolation: Option<IsolationLevel>,
    read_only: Option<bool>,
    deferrable: Option<bool>,
) -> String {
    let mut sql = String::from("BEGIN");
    let mut modes = Vec::new();
    if let Some(level) = isolation {
        modes.push(format!("ISOLATION LEVEL {}", level.sql()));
    }
    if let Some(ro) = read_only {
        modes.push(if ro { "READ ONLY" } else { "READ WRITE" }.to_owned());
    }
    if let Some(d) = deferrable {
        modes.push(if d { "DEFERRABLE" } else { "NOT DEFERRABLE" }.to_owned());
    }
    if !modes.is_empty() {
        sql.push(' ');
        sql.push_str(&modes.join(", "));
    }
    sql
}

/// The statement that undoes a transaction or a savepoint.
pub(crate) fn rollback_sql(savepoint: Option<&str>) -> String {
    match savepoint {
        Some(sp) => format!("ROLLBACK TO SAVEPOINT {sp}; RELEASE SAVEPOINT {sp}"),
        None => "ROLLBACK".to_owned(),
    }
}
