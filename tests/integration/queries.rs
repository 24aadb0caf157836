//! Queries on both connections: row counts, the query_* family, parameter forms, every type
//! supported so far, simple-protocol batches, prepared statements and streaming.

use pgtusk::protocol::TransactionStatus;
use pgtusk::{Dumper, ErrorKind, Row, SqlState};

use crate::common::dual_test;

/// Type OIDs used below (from `pg_type`).
const INT8_OID: u32 = 20;
const TEXT_OID: u32 = 25;
const INT4_OID: u32 = 23;

dual_test! {
    /// `execute` returns the rows a command affected.
    fn execute_row_counts(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let n = aw!(conn.execute("CREATE TEMP TABLE rc (id int4 PRIMARY KEY, v text)", ())).unwrap();
        assert_eq!(n, 0, "{}: CREATE reports no rows", t.label);
        let n = aw!(conn.execute(
            "INSERT INTO rc VALUES ($1, 'a'), ($2, 'b'), ($3, 'c')",
            (1_i32, 2_i32, 3_i32)
        ))
        .unwrap();
        assert_eq!(n, 3, "{}: INSERT of 3 rows", t.label);
        let n = aw!(conn.execute("UPDATE rc SET v = v || '!' WHERE id >= $1", (2_i32,))).unwrap();
        assert_eq!(n, 2, "{}: UPDATE", t.label);
        let n = aw!(conn.execute("UPDATE rc SET v = 'x' WHERE id > 100", ())).unwrap();
        assert_eq!(n, 0, "{}: UPDATE of nothing", t.label);
        let n = aw!(conn.execute("DELETE FROM rc WHERE id = $1", (1_i32,))).unwrap();
        assert_eq!(n, 1, "{}: DELETE", t.label);
        let n = aw!(conn.execute("SELECT * FROM generate_series(1, 4)", ())).unwrap();
        assert_eq!(n, 4, "{}: SELECT reports its row count", t.label);
        let n = aw!(conn.execute("INSERT INTO rc SELECT g, 'g' FROM generate_series(10, 109) g", ()))
            .unwrap();
        assert_eq!(n, 100, "{}: INSERT ... SELECT", t.label);
        let rows = aw!(conn.query("SELECT id, v FROM rc WHERE id < 10 ORDER BY id", ())).unwrap();
        let got: Vec<(i32, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        assert_eq!(got, [(2, "b!".to_owned()), (3, "c!".to_owned())]);
    }
}

dual_test! {
    /// query / query_one / query_opt / query_scalar / query_as and their row-count rules.
    fn query_family(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let rows = aw!(conn.query("SELECT g, g * 10 AS tens FROM generate_series(1, 3) g", ())).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[2].get::<_, i32>("tens"), 30);
        assert_eq!(rows[0].columns()[1].name(), "tens");
        let rows = aw!(conn.query("SELECT 1 WHERE false", ())).unwrap();
        assert!(rows.is_empty());

        let row = aw!(conn.query_one("SELECT 'one'::text, 1::int4", ())).unwrap();
        assert_eq!((row.get::<_, &str>(0), row.get::<_, i32>(1)), ("one", 1));
        let e = aw!(conn.query_one("SELECT 1 WHERE false", ())).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::RowCount, "{}: 0 rows", t.label);
        assert_eq!(e.code(), None);
        let e = aw!(conn.query_one("SELECT * FROM generate_series(1, 2)", ())).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::RowCount, "{}: 2 rows", t.label);

        let none = aw!(conn.query_opt("SELECT 1 WHERE false", ())).unwrap();
        assert!(none.is_none());
        let some = aw!(conn.query_opt("SELECT 5::int8", ())).unwrap().unwrap();
        assert_eq!(some.get::<_, i64>(0), 5);
        let e = aw!(conn.query_opt("SELECT * FROM generate_series(1, 2)", ())).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::RowCount);

        let n: i64 = aw!(conn.query_scalar("SELECT count(*) FROM generate_series(1, 1234)", ())).unwrap();
        assert_eq!(n, 1234);
        let s: Option<String> = aw!(conn.query_scalar("SELECT NULL::text", ())).unwrap();
        assert_eq!(s, None);
        let e = aw!(conn.query_scalar::<i32, _, _>("SELECT 1 WHERE false", ())).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::RowCount);
        let e = aw!(conn.query_scalar::<i32, _, _>("SELECT 1, 2", ())).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::RowCount);
        let e = aw!(conn.query_scalar::<i32, _, _>("SELECT NULL::int4", ())).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion, "NULL into a non-Option");
        let e = aw!(conn.query_scalar::<i32, _, _>("SELECT 'x'::text", ())).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion, "text into i32");

        let people: Vec<(i32, String, Option<f64>)> = aw!(conn.query_as(
            "SELECT * FROM (VALUES (1, 'ann'::text, 1.5::float8), (2, 'bob', NULL)) v ORDER BY 1",
            ()
        ))
        .unwrap();
        assert_eq!(people, [(1, "ann".to_owned(), Some(1.5)), (2, "bob".to_owned(), None)]);
        let e = aw!(conn.query_as::<(i32,), _, _>("SELECT 1, 2", ())).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion, "tuple arity");

        // Errors are scoped to their statement.
        let e = aw!(conn.query("SELECT 1/0", ())).unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::DIVISION_BY_ZERO));
        assert_eq!(conn.transaction_status(), TransactionStatus::Idle);
        let n: i32 = aw!(conn.query_scalar("SELECT 3", ())).unwrap();
        assert_eq!(n, 3);
    }
}

