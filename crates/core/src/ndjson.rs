//! Reading NDJSON (one JSON document per line) from a byte stream that arrives
//! in arbitrary chunks: a chunk may end mid-line, or hold several lines.
//!
//! [`LineReader`] only finds the lines; parsing each one is the caller's job.
//! It holds at most one unfinished line, and refuses a line longer than a cap
//! so a broken or hostile stream cannot make it buffer without end. After a
//! refused line it skips to the next newline, so one bad line costs that line
//! and nothing after it.

use thiserror::Error;

/// Longest line [`LineReader::default`] accepts, without its line ending. The
/// proxy's longest line (a check with ten redirects and a long error) is a
/// few kilobytes; 64 KiB leaves room without letting a stream eat memory.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// A line longer than the reader's limit; it was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("line {line} of the stream is longer than {max} bytes and was skipped")]
pub struct LineTooLong {
    /// 1-based line number in the stream, counting blank lines.
    pub line: usize,
    /// The limit it broke.
    pub max: usize,
}

/// One item from the reader: a line without its `\n` or `\r\n`, or why a line
/// was skipped.
pub type Line = Result<Vec<u8>, LineTooLong>;

/// Splits a chunked byte stream into lines. Feeding a stream in any chunks
/// gives the same items, in the same order, as feeding it in one piece.
///
/// Lines end at `\n`; one `\r` before it is dropped too. Blank lines (nothing
/// but ASCII whitespace) are skipped. The last line needs no `\n`:
/// [`finish`](Self::finish) returns it.
#[derive(Debug, Clone)]
pub struct LineReader {
    // The start of a line whose `\n` has not arrived yet; never longer than
    // `max + 1` bytes (the extra one: a `\r` that may be half of a `\r\n`).
    carry: Vec<u8>,
    // Set after a line was refused, until its `\n` arrives.
    skipping: bool,
    // 1-based number of the line being read.
    line: usize,
    max: usize,
}

impl Default for LineReader {
    fn default() -> Self {
        Self::with_limit(MAX_LINE_BYTES)
    }
}

impl LineReader {
    /// A reader that refuses lines longer than `max` bytes (line ending not
    /// counted).
    pub fn with_limit(max: usize) -> Self {
        Self {
            carry: Vec::new(),
            skipping: false,
            line: 1,
            max,
        }
    }

    /// Feeds the next chunk; returns the lines it completed, in order.
    ///
    /// A `Vec` rather than a lazy iterator: an iterator dropped half-way would
    /// silently lose the rest of the chunk. Lines that lie wholly inside
    /// `chunk` are copied once, straight into the returned line.
    #[must_use = "the lines are only returned here"]
    pub fn push(&mut self, chunk: &[u8]) -> Vec<Line> {
        let mut out = Vec::new();
        let mut rest = chunk;
        while let Some(end) = rest.iter().position(|&b| b == b'\n') {
            if let Some(item) = self.end_line(&rest[..end]) {
                out.push(item);
            }
            rest = &rest[end + 1..];
        }
        if let Some(refused) = self.hold(rest) {
            out.push(Err(refused));
        }
        out
    }

    /// The last line if the stream did not end with a newline (and it is
    /// neither blank nor already refused).
    pub fn finish(self) -> Option<Line> {
        if self.skipping {
            return None;
        }
        self.judge(&self.carry)
    }

    /// `head` ends the current line (its `\n` is not included).
    fn end_line(&mut self, head: &[u8]) -> Option<Line> {
        let item = if self.skipping {
            self.skipping = false;
            None
        } else if self.carry.is_empty() {
            self.judge(head)
        } else if content_len(&self.carry, head) > self.max {
            self.carry.clear();
            Some(Err(self.too_long()))
        } else {
            self.carry.extend_from_slice(head);
            let item = self.judge(&self.carry);
            // Keeps the buffer's capacity for the next split line.
            self.carry.clear();
            item
        };
        self.line += 1;
        item
    }

    /// Keeps `part`, the start of a line, until its end arrives, unless the
    /// line is already too long: then refuses it now, and skips to its end.
    fn hold(&mut self, part: &[u8]) -> Option<LineTooLong> {
        if self.skipping || part.is_empty() {
            return None;
        }
        if content_len(&self.carry, part) > self.max {
            self.carry.clear();
            self.skipping = true;
            return Some(self.too_long());
        }
        self.carry.extend_from_slice(part);
        None
    }

