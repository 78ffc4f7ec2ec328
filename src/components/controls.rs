use serde::{Deserialize, Serialize};
use std::time::Duration;
use upcheck_core::{defaults, StatusRule};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::state::Mode;

/// The run settings as the person typed them; [`Settings::validate`] reads them.
/// Kept as typed (strings) so a half-typed value survives a reload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Checks in flight at most (text of the number field).
    pub concurrency: String,
    /// Per-check deadline in seconds (text of the number field).
    pub timeout_s: String,
    /// Concurrent or sequential.
    pub mode: Mode,
    /// Accepted statuses, e.g. `200-399` or `200-299,401`.
    pub accept: String,
    /// Where checks run.
    pub via: ViaChoice,
    /// Base URL of a proxy elsewhere; empty means this page's own server.
    pub proxy_url: String,
    /// Watch mode: re-check everything every `watch_every_s` seconds.
    pub watch: bool,
    /// Watch interval in seconds (text of the number field).
    pub watch_every_s: String,
    /// Notify when a watched site changes state.
    pub notify: bool,
}

/// Where the person wants checks to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ViaChoice {
    /// Through the proxy when one answers, else from the browser.
    #[default]
    Auto,
    /// Always from the browser.
    Direct,
    /// Always through the proxy.
    Proxy,
}

impl ViaChoice {
    fn as_str(self) -> &'static str {
        match self {
            ViaChoice::Auto => "auto",
            ViaChoice::Direct => "direct",
            ViaChoice::Proxy => "proxy",
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            concurrency: defaults::CONCURRENCY.to_string(),
            timeout_s: (defaults::TIMEOUT_MS / 1_000).to_string(),
            mode: Mode::Concurrent,
            accept: StatusRule::default().to_string(),
            via: ViaChoice::Auto,
            proxy_url: String::new(),
            watch: false,
            watch_every_s: "60".into(),
            notify: false,
        }
    }
}

/// Settings checked and ready for a run.
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// Checks in flight at most (1 in sequential mode).
    pub concurrency: u32,
    /// Per-check deadline.
    pub timeout: Duration,
    /// Scheduling mode.
    pub mode: Mode,
    /// Accepted statuses.
    pub accept: StatusRule,
    /// Where checks should run.
    pub via: ViaChoice,
    /// Watch interval, when watching.
    pub watch_every: Option<Duration>,
}

impl Settings {
    /// Reads every field; each problem is a sentence naming its field.
    pub fn validate(&self) -> Result<RunSettings, Vec<String>> {
        let mut errors = Vec::new();
        let (lo, hi) = (defaults::MIN_CONCURRENCY, defaults::MAX_CONCURRENCY);
        let concurrency = match self.concurrency.trim().parse::<u32>() {
            Ok(n) if (lo..=hi).contains(&n) => n,
            _ => {
                errors.push(format!(
                    "Concurrency: '{}' must be a whole number from {lo} to {hi}",
                    self.concurrency.trim()
                ));
                defaults::CONCURRENCY
            }
        };
        let (tlo, thi) = (
            f64::from(defaults::MIN_TIMEOUT_MS) / 1_000.0,
            f64::from(defaults::MAX_TIMEOUT_MS) / 1_000.0,
        );
        let timeout = match self.timeout_s.trim().parse::<f64>() {
            Ok(s) if (tlo..=thi).contains(&s) => Duration::from_secs_f64(s),
            _ => {
                errors.push(format!(
                    "Timeout: '{}' must be a number of seconds from {tlo} to {thi}",
                    self.timeout_s.trim()
                ));
                Duration::from_millis(u64::from(defaults::TIMEOUT_MS))
            }
        };
        let accept = match self.accept.parse::<StatusRule>() {
            Ok(rule) => rule,
            Err(e) => {
                errors.push(format!("Accepted statuses: {e}"));
                StatusRule::default()
            }
        };
        let watch_every = match self.watch_every_s.trim().parse::<f64>() {
            Ok(s) if (1.0..=86_400.0).contains(&s) => Some(Duration::from_secs_f64(s)),
            _ if !self.watch => None,
            _ => {
                errors.push(format!(
                    "Watch every: '{}' must be a number of seconds from 1 to 86400",
                    self.watch_every_s.trim()
                ));
                None
            }
        };
        let proxy_url = self.proxy_url.trim();
        if !proxy_url.is_empty()
            && !matches!(
                url::Url::parse(proxy_url)
                    .map(|u| u.scheme().to_owned())
                    .as_deref(),
                Ok("http" | "https")
            )
        {
            errors.push(format!(
                "Proxy: '{proxy_url}' is not an http:// or https:// address"
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(RunSettings {
            concurrency: if self.mode == Mode::Sequential {
                1
            } else {
                concurrency
            },
            timeout,
            mode: self.mode,
            accept,
            via: self.via,
            watch_every: watch_every.filter(|_| self.watch),
        })
    }
}

/// Props for [`Controls`].
#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    /// Current settings.
    pub settings: Settings,
    /// Called with changed settings.
    pub onchange: Callback<Settings>,
    /// True while a run is going.
    pub running: bool,
    /// The Check button.
    pub oncheck: Callback<()>,
    /// The Stop button.
    pub onstop: Callback<()>,
    /// Whether there are finished rows to check again.
    pub can_recheck: bool,
    /// "Re-check failed": down, unreachable, timeout and cancelled rows.
    pub onrecheck_failed: Callback<()>,
    /// "Re-check all".
    pub onrecheck_all: Callback<()>,
    /// What is known of the proxy, in words (shown beside its settings).
    pub proxy_status: AttrValue,
    /// What watch mode is doing, in words.
    pub watch_note: AttrValue,
}

/// Check/Stop buttons and the run settings.
#[component]
pub fn Controls(props: &ControlsProps) -> Html {
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
    let on_mode = choice(|s, v| {
        s.mode = if v == "sequential" {
            Mode::Sequential
        } else {
            Mode::Concurrent
        }
    });
    let on_via = choice(|s, v| {
        s.via = match v.as_str() {
            "direct" => ViaChoice::Direct,
            "proxy" => ViaChoice::Proxy,
            _ => ViaChoice::Auto,
        }
    });
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
                <select id="mode" onchange={on_mode}>
                    <option value="concurrent" selected={s.mode == Mode::Concurrent}>
                        { "concurrent" }
                    </option>
                    <option value="sequential" selected={s.mode == Mode::Sequential}>
                        { "one at a time" }
                    </option>
                </select>
            </label>
            <label>{ "Timeout (s) " }
                <input id="timeout" type="number" min="0.1" max="120" step="any"
                    value={s.timeout_s.clone()} oninput={field(|s, v| s.timeout_s = v)} />
            </label>
            <label>{ "Up if status " }
                <input id="accept" type="text" size="12" value={s.accept.clone()}
                    oninput={field(|s, v| s.accept = v)} />
            </label>
            <label>{ "Check via " }
                <select id="via" onchange={on_via}>
                    { for [ViaChoice::Auto, ViaChoice::Direct, ViaChoice::Proxy].map(|v| html! {
                        <option value={v.as_str()} selected={s.via == v}>{ match v {
                            ViaChoice::Auto => "proxy if one answers",
                            ViaChoice::Direct => "this browser only",
                            ViaChoice::Proxy => "the proxy",
                        } }</option>
                    }) }
                </select>
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
