//! The proxy's deny-list: which IP addresses a check may never connect to.
//!
//! The proxy runs on someone's network; without this list anyone who can reach
//! it could use it to probe that network (SSRF). The rule is simple: only
//! globally reachable unicast addresses are checked. The ranges come from IANA's
//! special-purpose registries
//! (<https://www.iana.org/assignments/iana-ipv4-special-registry/>,
//! <https://www.iana.org/assignments/iana-ipv6-special-registry/>) and OWASP's
//! SSRF cheat sheet.
//!
//! Addresses are canonicalised first (`::ffff:127.0.0.1` *is* 127.0.0.1, and
//! `Ipv6Addr::is_loopback` would say otherwise), and IPv6 forms that carry an
//! IPv4 address inside (IPv4-compatible, NAT64) are judged by the address they
//! carry. 6to4 and Teredo are refused outright: they reach arbitrary IPv4 hosts
//! through relays, and no site needs them as its only address.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A special-purpose range an address falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Range {
    /// `0.0.0.0/8`, `::/128`: "this host/network", never a destination.
    Unspecified,
    /// `127.0.0.0/8`, `::1`.
    Loopback,
    /// RFC 1918: `10/8`, `172.16/12`, `192.168/16`.
    Private,
    /// `100.64.0.0/10`, carrier-grade NAT.
    SharedAddressSpace,
    /// `169.254.0.0/16`, `fe80::/10` (cloud metadata lives here).
    LinkLocal,
    /// `192.0.0.0/24`, `2001::/23` (IETF protocol assignments).
    IetfProtocol,
    /// `192.0.2/24`, `198.51.100/24`, `203.0.113/24`, `2001:db8::/32`, `3fff::/20`.
    Documentation,
    /// `198.18.0.0/15`, `2001:2::/48`.
    Benchmarking,
    /// `224.0.0.0/4`, `ff00::/8`.
    Multicast,
    /// `240.0.0.0/4`, and IPv6 outside `2000::/3` not listed elsewhere.
    Reserved,
    /// `255.255.255.255`.
    Broadcast,
    /// `192.88.99.0/24`, the retired 6to4 relay anycast.
    SixToFourRelay,
    /// `fc00::/7`, unique local addresses.
    UniqueLocal,
    /// `fec0::/10`, deprecated site-local addresses.
    SiteLocal,
    /// `100::/64`, discard-only.
    DiscardOnly,
    /// `64:ff9b:1::/48`, local-use NAT64.
    LocalNat64,
    /// `2002::/16`, 6to4: reaches any IPv4 host through a relay.
    SixToFour,
    /// `2001::/32`, Teredo: reaches any IPv4 host through a relay.
    Teredo,
}

impl Range {
    /// Words for a person: "a loopback address".
    pub const fn describe(self) -> &'static str {
        match self {
            Range::Unspecified => "an unspecified (this-network) address",
            Range::Loopback => "a loopback address",
            Range::Private => "a private (RFC 1918) address",
            Range::SharedAddressSpace => "a carrier-grade NAT (100.64.0.0/10) address",
            Range::LinkLocal => "a link-local address",
            Range::IetfProtocol => "an IETF protocol-assignment address",
            Range::Documentation => "a documentation address",
            Range::Benchmarking => "a benchmarking address",
            Range::Multicast => "a multicast address",
            Range::Reserved => "a reserved address",
            Range::Broadcast => "the broadcast address",
            Range::SixToFourRelay => "a 6to4 relay anycast address",
            Range::UniqueLocal => "a unique local (fc00::/7) address",
            Range::SiteLocal => "a site-local (fec0::/10) address",
            Range::DiscardOnly => "a discard-only address",
            Range::LocalNat64 => "a local-use NAT64 address",
            Range::SixToFour => "a 6to4 (2002::/16) tunnel address",
            Range::Teredo => "a Teredo (2001::/32) tunnel address",
        }
    }
}

/// How an IPv4 address was carried inside an IPv6 one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Embedding {
    /// `64:ff9b::/96`, well-known NAT64 prefix.
    Nat64,
    /// `::/96`, deprecated IPv4-compatible form.
    Ipv4Compatible,
}

/// Why an address is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Denial {
    /// The address as given.
    pub ip: IpAddr,
    /// The range it (or the IPv4 address inside it) falls in.
    pub range: Range,
    /// Set when the range was found on an IPv4 address carried inside `ip`.
    pub via: Option<Embedding>,
}

impl Denial {
    /// True for a plain loopback address (127.0.0.0/8 or `::1`, also written as
    /// `::ffff:127.x.y.z`) — what a test-only switch may allow. Loopback carried
    /// through NAT64 is not: it would reach the translator's own host.
    pub fn is_plain_loopback(&self) -> bool {
        self.range == Range::Loopback && self.via.is_none()
    }

