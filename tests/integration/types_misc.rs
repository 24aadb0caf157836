//! The remaining built-in types against real servers: system types (xid, xid8, cid, tid, the
//! reg* types, pg_lsn), geometric types, tsvector/tsquery, xml/jsonpath and hstore. Each value
//! is sent as a parameter, read back in binary, compared with the server's own `::text`
//! rendering (which `Display` must reproduce), and that text is loaded too.

use std::collections::{BTreeMap, HashMap};

use pgtusk::protocol::Format;
use pgtusk::types::{
    Cid, Circle, JsonPath, Line, LineSegment, Path, PgBox, PgLsn, Point, Polygon, Tid, TsQuery,
    TsVector, Xid, Xid8, Xml, oid,
};
use pgtusk::{Loader, SqlState};

use crate::common::{dual_test, unique};

/// One geometric value: sent, read back in binary, compared with the server's text.
macro_rules! geo_case {
    ($conn:expr, $label:expr, $ty:ty, $sql:literal, $oid:expr, $value:expr) => {{
        let v: $ty = $value;
        let row =
            aw!($conn.query_one(concat!("SELECT $1::", $sql, ", $1::", $sql, "::text"), (&v,)))
                .unwrap();
        let text: &str = row.get(1);
        let back: $ty = row.get(0);
        assert_eq!(back.to_string(), text, "{}: {} read back in binary", $label, $sql);
        let from_text = <$ty>::load($oid, Format::Text, text.as_bytes()).unwrap();
        assert_eq!(from_text.to_string(), text, "{}: {} loaded from text", $label, $sql);
        back
    }};
}

dual_test! {
    /// xid, xid8, cid and tid as parameters, as system columns and against their text.
    fn system_ids(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        for x in [0, 3, u32::MAX] {
            let row = aw!(conn.query_one("SELECT $1::xid, $1::xid::text, $2::cid, $2::cid::text", (Xid(x), Cid(x)))).unwrap();
            assert_eq!(row.get::<_, Xid>(0), Xid(x));
            assert_eq!(row.get::<_, &str>(1), Xid(x).to_string());
            assert_eq!(row.get::<_, Cid>(2), Cid(x));
            assert_eq!(Cid::load(oid::CID, Format::Text, row.get::<_, &str>(3).as_bytes()).unwrap(), Cid(x));
        }
        for x in [0, 1 << 40, u64::MAX] {
            let row = aw!(conn.query_one("SELECT $1::xid8, $1::xid8::text", (Xid8(x),))).unwrap();
            assert_eq!(row.get::<_, Xid8>(0), Xid8(x), "{}", t.label);
            assert_eq!(row.get::<_, &str>(1), x.to_string());
        }
        for tid in [Tid { block: 0, offset: 0 }, Tid { block: u32::MAX, offset: u16::MAX }, Tid { block: 7, offset: 1 }] {
            let row = aw!(conn.query_one("SELECT $1::tid, $1::tid::text", (tid,))).unwrap();
            assert_eq!(row.get::<_, Tid>(0), tid);
            assert_eq!(row.get::<_, &str>(1), tid.to_string());
            assert_eq!(Tid::load(oid::TID, Format::Text, row.get::<_, &str>(1).as_bytes()).unwrap(), tid);
        }

        // System columns of a fresh row, and the current transaction id.
        let table = unique("sys_ids");
        aw!(conn.batch_execute(&format!("BEGIN; CREATE TEMP TABLE {table} (v int4); INSERT INTO {table} VALUES (1)"))).unwrap();
        let row = aw!(conn.query_one(
            &format!("SELECT xmin, xmin::text, cmin, cmin::text, ctid, pg_current_xact_id(), pg_current_xact_id()::text FROM {table}"),
            ()
        ))
        .unwrap();
        let xmin: Xid = row.get(0);
        assert_eq!(xmin.to_string(), row.get::<_, &str>(1));
        assert_eq!(row.get::<_, Cid>(2).to_string(), row.get::<_, &str>(3));
        assert!(row.get::<_, Cid>(2).0 > 0, "commands ran before the insert in this transaction");
        assert_eq!(row.get::<_, Tid>(4), Tid { block: 0, offset: 1 });
        let xid8: Xid8 = row.get(5);
        assert_eq!(xid8.to_string(), row.get::<_, &str>(6));
        assert_eq!(xid8.0 as u32, xmin.0, "xid8's low half is the xid");
        aw!(conn.batch_execute("ROLLBACK")).unwrap();

        // Wrong types are refused.
        let row = aw!(conn.query_one("SELECT 1::int4", ())).unwrap();
        assert!(row.try_get::<_, Xid>(0).is_err());
    }
}

