//! COPY: text, CSV and binary, in and out, raw and typed, async and blocking; errors in the
//! middle, aborts, dropped handles, transactions, pipelines, and a million rows.

use std::time::Instant;

use bytes::Bytes;
use pgtusk::protocol::Format;
use pgtusk::types::oid;
use pgtusk::{ErrorKind, SqlState};

use crate::common::dual_test;

/// Every built-in type the binary COPY tests cover, as one row.
type AllTypes = (
    Option<bool>,
    Option<i16>,
    Option<i32>,
    Option<i64>,
    Option<f32>,
    Option<f64>,
    Option<String>,
    Option<Vec<u8>>,
);

const ALL_TYPES_TABLE: &str = "CREATE TEMP TABLE all_types (b bool, i2 int2, i4 int4, \
     i8 int8, f4 float4, f8 float8, t text, by bytea)";
const ALL_TYPES_OIDS: &[u32] =
    &[oid::BOOL, oid::INT2, oid::INT4, oid::INT8, oid::FLOAT4, oid::FLOAT8, oid::TEXT, oid::BYTEA];

fn all_types_rows() -> Vec<AllTypes> {
    vec![
        (
            Some(true),
            Some(i16::MIN),
            Some(i32::MAX),
            Some(i64::MIN),
            Some(1.5),
            Some(-2.25e300),
            Some("héllo, \"wörld\"\t\n\\".into()),
            Some(vec![0, 1, 0xff, b'\\']),
        ),
        (
            Some(false),
            Some(-1),
            Some(0),
            Some(i64::MAX),
            Some(f32::INFINITY),
            Some(f64::NEG_INFINITY),
            Some(String::new()),
            Some(vec![]),
        ),
        (None, None, None, None, None, None, None, None),
    ]
}

dual_test! {
    /// Text, CSV and binary data in, then out in each format.
    fn formats_in_and_out(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("CREATE TEMP TABLE f (a int8, b text)")).unwrap();

        let mut w = aw!(conn.copy_in("COPY f FROM STDIN")).unwrap();
        assert_eq!(w.response().format(), Format::Text);
        assert_eq!(w.response().len(), 2);
        aw!(w.send(Bytes::from_static(b"1\tone\n2\t\\N\n"))).unwrap();
        assert_eq!(aw!(w.finish()).unwrap(), 2, "{}", t.label);

        let mut w = aw!(conn.copy_in("COPY f (a, b) FROM STDIN (FORMAT csv)")).unwrap();
        aw!(w.send(Bytes::from_static(b"3,\"th,ree\"\n4,\n"))).unwrap();
        assert_eq!(aw!(w.finish()).unwrap(), 2);

        let mut w = aw!(conn.copy_in("COPY f (a, b) FROM STDIN (FORMAT binary)")).unwrap();
        assert_eq!(w.response().format(), Format::Binary);
        aw!(w.write_row((5_i64, "five"))).unwrap();
        aw!(w.write_row((6_i64, None::<&str>))).unwrap();
        assert_eq!(aw!(w.finish()).unwrap(), 2);

        let text = collect(aw!(conn.copy_out("COPY (SELECT * FROM f ORDER BY a) TO STDOUT")).unwrap());
        let text = aw!(text).unwrap();
        assert_eq!(
            text,
            b"1\tone\n2\t\\N\n3\tth,ree\n4\t\\N\n5\tfive\n6\t\\N\n",
            "{}",
            t.label
        );

        let sql = "COPY (SELECT * FROM f ORDER BY a) TO STDOUT (FORMAT csv, HEADER)";
        let csv = aw!(collect(aw!(conn.copy_out(sql)).unwrap())).unwrap();
        assert_eq!(csv, b"a,b\n1,one\n2,\n3,\"th,ree\"\n4,\n5,five\n6,\n");

        let sql = "COPY (SELECT * FROM f ORDER BY a) TO STDOUT (FORMAT binary)";
        let mut r = aw!(conn.copy_out_binary(sql, &[oid::INT8, oid::TEXT])).unwrap();
        assert_eq!(r.response().format(), Format::Binary);
        let mut got = Vec::new();
        while let Some(row) = aw!(r.read_row::<(i64, Option<String>)>()).unwrap() {
            got.push(row);
        }
        assert_eq!(r.rows_affected(), 6);
        assert_eq!(
            got,
            [
                (1, Some("one".into())),
                (2, None),
                (3, Some("th,ree".into())),
                (4, None),
                (5, Some("five".into())),
                (6, None)
            ]
        );

        // Raw binary rows need no types.
        let mut r = aw!(conn.copy_out("COPY (SELECT * FROM f ORDER BY a LIMIT 2) TO STDOUT (FORMAT binary)")).unwrap();
        let row = aw!(r.next_raw_row()).unwrap().unwrap();
        assert_eq!(row.values().collect::<Vec<_>>(), [Some(&1_i64.to_be_bytes()[..]), Some(&b"one"[..])]);
        let row = aw!(r.next_raw_row()).unwrap().unwrap();
        assert_eq!(row.values().nth(1), Some(None));
        assert!(aw!(r.next_raw_row()).is_none());
        assert_eq!(aw!(conn.query_scalar::<i64, _, _>("SELECT count(*) FROM f", ())).unwrap(), 6);
    }
}

