//! The deny-list: an IPv4 address gets the same verdict however it is
//! dressed up (inside an IPv6 address, or written as a number in a URL), and
//! every address in the non-public ranges is refused.

use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use upcheck_core::net::{check, is_public, Embedding, Range};
use upcheck_core::parse::normalise;
use url::Host;

/// Ranges every deployment must refuse, with what they must be called.
const MUST_DENY: &[(u32, u8, Range)] = &[
    (0x7f00_0000, 8, Range::Loopback),
    (0x0a00_0000, 8, Range::Private),
    (0xac10_0000, 12, Range::Private),
    (0xc0a8_0000, 16, Range::Private),
    (0xa9fe_0000, 16, Range::LinkLocal),
    (0x6440_0000, 10, Range::SharedAddressSpace),
    (0x0000_0000, 8, Range::Unspecified),
];

/// The other IPv4 ranges net.rs refuses (multicast, reserved, documentation,
/// benchmarking, IETF, the 6to4 relay, broadcast).
const ALSO_DENIED: &[(u32, u8)] = &[
    (0xe000_0000, 4),
    (0xf000_0000, 4),
    (0xc000_0200, 24),
    (0xc633_6400, 24),
    (0xcb00_7100, 24),
    (0xc612_0000, 15),
    (0xc000_0000, 24),
    (0xc058_6300, 24),
    (0xffff_ffff, 32),
];

fn in_range(net: u32, len: u8, bits: u32) -> Ipv4Addr {
    Ipv4Addr::from(net | (bits & u32::MAX.checked_shr(len.into()).unwrap_or(0)))
}

/// An address in one of [`MUST_DENY`]'s ranges, with the range.
fn must_deny() -> impl Strategy<Value = (Ipv4Addr, Range)> {
    (prop::sample::select(MUST_DENY), any::<u32>())
        .prop_map(|((net, len, range), bits)| (in_range(net, len, bits), range))
}

/// An address the deny-list refuses, made rather than filtered so that a
/// long run does not drown in rejected cases.
fn denied_v4() -> impl Strategy<Value = Ipv4Addr> {
    prop_oneof![
        2 => must_deny().prop_map(|(ip, _)| ip),
        1 => (prop::sample::select(ALSO_DENIED), any::<u32>())
            .prop_map(|((net, len), bits)| in_range(net, len, bits)),
    ]
}

/// Any IPv4 address, with the denied ones and range edges well represented.
fn any_v4() -> impl Strategy<Value = Ipv4Addr> {
    prop_oneof![
        2 => any::<u32>().prop_map(Ipv4Addr::from),
        2 => must_deny().prop_map(|(ip, _)| ip),
        1 => prop::sample::select(vec![
            0u32, 1, 0x7fff_ffff, 0x8000_0000, 0x643f_ffff, 0x6480_0000, 0xac0f_ffff,
            0xac20_0000, 0xe000_0000, 0xdfff_ffff, 0xffff_fffe, 0xffff_ffff,
        ]).prop_map(Ipv4Addr::from),
    ]
}

fn v6(bits: u128) -> IpAddr {
    IpAddr::V6(Ipv6Addr::from(bits))
}

/// `ip` written as a URL host the way WHATWG's IPv4 parser still reads it:
/// 1 to 4 parts (the last one holding all remaining bits), each in decimal,
/// octal (`0` prefix) or hex (`0x`), maybe a trailing dot, maybe in
/// full-width digits or ideographic dots that IDNA maps back to ASCII.
fn numeric_host(ip: Ipv4Addr) -> impl Strategy<Value = String> {
    let bits = u32::from(ip);
    (
        1usize..=4,
        prop::collection::vec(0u8..3, 4),
        prop::collection::vec(0usize..3, 4),
        any::<bool>(),
        any::<bool>(),
        0u8..4,
    )
        .prop_map(move |(parts, radix, zeros, upper, dot, unicode)| {
            let mut values: Vec<u32> = (0..parts - 1)
                .map(|i| (bits >> (24 - 8 * i)) & 0xff)
                .collect();
            let last_bits = 32 - 8 * (parts - 1);
            values.push(if last_bits == 32 {
                bits
            } else {
                bits & ((1 << last_bits) - 1)
            });
            let mut host: Vec<String> = Vec::new();
            for (i, v) in values.iter().enumerate() {
                let pad = "0".repeat(zeros[i]);
                host.push(match radix[i] {
                    0 => v.to_string(),
                    1 => format!("0{pad}{v:o}"),
                    _ if upper => format!("0X{pad}{v:X}"),
                    _ => format!("0x{pad}{v:x}"),
                });
            }
            let mut host = host.join(".");
            if dot {
                host.push('.');
            }
            match unicode {
                1 => host
                    .chars()
                    .map(|c| match c.to_digit(10) {
                        Some(d) => char::from_u32(0xff10 + d).unwrap(),
                        None => c,
                    })
                    .collect(),
                2 => host.replace('.', "。"),
                _ => host,
            }
        })
}

