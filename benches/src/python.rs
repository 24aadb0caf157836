//! The Python peers (asyncpg, psycopg 3): `benches/python/peers.py`, run from a Rust child
//! process. The script times its own body (`perf_counter`, `resource.getrusage`) and prints the
//! harness's sample line, so the interpreter's start-up and imports are not counted.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::Result;
use crate::harness::Sample;

/// The environment variable that names the Python interpreter.
pub const PYTHON_VAR: &str = "PGTUSK_BENCH_PYTHON";

/// The packages the script needs, as `pip install` takes them.
pub const PACKAGES: [&str; 4] = ["asyncpg", "psycopg[binary]", "psycopg-pool", "uvloop"];

/// `benches/python/peers.py`.
pub fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("python/peers.py")
}

/// `benches/python/.venv`.
pub fn venv() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("python/.venv")
}

/// The interpreter: `PGTUSK_BENCH_PYTHON`, else the venv beside the script, else `python3`.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os(PYTHON_VAR).filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let venv = venv().join("bin/python");
    if venv.exists() { venv } else { PathBuf::from("python3") }
}

/// Whether the script can run `case` (its driver imports); the error text when not.
pub fn check(case: &str) -> std::result::Result<(), String> {
    let out = Command::new(python())
        .arg(script())
        .args(["check", case])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{}: {e}", python().display()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// Makes sure the interpreter imports every package of [`PACKAGES`]: when it does not and
/// `PGTUSK_BENCH_PYTHON` is not set, creates `benches/python/.venv` (if missing) and
/// `pip install`s them there. Returns what was done, or why it failed.
pub fn ensure_packages() -> std::result::Result<String, String> {
    let imports = "import asyncpg, psycopg, psycopg_pool, uvloop";
    let ok = |py: &Path| {
        Command::new(py)
            .args(["-c", imports])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if ok(&python()) {
        return Ok(format!("{} has the packages", python().display()));
    }
    if std::env::var_os(PYTHON_VAR).is_some_and(|p| !p.is_empty()) {
        return Err(format!("{PYTHON_VAR}={} lacks some of {PACKAGES:?}", python().display()));
    }
    let venv = venv();
    let py = venv.join("bin/python");
    if !py.exists() {
        eprintln!("creating {}", venv.display());
        let status = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .map_err(|e| format!("python3 -m venv: {e}"))?;
        if !status.success() {
            return Err(format!("python3 -m venv {} failed ({status})", venv.display()));
        }
    }
    eprintln!("pip install {}", PACKAGES.join(" "));
    let status = Command::new(&py)
        .args(["-m", "pip", "install", "--quiet"])
        .args(PACKAGES)
        .status()
        .map_err(|e| format!("pip: {e}"))?;
    if !status.success() {
        return Err(format!("pip install {} failed ({status})", PACKAGES.join(" ")));
    }
    if ok(&py) {
        Ok(format!("installed {} into {}", PACKAGES.join(", "), venv.display()))
    } else {
        Err(format!("{} still does not import them after pip install", py.display()))
    }
}

/// Runs `case` in the script (`peers.py run CASE URL OPS [EXTRA...]`) and parses its sample.
pub fn run(case: &str, url: &str, ops: u64, extra: &[&str]) -> Result<Sample> {
    let out = Command::new(python())
        .arg(script())
        .args(["run", case, url, &ops.to_string()])
        .args(extra)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("{case}: python failed ({}): {stdout}", out.status).into());
    }
    stdout
        .lines()
        .find_map(Sample::parse_line)
        .ok_or_else(|| format!("{case}: no sample in the script's output: {stdout}").into())
}

/// The Python, asyncpg, psycopg, psycopg_pool and uvloop versions, for the report.
pub fn versions() -> String {
    let code = "import sys\nv=[sys.version.split()[0]]\n\
                for m in ('asyncpg','psycopg','psycopg_pool','uvloop'):\n    \
                try: v.append(m+' '+__import__(m).__version__)\n    \
                except Exception: v.append(m+' missing')\n\
                print(', '.join(v))";
    Command::new(python())
        .args(["-c", code])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| format!("Python {}", String::from_utf8_lossy(&o.stdout).trim()))
        .unwrap_or_else(|| "Python unavailable".into())
}