dual_test! {
    /// Every supported built-in type through binary COPY in and back out, NULLs included,
    /// and the same values through a plain SELECT.
    fn builtin_types_through_binary_copy(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute(ALL_TYPES_TABLE)).unwrap();
        let rows = all_types_rows();
        let sql = "COPY all_types FROM STDIN (FORMAT binary)";
        let mut w = aw!(conn.copy_in_binary(sql, ALL_TYPES_OIDS)).unwrap();
        for r in &rows {
            aw!(w.write_row((&r.0, &r.1, &r.2, &r.3, &r.4, &r.5, &r.6, &r.7))).unwrap();
        }
        assert_eq!(aw!(w.finish()).unwrap(), 3, "{}", t.label);

        let sql = "COPY (SELECT * FROM all_types ORDER BY i8 NULLS LAST) TO STDOUT (FORMAT binary)";
        let mut r = aw!(conn.copy_out_binary(sql, ALL_TYPES_OIDS)).unwrap();
        let mut got = Vec::new();
        while let Some(row) = aw!(r.read_row::<AllTypes>()).unwrap() {
            got.push(row);
        }
        // Ordered by i8: MIN, MAX, NULL, as written.
        let expected = rows.clone();
        assert_eq!(got, expected);

        let selected: Vec<AllTypes> =
            aw!(conn.query_as("SELECT * FROM all_types ORDER BY i8 NULLS LAST", ())).unwrap();
        assert_eq!(selected, expected);

        // Rows as `Row`s, by column name with named columns.
        let stmt = aw!(conn.prepare("SELECT i4, t FROM all_types")).unwrap();
        let sql = "COPY (SELECT i4, t FROM all_types ORDER BY i4 NULLS LAST) TO STDOUT (FORMAT binary)";
        let mut r = aw!(conn.copy_out_binary_columns(sql, stmt.columns())).unwrap();
        let row = aw!(r.next_row()).unwrap().unwrap();
        assert_eq!(row.get::<_, i32>("i4"), 0);
        assert_eq!(row.get::<_, &str>("t"), "");
    }
}

dual_test! {
    /// Column lists (the other columns get their defaults), and `COPY (query) TO STDOUT`.
    fn column_lists_and_queries(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("CREATE TEMP TABLE cl (a int8, b text DEFAULT 'dflt', c int4)")).unwrap();
        let mut w = aw!(conn.copy_in_binary("COPY cl (c, a) FROM STDIN (FORMAT binary)", &[oid::INT4, oid::INT8])).unwrap();
        assert_eq!(w.response().len(), 2);
        aw!(w.write_row((7_i32, 1_i64))).unwrap();
        aw!(w.write_row([&8_i32 as &dyn pgtusk::Dumper, &2_i64])).unwrap();
        assert_eq!(aw!(w.finish()).unwrap(), 2);
        let mut w = aw!(conn.copy_in("COPY cl (b) FROM STDIN (FORMAT csv)")).unwrap();
        aw!(w.send(Bytes::from_static(b"x\n"))).unwrap();
        assert_eq!(aw!(w.finish()).unwrap(), 1);

        let sql = "COPY (SELECT a, b, c FROM cl ORDER BY a NULLS LAST) TO STDOUT (FORMAT csv)";
        let csv = aw!(collect(aw!(conn.copy_out(sql)).unwrap())).unwrap();
        assert_eq!(csv, b"1,dflt,7\n2,dflt,8\n,x,\n", "{}", t.label);

        let sql = "COPY (SELECT g, g * 2 FROM generate_series(1, 3) g) TO STDOUT (FORMAT binary)";
        let mut r = aw!(conn.copy_out_binary(sql, &[oid::INT4, oid::INT4])).unwrap();
        let mut sum = 0;
        while let Some((a, b)) = aw!(r.read_row::<(i32, i32)>()).unwrap() {
            sum += a + b;
        }
        assert_eq!(sum, 18);
        assert_eq!(r.rows_affected(), 3);
        let sql = "COPY cl (a, c) TO STDOUT";
        let text = aw!(collect(aw!(conn.copy_out(sql)).unwrap())).unwrap();
        assert_eq!(text.iter().filter(|&&b| b == b'\n').count(), 3);
    }
}

