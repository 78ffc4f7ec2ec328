//! Name resolution: one lookup per hop, answered by a [`Resolve`].
//!
//! The default is hickory's async resolver with the system configuration. Tests
//! put their own [`Resolve`] in the config to answer names without a network,
//! count lookups (DNS rebinding: exactly one per hop) and mix public and private
//! answers. `localhost` and `*.localhost` never reach a resolver: RFC 6761 says
//! they are loopback, and treating them so keeps the deny-list honest even where
//! a resolver would answer otherwise.

use std::fmt;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::pin::Pin;

use hickory_resolver::TokioResolver;

/// Why a name did not resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// The name does not exist or has no A/AAAA records.
    #[error("no address found for {0}")]
    NotFound(String),
    /// The lookup itself failed (no nameserver answered, …).
    #[error("DNS lookup for {name} failed: {reason}")]
    Failed {
        /// The name looked up.
        name: String,
        /// What went wrong.
        reason: String,
    },
}

/// A future answering one lookup.
pub type Lookup<'a> = Pin<Box<dyn Future<Output = Result<Vec<IpAddr>, ResolveError>> + Send + 'a>>;

/// Something that turns a host name into addresses. One call is one lookup.
pub trait Resolve: Send + Sync + fmt::Debug + 'static {
    /// Every address `name` resolves to (A and AAAA).
    fn resolve<'a>(&'a self, name: &'a str) -> Lookup<'a>;
}

/// The system's DNS configuration through hickory (async, no blocking threads).
pub struct SystemResolver(Option<TokioResolver>);

impl fmt::Debug for SystemResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SystemResolver")
    }
}

impl SystemResolver {
    /// Reads the system configuration (`/etc/resolv.conf`). If it cannot be
    /// read, every lookup fails with that reason rather than the proxy refusing
    /// to start: it still serves the page and checks IP literals.
    pub fn new() -> Self {
        match TokioResolver::builder_tokio().and_then(|b| b.build()) {
            Ok(resolver) => SystemResolver(Some(resolver)),
            Err(e) => {
                tracing::warn!("no usable DNS configuration, names will not resolve: {e}");
                SystemResolver(None)
            }
        }
    }
}

impl Default for SystemResolver {
    fn default() -> Self {
        Self::new()
    }
}

impl Resolve for SystemResolver {
    fn resolve<'a>(&'a self, name: &'a str) -> Lookup<'a> {
        Box::pin(async move {
            let Some(resolver) = &self.0 else {
                return Err(ResolveError::Failed {
                    name: name.to_owned(),
                    reason: "no DNS configuration".to_owned(),
                });
            };
            // A trailing dot makes the name absolute, so no search domain is tried.
            let absolute = format!("{}.", name.trim_end_matches('.'));
            match resolver.lookup_ip(absolute.as_str()).await {
                Ok(found) => {
                    let addrs: Vec<IpAddr> = found.iter().collect();
                    if addrs.is_empty() {
                        Err(ResolveError::NotFound(name.to_owned()))
                    } else {
                        Ok(addrs)
                    }
                }
                Err(e) if e.is_no_records_found() || e.is_nx_domain() => {
                    Err(ResolveError::NotFound(name.to_owned()))
                }
                Err(e) => Err(ResolveError::Failed {
                    name: name.to_owned(),
                    reason: e.to_string(),
                }),
            }
        })
    }
}

/// The RFC 6761 answer for `localhost` names, or `None` for any other name.
pub fn special_name(name: &str) -> Option<Vec<IpAddr>> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    (name == "localhost" || name.ends_with(".localhost")).then(|| {
        vec![
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localhost_names_are_loopback_without_a_lookup() {
        for name in ["localhost", "LOCALHOST.", "app.localhost"] {
            assert!(special_name(name).is_some(), "{name}");
        }
        assert_eq!(special_name("localhost.example"), None);
        assert_eq!(special_name("notlocalhost"), None);
    }
}
