//! The root component: wires the list, the settings, the engine and the rows.
//! Every handler is a stable `use_callback`, so child components whose inputs
//! did not change skip rendering while results stream in.

use std::cell::RefCell;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::rc::Rc;
use std::time::Duration;
use upcheck_core::parse::{lines, ParsedList};
use upcheck_core::ListParser;
use url::Url;
use yew::prelude::*;

use crate::components::{Controls, ListInput, Results, RunSettings, Settings, SummaryBar};
use crate::services::check::{now, CheckOptions};
use crate::services::engine::{self, EngineEvent, Job, StopHandle};
use crate::services::storage;
use crate::state::{Action, RunInfo, State};

/// What the handlers share: the engine's stop handle and the run counter.
#[derive(Default)]
struct Runner {
    engine: Option<StopHandle>,
    next_run: u64,
    /// The last checked list, so re-checks use the same URLs.
    list: Option<Rc<ParsedList>>,
}

/// The whole page.
#[component]
pub fn App() -> Html {
    let state = use_reducer(State::default);
    let text = use_state(|| AttrValue::from(storage::load_list()));
    let settings = use_state(storage::load_settings);
    let errors = use_state(Vec::<String>::new);
    let runner = use_mut_ref(Runner::default);

    // Check: read the list, reset the rows, start the pool over every valid line.
    let start = {
        let deps = (text.clone(), settings.clone());
        let (state, errors, runner) = (state.clone(), errors.clone(), runner.clone());
        use_callback(deps, move |(), (text, settings)| {
            let Some(run_settings) = validated(settings, &errors) else {
                return;
            };
            let (text, state, runner) = (text.clone(), state.clone(), runner.clone());
            yew::platform::spawn_local(async move {
                let read_start = now();
                let list = Rc::new(read_list(&text).await);
                let read_ms = now() - read_start;
                let jobs: Vec<Job> = list
                    .entries
                    .iter()
                    .enumerate()
                    .filter_map(|(id, e)| {
                        e.target.as_ref().ok().map(|u| Job { id, url: u.clone() })
                    })
                    .collect();
                let run = new_run(&runner, &run_settings, &jobs, true, list_key(&list));
                runner.borrow_mut().list = Some(list.clone());
                state.dispatch(Action::Start {
                    run: run.clone(),
                    list,
                    read_ms,
                });
                launch(&runner, &state, run, jobs, run_settings);
            });
        })
    };
    // Re-check: some rows of the last list go back to the pool.
    let recheck = {
        let (state, errors, runner) = (state.clone(), errors.clone(), runner.clone());
        use_callback(settings.clone(), move |ids: Vec<usize>, settings| {
            let Some(run_settings) = validated(settings, &errors) else {
                return;
            };
            let Some(list) = runner.borrow().list.clone() else {
                return;
            };
            let jobs: Vec<Job> = ids
                .iter()
                .filter_map(|&id| {
                    let url = list.entries.get(id)?.target.as_ref().ok()?;
                    Some(Job {
                        id,
                        url: url.clone(),
                    })
                })
                .collect();
            if jobs.is_empty() {
                return;
            }
            let run = new_run(&runner, &run_settings, &jobs, false, list_key(&list));
            let ids = jobs.iter().map(|j| j.id).collect();
            state.dispatch(Action::Recheck {
                run: run.clone(),
                ids,
            });
            launch(&runner, &state, run, jobs, run_settings);
        })
    };
    let recheck_one = {
        let recheck = recheck.clone();
        use_callback((), move |id: usize, ()| recheck.emit(vec![id]))
    };
    let recheck_failed = {
        let (recheck, state) = (recheck.clone(), state.clone());
        use_callback(state.version, move |(), _| {
            recheck.emit(state.checkable_ids(true))
        })
    };
    let recheck_all = {
        let state = state.clone();
        use_callback(state.version, move |(), _| {
            recheck.emit(state.checkable_ids(false))
        })
    };
    let stop = {
        let runner = runner.clone();
        use_callback((), move |(), ()| {
            if let Some(handle) = runner.borrow_mut().engine.take() {
                handle.stop();
            }
        })
    };
    let on_text = {
        let text = text.setter();
        use_callback((), move |t: String, ()| {
            storage::save_list(&t);
            text.set(AttrValue::from(t));
        })
    };
    let on_settings = {
        let settings = settings.setter();
        use_callback((), move |s: Settings, ()| {
            storage::save_settings(&s);
            settings.set(s);
        })
    };

    let running = state.running();
    let has_rows = !state.rows.borrow().is_empty();
    let comparison = state.comparison().map(|(a, b)| (a.clone(), b.clone()));
    html! {
        <>
            <header class="top">
                <h1>{ "Upcheck" }</h1>
                <p class="tagline">{ "Which of these sites are up? Checked concurrently, in your browser." }</p>
            </header>
            <section class="input">
                <ListInput value={(*text).clone()} oninput={on_text} onsubmit={start.clone()} />
                <Controls settings={(*settings).clone()} onchange={on_settings}
                    {running} oncheck={start} onstop={stop} can_recheck={has_rows}
                    onrecheck_failed={recheck_failed} onrecheck_all={recheck_all} />
                if !errors.is_empty() {
                    <ul class="errors" id="run-errors" role="alert">
                        { for errors.iter().map(|e| html! { <li>{ e }</li> }) }
                    </ul>
                }
            </section>
            <SummaryBar tally={state.tally.clone()} run={state.run.clone()}
                duplicates={state.duplicates} {comparison} read_ms={state.read_ms} />
            <Results rows={state.rows.clone()} version={state.version}
                can_recheck={!running} onrecheck={recheck_one} />
        </>
    }
}