    /// True for a host on this machine or a network it is attached to:
    /// loopback, RFC 1918, carrier-grade NAT, link-local, unique local and
    /// site-local, written plainly — what a checker run on one's own machine
    /// may be told to check (`upcheck check --allow-private`). Never the
    /// unspecified, multicast, broadcast, documentation or reserved ranges
    /// (no host answers there), nor anything carried through NAT64, 6to4 or
    /// Teredo (it would reach some other network's host).
    pub fn is_local_network(&self) -> bool {
        let local = match self.range {
            Range::Loopback
            | Range::Private
            | Range::SharedAddressSpace
            | Range::LinkLocal
            | Range::UniqueLocal
            | Range::SiteLocal => true,
            Range::Unspecified
            | Range::IetfProtocol
            | Range::Documentation
            | Range::Benchmarking
            | Range::Multicast
            | Range::Reserved
            | Range::Broadcast
            | Range::SixToFourRelay
            | Range::DiscardOnly
            | Range::LocalNat64
            | Range::SixToFour
            | Range::Teredo => false,
        };
        local && self.via.is_none()
    }
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is {}", self.ip, self.range.describe())?;
        match self.via {
            Some(Embedding::Nat64) => f.write_str(" carried in a NAT64 address"),
            Some(Embedding::Ipv4Compatible) => f.write_str(" in IPv4-compatible form"),
            None => Ok(()),
        }
    }
}

/// Judges one address: `Ok` with its canonical form (the address to connect to)
/// when it is public, or why not.
pub fn check(ip: IpAddr) -> Result<IpAddr, Denial> {
    let canonical = ip.to_canonical();
    let (range, via) = match canonical {
        IpAddr::V4(v4) => (v4_range(v4), None),
        IpAddr::V6(v6) => v6_range(v6),
    };
    match range {
        None => Ok(canonical),
        Some(range) => Err(Denial { ip, range, via }),
    }
}

/// True when `ip` may be checked.
pub fn is_public(ip: IpAddr) -> bool {
    check(ip).is_ok()
}

const V4: &[(u32, u8, Range)] = &[
    (0x0000_0000, 8, Range::Unspecified),
    (0x0a00_0000, 8, Range::Private),
    (0x6440_0000, 10, Range::SharedAddressSpace),
    (0x7f00_0000, 8, Range::Loopback),
    (0xa9fe_0000, 16, Range::LinkLocal),
    (0xac10_0000, 12, Range::Private),
    (0xc000_0000, 24, Range::IetfProtocol),
    (0xc000_0200, 24, Range::Documentation),
    (0xc058_6300, 24, Range::SixToFourRelay),
    (0xc0a8_0000, 16, Range::Private),
    (0xc612_0000, 15, Range::Benchmarking),
    (0xc633_6400, 24, Range::Documentation),
    (0xcb00_7100, 24, Range::Documentation),
    (0xe000_0000, 4, Range::Multicast),
    (0xffff_ffff, 32, Range::Broadcast),
    (0xf000_0000, 4, Range::Reserved),
];

fn v4_range(ip: Ipv4Addr) -> Option<Range> {
    let bits = u32::from(ip);
    V4.iter()
        .find(|&&(net, len, _)| bits >> (32 - len) == net >> (32 - len))
        .map(|&(_, _, range)| range)
}

const V6: &[(u128, u8, Range)] = &[
    (0x0100_0000_0000_0000 << 64, 64, Range::DiscardOnly),
    (0x0064_ff9b_0001 << 80, 48, Range::LocalNat64),
    (0x2001_0000 << 96, 32, Range::Teredo),
    (0x2001_0002_0000 << 80, 48, Range::Benchmarking),
    (0x2001_0db8 << 96, 32, Range::Documentation),
    (0x2001 << 112, 23, Range::IetfProtocol),
    (0x2002 << 112, 16, Range::SixToFour),
    (0x3fff << 112, 20, Range::Documentation),
    (0xfc00 << 112, 7, Range::UniqueLocal),
    (0xfe80 << 112, 10, Range::LinkLocal),
    (0xfec0 << 112, 10, Range::SiteLocal),
    (0xff00 << 112, 8, Range::Multicast),
];

