use upcheck_core::decimal::Decimal;
use upcheck_core::summary::{format_ms, speedup};
use upcheck_core::{Outcome, Tally};
use yew::prelude::*;

use super::{Elapsed, RunChart};
use crate::model::Mode;
use crate::state::{RunInfo, RunRecord};

/// Props for [`SummaryBar`].
#[derive(Properties, PartialEq)]
pub(crate) struct SummaryBarProps {
    /// Counts per outcome and the current run's sum of check times.
    pub(crate) tally: Tally,
    /// Rows that passed only after a retry.
    pub(crate) flaky: usize,
    /// The current or last run.
    pub(crate) run: Option<RunInfo>,
    /// Duplicates merged from the list.
    pub(crate) duplicates: usize,
    /// The latest sequential and concurrent runs of this list, if both exist.
    pub(crate) comparison: Option<(RunRecord, RunRecord)>,
    /// How long reading the list took.
    pub(crate) read_ms: Option<f64>,
    /// Outcomes the list is filtered to (empty: all).
    pub(crate) only: Vec<Outcome>,
    /// Toggle an outcome in the filter (the chips are buttons).
    pub(crate) ontoggle: Callback<Outcome>,
}

fn mode_text(mode: Mode, concurrency: u32) -> String {
    match mode {
        Mode::Concurrent => format!("concurrency {concurrency}"),
        Mode::Sequential => "one at a time".to_owned(),
    }
}