dual_test! {
    /// A bad value in the middle: the server's error (22P02) with the COPY context, and a
    /// usable connection. A long stream after the bad value is cut short: a write returns
    /// the error before the data ends.
    fn bad_value_in_the_middle(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("CREATE TEMP TABLE bad (a int4)")).unwrap();
        let mut w = aw!(conn.copy_in("COPY bad FROM STDIN")).unwrap();
        aw!(w.send(Bytes::from_static(b"1\n2\nnot a number\n3\n"))).unwrap();
        let e = aw!(w.finish()).unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::INVALID_TEXT_REPRESENTATION), "{e}");
        let db = e.as_db_error().unwrap();
        let context = db.where_().unwrap_or_default();
        assert!(context.contains("COPY bad") && context.contains("line 3"), "{context:?}");
        assert_eq!(aw!(conn.query_scalar::<i64, _, _>("SELECT count(*) FROM bad", ())).unwrap(), 0);

        let mut w = aw!(conn.copy_in("COPY bad FROM STDIN")).unwrap();
        aw!(w.send(Bytes::from_static(b"oops\n"))).unwrap();
        let block = Bytes::from("1\n".repeat(32 * 1024));
        let mut early = None;
        for i in 0..1000 {
            if let Err(e) = aw!(w.send(block.clone())) {
                early = Some((i, e));
                break;
            }
        }
        let (i, e) = early.expect("the error came back before 64 MB were sent");
        assert_eq!(e.code(), Some(&SqlState::INVALID_TEXT_REPRESENTATION));
        assert!(i < 1000);
        let e2 = aw!(w.finish()).unwrap_err();
        assert_eq!(e2.code(), Some(&SqlState::INVALID_TEXT_REPRESENTATION));

        // A constraint violation in a typed binary COPY.
        aw!(conn.batch_execute("ALTER TABLE bad ADD CONSTRAINT small CHECK (a < 10)")).unwrap();
        let mut w = aw!(conn.copy_in_binary("COPY bad FROM STDIN (FORMAT binary)", &[oid::INT4])).unwrap();
        for a in [1_i32, 2, 30, 4] {
            aw!(w.write_row((a,))).unwrap();
        }
        let e = aw!(w.finish()).unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::CHECK_VIOLATION));
        assert!(e.as_db_error().unwrap().where_().unwrap_or_default().contains("COPY bad"));
        assert_eq!(aw!(conn.query_scalar::<i32, _, _>("SELECT 41 + 1", ())).unwrap(), 42);
    }
}

dual_test! {
    /// A query that fails part-way through COPY TO STDOUT: the data before the error, then
    /// the error (once), for chunks and for rows; several statements in one copy_in.
    fn errors_in_copy_out_and_odd_query_strings(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let sql = "COPY (SELECT 1 / (g - 30000) FROM generate_series(1, 40000) g) TO STDOUT";
        let mut r = aw!(conn.copy_out(sql)).unwrap();
        let (mut lines, mut error) = (0, None);
        while let Some(chunk) = aw!(r.next_chunk()) {
            match chunk {
                Ok(c) => lines += c.iter().filter(|&&b| b == b'\n').count(),
                Err(e) => error = Some(e),
            }
        }
        assert!(lines < 30000, "{lines}");
        assert_eq!(error.unwrap().code(), Some(&SqlState::DIVISION_BY_ZERO), "{}", t.label);
        let sql = "COPY (SELECT 1 / (g - 30000) FROM generate_series(1, 40000) g) TO STDOUT (FORMAT binary)";
        let mut r = aw!(conn.copy_out_binary(sql, &[oid::INT4])).unwrap();
        let mut rows = 0;
        let e = loop {
            match aw!(r.read_row::<(i32,)>()) {
                Ok(Some(_)) => rows += 1,
                Ok(None) => panic!("no error"),
                Err(e) => break e,
            }
        };
        assert!(rows < 30000);
        assert_eq!(e.code(), Some(&SqlState::DIVISION_BY_ZERO));
        assert!(aw!(r.next_row()).is_none());
        assert_eq!(aw!(conn.query_scalar::<i32, _, _>("SELECT 1", ())).unwrap(), 1);

        aw!(conn.batch_execute("CREATE TEMP TABLE qs (a int4)")).unwrap();
        // Statements around the COPY: the count is the COPY's.
        let mut w = aw!(conn.copy_in("SET application_name = 'x'; COPY qs FROM STDIN; SELECT 1")).unwrap();
        aw!(w.send(Bytes::from_static(b"1\n2\n"))).unwrap();
        assert_eq!(aw!(w.finish()).unwrap(), 2);
        // A second COPY FROM STDIN in the same string is refused; the string is one implicit
        // transaction, so nothing stays.
        let mut w = aw!(conn.copy_in("COPY qs FROM STDIN; COPY qs FROM STDIN")).unwrap();
        aw!(w.send(Bytes::from_static(b"3\n"))).unwrap();
        assert_eq!(aw!(w.finish()).unwrap_err().kind(), ErrorKind::Misuse);
        // A COPY TO STDOUT before the COPY FROM STDIN: refused without hanging.
        let e = aw!(conn.copy_in("COPY qs TO STDOUT; COPY qs FROM STDIN")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Misuse);
        assert_eq!(aw!(conn.query_scalar::<i64, _, _>("SELECT count(*) FROM qs", ())).unwrap(), 2);
    }
}

dual_test! {
    /// A COPY inside a transaction that is then rolled back leaves no rows.
    fn copy_in_a_rolled_back_transaction(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("CREATE TEMP TABLE tx (a int8)")).unwrap();
        {
            let mut tx = aw!(conn.transaction()).unwrap();
            let mut w = aw!(tx.copy_in("COPY tx FROM STDIN (FORMAT binary)")).unwrap();
            for i in 0..100_i64 {
                aw!(w.write_row((i,))).unwrap();
            }
            assert_eq!(aw!(w.finish()).unwrap(), 100);
            assert_eq!(aw!(tx.query_scalar::<i64, _, _>("SELECT count(*) FROM tx", ())).unwrap(), 100);
            aw!(tx.rollback()).unwrap();
        }
        assert_eq!(aw!(conn.query_scalar::<i64, _, _>("SELECT count(*) FROM tx", ())).unwrap(), 0, "{}", t.label);
    }
}

