//! Concurrency across batches: one global semaphore and one per target
//! `host:port`. (Within a batch, `buffer_unordered` bounds the checks.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Above this many remembered hosts, forgotten ones are swept out.
const SWEEP_AT: usize = 4096;

/// One semaphore per `host:port`, alive only while some check holds or waits
/// for it, so a long-running proxy does not remember every host it saw.
#[derive(Debug)]
pub struct HostLimits {
    per_host: usize,
    hosts: Mutex<HashMap<String, Weak<Semaphore>>>,
}

impl HostLimits {
    /// At most `per_host` checks at once per host.
    pub fn new(per_host: usize) -> Self {
        HostLimits {
            per_host: per_host.max(1),
            hosts: Mutex::new(HashMap::new()),
        }
    }

    /// Waits for a slot on `key`.
    pub async fn acquire(&self, key: &str) -> Option<OwnedSemaphorePermit> {
        let semaphore = {
            // A poisoned lock only means another check panicked mid-insert;
            // the map is still a valid cache.
            let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
            match hosts.get(key).and_then(Weak::upgrade) {
                Some(s) => s,
                None => {
                    if hosts.len() >= SWEEP_AT {
                        hosts.retain(|_, w| w.strong_count() > 0);
                    }
                    let s = Arc::new(Semaphore::new(self.per_host));
                    hosts.insert(key.to_owned(), Arc::downgrade(&s));
                    s
                }
            }
        };
        // Never closed, so this only fails if that changes; then run unlimited.
        semaphore.acquire_owned().await.ok()
    }

    /// Hosts currently remembered (for tests).
    pub fn len(&self) -> usize {
        let hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        hosts.values().filter(|w| w.strong_count() > 0).count()
    }

    /// True when no host is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn slots_are_per_host_and_forgotten_when_free() {
        let limits = HostLimits::new(2);
        let a1 = limits.acquire("a:80").await;
        let _a2 = limits.acquire("a:80").await;
        let b = limits.acquire("b:80").await;
        assert!(a1.is_some() && b.is_some());
        let third =
            tokio::time::timeout(std::time::Duration::from_millis(50), limits.acquire("a:80"));
        assert!(third.await.is_err(), "a third slot on a:80 must wait");
        drop(a1);
        assert!(limits.acquire("a:80").await.is_some());
        drop(b);
        assert_eq!(limits.len(), 1);
    }
}
