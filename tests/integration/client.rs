//! The shared `Client`: concurrent tasks pipelined on one connection.

use pgtusk::{Connection, SqlState};

use crate::common::{poll_then_drop, targets};

/// Polls `fut` once, without yielding to other tasks, then drops it.
fn poll_once<F: std::future::Future>(fut: F) -> Option<F::Output> {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match std::pin::pin!(fut).poll(&mut cx) {
        std::task::Poll::Ready(out) => Some(out),
        std::task::Poll::Pending => None,
    }
}

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

/// Polls `f` every 10 ms until it returns true, for at most 10 s.
async fn eventually<F, Fut>(mut f: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..1_000 {
        if f().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    false
}

#[tokio::test]
async fn row_counts_and_calls_dropped_before_they_were_sent() {
    for t in targets() {
        let client = Connection::connect(&t.url).await.unwrap().into_client();
        let e = client.query_one("SELECT * FROM generate_series(1, 2)", ()).await.unwrap_err();
        assert_eq!(e.kind(), pgtusk::ErrorKind::RowCount);
        let e = client.query_opt("SELECT * FROM generate_series(1, 3)", ()).await.unwrap_err();
        assert_eq!(e.kind(), pgtusk::ErrorKind::RowCount);
        let none = client.query_opt("SELECT 1 WHERE false", ()).await.unwrap();
        assert!(none.is_none());
        // Polled once (so submitted) and dropped, before the driver task ran (nothing sent
        // yet) or after (sent, unanswered): their answers are drained, and the calls after
        // them get their own.
        for i in 0..20_i64 {
            let fut = client.query_scalar::<i64, _, _>("SELECT $1::int8", (i,));
            assert!(poll_once(fut).is_none());
            assert!(poll_once(client.batch_execute("SELECT pg_sleep(0)")).is_none());
            // Usually still unanswered when dropped; a fast server may have answered it
            // already, and then it must be its own answer.
            let fut = client.query_scalar::<i64, _, _>("SELECT $1::int8", (i,));
            if let Some(out) = poll_then_drop(fut, 2).await {
                assert_eq!(out.unwrap(), i, "{}", t.label);
            }
        }
        for i in 0..20_i64 {
            let got: i64 = client.query_scalar("SELECT $1::int8 * 2", (i,)).await.unwrap();
            assert_eq!(got, i * 2, "{}", t.label);
        }
    }
}

#[tokio::test]
async fn dropping_every_client_ends_the_session() {
    for t in targets() {
        let client = Connection::connect(&t.url).await.unwrap().into_client();
        let other = client.clone();
        let pid: i32 = client.query_scalar("SELECT pg_backend_pid()", ()).await.unwrap();
        drop(client);
        // A clone keeps the connection.
        assert_eq!(other.query_scalar::<i32, _, _>("SELECT 5", ()).await.unwrap(), 5);
        drop(other);
        let mut watcher = Connection::connect(&t.url).await.unwrap();
        let mut gone = false;
        for _ in 0..1_000 {
            let n: i64 = watcher
                .query_scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", (pid,))
                .await
                .unwrap();
            gone = n == 0;
            if gone {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(gone, "{}: the session of a dropped Client ended", t.label);
    }
}

#[tokio::test]
async fn a_terminated_session_fails_calls_and_closes_the_client() {
    for t in targets() {
        let client = Connection::connect(&t.url).await.unwrap().into_client();
        let pid: i32 = client.query_scalar("SELECT pg_backend_pid()", ()).await.unwrap();
        // A call in flight when the server ends the session gets an error, not a hang.
        let sleeper = {
            let client = client.clone();
            tokio::spawn(async move { client.execute("SELECT pg_sleep(30)", ()).await })
        };
        let mut admin = Connection::connect(&t.url).await.unwrap();
        // Once the sleep runs, end the session from another one.
        let mut active = 0_i64;
        for _ in 0..500 {
            active = admin
                .query_scalar(
                    "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND state = 'active'",
                    (pid,),
                )
                .await
                .unwrap();
            if active == 1 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(active, 1, "{}", t.label);
        let terminated: bool =
            admin.query_scalar("SELECT pg_terminate_backend($1)", (pid,)).await.unwrap();
        assert!(terminated, "{}", t.label);
        let e = sleeper.await.unwrap().unwrap_err();
        assert!(e.as_db_error().is_some() || e.kind() == pgtusk::ErrorKind::Closed, "{e:?}");
        assert!(eventually(|| std::future::ready(client.is_closed())).await, "{}", t.label);
        let e = client.query_scalar::<i32, _, _>("SELECT 1", ()).await.unwrap_err();
        assert_eq!(e.kind(), pgtusk::ErrorKind::Closed, "{}", t.label);
    }
}