dual_test! {
    /// abort(reason): the server's error names the reason; nothing is copied.
    fn abort_with_a_reason(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("CREATE TEMP TABLE ab (a int8)")).unwrap();
        let mut w = aw!(conn.copy_in("COPY ab FROM STDIN")).unwrap();
        aw!(w.send(Bytes::from_static(b"1\n2\n"))).unwrap();
        let e = aw!(w.abort("the input file was corrupt"));
        assert_eq!(e.code(), Some(&SqlState::QUERY_CANCELED), "{e}");
        let message = e.as_db_error().unwrap().message();
        assert!(message.contains("the input file was corrupt"), "{message}");
        assert_eq!(aw!(conn.query_scalar::<i64, _, _>("SELECT count(*) FROM ab", ())).unwrap(), 0);
    }
}

dual_test! {
    /// Dropped handles: the next call on the connection works; a dropped CopyIn copies
    /// nothing, a dropped CopyOut's data is discarded.
    fn dropped_handles(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("CREATE TEMP TABLE dr (a int8)")).unwrap();
        {
            let mut w = aw!(conn.copy_in("COPY dr FROM STDIN (FORMAT binary)")).unwrap();
            for i in 0..50_000_i64 {
                aw!(w.write_row((i,))).unwrap();
            }
        }
        assert_eq!(aw!(conn.query_scalar::<i64, _, _>("SELECT count(*) FROM dr", ())).unwrap(), 0, "{}", t.label);
        {
            // Dropped before anything was written.
            let _w = aw!(conn.copy_in("COPY dr FROM STDIN")).unwrap();
        }
        aw!(conn.execute("INSERT INTO dr VALUES ($1)", (1_i64,))).unwrap();
        {
            let mut r = aw!(conn.copy_out("COPY (SELECT g, repeat('x', 100) FROM generate_series(1, 200000) g) TO STDOUT")).unwrap();
            let first = aw!(r.next_chunk()).unwrap().unwrap();
            assert!(first.starts_with(b"1\t"));
        }
        assert_eq!(aw!(conn.query_scalar::<i64, _, _>("SELECT count(*) FROM dr", ())).unwrap(), 1);
        {
            // Dropped before the first read.
            let _r = aw!(conn.copy_out("COPY (SELECT 1) TO STDOUT")).unwrap();
        }
        {
            // Dropped in the middle of a typed read.
            let sql = "COPY (SELECT g FROM generate_series(1, 100000) g) TO STDOUT (FORMAT binary)";
            let mut r = aw!(conn.copy_out_binary(sql, &[oid::INT4])).unwrap();
            assert_eq!(aw!(r.read_row::<(i32,)>()).unwrap(), Some((1,)));
        }
        assert_eq!(aw!(conn.query_scalar::<i32, _, _>("SELECT 42", ())).unwrap(), 42);
    }
}

dual_test! {
    /// Statements that are not the expected COPY, wrong types, wrong formats: errors, and the
    /// connection stays usable after each.
    fn refused_copies(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("CREATE TEMP TABLE rf (a int8, b text)")).unwrap();
        let e = aw!(conn.copy_in("SELECT 1")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Misuse, "{e}");
        let e = aw!(conn.copy_in("COPY rf TO STDOUT")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Misuse, "{e}");
        let e = aw!(conn.copy_out("COPY rf FROM STDIN")).unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::QUERY_CANCELED), "{e}");
        let e = aw!(conn.copy_out("SELECT 1")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Misuse, "{e}");
        let e = aw!(conn.copy_in("COPY no_such_table FROM STDIN")).unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::UNDEFINED_TABLE));
        let e = aw!(conn.copy_out("COPY no_such_table TO STDOUT")).unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::UNDEFINED_TABLE));
        assert_eq!(aw!(conn.query_scalar::<i32, _, _>("SELECT 1", ())).unwrap(), 1);

        // Typed rows need a binary COPY with the right columns.
        let e = aw!(conn.copy_in_binary("COPY rf FROM STDIN", &[oid::INT8, oid::TEXT])).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Misuse, "{e}");
        let e = aw!(conn.copy_in_binary("COPY rf FROM STDIN (FORMAT binary)", &[oid::INT8])).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Misuse, "{e}");
        let e = aw!(conn.copy_out_binary("COPY rf TO STDOUT", &[oid::INT8, oid::TEXT])).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Misuse, "{e}");
        assert_eq!(aw!(conn.query_scalar::<i64, _, _>("SELECT count(*) FROM rf", ())).unwrap(), 0);

        let mut w = aw!(conn.copy_in("COPY rf FROM STDIN")).unwrap();
        assert_eq!(aw!(w.write_row((1_i64, "x"))).unwrap_err().kind(), ErrorKind::Misuse);
        aw!(w.send(Bytes::from_static(b"1\tx\n"))).unwrap();
        assert_eq!(aw!(w.finish()).unwrap(), 1);

        // A row that does not fit is not sent; the COPY goes on.
        let mut w = aw!(conn.copy_in_binary("COPY rf FROM STDIN (FORMAT binary)", &[oid::INT8, oid::TEXT])).unwrap();
        assert_eq!(aw!(w.write_row((1_i32, "x"))).unwrap_err().kind(), ErrorKind::Conversion);
        assert_eq!(aw!(w.write_row((1_i64,))).unwrap_err().kind(), ErrorKind::Misuse);
        aw!(w.write_row((2_i64, "y"))).unwrap();
        assert_eq!(aw!(w.finish()).unwrap(), 1);

        // Typed rows out need types; text data has no binary rows.
        let mut r = aw!(conn.copy_out("COPY rf TO STDOUT (FORMAT binary)")).unwrap();
        assert_eq!(aw!(r.next_row()).unwrap().unwrap_err().kind(), ErrorKind::Misuse);
        assert!(aw!(r.next_row()).is_none());
        let mut r = aw!(conn.copy_out("COPY rf TO STDOUT")).unwrap();
        assert_eq!(aw!(r.next_raw_row()).unwrap().unwrap_err().kind(), ErrorKind::Misuse);
        assert!(aw!(r.next_chunk()).is_some());
        assert_eq!(aw!(conn.query_scalar::<i64, _, _>("SELECT count(*) FROM rf", ())).unwrap(), 2);

        // An empty COPY.
        let w = aw!(conn.copy_in("COPY rf FROM STDIN (FORMAT binary)")).unwrap();
        let e = aw!(w.finish()).unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::BAD_COPY_FILE_FORMAT), "no header: {e}");
        let w = aw!(conn.copy_in_binary("COPY rf FROM STDIN (FORMAT binary)", &[oid::INT8, oid::TEXT])).unwrap();
        assert_eq!(aw!(w.finish()).unwrap(), 0, "a typed COPY always sends header and trailer");
    }
}

