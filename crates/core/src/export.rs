//! Results out of the page: CSV, JSON lines in the proxy's own format (so one
//! tool reads both), and a Markdown table. Each takes the rows as they are
//! held ([`Row`]), so a field added to the result reaches every format here.

use crate::result::CheckResult;
use crate::row::Row;
use crate::wire::CheckLine;

/// Header of the CSV export.
pub const CSV_HEADER: [&str; 15] = [
    "line",
    "url",
    "options",
    "outcome",
    "status",
    "latency_ms",
    "tries",
    "flaky",
    "final_url",
    "detail",
    "http_version",
    "ip_family",
    "tls_version",
    "cert_days_left",
    "header_grade",
];

/// What only the proxy sees, as the columns people sort on: HTTP version,
/// IP family, TLS version, certificate days left, security-header grade.
fn protocol_cells(result: Option<&CheckResult>) -> [String; 5] {
    let Some(line) = result.and_then(|r| r.proxy.as_deref()) else {
        return Default::default();
    };
    let tls = line.tls.as_ref();
    [
        line.http_version.clone().unwrap_or_default(),
        line.ip_family().unwrap_or_default(),
        tls.and_then(|t| t.version.clone()).unwrap_or_default(),
        tls.map(|t| t.days_left.to_string()).unwrap_or_default(),
        line.security_headers
            .as_ref()
            .map(|s| s.grade.clone())
            .unwrap_or_default(),
    ]
}

/// Tries made, when the check finished.
fn tries(result: Option<&CheckResult>) -> String {
    result.map(|r| r.tries.to_string()).unwrap_or_default()
}

/// `yes` for a pass that needed more than one try.
fn flaky(result: Option<&CheckResult>) -> &'static str {
    if result.is_some_and(CheckResult::is_flaky) {
        "yes"
    } else {
        ""
    }
}

