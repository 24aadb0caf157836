//! The request queue: what the server still owes, in the order it will answer.
//!
//! Every frontend message that the server answers pushes one [`Pending`] entry when it is
//! queued for sending; every backend message that answers one pops or advances the entry at the
//! front. Rules from the protocol chapter that this module implements:
//! - "When an error is detected while processing any extended-query message, the backend issues
//!   ErrorResponse, then reads and discards messages until a Sync is reached": every entry after
//!   the failed one, up to the next Sync, is answered by the core itself with
//!   [`Response::Aborted`](super::Response::Aborted). That includes simple queries queued in
//!   between, which the server skips too.
//! - A simple Query is its own sync point: its error does not skip anything after it.

use super::event::RequestId;

/// What the server owes for one frontend message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Expect {
    /// A simple Query: results until ReadyForQuery. `copy_in` says the caller is ready to
    /// stream COPY FROM STDIN data.
    SimpleQuery {
        copy_in: bool,
    },
    Parse,
    Bind,
    /// Describe of a statement: ParameterDescription, then RowDescription or NoData.
    DescribeStatement {
        got_params: bool,
    },
    DescribePortal,
    Execute,
    Close,
    Sync,
}

impl Expect {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::SimpleQuery { .. } => "results of a simple query",
            Self::Parse => "ParseComplete",
            Self::Bind => "BindComplete",
            Self::DescribeStatement { got_params: false } => "ParameterDescription",
            Self::DescribeStatement { got_params: true } | Self::DescribePortal => {
                "RowDescription or NoData"
            }
            Self::Execute => "the results of Execute",
            Self::Close => "CloseComplete",
            Self::Sync => "ReadyForQuery",
        }
    }
}

/// One entry of the queue.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pending {
    pub(crate) req: RequestId,
    pub(crate) expect: Expect,
    /// The caller gave up on this request: its responses are consumed silently.
    pub(crate) abandoned: bool,
    /// When the request is abandoned and leaves a transaction open, roll it back.
    pub(crate) rollback_if_abandoned: bool,
}
