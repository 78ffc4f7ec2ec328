//! The proxy's wire format (docs/API.md, API v1): what the page sends
//! to `POST /api/check`, the NDJSON line it reads back per URL, and the
//! `GET /api/health` body. Serde only, so the page (wasm) and the proxy share it.
//!
//! Timings: `dns`, `connect`, `tls` and `ttfb` are the durations of those phases
//! of the *final* hop (`ttfb` = from the request being written to the response
//! head arriving), so they can be drawn as a stacked bar; `total` is the whole
//! check, every redirect hop included. A phase that did not happen is `null`
//! (no DNS for an IP literal, no TLS for `http://`).

use serde::{Deserialize, Serialize};
use std::net::IpAddr;

use crate::defaults;
pub use crate::headers::SecurityHeaders;
use crate::options::{Defaults, SiteOptions};
use crate::result::BodyCheck;
use crate::wall::Vendor;
use crate::{Outcome, StatusRule};

/// The API version this build speaks. v2 added the outcomes `slow`,
/// `limited` and `challenged`; a request without `version` is v1 and gets
/// v1's ten outcome words ([`Outcome::in_v1`]).
pub const API_VERSION: u8 = 2;

/// Body of `POST /api/check`. Only `urls` is required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckRequest {
    /// The sites to check, as typed (normalised like the page's list
    /// parser): each a string, or an object with `url` and per-site options
    /// ([`Target`]).
    pub urls: Vec<Target>,
    /// Deadline for each check, in milliseconds; it runs only while the check
    /// holds its slots, so time spent waiting for one is never counted.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u32,
    /// `GET` or `HEAD`; a `HEAD` rejected with 405/501 is retried as `GET`.
    #[serde(default = "default_method")]
    pub method: Method,
    /// Redirects to follow before giving up with `too_many_redirects`.
    #[serde(default = "default_max_redirects")]
    pub max_redirects: u32,
    /// Which final statuses count as `up`, in the page's syntax (`200-299,401`);
    /// absent means the default 200-399. The proxy decides each line's outcome
    /// with it, so the line it writes is final.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept: Option<String>,
    /// The list-wide slow threshold: an accepted answer slower than this is
    /// `slow`. Absent: no threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow_ms: Option<u32>,
    /// The list-wide number of retries (0–5) after a failure, a 5xx or a 429.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub retries: u8,
    /// The API version the client reads (1 when absent): which outcome
    /// words its lines may carry.
    #[serde(default = "v1")]
    pub version: u8,
}

fn v1() -> u8 {
    1
}

fn is_zero(n: &u8) -> bool {
    *n == 0
}

impl CheckRequest {
    /// A request for `urls` with every default.
    pub fn new(urls: Vec<String>) -> Self {
        CheckRequest {
            urls: urls.into_iter().map(Target::from).collect(),
            timeout_ms: defaults::TIMEOUT_MS,
            method: Method::default(),
            max_redirects: defaults::MAX_REDIRECTS,
            accept: None,
            slow_ms: None,
            retries: 0,
            version: API_VERSION,
        }
    }

    /// The list-wide defaults this request sets, given its rule already read.
    pub fn defaults(&self, accept: StatusRule) -> Defaults {
        Defaults {
            accept,
            slow_ms: self.slow_ms,
            timeout_ms: self.timeout_ms,
            retries: self.retries,
        }
    }
}

/// One site in a check request: a URL, and the options its line gave.
/// On the wire a site without options is just its URL string; with options
/// it is an object, `{"url": "…", "contains": ["Add to cart"], "slow_ms": 800}`
/// (the fields of [`SiteOptions`]; an unknown field is an error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The site, as typed.
    pub url: String,
    /// What its line asked for.
    pub options: SiteOptions,
}

impl From<String> for Target {
    fn from(url: String) -> Self {
        Target {
            url,
            options: SiteOptions::default(),
        }
    }
}

impl Serialize for Target {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.options.is_empty() {
            return s.serialize_str(&self.url);
        }
        #[derive(Serialize)]
        struct WithOptions<'a> {
            url: &'a str,
            #[serde(flatten)]
            options: &'a SiteOptions,
        }
        WithOptions {
            url: &self.url,
            options: &self.options,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Target {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(url) => Ok(Target::from(url)),
            serde_json::Value::Object(mut fields) => {
                let url = match fields.remove("url") {
                    Some(serde_json::Value::String(url)) => url,
                    Some(_) => return Err(D::Error::custom("a site's `url` must be a string")),
                    None => return Err(D::Error::custom("a site object needs a `url` field")),
                };
                let options = SiteOptions::deserialize(serde_json::Value::Object(fields))
                    .map_err(D::Error::custom)?;
                Ok(Target { url, options })
            }
            _ => Err(D::Error::custom(
                "each entry of `urls` is a URL string or an object with `url`",
            )),
        }
    }
}