    /// A whole line (without `\n`) → what the caller gets for it.
    fn judge(&self, line: &[u8]) -> Option<Line> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.len() > self.max {
            Some(Err(self.too_long()))
        } else if line.iter().all(u8::is_ascii_whitespace) {
            None
        } else {
            Some(Ok(line.to_vec()))
        }
    }

    fn too_long(&self) -> LineTooLong {
        LineTooLong {
            line: self.line,
            max: self.max,
        }
    }
}

/// Length of the line `a` + `b` without a final `\r`, which may be half of a
/// `\r\n` whose `\n` has not arrived yet.
fn content_len(a: &[u8], b: &[u8]) -> usize {
    let last = b.last().or(a.last());
    a.len() + b.len() - usize::from(last == Some(&b'\r'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Line {
        Ok(s.as_bytes().to_vec())
    }

    fn feed(reader: &mut LineReader, chunks: &[&str]) -> Vec<Line> {
        let mut out = Vec::new();
        for chunk in chunks {
            out.extend(reader.push(chunk.as_bytes()));
        }
        out
    }

    #[test]
    fn lines_split_across_and_within_chunks() {
        let mut reader = LineReader::default();
        let got = feed(&mut reader, &["{\"a\":", "1}\n{\"b\":2}\n{\"c\"", ":3}\n"]);
        assert_eq!(got, [ok("{\"a\":1}"), ok("{\"b\":2}"), ok("{\"c\":3}")]);
        assert_eq!(reader.finish(), None);
    }

    #[test]
    fn crlf_blank_lines_and_an_unterminated_last_line() {
        let mut reader = LineReader::default();
        // The `\r` of a `\r\n` arrives in one chunk, its `\n` in the next.
        let got = feed(&mut reader, &["a\r", "\n\r\n  \t\n\nb\r\nc\rd\n", "last"]);
        assert_eq!(got, [ok("a"), ok("b"), ok("c\rd")]);
        assert_eq!(reader.finish(), Some(ok("last")));
        let mut reader = LineReader::default();
        assert!(feed(&mut reader, &[" \r\n", "\r"]).is_empty());
        assert_eq!(reader.finish(), None, "a blank last line is skipped too");
    }

    #[test]
    fn a_line_at_the_limit_passes_and_one_byte_more_is_refused() {
        let mut reader = LineReader::with_limit(4);
        let got = feed(&mut reader, &["abcd\r", "\nabcde\nxy\n"]);
        assert_eq!(
            got,
            [ok("abcd"), Err(LineTooLong { line: 2, max: 4 }), ok("xy")]
        );
    }

    #[test]
    fn an_overlong_line_is_refused_early_and_the_rest_survives() {
        let mut reader = LineReader::default();
        let big = vec![b'x'; MAX_LINE_BYTES + 1];
        // Refused as soon as it is too long, before its newline arrives.
        assert_eq!(
            reader.push(&big),
            [Err(LineTooLong {
                line: 1,
                max: MAX_LINE_BYTES
            })]
        );
        // The rest of it is skipped without being kept, then reading resumes.
        assert!(reader.push(&big).is_empty());
        assert!(reader.carry.is_empty());
        assert_eq!(reader.push(b"tail\n{}\n"), [ok("{}")]);
        assert_eq!(reader.finish(), None);
    }

    #[test]
    fn an_overlong_last_line_is_refused_once() {
        let mut reader = LineReader::with_limit(3);
        assert_eq!(
            reader.push(b"ok\nabcd"),
            [ok("ok"), Err(LineTooLong { line: 2, max: 3 })]
        );
        assert_eq!(reader.finish(), None);
        let mut reader = LineReader::with_limit(3);
        assert!(reader.push(b"abc\r").is_empty(), "may still be a \\r\\n");
        assert_eq!(reader.finish(), Some(ok("abc")));
    }

    #[test]
    fn the_error_names_the_line_and_the_limit() {
        let err = LineTooLong {
            line: 7,
            max: 65536,
        };
        assert_eq!(
            err.to_string(),
            "line 7 of the stream is longer than 65536 bytes and was skipped"
        );
    }
}
