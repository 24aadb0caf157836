//! Transcript tests: byte streams recorded from real PostgreSQL 15 and 18 sessions
//! (`tests/transcripts/*.bin`, made by `examples/record_transcript.rs`) replayed into the
//! sans-IO [`ConnectionCore`], with the same startup configuration (fixed SCRAM nonce) and
//! the same requests at the same points as the recorder, driven by the shared scenario code in
//! `tests/transcripts/scenarios.rs`.
//!
//! Each recording is replayed whole, in 1-byte chunks and in a few other chunk sizes; every
//! replay must produce the same events, equal to the recorded `.events` lines, and transmit
//! exactly the recorded client bytes (`.client.bin`). Each scenario also checks the shape of
//! its events (which request got what), so a wrong recording cannot pass silently.
//!
//! No server is needed. See `tests/transcripts/README.md` to re-record.

use std::collections::BTreeMap;
use std::path::PathBuf;

use pgtusk::conn::ConnectionCore;

#[allow(dead_code)]
#[path = "transcripts/scenarios.rs"]
mod scenarios;

use scenarios::{Driver, MAJORS, Scenario};

/// What one replay produced.
#[derive(Debug)]
struct Replay {
    /// One summary line per event, then the session summary.
    events: Vec<String>,
    /// Every byte the core transmitted.
    client: Vec<u8>,
    /// Server bytes never fed because the scenario had ended (sent after Terminate); `None`
    /// when everything was fed at once.
    unread: Option<usize>,
}

/// How the recorded bytes are fed in.
#[derive(Clone, Copy, Debug)]
enum Feed {
    /// All at once, before the first poll, through `handle_input_bytes`.
    Whole,
    /// In chunks of this size, through `recv_slice` + `handle_input`.
    Chunks(usize),
}

fn dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/transcripts"))
}

fn read(scenario: &Scenario, major: u32, ext: &str) -> Vec<u8> {
    let path = dir().join(format!("{}{ext}", scenario.stem(major)));
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!("{}: {e} (record it: see tests/transcripts/README.md)", path.display())
    })
}

