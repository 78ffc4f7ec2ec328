//! Which resolved addresses a check may connect to: the core's deny-list as
//! the [`Reach`] in force widens it (a shared proxy: public only; its test
//! switch: loopback too; the CLI's `--allow-private`: the local networks
//! too), and never the checker's own listening address; and which ports: none
//! on the fetch standard's bad-port list, whatever the reach.

use std::net::{IpAddr, SocketAddr};
use upcheck_core::net;
use upcheck_core::policy::BAD_PORTS;
use upcheck_core::wire::ErrorKind;

use super::{Failure, Reach};

/// The policy for one proxy, shared by every check.
#[derive(Debug, Clone)]
pub struct Guard {
    /// Which non-public addresses are admitted besides public ones.
    pub reach: Reach,
    /// The proxy's own listening address.
    pub own: Option<SocketAddr>,
}

impl Guard {
    /// Refuses a port browsers refuse (SMTP, X11, IRC, …): a request there is
    /// a way to make the proxy speak to a mail or chat server, not a web
    /// check. Judged before any lookup or slot, on every hop.
    pub fn port(&self, port: u16) -> Result<(), Failure> {
        if BAD_PORTS.binary_search(&port).is_ok() {
            return Err(Failure {
                kind: ErrorKind::BadPort,
                message: format!(
                    "refused: port {port} is on the fetch standard's bad-port list \
                     (it belongs to another protocol); no connection was made"
                ),
            });
        }
        Ok(())
    }

    /// Judges every address a hop resolved to. All must pass — one private
    /// answer among public ones refuses the name, since an attacker controls
    /// which one a client would pick. Returns the canonical addresses to
    /// connect to, in order.
    pub fn admit(&self, addrs: &[IpAddr], port: u16) -> Result<Vec<IpAddr>, Failure> {
        let mut admitted = Vec::with_capacity(addrs.len());
        for &ip in addrs {
            let canonical = match net::check(ip) {
                Ok(canonical) => canonical,
                Err(denial) if self.reach.admits(&denial) => ip.to_canonical(),
                Err(denial) => {
                    return Err(Failure::blocked_private(format!(
                        "refused: {denial}; {}",
                        self.reach.refusal()
                    )))
                }
            };
            if self.is_own(canonical, port) {
                return Err(Failure::proxy_itself(format!(
                    "refused: {canonical}:{port} is this proxy itself"
                )));
            }
            admitted.push(canonical);
        }
        Ok(admitted)
    }

    /// True when `ip:port` reaches this proxy. A proxy listening on every
    /// interface is recognised on loopback and the unspecified address; its
    /// other addresses are public ones, which the listen address cannot tell.
    fn is_own(&self, ip: IpAddr, port: u16) -> bool {
        let Some(own) = self.own else { return false };
        if own.port() != port {
            return false;
        }
        let own_ip = own.ip().to_canonical();
        ip == own_ip || (own_ip.is_unspecified() && (ip.is_loopback() || ip.is_unspecified()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ips(list: &[&str]) -> Vec<IpAddr> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn one_private_answer_refuses_the_name() {
        let guard = Guard {
            reach: Reach::Public,
            own: None,
        };
        let err = guard
            .admit(&ips(&["93.184.215.14", "10.0.0.1"]), 80)
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::PrivateAddress);
        assert!(err.message.contains("10.0.0.1"), "{}", err.message);
        assert!(guard.admit(&ips(&["93.184.215.14"]), 80).is_ok());
    }

    #[test]
    fn the_loopback_switch_allows_loopback_only() {
        let guard = Guard {
            reach: Reach::Loopback,
            own: None,
        };
        assert_eq!(
            guard.admit(&ips(&["::ffff:127.0.0.2", "::1"]), 80).unwrap(),
            ips(&["127.0.0.2", "::1"])
        );
        for other in [
            "10.0.0.1",
            "169.254.169.254",
            "0.0.0.0",
            "64:ff9b::7f00:1",
            "fe80::1",
        ] {
            assert!(guard.admit(&ips(&[other]), 80).is_err(), "{other}");
        }
    }

    #[test]
    fn local_networks_reach_admits_hosts_on_local_networks_only() {
        let guard = Guard {
            reach: Reach::LocalNetworks,
            own: None,
        };
        for local in [
            "127.0.0.1",
            "::1",
            "10.0.0.1",
            "192.168.1.20",
            "172.16.0.5",
            "100.64.0.1",
            "169.254.10.10",
            "fe80::1",
            "fd00::5",
        ] {
            assert!(guard.admit(&ips(&[local]), 80).is_ok(), "{local}");
        }
        // Not hosts, or not on a local network: refused whatever the reach.
        for other in [
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "64:ff9b::7f00:1",
            "2002::1",
        ] {
            let err = guard.admit(&ips(&[other]), 80).unwrap_err();
            assert_eq!(err.kind, ErrorKind::PrivateAddress, "{other}");
        }
    }

    #[test]
    fn bad_ports_are_refused_even_with_the_loopback_switch() {
        let guard = Guard {
            reach: Reach::Loopback,
            own: None,
        };
        for port in [25, 6000, 0] {
            assert_eq!(guard.port(port).unwrap_err().kind, ErrorKind::BadPort);
        }
        assert!(guard.port(80).is_ok() && guard.port(8080).is_ok());
    }

    #[test]
    fn the_proxy_itself_is_refused() {
        let own = Some("0.0.0.0:8080".parse().unwrap());
        let guard = Guard {
            reach: Reach::Loopback,
            own,
        };
        let err = guard.admit(&ips(&["127.0.0.1"]), 8080).unwrap_err();
        assert_eq!(err.kind, ErrorKind::ProxyItself);
        assert!(guard.admit(&ips(&["127.0.0.1"]), 8081).is_ok());
    }
}
