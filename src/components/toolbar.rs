use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::controls::options;
use crate::model::{Choice, SortKey, View};

/// Props for [`Toolbar`].
#[derive(Properties, PartialEq)]
pub(crate) struct ToolbarProps {
    /// The current view.
    pub(crate) view: View,
    /// Called with the changed view.
    pub(crate) onchange: Callback<View>,
    /// Rows shown / rows in all, for the count beside the search box.
    pub(crate) shown: usize,
    /// Rows in all.
    pub(crate) total: usize,
}

/// Sort order and search over the result rows. (Outcome filters are the
/// summary's chips.) `/` focuses the search box.
#[component]
pub(crate) fn Toolbar(props: &ToolbarProps) -> Html {
    let on_sort = {
        let (view, cb) = (props.view.clone(), props.onchange.clone());
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            cb.emit(View {
                sort: SortKey::from_value(&select.value()).unwrap_or(view.sort),
                ..view.clone()
            });
        })
    };
    let on_search = {
        let (view, cb) = (props.view.clone(), props.onchange.clone());
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            cb.emit(View {
                query: input.value(),
                ..view.clone()
            });
        })
    };
    html! {
        <div class="toolbar">
            <label>{ "Sort " }
                <select id="sort" onchange={on_sort}>{ options(props.view.sort) }</select>
            </label>
            <label>{ "Search " }
                <input id="search" type="search" placeholder="URL or detail  ( / )"
                    value={props.view.query.clone()} oninput={on_search} />
            </label>
            <span id="shown-count" class="hint">
                { if props.shown == props.total {
                    format!("{} rows", props.total)
                } else {
                    format!("showing {} of {} rows", props.shown, props.total)
                } }
            </span>
        </div>
    }
}