/// Replays `server` into a fresh core, reacting to events as the recorder did.
fn replay(scenario: &Scenario, server: &[u8], feed: Feed) -> Replay {
    let mut core = ConnectionCore::new(scenario.config()).expect("startup config");
    let mut driver = Driver::new(scenario);
    let mut events = Vec::new();
    let mut client = Vec::new();
    let mut input = server;
    if let Feed::Whole = feed {
        core.handle_input_bytes(input);
        input = &[];
    }
    loop {
        while let Some(out) = core.poll_transmit() {
            client.extend_from_slice(out);
            let n = out.len();
            core.advance_transmit(n);
        }
        if driver.finished() {
            break;
        }
        loop {
            match core.poll_event() {
                Ok(Some(event)) => {
                    events.push(scenarios::summary(&event));
                    driver.on_event(&mut core, &event).expect("the driver's commands");
                    if driver.finished() {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => panic!(
                    "{}: poll_event failed after {} events ({feed:?}): {e}\nevents: {events:#?}",
                    scenario.name,
                    events.len()
                ),
            }
        }
        if driver.finished() || core.wants_write() {
            continue;
        }
        let Feed::Chunks(size) = feed else {
            panic!("{}: the recording ended before the scenario did\n{events:#?}", scenario.name);
        };
        assert!(
            !input.is_empty(),
            "{}: the recording ended before the scenario did ({feed:?})\n{events:#?}",
            scenario.name
        );
        let buf = core.recv_slice();
        let n = size.min(input.len()).min(buf.len());
        buf[..n].copy_from_slice(&input[..n]);
        core.handle_input(n);
        input = &input[n..];
    }
    events.push(scenarios::session_summary(&core));
    let unread = match feed {
        Feed::Whole => None,
        Feed::Chunks(_) => Some(input.len()),
    };
    Replay { events, client, unread }
}

/// The response kinds (first word after `#<id> `) of every request, by request id; also checks
/// that responses come in request order (FIFO).
fn responses(events: &[String]) -> BTreeMap<u64, Vec<String>> {
    let mut by_id: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    let mut last = 0;
    for line in events {
        let Some(rest) = line.strip_prefix('#') else {
            continue;
        };
        let (id, response) = rest.split_once(' ').expect("`#<id> <response>`");
        let id: u64 = id.parse().expect("a request id");
        assert!(id >= last, "response to request {id} after one to request {last}: {line}");
        last = id;
        by_id.entry(id).or_default().push(response.to_owned());
    }
    by_id
}

/// The first word of each response.
fn kinds(responses: &[String]) -> Vec<&str> {
    responses.iter().map(|r| r.split(' ').next().unwrap_or_default()).collect()
}

/// The response kinds of a simple query returning one row set of `rows` rows.
fn select(rows: usize) -> Vec<&'static str> {
    let mut v = vec!["RowDescription"];
    v.extend(std::iter::repeat_n("DataRow", rows));
    v.push("CommandComplete");
    v
}

fn with_ready(mut v: Vec<&'static str>) -> Vec<&'static str> {
    v.push("ReadyForQuery");
    v
}

/// Checks what each scenario must show, whatever the server version.
fn check_shape(scenario: &Scenario, major: u32, events: &[String]) {
    let name = scenario.name;
    let ctx = format!("{name}-pg{major}");
    let ready_at =
        events.iter().position(|e| e == "Ready").unwrap_or_else(|| panic!("{ctx}: no Ready"));
    assert_eq!(events.iter().filter(|e| *e == "Ready").count(), 1, "{ctx}: one Ready");
    assert!(
        events[..ready_at].iter().all(|e| !e.starts_with('#')),
        "{ctx}: a response before Ready"
    );
    assert!(
        events[..ready_at].iter().any(|e| e.starts_with("ParameterStatus server_version=")),
        "{ctx}: server_version was reported during startup"
    );
    let session = events.last().expect("the session line");
    let protocol = if major >= 18 { "protocol=3.2 key_len=32" } else { "protocol=3.0 key_len=4" };
    assert!(session.starts_with(&format!("Session {protocol} ")), "{ctx}: {session}");
    assert!(session.ends_with("transaction=Idle"), "{ctx}: {session}");

    let by_id = responses(events);
    let got: BTreeMap<u64, Vec<&str>> = by_id.iter().map(|(id, r)| (*id, kinds(r))).collect();
    let expected: Vec<Vec<&str>> = match name {
        "startup_trust" | "startup_password" | "startup_md5" | "startup_scram" => {
            let user = scenario.user;
            assert_eq!(by_id[&1][1], format!("DataRow \"{user}\" \"{user}\""), "{ctx}");
            vec![with_ready(select(1))]
        }
        "simple_query" => {
            assert_eq!(by_id[&1][2], "DataRow \"2\" \"row 2\" NULL", "{ctx}");
            let mut multi = select(1);
            multi.extend(select(1));
            multi.extend(["CommandComplete", "CommandComplete", "ReadyForQuery"]);
            vec![with_ready(select(3)), vec!["EmptyQuery", "ReadyForQuery"], multi]
        }
        "extended_query" => {
            // $1 + 1 = 42 as a binary int4, the text as is, the NULL parameter as NULL.
            assert_eq!(by_id[&1][3], "DataRow \"\\x00\\x00\\x00*\" \"hello\" NULL", "{ctx}");
            assert_eq!(by_id[&2][1], "ParameterDescription [23]", "{ctx}");
            vec![
                vec![
                    "ParseComplete",
                    "BindComplete",
                    "RowDescription",
                    "DataRow",
                    "CommandComplete",
                    "ReadyForQuery",
                ],
                vec!["ParseComplete", "ParameterDescription", "RowDescription", "ReadyForQuery"],
                vec![
                    "BindComplete",
                    "DataRow",
                    "DataRow",
                    "PortalSuspended",
                    "DataRow",
                    "CommandComplete",
                    "CloseComplete",
                    "CloseComplete",
                    "ReadyForQuery",
                ],
            ]
        }
        "pipeline_error" => {
            let error = by_id[&2].last().expect("request 2 answered");
            assert!(error.starts_with("Error ERROR 22012: division by zero"), "{ctx}: {error}");
            let ok = vec![
                "ParseComplete",
                "BindComplete",
                "RowDescription",
                "DataRow",
                "CommandComplete",
            ];
            vec![
                ok.clone(),
                vec!["ParseComplete", "BindComplete", "RowDescription", "Error"],
                // Parse, Bind, Describe and Execute of the third were skipped by the server.
                vec!["Aborted"; 4],
                vec!["ReadyForQuery"],
                with_ready(ok),
            ]
        }
        "copy_in" => {
            assert_eq!(by_id[&2][1], "CommandComplete \"COPY 3\"", "{ctx}");
            assert_eq!(by_id[&3][3], "DataRow \"3\" NULL", "{ctx}");
            vec![
                vec!["CommandComplete", "ReadyForQuery"],
                vec!["CopyIn", "CommandComplete", "ReadyForQuery"],
                with_ready(select(3)),
            ]
        }
        "copy_out" => {
            assert_eq!(by_id[&1][1], "CopyData \"1\\tv1\\n\"", "{ctx}");
            assert!(by_id[&2][0].starts_with("CopyOut Binary"), "{ctx}");
            let copy = |chunks: usize| {
                let mut v = vec!["CopyOut"];
                v.extend(std::iter::repeat_n("CopyData", chunks));
                v.extend(["CopyDone", "CommandComplete", "ReadyForQuery"]);
                v
            };
            // Binary COPY: the header goes with the first row, then a row, then the trailer.
            vec![copy(3), copy(3)]
        }
        "notifications" => {
            let at = |needle: &str| {
                events
                    .iter()
                    .position(|e| e.starts_with(needle))
                    .unwrap_or_else(|| panic!("{ctx}: no {needle:?} in {events:#?}"))
            };
            let notification = at("Notification channel=\"c\" payload=\"payload\"");
            // Delivered when the NOTIFY's transaction commits: before its ReadyForQuery.
            assert!(at("#2 CommandComplete \"NOTIFY\"") < notification, "{ctx}");
            assert!(notification < at("#2 ReadyForQuery"), "{ctx}");
            let notice = at("Notice NOTICE 00000: hi");
            assert!(at("#2 ReadyForQuery") < notice && notice < at("#3 CommandComplete \"DO\""));
            let status = at("ParameterStatus application_name=\"changed\"");
            assert!(at("#4 CommandComplete \"SET\"") < status && status < at("#4 ReadyForQuery"));
            let done = vec!["CommandComplete", "ReadyForQuery"];
            vec![done.clone(), done.clone(), done.clone(), done]
        }
        other => panic!("no shape check for scenario {other:?}"),
    };
    let expected: BTreeMap<u64, Vec<&str>> =
        expected.into_iter().enumerate().map(|(i, v)| (i as u64 + 1, v)).collect();
    assert_eq!(got, expected, "{ctx}: responses by request");
    for (id, responses) in &by_id {
        if let Some(last) = responses.last().filter(|r| r.starts_with("ReadyForQuery")) {
            assert_eq!(last, "ReadyForQuery Idle", "{ctx}: request {id}");
        }
    }
}

/// One recording: replayed whole and in chunks, compared with the recorded events and client
/// bytes, and checked for its shape.
fn check_recording(scenario: &Scenario, major: u32) {
    let ctx = scenario.stem(major);
    let server = read(scenario, major, ".bin");
    let client = read(scenario, major, ".client.bin");
    let recorded = String::from_utf8(read(scenario, major, ".events")).expect("UTF-8 events");
    let recorded: Vec<&str> = recorded.lines().collect();

    let whole = replay(scenario, &server, Feed::Whole);
    let bytewise = replay(scenario, &server, Feed::Chunks(1));
    assert_eq!(whole.events, bytewise.events, "{ctx}: whole vs 1-byte chunks");
    assert_eq!(whole.client, bytewise.client, "{ctx}: client bytes, whole vs 1-byte chunks");
    for size in [2, 3, 5, 7, 64, 4096] {
        let chunked = replay(scenario, &server, Feed::Chunks(size));
        assert_eq!(chunked.events, bytewise.events, "{ctx}: {size}-byte vs 1-byte chunks");
        assert_eq!(chunked.client, bytewise.client, "{ctx}: client bytes in {size}-byte chunks");
        assert_eq!(chunked.unread, bytewise.unread, "{ctx}: unread in {size}-byte chunks");
    }
    assert_eq!(bytewise.unread, Some(0), "{ctx}: the server sent bytes after the scenario ended");

    assert_eq!(whole.events, recorded, "{ctx}: replayed events differ from the recording");
    assert!(
        whole.client == client,
        "{ctx}: the core transmitted other bytes than the recorder sent\n\
         replayed: {:?}\nrecorded: {:?}",
        whole.client.escape_ascii().to_string(),
        client.escape_ascii().to_string()
    );
    check_shape(scenario, major, &whole.events);
}

#[test]
fn every_scenario_has_a_recording_per_version() {
    for scenario in scenarios::scenarios() {
        for major in MAJORS {
            for ext in [".bin", ".client.bin", ".events"] {
                let path = dir().join(format!("{}{ext}", scenario.stem(major)));
                assert!(path.is_file(), "missing {}", path.display());
            }
        }
    }
}

/// Defines one test per scenario, each replaying its recordings from every version.
macro_rules! transcript_tests {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            let all = scenarios::scenarios();
            let scenario = all
                .iter()
                .find(|s| s.name == stringify!($name))
                .expect("a scenario of this name");
            for major in MAJORS {
                check_recording(scenario, major);
            }
        }
    )*};
}

