use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::model::{Choice, Mode, Settings, ViaChoice};

/// The `<option>`s of a choice, `current` selected.
pub(crate) fn options<C: Choice>(current: C) -> Html {
    C::ALL
        .iter()
        .map(|(choice, value, label)| {
            html! { <option value={*value} selected={*choice == current}>{ *label }</option> }
        })
        .collect()
}

/// Props for [`Controls`].
#[derive(Properties, PartialEq)]
pub(crate) struct ControlsProps {
    /// Current settings.
    pub(crate) settings: Settings,
    /// Called with changed settings.
    pub(crate) onchange: Callback<Settings>,
    /// True while a run is going.
    pub(crate) running: bool,
    /// The Check button.
    pub(crate) oncheck: Callback<()>,
    /// The Stop button.
    pub(crate) onstop: Callback<()>,
    /// Whether there are finished rows to check again.
    pub(crate) can_recheck: bool,
    /// "Re-check failed": down, unreachable, timeout and cancelled rows.
    pub(crate) onrecheck_failed: Callback<()>,
    /// "Re-check all".
    pub(crate) onrecheck_all: Callback<()>,
    /// What is known of the proxy, in words (shown beside its settings).
    pub(crate) proxy_status: AttrValue,
    /// What watch mode is doing, in words.
    pub(crate) watch_note: AttrValue,
}

/// Check/Stop buttons and the run settings.
#[component]
pub(crate) fn Controls(props: &ControlsProps) -> Html {
    let field = |apply: fn(&mut Settings, String)| {
        let settings = props.settings.clone();
        let onchange = props.onchange.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let mut next = settings.clone();
            apply(&mut next, input.value());
            onchange.emit(next);
        })
    };
    let choice = |apply: fn(&mut Settings, String)| {
        let settings = props.settings.clone();
        let onchange = props.onchange.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            let mut next = settings.clone();
            apply(&mut next, select.value());
            onchange.emit(next);
        })
    };
    let on_mode = choice(|s, v| s.mode = Mode::from_value(&v).unwrap_or(s.mode));
    let on_via = choice(|s, v| s.via = ViaChoice::from_value(&v).unwrap_or(s.via));
    let check = |apply: fn(&mut Settings, bool)| {
        let settings = props.settings.clone();
        let onchange = props.onchange.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let mut next = settings.clone();
            apply(&mut next, input.checked());
            onchange.emit(next);
        })
    };
    let errors = props.settings.validate().err().unwrap_or_default();
    let s = &props.settings;
    let check_click = props.oncheck.reform(|_: MouseEvent| ());
    let stop = props.onstop.reform(|_: MouseEvent| ());
    let recheck_failed = props.onrecheck_failed.reform(|_: MouseEvent| ());
    let recheck_all = props.onrecheck_all.reform(|_: MouseEvent| ());
    let idle_with_rows = props.can_recheck && !props.running;
    html! {
        <div class="controls">
            <div class="buttons">
                <button id="check" class="primary" onclick={check_click} disabled={props.running}>
                    { "Check" }
                </button>
                <button id="stop" onclick={stop} disabled={!props.running}>{ "Stop" }</button>
                <button id="recheck-failed" onclick={recheck_failed} disabled={!idle_with_rows}>
                    { "Re-check failed" }
                </button>
                <button id="recheck-all" onclick={recheck_all} disabled={!idle_with_rows}>
                    { "Re-check all" }
                </button>
            </div>
            <label>{ "Concurrency " }
                <input id="concurrency" type="number" min="1" max="256" step="1"
                    value={s.concurrency.clone()} disabled={s.mode == Mode::Sequential}
                    oninput={field(|s, v| s.concurrency = v)} />
            </label>
            <label>{ "Mode " }
                <select id="mode" onchange={on_mode}>{ options(s.mode) }</select>
            </label>
            <label>{ "Timeout (s) " }
                <input id="timeout" type="number" min="0.1" max="120" step="any"
                    value={s.timeout_s.clone()} oninput={field(|s, v| s.timeout_s = v)} />
            </label>
            <label>{ "Up if status " }
                <input id="accept" type="text" size="12" value={s.accept.clone()}
                    oninput={field(|s, v| s.accept = v)} />
            </label>
            <label title="An answer slower than this is 'slow' (800ms, 2s; empty: never). A line's slow= overrides it.">
                { "Slow after " }
                <input id="slow" type="text" size="7" placeholder="never" value={s.slow_ms.clone()}
                    oninput={field(|s, v| s.slow_ms = v)} />
            </label>
            <label title="Tries again after no answer, a 5xx or a 429 (0 to 5). A line's retries= overrides it.">
                { "Retries " }
                <input id="retries" type="number" min="0" max="5" step="1"
                    value={s.retries.clone()} oninput={field(|s, v| s.retries = v)} />
            </label>
            <label>{ "Check via " }
                <select id="via" onchange={on_via}>{ options(s.via) }</select>
            </label>
            <label>{ "Proxy " }
                <input id="proxy-url" type="url" size="24" placeholder="this page's server"
                    value={s.proxy_url.clone()} oninput={field(|s, v| s.proxy_url = v)} />
            </label>
            <span id="proxy-status" class="hint">{ props.proxy_status.clone() }</span>
            <div class="watch">
                <label>
                    <input id="watch" type="checkbox" checked={s.watch}
                        onchange={check(|s, v| s.watch = v)} />
                    { " Watch: re-check every " }
                </label>
                <input id="watch-every" type="number" min="1" step="any" aria-label="seconds between checks"
                    value={s.watch_every_s.clone()} oninput={field(|s, v| s.watch_every_s = v)} />
                { " s " }
                <label>
                    <input id="notify" type="checkbox" checked={s.notify}
                        onchange={check(|s, v| s.notify = v)} />
                    { " notify me when a site changes state" }
                </label>
                <span id="watch-note" class="hint">{ props.watch_note.clone() }</span>
            </div>
            if !errors.is_empty() {
                <ul class="errors" id="settings-errors" role="alert">
                    { for errors.iter().map(|e| html! { <li>{ e }</li> }) }
                </ul>
            }
        </div>
    }
}
