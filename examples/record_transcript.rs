//! Records the transcripts that `tests/transcript.rs` replays: a tiny blocking driver around
//! the sans-IO [`ConnectionCore`] over a plain `std::net::TcpStream` (no TLS), which runs the
//! fixed scenarios of `tests/transcripts/scenarios.rs` and writes, per scenario:
//!
//! - `<scenario>-pg<major>.bin`: every byte read from the server;
//! - `<scenario>-pg<major>.client.bin`: every byte written to it;
//! - `<scenario>-pg<major>.events`: one line per event (for humans, and checked by the test).
//!
//! ```text
//! cargo run --example record_transcript -- --testkit 15        # a throwaway PG 15 (pgtusk-testkit)
//! cargo run --example record_transcript -- --testkit 18 copy_in copy_out
//! cargo run --example record_transcript -- 127.0.0.1:5432      # a server with the testkit roles
//! cargo run --example record_transcript -- --out /tmp/t --testkit 18
//! ```
//!
//! The server needs the testkit's roles (`trust_user`, `password_user`, `md5_user` with an
//! MD5-stored password, `scram_user`, passwords `<role>_pw`) and its `pg_hba.conf`; the major
//! version in the file names is read from the server's `server_version`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use pgtusk::conn::ConnectionCore;

#[allow(dead_code)]
#[path = "../tests/transcripts/scenarios.rs"]
mod scenarios;

use scenarios::{Driver, Scenario};

/// What one live session produced.
struct Recording {
    server: Vec<u8>,
    client: Vec<u8>,
    events: Vec<String>,
    major: u32,
}

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("record_transcript: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> String {
    "usage: record_transcript [--out DIR] (--testkit MAJOR | HOST:PORT) [SCENARIO...]".to_owned()
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut out = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/transcripts"));
    let mut testkit = None;
    let mut address = None;
    let mut wanted = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = args.next().ok_or_else(usage)?.into(),
            "--testkit" => {
                let major = args.next().ok_or_else(usage)?;
                testkit = Some(major.parse::<u32>().map_err(|_| usage())?);
            }
            "-h" | "--help" => return Err(usage()),
            _ if address.is_none() && testkit.is_none() && arg.contains(':') => address = Some(arg),
            _ => wanted.push(arg),
        }
    }
    // Keeps a testkit server alive until the end.
    let _server;
    let address = match (testkit, address) {
        (Some(major), None) => {
            let server = pgtusk_testkit::Server::start(major).map_err(|e| e.to_string())?;
            let address = format!("{}:{}", server.host(), server.port());
            eprintln!("started PostgreSQL {} at {address}", server.version_string());
            _server = server;
            address
        }
        (None, Some(address)) => address,
        _ => return Err(usage()),
    };
    let all = scenarios::scenarios();
    if let Some(unknown) = wanted.iter().find(|w| !all.iter().any(|s| s.name == w.as_str())) {
        return Err(format!("unknown scenario {unknown:?}"));
    }
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    for scenario in all.iter().filter(|s| wanted.is_empty() || wanted.iter().any(|w| w == s.name)) {
        let rec = record(&address, scenario).map_err(|e| format!("{}: {e}", scenario.name))?;
        save(&out, scenario, &rec).map_err(|e| format!("{}: {e}", scenario.name))?;
        eprintln!(
            "{}: {} server bytes, {} client bytes, {} events",
            scenario.stem(rec.major),
            rec.server.len(),
            rec.client.len(),
            rec.events.len()
        );
    }
    Ok(())
}

/// Runs one scenario against the server at `address`.
fn record(address: &str, scenario: &Scenario) -> Result<Recording, Box<dyn std::error::Error>> {
    let mut sock = TcpStream::connect(address)?;
    sock.set_nodelay(true)?;
    let mut core = ConnectionCore::new(scenario.config())?;
    let mut driver = Driver::new(scenario);
    let mut rec =
        Recording { server: Vec::new(), client: Vec::new(), events: Vec::new(), major: 0 };
    loop {
        while let Some(out) = core.poll_transmit() {
            let n = sock.write(out)?;
            rec.client.extend_from_slice(&out[..n]);
            core.advance_transmit(n);
        }
        if driver.finished() {
            break;
        }
        while let Some(event) = core.poll_event()? {
            rec.events.push(scenarios::summary(&event));
            driver.on_event(&mut core, &event)?;
            if driver.finished() {
                break;
            }
        }
        if driver.finished() || core.wants_write() {
            continue;
        }
        let buf = core.recv_slice();
        let n = sock.read(buf)?;
        if n == 0 {
            return Err("the server closed the connection before the scenario ended".into());
        }
        rec.server.extend_from_slice(&buf[..n]);
        core.handle_input(n);
    }
    rec.events.push(scenarios::session_summary(&core));
    // After Terminate the server closes; anything it still sent is kept (the replay ignores it).
    sock.shutdown(std::net::Shutdown::Write)?;
    sock.read_to_end(&mut rec.server)?;
    let version = core.parameter("server_version").ok_or("no server_version")?;
    rec.major = version
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|m| m.parse().ok())
        .ok_or_else(|| format!("cannot read the major version from {version:?}"))?;
    Ok(rec)
}

fn save(dir: &Path, scenario: &Scenario, rec: &Recording) -> std::io::Result<()> {
    let stem = dir.join(scenario.stem(rec.major));
    let with = |ext: &str| {
        let mut p = stem.clone().into_os_string();
        p.push(ext);
        PathBuf::from(p)
    };
    std::fs::write(with(".bin"), &rec.server)?;
    std::fs::write(with(".client.bin"), &rec.client)?;
    let mut text = rec.events.join("\n");
    text.push('\n');
    std::fs::write(with(".events"), text)
}