/// Counts per outcome, progress with elapsed time, and — once done — what
/// concurrency bought, side by side with a sequential run of the same list.
#[component]
pub(crate) fn SummaryBar(props: &SummaryBarProps) -> Html {
    let t = &props.tally;
    let chips = Outcome::ALL.iter().filter(|o| t.count(**o) > 0).map(|o| {
        let pressed = props.only.contains(o);
        let (cb, outcome) = (props.ontoggle.clone(), *o);
        html! {
            <button class={classes!("chip", o.as_str())} data-outcome={o.as_str()}
                aria-pressed={pressed.to_string()} title={format!("show only {}", o.as_str())}
                onclick={Callback::from(move |_: MouseEvent| cb.emit(outcome))}>
                <span aria-hidden="true">{ o.icon() }</span>
                { format!(" {} {}", o.as_str(), t.count(*o)) }
            </button>
        }
    });
    let flaky = (props.flaky > 0).then(|| {
        html! {
            <span id="flaky" class="chip flaky" data-count={props.flaky.to_string()}
                title="answered, but only after a retry: up on try 2 of 3 and the like">
                <span aria-hidden="true">{ "⚠" }</span>
                { format!(" flaky {}", props.flaky) }
            </span>
        }
    });
    let Some(run) = &props.run else {
        return html! {
            <section id="summary" class="summary idle">
                if t.total() > 0 {
                    <div class="chips">{ for chips }{ for flaky }</div>
                    { "Greyed rows are results from an earlier visit; press Check to refresh them." }
                } else {
                    { "Paste a list and press Check." }
                }
            </section>
        };
    };
    let total = t.total();
    let done = t.done();
    let mode = if run.everywhere() {
        let labels: Vec<&str> = run.vantages.iter().map(|v| v.label.as_str()).collect();
        format!(
            "from {} vantage points side by side: {}; {} in this browser",
            labels.len(),
            labels.join(", "),
            mode_text(run.mode, run.concurrency)
        )
    } else if run.via_proxy {
        match run.mode {
            Mode::Concurrent => "through the proxy".to_owned(),
            Mode::Sequential => "one at a time through the proxy".to_owned(),
        }
    } else {
        mode_text(run.mode, run.concurrency)
    };
    let what = if run.whole_list {
        String::new()
    } else {
        format!(" re-checking {}", run.sites)
    };
    let timing = match run.wall_ms {
        Some(wall) => {
            let factor = speedup(t.sum_ms, wall)
                .map(|f| format!(" · {:.1}× the speed of one at a time", Decimal(f)))
                .unwrap_or_default();
            html! {
                { format!("Done{what} in {} wall time · sum of check times {}{factor} ({mode})",
                    format_ms(wall), format_ms(t.sum_ms)) }
            }
        }
        None => html! {
            <>{ format!("Checking…{what} ") }<Elapsed since={run.started_at} />{ format!(" ({mode})") }</>
        },
    };
    let mut notes = if props.duplicates > 0 {
        format!(" · {} duplicates merged", props.duplicates)
    } else {
        String::new()
    };
    if let Some(ms) = props.read_ms {
        notes.push_str(&format!(" · list read in {}", format_ms(ms)));
    }
    html! {
        <section id="summary" class="summary"
            data-done={done.to_string()} data-total={total.to_string()}
            data-wall-ms={run.wall_ms.map(|w| format!("{:.0}", Decimal(w)))}
            data-sum-ms={format!("{:.0}", Decimal(t.sum_ms))}
            data-flaky={props.flaky.to_string()}
            data-read-ms={props.read_ms.map(|ms| format!("{:.1}", Decimal(ms)))}>
            <div class="chips">{ for chips }{ for flaky }</div>
            <progress id="progress" max={total.to_string()} value={done.to_string()} />
            <div id="progress-text">{ format!("{done} / {total} done{notes}") }</div>
            <div id="timing">{ timing }</div>
            if let Some((seq, conc)) = &props.comparison {
                <Comparison seq={seq.clone()} conc={conc.clone()} />
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ComparisonProps {
    seq: RunRecord,
    conc: RunRecord,
}

/// The same list run one at a time and concurrently, in numbers and as two
/// waterfalls on one time scale: the staircase beside the wall.
#[component]
fn Comparison(props: &ComparisonProps) -> Html {
    let row = |r: &RunRecord| {
        let factor = speedup(r.sum_ms, r.wall_ms).unwrap_or(1.0);
        let mode = match r.mode {
            Mode::Concurrent => "concurrent",
            Mode::Sequential => "sequential",
        };
        html! {
            <tr data-mode={mode} data-wall-ms={format!("{:.0}", Decimal(r.wall_ms))}>
                <th scope="row">{ mode_text(r.mode, r.concurrency) }</th>
                <td>{ r.sites }</td>
                <td>{ format_ms(r.wall_ms) }</td>
                <td>{ format_ms(r.sum_ms) }</td>
                <td>{ format!("{:.1}×", Decimal(factor)) }</td>
            </tr>
        }
    };
    let gain = props.seq.wall_ms / props.conc.wall_ms.max(1.0);
    let scale = props.seq.wall_ms.max(props.conc.wall_ms);
    let chart = |r: &RunRecord| {
        let (mode, label) = match r.mode {
            Mode::Concurrent => (
                "concurrent",
                format!("concurrent ({})", mode_text(r.mode, r.concurrency)),
            ),
            Mode::Sequential => ("sequential", "one at a time".to_owned()),
        };
        html! {
            <RunChart bars={r.bars.clone()} {scale} mode={mode} label={label} limit={r.limit()} />
        }
    };
    html! {
        <>
        <table id="compare" class="compare">
            <caption>{ format!("Same list, both ways: concurrent finished {:.1}× sooner", Decimal(gain)) }</caption>
            <thead><tr>
                <th scope="col">{ "run" }</th><th scope="col">{ "sites" }</th>
                <th scope="col">{ "wall time" }</th><th scope="col">{ "sum of check times" }</th>
                <th scope="col">{ "speed-up" }</th>
            </tr></thead>
            <tbody>{ row(&props.seq) }{ row(&props.conc) }</tbody>
        </table>
        <div id="compare-charts" class="compare-charts">{ chart(&props.seq) }{ chart(&props.conc) }</div>
        </>
    }
}

/// Props for [`Announcer`].
#[derive(Properties, PartialEq)]
pub(crate) struct AnnouncerProps {
    /// Counts per outcome.
    pub(crate) tally: Tally,
    /// The current or last run.
    pub(crate) run: Option<RunInfo>,
}

/// The polite live region that reads progress out. It is in the page, empty,
/// before the first run (screen readers often miss a region mounted together
/// with its first message) and stays the same element ever after: the App
/// renders it at a fixed place. It speaks only at coarse steps, so a screen
/// reader is not flooded by hundreds of updates.
#[component]
pub(crate) fn Announcer(props: &AnnouncerProps) -> Html {
    let text = match &props.run {
        None => String::new(),
        Some(run) => match run.wall_ms {
            Some(wall) => format!(
                "Done: {} of {} in {}",
                props.tally.done(),
                props.tally.total(),
                format_ms(wall)
            ),
            None => format!("Checking {} sites", run.sites),
        },
    };
    html! { <div id="announce" class="sr-only" aria-live="polite">{ text }</div> }
}
