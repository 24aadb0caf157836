//! Arrays against real servers: `Vec<T>` / `Array<T>` parameters of many element types read
//! back in binary and compared with the server's text output (which the text loaders read
//! too, directly and through the simple query protocol); several dimensions and lower bounds;
//! NULL elements; empty arrays; strings that need quoting; `= ANY($1)` with strings; and the
//! errors for ragged arrays, arrays of arrays and NULL into a non-`Option`.

use pgtusk::ErrorKind;
use pgtusk::protocol::Format;
use pgtusk::types::{Array, Date, Dimension, Numeric, TimestampTz, Uuid, oid};
use pgtusk::{Dumper, Loader};

use crate::common::dual_test;

fn uuid(s: &str) -> Uuid {
    s.parse().unwrap()
}

dual_test! {
    /// One-dimensional arrays of each element type: sent, read back in binary, the server's
    /// text compared and loaded, and the same text read through the simple query protocol.
    fn element_types_round_trip(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute("SET TimeZone = 'UTC'")).unwrap();

        // `$value` is sent as `$1::$ty[]`; `$text` is the server's output for it; `$rust` is
        // the element type it is read back into (an `Option` of it).
        macro_rules! check {
            ($ty:literal, $array_oid:expr, $rust:ty, $value:expr, $text:expr) => {{
                let value: Vec<Option<$rust>> = $value;
                let sql = concat!("SELECT $1::", $ty, "[], $1::", $ty, "[]::text");
                let row = aw!(conn.query_one(sql, (&value,))).unwrap();
                let label = format!("{}: {}", t.label, $ty);
                assert_eq!(row.columns()[0].type_oid(), $array_oid, "{label}");
                assert_eq!(row.get::<_, Vec<Option<$rust>>>(0), value, "{label}: binary");
                let text: &str = row.get(1);
                assert_eq!(text, $text, "{label}: server text");
                let loaded =
                    Array::<Option<$rust>>::load_owned($array_oid, Format::Text, text.as_bytes())
                        .unwrap();
                assert_eq!(loaded.into_elements(), value, "{label}: text loaded");

                let sets = aw!(conn.query_multi(&format!("SELECT '{text}'::{}[]", $ty))).unwrap();
                let row = &sets[0].rows()[0];
                assert_eq!(row.columns()[0].format(), Format::Text);
                let raw = row.get_bytes(0).unwrap();
                let loaded =
                    Array::<Option<$rust>>::load_owned($array_oid, Format::Text, &raw).unwrap();
                assert_eq!(loaded.into_elements(), value, "{label}: simple query");
            }};
        }

        check!("int2", oid::INT2_ARRAY, i16, vec![Some(1), Some(-2), Some(i16::MAX)],
            "{1,-2,32767}");
        check!("int4", oid::INT4_ARRAY, i32, vec![Some(1), None, Some(i32::MIN)],
            "{1,NULL,-2147483648}");
        check!("int8", oid::INT8_ARRAY, i64, vec![Some(i64::MAX), None], "{9223372036854775807,NULL}");
        check!("float8", oid::FLOAT8_ARRAY, f64, vec![Some(1.5), Some(-0.25), Some(f64::INFINITY)],
            "{1.5,-0.25,Infinity}");
        check!("bool", oid::BOOL_ARRAY, bool, vec![Some(true), Some(false), None], "{t,f,NULL}");
        check!("text", oid::TEXT_ARRAY, String,
            ["a", "b\"c", "d\\e", "f,g", "{h}", " sp ", "NULL", "null", "", "é"]
                .iter().map(|s| Some(s.to_string())).chain([None]).collect(),
            r#"{a,"b\"c","d\\e","f,g","{h}"," sp ","NULL","null","",é,NULL}"#);
        check!("bytea", oid::BYTEA_ARRAY, Vec<u8>, vec![Some(vec![1, 2]), Some(vec![]), None],
            r#"{"\\x0102","\\x",NULL}"#);
        check!("numeric", oid::NUMERIC_ARRAY, Numeric,
            vec![Some("1.50".parse().unwrap()), Some("-0.00000000000000000001".parse().unwrap()), None],
            "{1.50,-0.00000000000000000001,NULL}");
        check!("uuid", oid::UUID_ARRAY, Uuid,
            vec![Some(uuid("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")), Some(Uuid::NIL)],
            "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,00000000-0000-0000-0000-000000000000}");
        check!("date", oid::DATE_ARRAY, Date,
            vec![Some(Date::from_ymd(2024, 2, 29).unwrap()), Some(Date::INFINITY), None],
            "{2024-02-29,infinity,NULL}");
        check!("timestamptz", oid::TIMESTAMPTZ_ARRAY, TimestampTz,
            vec![Some(TimestampTz::from_civil(2024, 1, 2, 3, 4, 5, 600).unwrap()),
                 Some(TimestampTz::NEG_INFINITY)],
            r#"{"2024-01-02 03:04:05.0006+00",-infinity}"#);

        // Borrowing loaders: fine in binary and for unescaped text, an error naming the way
        // out for escaped text.
        let row = aw!(conn.query_one("SELECT ARRAY['a b', 'c\"d']", ())).unwrap();
        assert_eq!(row.get::<_, Vec<&str>>(0), ["a b", "c\"d"]);
        let sets = aw!(conn.query_multi("SELECT ARRAY['a b', 'c'], ARRAY['c\"d']")).unwrap();
        let row = &sets[0].rows()[0];
        assert_eq!(row.get::<_, Vec<&str>>(0), ["a b", "c"]);
        let err = row.try_get::<_, Vec<String>>(1).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conversion);
        assert!(err.to_string().contains("Array::load_owned"), "{err}");
    }
}

dual_test! {
    /// Several dimensions and lower bounds other than 1, both ways and in both formats.
    fn dimensions_and_lower_bounds(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        for (literal, dims, elements) in [
            ("[0:2]={1,2,3}", vec![Dimension::with_lower_bound(3, 0)], vec![1, 2, 3]),
            (
                "[-3:-2][1:2]={{1,2},{3,4}}",
                vec![Dimension::with_lower_bound(2, -3), Dimension::new(2)],
                vec![1, 2, 3, 4],
            ),
            (
                "{{{1,2,3},{4,5,6}}}",
                vec![Dimension::new(1), Dimension::new(2), Dimension::new(3)],
                vec![1, 2, 3, 4, 5, 6],
            ),
            (
                "[5:5][1:1][1:1][1:1][1:1][0:1]={{{{{{7,8}}}}}}",
                vec![
                    Dimension::with_lower_bound(1, 5),
                    Dimension::new(1),
                    Dimension::new(1),
                    Dimension::new(1),
                    Dimension::new(1),
                    Dimension::with_lower_bound(2, 0),
                ],
                vec![7, 8],
            ),
        ] {
            let expected = Array::new(dims, elements).unwrap();
            let label = format!("{}: {literal}", t.label);
            let row = aw!(conn.query_one(
                "SELECT $1::int4[], ($1::int4[])::text, $2::int4[] = $1, array_lower($2::int4[], 1)",
                (literal, &expected)
            ))
            .unwrap();
            assert_eq!(row.get::<_, Array<i32>>(0), expected, "{label}: binary");
            let text: &str = row.get(1);
            assert_eq!(text, literal, "{label}: server text");
            assert_eq!(Array::<i32>::load(oid::INT4_ARRAY, Format::Text, text.as_bytes()).unwrap(),
                expected, "{label}: text");
            assert!(row.get::<_, bool>(2), "{label}: sent Array equals the literal");
            assert_eq!(row.get::<_, i32>(3), expected.dimensions()[0].lower_bound);
            let sets = aw!(conn.query_multi(&format!("SELECT '{literal}'::int4[]"))).unwrap();
            assert_eq!(sets[0].rows()[0].get::<_, Array<i32>>(0), expected, "{label}: simple");
            if expected.dimensions().len() > 1 {
                let err = row.try_get::<_, Vec<i32>>(0).unwrap_err();
                assert!(err.to_string().contains("load it into an Array"), "{err}");
            }
        }

        // A two-dimensional text array with a lower bound, sent as a text literal.
        let a = Array::new(
            vec![Dimension::with_lower_bound(2, 0), Dimension::new(2)],
            vec!["a", "b\\", "{c}", "NULL"],
        )
        .unwrap();
        let row = aw!(conn.query_one("SELECT $1::text[]::text, pg_typeof($1::text[])::text", (&a,)))
            .unwrap();
        assert_eq!(row.get::<_, &str>(0), r#"[0:1][1:2]={{a,"b\\"},{"{c}","NULL"}}"#);

        // Fixed-size arrays.
        let row = aw!(conn.query_one("SELECT ARRAY[1, 2, 3]::int8[]", ())).unwrap();
        assert_eq!(row.get::<_, [i64; 3]>(0), [1, 2, 3]);
        assert!(row.try_get::<_, [i64; 2]>(0).is_err());
        let row = aw!(conn.query_one("SELECT $1::int8[]", ([5_i64, 6],))).unwrap();
        assert_eq!(row.get::<_, Vec<i64>>(0), [5, 6]);
    }
}

dual_test! {
    /// Empty arrays, all-NULL arrays, a NULL array, and NULL elements into a non-`Option`.
    fn empty_and_null(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let empty: Vec<i32> = Vec::new();
        assert_eq!(empty.type_oid(), 0, "no element type: the server infers it");
        let row = aw!(conn.query_one(
            "SELECT $1::int4[], cardinality($1::int4[]), '{}'::text[], $2::int8[], $3::int4[]",
            (&empty, &[None::<i64>, None], None::<Vec<i32>>)
        ))
        .unwrap();
        assert_eq!(row.get::<_, Vec<i32>>(0), empty);
        assert_eq!(row.get::<_, Array<i32>>(0), Array::default());
        assert_eq!(row.get::<_, i32>(1), 0);
        assert_eq!(row.get::<_, Vec<&str>>(2), Vec::<&str>::new());
        assert_eq!(row.get::<_, [i32; 0]>(0), [0_i32; 0]);
        assert_eq!(row.get::<_, Vec<Option<i64>>>(3), [None, None]);
        assert_eq!(row.get::<_, Option<Vec<i32>>>(4), None);
        let err = row.try_get::<_, Vec<i64>>(3).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conversion);
        assert!(err.to_string().contains("NULL"), "{err}");

        let sets = aw!(conn.query_multi("SELECT '{}'::int4[], '{NULL}'::int4[]")).unwrap();
        let row = &sets[0].rows()[0];
        assert_eq!(row.get::<_, Vec<i32>>(0), empty);
        assert_eq!(row.get::<_, Vec<Option<i32>>>(1), [None]);
        assert!(row.try_get::<_, Vec<i32>>(1).is_err());
    }
}

dual_test! {
    /// Strings go as a text literal of unspecified type, so the server gives them the type
    /// the context needs: here `uuid[]` through `= ANY($1)`.
    fn any_with_strings(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        aw!(conn.batch_execute(
            "CREATE TEMP TABLE arr_any (id uuid, name text);
             INSERT INTO arr_any VALUES
               ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'one'),
               ('00000000-0000-0000-0000-000000000002', 'two'),
               ('00000000-0000-0000-0000-000000000003', 'three')"
        ))
        .unwrap();
        let ids = vec!["A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "00000000-0000-0000-0000-000000000003"];
        let rows = aw!(conn.query("SELECT name FROM arr_any WHERE id = ANY($1) ORDER BY name", (&ids,)))
            .unwrap();
        let names: Vec<&str> = rows.iter().map(|r| r.get(0)).collect();
        assert_eq!(names, ["one", "three"], "{}", t.label);

        let names = ["two", "o'ne", "x\"y"];
        let n: i64 = aw!(conn.query_scalar(
            "SELECT count(*) FROM arr_any WHERE name = ANY($1)",
            (&names[..],)
        ))
        .unwrap();
        assert_eq!(n, 1);
        // Typed elements go in binary: a uuid[] parameter.
        let typed = [uuid("00000000-0000-0000-0000-000000000002")];
        let n: i64 = aw!(conn.query_scalar("SELECT count(*) FROM arr_any WHERE id = ANY($1)", (&typed,)))
            .unwrap();
        assert_eq!(n, 1);
    }
}

dual_test! {
    /// Ragged arrays and arrays of arrays are refused: by the server for a literal, by the
    /// driver for what it sends and what it parses.
    fn ragged_arrays_rejected(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let err = aw!(conn.query_one("SELECT '{{1,2},{3}}'::int4[]", ())).unwrap_err();
        assert_eq!(err.code().map(|c| c.code()), Some("22P02"), "{}: {err}", t.label);
        // Still usable after the error.
        let err = aw!(conn.query_one("SELECT $1::int4[]", (vec![vec![1_i32], vec![2, 3]],)))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conversion, "{err}");
        assert!(err.to_string().contains("Array with several dimensions"), "{err}");
        assert!(Array::<i32>::load(oid::INT4_ARRAY, Format::Text, b"{{1,2},{3}}").is_err());
        let row = aw!(conn.query_one("SELECT ARRAY[[1,2],[3,4]]", ())).unwrap();
        assert_eq!(row.get::<_, Array<i32>>(0).dimensions(), &[Dimension::new(2), Dimension::new(2)]);
        // Elements of the wrong type.
        assert!(row.try_get::<_, Vec<String>>(0).is_err());
        assert!(row.try_get::<_, Array<bool>>(0).is_err());
    }
}

