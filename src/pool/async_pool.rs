//! The async pool (see the [module docs](crate::pool)).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError};

use super::{Check, PoolOptions, PoolStatus, RESET_TIMEOUT, Shelf, Take};
use crate::client::Connection;
use crate::conn::Config;
use crate::error::Error;

/// A pool of async connections to one server; cheap to clone (the clones share the pool).
/// See the [`pool`](crate::pool) module for what it guarantees.
///
/// ```no_run
/// # async fn demo() -> Result<(), pgtusk::Error> {
/// let pool = pgtusk::Pool::new("postgresql://app:secret@localhost/app")?;
/// let tasks: Vec<_> = (0..8_i64)
///     .map(|i| {
///         let pool = pool.clone();
///         tokio::spawn(async move {
///             let mut conn = pool.get().await?;
///             conn.query_scalar::<i64, _, _>("SELECT $1::int8 * 2", (i,)).await
///         })
///     })
///     .collect();
/// for t in tasks {
///     t.await.expect("task panicked")?;
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    options: PoolOptions,
    /// One permit per connection that may be lent out (or being reset) at once.
    permits: Arc<Semaphore>,
    shelf: Mutex<Shelf<Connection>>,
    /// The upkeep task was started.
    upkeep: AtomicBool,
    /// `get`s waiting for a permit.
    waiting: AtomicUsize,
}

impl Inner {
    fn shelf(&self) -> MutexGuard<'_, Shelf<Connection>> {
        // The shelf is left consistent at every point a panic could unwind from.
        self.shelf.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Shelves a connection that came back settled; one that may not be shelved (the pool
    /// is closed, the connection too old) is dropped, which closes its socket.
    fn give_back(&self, conn: Connection, created: Instant) {
        let rejected = self.shelf().put(conn, created, &self.options, Instant::now());
        drop(rejected);
    }

    /// Opens a connection and runs the `on_connect` hook on it.
    async fn open(&self) -> Result<Connection, Error> {
        let mut conn = self.config.connect().await?;
        if let Some(hook) = &self.options.on_connect {
            hook(&mut conn).await?;
        }
        Ok(conn)
    }

    /// Makes an idle connection fit to lend: reset if a borrower left it unsettled (lent out
    /// while no runtime was there to reset it when it came back), then checked.
    async fn ready(&self, conn: &mut Connection) -> bool {
        if !conn.is_settled() {
            match tokio::time::timeout(RESET_TIMEOUT, conn.reset()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => return false,
            }
        }
        if conn.is_closed() {
            return false;
        }
        match self.options.check {
            Check::None => true,
            Check::Probe => conn.probe().await,
            Check::Ping => conn.batch_execute("").await.is_ok(),
        }
    }
}

/// The pool's upkeep, every [`PoolOptions::upkeep_period`] until the pool is closed or
/// dropped: closes idle connections that are too old or idle for too long, and opens
/// connections up to `min_idle`.
async fn upkeep(pool: Weak<Inner>) {
    loop {
        let Some(inner) = pool.upgrade() else { return };
        tend(&inner).await;
        if inner.shelf().is_closed() {
            return;
        }
        let period = inner.options.upkeep_period();
        drop(inner);
        tokio::time::sleep(period).await;
    }
}

async fn tend(inner: &Arc<Inner>) {
    let mut expired = Vec::new();
    inner.shelf().sweep(&inner.options, Instant::now(), &mut expired);
    for conn in expired {
        let _ = conn.close().await;
    }
    // Opening takes a permit like a `get`, so the pool never exceeds `max_size`.
    while let Ok(permit) = Arc::clone(&inner.permits).try_acquire_owned() {
        if !inner.shelf().reserve_min_idle(&inner.options) {
            break;
        }
        let slot = Slot::new(inner);
        match inner.open().await {
            Ok(conn) => {
                slot.keep();
                inner.give_back(conn, Instant::now());
            }
            Err(e) => {
                log::warn!(target: "pgtusk", "pool: opening a connection for min_idle failed: {e}");
                break;
            }
        }
        drop(permit);
    }
}

/// A slot counted in the pool's size whose connection is being opened, checked or reset:
/// when what holds it is dropped or fails, the slot is given up.
struct Slot {
    inner: Arc<Inner>,
    armed: bool,
}

impl Slot {
    fn new(inner: &Arc<Inner>) -> Self {
        Self { inner: Arc::clone(inner), armed: true }
    }