dual_test! {
    /// COPY inside an explicit pipeline is refused with an item error; the connection stays
    /// usable. (COPY FROM STDIN as the last item: the core answers CopyInResponse with
    /// CopyFail.)
    fn copy_refused_in_a_pipeline(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("CREATE TEMP TABLE pc (a int8)")).unwrap();
        let mut p = conn.pipeline();
        let b = p.execute("COPY pc TO STDOUT", ());
        p.sync().unwrap();
        let c = p.query("SELECT 5::int8", ());
        p.sync().unwrap();
        let a = p.execute("COPY pc FROM STDIN", ());
        let out = aw!(p.run()).unwrap();
        let ea = out.rows_affected(a).unwrap_err();
        assert!(matches!(ea.kind(), ErrorKind::Db | ErrorKind::Misuse), "{ea}");
        let eb = out.rows_affected(b).unwrap_err();
        assert_eq!(eb.kind(), ErrorKind::Misuse, "{eb}");
        assert_eq!(out.rows(c).unwrap()[0].get::<_, i64>(0), 5, "{}", t.label);
        assert_eq!(aw!(conn.query_scalar::<i64, _, _>("SELECT count(*) FROM pc", ())).unwrap(), 0);
        // Outside a pipeline too.
        let e = aw!(conn.execute("COPY pc FROM STDIN", ())).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Db | ErrorKind::Misuse), "{e}");
        let e = aw!(conn.query("COPY pc TO STDOUT", ())).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Misuse, "{e}");
        assert_eq!(aw!(conn.query_scalar::<i64, _, _>("SELECT 6::int8", ())).unwrap(), 6);
    }
}

dual_test! {
    /// COPY FROM STDIN followed by more pipelined statements. PostgreSQL would read the next
    /// statement's Parse while in COPY mode and end the session ("protocol synchronization
    /// was lost", FATAL 08P01), so the pipeline refuses a COPY item before sending it.
    fn copy_in_the_middle_of_a_pipeline(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("CREATE TEMP TABLE pm (a int8)")).unwrap();
        let mut p = conn.pipeline();
        let a = p.execute("COPY pm FROM STDIN", ());
        p.sync().unwrap();
        let c = p.query("SELECT 5::int8", ());
        let out = aw!(p.run()).unwrap();
        assert_eq!(out.rows_affected(a).unwrap_err().kind(), ErrorKind::Misuse);
        assert_eq!(out.rows(c).unwrap()[0].get::<_, i64>(0), 5, "{}", t.label);
        assert_eq!(aw!(conn.query_scalar::<i64, _, _>("SELECT 6::int8", ())).unwrap(), 6);
    }
}

dual_test! {
    /// The CSV helpers: export any query with a header, load it back.
    fn csv_helpers(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("CREATE TEMP TABLE csv_src AS SELECT g AS id, 'name ' || g AS name \
             FROM generate_series(1, 5000) g; CREATE TEMP TABLE csv_dst (id int4, name text)")).unwrap();
        let mut out: Vec<u8> = Vec::new();
        let n = aw!(conn.copy_to_csv("SELECT id, name FROM csv_src ORDER BY id -- sorted\n;", &mut out)).unwrap();
        assert_eq!(n, 5000, "{}", t.label);
        assert!(out.starts_with(b"id,name\n1,name 1\n2,name 2\n"));
        let n = aw!(conn.copy_from_csv("csv_dst (id, name)", &out[..])).unwrap();
        assert_eq!(n, 5000);
        let same: i64 = aw!(conn.query_scalar(
            "SELECT count(*) FROM csv_src s JOIN csv_dst d USING (id, name)", ())).unwrap();
        assert_eq!(same, 5000);
        // A bad file: the error, and nothing loaded.
        let e = aw!(conn.copy_from_csv("csv_dst", &b"id,name\nx,y\n"[..])).unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::INVALID_TEXT_REPRESENTATION));
        let e = aw!(conn.copy_to_csv("SELECT * FROM nowhere", &mut out)).unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::UNDEFINED_TABLE));
        assert_eq!(aw!(conn.query_scalar::<i64, _, _>("SELECT count(*) FROM csv_dst", ())).unwrap(), 5000);
    }
}

