//! `pgtusk::sql` against real servers: statements composed from awkward identifiers
//! (spaces, quotes, upper case, unicode, keywords), literals and placeholders run as written.

use pgtusk::sql::{Composable, Identifier, Literal, Placeholder, Sql};

use crate::common::{XorShift, dual_test, seed, unique};

dual_test! {
    /// CREATE TABLE / INSERT / SELECT through composed SQL with names that need quoting.
    fn awkward_names_round_trip(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let table = Identifier::new(format!("My \"Table\" ü {}", unique("t")));
        let cols = ["Id", "full name", "we\"ird", "日本", "select"].map(Identifier::new);
        let create = Sql::new("CREATE TEMP TABLE {} ({} int8 PRIMARY KEY, {} text, {} text, {} float8, {} bytea)")
            .format(&[&table, &cols[0], &cols[1], &cols[2], &cols[3], &cols[4]])
            .unwrap();
        aw!(conn.batch_execute(&create)).unwrap();

        // Values by placeholder and by literal in the same statement.
        let insert = Sql::new("INSERT INTO {table} ({cols}) VALUES ({values})")
            .format_named(&[
                ("table", &table),
                ("cols", &Sql::new(", ").join(&cols).unwrap()),
                (
                    "values",
                    &Sql::new(", ")
                        .join([
                            &Placeholder::new(1) as &dyn Composable,
                            &Placeholder::new(2),
                            &Literal::new(r"it's a \back\slash"),
                            &Literal::new(f64::NEG_INFINITY),
                            &Literal::new(&b"\x00\x01\xff"[..]),
                        ])
                        .unwrap(),
                ),
            ])
            .unwrap();
        let n = aw!(conn.execute(&insert, (-7_i64, "O'Brien \"quoted\" ü"))).unwrap();
        assert_eq!(n, 1, "{}", t.label);

        let select = Sql::new("SELECT {} FROM {} WHERE {} = {}")
            .format(&[&Sql::new(", ").join(&cols).unwrap(), &table, &cols[0], &Literal::new(-7)])
            .unwrap();
        let row = aw!(conn.query_one(&select, ())).unwrap();
        assert_eq!(row.get::<_, i64>("Id"), -7);
        assert_eq!(row.get::<_, &str>("full name"), "O'Brien \"quoted\" ü");
        assert_eq!(row.get::<_, &str>("we\"ird"), r"it's a \back\slash");
        assert_eq!(row.get::<_, f64>("日本"), f64::NEG_INFINITY);
        assert_eq!(row.get::<_, &[u8]>("select"), b"\x00\x01\xff");

        // The same text works through the simple query protocol.
        let sets = aw!(conn.query_multi(&select)).unwrap();
        assert_eq!(sets[0].rows()[0].get::<_, &str>(1), "O'Brien \"quoted\" ü");

        // A column name that exists only with different case is not found (quoting kept case).
        let wrong = Sql::new("SELECT {} FROM {}").format(&[&Identifier::new("id"), &table]).unwrap();
        assert!(aw!(conn.query(&wrong, ())).is_err());
    }
}

