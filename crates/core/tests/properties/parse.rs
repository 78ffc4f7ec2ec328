//! The list parser and the URL normaliser: no input makes them panic, every
//! entry they report is consistent with the text, and normalising is a fixed
//! point (a normalised URL normalises to itself, which is what lets the page
//! hand its URLs to the proxy, which normalises them again).

use crate::re;
use proptest::prelude::*;
use upcheck_core::defaults::MAX_URL_LEN;
use upcheck_core::parse::{lines, normalise, parse_list, InputError};

/// Characters that tend to break URL handling: delimiters, percent signs,
/// unicode that IDNA maps or refuses, bidi controls, control characters.
fn awkward_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::char::range('a', 'z'),
        2 => prop::char::range('0', '9'),
        4 => prop::sample::select(vec![
            '.', '-', '_', ':', '/', '?', '#', '@', '%', '[', ']', '\\', '~', '+', '=', '&',
            ',', ';', '"', '<', '>', '`', '{', '}', '|', '^', '\'', '!', '$', '*', '(', ')',
            'A', 'Z', 'X', 'ü', 'ß', 'é', '例', 'İ', 'ﬀ', '．', '。', '１', 'ℌ', '\u{200d}',
            '\u{202e}', '\u{feff}', '\u{ad}', '💥', '\u{0}', '\u{7f}', '\t', ' ',
        ]),
        1 => any::<char>(),
    ]
}

fn text_of(
    chars: impl Strategy<Value = char>,
    len: std::ops::Range<usize>,
) -> impl Strategy<Value = String> {
    prop::collection::vec(chars, len).prop_map(|c| c.into_iter().collect())
}

/// One candidate as a person might paste it: mostly URL-shaped, with an
/// optional scheme (right, wrong, or odd), user info, host, port, path, query
/// and fragment, each drawn from awkward characters. `long` adds paths of up to
/// ~5 KB that percent-encoding may push past the length limit (slow to make,
/// so only the properties about one candidate ask for them).
pub fn candidate(long: bool) -> impl Strategy<Value = String> {
    let scheme = prop_oneof![
        4 => Just(String::new()),
        3 => Just("https://".to_owned()),
        2 => Just("http://".to_owned()),
        1 => prop::sample::select(vec!["HTTP://", "hTTps://", "https:", "http:/", "//", "https:///"])
            .prop_map(str::to_owned),
        1 => re("[a-zA-Z][a-zA-Z0-9+.-]{0,6}:(//)?"),
    ];
    let userinfo = prop_oneof![6 => Just(String::new()), 1 => re("[a-z]{0,4}(:[a-z]{0,4})?@")];
    let label = prop_oneof![
        6 => re("[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?"),
        2 => text_of(awkward_char(), 1..8),
        1 => re("[0-9]{1,3}"),
        1 => re("0[xX][0-9a-fA-F]{0,4}"),
        1 => Just(String::new()),
    ];
    let host = prop_oneof![
        8 => (prop::collection::vec(label, 1..5), re("[a-z]{2,6}\\.?"))
            .prop_map(|(labels, tld)| format!("{}.{tld}", labels.join("."))),
        1 => re("\\[[0-9a-fA-F:.]{0,24}\\]"),
        1 => re("[0-9.]{1,18}"),
        1 => (1usize..70, re("[a-z]{1,5}")).prop_map(|(n, l)| vec![l; n].join(".")),
    ];
    let port = prop_oneof![4 => Just(String::new()), 1 => re(":[0-9]{0,6}")];
    let rest = prop_oneof![
        3 => Just(String::new()),
        4 => text_of(awkward_char(), 0..30),
        u32::from(long) => (1usize..1_600, prop::sample::select(vec!["é", "例", "\"", "x", "%41"]))
            .prop_map(|(n, s)| format!("/{}", s.repeat(n))),
    ];
    prop_oneof![
        9 => (scheme, userinfo, host, port, rest)
            .prop_map(|(s, u, h, p, r)| format!("{s}{u}{h}{p}{r}")),
        1 => any::<String>(),
    ]
}

/// Whole pasted texts: candidates between separators, comments and line
/// endings of every kind.
fn list_text() -> impl Strategy<Value = String> {
    let separator = prop::sample::select(vec![
        "\n", "\r\n", "\r", " ", "\t", ",", ", ", "\u{feff}", " # note ", "#", "\n#", "\u{a0}",
    ]);
    prop_oneof![
        4 => prop::collection::vec((candidate(false), separator), 0..12)
            .prop_map(|parts| parts.into_iter().map(|(c, s)| c + s).collect()),
        1 => any::<String>(),
        1 => text_of(awkward_char(), 0..120),
    ]
}

fn is_separator_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

fn is_separator(c: char) -> bool {
    is_separator_space(c) || c == ','
}

