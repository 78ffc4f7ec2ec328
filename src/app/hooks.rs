//! The page's standing behaviours, each a hook: the keyboard, what was begun
//! on the static page before the app mounted, the tab title, watch mode,
//! notifications and keeping results for the next visit.

use gloo_events::EventListener;
use gloo_timers::callback::Timeout;
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;
use upcheck_core::decimal::Decimal;
use upcheck_core::Outcome;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, KeyboardEvent};
use yew::prelude::*;

use crate::services::{browser, storage};
use crate::state::State;

/// Ctrl+Enter runs, Esc stops, `/` jumps to the search box.
#[hook]
pub(super) fn use_keyboard(start: Callback<()>, stop: Callback<()>) {
    use_effect_with((start, stop), |(start, stop)| {
        let (start, stop) = (start.clone(), stop.clone());
        let listener = web_sys::window()
            .and_then(|w| w.document())
            .map(|document| {
                EventListener::new(&document, "keydown", move |event| {
                    let Some(e) = event.dyn_ref::<KeyboardEvent>() else {
                        return;
                    };
                    let typing = e
                        .target()
                        .and_then(|t| t.dyn_into::<HtmlElement>().ok())
                        .is_some_and(|el| {
                            matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                        });
                    match e.key().as_str() {
                        "Escape" => stop.emit(()),
                        // The list box handles its own Ctrl+Enter.
                        "Enter" if (e.ctrl_key() || e.meta_key()) && !typing => start.emit(()),
                        "/" if !typing => {
                            e.prevent_default();
                            focus("search");
                        }
                        _ => {}
                    }
                })
            });
        move || drop(listener)
    });
}

/// Picks up what the static page (index.html, static/start.js) began before
/// the wasm arrived: the list box gets its focus and caret back if it had
/// them, and a Check pressed there starts its run once `settled` (the page's
/// proxy found or not), so it goes where a Check pressed now would. The list
/// is the one the static box held (src/lib.rs saved it before mounting).
#[hook]
pub(super) fn use_early_check(start: Callback<()>, settled: bool) {
    use_effect_with((), move |()| {
        let area = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("list"))
            .and_then(|el| el.dyn_into::<web_sys::HtmlTextAreaElement>().ok());
        if let (Some(caret), Some(area)) = (browser::take_early("early-caret"), area) {
            let caret = caret.parse::<u32>().unwrap_or(0);
            let _ = area.focus();
            let _ = area.set_selection_range(caret, caret);
        }
    });
    use_effect_with(settled, move |settled| {
        if *settled && browser::take_early("early-check").is_some() {
            start.emit(());
        }
    });
}

/// Focuses the element with `id`, if it is there.
pub(super) fn focus(id: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|el| el.dyn_into::<HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// The tab title says how many sites are failing, so a watched list in a
/// background tab is readable at a glance.
#[hook]
pub(super) fn use_title(state: &State) {
    let failing = Outcome::ALL
        .iter()
        .filter(|o| o.failing())
        .map(|o| state.tally.count(*o))
        .sum::<usize>();
    use_effect_with(failing, |&failing| {
        browser::set_title(&if failing > 0 {
            format!("({failing} down) Upcheck")
        } else {
            "Upcheck — which sites are up?".to_owned()
        });
    });
}

/// Watch mode: once a run ends, schedule "re-check all" after `every`.
/// Returns a sentence saying what it is doing.
#[hook]
pub(super) fn use_watch(
    state: &State,
    every: Option<Duration>,
    recheck_all: Callback<()>,
) -> String {
    // The latest callback, read when the timer fires (it changes every run).
    let latest = use_mut_ref(|| recheck_all.clone());
    *latest.borrow_mut() = recheck_all;
    let next_at = use_state(|| None::<String>);
    let finished = state.run.as_ref().and_then(|r| r.wall_ms.map(|_| r.id));
    {
        let next_at = next_at.clone();
        use_effect_with((every, finished), move |(every, finished)| {
            let timer = match (every, finished) {
                (Some(every), Some(_)) => {
                    let at = js_sys::Date::new_0();
                    at.set_time(at.get_time() + every.as_secs_f64() * 1_000.0);
                    next_at.set(Some(at.to_locale_time_string("en-GB").into()));
                    let latest = latest.clone();
                    let ms = every.as_millis().min(u128::from(u32::MAX)) as u32;
                    Some(Timeout::new(ms, move || latest.borrow().emit(())))
                }
                _ => {
                    next_at.set(None);
                    None
                }
            };
            move || drop(timer)
        });
    }
    let tab_note = "Watching runs only while this tab is open.";
    match (every, &*next_at) {
        (Some(every), Some(at)) => format!(
            "Watching every {} s; next check at {at}. {tab_note}",
            Decimal(every.as_secs_f64())
        ),
        (Some(_), None) => format!("Watch starts after the next check finishes. {tab_note}"),
        (None, _) => tab_note.to_owned(),
    }
}

/// Notifies about sites that changed between answering and failing, while
/// watching with notifications on.
#[hook]
pub(super) fn use_notifications(state: &State, enabled: bool) {
    let seen = use_mut_ref(|| Cell::new(0u64));
    let transitions = state.transitions.clone();
    use_effect_with(
        (Rc::as_ptr(&transitions) as usize, enabled),
        move |(_, enabled)| {
            let last = seen.borrow().get();
            for t in transitions.iter().filter(|t| t.seq > last) {
                if *enabled {
                    browser::notify(
                        &format!("{} is {}", t.url, t.to.as_str()),
                        &format!("It was {} at the previous check.", t.from.as_str()),
                    );
                }
            }
            if let Some(t) = transitions.last() {
                seen.borrow().set(t.seq);
            }
        },
    );
}

/// Keeps the results of every finished run for the next visit.
#[hook]
pub(super) fn use_saved_results(state: &State) {
    let finished = state.run.as_ref().and_then(|r| r.wall_ms.map(|_| r.id));
    let rows = state.rows.clone();
    // Saves in flight are numbered: only the latest one stores its JSON.
    let latest = use_mut_ref(|| 0u64);
    use_effect_with(finished, move |finished| {
        if finished.is_some() {
            let this = {
                let mut latest = latest.borrow_mut();
                *latest += 1;
                *latest
            };
            let rows = rows.borrow().clone();
            yew::platform::spawn_local(async move {
                storage::save_results(rows, move || *latest.borrow() == this).await;
            });
        }
    });
}
