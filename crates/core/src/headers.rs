//! The headers that protect a site's visitors, read from its final response
//! and summarised as a grade (docs/API.md, "Security headers", says the
//! rule behind every point). Pure: the proxy hands in the header values, the
//! page and the exports read the result.
//!
//! Points, out of 100:
//!
//! | header | points |
//! |---|---|
//! | `Strict-Transport-Security` with `max-age` ≥ 1 year (≥ 180 days: 25, > 0: 10) — over `https://` only | 30 |
//! | `Content-Security-Policy` (enforced, not `-Report-Only`) | 25 |
//! | frame protection: `X-Frame-Options: DENY`/`SAMEORIGIN` or CSP `frame-ancestors` | 15 |
//! | `X-Content-Type-Options: nosniff` | 15 |
//! | `Referrer-Policy` other than `unsafe-url` and `no-referrer-when-downgrade` | 15 |
//!
//! Grade: `A+` for 100 with HSTS `includeSubDomains` and `preload`; `A` ≥ 90,
//! `B` ≥ 75, `C` ≥ 60, `D` ≥ 40, else `F`. Browsers ignore HSTS sent over
//! plain HTTP (RFC 6797 §8.1), so an `http://` answer cannot earn its points.

use serde::{Deserialize, Serialize};

/// One year, in seconds: what HSTS preload lists ask for.
pub const HSTS_YEAR: u64 = 31_536_000;
/// 180 days, in seconds: the common minimum for a meaningful HSTS policy.
pub const HSTS_HALF_YEAR: u64 = 15_552_000;

/// A parsed `Strict-Transport-Security` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hsts {
    /// `max-age`, seconds.
    pub max_age: u64,
    /// `includeSubDomains` was given.
    pub include_subdomains: bool,
    /// `preload` was given.
    pub preload: bool,
}

/// What stops the page being framed by another site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FrameProtection {
    /// `X-Frame-Options: DENY`.
    Deny,
    /// `X-Frame-Options: SAMEORIGIN`.
    Sameorigin,
    /// A `frame-ancestors` directive in the enforced CSP.
    FrameAncestors,
}

/// The security headers of one response and their grade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityHeaders {
    /// HSTS as sent (`null` when absent or without a valid `max-age`).
    pub hsts: Option<Hsts>,
    /// An enforced `Content-Security-Policy` was sent.
    pub csp: bool,
    /// How framing is restricted, if it is.
    pub frame: Option<FrameProtection>,
    /// `X-Content-Type-Options: nosniff` was sent.
    pub nosniff: bool,
    /// `Referrer-Policy` as sent (lower case), if it was.
    pub referrer_policy: Option<String>,
    /// Points out of 100 (see the module docs).
    pub score: u8,
    /// `A+`, `A`, `B`, `C`, `D` or `F`.
    pub grade: String,
}

impl SecurityHeaders {
    /// Reads the headers of a response. `header(name)` gives every value of
    /// a lower-case header name, in order; `https` is whether the response
    /// came over TLS (HSTS counts only then).
    pub fn assess<'a>(https: bool, header: impl Fn(&str) -> Vec<&'a str>) -> SecurityHeaders {
        // RFC 6797 §8.1: only the first STS header is processed.
        let hsts = header("strict-transport-security")
            .first()
            .and_then(|v| parse_hsts(v));
        let csp_values = header("content-security-policy");
        let csp = csp_values.iter().any(|v| !v.trim().is_empty());
        let frame_ancestors = csp_values.iter().any(|v| {
            v.split(';').any(|d| {
                d.split_whitespace()
                    .next()
                    .is_some_and(|n| n.eq_ignore_ascii_case("frame-ancestors"))
            })
        });
        let frame = match header("x-frame-options").first().map(|v| v.trim()) {
            Some(v) if v.eq_ignore_ascii_case("deny") => Some(FrameProtection::Deny),
            Some(v) if v.eq_ignore_ascii_case("sameorigin") => Some(FrameProtection::Sameorigin),
            _ if frame_ancestors => Some(FrameProtection::FrameAncestors),
            _ => None,
        };
        let nosniff = header("x-content-type-options")
            .first()
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("nosniff"));
        // Several comma-separated policies: the last one the browser knows wins.
        let referrer_policy = header("referrer-policy")
            .last()
            .and_then(|v| v.rsplit(',').map(str::trim).find(|p| !p.is_empty()))
            .map(str::to_ascii_lowercase);
        let mut s = SecurityHeaders {
            hsts,
            csp,
            frame,
            nosniff,
            referrer_policy,
            score: 0,
            grade: String::new(),
        };
        s.score = s.points(https);
        s.grade = s.grade_for(https).to_owned();
        s
    }

    fn points(&self, https: bool) -> u8 {
        let hsts = match self.hsts {
            Some(h) if https && h.max_age >= HSTS_YEAR => 30,
            Some(h) if https && h.max_age >= HSTS_HALF_YEAR => 25,
            Some(h) if https && h.max_age > 0 => 10,
            _ => 0,
        };
        let referrer = match self.referrer_policy.as_deref() {
            Some("unsafe-url" | "no-referrer-when-downgrade") | None => 0,
            Some(_) => 15,
        };
        hsts + if self.csp { 25 } else { 0 }
            + if self.frame.is_some() { 15 } else { 0 }
            + if self.nosniff { 15 } else { 0 }
            + referrer
    }

    fn grade_for(&self, https: bool) -> &'static str {
        let preloadable = self
            .hsts
            .is_some_and(|h| h.include_subdomains && h.preload && h.max_age >= HSTS_YEAR);
        match self.score {
            100 if https && preloadable => "A+",
            90.. => "A",
            75.. => "B",
            60.. => "C",
            40.. => "D",
            _ => "F",
        }
    }

    /// What is missing, for people: `no CSP`, `HSTS max-age under 180 days`, …
    pub fn missing(&self, https: bool) -> Vec<&'static str> {
        let mut out = Vec::new();
        match self.hsts {
            _ if !https => out.push("not HTTPS, so no HSTS"),
            None => out.push("no HSTS"),
            Some(h) if h.max_age == 0 => out.push("HSTS max-age=0"),
            Some(h) if h.max_age < HSTS_HALF_YEAR => out.push("HSTS max-age under 180 days"),
            Some(_) => {}
        }
        if !self.csp {
            out.push("no CSP");
        }
        if self.frame.is_none() {
            out.push("no frame protection");
        }
        if !self.nosniff {
            out.push("no nosniff");
        }
        match self.referrer_policy.as_deref() {
            None => out.push("no Referrer-Policy"),
            Some("unsafe-url" | "no-referrer-when-downgrade") => out.push("leaky Referrer-Policy"),
            Some(_) => {}
        }
        out
    }
}

