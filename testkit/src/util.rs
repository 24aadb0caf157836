//! Process, user, lock and file helpers shared by the rest of the crate.

use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::hash::{BuildHasher, RandomState};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::error::{Result, TestkitError};

/// The account that runs `initdb` and `postgres`.
///
/// PostgreSQL refuses to run as root, so a root process runs them as Debian's `postgres` user
/// (or a `pgtusk` system user it creates when that one is missing); anyone else runs them as
/// themselves.
#[derive(Debug, Clone)]
pub(crate) struct ServerUser {
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    pub(crate) name: String,
    /// Whether commands must switch to `uid`/`gid` (true when this process is root).
    pub(crate) switch: bool,
}

impl ServerUser {
    /// A command that runs as the server user, with a clean PostgreSQL environment and `/` as
    /// its working directory (the caller's may not be readable by that user).
    pub(crate) fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        if self.switch {
            cmd.uid(self.uid).gid(self.gid);
        }
        clean_env(&mut cmd);
        cmd.current_dir("/");
        cmd
    }

    /// Gives `path` to the server user (a no-op when no switch is needed).
    pub(crate) fn chown(&self, path: &Path) -> Result<()> {
        if self.switch {
            std::os::unix::fs::chown(path, Some(self.uid), Some(self.gid))
                .map_err(|e| TestkitError::io(format!("chown {}", path.display()), e))?;
        }
        Ok(())
    }

    /// Whether the server user can read and search the directory `path` (and so every
    /// ancestor of it).
    pub(crate) fn can_access(&self, path: &Path) -> bool {
        if !self.switch {
            return true;
        }
        self.command("test")
            .arg("-r")
            .arg(path)
            .arg("-a")
            .arg("-x")
            .arg(path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

/// The server user of this process, resolved (and created if needed) once.
pub(crate) fn server_user() -> Result<&'static ServerUser> {
    static USER: OnceLock<Result<ServerUser>> = OnceLock::new();
    USER.get_or_init(resolve_server_user).as_ref().map_err(Clone::clone)
}

fn resolve_server_user() -> Result<ServerUser> {
    let (uid, gid) = current_ids()?;
    if uid != 0 {
        let name = std::env::var("USER").unwrap_or_else(|_| uid.to_string());
        return Ok(ServerUser { uid, gid, name, switch: false });
    }
    for name in ["postgres", "pgtusk"] {
        if let Some((uid, gid)) = lookup_user(name) {
            return Ok(ServerUser { uid, gid, name: name.to_string(), switch: true });
        }
    }
    // Neither exists (no postgresql package installed): make a system user. Another process
    // may be doing the same at the same moment, so look again whatever useradd says.
    let out = Command::new("useradd")
        .args([
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            "pgtusk",
        ])
        .output();
    match lookup_user("pgtusk") {
        Some((uid, gid)) => Ok(ServerUser { uid, gid, name: "pgtusk".to_string(), switch: true }),
        None => Err(TestkitError::new(format!(
            "running as root, PostgreSQL needs an unprivileged user: there is no `postgres` \
             user and `useradd pgtusk` failed: {}",
            match out {
                Ok(o) => String::from_utf8_lossy(&o.stderr).trim().to_string(),
                Err(e) => e.to_string(),
            }
        ))),
    }
}

/// The effective uid and gid of this process: the owner of `/proc/self`.
fn current_ids() -> Result<(u32, u32)> {
    let meta = fs::metadata("/proc/self")
        .map_err(|e| TestkitError::io("stat /proc/self (to learn the current user)", e))?;
    Ok((meta.uid(), meta.gid()))
}

/// Looks a user up in /etc/passwd, then through `id` (which also asks NSS).
fn lookup_user(name: &str) -> Option<(u32, u32)> {
    if let Ok(passwd) = fs::read_to_string("/etc/passwd") {
        for line in passwd.lines() {
            let mut fields = line.split(':');
            if fields.next() == Some(name) {
                let _password = fields.next();
                let uid = fields.next().and_then(|s| s.parse().ok());
                let gid = fields.next().and_then(|s| s.parse().ok());
                if let (Some(uid), Some(gid)) = (uid, gid) {
                    return Some((uid, gid));
                }
            }
        }
    }
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id").arg(flag).arg(name).output().ok()?;
        if !out.status.success() {
            return None;
        }
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    Some((id("-u")?, id("-g")?))
}

/// Removes every `PG*` variable (PGHOST, PGPASSWORD, PGSSLMODE, ...) so the caller's
/// environment cannot redirect or alter a command, and forces C-locale messages.
pub(crate) fn clean_env(cmd: &mut Command) {
    for (key, _) in std::env::vars_os() {
        if key.as_encoded_bytes().starts_with(b"PG") {
            cmd.env_remove(key);
        }
    }
    cmd.env("LC_ALL", "C");
    cmd.env_remove("LANGUAGE");
}

/// Runs `cmd` to completion, capturing its output; a non-zero exit is an error that quotes
/// the end of its output.
pub(crate) fn run(cmd: &mut Command, what: &str) -> Result<Output> {
    cmd.stdin(Stdio::null());
    let out = cmd.output().map_err(|e| {
        TestkitError::io(format!("{what}: could not run {:?}", cmd.get_program()), e)
    })?;
    if !out.status.success() {
        return Err(TestkitError::new(format!(
            "{what} failed ({}):\n{}{}",
            out.status,
            tail(&String::from_utf8_lossy(&out.stdout), 20),
            tail(&String::from_utf8_lossy(&out.stderr), 30),
        )));
    }
    Ok(out)
}

/// The last `lines` lines of `text`, each ending in a newline.
pub(crate) fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    let start = all.len().saturating_sub(lines);
    let mut out = String::new();
    for line in &all[start..] {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The last `lines` lines of the file at `path` from byte `offset` on (large files are read
/// from their last 64 KiB only).
pub(crate) fn file_tail(path: &Path, offset: u64, lines: usize) -> String {
    let Ok(mut file) = File::open(path) else {
        return format!("(no log at {})\n", path.display());
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let start = offset.max(len.saturating_sub(64 * 1024));
    let mut buf = Vec::new();
    if file.seek(SeekFrom::Start(start)).is_err() || file.read_to_end(&mut buf).is_err() {
        return String::new();
    }
    tail(&String::from_utf8_lossy(&buf), lines)
}

/// Holds a `flock` on a lock file until dropped.
#[derive(Debug)]
pub(crate) struct LockGuard {
    _file: File,
}

/// Takes an exclusive lock on `path` (creating the file), blocking until it is free.
pub(crate) fn lock_exclusive(path: &Path) -> Result<LockGuard> {
    let file = open_lock_file(path)?;
    file.lock().map_err(|e| TestkitError::io(format!("lock {}", path.display()), e))?;
    Ok(LockGuard { _file: file })
}

/// Takes a shared lock on `path` (creating the file), blocking while someone holds it
/// exclusively.
pub(crate) fn lock_shared(path: &Path) -> Result<LockGuard> {
    let file = open_lock_file(path)?;
    file.lock_shared().map_err(|e| TestkitError::io(format!("lock {}", path.display()), e))?;
    Ok(LockGuard { _file: file })
}

fn open_lock_file(path: &Path) -> Result<File> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| TestkitError::io(format!("open lock file {}", path.display()), e))
}

/// A random number (std's per-instance hasher keys are random).
pub(crate) fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    RandomState::new().hash_one((std::process::id(), nanos, n))
}

/// Where servers' directories go: `PGTUSK_PG_RUN_DIR` when set, else `/dev/shm` when it is a
/// writable file system with at least 1 GiB free (a tmpfs: copying the template there takes
/// ~0.07 s, against 0.4-2.5 s on a busy disk), else `/tmp`. All keep unix socket paths far
/// below their 107-byte limit.
pub(crate) fn run_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        if let Some(dir) = std::env::var_os("PGTUSK_PG_RUN_DIR").filter(|v| !v.is_empty()) {
            return PathBuf::from(dir);
        }
        let shm = Path::new("/dev/shm");
        let roomy = Command::new("df")
            .args(["-Pk", "/dev/shm"])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| {
                // "Filesystem 1024-blocks Used Available Capacity Mounted-on", then the values.
                let text = String::from_utf8_lossy(&o.stdout).into_owned();
                let line = text.lines().nth(1)?.to_string();
                line.split_whitespace().nth(3)?.parse::<u64>().ok()
            })
            .is_some_and(|kib| kib >= 1024 * 1024);
        let writable = fs::metadata(shm)
            .is_ok_and(|m| m.is_dir() && m.permissions().mode() & 0o1777 == 0o1777);
        if roomy && writable { shm.to_path_buf() } else { PathBuf::from("/tmp") }
    })
}

