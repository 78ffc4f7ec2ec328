//! What `upcheck check` prints: the same rows every front end holds
//! ([`Row`]), written by core's exports (CSV, Markdown, the proxy's JSON
//! lines) or here (a terminal table, JUnit XML for CI test reports).

use std::fmt::Write as _;
use upcheck_core::export;
use upcheck_core::row::Row;
use upcheck_core::Outcome;

use crate::list::Site;

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for a person.
    Table,
    /// One JSON object per site, the proxy's line format, as each check ends.
    Jsonl,
    /// CSV with a header row (re-imports into the page with its options).
    Csv,
    /// A Markdown table (a CI job summary).
    Md,
    /// JUnit XML: one test case per site, failures by `--fail-on`.
    Junit,
}

/// The whole report for formats written once every check has ended
/// (`jsonl` is streamed instead). `failing` says which outcomes fail.
pub fn report(
    format: Format,
    sites: &[Site],
    rows: &[Row],
    failing: &dyn Fn(Outcome) -> bool,
) -> String {
    let refs: Vec<&Row> = rows.iter().collect();
    match format {
        Format::Table => table(rows),
        Format::Jsonl => export::to_json_lines(&refs, &[]),
        Format::Csv => export::to_csv(&refs, &[]),
        Format::Md => export::to_markdown(&refs, &[]),
        Format::Junit => junit(sites, rows, failing),
    }
}

fn table(rows: &[Row]) -> String {
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            let result = r.result();
            [
                format!("{} {}", r.outcome().icon(), r.outcome().as_str()),
                result
                    .and_then(|x| x.status)
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
                r.latency_ms()
                    .map(|ms| format!("{ms:.0} ms"))
                    .unwrap_or_default(),
                r.url.clone(),
                r.detail().to_owned(),
            ]
        })
        .collect();
    let header = ["OUTCOME", "STATUS", "TIME", "URL", "DETAIL"].map(str::to_owned);
    let mut widths = [0usize; 5];
    for row in std::iter::once(&header).chain(&cells) {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&cells) {
        let mut line = String::new();
        for (i, (c, w)) in row.iter().zip(widths).enumerate() {
            let pad = w - c.chars().count();
            match i {
                // Numbers align right, the rest left; the last column is not padded.
                1 | 2 => line.push_str(&format!("{}{c}  ", " ".repeat(pad))),
                4 => line.push_str(c),
                _ => line.push_str(&format!("{c}{}  ", " ".repeat(pad))),
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 cannot carry other control characters, even escaped.
            c if c.is_control() && !matches!(c, '\n' | '\t' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// One `<testsuite>` per list file, one `<testcase>` per site; a failing
/// outcome is a `<failure>` whose type is the outcome word.
fn junit(sites: &[Site], rows: &[Row], failing: &dyn Fn(Outcome) -> bool) -> String {
    let mut files: Vec<&str> = Vec::new();
    for s in sites {
        if !files.contains(&s.file.as_str()) {
            files.push(&s.file);
        }
    }
    let secs = |r: &Row| r.latency_ms().unwrap_or(0.0) / 1000.0;
    let failures = rows.iter().filter(|r| failing(r.outcome())).count();
    let total: f64 = rows.iter().map(secs).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"upcheck\" tests=\"{}\" failures=\"{failures}\" time=\"{total:.3}\">",
        rows.len()
    );
    for file in files {
        let mine: Vec<&Row> = sites
            .iter()
            .zip(rows)
            .filter(|(s, _)| s.file == file)
            .map(|(_, r)| r)
            .collect();
        let failed = mine.iter().filter(|r| failing(r.outcome())).count();
        let time: f64 = mine.iter().map(|r| secs(r)).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" time=\"{time:.3}\">",
            xml(file),
            mine.len()
        );
        for r in mine {
            let outcome = r.outcome();
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}:{}\" time=\"{:.3}\"",
                xml(&r.url),
                xml(file),
                r.line,
                secs(r)
            );
            if failing(outcome) {
                let _ = writeln!(
                    out,
                    ">\n      <failure type=\"{}\" message=\"{}\">{}:{}: {} is {}: {}</failure>\n    </testcase>",
                    outcome.as_str(),
                    xml(r.detail()),
                    xml(file),
                    r.line,
                    xml(&r.url),
                    outcome.as_str(),
                    xml(r.detail())
                );
            } else {
                let _ = writeln!(
                    out,
                    ">\n      <system-out>{}: {}</system-out>\n    </testcase>",
                    outcome.as_str(),
                    xml(r.detail())
                );
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use upcheck_core::result::CheckResult;
    use upcheck_core::row::Progress;

    #[test]
    fn xml_escapes_markup_and_drops_characters_xml_cannot_hold() {
        assert_eq!(
            xml("a<b>&\"c'\u{1b}"),
            "a&lt;b&gt;&amp;&quot;c&apos;\u{fffd}"
        );
    }

    #[test]
    fn the_table_aligns_columns_and_keeps_the_detail_whole() {
        let mut up = Row::queued(0, 1, "https://a.example/".into());
        up.progress = Progress::Done(CheckResult {
            status: Some(200),
            latency_ms: Some(81.4),
            ..CheckResult::bare(Outcome::Up, "HTTP 200 OK")
        });
        let mut down = Row::queued(1, 2, "https://bb.example/x".into());
        down.progress = Progress::Done(CheckResult {
            status: Some(404),
            latency_ms: Some(1204.0),
            ..CheckResult::bare(Outcome::Down, "HTTP 404 Not Found")
        });
        let out = table(&[up, down]);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3, "{out}");
        assert!(lines[1].starts_with("✓ up    "), "{out}");
        assert!(
            lines[2].contains("404  1204 ms  https://bb.example/x  HTTP 404 Not Found"),
            "{out}"
        );
        assert!(
            lines[1].contains("200    81 ms  https://a.example/    HTTP 200 OK"),
            "{out}"
        );
    }
}
