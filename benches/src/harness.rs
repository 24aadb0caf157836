//! Workloads, cases, child processes and interleaved repetitions.
//!
//! Protocol between the parent and a child: the parent runs
//! `<this binary> --child <workload> <driver> <ops>` with the server's URL in
//! [`URL_VAR`]; the child sets the workload up, measures the timed body and prints one
//! [`SAMPLE_PREFIX`] line on stdout, which the parent parses into a [`Sample`].

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

    /// The line a child prints.
    pub fn to_line(&self) -> String {
        format!(
            "{SAMPLE_PREFIX} ops={} wall_ns={} user_us={} sys_us={} maxrss_kib={}",
            self.ops,
            self.wall.as_nanos(),
            self.user.as_micros(),
            self.sys.as_micros(),
            self.max_rss_kib
        )
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
    let before = Snapshot::now();
    workload.body(&mut state, ops)?;
    let after = Snapshot::now();
    drop(state);
    Ok(Sample {
        ops,
        wall: after.at - before.at,
        user: after.user.saturating_sub(before.user),
        sys: after.sys.saturating_sub(before.sys),
        max_rss_kib: after.max_rss_kib,
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
