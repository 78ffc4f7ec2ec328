//! The page's components, one per file. They render and dispatch; they do no I/O.

mod controls;
mod list_input;
mod result_row;
mod summary_bar;

pub use controls::{Controls, ControlsProps, Settings};
pub use list_input::{ListInput, ListInputProps};
pub use result_row::{ResultRow, ResultRowProps};
pub use summary_bar::{SummaryBar, SummaryBarProps};
