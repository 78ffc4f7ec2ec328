//! The export formats: what each is called, its file name and MIME type, and
//! how rows become its text (core's writers).

use upcheck_core::{export, Row, Vantage};

use super::Choice;

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExportFormat {
    /// CSV with a header row.
    Csv,
    /// JSON lines in the proxy's format.
    Json,
    /// A Markdown table.
    Markdown,
}

impl Choice for ExportFormat {
    const ALL: &'static [(Self, &'static str, &'static str)] = &[
        (ExportFormat::Csv, "csv", "CSV"),
        (ExportFormat::Json, "json", "JSON lines"),
        (ExportFormat::Markdown, "md", "Markdown"),
    ];
}

impl ExportFormat {
    /// The file a download is saved as.
    pub(crate) fn file_name(self) -> &'static str {
        match self {
            ExportFormat::Csv => "upcheck.csv",
            ExportFormat::Json => "upcheck.ndjson",
            ExportFormat::Markdown => "upcheck.md",
        }
    }

    /// The download's MIME type.
    pub(crate) fn mime(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv",
            ExportFormat::Json => "application/x-ndjson",
            ExportFormat::Markdown => "text/markdown",
        }
    }

    /// `rows` in this format.
    /// `vantages`: the run's vantage points (each row's cells come from them).
    pub(crate) fn write(self, rows: &[&Row], vantages: &[Vantage]) -> String {
        match self {
            ExportFormat::Csv => export::to_csv(rows, vantages),
            ExportFormat::Json => export::to_json_lines(rows, vantages),
            ExportFormat::Markdown => export::to_markdown(rows, vantages),
        }
    }
}

/// An export ready to save or copy.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Export {
    /// Which format.
    pub(crate) format: ExportFormat,
    /// The text.
    pub(crate) text: yew::AttrValue,
}
