//! Share links, compressed by the browser: the list is deflated by its
//! `CompressionStream("deflate-raw")` and inflated by its
//! `DecompressionStream`, so the wasm carries no DEFLATE code of its own
//! (about 16 KB gzip of it). Core keeps the link's format
//! (`upcheck_core::share`: the prefix, base64url, the size cap); links made
//! before, by miniz_oxide, are raw DEFLATE too and open the same way.

use js_sys::{Array, Uint8Array};
use upcheck_core::share::{self, ShareError, MAX_LIST_BYTES};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, ReadableStream, ReadableStreamDefaultReader, ReadableStreamReadResult,
    ReadableWritablePair, WritableStream,
};

// web-sys has these two behind `--cfg=web_sys_unstable_apis`; they are in
// every browser the page supports (Chrome 80, Firefox 113, Safari 16.4 for
// "deflate-raw"), so the page binds the little it uses itself.
#[wasm_bindgen]
extern "C" {
    type CompressionStream;
    #[wasm_bindgen(constructor, catch)]
    fn new(format: &str) -> Result<CompressionStream, JsValue>;
    #[wasm_bindgen(method, getter)]
    fn readable(this: &CompressionStream) -> ReadableStream;
    #[wasm_bindgen(method, getter)]
    fn writable(this: &CompressionStream) -> WritableStream;

    type DecompressionStream;
    #[wasm_bindgen(constructor, catch)]
    fn new(format: &str) -> Result<DecompressionStream, JsValue>;
    #[wasm_bindgen(method, getter)]
    fn readable(this: &DecompressionStream) -> ReadableStream;
    #[wasm_bindgen(method, getter)]
    fn writable(this: &DecompressionStream) -> WritableStream;
}

/// Raw DEFLATE (RFC 1951), no zlib or gzip wrapper: what links carry.
const FORMAT: &str = "deflate-raw";

/// The fragment (without `#`) that carries `list`.
pub(crate) async fn encode(list: &str) -> Result<String, String> {
    let packed = async {
        let blob = Blob::new_with_str_sequence(&Array::of1(&list.into())).ok()?;
        let deflate = CompressionStream::new(FORMAT).ok()?;
        let pair = ReadableWritablePair::new(&deflate.readable(), &deflate.writable());
        read_at_most(blob.stream().pipe_through(&pair), usize::MAX)
            .await
            .ok()
    };
    let packed = packed
        .await
        .ok_or("the browser could not compress the list")?;
    Ok(share::pack(&packed))
}

/// The list a fragment carries (with or without the leading `#`): at most
/// [`MAX_LIST_BYTES`] of it is ever inflated, so a crafted link that expands
/// to gigabytes costs that much and no more.
pub(crate) async fn decode(fragment: &str) -> Result<String, ShareError> {
    let packed = share::unpack(fragment)?;
    let bytes = Uint8Array::from(packed.as_slice());
    let blob =
        Blob::new_with_u8_array_sequence(&Array::of1(&bytes)).map_err(|_| ShareError::Damaged)?;
    let inflate = DecompressionStream::new(FORMAT).map_err(|_| ShareError::Damaged)?;
    let pair = ReadableWritablePair::new(&inflate.readable(), &inflate.writable());
    let list = read_at_most(blob.stream().pipe_through(&pair), MAX_LIST_BYTES)
        .await
        .map_err(|end| match end {
            End::TooLong => ShareError::TooLarge,
            End::Broken => ShareError::Damaged,
        })?;
    String::from_utf8(list).map_err(|_| ShareError::Damaged)
}

/// Why a stream was not read to its end.
enum End {
    /// It held more than the limit (the rest is cancelled, never read).
    TooLong,
    /// It failed: for an inflater, data that is not valid DEFLATE.
    Broken,
}

async fn read_at_most(stream: ReadableStream, limit: usize) -> Result<Vec<u8>, End> {
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut bytes = Vec::new();
    loop {
        let chunk: ReadableStreamReadResult = JsFuture::from(reader.read())
            .await
            .map_err(|_| End::Broken)?
            .unchecked_into();
        if chunk.get_done().unwrap_or(true) {
            return Ok(bytes);
        }
        let array = Uint8Array::new(&chunk.get_value());
        if array.length() as usize > limit - bytes.len() {
            let _ = reader.cancel_with_reason(&JsValue::from_str("over the limit"));
            return Err(End::TooLong);
        }
        bytes.extend(array.to_vec());
    }
}