fn validated(settings: &Settings, errors: &UseStateHandle<Vec<String>>) -> Option<RunSettings> {
    match settings.validate() {
        Ok(s) => {
            if !errors.is_empty() {
                errors.set(Vec::new());
            }
            Some(s)
        }
        Err(e) => {
            errors.set(e);
            None
        }
    }
}

fn new_run(
    runner: &Rc<RefCell<Runner>>,
    settings: &RunSettings,
    jobs: &[Job],
    whole_list: bool,
    list_key: u64,
) -> RunInfo {
    let mut r = runner.borrow_mut();
    r.next_run += 1;
    RunInfo {
        id: r.next_run,
        mode: settings.mode,
        concurrency: settings.concurrency,
        sites: jobs.len(),
        whole_list,
        list_key,
        started_at: now(),
        wall_ms: None,
    }
}

/// Starts the pool for `run`; its events become actions tagged with the run id.
/// Replacing the previous stop handle stops any previous run.
fn launch(
    runner: &Rc<RefCell<Runner>>,
    state: &UseReducerHandle<State>,
    run: RunInfo,
    jobs: Vec<Job>,
    settings: RunSettings,
) {
    let opts = CheckOptions {
        timeout: settings.timeout,
        accept: settings.accept,
        page: page_url(),
    };
    let dispatcher = state.dispatcher();
    let id = run.id;
    let on_events = Callback::from(move |events: Vec<EngineEvent>| {
        let actions = events.into_iter().map(|event| match event {
            EngineEvent::Checking(row) => Action::Checking { run: id, id: row },
            EngineEvent::Finished(row, result) => Action::Finished {
                run: id,
                id: row,
                result,
            },
            EngineEvent::Done { wall_ms } => Action::RunDone { run: id, wall_ms },
        });
        dispatcher.dispatch(Action::Batch(actions.collect()));
    });
    let handle = engine::run(jobs, settings.concurrency as usize, opts, on_events);
    runner.borrow_mut().engine = Some(handle);
}

/// Reads a pasted list, handing the main thread back every few milliseconds
/// so a 10,000-line paste never blocks the page for one long task.
async fn read_list(text: &str) -> ParsedList {
    const SLICE_MS: f64 = 8.0;
    let mut parser = ListParser::default();
    let mut slice_start = now();
    for (i, line) in lines(text).enumerate() {
        parser.push_line(i + 1, line);
        if i % 64 == 63 && now() - slice_start > SLICE_MS {
            yew::platform::time::sleep(Duration::ZERO).await;
            slice_start = now();
        }
    }
    parser.finish()
}

/// Identifies a list by its normalised URLs, to compare runs of the same list.
fn list_key(list: &ParsedList) -> u64 {
    let mut h = DefaultHasher::new();
    for (_, url) in list.valid() {
        url.as_str().hash(&mut h);
    }
    h.finish()
}

fn page_url() -> Option<Url> {
    let href = web_sys::window()?.location().href().ok()?;
    Url::parse(&href).ok()
}
