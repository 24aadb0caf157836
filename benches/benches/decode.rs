//! Backend decoding: pgtusk's `split_frame` + `BackendMessage::decode` against
//! `postgres_protocol::message::backend::Message::parse`, over the same buffer of DataRow-heavy
//! traffic (issue 2).
//!
//! The buffer is what the server sends for a 10,000-row result of the `wide_read` workload's six
//! columns in binary format (int8, float8, text(20), timestamptz, bool, numeric(12,2)):
//! RowDescription, 10,000 DataRows, CommandComplete and ReadyForQuery. Each iteration decodes a
//! fresh `BytesMut` copy of it (the copy is made in criterion's untimed setup), so both decoders
//! do the same work: split every message off the read buffer as a zero-copy `Bytes` and decode it.
//!
//! - `decode`: split + decode only. pgtusk validates every DataRow completely here (count,
//!   lengths, no trailing bytes); postgres-protocol reads only the column count and validates
//!   lazily when the values are walked.
//! - `decode+walk`: also visits every column value of every DataRow (the work a row reader does
//!   at least once), so both validate everything.
//!
//! Throughput is reported in messages (criterion `Throughput::Elements`).
//!
//! After criterion, a paired run (every case once per round, thread CPU time, 300 rounds; set
//! `PGTUSK_DECODE_PAIRED=N`, 0 to skip) prints a Markdown table that holds up on a busy machine
//! and writes it to `benches/results/decode.md`.
//!
//! Run: `cargo bench -p pgtusk-benches --bench decode`.

use std::hint::black_box;

use bytes::BytesMut;
use criterion::{BatchSize, Criterion, Throughput, criterion_group};
use pgtusk::protocol::backend::{
    BackendMessage, CommandComplete, DataRow, FieldDescription, RowDescription,
};
use pgtusk::protocol::framing::{DEFAULT_MAX_MESSAGE_LEN, split_frame};
use pgtusk::protocol::{Format, TransactionStatus};
use pgtusk_benches::report::Stat;
use pgtusk_benches::{machine, rusage::thread_cpu_time};
use postgres_protocol::message::backend::Message;

/// Rows in the buffer.
const ROWS: usize = 10_000;

/// PostgreSQL's epoch (2000-01-01) is 946,684,800 s after Unix's.
const PG_EPOCH_UNIX_SECS: i64 = 946_684_800;

/// The numeric(12,2) value `n` + 1234.56 in PostgreSQL's binary format (base-10000 digits).
fn numeric(n: u16) -> Vec<u8> {
    // ndigits, weight, sign (positive), dscale, then the digits: [n % 10000, 1234, 5600]
    // means (n % 10000) * 10000 + 1234.56.
    let mut v = Vec::with_capacity(14);
    for word in [3i16, 1, 0, 2, (n % 10_000) as i16, 1234, 5600] {
        v.extend_from_slice(&word.to_be_bytes());
    }
    v
}

/// The backend traffic of one `wide_read` result of `ROWS` rows, binary format.
fn traffic() -> (Vec<u8>, u64) {
    let mut buf = BytesMut::new();
    let field = |name, type_oid, type_size, type_modifier| FieldDescription {
        name,
        table_oid: 16_384,
        column_id: 1,
        type_oid,
        type_size,
        type_modifier,
        format: Format::Binary,
    };
    let fields = [
        field("id", 20, 8, -1),
        field("f", 701, 8, -1),
        field("t", 25, -1, -1),
        field("ts", 1184, 8, -1),
        field("b", 16, 1, -1),
        field("n", 1700, -1, ((12 << 16) | 2) + 4),
    ];
    let mut messages = 0u64;
    let mut push = |msg: BackendMessage, buf: &mut BytesMut| {
        msg.encode(buf).expect("encodable");
        messages += 1;
    };
    push(BackendMessage::RowDescription(RowDescription::new(&fields).expect("valid")), &mut buf);
    let base_ts = (1_767_225_600 - PG_EPOCH_UNIX_SECS) * 1_000_000; // 2026-01-01 in µs
    for i in 0..ROWS {
        let id = (i as i64).to_be_bytes();
        let f = (i as f64 * 1.5).to_be_bytes();
        let text = format!("row-{i:016}");
        debug_assert_eq!(text.len(), 20);
        let ts = (base_ts + i as i64 * 1_000_000).to_be_bytes();
        let b = [u8::from(i % 2 == 0)];
        let n = numeric(i as u16);
        let values: [Option<&[u8]>; 6] =
            [Some(&id), Some(&f), Some(text.as_bytes()), Some(&ts), Some(&b), Some(&n)];
        push(BackendMessage::DataRow(DataRow::new(&values).expect("valid")), &mut buf);
    }
    push(
        BackendMessage::CommandComplete(
            CommandComplete::new(&format!("SELECT {ROWS}")).expect("valid"),
        ),
        &mut buf,
    );
    push(BackendMessage::ReadyForQuery(TransactionStatus::Idle), &mut buf);
    (buf.to_vec(), messages)
}

