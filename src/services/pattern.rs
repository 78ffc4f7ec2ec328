//! Regular expressions for the body options `matches=` and `not-matches=`,
//! run by the browser's own engine (`RegExp`): the page carries no regex
//! crate of its own (page weight, budget.toml).
//!
//! A pattern is read once when the list is read ([`check_list`]), so a bad
//! one makes its line `invalid` before anything is fetched, naming the
//! option, like every other bad option. A leading inline flag group such as
//! `(?i)` (the proxy's regex crate reads it) becomes the matching `RegExp`
//! flag, so one pattern means the same in both modes.

use upcheck_core::options::OptionError;
use upcheck_core::parse::ParsedList;
use upcheck_core::{InputError, SiteOptions};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `RegExp(pattern, flags)` called as a function: a new `RegExp`, or the
    /// `SyntaxError` it throws for a bad pattern.
    #[wasm_bindgen(catch, js_name = RegExp)]
    fn make_regexp(pattern: &str, flags: &str) -> Result<js_sys::RegExp, JsValue>;
}

/// `pattern` with a leading `(?ims)` group turned into `RegExp` flags.
fn split_flags(pattern: &str) -> (&str, String) {
    if let Some(rest) = pattern.strip_prefix("(?") {
        if let Some(end) = rest.find(')') {
            let flags = &rest[..end];
            if !flags.is_empty() && flags.chars().all(|c| matches!(c, 'i' | 'm' | 's')) {
                return (&rest[end + 1..], flags.to_owned());
            }
        }
    }
    (pattern, String::new())
}

fn compile(pattern: &str) -> Result<js_sys::RegExp, String> {
    let (body, flags) = split_flags(pattern);
    make_regexp(body, &flags).map_err(|e| {
        js_sys::Reflect::get(&e, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_else(|| "not a valid regular expression".to_owned())
    })
}

/// Whether `pattern` matches somewhere in `text` (core's `BodyCheck::run`
/// calls this for the two regex options).
pub(crate) fn is_match(pattern: &str, text: &str) -> Result<bool, String> {
    Ok(compile(pattern)?.test(text))
}

/// Why `pattern` is not a regular expression the browser can run, if it is not.
pub(crate) fn validate(pattern: &str) -> Result<(), String> {
    compile(pattern).map(drop)
}

/// The first regex option of `options` that `valid` refuses, as the
/// option error its line gets.
fn first_bad(
    options: &SiteOptions,
    valid: &dyn Fn(&str) -> Result<(), String>,
) -> Option<OptionError> {
    options
        .body_rules()
        .filter(|rule| rule.kind.is_regex())
        .find_map(|rule| {
            valid(&rule.pattern).err().map(|reason| OptionError {
                option: rule.kind.key().to_owned(),
                reason,
            })
        })
}

/// Makes every entry whose `matches=`/`not-matches=` pattern `valid` refuses
/// `invalid`, as core does for any other bad option ("line 3: option
/// 'matches': …"). Core leaves patterns alone: which syntax is valid is the
/// engine's to say.
pub(crate) fn check_list(list: &mut ParsedList, valid: &dyn Fn(&str) -> Result<(), String>) {
    for entry in &mut list.entries {
        if entry.target.is_err() || !entry.options.reads_body() {
            continue;
        }
        if let Some(error) = first_bad(&entry.options, valid) {
            entry.target = Err(InputError::BadOption(error));
            entry.options = SiteOptions::default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use upcheck_core::parse_list;

    #[test]
    fn leading_flag_groups_become_flags() {
        assert_eq!(split_flags("(?i)add to cart"), ("add to cart", "i".into()));
        assert_eq!(split_flags("(?is)a.b"), ("a.b", "is".into()));
        assert_eq!(split_flags("(?:a)b"), ("(?:a)b", String::new()));
        assert_eq!(split_flags("(?x)a"), ("(?x)a", String::new()));
        assert_eq!(split_flags("plain"), ("plain", String::new()));
    }

    #[test]
    fn a_bad_pattern_makes_its_lines_sites_invalid_naming_the_option() {
        let mut list =
            parse_list("a.test contains=x\nb.test c.test matches=\"a(\"\nd.test not-matches=ok\n");
        let refuse_open_group = |p: &str| {
            if p.contains('(') {
                Err("Unterminated group".to_owned())
            } else {
                Ok(())
            }
        };
        check_list(&mut list, &refuse_open_group);
        let shown: Vec<String> = list
            .entries
            .iter()
            .map(|e| match &e.target {
                Ok(url) => url.to_string(),
                Err(err) => format!("line {}: {err}", e.line),
            })
            .collect();
        assert_eq!(
            shown,
            [
                "https://a.test/",
                "line 2: option 'matches': Unterminated group",
                "line 2: option 'matches': Unterminated group",
                "https://d.test/",
            ]
        );
        assert!(list.entries[1].options.is_empty());
        assert_eq!(list.entries[3].options.not_matches, ["ok"]);
    }
}
