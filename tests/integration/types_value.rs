//! Dynamic values against real servers: `Value` for every built-in scalar type, `Row::to_map`,
//! `Value` as a parameter, `TypeInfo::fetch` and types registered on a connection.

use std::str::FromStr;

use pgtusk::protocol::Format;
use pgtusk::types::{
    BitVec, Date, Interval, IpNetwork, MacAddr, Numeric, TypeKind, Uuid, Value, oid,
};

use crate::common::{dual_test, unique};

/// One row of every built-in scalar type `Value` has a variant for, named by column.
const SCALARS: &str = "SELECT true AS bool, 2::int2 AS int2, -3::int4 AS int4, \
    9000000000::int8 AS int8, 26::oid AS oid, 1.5::float4 AS float4, -2.25::float8 AS float8, \
    12.50::numeric AS numeric, 'héllo'::text AS text, 'v'::varchar AS varchar, \
    'ab'::char(3) AS bpchar, 'nm'::name AS name, '\\x0102'::bytea AS bytea, \
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS uuid, '{\"a\": 1}'::json AS json, \
    '{\"b\": [2]}'::jsonb AS jsonb, '2024-02-29'::date AS date, '1 day 2 hours'::interval AS ival, \
    '10.1.0.0/16'::cidr AS cidr, '192.168.0.1/24'::inet AS inet, \
    '08:00:2b:01:02:03'::macaddr AS mac, B'101'::bit(3) AS bit, NULL::int4 AS nothing";

fn expected_scalars() -> Vec<(&'static str, Value)> {
    vec![
        ("bool", Value::Bool(true)),
        ("int2", Value::Int2(2)),
        ("int4", Value::Int4(-3)),
        ("int8", Value::Int8(9_000_000_000)),
        ("oid", Value::Oid(26)),
        ("float4", Value::Float4(1.5)),
        ("float8", Value::Float8(-2.25)),
        ("numeric", Value::Numeric(Numeric::from_str("12.50").unwrap())),
        ("text", Value::Text("héllo".into())),
        ("varchar", Value::Text("v".into())),
        ("bpchar", Value::Text("ab ".into())),
        ("name", Value::Text("nm".into())),
        ("bytea", Value::Bytea(vec![1, 2])),
        ("uuid", Value::Uuid(Uuid::from_str("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11").unwrap())),
        ("json", Value::Json("{\"a\": 1}".into())),
        ("jsonb", Value::Jsonb("{\"b\": [2]}".into())),
        ("date", Value::Date(Date::from_ymd(2024, 2, 29).unwrap())),
        ("ival", Value::Interval(Interval::new(0, 1, 7_200_000_000))),
        ("cidr", Value::Cidr(IpNetwork::from_str("10.1.0.0/16").unwrap())),
        ("inet", Value::Inet(IpNetwork::from_str("192.168.0.1/24").unwrap())),
        ("mac", Value::MacAddr(MacAddr([8, 0, 0x2b, 1, 2, 3]))),
        ("bit", Value::Bit(BitVec::from_str("101").unwrap())),
        ("nothing", Value::Null),
    ]
}

dual_test! {
    /// Every scalar loads into its variant through `to_map` (binary) and through the simple
    /// query protocol (text); each value sent back as a parameter returns unchanged.
    fn scalars_load_and_send_back(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let row = aw!(conn.query_one(SCALARS, ())).unwrap();
        let map = row.to_map();
        let expected = expected_scalars();
        assert_eq!(map.len(), expected.len(), "{}", t.label);
        for (name, value) in &expected {
            assert_eq!(map.get(*name), Some(value), "{}: column {name} (binary)", t.label);
        }

        // The same through the simple query protocol: every value in text format.
        let sets = aw!(conn.query_multi(SCALARS)).unwrap();
        let text_row = &sets[0].rows()[0];
        assert!(text_row.columns().iter().all(|c| c.format() == Format::Text));
        for (name, value) in &expected {
            let got: Value = text_row.get(*name);
            assert_eq!(&got, value, "{}: column {name} (text)", t.label);
        }

        // Sent back as parameters: the type travels with the value (a string or a NULL goes
        // with an unspecified type, which `SELECT $1` resolves as text).
        for (name, value) in &expected {
            let row = aw!(conn.query_one("SELECT $1", (value,))).unwrap();
            let back: Value = row.get(0);
            assert_eq!(&back, value, "{}: {name} sent back", t.label);
            let sent_oid = pgtusk::Dumper::type_oid(value);
            let want_oid = if sent_oid == 0 { oid::TEXT } else { sent_oid };
            assert_eq!(row.columns()[0].type_oid(), want_oid, "{}: {name}", t.label);
        }
    }
}

