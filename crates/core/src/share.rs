//! Share links: the list travels in the URL *fragment* (`#list=…`), which
//! browsers never send to any server. The text is deflated (lists of URLs
//! repeat themselves a lot) and base64url-encoded, so a few hundred URLs fit
//! in a link.
//!
//! This module is the link's format: the prefix, base64url, and the cap on
//! what a link may expand to. The deflating itself is raw DEFLATE (RFC 1951),
//! which the page leaves to the browser's own `CompressionStream` and
//! `DecompressionStream` ("deflate-raw": src/services/share.rs), so the wasm
//! carries no compressor; links made before that (by miniz_oxide, also raw
//! DEFLATE) open the same way.

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

/// The fragment (without `#`) that carries `deflated`, a list compressed
/// with raw DEFLATE.
pub fn pack(deflated: &[u8]) -> String {
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(deflated))
}

/// The raw DEFLATE data a fragment carries (with or without the leading `#`),
/// still to be inflated, to at most [`MAX_LIST_BYTES`] of UTF-8 text.
pub fn unpack(fragment: &str) -> Result<Vec<u8>, ShareError> {
    let data = fragment
        .trim_start_matches('#')
        .strip_prefix(PREFIX)
        .ok_or(ShareError::NotAList)?;
    URL_SAFE_NO_PAD
        .decode(data.trim())
        .map_err(|_| ShareError::Damaged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_bytes_come_back_and_fit_in_a_url() {
        let bytes: Vec<u8> = (0..=255).collect();
        let fragment = pack(&bytes);
        assert!(fragment.starts_with(PREFIX));
        assert!(fragment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_=.".contains(&b)));
        assert_eq!(unpack(&format!("#{fragment}")).unwrap(), bytes);
        assert_eq!(unpack(&pack(&[])).unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn broken_links_say_what_is_wrong() {
        assert_eq!(unpack("#top"), Err(ShareError::NotAList));
        assert_eq!(unpack("list=v1.@@@"), Err(ShareError::Damaged));
    }
}
