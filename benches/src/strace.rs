//! System calls per operation, counted with `strace -c -f`.
//!
//! A case is run twice under strace, with `ops` operations and with none (setup, warm-up and
//! exit only); the difference divided by `ops` is what one operation costs in system calls.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::Result;
use crate::harness::Case;

/// Whether `strace` can trace here (it is installed and ptrace is allowed).
pub fn available() -> bool {
    Command::new("strace")
        .args(["-f", "-c", "-o", "/dev/null", "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// System calls per operation of `case`, by name, sorted by count (largest first).
pub fn per_op(case: &Case, url: &str, ops: u64, dir: &Path) -> Result<Vec<(String, f64)>> {
    let with = counts(case, url, ops, &dir.join(format!("{}-{ops}.strace", case.driver)))?;
    let without = counts(case, url, 0, &dir.join(format!("{}-0.strace", case.driver)))?;
    let mut out: Vec<(String, f64)> = with
        .iter()
        .map(|(name, &n)| {
            let base = without.get(name).copied().unwrap_or(0);
            (name.clone(), (n as f64 - base as f64) / ops as f64)
        })
        // Below 0.01 per operation is start-up noise, not per-operation work.
        .filter(|(_, per)| *per >= 0.01)
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(out)
}

/// Runs `case` with `ops` operations under `strace -f -c` and returns the call counts.
fn counts(case: &Case, url: &str, ops: u64, out_file: &Path) -> Result<BTreeMap<String, u64>> {
    let child = case.child_command(url, ops)?;
    let mut cmd = Command::new("strace");
    cmd.arg("-f").arg("-c").arg("-o").arg(out_file).arg(child.get_program()).args(child.get_args());
    for (key, value) in child.get_envs() {
        if let Some(value) = value {
            cmd.env(key, value);
        }
    }
    let status =
        cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::inherit()).status()?;
    if !status.success() {
        return Err(format!("strace of {} failed: {status}", case.driver).into());
    }
    Ok(parse(&std::fs::read_to_string(out_file)?))
}

/// Parses the summary table of `strace -c`.
///
/// ```text
/// % time     seconds  usecs/call     calls    errors syscall
/// ------ ----------- ----------- --------- --------- ----------------
///  52.01    0.012345           6      2000           write
///   1.00    0.000100          10        10         3 openat
/// ```
pub fn parse(text: &str) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (Some(name), true) = (fields.last(), fields.len() >= 5) else {
            continue;
        };
        if *name == "total" || fields[0].parse::<f64>().is_err() {
            continue;
        }
        if let Ok(calls) = fields[3].parse::<u64>() {
            counts.insert((*name).to_string(), calls);
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_the_summary() {
        let text = "% time     seconds  usecs/call     calls    errors syscall\n\
            ------ ----------- ----------- --------- --------- ----------------\n \
            52.01    0.012345           6      2000           write\n  \
            1.00    0.000100          10        10         3 openat\n\
            ------ ----------- ----------- --------- --------- ----------------\n\
            100.00    0.012445                  2010         3 total\n";
        let counts = super::parse(text);
        assert_eq!(counts.get("write"), Some(&2000));
        assert_eq!(counts.get("openat"), Some(&10));
        assert_eq!(counts.len(), 2);
    }
}
