//! Share links: any list survives the trip through a link, and no fragment,
//! however damaged or crafted, makes the decoder panic.

use crate::re;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use proptest::prelude::*;
use upcheck_core::share::{decode, encode, ShareError, MAX_LIST_BYTES, PREFIX};

/// Lists as people paste them (URLs, comments, blank lines) and as anything
/// else a string can hold.
fn list() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        re("[a-z]{1,12}\\.(com|org|de)(/[a-z0-9]{0,8})?"),
        re("https?://[a-z0-9.-]{1,20}(:[0-9]{1,5})?/[^\n]{0,20}"),
        re("# [^\n]{0,30}"),
        Just(String::new()),
        any::<String>(),
    ];
    prop_oneof![
        3 => prop::collection::vec(line, 0..20).prop_map(|l| l.join("\n")),
        1 => any::<String>(),
    ]
}

fn fragment_chars(fragment: &str) -> bool {
    fragment
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.=".contains(&b))
}

proptest! {
    // Deflating is the slow part of a case in a debug build.
    #![proptest_config(crate::config_with(2_000))]

    #[test]
    fn every_list_round_trips_through_a_link(list in list(), hash in any::<bool>()) {
        let fragment = encode(&list);
        prop_assert!(fragment.starts_with(PREFIX));
        prop_assert!(fragment_chars(&fragment), "{fragment}");
        let link = if hash { format!("#{fragment}") } else { fragment };
        prop_assert_eq!(decode(&link), Ok(list));
    }

    #[test]
    fn any_text_after_the_prefix_decodes_or_says_why(
        data in prop_oneof![any::<String>(), re("[A-Za-z0-9_=-]{0,200}")],
        with_prefix in any::<bool>(),
    ) {
        let fragment = if with_prefix { format!("{PREFIX}{data}") } else { data };
        match decode(&fragment) {
            Ok(list) => prop_assert!(list.len() <= MAX_LIST_BYTES),
            Err(ShareError::NotAList) => prop_assert!(!fragment.trim_start_matches('#').starts_with(PREFIX)),
            Err(ShareError::Damaged | ShareError::TooLarge) => {}
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }

    /// Valid base64 of arbitrary bytes reaches the inflater: random deflate
    /// data must be refused cleanly.
    #[test]
    fn arbitrary_bytes_in_a_link_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let fragment = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(&bytes));
        prop_assert!(matches!(
            decode(&fragment),
            Ok(_) | Err(ShareError::Damaged | ShareError::TooLarge)
        ));
    }

    /// Well-formed deflate of bytes that are not UTF-8 is damage, not a panic
    /// or mojibake; bytes that are UTF-8 come back as they were.
    #[test]
    fn deflated_bytes_come_back_only_as_valid_text(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let packed = miniz_oxide::deflate::compress_to_vec(&bytes, 6);
        let fragment = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(packed));
        match String::from_utf8(bytes) {
            Ok(text) => prop_assert_eq!(decode(&fragment), Ok(text)),
            Err(_) => prop_assert_eq!(decode(&fragment), Err(ShareError::Damaged)),
        }
    }

    /// A link cut short (chat apps and mail clients do it) or with a byte
    /// changed never panics, and a cut link never passes for a longer list.
    #[test]
    fn a_cut_or_altered_link_is_refused_or_decodes_to_something_shorter(
        list in list(),
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
        to in re("[A-Za-z0-9_=-]"),
    ) {
        let fragment = encode(&list);
        let cut_at = PREFIX.len() + cut.index(fragment.len() - PREFIX.len() + 1);
        if let Ok(got) = decode(&fragment[..cut_at]) {
            prop_assert!(list.starts_with(&got), "{got:?} is not a prefix of {list:?}");
        }
        let at = flip.index(fragment.len());
        let mut altered = fragment.clone();
        altered.replace_range(at..at + 1, &to);
        let _ = decode(&altered);
    }
}
