use gloo_timers::callback::Interval;
use upcheck_core::summary::format_ms;
use yew::prelude::*;

use crate::services::check::now;

/// Props for [`Elapsed`].
#[derive(Properties, PartialEq)]
pub(crate) struct ElapsedProps {
    /// `performance.now()` when the run started.
    pub(crate) since: f64,
}

/// Time since `since`, ticking ten times a second. Its own timer re-renders
/// only this text, not the page.
#[component]
pub(crate) fn Elapsed(props: &ElapsedProps) -> Html {
    let tick = use_state(now);
    {
        let tick = tick.setter();
        use_effect_with(props.since, move |_| {
            let timer = Interval::new(100, move || tick.set(now()));
            move || drop(timer)
        });
    }
    let ms = (*tick - props.since).max(0.0);
    html! { <span id="elapsed">{ format_ms(ms) }</span> }
}
