//! One site's part of a check request, made ready before anything streams:
//! its options checked ([`SiteOptions::validate`]) and resolved over the
//! list's defaults into an [`Expect`], and its regular expressions compiled
//! once. A bad option is refused here, naming the field
//! (`urls[3].matches: …`), so no line is written for a request that cannot
//! be run as asked.

use regex::{Regex, RegexBuilder};
use std::collections::HashMap;
use std::sync::Arc;

use super::Params;
use upcheck_core::options::{Defaults, OptionError, MAX_RETRIES, MAX_SLOW_MS};
use upcheck_core::wire::{Method, Target};
use upcheck_core::{Expect, SiteOptions};

/// The largest compiled program one regular expression may have. A pattern
/// is at most 1000 characters, but `(a{100}){100}` compiles to far more.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// The most memory one regular expression's lazy DFA cache may take.
pub const REGEX_DFA_LIMIT: usize = 1 << 20;
/// The most different regular expressions one request may bring (the same
/// pattern on many sites is compiled once and counts once).
pub const MAX_REGEXES: usize = 64;

/// The compiled regular expressions of one site, looked up by pattern.
#[derive(Debug, Clone, Default)]
pub struct Patterns(Vec<(String, Arc<Regex>)>);

impl Patterns {
    /// Whether `pattern` (one of the site's, compiled beforehand) matches `text`.
    pub fn is_match(&self, pattern: &str, text: &str) -> Result<bool, String> {
        self.0
            .iter()
            .find(|(p, _)| p == pattern)
            .map(|(_, re)| re.is_match(text))
            .ok_or_else(|| "the regular expression was not compiled".to_owned())
    }
}

/// Compiles one request's sites, sharing each distinct pattern.
#[derive(Debug, Default)]
pub struct Compiler {
    compiled: HashMap<String, Arc<Regex>>,
}

/// Checks the list-wide `slow_ms` and `retries` with the per-site limits.
pub fn check_defaults(slow_ms: Option<u32>, retries: u8) -> Result<(), String> {
    if slow_ms.is_some_and(|ms| !(1..=MAX_SLOW_MS).contains(&ms)) {
        return Err(format!("slow_ms must be 1 to {MAX_SLOW_MS}"));
    }
    if retries > MAX_RETRIES {
        return Err(format!("retries must be 0 to {MAX_RETRIES}"));
    }
    Ok(())
}

impl Compiler {
    /// The params for the `index`-th site: its options over `defaults`,
    /// checked and compiled. A site with body assertions is always asked
    /// with `GET` (a `HEAD` answer has no body). `Err` is the message for a
    /// 400, starting with the field: `urls[3].matches: …`.
    pub fn site(
        &mut self,
        index: usize,
        target: &Target,
        defaults: &Defaults,
        method: Method,
        max_redirects: u32,
    ) -> Result<Params, String> {
        let field = |e: OptionError| {
            // The JSON fields are snake_case; the list syntax says `not-contains`.
            format!("urls[{index}].{}: {}", e.option.replace('-', "_"), e.reason)
        };
        target.options.validate().map_err(field)?;
        let expect: Expect = target.options.resolve(defaults);
        let patterns = self.patterns(&target.options).map_err(field)?;
        Ok(Params {
            method: if expect.body.is_empty() {
                method
            } else {
                Method::Get
            },
            max_redirects,
            expect,
            patterns,
        })
    }

    fn patterns(&mut self, options: &SiteOptions) -> Result<Patterns, OptionError> {
        let mut out = Vec::new();
        for rule in options.body_rules().filter(|r| r.kind.is_regex()) {
            let err = |reason: String| OptionError {
                option: rule.kind.key().to_owned(),
                reason,
            };
            let re = match self.compiled.get(&rule.pattern) {
                Some(re) => re.clone(),
                None => {
                    if self.compiled.len() >= MAX_REGEXES {
                        return Err(err(format!(
                            "at most {MAX_REGEXES} different regular expressions in one request"
                        )));
                    }
                    let re = Arc::new(compile(&rule.pattern).map_err(err)?);
                    self.compiled.insert(rule.pattern.clone(), re.clone());
                    re
                }
            };
            out.push((rule.pattern, re));
        }
        Ok(Patterns(out))
    }
}

/// One pattern, with the size limits.
fn compile(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_DFA_LIMIT)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(limit) => format!(
                "the regular expression is too large once compiled (over {} KiB)",
                limit / 1024
            ),
            // The syntax error's own text, on one line.
            e => e
                .to_string()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(json: &str) -> Target {
        serde_json::from_str(json).unwrap()
    }

    fn site(json: &str) -> Result<Params, String> {
        Compiler::default().site(3, &target(json), &Defaults::default(), Method::Head, 10)
    }

    #[test]
    fn bad_options_name_their_field() {
        let e = site(r#"{"url":"a.test","matches":["(unclosed"]}"#).unwrap_err();
        assert!(e.starts_with("urls[3].matches: "), "{e}");
        let e = site(r#"{"url":"a.test","not_matches":["a{1000}{1000}"]}"#).unwrap_err();
        assert!(e.starts_with("urls[3].not_matches: "), "{e}");
        let e = site(r#"{"url":"a.test","within_kb":4096}"#).unwrap_err();
        assert!(e.starts_with("urls[3].within_kb: "), "{e}");
        let e = site(r#"{"url":"a.test","not_contains":[""]}"#).unwrap_err();
        assert!(e.starts_with("urls[3].not_contains: "), "{e}");
        assert!(check_defaults(Some(0), 0).is_err() && check_defaults(None, 6).is_err());
        assert!(check_defaults(Some(800), 5).is_ok());
    }

    #[test]
    fn body_rules_force_get_and_patterns_are_shared() {
        let p = site(r#"{"url":"a.test","matches":["Add to (cart|basket)"]}"#).unwrap();
        assert_eq!(p.method, Method::Get);
        assert_eq!(
            p.patterns.is_match("Add to (cart|basket)", "Add to basket"),
            Ok(true)
        );
        assert!(p.patterns.is_match("other", "x").is_err());
        let p = site(r#""a.test""#).unwrap();
        assert_eq!(p.method, Method::Head);
        let mut c = Compiler::default();
        let t = target(r#"{"url":"a.test","matches":["x+"]}"#);
        for i in 0..MAX_REGEXES + 5 {
            c.site(i, &t, &Defaults::default(), Method::Get, 10)
                .unwrap();
        }
        assert_eq!(c.compiled.len(), 1);
    }
}
