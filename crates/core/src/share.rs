//! Share links: the list travels in the URL *fragment* (`#list=…`), which
//! browsers never send to any server. The text is deflated (lists of URLs
//! repeat themselves a lot) and base64url-encoded, so a few hundred URLs fit
//! in a link.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use thiserror::Error;

/// The fragment key, with the format version: `#list=v1.<data>`.
pub const PREFIX: &str = "list=v1.";

/// Largest list a link may expand to; stops a crafted link from eating memory.
pub const MAX_LIST_BYTES: usize = 4 * 1024 * 1024;

/// Why a share link could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ShareError {
    /// The fragment is not an Upcheck list.
    #[error("this link does not carry an Upcheck list")]
    NotAList,
    /// Not valid base64url, or not valid deflate data.
    #[error("the shared list is damaged (was the link cut short?)")]
    Damaged,
    /// It would expand past [`MAX_LIST_BYTES`].
    #[error("the shared list is larger than {} MB", MAX_LIST_BYTES / 1024 / 1024)]
    TooLarge,
}

/// The fragment (without `#`) that carries `list`.
pub fn encode(list: &str) -> String {
    let packed = miniz_oxide::deflate::compress_to_vec(list.as_bytes(), 9);
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(packed))
}

/// The list a fragment carries (with or without the leading `#`).
pub fn decode(fragment: &str) -> Result<String, ShareError> {
    let data = fragment
        .trim_start_matches('#')
        .strip_prefix(PREFIX)
        .ok_or(ShareError::NotAList)?;
    let packed = URL_SAFE_NO_PAD
        .decode(data.trim())
        .map_err(|_| ShareError::Damaged)?;
    let bytes = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_LIST_BYTES)
        .map_err(|e| match e.status {
            miniz_oxide::inflate::TINFLStatus::HasMoreOutput => ShareError::TooLarge,
            _ => ShareError::Damaged,
        })?;
    String::from_utf8(bytes).map_err(|_| ShareError::Damaged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn five_hundred() -> String {
        (0..500)
            .map(|i| format!("https://site{i}.example.com/health\n"))
            .collect()
    }

    #[test]
    fn round_trip_and_fit_in_a_link() {
        let list = five_hundred();
        let fragment = encode(&list);
        assert_eq!(decode(&format!("#{fragment}")).unwrap(), list);
        // Browsers and servers handle URLs of 32 KB and more; aim far lower.
        assert!(fragment.len() < 4_000, "{} characters", fragment.len());
        assert!(fragment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_=.".contains(&b)));
    }

    #[test]
    fn unicode_and_empty_lists_survive() {
        for list in ["", "bücher.de\n# 例え\n"] {
            assert_eq!(decode(&encode(list)).unwrap(), list);
        }
    }

    #[test]
    fn broken_links_say_what_is_wrong() {
        assert_eq!(decode("#top"), Err(ShareError::NotAList));
        assert_eq!(decode("list=v1.@@@"), Err(ShareError::Damaged));
        let cut = encode(&five_hundred());
        assert_eq!(decode(&cut[..cut.len() / 2]), Err(ShareError::Damaged));
    }

    #[test]
    fn a_bomb_is_refused() {
        let bomb = vec![b'a'; MAX_LIST_BYTES + 1];
        let packed = miniz_oxide::deflate::compress_to_vec(&bomb, 9);
        let fragment = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(packed));
        assert!(fragment.len() < 20_000);
        assert_eq!(decode(&fragment), Err(ShareError::TooLarge));
    }
}