dual_test! {
    /// Every literal form reads back as the value it was built from, whatever
    /// standard_conforming_strings says.
    fn literals_read_back(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        for scs in ["on", "off"] {
            aw!(conn.batch_execute(&format!("SET standard_conforming_strings = {scs}"))).unwrap();
            for s in ["", "plain", "it's", r"back\slash", r"\\", r"'\'", "ünï 日本 🦀", "tab\tnew\nline", "--", "/*"] {
                let q = Sql::new("SELECT {}::text").format(&[&Literal::new(s)]).unwrap();
                let back: String = aw!(conn.query_scalar(&q, ())).unwrap();
                assert_eq!(back, s, "{}: scs={scs}: {}", t.label, q.as_str());
            }
            let q = Sql::new("SELECT {}::bytea").format(&[&Literal::new(vec![0_u8, b'\\', b'\'', 255])]).unwrap();
            let back: Vec<u8> = aw!(conn.query_scalar(&q, ())).unwrap();
            assert_eq!(back, [0, b'\\', b'\'', 255], "scs={scs}");
        }
        for v in [0_i64, -1, i64::MIN, i64::MAX] {
            let q = Sql::new("SELECT 0-{}::int8").format(&[&Literal::new(v)]).unwrap();
            if v == i64::MIN {
                assert!(aw!(conn.query_scalar::<i64, _, _>(&q, ())).is_err(), "overflow");
                continue;
            }
            let back: i64 = aw!(conn.query_scalar(&q, ())).unwrap();
            assert_eq!(back, -v, "{}", q.as_str());
        }
        for v in [0.1_f64, -2.5e-300, 1e300, f64::MAX, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let q = Sql::new("SELECT {}::float8").format(&[&Literal::new(v)]).unwrap();
            let back: f64 = aw!(conn.query_scalar(&q, ())).unwrap();
            assert!(back == v || (v.is_nan() && back.is_nan()), "{}: {back}", q.as_str());
        }
        let q = Sql::new("SELECT {}::float4").format(&[&Literal::new(0.1_f32)]).unwrap();
        let back: f32 = aw!(conn.query_scalar(&q, ())).unwrap();
        assert_eq!(back, 0.1_f32);
        let q = Sql::new("SELECT {}, {}, {}::int4").format(&[&Literal::new(true), &Literal::new(false), &Literal::new(None::<i32>)]).unwrap();
        let row = aw!(conn.query_one(&q, ())).unwrap();
        assert!(row.get::<_, bool>(0) && !row.get::<_, bool>(1));
        assert_eq!(row.get::<_, Option<i32>>(2), None);
    }
}

/// A random string of up to `max` characters, drawn mostly from the ones quoting has to care
/// about: both quotes, backslashes, `$`, comment starts, blanks and control characters,
/// letters of both cases, and characters outside ASCII (two, three and four UTF-8 bytes).
fn awkward_string(rng: &mut XorShift, max: u64) -> String {
    const PICKS: &[char] =
        &['\'', '"', '\\', '$', '-', '/', '*', ' ', '\t', '\n', '\r', 'a', 'Z', '0', '_', ';'];
    let len = rng.below(max + 1);
    (0..len)
        .map(|_| match rng.below(10) {
            0..=5 => PICKS[rng.below(PICKS.len() as u64) as usize],
            6 => char::from(1 + rng.below(31) as u8), // a control character (no NUL)
            7 => ['é', 'ß', 'Ω', 'Ж'][rng.below(4) as usize],
            8 => ['日', '€', '\u{2028}', '\u{feff}'][rng.below(4) as usize],
            _ => ['🦀', '\u{10ffff}', '𝔘'][rng.below(3) as usize],
        })
        .collect()
}

dual_test! {
    /// Random awkward strings survive as literals (with standard_conforming_strings on and
    /// off) and as identifiers (a column alias the server hands back as written).
    fn random_literals_and_identifiers_round_trip(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let mut rng = XorShift::new(seed(0x5eed_5a1e));
        for scs in ["on", "off"] {
            aw!(conn.batch_execute(&format!("SET standard_conforming_strings = {scs}"))).unwrap();
            for _ in 0..200 {
                let s = awkward_string(&mut rng, 12);
                // At most 32 bytes: the server would cut a longer name at 63.
                let name = awkward_string(&mut rng, 8);
                let q = Sql::new("SELECT {}::text AS {}")
                    .format(&[&Literal::new(s.as_str()), &Identifier::new(name.as_str())]);
                let Ok(q) = q else {
                    assert!(name.is_empty(), "{}: {name:?} refused", t.label);
                    continue;
                };
                let row = aw!(conn.query_one(&q, ())).unwrap_or_else(|e| {
                    panic!("{}: scs={scs}: {}: {e}", t.label, q.as_str())
                });
                assert_eq!(row.get::<_, &str>(0), s, "{}: scs={scs}: {}", t.label, q.as_str());
                assert_eq!(row.columns()[0].name(), name, "{}: {}", t.label, q.as_str());
            }
        }
    }
}
