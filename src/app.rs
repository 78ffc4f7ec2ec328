//! The root component: wires the list, the settings, the engine and the rows.

use std::rc::Rc;
use upcheck_core::parse_list;
use url::Url;
use yew::prelude::*;

use crate::components::{Controls, ListInput, ResultRow, Settings, SummaryBar};
use crate::services::check::{now, CheckOptions};
use crate::services::engine::{self, EngineEvent, Job, StopHandle};
use crate::state::{Action, RunInfo, State};

/// The whole page.
#[component]
pub fn App() -> Html {
    let state = use_reducer(State::default);
    let text = use_state(String::new);
    let settings = use_state(Settings::default);
    let errors = use_state(Vec::<String>::new);
    let engine = use_mut_ref(|| None::<StopHandle>);
    let next_run = use_mut_ref(|| 0u64);

    let start = {
        let state = state.clone();
        let text = text.clone();
        let settings = settings.clone();
        let errors = errors.clone();
        let engine = engine.clone();
        Callback::from(move |()| {
            let run_settings = match settings.validate() {
                Ok(s) => s,
                Err(e) => {
                    errors.set(e);
                    return;
                }
            };
            errors.set(Vec::new());
            let list = Rc::new(parse_list(&text));
            let id = {
                let mut n = next_run.borrow_mut();
                *n += 1;
                *n
            };
            let run = RunInfo {
                id,
                mode: run_settings.mode,
                concurrency: run_settings.concurrency,
                started_at: now(),
                wall_ms: None,
            };
            let jobs: Vec<Job> = list
                .entries
                .iter()
                .enumerate()
                .filter_map(|(id, e)| {
                    e.target.as_ref().ok().map(|url| Job {
                        id,
                        url: url.clone(),
                    })
                })
                .collect();
            state.dispatch(Action::Start { run, list });
            let opts = CheckOptions {
                timeout: run_settings.timeout,
                accept: run_settings.accept,
                page: page_url(),
            };
            let dispatcher = state.dispatcher();
            let on_event = Callback::from(move |event| {
                dispatcher.dispatch(match event {
                    EngineEvent::Checking(row) => Action::Checking { run: id, id: row },
                    EngineEvent::Finished(row, result) => Action::Finished {
                        run: id,
                        id: row,
                        result,
                    },
                    EngineEvent::Done { wall_ms } => Action::RunDone { run: id, wall_ms },
                })
            });
            // Replacing the handle stops any previous run.
            *engine.borrow_mut() = Some(engine::run(
                jobs,
                run_settings.concurrency as usize,
                opts,
                on_event,
            ));
        })
    };
    let stop = {
        let engine = engine.clone();
        Callback::from(move |()| {
            if let Some(handle) = engine.borrow_mut().take() {
                handle.stop();
            }
        })
    };
    let on_text = {
        let text = text.clone();
        Callback::from(move |t: String| text.set(t))
    };
    let on_settings = {
        let settings = settings.clone();
        Callback::from(move |s: Settings| settings.set(s))
    };
    let running = state.running();
    let rows = state.rows.borrow().clone();

    html! {
        <>
            <header class="top">
                <h1>{ "Upcheck" }</h1>
                <p class="tagline">{ "Which of these sites are up? Checked concurrently, in your browser." }</p>
            </header>
            <section class="input">
                <ListInput value={AttrValue::from((*text).clone())} oninput={on_text}
                    onsubmit={start.clone()} />
                <Controls settings={(*settings).clone()} onchange={on_settings}
                    {running} oncheck={start} onstop={stop} />
                if !errors.is_empty() {
                    <ul class="errors" id="run-errors" role="alert">
                        { for errors.iter().map(|e| html! { <li>{ e }</li> }) }
                    </ul>
                }
            </section>
            <SummaryBar tally={state.tally.clone()} run={state.run.clone()}
                duplicates={state.duplicates} />
            <ol id="results" class="results">
                { for rows.into_iter().map(|row| { let key = row.id; html! { <ResultRow {key} {row} /> } }) }
            </ol>
        </>
    }
}

fn page_url() -> Option<Url> {
    let href = web_sys::window()?.location().href().ok()?;
    Url::parse(&href).ok()
}
