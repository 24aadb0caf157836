//! Connection pools: [`Pool`](crate::Pool) for the async [`Connection`](crate::Connection)
//! and [`blocking::Pool`](crate::blocking::Pool) for the blocking one.
//!
//! A pool keeps up to [`max_size`](PoolOptions::max_size) connections to one [`Config`] and
//! lends them out: [`get`](crate::Pool::get) returns a guard that derefs to the connection and
//! gives it back when dropped. Connections are opened on demand (a new pool holds none), and
//! the statement cache of each survives from one borrower to the next — that is much of why a
//! pool is faster than connecting per request.
//!
//! ```no_run
//! # async fn demo() -> Result<(), pgtusk::Error> {
//! let pool = pgtusk::Pool::new("postgresql://app:secret@localhost/app")?;
//! let mut conn = pool.get().await?;
//! let n: i64 = conn.query_scalar("SELECT $1::int8 + 1", (41_i64,)).await?;
//! assert_eq!(n, 42);
//! # Ok(()) }
//! ```
//!
//! # What the pool guarantees
//!
//! - **Bounded**: never more than `max_size` connections open, counting those being opened.
//!   When all are lent out, `get` waits (first come, first served) for at most
//!   [`acquire_timeout`](PoolOptions::acquire_timeout), then fails with
//!   [`ErrorKind::Timeout`].
//! - **Clean hand-over**: a connection comes back in whatever state its borrower left it. One
//!   left inside a transaction (a `BEGIN` without `COMMIT`, a transaction guard dropped, a
//!   failed statement in a transaction), with an answer still owed (a dropped future or row
//!   stream, a COPY left unfinished) is *reset* before anyone else gets it: what is owed is
//!   read and discarded, then `ROLLBACK`. The async pool resets in a spawned task as soon as
//!   the guard is dropped (so a forgotten transaction does not hold its locks while the
//!   connection sits idle); the blocking pool resets in the thread that drops the guard. A
//!   reset that fails, or takes longer than 10 seconds, closes the connection instead.
//! - **Live connections**: a connection that the server closed while it was idle (a restart,
//!   `pg_terminate_backend`, `idle_session_timeout`) is noticed at `get`, closed and replaced
//!   (see [`Check`]). One that breaks while lent out is closed when it comes back.
//! - **Recycling**: connections older than [`max_lifetime`](PoolOptions::max_lifetime), or
//!   idle for longer than [`idle_timeout`](PoolOptions::idle_timeout), are closed instead of
//!   being lent out again, and [`min_idle`](PoolOptions::min_idle) connections are kept open.
//!   The pool's upkeep sees to it in the background (a task on the tokio runtime of the
//!   async pool's first `get`, a thread for the blocking pool), and `get` checks the age of
//!   what it lends as well.
//!
//! Every new connection can be prepared once by a hook before it is first lent out
//! ([`PoolOptions::on_connect`], [`PoolOptions::on_connect_blocking`]): session settings, the
//! application's types registered with `register_type`. And every connection given back can
//! be cleaned by another after the pool's own reset ([`PoolOptions::on_return`],
//! [`PoolOptions::on_return_blocking`]).
//!
//! Session state that is not part of a transaction is *not* reset: settings made with `SET`
//! (outside a transaction), `LISTEN`s, temporary tables, advisory session locks and prepared
//! statements stay with the connection, as in psycopg's pool without a reset callback. Use
//! `SET LOCAL` inside transactions, an `on_return` hook (`RESET ALL`, `UNLISTEN *`), or take a
//! connection out of the pool with
//! [`detach`](crate::PooledConnection::detach) when a session must be special.
//!
//! # Errors
//!
//! `get` returns the error of a failed connection attempt as it is (a pool does not retry:
//! the caller sees an unreachable server or a bad password at once), a
//! [`Timeout`](crate::ErrorKind::Timeout) when no connection became free in time, and
//! [`Closed`](crate::ErrorKind::Closed) after [`close`](crate::Pool::close).

#[cfg(feature = "tokio")]
pub(crate) mod async_pool;
pub(crate) mod blocking_pool;

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};

use crate::conn::Config;
use crate::error::{Error, ErrorKind};

/// Why a guard's connection is always there (it is taken out only by `detach`, which
/// consumes the guard).
const PRESENT: &str = "a pooled connection is present until detached";

