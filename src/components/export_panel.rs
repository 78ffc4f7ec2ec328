use yew::prelude::*;

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CSV with a header row.
    Csv,
    /// JSON lines in the proxy's format.
    Json,
    /// A Markdown table.
    Markdown,
}

impl Format {
    /// All formats: (format, button id, label, file name, MIME type).
    pub const ALL: [(
        Format,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ); 3] = [
        (Format::Csv, "export-csv", "CSV", "upcheck.csv", "text/csv"),
        (
            Format::Json,
            "export-json",
            "JSON lines",
            "upcheck.ndjson",
            "application/x-ndjson",
        ),
        (
            Format::Markdown,
            "export-md",
            "Markdown",
            "upcheck.md",
            "text/markdown",
        ),
    ];
}

/// An export ready to save or copy.
#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    /// Which format.
    pub format: Format,
    /// The text.
    pub text: AttrValue,
}

/// Props for [`ExportPanel`].
#[derive(Properties, PartialEq)]
pub struct ExportPanelProps {
    /// The last export made, shown for a look before saving.
    pub export: Option<Export>,
    /// Make an export of the rows shown.
    pub onexport: Callback<Format>,
    /// Save it as a file.
    pub ondownload: Callback<()>,
    /// Copy it to the clipboard.
    pub oncopy: Callback<()>,
}

/// Export buttons, a preview, download and copy.
#[component]
pub fn ExportPanel(props: &ExportPanelProps) -> Html {
    let buttons = Format::ALL.iter().map(|(format, id, label, ..)| {
        let (cb, format) = (props.onexport.clone(), *format);
        html! { <button id={*id} onclick={Callback::from(move |_: MouseEvent| cb.emit(format))}>{ *label }</button> }
    });
    html! {
        <details class="export" open={props.export.is_some()}>
            <summary>{ "Export results" }</summary>
            <div class="buttons">{ for buttons }</div>
            if let Some(export) = &props.export {
                <textarea id="export-text" readonly=true rows="6" value={export.text.clone()} />
                <div class="buttons">
                    <button id="export-download" onclick={props.ondownload.reform(|_: MouseEvent| ())}>{ "Download" }</button>
                    <button id="export-copy" onclick={props.oncopy.reform(|_: MouseEvent| ())}>{ "Copy" }</button>
                </div>
            }
        </details>
    }
}
