use proptest::prelude::*;

use super::*;

fn dumped(d: &dyn Dumper) -> (Oid, Format, Vec<u8>) {
    let mut buf = BytesMut::new();
    assert_eq!(d.dump(&mut buf).unwrap(), IsNull::No);
    (d.type_oid(), d.format(), buf.to_vec())
}

/// The binary form of an array, built by hand.
fn binary(
    ndim: i32,
    flags: i32,
    element: Oid,
    dims: &[(i32, i32)],
    values: &[Option<&[u8]>],
) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend(ndim.to_be_bytes());
    out.extend(flags.to_be_bytes());
    out.extend(element.to_be_bytes());
    for (len, lb) in dims {
        out.extend(len.to_be_bytes());
        out.extend(lb.to_be_bytes());
    }
    for v in values {
        match v {
            Some(b) => {
                out.extend((b.len() as i32).to_be_bytes());
                out.extend(*b);
            }
            None => out.extend((-1_i32).to_be_bytes()),
        }
    }
    out
}

#[test]
fn binary_fixture() {
    let raw = binary(1, 0, oid::INT4, &[(2, 1)], &[Some(&[0, 0, 0, 1]), Some(&[0, 0, 0, 2])]);
    assert_eq!(dumped(&vec![1_i32, 2]), (oid::INT4_ARRAY, Format::Binary, raw.clone()));
    assert_eq!(dumped(&[1_i32, 2]), (oid::INT4_ARRAY, Format::Binary, raw.clone()));
    assert_eq!(dumped(&&[1_i32, 2][..]), (oid::INT4_ARRAY, Format::Binary, raw.clone()));
    assert_eq!(Vec::<i32>::load(oid::INT4_ARRAY, Format::Binary, &raw).unwrap(), [1, 2]);
    assert_eq!(<[i64; 2]>::load(oid::INT4_ARRAY, Format::Binary, &raw).unwrap(), [1, 2]);
    assert!(<[i64; 3]>::load(oid::INT4_ARRAY, Format::Binary, &raw).is_err());

    // NULLs set the flag; two dimensions with lower bounds.
    let a = Array::new(
        vec![Dimension::with_lower_bound(2, -3), Dimension::with_lower_bound(1, 0)],
        vec![Some(7_i16), None],
    )
    .unwrap();
    let raw = binary(2, 1, oid::INT2, &[(2, -3), (1, 0)], &[Some(&[0, 7]), None]);
    assert_eq!(dumped(&a), (oid::INT2_ARRAY, Format::Binary, raw.clone()));
    assert_eq!(Array::<Option<i16>>::load(oid::INT2_ARRAY, Format::Binary, &raw).unwrap(), a);
    let err = Array::<i16>::load(oid::INT2_ARRAY, Format::Binary, &raw).unwrap_err();
    assert!(err.to_string().contains("element 2"), "{err}");
    let err = Vec::<Option<i16>>::load(oid::INT2_ARRAY, Format::Binary, &raw).unwrap_err();
    assert!(err.to_string().contains("load it into an Array"), "{err}");

    // The empty array, and one that declares a zero-length dimension.
    let empty = binary(0, 0, oid::INT4, &[], &[]);
    assert_eq!(
        Vec::<i32>::load(oid::INT4_ARRAY, Format::Binary, &empty).unwrap(),
        Vec::<i32>::new()
    );
    let zero = binary(1, 0, oid::INT4, &[(0, 1)], &[]);
    assert_eq!(
        Array::<i32>::load(oid::INT4_ARRAY, Format::Binary, &zero).unwrap(),
        Array::default()
    );
    assert_eq!(<[i32; 0]>::load(oid::INT4_ARRAY, Format::Binary, &empty).unwrap(), [0_i32; 0]);
}

