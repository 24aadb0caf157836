//! What [`ConnectionCore::poll_event`](super::ConnectionCore::poll_event) hands out.

use bytes::Bytes;

use crate::protocol::TransactionStatus;
use crate::protocol::backend::{
    CommandComplete, CopyResponse, DataRow, ErrorFields, NotificationResponse,
    ParameterDescription, ParameterStatus, RowDescription,
};

/// Identifies one request sent through the core: every response event names the request it
/// answers. Ids increase in the order requests were sent, which is the order the server answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestId(pub(crate) u64);

impl RequestId {
    /// The id as a number (for logs).
    pub fn get(self) -> u64 {
        self.0
    }
}

/// One output of the core.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event {
    /// Startup: the server agreed to TLS (or direct TLS was asked for). The IO driver must now
    /// run the TLS handshake and call
    /// [`handle_tls_established`](super::ConnectionCore::handle_tls_established).
    StartTls,
    /// Startup is complete: authenticated, parameters received, the first ReadyForQuery seen.
    Ready,
    /// A notice or warning from the server (any time).
    Notice(ErrorFields),
    /// A `NOTIFY` on a channel this session listens to (any time).
    Notification(NotificationResponse),
    /// A server parameter changed (any time); the core's own copy is already updated.
    ParameterStatus(ParameterStatus),
    /// A response to a request.
    Response(RequestId, Response),
}

/// A response to one request, in the order the server sent it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Response {
    /// Parse succeeded.
    ParseComplete,
    /// Bind succeeded.
    BindComplete,
    /// Close succeeded.
    CloseComplete,
    /// The parameter types of a described statement.
    ParameterDescription(ParameterDescription),
    /// The result columns of a described statement or portal, or of a simple-query result.
    RowDescription(RowDescription),
    /// The described statement or portal returns no rows.
    NoData,
    /// One result row.
    DataRow(DataRow),
    /// A statement finished.
    CommandComplete(CommandComplete),
    /// The query string was empty.
    EmptyQuery,
    /// An Execute with a row limit stopped early; the portal can be executed again.
    PortalSuspended,
    /// The server is ready for COPY data (COPY FROM STDIN).
    CopyIn(CopyResponse),
    /// The server starts sending COPY data (COPY TO STDOUT).
    CopyOut(CopyResponse),
    /// A chunk of COPY TO STDOUT data.
    CopyData(Bytes),
    /// The end of COPY TO STDOUT data.
    CopyDone,
    /// The server reported an error for this request. Later messages of the same sync group
    /// are answered with [`Response::Aborted`].
    Error(ErrorFields),
    /// The server skipped this part of the request because an earlier part of the same sync
    /// group failed.
    Aborted,
    /// The request's Sync (or simple query) is done: the server is ready again.
    ReadyForQuery(TransactionStatus),
}
