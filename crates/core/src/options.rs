//! Per-site options: what a person asks of one site beyond "does it answer",
//! written after the URL in the list itself:
//!
//! ```text
//! https://shop.example  contains="Add to cart"  slow=800ms  status=200,401  retries=2
//! ```
//!
//! One syntax, read here and written back here ([`SiteOptions::to_syntax`]),
//! so the text box, share links, file imports and exports all carry it. The
//! proxy's API carries the same options as JSON fields ([`SiteOptions`] is
//! also the wire shape; see docs/API.md), and list-wide settings are the
//! defaults for every option a line does not give ([`Defaults`]).
//!
//! | option | value | meaning |
//! |---|---|---|
//! | `status=` | codes and ranges, `200-299,401` | which final statuses count as `up` |
//! | `slow=` | `800ms`, `2s`, `1.5s` (a bare number is ms) | `slow` when answered later than this |
//! | `timeout=` | same units | the deadline of each try |
//! | `retries=` | `0`–`5` | tries again after a failure, a 5xx or a 429 |
//! | `contains=` | text | the body must contain the text |
//! | `not-contains=` | text | the body must not contain it |
//! | `matches=` | regular expression | the body must match it |
//! | `not-matches=` | regular expression | the body must not match it |
//! | `within=` | `64KB` (default), up to `1MB` | how much of the (decoded) body is read |
//!
//! Values with spaces, commas or `#` are quoted: `contains="Add to cart"`
//! (`\"` and `\\` inside quotes). Body options may be repeated; every other
//! option is given at most once per line. Options on a line apply to every
//! site on that line.

use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

use crate::defaults;
use crate::StatusRule;

/// Most retries a site may ask for.
pub const MAX_RETRIES: u8 = 5;
/// How much of a body is read for assertions unless `within=` says.
pub const DEFAULT_WITHIN_KB: u32 = 64;
/// The most `within=` may ask for.
pub const MAX_WITHIN_KB: u32 = 1024;
/// Longest text or pattern in one body option.
pub const MAX_PATTERN_LEN: usize = 1000;
/// Most body options on one site.
pub const MAX_BODY_RULES: usize = 8;
/// Longest `slow=` threshold accepted (the longest deadline).
pub const MAX_SLOW_MS: u32 = defaults::MAX_TIMEOUT_MS;

/// What one site asks for; `None` and empty fields take the list's defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteOptions {
    /// Which final statuses count as `up`, e.g. `200-299,401`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusRule>,
    /// `slow` when the deciding answer took longer than this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow_ms: Option<u32>,
    /// The deadline of each try.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u32>,
    /// Tries after the first for failures, 5xx and 429.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u8>,
    /// Texts the body must contain.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contains: Vec<String>,
    /// Texts the body must not contain.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_contains: Vec<String>,
    /// Regular expressions the body must match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<String>,
    /// Regular expressions the body must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_matches: Vec<String>,
    /// How many KiB of the decoded body the assertions read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_kb: Option<u32>,
}

/// One body assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyRule {
    /// What kind of test it is.
    pub kind: BodyRuleKind,
    /// The text or the regular expression.
    pub pattern: String,
}

/// The four body assertions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BodyRuleKind {
    /// `contains=`: the text must be there.
    Contains,
    /// `not-contains=`: the text must not be there.
    NotContains,
    /// `matches=`: the regular expression must match.
    Matches,
    /// `not-matches=`: the regular expression must not match.
    NotMatches,
}

impl BodyRuleKind {
    /// The option's name in the list syntax.
    pub const fn key(self) -> &'static str {
        match self {
            BodyRuleKind::Contains => "contains",
            BodyRuleKind::NotContains => "not-contains",
            BodyRuleKind::Matches => "matches",
            BodyRuleKind::NotMatches => "not-matches",
        }
    }

    /// True for the two regular-expression options.
    pub const fn is_regex(self) -> bool {
        matches!(self, BodyRuleKind::Matches | BodyRuleKind::NotMatches)
    }

    /// True when the pattern must be found.
    pub const fn wants_found(self) -> bool {
        matches!(self, BodyRuleKind::Contains | BodyRuleKind::Matches)
    }
}

