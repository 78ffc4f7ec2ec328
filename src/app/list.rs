//! The list box's life: the text as typed (kept in local storage), files
//! imported by picker or drop, share links made and opened, and the results
//! of the last visit shown greyed on arrival.

use std::rc::Rc;
use upcheck_core::{import, share};
use yew::prelude::*;

use super::hooks::focus;
use super::notice::Notice;
use super::runner::read_list;
use crate::services::{browser, storage};
use crate::state::{Action, State};

/// What the list hook hands the page.
pub(super) struct ListHandle {
    /// The list as typed.
    pub(super) text: AttrValue,
    /// The person typed.
    pub(super) on_text: Callback<String>,
    /// A file was picked or dropped.
    pub(super) on_file: Callback<web_sys::File>,
    /// Make a share link.
    pub(super) on_share: Callback<()>,
    /// The last share link made.
    pub(super) share_link: Option<AttrValue>,
}

#[hook]
pub(super) fn use_list(
    state: &UseReducerHandle<State>,
    notice: &UseStateHandle<Option<Notice>>,
) -> ListHandle {
    let text = use_state(|| AttrValue::from(storage::load_list()));
    let share_link = use_state(|| None::<AttrValue>);

    // On arrival: a shared list in the fragment, or the last results greyed.
    {
        let saved_text = text.to_string();
        let (text, notice, state) = (text.setter(), notice.setter(), state.clone());
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
                        state.dispatch(Action::Restore {
                            list,
                            saved: Rc::new(saved),
                        });
                    });
                }
            }
        });
    }

    let on_text = {
        let text = text.setter();
        use_callback((), move |t: String, ()| {
            storage::save_list(&t);
            text.set(AttrValue::from(t));
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
        use_callback((*text).clone(), move |(), text| {
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
    ListHandle {
        text: (*text).clone(),
        on_text,
        on_file,
        on_share,
        share_link: (*share_link).clone(),
    }
}
