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
mod vantages;
mod waterfall;

pub(crate) use controls::Controls;
use elapsed::Elapsed;
pub(crate) use export_panel::ExportPanel;
pub(crate) use list_input::ListInput;
pub(crate) use list_tools::{ListTools, SharedListChoice};
use result_row::ResultRow;
pub(crate) use results::Results;
use row_details::RowDetails;
pub(crate) use summary_bar::{Announcer, SummaryBar};
pub(crate) use toolbar::Toolbar;
pub(crate) use vantages::{Place, VantagePanel};
use waterfall::RunChart;
pub(crate) use waterfall::Waterfall;