impl BodyRule {
    /// The rule as the list syntax writes it: `contains="Add to cart"`.
    pub fn to_syntax(&self) -> String {
        format!("{}={}", self.kind.key(), quote(&self.pattern))
    }
}

/// Why an option on a line cannot be used. The line becomes `invalid` with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionError {
    /// The option's name as written (or the whole token when it has none).
    pub option: String,
    /// What is wrong with it, for people.
    pub reason: String,
}

impl std::fmt::Display for OptionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "option '{}': {}", self.option, self.reason)
    }
}

impl SiteOptions {
    /// True when the line gave no option at all.
    pub fn is_empty(&self) -> bool {
        *self == SiteOptions::default()
    }

    /// Every body assertion, in a fixed order.
    pub fn body_rules(&self) -> impl Iterator<Item = BodyRule> + '_ {
        [
            (BodyRuleKind::Contains, &self.contains),
            (BodyRuleKind::NotContains, &self.not_contains),
            (BodyRuleKind::Matches, &self.matches),
            (BodyRuleKind::NotMatches, &self.not_matches),
        ]
        .into_iter()
        .flat_map(|(kind, list)| {
            list.iter().map(move |p| BodyRule {
                kind,
                pattern: p.clone(),
            })
        })
    }

    /// True when the body has to be read.
    pub fn reads_body(&self) -> bool {
        self.body_rules().next().is_some()
    }

    /// Sets one option from the list syntax (`key`, unquoted `value`).
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), OptionError> {
        let err = |reason: String| OptionError {
            option: key.to_owned(),
            reason,
        };
        let once = |taken: bool| {
            if taken {
                Err(err("given twice on one line".into()))
            } else {
                Ok(())
            }
        };
        match key {
            "status" => {
                once(self.status.is_some())?;
                self.status = Some(value.parse().map_err(|e| err(format!("{e}")))?);
            }
            "slow" => {
                once(self.slow_ms.is_some())?;
                self.slow_ms = Some(duration_ms(value, 1, MAX_SLOW_MS).map_err(err)?);
            }
            "timeout" => {
                once(self.timeout_ms.is_some())?;
                self.timeout_ms = Some(
                    duration_ms(value, defaults::MIN_TIMEOUT_MS, defaults::MAX_TIMEOUT_MS)
                        .map_err(err)?,
                );
            }
            "retries" => {
                once(self.retries.is_some())?;
                self.retries = Some(
                    value
                        .parse::<u8>()
                        .ok()
                        .filter(|n| *n <= MAX_RETRIES)
                        .ok_or_else(|| {
                            err(format!("'{value}' is not a number from 0 to {MAX_RETRIES}"))
                        })?,
                );
            }
            "within" => {
                once(self.within_kb.is_some())?;
                self.within_kb = Some(size_kb(value).map_err(err)?);
            }
            "contains" | "not-contains" | "matches" | "not-matches" => {
                if value.is_empty() {
                    return Err(err("the text is empty".into()));
                }
                if value.chars().count() > MAX_PATTERN_LEN {
                    return Err(err(format!("longer than {MAX_PATTERN_LEN} characters")));
                }
                if self.body_rules().count() >= MAX_BODY_RULES {
                    return Err(err(format!(
                        "at most {MAX_BODY_RULES} body options on one site"
                    )));
                }
                let list = match key {
                    "contains" => &mut self.contains,
                    "not-contains" => &mut self.not_contains,
                    "matches" => &mut self.matches,
                    _ => &mut self.not_matches,
                };
                list.push(value.to_owned());
            }
            _ => {
                return Err(err(
                    "unknown option (known: status, slow, timeout, retries, contains, \
                     not-contains, matches, not-matches, within)"
                        .into(),
                ))
            }
        }
        Ok(())
    }

    /// Checks what the JSON shape cannot: ranges, lengths and counts, with
    /// the same limits as the list syntax. Names the field at fault.
    pub fn validate(&self) -> Result<(), OptionError> {
        let err = |option: &str, reason: String| OptionError {
            option: option.to_owned(),
            reason,
        };
        if let Some(ms) = self.slow_ms {
            if !(1..=MAX_SLOW_MS).contains(&ms) {
                return Err(err("slow_ms", format!("must be 1 to {MAX_SLOW_MS}")));
            }
        }
        if let Some(ms) = self.timeout_ms {
            if !(defaults::MIN_TIMEOUT_MS..=defaults::MAX_TIMEOUT_MS).contains(&ms) {
                return Err(err(
                    "timeout_ms",
                    format!(
                        "must be {} to {}",
                        defaults::MIN_TIMEOUT_MS,
                        defaults::MAX_TIMEOUT_MS
                    ),
                ));
            }
        }
        if self.retries.is_some_and(|n| n > MAX_RETRIES) {
            return Err(err("retries", format!("must be 0 to {MAX_RETRIES}")));
        }
        if let Some(kb) = self.within_kb {
            if !(1..=MAX_WITHIN_KB).contains(&kb) {
                return Err(err("within_kb", format!("must be 1 to {MAX_WITHIN_KB}")));
            }
        }
        if self.body_rules().count() > MAX_BODY_RULES {
            return Err(err(
                "contains",
                format!("at most {MAX_BODY_RULES} body options on one site"),
            ));
        }
        for rule in self.body_rules() {
            if rule.pattern.is_empty() || rule.pattern.chars().count() > MAX_PATTERN_LEN {
                return Err(err(
                    rule.kind.key(),
                    format!("must be 1 to {MAX_PATTERN_LEN} characters"),
                ));
            }
        }
        Ok(())
    }

    /// The options in the list syntax, in a fixed order (empty when none):
    /// what exports write after the URL and what reads back the same.
    pub fn to_syntax(&self) -> String {
        let mut out = String::new();
        let mut put = |s: String| {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&s);
        };
        if let Some(rule) = &self.status {
            put(format!("status={rule}"));
        }
        if let Some(ms) = self.slow_ms {
            put(format!("slow={}", write_ms(ms)));
        }
        if let Some(ms) = self.timeout_ms {
            put(format!("timeout={}", write_ms(ms)));
        }
        if let Some(n) = self.retries {
            put(format!("retries={n}"));
        }
        for rule in self.body_rules() {
            put(rule.to_syntax());
        }
        if let Some(kb) = self.within_kb {
            put(format!("within={kb}KB"));
        }
        out
    }

    /// These options over the list's `defaults`: what the check will do.
    pub fn resolve(&self, defaults: &Defaults) -> Expect {
        Expect {
            accept: self.status.unwrap_or(defaults.accept),
            slow_ms: self.slow_ms.or(defaults.slow_ms),
            timeout_ms: self.timeout_ms.unwrap_or(defaults.timeout_ms),
            retries: self.retries.unwrap_or(defaults.retries),
            body: self.body_rules().collect(),
            within_bytes: self.within_kb.unwrap_or(DEFAULT_WITHIN_KB) as usize * 1024,
        }
    }
}

