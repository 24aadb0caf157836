//! The one public error type, [`Error`], and the server's error report, [`DbError`].
//!
//! Errors are typed in layers (malformed bytes, a server breaking a protocol rule, a caller
//! breaking an API rule, a database error with its SQLSTATE), all behind one opaque `Error` that
//! answers [`Error::kind`], [`Error::as_db_error`] and [`Error::code`]. The `Display` text is for
//! people; match on `kind()` and `code()`, never on the text.
//!
//! `Error` is cheap to clone (one `Arc`): the connection core latches its first fatal error and
//! hands the same error out on every later call.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use crate::protocol::backend::ErrorFields;

mod sqlstate;

/// What went wrong, in categories a caller can act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The socket failed (connection refused, reset, ...).
    Io,
    /// The TLS handshake or the TLS layer failed, or a certificate was refused.
    Tls,
    /// A connect timeout or a per-call timeout elapsed.
    Timeout,
    /// The connection is closed (by the server, by an earlier fatal error, or by the caller).
    Closed,
    /// The server sent bytes that are not a valid message.
    Decode,
    /// The server sent a valid message where the protocol does not allow it.
    Protocol,
    /// A message or value could not be encoded (a NUL in a string, too many parameters...).
    Encode,
    /// The caller broke an API rule (for example COPY data outside COPY).
    Misuse,
    /// Authentication could not proceed on the client side (missing password, a method refused by
    /// `require_auth`, channel binding required but unavailable, a bad server signature...).
    Auth,
    /// The connection parameters are invalid.
    Config,
    /// The server reported an error; see [`Error::as_db_error`].
    Db,
    /// A value could not be converted between its PostgreSQL and Rust forms.
    Conversion,
    /// A query expected one row (or at most one) and got another number.
    RowCount,
    /// Not done because of an earlier failure: a pipelined statement the server skipped after
    /// an error in its sync group, or a COMMIT of a transaction in which a statement failed.
    Aborted,
    /// The server or protocol feature is not supported by this driver (GSSAPI, SSPI...).
    Unsupported,
}

impl ErrorKind {
    fn describe(self) -> &'static str {
        match self {
            Self::Io => "I/O error",
            Self::Tls => "TLS error",
            Self::Timeout => "timed out",
            Self::Closed => "connection closed",
            Self::Decode => "invalid message from the server",
            Self::Protocol => "protocol violation by the server",
            Self::Encode => "cannot encode message",
            Self::Misuse => "API misuse",
            Self::Auth => "authentication failed",
            Self::Config => "invalid connection parameters",
            Self::Db => "database error",
            Self::Conversion => "conversion error",
            Self::RowCount => "unexpected number of rows",
            Self::Aborted => "aborted by an earlier failure",
            Self::Unsupported => "not supported",
        }
    }
}

struct Inner {
    kind: ErrorKind,
    message: Option<Cow<'static, str>>,
    db: Option<Box<DbError>>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

/// The error returned by every fallible pgtusk operation.
#[derive(Clone)]
pub struct Error(Arc<Inner>);

impl Error {
    /// An error of `kind` with a message.
    pub(crate) fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Self(Arc::new(Inner { kind, message: Some(message.into()), db: None, source: None }))
    }

