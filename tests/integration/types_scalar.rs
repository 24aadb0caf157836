//! Scalar types against real servers: numeric, uuid, json/jsonb, inet/cidr, macaddr/macaddr8,
//! bit/varbit and money, sent as parameters and read back in binary, and compared with the
//! server's own text rendering (which the text loaders read too).

use std::net::IpAddr;

use pgtusk::protocol::Format;
use pgtusk::types::{BitVec, IpNetwork, Json, Jsonb, MacAddr, MacAddr8, Money, Numeric, Uuid, oid};
use pgtusk::{Dumper, Loader};

use crate::common::{XorShift, dual_test, seed};

/// Numeric values in PostgreSQL's output form (which `Display` must reproduce).
fn numeric_cases() -> Vec<String> {
    let mut cases: Vec<String> = [
        "0",
        "0.000",
        "1",
        "-1",
        "1.50",
        "9999",
        "10000",
        "-0.0001",
        "0.00000001",
        "123456789012345678901234567890.123456789012345678901234567890",
        "-99999999999999999999.99999999999999999999",
        "100000000000000000000000000000000000000000",
        "NaN",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    cases.push("9".repeat(1000));
    cases.push(format!("-{}.{}", "1234567890".repeat(50), "0987654321".repeat(50)));
    cases.push(format!("0.{}1", "0".repeat(999)));
    cases.push(format!("0.{}1", "0".repeat(16_382)));
    cases.push(format!("1{}", "0".repeat(131_071)));
    cases
}

dual_test! {
    /// numeric: parameters round-trip, Display matches the server's text, the text loader reads
    /// the server's text, and server-computed values load in binary.
    fn numeric_round_trips(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let version: i32 =
            aw!(conn.query_scalar("SELECT current_setting('server_version_num')::int4", ())).unwrap();
        let mut cases = numeric_cases();
        if version >= 140_000 {
            cases.push("Infinity".into());
            cases.push("-Infinity".into());
        }
        for s in &cases {
            let v: Numeric = s.parse().unwrap();
            assert_eq!(&v.to_string(), s, "{}: Display", t.label);
            let row = aw!(conn.query_one(
                "SELECT $1::numeric, $1::numeric::text, $2::text::numeric, pg_typeof($1)::text",
                (&v, s.as_str())
            ))
            .unwrap();
            let short = &s[..s.len().min(30)];
            assert_eq!(row.get::<_, Numeric>(0), v, "{}: {short} sent and read back", t.label);
            let text: &str = row.get(1);
            assert_eq!(text, s, "{}: server text of {short}", t.label);
            assert_eq!(Numeric::load(oid::NUMERIC, Format::Text, text.as_bytes()).unwrap(), v);
            assert_eq!(row.get::<_, Numeric>(2), v, "{}: {short} parsed by the server", t.label);
            assert_eq!(row.get::<_, &str>(3), "numeric");
        }

        // Values the server computes, in binary, against its own text.
        for expr in [
            "2::numeric ^ 3000",
            "-(2::numeric ^ -300)",
            "1::numeric / 3",
            "exp(1::numeric)",
            "sqrt(2::numeric)",
            "1e-16383::numeric",
            "123.4500::numeric(20, 10)",
            "(10::numeric ^ 131071)",
            "round(-0.0005::numeric, 3)",
        ] {
            let row = aw!(conn.query_one(&format!("SELECT ({expr}), ({expr})::text"), ())).unwrap();
            let v: Numeric = row.get(0);
            assert_eq!(v.to_string(), row.get::<_, &str>(1), "{}: {expr}", t.label);
        }

        // Integer and float conversions agree with the server's.
        let v: Numeric = aw!(conn.query_scalar("SELECT (-2)::numeric ^ 63", ())).unwrap();
        assert_eq!(i64::try_from(&v).unwrap(), i64::MIN);
        let v: Numeric = aw!(conn.query_scalar("SELECT 170141183460469231731687303715884105727::numeric", ())).unwrap();
        assert_eq!(i128::try_from(&v).unwrap(), i128::MAX);
        let f: f64 = aw!(conn.query_scalar("SELECT $1::numeric::float8", (Numeric::from(0.1_f64),)))
            .unwrap();
        assert_eq!(f, 0.1);
        let row = aw!(conn.query_one("SELECT 0.1::numeric::float8, 0.1::numeric", ())).unwrap();
        assert_eq!(f64::try_from(row.get::<_, Numeric>(1)).unwrap(), row.get::<_, f64>(0));
    }
}

/// A random decimal: up to 40 integer and 40 fraction digits, sometimes with leading or
/// trailing zeros, sometimes negative.
fn random_decimal(rng: &mut XorShift) -> String {
    let mut s = String::new();
    if rng.below(2) == 0 {
        s.push('-');
    }
    let digits = |rng: &mut XorShift, n: u64| -> String {
        (0..n).map(|_| char::from(b'0' + rng.below(10) as u8)).collect()
    };
    let int_len = rng.below(41).max(1);
    s.push_str(&digits(rng, int_len));
    let frac_len = rng.below(41);
    if frac_len > 0 {
        s.push('.');
        s.push_str(&digits(rng, frac_len));
    }
    s
}

dual_test! {
    /// Random decimals: what the server parses (loaded in binary) equals what we parse, and the
    /// server's text equals our Display.
    fn numeric_random(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let mut rng = XorShift::new(seed(0x5eed_1700));
        for _ in 0..300 {
            let s = random_decimal(&mut rng);
            let v: Numeric = s.parse().unwrap();
            let row = aw!(conn.query_one(
                "SELECT $1::text::numeric, $1::text::numeric::text, $2::numeric::text",
                (s.as_str(), &v)
            ))
            .unwrap();
            assert_eq!(row.get::<_, Numeric>(0), v, "{}: {s}", t.label);
            assert_eq!(row.get::<_, &str>(1), v.to_string(), "{}: {s}", t.label);
            assert_eq!(row.get::<_, &str>(2), v.to_string(), "{}: {s} sent", t.label);
        }
    }
}

dual_test! {
    /// uuid: sent, read back, and rendered as the server does.
    fn uuid_round_trips(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        for s in [
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "00000000-0000-0000-0000-000000000000",
            "ffffffff-ffff-ffff-ffff-ffffffffffff",
        ] {
            let u: Uuid = s.to_uppercase().parse().unwrap();
            let row = aw!(conn.query_one(
                "SELECT $1::uuid, $1::uuid::text, pg_typeof($1)::text",
                (u,)
            ))
            .unwrap();
            assert_eq!(row.get::<_, Uuid>(0), u, "{}: {s}", t.label);
            assert_eq!(row.get::<_, &str>(1), s);
            assert_eq!(u.to_string(), s);
            assert_eq!(row.get::<_, &str>(2), "uuid");
        }
        let row = aw!(conn.query_one("SELECT u, u::text FROM (SELECT md5('x')::uuid AS u) s", ()))
            .unwrap();
        let u: Uuid = row.get(0);
        assert_eq!(u.to_string(), row.get::<_, &str>(1));
        assert_eq!(Uuid::load(oid::UUID, Format::Text, row.get::<_, &str>(1).as_bytes()).unwrap(), u);
    }
}

dual_test! {
    /// json and jsonb: the declared types reach the server, and values come back.
    fn json_round_trips(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let doc = r#"{"b": 1,   "a": [1, 2.50, "x"]}"#;
        let row = aw!(conn.query_one(
            "SELECT $1::jsonb, $1::jsonb::text, pg_typeof($1)::text, $2::json, pg_typeof($2)::text",
            (Jsonb(doc), Json(doc))
        ))
        .unwrap();
        let back: Jsonb<String> = row.get(0);
        assert_eq!(back.0, row.get::<_, &str>(1), "{}", t.label);
        assert_eq!(back.0, r#"{"a": [1, 2.50, "x"], "b": 1}"#);
        assert_eq!(row.get::<_, &str>(2), "jsonb");
        assert_eq!(row.get::<_, Json<&str>>(3), Json(doc), "json keeps the text as sent");
        assert_eq!(row.get::<_, &str>(4), "json");
        let e = aw!(conn.query_one("SELECT $1::jsonb", (Jsonb("{"),))).unwrap_err();
        assert_eq!(e.code().map(|c| c.code()), Some("22P02"), "{}: invalid JSON", t.label);
    }
}

dual_test! {
    /// inet and cidr, IPv4 and IPv6, with and without prefixes.
    fn inet_cidr_round_trips(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        for s in [
            "192.168.1.5/24",
            "192.168.1.5/32",
            "0.0.0.0/0",
            "255.255.255.255/32",
            "10.0.0.0/8",
            "2001:db8::1/64",
            "2001:db8:85a3::8a2e:370:7334/128",
            "::/0",
            "::1/128",
            "::ffff:1.2.3.4/128",
            "fe80::/10",
        ] {
            let net: IpNetwork = s.parse().unwrap();
            let row = aw!(conn.query_one(
                "SELECT $1::inet, $1::inet::text, $2::cidr, $2::cidr::text, $3::text::inet, \
                 pg_typeof($1)::text",
                (net, net.network(), s)
            ))
            .unwrap();
            assert_eq!(row.get::<_, IpNetwork>(0), net, "{}: {s}", t.label);
            let text: &str = row.get(1);
            assert_eq!(text.parse::<IpNetwork>().unwrap(), net, "{}: server text {text}", t.label);
            assert_eq!(IpNetwork::load(oid::INET, Format::Text, text.as_bytes()).unwrap(), net);
            let cidr: IpNetwork = row.get(2);
            assert_eq!(cidr, net.network(), "{}: cidr {s}", t.label);
            let text: &str = row.get(3);
            assert_eq!(text, cidr.to_string().as_str(), "{}: cidr text", t.label);
            assert_eq!(IpNetwork::load(oid::CIDR, Format::Text, text.as_bytes()).unwrap(), cidr);
            assert_eq!(row.get::<_, IpNetwork>(4), net, "{}: {s} parsed by the server", t.label);
            assert_eq!(row.get::<_, IpAddr>(4), net.addr);
            assert_eq!(row.get::<_, &str>(5), "inet");
        }
        for s in ["127.0.0.1", "::1", "2001:db8::ff00:42:8329"] {
            let addr: IpAddr = s.parse().unwrap();
            let row = aw!(conn.query_one("SELECT $1, host($1)", (addr,))).unwrap();
            assert_eq!(row.get::<_, IpAddr>(0), addr);
            assert_eq!(row.get::<_, &str>(1), s, "{}: host()", t.label);
        }
    }
}

dual_test! {
    /// macaddr and macaddr8.
    fn macaddr_round_trips(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let m: MacAddr = "08:00:2B:01:02:03".parse().unwrap();
        let m8: MacAddr8 = "08:00:2b:01:02:03:04:ff".parse().unwrap();
        let row = aw!(conn.query_one(
            "SELECT $1::macaddr, $1::macaddr::text, $2::macaddr8, $2::macaddr8::text, \
             $1::macaddr::macaddr8, pg_typeof($1)::text, pg_typeof($2)::text",
            (m, m8)
        ))
        .unwrap();
        assert_eq!(row.get::<_, MacAddr>(0), m, "{}", t.label);
        assert_eq!(row.get::<_, &str>(1), m.to_string());
        assert_eq!(MacAddr::load(oid::MACADDR, Format::Text, row.get::<_, &str>(1).as_bytes()).unwrap(), m);
        assert_eq!(row.get::<_, MacAddr8>(2), m8);
        assert_eq!(row.get::<_, &str>(3), m8.to_string());
        assert_eq!(row.get::<_, MacAddr8>(4), MacAddr8::from(m));
        assert_eq!((row.get::<_, &str>(5), row.get::<_, &str>(6)), ("macaddr", "macaddr8"));
    }
}

dual_test! {
    /// bit and varbit.
    fn bit_round_trips(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let long: String = (0..100).map(|i| if i % 3 == 0 { '1' } else { '0' }).collect();
        for s in ["", "0", "1", "10110", "11111111", "101100001", long.as_str()] {
            let b: BitVec = s.parse().unwrap();
            let row = aw!(conn.query_one(
                "SELECT $1::varbit, $1::varbit::text, pg_typeof($1)::text",
                (&b,)
            ))
            .unwrap();
            assert_eq!(row.get::<_, BitVec>(0), b, "{}: {s}", t.label);
            assert_eq!(row.get::<_, &str>(1), s);
            assert_eq!(b.to_string(), s);
            assert_eq!(row.get::<_, &str>(2), "bit varying");
        }
        let b: BitVec = "10110".parse().unwrap();
        let row = aw!(conn.query_one("SELECT $1::bit(5), B'1011'::bit(6), X'F0A'::varbit", (&b,)))
            .unwrap();
        assert_eq!(row.get::<_, BitVec>(0), b);
        assert_eq!(row.get::<_, BitVec>(1).to_string(), "101100");
        assert_eq!(row.get::<_, BitVec>(2), "XF0A".parse().unwrap());
    }
}

dual_test! {
    /// money in binary.
    fn money_round_trips(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("SET lc_monetary = 'C'")).unwrap();
        for (cents, text) in [
            (0_i64, "0.00"),
            (12_345, "123.45"),
            (-1, "-0.01"),
            (i64::MAX, "92233720368547758.07"),
            (i64::MIN, "-92233720368547758.08"),
        ] {
            let row = aw!(conn.query_one(
                "SELECT $1::money, $1::money::numeric::text, $2::numeric::money, \
                 pg_typeof($1)::text",
                (Money(cents), text)
            ))
            .unwrap();
            assert_eq!(row.get::<_, Money>(0), Money(cents), "{}: {text}", t.label);
            assert_eq!(row.get::<_, &str>(1), text);
            assert_eq!(row.get::<_, Money>(2), Money(cents));
            assert_eq!(row.get::<_, &str>(3), "money");
        }
    }
}

/// The dumpers' declared types, checked without a server.
#[test]
fn declared_types() {
    let cases: [(&dyn Dumper, u32); 8] = [
        (&Numeric::zero(), oid::NUMERIC),
        (&Uuid::NIL, oid::UUID),
        (&Jsonb("{}"), oid::JSONB),
        (&Json("{}"), oid::JSON),
        (&IpNetwork::from(IpAddr::from([1, 2, 3, 4])), oid::INET),
        (&MacAddr([0; 6]), oid::MACADDR),
        (&BitVec::new(), oid::VARBIT),
        (&Money(0), oid::MONEY),
    ];
    for (d, want) in cases {
        assert_eq!(d.type_oid(), want);
    }
}
