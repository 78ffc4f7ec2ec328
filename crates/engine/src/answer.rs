//! What a final response says beyond its status, for core's verdict
//! ([`upcheck_core::Answer`]): its `Retry-After`, whether a bot wall sent it
//! ([`wall::detect`], from its headers and, behind a wall's `server`, the
//! start of its page), and how the site's body assertions went
//! ([`BodyCheck::run`] over a bounded, decoded prefix, [`super::body`]).
//!
//! The body is read at most once per response, and only when needed: the
//! site has assertions and the status is accepted (else the verdict is
//! already `down` or `limited`), or the answer may be a wall whose page must
//! be seen. A wall its headers already name needs no page.

use hyper::body::Incoming;
use hyper::header::{CONTENT_ENCODING, RETRY_AFTER, SERVER};
use hyper::HeaderMap;
use std::time::{SystemTime, UNIX_EPOCH};

use super::{body, Deadline, Failure, Params};
use upcheck_core::wall::{self, Vendor};
use upcheck_core::wire::ContentReport;
use upcheck_core::{retry, BodyCheck};

/// What was learnt from a final response besides its head.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Learnt {
    /// Its `Retry-After`, in milliseconds.
    pub retry_after_ms: Option<u64>,
    /// The bot wall that answered.
    pub wall: Option<Vendor>,
    /// The body assertions' report, when they ran (or could not).
    pub content: Option<ContentReport>,
}

/// Learns what `status`, `headers` and (if needed) `body` say under
/// `params`, reading the body (within its share of `memory`) before
/// `deadline`. `Err` only when the
/// deadline passed while reading.
pub async fn learn(
    status: u16,
    headers: &HeaderMap,
    body: Incoming,
    params: &Params,
    memory: &body::BodyMemory,
    deadline: &Deadline,
) -> Result<Learnt, Failure> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let retry_after_ms =
        header(RETRY_AFTER.as_str()).and_then(|v| retry::retry_after_ms(&v, now_unix_ms()));
    let by_headers = wall::detect(status, &header, None);
    if by_headers.is_some() {
        return Ok(Learnt {
            retry_after_ms,
            wall: by_headers,
            content: None,
        });
    }
    let expect = &params.expect;
    let rules_cap = if !expect.body.is_empty() && expect.accept.accepts(status) {
        expect.within_bytes
    } else {
        0
    };
    let server = header(SERVER.as_str());
    let sniff_cap = if wall::worth_sniffing(status, server.as_deref()) {
        wall::BODY_SNIFF_BYTES
    } else {
        0
    };
    let cap = rules_cap.max(sniff_cap);
    if cap == 0 {
        return Ok(Learnt {
            retry_after_ms,
            ..Learnt::default()
        });
    }
    let read =
        body::read_prefix(body, headers.get(CONTENT_ENCODING), cap, memory, deadline).await?;
    let wall = if sniff_cap > 0 {
        let page = read.as_ref().ok().map(|p| text(&p.bytes, sniff_cap));
        wall::detect(status, &header, page.as_deref())
    } else {
        None
    };
    let content = (rules_cap > 0).then(|| match &read {
        Ok(prefix) => {
            let used = prefix.bytes.len().min(rules_cap);
            let matcher = |pattern: &str, t: &str| params.patterns.is_match(pattern, t);
            ContentReport {
                read_bytes: used as u64,
                complete: prefix.complete && prefix.bytes.len() <= rules_cap,
                check: BodyCheck::run(&expect.body, &text(&prefix.bytes, rules_cap), &matcher),
            }
        }
        Err(reason) => ContentReport {
            read_bytes: 0,
            complete: false,
            check: BodyCheck::Unreadable {
                reason: format!("the body could not be read: {reason}"),
            },
        },
    });
    Ok(Learnt {
        retry_after_ms,
        wall,
        content,
    })
}

/// The first `max` bytes as text; invalid UTF-8 (and a character cut at the
/// end) becomes U+FFFD.
fn text(bytes: &[u8], max: usize) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(max)]).into_owned()
}

fn now_unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, super::deadline::ms)
}