dual_test! {
    /// Enums, domains and composites: unregistered, an enum is `Other` (its label's bytes);
    /// registered on the connection it is `Enum`, sends back as itself, and a registered loader
    /// takes precedence. `TypeInfo::fetch` describes each kind.
    fn registered_types(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let mood = unique("mood");
        let dom = unique("posint");
        let pair = unique("pair");
        aw!(conn.batch_execute(&format!(
            "CREATE TYPE {mood} AS ENUM ('sad', 'ok', 'happy'); \
             CREATE DOMAIN {dom} AS int4 CHECK (VALUE > 0); \
             CREATE TYPE {pair} AS (a int4, b text, c {mood});"
        )))
        .unwrap();

        let sql = format!("SELECT 'ok'::{mood} AS m, 5::{dom} AS d");
        let row = aw!(conn.query_one(sql.as_str(), ())).unwrap();
        let mood_oid = row.columns()[0].type_oid();
        assert!(mood_oid >= 16_384);
        assert_eq!(
            row.get::<_, Value>("m"),
            Value::Other { type_oid: mood_oid, format: Format::Binary, bytes: b"ok".to_vec() }
        );
        // A domain arrives as its base type.
        assert_eq!(row.columns()[1].type_oid(), oid::INT4);
        assert_eq!(row.get::<_, Value>("d"), Value::Int4(5));

        let info = aw!(conn.register_type(&mood)).unwrap();
        assert_eq!(info.oid, mood_oid);
        assert_eq!(info.name, mood);
        assert_eq!(info.schema, "public");
        assert_ne!(info.array_oid, 0);
        assert_eq!(
            info.kind,
            TypeKind::Enum { labels: vec!["sad".into(), "ok".into(), "happy".into()] }
        );
        let row = aw!(conn.query_one(sql.as_str(), ())).unwrap();
        let ok = Value::Enum { type_oid: mood_oid, label: "ok".into() };
        assert_eq!(row.get::<_, Value>("m"), ok, "{}", t.label);
        assert_eq!(conn.adapters().get_by_name(&format!("public.{mood}")).unwrap().oid, mood_oid);

        // Sent back with its own type.
        let row = aw!(conn.query_one("SELECT $1, pg_typeof($1)::text", (&ok,))).unwrap();
        assert_eq!(row.get::<_, Value>(0), ok);
        assert_eq!(row.get::<_, &str>(1), mood);
        // A string sent as the enum type, chosen by name at run time.
        let typed = conn.adapters().typed(&mood, "happy").unwrap();
        let row = aw!(conn.query_one("SELECT $1, pg_typeof($1)::text", (&typed,))).unwrap();
        assert_eq!(row.get::<_, Value>(0), Value::Enum { type_oid: mood_oid, label: "happy".into() });
        assert_eq!(row.get::<_, &str>(1), mood);
        // A label the description does not list is an error, not a silent value.
        let bad = Value::Enum { type_oid: mood_oid, label: "angry".into() };
        assert!(aw!(conn.query_one("SELECT $1", (&bad,))).is_err());

        // Domain and composite descriptions.
        let info = aw!(conn.register_type(&dom)).unwrap();
        assert_eq!(info.kind, TypeKind::Domain { base: oid::INT4 });
        let info = aw!(conn.register_type(&pair)).unwrap();
        assert_eq!(
            info.kind,
            TypeKind::Composite {
                fields: vec![("a".into(), oid::INT4), ("b".into(), oid::TEXT), ("c".into(), mood_oid)]
            }
        );
        let info = aw!(conn.register_type("int4range")).unwrap();
        assert_eq!(info.kind, TypeKind::Range { subtype: oid::INT4 });
        let info = aw!(conn.register_type("int4multirange")).unwrap();
        assert_eq!(info.kind, TypeKind::Multirange { range: oid::INT4RANGE });
        let info = aw!(conn.register_type("int4[]")).unwrap();
        assert_eq!(info.kind, TypeKind::Array { element: oid::INT4 });
        assert_eq!(aw!(conn.register_type("float8")).unwrap().kind, TypeKind::Base);
        let err = aw!(conn.register_type("no_such_type_here")).unwrap_err();
        assert!(err.to_string().contains("no_such_type_here"), "{err}");

        // A registered loader wins over the description.
        conn.adapters().register_loader(mood_oid, |_, raw| {
            Ok(Value::Text(String::from_utf8_lossy(raw).to_uppercase()))
        });
        let row = aw!(conn.query_one(sql.as_str(), ())).unwrap();
        assert_eq!(row.get::<_, Value>("m"), Value::Text("OK".into()));

        // Registration is per connection.
        let mut other = aw!(Conn::connect(&t.url)).unwrap();
        assert!(other.adapters().get(mood_oid).is_none());
        let row = aw!(other.query_one(sql.as_str(), ())).unwrap();
        assert!(matches!(row.get::<_, Value>("m"), Value::Other { .. }));

        aw!(conn.batch_execute(&format!("DROP TYPE {pair}; DROP DOMAIN {dom}; DROP TYPE {mood}")))
            .unwrap();
    }
}