proptest! {
    #![proptest_config(crate::config())]

    #[test]
    fn the_must_deny_ranges_are_denied_and_named((ip, range) in must_deny()) {
        let denial = check(IpAddr::V4(ip)).unwrap_err();
        prop_assert_eq!(denial.range, range);
        prop_assert_eq!(denial.ip, IpAddr::V4(ip));
        prop_assert_eq!(denial.is_plain_loopback(), range == Range::Loopback);
    }

    /// `::ffff:a` *is* `a`: same verdict, same range, and a public one is
    /// connected to in its IPv4 form.
    #[test]
    fn ipv4_mapped_is_judged_as_the_ipv4(a in any_v4()) {
        let mapped = IpAddr::V6(a.to_ipv6_mapped());
        match (check(IpAddr::V4(a)), check(mapped)) {
            (Ok(x), Ok(y)) => {
                prop_assert_eq!(x, IpAddr::V4(a));
                prop_assert_eq!(y, IpAddr::V4(a));
            }
            (Err(x), Err(y)) => {
                prop_assert_eq!((x.range, x.via), (y.range, y.via));
                prop_assert_eq!(y.ip, mapped);
                prop_assert_eq!(x.is_plain_loopback(), y.is_plain_loopback());
            }
            (x, y) => prop_assert!(false, "{a}: {x:?} but {mapped}: {y:?}"),
        }
    }

    /// NAT64 (`64:ff9b::a`) reaches `a`: same verdict; a denied one says so.
    #[test]
    fn nat64_is_judged_as_the_ipv4(a in any_v4()) {
        let nat64 = v6((0x64_ff9b << 96) | u128::from(u32::from(a)));
        prop_assert_eq!(is_public(nat64), is_public(IpAddr::V4(a)));
        if let (Err(x), Err(y)) = (check(IpAddr::V4(a)), check(nat64)) {
            prop_assert_eq!((y.range, y.via), (x.range, Some(Embedding::Nat64)));
            prop_assert!(!y.is_plain_loopback());
        }
    }

    /// IPv4-compatible (`::a`) is deprecated: always refused, and for a denied
    /// `a` under the same range (bar `::` and `::1`, which are their own thing).
    #[test]
    fn ipv4_compatible_is_always_denied(a in any_v4()) {
        let compat = v6(u128::from(u32::from(a)));
        let denial = check(compat).unwrap_err();
        prop_assert!(!denial.is_plain_loopback() || u32::from(a) == 1);
        if let Err(x) = check(IpAddr::V4(a)) {
            if u32::from(a) > 1 {
                prop_assert_eq!((denial.range, denial.via), (x.range, Some(Embedding::Ipv4Compatible)));
            }
        }
    }

    /// 6to4 (`2002:a::/48`) and Teredo (`2001::/32`) reach any IPv4 host
    /// through a relay: refused whatever they carry.
    #[test]
    fn tunnels_are_denied_whatever_they_carry(a in any_v4(), low in any::<u128>()) {
        let carried = u128::from(u32::from(a));
        let six_to_four = v6((0x2002 << 112) | (carried << 80) | (low & ((1 << 80) - 1)));
        prop_assert_eq!(check(six_to_four).unwrap_err().range, Range::SixToFour);
        let teredo = v6((0x2001_0000 << 96) | (low & ((1 << 96) - 1)));
        prop_assert_eq!(check(teredo).unwrap_err().range, Range::Teredo);
    }

    /// Outside global unicast (2000::/3) nothing is public except the two
    /// forms that carry a public IPv4 address (mapped and NAT64).
    #[test]
    fn only_global_unicast_ipv6_is_public(bits in any::<u128>(), top in 0u128..8) {
        let bits = (top << 125) | (bits >> 3);
        let carries_v4 = bits >> 32 == 0xffff || bits >> 32 == 0x64_ff9b << 64;
        if top != 0b001 && !carries_v4 {
            prop_assert!(!is_public(v6(bits)), "{}", Ipv6Addr::from(bits));
        }
    }

    /// A denied IPv4 written in any numeric form the URL standard accepts
    /// parses to that address, which is denied: the proxy never sees the
    /// spelling, only the address.
    #[test]
    fn numeric_spellings_of_a_denied_ipv4_stay_denied(
        (a, host) in denied_v4().prop_flat_map(|a| (Just(a), numeric_host(a))),
        bare in any::<bool>(),
        port in prop::option::of(1u16..),
    ) {
        let port = port.map(|p| format!(":{p}")).unwrap_or_default();
        let candidate = if bare { format!("{host}{port}/x") } else { format!("http://{host}{port}/x") };
        let url = normalise(&candidate).map_err(|e| TestCaseError::fail(format!("{candidate}: {e}")))?;
        prop_assert_eq!(url.host(), Some(Host::Ipv4(a)), "{}", candidate);
        prop_assert!(!is_public(IpAddr::V4(a)));
    }

    /// The same for IPv6 literals that carry a denied IPv4 address.
    #[test]
    fn ipv6_literals_carrying_a_denied_ipv4_stay_denied(
        a in denied_v4(),
        form in 0u8..4,
        dotted in any::<bool>(),
    ) {
        let prefix = ["::ffff:", "64:ff9b::", "::", "2002:"][usize::from(form)];
        let literal = match (form, dotted) {
            (3, _) => format!("2002:{:x}:{:x}::1", u32::from(a) >> 16, u32::from(a) & 0xffff),
            (_, true) => format!("{prefix}{a}"),
            (_, false) => format!("{prefix}{:X}:{:x}", u32::from(a) >> 16, u32::from(a) & 0xffff),
        };
        let url = normalise(&format!("https://[{literal}]/")).map_err(|e| TestCaseError::fail(format!("{literal}: {e}")))?;
        let Some(Host::Ipv6(ip)) = url.host() else {
            return Err(TestCaseError::fail(format!("{literal} is not an IPv6 host")));
        };
        prop_assert!(!is_public(IpAddr::V4(a)), "{}", a);
        prop_assert!(!is_public(IpAddr::V6(ip)), "{} → {}", literal, ip);
    }
}
