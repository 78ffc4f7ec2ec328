//! Which `Host` names the API answers for, so a DNS-rebinding page cannot use
//! it. Such a page (say `http://evil.test:8080`, its name re-pointed at the
//! proxy's address) is same-origin with itself: its requests carry
//! `Host: evil.test:8080` and `Origin: http://evil.test:8080`, which agree. So
//! agreement proves nothing; the `Host` itself must be a name the proxy is
//! known by:
//!
//! - its listen address `ip:port`; when listening on every address
//!   (`0.0.0.0`, `::`), any IP literal with that port, since an IP literal
//!   cannot be re-pointed by anyone's DNS;
//! - `localhost`, `127.0.0.1` and `[::1]` with that port when listening on
//!   loopback (or on every address);
//! - the names given with `--public-host NAME[:PORT]`, matched as the browser
//!   writes them (`NAME` alone when it omits a default port).
//!
//! A router with no listen address and no public host is not on a network
//! (tests drive it in-process), so it accepts any `Host`.

use axum::extract::Request;
use axum::http::header;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// The `Host` values the API answers for.
#[derive(Debug, Clone)]
pub struct Hosts {
    listen: Option<SocketAddr>,
    public: Arc<Vec<String>>,
}

impl Hosts {
    /// Known names from the listen address and `--public-host` values.
    pub fn new(listen: Option<SocketAddr>, public: &[String]) -> Hosts {
        let public = public
            .iter()
            .map(|h| h.trim().trim_end_matches('/').to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect();
        Hosts {
            listen,
            public: Arc::new(public),
        }
    }

    /// True when the API may answer a request that names `host`.
    pub fn knows(&self, host: &str) -> bool {
        let Some(listen) = self.listen else {
            // Not on a network, unless told its public names.
            return self.public.is_empty() || self.is_public(host);
        };
        self.is_public(host) || self.is_listen_name(host, listen)
    }

    fn is_public(&self, host: &str) -> bool {
        self.public.iter().any(|p| p.eq_ignore_ascii_case(host))
    }

    fn is_listen_name(&self, host: &str, listen: SocketAddr) -> bool {
        let Some((name, port)) = split_host(host) else {
            return false;
        };
        // A browser leaves out port 80 for http:.
        if port.unwrap_or(80) != listen.port() {
            return false;
        }
        let ip = name.parse::<IpAddr>().ok();
        let on_every_address = listen.ip().is_unspecified();
        let loopback_name =
            name.eq_ignore_ascii_case("localhost") || ip.is_some_and(|ip| ip.is_loopback());
        match ip {
            Some(ip) if ip.to_canonical() == listen.ip().to_canonical() => true,
            Some(_) if on_every_address => true,
            Some(_) | None => loopback_name && (on_every_address || listen.ip().is_loopback()),
        }
    }
}

/// `name` and optional port of a `Host` value; IPv6 literals keep no brackets.
fn split_host(host: &str) -> Option<(&str, Option<u16>)> {
    let (name, port) = match host.strip_prefix('[') {
        Some(rest) => {
            let (v6, after) = rest.split_once(']')?;
            (v6, after.strip_prefix(':'))
        }
        None => match host.rsplit_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        },
    };
    let port = match port {
        Some(p) => Some(p.parse().ok()?),
        None => None,
    };
    (!name.is_empty()).then_some((name, port))
}

/// The host a request names: its `Host` header, or the authority of an
/// absolute-form request target.
pub fn request_host(req: &Request) -> Option<String> {
    match req.headers().get(header::HOST) {
        Some(value) => value.to_str().ok().map(str::to_owned),
        None => req.uri().authority().map(|a| a.as_str().to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(listen: &str, public: &[&str]) -> Hosts {
        let public: Vec<String> = public.iter().map(|s| s.to_string()).collect();
        Hosts::new(Some(listen.parse().unwrap()), &public)
    }

    #[test]
    fn loopback_listener_knows_its_loopback_names_only() {
        let h = hosts("127.0.0.1:8080", &[]);
        for ok in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LocalHost:8080",
            "[::1]:8080",
        ] {
            assert!(h.knows(ok), "{ok}");
        }
        for bad in [
            "evil.test:8080",
            "127.0.0.1:8081",
            "127.0.0.1",
            "localhost",
            "192.0.2.1:8080",
            "127.0.0.1:8080.evil.test",
            "localhost.evil.test:8080",
            "[::1:8080",
            "",
        ] {
            assert!(!h.knows(bad), "{bad}");
        }
    }

    #[test]
    fn public_hosts_and_other_listen_addresses() {
        let h = hosts("192.0.2.10:80", &["Upcheck.example", "alt.example:8443"]);
        for ok in [
            "upcheck.example",
            "UPCHECK.example",
            "alt.example:8443",
            "192.0.2.10",
            "192.0.2.10:80",
        ] {
            assert!(h.knows(ok), "{ok}");
        }
        for bad in [
            "upcheck.example:8080",
            "alt.example",
            "localhost",
            "192.0.2.11",
        ] {
            assert!(!h.knows(bad), "{bad}");
        }
        // On every address: any IP literal with the port, never another name.
        let every = hosts("0.0.0.0:8080", &[]);
        for ok in ["192.0.2.11:8080", "[2001:db8::1]:8080", "localhost:8080"] {
            assert!(every.knows(ok), "{ok}");
        }
        for bad in ["evil.test:8080", "192.0.2.11:9090"] {
            assert!(!every.knows(bad), "{bad}");
        }
    }

    #[test]
    fn without_a_listen_address_any_host_unless_public_ones_are_named() {
        assert!(Hosts::new(None, &[]).knows("anything.test"));
        let named = Hosts::new(None, &["upcheck.example".to_owned()]);
        assert!(named.knows("upcheck.example"));
        assert!(!named.knows("evil.test"));
    }
}
