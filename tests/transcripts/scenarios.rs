//! The transcript scenarios, shared by the recorder (`examples/record_transcript.rs`) and the
//! replay test (`tests/transcript.rs`), which both include this file with `#[path]`.
//!
//! A scenario is a fixed session: a role, a password, and a list of steps. The [`Driver`]
//! reacts to the core's events the same way whether the bytes come from a live server or from
//! a recording: it sends the first step on [`Event::Ready`], streams COPY data on
//! [`Response::CopyIn`], moves on to the next step once no request is pending, and sends
//! Terminate after the last. Given the same server bytes, the core therefore transmits the
//! same bytes, which is what makes a recording replayable (together with the fixed SCRAM
//! client nonce, [`CLIENT_NONCE`]).
//!
//! [`summary`] turns an event into one stable line of text: the `.events` files are made of
//! them, and the replay test compares its own summaries with those lines.

use std::fmt::Write as _;

use bytes::Bytes;
use pgtusk::Error;
use pgtusk::conn::{ConnectionCore, Event, RequestBuilder, Response, StartupConfig, TlsStart};
use pgtusk::protocol::auth::ChannelBinding;
use pgtusk::protocol::{Format, ProtocolVersion};

/// The SCRAM client nonce of every recorded session (the core takes its randomness from the
/// config, so a fixed nonce makes SCRAM replay byte for byte).
pub const CLIENT_NONCE: [u8; 18] = *b"pgtusk-transcripts";

/// The PostgreSQL major versions recorded.
pub const MAJORS: [u32; 2] = [15, 18];

