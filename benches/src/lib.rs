//! pgtusk's comparative benchmarks: a small harness that runs each (workload, driver) case in
//! its own child process, measures the timed part with wall time and `getrusage`, interleaves
//! repetitions across drivers, and reports medians with their spread.
//!
//! - [`harness::Workload`]: a setup (untimed: connect, prepare, warm up) and a timed body.
//! - [`harness::Case`]: one workload for one driver, runnable in a child process.
//! - [`harness::run_interleaved`]: re-executes the current binary once per case and repetition
//!   (`A B C A B C ...`), so RSS and rusage are per driver and drift spreads over all of them.
//! - [`report`]: statistics and Markdown.
//! - [`strace`]: system calls per operation, from `strace -c -f`.
//! - [`valgrind`]: user-space instructions per operation, from cachegrind (exact, unlike the
//!   tick-sampled user/sys split of getrusage).
//! - [`machine`]: date, CPU model, core count, load.
//! - [`python`]: the asyncpg / psycopg peers, run through `benches/python/peers.py`.
//! - [`common`]: what the benchmark binaries share (runtime, command line, server, the rows of
//!   `copy_src`).
//!
//! See `benches/README.md` for the commands.

pub mod common;
pub mod harness;
pub mod machine;
pub mod python;
pub mod report;
pub mod rusage;
pub mod strace;
pub mod valgrind;

/// The error type of the harness and the workloads: anything, with its message.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A result with [`BoxError`].
pub type Result<T, E = BoxError> = std::result::Result<T, E>;