dual_test! {
    /// A million rows in through typed binary rows and back out, counted (the blocking run
    /// does a quarter, to keep the suite quick on small machines).
    fn a_million_rows(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("CREATE TEMP TABLE big (a int8, b float8, c text)")).unwrap();
        let started = Instant::now();
        let mut w = aw!(conn.copy_in_binary("COPY big FROM STDIN (FORMAT binary)", &[oid::INT8, oid::FLOAT8, oid::TEXT])).unwrap();
        let n: i64 = if std::any::type_name::<Conn>().contains("blocking") { 250_000 } else { 1_000_000 };
        for i in 0..n {
            aw!(w.write_row((i, i as f64 / 2.0, "some text"))).unwrap();
        }
        assert_eq!(aw!(w.finish()).unwrap(), n as u64, "{}", t.label);
        let sql = "COPY big TO STDOUT (FORMAT binary)";
        let mut r = aw!(conn.copy_out_binary(sql, &[oid::INT8, oid::FLOAT8, oid::TEXT])).unwrap();
        let (mut count, mut sum) = (0_i64, 0_i64);
        while let Some(row) = aw!(r.next_row()) {
            let row = row.unwrap();
            sum += row.get::<_, i64>(0);
            count += 1;
        }
        assert_eq!(r.rows_affected(), n as u64);
        assert_eq!((count, sum), (n, n * (n - 1) / 2));
        eprintln!("{}: {n} rows in and out in {:?}", t.label, started.elapsed());
    }
}

/// Reads a whole COPY TO STDOUT.
#[allow(dead_code)]
async fn collect_async(mut r: pgtusk::CopyOut<'_>) -> Result<Vec<u8>, pgtusk::Error> {
    let mut out = Vec::new();
    while let Some(chunk) = r.next_chunk().await {
        out.extend_from_slice(&chunk?);
    }
    Ok(out)
}

/// `collect` for both connections: `aw!(collect(r))`.
trait Collect {
    type Output;
    fn collect_all(self) -> Self::Output;
}

fn collect<C: Collect>(c: C) -> C::Output {
    c.collect_all()
}

impl<'c> Collect for pgtusk::CopyOut<'c> {
    type Output = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Vec<u8>, pgtusk::Error>> + Send + 'c>,
    >;
    fn collect_all(self) -> Self::Output {
        Box::pin(collect_async(self))
    }
}

impl Collect for pgtusk::blocking::CopyOut<'_> {
    type Output = Result<Vec<u8>, pgtusk::Error>;
    fn collect_all(mut self) -> Self::Output {
        let mut out = Vec::new();
        while let Some(chunk) = self.next_chunk() {
            out.extend_from_slice(&chunk?);
        }
        Ok(out)
    }
}

// ----- the IO traits --------------------------------------------------------------------------

#[tokio::test]
async fn async_write_and_read_traits() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    for t in crate::common::targets() {
        let mut conn = pgtusk::Connection::connect(&t.url).await.unwrap();
        conn.batch_execute("CREATE TEMP TABLE io (a int8, b text)").await.unwrap();
        let mut w = conn.copy_in("COPY io FROM STDIN (FORMAT csv)").await.unwrap();
        let mut expected = Vec::new();
        for i in 0..200_000 {
            let line = format!("{i},\"row {i}\"\n");
            expected.extend_from_slice(format!("{i},row {i}\n").as_bytes());
            w.write_all(line.as_bytes()).await.unwrap();
        }
        w.flush().await.unwrap();
        w.shutdown().await.unwrap();
        assert_eq!(w.finish().await.unwrap(), 200_000, "{}", t.label);

        let mut r = conn
            .copy_out("COPY (SELECT * FROM io ORDER BY a) TO STDOUT (FORMAT csv)")
            .await
            .unwrap();
        let mut first = [0_u8; 3];
        r.read_exact(&mut first).await.unwrap();
        assert_eq!(&first, b"0,r");
        let mut rest = Vec::new();
        r.read_to_end(&mut rest).await.unwrap();
        assert_eq!([&first[..], &rest].concat(), expected);
        assert_eq!(r.rows_affected(), 200_000);

        // A server error surfaces as an io::Error wrapping pgtusk's.
        let mut w = conn.copy_in("COPY io FROM STDIN").await.unwrap();
        let bad = "x\ty\n".repeat(100_000);
        let mut failed = None;
        for _ in 0..100 {
            if let Err(e) = w.write_all(bad.as_bytes()).await {
                failed = Some(e);
                break;
            }
        }
        let io = failed.expect("the write failed");
        let inner = io.get_ref().and_then(|e| e.downcast_ref::<pgtusk::Error>()).unwrap();
        assert_eq!(inner.code(), Some(&SqlState::INVALID_TEXT_REPRESENTATION));
        assert!(w.finish().await.is_err());
        assert_eq!(
            conn.query_scalar::<i64, _, _>("SELECT count(*) FROM io", ()).await.unwrap(),
            200_000
        );
    }
}

