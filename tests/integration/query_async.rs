use pgtusk::{Connection, ErrorKind, SqlState};

use crate::common::targets;

#[tokio::test]
async fn simple_select() {
    for t in targets() {
        let mut conn = Connection::connect(&t.url).await.unwrap();
        let n: i32 = conn.query_scalar("SELECT $1::int4 + 1", (41_i32,)).await.unwrap();
        assert_eq!(n, 42, "{}", t.label);
        let row = conn.query_one("SELECT 'x'::text AS a, 7::int8 AS b", ()).await.unwrap();
        assert_eq!(row.get::<_, &str>("a"), "x");
        assert_eq!(row.get::<_, i64>(1), 7);
        let err = conn.query("SELECT 1/0", ()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Db);
        assert_eq!(err.code(), Some(&SqlState::DIVISION_BY_ZERO));
        // still usable
        let n: i64 = conn.query_scalar("SELECT count(*) FROM generate_series(1, 1000)", ()).await.unwrap();
        assert_eq!(n, 1000);
    }
}