fn default_timeout_ms() -> u32 {
    defaults::TIMEOUT_MS
}
fn default_method() -> Method {
    Method::default()
}
fn default_max_redirects() -> u32 {
    defaults::MAX_REDIRECTS
}

/// The HTTP method a check uses. Lowercase spellings are accepted too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Method {
    /// `GET` (the default): the body is not read past the response head.
    #[default]
    #[serde(rename = "GET", alias = "get")]
    Get,
    /// `HEAD`: no body at all; falls back to `GET` on 405 or 501.
    #[serde(rename = "HEAD", alias = "head")]
    Head,
}

impl Method {
    /// The method's name on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
        }
    }
}

/// One NDJSON line of the `POST /api/check` response: the result for one URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckLine {
    /// Position of the URL in the request's `urls`.
    pub index: usize,
    /// The normalised URL, or the input as given when it could not be parsed.
    pub url: String,
    /// The outcome, decided under the request's `accept` rule.
    pub outcome: Outcome,
    /// Final HTTP status, when a final response was seen.
    pub status: Option<u16>,
    /// The status's canonical reason phrase, e.g. `OK`.
    pub reason: Option<String>,
    /// The URL the check ended at (after redirects).
    pub final_url: Option<String>,
    /// Every redirect followed, in order: the URL requested and the 3xx it gave.
    #[serde(default)]
    pub redirects: Vec<Redirect>,
    /// How long each phase took (see the module docs).
    pub timings_ms: Timings,
    /// The address the final hop connected to.
    pub ip: Option<IpAddr>,
    /// When the final hop's name had both IPv4 and IPv6 addresses: whether
    /// each family connected (the check used whichever connected first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub families: Vec<FamilyCheck>,
    /// `HTTP/1.1`, `HTTP/2`, … of the final response.
    pub http_version: Option<String>,
    /// The final hop's TLS session and certificate, for `https://`; also
    /// when the certificate failed verification (then `error` says why).
    pub tls: Option<TlsInfo>,
    /// The security headers of the final response and their grade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_headers: Option<SecurityHeaders>,
    /// Why the check did not end `up`, when there is a reason to give.
    pub error: Option<LineError>,
    /// Tries made (more than 1 only when retries were asked for and needed).
    #[serde(default = "one")]
    pub tries: u32,
    /// Tries allowed: 1 + the site's retries.
    #[serde(default = "one")]
    pub max_tries: u32,
    /// How long the deciding try took, every redirect hop included (the
    /// slow threshold judges this); `timings_ms.total` is the whole check,
    /// earlier tries and the waits between them included.
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// The slow threshold the check was judged by, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow_ms: Option<u32>,
    /// The final response's `Retry-After`, in milliseconds, when it sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
    /// The bot-protection service that answered instead of the site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_wall: Option<Vendor>,
    /// How the body assertions went, when the site had any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<ContentReport>,
}

fn one() -> u32 {
    1
}

/// What reading the body for assertions found: never the body itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentReport {
    /// Decoded bytes read (at most the site's `within`).
    pub read_bytes: u64,
    /// True when the whole body fit in what was read.
    pub complete: bool,
    /// `passed`, `failed` (with the rule) or `unreadable` (with why).
    #[serde(flatten)]
    pub check: BodyCheck,
}

impl CheckLine {
    /// A line for `url` with `outcome` and nothing learnt yet: every other
    /// field empty or `null`.
    pub fn new(index: usize, url: String, outcome: Outcome) -> Self {
        CheckLine {
            index,
            url,
            outcome,
            status: None,
            reason: None,
            final_url: None,
            redirects: Vec::new(),
            timings_ms: Timings::default(),
            ip: None,
            families: Vec::new(),
            http_version: None,
            tls: None,
            security_headers: None,
            error: None,
            tries: 1,
            max_tries: 1,
            latency_ms: None,
            slow_ms: None,
            retry_after_ms: None,
            bot_wall: None,
            content: None,
        }
    }
}

impl CheckLine {
    /// The address family that failed to connect while the other one
    /// carried the check (the row's "IPv6 unreachable").
    pub fn broken_family(&self) -> Option<&FamilyCheck> {
        let carried = self.families.iter().any(|f| f.connected);
        self.families.iter().find(|f| carried && !f.connected)
    }