/// One request: the frontend messages it adds.
pub type Build = fn(&mut RequestBuilder<'_>) -> Result<(), Error>;

/// One step of a scenario. The next step starts once every request of this one is answered.
pub enum Step {
    /// A simple-protocol Query.
    Simple(&'static str),
    /// A `COPY ... FROM STDIN` query: once the server is ready for data, `rows` are sent as
    /// one CopyData each, then CopyDone.
    CopyIn {
        /// The COPY statement.
        sql: &'static str,
        /// The data, one CopyData message each.
        rows: &'static [&'static str],
    },
    /// Requests queued together (one write, one round trip).
    Batch(Vec<Build>),
}

/// A recorded session.
pub struct Scenario {
    /// The scenario's name, the stem of its files.
    pub name: &'static str,
    /// The role to log in as.
    pub user: &'static str,
    /// Its password.
    pub password: Option<&'static str>,
    /// What the session does after startup.
    pub steps: Vec<Step>,
}

impl Scenario {
    /// The startup configuration: no TLS, protocol 3.2 asked for (PostgreSQL 15 negotiates
    /// 3.0), the fixed nonce.
    pub fn config(&self) -> StartupConfig {
        StartupConfig {
            user: self.user.to_owned(),
            database: Some("postgres".to_owned()),
            password: self.password.map(|p| p.as_bytes().to_vec()),
            params: vec![("application_name".to_owned(), "pgtusk-transcript".to_owned())],
            tls: TlsStart::None,
            channel_binding: ChannelBinding::Prefer,
            require_auth: Default::default(),
            min_protocol: ProtocolVersion::V3_0,
            max_protocol: ProtocolVersion::V3_2,
            client_nonce: CLIENT_NONCE,
            max_message_len: 0,
        }
    }

    /// The files of this scenario's recording from PostgreSQL `major`, without extension
    /// (`<name>-pg<major>`): `.bin` (server bytes), `.client.bin` (client bytes), `.events`.
    pub fn stem(&self, major: u32) -> String {
        format!("{}-pg{major}", self.name)
    }
}

/// The query every startup scenario runs once it is in.
const WHO_AM_I: &str = "SELECT current_user, session_user";

/// Every scenario, in recording order.
pub fn scenarios() -> Vec<Scenario> {
    let startup = |name, user, password| Scenario {
        name,
        user,
        password,
        steps: vec![Step::Simple(WHO_AM_I)],
    };
    let trusted = |name, steps| Scenario { name, user: "trust_user", password: None, steps };
    vec![
        startup("startup_trust", "trust_user", None),
        startup("startup_password", "password_user", Some("password_user_pw")),
        startup("startup_md5", "md5_user", Some("md5_user_pw")),
        startup("startup_scram", "scram_user", Some("scram_user_pw")),
        trusted(
            "simple_query",
            vec![
                Step::Simple(
                    "SELECT g AS n, 'row ' || g AS label, NULL::int4 AS nothing \
                     FROM generate_series(1, 3) g",
                ),
                Step::Simple(""),
                Step::Simple(
                    "SELECT 1 AS one; SELECT 'two' AS two; \
                     CREATE TEMP TABLE multi (a int4); INSERT INTO multi VALUES (1), (2)",
                ),
            ],
        ),
        trusted(
            "extended_query",
            vec![
                Step::Batch(vec![|r| {
                    r.parse(
                        "",
                        "SELECT $1::int4 + 1 AS n, $2::text AS t, $3::text AS missing",
                        &[],
                    )?;
                    let params = [Some(&b"41"[..]), Some(b"hello"), None];
                    r.bind("", "", &[Format::Text], &params, &[Format::Binary])?;
                    r.describe_portal("")?;
                    r.execute("", 0)?;
                    r.sync()
                }]),
                Step::Batch(vec![|r| {
                    r.parse("stmt1", "SELECT g FROM generate_series(1, $1::int4) g", &[23])?;
                    r.describe_statement("stmt1")?;
                    r.sync()
                }]),
                Step::Batch(vec![|r| {
                    r.bind("p1", "stmt1", &[Format::Text], &[Some(&b"3"[..])], &[Format::Text])?;
                    r.execute("p1", 2)?;
                    r.execute("p1", 0)?;
                    r.close_portal("p1")?;
                    r.close_statement("stmt1")?;
                    r.sync()
                }]),
            ],
        ),
        trusted(
            "pipeline_error",
            vec![
                Step::Batch(vec![
                    |r| statement(r, "SELECT 1 AS first"),
                    |r| statement(r, "SELECT 10 / (g - 1) AS second FROM generate_series(1, 1) g"),
                    |r| statement(r, "SELECT 3 AS third"),
                    |r| r.sync(),
                ]),
                Step::Batch(vec![|r| {
                    statement(r, "SELECT 'after' AS status")?;
                    r.sync()
                }]),
            ],
        ),
        trusted(
            "copy_in",
            vec![
                Step::Simple("CREATE TEMP TABLE copy_in_t (id int4, name text)"),
                Step::CopyIn {
                    sql: "COPY copy_in_t FROM STDIN",
                    rows: &["1\tone\n", "2\ttwo\n", "3\t\\N\n"],
                },
                Step::Simple("SELECT id, name FROM copy_in_t ORDER BY id"),
            ],
        ),
        trusted(
            "copy_out",
            vec![
                Step::Simple("COPY (SELECT g, 'v' || g FROM generate_series(1, 3) g) TO STDOUT"),
                Step::Simple(
                    "COPY (SELECT g::int4 FROM generate_series(1, 2) g) TO STDOUT (FORMAT binary)",
                ),
            ],
        ),
        trusted(
            "notifications",
            vec![
                Step::Simple("LISTEN c"),
                Step::Simple("NOTIFY c, 'payload'"),
                Step::Simple("DO $$ BEGIN RAISE NOTICE 'hi'; END $$"),
                Step::Simple("SET application_name = 'changed'"),
            ],
        ),
    ]
}

/// Parse (unnamed) + Bind + Describe portal + Execute, without Sync.
fn statement(r: &mut RequestBuilder<'_>, sql: &str) -> Result<(), Error> {
    r.parse("", sql, &[])?;
    r.bind("", "", &[], &[] as &[Option<&[u8]>], &[Format::Text])?;
    r.describe_portal("")?;
    r.execute("", 0)
}

/// Plays a scenario on a core: call [`on_event`](Self::on_event) with every event.
pub struct Driver<'s> {
    scenario: &'s Scenario,
    next_step: usize,
    /// The rows of the COPY FROM STDIN in progress.
    copy_rows: &'static [&'static str],
    terminated: bool,
}

impl<'s> Driver<'s> {
    /// A driver at the start of `scenario`.
    pub fn new(scenario: &'s Scenario) -> Self {
        Self { scenario, next_step: 0, copy_rows: &[], terminated: false }
    }

    /// True once Terminate was queued: stop polling events, write what is left, hang up.
    pub fn finished(&self) -> bool {
        self.terminated
    }