fn v6_range(ip: Ipv6Addr) -> (Option<Range>, Option<Embedding>) {
    let bits = u128::from(ip);
    if ip.is_unspecified() {
        return (Some(Range::Unspecified), None);
    }
    if ip.is_loopback() {
        return (Some(Range::Loopback), None);
    }
    let low_v4 = Ipv4Addr::from((bits & 0xffff_ffff) as u32);
    if bits >> 32 == 0 {
        // ::a.b.c.d — deprecated; judge the IPv4 inside, and refuse it anyway
        // if that one is public, since no host should be reached this way.
        let inner = v4_range(low_v4).unwrap_or(Range::Reserved);
        return (Some(inner), Some(Embedding::Ipv4Compatible));
    }
    if bits >> 32 == 0x0064_ff9b_0000_0000_0000_0000 {
        return (v4_range(low_v4), v4_range(low_v4).map(|_| Embedding::Nat64));
    }
    let listed = V6
        .iter()
        .find(|&&(net, len, _)| bits >> (128 - len) == net >> (128 - len))
        .map(|&(_, _, range)| range);
    match listed {
        Some(range) => (Some(range), None),
        // Global unicast is 2000::/3; everything else is unassigned or special.
        None if bits >> 125 != 0b001 => (Some(Range::Reserved), None),
        None => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(s: &str) -> Option<Range> {
        check(s.parse().unwrap()).err().map(|d| d.range)
    }

    #[test]
    fn public_addresses_pass_in_canonical_form() {
        for ip in [
            "93.184.215.14",
            "1.1.1.1",
            "2606:4700::1111",
            "2a00:1450::1",
        ] {
            assert_eq!(range(ip), None, "{ip}");
        }
        assert_eq!(
            check("::ffff:93.184.215.14".parse().unwrap()),
            Ok("93.184.215.14".parse().unwrap())
        );
        // NAT64 of a public address is how IPv6-only networks reach IPv4 sites.
        assert_eq!(range("64:ff9b::5db8:d70e"), None);
    }

    #[test]
    fn every_special_ipv4_range_is_refused() {
        let cases = [
            ("0.0.0.0", Range::Unspecified),
            ("0.1.2.3", Range::Unspecified),
            ("10.1.2.3", Range::Private),
            ("100.64.0.1", Range::SharedAddressSpace),
            ("100.127.255.255", Range::SharedAddressSpace),
            ("127.0.0.1", Range::Loopback),
            ("127.255.0.9", Range::Loopback),
            ("169.254.169.254", Range::LinkLocal),
            ("172.16.0.1", Range::Private),
            ("172.31.255.255", Range::Private),
            ("192.0.0.8", Range::IetfProtocol),
            ("192.0.2.1", Range::Documentation),
            ("192.88.99.1", Range::SixToFourRelay),
            ("192.168.1.1", Range::Private),
            ("198.18.0.1", Range::Benchmarking),
            ("198.19.255.1", Range::Benchmarking),
            ("198.51.100.7", Range::Documentation),
            ("203.0.113.9", Range::Documentation),
            ("224.0.0.1", Range::Multicast),
            ("239.255.255.250", Range::Multicast),
            ("240.0.0.1", Range::Reserved),
            ("255.255.255.255", Range::Broadcast),
        ];
        for (ip, want) in cases {
            assert_eq!(range(ip), Some(want), "{ip}");
        }
        for ip in [
            "100.63.255.255",
            "100.128.0.0",
            "172.15.0.1",
            "172.32.0.1",
            "198.20.0.1",
        ] {
            assert_eq!(range(ip), None, "{ip} is just outside a special range");
        }
    }

    #[test]
    fn every_special_ipv6_range_is_refused() {
        let cases = [
            ("::", Range::Unspecified),
            ("::1", Range::Loopback),
            ("100::1", Range::DiscardOnly),
            ("64:ff9b:1::a00:1", Range::LocalNat64),
            ("2001::1", Range::Teredo),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", Range::Teredo),
            ("2001:2::1", Range::Benchmarking),
            ("2001:db8::1", Range::Documentation),
            ("2001:10::1", Range::IetfProtocol),
            ("2002:7f00:1::", Range::SixToFour),
            ("2002:5db8:d70e::1", Range::SixToFour),
            ("3fff::1", Range::Documentation),
            ("fc00::1", Range::UniqueLocal),
            ("fd12:3456::1", Range::UniqueLocal),
            ("fe80::1", Range::LinkLocal),
            ("fec0::1", Range::SiteLocal),
            ("ff02::1", Range::Multicast),
            ("4000::1", Range::Reserved),
            ("1::1", Range::Reserved),
        ];
        for (ip, want) in cases {
            assert_eq!(range(ip), Some(want), "{ip}");
        }
    }

    #[test]
    fn embedded_ipv4_is_judged_by_what_it_carries() {
        // IPv4-mapped: canonicalised, so it is plain loopback/link-local.
        let mapped = check("::ffff:127.0.0.1".parse().unwrap()).unwrap_err();
        assert!(mapped.is_plain_loopback());
        assert_eq!(range("::ffff:169.254.169.254"), Some(Range::LinkLocal));
        // NAT64 and IPv4-compatible carry the range but are never "plain".
        let nat64 = check("64:ff9b::7f00:1".parse().unwrap()).unwrap_err();
        assert_eq!(
            (nat64.range, nat64.via),
            (Range::Loopback, Some(Embedding::Nat64))
        );
        assert!(!nat64.is_plain_loopback());
        assert_eq!(range("64:ff9b::a9fe:a9fe"), Some(Range::LinkLocal));
        let compat = check("::127.0.0.1".parse().unwrap()).unwrap_err();
        assert_eq!(compat.via, Some(Embedding::Ipv4Compatible));
        assert!(!compat.is_plain_loopback());
        assert_eq!(range("::93.184.215.14"), Some(Range::Reserved));
    }

    #[test]
    fn messages_name_the_address_and_the_range() {
        let d = check("64:ff9b::a00:1".parse().unwrap()).unwrap_err();
        assert_eq!(
            d.to_string(),
            "64:ff9b::a00:1 is a private (RFC 1918) address carried in a NAT64 address"
        );
        assert!(!is_public("10.0.0.1".parse().unwrap()));
    }
}
