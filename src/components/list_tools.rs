use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Props for [`ListTools`].
#[derive(Properties, PartialEq)]
pub(crate) struct ListToolsProps {
    /// A file was picked.
    pub(crate) onfile: Callback<web_sys::File>,
    /// Make a share link of the list.
    pub(crate) onshare: Callback<()>,
    /// The last share link made.
    pub(crate) share_link: Option<AttrValue>,
    /// Whether a list replaced by a shared link can be brought back.
    pub(crate) can_restore: bool,
    /// Bring it back.
    pub(crate) onrestore: Callback<()>,
}

/// Open a file of sites, or share the list as a link.
#[component]
pub(crate) fn ListTools(props: &ListToolsProps) -> Html {
    let onchange = {
        let cb = props.onfile.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Some(file) = input.files().and_then(|f| f.get(0)) {
                cb.emit(file);
            }
            input.set_value(""); // picking the same file again fires again
        })
    };
    html! {
        <div class="list-tools">
            <label class="file-button">{ "Open a .txt or .csv file" }
                <input id="file" type="file" accept=".txt,.csv,text/plain,text/csv" {onchange} />
            </label>
            <button id="share" onclick={props.onshare.reform(|_: MouseEvent| ())}>
                { "Share as a link" }
            </button>
            if props.can_restore {
                <button id="restore-previous" onclick={props.onrestore.reform(|_: MouseEvent| ())}
                    title="the list you had before opening a shared link">
                    { "Bring back my list" }
                </button>
            }
            if let Some(link) = &props.share_link {
                <input id="share-link" type="text" readonly=true value={link.clone()}
                    aria-label="share link" />
                <span class="hint">{ format!("{} characters; the list travels in the part after #, which is never sent to a server", link.len()) }</span>
            }
        </div>
    }
}

/// Props for [`SharedListChoice`].
#[derive(Properties, PartialEq)]
pub(crate) struct SharedListChoiceProps {
    /// Lines in the shared list.
    pub(crate) lines: usize,
    /// Lines in the list the person has.
    pub(crate) mine: usize,
    /// Open the shared list.
    pub(crate) onopen: Callback<()>,
    /// Keep the list they have.
    pub(crate) onkeep: Callback<()>,
}

/// Asks before a shared link replaces a different list.
#[component]
pub(crate) fn SharedListChoice(props: &SharedListChoiceProps) -> Html {
    html! {
        <div id="share-choice" class="notice" role="alertdialog" aria-labelledby="share-choice-text">
            <p id="share-choice-text">{ format!(
                "This link holds a shared list of {} lines. Your own list of {} lines is different.",
                props.lines, props.mine
            ) }</p>
            <button id="open-shared" class="primary" onclick={props.onopen.reform(|_: MouseEvent| ())}>
                { "Open the shared list (keep mine to bring back)" }
            </button>
            <button id="keep-mine" onclick={props.onkeep.reform(|_: MouseEvent| ())}>
                { "Keep my list" }
            </button>
        </div>
    }
}
