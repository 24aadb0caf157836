//! How statements travel and how their responses become results: shared by the async and the
//! blocking connection so both behave identically.
//!
//! A statement with parameters goes as Parse (unnamed) + Bind + Describe (portal) + Execute +
//! Sync in one write: its first execution costs one round trip, never a separate prepare trip.
//! Results are requested in binary (one format code for all columns), the format every loader
//! reads. `batch_execute` uses the simple protocol, which allows several statements.

use std::sync::Arc;

use crate::error::{DbError, Error, ErrorKind};
use crate::protocol::backend::CommandComplete;
use crate::protocol::{Format, Oid, TransactionStatus};
use crate::types::oid::FIRST_NORMAL_OID;
use crate::types::{AdaptersMap, BindAdapter, Columns, FromRow, Params, Row, type_label};

use super::cache::{DEFAULT_PREPARE_THRESHOLD, Plan, StatementCache};
use super::config::Config;
use super::core::{ConnectionCore, RequestSink};
use super::event::{RequestId, Response};

/// The result formats asked for: binary for every column.
const RESULT_FORMATS: &[Format] = &[Format::Binary];

/// Per-connection execution state: the statement cache and buffers reused from one statement
/// to the next, so a statement allocates nothing for its parameter types and formats.
#[derive(Debug)]
pub(crate) struct Exec {
    types: Vec<Oid>,
    formats: Vec<Format>,
    cache: StatementCache,
    /// `pgtusk_<session tag>_`: the prefix of every statement name this connection creates.
    prefix: Arc<str>,
    next_explicit: u64,
    /// Sync groups queued so far (see [`StatementCache::plan`]).
    group: u64,
    /// The connection's registered types, handed to every result's columns.
    adapters: AdaptersMap,
}

/// How an execution used the statement cache, for [`Exec::finish`].
#[derive(Debug, Clone, Default)]
pub(crate) enum Ticket {
    #[default]
    None,
    Prepare(Arc<str>),
    Cached(Arc<str>),
}

impl Exec {
    /// The execution state for a connection made with `config`. `session_tag` (random bits
    /// from the IO driver) makes statement names unique to this session.
    pub(crate) fn new(config: &Config, session_tag: u64) -> Self {
        let (size, threshold) = if config.get_pooler_mode() {
            (0, 0)
        } else {
            (
                config.get_statement_cache_size(),
                config.get_prepare_threshold().unwrap_or(DEFAULT_PREPARE_THRESHOLD),
            )
        };
        let prefix: Arc<str> = format!("pgtusk_{session_tag:016x}_").into();
        Self {
            types: Vec::new(),
            formats: Vec::new(),
            cache: StatementCache::new(size, threshold, prefix.clone()),
            prefix,
            next_explicit: 1,
            group: 0,
            adapters: AdaptersMap::global().copy(),
        }
    }

    /// The connection's registered types.
    pub(crate) fn adapters(&self) -> &AdaptersMap {
        &self.adapters
    }

    /// A collector for one request, whose rows load with the connection's registered types.
    pub(crate) fn collector(&self) -> Collector {
        Collector { types: Some(self.adapters.clone()), ..Collector::default() }
    }

    /// A collector for a multi-statement simple query.
    pub(crate) fn multi_collector(&self) -> MultiCollector {
        MultiCollector { inner: self.collector(), ..MultiCollector::default() }
    }

    /// Records that a Sync was queued: the sync group ends.
    pub(crate) fn note_sync(&mut self) {
        self.group += 1;
    }

    /// A fresh name for a server-side cursor.
    pub(crate) fn cursor_name(&mut self) -> String {
        let name = format!("{}k{}", self.prefix, self.next_explicit);
        self.next_explicit += 1;
        name
    }

    /// A fresh name for an explicitly prepared statement.
    pub(crate) fn explicit_name(&mut self) -> String {
        let name = format!("{}s{}", self.prefix, self.next_explicit);
        self.next_explicit += 1;
        name
    }

