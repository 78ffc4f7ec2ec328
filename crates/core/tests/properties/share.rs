//! Share links: any deflated list survives the trip through a link's text,
//! and no fragment, however damaged or crafted, makes the reader panic.
//! Inflating is the browser's (the page's `services::share`, tested in
//! tests/browser.rs): what is left here is the link's own format.

use crate::re;
use proptest::prelude::*;
use upcheck_core::share::{pack, unpack, ShareError, PREFIX};

fn fragment_chars(fragment: &str) -> bool {
    fragment
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.=".contains(&b))
}

proptest! {
    #![proptest_config(crate::config_with(2_000))]

    #[test]
    fn any_bytes_round_trip_through_a_link(
        bytes in prop::collection::vec(any::<u8>(), 0..2_000),
        hash in any::<bool>(),
    ) {
        let fragment = pack(&bytes);
        prop_assert!(fragment.starts_with(PREFIX));
        prop_assert!(fragment_chars(&fragment), "{fragment}");
        let link = if hash { format!("#{fragment}") } else { fragment };
        prop_assert_eq!(unpack(&link), Ok(bytes));
    }

    #[test]
    fn any_text_unpacks_or_says_why(
        data in prop_oneof![any::<String>(), re("[A-Za-z0-9_=-]{0,200}")],
        with_prefix in any::<bool>(),
    ) {
        let fragment = if with_prefix { format!("{PREFIX}{data}") } else { data };
        match unpack(&fragment) {
            Ok(_) => prop_assert!(fragment.trim_start_matches('#').starts_with(PREFIX)),
            Err(ShareError::NotAList) => prop_assert!(!fragment.trim_start_matches('#').starts_with(PREFIX)),
            Err(ShareError::Damaged) => {}
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }

    /// A link cut short (chat apps and mail clients do it) or with a byte
    /// changed never panics, and a cut link never passes for longer data.
    #[test]
    fn a_cut_or_altered_link_is_refused_or_unpacks_to_something_shorter(
        bytes in prop::collection::vec(any::<u8>(), 0..600),
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
        to in re("[A-Za-z0-9_=-]"),
    ) {
        let fragment = pack(&bytes);
        let cut_at = PREFIX.len() + cut.index(fragment.len() - PREFIX.len() + 1);
        if let Ok(got) = unpack(&fragment[..cut_at]) {
            prop_assert!(bytes.starts_with(&got), "{got:?} is not a prefix of {bytes:?}");
        }
        let at = flip.index(fragment.len());
        let mut altered = fragment.clone();
        altered.replace_range(at..at + 1, &to);
        let _ = unpack(&altered);
    }
}
