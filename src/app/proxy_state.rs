//! What the page knows about the proxy, and where a run goes because of it.

use upcheck_core::wire::Health;

use crate::components::ViaChoice;
use crate::services::engine::Via;

/// What the page knows about the proxy.
#[derive(Debug, Clone, PartialEq)]
pub enum ProxyState {
    /// Asking `GET /api/health`.
    Probing(String),
    /// An Upcheck proxy answered at this base URL.
    Found(String, Health),
    /// Nothing (or something else) answered, and why.
    Missing(String, String),
}

impl ProxyState {
    pub fn describe(&self) -> String {
        match self {
            ProxyState::Probing(base) => format!("looking for a proxy at {base}…"),
            ProxyState::Found(base, h) => format!(
                "proxy found at {base} ({} {}, {} checks at once)",
                h.name, h.version, h.limits.concurrency
            ),
            ProxyState::Missing(base, why) => {
                format!("no proxy at {base} ({why}); checks run in this browser")
            }
        }
    }

    /// Where a run with `choice` goes, or why it cannot run.
    pub fn route(&self, choice: ViaChoice) -> Result<Via, String> {
        match (choice, self) {
            (ViaChoice::Direct, _) => Ok(Via::Direct),
            (_, ProxyState::Found(base, health)) => Ok(Via::Proxy {
                base: base.clone(),
                max_urls: health.limits.max_urls,
            }),
            (ViaChoice::Auto, _) => Ok(Via::Direct),
            (ViaChoice::Proxy, ProxyState::Probing(base)) => Err(format!(
                "Proxy: still looking for the proxy at {base}; try again in a moment"
            )),
            (ViaChoice::Proxy, ProxyState::Missing(base, why)) => {
                Err(format!("Proxy: no Upcheck proxy answers at {base} ({why})"))
            }
        }
    }
}
