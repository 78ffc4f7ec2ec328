//! A run as a waterfall: one bar per site from the start to the end of its
//! check on the run's clock, so the overlap concurrency bought is seen, not
//! only counted. Pure layout shared by the page's chart, the comparison of
//! runs and the standalone SVG export.

use std::fmt::Write;
use std::rc::Rc;
use upcheck_core::decimal::Decimal;
use upcheck_core::summary::format_ms;
use upcheck_core::{Outcome, Progress, Row};

/// One finished check on its run's clock. Compact (16 bytes) because run
/// records keep one per site for the comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bar {
    /// Row id.
    pub(crate) id: u32,
    /// Milliseconds from the run's start to the check's start.
    pub(crate) start: f32,
    /// Milliseconds from the run's start to the check's end.
    pub(crate) end: f32,
    /// What it found.
    pub(crate) outcome: Outcome,
}

impl Bar {
    /// The row's bar, when its result was timed in the current run.
    pub(crate) fn of(row: &Row) -> Option<Bar> {
        let result = row.result()?;
        let span = result.span?;
        Some(Bar {
            id: row.id as u32,
            start: span.started_ms as f32,
            end: span.ended_ms as f32,
            outcome: result.outcome,
        })
    }

    /// The row's bar while a run goes: a finished one as [`Bar::of`], and a
    /// check still in flight from its start to `now_ms` (the run's clock),
    /// outcome `checking`, so the chart grows as the run does.
    pub(crate) fn live(row: &Row, now_ms: f64) -> Option<Bar> {
        match row.progress {
            Progress::Checking { since_ms } => Some(Bar {
                id: row.id as u32,
                start: since_ms as f32,
                end: now_ms.max(since_ms) as f32,
                outcome: Outcome::Checking,
            }),
            Progress::Queued | Progress::Done(_) => Bar::of(row),
        }
    }
}

/// The bars of rows `ids`, in that order (rows without one are skipped).
pub(crate) fn bars(rows: &[Rc<Row>], ids: impl IntoIterator<Item = usize>) -> Vec<Bar> {
    ids.into_iter()
        .filter_map(|id| rows.get(id).and_then(|r| Bar::of(r)))
        .collect()
}

/// As [`bars`], with the checks still in flight at `now_ms` drawn to now.
pub(crate) fn live_bars(
    rows: &[Rc<Row>],
    ids: impl IntoIterator<Item = usize>,
    now_ms: f64,
) -> Vec<Bar> {
    ids.into_iter()
        .filter_map(|id| rows.get(id).and_then(|r| Bar::live(r, now_ms)))
        .collect()
}

/// Start and end events, ends first at equal times: a check that ends as the
/// next one starts handed its slot over, they did not overlap.
fn events(bars: &[Bar]) -> Vec<(f32, i32)> {
    let mut events: Vec<(f32, i32)> = bars
        .iter()
        .flat_map(|b| [(b.start, 1), (b.end, -1)])
        .collect();
    events.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    events
}

/// Most checks in flight at any moment.
pub(crate) fn max_overlap(bars: &[Bar]) -> usize {
    let mut now = 0_i32;
    let mut most = 0_i32;
    for (_, step) in events(bars) {
        now += step;
        most = most.max(now);
    }
    most as usize
}

/// Checks in flight per column of `columns` over `0..scale_ms`: the most at
/// any moment within each column, so a short peak is never averaged away.
pub(crate) fn in_flight(bars: &[Bar], columns: usize, scale_ms: f64) -> Vec<u32> {
    let mut out = vec![0_u32; columns];
    if columns == 0 || scale_ms <= 0.0 {
        return out;
    }
    let column = |t: f32| ((f64::from(t) / scale_ms * columns as f64) as usize).min(columns - 1);
    let mut now = 0_i32;
    let mut from = 0_usize;
    for (t, step) in events(bars) {
        let at = column(t);
        // The count so far holds from the previous event up to this one.
        for c in &mut out[from..=at] {
            *c = (*c).max(now as u32);
        }
        now += step;
        out[at] = out[at].max(now.max(0) as u32);
        from = at;
    }
    out
}

