//! The derive macros and text forms against real servers: `Dumper::dump_text` read by the
//! server's input functions; PostgreSQL enums, composite types (nested, with NULL fields and
//! awkward text) and domains round-tripped as parameters and results in both formats;
//! `query_as` with every `FromRow` attribute; and the errors (unknown enum label, wrong field
//! count, missing column).

use std::net::{IpAddr, Ipv6Addr};
use std::time::{Duration, UNIX_EPOCH};

use bytes::BytesMut;
use pgtusk::protocol::Format;
use pgtusk::types::{
    BitVec, Date, Interval, IpNetwork, Json, Jsonb, MacAddr, MacAddr8, Money, Numeric, Time,
    TimeTz, Timestamp, TimestampTz, Uuid,
};
use pgtusk::{Dumper, ErrorKind, FromRow, Loader};

use crate::common::{dual_test, unique};

/// `d`'s text form as a string.
fn text_form(d: &dyn Dumper) -> String {
    let mut buf = BytesMut::new();
    d.dump_text(&mut buf).unwrap();
    String::from_utf8(buf.to_vec()).unwrap()
}

/// Values sent in binary, with the PostgreSQL type their text form is read back as.
fn text_form_cases() -> Vec<(Box<dyn Dumper>, &'static str)> {
    let ts = Timestamp::from_date_time(
        Date::from_ymd(-44, 3, 15).unwrap(),
        Time::from_hms_micro(12, 30, 0, 250_000).unwrap(),
    )
    .unwrap();
    vec![
        (Box::new(true), "bool"),
        (Box::new(false), "bool"),
        (Box::new(i16::MIN), "int2"),
        (Box::new(i32::MAX), "int4"),
        (Box::new(i64::MIN), "int8"),
        (Box::new(u32::MAX), "oid"),
        (Box::new(0.1_f32), "float4"),
        (Box::new(f32::NAN), "float4"),
        (Box::new(f32::NEG_INFINITY), "float4"),
        (Box::new(1e300_f64), "float8"),
        (Box::new(5e-324_f64), "float8"),
        (Box::new(-0.0_f64), "float8"),
        (Box::new(f64::INFINITY), "float8"),
        (Box::new(f64::NAN), "float8"),
        (Box::new(std::f64::consts::PI), "float8"),
        (Box::new(vec![0_u8, 0x5c, 0xff, b'"']), "bytea"),
        (Box::new(Vec::<u8>::new()), "bytea"),
        (Box::new("-12.3400".parse::<Numeric>().unwrap()), "numeric"),
        (Box::new("NaN".parse::<Numeric>().unwrap()), "numeric"),
        (Box::new("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11".parse::<Uuid>().unwrap()), "uuid"),
        (Box::new("10.1.0.0/16".parse::<IpNetwork>().unwrap()), "inet"),
        (Box::new("10.1.0.0/16".parse::<IpNetwork>().unwrap()), "cidr"),
        (Box::new(IpAddr::V6(Ipv6Addr::LOCALHOST)), "inet"),
        (Box::new(MacAddr([8, 0, 0x2b, 1, 2, 3])), "macaddr"),
        (Box::new(MacAddr8([8, 0, 0x2b, 1, 2, 3, 4, 5])), "macaddr8"),
        (Box::new("10110".parse::<BitVec>().unwrap()), "varbit"),
        (Box::new(BitVec::new()), "varbit"),
        (Box::new(Money(-123_456)), "money"),
        (Box::new(Date::from_ymd(2024, 2, 29).unwrap()), "date"),
        (Box::new(Date::from_ymd(-100, 1, 1).unwrap()), "date"),
        (Box::new(Date::INFINITY), "date"),
        (Box::new(Time::from_hms_micro(23, 59, 59, 999_999).unwrap()), "time"),
        (
            Box::new(
                TimeTz::new(Time::from_hms_micro(1, 2, 3, 0).unwrap(), -(5 * 3600 + 1800)).unwrap(),
            ),
            "timetz",
        ),
        (Box::new(ts), "timestamp"),
        (Box::new(TimestampTz::from_utc(ts)), "timestamptz"),
        (Box::new(TimestampTz::NEG_INFINITY), "timestamptz"),
        (Box::new(Interval::new(-14, 3, -4_000_500)), "interval"),
        (Box::new(Interval::new(1, -1, 1)), "interval"),
        (Box::new(UNIX_EPOCH + Duration::from_micros(1_700_000_000_123_456)), "timestamptz"),
        (Box::new(Json(r#"{"a": [1, "x"]}"#)), "json"),
        (Box::new(Jsonb(r#"{"b": null, "a": 1.50}"#)), "jsonb"),
    ]
}

dual_test! {
    /// Every text form is read by the server's input function as the value sent in binary.
    fn dump_text_is_accepted(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("SET lc_monetary = 'C'; SET TimeZone = 'UTC'")).unwrap();
        for (value, ty) in text_form_cases() {
            let text = text_form(&*value);
            let sql = format!("SELECT ($1::text::{ty})::text, ($2::{ty})::text");
            let row = aw!(conn.query_one(&sql, (text.as_str(), &value))).unwrap();
            let (from_text, from_binary): (&str, &str) = (row.get(0), row.get(1));
            assert_eq!(from_text, from_binary, "{}: {ty} text form {text:?}", t.label);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Dumper, Loader)]
#[pgtusk(rename_all = "snake_case")]
enum Mood {
    Happy,
    NotSure,
    #[pgtusk(rename = "SAD, \"very\"")]
    Sad,
}

/// A domain over int8: sent and loaded as int8.
#[derive(Debug, Clone, Copy, PartialEq, Dumper, Loader)]
struct UserId(i64);

#[derive(Debug, Clone, PartialEq, Dumper, Loader)]
struct Inner {
    a: i32,
    b: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Dumper, Loader)]
struct Outer {
    id: UserId,
    name: String,
    inner: Option<Inner>,
    mood: Mood,
    amount: Numeric,
    flag: bool,
    data: Vec<u8>,
    at: TimestampTz,
}

/// The enum, domain and composite types for one test, with unique names.
struct Schema {
    mood: String,
    uid: String,
    inner: String,
    outer: String,
}

impl Schema {
    fn new() -> Self {
        Self {
            mood: unique("mood"),
            uid: unique("uid"),
            inner: unique("inner_t"),
            outer: unique("outer_t"),
        }
    }

    fn create(&self) -> String {
        let Self { mood, uid, inner, outer } = self;
        format!(
            "CREATE TYPE {mood} AS ENUM ('happy', 'not_sure', 'SAD, \"very\"', 'angry');
             CREATE DOMAIN {uid} AS int8 CHECK (VALUE > 0);
             CREATE TYPE {inner} AS (a int4, b text);
             CREATE TYPE {outer} AS (id {uid}, name text, nested {inner}, mood {mood},
                                     amount numeric, flag bool, data bytea, at timestamptz);"
        )
    }

    fn drop(&self) -> String {
        let Self { mood, uid, inner, outer } = self;
        format!(
            "DROP TYPE {outer} CASCADE; DROP TYPE {inner}; DROP DOMAIN {uid} CASCADE; DROP TYPE {mood};"
        )
    }
}

fn outer_values() -> Vec<Outer> {
    let at = TimestampTz::from_pg_micros(789_000_123_456).unwrap();
    vec![
        Outer {
            id: UserId(1),
            name: "plain".into(),
            inner: Some(Inner { a: 7, b: Some("x".into()) }),
            mood: Mood::Happy,
            amount: "12.50".parse().unwrap(),
            flag: true,
            data: vec![0, 1, 0xff],
            at,
        },
        Outer {
            id: UserId(i64::MAX),
            name: r#"a,b (c) "q" \ x"#.into(),
            inner: Some(Inner { a: -1, b: None }),
            mood: Mood::Sad,
            amount: "-0.001".parse().unwrap(),
            flag: false,
            data: b"\\\"(),".to_vec(),
            at,
        },
        Outer {
            id: UserId(2),
            name: String::new(),
            inner: Some(Inner { a: 0, b: Some(String::new()) }),
            mood: Mood::NotSure,
            amount: "NaN".parse().unwrap(),
            flag: true,
            data: Vec::new(),
            at,
        },
        Outer {
            id: UserId(3),
            name: "  spaces\tand\nlines  ".into(),
            inner: None,
            mood: Mood::Happy,
            amount: "1e20".parse().unwrap(),
            flag: false,
            data: vec![b' '],
            at,
        },
    ]
}

dual_test! {
    /// Enums as parameters (with and without a cast) and results, in both formats; an unknown
    /// label is an error naming the label and the Rust type.
    fn enums_round_trip(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let s = Schema::new();
        aw!(conn.batch_execute(&s.create())).unwrap();
        let mood = &s.mood;
        for m in [Mood::Happy, Mood::NotSure, Mood::Sad] {
            let row = aw!(conn.query_one(&format!("SELECT $1::{mood}, $1::{mood}::text"), (m,))).unwrap();
            assert_eq!(row.get::<_, Mood>(0), m, "{}", t.label);
            let text: String = row.get(1);
            assert_eq!(Mood::load(row.columns()[0].type_oid(), Format::Text, text.as_bytes()).unwrap(), m);
            // The server infers the enum type from the column.
            let n: i64 = aw!(conn.query_scalar(
                &format!("SELECT count(*) FROM (VALUES ('happy'::{mood})) v(m) WHERE m = $1"),
                (m,)
            ))
            .unwrap();
            assert_eq!(n, i64::from(m == Mood::Happy));
        }
        // Text results of the simple query protocol.
        let sets = aw!(conn.query_multi(&format!("SELECT 'not_sure'::{mood}, 'happy'::text"))).unwrap();
        let row = &sets[0].rows()[0];
        assert_eq!(row.columns()[0].format(), Format::Text);
        assert_eq!((row.get::<_, Mood>(0), row.get::<_, Mood>(1)), (Mood::NotSure, Mood::Happy));

        let e = aw!(conn.query_scalar::<Mood, _, _>(&format!("SELECT 'angry'::{mood}"), ())).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion);
        let msg = e.to_string();
        assert!(msg.contains("\"angry\"") && msg.contains("Mood"), "{msg}");
        // A label the enum type does not have is refused by the server.
        let e = aw!(conn.query_one(&format!("SELECT $1::{mood}"), ("nope",))).unwrap_err();
        assert_eq!(e.code().map(|c| c.code()), Some("22P02"));
        aw!(conn.batch_execute(&s.drop())).unwrap();
    }
}

dual_test! {
    /// Composites (nested, NULL fields, quotes, commas, parentheses, backslashes, empty
    /// strings, a domain and an enum field) round-trip as parameters and results in binary and
    /// text; a record with the wrong number of fields is an error.
    fn composites_round_trip(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let s = Schema::new();
        aw!(conn.batch_execute(&s.create())).unwrap();
        let outer = &s.outer;
        for v in outer_values() {
            let row = aw!(conn.query_one(&format!("SELECT $1::{outer}, $1::{outer}::text"), (&v,))).unwrap();
            let oid = row.columns()[0].type_oid();
            assert_eq!(row.get::<_, Outer>(0), v, "{}: binary", t.label);
            let text: String = row.get(1);
            assert_eq!(Outer::load(oid, Format::Text, text.as_bytes()).unwrap(), v, "{}: {text}", t.label);
            // Our text form is what the server prints.
            let mut ours = BytesMut::new();
            v.dump(&mut ours).unwrap();
            let ours = String::from_utf8(ours.to_vec()).unwrap();
            let server: String = aw!(conn.query_scalar(&format!("SELECT $1::text::{outer}::text"), (ours.as_str(),))).unwrap();
            assert_eq!(server, text, "{}", t.label);
            // The simple query protocol returns the same text.
            let literal = text.replace('\'', "''");
            let sets = aw!(conn.query_multi(&format!("SELECT '{literal}'::{outer}"))).unwrap();
            assert_eq!(sets[0].rows()[0].get::<_, Outer>(0), v, "{}: simple query", t.label);
        }
        // Into a table column without a cast: the server infers the composite type.
        let table = unique("things");
        aw!(conn.batch_execute(&format!("CREATE TEMP TABLE {table} (o {outer})"))).unwrap();
        let v = outer_values().remove(1);
        aw!(conn.execute(&format!("INSERT INTO {table} VALUES ($1)"), (&v,))).unwrap();
        let back: Outer = aw!(conn.query_scalar(&format!("SELECT o FROM {table}"), ())).unwrap();
        assert_eq!(back, v);
        let name: String = aw!(conn.query_scalar(&format!("SELECT (o).name FROM {table}"), ())).unwrap();
        assert_eq!(name, v.name);

        // Anonymous records into tuples and into a derived struct.
        let row = aw!(conn.query_one("SELECT ROW(1, 'a b'), ROW(2, NULL::text), ROW(1, 'a', 3)", ())).unwrap();
        assert_eq!(row.get::<_, (i32, String)>(0), (1, "a b".to_owned()));
        assert_eq!(row.get::<_, Inner>(1), Inner { a: 2, b: None });
        let e = row.try_get::<_, Inner>(2).unwrap_err();
        assert!(e.to_string().contains("3 fields"), "{e}");
        let sets = aw!(conn.query_multi("SELECT ROW(1, 'a', 3), ROW(1, '\"x\"')")).unwrap();
        let row = &sets[0].rows()[0];
        assert!(row.try_get::<_, Inner>(0).is_err());
        assert_eq!(row.get::<_, Inner>(1), Inner { a: 1, b: Some("\"x\"".into()) });
        // A field the Rust type does not accept names the field.
        let e = aw!(conn.query_scalar::<Inner, _, _>("SELECT ROW(true, 'x')", ())).unwrap_err();
        assert!(e.to_string().contains("\"a\""), "{e}");
        aw!(conn.batch_execute(&s.drop())).unwrap();
    }
}

dual_test! {
    /// A newtype over int8 fills and reads a domain over int8; the domain's check applies.
    fn domains_round_trip(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let s = Schema::new();
        aw!(conn.batch_execute(&s.create())).unwrap();
        let uid = &s.uid;
        let row = aw!(conn.query_one(&format!("SELECT $1::{uid}, 42::{uid}"), (UserId(5),))).unwrap();
        assert_eq!(row.columns()[0].type_oid(), pgtusk::types::oid::INT8, "a domain arrives as its base type");
        assert_eq!((row.get::<_, UserId>(0), row.get::<_, UserId>(1)), (UserId(5), UserId(42)));
        let e = aw!(conn.query_one(&format!("SELECT $1::{uid}"), (UserId(-1),))).unwrap_err();
        assert_eq!(e.code().map(|c| c.code()), Some("23514"));
        let table = unique("ids");
        aw!(conn.batch_execute(&format!("CREATE TEMP TABLE {table} (id {uid})"))).unwrap();
        aw!(conn.execute(&format!("INSERT INTO {table} VALUES ($1)"), (UserId(9),))).unwrap();
        let sets = aw!(conn.query_multi(&format!("SELECT id FROM {table}"))).unwrap();
        assert_eq!(sets[0].rows()[0].get::<_, UserId>(0), UserId(9));
        let back: Option<UserId> = aw!(conn.query_scalar(&format!("SELECT NULL::{uid}"), ())).unwrap();
        assert_eq!(back, None);
        aw!(conn.batch_execute(&s.drop())).unwrap();
    }
}

#[derive(Debug, Default, PartialEq, FromRow)]
struct Audit {
    created_by: String,
    #[pgtusk(default)]
    reviewed_by: Option<String>,
}

#[derive(Debug, PartialEq, FromRow)]
#[pgtusk(rename_all = "camelCase")]
struct Account {
    user_id: UserId,
    #[pgtusk(rename = "full name")]
    name: String,
    #[pgtusk(try_from = "i32")]
    age: u8,
    #[pgtusk(default)]
    nick_name: Option<String>,
    #[pgtusk(default)]
    login_count: i64,
    #[pgtusk(flatten)]
    audit: Audit,
    #[pgtusk(skip)]
    cache: Vec<u8>,
    r#type: String,
}

#[derive(Debug, PartialEq, FromRow)]
struct ByPosition(i64, #[pgtusk(try_from = "i64")] u16, Option<String>);

#[derive(Debug, PartialEq, FromRow)]
#[pgtusk(rename_all = "SCREAMING_SNAKE_CASE")]
struct Generic<T> {
    value: T,
}

/// The derives with pgtusk under another name (`#[pgtusk(crate = "...")]`).
mod renamed {
    use pgtusk as pg;

    #[derive(Debug, PartialEq, pg::FromRow)]
    #[pgtusk(crate = "pg")]
    pub struct Row {
        pub id: Id,
    }

    #[derive(Debug, PartialEq, pg::Dumper, pg::Loader)]
    #[pgtusk(crate = "pg")]
    pub struct Id(pub i32);
}

dual_test! {
    /// `query_as` with every FromRow attribute, and the errors that name the column.
    fn from_row_attributes(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let sql = r#"SELECT 7::int8 AS "userId", 'Ann Lee' AS "full name", 42 AS age,
                            3::int8 AS "loginCount", 'admin' AS created_by, 'x' AS "type",
                            'ignored' AS extra"#;
        let rows: Vec<Account> = aw!(conn.query_as(sql, ())).unwrap();
        assert_eq!(rows, [Account {
            user_id: UserId(7),
            name: "Ann Lee".into(),
            age: 42,
            nick_name: None,
            login_count: 3,
            audit: Audit { created_by: "admin".into(), reviewed_by: None },
            cache: Vec::new(),
            r#type: "x".into(),
        }]);
        // A present column with `default` still loads (NULL included).
        let sql2 = r#"SELECT 7::int8 AS "userId", 'A' AS "full name", 1 AS age, 'n' AS "nickName",
                             'admin' AS created_by, NULL::text AS reviewed_by, 'x' AS "type""#;
        let a: Account = aw!(conn.query_as(sql2, ())).unwrap().remove(0);
        assert_eq!((a.nick_name.as_deref(), a.login_count), (Some("n"), 0));
        // The simple query protocol's text rows load the same way.
        let sets = aw!(conn.query_multi(sql)).unwrap();
        assert_eq!(Account::from_row(&sets[0].rows()[0]).unwrap().age, 42);

        let e = aw!(conn.query_as::<Account, _, _>("SELECT 'A' AS \"full name\", 1 AS age", ())).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion);
        assert!(e.to_string().contains("userId"), "{e}");
        let e = aw!(conn.query_as::<Account, _, _>(&sql.replace("42 AS age", "300 AS age"), ())).unwrap_err();
        assert!(e.to_string().contains("\"age\""), "{e}");
        let e = aw!(conn.query_as::<Account, _, _>(&sql.replace("'admin' AS created_by, ", ""), ())).unwrap_err();
        assert!(e.to_string().contains("created_by"), "{e}");

        let rows: Vec<ByPosition> = aw!(conn.query_as("SELECT 1::int8, 65535::int8, NULL::text", ())).unwrap();
        assert_eq!(rows, [ByPosition(1, 65535, None)]);
        assert!(aw!(conn.query_as::<ByPosition, _, _>("SELECT 1::int8, 65536::int8, 'x'", ())).is_err());
        assert!(aw!(conn.query_as::<ByPosition, _, _>("SELECT 1::int8, 2::int8", ())).is_err());

        let r: Vec<renamed::Row> =
            aw!(conn.query_as("SELECT $1 AS id", (renamed::Id(4),))).unwrap();
        assert_eq!(r, [renamed::Row { id: renamed::Id(4) }]);

        let g: Vec<Generic<Numeric>> = aw!(conn.query_as("SELECT 1.5 AS \"VALUE\"", ())).unwrap();
        assert_eq!(g[0].value, "1.5".parse().unwrap());
    }
}