/// `Deref`, `DerefMut` and `Debug` for a pool's guard (`$guard`, whose `conn` field is an
/// `Option<$conn>`).
macro_rules! guard_impls {
    ($guard:ident, $conn:ty) => {
        impl std::ops::Deref for $guard {
            type Target = $conn;

            fn deref(&self) -> &$conn {
                self.conn.as_ref().expect(super::PRESENT)
            }
        }

        impl std::ops::DerefMut for $guard {
            fn deref_mut(&mut self) -> &mut $conn {
                self.conn.as_mut().expect(super::PRESENT)
            }
        }

        impl std::fmt::Debug for $guard {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($guard)).field("conn", &self.conn).finish_non_exhaustive()
            }
        }
    };
}
pub(crate) use guard_impls;

/// The constructors from a connection string or a [`Config`] with default options, and
/// `Debug`, for a pool type (`$pool`, with `with_options`, `status` and an `inner` holding
/// `config` and `options`).
macro_rules! pool_impls {
    ($pool:ident) => {
        impl $pool {
            /// A pool with the default [`PoolOptions`] for a connection string (a
            /// `postgresql://` URL or `key=value` pairs; unset parameters come from the `PG*`
            /// environment variables, then libpq's defaults). No connection is opened until
            /// [`get`](Self::get).
            pub fn new(conninfo: &str) -> Result<Self, crate::Error> {
                Ok(Self::from_config(crate::Config::from_env_and_str(conninfo)?))
            }

            /// A pool with the default [`PoolOptions`] for a parsed [`Config`].
            pub fn from_config(config: crate::Config) -> Self {
                Self::with_options(config, PoolOptions::new())
            }
        }

        impl std::fmt::Debug for $pool {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($pool))
                    .field("config", &self.inner.config)
                    .field("options", &self.inner.options)
                    .field("status", &self.status())
                    .finish()
            }
        }
    };
}
pub(crate) use pool_impls;

/// How long a reset (reading what a borrower left owed, then `ROLLBACK`) may take before the
/// connection is closed instead.
pub(crate) const RESET_TIMEOUT: Duration = Duration::from_secs(10);

/// How a pool makes sure an idle connection is still alive before lending it out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Check {
    /// No check: a connection the server closed while it was idle fails its borrower's first
    /// call (with [`ErrorKind::Closed`] or the server's reason).
    None,
    /// Reads whatever the socket has, without waiting (one system call, no round trip): a
    /// connection that the server ended (its goodbye message, or the closed socket) is
    /// replaced. This catches restarts and terminated sessions, not a network that silently
    /// dropped the peer (TCP keepalives cover that).
    #[default]
    Probe,
    /// A round trip (an empty query) on every `get`: the strongest check, and the slowest.
    Ping,
}

/// Pool settings; `PoolOptions::new()` gives the defaults listed on each method.
///
/// ```no_run
/// # async fn demo() -> Result<(), pgtusk::Error> {
/// use std::time::Duration;
///
/// let config: pgtusk::Config = "host=localhost user=app dbname=app".parse()?;
/// let pool = pgtusk::PoolOptions::new()
///     .max_size(16)
///     .acquire_timeout(Some(Duration::from_secs(5)))
///     .build(config);
/// # let _ = pool; Ok(()) }
/// ```
#[derive(Clone)]
pub struct PoolOptions {
    max_size: usize,
    min_idle: usize,
    acquire_timeout: Option<Duration>,
    max_lifetime: Option<Duration>,
    idle_timeout: Option<Duration>,
    check: Check,
    #[cfg(feature = "tokio")]
    on_connect: Option<AsyncHook>,
    on_connect_blocking: Option<BlockingHook>,
    #[cfg(feature = "tokio")]
    on_return: Option<AsyncHook>,
    on_return_blocking: Option<BlockingHook>,
}

/// The future an async pool's hook ([`on_connect`](PoolOptions::on_connect),
/// [`on_return`](PoolOptions::on_return)) returns.
pub type HookFuture<'c> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), Error>> + Send + 'c>>;

#[cfg(feature = "tokio")]
type AsyncHook =
    std::sync::Arc<dyn for<'c> Fn(&'c mut crate::Connection) -> HookFuture<'c> + Send + Sync>;
type BlockingHook =
    std::sync::Arc<dyn Fn(&mut crate::blocking::Connection) -> Result<(), Error> + Send + Sync>;

