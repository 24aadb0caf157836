//! The blocking pool (see the [module docs](crate::pool)).

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, Weak};
use std::time::{Duration, Instant};

use super::{Check, PoolOptions, PoolStatus, RESET_TIMEOUT, Shelf, Take};
use crate::blocking::Connection;
use crate::conn::Config;
use crate::error::Error;

/// A pool of blocking connections to one server, shared between threads by cloning (the
/// clones share the pool). See the [`pool`](crate::pool) module for what it guarantees.
///
/// ```no_run
/// let pool = pgtusk::blocking::Pool::new("postgresql://app:secret@localhost/app")?;
/// let threads: Vec<_> = (0..8_i64)
///     .map(|i| {
///         let pool = pool.clone();
///         std::thread::spawn(move || -> Result<i64, pgtusk::Error> {
///             let mut conn = pool.get()?;
///             conn.query_scalar("SELECT $1::int8 * 2", (i,))
///         })
///     })
///     .collect();
/// for t in threads {
///     t.join().expect("thread panicked")?;
/// }
/// # Ok::<(), pgtusk::Error>(())
/// ```
#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    options: PoolOptions,
    state: Mutex<State>,
    /// The upkeep thread, once started (`None`: it could not be started).
    upkeep: OnceLock<Option<std::thread::Thread>>,
}

impl Drop for Inner {
    /// Wakes the upkeep thread, which then finds the pool gone and ends.
    fn drop(&mut self) {
        self.wake_upkeep();
    }
}

struct State {
    shelf: Shelf<Connection>,
    /// Connections lent out or being readied (at most `max_size`).
    lent: usize,
    /// The threads waiting for a place, first come first served. Each waits on its own
    /// condition variable (with the `state` mutex), so a place given back wakes the first in
    /// line only, not every waiting thread.
    queue: VecDeque<Arc<Condvar>>,
}

impl State {
    /// Wakes the first thread in line, which takes a place if one is free.
    fn wake_next(&self) {
        if let Some(first) = self.queue.front() {
            first.notify_one();
        }
    }
}