    /// Reacts to one event: the next step when nothing is pending any more, COPY data when
    /// the server asks for it.
    pub fn on_event(&mut self, core: &mut ConnectionCore, event: &Event) -> Result<(), Error> {
        match event {
            Event::Ready => self.advance(core),
            Event::Response(_, Response::CopyIn(_)) => {
                for row in self.copy_rows {
                    core.send_copy_data(Bytes::from_static(row.as_bytes()))?;
                }
                core.send_copy_done()
            }
            Event::Response(..) if core.pending_requests() == 0 => self.advance(core),
            _ => Ok(()),
        }
    }

    fn advance(&mut self, core: &mut ConnectionCore) -> Result<(), Error> {
        let Some(step) = self.scenario.steps.get(self.next_step) else {
            self.terminated = true;
            return core.send_terminate();
        };
        self.next_step += 1;
        match step {
            Step::Simple(sql) => {
                core.send_query(sql)?;
            }
            Step::CopyIn { sql, rows } => {
                self.copy_rows = rows;
                core.send_request(|r| r.copy_query(sql))?;
            }
            Step::Batch(requests) => {
                for build in requests {
                    core.send_request(*build)?;
                }
            }
        }
        Ok(())
    }
}

/// One line of text for an event: stable (built from the public accessors, not `Debug`) and
/// readable. Response lines start with `#<request id> `.
pub fn summary(event: &Event) -> String {
    match event {
        Event::StartTls => "StartTls".to_owned(),
        Event::Ready => "Ready".to_owned(),
        Event::Notice(f) => format!(
            "Notice {} {}: {}",
            f.severity().unwrap_or_default(),
            f.code().unwrap_or_default(),
            f.message().unwrap_or_default()
        ),
        Event::Notification(n) => format!(
            "Notification channel={:?} payload={:?} (pid {})",
            n.channel(),
            n.payload(),
            n.process_id()
        ),
        Event::ParameterStatus(p) => format!("ParameterStatus {}={:?}", p.name(), p.value()),
        Event::Response(id, r) => format!("#{} {}", id.get(), response_summary(r)),
        other => format!("{other:?}"),
    }
}

fn response_summary(r: &Response) -> String {
    match r {
        Response::ParseComplete => "ParseComplete".to_owned(),
        Response::BindComplete => "BindComplete".to_owned(),
        Response::CloseComplete => "CloseComplete".to_owned(),
        Response::ParameterDescription(d) => {
            format!("ParameterDescription {:?}", d.types().collect::<Vec<_>>())
        }
        Response::RowDescription(d) => {
            let mut s = "RowDescription".to_owned();
            for f in d.fields() {
                let _ = write!(s, " {}:{}/{:?}", f.name, f.type_oid, f.format);
            }
            s
        }
        Response::NoData => "NoData".to_owned(),
        Response::DataRow(row) => {
            let mut s = "DataRow".to_owned();
            for value in row.values() {
                match value {
                    Some(v) => {
                        let _ = write!(s, " \"{}\"", v.escape_ascii());
                    }
                    None => s.push_str(" NULL"),
                }
            }
            s
        }
        Response::CommandComplete(c) => format!("CommandComplete {:?}", c.tag()),
        Response::EmptyQuery => "EmptyQuery".to_owned(),
        Response::PortalSuspended => "PortalSuspended".to_owned(),
        Response::CopyIn(c) => {
            format!("CopyIn {:?} {:?}", c.format(), c.column_formats().collect::<Vec<_>>())
        }
        Response::CopyOut(c) => {
            format!("CopyOut {:?} {:?}", c.format(), c.column_formats().collect::<Vec<_>>())
        }
        Response::CopyData(d) => format!("CopyData \"{}\"", d.escape_ascii()),
        Response::CopyDone => "CopyDone".to_owned(),
        Response::Error(f) => format!(
            "Error {} {}: {}",
            f.severity().unwrap_or_default(),
            f.code().unwrap_or_default(),
            f.message().unwrap_or_default()
        ),
        Response::Aborted => "Aborted".to_owned(),
        Response::ReadyForQuery(status) => format!("ReadyForQuery {status:?}"),
        other => format!("{other:?}"),
    }
}

/// The last line of a `.events` file: what the core knows about the session at the end.
pub fn session_summary(core: &ConnectionCore) -> String {
    format!(
        "Session protocol={} key_len={} server_version={:?} transaction={:?}",
        core.protocol_version(),
        core.backend_key().map_or(0, |k| k.secret_key().len()),
        core.parameter("server_version").unwrap_or_default(),
        core.transaction_status()
    )
}
