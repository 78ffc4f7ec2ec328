//! Results out of the page: CSV, JSON lines in the proxy's own format (so one
//! tool reads both), and a Markdown table. Each takes the rows as they are
//! held ([`Row`]), so a field added to the result reaches every format here.
//!
//! With several vantage points (a run checked from this browser and one or
//! more proxies), each format gives the combined verdict first, as it always
//! has, then what every vantage point saw: a `reach` column and a column group
//! per vantage in CSV, a column per vantage in Markdown, and a `reach` and a
//! `vantages` list of proxy lines in JSON. With one vantage point (or none
//! named) the output is the same as it always was.

use serde::Serialize;

use crate::result::CheckResult;
use crate::row::{Progress, Row};
use crate::vantage::{Reach, Vantage};
use crate::wire::CheckLine;
use crate::Outcome;

/// Header of the CSV export (for a run from one vantage point).
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

/// Where the `reach` column goes in the CSV export: right after `outcome`.
const CSV_REACH_AT: usize = 4;

/// The CSV columns of each vantage point, after its key (`fra-1:status`).
const CSV_VANTAGE_COLUMNS: [&str; 4] = ["outcome", "status", "latency_ms", "detail"];

/// The Markdown table's columns and their alignments.
const MD_COLUMNS: [(&str, &str); 13] = [
    ("line", "---:"),
    ("outcome", "---"),
    ("URL", "---"),
    ("options", "---"),
    ("status", "---:"),
    ("latency", "---:"),
    ("tries", "---:"),
    ("detail", "---"),
    ("HTTP", "---"),
    ("IP", "---"),
    ("TLS", "---"),
    ("cert days", "---:"),
    ("headers", "---"),
];

/// Where the `reach` column goes in the Markdown table: right after `outcome`.
const MD_REACH_AT: usize = 2;

/// The vantage points that get their own columns: all of them when there are
/// several, none for a check from one place (its columns would only repeat
/// the combined verdict).
fn several(vantages: &[Vantage]) -> &[Vantage] {
    if vantages.len() > 1 {
        vantages
    } else {
        &[]
    }
}

/// One check as the exports write it: a row's combined verdict, or one
/// vantage point's own check of it.
#[derive(Debug, Clone, Copy)]
struct Check<'a> {
    /// Its outcome (`queued`/`checking` while unfinished).
    outcome: Outcome,
    /// Its result, once finished.
    result: Option<&'a CheckResult>,
}

impl<'a> Check<'a> {
    /// The row's combined verdict (its only one, from one vantage point).
    fn combined(r: &'a Row) -> Self {
        Check {
            outcome: r.outcome(),
            result: r.result(),
        }
    }

    /// Vantage `i`'s own check, when the row has one.
    fn seen(r: &'a Row, i: usize) -> Option<Self> {
        let (outcome, result) = match r.seen.get(i)? {
            Progress::Queued => (Outcome::Queued, None),
            Progress::Checking { .. } => (Outcome::Checking, None),
            Progress::Done(result) => (result.outcome, Some(result)),
        };
        Some(Check { outcome, result })
    }

    /// The final status, or nothing.
    fn status(self) -> String {
        self.result
            .and_then(|x| x.status)
            .map(|s| s.to_string())
            .unwrap_or_default()
    }

    /// The time to the deciding response in whole milliseconds, or nothing.
    fn latency_ms(self) -> String {
        self.result
            .and_then(|x| x.latency_ms)
            .map(|ms| format!("{:.0}", crate::decimal::Decimal(ms)))
            .unwrap_or_default()
    }

    /// `81 ms`, or nothing.
    fn latency(self) -> String {
        let ms = self.latency_ms();
        if ms.is_empty() {
            ms
        } else {
            format!("{ms} ms")
        }
    }

    /// What was seen, in words (empty while unfinished).
    fn detail(self) -> &'a str {
        self.result.map_or("", |r| r.detail.as_str())
    }

    /// The check as a proxy line of row `r`; an unfinished one has only its
    /// outcome.
    fn line(self, r: &Row) -> CheckLine {
        match self.result {
            Some(result) => result.to_line(r.id, &r.url),
            None => CheckResult::bare(self.outcome, "").to_line(r.id, &r.url),
        }
    }
}