impl fmt::Debug for PoolOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("PoolOptions");
        d.field("max_size", &self.max_size)
            .field("min_idle", &self.min_idle)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("max_lifetime", &self.max_lifetime)
            .field("idle_timeout", &self.idle_timeout)
            .field("check", &self.check);
        #[cfg(feature = "tokio")]
        d.field("on_connect", &self.on_connect.is_some())
            .field("on_return", &self.on_return.is_some());
        d.field("on_connect_blocking", &self.on_connect_blocking.is_some())
            .field("on_return_blocking", &self.on_return_blocking.is_some())
            .finish()
    }
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl PoolOptions {
    /// The defaults: `max_size` 10, `min_idle` 0, `acquire_timeout` 30 s, `max_lifetime` 30 min,
    /// `idle_timeout` 10 min, [`Check::Probe`].
    pub fn new() -> Self {
        Self {
            max_size: 10,
            min_idle: 0,
            acquire_timeout: Some(Duration::from_secs(30)),
            max_lifetime: Some(Duration::from_secs(30 * 60)),
            idle_timeout: Some(Duration::from_secs(10 * 60)),
            check: Check::Probe,
            #[cfg(feature = "tokio")]
            on_connect: None,
            on_connect_blocking: None,
            #[cfg(feature = "tokio")]
            on_return: None,
            on_return_blocking: None,
        }
    }

    /// The most connections open at once, lent out or idle (default 10; 0 is taken as 1).
    pub fn max_size(mut self, max_size: usize) -> Self {
        self.max_size = max_size.max(1);
        self
    }

    /// How many connections the pool keeps open even when nobody uses them (default 0; at
    /// most `max_size`). The pool's background upkeep opens them (the async pool's task
    /// starts on the tokio runtime the pool was made on, or else at the first `get`), and
    /// `idle_timeout` does not close connections below this number.
    pub fn min_idle(mut self, min_idle: usize) -> Self {
        self.min_idle = min_idle;
        self
    }

    /// How long `get` waits for a connection when all are lent out (default 30 s; `None`
    /// waits for ever). Opening a connection is bounded by the config's `connect_timeout`.
    pub fn acquire_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// Connections older than this are closed rather than lent out again (default 30 min;
    /// `None`: kept for ever).
    pub fn max_lifetime(mut self, lifetime: Option<Duration>) -> Self {
        self.max_lifetime = lifetime;
        self
    }

    /// Connections idle for longer than this are closed rather than lent out (default
    /// 10 min; `None`: kept for ever).
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// How an idle connection is checked before it is lent out (default [`Check::Probe`]).
    pub fn check(mut self, check: Check) -> Self {
        self.check = check;
        self
    }

    /// Runs on every new connection of an async pool before it is first lent out: session
    /// settings, [`register_type`](crate::Connection::register_type) for the application's
    /// types... An error fails the `get` that opened the connection (which is closed).
    ///
    /// ```no_run
    /// # fn demo(config: pgtusk::Config) {
    /// let pool = pgtusk::PoolOptions::new()
    ///     .on_connect(|conn| {
    ///         Box::pin(async move {
    ///             conn.batch_execute("SET search_path = app, public").await?;
    ///             conn.register_type("app.mood").await?;
    ///             Ok(())
    ///         })
    ///     })
    ///     .build(config);
    /// # let _ = pool; }
    /// ```
    #[cfg(feature = "tokio")]
    pub fn on_connect<F>(mut self, hook: F) -> Self
    where
        F: for<'c> Fn(&'c mut crate::Connection) -> HookFuture<'c> + Send + Sync + 'static,
    {
        self.on_connect = Some(std::sync::Arc::new(hook));
        self
    }

    /// [`on_connect`](Self::on_connect) for the blocking pool.
    pub fn on_connect_blocking<F>(mut self, hook: F) -> Self
    where
        F: Fn(&mut crate::blocking::Connection) -> Result<(), Error> + Send + Sync + 'static,
    {
        self.on_connect_blocking = Some(std::sync::Arc::new(hook));
        self
    }

    /// Runs on every connection given back to an async pool, after the pool's own reset (so
    /// with no transaction open), in the task that resets it: undoing session state the next
    /// borrower must not see, e.g. `RESET ALL` or `UNLISTEN *` (`DISCARD ALL` works too, but
    /// empties the statement cache). An error, or a transaction left open, closes the
    /// connection. With this hook, a guard dropped outside any tokio runtime closes its
    /// connection, since the hook cannot run there.
    ///
    /// ```no_run
    /// # fn demo(config: pgtusk::Config) {
    /// let pool = pgtusk::PoolOptions::new()
    ///     .on_return(|conn| Box::pin(async move { conn.batch_execute("RESET ALL").await }))
    ///     .build(config);
    /// # let _ = pool; }
    /// ```
    #[cfg(feature = "tokio")]
    pub fn on_return<F>(mut self, hook: F) -> Self
    where
        F: for<'c> Fn(&'c mut crate::Connection) -> HookFuture<'c> + Send + Sync + 'static,
    {
        self.on_return = Some(std::sync::Arc::new(hook));
        self
    }

    /// [`on_return`](Self::on_return) for the blocking pool (run in the thread that drops
    /// the guard).
    pub fn on_return_blocking<F>(mut self, hook: F) -> Self
    where
        F: Fn(&mut crate::blocking::Connection) -> Result<(), Error> + Send + Sync + 'static,
    {
        self.on_return_blocking = Some(std::sync::Arc::new(hook));
        self
    }

    /// The async pool with these settings (no connection is opened yet).
    #[cfg(feature = "tokio")]
    pub fn build(self, config: Config) -> crate::Pool {
        crate::Pool::with_options(config, self)
    }

    /// The blocking pool with these settings (no connection is opened yet).
    pub fn build_blocking(self, config: Config) -> crate::blocking::Pool {
        crate::blocking::Pool::with_options(config, self)
    }
}