/// The list-wide settings every site's options fall back on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Defaults {
    /// Which final statuses count as `up`.
    pub accept: StatusRule,
    /// The slow threshold, if the list has one.
    pub slow_ms: Option<u32>,
    /// The deadline of each try.
    pub timeout_ms: u32,
    /// Retries after the first try.
    pub retries: u8,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            accept: StatusRule::default(),
            slow_ms: None,
            timeout_ms: defaults::TIMEOUT_MS,
            retries: 0,
        }
    }
}

/// What one check must do and judge by: a site's options over the list's
/// defaults. Every engine (the page's, the proxy's) checks with one of these
/// and core's verdict judges by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expect {
    /// Which final statuses count as `up`.
    pub accept: StatusRule,
    /// `slow` above this many milliseconds.
    pub slow_ms: Option<u32>,
    /// The deadline of each try.
    pub timeout_ms: u32,
    /// Tries after the first.
    pub retries: u8,
    /// Body assertions; empty when the body need not be read.
    pub body: Vec<BodyRule>,
    /// Most bytes of decoded body read for them.
    pub within_bytes: usize,
}

impl Default for Expect {
    fn default() -> Self {
        SiteOptions::default().resolve(&Defaults::default())
    }
}

impl Expect {
    /// The whole time a check may take, every try and every wait between
    /// tries included: one deadline per try.
    pub fn budget_ms(&self) -> u64 {
        u64::from(self.timeout_ms) * (u64::from(self.retries) + 1)
    }