dual_test! {
    /// Parameters as tuples, `&[&dyn Dumper]`, `Vec<Box<dyn Dumper>>`, arrays and vectors.
    fn parameter_forms(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let sql = "SELECT $1::int8 + 1, $2::text || '!', NOT $3::bool";
        let check = |row: &Row| {
            assert_eq!(row.get::<_, i64>(0), 8);
            assert_eq!(row.get::<_, &str>(1), "x!");
            assert!(!row.get::<_, bool>(2));
        };
        check(&aw!(conn.query_one(sql, (7_i64, "x", true))).unwrap());
        let slice: &[&dyn Dumper] = &[&7_i64, &"x", &true];
        check(&aw!(conn.query_one(sql, slice)).unwrap());
        let boxed: Vec<Box<dyn Dumper>> = vec![Box::new(7_i64), Box::new(String::from("x")), Box::new(true)];
        check(&aw!(conn.query_one(sql, &boxed)).unwrap());
        check(&aw!(conn.query_one(sql, boxed)).unwrap());
        let refs: Vec<&dyn Dumper> = vec![&7_i64, &"x", &true];
        check(&aw!(conn.query_one(sql, refs)).unwrap());

        let n: i64 = aw!(conn.query_scalar("SELECT $1::int8 + $2::int8 + $3::int8", [1_i64, 2, 3])).unwrap();
        assert_eq!(n, 6);
        let n: i64 = aw!(conn.query_scalar("SELECT $1::int8 * $2::int8", vec![6_i64, 7])).unwrap();
        assert_eq!(n, 42);
        let empty: &[&dyn Dumper] = &[];
        let n: i32 = aw!(conn.query_scalar("SELECT 9", empty)).unwrap();
        assert_eq!(n, 9);

        // Sixteen parameters in a tuple.
        let sum: i64 = aw!(conn.query_scalar(
            "SELECT $1::int8+$2+$3+$4+$5+$6+$7+$8+$9+$10+$11+$12+$13+$14+$15+$16",
            (1_i64, 2_i64, 3_i64, 4_i64, 5_i64, 6_i64, 7_i64, 8_i64, 9_i64, 10_i64, 11_i64,
             12_i64, 13_i64, 14_i64, 15_i64, 16_i64)
        ))
        .unwrap();
        assert_eq!(sum, 136);

        // A wrong number of parameters is the server's error, and the session goes on.
        let e = aw!(conn.query("SELECT $1::int4, $2::int4", (1_i32,))).unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::PROTOCOL_VIOLATION), "{}: {e:?}", t.label);
        let n: i32 = aw!(conn.query_scalar("SELECT $1::int4", (4_i32,))).unwrap();
        assert_eq!(n, 4);
    }
}

