//! Workloads, cases, child processes and interleaved repetitions.
//!
//! Protocol between the parent and a child: the parent runs
//! `<this binary> --child <workload> <driver> <ops>` with the server's URL in
//! [`URL_VAR`]; the child sets the workload up, measures the timed body and prints one
//! [`SAMPLE_PREFIX`] line on stdout, which the parent parses into a [`Sample`].
//!
//! The line's `server_cpu_ns=` field is optional (only workloads that name their server
//! backend's pid report it, see [`Workload::server_pid`]): lines without it, such as those of
//! the Python peers, still parse.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::Result;
use crate::rusage::Snapshot;

/// The environment variable that passes the server URL to a child.
pub const URL_VAR: &str = "PGTUSK_BENCH_URL";
/// The first word of the line a child prints with its measurement.
pub const SAMPLE_PREFIX: &str = "PGTUSK_BENCH_SAMPLE";

/// One benchmark body for one driver: an untimed setup and a timed body.
///
/// The setup connects, prepares what the driver prepares and warms up; the body does the
/// measured `ops` operations and checks their results. The state is dropped after the timed
/// part (closing the connection is not measured).
pub trait Workload {
    /// What the setup hands to the body: connection, runtime, statements.
    type State;

    /// Connects to `url` and gets ready; not timed.
    fn setup(&self, url: &str) -> Result<Self::State>;

    /// Runs `ops` operations; timed.
    fn body(&self, state: &mut Self::State, ops: u64) -> Result<()>;

    /// The pid of the server backend serving the body (`SELECT pg_backend_pid()` in the setup),
    /// when its CPU time is to be measured too: [`measure`] then reads the backend's CPU time
    /// from `/proc` before and after the body (possible when the server runs on this machine).
    fn server_pid(&self, _state: &Self::State) -> Option<u32> {
        None
    }
}

/// One measured run of a case's timed body.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// Operations done.
    pub ops: u64,
    /// Wall time of the timed part.
    pub wall: Duration,
    /// User-space CPU of the client process during the timed part.
    pub user: Duration,
    /// Kernel CPU of the client process during the timed part.
    pub sys: Duration,
    /// Peak RSS of the client process (whole run, setup included), KiB.
    pub max_rss_kib: u64,
    /// CPU time (user + sys) of the server backend during the timed part, when the workload
    /// names its backend ([`Workload::server_pid`]) and `/proc` shows it.
    pub server_cpu: Option<Duration>,
}

impl Sample {
    /// Operations per second of wall time.
    pub fn throughput(&self) -> f64 {
        self.ops as f64 / self.wall.as_secs_f64()
    }

    /// User + sys CPU per operation, µs.
    pub fn cpu_us_per_op(&self) -> f64 {
        self.user_us_per_op() + self.sys_us_per_op()
    }

    /// User CPU per operation, µs.
    pub fn user_us_per_op(&self) -> f64 {
        self.user.as_secs_f64() * 1e6 / self.ops as f64
    }

    /// Kernel CPU per operation, µs.
    pub fn sys_us_per_op(&self) -> f64 {
        self.sys.as_secs_f64() * 1e6 / self.ops as f64
    }

    /// The server backend's CPU per operation, ns (when measured).
    pub fn server_ns_per_op(&self) -> Option<f64> {
        self.server_cpu.map(|d| d.as_secs_f64() * 1e9 / self.ops as f64)
    }

    /// The share of the wall time the server backend spent on a CPU (when measured): near 1,
    /// the operation was server-bound.
    pub fn server_busy(&self) -> Option<f64> {
        self.server_cpu.map(|d| d.as_secs_f64() / self.wall.as_secs_f64())
    }

    /// The line a child prints.
    pub fn to_line(&self) -> String {
        let mut line = format!(
            "{SAMPLE_PREFIX} ops={} wall_ns={} user_us={} sys_us={} maxrss_kib={}",
            self.ops,
            self.wall.as_nanos(),
            self.user.as_micros(),
            self.sys.as_micros(),
            self.max_rss_kib
        );
        if let Some(server) = self.server_cpu {
            line.push_str(&format!(" server_cpu_ns={}", server.as_nanos()));
        }
        line
    }

    /// Parses a line made by [`to_line`](Self::to_line).
    pub fn parse_line(line: &str) -> Option<Sample> {
        let rest = line.trim().strip_prefix(SAMPLE_PREFIX)?;
        let mut sample = Sample {
            ops: 0,
            wall: Duration::ZERO,
            user: Duration::ZERO,
            sys: Duration::ZERO,
            max_rss_kib: 0,
            server_cpu: None,
        };
        for field in rest.split_whitespace() {
            let (key, value) = field.split_once('=')?;
            let value: u64 = value.parse().ok()?;
            match key {
                "ops" => sample.ops = value,
                "wall_ns" => sample.wall = Duration::from_nanos(value),
                "user_us" => sample.user = Duration::from_micros(value),
                "sys_us" => sample.sys = Duration::from_micros(value),
                "maxrss_kib" => sample.max_rss_kib = value,
                "server_cpu_ns" => sample.server_cpu = Some(Duration::from_nanos(value)),
                _ => return None,
            }
        }
        (sample.ops > 0).then_some(sample)
    }
}

