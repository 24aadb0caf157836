//! Shared test helpers: the servers every test runs against.

use pgtusk_testkit::{Server, roles, test_versions};

/// One server under test: a testkit server (with every role), or an external one given by
/// `PGTUSK_TEST_URL` (superuser URL; role-specific tests skip it).
pub struct Target {
    pub server: Option<&'static Server>,
    pub url: String,
    pub label: String,
}

impl Target {
    /// The URL for `role` over TCP without TLS.
    pub fn url_for(&self, role: &str) -> Option<String> {
        self.server.map(|s| format!("{} sslmode=disable", s.conninfo(role)))
    }

    /// A key=value conninfo for `role` with extra settings.
    pub fn conninfo(&self, role: &str, extra: &str) -> Option<String> {
        self.server.map(|s| format!("{} {extra}", s.conninfo(role)))
    }
}

/// The servers to test against: `PGTUSK_TEST_URL` alone, or the testkit's versions
/// (`PGTUSK_TEST_VERSIONS`, default 15 and 18).
pub fn targets() -> Vec<Target> {
    if let Some(url) = pgtusk_testkit::test_url() {
        return vec![Target { server: None, url, label: "external".into() }];
    }
    test_versions()
        .into_iter()
        .map(|v| {
            let server = Server::shared(v);
            Target {
                server: Some(server),
                url: format!("{} sslmode=disable", server.conninfo(roles::SUPERUSER)),
                label: format!("pg{v}"),
            }
        })
        .collect()
}