/// An enum label sent in binary with the enum's run-time OID (what a hand-written or derived
/// binary dumper for a user-defined type does).
struct Label {
    type_oid: u32,
    label: &'static str,
}

impl Dumper for Label {
    fn type_oid(&self) -> u32 {
        self.type_oid
    }
    fn dump(&self, buf: &mut bytes::BytesMut) -> Result<pgtusk::types::IsNull, pgtusk::Error> {
        buf.extend_from_slice(self.label.as_bytes()); // enum_send: the label's text
        Ok(pgtusk::types::IsNull::No)
    }
}

/// Any user-defined type's value, read as its binary bytes (an enum's label).
#[derive(Debug, PartialEq)]
struct UserValue(String);

impl Loader<'_> for UserValue {
    fn accepts(oid: u32) -> bool {
        oid >= 16_384
    }
    fn load(_oid: u32, _format: Format, raw: &[u8]) -> Result<Self, pgtusk::Error> {
        String::from_utf8(raw.to_vec()).map(UserValue).map_err(pgtusk::Error::conversion_from)
    }
}

dual_test! {
    /// Arrays of a user-defined type (an enum): binary elements with the enum's OID go as a
    /// binary array of unspecified type; the loader checks the element OID in the header;
    /// strings go as a text literal; a text-format array of a user type cannot be typed here.
    fn arrays_of_user_types(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let mood = crate::common::unique("mood");
        aw!(conn.batch_execute(&format!("CREATE TYPE {mood} AS ENUM ('happy', 'sad')"))).unwrap();
        let type_oid: u32 =
            aw!(conn.query_scalar(&format!("SELECT '{mood}'::regtype::oid"), ())).unwrap();

        let labels = [Label { type_oid, label: "sad" }, Label { type_oid, label: "happy" }];
        assert_eq!((labels.type_oid(), labels.format()), (0, Format::Binary));
        let row = aw!(conn.query_one(&format!("SELECT $1::{mood}[]::text, $1::{mood}[]"), (&labels,)))
            .unwrap();
        assert_eq!(row.get::<_, &str>(0), "{sad,happy}", "{}", t.label);
        assert!(row.columns()[1].type_oid() >= 16_384);
        assert_eq!(
            row.get::<_, Vec<UserValue>>(1),
            [UserValue("sad".into()), UserValue("happy".into())]
        );
        // The header names the enum, not int4.
        assert!(row.try_get::<_, Vec<i32>>(1).is_err());

        let row = aw!(conn.query_one(&format!("SELECT $1::{mood}[]::text"), (["happy", "sad"],)))
            .unwrap();
        assert_eq!(row.get::<_, &str>(0), "{happy,sad}");

        let row = aw!(conn.query_one("SELECT ARRAY[1, 2]", ())).unwrap();
        assert!(row.try_get::<_, Vec<UserValue>>(0).is_err());

        let sets = aw!(conn.query_multi(&format!("SELECT '{{happy}}'::{mood}[]"))).unwrap();
        let err = sets[0].rows()[0].try_get::<_, Vec<UserValue>>(0).unwrap_err();
        assert!(err.to_string().contains("read the array in binary"), "{err}");
        aw!(conn.batch_execute(&format!("DROP TYPE {mood}"))).unwrap();
    }
}
