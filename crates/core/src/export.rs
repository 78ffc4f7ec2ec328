//! Results out of the page: CSV, JSON lines in the proxy's own format (so one
//! tool reads both), and a Markdown table.

use crate::wire::{CheckLine, ErrorKind, LineError, Timings};
use crate::Outcome;

/// One result row, as the page holds it.
#[derive(Debug, Clone, Copy)]
pub struct ExportRow<'a> {
    /// Position in the list.
    pub index: usize,
    /// Line of the pasted list.
    pub line: usize,
    /// Normalised URL (or the text as written, for `invalid`).
    pub url: &'a str,
    /// Outcome.
    pub outcome: Outcome,
    /// HTTP status, if seen.
    pub status: Option<u16>,
    /// Latency in milliseconds, if measured.
    pub latency_ms: Option<f64>,
    /// What was seen, in words.
    pub detail: &'a str,
    /// Final URL after redirects, if known.
    pub final_url: Option<&'a str>,
    /// The proxy's full report, when the check went through the proxy.
    pub proxy: Option<&'a CheckLine>,
}

/// Header of the CSV export.
pub const CSV_HEADER: [&str; 7] = [
    "line",
    "url",
    "outcome",
    "status",
    "latency_ms",
    "final_url",
    "detail",
];

/// CSV with a header row; fields quoted where needed.
pub fn to_csv(rows: &[ExportRow<'_>]) -> String {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    // Writing to memory cannot fail; a failed record is skipped rather than
    // losing the whole export.
    let _ = w.write_record(CSV_HEADER);
    for r in rows {
        let _ = w.write_record([
            r.line.to_string(),
            r.url.to_owned(),
            r.outcome.as_str().to_owned(),
            r.status.map(|s| s.to_string()).unwrap_or_default(),
            r.latency_ms
                .map(|ms| format!("{ms:.0}"))
                .unwrap_or_default(),
            r.final_url.unwrap_or_default().to_owned(),
            r.detail.to_owned(),
        ]);
    }
    w.into_inner()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default()
}

/// One JSON object per line, exactly the proxy's `POST /api/check` line format.
pub fn to_json_lines(rows: &[ExportRow<'_>]) -> String {
    rows.iter()
        .filter_map(|r| serde_json::to_string(&as_line(r)).ok())
        .map(|mut line| {
            line.push('\n');
            line
        })
        .collect()
}

/// A row as a proxy line: the proxy's own report when there is one, else what
/// the browser saw, with the fields it could not learn left `null`.
pub fn as_line(r: &ExportRow<'_>) -> CheckLine {
    if let Some(line) = r.proxy {
        let mut line = line.clone();
        line.index = r.index;
        line.outcome = r.outcome;
        return line;
    }
    let kind = match r.outcome {
        Outcome::Up | Outcome::Down | Outcome::Reachable | Outcome::Queued | Outcome::Checking => {
            None
        }
        Outcome::Timeout => Some(ErrorKind::Timeout),
        Outcome::Invalid => Some(ErrorKind::BadUrl),
        _ => Some(ErrorKind::Other),
    };
    CheckLine {
        index: r.index,
        url: r.url.to_owned(),
        outcome: r.outcome,
        status: r.status,
        reason: None,
        final_url: r.final_url.map(str::to_owned),
        redirects: Vec::new(),
        timings_ms: Timings {
            total: r.latency_ms.map_or(0, |ms| ms.round() as u64),
            ..Timings::default()
        },
        ip: None,
        http_version: None,
        tls: None,
        error: kind.map(|kind| LineError {
            kind,
            message: r.detail.to_owned(),
        }),
    }
}

/// A Markdown table, `|` in cells escaped.
pub fn to_markdown(rows: &[ExportRow<'_>]) -> String {
    let cell = |s: &str| s.replace('|', "\\|").replace(['\n', '\r'], " ");
    let mut out = String::from("| line | outcome | URL | status | latency | detail |\n");
    out.push_str("|---:|---|---|---:|---:|---|\n");
    for r in rows {
        out.push_str(&format!(
            "| {} | {} {} | {} | {} | {} | {} |\n",
            r.line,
            r.outcome.icon(),
            r.outcome.as_str(),
            cell(r.url),
            r.status.map(|s| s.to_string()).unwrap_or_default(),
            r.latency_ms
                .map(|ms| format!("{ms:.0} ms"))
                .unwrap_or_default(),
            cell(r.detail),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<ExportRow<'static>> {
        vec![
            ExportRow {
                index: 0,
                line: 1,
                url: "https://a.com/",
                outcome: Outcome::Up,
                status: Some(200),
                latency_ms: Some(81.4),
                detail: "HTTP 200 OK",
                final_url: None,
                proxy: None,
            },
            ExportRow {
                index: 1,
                line: 3,
                url: "ftp://x",
                outcome: Outcome::Invalid,
                status: None,
                latency_ms: None,
                detail: "line 3: 'ftp:' cannot be checked, \"really\" | no",
                final_url: None,
                proxy: None,
            },
        ]
    }

    #[test]
    fn csv_reads_back() {
        let text = to_csv(&rows());
        let mut r = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), CSV_HEADER);
        let back: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(back.len(), 2);
        assert_eq!(&back[0][2], "up");
        assert_eq!(&back[0][4], "81");
        assert_eq!(&back[1][6], rows()[1].detail);
    }

    #[test]
    fn json_lines_read_back_as_proxy_lines() {
        let text = to_json_lines(&rows());
        let back: Vec<CheckLine> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(back[0].outcome, Outcome::Up);
        assert_eq!(back[0].status, Some(200));
        assert_eq!(back[0].timings_ms.total, 81);
        assert_eq!(back[1].error.as_ref().unwrap().kind, ErrorKind::BadUrl);
        assert!(back[1].ip.is_none());
    }

    #[test]
    fn markdown_has_a_row_per_site_and_escapes_pipes() {
        let text = to_markdown(&rows());
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[3].contains("\\| no"));
        // Every row has the header's number of cells.
        let cells = |l: &str| l.replace("\\|", "").matches('|').count();
        assert!(lines.iter().all(|l| cells(l) == cells(lines[0])));
    }
}