/// Who could reach the site (`split` …), or nothing while unfinished.
fn reach(r: &Row) -> &'static str {
    r.result()
        .and_then(|x| x.reach)
        .map(Reach::as_str)
        .unwrap_or_default()
}

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
/// With several `vantages` (the run's, in order), a `reach` column follows
/// `outcome` and each vantage point gets its own columns at the end.
pub fn to_csv(rows: &[&Row], vantages: &[Vantage]) -> String {
    let vantages = several(vantages);
    let mut out = String::new();
    push_csv_record(&mut out, &csv_header(vantages));
    for r in rows {
        push_csv_record(&mut out, &csv_record(r, vantages));
    }
    out
}

/// One record as RFC 4180 writes it, ended by `\n`: a field is quoted when it
/// holds a comma, a quote or a line break, its quotes doubled. What the csv
/// crate's writer writes with its default settings; the crate still reads
/// lists (import.rs), but its writer carries the standard library's float
/// parser for a quoting style this never uses (~12 KB of the page's wasm).
fn push_csv_record(out: &mut String, fields: &[String]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push('\n');
}

/// [`CSV_HEADER`], with `reach` and `{key}:outcome` … for several vantages.
fn csv_header(vantages: &[Vantage]) -> Vec<String> {
    let mut header: Vec<String> = CSV_HEADER.iter().map(|h| (*h).to_owned()).collect();
    if !vantages.is_empty() {
        header.insert(CSV_REACH_AT, "reach".to_owned());
        for v in vantages {
            let key = v.key();
            header.extend(
                CSV_VANTAGE_COLUMNS
                    .iter()
                    .map(|column| inert(&format!("{key}:{column}"))),
            );
        }
    }
    header
}

/// One row's CSV record: the combined verdict, then each vantage's check.
fn csv_record(r: &Row, vantages: &[Vantage]) -> Vec<String> {
    let check = Check::combined(r);
    let result = check.result;
    let [http, family, tls, days, grade] = protocol_cells(result);
    let mut record = vec![
        r.line.to_string(),
        inert(&r.url),
        inert(&r.options.to_syntax()),
        check.outcome.as_str().to_owned(),
        check.status(),
        check.latency_ms(),
        tries(result),
        flaky(result).to_owned(),
        inert(
            result
                .and_then(|x| x.final_url.as_deref())
                .unwrap_or_default(),
        ),
        inert(check.detail()),
        http,
        family,
        tls,
        days,
        grade,
    ];
    if !vantages.is_empty() {
        record.insert(CSV_REACH_AT, reach(r).to_owned());
        for i in 0..vantages.len() {
            record.extend(csv_vantage_cells(Check::seen(r, i)));
        }
    }
    record
}

/// One vantage point's CSV cells (all empty when the row has nothing from it).
fn csv_vantage_cells(check: Option<Check>) -> [String; 4] {
    let Some(check) = check else {
        return Default::default();
    };
    [
        check.outcome.as_str().to_owned(),
        check.status(),
        check.latency_ms(),
        inert(check.detail()),
    ]
}

/// One JSON object per line, exactly the proxy's `POST /api/check` line
/// format. With several `vantages` (the run's, in order) each line also has
/// `reach` and `vantages`: every vantage point's label, kind and own line.
pub fn to_json_lines(rows: &[&Row], vantages: &[Vantage]) -> String {
    let vantages = several(vantages);
    rows.iter()
        .filter_map(|r| json_line(r, vantages))
        .map(|mut line| {
            line.push('\n');
            line
        })
        .collect()
}

/// A combined line with what each vantage point saw. Its own fields come
/// first and in the proxy's order (flattened, not rebuilt through a
/// `serde_json::Value`, whose keys would come out sorted), so a reader of
/// proxy lines reads it as one and skips the two extra keys.
#[derive(Serialize)]
struct SeveralLine<'a> {
    #[serde(flatten)]
    line: CheckLine,
    #[serde(skip_serializing_if = "Option::is_none")]
    reach: Option<Reach>,
    vantages: Vec<VantageLine<'a>>,
}

