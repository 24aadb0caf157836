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
