//! Per-client caps: batches streaming at once and checks in flight at once, so
//! one caller cannot take the whole proxy. A client is its peer address, an
//! IPv6 peer its /64 (one host usually holds a whole /64), or behind a trusted
//! reverse proxy the rightmost `X-Forwarded-For` entry: exactly the rate
//! limiter's key ([`crate::rate::client_key`]).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use tokio::sync::Semaphore;

/// Above this many remembered clients, gone ones are swept out.
const SWEEP_AT: usize = 4096;

/// One client's counters, alive while it has a batch.
#[derive(Debug)]
pub struct Client {
    batches: AtomicUsize,
    /// Permits for checks in flight, shared by the client's batches.
    pub checks: Arc<Semaphore>,
}

/// Admission to run one batch; the batch count goes down when it is dropped.
#[derive(Debug)]
pub struct Ticket(Arc<Client>);

impl Ticket {
    /// The client's check permits.
    pub fn checks(&self) -> Arc<Semaphore> {
        self.0.checks.clone()
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.0.batches.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Every client with a batch streaming.
#[derive(Debug)]
pub struct Clients {
    max_batches: usize,
    max_checks: usize,
    clients: Mutex<HashMap<IpAddr, Weak<Client>>>,
}

impl Clients {
    /// At most `max_batches` batches and `max_checks` checks per client.
    pub fn new(max_batches: usize, max_checks: usize) -> Self {
        Clients {
            max_batches: max_batches.max(1),
            max_checks: max_checks.max(1),
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// The batch cap.
    pub fn max_batches(&self) -> usize {
        self.max_batches
    }

    /// A ticket for one more batch of `key`'s, or `None` when it already has
    /// its maximum streaming.
    pub fn admit(&self, key: IpAddr) -> Option<Ticket> {
        // A poisoned lock only means a panic mid-insert; the map is still valid.
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        let client = match clients.get(&key).and_then(Weak::upgrade) {
            Some(c) => c,
            None => {
                if clients.len() >= SWEEP_AT {
                    clients.retain(|_, w| w.strong_count() > 0);
                }
                let c = Arc::new(Client {
                    batches: AtomicUsize::new(0),
                    checks: Arc::new(Semaphore::new(self.max_checks)),
                });
                clients.insert(key, Arc::downgrade(&c));
                c
            }
        };
        // Counted under the map's lock, so two requests cannot both take the last place.
        if client.batches.load(Ordering::SeqCst) >= self.max_batches {
            return None;
        }
        client.batches.fetch_add(1, Ordering::SeqCst);
        Some(Ticket(client))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rate::request_client;
    use axum::extract::ConnectInfo;
    use axum::http::{Extensions, HeaderMap};
    use std::net::SocketAddr;

    #[test]
    fn a_forged_or_garbled_forwarded_entry_never_picks_the_key() {
        let mut ext = Extensions::new();
        ext.insert(ConnectInfo("10.9.9.9:5".parse::<SocketAddr>().unwrap()));
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "1.2.3.4, garbage".parse().unwrap());
        // The rightmost entry is not an address: the peer counts, never 1.2.3.4.
        assert_eq!(
            request_client(&ext, &headers, true),
            "10.9.9.9".parse::<IpAddr>().unwrap()
        );
        headers.insert("x-forwarded-for", "1.2.3.4, 5.6.7.8".parse().unwrap());
        assert_eq!(
            request_client(&ext, &headers, true),
            "5.6.7.8".parse::<IpAddr>().unwrap()
        );
    }

    fn key(peer: &str) -> IpAddr {
        let mut ext = Extensions::new();
        ext.insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        request_client(&ext, &HeaderMap::new(), false)
    }

    #[test]
    fn an_ipv6_client_is_its_64() {
        assert_eq!(
            key("[2001:db8:1:2:aaaa::1]:5"),
            key("[2001:db8:1:2:bbbb::9]:7")
        );
        assert_ne!(key("[2001:db8:1:2::1]:5"), key("[2001:db8:1:3::1]:5"));
        assert_eq!(key("[::ffff:10.0.0.1]:5"), key("10.0.0.1:9"));
        assert_ne!(key("10.0.0.1:5"), key("10.0.0.2:5"));
    }

    #[test]
    fn the_batch_cap_counts_streaming_batches_only() {
        let clients = Clients::new(2, 8);
        let a = "10.0.0.1".parse().unwrap();
        let first = clients.admit(a).unwrap();
        let _second = clients.admit(a).unwrap();
        assert!(clients.admit(a).is_none());
        assert!(clients.admit("10.0.0.2".parse().unwrap()).is_some());
        drop(first);
        assert!(clients.admit(a).is_some());
    }
}