/// A snapshot of a pool's connections, from `status()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolStatus {
    /// Connections open or being opened (lent out, idle, or being reset).
    pub size: usize,
    /// Connections waiting in the pool.
    pub idle: usize,
    /// `max_size` of the pool.
    pub max_size: usize,
    /// Callers waiting for a connection to come free.
    pub waiting: usize,
}

/// An idle connection and its age.
struct Idle<C> {
    conn: C,
    created: Instant,
    returned: Instant,
}

/// The bookkeeping both pools share, kept under the pool's lock: the idle connections
/// (most recently returned last: lent out first, so the surplus ages out through
/// `idle_timeout`), how many connections exist, and whether the pool was closed.
pub(crate) struct Shelf<C> {
    idle: VecDeque<Idle<C>>,
    /// Connections open or being opened: idle, lent out, or being reset.
    size: usize,
    closed: bool,
}

impl<C> fmt::Debug for Shelf<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shelf")
            .field("idle", &self.idle.len())
            .field("size", &self.size)
            .field("closed", &self.closed)
            .finish()
    }
}

/// What [`Shelf::take`] found.
pub(crate) enum Take<C> {
    /// An idle connection and when it was opened.
    Idle(C, Instant),
    /// None idle: a slot was reserved, the caller opens a connection.
    Open,
}

impl<C> Shelf<C> {
    pub(crate) fn new() -> Self {
        Self { idle: VecDeque::new(), size: 0, closed: false }
    }

    pub(crate) fn status(&self, options: &PoolOptions, waiting: usize) -> PoolStatus {
        let (size, idle, max_size) = (self.size, self.idle.len(), options.max_size);
        PoolStatus { size, idle, max_size, waiting }
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed
    }

    /// For a caller that holds one of the `max_size` permits: the most recently returned
    /// idle connection that is not too old, or a reserved slot to open one. Connections past
    /// their lifetime are moved to `expired` for the caller to close outside the lock.
    pub(crate) fn take(
        &mut self,
        options: &PoolOptions,
        now: Instant,
        expired: &mut Vec<C>,
    ) -> Result<Take<C>, Error> {
        if self.closed {
            return Err(pool_closed());
        }
        self.sweep(options, now, expired);
        Ok(match self.idle.pop_back() {
            Some(idle) => Take::Idle(idle.conn, idle.created),
            None => {
                self.size += 1;
                Take::Open
            }
        })
    }

    /// Puts a lent-out connection back (when it is still fit to lend), or hands it back to
    /// the caller to close: the pool is closed, or the connection is past its lifetime.
    pub(crate) fn put(
        &mut self,
        conn: C,
        created: Instant,
        options: &PoolOptions,
        now: Instant,
    ) -> Option<C> {
        if self.closed || is_past(options.max_lifetime, created, now) {
            self.size = self.size.saturating_sub(1);
            return Some(conn);
        }
        self.idle.push_back(Idle { conn, created, returned: now });
        None
    }

    /// Forgets a connection that was closed (or a slot whose opening failed).
    pub(crate) fn discard(&mut self) {
        self.size = self.size.saturating_sub(1);
    }