    /// How the final hop's addresses answered, for a sortable column:
    /// `IPv4`, `IPv6`, `IPv4+IPv6`, or e.g. `IPv4 (IPv6 failed)`.
    pub fn ip_family(&self) -> Option<String> {
        if let Some(broken) = self.broken_family() {
            let working = self.families.iter().find(|f| f.connected)?;
            return Some(format!(
                "{} ({} failed)",
                working.family.label(),
                broken.family.label()
            ));
        }
        if self.families.len() > 1 {
            return Some("IPv4+IPv6".to_owned());
        }
        self.ip.map(|ip| IpFamily::of(ip).label().to_owned())
    }
}

/// One followed redirect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redirect {
    /// The URL that answered with a redirect.
    pub url: String,
    /// Its 3xx status.
    pub status: u16,
}

/// Phase durations in whole milliseconds; `null` for a phase that did not happen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timings {
    /// Name lookup of the final hop (`null` for an IP literal).
    pub dns: Option<u64>,
    /// TCP connect of the final hop.
    pub connect: Option<u64>,
    /// TLS handshake of the final hop (`null` for `http://`).
    pub tls: Option<u64>,
    /// Request written → response head read, final hop.
    pub ttfb: Option<u64>,
    /// The whole check, all hops.
    pub total: u64,
}

/// What the final hop's TLS session and leaf certificate say.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsInfo {
    /// Expiry, RFC 3339 in UTC, e.g. `2027-01-15T23:59:59Z`.
    pub not_after: String,
    /// Whole days until expiry (negative once expired).
    pub days_left: i64,
    /// The issuer's distinguished name, e.g. `C=US, O=Let's Encrypt, CN=R3`.
    pub issuer: String,
    /// `TLS 1.3` or `TLS 1.2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The negotiated cipher suite, e.g. `TLS13_AES_128_GCM_SHA256`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cipher: Option<String>,
    /// Certificates the server sent, leaf included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_len: Option<u32>,
    /// The names the leaf is valid for (its subject alternative names, at
    /// most 20).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    /// Whether the leaf is valid for the host that was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_matches: Option<bool>,
    /// Whether the chain verified against the trusted roots (`false` comes
    /// with an `error` of kind `tls` saying exactly why).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
}

/// An IP address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum IpFamily {
    /// IPv4 (`A` records).
    #[serde(rename = "ipv4")]
    V4,
    /// IPv6 (`AAAA` records).
    #[serde(rename = "ipv6")]
    V6,
}

impl IpFamily {
    /// The family of `ip`.
    pub fn of(ip: IpAddr) -> Self {
        match ip.to_canonical() {
            IpAddr::V4(_) => IpFamily::V4,
            IpAddr::V6(_) => IpFamily::V6,
        }
    }

    /// `IPv4` or `IPv6`, for people.
    pub const fn label(self) -> &'static str {
        match self {
            IpFamily::V4 => "IPv4",
            IpFamily::V6 => "IPv6",
        }
    }
}

/// Whether one address family of a name connected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyCheck {
    /// `ipv4` or `ipv6`.
    pub family: IpFamily,
    /// The address that connected, or the last one tried.
    pub ip: IpAddr,
    /// Whether a TCP connection was made.
    pub connected: bool,
    /// How long connecting took, when it succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_ms: Option<u64>,
    /// Why it did not connect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Why a check did not end `up`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineError {
    /// Machine-readable kind.
    pub kind: ErrorKind,
    /// A sentence for people.
    pub message: String,
}

/// The `error.kind` vocabulary. Unknown kinds from a newer proxy read as `Other`.
/// Each kind's outcome is [`ErrorKind::outcome`] (in `result.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// The name did not resolve (`unreachable`).
    Dns,
    /// The connection was refused (`unreachable`).
    Refused,
    /// The connection was reset or closed before a response (`unreachable`).
    Reset,
    /// Any other failure to connect, e.g. network unreachable (`unreachable`).
    Connect,
    /// The TLS handshake failed; the message says why (`unreachable`).
    Tls,
    /// The server answered with something that is not HTTP (`unreachable`).
    Http,
    /// A phase missed its deadline; the message names the phase (`timeout`).
    Timeout,
    /// The target resolves to a non-public address (`blocked`).
    PrivateAddress,
    /// The target is the proxy itself (`blocked`).
    ProxyItself,
    /// The port is on the fetch standard's bad-port list (25, 6000, …; see
    /// `policy::BAD_PORTS`), on the first URL or on a redirect hop: such ports
    /// speak other protocols, so no connection is made (`blocked`).
    BadPort,
    /// The proxy was too busy: the check waited its bounded time for a free
    /// slot (per host, per address or overall) and gave up before asking the
    /// site. Says nothing about the site, so the outcome is `cancelled`, never
    /// `timeout` (a site's deadline only runs while its check holds its slots);
    /// trying again later may succeed.
    Busy,
    /// The input is not a checkable http(s) URL (`invalid`).
    BadUrl,
    /// More redirects than allowed (`down`: responses were seen).
    TooManyRedirects,
    /// A redirect back to a URL already visited (`down`).
    RedirectLoop,
    /// A redirect that cannot be followed: its `Location` is malformed or not
    /// http(s) (`down`).
    BadRedirect,
    /// A body assertion did not hold; the message names it (`down`).
    ContentMismatch,
    /// The site answered 429, or 503 with `Retry-After` (`limited`).
    RateLimited,
    /// A bot-protection service answered instead of the site (`challenged`).
    BotWall,
    /// A kind this build does not know yet.
    #[serde(other)]
    Other,
}