    /// How many tries at most.
    pub fn max_tries(&self) -> u32 {
        u32::from(self.retries) + 1
    }
}

/// `800ms`, `2s`, `1.5s` or a bare `800` (milliseconds), within `min..=max`.
fn duration_ms(value: &str, min: u32, max: u32) -> Result<u32, String> {
    let v = value.trim().to_ascii_lowercase();
    let (number, places) = if let Some(n) = v.strip_suffix("ms") {
        (n, 0)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 3)
    } else {
        (v.as_str(), 0)
    };
    let ms = crate::decimal::parse_scaled(number.trim(), places)
        .ok_or_else(|| format!("'{value}' is not a duration like 800ms or 2s"))?;
    if ms < u64::from(min) || ms > u64::from(max) {
        return Err(format!(
            "{value} is out of range ({} to {})",
            write_ms(min),
            write_ms(max)
        ));
    }
    Ok(ms as u32)
}

/// `64KB`, `512KiB`, `1MB`, or a bare number of KiB; 1 KiB to 1 MiB.
fn size_kb(value: &str) -> Result<u32, String> {
    let v = value.trim().to_ascii_lowercase();
    let (number, scale) = if let Some(n) = v.strip_suffix("mib").or(v.strip_suffix("mb")) {
        (n, 1024)
    } else if let Some(n) = v.strip_suffix("kib").or(v.strip_suffix("kb")) {
        (n, 1)
    } else {
        (v.as_str(), 1)
    };
    let kb = number
        .trim()
        .parse::<u32>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| format!("'{value}' is not a size like 64KB or 1MB"))?;
    if !(1..=MAX_WITHIN_KB).contains(&kb) {
        return Err(format!("{value} is out of range (1KB to 1MB)"));
    }
    Ok(kb)
}

/// Milliseconds as the syntax writes them: `2s` when whole seconds, else `800ms`.
fn write_ms(ms: u32) -> String {
    if ms >= 1000 && ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// A value as the syntax writes it: bare when it can be, else quoted.
fn quote(value: &str) -> String {
    let plain = !value.is_empty()
        && !value
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '\\' | '#' | ',' | '\u{feff}'));
    if plain {
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        let _ = out.write_char(c);
    }
    out.push('"');
    out
}

/// True when `token` is an option (`name=…`) rather than a site: a name of
/// letters, digits and dashes, starting with a letter, then `=`. A URL's
/// query (`a.com/?x=1`) never reads as one: its name part holds `.`, `/` or `?`.
pub fn option_name(token: &str) -> Option<&str> {
    let (name, _) = token.split_once('=')?;
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    ok.then_some(name)
}

/// The canonical spelling of an option's name: lowercase, `_` read as `-`.
pub fn canonical_name(name: &str) -> String {
    name.to_ascii_lowercase().replace('_', "-")
}