dual_test! {
    /// Every type supported so far, through parameters and back, from expressions and from
    /// table columns, NULLs included.
    fn type_round_trips(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let row = aw!(conn.query_one(
            "SELECT $1::bool, $2::bool, $3::int2, $4::int2, $5::int4, $6::int4, $7::int8, $8::int8",
            (true, false, i16::MIN, i16::MAX, i32::MIN, i32::MAX, i64::MIN, i64::MAX)
        ))
        .unwrap();
        assert!(row.get::<_, bool>(0));
        assert!(!row.get::<_, bool>(1));
        assert_eq!(row.get::<_, i16>(2), i16::MIN);
        assert_eq!(row.get::<_, i16>(3), i16::MAX);
        assert_eq!(row.get::<_, i32>(4), i32::MIN);
        assert_eq!(row.get::<_, i32>(5), i32::MAX);
        assert_eq!(row.get::<_, i64>(6), i64::MIN);
        assert_eq!(row.get::<_, i64>(7), i64::MAX);
        // Widening loads: an int2 column into i64.
        assert_eq!(row.get::<_, i64>(3), i64::from(i16::MAX));

        let row = aw!(conn.query_one(
            "SELECT $1::float4, $2::float4, $3::float4, $4::float4, \
                    $5::float8, $6::float8, $7::float8, $8::float8, $9::float8",
            (1.5_f32, f32::NAN, f32::INFINITY, f32::NEG_INFINITY,
             -2.25_f64, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f64::MIN_POSITIVE)
        ))
        .unwrap();
        assert_eq!(row.get::<_, f32>(0), 1.5);
        assert!(row.get::<_, f32>(1).is_nan());
        assert_eq!(row.get::<_, f32>(2), f32::INFINITY);
        assert_eq!(row.get::<_, f32>(3), f32::NEG_INFINITY);
        assert_eq!(row.get::<_, f64>(4), -2.25);
        assert!(row.get::<_, f64>(5).is_nan());
        assert_eq!(row.get::<_, f64>(6), f64::INFINITY);
        assert_eq!(row.get::<_, f64>(7), f64::NEG_INFINITY);
        assert_eq!(row.get::<_, f64>(8), f64::MIN_POSITIVE);
        // The server agrees about the special values.
        let row = aw!(conn.query_one(
            "SELECT $1::float8 = 'NaN', $2::float8 = 'Infinity', $3::float4 = '-Infinity'",
            (f64::NAN, f64::INFINITY, f32::NEG_INFINITY)
        ))
        .unwrap();
        assert_eq!((row.get::<_, bool>(0), row.get::<_, bool>(1), row.get::<_, bool>(2)), (true, true, true));
        let row = aw!(conn.query_one("SELECT 'NaN'::float8, '-Infinity'::float4, 0.1::float8", ())).unwrap();
        assert!(row.get::<_, f64>(0).is_nan());
        assert_eq!(row.get::<_, f32>(1), f32::NEG_INFINITY);
        assert_eq!(row.get::<_, f64>(2), 0.1);

        let text = "héllo wörld ✓ 🐘";
        let row = aw!(conn.query_one(
            "SELECT $1::text, $2::varchar, $3::name, $4::char(5), $5::text, length($1::text)",
            (text, "var", "a_name", "ab", "")
        ))
        .unwrap();
        assert_eq!(row.get::<_, &str>(0), text);
        assert_eq!(row.get::<_, String>(1), "var");
        assert_eq!(row.get::<_, &str>(2), "a_name");
        assert_eq!(row.get::<_, &str>(3), "ab   ", "bpchar is blank-padded");
        assert_eq!(row.get::<_, &str>(4), "");
        assert_eq!(row.get::<_, i32>(5), text.chars().count() as i32);
        let row = aw!(conn.query_one("SELECT 'v'::varchar(3), 'nm'::name, 'xy'::char(3), 'ü'::text", ())).unwrap();
        assert_eq!(row.get::<_, String>(0), "v");
        assert_eq!(row.get::<_, String>(1), "nm");
        assert_eq!(row.get::<_, String>(2), "xy ");
        assert_eq!(row.get::<_, String>(3), "ü");

        let all_bytes: Vec<u8> = (0..=255).collect();
        let row = aw!(conn.query_one(
            "SELECT $1::bytea, length($1::bytea), $2::bytea, $3::bytea, '\\x00ff10'::bytea",
            (&all_bytes, Vec::<u8>::new(), &b"\0a\\b"[..])
        ))
        .unwrap();
        assert_eq!(row.get::<_, Vec<u8>>(0), all_bytes);
        assert_eq!(row.get::<_, &[u8]>(0), &all_bytes[..]);
        assert_eq!(row.get::<_, i32>(1), 256);
        assert_eq!(row.get::<_, Vec<u8>>(2), Vec::<u8>::new());
        assert_eq!(row.get::<_, &[u8]>(3), b"\0a\\b");
        assert_eq!(row.get::<_, &[u8]>(4), &[0x00, 0xff, 0x10]);

        let row = aw!(conn.query_one(
            "SELECT $1::bool, $2::int2, $3::int4, $4::int8, $5::float4, $6::float8, $7::text, $8::bytea, \
                    $1::bool IS NULL AND $8::bytea IS NULL",
            (None::<bool>, None::<i16>, None::<i32>, None::<i64>, None::<f32>, None::<f64>, None::<&str>,
             None::<Vec<u8>>)
        ))
        .unwrap();
        assert_eq!(row.get::<_, Option<bool>>(0), None);
        assert_eq!(row.get::<_, Option<i16>>(1), None);
        assert_eq!(row.get::<_, Option<i32>>(2), None);
        assert_eq!(row.get::<_, Option<i64>>(3), None);
        assert_eq!(row.get::<_, Option<f32>>(4), None);
        assert_eq!(row.get::<_, Option<f64>>(5), None);
        assert_eq!(row.get::<_, Option<&str>>(6), None);
        assert_eq!(row.get::<_, Option<Vec<u8>>>(7), None);
        assert!(row.get::<_, bool>(8));
        assert_eq!(row.try_get::<_, i32>(2).unwrap_err().kind(), ErrorKind::Conversion);
        let row = aw!(conn.query_one("SELECT $1::int4, $2::text", (Some(5_i32), Some("s")))).unwrap();
        assert_eq!(row.get::<_, Option<i32>>(0), Some(5));
        assert_eq!(row.get::<_, Option<String>>(1), Some("s".to_owned()));

        // Through a table: the values are stored as their column types and read back.
        aw!(conn.batch_execute(
            "CREATE TEMP TABLE ty (b bool, s int2, i int4, l int8, f float4, d float8, \
             t text, v varchar(10), n name, c char(4), y bytea)"
        ))
        .unwrap();
        let n = aw!(conn.execute(
            "INSERT INTO ty VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            (true, -3_i16, 70_000_i32, 1_i64 << 40, 0.25_f32, 1e300_f64, "ünï", "vc", "nm", "ch", vec![0_u8, 1, 2])
        ))
        .unwrap();
        assert_eq!(n, 1);
        let n = aw!(conn.execute(
            "INSERT INTO ty VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            (None::<bool>, None::<i16>, None::<i32>, None::<i64>, None::<f32>, None::<f64>,
             None::<String>, None::<&str>, None::<&str>, None::<&str>, None::<Vec<u8>>)
        ))
        .unwrap();
        assert_eq!(n, 1);
        let rows = aw!(conn.query("SELECT * FROM ty ORDER BY b NULLS LAST", ())).unwrap();
        assert_eq!(rows.len(), 2);
        let r = &rows[0];
        assert!(r.get::<_, bool>("b"));
        assert_eq!(r.get::<_, i16>("s"), -3);
        assert_eq!(r.get::<_, i32>("i"), 70_000);
        assert_eq!(r.get::<_, i64>("l"), 1 << 40);
        assert_eq!(r.get::<_, f32>("f"), 0.25);
        assert_eq!(r.get::<_, f64>("d"), 1e300);
        assert_eq!(r.get::<_, &str>("t"), "ünï");
        assert_eq!(r.get::<_, &str>("v"), "vc");
        assert_eq!(r.get::<_, &str>("n"), "nm");
        assert_eq!(r.get::<_, &str>("c"), "ch  ");
        assert_eq!(r.get::<_, Vec<u8>>("y"), [0, 1, 2]);
        let r = &rows[1];
        for i in 0..r.len() {
            assert!(r.raw(i).is_none(), "{}: column {i} is NULL", t.label);
        }
        assert_eq!(r.get::<_, Option<String>>("t"), None);
        assert_eq!(r.get::<_, Option<i64>>("l"), None);
        // Check on the server side that the values landed as typed.
        let ok: bool = aw!(conn.query_scalar(
            "SELECT s = -3 AND i = 70000 AND l = 1099511627776 AND f = 0.25 AND t = 'ünï' \
             AND y = '\\x000102' AND pg_typeof(c)::text = 'character' FROM ty WHERE b",
            ()
        ))
        .unwrap();
        assert!(ok);
    }
}