impl ErrorKind {
    /// The kind's name on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Dns => "dns",
            ErrorKind::Refused => "refused",
            ErrorKind::Reset => "reset",
            ErrorKind::Connect => "connect",
            ErrorKind::Tls => "tls",
            ErrorKind::Http => "http",
            ErrorKind::Timeout => "timeout",
            ErrorKind::PrivateAddress => "private_address",
            ErrorKind::ProxyItself => "proxy_itself",
            ErrorKind::BadPort => "bad_port",
            ErrorKind::Busy => "busy",
            ErrorKind::BadUrl => "bad_url",
            ErrorKind::TooManyRedirects => "too_many_redirects",
            ErrorKind::RedirectLoop => "redirect_loop",
            ErrorKind::BadRedirect => "bad_redirect",
            ErrorKind::ContentMismatch => "content_mismatch",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::BotWall => "bot_wall",
            ErrorKind::Other => "other",
        }
    }
}

/// Body of `GET /api/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// Always `upcheck-proxy`, so the page can tell it found one.
    pub name: String,
    /// The proxy's version.
    pub version: String,
    /// The newest API version it speaks (1 when absent: an older proxy).
    #[serde(default = "v1")]
    pub api_version: u8,
    /// The operator's name for this proxy as a vantage point (`home`,
    /// `fra-1`), from `--label`; absent when none was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The limits in force.
    pub limits: Limits,
}

/// The limits a proxy enforces, as reported by `GET /api/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Most URLs in one check request.
    pub max_urls: usize,
    /// Largest check request body, in bytes.
    pub max_body_bytes: usize,
    /// Checks in flight at once within one batch.
    pub concurrency: usize,
    /// Checks in flight at once to one `host:port`, and to one resolved
    /// address and port (many names for one address share it).
    pub per_host: usize,
    /// Checks in flight at once across all batches.
    pub global_concurrency: usize,
    /// Check requests per minute per client; `null` when not rate limited.
    pub rate_per_minute: Option<u32>,
    /// Check requests a client may send in a burst.
    pub rate_burst: u32,
    /// Largest `max_redirects` accepted.
    pub max_redirects: u32,
    /// Smallest `timeout_ms` accepted.
    pub min_timeout_ms: u32,
    /// Largest `timeout_ms` accepted.
    pub max_timeout_ms: u32,
    /// True when loopback targets are allowed (a test switch; never in production).
    pub insecure_allow_loopback: bool,
    /// Batches one client may have streaming at once (`0`: not reported by
    /// an older proxy).
    #[serde(default)]
    pub max_batches_per_client: usize,
    /// Checks one client may have in flight at once, over all its batches.
    #[serde(default)]
    pub max_checks_per_client: usize,
    /// True when the proxy decides each line with the request's `accept`
    /// rule; an older proxy (false) judges by 200-399 whatever was sent.
    #[serde(default)]
    pub honours_accept: bool,
    /// True when the proxy takes per-site options (objects in `urls`),
    /// `slow_ms` and `retries`; an older proxy (false) would refuse them.
    #[serde(default)]
    pub site_options: bool,
}

impl Limits {
    /// Most checks of one client's batch in flight at once: the batch's own
    /// limit under the per-client and proxy-wide ones (an older proxy that
    /// did not report a per-client limit says 0: not counted).
    pub fn batch_in_flight(&self) -> usize {
        let per_client = match self.max_checks_per_client {
            0 => usize::MAX,
            n => n,
        };
        self.concurrency
            .min(per_client)
            .min(self.global_concurrency)
            .max(1)
    }
}