    /// The slot now belongs to a connection that was lent out or shelved.
    fn keep(mut self) {
        self.armed = false;
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if self.armed {
            self.inner.shelf().discard();
        }
    }
}

impl Pool {
    /// A pool with the given options (see also [`PoolOptions::build`]).
    pub fn with_options(config: Config, options: PoolOptions) -> Self {
        let permits = Arc::new(Semaphore::new(options.max_size));
        let shelf = Mutex::new(Shelf::new());
        let (upkeep, waiting) = (AtomicBool::new(false), AtomicUsize::new(0));
        let inner = Inner { config, options, permits, shelf, upkeep, waiting };
        let pool = Self { inner: Arc::new(inner) };
        if pool.inner.options.min_idle > 0 {
            pool.start_upkeep();
        }
        pool
    }

    /// Starts the upkeep task on the current runtime, once (nothing outside a runtime).
    fn start_upkeep(&self) {
        if self.inner.upkeep.load(Ordering::Relaxed) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        if !self.inner.upkeep.swap(true, Ordering::Relaxed) {
            runtime.spawn(upkeep(Arc::downgrade(&self.inner)));
        }
    }

    /// Borrows a connection: an idle one if there is one (checked first, see [`Check`]), a
    /// new one if the pool has room, else the first to come back — waiting at most
    /// `acquire_timeout`. Dropping the returned guard gives the connection back.
    ///
    /// Cancel safe: dropping the future gives up its place in the queue, and a connection it
    /// was opening or checking is closed.
    pub async fn get(&self) -> Result<PooledConnection, Error> {
        self.get_within(self.inner.options.acquire_timeout).await
    }

    /// [`get`](Self::get), waiting at most `timeout` for a connection to come free instead
    /// of the pool's `acquire_timeout`.
    pub async fn get_timeout(&self, timeout: Duration) -> Result<PooledConnection, Error> {
        self.get_within(Some(timeout)).await
    }

    async fn get_within(&self, timeout: Option<Duration>) -> Result<PooledConnection, Error> {
        self.start_upkeep();
        let inner = &self.inner;
        let permit = match Arc::clone(&inner.permits).try_acquire_owned() {
            Ok(permit) => permit,
            Err(TryAcquireError::Closed) => return Err(super::pool_closed()),
            // Permits go to the waiters first, so none is free while anyone waits.
            Err(TryAcquireError::NoPermits) => self.wait_for_permit(timeout).await?,
        };
        loop {
            let mut expired = Vec::new();
            let taken = inner.shelf().take(&inner.options, Instant::now(), &mut expired)?;
            let slot = Slot::new(inner);
            for conn in expired {
                let _ = conn.close().await;
            }
            match taken {
                Take::Idle(mut conn, created) => {
                    if inner.ready(&mut conn).await {
                        slot.keep();
                        return Ok(self.lend(conn, created, permit));
                    }
                    // Dead or unusable: dropped with its slot; try the next one.
                }
                Take::Open => {
                    let conn = inner.open().await?;
                    slot.keep();
                    return Ok(self.lend(conn, Instant::now(), permit));
                }
            }
        }
    }

