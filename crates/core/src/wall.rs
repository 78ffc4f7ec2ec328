//! Bot walls: a bot-protection service answering in the site's place with a
//! challenge ("checking your browser…") instead of the page. Such an answer
//! says the service is up and the site is probably up for people, but not
//! that the page works. Recognised only by what the services document or
//! reliably send — a marker header, or their challenge page's own markers
//! together with their `server` header — never by status alone: a plain 403
//! is a site's own answer.

use serde::{Deserialize, Serialize};

/// Who put up the wall, when it is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Vendor {
    /// Cloudflare (`cf-mitigated: challenge`, or its "Just a moment…" page).
    Cloudflare,
    /// Vercel's firewall (`x-vercel-mitigated: challenge`).
    Vercel,
    /// AWS WAF (`x-amzn-waf-action: challenge` or `captcha`).
    AwsWaf,
    /// DataDome (`x-datadome` on a 403).
    DataDome,
    /// Akamai (`server: AkamaiGHost` with its "Access Denied" page).
    Akamai,
    /// Imperva / Incapsula (`x-iinfo` with an "Incapsula incident" page).
    Imperva,
    /// Sucuri (`x-sucuri-block`).
    Sucuri,
    /// DDoS-Guard (`server: ddos-guard` on a 403).
    DdosGuard,
    /// A vendor this build does not know by name.
    #[serde(other)]
    Unknown,
}

impl Vendor {
    /// The vendor's name for people.
    pub const fn name(self) -> &'static str {
        match self {
            Vendor::Cloudflare => "Cloudflare",
            Vendor::Vercel => "Vercel",
            Vendor::AwsWaf => "AWS WAF",
            Vendor::DataDome => "DataDome",
            Vendor::Akamai => "Akamai",
            Vendor::Imperva => "Imperva",
            Vendor::Sucuri => "Sucuri",
            Vendor::DdosGuard => "DDoS-Guard",
            Vendor::Unknown => "an unknown service",
        }
    }
}

/// How many bytes of a body the page markers are looked for in; a challenge
/// page puts them in its first few KiB.
pub const BODY_SNIFF_BYTES: usize = 16 * 1024;

/// True when a response with this status and `server` header may be a wall
/// whose page must be read to tell (so a front end reads
/// [`BODY_SNIFF_BYTES`] of it).
pub fn worth_sniffing(status: u16, server: Option<&str>) -> bool {
    matches!(status, 403 | 429 | 503) && server.is_some_and(|s| sniff_vendor(s).is_some())
}

fn sniff_vendor(server: &str) -> Option<Vendor> {
    let s = server.to_ascii_lowercase();
    if s.contains("cloudflare") {
        Some(Vendor::Cloudflare)
    } else if s.contains("akamaighost") {
        Some(Vendor::Akamai)
    } else if s.contains("ddos-guard") {
        Some(Vendor::DdosGuard)
    } else {
        None
    }
}

/// Recognises a wall from the status, a header lookup (`name` in lowercase)
/// and, when it was read, the start of the body.
pub fn detect(
    status: u16,
    header: &dyn Fn(&str) -> Option<String>,
    body: Option<&str>,
) -> Option<Vendor> {
    let has = |name: &str, wanted: &[&str]| {
        header(name).is_some_and(|v| {
            let v = v.trim().to_ascii_lowercase();
            wanted.iter().any(|w| v == *w)
        })
    };
    // Headers the services set exactly when they challenge.
    if has("cf-mitigated", &["challenge"]) {
        return Some(Vendor::Cloudflare);
    }
    if has("x-vercel-mitigated", &["challenge", "deny"]) {
        return Some(Vendor::Vercel);
    }
    if has("x-amzn-waf-action", &["challenge", "captcha"]) {
        return Some(Vendor::AwsWaf);
    }
    let refused = matches!(status, 403 | 429 | 503);
    if refused && header("x-datadome").is_some() {
        return Some(Vendor::DataDome);
    }
    if refused && header("x-sucuri-block").is_some() {
        return Some(Vendor::Sucuri);
    }
    let body = body.unwrap_or("");
    if refused && header("x-iinfo").is_some() && body.contains("Incapsula incident") {
        return Some(Vendor::Imperva);
    }
    // The service's own page, behind its own `server` header.
    let vendor = sniff_vendor(&header("server").unwrap_or_default())?;
    let page = match vendor {
        Vendor::Cloudflare => {
            body.contains("<title>Just a moment...</title>")
                || body.contains("challenge-platform")
                || body.contains("cf-chl-")
        }
        Vendor::Akamai => body.contains("Access Denied") && body.contains("Reference&#32;&#35;"),
        _ => status == 403,
    };
    (refused && page).then_some(vendor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn marker_headers_name_the_vendor_at_any_status() {
        let h = headers(&[("cf-mitigated", "challenge")]);
        assert_eq!(detect(403, &h, None), Some(Vendor::Cloudflare));
        let h = headers(&[("x-amzn-waf-action", "captcha")]);
        assert_eq!(detect(202, &h, None), Some(Vendor::AwsWaf));
        let h = headers(&[("x-vercel-mitigated", "challenge")]);
        assert_eq!(detect(429, &h, None), Some(Vendor::Vercel));
        let h = headers(&[("x-datadome", "protected")]);
        assert_eq!(detect(403, &h, None), Some(Vendor::DataDome));
        assert_eq!(detect(200, &h, None), None);
    }

    #[test]
    fn challenge_pages_count_only_behind_their_server() {
        let page = "<html><head><title>Just a moment...</title></head></html>";
        let cf = headers(&[("server", "cloudflare")]);
        assert!(worth_sniffing(403, Some("cloudflare")));
        assert!(!worth_sniffing(404, Some("cloudflare")) && !worth_sniffing(403, Some("nginx")));
        assert_eq!(detect(403, &cf, Some(page)), Some(Vendor::Cloudflare));
        // The site's own 403 behind Cloudflare is the site's answer.
        assert_eq!(detect(403, &cf, Some("<h1>Forbidden</h1>")), None);
        // The same page from another server is just a page.
        let nginx = headers(&[("server", "nginx")]);
        assert_eq!(detect(403, &nginx, Some(page)), None);
        let akamai = headers(&[("server", "AkamaiGHost")]);
        let denied = "<H1>Access Denied</H1> Reference&#32;&#35;18.abc";
        assert_eq!(detect(403, &akamai, Some(denied)), Some(Vendor::Akamai));
        assert_eq!(detect(200, &akamai, Some(denied)), None);
    }

    #[test]
    fn vendor_names_read_back() {
        let v: Vendor = serde_json::from_str(r#""aws_waf""#).unwrap();
        assert_eq!(v.name(), "AWS WAF");
        let v: Vendor = serde_json::from_str(r#""newcomer""#).unwrap();
        assert_eq!(v, Vendor::Unknown);
    }
}
