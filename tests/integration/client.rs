//! The shared `Client`: concurrent tasks pipelined on one connection.

use pgtusk::{Connection, SqlState};

use crate::common::targets;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tasks_share_one_connection() {
    for t in targets() {
        let client = Connection::connect(&t.url).await.unwrap().into_client();
        let pid: i32 = client.query_scalar("SELECT pg_backend_pid()", ()).await.unwrap();
        let tasks: Vec<_> = (0..32_i64)
            .map(|task| {
                let client = client.clone();
                tokio::spawn(async move {
                    for i in 0..300_i64 {
                        let v = task * 1_000 + i;
                        if i % 50 == 7 {
                            // An error in one task never disturbs the others.
                            let e = client.query("SELECT 1/0", ()).await.unwrap_err();
                            assert_eq!(e.code(), Some(&SqlState::DIVISION_BY_ZERO));
                        }
                        let got: i64 = client.query_scalar("SELECT $1::int8", (v,)).await.unwrap();
                        assert_eq!(got, v);
                        let p: i32 =
                            client.query_scalar("SELECT pg_backend_pid()", ()).await.unwrap();
                        assert_eq!(p, pid, "one connection");
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        // Dropped calls are drained; the client stays usable.
        for _ in 0..50 {
            let fut = client.query("SELECT g FROM generate_series(1, 10000) g", ());
            let _ = tokio::time::timeout(std::time::Duration::from_micros(200), fut).await;
        }
        let n: i64 = client.query_scalar("SELECT 41::int8 + 1", ()).await.unwrap();
        assert_eq!(n, 42, "{}", t.label);
        client.batch_execute("SET application_name = 'shared'").await.unwrap();
        assert!(!client.is_closed());
    }
}

#[tokio::test]
async fn copy_is_refused_on_a_shared_client() {
    for t in targets() {
        let client = Connection::connect(&t.url).await.unwrap().into_client();
        let e = client.execute("COPY (SELECT 1) TO STDOUT", ()).await.unwrap_err();
        assert_eq!(e.kind(), pgtusk::ErrorKind::Misuse);
        let e = client.batch_execute("  copy (select 1) to stdout").await.unwrap_err();
        assert_eq!(e.kind(), pgtusk::ErrorKind::Misuse);
        assert_eq!(
            client.query_scalar::<i32, _, _>("SELECT 3", ()).await.unwrap(),
            3,
            "{}",
            t.label
        );
    }
}
