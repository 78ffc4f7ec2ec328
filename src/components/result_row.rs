use std::rc::Rc;
use upcheck_core::summary::format_ms;
use upcheck_core::Outcome;
use yew::prelude::*;

use super::RowDetails;
use upcheck_core::Row;

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
}

impl PartialEq for ResultRowProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.row, &other.row)
            && self.can_recheck == other.can_recheck
            && self.onrecheck == other.onrecheck
            && self.selected == other.selected
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
        let uptime = row.uptime().map(|u| format!("{:.0}%", u * 100.0)).unwrap_or_default();
        html! {
            <span class="history" title={format!("last {} checks, uptime {uptime}", row.history.len())}>
                { for row.history.iter().map(|o| html! {
                    <span class={classes!("tick", o.as_str())} title={o.as_str()} />
                }) }
                <span class="uptime">{ format!(" uptime {uptime}") }</span>
            </span>
        }
    });
    html! {
        <li class={classes!("row", state, row.stale.then_some("stale"), props.selected.then_some("selected"))}
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
                { detail }
                { for strip }
                if let Some(line) = row.result().and_then(|r| r.proxy.clone()) {
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
