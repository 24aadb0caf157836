//! `pgtusk-testkit`: fetch server binaries ahead of time, or start a server by hand.
//!
//! ```text
//! pgtusk-testkit fetch [VERSIONS...]   fetch binaries and make templates (default: PGTUSK_TEST_VERSIONS)
//! pgtusk-testkit start MAJOR           start a server, print how to reach it, run until stdin closes or Ctrl-C
//! pgtusk-testkit versions              show the test versions and where each version's binaries are
//! pgtusk-testkit pgbouncer MAJOR [MODE] start a server and a PgBouncer in front of it (MODE:
//!                                      transaction (default), session or statement), run until
//!                                      stdin closes or Ctrl-C
//! ```

use std::io::Read;
use std::process::ExitCode;
use std::time::Instant;

use pgtusk_testkit::{PgBouncer, Server, TestkitError, roles};

const USAGE: &str = "\
usage:
  pgtusk-testkit fetch [VERSIONS...]  fetch the binaries and make the templates ahead of time
                                      (VERSIONS: e.g. `15 18`, `15,18`, `all`;
                                      default: PGTUSK_TEST_VERSIONS, else 15,18)
  pgtusk-testkit start MAJOR          start a server, print its URLs, run until stdin closes
                                      or Ctrl-C (the server is then stopped and removed)
  pgtusk-testkit versions             list the test versions and the binaries of each version
  pgtusk-testkit pgbouncer MAJOR [MODE]
                                      start a server and a PgBouncer in front of it (MODE:
                                      transaction (default), session or statement), print the
                                      bouncer's URLs, run until stdin closes or Ctrl-C";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("fetch") => fetch(&args[1..]),
        Some("start") => start(&args[1..]),
        Some("versions") => versions(),
        // For the watchdog test: start the shared server, print its directory and pid, and
        // exit without dropping anything.
        Some("shared") => shared(&args[1..]),
        Some("pgbouncer") => pgbouncer(&args[1..]),
        // For the PgBouncer watchdog test: start a server and a bouncer, print the bouncer's
        // directory and pid, and exit without dropping anything.
        Some("pgbouncer-exit") => pgbouncer_exit(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pgtusk-testkit: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse_major(args: &[String]) -> Result<u32, TestkitError> {
    match args {
        [one] => match pgtusk_testkit::parse_versions(one)?.as_slice() {
            [major] => Ok(*major),
            _ => Err(TestkitError::new("give one major version")),
        },
        _ => Err(TestkitError::new("give one major version, e.g. 18")),
    }
}

fn fetch(args: &[String]) -> Result<(), TestkitError> {
    let versions = if args.is_empty() {
        pgtusk_testkit::test_versions()
    } else {
        pgtusk_testkit::parse_versions(&args.join(","))?
    };
    println!("cache: {}", pgtusk_testkit::cache_dir()?.display());
    for major in versions {
        let t = Instant::now();
        pgtusk_testkit::prepare(major)?;
        println!(
            "PostgreSQL {major}: ready in {:.1} s (binaries: {})",
            t.elapsed().as_secs_f64(),
            pgtusk_testkit::bin_dir(major)?.display()
        );
    }
    Ok(())
}

fn start(args: &[String]) -> Result<(), TestkitError> {
    let major = parse_major(args)?;
    let t = Instant::now();
    let server = Server::start(major)?;
    println!(
        "PostgreSQL {} started in {:.2} s",
        server.version_string(),
        t.elapsed().as_secs_f64()
    );
    println!("  port        {}", server.port());
    println!("  socket dir  {}", server.socket_dir().display());
    println!("  data dir    {}", server.data_dir().display());
    println!("  log         {}", server.log_path().display());
    println!("  sslrootcert {}", server.ca_cert().display());
    println!("  sslcert     {}", server.client_cert().display());
    println!("  sslkey      {}", server.client_key().display());
    for role in roles::ALL {
        println!("  {}", server.url(role));
    }
    println!("  {}", server.socket_url(roles::SUPERUSER));
    println!("running; close stdin (Ctrl-D) or press Ctrl-C to stop");
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    server.stop()
}

fn versions() -> Result<(), TestkitError> {
    let tests: Vec<String> = pgtusk_testkit::test_versions().iter().map(u32::to_string).collect();
    println!("test versions: {}", tests.join(","));
    let cache = pgtusk_testkit::cache_dir()?;
    println!("cache: {}", cache.display());
    for (major, wheel) in pgtusk_testkit::WHEEL_VERSIONS {
        let debian = format!("/usr/lib/postgresql/{major}/bin/postgres");
        let fetched = cache.join(format!("{major}/dist/.pgtusk-complete"));
        let source = if major == 15 && std::path::Path::new(&debian).is_file() {
            "Debian package".to_string()
        } else if fetched.is_file() {
            format!("wheel {wheel} (fetched)")
        } else {
            format!("wheel {wheel} (not fetched yet)")
        };
        println!("  {major}: {source}");
    }
    Ok(())
}

fn shared(args: &[String]) -> Result<(), TestkitError> {
    let server = Server::try_shared(parse_major(args)?)?;
    println!("{}", server.socket_dir().display());
    println!("{}", server.pid().unwrap_or_default());
    std::process::exit(0)
}

fn pgbouncer(args: &[String]) -> Result<(), TestkitError> {
    let (major, mode) = match args {
        [major] => (major, "transaction"),
        [major, mode] => (major, mode.as_str()),
        _ => return Err(TestkitError::new("give a major version and optionally a pool mode")),
    };
    let major = parse_major(std::slice::from_ref(major))?;
    let server = Server::start(major)?;
    let bouncer = PgBouncer::start(&server, mode)?;
    println!(
        "PostgreSQL {} on port {}; PgBouncer {} ({mode} pooling) on port {}",
        server.version_string(),
        server.port(),
        PgBouncer::version().unwrap_or_else(|e| e.to_string()),
        bouncer.port()
    );
    println!("  dir         {}", bouncer.dir().display());
    println!("  log         {}", bouncer.log_path().display());
    for role in [roles::SUPERUSER, roles::TRUST, roles::MD5, roles::SCRAM, roles::NOSSL] {
        println!("  {}", bouncer.url(role));
    }
    println!("  admin console: postgresql://postgres@127.0.0.1:{}/pgbouncer", bouncer.port());
    println!("running; close stdin (Ctrl-D) or press Ctrl-C to stop");
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    let stopped = bouncer.stop();
    server.stop()?;
    stopped
}

fn pgbouncer_exit(args: &[String]) -> Result<(), TestkitError> {
    let server = Server::try_shared(parse_major(args)?)?;
    let bouncer = PgBouncer::start(server, "transaction")?;
    println!("{}", bouncer.dir().display());
    println!("{}", bouncer.pid().unwrap_or_default());
    std::process::exit(0)
}
