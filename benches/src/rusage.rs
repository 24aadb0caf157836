//! Client CPU and memory of this process: `getrusage(RUSAGE_SELF)` plus a monotonic clock; and
//! the CPU time of another local process (the server backend) from `/proc`.

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
    /// Peak resident set size so far, in KiB: `VmHWM` of `/proc/self/status`, else
    /// `ru_maxrss`.
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
            max_rss_kib: vm_hwm_kib().unwrap_or(u64::try_from(ru.ru_maxrss).unwrap_or(0)),
        }
    }
}

/// The peak RSS of this process's current address space (`VmHWM` in `/proc/self/status`).
///
/// Preferred to `ru_maxrss`, which Linux carries across `execve`: a child the harness starts
/// (fork or vfork, then exec) reports at least the parent's RSS at the time of the fork, so a
/// parent that has built a large table reports its own size for every child. `VmHWM` belongs to
/// the address space the exec made.
fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
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

/// CPU time (user + sys) another process has used so far, from `/proc/<pid>`, or `None` when
/// `/proc` does not show it or the process is not a PostgreSQL one (`comm` is `postgres`: a
/// `DATABASE_URL` on another machine names a pid that means nothing here).
///
/// `/proc/<pid>/schedstat`'s first field (time on a CPU, ns, exact) when the kernel has it;
/// else `/proc/<pid>/stat`'s utime + stime (clock ticks, 10 ms).
pub fn process_cpu_time(pid: u32) -> Option<Duration> {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    if comm.trim() != "postgres" {
        return None;
    }
    if let Some(ns) = std::fs::read_to_string(format!("/proc/{pid}/schedstat"))
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
    {
        return Some(Duration::from_nanos(ns));
    }
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name (which is in parentheses and may hold spaces): the
    // state is field 3, utime field 14, stime field 15.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_nanos(ticks * 1_000_000_000 / clock_ticks_per_second()))
}

#[allow(unsafe_code)]
fn clock_ticks_per_second() -> u64 {
    // SAFETY: sysconf only reads a constant of the system.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(hz).ok().filter(|&hz| hz > 0).unwrap_or(100)
}

/// User CPU, kernel CPU and the largest peak RSS (KiB) of the waited-for children of this
/// process so far (`getrusage(RUSAGE_CHILDREN)`): what an external client such as pgbench
/// used, measured around its run.
#[allow(unsafe_code)]
pub fn children() -> (Duration, Duration, u64) {
    let mut ru = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: as in `getrusage_self`.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, ru.as_mut_ptr()) };
    assert_eq!(rc, 0, "getrusage(RUSAGE_CHILDREN) failed");
    // SAFETY: initialised above (zeroed, then written by the kernel).
    let ru = unsafe { ru.assume_init() };
    (timeval(ru.ru_utime), timeval(ru.ru_stime), u64::try_from(ru.ru_maxrss).unwrap_or(0))
}
