//! How the person looks at the results: sort order, outcome filter, search.
//! The rows themselves never move; a view is a list of row ids to show.

use std::cmp::Ordering;
use std::rc::Rc;
use upcheck_core::{Outcome, Row};

use super::Choice;

/// Sort orders for the result list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum SortKey {
    /// The order of the pasted list.
    #[default]
    Input,
    /// Grouped by outcome (up, down, reachable, …), then input order.
    Outcome,
    /// Slowest first; rows without a latency last.
    Latency,
    /// Alphabetical by URL.
    Url,
}

impl Choice for SortKey {
    const ALL: &'static [(Self, &'static str, &'static str)] = &[
        (SortKey::Input, "input", "list order"),
        (SortKey::Outcome, "outcome", "outcome"),
        (SortKey::Latency, "latency", "slowest first"),
        (SortKey::Url, "url", "URL"),
    ];
}

/// Sort, filter and search.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct View {
    /// Sort order.
    pub(crate) sort: SortKey,
    /// Outcomes to show; empty shows every outcome.
    pub(crate) only: Vec<Outcome>,
    /// Text the URL or detail must contain (case-insensitive); empty shows all.
    pub(crate) query: String,
}

impl View {
    /// Toggles one outcome in the filter.
    pub(crate) fn toggle(&mut self, outcome: Outcome) {
        match self.only.iter().position(|o| *o == outcome) {
            Some(i) => {
                self.only.remove(i);
            }
            None => self.only.push(outcome),
        }
    }

    /// Ids of the rows to show, in order.
    pub(crate) fn apply(&self, rows: &[Rc<Row>]) -> Vec<usize> {
        let query = fold_case(self.query.trim());
        let mut ids: Vec<usize> = rows
            .iter()
            .filter(|r| self.only.is_empty() || self.only.contains(&r.outcome()))
            .filter(|r| {
                query.is_empty()
                    || fold_case(&r.url).contains(&query)
                    || fold_case(r.detail()).contains(&query)
                    // `split`, `everywhere`, `nowhere`: the vantage verdict.
                    || r.result().and_then(|x| x.reach).is_some_and(|x| x.as_str() == query)
            })
            .map(|r| r.id)
            .collect();
        let by = |a: &usize, b: &usize| -> Ordering {
            let (a, b) = (&rows[*a], &rows[*b]);
            match self.sort {
                SortKey::Input => Ordering::Equal,
                SortKey::Outcome => a.outcome().index().cmp(&b.outcome().index()),
                SortKey::Latency => match (a.latency_ms(), b.latency_ms()) {
                    (Some(x), Some(y)) => y.total_cmp(&x),
                    (Some(_), None) => Ordering::Less,
                    (None, Some(_)) => Ordering::Greater,
                    (None, None) => Ordering::Equal,
                },
                SortKey::Url => a.url.cmp(&b.url),
            }
            .then(a.id.cmp(&b.id))
        };
        if self.sort != SortKey::Input {
            ids.sort_by(by);
        }
        ids
    }
}

/// Lower case for the filter: ASCII text (nearly every URL and detail) by
/// hand, anything else by the browser's `toLowerCase`, which knows Unicode as
/// well as the standard library's tables (~5 KB of wasm the page leaves out).
fn fold_case(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    #[cfg(target_arch = "wasm32")]
    return js_sys::JsString::from(text).to_lower_case().into();
    #[cfg(not(target_arch = "wasm32"))]
    return text.to_lowercase();
}

#[cfg(test)]
mod tests {
    use super::*;

    use upcheck_core::{CheckResult, Progress};

    fn row(id: usize, url: &str, outcome: Outcome, ms: Option<f64>) -> Rc<Row> {
        let mut row = Row::queued(id, id + 1, url.into());
        row.progress = Progress::Done(CheckResult {
            latency_ms: ms,
            ..CheckResult::bare(outcome, "")
        });
        Rc::new(row)
    }

    fn rows() -> Vec<Rc<Row>> {
        vec![
            row(0, "https://c.com/", Outcome::Down, Some(50.0)),
            row(1, "https://a.com/", Outcome::Up, Some(300.0)),
            row(2, "https://b.org/", Outcome::Timeout, None),
            row(3, "https://d.com/", Outcome::Up, Some(10.0)),
        ]
    }

    #[test]
    fn sorts_keep_ties_in_list_order() {
        let mut v = View::default();
        assert_eq!(v.apply(&rows()), [0, 1, 2, 3]);
        v.sort = SortKey::Outcome;
        assert_eq!(v.apply(&rows()), [1, 3, 0, 2]);
        v.sort = SortKey::Latency;
        assert_eq!(v.apply(&rows()), [1, 0, 3, 2]);
        v.sort = SortKey::Url;
        assert_eq!(v.apply(&rows()), [1, 2, 0, 3]);
    }

    #[test]
    fn filters_and_search_combine() {
        let mut v = View::default();
        v.toggle(Outcome::Up);
        assert_eq!(v.apply(&rows()), [1, 3]);
        v.query = ".COM".into();
        assert_eq!(v.apply(&rows()), [1, 3]);
        v.query = "a.com".into();
        assert_eq!(v.apply(&rows()), [1]);
        v.toggle(Outcome::Up);
        v.query = "org".into();
        assert_eq!(v.apply(&rows()), [2]);
        let mut split = (*rows()[3]).clone();
        if let Progress::Done(r) = &mut split.progress {
            r.reach = Some(upcheck_core::Reach::Split);
        }
        let mut all = rows();
        all[3] = Rc::new(split);
        v.query = " Split ".into();
        assert_eq!(v.apply(&all), [3]);
    }
}