dual_test! {
    /// A string parameter has no declared type: the server infers it from the context, as
    /// psycopg does (here int4 from the column it is compared with).
    fn untyped_string_parameter(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("CREATE TEMP TABLE ut (a int4, s text); \
            INSERT INTO ut SELECT g, 'n' || g FROM generate_series(1, 10) g")).unwrap();
        let rows = aw!(conn.query("SELECT a, s FROM ut WHERE a = $1", ("5",))).unwrap();
        assert_eq!(rows.len(), 1, "{}", t.label);
        assert_eq!(rows[0].get::<_, i32>(0), 5);
        assert_eq!(rows[0].get::<_, &str>(1), "n5");
        let n: i64 = aw!(conn.query_scalar("SELECT count(*) FROM ut WHERE a > $1", ("7",))).unwrap();
        assert_eq!(n, 3);
        let n = aw!(conn.execute("UPDATE ut SET a = $1 WHERE s = $2", ("100", "n1"))).unwrap();
        assert_eq!(n, 1);
        let s: String = aw!(conn.query_scalar("SELECT s FROM ut WHERE a = 100", ())).unwrap();
        assert_eq!(s, "n1");
        // The inferred type of the parameter is int4.
        let stmt = aw!(conn.prepare("SELECT a FROM ut WHERE a = $1")).unwrap();
        assert_eq!(stmt.param_types(), [INT4_OID]);
        // Text that is not an integer is the server's error (invalid_text_representation).
        let e = aw!(conn.query("SELECT a FROM ut WHERE a = $1", ("five",))).unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::INVALID_TEXT_REPRESENTATION), "{e:?}");
        let n: i32 = aw!(conn.query_scalar("SELECT $1::int4", ("12",))).unwrap();
        assert_eq!(n, 12);
    }
}