/// One drawn lane: a site, or when there are more sites than fit, several
/// consecutive ones (in the list's current order) drawn as one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Lane {
    /// The bars it draws, as a range of the input.
    pub(crate) first: usize,
    /// How many bars it draws.
    pub(crate) count: usize,
    /// Earliest start.
    pub(crate) start: f32,
    /// Latest end.
    pub(crate) end: f32,
    /// The site's outcome; for several, the commonest failing one if any
    /// failed, else the commonest.
    pub(crate) outcome: Outcome,
}

/// At most `most` lanes over `bars`, in order.
pub(crate) fn lanes(bars: &[Bar], most: usize) -> Vec<Lane> {
    let per = bars.len().div_ceil(most.max(1)).max(1);
    bars.chunks(per)
        .enumerate()
        .map(|(i, chunk)| Lane {
            first: i * per,
            count: chunk.len(),
            start: chunk.iter().map(|b| b.start).fold(f32::INFINITY, f32::min),
            end: chunk.iter().map(|b| b.end).fold(0.0, f32::max),
            outcome: telling(chunk),
        })
        .collect()
}

fn telling(chunk: &[Bar]) -> Outcome {
    let mut counts = [0_usize; Outcome::ALL.len()];
    for b in chunk {
        counts[b.outcome.index()] += 1;
    }
    let commonest = |failing: bool| {
        Outcome::ALL
            .iter()
            .filter(|o| o.failing() == failing || !failing)
            .filter(|o| counts[o.index()] > 0)
            .max_by_key(|o| (counts[o.index()], std::cmp::Reverse(o.index())))
            .copied()
    };
    commonest(true)
        .or_else(|| commonest(false))
        .unwrap_or(Outcome::Queued)
}

