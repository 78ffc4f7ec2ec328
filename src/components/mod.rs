//! The page's components, one per file. They render and dispatch; they do no I/O.

mod controls;
mod elapsed;
mod list_input;
mod result_row;
mod results;
mod row_details;
mod summary_bar;

pub use controls::{Controls, ControlsProps, RunSettings, Settings, ViaChoice};
pub use elapsed::{Elapsed, ElapsedProps};
pub use list_input::{ListInput, ListInputProps};
pub use result_row::{ResultRow, ResultRowProps};
pub use results::{Results, ResultsProps, VIRTUAL_ABOVE};
pub use row_details::{RowDetails, RowDetailsProps};
pub use summary_bar::{SummaryBar, SummaryBarProps};
