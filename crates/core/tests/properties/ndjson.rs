//! The NDJSON line reader: however a stream is cut into chunks, the same lines
//! come out, and they are the lines a plain split on `\n` gives.

use proptest::prelude::*;
use upcheck_core::ndjson::{Line, LineReader, LineTooLong, MAX_LINE_BYTES};

/// Byte streams built from pieces that make line-ending trouble: newlines,
/// `\r` alone and before `\n`, whitespace, runs just around a small limit, and
/// arbitrary bytes (invalid UTF-8 included).
fn stream() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        3 => Just(b"\n".to_vec()),
        2 => Just(b"\r\n".to_vec()),
        1 => Just(b"\r".to_vec()),
        1 => prop::sample::select(vec![b" ".to_vec(), b"\t".to_vec(), b"\x0c".to_vec()]),
        2 => (0usize..20).prop_map(|n| vec![b'x'; n]),
        3 => prop::collection::vec(any::<u8>(), 0..12),
    ];
    prop_oneof![
        3 => prop::collection::vec(piece, 0..40).prop_map(|p| p.concat()),
        1 => prop::collection::vec(any::<u8>(), 0..400),
    ]
}

/// `bytes` cut at `cuts` (taken modulo its length; repeats make empty chunks).
fn chunks<'a>(bytes: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut at: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    at.sort_unstable();
    let mut out = Vec::with_capacity(at.len() + 1);
    let mut from = 0;
    for to in at {
        out.push(&bytes[from..to]);
        from = to;
    }
    out.push(&bytes[from..]);
    out
}

/// Everything a reader gives for `chunks`, `finish` included.
fn read_all(mut reader: LineReader, chunks: &[&[u8]]) -> Vec<Line> {
    let mut out = Vec::new();
    for chunk in chunks {
        out.extend(reader.push(chunk));
    }
    out.extend(reader.finish());
    out
}

/// What the reader should say, worked out the slow, obvious way.
fn model(bytes: &[u8], max: usize) -> Vec<Line> {
    bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .filter_map(|(i, line)| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.len() > max {
                Some(Err(LineTooLong { line: i + 1, max }))
            } else if line.iter().all(u8::is_ascii_whitespace) {
                None
            } else {
                Some(Ok(line.to_vec()))
            }
        })
        .collect()
}

fn limit() -> impl Strategy<Value = usize> {
    prop_oneof![3 => 0usize..24, 1 => Just(MAX_LINE_BYTES)]
}

proptest! {
    #![proptest_config(crate::config())]

    #[test]
    fn any_chunking_gives_the_lines_of_the_whole(
        bytes in stream(),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
        max in limit(),
    ) {
        let whole = read_all(LineReader::with_limit(max), &[&bytes]);
        let chunked = read_all(LineReader::with_limit(max), &chunks(&bytes, &cuts));
        prop_assert_eq!(&chunked, &whole);
        let byte_by_byte: Vec<&[u8]> = bytes.chunks(1).collect();
        prop_assert_eq!(read_all(LineReader::with_limit(max), &byte_by_byte), whole);
    }

    #[test]
    fn lines_are_a_split_on_newline_minus_blanks_and_overlong_ones(
        bytes in stream(),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
        max in limit(),
    ) {
        let got = read_all(LineReader::with_limit(max), &chunks(&bytes, &cuts));
        prop_assert_eq!(got, model(&bytes, max));
    }

    #[test]
    fn json_documents_written_one_per_line_are_read_back(
        docs in prop::collection::vec(any::<String>(), 0..10),
        crlf in any::<bool>(),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
    ) {
        let end = if crlf { "\r\n" } else { "\n" };
        let stream: String = docs
            .iter()
            .map(|d| serde_json::to_string(d).unwrap() + end)
            .collect();
        let read: Vec<String> = read_all(LineReader::default(), &chunks(stream.as_bytes(), &cuts))
            .into_iter()
            .map(|line| serde_json::from_slice(&line.unwrap()).unwrap())
            .collect();
        prop_assert_eq!(read, docs);
    }
}

proptest! {
    // Each case moves a few hundred KiB; fewer of them still cover the edges.
    #![proptest_config(crate::config_with(300))]

    #[test]
    fn the_real_limit_holds_at_its_edge_and_later_lines_survive(
        lens in prop::collection::vec(
            prop_oneof![MAX_LINE_BYTES - 2..=MAX_LINE_BYTES + 2, 0usize..8], 1..6),
        crlf in any::<bool>(),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let end: &[u8] = if crlf { b"\r\n" } else { b"\n" };
        let mut bytes = Vec::new();
        for (i, len) in lens.iter().enumerate() {
            bytes.extend(std::iter::repeat_n(b'a' + (i % 26) as u8, *len));
            bytes.extend_from_slice(end);
        }
        let got = read_all(LineReader::default(), &chunks(&bytes, &cuts));
        let want: Vec<Line> = lens
            .iter()
            .enumerate()
            .filter(|&(_, &len)| len > 0)
            .map(|(i, &len)| {
                if len > MAX_LINE_BYTES {
                    Err(LineTooLong { line: i + 1, max: MAX_LINE_BYTES })
                } else {
                    Ok(vec![b'a' + (i % 26) as u8; len])
                }
            })
            .collect();
        prop_assert_eq!(got, want);
    }
}