/// Folds one column value into a checksum: its length and first byte (so the value's bytes are
/// really reached).
#[inline(always)]
fn fold(acc: usize, value: Option<&[u8]>) -> usize {
    match value {
        None => acc.wrapping_add(1),
        Some(v) => {
            acc.wrapping_add(v.len()).wrapping_add(usize::from(v.first().copied().unwrap_or(0)))
        }
    }
}

/// pgtusk: split every frame off `buf` and decode it. Returns (messages, checksum).
fn pgtusk_decode(buf: &mut BytesMut) -> (u64, usize) {
    let mut n = 0;
    loop {
        match split_frame(buf, DEFAULT_MAX_MESSAGE_LEN) {
            Ok(Ok(frame)) => {
                let msg = BackendMessage::decode(frame.tag, frame.body).expect("valid message");
                black_box(&msg);
                n += 1;
            }
            Ok(Err(_need_more)) => return (n, 0),
            Err(e) => panic!("{e}"),
        }
    }
}

/// pgtusk: decode, and walk each DataRow's values with `DataRow::values`.
fn pgtusk_walk_values(buf: &mut BytesMut) -> (u64, usize) {
    let mut n = 0;
    let mut acc = 0;
    loop {
        match split_frame(buf, DEFAULT_MAX_MESSAGE_LEN) {
            Ok(Ok(frame)) => {
                let msg = BackendMessage::decode(frame.tag, frame.body).expect("valid message");
                if let BackendMessage::DataRow(row) = &msg {
                    for value in row.values() {
                        acc = fold(acc, value);
                    }
                }
                black_box(&msg);
                n += 1;
            }
            Ok(Err(_need_more)) => return (n, acc),
            Err(e) => panic!("{e}"),
        }
    }
}

/// pgtusk: decode, and walk each DataRow with `DataRow::ranges` (what a zero-copy row keeps),
/// slicing the body with each range as postgres-protocol's users do.
fn pgtusk_walk_ranges(buf: &mut BytesMut) -> (u64, usize) {
    let mut n = 0;
    let mut acc = 0;
    loop {
        match split_frame(buf, DEFAULT_MAX_MESSAGE_LEN) {
            Ok(Ok(frame)) => {
                let msg = BackendMessage::decode(frame.tag, frame.body).expect("valid message");
                if let BackendMessage::DataRow(row) = &msg {
                    let body = row.body();
                    for range in row.ranges() {
                        acc = fold(acc, range.map(|r| &body[r]));
                    }
                }
                black_box(&msg);
                n += 1;
            }
            Ok(Err(_need_more)) => return (n, acc),
            Err(e) => panic!("{e}"),
        }
    }
}

/// postgres-protocol: `Message::parse` until the buffer is empty.
fn pp_decode(buf: &mut BytesMut) -> (u64, usize) {
    let mut n = 0;
    while let Some(msg) = Message::parse(buf).expect("valid message") {
        black_box(&msg);
        n += 1;
    }
    (n, 0)
}

/// postgres-protocol: parse, and walk each DataRow with `DataRowBody::ranges`.
fn pp_walk_ranges(buf: &mut BytesMut) -> (u64, usize) {
    use fallible_iterator::FallibleIterator;
    let mut n = 0;
    let mut acc = 0;
    while let Some(msg) = Message::parse(buf).expect("valid message") {
        if let Message::DataRow(body) = &msg {
            let bytes = body.buffer();
            let mut ranges = body.ranges();
            while let Some(range) = ranges.next().expect("valid row") {
                acc = fold(acc, range.map(|r| &bytes[r]));
            }
        }
        black_box(&msg);
        n += 1;
    }
    (n, acc)
}

/// A decoding loop: consumes a buffer, returns (messages, checksum of the values walked).
type DecodeFn = fn(&mut BytesMut) -> (u64, usize);

/// Every case: (criterion group, name, function).
const CASES: [(&str, &str, DecodeFn); 5] = [
    ("decode", "pgtusk", pgtusk_decode),
    ("decode", "postgres-protocol", pp_decode),
    ("decode+walk", "pgtusk values()", pgtusk_walk_values),
    ("decode+walk", "pgtusk ranges()", pgtusk_walk_ranges),
    ("decode+walk", "postgres-protocol ranges()", pp_walk_ranges),
];

/// Checks that every case decodes the same messages and values.
fn check(traffic: &[u8], messages: u64) {
    let run = |f: DecodeFn| f(&mut BytesMut::from(traffic));
    assert_eq!(run(pgtusk_decode).0, messages);
    assert_eq!(run(pp_decode).0, messages);
    let expected = run(pgtusk_walk_values);
    assert_eq!(expected.0, messages);
    assert_eq!(run(pgtusk_walk_ranges), expected);
    assert_eq!(run(pp_walk_ranges), expected);
}

