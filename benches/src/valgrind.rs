//! User-space instructions per operation, counted by valgrind (`cachegrind --cache-sim=no`).
//!
//! Why: on a kernel with tick-based CPU accounting (`CONFIG_TICK_CPU_ACCOUNTING`, HZ=250 here),
//! getrusage splits a process's CPU time into user and sys by sampling the mode at each 4 ms
//! tick. A 20,000-query run spends only a few dozen milliseconds in user space, i.e. a handful
//! of ticks, so its user/sys split is noisy (the user + sys total is exact). Instruction counts
//! are exact and independent of the machine's load: they compare the user-space work of drivers
//! deterministically. Caveats: an instruction is not a cycle (cache misses and branch
//! mispredictions do not show), and valgrind counts each iteration of a `rep stos`/`rep movs`
//! string instruction (large `memset`/`memcpy`) as one instruction, which overstates them.
//!
//! Both counts are reported: all instructions, and those outside libc's memset/memcpy/memmove.
//!
//! Like [`strace`](crate::strace), a case runs twice, with `ops` operations and with none; the
//! difference divided by `ops` is the cost of one operation.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::Result;
use crate::harness::Case;

/// Whether valgrind is installed.
pub fn available() -> bool {
    Command::new("valgrind")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// User-space instructions per operation of a case.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PerOp {
    /// Every instruction.
    pub all: f64,
    /// Instructions outside libc's `memset`/`memcpy`/`memmove` (where valgrind counts each
    /// iteration of a `rep stos`/`rep movs` as one instruction).
    pub without_mem: f64,
}

/// User-space instructions per operation of `case`.
pub fn instructions_per_op(case: &Case, url: &str, ops: u64, dir: &Path) -> Result<PerOp> {
    let with = instructions(case, url, ops, &dir.join(format!("{}-{ops}.cg", case.driver)))?;
    let without = instructions(case, url, 0, &dir.join(format!("{}-0.cg", case.driver)))?;
    let per = |a: u64, b: u64| (a as f64 - b as f64) / ops as f64;
    Ok(PerOp {
        all: per(with.0, without.0),
        without_mem: per(with.0 - with.1, without.0 - without.1),
    })
}

/// Runs `case` with `ops` operations under cachegrind and returns the instructions executed:
/// (all, in libc's memset/memcpy/memmove).
fn instructions(case: &Case, url: &str, ops: u64, out_file: &Path) -> Result<(u64, u64)> {
    let child = case.child_command(url, ops)?;
    let mut cmd = Command::new("valgrind");
    cmd.args(["--tool=cachegrind", "--cache-sim=no"])
        .arg(format!("--cachegrind-out-file={}", out_file.display()))
        .arg(child.get_program())
        .args(child.get_args());
    for (key, value) in child.get_envs() {
        if let Some(value) = value {
            cmd.env(key, value);
        }
    }
    let out = cmd.stdin(Stdio::null()).stdout(Stdio::null()).output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!("valgrind of {} failed: {}: {stderr}", case.driver, out.status).into());
    }
    let per_fn = parse_out(&std::fs::read_to_string(out_file)?);
    let total = per_fn.values().sum();
    let mem = per_fn.iter().filter(|(name, _)| is_mem_fn(name)).map(|(_, n)| n).sum();
    Ok((total, mem))
}

/// libc's memset/memcpy/memmove and their CPU-specific variants.
fn is_mem_fn(name: &str) -> bool {
    let name = name.trim_start_matches('_');
    ["memset", "memcpy", "memmove", "mempcpy"].iter().any(|f| name.starts_with(f))
}

/// Sums a cachegrind output file (`--cache-sim=no`: one `Ir` event) per function.
pub fn parse_out(text: &str) -> BTreeMap<String, u64> {
    let mut per_fn = BTreeMap::new();
    let mut current = String::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("fn=") {
            current = name.to_string();
        } else if line.starts_with(|c: char| c.is_ascii_digit()) {
            let ir =
                line.split_whitespace().nth(1).and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
            *per_fn.entry(current.clone()).or_insert(0) += ir;
        }
    }
    per_fn
}

#[cfg(test)]
mod tests {
    #[test]
    fn sums_per_function() {
        let text = "events: Ir\nfl=a.c\nfn=main\n1 2\n3 4\nfn=__memset_avx2_unaligned_erms\n7 100\n\
                    fn=main\n9 1\nsummary: 107\n";
        let per_fn = super::parse_out(text);
        assert_eq!(per_fn.get("main"), Some(&7));
        assert_eq!(per_fn.get("__memset_avx2_unaligned_erms"), Some(&100));
        assert!(super::is_mem_fn("__memset_avx2_unaligned_erms"));
        assert!(super::is_mem_fn("memcpy@@GLIBC_2.14"));
        assert!(!super::is_mem_fn("memchr"));
    }
}