dual_test! {
    /// batch_execute runs several statements; an error stops the batch, and the statements of
    /// the failed implicit transaction are rolled back.
    fn batch_execute_stops_at_error(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute(
            "CREATE TEMP TABLE bx (a int4); INSERT INTO bx VALUES (1); INSERT INTO bx VALUES (2); \
             UPDATE bx SET a = a * 10;"
        ))
        .unwrap();
        let all: Vec<(i32,)> = aw!(conn.query_as("SELECT a FROM bx ORDER BY a", ())).unwrap();
        assert_eq!(all, [(10,), (20,)], "{}", t.label);

        aw!(conn.batch_execute("DELETE FROM bx")).unwrap();
        let e = aw!(conn.batch_execute(
            "BEGIN; INSERT INTO bx VALUES (1); COMMIT; \
             INSERT INTO bx VALUES (2); SELECT 1/0; INSERT INTO bx VALUES (3)"
        ))
        .unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::DIVISION_BY_ZERO), "{}: {e:?}", t.label);
        assert_eq!(conn.transaction_status(), TransactionStatus::Idle);
        // 1 was committed; 2 rolled back with the failed implicit transaction; 3 never ran.
        let all: Vec<(i32,)> = aw!(conn.query_as("SELECT a FROM bx ORDER BY a", ())).unwrap();
        assert_eq!(all, [(1,)], "{}", t.label);

        // Rows of a SELECT inside a batch are discarded; an empty batch is fine.
        aw!(conn.batch_execute("SELECT * FROM generate_series(1, 1000); SELECT 'x'")).unwrap();
        aw!(conn.batch_execute("")).unwrap();
        aw!(conn.batch_execute(";")).unwrap();
        let e = aw!(conn.batch_execute("SELEC 1")).unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::SYNTAX_ERROR));
        let n: i64 = aw!(conn.query_scalar("SELECT count(*) FROM bx", ())).unwrap();
        assert_eq!(n, 1);
    }
}