impl Inner {
    fn wake_upkeep(&self) {
        if let Some(Some(thread)) = self.upkeep.get() {
            thread.unpark();
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The state is left consistent at every point a panic could unwind from.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Waits for one of the `max_size` places to lend from, for at most `timeout`.
    /// Waiting threads are served in the order they came.
    fn acquire(&self, timeout: Option<Duration>) -> Result<(), Error> {
        let max = self.options.max_size;
        let mut state = self.state();
        if state.shelf.is_closed() {
            return Err(super::pool_closed());
        }
        if state.queue.is_empty() && state.lent < max {
            state.lent += 1;
            return Ok(());
        }
        let deadline = timeout.map(|t| Instant::now() + t);
        let me = Arc::new(Condvar::new());
        state.queue.push_back(Arc::clone(&me));
        loop {
            let first = state.queue.front().is_some_and(|w| Arc::ptr_eq(w, &me));
            let failure = if state.shelf.is_closed() {
                Some(super::pool_closed())
            } else if first && state.lent < max {
                state.queue.pop_front();
                state.lent += 1;
                if state.lent < max {
                    // The next in line may find room too.
                    state.wake_next();
                }
                return Ok(());
            } else {
                let expired = deadline.is_some_and(|d| Instant::now() >= d);
                timeout.filter(|_| expired).map(|t| super::acquire_timed_out(&self.options, t))
            };
            if let Some(e) = failure {
                state.queue.retain(|w| !Arc::ptr_eq(w, &me));
                // Whoever is now first in line may be able to go.
                state.wake_next();
                return Err(e);
            }
            state = match deadline {
                None => me.wait(state).unwrap_or_else(std::sync::PoisonError::into_inner),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    me.wait_timeout(state, left)
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .0
                }
            };
        }
    }

    /// Gives up a place to lend from (`discard`: and the connection that held it).
    fn release(&self, discard: bool) {
        let mut state = self.state();
        state.lent = state.lent.saturating_sub(1);
        if discard {
            state.shelf.discard();
        }
        state.wake_next();
    }

    /// Shelves a connection that came back settled and gives up its place; one that may not
    /// be shelved (the pool is closed, the connection too old) is closed.
    fn give_back(&self, conn: Connection, created: Instant) {
        let mut state = self.state();
        let rejected = state.shelf.put(conn, created, &self.options, Instant::now());
        state.lent = state.lent.saturating_sub(1);
        state.wake_next();
        drop(state);
        if let Some(conn) = rejected {
            let _ = conn.close();
        }
    }

    /// Opens a connection and runs the `on_connect_blocking` hook on it.
    fn open(&self) -> Result<Connection, Error> {
        let mut conn = Connection::connect_config(&self.config)?;
        if let Some(hook) = &self.options.on_connect_blocking {
            hook(&mut conn)?;
        }
        Ok(conn)
    }

    /// For a connection given back: resets it if its borrower left it unsettled and runs
    /// the `on_return_blocking` hook. True when it may be lent again.
    fn recycle(&self, conn: &mut Connection) -> bool {
        if conn.is_closed() || (!conn.is_settled() && conn.reset(RESET_TIMEOUT).is_err()) {
            return false;
        }
        match &self.options.on_return_blocking {
            Some(hook) => hook(conn).is_ok() && conn.is_settled(),
            None => true,
        }
    }

    /// Makes an idle connection fit to lend: reset if a borrower left it unsettled, then
    /// checked.
    fn ready(&self, conn: &mut Connection) -> bool {
        if !conn.is_settled() && conn.reset(RESET_TIMEOUT).is_err() {
            return false;
        }
        if conn.is_closed() {
            return false;
        }
        match self.options.check {
            Check::None => true,
            Check::Probe => conn.probe(),
            Check::Ping => conn.batch_execute("").is_ok(),
        }
    }
}

/// The pool's upkeep thread, every [`PoolOptions::upkeep_period`] until the pool is closed
/// or dropped: closes idle connections that are too old or idle for too long, and opens
/// connections up to `min_idle`.
fn upkeep(pool: &Weak<Inner>) {
    loop {
        let Some(inner) = pool.upgrade() else { return };
        tend(&inner);
        if inner.state().shelf.is_closed() {
            return;
        }
        let period = inner.options.upkeep_period();
        drop(inner);
        std::thread::park_timeout(period);
    }
}

fn tend(inner: &Inner) {
    let mut expired = Vec::new();
    inner.state().shelf.sweep(&inner.options, Instant::now(), &mut expired);
    for conn in expired {
        let _ = conn.close();
    }
    loop {
        // Opening takes a place like a `get`, so the pool never exceeds `max_size`.
        {
            let mut state = inner.state();
            // Threads waiting for a place come first: they open what they need.
            if state.lent >= inner.options.max_size
                || !state.queue.is_empty()
                || !state.shelf.reserve_min_idle(&inner.options)
            {
                return;
            }
            state.lent += 1;
        }
        let place = Place { inner, counted: true, armed: true };
        match inner.open() {
            Ok(conn) => {
                place.keep();
                inner.give_back(conn, Instant::now());
            }
            Err(e) => {
                log::warn!(target: "pgtusk", "pool: opening a connection for min_idle failed: {e}");
                return;
            }
        }
    }
}

/// A place to lend from, held while a connection is found, opened or checked: given up
/// (with the connection's slot, once it has one) when that fails or panics.
struct Place<'p> {
    inner: &'p Inner,
    /// The shelf counts a connection for this place.
    counted: bool,
    armed: bool,
}

impl Place<'_> {
    /// The place now belongs to a lent-out connection.
    fn keep(mut self) {
        self.armed = false;
    }
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.inner.release(self.counted);
        }
    }
}

impl Pool {
    /// A pool with the given options (see also [`PoolOptions::build_blocking`]).
    pub fn with_options(config: Config, options: PoolOptions) -> Self {
        let state = Mutex::new(State { shelf: Shelf::new(), lent: 0, queue: VecDeque::new() });
        let pool =
            Self { inner: Arc::new(Inner { config, options, state, upkeep: OnceLock::new() }) };
        if pool.inner.options.min_idle > 0 {
            pool.start_upkeep();
        }
        pool
    }

    /// Starts the upkeep thread, once.
    fn start_upkeep(&self) {
        self.inner.upkeep.get_or_init(|| {
            let pool = Arc::downgrade(&self.inner);
            let spawned =
                std::thread::Builder::new().name("pgtusk-pool".into()).spawn(move || upkeep(&pool));
            match spawned {
                Ok(handle) => Some(handle.thread().clone()),
                Err(e) => {
                    log::warn!(
                        target: "pgtusk",
                        "pool: no upkeep thread ({e}); `get` alone ages connections out"
                    );
                    None
                }
            }
        });
    }