    /// An error of `kind` caused by `source`.
    pub(crate) fn with_source(
        kind: ErrorKind,
        message: impl Into<Cow<'static, str>>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self(Arc::new(Inner {
            kind,
            message: Some(message.into()),
            db: None,
            source: Some(Box::new(source)),
        }))
    }

    /// A database error from the server's report.
    pub(crate) fn db(db: DbError) -> Self {
        Self(Arc::new(Inner {
            kind: ErrorKind::Db,
            message: None,
            db: Some(Box::new(db)),
            source: None,
        }))
    }

    /// An API-misuse error.
    pub(crate) fn misuse(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Misuse, message)
    }

    /// A protocol violation by the server.
    pub(crate) fn protocol(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Protocol, message)
    }

    /// A conversion error with a message: for your own [`Loader`](crate::Loader) and
    /// [`Dumper`](crate::Dumper) implementations.
    pub fn conversion(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Conversion, message)
    }

    /// A conversion error caused by `source` (a parse error, a `TryFrom` failure...).
    pub fn conversion_from(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::with_source(ErrorKind::Conversion, "cannot convert the value", source)
    }

    /// This error as a [`ErrorKind::Conversion`] error with `context` in front (for example the
    /// column a value came from).
    ///
    /// A conversion error keeps its source and gets the message `"{context}: {message}"`, so the
    /// text reads as one sentence; any other error becomes the source of a new conversion error
    /// whose message is `context`.
    pub(crate) fn conversion_context(self, context: impl fmt::Display) -> Self {
        if self.0.kind != ErrorKind::Conversion || self.0.db.is_some() {
            return Self::with_source(ErrorKind::Conversion, context.to_string(), self);
        }
        let message = match &self.0.message {
            Some(m) => format!("{context}: {m}"),
            None => context.to_string(),
        };
        match Arc::try_unwrap(self.0) {
            Ok(inner) => Self(Arc::new(Inner { message: Some(message.into()), ..inner })),
            Err(shared) if shared.source.is_none() => Self::conversion(message),
            Err(shared) => {
                Self::with_source(ErrorKind::Conversion, context.to_string(), Self(shared))
            }
        }
    }

    /// The category of the error.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The server's error report, when the server reported the error.
    pub fn as_db_error(&self) -> Option<&DbError> {
        self.0.db.as_deref()
    }

    /// The SQLSTATE code, when the server reported the error.
    pub fn code(&self) -> Option<&SqlState> {
        self.as_db_error().map(DbError::code)
    }

    /// True when the connection can no longer be used after this error.
    pub fn is_closed(&self) -> bool {
        matches!(
            self.0.kind,
            ErrorKind::Closed
                | ErrorKind::Io
                | ErrorKind::Decode
                | ErrorKind::Protocol
                | ErrorKind::Tls
        ) || self.as_db_error().is_some_and(DbError::is_fatal)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.0.kind);
        if let Some(m) = &self.0.message {
            d.field("message", m);
        }
        if let Some(db) = &self.0.db {
            d.field("db", db);
        }
        if let Some(s) = &self.0.source {
            d.field("source", s);
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(db) = &self.0.db {
            return fmt::Display::fmt(db, f);
        }
        f.write_str(self.0.kind.describe())?;
        if let Some(m) = &self.0.message {
            write!(f, ": {m}")?;
        }
        if let Some(s) = &self.0.source {
            write!(f, ": {s}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0.source {
            Some(s) => Some(&**s as &(dyn std::error::Error + 'static)),
            None => self.0.db.as_deref().map(|d| d as &(dyn std::error::Error + 'static)),
        }
    }
}

impl From<crate::protocol::DecodeError> for Error {
    fn from(e: crate::protocol::DecodeError) -> Self {
        Self::with_source(ErrorKind::Decode, "cannot decode server message", e)
    }
}

impl From<crate::protocol::EncodeError> for Error {
    fn from(e: crate::protocol::EncodeError) -> Self {
        Self::with_source(ErrorKind::Encode, "cannot encode message", e)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        let kind = match e.kind() {
            std::io::ErrorKind::TimedOut => ErrorKind::Timeout,
            std::io::ErrorKind::UnexpectedEof => ErrorKind::Closed,
            _ => ErrorKind::Io,
        };
        Self::with_source(kind, "socket error", e)
    }
}

/// A SQLSTATE error code (five characters), as PostgreSQL reports it.
///
/// Every code PostgreSQL defines is an associated constant, e.g. [`SqlState::UNIQUE_VIOLATION`].
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SqlState(Cow<'static, str>);

impl SqlState {
    /// A code from a `'static` string.
    pub const fn from_static(code: &'static str) -> Self {
        Self(Cow::Borrowed(code))
    }

    /// A code from any string (the server may send codes this version does not know).
    pub fn from_code(code: &str) -> Self {
        Self(Cow::Owned(code.to_owned()))
    }

    /// The five-character code.
    pub fn code(&self) -> &str {
        &self.0
    }

    /// The condition name PostgreSQL gives the code (`"unique_violation"`), when known.
    pub fn name(&self) -> Option<&'static str> {
        sqlstate::condition_name(&self.0)
    }

    /// The two-character class (`"23"` for integrity constraint violations).
    pub fn class(&self) -> &str {
        self.0.get(..2).unwrap_or(&self.0)
    }
}

impl fmt::Debug for SqlState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "SqlState({} {n})", self.0),
            None => write!(f, "SqlState({})", self.0),
        }
    }
}

impl fmt::Display for SqlState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where in the statement (or in an internal query) an error was found, in characters from 1.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorPosition {
    /// A position in the statement the client sent.
    Original(u32),
    /// A position in an internally generated query (e.g. inside a PL/pgSQL function).
    Internal {
        /// The position.
        position: u32,
        /// The internal query.
        query: String,
    },
}

/// The server's error (or notice) report: every field of an ErrorResponse or NoticeResponse.
///
/// See <https://www.postgresql.org/docs/current/protocol-error-fields.html>.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbError {
    severity: String,
    localized_severity: Option<String>,
    code: SqlState,
    message: String,
    detail: Option<String>,
    hint: Option<String>,
    position: Option<ErrorPosition>,
    where_: Option<String>,
    schema: Option<String>,
    table: Option<String>,
    column: Option<String>,
    datatype: Option<String>,
    constraint: Option<String>,
    file: Option<String>,
    line: Option<u32>,
    routine: Option<String>,
}

