//! The normaliser agrees with the `url` crate (the WHATWG URL parser browsers
//! follow): what it accepts is a valid http(s) URL with a host, and a valid
//! http(s) URL with a public host is accepted unless it breaks one of the
//! limits parse.rs documents (length, empty label, host length).

use crate::re;
use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use upcheck_core::defaults::MAX_URL_LEN;
use upcheck_core::net::is_public;
use upcheck_core::parse::{normalise, InputError};
use url::{Host, Url};

fn public_ipv4() -> impl Strategy<Value = String> {
    any::<u32>().prop_filter_map("a public IPv4 address", |bits| {
        let ip = Ipv4Addr::from(bits);
        is_public(IpAddr::V4(ip)).then(|| ip.to_string())
    })
}

fn public_ipv6() -> impl Strategy<Value = String> {
    // Global unicast is 2000::/3; most of it is public.
    any::<u128>().prop_filter_map("a public IPv6 address", |bits| {
        let ip = Ipv6Addr::from((bits >> 3) | (1 << 125));
        is_public(IpAddr::V6(ip)).then(|| format!("[{ip}]"))
    })
}

fn domain() -> impl Strategy<Value = String> {
    let label = prop_oneof![
        8 => re("[a-z0-9]([a-z0-9-]{0,12}[a-z0-9])?"),
        2 => prop::sample::select(vec!["bücher", "例え", "пример", "straße", "ÉCOLE", "xn--bcher-kva"])
            .prop_map(str::to_owned),
        // Allowed by the URL standard, refused by the parser (EmptyLabel).
        1 => Just(String::new()),
    ];
    prop_oneof![
        10 => (prop::collection::vec(label, 1..5), re("[a-z]{2,6}"), re("\\.?"))
            .prop_map(|(labels, tld, dot)| format!("{}.{tld}{dot}", labels.join("."))),
        // Past DNS's 253 characters (HostTooLong).
        1 => (40usize..80, "[a-z]{2,5}").prop_map(|(n, l)| format!("{}com", format!("{l}.").repeat(n))),
    ]
}

/// Valid URLs with one of `schemes` and a public-looking host, as the `url`
/// crate parses them from generated text; `userinfo` allows `user:pass@`.
fn public_url(schemes: &'static [&'static str], userinfo: bool) -> impl Strategy<Value = Url> {
    let host = prop_oneof![8 => domain(), 1 => public_ipv4(), 1 => public_ipv6()];
    let userinfo = if userinfo {
        re("([a-z]{1,4}(:[a-z]{0,4})?@)?")
    } else {
        re("")
    };
    (
        prop::sample::select(schemes),
        userinfo,
        host,
        prop_oneof![3 => Just(String::new()), 1 => re(":[0-9]{1,5}")],
        re("(/[a-zA-Z0-9._~%!$&'()*+,;=:@é-]{0,10}){0,4}"),
        prop_oneof![2 => Just(String::new()), 1 => re("\\?[a-z0-9=&,%é/?]{0,20}")],
        prop_oneof![2 => Just(String::new()), 1 => re("#[a-z0-9é #]{0,10}")],
    )
        .prop_filter_map("the url crate accepts it", |(s, u, h, p, path, q, f)| {
            Url::parse(&format!("{s}://{u}{h}{p}{path}{q}{f}")).ok()
        })
}

/// `url` as the parser documents it should come out: no fragment, and no
/// trailing dot on a host name.
fn expected(url: &Url) -> Url {
    let mut want = url.clone();
    want.set_fragment(None);
    if let Some(Host::Domain(d)) = url.host() {
        if let Some(stripped) = d.strip_suffix('.') {
            want.set_host(Some(stripped)).unwrap();
        }
    }
    want
}

proptest! {
    #![proptest_config(crate::config())]

    /// Anything the parser accepts, the URL standard accepts too, unchanged,
    /// as an http(s) URL with a real host name or address.
    #[test]
    fn accepted_urls_are_valid_http_urls(candidate in crate::parse::candidate(true)) {
        if let Ok(url) = normalise(&candidate) {
            prop_assert_eq!(Url::parse(url.as_str()), Ok(url.clone()));
            prop_assert!(matches!(url.scheme(), "http" | "https"), "{url}");
            match url.host() {
                Some(Host::Domain(d)) => {
                    prop_assert!(!d.ends_with('.') && d.len() <= 253, "{d}");
                    prop_assert!(d.split('.').all(|l| !l.is_empty()), "{d}");
                }
                Some(Host::Ipv4(_) | Host::Ipv6(_)) => {}
                None => prop_assert!(false, "no host in {url}"),
            }
        }
    }

    /// A valid http(s) URL with a public host is accepted as itself (less its
    /// fragment and trailing dot), or refused for one of the documented
    /// reasons, and that reason really holds.
    #[test]
    fn valid_public_urls_are_accepted_or_refused_for_a_documented_reason(url in public_url(&["http", "https", "HTTPS"], true)) {
        let want = expected(&url);
        let host = want.host_str().unwrap_or_default().to_owned();
        match normalise(url.as_str()) {
            Ok(got) => prop_assert_eq!(got, want),
            Err(InputError::TooLong { .. }) => prop_assert!(
                url.as_str().len() > MAX_URL_LEN || want.as_str().len() > MAX_URL_LEN
            ),
            Err(InputError::EmptyLabel { .. }) => {
                prop_assert!(host.split('.').any(str::is_empty), "{host}");
            }
            Err(InputError::HostTooLong { len }) => {
                prop_assert_eq!(len, host.len());
                prop_assert!(len > 253);
            }
            Err(err) => prop_assert!(false, "{url} refused: {err}"),
        }
    }

    /// Leaving out `https://` changes nothing: `example.com:8080/x` is read
    /// as a host and port, not as a scheme `example.com`.
    #[test]
    fn a_bare_host_means_the_same_as_with_https(url in public_url(&["https"], false)) {
        let bare = &url.as_str()["https://".len()..];
        prop_assert_eq!(normalise(bare), normalise(url.as_str()), "{}", bare);
    }
}