/// A text cell a spreadsheet will not run as a formula: one starting with
/// `=`, `+`, `-` or `@` (or a tab or carriage return, which some read past)
/// gets a leading `'` (OWASP's advice on CSV injection). A URL or a detail
/// never needs to start with one of these, so nothing of value is lost.
fn inert(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// CSV with a header row; fields quoted where needed, formulas neutralised.
pub fn to_csv(rows: &[&Row]) -> String {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    // Writing to memory cannot fail; a failed record is skipped rather than
    // losing the whole export.
    let _ = w.write_record(CSV_HEADER);
    for r in rows {
        let result = r.result();
        let [http, family, tls, days, grade] = protocol_cells(result);
        let _ = w.write_record([
            r.line.to_string(),
            inert(&r.url),
            inert(&r.options.to_syntax()),
            r.outcome().as_str().to_owned(),
            result
                .and_then(|x| x.status)
                .map(|s| s.to_string())
                .unwrap_or_default(),
            r.latency_ms()
                .map(|ms| format!("{ms:.0}"))
                .unwrap_or_default(),
            tries(result),
            flaky(result).to_owned(),
            inert(
                result
                    .and_then(|x| x.final_url.as_deref())
                    .unwrap_or_default(),
            ),
            inert(r.detail()),
            http,
            family,
            tls,
            days,
            grade,
        ]);
    }
    w.into_inner()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default()
}

/// One JSON object per line, exactly the proxy's `POST /api/check` line format.
pub fn to_json_lines(rows: &[&Row]) -> String {
    rows.iter()
        .filter_map(|r| serde_json::to_string(&as_line(r)).ok())
        .map(|mut line| {
            line.push('\n');
            line
        })
        .collect()
}

/// A row as a proxy line; an unfinished row has only its outcome.
pub fn as_line(r: &Row) -> CheckLine {
    match r.result() {
        Some(result) => result.to_line(r.id, &r.url),
        None => CheckResult::bare(r.outcome(), "").to_line(r.id, &r.url),
    }
}

/// A Markdown table, `|` in cells escaped.
pub fn to_markdown(rows: &[&Row]) -> String {
    let cell = |s: &str| s.replace('|', "\\|").replace(['\n', '\r'], " ");
    let mut out = String::from(
        "| line | outcome | URL | options | status | latency | tries | detail | HTTP | IP | TLS | cert days | headers |\n",
    );
    out.push_str("|---:|---|---|---|---:|---:|---:|---|---|---|---|---:|---|\n");
    for r in rows {
        let outcome = r.outcome();
        let result = r.result();
        let tries = match result {
            Some(x) if x.is_flaky() => format!("{} (flaky)", x.tries),
            _ => tries(result),
        };
        let [http, family, tls, days, grade] = protocol_cells(result);
        out.push_str(&format!(
            "| {} | {} {} | {} | {} | {} | {} | {} | {} | {http} | {family} | {tls} | {days} | {grade} |\n",
            r.line,
            outcome.icon(),
            outcome.as_str(),
            cell(&r.url),
            cell(&r.options.to_syntax()),
            r.result()
                .and_then(|x| x.status)
                .map(|s| s.to_string())
                .unwrap_or_default(),
            r.latency_ms()
                .map(|ms| format!("{ms:.0} ms"))
                .unwrap_or_default(),
            tries,
            cell(r.detail()),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::Progress;
    use crate::wire::ErrorKind;
    use crate::Outcome;

    fn rows() -> Vec<Row> {
        let mut up = Row::queued(0, 1, "https://a.com/".into());
        up.options.set("contains", "Add to cart").unwrap();
        up.progress = Progress::Done(CheckResult {
            status: Some(200),
            latency_ms: Some(81.4),
            tries: 2,
            max_tries: 3,
            ..CheckResult::bare(Outcome::Up, "HTTP 200 OK")
        });
        let mut invalid = Row::queued(1, 3, "ftp://x".into());
        invalid.progress = Progress::Done(CheckResult::bare(
            Outcome::Invalid,
            "line 3: 'ftp:' cannot be checked, \"really\" | no",
        ));
        let mut formula = Row::queued(2, 4, "=HYPERLINK(\"x\")".into());
        formula.progress = Progress::Done(CheckResult::bare(Outcome::Invalid, "@SUM(A1)"));
        vec![up, invalid, formula]
    }

    fn refs(rows: &[Row]) -> Vec<&Row> {
        rows.iter().collect()
    }

    #[test]
    fn csv_reads_back() {
        let rows = rows();
        let text = to_csv(&refs(&rows));
        let mut r = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), CSV_HEADER);
        let back: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(back.len(), 3);
        assert_eq!(&back[0][2], "contains=\"Add to cart\"");
        assert_eq!(&back[0][3], "up");
        assert_eq!(&back[0][5], "81");
        assert_eq!((&back[0][6], &back[0][7]), ("2", "yes"));
        assert_eq!(&back[1][9], rows[1].detail());
        // Formula injection: cells a spreadsheet would run start with '.
        assert_eq!(&back[2][1], "'=HYPERLINK(\"x\")");
        assert_eq!(&back[2][9], "'@SUM(A1)");
        // And the export imports back as the same list, options included.
        let list = crate::parse_list(&crate::import::import("r.csv", &text).unwrap().text);
        assert_eq!(list.entries[0].options, rows[0].options);
    }

    #[test]
    fn what_the_proxy_saw_gets_sortable_columns() {
        use crate::headers::SecurityHeaders;
        use crate::wire::{FamilyCheck, IpFamily, TlsInfo};
        let line = CheckLine {
            status: Some(200),
            ip: Some("127.0.0.1".parse().unwrap()),
            http_version: Some("HTTP/2".into()),
            families: vec![
                FamilyCheck {
                    family: IpFamily::V4,
                    ip: "127.0.0.1".parse().unwrap(),
                    connected: true,
                    connect_ms: Some(1),
                    error: None,
                },
                FamilyCheck {
                    family: IpFamily::V6,
                    ip: "::1".parse().unwrap(),
                    connected: false,
                    connect_ms: None,
                    error: Some("[::1]:443 refused the connection".into()),
                },
            ],
            tls: Some(TlsInfo {
                days_left: 12,
                version: Some("TLS 1.3".into()),
                ..TlsInfo::default()
            }),
            security_headers: Some(SecurityHeaders::assess(true, |_| Vec::new())),
            ..CheckLine::new(0, "https://a.com/".into(), Outcome::Up)
        };
        let mut row = Row::queued(0, 1, "https://a.com/".into());
        row.progress = Progress::Done(CheckResult::from(line));
        assert!(
            row.detail().ends_with(" · IPv6 unreachable"),
            "{}",
            row.detail()
        );
        let text = to_csv(&[&row]);
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let back = r.records().next().unwrap().unwrap();
        assert_eq!(
            back.iter().skip(10).collect::<Vec<_>>(),
            ["HTTP/2", "IPv4 (IPv6 failed)", "TLS 1.3", "12", "F"]
        );
        let md = to_markdown(&[&row]);
        assert!(
            md.lines()
                .nth(2)
                .unwrap()
                .ends_with("| HTTP/2 | IPv4 (IPv6 failed) | TLS 1.3 | 12 | F |"),
            "{md}"
        );
    }

    #[test]
    fn json_lines_read_back_as_proxy_lines() {
        let rows = rows();
        let text = to_json_lines(&refs(&rows));
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
        let rows = rows();
        let text = to_markdown(&refs(&rows));
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines.len(), 5);
        assert!(lines[3].contains("\\| no"));
        assert!(lines[2].contains("| 2 (flaky) |") && lines[2].contains("contains="));
        // Every row has the header's number of cells.
        let cells = |l: &str| l.replace("\\|", "").matches('|').count();
        assert!(lines.iter().all(|l| cells(l) == cells(lines[0])));
    }
}