dual_test! {
    /// pg_lsn: edge values, the server's text form, arithmetic done by the server.
    fn pg_lsn(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        for v in [0, 1, 0x16_B374_D848, u64::from(u32::MAX), u64::MAX] {
            let lsn = PgLsn(v);
            let row = aw!(conn.query_one("SELECT $1::pg_lsn, $1::pg_lsn::text, $2::text::pg_lsn", (lsn, lsn.to_string()))).unwrap();
            assert_eq!(row.get::<_, PgLsn>(0), lsn);
            assert_eq!(row.get::<_, &str>(1), lsn.to_string(), "{}", t.label);
            assert_eq!(row.get::<_, PgLsn>(2), lsn);
            assert_eq!(PgLsn::load(oid::PG_LSN, Format::Text, row.get::<_, &str>(1).as_bytes()).unwrap(), lsn);
        }
        let row = aw!(conn.query_one("SELECT pg_current_wal_lsn(), pg_current_wal_lsn()::text, $1::pg_lsn - '0/0'::pg_lsn", (PgLsn(1 << 32),))).unwrap();
        assert_eq!(row.get::<_, PgLsn>(0).to_string(), row.get::<_, &str>(1));
        assert_eq!(row.get::<_, pgtusk::types::Numeric>(2).to_string(), "4294967296");
    }
}

dual_test! {
    /// The reg* types: binary loads as u32 (the OID), strings refuse binary and read the text
    /// form (the simple query protocol), and a u32 parameter casts to each.
    fn reg_types(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        for (ty, catalog) in [
            ("regproc", "pg_proc"),
            ("regprocedure", "pg_proc"),
            ("regoper", "pg_operator"),
            ("regoperator", "pg_operator"),
            ("regclass", "pg_class"),
            ("regtype", "pg_type"),
            ("regconfig", "pg_ts_config"),
            ("regdictionary", "pg_ts_dict"),
            ("regnamespace", "pg_namespace"),
            ("regrole", "pg_roles"),
            ("regcollation", "pg_collation"),
        ] {
            let sql = format!("SELECT x, x::text, x::oid FROM (SELECT oid::{ty} AS x FROM {catalog} ORDER BY oid DESC LIMIT 1) s");
            let row = aw!(conn.query_one(&sql, ())).unwrap();
            let id: u32 = row.get(0);
            assert_eq!(id, row.get::<_, u32>(2), "{}: {ty}", t.label);
            let name: String = row.get(1);
            let err = row.try_get::<_, String>(0).unwrap_err();
            assert!(err.to_string().contains("OID"), "{ty}: {err}");
            // In text (simple query) the column is the name.
            let sets = aw!(conn.query_multi(&sql)).unwrap();
            let text_row = &sets[0].rows()[0];
            assert_eq!(text_row.get::<_, String>(0), name, "{ty}");
            // A u32 parameter (sent as oid) casts to the reg* type.
            let back: String = aw!(conn.query_scalar(&format!("SELECT $1::{ty}::text"), (id,))).unwrap();
            assert_eq!(back, name, "{ty}");
        }
        let id: u32 = aw!(conn.query_scalar("SELECT 'pg_class'::regclass", ())).unwrap();
        assert_eq!(id, 1259);
        let id: u32 = aw!(conn.query_scalar("SELECT 'int4'::regtype", ())).unwrap();
        assert_eq!(id, oid::INT4);
    }
}