/// Counts per outcome in words: "6 up, 1 down".
pub(crate) fn tally(bars: &[Bar]) -> String {
    Outcome::ALL
        .iter()
        .filter_map(|o| {
            let n = bars.iter().filter(|b| b.outcome == *o).count();
            (n > 0).then(|| format!("{n} {}", o.as_str()))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a bar says when read: site, outcome, and when it ran.
pub(crate) fn describe(url: &str, bar: &Bar) -> String {
    format!(
        "{url}: {}, {} → {} ({})",
        bar.outcome.as_str(),
        format_ms(f64::from(bar.start)),
        format_ms(f64::from(bar.end)),
        format_ms(f64::from(bar.end - bar.start)),
    )
}

/// One sentence for a whole chart, for those who cannot see it (`most`:
/// its [`max_overlap`], worked out once by the caller).
pub(crate) fn summary(bars: &[Bar], most: usize, limit: u32) -> String {
    if bars.is_empty() {
        return "No finished checks to draw yet.".to_owned();
    }
    let end = bars.iter().map(|b| b.end).fold(0.0, f32::max);
    format!(
        "{} checks over {}: {}; at most {most} in flight at once (limit {limit}).",
        bars.len(),
        format_ms(f64::from(end)),
        tally(bars),
    )
}

/// The outcome's colour in the light theme, for a file read outside the page.
pub(crate) fn colour(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Up => "#1a7f37",
        Outcome::Slow => "#0f766e",
        Outcome::Down => "#cf222e",
        Outcome::Limited => "#0a5c8a",
        Outcome::Challenged => "#bf3989",
        Outcome::Reachable => "#9a6700",
        Outcome::Unreachable => "#bc4c00",
        Outcome::Timeout => "#8250df",
        Outcome::Blocked
        | Outcome::Invalid
        | Outcome::Cancelled
        | Outcome::Queued
        | Outcome::Checking => "#6e7781",
    }
}

/// Text safe inside XML.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Width of a chart in SVG units.
pub(crate) const WIDTH: f64 = 1000.0;
/// Height of the in-flight strip above the bars.
pub(crate) const STRIP: f64 = 36.0;

/// The in-flight strip above a chart's bars, shared by the page's chart and
/// the SVG export: a step line of checks in flight per column, closed along
/// the strip's bottom, and the height of the limit's dashed line. Scaled to
/// the larger of the peak and the limit, so with a limit of 16 the line never
/// rises above the dashed one.
pub(crate) struct Strip {
    /// The step line as an SVG path.
    pub(crate) path: String,
    /// Where the limit's line is drawn.
    pub(crate) limit_y: f64,
    /// The most checks in flight in any column.
    pub(crate) peak: u32,
}

impl Strip {
    /// Where the limit's label sits: just above its line, inside the chart.
    pub(crate) fn label_y(&self) -> f64 {
        (self.limit_y - 2.0).max(10.0)
    }
}

/// [`Strip`] for `columns` (checks in flight per time slice) and `limit`.
pub(crate) fn strip(columns: &[u32], limit: u32) -> Strip {
    let peak = columns.iter().copied().max().unwrap_or(0);
    let top = f64::from(peak.max(limit).max(1));
    let y = |n: u32| STRIP - f64::from(n) / top * (STRIP - 14.0);
    let step = WIDTH / columns.len() as f64;
    let mut path = format!("M0 {}", Decimal(STRIP));
    for (i, n) in columns.iter().enumerate() {
        let _ = write!(
            path,
            " L{:.1} {y:.1} L{:.1} {y:.1}",
            Decimal(i as f64 * step),
            Decimal((i + 1) as f64 * step),
            y = Decimal(y(*n)),
        );
    }
    let _ = write!(path, " L{} {} Z", Decimal(WIDTH), Decimal(STRIP));
    Strip {
        path,
        limit_y: y(limit),
        peak,
    }
}

/// A standalone SVG file of `bars` (one rect per site, in order) with the
/// in-flight strip and the limit: styles inline, so it renders anywhere.
pub(crate) fn svg(bars: &[Bar], url: impl Fn(u32) -> String, limit: u32) -> String {
    let scale = f64::from(bars.iter().map(|b| b.end).fold(0.0, f32::max)).max(1.0);
    let lane = 10.0;
    let top = STRIP + 22.0;
    let height = top + lane * bars.len() as f64 + 6.0;
    let x = |ms: f32| Decimal(f64::from(ms) / scale * WIDTH);
    let (width, height) = (Decimal(WIDTH), Decimal(height));
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" \
         width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"11\">\
         <title>Upcheck waterfall</title><desc>{}</desc>\
         <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>",
        escape(&summary(bars, max_overlap(bars), limit))
    );
    let strip_line = strip(&in_flight(bars, 250, scale), limit);
    let _ = write!(
        out,
        "<path d=\"{}\" fill=\"#0969da\" fill-opacity=\"0.3\"/>",
        strip_line.path
    );
    let (y, label_y) = (Decimal(strip_line.limit_y), Decimal(strip_line.label_y()));
    let _ = write!(
        out,
        "<line x1=\"0\" x2=\"{width}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#59636e\" \
         stroke-dasharray=\"4 3\"/><text x=\"4\" y=\"{label_y:.1}\" fill=\"#59636e\">limit {limit}</text>"
    );
    let _ = write!(
        out,
        "<text x=\"{width}\" y=\"{}\" text-anchor=\"end\" fill=\"#59636e\">{}</text>",
        Decimal(STRIP + 14.0),
        format_ms(scale)
    );
    for (i, b) in bars.iter().enumerate() {
        let _ = write!(
            out,
            "<rect class=\"bar {}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{}\" \
             fill=\"{}\"><title>{}</title></rect>",
            b.outcome.as_str(),
            x(b.start),
            Decimal(top + lane * i as f64),
            Decimal((x(b.end).0 - x(b.start).0).max(1.0)),
            Decimal(lane - 2.0),
            colour(b.outcome),
            escape(&describe(&url(b.id), b)),
        );
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(id: u32, start: f32, end: f32, outcome: Outcome) -> Bar {
        Bar {
            id,
            start,
            end,
            outcome,
        }
    }

    #[test]
    fn a_slot_handed_over_is_not_an_overlap() {
        // One at a time: each starts as the previous ends.
        let staircase: Vec<Bar> = (0..4)
            .map(|i| bar(i, i as f32 * 100.0, (i + 1) as f32 * 100.0, Outcome::Up))
            .collect();
        assert_eq!(max_overlap(&staircase), 1);
        let wall = [
            bar(0, 0.0, 100.0, Outcome::Up),
            bar(1, 0.0, 120.0, Outcome::Up),
            bar(2, 100.0, 200.0, Outcome::Down),
        ];
        assert_eq!(max_overlap(&wall), 2);
        let columns = in_flight(&wall, 4, 200.0);
        assert_eq!(columns, [2, 2, 2, 1]);
        assert_eq!(*columns.iter().max().unwrap() as usize, max_overlap(&wall));
    }

    #[test]
    fn many_sites_fold_into_lanes_that_name_the_failures() {
        let bars: Vec<Bar> = (0..1_000)
            .map(|i| {
                let outcome = if i == 7 { Outcome::Down } else { Outcome::Up };
                bar(i, i as f32, i as f32 + 10.0, outcome)
            })
            .collect();
        let lanes = lanes(&bars, 120);
        assert!(lanes.len() <= 120, "{}", lanes.len());
        assert_eq!(lanes.iter().map(|l| l.count).sum::<usize>(), 1_000);
        assert_eq!(lanes[0].outcome, Outcome::Down);
        assert_eq!(lanes[1].outcome, Outcome::Up);
        assert_eq!((lanes[0].start, lanes[0].end), (0.0, 18.0));
    }

    #[test]
    fn the_export_is_standalone_with_one_rect_per_site() {
        let bars = [
            bar(0, 0.0, 100.0, Outcome::Up),
            bar(1, 50.0, 300.0, Outcome::Timeout),
        ];
        let svg = svg(&bars, |id| format!("https://a.test/?q={id}&x=<1>"), 2);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert_eq!(svg.matches("<rect class=\"bar ").count(), 2);
        assert!(svg.contains("fill=\"#8250df\""), "{svg}");
        assert!(
            svg.contains("https://a.test/?q=1&amp;x=&lt;1&gt;: timeout"),
            "{svg}"
        );
        assert!(svg.contains("limit 2"));
        assert!(!svg.contains("var(--"), "inline colours only");
    }

    #[test]
    fn a_check_in_flight_grows_to_now_and_a_queued_one_has_no_bar() {
        let mut checking = Row::queued(3, 4, "https://a.test/".into());
        checking.progress = Progress::Checking { since_ms: 120.0 };
        let bar = Bar::live(&checking, 500.0).unwrap();
        assert_eq!((bar.id, bar.start, bar.end), (3, 120.0, 500.0));
        assert_eq!(bar.outcome, Outcome::Checking);
        assert_eq!(Bar::of(&checking), None, "not finished");
        let queued = Row::queued(4, 5, "https://b.test/".into());
        assert_eq!(Bar::live(&queued, 500.0), None);
    }

    #[test]
    fn the_summary_says_what_the_picture_shows() {
        let bars = [
            bar(0, 0.0, 100.0, Outcome::Up),
            bar(1, 0.0, 300.0, Outcome::Down),
        ];
        let text = summary(&bars, max_overlap(&bars), 16);
        assert!(text.starts_with("2 checks over"), "{text}");
        assert!(text.contains("1 up, 1 down"), "{text}");
        assert!(
            text.contains("at most 2 in flight at once (limit 16)"),
            "{text}"
        );
    }
}
