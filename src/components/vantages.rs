use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::model::Vantages;

/// What is known of one vantage point, in words, for its line in the panel.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Place {
    /// `found`, `missing` or `probing`.
    pub(crate) state: &'static str,
    /// What its `/api/health` said (name, version, label, limits), or why
    /// it did not answer.
    pub(crate) note: String,
}

/// What turning one vantage point on or off changes.
type Toggle = dyn Fn(&mut Vantages, bool);

/// Props for [`VantagePanel`].
#[derive(Properties, PartialEq)]
pub(crate) struct VantagePanelProps {
    /// The vantage points kept in the settings.
    pub(crate) vantages: Vantages,
    /// This page's own proxy.
    pub(crate) own: Place,
    /// Each remote proxy, in the order of `vantages.remotes`.
    pub(crate) remotes: Vec<Place>,
    /// Called with the changed vantage points.
    pub(crate) onchange: Callback<Vantages>,
}

/// The vantage points a run "from every vantage point" uses: this browser,
/// this page's proxy and the named remote ones, each on or off with a click,
/// and a form to add one.
#[component]
pub(crate) fn VantagePanel(props: &VantagePanelProps) -> Html {
    let problem = use_state(|| None::<String>);
    let label_ref = use_node_ref();
    let url_ref = use_node_ref();
    let v = &props.vantages;
    let toggle = |apply: Rc<Toggle>| {
        let (v, onchange) = (v.clone(), props.onchange.clone());
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let mut next = v.clone();
            apply(&mut next, input.checked());
            onchange.emit(next);
        })
    };
    let on_add = {
        let (v, onchange, problem) = (v.clone(), props.onchange.clone(), problem.clone());
        let (label_ref, url_ref) = (label_ref.clone(), url_ref.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (Some(label), Some(url)) = (
                label_ref.cast::<HtmlInputElement>(),
                url_ref.cast::<HtmlInputElement>(),
            ) else {
                return;
            };
            let mut next = v.clone();
            match next.add(&label.value(), &url.value()) {
                Ok(()) => {
                    label.set_value("");
                    url.set_value("");
                    problem.set(None);
                    onchange.emit(next);
                }
                Err(e) => problem.set(Some(e)),
            }
        })
    };
    let line = |key: &str,
                label: &str,
                kind: &str,
                on: bool,
                place: Option<&Place>,
                onchange: Callback<Event>,
                extra: Html| {
        let id = format!("vantage-{key}");
        html! {
            <li class="vantage" data-label={label.to_owned()} data-kind={kind.to_owned()}
                data-state={place.map(|p| p.state)} data-on={on.to_string()}>
                <input type="checkbox" class="vantage-on" id={id.clone()} checked={on} {onchange} />
                <label for={id}>{ format!(" {label}") }</label>
                if let Some(place) = place {
                    <span class={classes!("hint", "vantage-note")}>{ format!(" — {}", place.note) }</span>
                }
                { extra }
            </li>
        }
    };
    let remotes = v.remotes.iter().enumerate().map(|(i, r)| {
        let place = props.remotes.get(i);
        let on = toggle(Rc::new(move |v: &mut Vantages, on| {
            v.remotes[i].enabled = on
        }));
        let remove = {
            let (v, onchange) = (v.clone(), props.onchange.clone());
            Callback::from(move |_: MouseEvent| {
                let mut next = v.clone();
                next.remotes.remove(i);
                onchange.emit(next);
            })
        };
        let extra = html! {
            <>
                <span class="vantage-url">{ format!(" {}", r.url) }</span>
                <button type="button" class="vantage-remove" onclick={remove}
                    aria-label={format!("Remove {}", r.label)}>{ "✕" }</button>
            </>
        };
        line(
            &format!("r{i}"),
            &r.label,
            "proxy",
            r.enabled,
            place,
            on,
            extra,
        )
    });
    html! {
        <fieldset id="vantages" class="vantages">
            <legend>{ "Vantage points" }</legend>
            <ul>
                { line("browser", "this browser", "browser", v.browser, None,
                    toggle(Rc::new(|v: &mut Vantages, on| v.browser = on)), html! {}) }
                { line("own", "this page's proxy", "proxy", v.own_proxy, Some(&props.own),
                    toggle(Rc::new(|v: &mut Vantages, on| v.own_proxy = on)), html! {}) }
                { for remotes }
            </ul>
            <form class="vantage-add" onsubmit={on_add}>
                <label>{ "Label " }
                    <input id="vantage-label" type="text" size="10" placeholder="fra-1" ref={label_ref} />
                </label>
                <label>{ " Proxy URL " }
                    <input id="vantage-url" type="url" size="26" placeholder="https://fra-1.example.net" ref={url_ref} />
                </label>
                <button id="vantage-add" type="submit">{ "Add" }</button>
            </form>
            if let Some(problem) = &*problem {
                <p class="errors" id="vantage-error" role="alert">{ problem }</p>
            }
        </fieldset>
    }
}
