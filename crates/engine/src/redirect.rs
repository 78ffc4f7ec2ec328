//! Following a redirect by hand: which statuses redirect, and where to, within
//! bounds: a `Location` (and the URL it leads to) of at most
//! [`MAX_LOCATION_BYTES`], valid UTF-8, else the chain ends `bad_redirect`
//! without the value being kept.

use url::Url;

use super::Failure;
use upcheck_core::wire::ErrorKind;

/// Statuses that send the client elsewhere via `Location`. (300 and 304 do not.)
pub fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// The longest `Location`, and the longest URL it may resolve to. Browsers
/// and servers cap URLs around 8 KiB as well; anything longer is no page a
/// person would be sent to, only a way to make the proxy store megabytes.
pub const MAX_LOCATION_BYTES: usize = 8 * 1024;

/// The next hop from the raw `Location` header bytes: see [`next_url`], after
/// refusing a value that is too long or not UTF-8 (RFC 9110 wants a URI:
/// ASCII; a lossy decoding would turn each bad byte into nine characters).
pub fn follow(current: &Url, location: &[u8]) -> Result<Url, Failure> {
    if location.len() > MAX_LOCATION_BYTES {
        return Err(Failure::down(
            ErrorKind::BadRedirect,
            format!(
                "the redirect's Location is {} bytes long; at most {MAX_LOCATION_BYTES} are followed",
                location.len()
            ),
        ));
    }
    let text = std::str::from_utf8(location).map_err(|_| {
        Failure::down(
            ErrorKind::BadRedirect,
            "the redirect's Location is not valid UTF-8".to_owned(),
        )
    })?;
    let next = next_url(current, text)?;
    if next.as_str().len() > MAX_LOCATION_BYTES {
        return Err(Failure::down(
            ErrorKind::BadRedirect,
            format!(
                "the redirect leads to a URL of {} bytes; at most {MAX_LOCATION_BYTES} are followed",
                next.as_str().len()
            ),
        ));
    }
    Ok(next)
}

/// The next hop: `location` resolved against `current`, http(s) only, without
/// a fragment (never sent to a server).
pub fn next_url(current: &Url, location: &str) -> Result<Url, Failure> {
    let mut next = current.join(location.trim()).map_err(|e| {
        Failure::down(
            ErrorKind::BadRedirect,
            format!(
                "the redirect's Location '{}' is not a URL: {e}",
                shorten(location)
            ),
        )
    })?;
    if next.scheme() != "http" && next.scheme() != "https" {
        return Err(Failure::down(
            ErrorKind::BadRedirect,
            format!("refused to follow a redirect to a '{}:' URL", next.scheme()),
        ));
    }
    if next.host_str().is_none_or(str::is_empty) {
        return Err(Failure::down(
            ErrorKind::BadRedirect,
            format!(
                "the redirect's Location '{}' has no host",
                shorten(location)
            ),
        ));
    }
    next.set_fragment(None);
    Ok(next)
}

fn shorten(s: &str) -> String {
    const MAX: usize = 200;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://a.example/x/y?q=1").unwrap()
    }

    #[test]
    fn relative_and_absolute_locations_resolve() {
        assert_eq!(
            next_url(&base(), "/z").unwrap().as_str(),
            "https://a.example/z"
        );
        assert_eq!(
            next_url(&base(), "z#f").unwrap().as_str(),
            "https://a.example/x/z"
        );
        assert_eq!(
            next_url(&base(), "//b.example/").unwrap().as_str(),
            "https://b.example/"
        );
    }

    #[test]
    fn other_schemes_and_garbage_are_refused() {
        for loc in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "http://[::1",
            "gopher://x/",
        ] {
            let err = next_url(&base(), loc).unwrap_err();
            assert_eq!(err.kind, ErrorKind::BadRedirect, "{loc}");
        }
        assert!(is_redirect(308) && !is_redirect(304) && !is_redirect(300));
    }

    #[test]
    fn long_or_non_utf8_locations_are_refused_without_being_kept() {
        let long = format!("/{}", "a".repeat(MAX_LOCATION_BYTES));
        let err = follow(&base(), long.as_bytes()).unwrap_err();
        assert_eq!(err.kind, ErrorKind::BadRedirect);
        assert!(err.message.len() < 200, "{}", err.message);
        let err = follow(&base(), b"/ok#\xff\xfe").unwrap_err();
        assert_eq!(err.kind, ErrorKind::BadRedirect);
        assert!(err.message.contains("UTF-8"), "{}", err.message);
        // Short enough raw, too long once each non-ASCII character is encoded.
        let wide = format!("/{}", "é".repeat(MAX_LOCATION_BYTES / 3));
        assert_eq!(
            follow(&base(), wide.as_bytes()).unwrap_err().kind,
            ErrorKind::BadRedirect
        );
        assert_eq!(
            follow(&base(), b"/z").unwrap().as_str(),
            "https://a.example/z"
        );
    }
}