fn benches(c: &mut Criterion) {
    let (traffic, messages) = traffic();
    check(&traffic, messages);
    println!(
        "traffic: {messages} messages ({ROWS} DataRows of 6 binary columns), {} bytes",
        traffic.len()
    );
    for group_name in ["decode", "decode+walk"] {
        let mut group = c.benchmark_group(group_name);
        group.throughput(Throughput::Elements(messages));
        for (_, name, f) in CASES.iter().filter(|(g, _, _)| *g == group_name) {
            group.bench_function(*name, |b| {
                b.iter_batched_ref(
                    || BytesMut::from(&traffic[..]),
                    |buf| black_box(f(buf)),
                    BatchSize::LargeInput,
                );
            });
        }
        group.finish();
    }
}

/// `PGTUSK_DECODE_ONLY="<group>/<name>"` runs one case `PGTUSK_DECODE_ITERS` times (default
/// 100) without criterion, for instruction counts and profiles:
/// `PGTUSK_DECODE_ONLY=decode/pgtusk valgrind --tool=callgrind target/release/deps/decode-*`.
fn only(case: &str) {
    let (traffic, messages) = traffic();
    check(&traffic, messages);
    let iters: u64 =
        std::env::var("PGTUSK_DECODE_ITERS").ok().and_then(|s| s.parse().ok()).unwrap_or(100);
    let (_, _, f) = CASES
        .iter()
        .find(|(g, n, _)| format!("{g}/{n}") == case)
        .unwrap_or_else(|| panic!("no case {case:?}"));
    let mut total = 0;
    for _ in 0..iters {
        let mut buf = BytesMut::from(&traffic[..]);
        total += black_box(f(&mut buf)).0;
    }
    println!("{case}: {iters} x {messages} messages, {total} decoded");
}

/// A paired measurement that stands up on a busy machine, run after criterion's: every round
/// runs every case once on a fresh copy of the buffer (the copy untimed), timed with the
/// thread's CPU clock (which does not run while the thread is descheduled), so load drift hits
/// all cases alike; the ratio to postgres-protocol is taken per round. Returns Markdown.
fn paired(traffic: &[u8], messages: u64, rounds: usize) -> String {
    use std::fmt::Write as _;

    let mut ns = vec![Vec::with_capacity(rounds); CASES.len()];
    for _ in 0..rounds {
        for (i, (_, _, f)) in CASES.iter().enumerate() {
            let mut buf = BytesMut::from(traffic);
            let start = thread_cpu_time();
            black_box(f(black_box(&mut buf)));
            let t = thread_cpu_time() - start;
            drop(buf);
            ns[i].push(t.as_secs_f64() * 1e9 / messages as f64);
        }
    }
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Backend decoding: pgtusk vs postgres-protocol\n\n{} · {} × {} · load average {}\n\n\
         {messages} messages: RowDescription, {ROWS} DataRows of 6 binary columns (int8, float8, text(20), \
         timestamptz, bool, numeric(12,2)), CommandComplete, ReadyForQuery; {} bytes. {rounds} rounds, each \
         running every case once on a fresh copy of the buffer; thread CPU time per message, median (min–max); \
         ratio to postgres-protocol per round, median (min–max).\n",
        machine::today(),
        machine::nproc(),
        machine::cpu_model(),
        machine::load_average(),
        traffic.len(),
    );
    let _ = writeln!(
        md,
        "| group | decoder | ns/message | messages/s (median) | messages/s (best) | time ÷ postgres-protocol |\n|---|---|---|---|---|---|"
    );
    for (i, (group, name, _)) in CASES.iter().enumerate() {
        let stat = Stat::of(ns[i].iter().copied());
        let reference = CASES
            .iter()
            .position(|(g, n, _)| g == group && n.starts_with("postgres-protocol"))
            .unwrap_or(i);
        let ratio = Stat::of(ns[i].iter().zip(&ns[reference]).map(|(a, b)| a / b));
        let _ = writeln!(
            md,
            "| {group} | {name} | {} | {:.2} M | {:.2} M | {} |",
            stat.show(1),
            1e3 / stat.median,
            1e3 / stat.min,
            ratio.show(2),
        );
    }
    md
}

criterion_group!(decode, benches);

fn main() {
    if let Ok(case) = std::env::var("PGTUSK_DECODE_ONLY") {
        only(&case);
        return;
    }
    decode();
    Criterion::default().configure_from_args().final_summary();
    let rounds: usize =
        std::env::var("PGTUSK_DECODE_PAIRED").ok().and_then(|s| s.parse().ok()).unwrap_or(300);
    // Only under `cargo bench` (which passes `--bench`): `cargo test --benches` runs this
    // binary too, and criterion then only checks each benchmark once.
    if rounds > 0 && std::env::args().any(|a| a == "--bench") {
        let (traffic, messages) = traffic();
        let md = paired(&traffic, messages, rounds);
        println!("\n{md}");
        let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("results/decode.md");
        match std::fs::write(&out, &md) {
            Ok(()) => println!("written to {}", out.display()),
            Err(e) => eprintln!("could not write {}: {e}", out.display()),
        }
    }
}
