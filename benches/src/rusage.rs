//! Client CPU and memory of this process: `getrusage(RUSAGE_SELF)` plus a monotonic clock.

use std::time::{Duration, Instant};

/// A point in time with the process's CPU usage so far.
#[derive(Clone, Copy, Debug)]
pub struct Snapshot {
    /// Monotonic wall clock.
    pub at: Instant,
    /// User-space CPU time of every thread of the process so far.
    pub user: Duration,
    /// Kernel CPU time of every thread of the process so far.
    pub sys: Duration,
    /// Peak resident set size so far, in KiB (`ru_maxrss` on Linux).
    pub max_rss_kib: u64,
}

impl Snapshot {
    /// Reads the clock and `getrusage(RUSAGE_SELF)`.
    pub fn now() -> Snapshot {
        let ru = getrusage_self();
        Snapshot {
            at: Instant::now(),
            user: timeval(ru.ru_utime),
            sys: timeval(ru.ru_stime),
            max_rss_kib: u64::try_from(ru.ru_maxrss).unwrap_or(0),
        }
    }
}

fn timeval(tv: libc::timeval) -> Duration {
    let secs = u64::try_from(tv.tv_sec).unwrap_or(0);
    let micros = u32::try_from(tv.tv_usec).unwrap_or(0);
    Duration::from_secs(secs) + Duration::from_micros(u64::from(micros))
}

#[allow(unsafe_code)]
fn getrusage_self() -> libc::rusage {
    let mut ru = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `ru` points to writable memory the size of `rusage`; getrusage fills it (and a
    // zeroed `rusage` is a valid value even if it did not, since it is plain integers).
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, ru.as_mut_ptr()) };
    assert_eq!(rc, 0, "getrusage(RUSAGE_SELF) failed");
    // SAFETY: initialised above (zeroed, then written by the kernel).
    unsafe { ru.assume_init() }
}

/// CPU time consumed by the calling thread so far (`CLOCK_THREAD_CPUTIME_ID`: exact, in ns,
/// and not advanced while the thread is descheduled, unlike a wall clock).
pub fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    #[allow(unsafe_code)]
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant Linux supports.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(u64::try_from(ts.tv_sec).unwrap_or(0), u32::try_from(ts.tv_nsec).unwrap_or(0))
}