dual_test! {
    /// An explicitly prepared statement: its described types, and several executions.
    fn prepared_statements(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let stmt = aw!(conn.prepare("SELECT $1::int8 * 2 AS doubled, $2::text AS label")).unwrap();
        assert_eq!(stmt.param_types(), [INT8_OID, TEXT_OID]);
        let names: Vec<&str> = stmt.columns().iter().map(|c| c.name()).collect();
        assert_eq!(names, ["doubled", "label"]);
        for i in 0..5_i64 {
            let row = aw!(conn.query_one(&stmt, (i, format!("n{i}")))).unwrap();
            assert_eq!(row.get::<_, i64>("doubled"), 2 * i, "{}", t.label);
            assert_eq!(row.get::<_, &str>("label"), format!("n{i}"));
        }
        let rows = aw!(conn.query(&stmt, (21_i64, "x"))).unwrap();
        assert_eq!(rows[0].get::<_, i64>(0), 42);

        aw!(conn.batch_execute("CREATE TEMP TABLE ps (a int8)")).unwrap();
        let insert = aw!(conn.prepare("INSERT INTO ps VALUES ($1)")).unwrap();
        assert!(insert.columns().is_empty());
        for i in 0..10_i64 {
            assert_eq!(aw!(conn.execute(&insert, (i,))).unwrap(), 1);
        }
        let sum: i64 = aw!(conn.query_scalar("SELECT sum(a)::int8 FROM ps", ())).unwrap();
        assert_eq!(sum, 45);

        // A second statement coexists with the first.
        let other = aw!(conn.prepare("SELECT count(*) FROM ps WHERE a < $1")).unwrap();
        assert_ne!(other.name(), insert.name());
        let n: i64 = aw!(conn.query_scalar(&other, (5_i64,))).unwrap();
        assert_eq!(n, 5);
        assert_eq!(aw!(conn.execute(&insert, (99_i64,))).unwrap(), 1);

        let e = aw!(conn.prepare("SELEC 1")).unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::SYNTAX_ERROR));
        let e = aw!(conn.query(&stmt, ("not a number", "x"))).unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::INVALID_TEXT_REPRESENTATION), "{e:?}");
        let row = aw!(conn.query_one(&stmt, (1_i64, "again"))).unwrap();
        assert_eq!(row.get::<_, i64>(0), 2);
    }
}

