use crate::common::targets;
#[test]
fn scratch_terminated() {
    for t in targets() {
        let mut conn = pgtusk::blocking::Connection::connect(&t.url).unwrap();
        let pid: i32 = conn.query_scalar("SELECT pg_backend_pid()", ()).unwrap();
        let url = t.url.clone();
        let h = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(200));
            let mut killer = pgtusk::blocking::Connection::connect(&url).unwrap();
            let _: bool = killer.query_scalar("SELECT pg_terminate_backend($1)", (pid,)).unwrap();
        });
        let e = conn.query("SELECT pg_sleep(5)", ()).unwrap_err();
        h.join().unwrap();
        eprintln!("{}: first {:?} {:?} closed={}", t.label, e.kind(), e.code(), conn.is_closed());
        let e = conn.query("SELECT 1", ()).unwrap_err();
        eprintln!("{}: second {:?} {:?} {e} closed={}", t.label, e.kind(), e.code(), conn.is_closed());
        let e = conn.query("SELECT 1", ()).unwrap_err();
        eprintln!("{}: third {:?} {:?} {e} closed={}", t.label, e.kind(), e.code(), conn.is_closed());
    }
}
