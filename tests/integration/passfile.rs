//! The password file end to end: a `passfile` (mode 0600) supplies the password the server
//! asks for, the first line that matches host, port, database and user winning; a file that
//! others may read is ignored, with a warning in the log, and the login then fails for want
//! of a password.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use pgtusk::{Config, ErrorKind};
use pgtusk_testkit::{Server, roles};

use crate::common::{quote_path, servers, unique};

/// Every warning logged in this test binary (the tests below look for theirs by path).
static LOGGED: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            LOGGED.lock().unwrap().push(record.args().to_string());
        }
    }

    fn flush(&self) {}
}

fn capture_warnings() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        log::set_logger(&Capture).expect("no other logger in this test binary");
        log::set_max_level(log::LevelFilter::Warn);
    });
}

/// A password file for `server` with mode `mode`: lines for another port, another host name,
/// another database, then the line that matches (`scram_user`'s password), then a catch-all
/// that must never be reached.
fn write_passfile(server: &Server, mode: u32) -> PathBuf {
    let port = server.port();
    let password = roles::password(roles::SCRAM).unwrap();
    let text = format!(
        "# pgtusk test\n\
         127.0.0.1:1:postgres:scram_user:wrong\n\
         localhost:{port}:postgres:scram_user:wrong\n\
         127.0.0.1:{port}:other_db:scram_user:wrong\n\
         127.0.0.1:{port}:*:scram_user:{password}\n\
         *:*:*:*:wrong\n"
    );
    let path = std::env::temp_dir().join(unique("pgtusk-pgpass"));
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

/// `scram_user` without a password, the password file given; parsed without the environment
/// (a `PGPASSWORD` there would win over the file).
fn config(server: &Server, passfile: &Path) -> Config {
    let passfile = quote_path(passfile);
    format!(
        "host=127.0.0.1 port={} user=scram_user dbname=postgres sslmode=disable passfile={passfile}",
        server.port()
    )
    .parse()
    .unwrap()
}

fn warned_about(path: &Path) -> bool {
    let path = path.display().to_string();
    LOGGED.lock().unwrap().iter().any(|w| w.contains(&path))
}

#[tokio::test]
async fn async_password_from_the_file() {
    capture_warnings();
    for server in servers() {
        let file = write_passfile(server, 0o600);
        let mut conn = config(server, &file).connect().await.unwrap();
        let user: String = conn.query_scalar("SELECT current_user::text", ()).await.unwrap();
        assert_eq!(user, roles::SCRAM);
        assert!(!warned_about(&file));

        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = config(server, &file).connect().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Auth, "{e}");
        assert!(warned_about(&file), "no warning about {} in {:?}", file.display(), LOGGED);
        std::fs::remove_file(&file).unwrap();
    }
}

#[test]
fn blocking_password_from_the_file() {
    capture_warnings();
    for server in servers() {
        let file = write_passfile(server, 0o600);
        let config_ok = config(server, &file);
        let mut conn = pgtusk::blocking::Connection::connect_config(&config_ok).unwrap();
        let user: String = conn.query_scalar("SELECT current_user::text", ()).unwrap();
        assert_eq!(user, roles::SCRAM);
        assert!(!warned_about(&file));

        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
        let e = pgtusk::blocking::Connection::connect_config(&config(server, &file)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Auth, "{e}");
        assert!(warned_about(&file), "no warning about {} in {:?}", file.display(), LOGGED);
        std::fs::remove_file(&file).unwrap();
    }
}
