//! A tour of pgtusk: connect, query with parameters, a transaction, your own types (an enum,
//! a row struct), arrays and dynamic rows, a pipeline, a streamed result and the blocking API.
//!
//! Run it with `cargo run --example tour`. It uses `DATABASE_URL` when set; otherwise it starts
//! a throwaway PostgreSQL server (through the project's test harness) and stops it at the end.

use pgtusk::types::Value;
use pgtusk::{Connection, Dumper, Error, FromRow, IsolationLevel, Loader};

/// A PostgreSQL enum, both ways.
#[derive(Debug, Clone, Copy, PartialEq, Dumper, Loader)]
#[pgtusk(rename_all = "lowercase")]
enum Season {
    Spring,
    Summer,
    Autumn,
}

/// A row, by column name.
#[derive(Debug, FromRow)]
struct Fruit {
    name: String,
    season: Season,
    #[pgtusk(rename = "price")]
    cost: f64,
}

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

    // Your own types: an enum column, rows as structs, arrays, dynamic rows.
    conn.batch_execute(
        "CREATE TYPE pg_temp.season AS ENUM ('spring', 'summer', 'autumn'); \
         ALTER TABLE fruit ADD COLUMN season pg_temp.season NOT NULL DEFAULT 'autumn'",
    )
    .await?;
    conn.execute("UPDATE fruit SET season = $1 WHERE name = $2", (Season::Summer, "fig")).await?;
    let fruit: Vec<Fruit> =
        conn.query_as("SELECT name, season, price FROM fruit ORDER BY id", ()).await?;
    for f in &fruit {
        println!("  as a struct: {} ({:?}) costs {}", f.name, f.season, f.cost);
    }
    let names: Vec<String> =
        conn.query_scalar("SELECT array_agg(name ORDER BY name) FROM fruit", ()).await?;
    let ids: Vec<i64> = conn
        .query("SELECT id FROM fruit WHERE name = ANY($1)", (vec!["apple", "fig"],))
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    println!("an array column {names:?}, an array parameter matched ids {ids:?}");
    conn.register_type("pg_temp.season").await?;
    let row = conn.query_one("SELECT * FROM fruit WHERE id = 3", ()).await?;
    let map = row.to_map();
    if let Value::Enum { label, .. } = &map["season"] {
        println!("as a dynamic row: {} columns, season {label}", map.len());
    }

    // A pipeline: many statements, one round trip.
    let mut p = conn.pipeline();
    let inserted = p.execute("INSERT INTO fruit (id, name) VALUES ($1, $2)", (4_i64, "plum"));
    let count = p.query("SELECT count(*) FROM fruit", ());
    let out = p.run().await?;
    let n: i64 = out.rows(count)?[0].get(0);
    println!("pipeline: inserted {}, now {n} rows", out.rows_affected(inserted)?);

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

    // A pool: tasks borrow connections and give them back when the guard drops.
    let pool = pgtusk::PoolOptions::new().max_size(4).build(url.parse()?);
    let tasks: Vec<_> = (1..=16_i64)
        .map(|i| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let mut conn = pool.get().await?;
                conn.query_scalar::<i64, _, _>("SELECT $1::int8 * $1", (i,)).await
            })
        })
        .collect();
    let mut squares = 0;
    for task in tasks {
        squares += task.await??;
    }
    let status = pool.status();
    println!("pool: 16 tasks on {} connections, sum of squares {squares}", status.size);
    pool.close().await;

    // The same API, blocking (no runtime inside).
    let mut blocking = pgtusk::blocking::Connection::connect(&url)?;
    let answer: i32 = blocking.query_scalar("SELECT $1::int4 * 2", (21_i32,))?;
    println!("blocking connection says {answer}");
    blocking.close()?;

    println!("tour complete");
    Ok(())
}