dual_test! {
    /// point, line, lseg, box, path, polygon and circle, with NaN/Infinity coordinates and
    /// floats that print in exponent form.
    fn geometric_types(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let l = &t.label;
        let (nan, inf) = (f64::NAN, f64::INFINITY);
        let coords = [0.0, -0.0, 1.5, -2.25, 0.1, 1e-5, 1e15, 123_456_789_012_345.0, 1e300, 5e-324, nan, inf, -inf];
        for pair in coords.windows(2) {
            let p = Point::new(pair[0], pair[1]);
            geo_case!(conn, l, Point, "point", oid::POINT, p);
            let c = Circle { center: p, radius: pair[0].abs() };
            geo_case!(conn, l, Circle, "circle", oid::CIRCLE, c);
            let s = LineSegment { start: p, end: Point::new(pair[1], 3.0) };
            geo_case!(conn, l, LineSegment, "lseg", oid::LSEG, s);
        }
        geo_case!(conn, l, Line, "line", oid::LINE, Line { a: 1.0, b: -1.0, c: 0.5 });
        geo_case!(conn, l, Line, "line", oid::LINE, Line { a: 0.0, b: 2e20, c: inf });
        geo_case!(conn, l, Line, "line", oid::LINE, Line { a: nan, b: 1.0, c: 0.0 });

        // The server stores the upper-right corner first, whatever order it was given.
        let b = PgBox { high: Point::new(1.0, 2.0), low: Point::new(3.0, 4.0) };
        let back = geo_case!(conn, l, PgBox, "box", oid::BOX, b);
        assert_eq!(back, PgBox { high: Point::new(3.0, 4.0), low: Point::new(1.0, 2.0) });
        geo_case!(conn, l, PgBox, "box", oid::BOX, PgBox { high: Point::new(inf, 1e20), low: Point::new(-inf, -0.5) });

        let pts: Vec<Point> = coords.windows(2).map(|w| Point::new(w[0], w[1])).collect();
        for closed in [false, true] {
            for n in [1, 2, pts.len()] {
                let p = Path { closed, points: pts[..n].to_vec() };
                let back = geo_case!(conn, l, Path, "path", oid::PATH, p.clone());
                assert_eq!((back.closed, back.points.len()), (closed, n));
            }
        }
        let poly = Polygon { points: pts[..5].to_vec() };
        let back = geo_case!(conn, l, Polygon, "polygon", oid::POLYGON, poly);
        assert_eq!(back.points.len(), 5);
        let tri: Polygon = "((0,0),(4,0),(0,3))".parse().unwrap();
        let area: f64 = aw!(conn.query_scalar("SELECT area(path($1::polygon))", (&tri,))).unwrap();
        assert_eq!(area, 6.0);

        // The server refuses a path or polygon without points.
        for (sql, v) in [
            ("SELECT $1::path::text", &Path::default() as &dyn pgtusk::Dumper),
            ("SELECT $1::polygon::text", &Polygon::default()),
        ] {
            let e = aw!(conn.query_one(sql, &[v][..])).unwrap_err();
            assert_eq!(e.code(), Some(&SqlState::INVALID_BINARY_REPRESENTATION), "{l}: {sql}: {e}");
        }
        // Server-computed values load too.
        let row = aw!(conn.query_one("SELECT circle(point(1,1), 2), box(circle(point(0,0), 1)), lseg(box '(1,1),(0,0)'), line(point(0,0), point(1,1)), polygon(3, circle(point(0,0), 1))", ())).unwrap();
        assert_eq!(row.get::<_, Circle>(0).radius, 2.0);
        assert!(row.get::<_, PgBox>(1).high.x > 0.7);
        assert_eq!(row.get::<_, LineSegment>(2).start, Point::new(1.0, 1.0));
        assert_eq!(row.get::<_, Line>(3), Line { a: 1.0, b: -1.0, c: 0.0 });
        assert_eq!(row.get::<_, Polygon>(4).points.len(), 3);
    }
}