    /// Queues a statement and returns its request with the collector for its responses.
    pub(crate) fn send<P: Params + ?Sized>(
        &mut self,
        core: &mut impl RequestSink,
        statement: StatementRef<'_>,
        params: &P,
    ) -> Result<(RequestId, Collector), Error> {
        self.send_item(core, statement, params, true, 0)
    }

    /// Like [`send`](Self::send); without `sync` the request joins the current sync group
    /// (pipeline mode) and the caller sends the Sync later.
    pub(crate) fn send_item<P: Params + ?Sized>(
        &mut self,
        core: &mut impl RequestSink,
        statement: StatementRef<'_>,
        params: &P,
        sync: bool,
        max_rows: u32,
    ) -> Result<(RequestId, Collector), Error> {
        self.formats.clear();
        params.param_formats(&mut self.formats);
        let formats = &self.formats;
        let (plan, sql) = match statement {
            StatementRef::Sql(sql) => {
                self.types.clear();
                params.param_types(&mut self.types);
                (self.cache.plan(sql, &self.types, self.group), sql)
            }
            StatementRef::Prepared(stmt) => {
                check_param_types(&stmt.param_types, params)?;
                (Plan::Cached { name: stmt.name.clone(), columns: stmt.columns.clone() }, "")
            }
        };
        let to_close = self.cache.take_to_close();
        let types = &self.types;
        let sent = core.submit(|r| {
            for name in &to_close {
                r.close_statement(name)?;
            }
            let adapter = BindAdapter(params);
            match &plan {
                Plan::Unnamed | Plan::Prepare { .. } => {
                    let name = match &plan {
                        Plan::Prepare { name } => name,
                        _ => "",
                    };
                    r.parse(name, sql, types)?;
                    r.bind("", name, formats, &adapter, RESULT_FORMATS)?;
                    r.describe_portal("")?;
                }
                Plan::Pending { name } => {
                    r.bind("", name, formats, &adapter, RESULT_FORMATS)?;
                    r.describe_portal("")?;
                }
                Plan::Cached { name, .. } => r.bind("", name, formats, &adapter, RESULT_FORMATS)?,
            }
            r.execute("", max_rows)?;
            if sync { r.sync() } else { Ok(()) }
        });
        let req = self.sent(sent, to_close, &plan)?;
        if sync {
            self.note_sync();
        }
        let collector = match plan {
            Plan::Unnamed => self.collector(),
            Plan::Prepare { name } => {
                Collector { ticket: Ticket::Prepare(name), ..self.collector() }
            }
            // Bind + Execute only: no RowDescription will come, so the registered types (already
            // in the cached columns) need not travel with the collector.
            Plan::Cached { name, columns } => {
                Collector { preset: columns, ticket: Ticket::Cached(name), ..Collector::default() }
            }
            Plan::Pending { name } => {
                Collector { ticket: Ticket::Cached(name), ..self.collector() }
            }
        };
        Ok((req, collector))
    }

    /// Queues one statement for many parameter sets: Parse once (unless cached), then Bind +
    /// Execute per set, and one Sync, so the whole batch is one round trip and one implicit
    /// transaction (all or nothing). Every set must have the parameter types of the first.
    pub(crate) fn send_many<P: Params>(
        &mut self,
        core: &mut impl RequestSink,
        sql: &str,
        rows: &[P],
    ) -> Result<(RequestId, Collector), Error> {
        let Some(first) = rows.first() else {
            return Err(Error::misuse("execute_many needs at least one parameter set"));
        };
        self.types.clear();
        first.param_types(&mut self.types);
        // A batch has no Describe to learn result columns from, so it does not prepare new
        // statements itself; it uses one the cache already has.
        let plan = match self.cache.plan(sql, &self.types, self.group) {
            Plan::Prepare { name } => {
                self.cache.prepared(&name, false, None);
                Plan::Unnamed
            }
            plan => plan,
        };
        let to_close = self.cache.take_to_close();
        let (types, formats) = (&self.types, &mut self.formats);
        let sent = core.submit(|r| {
            for name in &to_close {
                r.close_statement(name)?;
            }
            let name: &str = match &plan {
                Plan::Unnamed => "",
                Plan::Prepare { name } | Plan::Cached { name, .. } | Plan::Pending { name } => name,
            };
            if matches!(plan, Plan::Unnamed | Plan::Prepare { .. }) {
                r.parse(name, sql, types)?;
            }
            for params in rows {
                formats.clear();
                params.param_formats(formats);
                r.bind("", name, formats, &BindAdapter(params), RESULT_FORMATS)?;
                r.execute("", 0)?;
            }
            r.sync()
        });
        let req = self.sent(sent, to_close, &plan)?;
        self.note_sync();
        let ticket = match plan {
            Plan::Unnamed => Ticket::None,
            Plan::Prepare { name } => Ticket::Prepare(name),
            Plan::Cached { name, .. } | Plan::Pending { name } => Ticket::Cached(name),
        };
        Ok((req, Collector { ticket, ..self.collector() }))
    }