/// One vantage point's own line: `{"label", "kind", "line"}`.
#[derive(Serialize)]
struct VantageLine<'a> {
    #[serde(flatten)]
    vantage: &'a Vantage,
    line: CheckLine,
}

/// One row as a JSON line (without its newline).
fn json_line(r: &Row, vantages: &[Vantage]) -> Option<String> {
    if vantages.is_empty() {
        return serde_json::to_string(&as_line(r)).ok();
    }
    let line = SeveralLine {
        line: as_line(r),
        reach: r.result().and_then(|x| x.reach),
        vantages: vantages
            .iter()
            .enumerate()
            .filter_map(|(i, vantage)| {
                Some(VantageLine {
                    vantage,
                    line: Check::seen(r, i)?.line(r),
                })
            })
            .collect(),
    };
    serde_json::to_string(&line).ok()
}

/// A row as a proxy line; an unfinished row has only its outcome.
pub fn as_line(r: &Row) -> CheckLine {
    Check::combined(r).line(r)
}

/// A Markdown table cell: `|` escaped, line breaks made spaces.
fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// One line of the Markdown table: `| a | b |`.
fn md_line(cells: &[String]) -> String {
    format!("| {} |\n", cells.join(" | "))
}

/// A Markdown table, `|` in cells escaped. With several `vantages` (the
/// run's, in order), a `reach` column follows `outcome` and each vantage
/// point gets a column at the end: `✓ up 200 81 ms`.
pub fn to_markdown(rows: &[&Row], vantages: &[Vantage]) -> String {
    let vantages = several(vantages);
    let mut columns: Vec<(String, &str)> = MD_COLUMNS
        .iter()
        .map(|&(name, align)| (name.to_owned(), align))
        .collect();
    if !vantages.is_empty() {
        columns.insert(MD_REACH_AT, ("reach".to_owned(), "---"));
        columns.extend(vantages.iter().map(|v| (md_cell(&v.label), "---")));
    }
    let (names, aligns): (Vec<String>, Vec<&str>) = columns.into_iter().unzip();
    let mut out = md_line(&names);
    out.push_str(&format!("|{}|\n", aligns.join("|")));
    for r in rows {
        out.push_str(&md_line(&md_record(r, vantages)));
    }
    out
}

/// One row's Markdown cells: the combined verdict, then each vantage's check.
fn md_record(r: &Row, vantages: &[Vantage]) -> Vec<String> {
    let check = Check::combined(r);
    let result = check.result;
    let tries = match result {
        Some(x) if x.is_flaky() => format!("{} (flaky)", x.tries),
        _ => tries(result),
    };
    let [http, family, tls, days, grade] = protocol_cells(result);
    let mut cells = vec![
        r.line.to_string(),
        format!("{} {}", check.outcome.icon(), check.outcome.as_str()),
        md_cell(&r.url),
        md_cell(&r.options.to_syntax()),
        check.status(),
        check.latency(),
        tries,
        md_cell(check.detail()),
        http,
        family,
        tls,
        days,
        grade,
    ];
    if !vantages.is_empty() {
        cells.insert(MD_REACH_AT, reach(r).to_owned());
        cells.extend((0..vantages.len()).map(|i| md_vantage_cell(Check::seen(r, i))));
    }
    cells
}

