//! A share of the main thread, for work that runs in many small steps
//! (starting hundreds of fetches, reading a 10,000-line list, writing a
//! long run's saved results): it hands the thread back once a slice has run
//! for [`SLICE_MS`], so the browser can render and take input in between.

use std::cell::Cell;

use super::check::now;

/// The longest a slice runs before handing the main thread back: well under
/// the 50 ms the browser calls a long task, on a slow phone too.
const SLICE_MS: f64 = 8.0;

/// One piece of work's slices, timed from its creation.
pub(crate) struct Slice {
    began: Cell<f64>,
}

impl Slice {
    pub(crate) fn new() -> Self {
        Slice {
            began: Cell::new(now()),
        }
    }

    /// Hands the main thread back when this slice has run long enough.
    pub(crate) async fn turn(&self) {
        if now() - self.began.get() > SLICE_MS {
            yew::platform::time::sleep(std::time::Duration::ZERO).await;
            self.began.set(now());
        }
    }
}
