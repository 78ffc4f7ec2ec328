//! A message about the list (import, share link, export), or an error.

use yew::prelude::*;

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Notice {
    pub(super) text: String,
    pub(super) error: bool,
}

impl Notice {
    pub(super) fn info(text: impl Into<String>) -> Option<Notice> {
        Some(Notice {
            text: text.into(),
            error: false,
        })
    }

    pub(super) fn error(text: impl Into<String>) -> Option<Notice> {
        Some(Notice {
            text: text.into(),
            error: true,
        })
    }
}

/// Shows the notice, if any: politely, or as an alert for an error.
pub(super) fn view(notice: &Option<Notice>) -> Html {
    match notice {
        Some(n) => html! {
            <p id="notice" class={classes!("notice", n.error.then_some("errors"))}
                role={if n.error { "alert" } else { "status" }}>{ &n.text }</p>
        },
        None => Html::default(),
    }
}
