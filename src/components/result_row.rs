use std::rc::Rc;
use upcheck_core::decimal::Decimal;
use upcheck_core::summary::format_ms;
use upcheck_core::Outcome;
use yew::prelude::*;

use super::RowDetails;
use upcheck_core::{Progress, Row, Vantage};

/// Props for [`ResultRow`]. Equal when the row's `Rc` is the same (and the
/// buttons' state), so unchanged rows skip rendering.
#[derive(Properties, Clone)]
pub(crate) struct ResultRowProps {
    /// The row to show.
    pub(crate) row: Rc<Row>,
    /// Whether its re-check button is enabled (not while a run is going).
    pub(crate) can_recheck: bool,
    /// Re-check this row (called with its id).
    pub(crate) onrecheck: Callback<usize>,
    /// True for the row a waterfall bar was chosen for: marked and focusable.
    #[prop_or_default]
    pub(crate) selected: bool,
    /// The vantage points the row's cells come from.
    #[prop_or_default]
    pub(crate) vantages: Rc<Vec<Vantage>>,
}

impl PartialEq for ResultRowProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.row, &other.row)
            && self.can_recheck == other.can_recheck
            && self.onrecheck == other.onrecheck
            && self.selected == other.selected
            // By content (pointers first: `Vantage` is `Eq`): before any
            // run the page passes a new empty list on every render.
            && self.vantages == other.vantages
    }
}

/// One site: outcome (icon and text, never color alone), URL, detail, latency.
#[component]
pub(crate) fn ResultRow(props: &ResultRowProps) -> Html {
    let row = &props.row;
    let outcome = row.outcome();
    let state = outcome.as_str();
    let latency = row.latency_ms().map(format_ms).unwrap_or_default();
    let detail = match (row.stale, row.result()) {
        (true, None) => "not checked yet",
        _ => row.detail(),
    };
    let recheck = {
        let (cb, id) = (props.onrecheck.clone(), row.id);
        Callback::from(move |_: MouseEvent| cb.emit(id))
    };
    let flaky = row.result().filter(|r| r.is_flaky());
    let tries = row.result().map(|r| r.tries.to_string());
    let options = (!row.options.is_empty()).then(|| row.options.to_syntax());
    let strip = (row.history.len() > 1).then(|| {
        let uptime = row.uptime().map(|u| format!("{:.0}%", Decimal(u * 100.0))).unwrap_or_default();
        html! {
            <span class="history" title={format!("last {} checks, uptime {uptime}", row.history.len())}>
                { for row.history.iter().map(|o| html! {
                    <span class={classes!("tick", o.as_str())} title={o.as_str()} />
                }) }
                <span class="uptime">{ format!(" uptime {uptime}") }</span>
            </span>
        }
    });
    let everywhere = row.seen.len() > 1 && row.seen.len() == props.vantages.len();
    let reach = row.result().and_then(|r| r.reach).map(|r| r.as_str());
    html! {
        <li data-reach={reach} class={classes!("row", state, row.stale.then_some("stale"), props.selected.then_some("selected"))}
            data-url={row.url.clone()} data-id={row.id.to_string()}
            tabindex={props.selected.then_some("-1")} aria-current={props.selected.then_some("true")}
            data-state={state} data-line={row.line.to_string()}
            data-stale={row.stale.then_some("true")} data-tries={tries}
            data-flaky={flaky.map(|_| "true")}>
            <span class="badge" title={state}>
                <span class="icon" aria-hidden="true">{ outcome.icon() }</span>
                { state }
            </span>
            <span class="url" title={row.url.clone()}>
                { &row.url }
                if let Some(options) = options {
                    <span class="opts">{ " " }{ options }</span>
                }
            </span>
            <span class="detail" title={detail.to_owned()}>
                if let Some(r) = flaky {
                    <span class="flaky-badge"
                        title={format!("answered on try {} of {}", r.tries, r.max_tries)}>
                        { "flaky" }
                    </span>{ " " }
                }
                if row.stale && row.result().is_some() {
                    <span class="stale-note">{ "earlier result · " }</span>
                }
                if everywhere {
                    { cells(row, &props.vantages) }
                }
                { detail }
                { for strip }
                if everywhere {
                    { side_by_side(row, &props.vantages) }
                } else if let Some(line) = row.result().and_then(|r| r.proxy.clone()) {
                    <RowDetails {line} />
                }
            </span>
            <span class="latency">{ latency }</span>
            if outcome != Outcome::Invalid {
                <button class="recheck" title="Check this site again" onclick={recheck}
                    disabled={!props.can_recheck} aria-label={format!("Re-check {}", row.url)}>
                    { "↻" }
                </button>
            } else {
                <span />
            }
        </li>
    }
}

/// One compact cell per vantage point: its label, outcome (icon and word),
/// status or reason, and time.
fn cells(row: &Row, vantages: &[Vantage]) -> Html {
    let cell = |(vantage, progress): (&Vantage, &Progress)| {
        let (outcome, what, time) = match progress {
            Progress::Done(r) => (
                r.outcome,
                r.status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| r.outcome.to_string()),
                r.latency_ms.map(format_ms).unwrap_or_default(),
            ),
            Progress::Queued => (Outcome::Queued, "queued".to_owned(), String::new()),
            Progress::Checking { .. } => (Outcome::Checking, "checking".to_owned(), String::new()),
        };
        let title = match progress {
            Progress::Done(r) => format!("{}: {}", vantage.label, r.detail),
            _ => format!("{}: {what}", vantage.label),
        };
        html! {
            <span class={classes!("cell", outcome.as_str())} data-vantage={vantage.label.clone()}
                data-state={outcome.as_str()} {title}>
                <span class="cell-label">{ &vantage.label }</span>
                <span class="icon" aria-hidden="true">{ outcome.icon() }</span>
                <span class="cell-what">{ what }</span>
                if !time.is_empty() {
                    <span class="cell-time">{ time }</span>
                }
            </span>
        }
    };
    html! {
        <span class="cells" role="group" aria-label="each vantage point">
            { for vantages.iter().zip(&row.seen).map(cell) }
        </span>
    }
}

/// Every vantage point's full detail, side by side, behind a disclosure.
fn side_by_side(row: &Row, vantages: &[Vantage]) -> Html {
    let column = |(vantage, progress): (&Vantage, &Progress)| {
        let Progress::Done(r) = progress else {
            return html! {
                <section class="vantage-detail" data-vantage={vantage.label.clone()}>
                    <h4>{ &vantage.label }</h4><p>{ "not finished" }</p>
                </section>
            };
        };
        html! {
            <section class="vantage-detail" data-vantage={vantage.label.clone()}
                data-state={r.outcome.as_str()}>
                <h4>{ &vantage.label }</h4>
                <p>
                    <span class="icon" aria-hidden="true">{ r.outcome.icon() }</span>
                    { format!(" {} · {}", r.outcome, r.detail) }
                    { r.latency_ms.map(|ms| format!(" · {}", format_ms(ms))).unwrap_or_default() }
                </p>
                if let Some(line) = r.proxy.clone() {
                    <RowDetails {line} />
                }
            </section>
        }
    };
    html! {
        <details class="more vantages-more">
            <summary>{ "each vantage point" }</summary>
            <div class="side-by-side">
                { for vantages.iter().zip(&row.seen).map(column) }
            </div>
        </details>
    }
}
