//! Keeping each result line small whatever a site sends: the redirect chain
//! keeps at most [`MAX_CHAIN_BYTES`] of URLs, and no NDJSON line is longer than
//! [`MAX_LINE_BYTES`]. What had to be cut ends with [`TRUNCATED`], so a reader
//! can tell a shortened value from the real one.

use bytes::Bytes;
use upcheck_core::wire::{CheckLine, ErrorKind, LineError, Redirect};
use upcheck_core::BodyCheck;

/// The most bytes of redirect URLs one line keeps.
pub const MAX_CHAIN_BYTES: usize = 32 * 1024;
/// The longest NDJSON line sent, newline included.
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// Ends every value that was cut short.
pub const TRUNCATED: &str = "…[truncated]";

/// Adds a followed redirect to `chain`, cutting its URL to what is left of
/// [`MAX_CHAIN_BYTES`]. The hop is still recorded with its status.
pub fn push_redirect(chain: &mut Vec<Redirect>, url: &str, status: u16) {
    let used: usize = chain.iter().map(|r| r.url.len()).sum();
    chain.push(Redirect {
        url: clip(url, MAX_CHAIN_BYTES.saturating_sub(used)),
        status,
    });
}

/// `s` if it fits in `max` bytes, else its longest prefix (on a character
/// boundary) that fits with [`TRUNCATED`] after it.
pub fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max.saturating_sub(TRUNCATED.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{TRUNCATED}", &s[..end])
}

/// The line as NDJSON, at most [`MAX_LINE_BYTES`] long.
pub fn encode(line: &CheckLine) -> Bytes {
    if let Some(json) = to_ndjson(line) {
        return json;
    }
    // Too long: cut every string to a cap, halving it until the line fits.
    // A line holds ~25 strings (the chain is capped by max_redirects), so a
    // few rounds always suffice; the fallback only guards against surprises.
    let mut cap = 4096;
    while cap >= 64 {
        let mut small = line.clone();
        clip_strings(&mut small, cap);
        if let Some(json) = to_ndjson(&small) {
            return json;
        }
        cap /= 2;
    }
    minimal(line.index)
}

fn to_ndjson(line: &CheckLine) -> Option<Bytes> {
    match serde_json::to_vec(line) {
        Ok(mut json) if json.len() < MAX_LINE_BYTES => {
            json.push(b'\n');
            Some(Bytes::from(json))
        }
        Ok(_) => None,
        // Plain structs with string keys always serialise; if that ever
        // changes, the line still says which URL it was.
        Err(e) => {
            tracing::error!("cannot serialise a result line: {e}");
            Some(minimal(line.index))
        }
    }
}

fn clip_strings(line: &mut CheckLine, cap: usize) {
    line.url = clip(&line.url, cap);
    for s in [
        &mut line.final_url,
        &mut line.reason,
        &mut line.http_version,
    ]
    .into_iter()
    .flatten()
    {
        *s = clip(s, cap);
    }
    for r in &mut line.redirects {
        r.url = clip(&r.url, cap);
    }
    if let Some(tls) = &mut line.tls {
        tls.issuer = clip(&tls.issuer, cap);
        tls.not_after = clip(&tls.not_after, cap);
    }
    if let Some(e) = &mut line.error {
        e.message = clip(&e.message, cap);
    }
    if let Some(content) = &mut line.content {
        match &mut content.check {
            BodyCheck::Failed { rule: s } | BodyCheck::Unreadable { reason: s } => {
                *s = clip(s, cap);
            }
            BodyCheck::Passed => {}
        }
    }
}

/// The line for a check that failed inside the proxy (a bug, logged).
pub fn internal_error(index: usize) -> CheckLine {
    CheckLine {
        error: Some(LineError {
            kind: ErrorKind::Other,
            message: "internal error".to_owned(),
        }),
        ..CheckLine::new(index, String::new(), ErrorKind::Other.outcome())
    }
}

fn minimal(index: usize) -> Bytes {
    Bytes::from(format!(
        "{{\"index\":{index},\"url\":\"\",\"outcome\":\"unreachable\",\"timings_ms\":{{\"total\":0}},\"error\":{{\"kind\":\"other\",\"message\":\"internal error: the result could not be sent\"}}}}\n"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use upcheck_core::wire::Timings;
    use upcheck_core::Outcome;

    #[test]
    fn the_last_resort_line_is_still_a_line_every_reader_takes() {
        let text = minimal(7);
        let line: CheckLine = serde_json::from_slice(text.trim_ascii_end()).unwrap();
        assert_eq!((line.index, line.outcome), (7, Outcome::Unreachable));
        assert_eq!(line.error.unwrap().kind, ErrorKind::Other);
    }

    fn line() -> CheckLine {
        CheckLine {
            index: 3,
            url: "https://a.example/".into(),
            outcome: Outcome::Down,
            status: Some(302),
            reason: Some("Found".into()),
            final_url: Some("https://a.example/".into()),
            redirects: Vec::new(),
            timings_ms: Timings::default(),
            ip: None,
            http_version: Some("HTTP/1.1".into()),
            tls: None,
            error: Some(LineError {
                kind: ErrorKind::TooManyRedirects,
                message: "more than 20 redirects".into(),
            }),
            ..CheckLine::new(3, String::new(), Outcome::Down)
        }
    }

    #[test]
    fn the_chain_keeps_every_hop_but_not_every_byte() {
        let mut chain = Vec::new();
        let long = format!("https://a.example/{}", "é".repeat(4000));
        for _ in 0..20 {
            push_redirect(&mut chain, &long, 302);
        }
        assert_eq!(chain.len(), 20);
        let kept: usize = chain.iter().map(|r| r.url.len()).sum();
        assert!(kept <= MAX_CHAIN_BYTES + 20 * TRUNCATED.len(), "{kept}");
        assert!(chain[19].url.ends_with(TRUNCATED));
        assert_eq!(chain[0].url, long);
    }

    #[test]
    fn a_line_never_exceeds_the_limit_and_says_it_was_cut() {
        let mut big = line();
        big.url = format!("https://a.example/{}", "x".repeat(200_000));
        big.redirects = (0..25)
            .map(|_| Redirect {
                url: "y".repeat(8000),
                status: 301,
            })
            .collect();
        let json = encode(&big);
        assert!(json.len() <= MAX_LINE_BYTES, "{}", json.len());
        let back: CheckLine = serde_json::from_slice(&json).unwrap();
        assert_eq!((back.index, back.redirects.len()), (3, 25));
        assert!(back.url.ends_with(TRUNCATED), "{}", back.url);
        assert_eq!(back.error, big.error);
    }

    #[test]
    fn a_small_line_is_sent_as_it_is() {
        let json = encode(&line());
        assert_eq!(json.last(), Some(&b'\n'));
        let back: CheckLine = serde_json::from_slice(&json).unwrap();
        assert_eq!(back, line());
    }
}
