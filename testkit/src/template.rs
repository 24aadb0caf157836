//! One initdb'd data directory per major version, copied by every server start.
//!
//! `<cache>/<major>/template/` is made once: `initdb --no-sync -E UTF8 --locale=C -U postgres
//! --auth=trust`, then the TLS files, `pg_hba.conf` and the settings are written, and the
//! cluster is started once (unix socket only) to create the roles, then shut down cleanly.
//! `<cache>/<major>/template.ok` records what the template was made with (format, owner,
//! binaries): when any of those changes, the template is made again. `template.lock` is held
//! shared while a template is copied and exclusively while one is made.

use std::fmt::Write as _;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::certs::TlsFiles;
use crate::error::{Result, TestkitError};
use crate::roles;
use crate::server::wait_ready;
use crate::util::{self, LockGuard, server_user};

/// Bump when the template's contents change (settings, roles, pg_hba), to remake it.
const TEMPLATE_FORMAT: u32 = 1;

/// Settings appended to `postgresql.conf`. Paths are relative to the data directory.
pub(crate) const SETTINGS: &str = "
# ---- written by pgtusk-testkit ----
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
huge_pages = off
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
ssl_ca_file = 'root.crt'
password_encryption = 'scram-sha-256'
log_min_messages = warning
lc_messages = 'C'
";

/// A ready template for `major`, and the shared lock that keeps it from being remade while
/// the caller copies it.
pub(crate) fn ensure(major: u32, bin_dir: &Path, tls: &TlsFiles) -> Result<(PathBuf, LockGuard)> {
    let user = server_user()?;
    let cache = crate::install::cache_dir()?;
    let major_dir = cache.join(major.to_string());
    util::create_public_dir(&major_dir)?;
    let template = major_dir.join("template");
    let marker = major_dir.join("template.ok");
    let lock_path = major_dir.join("template.lock");
    let expected =
        format!("format={TEMPLATE_FORMAT}\nuid={}\nbin={}\n", user.uid, bin_dir.display());
    let valid = || template.is_dir() && fs::read_to_string(&marker).is_ok_and(|m| m == expected);

    let shared = util::lock_shared(&lock_path)?;
    if valid() {
        return Ok((template, shared));
    }
    drop(shared);
    let exclusive = util::lock_exclusive(&lock_path)?;
    if !valid() {
        util::remove_path(&marker)?;
        build(major, bin_dir, tls, &major_dir)?;
        fs::write(&marker, &expected)
            .map_err(|e| TestkitError::io(format!("write {}", marker.display()), e))?;
    }
    Ok((template, exclusive))
}

fn build(major: u32, bin_dir: &Path, tls: &TlsFiles, major_dir: &Path) -> Result<()> {
    let user = server_user()?;
    let tmp = major_dir.join("template.tmp");
    util::remove_path(&tmp)?;
    fs::create_dir(&tmp).map_err(|e| TestkitError::io(format!("create {}", tmp.display()), e))?;
    fs::set_permissions(&tmp, fs::Permissions::from_mode(0o700))
        .map_err(|e| TestkitError::io(format!("chmod {}", tmp.display()), e))?;
    user.chown(&tmp)?;

    let mut initdb = user.command(bin_dir.join("initdb"));
    initdb
        .args([
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
            "-U",
            roles::SUPERUSER,
            "--auth=trust",
            "-D",
        ])
        .arg(&tmp);
    util::run(&mut initdb, &format!("initdb for PostgreSQL {major}"))?;

    // TLS files: the server's key must belong to the server user, mode 0600.
    for (from, to, mode) in [
        (&tls.server_cert, "server.crt", 0o644),
        (&tls.server_key, "server.key", 0o600),
        (&tls.ca_cert, "root.crt", 0o644),
    ] {
        let dest = tmp.join(to);
        fs::copy(from, &dest).map_err(|e| {
            TestkitError::io(format!("copy {} to {}", from.display(), dest.display()), e)
        })?;
        fs::set_permissions(&dest, fs::Permissions::from_mode(mode))
            .map_err(|e| TestkitError::io(format!("chmod {}", dest.display()), e))?;
        user.chown(&dest)?;
    }
    let hba = tmp.join("pg_hba.conf");
    fs::write(&hba, roles::PG_HBA)
        .map_err(|e| TestkitError::io(format!("write {}", hba.display()), e))?;
    let conf = tmp.join("postgresql.conf");
    let mut text = fs::read_to_string(&conf)
        .map_err(|e| TestkitError::io(format!("read {}", conf.display()), e))?;
    text.push_str(SETTINGS);
    fs::write(&conf, text).map_err(|e| TestkitError::io(format!("write {}", conf.display()), e))?;

    create_roles(major, bin_dir, &tmp)?;

    let template = major_dir.join("template");
    util::remove_path(&template)?;
    fs::rename(&tmp, &template).map_err(|e| {
        TestkitError::io(format!("rename {} to {}", tmp.display(), template.display()), e)
    })?;
    Ok(())
}

/// Starts the fresh cluster on a unix socket only, runs the role set-up, and shuts it down
/// cleanly (so copies start without crash recovery).
fn create_roles(major: u32, bin_dir: &Path, data: &Path) -> Result<()> {
    let user = server_user()?;
    let sock = util::make_short_temp_dir(Path::new("/tmp"), "pgtk-init-")?;
    user.chown(&sock)?;
    let log_path = sock.join("init.log");
    let result = (|| {
        let log = fs::File::create(&log_path)
            .map_err(|e| TestkitError::io(format!("create {}", log_path.display()), e))?;
        let log2 = log.try_clone().map_err(|e| TestkitError::io("dup the log file", e))?;
        let port: u16 = 5432;
        let mut child = user
            .command(bin_dir.join("postgres"))
            .arg("-D")
            .arg(data)
            .arg("-k")
            .arg(&sock)
            .args(["-p", &port.to_string(), "-c", "listen_addresses="])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .process_group(0)
            .spawn()
            .map_err(|e| TestkitError::io(format!("start PostgreSQL {major} for set-up"), e))?;
        let ready = wait_ready(&mut child, data, &sock, port, None, &log_path, 0);
        let setup = ready.and_then(|()| {
            let mut psql = Command::new(bin_dir.join("psql"));
            util::clean_env(&mut psql);
            psql.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h"]).arg(&sock).args([
                "-p",
                &port.to_string(),
                "-U",
                roles::SUPERUSER,
                "-d",
                "postgres",
            ]);
            for statement in roles::setup_sql() {
                psql.arg("-c").arg(statement);
            }
            util::run(&mut psql, &format!("creating the roles on PostgreSQL {major}")).map(drop)
        });
        // Fast shutdown (SIGINT) writes a shutdown checkpoint.
        util::send_signal(child.id(), "INT");
        if util::wait_timeout(&mut child, Duration::from_secs(60)).is_none() {
            let _ = child.kill();
            let _ = child.wait();
            return Err(TestkitError::new(format!(
                "PostgreSQL {major} did not shut down after the role set-up; log:\n{}",
                util::file_tail(&log_path, 0, 30)
            )));
        }
        setup
    })();
    let result = result.map_err(|e| {
        let mut msg = e.to_string();
        let _ = write!(msg, "\n(set-up log: {})", util::file_tail(&log_path, 0, 30));
        TestkitError::new(msg)
    });
    util::remove_path(&sock)?;
    result
}
