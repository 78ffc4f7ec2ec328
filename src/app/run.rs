//! Starting runs: settings checked, the list read in slices, the pool launched
//! with its events turned into actions.

use std::cell::RefCell;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::rc::Rc;
use std::time::Duration;
use upcheck_core::parse::{lines, ParsedList};
use upcheck_core::ListParser;
use url::Url;
use yew::prelude::*;

use super::proxy_state::ProxyState;
use crate::components::{RunSettings, Settings};
use crate::services::check::{now, CheckOptions};
use crate::services::engine::{self, EngineEvent, Job, StopHandle, Via};
use crate::state::{Action, RunInfo, State};

/// What the handlers share: the engine's stop handle and the run counter.
#[derive(Default)]
pub struct Runner {
    pub engine: Option<StopHandle>,
    pub next_run: u64,
    /// The last checked list, so re-checks use the same URLs.
    pub list: Option<Rc<ParsedList>>,
}

/// Settings ready for a run, with where it goes; or the reasons it cannot run,
/// shown to the person.
pub fn validated(
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

pub fn new_run(
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
pub fn launch(
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
pub async fn read_list(text: &str) -> ParsedList {
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
pub fn list_key(list: &ParsedList) -> u64 {
    let mut h = DefaultHasher::new();
    for (_, url) in list.valid() {
        url.as_str().hash(&mut h);
    }
    h.finish()
}

/// `http://host:port` of this page: where its own server's proxy would answer.
pub fn page_origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

fn page_url() -> Option<Url> {
    let href = web_sys::window()?.location().href().ok()?;
    Url::parse(&href).ok()
}
