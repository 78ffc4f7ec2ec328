//! Pasted text → a list of checkable URLs, or a reason per line.
//!
//! Parsing runs in two stages (as ripgrep does): [`lines`] and the splitting
//! below turn the raw text into candidate strings with their line numbers, then
//! [`normalise`] turns each candidate into a normalised [`Url`] or an
//! [`InputError`]. [`ListParser`] glues them together a line at a time and
//! merges exact duplicates; [`parse_list`] does a whole text at once.
//!
//! Rules:
//! - one site per line, or several separated by commas or whitespace;
//! - blank lines and `#` comments (whole line or after a site) are skipped;
//! - a byte order mark anywhere is ignored;
//! - `name=value` words are per-site options ([`crate::options`]) for every
//!   site on their line; a value with spaces is quoted, `contains="Add to cart"`;
//!   a bad option makes the line's sites `invalid`, naming the option;
//! - a bare `example.com` or `example.com:8080/path` means `https://…`;
//! - only `http` and `https`; anything else is an error naming the scheme;
//! - internationalised host names become punycode (via the `url` crate);
//! - a trailing dot on a host name is dropped, the fragment is dropped (it is
//!   never sent to the server), so `Example.COM.`, `example.com/#top` and
//!   `https://example.com/` are the same site and are merged.

use std::collections::HashMap;
use thiserror::Error;
use url::{Host, Url};

use crate::defaults::MAX_URL_LEN;
use crate::options::{self, OptionError, SiteOptions};

/// Why one candidate from the list cannot be checked. Messages are for people.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum InputError {
    /// A scheme other than http or https, e.g. `ftp:` or `javascript:`.
    #[error("'{scheme}:' cannot be checked: only http:// and https:// sites can")]
    UnsupportedScheme {
        /// The scheme as written, lowercased.
        scheme: String,
    },
    /// The `url` crate could not parse it.
    #[error("'{input}' is not a valid URL: {reason}")]
    Malformed {
        /// The candidate text (shortened if long).
        input: String,
        /// The parser's reason, e.g. "invalid IPv4 address".
        reason: String,
    },
    /// A host name with an empty label such as `a..com`.
    #[error("host '{host}' has an empty label (two dots in a row)")]
    EmptyLabel {
        /// The host as written.
        host: String,
    },
    /// A host name longer than DNS allows.
    #[error("host name is {len} characters long; DNS allows at most 253")]
    HostTooLong {
        /// Its length after punycode.
        len: usize,
    },
    /// A per-site option that cannot be used.
    #[error("{0}")]
    BadOption(OptionError),
    /// Options on a line with no site to apply them to.
    #[error("options without a site: put them after the URL on the same line")]
    OptionsWithoutSite,
    /// The same site again on a later line, with different options.
    #[error("{url} is already on line {first} with other options")]
    ConflictingOptions {
        /// The site.
        url: String,
        /// The line it is first on.
        first: usize,
    },
    /// A line so long it is almost certainly not one URL.
    #[error("{len} characters is too long for one URL (at most {max})")]
    TooLong {
        /// The candidate's length.
        len: usize,
        /// The limit.
        max: usize,
    },
}

/// One candidate from the list: where it came from and what it became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 1-based line number in the pasted text.
    pub line: usize,
    /// The candidate text as written (trimmed).
    pub input: String,
    /// The normalised URL, or why it cannot be checked.
    pub target: Result<Url, InputError>,
    /// The options its line gave (empty for a plain line).
    pub options: SiteOptions,
    /// Lines of later exact duplicates that were merged into this entry.
    pub duplicate_lines: Vec<usize>,
}

/// The whole list: entries in input order, duplicates merged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedList {
    /// Every distinct URL and every invalid candidate, in input order.
    pub entries: Vec<Entry>,
    /// How many candidates were dropped as exact duplicates of an earlier one.
    pub duplicates: usize,
}

impl ParsedList {
    /// The entries that can be checked.
    pub fn valid(&self) -> impl Iterator<Item = (&Entry, &Url)> {
        self.entries
            .iter()
            .filter_map(|e| e.target.as_ref().ok().map(|u| (e, u)))
    }
}

/// Parses a pasted list. Never panics, whatever the input.
pub fn parse_list(text: &str) -> ParsedList {
    let mut parser = ListParser::default();
    for (i, line) in lines(text).enumerate() {
        parser.push_line(i + 1, line);
    }
    parser.finish()
}

/// Parses a list a line at a time, so a caller with a very long list can
/// yield between chunks (the page does, to keep every main-thread task short).
/// Feeding every line of `text` gives the same result as [`parse_list`].
#[derive(Debug, Default)]
pub struct ListParser {
    list: ParsedList,
    // Normalised URL → index in `entries`, for merging duplicates.
    seen: HashMap<String, usize>,
    to_ascii: Option<HostToAscii>,
}

