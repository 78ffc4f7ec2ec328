//! The run controls as one hook: Check, Stop and the re-checks. It owns the
//! engine's stop handle and the run counter; components only call it.

use std::cell::RefCell;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::rc::Rc;
use upcheck_core::parse::{lines, ParsedList};
use upcheck_core::vantage::{Vantage, THIS_PROXY};
use upcheck_core::{ListParser, Outcome, Row, SiteOptions};
use url::Url;
use yew::prelude::*;

use super::proxy_state::{route_everywhere, ProxyState, Remotes};
use crate::model::{Mode, RunSettings, Settings, Vantages, ViaChoice};
use crate::services::check::{now, CheckOptions};
use crate::services::engine::{self, EngineEvent, Job, StopHandle, Via};
use crate::services::slice::Slice;
use crate::services::{browser, pattern};
use crate::state::{Action, RunInfo, State};

/// What the run hook hands the page.
#[derive(Clone, PartialEq)]
pub(super) struct RunControls {
    /// Check the whole list.
    pub(super) start: Callback<()>,
    /// Stop the run going on.
    pub(super) stop: Callback<()>,
    /// Check one row again.
    pub(super) recheck_one: Callback<usize>,
    /// Check failing and stopped rows again.
    pub(super) recheck_failed: Callback<()>,
    /// Check every row again (also what watch mode does).
    pub(super) recheck_all: Callback<()>,
}

/// The engine's stop handle and the run counter, shared by the handlers.
#[derive(Default)]
struct Runner {
    engine: Option<StopHandle>,
    next_run: u64,
}

/// Settings ready for a run, with where it goes: one route, or every
/// vantage point that is on, each with its own.
struct Plan {
    settings: RunSettings,
    routes: Vec<(Vantage, Via)>,
}

impl Plan {
    /// The run's main route: the only one, or the first proxy's when there
    /// are several (what the waterfall's limit line and the run's record
    /// describe).
    fn main_via(&self) -> &Via {
        let proxy = self
            .routes
            .iter()
            .map(|(_, via)| via)
            .find(|via| matches!(via, Via::Proxy { .. }));
        match (self.routes.as_slice(), proxy) {
            ([(_, only)], _) => only,
            (_, Some(proxy)) => proxy,
            _ => &Via::Direct,
        }
    }
}

/// True when a run asks for more than a status check: per-site options on
/// some line, or a list-wide slow threshold or retries (an older proxy would
/// refuse or ignore them).
fn uses_options<'a>(
    settings: &RunSettings,
    mut lines: impl Iterator<Item = &'a SiteOptions>,
) -> bool {
    settings.slow_ms.is_some() || settings.retries > 0 || lines.any(|o| !o.is_empty())
}

