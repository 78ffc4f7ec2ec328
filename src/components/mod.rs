//! The page's components, one per file. They render and dispatch; they do no I/O.

mod controls;
mod elapsed;
mod export_panel;
mod list_input;
mod list_tools;
mod result_row;
mod results;
mod row_details;
mod summary_bar;
mod toolbar;

pub use controls::{Controls, ControlsProps, RunSettings, Settings, ViaChoice};
pub use elapsed::{Elapsed, ElapsedProps};
pub use export_panel::{Export, ExportPanel, ExportPanelProps, Format};
pub use list_input::{ListInput, ListInputProps};
pub use list_tools::{ListTools, ListToolsProps};
pub use result_row::{ResultRow, ResultRowProps};
pub use results::{Results, ResultsProps, VIRTUAL_ABOVE};
pub use row_details::{RowDetails, RowDetailsProps};
pub use summary_bar::{SummaryBar, SummaryBarProps};
pub use toolbar::{Toolbar, ToolbarProps};