impl DbError {
    /// Builds the report from the message's fields. Text that is not UTF-8 (possible before the
    /// server applies `client_encoding`) is converted lossily. A missing SQLSTATE becomes `XX000`
    /// (internal_error), a missing message an empty string.
    pub fn from_fields(fields: &ErrorFields) -> Self {
        let text = |code: u8| fields.get(code).map(|b| String::from_utf8_lossy(b).into_owned());
        let number = |code: u8| text(code).and_then(|s| s.parse::<u32>().ok());
        let localized_severity = text(b'S');
        let severity = text(b'V').or_else(|| localized_severity.clone()).unwrap_or_default();
        let position = match (number(b'P'), number(b'p'), text(b'q')) {
            (Some(p), _, _) => Some(ErrorPosition::Original(p)),
            (None, Some(position), Some(query)) => {
                Some(ErrorPosition::Internal { position, query })
            }
            _ => None,
        };
        Self {
            severity,
            localized_severity,
            code: text(b'C').map_or(SqlState::INTERNAL_ERROR, |c| SqlState::from_code(&c)),
            message: text(b'M').unwrap_or_default(),
            detail: text(b'D'),
            hint: text(b'H'),
            position,
            where_: text(b'W'),
            schema: text(b's'),
            table: text(b't'),
            column: text(b'c'),
            datatype: text(b'd'),
            constraint: text(b'n'),
            file: text(b'F'),
            line: number(b'L'),
            routine: text(b'R'),
        }
    }

    /// `ERROR`, `FATAL`, `PANIC` (errors) or `WARNING`, `NOTICE`, `DEBUG`, `INFO`, `LOG`
    /// (notices); never localized.
    pub fn severity(&self) -> &str {
        &self.severity
    }
    /// The severity in the server's `lc_messages` language, when it sent one.
    pub fn localized_severity(&self) -> Option<&str> {
        self.localized_severity.as_deref()
    }
    /// The SQLSTATE code.
    pub fn code(&self) -> &SqlState {
        &self.code
    }
    /// The primary message.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The optional secondary message with more detail.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }
    /// An optional suggestion of what to do.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }
    /// Where the error is in the statement.
    pub fn position(&self) -> Option<&ErrorPosition> {
        self.position.as_ref()
    }
    /// The context: a call stack of PL functions, or a COPY line (`COPY t, line 3`).
    pub fn where_(&self) -> Option<&str> {
        self.where_.as_deref()
    }
    /// The schema of the object the error concerns.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }
    /// The table the error concerns.
    pub fn table(&self) -> Option<&str> {
        self.table.as_deref()
    }
    /// The column the error concerns.
    pub fn column(&self) -> Option<&str> {
        self.column.as_deref()
    }
    /// The data type the error concerns.
    pub fn datatype(&self) -> Option<&str> {
        self.datatype.as_deref()
    }
    /// The constraint the error concerns.
    pub fn constraint(&self) -> Option<&str> {
        self.constraint.as_deref()
    }
    /// The server source file that reported the error.
    pub fn file(&self) -> Option<&str> {
        self.file.as_deref()
    }
    /// The line in that file.
    pub fn line(&self) -> Option<u32> {
        self.line
    }
    /// The server routine that reported the error.
    pub fn routine(&self) -> Option<&str> {
        self.routine.as_deref()
    }
    /// True for `FATAL` and `PANIC`: the server closes the session after sending it.
    pub fn is_fatal(&self) -> bool {
        matches!(self.severity.as_str(), "FATAL" | "PANIC")
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} (SQLSTATE {})", self.severity, self.message, self.code)?;
        if let Some(d) = &self.detail {
            write!(f, "\nDETAIL: {d}")?;
        }
        if let Some(h) = &self.hint {
            write!(f, "\nHINT: {h}")?;
        }
        if let Some(w) = &self.where_ {
            write!(f, "\nCONTEXT: {w}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DbError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlstate_names_and_classes() {
        let s = SqlState::from_code("23505");
        assert_eq!(s, SqlState::UNIQUE_VIOLATION);
        assert_eq!(s.name(), Some("unique_violation"));
        assert_eq!(s.class(), "23");
        assert_eq!(SqlState::from_code("ZZ999").name(), None);
    }

    #[test]
    fn error_is_send_sync_and_cheap_to_clone() {
        fn check<T: Send + Sync + Clone + 'static>() {}
        check::<Error>();
    }
}
