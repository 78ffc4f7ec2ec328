//! What a browser will refuse to fetch, decided before fetching so the page can
//! say why instead of showing a bare "TypeError: Failed to fetch".
//!
//! Sources: the fetch standard's bad-port list
//! (<https://fetch.spec.whatwg.org/#port-blocking>), mixed-content rules
//! (<https://w3c.github.io/webappsec-mixed-content/>) and Chrome's local network
//! access (<https://wicg.github.io/local-network-access/>).

use std::net::IpAddr;
use url::{Host, Url};

/// Ports the fetch standard forbids; browsers fail such fetches without a request.
pub const BAD_PORTS: &[u16] = &[
    0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101,
    102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427,
    465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990,
    993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667,
    6668, 6669, 6679, 6697, 10080,
];

/// Why the page will not fetch a URL directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectBlock {
    /// The port is on the fetch standard's bad-port list.
    BadPort(u16),
    /// `http://` from an `https://` page: browsers block it as mixed content.
    MixedContent,
    /// A private or loopback target from a public page.
    LocalNetwork,
}

impl DirectBlock {
    /// A sentence for the row, saying what to do about it.
    pub fn reason(&self) -> String {
        match self {
            DirectBlock::BadPort(port) => format!(
                "port {port} is forbidden to browsers (fetch standard bad-port list); use the proxy"
            ),
            DirectBlock::MixedContent => "mixed content: browsers block http:// from an https:// \
                 page; use the proxy or check the https:// address"
                .to_owned(),
            DirectBlock::LocalNetwork => "private or loopback address from a public page: the \
                 browser asks for local-network permission and hides the answer; open Upcheck \
                 from localhost or use the proxy"
                .to_owned(),
        }
    }
}

/// Decides whether a page at `page` may fetch `target` directly.
/// `None` means go ahead.
pub fn direct_block(page: &Url, target: &Url) -> Option<DirectBlock> {
    let port = target.port_or_known_default().unwrap_or(0);
    if BAD_PORTS.binary_search(&port).is_ok() {
        return Some(DirectBlock::BadPort(port));
    }
    if page.scheme() == "https" && target.scheme() == "http" && !is_loopback_host(target) {
        return Some(DirectBlock::MixedContent);
    }
    if !is_local_host(page) && is_local_host(target) {
        return Some(DirectBlock::LocalNetwork);
    }
    None
}

/// `localhost`, `*.localhost`, 127.0.0.0/8 and `::1`: browsers treat these as secure.
pub fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => is_localhost_name(d),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.to_canonical().is_loopback(),
        None => false,
    }
}

/// Loopback, private, link-local and `.local`/`localhost` names.
fn is_local_host(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => is_localhost_name(d) || d.ends_with(".local"),
        Some(Host::Ipv4(ip)) => is_local_ip(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => is_local_ip(IpAddr::V6(ip)),
        None => false,
    }
}

fn is_localhost_name(domain: &str) -> bool {
    domain == "localhost" || domain.ends_with(".localhost")
}

fn is_local_ip(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            v4.is_loopback() || v4.is_private() || v4.is_link_local() || v4.is_unspecified()
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn bad_port_list_is_sorted_for_binary_search() {
        assert!(BAD_PORTS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn forbidden_ports_are_blocked_anywhere() {
        let page = u("http://127.0.0.1:8080/");
        assert_eq!(
            direct_block(&page, &u("http://127.0.0.1:25/")),
            Some(DirectBlock::BadPort(25))
        );
        assert_eq!(direct_block(&page, &u("http://127.0.0.1:8081/")), None);
    }

    #[test]
    fn mixed_content_from_https_pages_except_loopback() {
        let page = u("https://upcheck.example/");
        assert_eq!(
            direct_block(&page, &u("http://example.com/")),
            Some(DirectBlock::MixedContent)
        );
        assert_eq!(direct_block(&page, &u("https://example.com/")), None);
        // Loopback is "potentially trustworthy": not mixed content, but local.
        assert_eq!(
            direct_block(&page, &u("http://127.0.0.1:9000/")),
            Some(DirectBlock::LocalNetwork)
        );
        assert_eq!(
            direct_block(&u("http://x.example/"), &u("http://e.com/")),
            None
        );
    }

    #[test]
    fn private_targets_from_public_pages_are_explained() {
        let public = u("https://upcheck.example/");
        for t in [
            "https://10.0.0.1/",
            "https://192.168.1.1/",
            "https://[::1]/",
            "https://[fd00::1]/",
            "https://printer.local/",
            "https://[::ffff:192.168.0.1]/",
        ] {
            assert_eq!(
                direct_block(&public, &u(t)),
                Some(DirectBlock::LocalNetwork),
                "{t}"
            );
        }
        let local = u("http://127.0.0.1:8080/");
        assert_eq!(direct_block(&local, &u("https://10.0.0.1/")), None);
        assert!(DirectBlock::LocalNetwork
            .reason()
            .contains("local-network permission"));
    }
}
