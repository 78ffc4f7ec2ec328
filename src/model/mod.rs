//! The page's model: what the person chooses and how it is read, with no I/O
//! and no rendering. Services, the state and the components all build on it.

mod choice;
mod export;
mod settings;
mod vantages;
mod view;
pub(crate) mod waterfall;

pub(crate) use choice::Choice;
pub(crate) use export::{Export, ExportFormat};
pub(crate) use settings::{Mode, RunSettings, Settings, ViaChoice};
pub(crate) use vantages::{split_fragment, Remote, Vantages};
pub(crate) use view::{SortKey, View};