/// `max-age=31536000; includeSubDomains; preload` (names case-insensitive,
/// the value maybe quoted). `None` without a valid `max-age`, or with a
/// directive given twice (RFC 6797 §6.1: such a header is invalid).
pub fn parse_hsts(value: &str) -> Option<Hsts> {
    let mut max_age = None;
    let (mut include_subdomains, mut preload) = (false, false);
    for directive in value.split(';').map(str::trim).filter(|d| !d.is_empty()) {
        let (name, arg) = match directive.split_once('=') {
            Some((n, a)) => (n.trim(), Some(a.trim().trim_matches('"'))),
            None => (directive, None),
        };
        if name.eq_ignore_ascii_case("max-age") {
            if max_age.is_some() {
                return None;
            }
            max_age = Some(arg?.parse::<u64>().ok()?);
        } else if name.eq_ignore_ascii_case("includesubdomains") {
            if include_subdomains {
                return None;
            }
            include_subdomains = true;
        } else if name.eq_ignore_ascii_case("preload") {
            preload = true;
        }
    }
    Some(Hsts {
        max_age: max_age?,
        include_subdomains,
        preload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assess(https: bool, headers: &[(&'static str, &'static str)]) -> SecurityHeaders {
        SecurityHeaders::assess(https, |name| {
            headers
                .iter()
                .filter(|(n, _)| *n == name)
                .map(|(_, v)| *v)
                .collect()
        })
    }

    const ALL: [(&str, &str); 5] = [
        (
            "strict-transport-security",
            "max-age=63072000; includeSubDomains; preload",
        ),
        ("content-security-policy", "default-src 'self'"),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "strict-origin-when-cross-origin"),
    ];

    #[test]
    fn every_header_over_https_is_a_plus_and_each_missing_one_costs_its_points() {
        let all = assess(true, &ALL);
        assert_eq!((all.score, all.grade.as_str()), (100, "A+"));
        assert!(all.missing(true).is_empty());
        // Without preload it is still 100 points, but an A.
        let mut h = ALL;
        h[0].1 = "max-age=63072000";
        assert_eq!(assess(true, &h).grade, "A");
        let without = |i: usize| {
            let h: Vec<_> = ALL
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, h)| *h)
                .collect();
            assess(true, &h)
        };
        assert_eq!((without(0).score, without(0).grade.as_str()), (70, "C"));
        assert_eq!((without(1).score, without(1).grade.as_str()), (75, "B"));
        assert_eq!((without(2).score, without(2).grade.as_str()), (85, "B"));
        assert_eq!(without(4).missing(true), vec!["no Referrer-Policy"]);
        assert_eq!(assess(true, &[]).grade, "F");
        assert_eq!(assess(true, &[]).missing(true).len(), 5);
    }

    #[test]
    fn hsts_over_plain_http_earns_nothing() {
        let s = assess(false, &ALL);
        assert_eq!((s.score, s.grade.as_str()), (70, "C"));
        assert!(s.hsts.is_some(), "still reported as sent");
        assert_eq!(s.missing(false), vec!["not HTTPS, so no HSTS"]);
    }

    #[test]
    fn hsts_parsing_follows_rfc_6797() {
        let h = parse_hsts("MAX-AGE=\"31536000\" ; includesubdomains").unwrap();
        assert_eq!(
            h,
            Hsts {
                max_age: 31_536_000,
                include_subdomains: true,
                preload: false
            }
        );
        assert_eq!(parse_hsts("includeSubDomains"), None, "max-age is required");
        assert_eq!(parse_hsts("max-age=1; max-age=2"), None, "twice is invalid");
        assert_eq!(parse_hsts("max-age=-1"), None);
        let short = assess(true, &[("strict-transport-security", "max-age=86400")]);
        assert_eq!(short.score, 10);
        assert_eq!(short.missing(true)[0], "HSTS max-age under 180 days");
    }

    #[test]
    fn frame_ancestors_counts_as_frame_protection_and_leaky_referrers_do_not_count() {
        let s = assess(
            true,
            &[
                (
                    "content-security-policy",
                    "default-src 'self'; frame-ancestors 'none'",
                ),
                ("referrer-policy", "no-referrer, unsafe-url"),
            ],
        );
        assert_eq!(s.frame, Some(FrameProtection::FrameAncestors));
        assert_eq!(s.referrer_policy.as_deref(), Some("unsafe-url"));
        assert_eq!(s.score, 40);
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["frame"], "frame-ancestors");
        assert_eq!(json["grade"], "D");
    }
}