#[test]
fn binary_is_checked() {
    let good = binary(1, 0, oid::INT4, &[(2, 1)], &[Some(&[0, 0, 0, 1]), Some(&[0, 0, 0, 2])]);
    for n in 0..good.len() {
        assert!(Vec::<i32>::load(oid::INT4_ARRAY, Format::Binary, &good[..n]).is_err(), "{n}");
    }
    let mut long = good.clone();
    long.push(0);
    assert!(Vec::<i32>::load(oid::INT4_ARRAY, Format::Binary, &long).is_err());

    let bad = [
        binary(7, 0, oid::INT4, &[(1, 1); 7], &[Some(&[0, 0, 0, 1])]),
        binary(-1, 0, oid::INT4, &[], &[]),
        binary(1, 2, oid::INT4, &[(1, 1)], &[Some(&[0, 0, 0, 1])]),
        binary(1, 0, oid::INT8, &[(1, 1)], &[Some(&[0, 0, 0, 1])]), // header disagrees
        binary(1, 0, oid::INT4, &[(-1, 1)], &[]),
        binary(1, 0, oid::INT4, &[(2, i32::MAX)], &[Some(&[0, 0, 0, 1]), Some(&[0, 0, 0, 1])]),
        binary(1, 0, oid::INT4, &[(i32::MAX, 1)], &[Some(&[0, 0, 0, 1])]), // count > input
        binary(3, 0, oid::INT4, &[(65_536, 1), (65_536, 1), (65_536, 1)], &[]),
        binary(1, 0, oid::INT4, &[(1, 1)], &[Some(&[0, 0, 1])]), // element too short
    ];
    for raw in &bad {
        assert!(Array::<Option<i32>>::load(oid::INT4_ARRAY, Format::Binary, raw).is_err());
    }
    // An element of the wrong type, and an array the Rust type does not take.
    let text = binary(1, 0, oid::TEXT, &[(1, 1)], &[Some(b"x")]);
    assert!(Vec::<i32>::load(oid::TEXT_ARRAY, Format::Binary, &text).is_err());
    assert!(Vec::<i32>::load(oid::INT4, Format::Binary, &good).is_err());
    assert!(!Vec::<i32>::accepts(oid::TEXT_ARRAY));
    assert!(Vec::<i32>::accepts(oid::INT2_ARRAY));
    // A user-defined array type: the header's element OID decides.
    assert!(Vec::<i32>::accepts(70_000));
    assert_eq!(Vec::<i32>::load(70_000, Format::Binary, &good).unwrap(), [1, 2]);
    assert!(Vec::<i32>::load(70_000, Format::Binary, &text).is_err());
    assert!(Vec::<i32>::load(70_000, Format::Text, b"{1}").is_err()); // element type unknown
}