/// Sets `workload` up, runs its body for `ops` operations between two snapshots, and returns
/// the difference.
pub fn measure<W: Workload>(workload: &W, url: &str, ops: u64) -> Result<Sample> {
    let mut state = workload.setup(url)?;
    let server = workload.server_pid(&state);
    let server_before = server.and_then(crate::rusage::process_cpu_time);
    let before = Snapshot::now();
    workload.body(&mut state, ops)?;
    let after = Snapshot::now();
    let server_after = server.and_then(crate::rusage::process_cpu_time);
    drop(state);
    Ok(Sample {
        ops,
        wall: after.at - before.at,
        user: after.user.saturating_sub(before.user),
        sys: after.sys.saturating_sub(before.sys),
        max_rss_kib: after.max_rss_kib,
        server_cpu: server_before.zip(server_after).map(|(b, a)| a.saturating_sub(b)),
    })
}

/// A workload for one driver, as the parent lists it and a child runs it.
#[derive(Clone, Copy)]
pub struct Case {
    /// The workload's name (`point`, ...).
    pub workload: &'static str,
    /// The driver's name (`pgtusk-async`, `tokio-postgres-prepared`, ...).
    pub driver: &'static str,
    /// What one operation is, for the report (`query`, `row`, ...).
    pub unit: &'static str,
    /// Runs the case in this process: setup, timed body.
    pub run: fn(url: &str, ops: u64) -> Result<Sample>,
}

impl Case {
    /// A case for `W` (built with `Default`).
    pub fn new<W: Workload + Default>(
        workload: &'static str,
        driver: &'static str,
        unit: &'static str,
    ) -> Case {
        Case { workload, driver, unit, run: |url, ops| measure(&W::default(), url, ops) }
    }

    /// The command that runs this case in a child process.
    pub fn child_command(&self, url: &str, ops: u64) -> Result<Command> {
        let exe = std::env::current_exe()?;
        let mut cmd = Command::new(exe);
        cmd.arg("--child")
            .arg(self.workload)
            .arg(self.driver)
            .arg(ops.to_string())
            .env(URL_VAR, url);
        Ok(cmd)
    }

    /// Runs this case once in a child process and returns its sample.
    pub fn run_child(&self, url: &str, ops: u64) -> Result<Sample> {
        let out =
            self.child_command(url, ops)?.stdin(Stdio::null()).stderr(Stdio::inherit()).output()?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            return Err(format!(
                "{} / {}: child failed ({}): {stdout}",
                self.workload, self.driver, out.status
            )
            .into());
        }
        stdout.lines().find_map(Sample::parse_line).ok_or_else(|| {
            format!(
                "{} / {}: no sample in the child's output: {stdout}",
                self.workload, self.driver
            )
            .into()
        })
    }
}

/// If this process was started as a child (`--child <workload> <driver> <ops>`), runs that
/// case, prints its sample and returns `Some(exit code)`; otherwise `None`.
pub fn child_main(cases: &[Case], args: &[String]) -> Option<i32> {
    let [flag, workload, driver, ops] = args else {
        return None;
    };
    if flag != "--child" {
        return None;
    }
    let result = (|| -> Result<Sample> {
        let case = cases
            .iter()
            .find(|c| c.workload == workload && c.driver == driver)
            .ok_or_else(|| format!("no case {workload} / {driver}"))?;
        let ops: u64 = ops.parse()?;
        let url = std::env::var(URL_VAR).map_err(|_| format!("{URL_VAR} is not set"))?;
        (case.run)(&url, ops)
    })();
    Some(match result {
        Ok(sample) => {
            println!("{}", sample.to_line());
            0
        }
        Err(e) => {
            eprintln!("{workload} / {driver}: {e}");
            1
        }
    })
}

/// Runs every case `reps` times, each run in its own child process, interleaved: all cases
/// once in order, then all again, and so on. Returns the samples per case, in `cases` order.
///
/// `progress` is told about each sample as it arrives.
pub fn run_interleaved(
    cases: &[Case],
    url: &str,
    ops: u64,
    reps: usize,
    mut progress: impl FnMut(usize, &Case, &Sample),
) -> Result<Vec<Vec<Sample>>> {
    let mut samples = vec![Vec::with_capacity(reps); cases.len()];
    for rep in 0..reps {
        for (i, case) in cases.iter().enumerate() {
            let sample = case.run_child(url, ops)?;
            progress(rep, case, &sample);
            samples[i].push(sample);
        }
    }
    Ok(samples)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::Sample;

    #[test]
    fn sample_lines() {
        let mut s = Sample {
            ops: 10,
            wall: Duration::from_nanos(123_456),
            user: Duration::from_micros(7),
            sys: Duration::from_micros(9),
            max_rss_kib: 4096,
            server_cpu: None,
        };
        assert_eq!(Sample::parse_line(&s.to_line()), Some(s));
        s.server_cpu = Some(Duration::from_nanos(55_000));
        assert!(s.to_line().ends_with(" server_cpu_ns=55000"));
        assert_eq!(Sample::parse_line(&s.to_line()), Some(s));
        assert_eq!(s.server_ns_per_op(), Some(5_500.0));
        // A line without the server's field (the Python peers print those) still parses.
        let old = "PGTUSK_BENCH_SAMPLE ops=3 wall_ns=5 user_us=1 sys_us=2 maxrss_kib=9";
        assert_eq!(Sample::parse_line(old).map(|s| (s.ops, s.server_cpu)), Some((3, None)));
    }
}