    /// Moves idle connections past their lifetime, or idle for longer than the idle timeout
    /// while the pool has more than `min_idle`, to `expired`. The longest idle are at the
    /// front; a connection past its lifetime can sit anywhere.
    pub(crate) fn sweep(&mut self, options: &PoolOptions, now: Instant, expired: &mut Vec<C>) {
        let mut kept = VecDeque::with_capacity(self.idle.len());
        for idle in self.idle.drain(..) {
            let too_old = is_past(options.max_lifetime, idle.created, now);
            let unused =
                is_past(options.idle_timeout, idle.returned, now) && self.size > options.min_idle;
            if too_old || unused {
                expired.push(idle.conn);
                self.size = self.size.saturating_sub(1);
            } else {
                kept.push_back(idle);
            }
        }
        self.idle = kept;
    }

    /// For the pool's upkeep: reserves a slot to open a connection when the pool has fewer
    /// than `min_idle` (the caller holds one of the `max_size` permits meanwhile).
    pub(crate) fn reserve_min_idle(&mut self, options: &PoolOptions) -> bool {
        let wanted = !self.closed && self.size < options.min_idle.min(options.max_size);
        if wanted {
            self.size += 1;
        }
        wanted
    }

    /// Marks the pool closed and hands back every idle connection for the caller to close.
    pub(crate) fn close(&mut self) -> Vec<C> {
        self.closed = true;
        let idle: Vec<C> = self.idle.drain(..).map(|i| i.conn).collect();
        self.size = self.size.saturating_sub(idle.len());
        idle
    }
}

fn is_past(limit: Option<Duration>, since: Instant, now: Instant) -> bool {
    limit.is_some_and(|limit| now.saturating_duration_since(since) >= limit)
}

impl PoolOptions {
    /// How often the pool's upkeep runs: often enough to honour the idle timeout and the
    /// lifetime within half of the shorter (and to retry opening `min_idle` connections
    /// within 15 seconds), never more than 20 times a second.
    fn upkeep_period(&self) -> Duration {
        let shortest = [self.idle_timeout, self.max_lifetime]
            .into_iter()
            .flatten()
            .fold(Duration::from_secs(30), Duration::min);
        (shortest / 2).max(Duration::from_millis(50))
    }
}

pub(crate) fn pool_closed() -> Error {
    Error::new(ErrorKind::Closed, "the pool was closed")
}