proptest! {
    #![proptest_config(crate::config())]

    /// Whatever is pasted, the parser returns entries that make sense: line
    /// numbers within the text, candidates that occur on their line, only
    /// http(s) URLs with a host and no fragment, no URL twice, and a
    /// duplicate count that matches the merged lines.
    #[test]
    fn any_paste_gives_a_consistent_list(text in list_text()) {
        let text_lines: Vec<&str> = lines(&text).collect();
        let list = parse_list(&text);
        let mut seen = std::collections::HashSet::new();
        let mut merged = 0;
        for entry in &list.entries {
            prop_assert!((1..=text_lines.len()).contains(&entry.line), "{entry:?}");
            prop_assert!(!entry.input.is_empty());
            prop_assert!(!entry.input.starts_with('#'), "a comment became {entry:?}");
            prop_assert!(text_lines[entry.line - 1].contains(&entry.input));
            prop_assert!(!entry.input.contains(is_separator_space), "{:?}", entry.input);
            if let Ok(url) = &entry.target {
                prop_assert!(matches!(url.scheme(), "http" | "https"), "{url}");
                prop_assert!(url.host_str().is_some_and(|h| !h.is_empty()), "{url}");
                prop_assert_eq!(url.fragment(), None);
                prop_assert!(seen.insert(url.as_str().to_owned()), "{url} twice");
            }
            prop_assert!(entry.duplicate_lines.iter().all(|&l| l >= entry.line));
            prop_assert!(entry.duplicate_lines.windows(2).all(|w| w[0] <= w[1]));
            merged += entry.duplicate_lines.len();
        }
        prop_assert_eq!(list.duplicates, merged);
    }

    /// Every non-blank, non-comment candidate is accounted for: it is an
    /// entry, or a duplicate merged into one.
    #[test]
    fn no_candidate_goes_missing(candidates in prop::collection::vec(candidate(false), 1..8)) {
        let words: Vec<&str> = candidates
            .iter()
            .map(|c| c.as_str())
            .filter(|c| !c.is_empty() && !c.starts_with('#') && !c.contains(is_separator) && !c.contains(['\n', '\r']))
            .collect();
        let text = words.join("\n");
        let list = parse_list(&text);
        prop_assert_eq!(list.entries.len() + list.duplicates, words.len(), "{:?}", list);
    }

    #[test]
    fn normalise_is_a_fixed_point(candidate in candidate(true)) {
        if let Ok(url) = normalise(&candidate) {
            prop_assert_eq!(normalise(url.as_str()), Ok(url.clone()), "from {:?}", candidate);
        }
    }

    /// Errors describe the input: a refused scheme is named in lower case and
    /// is not http(s); echoed input is bounded; nothing over the length limit
    /// gets through, before or after normalising (the proxy enforces the same
    /// limit on the normalised URL the page sends it).
    #[test]
    fn errors_say_what_is_wrong(candidate in candidate(true)) {
        let result = normalise(&candidate);
        if candidate.len() > MAX_URL_LEN {
            prop_assert!(matches!(result, Err(InputError::TooLong { .. })), "{result:?}");
        }
        match result {
            Ok(url) => prop_assert!(url.as_str().len() <= MAX_URL_LEN, "{} bytes", url.as_str().len()),
            Err(InputError::UnsupportedScheme { scheme }) => {
                prop_assert_eq!(scheme.to_ascii_lowercase(), scheme.clone());
                prop_assert!(scheme != "http" && scheme != "https");
            }
            Err(InputError::Malformed { input, .. }) | Err(InputError::EmptyLabel { host: input }) => {
                prop_assert!(input.chars().count() <= 81, "{input}");
            }
            Err(InputError::HostTooLong { len }) => prop_assert!(len > 253),
            Err(InputError::TooLong { len, max }) => prop_assert!(len > max),
            Err(other) => prop_assert!(false, "a new kind of error: {other:?}"),
        }
    }
}

proptest! {
    // A case is up to 8 KiB of text; fewer cases still reach both sides of the limit.
    #![proptest_config(crate::config_with(500))]

    #[test]
    fn huge_candidates_are_refused_by_length_not_parsed(
        len in MAX_URL_LEN - 8..MAX_URL_LEN * 2,
        fill in prop::sample::select(vec!['a', 'é', '/', '.', '%', '\u{0}']),
    ) {
        let candidate: String = format!("https://a.com/{}", String::from(fill).repeat(len));
        let result = normalise(&candidate);
        if candidate.len() > MAX_URL_LEN {
            prop_assert_eq!(
                result,
                Err(InputError::TooLong { len: candidate.len(), max: MAX_URL_LEN })
            );
        }
        let list = parse_list(&format!("{candidate}\nb.com"));
        prop_assert_eq!(list.entries.last().map(|e| e.line), Some(2));
    }
}