#[test]
fn blocking_write_and_read_traits() {
    use std::io::{Read, Write};
    for t in crate::common::targets() {
        let mut conn = pgtusk::blocking::Connection::connect(&t.url).unwrap();
        conn.batch_execute("CREATE TEMP TABLE io (a int8, b text)").unwrap();
        let mut w = conn.copy_in("COPY io FROM STDIN (FORMAT csv)").unwrap();
        let mut expected = Vec::new();
        for i in 0..200_000 {
            let line = format!("{i},\"row {i}\"\n");
            expected.extend_from_slice(format!("{i},row {i}\n").as_bytes());
            w.write_all(line.as_bytes()).unwrap();
        }
        w.flush().unwrap();
        assert_eq!(w.finish().unwrap(), 200_000, "{}", t.label);

        let mut r =
            conn.copy_out("COPY (SELECT * FROM io ORDER BY a) TO STDOUT (FORMAT csv)").unwrap();
        let mut first = [0_u8; 3];
        r.read_exact(&mut first).unwrap();
        assert_eq!(&first, b"0,r");
        let mut rest = Vec::new();
        r.read_to_end(&mut rest).unwrap();
        assert_eq!([&first[..], &rest].concat(), expected);

        let mut w = conn.copy_in("COPY io FROM STDIN").unwrap();
        let bad = "x\ty\n".repeat(100_000);
        let mut failed = None;
        for _ in 0..100 {
            if let Err(e) = w.write_all(bad.as_bytes()) {
                failed = Some(e);
                break;
            }
        }
        let io = failed.expect("the write failed");
        let inner = io.get_ref().and_then(|e| e.downcast_ref::<pgtusk::Error>()).unwrap();
        assert_eq!(inner.code(), Some(&SqlState::INVALID_TEXT_REPRESENTATION));
        assert!(w.finish().is_err());
        assert_eq!(conn.query_scalar::<i64, _, _>("SELECT count(*) FROM io", ()).unwrap(), 200_000);
    }
}

/// A CopyIn whose `write_row` future is dropped part-way (cancel safety): the connection
/// stays usable and nothing is copied.
#[tokio::test]
async fn cancelled_copy_futures() {
    for t in crate::common::targets() {
        let mut conn = pgtusk::Connection::connect(&t.url).await.unwrap();
        conn.batch_execute("CREATE TEMP TABLE cf (a int8, b text)").await.unwrap();
        for polls in [0, 1, 2, 5] {
            {
                let mut w = conn.copy_in("COPY cf FROM STDIN (FORMAT binary)").await.unwrap();
                let long = "y".repeat(1000);
                for i in 0..2000_i64 {
                    // Most rows complete at once; the ones that flush are dropped mid-write.
                    let _ =
                        crate::common::poll_then_drop(w.write_row((i, long.as_str())), polls).await;
                }
                let _ = crate::common::poll_then_drop(w.finish(), polls).await;
            }
            let n: i64 = conn.query_scalar("SELECT count(*) FROM cf", ()).await.unwrap();
            assert!(n == 0 || n == 2000, "{}: {n}", t.label);
            conn.batch_execute("TRUNCATE cf").await.unwrap();
        }
        {
            let mut r = conn
                .copy_out("COPY (SELECT g FROM generate_series(1, 100000) g) TO STDOUT")
                .await
                .unwrap();
            let _ = crate::common::poll_then_drop(r.next_chunk(), 1).await;
        }
        assert_eq!(conn.query_scalar::<i32, _, _>("SELECT 3", ()).await.unwrap(), 3);
    }
}

/// The peak resident memory of this process (`VmHWM`), in KiB (Linux only).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Ten million rows in and out with bounded memory: the process stays under 64 MiB.
/// Run alone and optimised, since other tests share the process:
/// `cargo test --release --test integration copy::ten_million -- --ignored`.
#[tokio::test]
#[ignore = "slow; measures the whole process, so run it alone"]
async fn ten_million_rows_in_bounded_memory() {
    let Some(t) = crate::common::targets().pop() else { return };
    let mut conn = pgtusk::Connection::connect(&t.url).await.unwrap();
    conn.batch_execute("CREATE TEMP TABLE ten (a int8, b float8, c text)").await.unwrap();
    let types = [oid::INT8, oid::FLOAT8, oid::TEXT];
    let started = Instant::now();
    let mut w = conn.copy_in_binary("COPY ten FROM STDIN (FORMAT binary)", &types).await.unwrap();
    const N: i64 = 10_000_000;
    for i in 0..N {
        w.write_row((i, i as f64, "a short text value")).await.unwrap();
    }
    assert_eq!(w.finish().await.unwrap(), N as u64);
    let copied_in = started.elapsed();
    let mut r = conn.copy_out_binary("COPY ten TO STDOUT (FORMAT binary)", &types).await.unwrap();
    let mut count = 0_i64;
    while let Some(row) = r.next_row().await {
        count += i64::from(row.unwrap().get::<_, &str>(2).len() == 18);
    }
    assert_eq!(count, N);
    let copied_out = started.elapsed() - copied_in;
    let peak = peak_rss_kib().unwrap_or(0);
    let cpu = cpu_ticks();
    // The server's own COPY of the same rows, for comparison.
    let file = format!("/tmp/pgtusk_ten_{}.bin", std::process::id());
    let server_out = Instant::now();
    conn.batch_execute("COPY ten TO '/dev/null' (FORMAT binary)").await.unwrap();
    let server_out = server_out.elapsed();
    conn.batch_execute(&format!("COPY ten TO '{file}' (FORMAT binary); TRUNCATE ten"))
        .await
        .unwrap();
    let server_in = Instant::now();
    conn.batch_execute(&format!("COPY ten FROM '{file}' (FORMAT binary)")).await.unwrap();
    let server_in = server_in.elapsed();
    let _ = std::fs::remove_file(&file);
    eprintln!(
        "{}: 10M rows in {copied_in:?} (server from file {server_in:?}), out {copied_out:?} \
         (server to /dev/null {server_out:?}); client CPU {cpu:?} ticks; peak RSS {} MiB",
        t.label,
        peak / 1024
    );
    assert!(peak < 64 * 1024, "peak RSS {peak} KiB");
}

