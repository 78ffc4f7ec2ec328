//! The root component: wires the list, the settings, the engine and the rows.
//! Every handler is a stable `use_callback`, so child components whose inputs
//! did not change skip rendering while results stream in.

mod hooks;
mod proxy_state;
mod run;

use std::rc::Rc;
use upcheck_core::export::{self, ExportRow};
use upcheck_core::{import, share};
use yew::prelude::*;

use crate::components::{
    Controls, Export, ExportPanel, Format, ListInput, ListTools, Results, Settings, SummaryBar,
    Toolbar,
};
use crate::services::check::now;
use crate::services::engine::Job;
use crate::services::{browser, proxy, storage};
use crate::state::{Action, State};
use hooks::{focus, use_keyboard, use_notifications, use_saved_results, use_title, use_watch};
use proxy_state::ProxyState;
use run::{launch, list_key, new_run, page_origin, read_list, validated, Runner};

/// A message about the list (import, share link), or an error.
#[derive(Debug, Clone, PartialEq)]
struct Notice {
    text: String,
    error: bool,
}

impl Notice {
    fn info(text: impl Into<String>) -> Option<Notice> {
        Some(Notice {
            text: text.into(),
            error: false,
        })
    }

    fn error(text: impl Into<String>) -> Option<Notice> {
        Some(Notice {
            text: text.into(),
            error: true,
        })
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
    let notice = use_state(|| None::<Notice>);
    let export = use_state(|| None::<Export>);
    let share_link = use_state(|| None::<AttrValue>);

    // On arrival: a shared list in the fragment, or the last results greyed.
    {
        let saved_text = text.to_string();
        let (text, notice, state, runner) = (
            text.setter(),
            notice.setter(),
            state.clone(),
            runner.clone(),
        );
        use_effect_with((), move |()| {
            let fragment = browser::fragment();
            if fragment.starts_with("#list=") {
                browser::clear_fragment();
                match share::decode(&fragment) {
                    Ok(list) => {
                        storage::save_list(&list);
                        let lines = list.lines().count();
                        text.set(AttrValue::from(list));
                        notice.set(Notice::info(format!(
                            "Opened a shared list of {lines} lines. Press Check to check it."
                        )));
                        focus("check");
                    }
                    Err(e) => notice.set(Notice::error(format!("Shared link: {e}"))),
                }
            } else {
                let saved = storage::load_results();
                if !saved.is_empty() && !saved_text.is_empty() {
                    yew::platform::spawn_local(async move {
                        let list = Rc::new(read_list(&saved_text).await);
                        runner.borrow_mut().list = Some(list.clone());
                        state.dispatch(Action::Restore {
                            list,
                            saved: Rc::new(saved),
                        });
                    });
                }
            }
        });
    }

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

    let on_file = {
        let (text, notice) = (text.setter(), notice.setter());
        use_callback((), move |file: web_sys::File, ()| {
            let (text, notice) = (text.clone(), notice.clone());
            yew::platform::spawn_local(async move {
                let name = file.name();
                let imported = browser::read_file(&file)
                    .await
                    .and_then(|content| import::import(&name, &content).map_err(|e| e.to_string()));
                match imported {
                    Ok(imported) => {
                        storage::save_list(&imported.text);
                        text.set(AttrValue::from(imported.text));
                        notice.set(Notice::info(imported.note));
                    }
                    Err(e) => notice.set(Notice::error(e)),
                }
            });
        })
    };
    let on_share = {
        let (share_link, notice) = (share_link.setter(), notice.setter());
        use_callback(text.clone(), move |(), text| {
            let link = format!("{}#{}", browser::page_address(), share::encode(text));
            share_link.set(Some(AttrValue::from(link.clone())));
            let notice = notice.clone();
            yew::platform::spawn_local(async move {
                notice.set(match browser::copy(&link).await {
                    Ok(()) => Notice::info("Share link copied to the clipboard."),
                    Err(e) => Notice::info(format!("Share link ready below ({e}).")),
                });
            });
        })
    };
    let on_view = {
        let dispatcher = state.dispatcher();
        use_callback((), move |view, ()| {
            dispatcher.dispatch(Action::SetView(view))
        })
    };
    let on_toggle = {
        let state = state.clone();
        use_callback(state.view.clone(), move |outcome, view| {
            let mut view = view.clone();
            view.toggle(outcome);
            state.dispatch(Action::SetView(view));
        })
    };
    // Rows shown, after sort, filter and search (all, in order, when plain).
    let shown: Rc<Vec<usize>> = {
        let rows = state.rows.clone();
        use_memo(
            (
                state.version,
                state.view.clone(),
                Rc::as_ptr(&rows) as usize,
            ),
            move |(_, view, _)| view.apply(&rows.borrow()),
        )
    };
    let on_export = {
        let (export, rows, shown) = (export.setter(), state.rows.clone(), shown.clone());
        use_callback((state.version, shown.clone()), move |format: Format, _| {
            let rows = rows.borrow();
            let picked: Vec<ExportRow> = shown
                .iter()
                .filter_map(|&id| rows.get(id))
                .map(|r| ExportRow {
                    index: r.id,
                    line: r.line,
                    url: &r.url,
                    outcome: r.outcome,
                    status: r.status,
                    latency_ms: r.latency_ms,
                    detail: &r.detail,
                    final_url: r.final_url.as_deref(),
                    proxy: r.proxy.as_deref(),
                })
                .collect();
            let text = match format {
                Format::Csv => export::to_csv(&picked),
                Format::Json => export::to_json_lines(&picked),
                Format::Markdown => export::to_markdown(&picked),
            };
            export.set(Some(Export {
                format,
                text: AttrValue::from(text),
            }));
        })
    };
    let on_download = {
        let notice = notice.setter();
        use_callback(export.clone(), move |(), export| {
            if let Some(e) = &**export {
                if let Some((.., name, mime)) = Format::ALL.iter().find(|f| f.0 == e.format) {
                    if let Err(why) = browser::download(name, mime, &e.text) {
                        notice.set(Notice::error(why));
                    }
                }
            }
        })
    };
    let on_copy = {
        let notice = notice.setter();
        use_callback(export.clone(), move |(), export| {
            if let Some(e) = &**export {
                let (text, notice) = (e.text.to_string(), notice.clone());
                yew::platform::spawn_local(async move {
                    notice.set(match browser::copy(&text).await {
                        Ok(()) => Notice::info("Export copied to the clipboard."),
                        Err(e) => Notice::error(e),
                    });
                });
            }
        })
    };

    use_keyboard(start.clone(), stop.clone());
    use_title(&state);
    use_saved_results(&state);
    let run_settings = settings.validate().ok();
    let watch_every = run_settings.as_ref().and_then(|s| s.watch_every);
    let watch_note = use_watch(&state, watch_every, recheck_all.clone());
    use_notifications(&state, settings.watch && settings.notify);
    let on_settings = {
        let on_settings = on_settings.clone();
        use_callback(settings.notify, move |s: Settings, &was_on| {
            if s.notify && !was_on {
                // Ask when the person turns notifications on, not before.
                yew::platform::spawn_local(async {
                    browser::allow_notifications().await;
                });
            }
            on_settings.emit(s);
        })
    };

    let running = state.running();
    let has_rows = !state.rows.borrow().is_empty();
    let comparison = state.comparison().map(|(a, b)| (a.clone(), b.clone()));
    let total = state.rows.borrow().len();
    html! {
        <>
            <header class="top">
                <h1>{ "Upcheck" }</h1>
                <p class="tagline">{ "Which of these sites are up? Checked concurrently, in your browser." }</p>
            </header>
            <section class="input">
                <ListInput value={(*text).clone()} oninput={on_text} onsubmit={start.clone()}
                    ondrop={on_file.clone()} />
                <ListTools onfile={on_file} onshare={on_share} share_link={(*share_link).clone()} />
                if let Some(n) = &*notice {
                    <p id="notice" class={classes!("notice", n.error.then_some("errors"))}
                        role={if n.error { "alert" } else { "status" }}>{ &n.text }</p>
                }
                <Controls settings={(*settings).clone()} onchange={on_settings}
                    {running} oncheck={start} onstop={stop} can_recheck={has_rows}
                    onrecheck_failed={recheck_failed} onrecheck_all={recheck_all}
                    proxy_status={AttrValue::from(proxy_state.describe())}
                    watch_note={AttrValue::from(watch_note)} />
                if !errors.is_empty() {
                    <ul class="errors" id="run-errors" role="alert">
                        { for errors.iter().map(|e| html! { <li>{ e }</li> }) }
                    </ul>
                }
            </section>
            <SummaryBar tally={state.tally.clone()} run={state.run.clone()}
                duplicates={state.duplicates} {comparison} read_ms={state.read_ms}
                only={state.view.only.clone()} ontoggle={on_toggle} />
            if total > 0 {
                <Toolbar view={state.view.clone()} onchange={on_view} shown={shown.len()} {total} />
            }
            <Results rows={state.rows.clone()} shown={shown.clone()} version={state.version}
                can_recheck={!running} onrecheck={recheck_one} />
            if total > 0 {
                <ExportPanel export={(*export).clone()} onexport={on_export}
                    ondownload={on_download} oncopy={on_copy} />
            }
        </>
    }
}
