use upcheck_core::summary::{format_ms, speedup};
use upcheck_core::{Outcome, Tally};
use yew::prelude::*;

use crate::state::{Mode, RunInfo};

/// Props for [`SummaryBar`].
#[derive(Properties, PartialEq)]
pub struct SummaryBarProps {
    /// Counts per outcome and the sum of check times.
    pub tally: Tally,
    /// The current or last run.
    pub run: Option<RunInfo>,
    /// Duplicates merged from the list.
    pub duplicates: usize,
}

/// Counts per outcome, progress, and — once done — what concurrency bought.
#[component]
pub fn SummaryBar(props: &SummaryBarProps) -> Html {
    let Some(run) = &props.run else {
        return html! {
            <section id="summary" class="summary idle">
                { "Paste a list and press Check." }
            </section>
        };
    };
    let t = &props.tally;
    let total = t.total();
    let done = t.done();
    let chips = Outcome::ALL.iter().filter(|o| t.count(**o) > 0).map(|o| {
        html! {
            <span class={classes!("chip", o.as_str())} data-outcome={o.as_str()}>
                <span aria-hidden="true">{ o.icon() }</span>
                { format!(" {} {}", o.as_str(), t.count(*o)) }
            </span>
        }
    });
    let mode = match run.mode {
        Mode::Concurrent => format!("concurrency {}", run.concurrency),
        Mode::Sequential => "one at a time".to_owned(),
    };
    let timing = match run.wall_ms {
        Some(wall) => {
            let factor = speedup(t.sum_ms, wall)
                .map(|f| format!(" · {f:.1}× the speed of one at a time"))
                .unwrap_or_default();
            format!(
                "Done in {} wall time · sum of check times {}{factor} ({mode})",
                format_ms(wall),
                format_ms(t.sum_ms)
            )
        }
        None => format!("Checking… ({mode})"),
    };
    let dupes = if props.duplicates > 0 {
        format!(" · {} duplicates merged", props.duplicates)
    } else {
        String::new()
    };
    html! {
        <section id="summary" class="summary" aria-live="polite"
            data-done={done.to_string()} data-total={total.to_string()}
            data-wall-ms={run.wall_ms.map(|w| format!("{w:.0}"))}
            data-sum-ms={format!("{:.0}", t.sum_ms)}>
            <div class="chips">{ for chips }</div>
            <progress id="progress" max={total.to_string()} value={done.to_string()} />
            <div id="progress-text">{ format!("{done} / {total} done{dupes}") }</div>
            <div id="timing">{ timing }</div>
        </section>
    }
}