/// User and system CPU time of this process so far, in clock ticks (Linux only).
fn cpu_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    let mut fields = after_name.split_whitespace().skip(11);
    Some((fields.next()?.parse().ok()?, fields.next()?.parse().ok()?))
}

/// A reader (async and blocking) that gives some bytes, then fails.
struct FailingReader {
    data: &'static [u8],
}

impl std::io::Read for FailingReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.data.is_empty() {
            return Err(std::io::Error::other("disk on fire"));
        }
        let n = self.data.len().min(buf.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

impl tokio::io::AsyncRead for FailingReader {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let mut tmp = vec![0; buf.remaining()];
        let r = std::io::Read::read(this, &mut tmp).map(|n| buf.put_slice(&tmp[..n]));
        std::task::Poll::Ready(r)
    }
}

dual_test! {
    /// A CSV reader that fails part-way: its error, the COPY aborted, nothing loaded.
    fn csv_reader_failure(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("CREATE TEMP TABLE rd (a int4)")).unwrap();
        let reader = FailingReader { data: b"a\n1\n2\n3\n" };
        let e = aw!(conn.copy_from_csv("rd", reader)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io, "{}", t.label);
        assert!(std::error::Error::source(&e).unwrap().to_string().contains("disk on fire"));
        assert_eq!(aw!(conn.query_scalar::<i64, _, _>("SELECT count(*) FROM rd", ())).unwrap(), 0);
    }
}

/// The handles and their futures can move between threads.
#[allow(dead_code)]
fn handles_are_send(conn: &mut pgtusk::Connection) {
    fn send<T: Send>(_: T) {}
    send(conn.copy_in("COPY t FROM STDIN"));
    send(conn.copy_out("COPY t TO STDOUT"));
    send(async {
        let mut w = conn.copy_in("").await.unwrap();
        w.write_row((1_i64, "x")).await.unwrap();
        w.finish().await.unwrap();
        let mut r = conn.copy_out("").await.unwrap();
        r.next_row().await;
    });
}

dual_test! {
    /// Binary COPY into a table with the column types read from the catalog: a chosen column
    /// list (a domain column takes its base type; awkward names are quoted), every column, and
    /// the errors for a missing column or table and for a value of the wrong type.
    fn copy_in_with_types_from_the_table(t) {
        use pgtusk::sql::Identifier;
        use pgtusk::types::Numeric;

        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let dom = crate::common::unique("price");
        aw!(conn.batch_execute(&format!(
            "CREATE DOMAIN {dom} AS numeric(10,2) CHECK (VALUE >= 0); \
             CREATE TEMP TABLE \"Copy Items\" (id int8, \"Name\" text, price {dom}, note text)"
        )))
        .unwrap();
        let table = Identifier::new("Copy Items");
        let price: Numeric = "12.50".parse().unwrap();
        let mut w = aw!(conn.copy_in_table(&table, &["id", "Name", "price"])).unwrap();
        aw!(w.write_row((1_i64, "one", &price))).unwrap();
        aw!(w.write_row((2_i64, None::<&str>, &price))).unwrap();
        assert_eq!(aw!(w.finish()).unwrap(), 2, "{}", t.label);

        // Every column, in table order.
        let mut w = aw!(conn.copy_in_table(&table, &[])).unwrap();
        aw!(w.write_row((3_i64, "three", &price, "n"))).unwrap();
        assert_eq!(aw!(w.finish()).unwrap(), 1);
        let rows = aw!(conn.query(
            "SELECT id, \"Name\", price::text, note FROM \"Copy Items\" ORDER BY id",
            ()
        ))
        .unwrap();
        let got: Vec<(i64, Option<String>, String, Option<String>)> =
            rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect();
        assert_eq!(
            got,
            [
                (1, Some("one".into()), "12.50".into(), None),
                (2, None, "12.50".into(), None),
                (3, Some("three".into()), "12.50".into(), Some("n".into())),
            ]
        );

        // A missing column, a missing table: errors before any COPY starts.
        let err = aw!(conn.copy_in_table(&table, &["id", "nope"])).unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
        let err = aw!(conn.copy_in_table(&Identifier::new("no_such_table"), &[])).unwrap_err();
        assert_eq!(err.code(), Some(&SqlState::UNDEFINED_TABLE), "{err}");
        // A value that does not fit its column's type is refused by the encoder; the
        // connection stays usable.
        let mut w = aw!(conn.copy_in_table(&table, &["id"])).unwrap();
        let err = aw!(w.write_row((1.5_f64,))).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conversion, "{err}");
        drop(w);
        let n: i64 = aw!(conn.query_scalar("SELECT count(*) FROM \"Copy Items\"", ())).unwrap();
        assert_eq!(n, 3);
        aw!(conn.batch_execute(&format!("DROP TABLE \"Copy Items\"; DROP DOMAIN {dom}"))).unwrap();
    }
}