/// Run control for `state`, with the list `text`, `settings` and what is known
/// of the proxy; problems that stop a run go to `errors`.
#[hook]
pub(super) fn use_runner(
    state: &UseReducerHandle<State>,
    text: AttrValue,
    settings: &Settings,
    proxy_state: &ProxyState,
    remotes: &Remotes,
    errors: &UseStateHandle<Vec<String>>,
) -> RunControls {
    let runner = use_mut_ref(Runner::default);
    let deps = (settings.clone(), (proxy_state.clone(), remotes.clone()));

    let start = {
        let (state, errors, runner) = (state.clone(), errors.clone(), runner.clone());
        use_callback(
            (text, deps.clone()),
            move |(), (text, (settings, places))| {
                let vantages = settings.vantages.clone();
                let Some(settings) = checked(settings, &errors) else {
                    return;
                };
                let (text, state, runner) = (text.clone(), state.clone(), runner.clone());
                let (places, errors) = (places.clone(), errors.clone());
                yew::platform::spawn_local(async move {
                    let read_start = now();
                    let list = Rc::new(read_list(&text).await);
                    let read_ms = now() - read_start;
                    let options = list.valid().map(|(e, _)| &e.options);
                    let Some(plan) = route(settings, &places, &vantages, options, &errors) else {
                        return;
                    };
                    let jobs: Vec<Job> = list
                        .entries
                        .iter()
                        .enumerate()
                        .filter_map(|(id, e)| {
                            let url = e.target.as_ref().ok()?.clone();
                            Some(Job::new(id, url, e.options.clone()))
                        })
                        .collect();
                    let key = list_key(list.valid().map(|(_, url)| url.as_str()));
                    let run = new_run(&runner, &plan, &jobs, true, key);
                    state.dispatch(Action::Start {
                        run: run.clone(),
                        list,
                        read_ms,
                    });
                    launch(&runner, &state, run, jobs, plan);
                });
            },
        )
    };
    // Re-checks take their URLs from the rows: the list is held once.
    let recheck = {
        let (state, errors, runner) = (state.clone(), errors.clone(), runner.clone());
        use_callback(deps, move |ids: Vec<usize>, (settings, places)| {
            let vantages = &settings.vantages;
            let Some(settings) = checked(settings, &errors) else {
                return;
            };
            let (jobs, key) = {
                let rows = state.rows.borrow();
                let jobs: Vec<Job> = ids.iter().filter_map(|&id| job(rows.get(id)?)).collect();
                let urls = rows.iter().filter(|r| r.outcome() != Outcome::Invalid);
                (jobs, list_key(urls.map(|r| r.url.as_str())))
            };
            if jobs.is_empty() {
                return;
            }
            let options = jobs.iter().map(|j| &j.options);
            let Some(plan) = route(settings, places, vantages, options, &errors) else {
                return;
            };
            let run = new_run(&runner, &plan, &jobs, false, key);
            let ids = jobs.iter().map(|j| j.id).collect();
            state.dispatch(Action::Recheck {
                run: run.clone(),
                ids,
            });
            launch(&runner, &state, run, jobs, plan);
        })
    };
    // `recheck` changes with the settings; the handlers below read the
    // latest one when called, so a setting changed after a run (a vantage
    // point turned off, a new status rule) counts for the next re-check,
    // while the row buttons' callback stays the same and rows need not
    // render again.
    let latest = use_mut_ref(|| recheck.clone());
    *latest.borrow_mut() = recheck;
    let recheck_one = {
        let latest = latest.clone();
        use_callback((), move |id: usize, ()| latest.borrow().emit(vec![id]))
    };
    let recheck_failed = {
        let (latest, state) = (latest.clone(), state.clone());
        use_callback(state.version, move |(), _| {
            latest.borrow().emit(state.checkable_ids(true))
        })
    };
    let recheck_all = {
        let state = state.clone();
        use_callback(state.version, move |(), _| {
            latest.borrow().emit(state.checkable_ids(false))
        })
    };
    let stop = use_callback((), move |(), ()| {
        if let Some(handle) = runner.borrow_mut().engine.take() {
            handle.stop();
        }
    });
    RunControls {
        start,
        stop,
        recheck_one,
        recheck_failed,
        recheck_all,
    }
}

/// The settings for a run, or the reasons it cannot run (shown to the person).
fn checked(settings: &Settings, errors: &UseStateHandle<Vec<String>>) -> Option<RunSettings> {
    match settings.validate() {
        Ok(settings) => Some(settings),
        Err(e) => {
            errors.set(e);
            None
        }
    }
}

/// Where a run of sites with these `options` goes, or why it cannot run
/// (shown to the person); clears earlier problems when it can.
fn route<'a>(
    settings: RunSettings,
    (proxy_state, remotes): &(ProxyState, Remotes),
    vantages: &Vantages,
    options: impl Iterator<Item = &'a SiteOptions>,
    errors: &UseStateHandle<Vec<String>>,
) -> Option<Plan> {
    let needs_options = uses_options(&settings, options);
    let (accept, via) = (&settings.accept, settings.via);
    let routes = if via == ViaChoice::Everywhere {
        route_everywhere(proxy_state, remotes, vantages, accept, needs_options)
    } else {
        proxy_state
            .route(via, accept, needs_options)
            .map(|via| match via {
                Via::Direct => vec![(Vantage::browser(), via)],
                Via::Proxy { .. } => {
                    let label = proxy_state.label().unwrap_or(THIS_PROXY);
                    vec![(Vantage::proxy(label), via)]
                }
            })
    };
    match routes {
        Ok(routes) => {
            if !errors.is_empty() {
                errors.set(Vec::new());
            }
            Some(Plan { settings, routes })
        }
        Err(e) => {
            errors.set(vec![e]);
            None
        }
    }
}