    /// After queueing a request planned by the cache: when it could not be queued, the
    /// statements it was to close and the statement it was to prepare go back to the cache.
    fn sent(
        &mut self,
        sent: Result<RequestId, Error>,
        to_close: Vec<Arc<str>>,
        plan: &Plan,
    ) -> Result<RequestId, Error> {
        sent.inspect_err(|_| {
            self.cache.restore_to_close(to_close);
            if let Plan::Prepare { name } = plan {
                self.cache.prepared(name, false, None);
            }
        })
    }

    /// Ends a request: updates the cache from its outcome and returns its result. When the
    /// failure is one a fresh preparation fixes (see the cache's module docs) and no
    /// transaction is open, `collector.retry` is set: run the call once more.
    pub(crate) fn finish(
        &mut self,
        collector: &mut Collector,
        status: TransactionStatus,
    ) -> Result<(), Error> {
        if collector.forget_all {
            self.cache.clear();
        }
        let error = collector.error.take();
        let code = error.as_ref().and_then(|e| e.code()).map(|c| c.code().to_owned());
        match (&collector.ticket, code.as_deref()) {
            (Ticket::Prepare(name), _) => {
                let parsed = collector.parsed;
                let columns = if parsed { collector.columns.clone() } else { None };
                self.cache.prepared(name, parsed, columns);
                if code.as_deref() == Some("0A000") {
                    self.cache.invalidate(name);
                }
            }
            (Ticket::Cached(name), Some("0A000")) => self.cache.invalidate(name),
            (Ticket::Cached(_), Some("26000")) => self.cache.clear(),
            _ => {}
        }
        let retry_code = matches!(code.as_deref(), Some("0A000" | "26000"));
        collector.retry = retry_code
            && !collector.retried
            && !matches!(collector.ticket, Ticket::None)
            && status == TransactionStatus::Idle;
        match error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Refuses parameters that do not fit a prepared statement: a wrong count, or a binary value
/// of another type than the parameter's. The server reads binary bytes as its own type, which
/// is an error at best and a wrong value at worst (8 bytes of `float8` read as `int8`).
/// Types created by users (domains, enums...) cannot be checked here and pass, as do values in
/// text format, which the server parses.
fn check_param_types<P: Params + ?Sized>(expected: &[Oid], params: &P) -> Result<(), Error> {
    if expected.len() != params.len() {
        return Err(Error::misuse(format!(
            "the statement takes {} parameters, {} were given",
            expected.len(),
            params.len()
        )));
    }
    for (i, &want) in expected.iter().enumerate() {
        let have = params.type_oid(i);
        let fits = params.format(i) == Format::Text
            || have == 0
            || have == want
            || want >= FIRST_NORMAL_OID
            || have >= FIRST_NORMAL_OID
            || same_binary_form(want, have);
        if !fits {
            return Err(Error::conversion(format!(
                "parameter ${} is {}, but the statement expects {}",
                i + 1,
                type_label(have),
                type_label(want)
            )));
        }
    }
    Ok(())
}

/// Built-in types that share one binary form: the OID-like integers, and the strings.
fn same_binary_form(a: Oid, b: Oid) -> bool {
    use crate::types::oid::*;
    let family = |t: Oid| match t {
        OID | REGPROC | REGPROCEDURE | REGOPER | REGOPERATOR | REGCLASS | REGTYPE | REGCONFIG
        | REGDICTIONARY | REGNAMESPACE | REGROLE | REGCOLLATION => 1,
        TEXT | VARCHAR | BPCHAR | NAME => 2,
        _ => 0,
    };
    family(a) != 0 && family(a) == family(b)
}

/// A streamed result, as both row streams (async and blocking) drive it: its request (a new
/// one for each portal batch), collector and batch size, and whether it ended.
pub(crate) struct RowFeed {
    pub(crate) req: RequestId,
    collector: Collector,
    /// Rows per portal batch (0: all at once).
    batch: u32,
    done: bool,
}

impl RowFeed {
    pub(crate) fn new(req: RequestId, collector: Collector, batch: u32) -> Self {
        RowFeed { req, collector, batch, done: false }
    }

    /// True once the end or an error was handed out.
    pub(crate) fn is_done(&self) -> bool {
        self.done
    }

    /// Rows affected, from the command tag (known at the end).
    pub(crate) fn rows_affected(&self) -> u64 {
        self.collector.rows_affected()
    }

    /// The next row read in place from the read buffer ([`FromRow::from_data_row_in_place`]),
    /// when a complete DataRow of the stream's request is at its front and `T` reads rows
    /// that way; `None`: go through [`on_response`](Self::on_response) as usual. The same
    /// row (or error, which ends the stream) the usual path would have produced, without
    /// cutting the message out of the buffer or building an event for it.
    #[inline]
    pub(crate) fn next_in_place<T: FromRow>(
        &mut self,
        core: &mut ConnectionCore,
    ) -> Option<Result<T, Error>> {
        if !T::READS_IN_PLACE {
            return None;
        }
        let columns = self.collector.row_columns()?;
        let body = core.peek_data_row(self.req)?;
        let body_len = body.len();
        let item = T::from_data_row_in_place(columns, body)?;
        core.consume_data_row(body_len);
        if item.is_err() {
            self.done = true;
        }
        Some(item)
    }

    /// Handles one response of the stream's request (or the error reading it), with `in_flight`
    /// the connection's record of the request it waits for. `Some(item)` is what the stream
    /// hands out (`Some(None)`: the end); `None`: read the next response. A suspended portal
    /// is asked for its next batch here.
    pub(crate) fn on_response<T: FromRow>(
        &mut self,
        response: Result<Response, Error>,
        exec: &mut Exec,
        core: &mut ConnectionCore,
        in_flight: &mut Option<RequestId>,
    ) -> Option<Option<Result<T, Error>>> {
        let step = response.and_then(|r| self.collector.on_response_as(r));
        match step {
            Ok(Step::Continue) => None,
            Ok(Step::Row(row)) => Some(Some(Ok(row))),
            Ok(Step::Done) if self.collector.suspended && self.batch > 0 => {
                // The portal stopped at its row limit: ask for the next batch.
                self.collector.suspended = false;
                match send_portal_batch(core, self.batch) {
                    Ok(req) => {
                        self.req = req;
                        *in_flight = Some(req);
                        None
                    }
                    Err(e) => {
                        self.done = true;
                        Some(Some(Err(e)))
                    }
                }
            }
            Ok(Step::Done) => {
                self.done = true;
                *in_flight = None;
                let status = core.transaction_status();
                Some(exec.finish(&mut self.collector, status).err().map(Err))
            }
            Err(e) => {
                self.done = true;
                Some(Some(Err(e)))
            }
        }
    }
}

/// Queues the next batch of a suspended portal (the unnamed one): Execute with a row limit,
/// then Sync (inside a transaction block the portal survives the Sync).
pub(crate) fn send_portal_batch(
    core: &mut ConnectionCore,
    max_rows: u32,
) -> Result<RequestId, Error> {
    core.send_request(|r| {
        r.execute("", max_rows)?;
        r.sync()
    })
}

/// Queues a Parse + Describe of `sql` as statement `name` (explicit `prepare`), with a Sync
/// unless it is a pipeline item.
pub(crate) fn send_prepare(
    core: &mut ConnectionCore,
    name: &str,
    sql: &str,
    types: &[Oid],
    sync: bool,
) -> Result<RequestId, Error> {
    core.submit(|r| {
        r.parse(name, sql, types)?;
        r.describe_statement(name)?;
        if sync { r.sync() } else { Ok(()) }
    })
}

/// What one response meant for the caller.
pub(crate) enum Step<T = Row> {
    /// Nothing to hand out yet.
    Continue,
    /// A result row, as a [`Row`] or built straight from the DataRow ([`FromRow::from_data_row`]).
    Row(T),
    /// The request is complete (its ReadyForQuery arrived).
    Done,
}

/// Turns the responses of one request into rows, a row count and the first error.
#[derive(Default)]
pub(crate) struct Collector {
    /// The connection's registered types, for the result's columns.
    types: Option<AdaptersMap>,
    columns: Option<Arc<Columns>>,
    /// Column descriptions given up front (a prepared statement's Bind has no Describe).
    preset: Option<Arc<Columns>>,
    /// Rows reported by the command tags before the last one (`last_complete`'s count is read
    /// from its tag only when asked for).
    rows_before_last: u64,
    error: Option<Error>,
    /// Parameter types of a Describe statement.
    param_types: Box<[Oid]>,
    /// How this execution used the statement cache.
    ticket: Ticket,
    /// ParseComplete was received (the named statement exists).
    parsed: bool,
    /// A command tag said the server forgot its prepared statements.
    forget_all: bool,
    /// The last command tag.
    last_complete: Option<CommandComplete>,
    /// The portal stopped at its row limit: more rows can be fetched with Execute.
    pub(crate) suspended: bool,
    /// The transaction status of the request's ReadyForQuery.
    status: Option<TransactionStatus>,
    /// Set by [`Exec::finish`]: run the call once more.
    pub(crate) retry: bool,
    /// This run is already the retry.
    pub(crate) retried: bool,
}

impl Collector {
    /// Handles one response of the request.
    pub(crate) fn on_response(&mut self, r: Response) -> Result<Step, Error> {
        self.on_response_as(r)
    }

    /// Handles one response of the request, building rows as `T`.
    pub(crate) fn on_response_as<T: FromRow>(&mut self, r: Response) -> Result<Step<T>, Error> {
        match r {
            Response::RowDescription(d) => {
                self.columns = Some(Columns::describe(&d, self.types.as_ref()));
            }
            Response::NoData => self.columns = None,
            Response::ParameterDescription(d) => self.param_types = d.types().collect(),
            Response::DataRow(data) => {
                let columns = self
                    .row_columns()
                    .ok_or_else(|| Error::protocol("DataRow without a row description"))?;
                return Ok(Step::Row(T::from_data_row(columns, data)?));
            }
            Response::ParseComplete => self.parsed = true,
            Response::PortalSuspended => self.suspended = true,
            Response::CommandComplete(c) => self.complete(c),
            // The first error of a request is the one reported.
            Response::Error(fields) if self.error.is_none() => {
                self.error = Some(Error::db(DbError::from_fields(&fields)));
            }
            Response::Aborted if self.error.is_none() => {
                self.error = Some(Error::new(ErrorKind::Aborted, "statement was not executed"));
            }
            Response::CopyIn(_) | Response::CopyOut(_) if self.error.is_none() => {
                self.error = Some(Error::misuse(
                    "COPY is not supported by this method; use copy_in or copy_out",
                ));
            }
            Response::ReadyForQuery(status) => {
                self.status = Some(status);
                return Ok(Step::Done);
            }
            _ => {}
        }
        Ok(Step::Continue)
    }

    /// The columns the request's rows have: from its RowDescription, else given up front.
    #[inline]
    fn row_columns(&self) -> Option<&Arc<Columns>> {
        self.columns.as_ref().or(self.preset.as_ref())
    }

    /// The error recorded so far, if any.
    pub(crate) fn take_error(&mut self) -> Option<Error> {
        self.error.take()
    }

    /// The transaction status the request ended with (Idle before it ended).
    pub(crate) fn status(&self) -> TransactionStatus {
        self.status.unwrap_or(TransactionStatus::Idle)
    }

    /// The last command tag received (`"COMMIT"`, `"INSERT 0 1"`...).
    pub(crate) fn last_tag(&self) -> Option<&str> {
        self.last_complete.as_ref().map(CommandComplete::tag)
    }

    fn complete(&mut self, c: CommandComplete) {
        let tag = c.tag_bytes();
        if tag == b"DISCARD ALL" || tag.starts_with(b"DEALLOCATE") {
            self.forget_all = true;
        }
        if let Some(n) = self.last_complete.take().and_then(|last| last.rows()) {
            self.rows_before_last += n;
        }
        self.last_complete = Some(c);
    }

    /// Rows reported by the command tags (INSERT/UPDATE/DELETE/SELECT/...).
    pub(crate) fn rows_affected(&self) -> u64 {
        self.rows_before_last + self.last_complete.as_ref().and_then(|c| c.rows()).unwrap_or(0)
    }
}

/// Checks the number of rows of `query_one` (exactly one): `first` is the first row of
/// `count`.
pub(crate) fn exactly_one(first: Option<Row>, count: usize) -> Result<Row, Error> {
    match first {
        Some(row) if count == 1 => Ok(row),
        _ => Err(Error::new(
            ErrorKind::RowCount,
            format!("query returned {count} rows, expected exactly one"),
        )),
    }
}

/// Checks the number of rows of `query_opt` (zero or one).
pub(crate) fn at_most_one(first: Option<Row>, count: usize) -> Result<Option<Row>, Error> {
    if count > 1 {
        return Err(Error::new(
            ErrorKind::RowCount,
            format!("query returned {count} rows, expected at most one"),
        ));
    }
    Ok(first)
}

/// Checks the answer to `COMMIT`: a transaction that had already failed answers with the tag
/// `ROLLBACK`, which must not pass for a successful commit.
pub(crate) fn check_commit(tag: Option<&str>) -> Result<(), Error> {
    if tag == Some("ROLLBACK") {
        return Err(Error::new(
            ErrorKind::Aborted,
            "COMMIT rolled the transaction back: a statement in it had failed",
        ));
    }
    Ok(())
}

/// Loads the single value of `query_scalar`'s row.
pub(crate) fn scalar<T: for<'a> crate::types::Loader<'a>>(row: Row) -> Result<T, Error> {
    if row.len() != 1 {
        return Err(Error::new(
            ErrorKind::RowCount,
            format!("query_scalar needs one column, the query returned {}", row.len()),
        ));
    }
    row.try_get(0)
}

/// A prepared statement: its name on the server, its parameter types and result columns.
#[derive(Clone, Debug)]
pub struct Statement {
    pub(crate) name: Arc<str>,
    pub(crate) param_types: Arc<[Oid]>,
    pub(crate) columns: Option<Arc<Columns>>,
}

impl Statement {
    /// The statement's name on the server.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The parameter types the server inferred or was given.
    pub fn param_types(&self) -> &[Oid] {
        &self.param_types
    }

    /// The result columns (empty for a statement that returns no rows).
    pub fn columns(&self) -> &[crate::types::Column] {
        self.columns.as_deref().map_or(&[], |c| c.as_slice())
    }
}

/// Builds the `Statement` after its Parse + Describe completed. Result columns are marked
/// binary, the format Bind asks for.
pub(crate) fn statement_from(name: String, collector: &Collector) -> Statement {
    // A Describe of a statement reports every column as text: the formats are chosen at Bind,
    // which asks for binary.
    let columns = collector.columns.as_deref().map(|c| Arc::new(c.with_format(Format::Binary)));
    Statement { name: name.into(), param_types: Arc::from(&*collector.param_types), columns }
}

/// Anything that names a statement to run: SQL text, or a [`Statement`] from `prepare`.
pub trait ToStatement: sealed::Sealed {
    #[doc(hidden)]
    fn statement_ref(&self) -> StatementRef<'_>;
}

/// What a [`ToStatement`] names (an implementation detail of the trait).
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub enum StatementRef<'a> {
    /// SQL text, sent with Parse each time (or through the statement cache).
    Sql(&'a str),
    /// A statement prepared by `prepare`.
    Prepared(&'a Statement),
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for str {}
    impl Sealed for String {}
    impl Sealed for super::Statement {}
    impl Sealed for crate::sql::Composed {}
    impl<T: Sealed + ?Sized> Sealed for &T {}
}

impl ToStatement for str {
    fn statement_ref(&self) -> StatementRef<'_> {
        StatementRef::Sql(self)
    }
}

impl ToStatement for String {
    fn statement_ref(&self) -> StatementRef<'_> {
        StatementRef::Sql(self)
    }
}

impl ToStatement for Statement {
    fn statement_ref(&self) -> StatementRef<'_> {
        StatementRef::Prepared(self)
    }
}

