use std::cell::RefCell;
use std::rc::Rc;
use upcheck_core::decimal::Decimal;
use wasm_bindgen::JsCast;
use web_sys::Element;
use yew::prelude::*;

use super::ResultRow;
use upcheck_core::{Row, Vantage};

/// Lists longer than this render only the rows in view, so a 10,000-row run
/// never builds 10,000 DOM rows or diffs them on every result.
pub(crate) const VIRTUAL_ABOVE: usize = 100;
/// Height of one row in a virtual list, in CSS pixels (matches style.css).
const ROW_PX: f64 = 36.0;
/// Rows rendered above and below the visible ones.
const OVERSCAN: usize = 10;

/// Props for [`Results`].
#[derive(Properties, Clone)]
pub(crate) struct ResultsProps {
    /// All rows.
    pub(crate) rows: Rc<RefCell<Vec<Rc<Row>>>>,
    /// Ids of the rows to show, in order (sort, filter, search applied).
    pub(crate) shown: Rc<Vec<usize>>,
    /// Changes whenever any row changes.
    pub(crate) version: u64,
    /// Whether re-check buttons are enabled.
    pub(crate) can_recheck: bool,
    /// Re-check one row.
    pub(crate) onrecheck: Callback<usize>,
    /// The row to bring into view and mark (a waterfall bar was chosen),
    /// with a count that changes on every choice so choosing again scrolls again.
    #[prop_or_default]
    pub(crate) selected: Option<(usize, u64)>,
    /// The vantage points the rows' cells come from (the latest run's).
    #[prop_or_default]
    pub(crate) vantages: Rc<Vec<Vantage>>,
}

impl PartialEq for ResultsProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.rows, &other.rows)
            && Rc::ptr_eq(&self.shown, &other.shown)
            && self.version == other.version
            && self.can_recheck == other.can_recheck
            && self.onrecheck == other.onrecheck
            && self.selected == other.selected
            // By content (pointers first: `Vantage` is `Eq`): before any
            // run the page passes a new empty list on every render.
            && self.vantages == other.vantages
    }
}

/// The result rows: all of them, or for long lists a window over them.
#[component]
pub(crate) fn Results(props: &ResultsProps) -> Html {
    let viewport = use_node_ref();
    let window = use_state(|| (0.0_f64, 800.0_f64)); // (scroll top, viewport height)
    {
        // A chosen row: in a virtual list, scroll its window there first so
        // the row is rendered; then bring it into view and focus it.
        let (viewport, window, shown) = (viewport.clone(), window.clone(), props.shown.clone());
        use_effect_with(props.selected, move |selected| {
            if let Some((id, _)) = *selected {
                if let (Some(el), Some(at)) = (
                    viewport.cast::<Element>(),
                    shown.iter().position(|&s| s == id),
                ) {
                    let height = f64::from(el.client_height());
                    let top = (at as f64 * ROW_PX - height / 2.0).max(0.0);
                    el.set_scroll_top(top as i32);
                    window.set((f64::from(el.scroll_top()), height));
                }
                // After the render that puts the row in the page.
                gloo_timers::callback::Timeout::new(0, move || {
                    let row = web_sys::window()
                        .and_then(|w| w.document())
                        .and_then(|d| d.query_selector(&format!("li.row[data-id='{id}']")).ok())
                        .flatten();
                    if let Some(row) = row {
                        row.scroll_into_view();
                        let _ = row.unchecked_ref::<web_sys::HtmlElement>().focus();
                    }
                })
                .forget();
            }
        });
    }
    let all = props.rows.borrow();
    let rows: Vec<&Rc<Row>> = props.shown.iter().filter_map(|&id| all.get(id)).collect();
    let chosen = props.selected.map(|(id, _)| id);
    let row = |r: &&Rc<Row>| {
        html! {
            <ResultRow key={r.id} row={(*r).clone()} can_recheck={props.can_recheck}
                onrecheck={props.onrecheck.clone()} selected={chosen == Some(r.id)}
                vantages={props.vantages.clone()} />
        }
    };
    if rows.is_empty() && !all.is_empty() {
        return html! { <p id="results" class="results empty">{ "No rows match the filter or search." }</p> };
    }
    if rows.len() <= VIRTUAL_ABOVE {
        return html! { <ol id="results" class="results">{ for rows.iter().map(row) }</ol> };
    }
    let onscroll = {
        let (viewport, window) = (viewport.clone(), window.clone());
        Callback::from(move |_: Event| {
            if let Some(el) = viewport.cast::<Element>() {
                window.set((f64::from(el.scroll_top()), f64::from(el.client_height())));
            }
        })
    };
    let (top, height) = *window;
    let first = ((top / ROW_PX) as usize).saturating_sub(OVERSCAN);
    let count = (height / ROW_PX).ceil() as usize + 2 * OVERSCAN;
    let last = (first + count).min(rows.len());
    let first = first.min(last);
    let pad_top = first as f64 * ROW_PX;
    let pad_bottom = (rows.len() - last) as f64 * ROW_PX;
    html! {
        <div id="results-viewport" class="results-viewport" ref={viewport} {onscroll}>
            <ol id="results" class="results virtual" data-rows={rows.len().to_string()}
                style={format!("padding-top:{}px;padding-bottom:{}px", Decimal(pad_top), Decimal(pad_bottom))}>
                { for rows[first..last].iter().map(row) }
            </ol>
        </div>
    }
}