/// A row's check, unless its line is not a URL.
fn job(row: &Row) -> Option<Job> {
    if row.outcome() == Outcome::Invalid {
        return None;
    }
    Some(Job::new(
        row.id,
        Url::parse(&row.url).ok()?,
        row.options.clone(),
    ))
}

fn new_run(
    runner: &Rc<RefCell<Runner>>,
    plan: &Plan,
    jobs: &[Job],
    whole_list: bool,
    list_key: u64,
) -> RunInfo {
    let mut r = runner.borrow_mut();
    r.next_run += 1;
    // Through the proxy a concurrent run is bounded by the proxy's limits,
    // not by the page's field.
    let concurrency = match (plan.main_via(), plan.settings.mode) {
        _ if plan.routes.len() > 1 => plan.settings.concurrency,
        (Via::Proxy { in_flight, .. }, Mode::Concurrent) => {
            u32::try_from(*in_flight).unwrap_or(u32::MAX)
        }
        _ => plan.settings.concurrency,
    };
    RunInfo {
        id: r.next_run,
        mode: plan.settings.mode,
        concurrency,
        via_proxy: matches!(plan.main_via(), Via::Proxy { .. }),
        vantages: Rc::new(plan.routes.iter().map(|(v, _)| v.clone()).collect()),
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
    plan: Plan,
) {
    let opts = CheckOptions {
        defaults: plan.settings.defaults(),
        page: page_url(),
    };
    let dispatcher = state.dispatcher();
    let id = run.id;
    let on_events = Callback::from(move |events: Vec<EngineEvent>| {
        let actions = events.into_iter().map(|event| match event {
            EngineEvent::Checking {
                id: row,
                vantage,
                since_ms,
            } => Action::Checking {
                run: id,
                id: row,
                vantage,
                since_ms,
            },
            EngineEvent::Finished {
                id: row,
                vantage,
                result,
            } => Action::Finished {
                run: id,
                id: row,
                vantage,
                result,
            },
            EngineEvent::Done { wall_ms } => Action::RunDone { run: id, wall_ms },
        });
        dispatcher.dispatch(Action::Batch(actions.collect()));
    });
    let concurrency = plan.settings.concurrency as usize;
    let routes = plan.routes.into_iter().map(|(_, via)| via).collect();
    let handle = engine::start(jobs, concurrency, opts, routes, on_events);
    runner.borrow_mut().engine = Some(handle);
}

/// Reads a pasted list, handing the main thread back every few milliseconds
/// so a 10,000-line paste never blocks the page for one long task. Regex
/// options are read by the browser's engine here too: a bad pattern makes
/// its line `invalid` like any other bad option.
pub(super) async fn read_list(text: &str) -> ParsedList {
    let mut parser = ListParser::with_host_to_ascii(browser::host_to_ascii);
    let slice = Slice::new();
    for (i, line) in lines(text).enumerate() {
        parser.push_line(i + 1, line);
        // A line takes microseconds: look at the clock every 64 of them.
        if i % 64 == 63 {
            slice.turn().await;
        }
    }
    let mut list = parser.finish();
    pattern::check_list(&mut list, &pattern::validate);
    list
}

/// Identifies a list by its normalised URLs, in order, to compare runs of the
/// same list: a parsed list and the rows it became give the same key.
fn list_key<'a>(urls: impl Iterator<Item = &'a str>) -> u64 {
    let mut h = DefaultHasher::new();
    for url in urls {
        url.hash(&mut h);
    }
    h.finish()
}

fn page_url() -> Option<Url> {
    let href = web_sys::window()?.location().href().ok()?;
    Url::parse(&href).ok()
}