dual_test! {
    /// Streaming a large result with next_batch; dropping a stream early leaves the
    /// connection ready for the next statement.
    fn stream_many_rows(t) {
        const N: i64 = 200_000;
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let mut stream = aw!(conn.query_stream(
            "SELECT g::int8, 'row ' || g FROM generate_series(1, $1::int8) g",
            (N,)
        ))
        .unwrap();
        let (mut count, mut sum, mut batches) = (0_i64, 0_i64, 0);
        loop {
            let batch = aw!(stream.next_batch(5000)).unwrap();
            if batch.is_empty() {
                break;
            }
            batches += 1;
            for row in &batch {
                let g: i64 = row.get(0);
                count += 1;
                assert_eq!(g, count, "{}: rows in order", t.label);
                sum += g;
            }
            assert!(batch.len() == 5000 || count == N, "only the last batch is short");
        }
        assert_eq!(count, N, "{}", t.label);
        assert_eq!(sum, N * (N + 1) / 2);
        assert_eq!(batches, 40);
        assert_eq!(stream.rows_affected(), N as u64);
        assert!(aw!(stream.next()).is_none(), "a finished stream stays finished");
        drop(stream);

        // Dropped after a few rows: the rest is skipped, the next call is exact.
        let mut stream = aw!(conn.query_stream("SELECT g FROM generate_series(1, 50000) g", ())).unwrap();
        let first = aw!(stream.next_batch(3)).unwrap();
        assert_eq!(first.iter().map(|r| r.get::<_, i32>(0)).collect::<Vec<_>>(), [1, 2, 3]);
        drop(stream);
        let n: i64 = aw!(conn.query_scalar("SELECT $1::int8", (77_i64,))).unwrap();
        assert_eq!(n, 77);

        // An error in the middle of a stream comes out of next().
        let mut stream = aw!(conn.query_stream(
            "SELECT 10 / (5 - g) FROM generate_series(1, 10) g",
            ()
        ))
        .unwrap();
        let mut ok = 0;
        let err = loop {
            match aw!(stream.next()) {
                Some(Ok(_)) => ok += 1,
                Some(Err(e)) => break e,
                None => panic!("{}: the stream ended without its error", t.label),
            }
        };
        assert!(ok <= 4);
        assert_eq!(err.code(), Some(&SqlState::DIVISION_BY_ZERO));
        drop(stream);
        assert_eq!(conn.transaction_status(), TransactionStatus::Idle);
        let n: i32 = aw!(conn.query_scalar("SELECT 5", ())).unwrap();
        assert_eq!(n, 5);
    }
}

dual_test! {
    /// Values bigger than any read or write buffer, and statements with many parameters.
    fn large_values_and_many_parameters(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let blob: Vec<u8> = (0..8 * 1024 * 1024_u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
        let text: String = "pgtusk ✓ ".repeat(100_000);
        let row = aw!(conn.query_one(
            "SELECT $1::bytea, length($1::bytea), md5($1::bytea), $2::text, length($2::text)",
            (&blob, text.as_str())
        ))
        .unwrap();
        assert_eq!(row.get::<_, &[u8]>(0).len(), blob.len(), "{}", t.label);
        assert!(row.get::<_, &[u8]>(0) == &blob[..], "{}: the blob came back intact", t.label);
        assert_eq!(row.get::<_, i32>(1), blob.len() as i32);
        assert_eq!(row.get::<_, i32>(4), text.chars().count() as i32);
        assert_eq!(row.get::<_, &str>(3), text);
        let md5: String = row.get(2);
        assert_eq!(md5.len(), 32);
        // A big result of many rows of medium size, then a small exact query.
        let rows = aw!(conn.query("SELECT g, repeat('y', 1000) FROM generate_series(1, 5000) g", ())).unwrap();
        assert_eq!(rows.len(), 5000);
        assert_eq!(rows[4999].get::<_, &str>(1).len(), 1000);
        let n: i64 = aw!(conn.query_scalar("SELECT $1::int8", (1_i64,))).unwrap();
        assert_eq!(n, 1);

        // 1,000 parameters from a Vec.
        let values: Vec<i64> = (1..=1000).collect();
        let placeholders: Vec<String> = (1..=1000).map(|i| format!("${i}::int8")).collect();
        let sql = format!("SELECT {}", placeholders.join(" + "));
        let sum: i64 = aw!(conn.query_scalar(sql.as_str(), &values)).unwrap();
        assert_eq!(sum, 500_500);
        let sql = format!("SELECT array_length(ARRAY[{}], 1)", placeholders.join(", "));
        let len: i32 = aw!(conn.query_scalar(sql.as_str(), values)).unwrap();
        assert_eq!(len, 1000);
    }
}

dual_test! {
    /// Edge cases of statements: empty text, a NUL in a string parameter, a statement with
    /// rows in the middle of a batch, RETURNING.
    fn statement_edge_cases(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let rows = aw!(conn.query("", ())).unwrap();
        assert!(rows.is_empty(), "{}: an empty statement has no rows", t.label);
        assert_eq!(aw!(conn.execute("", ())).unwrap(), 0);
        assert_eq!(aw!(conn.execute("-- only a comment", ())).unwrap(), 0);

        // PostgreSQL text cannot hold NUL: the server refuses it (documented on the str Dumper).
        let e = aw!(conn.query("SELECT $1::text", ("a\0b",))).unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::CHARACTER_NOT_IN_REPERTOIRE), "{}: {e:?}", t.label);
        let n: i32 = aw!(conn.query_scalar("SELECT 1", ())).unwrap();
        assert_eq!(n, 1);

        aw!(conn.batch_execute("CREATE TEMP TABLE ret (id int4 GENERATED ALWAYS AS IDENTITY, v text)")).unwrap();
        let ids: Vec<(i32, String)> = aw!(conn.query_as(
            "INSERT INTO ret (v) VALUES ($1), ($2) RETURNING id, v",
            ("a", "b")
        ))
        .unwrap();
        assert_eq!(ids, [(1, "a".to_owned()), (2, "b".to_owned())]);
        assert_eq!(aw!(conn.execute("INSERT INTO ret (v) VALUES ('c') RETURNING id", ())).unwrap(), 1);
        let mut s = aw!(conn.query_stream("DELETE FROM ret WHERE id <= $1 RETURNING v", (2_i32,))).unwrap();
        let batch = aw!(s.next_batch(10)).unwrap();
        assert_eq!(batch.iter().map(|r| r.get::<_, String>(0)).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(s.rows_affected(), 2);
        drop(s);
        let mut s = aw!(conn.query_stream("SELECT 1 WHERE false", ())).unwrap();
        assert!(aw!(s.next()).is_none());
        drop(s);

        // Column names, including duplicates and non-ASCII ones.
        let row = aw!(conn.query_one("SELECT 1 AS a, 2 AS a, 3 AS \"été\"", ())).unwrap();
        assert_eq!(row.get::<_, i32>("a"), 1, "the first column of that name");
        assert_eq!(row.get::<_, i32>("été"), 3);
        assert_eq!(row.try_get::<_, i32>("nope").unwrap_err().kind(), ErrorKind::Conversion);
        assert_eq!(row.try_get::<_, i32>(3).unwrap_err().kind(), ErrorKind::Conversion);
    }
}

