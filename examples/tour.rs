//! A tour of pgtusk: connect, query with parameters, a transaction, a streamed result, the
//! blocking API and a pipeline-free bulk insert.
//!
//! Run it with `cargo run --example tour`. It uses `DATABASE_URL` when set; otherwise it starts
//! a throwaway PostgreSQL server (through the project's test harness) and stops it at the end.

use pgtusk::{Connection, Error, IsolationLevel};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A server: yours, or a throwaway one that is stopped when `_server` is dropped.
    let (url, _server) = match pgtusk_testkit::demo_url() {
        Some(url) => (url, None),
        None => {
            println!("DATABASE_URL is unset: starting a throwaway PostgreSQL 15 server...");
            let server = pgtusk_testkit::Server::start(15)?;
            (server.url(pgtusk_testkit::roles::SCRAM), Some(server))
        }
    };

    // Connect (SCRAM-SHA-256 for the throwaway server's role).
    let mut conn = Connection::connect(&url).await?;
    println!(
        "connected: PostgreSQL {}, protocol {}, tls: {}",
        conn.parameter("server_version").unwrap_or("?"),
        conn.protocol_version(),
        conn.is_tls()
    );

    // Plain statements, parameters as tuples, typed results.
    conn.batch_execute(
        "CREATE TEMP TABLE fruit (id int8 PRIMARY KEY, name text NOT NULL, price float8)",
    )
    .await?;
    for (id, name, price) in [(1_i64, "apple", 0.5_f64), (2, "pear", 0.75), (3, "fig", 1.25)] {
        conn.execute("INSERT INTO fruit (id, name, price) VALUES ($1, $2, $3)", (id, name, price))
            .await?;
    }
    let rows = conn
        .query("SELECT id, name, price FROM fruit WHERE price < $1 ORDER BY id", (1.0_f64,))
        .await?;
    for row in &rows {
        let (id, name, price): (i64, &str, f64) = (row.get(0), row.get("name"), row.get(2));
        println!("  {id}: {name} costs {price}");
    }
    let total: f64 = conn.query_scalar("SELECT sum(price) FROM fruit", ()).await?;
    println!("total price: {total}");

    // A transaction that commits, and one that rolls back when dropped.
    let mut tx =
        conn.build_transaction().isolation_level(IsolationLevel::Serializable).start().await?;
    tx.execute("UPDATE fruit SET price = price * 2 WHERE name = $1", ("fig",)).await?;
    tx.commit().await?;
    {
        let mut tx = conn.transaction().await?;
        tx.execute("DELETE FROM fruit", ()).await?;
        // dropped without commit: rolled back
    }
    let n: i64 = conn.query_scalar("SELECT count(*) FROM fruit", ()).await?;
    println!("rows after the rolled-back delete: {n}");

    // Errors carry the server's SQLSTATE and fields.
    let err: Error =
        conn.execute("INSERT INTO fruit (id, name) VALUES (1, 'dup')", ()).await.unwrap_err();
    let db = err.as_db_error().expect("a server error");
    println!(
        "expected error: {} ({:?}, constraint {:?})",
        db.message(),
        db.code(),
        db.constraint()
    );

    // A streamed result: memory stays flat however many rows come back.
    let mut stream =
        conn.query_stream("SELECT g, md5(g::text) FROM generate_series(1, 100000) g", ()).await?;
    let mut count = 0_u64;
    while let Some(row) = stream.next().await {
        let _hash: &str = row?.get(1);
        count += 1;
    }
    println!("streamed {count} rows");
    conn.close().await?;

    // The same API, blocking (no runtime inside).
    let mut blocking = pgtusk::blocking::Connection::connect(&url)?;
    let answer: i32 = blocking.query_scalar("SELECT $1::int4 * 2", (21_i32,))?;
    println!("blocking connection says {answer}");
    blocking.close()?;

    println!("tour complete");
    Ok(())
}