    /// Waits in line for a permit, counted in `status().waiting` meanwhile.
    async fn wait_for_permit(
        &self,
        timeout: Option<Duration>,
    ) -> Result<OwnedSemaphorePermit, Error> {
        struct Waiting<'a>(&'a AtomicUsize);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::Relaxed);
            }
        }
        let inner = &self.inner;
        inner.waiting.fetch_add(1, Ordering::Relaxed);
        let _waiting = Waiting(&inner.waiting);
        let acquire = Arc::clone(&inner.permits).acquire_owned();
        let acquired = match timeout {
            Some(limit) => tokio::time::timeout(limit, acquire)
                .await
                .map_err(|_elapsed| super::acquire_timed_out(&inner.options, limit))?,
            None => acquire.await,
        };
        acquired.map_err(|_closed| super::pool_closed())
    }

    fn lend(
        &self,
        conn: Connection,
        created: Instant,
        permit: OwnedSemaphorePermit,
    ) -> PooledConnection {
        PooledConnection {
            conn: Some(conn),
            created,
            inner: Arc::clone(&self.inner),
            permit: Some(permit),
        }
    }

    /// How many connections the pool has, and how many are idle.
    pub fn status(&self) -> PoolStatus {
        let waiting = self.inner.waiting.load(Ordering::Relaxed);
        self.inner.shelf().status(&self.inner.options, waiting)
    }

    /// The options the pool was built with.
    pub fn options(&self) -> &PoolOptions {
        &self.inner.options
    }

    /// Closes the pool: idle connections are closed now, lent-out ones when they come back,
    /// and every `get` (waiting or later) fails with
    /// [`ErrorKind::Closed`](crate::ErrorKind::Closed).
    pub async fn close(&self) {
        let idle = self.inner.shelf().close();
        self.inner.permits.close();
        for conn in idle {
            let _ = conn.close().await;
        }
    }

    /// True once [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.inner.shelf().is_closed()
    }
}

super::pool_impls!(Pool);

/// A connection borrowed from a [`Pool`]: it derefs to the [`Connection`], and dropping it
/// gives the connection back (reset first, in a spawned task, when it was left inside a
/// transaction or with an answer owed; see the [`pool`](crate::pool) module).
pub struct PooledConnection {
    /// `None` once detached.
    conn: Option<Connection>,
    created: Instant,
    inner: Arc<Inner>,
    /// Given up when the connection is back on the shelf (or closed).
    permit: Option<OwnedSemaphorePermit>,
}

impl PooledConnection {
    /// Takes the connection out of the pool for good: the pool forgets it (making room for
    /// a new one), and it closes when the returned connection is dropped.
    pub fn detach(mut self) -> Connection {
        self.inner.shelf().discard();
        self.conn.take().expect(super::PRESENT)
    }
}

super::guard_impls!(PooledConnection, Connection);

impl Drop for PooledConnection {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else { return };
        let permit = self.permit.take();
        let created = self.created;
        if conn.is_closed() {
            self.inner.shelf().discard();
            return;
        }
        let hook = self.inner.options.on_return.clone();
        if conn.is_settled() && hook.is_none() {
            self.inner.give_back(conn, created);
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                // Reset now, so that a transaction left open does not hold its locks while
                // the connection sits idle; the permit keeps the slot taken meanwhile, and
                // the slot is given up if the task never completes (a runtime shutting down).
                let inner = Arc::clone(&self.inner);
                let slot = Slot::new(&inner);
                runtime.spawn(async move {
                    let recycle = async {
                        conn.reset().await?;
                        if let Some(hook) = &hook {
                            hook(&mut conn).await?;
                        }
                        Ok::<_, Error>(conn.is_settled())
                    };
                    if let Ok(Ok(true)) = tokio::time::timeout(RESET_TIMEOUT, recycle).await {
                        slot.keep();
                        inner.give_back(conn, created);
                    }
                    drop(permit);
                });
            }
            // Dropped outside a runtime: the hook cannot run, so the connection goes.
            Err(_) if hook.is_some() => self.inner.shelf().discard(),
            // Without a hook, the next `get` resets it.
            Err(_) => self.inner.give_back(conn, created),
        }
    }
}
