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
            if let Some(link) = &props.share_link {
                <input id="share-link" type="text" readonly=true value={link.clone()}
                    aria-label="share link" />
                <span class="hint">{ format!("{} characters; the list travels in the part after #, which is never sent to a server", link.len()) }</span>
            }
        </div>
    }
}
