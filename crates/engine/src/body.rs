//! Reading the start of a response body, decoded, and never more than asked:
//! the body assertions read up to the site's `within`, a bot wall's page up
//! to [`upcheck_core::wall::BODY_SNIFF_BYTES`].
//!
//! The cap counts *decoded* bytes, and decoding is pulled a buffer at a
//! time, so it stops as soon as the cap is reached: a gzip bomb costs the
//! cap, one decoder's state and one network chunk, however far it would
//! expand. `gzip` (also `x-gzip`), `deflate` (zlib-wrapped as HTTP means it,
//! or raw deflate as some servers send it) and `br` are decoded; any other
//! coding leaves the body unreadable, with the reason. Reading runs under the
//! try's deadline ([`Phase::Body`]).
//!
//! Every read first reserves what it may hold — its cap, a read buffer and
//! its decoder's worst case — from one [`BodyMemory`] for the whole proxy,
//! and holds it until it ends (SECURITY.md, "Proxy-wide memory for bodies").
//! A read that cannot get its share waits, under the same deadline; so the
//! bodies of every batch together never hold more than the budget.

use async_compression::tokio::bufread::{BrotliDecoder, DeflateDecoder, GzipDecoder, ZlibDecoder};
use futures_util::TryStreamExt;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, BufReader};
use tokio_util::io::StreamReader;

use super::{Deadline, Failure, Phase};

/// Decoded bytes asked of the decoder per read.
const READ_CHUNK: usize = 8 * 1024;

/// What a gzip or deflate decoder may hold: a 32 KiB window, its tables and
/// the input buffer, with room to spare.
const INFLATE_KIB: u32 = 64;
/// What a brotli decoder may hold: a window of up to 16 MiB (the stream
/// chooses it), its tables and the input buffer.
const BROTLI_KIB: u32 = 16 * 1024 + 256;

/// The memory all body reads together may hold, in KiB: a read reserves its
/// share before it reads ([`BodyMemory::reserve`]).
#[derive(Debug, Clone)]
pub struct BodyMemory {
    kib: Arc<tokio::sync::Semaphore>,
    total_kib: u32,
}

impl BodyMemory {
    /// A budget of `mib` MiB (at least 1).
    pub fn new(mib: usize) -> Self {
        // Capped at 256 GiB, which fits any semaphore on any platform.
        let total_kib = u32::try_from(mib.max(1).saturating_mul(1024))
            .unwrap_or(u32::MAX)
            .min(u32::MAX >> 4);
        BodyMemory {
            kib: Arc::new(tokio::sync::Semaphore::new(total_kib as usize)),
            total_kib,
        }
    }

    /// Waits for `kib` of the budget (the whole budget when `kib` is more),
    /// held until the permit is dropped.
    async fn reserve(&self, kib: u32) -> tokio::sync::OwnedSemaphorePermit {
        let kib = kib.min(self.total_kib);
        match self.kib.clone().acquire_many_owned(kib).await {
            Ok(permit) => permit,
            // The semaphore is never closed.
            Err(_) => unreachable!("the body memory is never closed"),
        }
    }

    /// KiB of the budget free now.
    pub fn free_kib(&self) -> usize {
        self.kib.available_permits()
    }
}

/// What reading up to `cap` decoded bytes sent with `coding` may hold, in KiB.
fn cost_kib(coding: Coding, cap: usize) -> u32 {
    let held = cap.div_ceil(1024) + READ_CHUNK / 1024;
    let held = u32::try_from(held).unwrap_or(u32::MAX);
    let decoder = match coding {
        Coding::Identity => 0,
        Coding::Gzip | Coding::Deflate => INFLATE_KIB,
        Coding::Brotli => BROTLI_KIB,
    };
    held.saturating_add(decoder)
}

/// The start of a body, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefix {
    /// At most the cap.
    pub bytes: Vec<u8>,
    /// True when the body ended within the cap.
    pub complete: bool,
}

/// A content coding this module decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    Identity,
    Gzip,
    Deflate,
    Brotli,
}

/// The coding `Content-Encoding` names, or why it cannot be decoded.
fn coding(header: Option<&HeaderValue>) -> Result<Coding, String> {
    let Some(value) = header else {
        return Ok(Coding::Identity);
    };
    let text = value
        .to_str()
        .map_err(|_| "its Content-Encoding is not readable".to_owned())?;
    let codings: Vec<String> = text
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty() && c != "identity")
        .collect();
    match codings.as_slice() {
        [] => Ok(Coding::Identity),
        [one] => match one.as_str() {
            "gzip" | "x-gzip" => Ok(Coding::Gzip),
            "deflate" => Ok(Coding::Deflate),
            "br" => Ok(Coding::Brotli),
            other => Err(format!(
                "it is encoded as '{}', which the proxy does not decode",
                super::line::clip(other, 64)
            )),
        },
        _ => Err(format!(
            "it is encoded more than once ('{}'), which the proxy does not decode",
            super::line::clip(text, 64)
        )),
    }
}

