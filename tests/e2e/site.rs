//! The product as a person gets it: the release build in `dist/`, served by the
//! real proxy on a loopback port.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};
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

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Another proxy, as a remote vantage point of the page this site
    /// serves: named `label`, checking from the loopback address `source`
    /// (127.0.0.2, 127.0.0.3: each its own network as far as a fixture
    /// that answers only some clients can tell), and letting this page's
    /// origin call it (CORS).
    pub async fn remote(&self, label: &str, source: Ipv4Addr) -> Site {
        let origin = self.url("");
        let label = label.to_owned();
        Site::start_with(move |c| {
            c.label = Some(label);
            c.source_address = Some(source.into());
            c.allow_origins = vec![origin];
        })
        .await
    }
}

/// A TCP relay in front of a server, so that a test can make it vanish
/// mid-run: [`Relay::cut`] stops listening and drops every connection
/// through it, as a proxy whose host went away would.
pub struct Relay {
    addr: SocketAddr,
    accept: JoinHandle<()>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    /// Relays a free loopback port to `to`.
    pub async fn start(to: SocketAddr) -> Relay {
        let (listener, addr) = loopback("relay").await;
        let conns = Arc::new(Mutex::new(Vec::new()));
        let held = conns.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let conn = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(to).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                held.lock().expect("the relay's connections").push(conn);
            }
        });
        Relay {
            addr,
            accept,
            conns,
        }
    }

    /// `http://127.0.0.1:PORT` of the relay.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops listening and drops every connection.
    pub fn cut(&self) {
        self.accept.abort();
        for conn in self
            .conns
            .lock()
            .expect("the relay's connections")
            .drain(..)
        {
            conn.abort();
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.cut();
    }
}

/// A relay in front of a site that holds back requests for some of its
/// files until each is let through: the static page arrives, its script or
/// its checker does not yet, as on a slow connection.
pub struct Gate {
    addr: SocketAddr,
    holds: Vec<(&'static str, tokio::sync::watch::Sender<bool>)>,
    accept: JoinHandle<()>,
}

impl Gate {
    /// A gate on a free loopback port in front of `to`, holding back every
    /// request whose line names one of `files` (a name or its end: `.wasm`,
    /// `start.js`) until [`Gate::open`] lets that one through.
    pub async fn start(to: SocketAddr, files: &[&'static str]) -> Gate {
        let (listener, addr) = loopback("gate").await;
        let holds: Vec<_> = files
            .iter()
            .map(|&file| (file, tokio::sync::watch::channel(false).0))
            .collect();
        let watches: Vec<_> = holds.iter().map(|(f, tx)| (*f, tx.subscribe())).collect();
        let accept = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let watches = watches.clone();
                tokio::spawn(async move {
                    let Ok(outbound) = TcpStream::connect(to).await else {
                        return;
                    };
                    let (mut client_read, mut client_write) = inbound.into_split();
                    let (mut server_read, server_write) = outbound.into_split();
                    let answers = async {
                        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
                    };
                    tokio::join!(hold(&mut client_read, server_write, watches), answers);
                });
            }
        });
        Gate {
            addr,
            holds,
            accept,
        }
    }

    /// `http://127.0.0.1:PORT{path}` of the gate.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Lets the held requests for `file` (and every later one) through.
    pub fn open(&self, file: &str) {
        for (held, tx) in &self.holds {
            if *held == file {
                let _ = tx.send(true);
            }
        }
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Copies a client's requests to the server, waiting before any bytes that
/// ask for a held file until it is let through (browsers send one request at
/// a time on a connection, so a request line arrives at the start of a read).
async fn hold(
    from: &mut tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut holds: Vec<(&'static str, tokio::sync::watch::Receiver<bool>)>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = vec![0u8; 16 * 1024];
    'copy: loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let chunk = &buf[..n];
        let line = chunk.split(|&b| b == b'\n').next().unwrap_or_default();
        for (file, open) in &mut holds {
            let named = line.windows(file.len()).any(|w| w == file.as_bytes());
            if named && open.wait_for(|o| *o).await.is_err() {
                break 'copy;
            }
        }
        if to.write_all(chunk).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

/// A listener on 127.0.0.1 and a free port, for the `what` of a test.
async fn loopback(what: &str) -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .unwrap_or_else(|e| panic!("binding a loopback port for the {what}: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("the {what}'s address: {e}"));
    (listener, addr)
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
