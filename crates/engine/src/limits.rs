//! Concurrency across batches: one global semaphore, one per target name
//! (`host:port`) and one per resolved address (`ip:port`). (Within a batch the
//! driver in `api` bounds the checks; per client, `clients` does.)
//!
//! Two rules keep this free of deadlocks and of unbounded waits:
//! - one order: name slot → global slot → address slot, and a check holding an
//!   address slot waits for nothing else. On a redirect a check gives back
//!   every slot before it asks for the next host's, so no check ever waits
//!   while holding a slot a waiter ahead of it needs;
//! - every wait is bounded ([`Slots::wait`]); when it expires the check ends
//!   `cancelled` with `busy`, which says nothing about the site.
//!
//! Keying by address as well as by name means many names for one victim
//! address (or `name.` next to `name`) share that address's `per_host` slots.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::Failure;

/// Above this many remembered keys, forgotten ones are swept out.
const SWEEP_AT: usize = 4096;

/// One semaphore per key, alive only while some check holds or waits for it,
/// so a long-running proxy does not remember every host it saw.
#[derive(Debug)]
pub struct HostLimits {
    per_host: usize,
    hosts: Mutex<HashMap<String, Weak<Semaphore>>>,
}

impl HostLimits {
    /// At most `per_host` checks at once per key.
    pub fn new(per_host: usize) -> Self {
        HostLimits {
            per_host: per_host.max(1),
            hosts: Mutex::new(HashMap::new()),
        }
    }

    fn semaphore(&self, key: &str) -> Arc<Semaphore> {
        // A poisoned lock only means another check panicked mid-insert; the
        // map is still a valid cache.
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = hosts.get(key).and_then(Weak::upgrade) {
            return s;
        }
        if hosts.len() >= SWEEP_AT {
            hosts.retain(|_, w| w.strong_count() > 0);
        }
        let s = Arc::new(Semaphore::new(self.per_host));
        hosts.insert(key.to_owned(), Arc::downgrade(&s));
        s
    }

    /// Waits for a slot on `key`.
    pub async fn acquire(&self, key: &str) -> Option<OwnedSemaphorePermit> {
        // Never closed, so this only fails if that changes; then run unlimited.
        self.semaphore(key).acquire_owned().await.ok()
    }

    /// Keys currently remembered (for tests).
    pub fn len(&self) -> usize {
        let hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        hosts.values().filter(|w| w.strong_count() > 0).count()
    }

    /// True when no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A slot held; freed when dropped. `None` inside only if a semaphore was
/// closed, which never happens.
#[derive(Debug)]
pub struct Slot {
    _permit: Option<OwnedSemaphorePermit>,
}

/// Every shared slot a check can wait for, with the bound on each wait.
#[derive(Debug)]
pub struct Slots {
    names: HostLimits,
    addrs: HostLimits,
    global: Arc<Semaphore>,
    /// The longest a check waits for any one slot.
    pub wait: Duration,
}

impl Slots {
    /// `per_host` per name and per address, `global` overall, waits bounded by `wait`.
    pub fn new(per_host: usize, global: usize, wait: Duration) -> Self {
        Slots {
            names: HostLimits::new(per_host),
            addrs: HostLimits::new(per_host),
            global: Arc::new(Semaphore::new(global.max(1))),
            wait,
        }
    }

    /// A slot for the name `host_key` (see `check::host_key`), then a global
    /// slot. Returns them with how long the wait took.
    pub async fn for_name(&self, host_key: &str) -> Result<(Slot, Slot, Duration), Failure> {
        let started = Instant::now();
        let name = self
            .bounded(self.names.acquire(host_key), || {
                format!("{host_key} already has every check slot busy")
            })
            .await?;
        let left = self.wait.saturating_sub(started.elapsed());
        let global = match tokio::time::timeout(left, self.global.clone().acquire_owned()).await {
            Ok(permit) => Slot {
                _permit: permit.ok(),
            },
            Err(_) => return Err(self.busy("every check slot of the proxy is busy".to_owned())),
        };
        Ok((name, global, started.elapsed()))
    }

    /// A slot for connecting to `addr`, with how long the wait took.
    pub async fn for_addr(&self, addr: SocketAddr) -> Result<(Slot, Duration), Failure> {
        let started = Instant::now();
        let key = addr_key(addr);
        let slot = self
            .bounded(self.addrs.acquire(&key), || {
                format!("{key} already has every check slot busy")
            })
            .await?;
        Ok((slot, started.elapsed()))
    }

    async fn bounded(
        &self,
        wait: impl std::future::Future<Output = Option<OwnedSemaphorePermit>>,
        what: impl FnOnce() -> String,
    ) -> Result<Slot, Failure> {
        match tokio::time::timeout(self.wait, wait).await {
            Ok(permit) => Ok(Slot { _permit: permit }),
            Err(_) => Err(self.busy(what())),
        }
    }

    fn busy(&self, why: String) -> Failure {
        Failure::busy(format!(
            "the proxy is busy: {why}, and no slot came free within {} s; try again later",
            self.wait.as_secs_f64()
        ))
    }

    /// Names and addresses currently remembered (for tests).
    pub fn remembered(&self) -> usize {
        self.names.len() + self.addrs.len()
    }
}

/// `ip:port` with IPv4-mapped IPv6 folded to IPv4, so one address has one key.
fn addr_key(addr: SocketAddr) -> String {
    let ip: IpAddr = addr.ip().to_canonical();
    SocketAddr::new(ip, addr.port()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use upcheck_core::wire::ErrorKind;
    use upcheck_core::Outcome;

    #[tokio::test]
    async fn slots_are_per_host_and_forgotten_when_free() {
        let limits = HostLimits::new(2);
        let a1 = limits.acquire("a:80").await;
        let _a2 = limits.acquire("a:80").await;
        let b = limits.acquire("b:80").await;
        assert!(a1.is_some() && b.is_some());
        let third = tokio::time::timeout(Duration::from_millis(50), limits.acquire("a:80"));
        assert!(third.await.is_err(), "a third slot on a:80 must wait");
        drop(a1);
        assert!(limits.acquire("a:80").await.is_some());
        drop(b);
        assert_eq!(limits.len(), 1);
    }

    #[tokio::test]
    async fn a_wait_that_expires_is_busy_not_timeout() {
        let slots = Slots::new(1, 8, Duration::from_millis(50));
        let held = slots.for_name("a:80").await.unwrap();
        let err = slots.for_name("a:80").await.unwrap_err();
        assert_eq!(
            (err.kind.outcome(), err.kind),
            (Outcome::Cancelled, ErrorKind::Busy)
        );
        drop(held);
        assert!(slots.for_name("a:80").await.is_ok());
    }

    #[tokio::test]
    async fn one_address_has_one_key_however_it_is_spelled() {
        let slots = Slots::new(1, 8, Duration::from_millis(50));
        let _held = slots
            .for_addr("127.0.0.1:80".parse().unwrap())
            .await
            .unwrap();
        let mapped = slots.for_addr("[::ffff:127.0.0.1]:80".parse().unwrap());
        assert_eq!(mapped.await.unwrap_err().kind, ErrorKind::Busy);
        assert!(slots
            .for_addr("127.0.0.1:81".parse().unwrap())
            .await
            .is_ok());
    }
}
