//! The root component: composes the page's hooks (the list, the run controls,
//! exports and the standing behaviours) and renders the components. Every
//! handler is a stable `use_callback`, so child components whose inputs did
//! not change skip rendering while results stream in.

mod export;
mod hooks;
mod list;
mod notice;
mod proxy_state;
mod runner;

use std::rc::Rc;
use yew::prelude::*;

use crate::components::{
    Announcer, Controls, ExportPanel, ListInput, ListTools, Results, SharedListChoice, SummaryBar,
    Toolbar, VantagePanel, Waterfall,
};
use crate::model::{Settings, Vantages, ViaChoice};
use crate::services::{browser, storage};
use crate::state::{Action, State};
use export::use_export;
use hooks::{
    use_early_check, use_keyboard, use_notifications, use_saved_results, use_title, use_watch,
};
use list::use_list;
use notice::Notice;
use proxy_state::{use_proxy, use_remotes};
use runner::use_runner;

/// The whole page.
#[component]
pub fn App() -> Html {
    let state = use_reducer(State::default);
    let settings = use_state(storage::load_settings);
    let errors = use_state(Vec::<String>::new);
    let notice = use_state(|| None::<Notice>);
    let list = use_list(&state, &notice, &settings);
    let proxy_state = use_proxy(settings.proxy_url.trim());
    let remotes = use_remotes(&settings.vantages.remotes);
    let run = use_runner(
        &state,
        list.text.clone(),
        &settings,
        &proxy_state,
        &remotes,
        &errors,
    );

    let on_settings = {
        let (was_on, settings) = (settings.notify, settings.setter());
        use_callback(was_on, move |s: Settings, &was_on| {
            if s.notify && !was_on {
                // Ask when the person turns notifications on, not before.
                yew::platform::spawn_local(async {
                    browser::allow_notifications().await;
                });
            }
            storage::save_settings(&s);
            settings.set(s);
        })
    };
    let on_vantages = {
        let (settings, on_settings) = ((*settings).clone(), on_settings.clone());
        use_callback(settings, move |vantages: Vantages, settings| {
            on_settings.emit(Settings {
                vantages,
                ..settings.clone()
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
    let export = use_export(&state, shown.clone(), &notice);
    // The row a waterfall bar was chosen for, and how many choices so far.
    let selected = use_state(|| None::<(usize, u64)>);
    let on_select = {
        let selected = selected.clone();
        use_callback(*selected, move |id: usize, now| {
            let count = now.map_or(0, |(_, n)| n + 1);
            selected.set(Some((id, count)));
        })
    };

    use_keyboard(run.start.clone(), run.stop.clone());
    use_early_check(
        run.start.clone(),
        !matches!(proxy_state, proxy_state::ProxyState::Probing(_)),
    );
    use_title(&state);
    use_saved_results(&state);
    let watch_every = settings.validate().ok().and_then(|s| s.watch_every);
    let watch_note = use_watch(&state, watch_every, run.recheck_all.clone());
    use_notifications(&state, settings.watch && settings.notify);

    let running = state.running();
    let total = state.rows.borrow().len();
    let comparison = state.comparison().map(|(a, b)| (a.clone(), b.clone()));
    html! {
        <>
            <header class="top">
                <h1>{ "Upcheck" }</h1>
                <p class="tagline">{ "Which of these sites are up? Checked concurrently, in your browser." }</p>
            </header>
            <Announcer tally={state.tally.clone()} run={state.run.clone()} />
            <section class="input">
                <ListInput value={list.text.clone()} oninput={list.on_text} onsubmit={run.start.clone()}
                    ondrop={list.on_file.clone()} />
                <ListTools onfile={list.on_file} onshare={list.on_share} share_link={list.share_link}
                    can_restore={list.previous.is_some() && list.offered.is_none()}
                    onrestore={list.on_restore_previous} />
                if let Some(offer) = &list.offered {
                    <SharedListChoice lines={offer.lines} mine={offer.mine}
                        onopen={list.on_open_offered} onkeep={list.on_keep_mine} />
                }
                { notice::view(&notice) }
                <Controls settings={(*settings).clone()} onchange={on_settings}
                    {running} oncheck={run.start} onstop={run.stop} can_recheck={total > 0}
                    onrecheck_failed={run.recheck_failed} onrecheck_all={run.recheck_all}
                    proxy_status={AttrValue::from(proxy_state.describe())}
                    watch_note={AttrValue::from(watch_note)} />
                if settings.via == ViaChoice::Everywhere {
                    <VantagePanel vantages={settings.vantages.clone()} own={proxy_state.place()}
                        remotes={settings.vantages.remotes.iter().map(|r| remotes.get(&r.url).place()).collect::<Vec<_>>()}
                        onchange={on_vantages} />
                }
                if !errors.is_empty() {
                    <ul class="errors" id="run-errors" role="alert">
                        { for errors.iter().map(|e| html! { <li>{ e }</li> }) }
                    </ul>
                }
            </section>
            <SummaryBar tally={state.tally.clone()} flaky={state.flaky} run={state.run.clone()}
                duplicates={state.duplicates} {comparison} read_ms={state.read_ms}
                only={state.view.only.clone()} ontoggle={on_toggle} />
            <Waterfall rows={state.rows.clone()} shown={shown.clone()} version={state.version}
                run={state.run.clone()} onselect={on_select} onexport={export.on_waterfall} />
            if total > 0 {
                <Toolbar view={state.view.clone()} onchange={on_view} shown={shown.len()} {total} />
            }
            <Results rows={state.rows.clone()} shown={shown.clone()} version={state.version}
                can_recheck={!running} onrecheck={run.recheck_one} selected={*selected}
                vantages={state.run.as_ref().map(|r| r.vantages.clone()).unwrap_or_default()} />
            if total > 0 {
                <ExportPanel export={export.export} onexport={export.on_export}
                    ondownload={export.on_download} oncopy={export.on_copy} />
            }
        </>
    }
}