/// Reads a quoted value that starts at `s[0] == '"'`: returns the value and
/// the bytes consumed, or `None` when the quote is never closed.
pub fn read_quoted(s: &str) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, i + 1)),
            '\\' => match chars.next() {
                Some((_, e)) => out.push(e),
                None => return None,
            },
            c => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[(&str, &str)]) -> Result<SiteOptions, OptionError> {
        let mut o = SiteOptions::default();
        for (k, v) in pairs {
            o.set(k, v)?;
        }
        Ok(o)
    }

    #[test]
    fn every_option_reads_and_writes_back() {
        let o = opts(&[
            ("status", "200,401"),
            ("slow", "800ms"),
            ("timeout", "5s"),
            ("retries", "2"),
            ("contains", "Add to cart"),
            ("not-contains", "Out of stock"),
            ("matches", r"Price: \d+"),
            ("not-matches", "error"),
            ("within", "128KB"),
        ])
        .unwrap();
        assert_eq!(o.slow_ms, Some(800));
        assert_eq!(o.timeout_ms, Some(5000));
        assert_eq!(o.within_kb, Some(128));
        assert_eq!(
            o.to_syntax(),
            r#"status=200,401 slow=800ms timeout=5s retries=2 contains="Add to cart" not-contains="Out of stock" matches="Price: \\d+" not-matches=error within=128KB"#
        );
        assert_eq!(o.body_rules().count(), 4);
        o.validate().unwrap();
    }

    #[test]
    fn durations_and_sizes_take_units() {
        assert_eq!(duration_ms("1.5s", 1, 10_000), Ok(1500));
        assert_eq!(duration_ms("250", 1, 10_000), Ok(250));
        assert_eq!(duration_ms("2S", 1, 10_000), Ok(2000));
        assert!(duration_ms("fast", 1, 10_000)
            .unwrap_err()
            .contains("'fast'"));
        assert!(duration_ms("-1s", 1, 10_000).is_err());
        assert!(duration_ms("20s", 1, 10_000)
            .unwrap_err()
            .contains("out of range"));
        assert_eq!(size_kb("1MB"), Ok(1024));
        assert_eq!(size_kb("64"), Ok(64));
        assert!(size_kb("2MB").is_err() && size_kb("0KB").is_err() && size_kb("x").is_err());
    }

    #[test]
    fn bad_options_name_themselves() {
        let e = opts(&[("slow", "soon")]).unwrap_err();
        assert_eq!(e.option, "slow");
        assert!(e.to_string().starts_with("option 'slow': "), "{e}");
        assert!(opts(&[("retries", "9")])
            .unwrap_err()
            .reason
            .contains("0 to 5"));
        assert!(opts(&[("colour", "red")])
            .unwrap_err()
            .reason
            .contains("unknown"));
        assert!(opts(&[("slow", "1s"), ("slow", "2s")])
            .unwrap_err()
            .reason
            .contains("twice"));
        assert!(opts(&[("status", "2xx")])
            .unwrap_err()
            .reason
            .contains("2xx"));
        assert!(opts(&[("contains", "")]).is_err());
        let nine: Vec<_> = (0..9).map(|_| ("contains", "x")).collect();
        assert!(opts(&nine).unwrap_err().reason.contains("at most 8"));
    }

    #[test]
    fn options_resolve_over_the_list_defaults() {
        let defaults = Defaults {
            accept: "200".parse().unwrap(),
            slow_ms: Some(2000),
            timeout_ms: 3000,
            retries: 1,
        };
        let e = SiteOptions::default().resolve(&defaults);
        assert_eq!((e.slow_ms, e.timeout_ms, e.retries), (Some(2000), 3000, 1));
        assert_eq!(e.within_bytes, 64 * 1024);
        assert_eq!(e.budget_ms(), 6000);
        let e = opts(&[("slow", "500ms"), ("retries", "0")])
            .unwrap()
            .resolve(&defaults);
        assert_eq!((e.slow_ms, e.retries, e.max_tries()), (Some(500), 0, 1));
    }

    #[test]
    fn the_wire_shape_is_json_fields_and_refuses_typos() {
        let o = opts(&[("status", "200,401"), ("contains", "a b")]).unwrap();
        let json = serde_json::to_string(&o).unwrap();
        assert_eq!(json, r#"{"status":"200,401","contains":["a b"]}"#);
        assert_eq!(serde_json::from_str::<SiteOptions>(&json).unwrap(), o);
        let typo = serde_json::from_str::<SiteOptions>(r#"{"slw_ms":3}"#).unwrap_err();
        assert!(typo.to_string().contains("slw_ms"), "{typo}");
        let bad = serde_json::from_str::<SiteOptions>(r#"{"retries":9}"#).unwrap();
        assert_eq!(bad.validate().unwrap_err().option, "retries");
    }

    #[test]
    fn option_tokens_are_told_from_urls() {
        assert_eq!(option_name("slow=800ms"), Some("slow"));
        assert_eq!(option_name("not-contains=x"), Some("not-contains"));
        assert_eq!(option_name("a.com/?x=1"), None);
        assert_eq!(option_name("https://a.com/?x=1"), None);
        assert_eq!(option_name("=x"), None);
        assert_eq!(canonical_name("Not_Contains"), "not-contains");
        assert_eq!(
            read_quoted(r#""a \"b\" c" rest"#),
            Some((r#"a "b" c"#.into(), 11))
        );
        assert_eq!(read_quoted(r#""open"#), None);
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote(r#"a "b""#), r#""a \"b\"""#);
    }
}