    /// Borrows a connection: an idle one if there is one (checked first, see [`Check`]), a
    /// new one if the pool has room, else one that comes back — waiting at most
    /// `acquire_timeout`. Waiting threads are served first come, first served. Dropping the
    /// returned guard gives the connection back.
    pub fn get(&self) -> Result<PooledConnection, Error> {
        self.get_within(self.inner.options.acquire_timeout)
    }

    /// [`get`](Self::get), waiting at most `timeout` for a connection to come free instead
    /// of the pool's `acquire_timeout`.
    pub fn get_timeout(&self, timeout: Duration) -> Result<PooledConnection, Error> {
        self.get_within(Some(timeout))
    }

    fn get_within(&self, timeout: Option<Duration>) -> Result<PooledConnection, Error> {
        self.start_upkeep();
        let inner = &*self.inner;
        inner.acquire(timeout)?;
        let place = Place { inner, counted: false, armed: true };
        self.lend_from(place)
    }

    /// Finds a connection for a caller that holds a place: an idle one that passes the
    /// check, else a new one.
    fn lend_from(&self, mut place: Place<'_>) -> Result<PooledConnection, Error> {
        let inner = place.inner;
        loop {
            let mut expired = Vec::new();
            let taken = inner.state().shelf.take(&inner.options, Instant::now(), &mut expired)?;
            place.counted = true;
            for conn in expired {
                let _ = conn.close();
            }
            match taken {
                Take::Idle(mut conn, created) => {
                    if inner.ready(&mut conn) {
                        place.keep();
                        return Ok(self.lend(conn, created));
                    }
                    // Dead or unusable: closed and forgotten; the place stays ours for the
                    // next one.
                    drop(conn);
                    inner.state().shelf.discard();
                    place.counted = false;
                }
                Take::Open => {
                    let conn = inner.open()?;
                    place.keep();
                    return Ok(self.lend(conn, Instant::now()));
                }
            }
        }
    }

    fn lend(&self, conn: Connection, created: Instant) -> PooledConnection {
        PooledConnection { conn: Some(conn), created, inner: Arc::clone(&self.inner) }
    }

    /// How many connections the pool has, and how many are idle.
    pub fn status(&self) -> PoolStatus {
        let state = self.inner.state();
        state.shelf.status(&self.inner.options, state.queue.len())
    }

    /// The options the pool was built with.
    pub fn options(&self) -> &PoolOptions {
        &self.inner.options
    }

    /// Closes the pool: idle connections are closed now, lent-out ones when they come back,
    /// and every `get` (waiting or later) fails with
    /// [`ErrorKind::Closed`](crate::ErrorKind::Closed).
    pub fn close(&self) {
        let idle = {
            let mut state = self.inner.state();
            // Every thread in line fails with `Closed`.
            for waiter in &state.queue {
                waiter.notify_one();
            }
            state.shelf.close()
        };
        self.inner.wake_upkeep();
        for conn in idle {
            let _ = conn.close();
        }
    }

    /// True once [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.inner.state().shelf.is_closed()
    }
}

super::pool_impls!(Pool);

/// A connection borrowed from a blocking [`Pool`]: it derefs to the
/// [`Connection`](crate::blocking::Connection), and dropping it gives the connection back
/// (reset first, in the dropping thread, when it was left inside a transaction or with an
/// answer owed; see the [`pool`](crate::pool) module).
pub struct PooledConnection {
    /// `None` once detached.
    conn: Option<Connection>,
    created: Instant,
    inner: Arc<Inner>,
}

impl PooledConnection {
    /// Takes the connection out of the pool for good: the pool forgets it (making room for
    /// a new one), and it closes when the returned connection is dropped.
    pub fn detach(mut self) -> Connection {
        self.inner.release(true);
        self.conn.take().expect(super::PRESENT)
    }
}

super::guard_impls!(PooledConnection, Connection);

impl Drop for PooledConnection {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else { return };
        if !self.inner.recycle(&mut conn) {
            drop(conn);
            self.inner.release(true);
            return;
        }
        self.inner.give_back(conn, self.created);
    }
}
