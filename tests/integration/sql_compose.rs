//! `pgtusk::sql` against real servers: statements composed from awkward identifiers
//! (spaces, quotes, upper case, unicode, keywords), literals and placeholders run as written.

use pgtusk::sql::{Composable, Identifier, Literal, Placeholder, Sql};

use crate::common::{dual_test, unique};

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