dual_test! {
    /// Containers and the other built-in families as `Value`s: arrays (several dimensions,
    /// lower bounds, NULLs), ranges, multiranges, anonymous records, registered composites and
    /// arrays of registered enums, system, geometric and text-search types, hstore once
    /// registered; each sent back as a parameter returns unchanged.
    fn containers_and_families(t) {
        use pgtusk::types::{Array, Dimension, Range, TsVector};
        use std::ops::Bound;

        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let row = aw!(conn.query_one(
            "SELECT '[0:1][1:2]={{1,NULL},{3,4}}'::int4[] AS a, '{}'::text[] AS e, \
             '[3,7)'::int4range AS r, '{[1,2), [5,8)}'::int8multirange AS m, \
             ROW(1, 'x', NULL::int8, ARRAY[true]) AS rec, '(16,3)'::tid AS tid, \
             '1/FF'::pg_lsn AS lsn, '(1.5,2)'::point AS p, 'a:1A b'::tsvector AS tsv, \
             '<a>é</a>'::xml AS x, '$.a'::jsonpath AS jp, 'pg_class'::regclass AS rc",
            ()
        ))
        .unwrap();
        let map = row.to_map();
        let a = Array::new(
            vec![Dimension::with_lower_bound(2, 0), Dimension::new(2)],
            vec![Value::Int4(1), Value::Null, Value::Int4(3), Value::Int4(4)],
        )
        .unwrap();
        assert_eq!(map["a"], Value::Array(a), "{}", t.label);
        assert_eq!(map["e"], Value::Array(Array::default()));
        assert_eq!(
            map["r"],
            Value::from(Range::new(Bound::Included(Value::Int4(3)), Bound::Excluded(Value::Int4(7))))
        );
        let Value::Multirange(m) = &map["m"] else { panic!("{:?}", map["m"]) };
        assert_eq!(m.ranges().len(), 2);
        assert_eq!(
            map["rec"],
            Value::Record {
                type_oid: oid::RECORD,
                fields: vec![
                    Value::Int4(1),
                    Value::Text("x".into()),
                    Value::Null,
                    Value::from(vec![Value::Bool(true)]),
                ],
            }
        );
        assert_eq!(map["tid"], Value::Tid(pgtusk::types::Tid { block: 16, offset: 3 }));
        assert_eq!(map["lsn"], Value::PgLsn(pgtusk::types::PgLsn(0x1_0000_00FF)));
        assert_eq!(map["p"], Value::Point(pgtusk::types::Point::new(1.5, 2.0)));
        let Value::TsVector(tsv) = &map["tsv"] else { panic!("{:?}", map["tsv"]) };
        assert_eq!(tsv.to_string(), "'a':1A 'b'");
        assert_eq!(map["x"], Value::Xml("<a>é</a>".into()));
        assert_eq!(map["jp"], Value::JsonPath("$.\"a\"".into()));
        assert!(matches!(map["rc"], Value::Oid(o) if o > 0));

        // Sent back: the same value (records go as text of unspecified type, so they come
        // back as text; check the others).
        for name in ["a", "e", "r", "m", "tid", "lsn", "p", "tsv", "x", "jp"] {
            let sql = if name == "e" { "SELECT $1::text[]" } else { "SELECT $1" };
            let back: Value = aw!(conn.query_one(sql, (&map[name],))).unwrap().get(0);
            if let (Value::TsVector(a), Value::TsVector(b)) = (&back, &map[name]) {
                assert_eq!(a.to_string(), b.to_string());
            } else {
                assert_eq!(&back, &map[name], "{}: {name} sent back", t.label);
            }
        }
        let _: &TsVector = tsv;

        // Registered types inside containers: a composite with an enum field, an enum array.
        let mood = unique("vmood");
        let pair = unique("vpair");
        aw!(conn.batch_execute(&format!(
            "CREATE TYPE {mood} AS ENUM ('sad', 'ok'); CREATE TYPE {pair} AS (n int4, m {mood});"
        )))
        .unwrap();
        let mood_info = aw!(conn.register_type(&mood)).unwrap();
        let pair_info = aw!(conn.register_type(&pair)).unwrap();
        let sql = format!(
            "SELECT ROW(2, 'ok')::{pair} AS c, ARRAY['sad', 'ok']::{mood}[] AS arr"
        );
        let row = aw!(conn.query_one(sql.as_str(), ())).unwrap();
        let ok = Value::Enum { type_oid: mood_info.oid, label: "ok".into() };
        let sad = Value::Enum { type_oid: mood_info.oid, label: "sad".into() };
        let c = Value::Record { type_oid: pair_info.oid, fields: vec![Value::Int4(2), ok.clone()] };
        assert_eq!(row.get::<_, Value>("c"), c, "{}", t.label);
        assert_eq!(row.get::<_, Value>("arr"), Value::from(vec![sad, ok.clone()]));
        // The composite sent back as a parameter (text form, its own type).
        let back = aw!(conn.query_one("SELECT $1", (&c,))).unwrap();
        assert_eq!(back.get::<_, Value>(0), c);
        // The same in text format, through the simple query protocol.
        let sets = aw!(conn.query_multi(&sql)).unwrap();
        assert_eq!(sets[0].rows()[0].get::<_, Value>("c"), c);
        aw!(conn.batch_execute(&format!("DROP TYPE {pair}; DROP TYPE {mood}"))).unwrap();

        // hstore, found by name.
        aw!(conn.batch_execute(
            "SELECT pg_advisory_lock(4242); CREATE EXTENSION IF NOT EXISTS hstore; \
             SELECT pg_advisory_unlock(4242)"
        ))
        .unwrap();
        let info = aw!(conn.register_type("hstore")).unwrap();
        let row = aw!(conn.query_one("SELECT 'a=>1, b=>NULL'::hstore", ())).unwrap();
        let Value::Hstore { type_oid, map } = row.get::<_, Value>(0) else { panic!() };
        assert_eq!(type_oid, info.oid);
        assert_eq!(map.get("a"), Some(&Some("1".to_owned())));
        assert_eq!(map.get("b"), Some(&None));
    }
}