type Reader = Pin<Box<dyn AsyncRead + Send>>;

/// Reads at most `cap` decoded bytes of `body`, sent with `encoding`, before
/// `deadline`, holding its share of `memory` while it reads.
/// `Ok(Err(reason))`: the body cannot be read (an unknown coding, broken
/// compressed data, a connection that broke mid-body); `Err`: the deadline
/// passed.
pub async fn read_prefix(
    body: Incoming,
    encoding: Option<&HeaderValue>,
    cap: usize,
    memory: &BodyMemory,
    deadline: &Deadline,
) -> Result<Result<Prefix, String>, Failure> {
    let coding = match coding(encoding) {
        Ok(c) => c,
        Err(reason) => return Ok(Err(reason)),
    };
    let raw = StreamReader::new(body.into_data_stream().map_err(io::Error::other));
    let work = async move {
        let _held = memory.reserve(cost_kib(coding, cap)).await;
        let mut reader = decoder(raw, coding).await.map_err(|e| describe(&e))?;
        read_capped(&mut reader, cap, deadline).await
    };
    match deadline.run(Phase::Body, async { Ok(work.await) }).await {
        Ok(read) => Ok(read),
        Err(timeout) => Err(timeout),
    }
}

/// The decoded stream over `raw`.
async fn decoder<R>(raw: R, coding: Coding) -> io::Result<Reader>
where
    R: tokio::io::AsyncBufRead + Send + Unpin + 'static,
{
    Ok(match coding {
        Coding::Identity => Box::pin(raw),
        Coding::Gzip => {
            let mut d = GzipDecoder::new(raw);
            d.multiple_members(true);
            Box::pin(d)
        }
        Coding::Brotli => Box::pin(BrotliDecoder::new(raw)),
        Coding::Deflate => {
            // HTTP's `deflate` is zlib-wrapped; some servers send raw
            // deflate. Tell them apart by the zlib header's two bytes.
            let mut raw = raw;
            let mut head = [0u8; 2];
            let mut got = 0;
            while got < head.len() {
                let n = raw.read(&mut head[got..]).await?;
                if n == 0 {
                    break;
                }
                got += n;
            }
            let zlib = got == 2
                && head[0] & 0x0F == 8
                && (u16::from(head[0]) << 8 | u16::from(head[1])) % 31 == 0;
            let whole = BufReader::new(io::Cursor::new(head[..got].to_vec()).chain(raw));
            if zlib {
                Box::pin(ZlibDecoder::new(whole))
            } else {
                Box::pin(DeflateDecoder::new(whole))
            }
        }
    })
}

/// Reads up to `cap` bytes, then one more byte to learn whether the body
/// ended there (a body that stalls right at the cap is reported incomplete,
/// never as a timeout).
async fn read_capped(
    reader: &mut Reader,
    cap: usize,
    deadline: &Deadline,
) -> Result<Prefix, String> {
    let mut bytes = Vec::with_capacity(cap.min(4 * READ_CHUNK));
    let mut chunk = vec![0u8; READ_CHUNK];
    while bytes.len() < cap {
        let want = (cap - bytes.len()).min(READ_CHUNK);
        let n = reader
            .read(&mut chunk[..want])
            .await
            .map_err(|e| describe(&e))?;
        if n == 0 {
            return Ok(Prefix {
                bytes,
                complete: true,
            });
        }
        bytes.extend_from_slice(&chunk[..n]);
    }
    let probe = async { Ok(reader.read(&mut chunk[..1]).await) };
    let complete = matches!(deadline.run(Phase::Body, probe).await, Ok(Ok(0)));
    Ok(Prefix { bytes, complete })
}

