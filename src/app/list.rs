//! The list box's life: the text as typed (kept in local storage), files
//! imported by picker or drop, share links made and opened, and the results
//! of the last visit shown greyed on arrival.

use std::rc::Rc;
use upcheck_core::import;
use yew::prelude::*;

use super::hooks::focus;
use super::notice::Notice;
use super::runner::read_list;
use crate::model::{split_fragment, Settings};
use crate::services::{browser, share, storage};
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
    /// A shared list waiting for the person to choose: it differs from the
    /// list they had, which is never replaced without asking.
    pub(super) offered: Option<SharedOffer>,
    /// Open the offered list (the one it replaces is kept as the previous list).
    pub(super) on_open_offered: Callback<()>,
    /// Keep the list they had and drop the offer.
    pub(super) on_keep_mine: Callback<()>,
    /// A list a shared link replaced, which can be brought back.
    pub(super) previous: Option<AttrValue>,
    /// Bring the previous list back.
    pub(super) on_restore_previous: Callback<()>,
}

/// A shared list that differs from the saved one.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct SharedOffer {
    /// The shared list.
    pub(super) list: AttrValue,
    /// Lines in it.
    pub(super) lines: usize,
    /// Lines in the list it would replace.
    pub(super) mine: usize,
}

#[hook]
pub(super) fn use_list(
    state: &UseReducerHandle<State>,
    notice: &UseStateHandle<Option<Notice>>,
    settings: &UseStateHandle<Settings>,
) -> ListHandle {
    let text = use_state(|| AttrValue::from(storage::load_list()));
    let share_link = use_state(|| None::<AttrValue>);
    let offered = use_state(|| None::<SharedOffer>);
    let previous = use_state(|| storage::load_previous_list().map(AttrValue::from));

    // On arrival: a shared list in the fragment, or the last results greyed.
    {
        let saved_text = text.to_string();
        let (text, notice, state) = (text.setter(), notice.setter(), state.clone());
        let offered = offered.setter();
        let settings = settings.clone();
        use_effect_with((), move |()| {
            let whole = browser::fragment();
            let (fragment, vantages) = split_fragment(&whole);
            if fragment.starts_with("#list=") {
                browser::clear_fragment();
                let added = vantages
                    .map(|param| add_shared_vantages(&settings, param))
                    .unwrap_or_default();
                let fragment = fragment.to_owned();
                yew::platform::spawn_local(async move {
                    match share::decode(&fragment).await {
                        Ok(list) if saved_text.trim().is_empty() || saved_text == list => {
                            storage::save_list(&list);
                            let lines = list.lines().count();
                            text.set(AttrValue::from(list));
                            notice.set(Notice::info(format!(
                                "Opened a shared list of {lines} lines. Press Check to check it.{added}"
                            )));
                            focus("check");
                        }
                        Ok(list) => {
                            offered.set(Some(SharedOffer {
                                lines: list.lines().count(),
                                mine: saved_text.lines().count(),
                                list: AttrValue::from(list),
                            }));
                            focus("open-shared");
                        }
                        Err(e) => notice.set(Notice::error(format!("Shared link: {e}"))),
                    }
                });
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
        let deps = ((*text).clone(), settings.vantages.to_fragment());
        use_callback(deps, move |(), (text, vantages)| {
            let (text, vantages) = (text.clone(), vantages.clone());
            let (share_link, notice) = (share_link.clone(), notice.clone());
            yew::platform::spawn_local(async move {
                let fragment = match share::encode(&text).await {
                    Ok(fragment) => fragment,
                    Err(e) => return notice.set(Notice::error(format!("Share link: {e}"))),
                };
                let mut link = format!("{}#{fragment}", browser::page_address());
                if !vantages.is_empty() {
                    link.push('&');
                    link.push_str(&vantages);
                }
                share_link.set(Some(AttrValue::from(link.clone())));
                notice.set(match browser::copy(&link).await {
                    Ok(()) => Notice::info("Share link copied to the clipboard."),
                    Err(e) => Notice::info(format!("Share link ready below ({e}).")),
                });
            });
        })
    };
    let on_open_offered = {
        let (text_set, notice, offered_set) = (text.setter(), notice.setter(), offered.setter());
        let previous = previous.setter();
        let deps = (offered.clone(), (*text).clone());
        use_callback(deps, move |(), (offered, text)| {
            let Some(offer) = &**offered else { return };
            swap_in(&offer.list, text, &text_set, &previous);
            offered_set.set(None);
            notice.set(Notice::info(format!(
                "Opened a shared list of {} lines. Your list of {} lines is kept: \
                 \"Bring back my list\" restores it.",
                offer.lines, offer.mine
            )));
            focus("check");
        })
    };
    let on_keep_mine = {
        let (offered, notice) = (offered.setter(), notice.setter());
        use_callback((), move |(), ()| {
            offered.set(None);
            notice.set(Notice::info(
                "Kept your list; the shared one was not opened.",
            ));
        })
    };
    let on_restore_previous = {
        let (text_set, notice) = (text.setter(), notice.setter());
        let deps = (previous.clone(), (*text).clone());
        use_callback(deps, move |(), (previous, text)| {
            let Some(old) = &**previous else { return };
            // The two lists swap: the shared one becomes the previous list.
            swap_in(old, text, &text_set, &previous.setter());
            notice.set(Notice::info("Brought back your previous list."));
        })
    };
    ListHandle {
        offered: (*offered).clone(),
        on_open_offered,
        on_keep_mine,
        previous: (*previous).clone(),
        on_restore_previous,
        text: (*text).clone(),
        on_text,
        on_file,
        on_share,
        share_link: (*share_link).clone(),
    }
}

/// Makes `list` the list and keeps `current` as the previous one (shown and
/// saved both), so whichever was replaced is one click from coming back.
fn swap_in(
    list: &AttrValue,
    current: &AttrValue,
    text: &UseStateSetter<AttrValue>,
    previous: &UseStateSetter<Option<AttrValue>>,
) {
    storage::save_previous_list(current);
    previous.set(Some(current.clone()));
    storage::save_list(list);
    text.set(list.clone());
}

/// Adds the remote vantage points a share link carries, off until the
/// person turns them on (a link must not send their list to a proxy they
/// did not choose); the sentence that says so, to follow the list's notice.
fn add_shared_vantages(settings: &UseStateHandle<Settings>, param: &str) -> String {
    let mut next = (**settings).clone();
    let said = match next.vantages.add_shared(param) {
        Ok(added) if added.is_empty() => return String::new(),
        Ok(added) => format!(
            " The link named the vantage points {}: added, off; turn them on under \
             Vantage points (Check via: every vantage point) to check from them.",
            added.join(", ")
        ),
        Err(e) => format!(" Its vantage points were not added: {e}."),
    };
    storage::save_settings(&next);
    settings.set(next);
    said
}
