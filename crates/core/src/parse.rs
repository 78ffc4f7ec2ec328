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

    /// How many entries are invalid.
    pub fn invalid_count(&self) -> usize {
        self.entries.iter().filter(|e| e.target.is_err()).count()
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
}

impl ListParser {
    /// Adds line number `line` (1-based) with its text.
    pub fn push_line(&mut self, line: usize, text: &str) {
        for candidate in split_candidates(cut_comment(text)) {
            let target = normalise(candidate);
            if let Ok(url) = &target {
                if let Some(&first) = self.seen.get(url.as_str()) {
                    self.list.entries[first].duplicate_lines.push(line);
                    self.list.duplicates += 1;
                    continue;
                }
                self.seen
                    .insert(url.as_str().to_owned(), self.list.entries.len());
            }
            self.list.entries.push(Entry {
                line,
                input: candidate.to_owned(),
                target,
                duplicate_lines: Vec::new(),
            });
        }
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

/// Drops a `#` comment: a `#` at the start of the line or of a candidate.
/// A `#` inside a URL (`https://a.com/#top`) is a fragment, not a comment.
fn cut_comment(line: &str) -> &str {
    let mut prev_is_gap = true;
    for (i, c) in line.char_indices() {
        if c == '#' && prev_is_gap {
            return &line[..i];
        }
        prev_is_gap = is_separator_space(c) || c == ',';
    }
    line
}

fn split_candidates(line: &str) -> impl Iterator<Item = &str> {
    line.split(is_separator_space)
        .flat_map(split_commas)
        .filter(|s| !s.is_empty())
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
mod tests {
    use super::*;

    fn urls(text: &str) -> Vec<String> {
        parse_list(text)
            .entries
            .iter()
            .map(|e| match &e.target {
                Ok(u) => u.to_string(),
                Err(err) => format!("line {}: {err}", e.line),
            })
            .collect()
    }

    #[test]
    fn bare_hosts_get_https_and_a_path() {
        assert_eq!(
            urls("example.com\nexample.com:8080/path\nlocalhost:3000"),
            [
                "https://example.com/",
                "https://example.com:8080/path",
                "https://localhost:3000/"
            ]
        );
    }

    #[test]
    fn explicit_http_is_kept_and_default_ports_dropped() {
        assert_eq!(
            urls("http://Example.com:80/a\nHTTPS://example.com:443"),
            ["http://example.com/a", "https://example.com/"]
        );
    }

    // SECURITY.md 18: tabs, CR/LF, a BOM, blank lines, comments, trailing commas, duplicates.
    #[test]
    fn whitespace_comments_bom_commas_and_duplicates() {
        let text =
            "\u{feff}a.com\r\n\r\n  # a comment\r\n\tb.com\t# trailing comment\rc.com,d.com,\n\
                    a.com, https://a.com/ ,A.COM.\n#e.com\n";
        let list = parse_list(text);
        let got: Vec<_> = list
            .entries
            .iter()
            .map(|e| (e.line, e.target.as_ref().unwrap().to_string()))
            .collect();
        assert_eq!(
            got,
            [
                (1, "https://a.com/".to_owned()),
                (4, "https://b.com/".to_owned()),
                (5, "https://c.com/".to_owned()),
                (5, "https://d.com/".to_owned()),
            ]
        );
        assert_eq!(list.duplicates, 3);
        assert_eq!(list.entries[0].duplicate_lines, [6, 6, 6]);
    }

    #[test]
    fn a_bom_in_the_middle_and_whitespace_only_lines_are_ignored() {
        assert_eq!(urls("  \t \n\u{feff}\n x.org \u{feff}"), ["https://x.org/"]);
        assert!(parse_list("").entries.is_empty());
        assert!(parse_list("\n\n#only\n,,,\n").entries.is_empty());
    }

    #[test]
    fn fragments_are_not_comments_and_query_commas_stay() {
        assert_eq!(
            urls("https://a.com/#top\nhttps://a.com/x?ids=1,2 b.com"),
            [
                "https://a.com/",
                "https://a.com/x?ids=1,2",
                "https://b.com/"
            ]
        );
    }

    // SECURITY.md 19: per-line errors with line numbers, never a panic.
    #[test]
    fn bad_lines_get_an_error_naming_the_line() {
        let list = parse_list("ok.com\n1.2.3.4.5\n256.0.0.1\nhttp://\n:::\nhttps://a..b.com\n");
        let errs: Vec<_> = list
            .entries
            .iter()
            .filter_map(|e| e.target.as_ref().err().map(|err| (e.line, err.to_string())))
            .collect();
        assert_eq!(errs.len(), 5, "{errs:?}");
        assert_eq!(errs[0].0, 2);
        assert!(errs[0].1.contains("IPv4"), "{}", errs[0].1);
        assert_eq!(errs[1].0, 3);
        assert!(errs[1].1.contains("IPv4"), "{}", errs[1].1);
        assert_eq!(errs[2].0, 4);
        assert!(errs[2].1.contains("empty host"), "{}", errs[2].1);
        assert_eq!(errs[3].0, 5);
        assert_eq!(errs[4].0, 6);
        assert!(errs[4].1.contains("empty label"), "{}", errs[4].1);
    }

    #[test]
    fn other_schemes_are_refused_by_name() {
        for (text, scheme) in [
            ("ftp://example.com", "ftp"),
            ("file:///etc/passwd", "file"),
            ("javascript:alert(1)", "javascript"),
            ("data:text/plain,hi", "data"),
            ("mailto:a@b.c", "mailto"),
            ("gopher://x", "gopher"),
        ] {
            let list = parse_list(text);
            assert_eq!(
                list.entries[0].target,
                Err(InputError::UnsupportedScheme {
                    scheme: scheme.into()
                }),
                "{text}"
            );
        }
    }

    // SECURITY.md 20: internationalised and trailing-dot host names.
    #[test]
    fn idn_becomes_punycode_and_trailing_dot_is_dropped() {
        assert_eq!(
            urls("bücher.de\nhttps://例え.テスト/パス\nexample.com.\nEXAMPLE.com"),
            [
                "https://xn--bcher-kva.de/",
                "https://xn--r8jz45g.xn--zckzah/%E3%83%91%E3%82%B9",
                "https://example.com/",
            ]
        );
    }

    #[test]
    fn overlong_input_is_refused_not_parsed() {
        let long = format!("https://a.com/{}", "x".repeat(MAX_URL_LEN));
        assert!(matches!(
            parse_list(&long).entries[0].target,
            Err(InputError::TooLong { .. })
        ));
        let host = format!("{}com", "a.".repeat(130));
        assert!(matches!(
            parse_list(&host).entries[0].target,
            Err(InputError::HostTooLong { .. })
        ));
    }

    // Found by the property tests: a path of 1,360 '例' is 4,086 bytes as
    // typed but 12,254 once percent-encoded; the page accepted it and the
    // proxy, normalising again, refused it.
    #[test]
    fn a_url_too_long_once_encoded_is_refused_here_not_by_the_proxy() {
        let candidate = format!("a.com/{}", "例".repeat(1_360));
        assert!(candidate.len() <= MAX_URL_LEN);
        assert_eq!(
            normalise(&candidate),
            Err(InputError::TooLong {
                len: "https://a.com/".len() + 9 * 1_360,
                max: MAX_URL_LEN
            })
        );
        let fits = format!("a.com/{}", "例".repeat(450));
        let url = normalise(&fits).unwrap();
        assert_eq!(normalise(url.as_str()), Ok(url));
    }

    #[test]
    fn hostile_bytes_never_panic() {
        let nasty = "\u{0}\u{7f}\u{202e}💥 http://[::1 http://[zz]/ https://%zz/ ::: :// \
                     http://a:99999/ https://-/ http://@/ ,#,#";
        let list = parse_list(nasty);
        assert!(list.entries.iter().any(|e| e.target.is_err()));
    }

    #[test]
    fn line_by_line_equals_all_at_once() {
        let text = "a.com\r\nb.com, a.com\n\n# c\rftp://x\n";
        let mut parser = ListParser::default();
        for (i, line) in lines(text).enumerate() {
            parser.push_line(i + 1, line);
        }
        assert_eq!(parser.finish(), parse_list(text));
    }

    #[test]
    fn ten_thousand_lines_keep_their_line_numbers() {
        let text: String = (0..10_000)
            .map(|i| format!("site{i}.example.com/p\n"))
            .collect();
        let list = parse_list(&text);
        assert_eq!(list.entries.len(), 10_000);
        assert_eq!(list.entries[9_999].line, 10_000);
        assert_eq!(list.duplicates, 0);
    }
}