/// Composed SQL text ([`crate::sql`]).
impl ToStatement for crate::sql::Composed {
    fn statement_ref(&self) -> StatementRef<'_> {
        StatementRef::Sql(self.as_str())
    }
}

impl<T: ToStatement + ?Sized> ToStatement for &T {
    fn statement_ref(&self) -> StatementRef<'_> {
        (**self).statement_ref()
    }
}

/// One statement's result in a simple query that ran several (`query_multi`): its rows (in
/// text format, as the simple protocol sends them), its command tag and row count.
#[derive(Debug, Clone)]
pub struct ResultSet {
    rows: Vec<Row>,
    columns: Option<Arc<Columns>>,
    tag: String,
    rows_affected: Option<u64>,
}

impl ResultSet {
    /// The rows (empty for statements that return none).
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Takes the rows out.
    pub fn into_rows(self) -> Vec<Row> {
        self.rows
    }

    /// The result columns, for statements that return rows.
    pub fn columns(&self) -> &[crate::types::Column] {
        self.columns.as_deref().map_or(&[], |c| c.as_slice())
    }

    /// The command tag (`"INSERT 0 3"`, `"SELECT 2"`, `"CREATE TABLE"`...).
    pub fn command_tag(&self) -> &str {
        &self.tag
    }

    /// The row count the tag reports, for commands that report one.
    pub fn rows_affected(&self) -> Option<u64> {
        self.rows_affected
    }
}

/// Splits the responses of a multi-statement simple query into [`ResultSet`]s.
#[derive(Default)]
pub(crate) struct MultiCollector {
    pub(crate) sets: Vec<ResultSet>,
    columns: Option<Arc<Columns>>,
    rows: Vec<Row>,
    pub(crate) inner: Collector,
}

impl MultiCollector {
    /// Handles one response; true when the request is complete.
    pub(crate) fn on_response(&mut self, r: Response) -> Result<bool, Error> {
        match r {
            Response::RowDescription(d) => {
                self.columns = Some(Columns::describe(&d, self.inner.types.as_ref()));
                self.rows.clear();
            }
            Response::DataRow(data) => {
                let columns = self
                    .columns
                    .clone()
                    .ok_or_else(|| Error::protocol("DataRow without a row description"))?;
                self.rows.push(Row::new(columns, data)?);
            }
            Response::CommandComplete(c) => {
                self.sets.push(ResultSet {
                    rows: std::mem::take(&mut self.rows),
                    columns: self.columns.take(),
                    tag: c.tag().to_owned(),
                    rows_affected: c.rows(),
                });
                self.inner.on_response(Response::CommandComplete(c))?;
            }
            other => {
                if let Step::Done = self.inner.on_response(other)? {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }
}