transcript_tests!(
    startup_trust,
    startup_password,
    startup_md5,
    startup_scram,
    simple_query,
    extended_query,
    pipeline_error,
    copy_in,
    copy_out,
    notifications,
);

#[test]
fn every_scenario_has_a_test() {
    let tested = [
        "startup_trust",
        "startup_password",
        "startup_md5",
        "startup_scram",
        "simple_query",
        "extended_query",
        "pipeline_error",
        "copy_in",
        "copy_out",
        "notifications",
    ];
    let names: Vec<&str> = scenarios::scenarios().iter().map(|s| s.name).collect();
    assert_eq!(names, tested);
}

/// The transcripts really exercise what they claim: SCRAM ran (SASLInitialResponse and
/// SASLResponse in the client bytes, with the fixed nonce), MD5 sent a hash, cleartext the
/// password.
#[test]
fn client_bytes_show_the_authentication_method() {
    let all = scenarios::scenarios();
    let find = |name: &str| all.iter().find(|s| s.name == name).expect("scenario");
    let contains = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    for major in MAJORS {
        let scram = read(find("startup_scram"), major, ".client.bin");
        assert!(contains(&scram, b"SCRAM-SHA-256\0"), "pg{major}: SCRAM mechanism");
        assert!(contains(&scram, b"n,,n=,r=cGd0dXNrLXRyYW5zY3JpcHRz"), "pg{major}: fixed nonce");
        assert!(contains(&scram, b"c=biws,r=cGd0dXNrLXRyYW5zY3JpcHRz"), "pg{major}: client-final");
        let md5 = read(find("startup_md5"), major, ".client.bin");
        assert!(contains(&md5, b"md5"), "pg{major}: MD5 hash sent");
        assert!(!contains(&md5, b"md5_user_pw"), "pg{major}: MD5 never sends the password");
        let password = read(find("startup_password"), major, ".client.bin");
        assert!(contains(&password, b"password_user_pw\0"), "pg{major}: cleartext password");
        // Trust: the StartupMessage is followed directly by the query.
        let trust = read(find("startup_trust"), major, ".client.bin");
        let startup_len = u32::from_be_bytes(trust[..4].try_into().expect("a length")) as usize;
        assert_eq!(trust.get(startup_len), Some(&b'Q'), "pg{major}: trust sends no password");
    }
}