/// Rewrites an absolute URL with a non-ASCII host name (`https://bücher.de/`)
/// to the same URL with the host in its ASCII form (`https://xn--bcher-kva.de/`),
/// or says why it cannot. See [`ListParser::with_host_to_ascii`].
pub type HostToAscii = fn(&str) -> Result<String, String>;

impl ListParser {
    /// A parser that hands URLs with non-ASCII characters to `to_ascii`
    /// before reading them. Without it the `url` crate maps host names with
    /// its UTS-46 back end; a build whose lockfile pins the ASCII-only back
    /// end (the web page, which asks the browser's own URL parser instead)
    /// would otherwise refuse every internationalised host name.
    pub fn with_host_to_ascii(to_ascii: HostToAscii) -> Self {
        ListParser {
            to_ascii: Some(to_ascii),
            ..ListParser::default()
        }
    }

    /// Adds line number `line` (1-based) with its text.
    pub fn push_line(&mut self, line: usize, text: &str) {
        let words = words(text);
        let mut opts = SiteOptions::default();
        let mut problem = None;
        let mut first_option = None;
        for word in &words {
            if let Word::Option { name, value } = word {
                first_option.get_or_insert(*name);
                if problem.is_none() {
                    let set = match value {
                        Ok(v) => opts.set(&options::canonical_name(name), v),
                        Err(reason) => Err(OptionError {
                            option: (*name).to_owned(),
                            reason: reason.clone(),
                        }),
                    };
                    problem = set.err();
                }
            }
        }
        let mut sites = 0;
        for word in &words {
            let Word::Sites(text) = word else { continue };
            for candidate in split_candidates(text) {
                sites += 1;
                let target = match (&problem, normalise_with(candidate, self.to_ascii)) {
                    (_, Err(e)) => Err(e),
                    (Some(e), Ok(_)) => Err(InputError::BadOption(e.clone())),
                    (None, Ok(url)) => Ok(url),
                };
                self.push_entry(line, candidate, target, &opts);
            }
        }
        if sites == 0 {
            if let Some(name) = first_option {
                let error = problem.map_or(InputError::OptionsWithoutSite, InputError::BadOption);
                self.push_entry(line, name, Err(error), &SiteOptions::default());
            }
        }
    }

    fn push_entry(
        &mut self,
        line: usize,
        candidate: &str,
        mut target: Result<Url, InputError>,
        opts: &SiteOptions,
    ) {
        if let Ok(url) = &target {
            if let Some(&first) = self.seen.get(url.as_str()) {
                let earlier = &mut self.list.entries[first];
                if earlier.options == *opts {
                    earlier.duplicate_lines.push(line);
                    self.list.duplicates += 1;
                    return;
                }
                target = Err(InputError::ConflictingOptions {
                    url: url.to_string(),
                    first: earlier.line,
                });
            } else {
                self.seen
                    .insert(url.as_str().to_owned(), self.list.entries.len());
            }
        }
        let options = if target.is_ok() {
            opts.clone()
        } else {
            SiteOptions::default()
        };
        self.list.entries.push(Entry {
            line,
            input: candidate.to_owned(),
            target,
            options,
            duplicate_lines: Vec::new(),
        });
    }

    /// The list so far.
    pub fn finish(self) -> ParsedList {
        self.list
    }
}

// Stage one: lines, then candidates within a line. Within a line, candidates
// are split on whitespace and on commas — except commas after a `?` or `#`,
// which belong to a query string (`?ids=1,2`) rather than separate two sites.

/// The lines of `text`, ending at `\n`, `\r\n` or a lone `\r`.
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let s = rest?;
        match s.find(['\n', '\r']) {
            Some(i) => {
                let skip = if s[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = Some(&s[i + skip..]);
                Some(&s[..i])
            }
            None => {
                rest = None;
                Some(s)
            }
        }
    })
}

fn is_separator_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

/// One whitespace-separated word of a line: sites (one or more, split on
/// commas later), or an option with its value (or why the value is bad).
#[derive(Debug, PartialEq)]
enum Word<'a> {
    Sites(&'a str),
    Option {
        name: &'a str,
        value: Result<String, String>,
    },
}