dual_test! {
    /// tsvector: the server's text, loaded in binary and text, and sent back (in text format).
    fn tsvector(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        for input in [
            "a:1A,2B,3C,4 b",
            r"'b\\c' 'd''e' 'it''s':16383A",
            "'é' 'ünï' '日本語':1,2,3 zzz:5D",
            "'x y' ",
            "",
            "a:3,1,2,1 a:7B b:20000",
        ] {
            let row = aw!(conn.query_one("SELECT $1::tsvector, $1::tsvector::text", (input,)))
                .unwrap_or_else(|e| panic!("{}: {input}: {e}", t.label));
            let text: &str = row.get(1);
            let v: TsVector = row.get(0);
            assert_eq!(v.to_string(), text, "{}: {input}", t.label);
            assert_eq!(TsVector::load(oid::TSVECTOR, Format::Text, text.as_bytes()).unwrap(), v);
            let echoed: String = aw!(conn.query_scalar("SELECT $1::tsvector::text", (&v,))).unwrap();
            assert_eq!(echoed, text, "{}: sent back", t.label);
        }
        // An empty lexeme is refused by the server.
        let empty: TsVector = "''".parse().unwrap();
        let e = aw!(conn.query_one("SELECT $1::tsvector", (&empty,))).unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::SYNTAX_ERROR), "{}: {e}", t.label);
        let v: TsVector = aw!(conn.query_scalar("SELECT to_tsvector('english', 'The quick brown foxes jumped over the lazy dogs')", ())).unwrap();
        assert_eq!(v.to_string(), "'brown':3 'dog':9 'fox':4 'jump':5 'lazi':8 'quick':2");
        let hit: bool = aw!(conn.query_scalar("SELECT $1::tsvector @@ to_tsquery('english', 'fox & dog')", (&v,))).unwrap();
        assert!(hit);
        // Built out of order and with duplicates: the server normalizes.
        let mut messy: TsVector = "b:2 a:3,1".parse().unwrap();
        messy.lexemes.push(messy.lexemes[0].clone());
        let text: String = aw!(conn.query_scalar("SELECT $1::tsvector::text", (&messy,))).unwrap();
        assert_eq!(text, "'a':1,3 'b':2");
    }
}

dual_test! {
    /// tsquery: & | ! <-> <N> and prefix/weight operands; Display equals the server's text.
    fn tsquery(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        for input in [
            "a & (b | !c) <-> d:*AB <2> e",
            "!(a & b)",
            "a <-> (b <-> c)",
            "(a <-> b) <-> c",
            "(a | b) & (c | !d)",
            "a | b & c | d",
            "!!a",
            "a <-> !b",
            "!(a <-> b) <0> c",
            "super:* & x:ACd & y:*b",
            r"'it''s' & 'back\\slash' & 'sp ace'",
            "'日本' <-> ünï",
            "a <16384> b",
        ] {
            let row = aw!(conn.query_one("SELECT $1::tsquery, $1::tsquery::text", (input,))).unwrap();
            let text: &str = row.get(1);
            let q: TsQuery = row.get(0);
            assert_eq!(q.to_string(), text, "{}: {input}", t.label);
            let from_text = TsQuery::load(oid::TSQUERY, Format::Text, text.as_bytes()).unwrap();
            assert_eq!(from_text.to_string(), text);
            let echoed: String = aw!(conn.query_scalar("SELECT $1::tsquery::text", (&q,))).unwrap();
            assert_eq!(echoed, text, "{}: sent back", t.label);
        }
        for expr in [
            "to_tsquery('english', 'supernovae & !stars:*')",
            "phraseto_tsquery('english', 'the fat rats')",
            "websearch_to_tsquery('english', '\"sad cat\" or fat -rat')",
            "tsquery_phrase(to_tsquery('a'), to_tsquery('b'), 10)",
        ] {
            let row = aw!(conn.query_one(&format!("SELECT {expr}, ({expr})::text"), ())).unwrap();
            assert_eq!(row.get::<_, TsQuery>(0).to_string(), row.get::<_, &str>(1), "{}: {expr}", t.label);
        }
        // A query without lexemes (stop words only) is empty and prints as nothing.
        let row = aw!(conn.query_one("SELECT to_tsquery('english', 'the'), to_tsquery('english', 'the')::text", ())).unwrap();
        assert!(row.get::<_, TsQuery>(0).is_empty());
        assert_eq!(row.get::<_, &str>(1), "");
        // Built without text.
        let q = TsQuery::prefix("fox").and(TsQuery::lexeme("dog").not());
        let hit: bool = aw!(conn.query_scalar("SELECT to_tsvector('english', 'foxes') @@ $1", (&q,))).unwrap();
        assert!(hit);
    }
}

