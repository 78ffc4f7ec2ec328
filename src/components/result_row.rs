use std::rc::Rc;
use upcheck_core::summary::format_ms;
use yew::prelude::*;

use crate::state::Row;

/// Props for [`ResultRow`]; equal when the row's `Rc` is the same, so unchanged
/// rows skip rendering.
#[derive(Properties)]
pub struct ResultRowProps {
    /// The row to show.
    pub row: Rc<Row>,
}

impl PartialEq for ResultRowProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.row, &other.row)
    }
}

/// One site: outcome (icon and text, never color alone), URL, detail, latency.
#[component]
pub fn ResultRow(props: &ResultRowProps) -> Html {
    let row = &props.row;
    let state = row.outcome.as_str();
    let latency = row.latency_ms.map(format_ms).unwrap_or_default();
    html! {
        <li class={classes!("row", state)} data-url={row.url.clone()} data-state={state}
            data-line={row.line.to_string()}>
            <span class="badge" title={state}>
                <span class="icon" aria-hidden="true">{ row.outcome.icon() }</span>
                { state }
            </span>
            <span class="url">{ &row.url }</span>
            <span class="detail">{ &row.detail }</span>
            <span class="latency">{ latency }</span>
        </li>
    }
}
