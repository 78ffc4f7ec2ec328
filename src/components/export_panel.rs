use yew::prelude::*;

use crate::model::{Choice, Export, ExportFormat};

/// Props for [`ExportPanel`].
#[derive(Properties, PartialEq)]
pub(crate) struct ExportPanelProps {
    /// The last export made, shown for a look before saving.
    pub(crate) export: Option<Export>,
    /// Make an export of the rows shown.
    pub(crate) onexport: Callback<ExportFormat>,
    /// Save it as a file.
    pub(crate) ondownload: Callback<()>,
    /// Copy it to the clipboard.
    pub(crate) oncopy: Callback<()>,
}

/// Export buttons, a preview, download and copy.
#[component]
pub(crate) fn ExportPanel(props: &ExportPanelProps) -> Html {
    let buttons = ExportFormat::ALL.iter().map(|(format, value, label)| {
        let (cb, format) = (props.onexport.clone(), *format);
        html! {
            <button id={format!("export-{value}")}
                onclick={Callback::from(move |_: MouseEvent| cb.emit(format))}>{ *label }</button>
        }
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
