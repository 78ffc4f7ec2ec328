//! Exports of the rows shown (after sort, filter and search): made on a
//! click, previewed, then downloaded or copied.

use std::rc::Rc;
use upcheck_core::Row;
use yew::prelude::*;

use super::notice::Notice;
use crate::model::{waterfall, Export, ExportFormat};
use crate::services::browser;
use crate::state::State;

/// What the export hook hands the page.
pub(super) struct ExportHandle {
    /// The last export made.
    pub(super) export: Option<Export>,
    /// Make an export in a format.
    pub(super) on_export: Callback<ExportFormat>,
    /// Save it as a file.
    pub(super) on_download: Callback<()>,
    /// Copy it to the clipboard.
    pub(super) on_copy: Callback<()>,
    /// Save the waterfall of the rows shown as a standalone SVG file.
    pub(super) on_waterfall: Callback<()>,
}

#[hook]
pub(super) fn use_export(
    state: &State,
    shown: Rc<Vec<usize>>,
    notice: &UseStateHandle<Option<Notice>>,
) -> ExportHandle {
    let export = use_state(|| None::<Export>);
    let on_export = {
        let (export, rows) = (export.setter(), state.rows.clone());
        let vantages = state
            .run
            .as_ref()
            .map(|r| r.vantages.clone())
            .unwrap_or_default();
        use_callback(
            (state.version, shown.clone(), vantages),
            move |format: ExportFormat, (_, shown, vantages)| {
                let rows = rows.borrow();
                let picked: Vec<&Row> = shown
                    .iter()
                    .filter_map(|&id| rows.get(id))
                    .map(|r| &**r)
                    .collect();
                export.set(Some(Export {
                    format,
                    text: AttrValue::from(format.write(&picked, vantages)),
                }));
            },
        )
    };
    let on_download = {
        let notice = notice.setter();
        use_callback(export.clone(), move |(), export| {
            if let Some(e) = &**export {
                let format = e.format;
                if let Err(why) = browser::download(format.file_name(), format.mime(), &e.text) {
                    notice.set(Notice::error(why));
                }
            }
        })
    };
    let on_copy = {
        let notice = notice.setter();
        use_callback(export.clone(), move |(), export| {
            if let Some(e) = &**export {
                let (text, notice) = (e.text.to_string(), notice.clone());
                yew::platform::spawn_local(async move {
                    notice.set(match browser::copy(&text).await {
                        Ok(()) => Notice::info("Export copied to the clipboard."),
                        Err(e) => Notice::error(e),
                    });
                });
            }
        })
    };
    let on_waterfall = {
        let (notice, rows) = (notice.setter(), state.rows.clone());
        let limit = state.run.as_ref().map_or(1, |r| r.limit());
        use_callback(
            (state.version, shown, limit),
            move |(), (_, shown, limit)| {
                let rows = rows.borrow();
                let bars = waterfall::bars(&rows, shown.iter().copied());
                let url = |id: u32| {
                    rows.get(id as usize)
                        .map_or(String::new(), |r| r.url.clone())
                };
                let svg = waterfall::svg(&bars, url, *limit);
                if let Err(why) = browser::download("upcheck-waterfall.svg", "image/svg+xml", &svg)
                {
                    notice.set(Notice::error(why));
                }
            },
        )
    };
    ExportHandle {
        on_waterfall,
        export: (*export).clone(),
        on_export,
        on_download,
        on_copy,
    }
}