/// Why the body could not be read, for people.
fn describe(e: &io::Error) -> String {
    let mut source: Option<&(dyn std::error::Error + 'static)> = e.get_ref().map(|e| e as _);
    while let Some(s) = source {
        if let Some(h) = s.downcast_ref::<hyper::Error>() {
            return if h.is_incomplete_message() {
                "the connection closed before the body ended".to_owned()
            } else {
                format!("reading it failed: {h}")
            };
        }
        source = s.source();
    }
    format!("it could not be decoded: {e}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codings_are_read_from_the_header() {
        let h = |s: &'static str| HeaderValue::from_static(s);
        assert_eq!(coding(None), Ok(Coding::Identity));
        assert_eq!(coding(Some(&h("GZIP"))), Ok(Coding::Gzip));
        assert_eq!(coding(Some(&h("x-gzip"))), Ok(Coding::Gzip));
        assert_eq!(coding(Some(&h(" br "))), Ok(Coding::Brotli));
        assert_eq!(coding(Some(&h("identity"))), Ok(Coding::Identity));
        assert_eq!(coding(Some(&h("deflate, identity"))), Ok(Coding::Deflate));
        assert!(coding(Some(&h("zstd"))).unwrap_err().contains("'zstd'"));
        assert!(coding(Some(&h("gzip, br"))).is_err());
    }

    async fn decode(coding: Coding, data: Vec<u8>, cap: usize) -> Prefix {
        let raw = BufReader::new(io::Cursor::new(data));
        let mut reader = decoder(raw, coding).await.unwrap();
        let deadline = Deadline::new(std::time::Duration::from_secs(5));
        read_capped(&mut reader, cap, &deadline).await.unwrap()
    }

    #[tokio::test]
    async fn the_cap_counts_decoded_bytes_and_a_body_that_fits_is_complete() {
        use async_compression::tokio::write::{DeflateEncoder, GzipEncoder, ZlibEncoder};
        use tokio::io::AsyncWriteExt;
        let plain = b"hello hello hello ".repeat(1000);
        let mut gz = GzipEncoder::new(Vec::new());
        gz.write_all(&plain).await.unwrap();
        gz.shutdown().await.unwrap();
        let gz = gz.into_inner();
        let got = decode(Coding::Gzip, gz.clone(), 100).await;
        assert_eq!((got.bytes.len(), got.complete), (100, false));
        let got = decode(Coding::Gzip, gz, plain.len()).await;
        assert_eq!((got.bytes, got.complete), (plain.clone(), true));
        // Zlib-wrapped and raw deflate both read as `deflate`.
        let mut z = ZlibEncoder::new(Vec::new());
        z.write_all(&plain).await.unwrap();
        z.shutdown().await.unwrap();
        let got = decode(Coding::Deflate, z.into_inner(), 1 << 20).await;
        assert_eq!(got.bytes, plain);
        let mut d = DeflateEncoder::new(Vec::new());
        d.write_all(&plain).await.unwrap();
        d.shutdown().await.unwrap();
        let got = decode(Coding::Deflate, d.into_inner(), 1 << 20).await;
        assert_eq!((got.bytes, got.complete), (plain, true));
    }

    #[test]
    fn a_read_reserves_its_cap_and_its_decoder_s_worst_case() {
        assert_eq!(cost_kib(Coding::Identity, 64 * 1024), 64 + 8);
        assert_eq!(cost_kib(Coding::Gzip, 64 * 1024), 64 + 8 + 64);
        assert_eq!(cost_kib(Coding::Deflate, 1), 1 + 8 + 64);
        assert_eq!(
            cost_kib(Coding::Brotli, 1 << 20),
            1024 + 8 + 16 * 1024 + 256
        );
    }

    #[tokio::test]
    async fn reads_wait_for_their_share_and_one_too_big_takes_the_whole_budget() {
        use std::time::Duration;
        let memory = BodyMemory::new(1);
        assert_eq!(memory.free_kib(), 1024);
        let first = memory.reserve(700).await;
        assert_eq!(memory.free_kib(), 324);
        // The second does not fit until the first gives its share back.
        let second = memory.reserve(500);
        tokio::pin!(second);
        let waited = tokio::time::timeout(Duration::from_millis(50), &mut second).await;
        assert!(waited.is_err(), "reserved past the budget");
        drop(first);
        let second = second.await;
        assert_eq!(memory.free_kib(), 524);
        drop(second);
        // A brotli read's share is more than this whole budget: it takes all
        // of it rather than waiting for ever.
        let all = tokio::time::timeout(
            Duration::from_secs(1),
            memory.reserve(cost_kib(Coding::Brotli, 1024)),
        )
        .await
        .expect("a share bigger than the budget takes the budget");
        assert_eq!(memory.free_kib(), 0);
        drop(all);
        assert_eq!(memory.free_kib(), 1024);
    }

    #[tokio::test]
    async fn broken_data_is_a_reason_not_a_panic() {
        let raw = BufReader::new(io::Cursor::new(b"not gzip at all".to_vec()));
        let mut reader = decoder(raw, Coding::Gzip).await.unwrap();
        let deadline = Deadline::new(std::time::Duration::from_secs(5));
        let e = read_capped(&mut reader, 100, &deadline).await.unwrap_err();
        assert!(e.starts_with("it could not be decoded"), "{e}");
    }
}
