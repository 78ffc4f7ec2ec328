//! The product as a person gets it: the release build in `dist/`, served by the
//! real proxy on a loopback port.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The proxy serving the page; stops when dropped.
pub struct Site {
    addr: SocketAddr,
    server: JoinHandle<()>,
}

impl Site {
    /// Serves `dist/` through `upcheck_proxy::app` on 127.0.0.1 and a free port.
    ///
    /// Panics with what to do if there is no release build: the tests check the
    /// built page, never a stale or missing one silently.
    pub async fn start() -> Site {
        Self::start_with(|_| {}).await
    }

    /// As [`Site::start`], with `adjust` applied to the proxy's configuration
    /// (e.g. to trust a test CA).
    pub async fn start_with(adjust: impl FnOnce(&mut upcheck_proxy::Config)) -> Site {
        let dist = dist_dir();
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("binding a loopback port for the proxy");
        let addr = listener.local_addr().expect("the proxy's address");
        let mut config = proxy_config(dist);
        adjust(&mut config);
        let server = tokio::spawn(async move {
            let forever = std::future::pending();
            if let Err(e) = upcheck_proxy::serve(listener, config, forever).await {
                eprintln!("e2e: the proxy stopped: {e}");
            }
        });
        Site { addr, server }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The one place the proxy's configuration is written; new `Config` fields
/// (the check API's limits) get their test values here.
fn proxy_config(dist: PathBuf) -> upcheck_proxy::Config {
    upcheck_proxy::Config {
        dist: Some(dist),
        // The fixture sites are on loopback (the only network here).
        insecure_allow_loopback: true,
        ..upcheck_proxy::Config::default()
    }
}

/// `dist/` with a release build in it (`./test` builds it before this suite).
fn dist_dir() -> PathBuf {
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("dist");
    let has_wasm = std::fs::read_dir(&dist)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .any(|e| e.path().extension().is_some_and(|x| x == "wasm"))
        })
        .unwrap_or(false);
    assert!(
        has_wasm && dist.join("index.html").is_file(),
        "{} holds no built page: run `trunk build --release` (or ./test, which builds \
         the page before the end-to-end tests) first",
        dist.display()
    );
    dist
}