/// One vantage point's Markdown cell, compact: `✓ up 200 81 ms`,
/// `⊘ unreachable` (empty when the row has nothing from it).
fn md_vantage_cell(check: Option<Check>) -> String {
    let Some(check) = check else {
        return String::new();
    };
    let words = [
        check.outcome.icon().to_owned(),
        check.outcome.as_str().to_owned(),
        check.status(),
        check.latency(),
    ];
    let words: Vec<String> = words.into_iter().filter(|w| !w.is_empty()).collect();
    md_cell(&words.join(" "))
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
        let text = to_csv(&refs(&rows), &[]);
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

    proptest::proptest! {
        /// Any fields at all (commas, quotes, CR, LF, blanks) read back as
        /// themselves through the csv crate's reader.
        #[test]
        fn csv_records_read_back_as_written(
            records in proptest::collection::vec(
                proptest::collection::vec("[a-z,\"\r\n ']{0,6}", 2..5), 1..4)
        ) {
            let mut text = String::new();
            for record in &records {
                push_csv_record(&mut text, record);
            }
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_bytes());
            let back: Vec<Vec<String>> = reader
                .records()
                .map(|r| r.unwrap().iter().map(str::to_owned).collect())
                .collect();
            proptest::prop_assert_eq!(back, records);
        }
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
        let text = to_csv(&[&row], &[]);
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let back = r.records().next().unwrap().unwrap();
        assert_eq!(
            back.iter().skip(10).collect::<Vec<_>>(),
            ["HTTP/2", "IPv4 (IPv6 failed)", "TLS 1.3", "12", "F"]
        );
        let md = to_markdown(&[&row], &[]);
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
        let text = to_json_lines(&refs(&rows), &[]);
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
        let text = to_markdown(&refs(&rows), &[]);
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines.len(), 5);
        assert!(lines[3].contains("\\| no"));
        assert!(lines[2].contains("| 2 (flaky) |") && lines[2].contains("contains="));
        // Every row has the header's number of cells.
        let cells = |l: &str| l.replace("\\|", "").matches('|').count();
        assert!(lines.iter().all(|l| cells(l) == cells(lines[0])));
    }

    /// The run's three vantage points: this browser, `home` and `fra-1`.
    fn three() -> Vec<Vantage> {
        vec![
            Vantage::browser(),
            Vantage::proxy("home"),
            Vantage::proxy("fra-1"),
        ]
    }

    /// A row seen from [`three`] vantage points: unreachable from this
    /// browser, up (200) from `home`, down (503) from `fra-1`, the combined
    /// verdict decided by the one rule.
    fn seen_three_ways(fra_detail: &str) -> Row {
        let mut row = Row::queued(0, 1, "https://a.com/".into());
        let unreachable = CheckResult::bare(Outcome::Unreachable, "network error");
        let up = CheckResult {
            status: Some(200),
            latency_ms: Some(81.4),
            ..CheckResult::bare(Outcome::Up, "HTTP 200 OK")
        };
        let down = CheckResult {
            status: Some(503),
            latency_ms: Some(120.0),
            ..CheckResult::bare(Outcome::Down, fra_detail)
        };
        let results = [&unreachable, &up, &down];
        let combined = crate::vantage::combine(&three(), &results).into_result(&results);
        row.progress = Progress::Done(combined);
        row.seen = vec![
            Progress::Done(unreachable.clone()),
            Progress::Done(up.clone()),
            Progress::Done(down.clone()),
        ];
        row
    }

    #[test]
    fn one_vantage_point_exports_as_before() {
        let mut rows = rows();
        rows.push(seen_three_ways("HTTP 503"));
        let rows = refs(&rows);
        let one = [Vantage::browser()];
        assert_eq!(to_csv(&rows, &one), to_csv(&rows, &[]));
        assert_eq!(to_json_lines(&rows, &one), to_json_lines(&rows, &[]));
        assert_eq!(to_markdown(&rows, &one), to_markdown(&rows, &[]));
    }

    #[test]
    fn csv_has_a_column_group_per_vantage_point() {
        let row = seen_three_ways("HTTP 503 Service Unavailable");
        let text = to_csv(&[&row], &three());
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
        assert_eq!(header.len(), CSV_HEADER.len() + 1 + 3 * 4);
        assert_eq!(&header[3..5], ["outcome", "reach"]);
        assert_eq!(
            &header[CSV_HEADER.len() + 1..],
            [
                "this-browser:outcome",
                "this-browser:status",
                "this-browser:latency_ms",
                "this-browser:detail",
                "home:outcome",
                "home:status",
                "home:latency_ms",
                "home:detail",
                "fra-1:outcome",
                "fra-1:status",
                "fra-1:latency_ms",
                "fra-1:detail",
            ]
        );
        let record = r.records().next().unwrap().unwrap();
        assert_eq!(record.len(), header.len());
        let cell = |name: &str| &record[header.iter().position(|h| h == name).unwrap()];
        // The combined verdict first: up for someone, split.
        assert_eq!((cell("outcome"), cell("reach")), ("up", "split"));
        assert_eq!((cell("status"), cell("latency_ms")), ("200", "81"));
        assert_eq!(cell("this-browser:outcome"), "unreachable");
        assert_eq!(cell("this-browser:status"), "");
        assert_eq!(cell("this-browser:detail"), "network error");
        assert_eq!((cell("home:outcome"), cell("home:status")), ("up", "200"));
        assert_eq!(cell("home:latency_ms"), "81");
        assert_eq!(
            (cell("fra-1:outcome"), cell("fra-1:status")),
            ("down", "503")
        );
        assert_eq!(cell("fra-1:detail"), "HTTP 503 Service Unavailable");
    }

    #[test]
    fn a_vantage_detail_cannot_be_a_formula() {
        let row = seen_three_ways("=HYPERLINK(\"http://evil\")");
        let text = to_csv(&[&row], &three());
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let record = r.records().next().unwrap().unwrap();
        assert_eq!(&record[record.len() - 1], "'=HYPERLINK(\"http://evil\")");
    }

    #[test]
    fn markdown_has_a_column_per_vantage_point() {
        let row = seen_three_ways("HTTP 503 | maintenance");
        let text = to_markdown(&[&row], &three());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(
            lines[0].starts_with("| line | outcome | reach | URL |")
                && lines[0].ends_with("| headers | this browser | home | fra-1 |"),
            "{}",
            lines[0]
        );
        assert!(lines[2].starts_with("| 1 | ✓ up | split | https://a.com/ |"));
        assert!(
            lines[2].ends_with("| ⊘ unreachable | ✓ up 200 81 ms | ✗ down 503 120 ms |"),
            "{}",
            lines[2]
        );
        // The combined sentence names the vantage detail, its pipe escaped.
        assert!(!lines[2].contains("503 | maintenance"));
        let cells = |l: &str| l.replace("\\|", "").matches('|').count();
        assert!(lines.iter().all(|l| cells(l) == cells(lines[0])));
        assert_eq!(cells(lines[0]), MD_COLUMNS.len() + 1 + 3 + 1);
    }

    #[test]
    fn json_lines_carry_every_vantage_line() {
        let row = seen_three_ways("HTTP 503");
        let mut unfinished = Row::queued(1, 2, "https://b.com/".into());
        unfinished.progress = Progress::Checking { since_ms: 5.0 };
        unfinished.seen = vec![
            Progress::Done(CheckResult::bare(Outcome::Unreachable, "network error")),
            Progress::Checking { since_ms: 5.0 },
            Progress::Queued,
        ];
        let text = to_json_lines(&[&row, &unfinished], &three());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        let json: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(json["reach"], "split");
        assert_eq!(json["outcome"], "up");
        assert_eq!(json["status"], 200);
        let each = json["vantages"].as_array().unwrap();
        let seen: Vec<(&str, &str, &str)> = each
            .iter()
            .map(|v| {
                (
                    v["label"].as_str().unwrap(),
                    v["kind"].as_str().unwrap(),
                    v["line"]["outcome"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("this browser", "browser", "unreachable"),
                ("home", "proxy", "up"),
                ("fra-1", "proxy", "down"),
            ]
        );
        assert_eq!(each[2]["line"]["status"], 503);
        assert_eq!(each[2]["line"]["url"], "https://a.com/");
        // Each vantage line is a proxy line.
        for v in each {
            serde_json::from_value::<CheckLine>(v["line"].clone()).unwrap();
        }
        // The combined line comes first, unchanged and in the proxy's order,
        // so it still reads as a proxy line.
        let plain = serde_json::to_string(&as_line(&row)).unwrap();
        assert!(
            lines[0].starts_with(plain.trim_end_matches('}')),
            "{}",
            lines[0]
        );
        let back: CheckLine = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(back, as_line(&row));
        // Unfinished: no reach yet, and an unfinished vantage has only its outcome.
        let json: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(json["outcome"], "checking");
        assert!(json.get("reach").is_none());
        let outcomes: Vec<&str> = json["vantages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["line"]["outcome"].as_str().unwrap())
            .collect();
        assert_eq!(outcomes, ["unreachable", "checking", "queued"]);
        assert_eq!(
            json["vantages"][1]["line"]["status"],
            serde_json::Value::Null
        );
    }
}
