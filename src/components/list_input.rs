use web_sys::{DragEvent, HtmlTextAreaElement, KeyboardEvent};
use yew::prelude::*;

/// Props for [`ListInput`].
#[derive(Properties, PartialEq)]
pub(crate) struct ListInputProps {
    /// The text in the box.
    pub(crate) value: AttrValue,
    /// Called with the new text on every edit.
    pub(crate) oninput: Callback<String>,
    /// Ctrl+Enter (or Cmd+Enter) in the box.
    pub(crate) onsubmit: Callback<()>,
    /// A file dropped on the box.
    pub(crate) ondrop: Callback<web_sys::File>,
}

/// The list box, with a live line count.
#[component]
pub(crate) fn ListInput(props: &ListInputProps) -> Html {
    let oninput = {
        let cb = props.oninput.clone();
        Callback::from(move |e: InputEvent| {
            let area: HtmlTextAreaElement = e.target_unchecked_into();
            cb.emit(area.value());
        })
    };
    let onkeydown = {
        let cb = props.onsubmit.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && (e.ctrl_key() || e.meta_key()) {
                e.prevent_default();
                cb.emit(());
            }
        })
    };
    // Without preventing the default, the browser opens a dropped file itself.
    let ondragover = Callback::from(|e: DragEvent| e.prevent_default());
    let ondrop = {
        let cb = props.ondrop.clone();
        Callback::from(move |e: DragEvent| {
            let file = e
                .data_transfer()
                .and_then(|d| d.files())
                .and_then(|f| f.get(0));
            if let Some(file) = file {
                e.prevent_default();
                cb.emit(file);
            }
        })
    };
    let lines = count_lines(&props.value);
    html! {
        <div class="list-input">
            <label for="list">{ "Sites to check — one per line, or separated by commas or spaces (or drop a .txt/.csv file here)" }</label>
            <textarea id="list" rows="10" spellcheck="false" autocomplete="off"
                placeholder={"example.com\nhttps://example.org/health\n# comments are ignored"}
                value={props.value.clone()} {oninput} {onkeydown} {ondragover} {ondrop} />
            <div class="hint" id="line-count">
                { format!("{lines} {}", if lines == 1 { "line" } else { "lines" }) }
                <span class="kbd-hint">{ " · Ctrl+Enter to check" }</span>
            </div>
        </div>
    }
}

/// Lines a person would count: a trailing newline does not start a new line.
fn count_lines(text: &str) -> usize {
    if text.is_empty() {
        return 0;
    }
    let breaks = text.matches('\n').count();
    if text.ends_with('\n') {
        breaks
    } else {
        breaks + 1
    }
}
