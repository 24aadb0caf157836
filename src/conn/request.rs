//! [`RequestBuilder`]: the frontend messages of one request, queued all or nothing.

use std::collections::VecDeque;

use bytes::BytesMut;

use crate::error::Error;
use crate::protocol::frontend::{
    Bind, BindParams, Close, Describe, Execute, Flush, Parse, Query, Sync, Target,
};
use crate::protocol::{Format, Oid};

use super::event::RequestId;
use super::queue::{Expect, Pending};

/// Adds frontend messages to one request; see
/// [`ConnectionCore::send_request`](super::ConnectionCore::send_request).
///
/// Each method encodes its message into the core's write buffer and records the response it
/// is owed. If the closure passed to `send_request` fails, everything it added is removed.
pub struct RequestBuilder<'c> {
    req: RequestId,
    out: &'c mut BytesMut,
    pending: &'c mut VecDeque<Pending>,
    first: usize,
}

impl<'c> RequestBuilder<'c> {
    pub(crate) fn new(
        req: RequestId,
        out: &'c mut BytesMut,
        pending: &'c mut VecDeque<Pending>,
    ) -> Self {
        let first = pending.len();
        Self { req, out, pending, first }
    }

    /// The id the request will have.
    pub fn id(&self) -> RequestId {
        self.req
    }

    fn expect(&mut self, expect: Expect) {
        self.pending.push_back(Pending {
            req: self.req,
            expect,
            abandoned: false,
            rollback_if_abandoned: false,
        });
    }

    /// A simple-protocol Query (one or more statements, text results). A COPY FROM STDIN in it
    /// is refused with CopyFail; use [`copy_query`](Self::copy_query) to stream data.
    pub fn query(&mut self, sql: &str) -> Result<(), Error> {
        Query { sql }.encode(self.out)?;
        self.expect(Expect::SimpleQuery { copy_in: false });
        Ok(())
    }

    /// A simple-protocol Query that runs `COPY ... FROM STDIN` (or `TO STDOUT`): after
    /// [`Response::CopyIn`](super::Response::CopyIn) the caller streams data with
    /// `send_copy_data` and ends it with `send_copy_done` or `send_copy_fail`.
    pub fn copy_query(&mut self, sql: &str) -> Result<(), Error> {
        Query { sql }.encode(self.out)?;
        self.expect(Expect::SimpleQuery { copy_in: true });
        Ok(())
    }

    /// Parse: prepares `sql` as statement `name` (empty: the unnamed statement).
    pub fn parse(&mut self, name: &str, sql: &str, param_types: &[Oid]) -> Result<(), Error> {
        Parse { name, sql, param_types }.encode(self.out)?;
        self.expect(Expect::Parse);
        Ok(())
    }

    /// Bind: creates portal `portal` from statement `statement` with parameter values.
    pub fn bind<P>(
        &mut self,
        portal: &str,
        statement: &str,
        param_formats: &[Format],
        params: &P,
        result_formats: &[Format],
    ) -> Result<(), Error>
    where
        P: BindParams + ?Sized,
        Error: From<P::Error>,
    {
        Bind { portal, statement, param_formats, params, result_formats }.encode(self.out)?;
        self.expect(Expect::Bind);
        Ok(())
    }

    /// Describe of a prepared statement: ParameterDescription, then RowDescription or NoData.
    pub fn describe_statement(&mut self, name: &str) -> Result<(), Error> {
        Describe { target: Target::Statement, name }.encode(self.out)?;
        self.expect(Expect::DescribeStatement { got_params: false });
        Ok(())
    }

    /// Describe of a portal: RowDescription or NoData.
    pub fn describe_portal(&mut self, name: &str) -> Result<(), Error> {
        Describe { target: Target::Portal, name }.encode(self.out)?;
        self.expect(Expect::DescribePortal);
        Ok(())
    }

    /// Execute of a portal; `max_rows` 0 means all rows, otherwise the server stops with
    /// PortalSuspended after that many.
    pub fn execute(&mut self, portal: &str, max_rows: u32) -> Result<(), Error> {
        Execute { portal, max_rows }.encode(self.out)?;
        self.expect(Expect::Execute);
        Ok(())
    }

    /// Close of a prepared statement.
    pub fn close_statement(&mut self, name: &str) -> Result<(), Error> {
        Close { target: Target::Statement, name }.encode(self.out)?;
        self.expect(Expect::Close);
        Ok(())
    }

    /// Close of a portal.
    pub fn close_portal(&mut self, name: &str) -> Result<(), Error> {
        Close { target: Target::Portal, name }.encode(self.out)?;
        self.expect(Expect::Close);
        Ok(())
    }

    /// Sync: ends the sync group; the server answers ReadyForQuery (and commits an implicit
    /// transaction).
    pub fn sync(&mut self) -> Result<(), Error> {
        Sync.encode(self.out)?;
        self.expect(Expect::Sync);
        Ok(())
    }

    /// Flush: asks the server to send what it has so far, without ending the sync group.
    pub fn flush(&mut self) -> Result<(), Error> {
        Flush.encode(self.out)?;
        Ok(())
    }

    /// If this request is abandoned and leaves a transaction open when it completes (a `BEGIN`
    /// whose caller went away), the core rolls it back.
    pub fn rollback_if_abandoned(&mut self) {
        for p in self.pending.iter_mut().skip(self.first) {
            p.rollback_if_abandoned = true;
        }
    }
}