/// Body of every non-200 answer from the proxy's API (400, 403, 413, 415, 429…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// What went wrong with a request to the proxy's API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Machine-readable kind, e.g. `too_many_urls`, `rate_limited`.
    pub kind: String,
    /// A sentence for people.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_urls_is_required() {
        let req: CheckRequest = serde_json::from_str(r#"{"urls":["a.com"]}"#).unwrap();
        assert_eq!(req.version, 1, "a request that does not say is v1");
        assert_eq!(
            req,
            CheckRequest {
                version: 1,
                ..CheckRequest::new(vec!["a.com".into()])
            }
        );
        assert_eq!(CheckRequest::new(vec![]).version, API_VERSION);
        let req: CheckRequest =
            serde_json::from_str(r#"{"urls":[],"method":"head","max_redirects":0}"#).unwrap();
        assert_eq!((req.method, req.max_redirects), (Method::Head, 0));
        assert!(serde_json::from_str::<CheckRequest>(r#"{"timeout_ms":5}"#).is_err());
        assert!(serde_json::from_str::<CheckRequest>(r#"{"urls":[],"method":"PUT"}"#).is_err());
        // A request without a rule is written without the field, as before.
        let json = serde_json::to_value(CheckRequest::new(vec![])).unwrap();
        assert!(json.get("accept").is_none());
    }

    #[test]
    fn a_line_has_every_contract_field() {
        let line = CheckLine {
            error: Some(LineError {
                kind: ErrorKind::Dns,
                message: "no such host".into(),
            }),
            ..CheckLine::new(0, "https://example.com/".into(), Outcome::Unreachable)
        };
        let json = serde_json::to_value(&line).unwrap();
        for key in [
            "index",
            "url",
            "outcome",
            "status",
            "reason",
            "final_url",
            "redirects",
            "timings_ms",
            "ip",
            "http_version",
            "tls",
            "error",
            "tries",
            "max_tries",
            "latency_ms",
        ] {
            assert!(json.get(key).is_some(), "{key}");
        }
        assert_eq!(json["error"]["kind"], "dns");
        assert_eq!(json["timings_ms"]["dns"], serde_json::Value::Null);
        let back: CheckLine = serde_json::from_value(json).unwrap();
        assert_eq!(back, line);
    }

    #[test]
    fn sites_are_strings_or_objects_with_options() {
        let req: CheckRequest = serde_json::from_str(
            r#"{"urls":["a.test",{"url":"b.test","contains":["Add to cart"],"slow_ms":800}],
                "slow_ms":2000,"retries":1}"#,
        )
        .unwrap();
        assert_eq!(req.urls[0], Target::from("a.test".to_owned()));
        assert_eq!(req.urls[1].options.contains, ["Add to cart"]);
        assert_eq!(req.urls[1].options.slow_ms, Some(800));
        assert_eq!((req.slow_ms, req.retries), (Some(2000), 1));
        // And back: a site without options is a plain string again.
        let json = serde_json::to_value(&req).unwrap();
        assert_eq!(json["urls"][0], "a.test");
        assert_eq!(json["urls"][1]["url"], "b.test");
        for (bad, says) in [
            (r#"{"urls":[{"url":"a","slw_ms":1}]}"#, "slw_ms"),
            (r#"{"urls":[{"contains":["x"]}]}"#, "`url`"),
            (r#"{"urls":[7]}"#, "URL string"),
            (r#"{"urls":[{"url":"a","status":"2xx"}]}"#, "2xx"),
        ] {
            let e = serde_json::from_str::<CheckRequest>(bad).unwrap_err();
            assert!(e.to_string().contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn an_older_line_reads_with_one_try() {
        let json = r#"{"index":0,"url":"u","outcome":"up","status":200,"reason":"OK",
            "final_url":null,"timings_ms":{"dns":null,"connect":null,"tls":null,"ttfb":null,"total":5},
            "ip":null,"http_version":null,"tls":null,"error":null}"#;
        let line: CheckLine = serde_json::from_str(json).unwrap();
        assert_eq!((line.tries, line.max_tries, line.latency_ms), (1, 1, None));
        let report = ContentReport {
            read_bytes: 10,
            complete: true,
            check: BodyCheck::Failed {
                rule: "contains=x".into(),
            },
        };
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["result"], "failed");
        assert_eq!(json["rule"], "contains=x");
    }

    #[test]
    fn unknown_error_kinds_read_as_other() {
        let e: LineError = serde_json::from_str(r#"{"kind":"quantum","message":"?"}"#).unwrap();
        assert_eq!(e.kind, ErrorKind::Other);
        let k: ErrorKind = serde_json::from_str(r#""private_address""#).unwrap();
        assert_eq!(k.as_str(), "private_address");
    }
}