/// The words of a line, up to a `#` comment: a `#` at the start of the line
/// or of a candidate (after a space or a comma). A `#` inside a URL
/// (`https://a.com/#top`) is a fragment, and inside a quoted option value it
/// is text.
fn words(line: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut rest = line;
    loop {
        rest = rest.trim_start_matches(is_separator_space);
        if rest.is_empty() || rest.starts_with('#') {
            return out;
        }
        let end = rest.find(is_separator_space).unwrap_or(rest.len());
        let word = &rest[..end];
        if let Some(name) = options::option_name(word) {
            let value_at = name.len() + 1;
            if rest[value_at..].starts_with('"') {
                match options::read_quoted(&rest[value_at..]) {
                    Some((value, used)) => {
                        out.push(Word::Option {
                            name,
                            value: Ok(value),
                        });
                        rest = &rest[value_at + used..];
                    }
                    None => {
                        out.push(Word::Option {
                            name,
                            value: Err("the quote is never closed".into()),
                        });
                        return out;
                    }
                }
            } else {
                out.push(Word::Option {
                    name,
                    value: Ok(word[value_at..].to_owned()),
                });
                rest = &rest[end..];
            }
            continue;
        }
        // A comment may also start after a comma: `a.com,#note`.
        match word.find(",#") {
            Some(i) => {
                out.push(Word::Sites(&word[..i]));
                return out;
            }
            None => out.push(Word::Sites(word)),
        }
        rest = &rest[end..];
    }
}

fn split_candidates(word: &str) -> impl Iterator<Item = &str> {
    split_commas(word).filter(|s| !s.is_empty())
}

fn split_commas(word: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(word);
    std::iter::from_fn(move || {
        let s = rest?;
        let query_at = s.find(['?', '#']).unwrap_or(s.len());
        match s[..query_at].find(',') {
            Some(i) => {
                rest = Some(&s[i + 1..]);
                Some(&s[..i])
            }
            None => {
                rest = None;
                Some(s)
            }
        }
    })
}

/// Stage two: one candidate → a normalised http(s) URL.
pub fn normalise(candidate: &str) -> Result<Url, InputError> {
    normalise_with(candidate, None)
}

/// [`normalise`], with non-ASCII URLs first given to `to_ascii`.
pub fn normalise_with(candidate: &str, to_ascii: Option<HostToAscii>) -> Result<Url, InputError> {
    if candidate.len() > MAX_URL_LEN {
        return Err(InputError::TooLong {
            len: candidate.len(),
            max: MAX_URL_LEN,
        });
    }
    let with_scheme = match explicit_scheme(candidate) {
        Some(scheme) => {
            let lower = scheme.to_ascii_lowercase();
            if lower != "http" && lower != "https" {
                return Err(InputError::UnsupportedScheme { scheme: lower });
            }
            candidate.to_owned()
        }
        None => format!("https://{candidate}"),
    };
    let with_scheme = match to_ascii {
        Some(to_ascii) if !with_scheme.is_ascii() => {
            to_ascii(&with_scheme).map_err(|reason| InputError::Malformed {
                input: shorten(candidate),
                reason,
            })?
        }
        _ => with_scheme,
    };
    let mut url = Url::parse(&with_scheme).map_err(|e| InputError::Malformed {
        input: shorten(candidate),
        reason: e.to_string(),
    })?;
    if let Some(Host::Domain(domain)) = url.host() {
        let host = domain.strip_suffix('.').unwrap_or(domain).to_owned();
        if host.split('.').any(str::is_empty) {
            return Err(InputError::EmptyLabel {
                host: shorten(domain),
            });
        }
        if host.len() > 253 {
            return Err(InputError::HostTooLong { len: host.len() });
        }
        if host.len() != domain.len() {
            url.set_host(Some(&host))
                .map_err(|e| InputError::Malformed {
                    input: shorten(candidate),
                    reason: e.to_string(),
                })?;
        }
    }
    url.set_fragment(None);
    // Percent-encoding can triple a candidate's length. The proxy normalises
    // the URL the page sends it, so a normalised URL over the limit would pass
    // here and be refused there.
    let len = url.as_str().len();
    if len > MAX_URL_LEN {
        return Err(InputError::TooLong {
            len,
            max: MAX_URL_LEN,
        });
    }
    Ok(url)
}

/// The scheme a candidate names, if it names one.
///
/// `example.com:8080/x` and `localhost:3000` are a host and a port, not a scheme
/// `example.com`: a scheme is only taken when `scheme:` is followed by `//` or by
/// something that is not a port number.
fn explicit_scheme(candidate: &str) -> Option<&str> {
    let colon = candidate.find(':')?;
    let (scheme, rest) = (&candidate[..colon], &candidate[colon + 1..]);
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !valid {
        return None;
    }
    if rest.starts_with("//") {
        return Some(scheme);
    }
    let port_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let looks_like_port = port_end > 0 && rest[..port_end].bytes().all(|b| b.is_ascii_digit());
    (!looks_like_port).then_some(scheme)
}

fn shorten(s: &str) -> String {
    const MAX: usize = 80;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let head: String = s.chars().take(MAX).collect();
        format!("{head}…")
    }
}

#[cfg(test)]
mod tests;