#[test]
fn text_forms() {
    fn load(raw: &str) -> Result<Array<Option<&str>>, Error> {
        Array::load(oid::TEXT_ARRAY, Format::Text, raw.as_bytes())
    }
    let owned = |raw: &str| {
        Array::<Option<String>>::load_owned(oid::TEXT_ARRAY, Format::Text, raw.as_bytes())
    };

    let a = load(r#"{a,"b c",NULL,"NULL",null, spaced out ,""}"#).unwrap();
    assert_eq!(a.dimensions(), &[Dimension::new(7)]);
    assert_eq!(
        a.elements(),
        &[Some("a"), Some("b c"), None, Some("NULL"), None, Some("spaced out"), Some("")]
    );
    let a = load("{{1,2},{3,4},{5,6}}").unwrap();
    assert_eq!(a.dimensions(), &[Dimension::new(3), Dimension::new(2)]);
    assert_eq!(a.len(), 6);
    let a = load("[0:1]={a,b}").unwrap();
    assert_eq!(a.dimensions(), &[Dimension::with_lower_bound(2, 0)]);
    let a = load(" [-3:-2] [1:2] = {{a,b},{c,d}} ").unwrap();
    assert_eq!(
        a.dimensions(),
        &[Dimension::with_lower_bound(2, -3), Dimension::with_lower_bound(2, 1)]
    );
    assert_eq!(load("[2]={x,y}").unwrap().dimensions(), &[Dimension::new(2)]);
    assert_eq!(load("{}").unwrap(), Array::default());
    assert_eq!(load(" { } ").unwrap(), Array::default());

    // Escapes: only the owning path unescapes.
    let raw = r#"{"a\"b","c\\d",e\,f,\NULL,x\ }"#;
    let err = load(raw).unwrap_err();
    assert!(err.to_string().contains("Array::load_owned"), "{err}");
    let a = owned(raw).unwrap();
    let expected = ["a\"b", "c\\d", "e,f", "NULL", "x "].map(|s| Some(s.to_owned()));
    assert_eq!(a.elements(), &expected);

    for bad in [
        "",
        "{",
        "}",
        "{a",
        "{a,}",
        "{,a}",
        "{a}x",
        "{{a},b}",
        "{a,{b}}",
        "{{a},{b,c}}",
        "{{}}",
        "{\"a}",
        "{a\"b\"}",
        "[1:3]={a,b}",
        "[1:2][1:1]={a,b}",
        "[2:1]={}",
        "[1:1]{a}",
        "{{{{{{{a}}}}}}}",
        "[a:b]={x}",
        "{a\\",
    ] {
        assert!(owned(bad).is_err(), "{bad:?}");
    }
    assert!(owned("{{{{{{a}}}}}}").is_ok());

    // Other element types; `box` arrays use `;`.
    let ints = Vec::<i32>::load(oid::INT4_ARRAY, Format::Text, b"{1, -2 ,3}").unwrap();
    assert_eq!(ints, [1, -2, 3]);
    assert!(Vec::<i32>::load(oid::INT4_ARRAY, Format::Text, b"{1,NULL}").is_err());
    let parsed = text::parse(b"{(1,1),(0,0);(2,2),(1,1)}", b';').unwrap();
    assert_eq!(parsed.elements.len(), 2);
    assert_eq!(parsed.elements[1].as_deref(), Some(&b"(2,2),(1,1)"[..]));
}

#[test]
fn dumps_text_literals() {
    assert_eq!(
        dumped(&vec!["a", "b\"c", "d\\e"]),
        (0, Format::Text, br#"{"a","b\"c","d\\e"}"#.to_vec())
    );
    assert_eq!(dumped(&vec![Some("NULL"), None]), (0, Format::Text, br#"{"NULL",NULL}"#.to_vec()));
    assert_eq!(dumped(&Vec::<i32>::new()), (0, Format::Text, b"{}".to_vec()));
    assert_eq!(dumped(&[None::<i32>, None]), (0, Format::Text, b"{NULL,NULL}".to_vec()));
    let a = Array::new(
        vec![Dimension::with_lower_bound(2, 0), Dimension::new(2)],
        vec!["a", "b", "c", "d"],
    )
    .unwrap();
    assert_eq!(dumped(&a), (0, Format::Text, br#"[0:1][1:2]={{"a","b"},{"c","d"}}"#.to_vec()));
    // JSON elements are text with a type: the array names its array type.
    let j = vec![super::super::Json("{\"k\":1}")];
    assert_eq!(dumped(&j), (oid::JSON_ARRAY, Format::Text, br#"{"{\"k\":1}"}"#.to_vec()));
}

#[test]
fn dump_errors() {
    let mut buf = BytesMut::new();
    assert!(vec![vec![1_i32]].dump(&mut buf).is_err()); // array of arrays
    let mixed: Vec<Box<dyn Dumper>> = vec![Box::new(1_i32), Box::new(2_i64)];
    assert!(mixed.dump(&mut buf).is_err());
    let mixed: Vec<Box<dyn Dumper>> = vec![Box::new("a"), Box::new(2_i64)];
    assert!(mixed.dump(&mut buf).is_err());
    assert!(Array::new(vec![Dimension::new(2); 7], vec![0; 128]).is_err());
    assert!(Array::new(vec![Dimension::with_lower_bound(2, i32::MAX - 1)], vec![0, 1]).is_err());
    assert!(Array::new(vec![Dimension::new(usize::MAX), Dimension::new(2)], vec![0]).is_err());
    assert_eq!(Array::new(vec![Dimension::new(0)], Vec::<i32>::new()).unwrap(), Array::default());
    // NULLs may sit among typed elements.
    let (oid, _, _) = dumped(&vec![None, Some(1_i64)]);
    assert_eq!(oid, oid::INT8_ARRAY);
}

/// Dimensions (0 to 3, lower bounds around 0) and that many elements.
fn shape<T: std::fmt::Debug>(
    element: impl Strategy<Value = T> + Clone,
) -> impl Strategy<Value = Array<T>> {
    prop::collection::vec((1_usize..4, -3_i32..3), 0..=3).prop_flat_map(move |dims| {
        let dims: Vec<Dimension> =
            dims.into_iter().map(|(len, lb)| Dimension::with_lower_bound(len, lb)).collect();
        let count = if dims.is_empty() { 0 } else { dims.iter().map(|d| d.len).product() };
        prop::collection::vec(element.clone(), count)
            .prop_map(move |elements| Array::new(dims.clone(), elements).unwrap())
    })
}

proptest! {
    #[test]
    fn binary_round_trip(a in shape(any::<Option<i64>>())) {
        let (type_oid, format, raw) = dumped(&a);
        // Without a value there is no element type: the text literal of unspecified type.
        if a.elements().iter().all(Option::is_none) {
            prop_assert_eq!((type_oid, format), (0, Format::Text));
        } else {
            prop_assert_eq!((type_oid, format), (oid::INT8_ARRAY, Format::Binary));
        }
        let back = Array::<Option<i64>>::load(oid::INT8_ARRAY, format, &raw).unwrap();
        prop_assert_eq!(back, a);
    }

    #[test]
    fn text_round_trip(a in shape(prop::option::of("[a-z \"\\\\{},N U L]{0,6}"))) {
        let (type_oid, format, raw) = dumped(&a);
        prop_assert_eq!((type_oid, format), (0, Format::Text));
        let back = Array::<Option<String>>::load_owned(oid::TEXT_ARRAY, Format::Text, &raw).unwrap();
        prop_assert_eq!(back, a);
    }

    #[test]
    fn text_never_panics(s in "[\\[\\]{}\",:=\\\\ aN0-9-]{0,30}") {
        let _ = Array::<Option<String>>::load_owned(oid::TEXT_ARRAY, Format::Text, s.as_bytes());
        let _ = Array::<Option<&str>>::load(oid::TEXT_ARRAY, Format::Text, s.as_bytes());
    }

    #[test]
    fn binary_never_panics(raw in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = Array::<Option<i32>>::load(oid::INT4_ARRAY, Format::Binary, &raw);
    }
}
