//! Following a redirect by hand: which statuses redirect, and where to.

use url::Url;

use super::Failure;
use upcheck_core::wire::ErrorKind;

/// Statuses that send the client elsewhere via `Location`. (300 and 304 do not.)
pub fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
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
}