/// Creates a fresh directory `<dir>/<prefix>XXXXXXXX` with mode 0700.
pub(crate) fn make_short_temp_dir(dir: &Path, prefix: &str) -> Result<PathBuf> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    for _ in 0..100 {
        let mut n = random_u64();
        let mut name = String::from(prefix);
        for _ in 0..8 {
            name.push(ALPHABET[(n % 36) as usize] as char);
            n /= 36;
        }
        let path = dir.join(name);
        match fs::create_dir(&path) {
            Ok(()) => {
                fs::set_permissions(&path, fs::Permissions::from_mode(0o700))
                    .map_err(|e| TestkitError::io(format!("chmod {}", path.display()), e))?;
                return Ok(path);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(TestkitError::io(format!("create {}", path.display()), e)),
        }
    }
    Err(TestkitError::new(format!("could not create a unique directory in {}", dir.display())))
}

/// Creates `path` (and its parents) and makes it world-readable and searchable, so that the
/// server user can reach what the cache holds.
pub(crate) fn create_public_dir(path: &Path) -> Result<()> {
    fs::create_dir_all(path)
        .map_err(|e| TestkitError::io(format!("create {}", path.display()), e))?;
    let meta =
        fs::metadata(path).map_err(|e| TestkitError::io(format!("stat {}", path.display()), e))?;
    if meta.permissions().mode() & 0o005 != 0o005 && meta.uid() == current_ids()?.0 {
        let mode = meta.permissions().mode() | 0o755;
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
            .map_err(|e| TestkitError::io(format!("chmod {}", path.display()), e))?;
    }
    Ok(())
}