dual_test! {
    /// xml and jsonpath: sent typed, read back in binary (as the wrappers and as String).
    fn xml_and_jsonpath(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let doc = "<doc lang=\"日本\">é ü — 🦀 &amp; <b/></doc>";
        let row = aw!(conn.query_one("SELECT $1, $1::text, xpath('/doc/@lang', $1)::text", (Xml(doc),))).unwrap();
        assert_eq!(row.get::<_, Xml<String>>(0).0, doc, "{}", t.label);
        assert_eq!(row.get::<_, &str>(0), doc);
        assert_eq!(row.get::<_, &str>(1), doc);
        assert_eq!(row.get::<_, &str>(2), "{日本}");
        let e = aw!(conn.query_one("SELECT $1", (Xml("<a>"),))).unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::INVALID_XML_CONTENT), "{e}");

        for (path, normal) in [
            ("$.a[*] ? (@ > 1)", "$.\"a\"[*]?(@ > 1)"),
            ("strict $.\"é ü\".size()", "strict $.\"é ü\".size()"),
            ("$", "$"),
        ] {
            let row = aw!(conn.query_one("SELECT $1, $1::text", (JsonPath(path),))).unwrap();
            assert_eq!(row.get::<_, JsonPath<String>>(0).0, normal, "{}", t.label);
            assert_eq!(row.get::<_, &str>(1), normal);
        }
        let n: i64 = aw!(conn.query_scalar(
            "SELECT count(*) FROM jsonb_path_query('{\"a\": [1, 2, 3]}', $1)",
            (JsonPath("$.a[*] ? (@ > 1)"),)
        ))
        .unwrap();
        assert_eq!(n, 2);
    }
}

dual_test! {
    /// hstore (when the server has the contrib module): maps sent as text of unspecified type
    /// and read back in binary and text, with escapes, unicode and NULL values.
    fn hstore(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        // Concurrent CREATE EXTENSION IF NOT EXISTS can collide: serialize it.
        aw!(conn.batch_execute(
            "BEGIN; SELECT pg_advisory_xact_lock(745100); CREATE EXTENSION IF NOT EXISTS hstore; COMMIT"
        ))
        .unwrap();
        let mut m: BTreeMap<String, Option<String>> = BTreeMap::new();
        m.insert("plain".into(), Some("value".into()));
        m.insert("with \"quotes\" and \\".into(), Some("=> , \"\\".into()));
        m.insert("null".into(), None);
        m.insert("NULL text".into(), Some("NULL".into()));
        m.insert("".into(), Some("".into()));
        m.insert("日本 é".into(), Some("🦀".into()));
        let row = aw!(conn.query_one("SELECT $1::hstore, $1::hstore::text", (&m,))).unwrap();
        assert_eq!(row.get::<_, BTreeMap<String, Option<String>>>(0), m, "{}", t.label);
        let text: &str = row.get(1);
        let from_text = BTreeMap::<String, Option<String>>::load(row.columns()[0].type_oid(), Format::Text, text.as_bytes()).unwrap();
        assert_eq!(from_text, m);
        let hm: HashMap<String, Option<String>> = row.get(0);
        assert_eq!(hm.len(), m.len());

        // Sent without a cast: the column's type is inferred.
        let table = unique("hs");
        aw!(conn.batch_execute(&format!("CREATE TEMP TABLE {table} (h hstore)"))).unwrap();
        aw!(conn.execute(&format!("INSERT INTO {table} VALUES ($1)"), (&hm,))).unwrap();
        let back: HashMap<String, Option<String>> =
            aw!(conn.query_scalar(&format!("SELECT h FROM {table}"), ())).unwrap();
        assert_eq!(back, hm);
        let v: Option<String> = aw!(conn.query_scalar(&format!("SELECT h -> 'plain' FROM {table}"), ())).unwrap();
        assert_eq!(v.as_deref(), Some("value"));
        let empty: BTreeMap<String, Option<String>> = aw!(conn.query_scalar("SELECT ''::hstore", ())).unwrap();
        assert!(empty.is_empty());
        // A built-in type is not taken for hstore.
        let row = aw!(conn.query_one("SELECT 'a=>1'::text", ())).unwrap();
        assert!(row.try_get::<_, BTreeMap<String, Option<String>>>(0).is_err());
    }
}
