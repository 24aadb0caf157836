//! The password file (`~/.pgpass`), with libpq's format and rules.
//!
//! Each line is `hostname:port:database:username:password`; `#` starts a comment line; a
//! field that is exactly `*` matches anything; `\:` and `\\` stand for `:` and `\`. The first
//! matching line wins. The host `localhost` also matches a Unix-socket connection to the
//! default socket directory (or with no host at all); any other socket directory is compared
//! as written, and a target given by `hostaddr` alone by its address as written. The file is
//! ignored, with a warning, when it is not a plain file or (on Unix) when its group or others
//! have any access. It is read only when no password (or an empty one) was given, by the
//! string, the builder or `PGPASSWORD`.
//!
//! [`lookup`] is pure; [`read_password_file`] is the one function of the configuration that
//! touches the file system, called by the IO layer when no password was given.
//! See <https://www.postgresql.org/docs/current/libpq-pgpass.html>.
//!
//! Differences from libpq, on purpose:
//! - libpq has one default socket directory, fixed when it is built (`/var/run/postgresql` on
//!   Debian and its derivatives, `/tmp` upstream), and only that one matches `localhost`.
//!   pgtusk's default host is both ([`DEFAULT_UNIX_SOCKET_DIRS`]), so both match `localhost`:
//!   an explicit `host=/tmp` finds the `localhost` lines where Debian's libpq compares `/tmp`.
//! - The port is matched as a number written in decimal: `port=05432` or `port=' 5432'`
//!   matches a line's `5432`, where libpq compares the port's text as given.
//! - A file that is not UTF-8 is ignored with a warning (libpq compares bytes), and a NUL
//!   byte is an ordinary character (in libpq it cuts the line short and splices the next line
//!   onto it).
//! - A warning is handed to the caller ([`PasswordFile::Ignored`]), not printed to the
//!   standard error.
//! - With `HOME` unset or empty, libpq looks the home directory up in the user database;
//!   [`default_path`] reads the environment only and finds no file.

use std::io;
use std::path::{Path, PathBuf};

use super::Config;
use super::env::DEFAULT_UNIX_SOCKET_DIRS;

/// The password for a connection, from the contents of a password file.
///
/// `host` is the target's host as given (a name, a socket directory, or for a target given by
/// `hostaddr` alone the address as written; empty for the default host), `dbname` and `user`
/// are the resolved names.
///
/// ```
/// use pgtusk::conn::config::pgpass;
///
/// let file = "# comment\ndb.example:*:shop:app:s\\:cr\\\\et\n*:*:*:*:fallback\n";
/// assert_eq!(pgpass::lookup(file, "db.example", 5432, "shop", "app").as_deref(), Some("s:cr\\et"));
/// assert_eq!(pgpass::lookup(file, "other", 5432, "x", "y").as_deref(), Some("fallback"));
/// ```
pub fn lookup(contents: &str, host: &str, port: u16, dbname: &str, user: &str) -> Option<String> {
    // libpq: 'localhost' matches no host, and the default socket directory.
    let host = if host.is_empty() || DEFAULT_UNIX_SOCKET_DIRS.contains(&host) {
        "localhost"
    } else {
        host
    };
    let port = port.to_string();
    contents.lines().find_map(|line| {
        let line = line.trim_end_matches('\r');
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let mut rest = line;
        for wanted in [host, port.as_str(), dbname, user] {
            rest = match_field(rest, wanted)?;
        }
        Some(unescape_password(rest))
    })
}

/// Matches one field against `wanted`; returns what follows the field's `:` separator.
///
/// As libpq's `pwdfMatchesString`: `*:` matches anything; a backslash makes the next character
/// literal; an unescaped `:` ends the field only once `wanted` is used up (so an IPv6 host
/// name matches even when its colons are not escaped).
fn match_field<'a>(field: &'a str, mut wanted: &str) -> Option<&'a str> {
    if let Some(rest) = field.strip_prefix("*:") {
        return Some(rest);
    }
    let mut chars = field.char_indices();
    while let Some((i, c)) = chars.next() {
        let (c, escaped) = if c == '\\' { (chars.next()?.1, true) } else { (c, false) };
        if c == ':' && !escaped && wanted.is_empty() {
            return field.get(i + 1..);
        }
        wanted = wanted.strip_prefix(c)?;
    }
    None
}

/// The password field: up to the next unescaped `:`, with backslash escapes removed.
fn unescape_password(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        match c {
            ':' => break,
            // A trailing backslash stays, as in libpq.
            '\\' => out.push(chars.next().unwrap_or('\\')),
            c => out.push(c),
        }
    }
    out
}

/// What reading a password file found.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PasswordFile {
    /// The file's contents, to pass to [`lookup`].
    Contents(String),
    /// There is no such file (libpq ignores that silently).
    Missing,
    /// The file exists but was ignored; `warning` says why, for the caller to log.
    Ignored {
        /// libpq's warning text, naming the file.
        warning: String,
    },
}

/// Reads a password file, ignoring it (with a warning) as libpq does when it is not a plain
/// file, when it has group or world access (`mode & 0o077 != 0`, on Unix only), or when it
/// is not UTF-8.
///
/// # Errors
/// Any IO error other than "not found", e.g. permission denied. libpq ignores those
/// silently; the caller may log them and go on without a password.
pub fn read_password_file(path: &Path) -> io::Result<PasswordFile> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(PasswordFile::Missing),
        Err(e) => return Err(e),
    };
    let shown = path.display();
    if !meta.is_file() {
        let warning = format!("password file \"{shown}\" is not a plain file");
        return Ok(PasswordFile::Ignored { warning });
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            let warning = format!(
                "password file \"{shown}\" has group or world access; permissions should be \
                 u=rw (0600) or less"
            );
            return Ok(PasswordFile::Ignored { warning });
        }
    }
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(PasswordFile::Missing),
        Err(e) => return Err(e),
    };
    match String::from_utf8(bytes) {
        Ok(contents) => Ok(PasswordFile::Contents(contents)),
        Err(_) => {
            let warning = format!("password file \"{shown}\" is not valid UTF-8");
            Ok(PasswordFile::Ignored { warning })
        }
    }
}

/// libpq's default password file: `$PGPASSFILE`, else [`home_path`], read through `env`.
pub fn default_path(env: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    match non_empty_var(&env, "PGPASSFILE") {
        Some(file) => Some(PathBuf::from(file)),
        None => home_path(env),
    }
}

/// The password file in the home directory: `$HOME/.pgpass` (on Windows
/// `%APPDATA%\postgresql\pgpass.conf`), read through `env`.
pub fn home_path(env: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if cfg!(windows) {
        non_empty_var(&env, "APPDATA")
            .map(|dir| PathBuf::from(dir).join("postgresql").join("pgpass.conf"))
    } else {
        non_empty_var(&env, "HOME").map(|home| PathBuf::from(home).join(".pgpass"))
    }
}

/// The password file for `config`: its `passfile` if set and non-empty; [`home_path`] if
/// `passfile` was set to the empty string (as in libpq, where the empty value keeps
/// `PGPASSFILE` out); else [`default_path`].
pub fn path_for(config: &Config, env: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    match config.get_passfile() {
        Some(path) => Some(path.to_owned()),
        None if config.is_set("passfile") => home_path(env),
        None => default_path(env),
    }
}

/// The value of `var`, if set and non-empty.
fn non_empty_var(env: impl Fn(&str) -> Option<String>, var: &str) -> Option<String> {
    env(var).filter(|value| !value.is_empty())
}
