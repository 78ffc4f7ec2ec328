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

use crate::components::{
    Controls, ListInput, Results, RunSettings, Settings, SummaryBar, ViaChoice,
};
use crate::services::check::{now, CheckOptions};
use crate::services::engine::{self, EngineEvent, Job, StopHandle, Via};
use crate::services::{proxy, storage};
use crate::state::{Action, RunInfo, State};
use upcheck_core::wire::Health;

/// What the handlers share: the engine's stop handle and the run counter.
#[derive(Default)]
struct Runner {
    engine: Option<StopHandle>,
    next_run: u64,
    /// The last checked list, so re-checks use the same URLs.
    list: Option<Rc<ParsedList>>,
}

/// What the page knows about the proxy.
#[derive(Debug, Clone, PartialEq)]
enum ProxyState {
    /// Asking `GET /api/health`.
    Probing(String),
    /// An Upcheck proxy answered at this base URL.
    Found(String, Health),
    /// Nothing (or something else) answered, and why.
    Missing(String, String),
}

impl ProxyState {
    fn describe(&self) -> String {
        match self {
            ProxyState::Probing(base) => format!("looking for a proxy at {base}…"),
            ProxyState::Found(base, h) => format!(
                "proxy found at {base} ({} {}, {} checks at once)",
                h.name, h.version, h.limits.concurrency
            ),
            ProxyState::Missing(base, why) => {
                format!("no proxy at {base} ({why}); checks run in this browser")
            }
        }
    }

    /// Where a run with `choice` goes, or why it cannot run.
    fn route(&self, choice: ViaChoice) -> Result<Via, String> {
        match (choice, self) {
            (ViaChoice::Direct, _) => Ok(Via::Direct),
            (_, ProxyState::Found(base, health)) => Ok(Via::Proxy {
                base: base.clone(),
                max_urls: health.limits.max_urls,
            }),
            (ViaChoice::Auto, _) => Ok(Via::Direct),
            (ViaChoice::Proxy, ProxyState::Probing(base)) => Err(format!(
                "Proxy: still looking for the proxy at {base}; try again in a moment"
            )),
            (ViaChoice::Proxy, ProxyState::Missing(base, why)) => {
                Err(format!("Proxy: no Upcheck proxy answers at {base} ({why})"))
            }
        }
    }
}

/// The whole page.
#[component]
pub fn App() -> Html {
    let state = use_reducer(State::default);
    let text = use_state(|| AttrValue::from(storage::load_list()));
    let settings = use_state(storage::load_settings);
    let errors = use_state(Vec::<String>::new);
    let runner = use_mut_ref(Runner::default);
    let proxy_state = use_state(|| ProxyState::Probing(String::new()));

    // Look for a proxy on this page's own server, or where the settings say.
    {
        let proxy_state = proxy_state.setter();
        use_effect_with(settings.proxy_url.trim().to_owned(), move |url| {
            let base = if url.is_empty() {
                page_origin()
            } else {
                url.clone()
            };
            proxy_state.set(ProxyState::Probing(base.clone()));
            yew::platform::spawn_local(async move {
                proxy_state.set(match proxy::probe(&base).await {
                    Ok(health) => ProxyState::Found(base, health),
                    Err(why) => ProxyState::Missing(base, why),
                });
            });
        });
    }

    // Check: read the list, reset the rows, start the pool over every valid line.
    let start = {
        let deps = (text.clone(), settings.clone(), proxy_state.clone());
        let (state, errors, runner) = (state.clone(), errors.clone(), runner.clone());
        use_callback(deps, move |(), (text, settings, proxy_state)| {
            let Some(run_settings) = validated(settings, proxy_state, &errors) else {
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
        let deps = (settings.clone(), proxy_state.clone());
        use_callback(deps, move |ids: Vec<usize>, (settings, proxy_state)| {
            let Some(run_settings) = validated(settings, proxy_state, &errors) else {
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
                    onrecheck_failed={recheck_failed} onrecheck_all={recheck_all}
                    proxy_status={AttrValue::from(proxy_state.describe())} />
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

/// Settings ready for a run, with where it goes; or the reasons it cannot run,
/// shown to the person.
fn validated(
    settings: &Settings,
    proxy_state: &ProxyState,
    errors: &UseStateHandle<Vec<String>>,
) -> Option<(RunSettings, Via)> {
    let checked = settings.validate().and_then(|s| {
        let via = proxy_state.route(s.via).map_err(|e| vec![e])?;
        Ok((s, via))
    });
    match checked {
        Ok(ready) => {
            if !errors.is_empty() {
                errors.set(Vec::new());
            }
            Some(ready)
        }
        Err(e) => {
            errors.set(e);
            None
        }
    }
}

fn new_run(
    runner: &Rc<RefCell<Runner>>,
    (settings, via): &(RunSettings, Via),
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
        via_proxy: matches!(via, Via::Proxy { .. }),
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
    (settings, via): (RunSettings, Via),
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
    let handle = engine::run(jobs, settings.concurrency as usize, opts, via, on_events);
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

/// `http://host:port` of this page: where its own server's proxy would answer.
fn page_origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

fn page_url() -> Option<Url> {
    let href = web_sys::window()?.location().href().ok()?;
    Url::parse(&href).ok()
}