dual_test! {
    /// Typed streaming: `next_as` builds tuples straight from each DataRow (and derived or
    /// `Row` types through a Row); the values equal what `next` gives; a row that does not fit
    /// ends the stream with a conversion error naming the column, and the connection is usable.
    fn stream_rows_as_tuples(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let sql = "SELECT g::int8, 'n' || g, CASE WHEN g % 2 = 0 THEN g::float8 END \
                   FROM generate_series(1, 1000) g";
        let mut stream = aw!(conn.query_stream(sql, ())).unwrap();
        let mut typed = Vec::new();
        while let Some(row) = aw!(stream.next_as::<(i64, String, Option<f64>)>()) {
            typed.push(row.unwrap());
        }
        assert_eq!(typed.len(), 1000, "{}", t.label);
        let rows = aw!(conn.query(sql, ())).unwrap();
        for (row, tuple) in rows.iter().zip(&typed) {
            let expected: (i64, String, Option<f64>) = (row.get(0), row.get(1), row.get(2));
            assert_eq!(&expected, tuple);
        }
        // `Row` itself, through next_as.
        let mut stream = aw!(conn.query_stream("SELECT 7::int4 AS x", ())).unwrap();
        let row = aw!(stream.next_as::<pgtusk::Row>()).unwrap().unwrap();
        assert_eq!(row.get::<_, i32>("x"), 7);
        assert!(aw!(stream.next_as::<pgtusk::Row>()).is_none());
        // A NULL into a non-Option (row 1 has none in its third column): the error names
        // the column; the stream ends.
        let mut stream = aw!(conn.query_stream(sql, ())).unwrap();
        let err = aw!(stream.next_as::<(i64, String, f64)>()).unwrap().unwrap_err();
        assert_eq!(err.kind(), pgtusk::ErrorKind::Conversion);
        assert!(err.to_string().contains("\"case\""), "{err}");
        assert!(aw!(stream.next_as::<(i64, String, f64)>()).is_none(), "the stream ended");
        let n: i64 = aw!(conn.query_scalar("SELECT 5::int8", ())).unwrap();
        assert_eq!(n, 5);
    }
}