/// Removes a file or directory tree if it exists.
pub(crate) fn remove_path(path: &Path) -> Result<()> {
    let result = match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => Err(e),
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
    };
    result.map_err(|e| TestkitError::io(format!("remove {}", path.display()), e))
}

/// Sends `signal` (a name such as `QUIT`, `INT`, `KILL`) to `pid` with the shell's `kill`.
/// Returns whether the signal was delivered.
pub(crate) fn send_signal(pid: u32, signal: &str) -> bool {
    Command::new("/bin/sh")
        .arg("-c")
        .arg("kill -s \"$1\" \"$2\" 2>/dev/null")
        .arg("sh")
        .arg(signal)
        .arg(pid.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether a process with this pid is alive (a zombie, which waits for a possibly slow
/// reaper, counts as gone).
pub(crate) fn process_alive(pid: u32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rfind(')')
            .and_then(|i| stat[i + 1..].split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

/// The pids of the direct children of `parent`, from /proc.
pub(crate) fn child_pids(parent: u32) -> Vec<u32> {
    let mut pids = Vec::new();
    let Ok(entries) = fs::read_dir("/proc") else {
        return pids;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid ...": comm may contain spaces and parentheses.
        let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let ppid = after.split_whitespace().nth(1).and_then(|s| s.parse::<u32>().ok());
        if ppid == Some(parent) {
            pids.push(pid);
        }
    }
    pids
}

/// Waits for `child` to exit, for at most `timeout`.
pub(crate) fn wait_timeout(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => return None,
        }
    }
}