pub(crate) fn acquire_timed_out(options: &PoolOptions, waited: Duration) -> Error {
    Error::new(
        ErrorKind::Timeout,
        format!(
            "no connection became free within {waited:?} (all {} of the pool's connections \
             are in use)",
            options.max_size
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> PoolOptions {
        PoolOptions::new()
            .max_size(3)
            .max_lifetime(Some(Duration::from_secs(100)))
            .idle_timeout(Some(Duration::from_secs(10)))
    }

    #[test]
    fn lends_the_most_recently_returned_and_opens_when_none_is_idle() {
        let o = options();
        let t0 = Instant::now() + Duration::from_secs(1000);
        let mut shelf = Shelf::new();
        let mut expired = Vec::new();
        assert!(matches!(shelf.take(&o, t0, &mut expired), Ok(Take::Open)));
        assert!(matches!(shelf.take(&o, t0, &mut expired), Ok(Take::Open)));
        assert_eq!(shelf.status(&o, 0), PoolStatus { size: 2, idle: 0, max_size: 3, waiting: 0 });
        assert!(shelf.put("a", t0, &o, t0).is_none());
        assert!(shelf.put("b", t0, &o, t0 + Duration::from_secs(1)).is_none());
        assert_eq!(shelf.status(&o, 0).idle, 2);
        let Ok(Take::Idle(c, _)) = shelf.take(&o, t0, &mut expired) else { panic!() };
        assert_eq!(c, "b");
        assert!(expired.is_empty());
        assert_eq!(shelf.status(&o, 0), PoolStatus { size: 2, idle: 1, max_size: 3, waiting: 0 });
    }

    #[test]
    fn stale_connections_are_handed_back_for_closing() {
        let o = options();
        let t0 = Instant::now() + Duration::from_secs(1000);
        let mut shelf = Shelf::new();
        let mut expired = Vec::new();
        for _ in 0..3 {
            assert!(matches!(shelf.take(&o, t0, &mut expired), Ok(Take::Open)));
        }
        // "old" is near its lifetime, "idle" will sit past the idle timeout.
        let old = t0 - Duration::from_secs(90);
        assert!(shelf.put("idle", t0, &o, t0).is_none());
        assert!(shelf.put("old", old, &o, t0 + Duration::from_secs(4)).is_none());
        assert!(shelf.put("fresh", t0, &o, t0 + Duration::from_secs(5)).is_none());
        // Returned past its lifetime: not shelved.
        assert!(matches!(
            shelf.take(&o, t0 + Duration::from_secs(5), &mut expired),
            Ok(Take::Idle("fresh", _))
        ));
        assert_eq!(shelf.put("fresh", old, &o, t0 + Duration::from_secs(100)), Some("fresh"));
        assert_eq!(shelf.status(&o, 0).size, 2);

        let got = shelf.take(&o, t0 + Duration::from_secs(12), &mut expired);
        assert!(matches!(got, Ok(Take::Open)));
        expired.sort_unstable();
        assert_eq!(expired, ["idle", "old"]);
        assert_eq!(shelf.status(&o, 0), PoolStatus { size: 1, idle: 0, max_size: 3, waiting: 0 });
    }

    #[test]
    fn a_closed_pool_lends_nothing_and_takes_nothing_back() {
        let o = options();
        let t0 = Instant::now() + Duration::from_secs(1000);
        let mut shelf = Shelf::new();
        let mut expired = Vec::new();
        assert!(matches!(shelf.take(&o, t0, &mut expired), Ok(Take::Open)));
        assert!(matches!(shelf.take(&o, t0, &mut expired), Ok(Take::Open)));
        assert!(shelf.put(1, t0, &o, t0).is_none());
        assert_eq!(shelf.close(), [1]);
        assert_eq!(shelf.status(&o, 0).size, 1);
        let e = shelf.take(&o, t0, &mut expired).err().map(|e| e.kind());
        assert_eq!(e, Some(ErrorKind::Closed));
        assert_eq!(shelf.put(2, t0, &o, t0), Some(2));
        assert_eq!(shelf.status(&o, 0).size, 0);
    }

    #[test]
    fn the_idle_timeout_keeps_min_idle_connections() {
        let o = options().min_idle(2);
        let t0 = Instant::now() + Duration::from_secs(1000);
        let mut shelf = Shelf::new();
        let mut expired = Vec::new();
        assert!(shelf.reserve_min_idle(&o));
        assert!(shelf.reserve_min_idle(&o));
        assert!(!shelf.reserve_min_idle(&o), "two are enough");
        assert!(matches!(shelf.take(&o, t0, &mut expired), Ok(Take::Open)));
        for (c, returned) in [(1, 0), (2, 1), (3, 2)] {
            assert!(shelf.put(c, t0, &o, t0 + Duration::from_secs(returned)).is_none());
        }
        shelf.sweep(&o, t0 + Duration::from_secs(60), &mut expired);
        assert_eq!(expired, [1], "the longest idle goes, down to min_idle");
        assert_eq!(shelf.status(&o, 0), PoolStatus { size: 2, idle: 2, max_size: 3, waiting: 0 });
        // Past their lifetime they go all the same (upkeep then opens new ones).
        shelf.sweep(&o, t0 + Duration::from_secs(100), &mut expired);
        assert_eq!(expired, [1, 2, 3]);
        assert!(shelf.reserve_min_idle(&o));
    }

    #[test]
    fn options_clamp_and_default() {
        let o = PoolOptions::new().max_size(0);
        assert_eq!(o.max_size, 1);
        assert_eq!(PoolOptions::default().check, Check::Probe);
        assert_eq!(PoolOptions::new().upkeep_period(), Duration::from_secs(15));
        let short = PoolOptions::new().idle_timeout(Some(Duration::from_secs(4)));
        assert_eq!(short.upkeep_period(), Duration::from_secs(2));
        let tiny = PoolOptions::new().max_lifetime(Some(Duration::from_millis(10)));
        assert_eq!(tiny.upkeep_period(), Duration::from_millis(50));
        let none = PoolOptions::new().idle_timeout(None).max_lifetime(None);
        assert_eq!(none.upkeep_period(), Duration::from_secs(15));
        let e = acquire_timed_out(&PoolOptions::new(), Duration::from_secs(30));
        assert_eq!(e.kind(), ErrorKind::Timeout);
        assert!(e.to_string().contains("30s"), "{e}");
    }
}
