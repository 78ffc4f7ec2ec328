//! Vantage points, and the one rule that turns what each saw into a combined
//! verdict: is a site down for everyone, or only from here?
//!
//! A run may check each site from several places at once: this browser, the
//! page's own proxy and any number of named remote proxies. Each gives its own
//! [`CheckResult`], judged by the one verdict rule ([`crate::result`]);
//! [`combine`] then reads them side by side:
//!
//! - a vantage point that could not check (the browser's policy refused, the
//!   proxy refused the address, the proxy went away, the person stopped it) is
//!   shown as such and never counted as the site's answer;
//! - an opaque answer (the browser reached the site, CORS hides the status)
//!   agrees with any vantage point that saw a status: it is never `up` on its
//!   own strength when another vantage saw the status, and a proxy's 503 makes
//!   the site `down`, saying the browser could not see it;
//! - the site reached (`up`, `slow`, `challenged`, or `reachable` alone) from
//!   every vantage that could check is [`Reach::Everywhere`]; failing from all
//!   of them is [`Reach::Nowhere`]; anything in between is [`Reach::Split`],
//!   with who reached it and who did not. A split site is `up` (it is up for
//!   someone: the failure is the vantage's network, DNS, firewall or an
//!   extension, and the sentence says which).

use serde::{Deserialize, Serialize};

use crate::result::CheckResult;
use crate::Outcome;

/// Where checks are made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The person's own browser.
    Browser,
    /// An Upcheck proxy (the page's own, or a remote one).
    Proxy,
}

/// One vantage point of a run, as results and exports name it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Vantage {
    /// What people call it: `this browser`, `this page's proxy`, `fra-1`.
    pub label: String,
    /// Browser or proxy.
    pub kind: Kind,
}

/// The label of the person's own browser.
pub const THIS_BROWSER: &str = "this browser";
/// The label of the proxy on the page's own server.
pub const THIS_PROXY: &str = "this page's proxy";

impl Vantage {
    /// This browser.
    pub fn browser() -> Self {
        Vantage {
            label: THIS_BROWSER.to_owned(),
            kind: Kind::Browser,
        }
    }

    /// A proxy called `label`.
    pub fn proxy(label: impl Into<String>) -> Self {
        Vantage {
            label: label.into(),
            kind: Kind::Proxy,
        }
    }

    /// A label that is safe as a CSV header or a JSON key: its words joined
    /// by `-` (`this-browser`, `fra-1`).
    pub fn key(&self) -> String {
        self.label.split_whitespace().collect::<Vec<_>>().join("-")
    }
}

/// Who could reach a site, among the vantage points that could check it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reach {
    /// Every vantage point that checked reached it.
    Everywhere,
    /// None did.
    Nowhere,
    /// Some did and some did not.
    Split,
    /// No vantage point could check it.
    Unchecked,
}

impl Reach {
    /// The word the page and the exports use.
    pub const fn as_str(self) -> &'static str {
        match self {
            Reach::Everywhere => "everywhere",
            Reach::Nowhere => "nowhere",
            Reach::Split => "split",
            Reach::Unchecked => "unchecked",
        }
    }
}

/// What one vantage point's result says about the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Said {
    /// An accepted answer (`up`, `slow`, `challenged`).
    Good,
    /// An answer with its status hidden (`reachable`).
    Opaque,
    /// An answer that is not accepted (`down`, `limited`).
    Bad,
    /// No answer (`unreachable`, `timeout`).
    Silent,
    /// It could not check (`blocked`, `cancelled`, `invalid`, unfinished).
    Nothing,
}

fn said(outcome: Outcome) -> Said {
    match outcome {
        Outcome::Up | Outcome::Slow | Outcome::Challenged => Said::Good,
        Outcome::Reachable => Said::Opaque,
        Outcome::Down | Outcome::Limited => Said::Bad,
        Outcome::Unreachable | Outcome::Timeout => Said::Silent,
        Outcome::Blocked
        | Outcome::Invalid
        | Outcome::Cancelled
        | Outcome::Queued
        | Outcome::Checking => Said::Nothing,
    }
}

/// The combined verdict of one site over every vantage point.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The site's outcome: what filters, the tally and history count.
    pub outcome: Outcome,
    /// Who reached it.
    pub reach: Reach,
    /// The sentence that says so, naming the vantage points.
    pub sentence: String,
    /// The vantage point whose result gives the status and time shown.
    pub decided_by: usize,
}

/// The better of two outcomes for the site (`up` over `slow` over
/// `challenged` over `reachable`; `down` over `limited` over `timeout` over
/// `unreachable`, the more it says the better).
fn rank(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Up => 0,
        Outcome::Slow => 1,
        Outcome::Challenged => 2,
        Outcome::Reachable => 3,
        Outcome::Down => 4,
        Outcome::Limited => 5,
        Outcome::Timeout => 6,
        Outcome::Unreachable => 7,
        Outcome::Blocked => 8,
        Outcome::Cancelled => 9,
        Outcome::Invalid => 10,
        Outcome::Checking => 11,
        Outcome::Queued => 12,
    }
}

/// "fra-1", "fra-1 and home", "fra-1, home and this browser"
fn names<'a>(labels: impl Iterator<Item = &'a str>) -> String {
    let labels: Vec<&str> = labels.collect();
    match labels.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// "from all 3 vantage points", or "from the one vantage point that could
/// check" when the others could not.
fn from_all(checked: usize) -> String {
    if checked == 1 {
        "from the one vantage point that could check".to_owned()
    } else {
        format!("from all {checked} vantage points")
    }
}

/// `HTTP 503` or the result's own words, short: what one vantage saw.
fn seen(result: &CheckResult) -> String {
    match result.status {
        Some(status) => format!("HTTP {status}"),
        None if result.detail.is_empty() => result.outcome.to_string(),
        None => result.detail.clone(),
    }
}

/// "HTTP 503 from home and fra-1, HTTP 502 from this browser": what each
/// of `among` saw, vantage points that saw the same thing named together.
fn grouped(among: &[usize], results: &[&CheckResult], vantages: &[Vantage]) -> String {
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    for &i in among {
        let what = seen(results[i]);
        let label = vantages[i].label.as_str();
        match groups.iter_mut().find(|(w, _)| *w == what) {
            Some((_, labels)) => labels.push(label),
            None => groups.push((what, vec![label])),
        }
    }
    groups
        .into_iter()
        .map(|(what, labels)| format!("{what} from {}", names(labels.into_iter())))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Decides the combined verdict from each vantage point's finished result
/// (`results[i]` from `vantages[i]`). With one vantage point it is that
/// vantage's own outcome.
///
/// # Panics
/// When `results` is empty or its length differs from `vantages`'s.
pub fn combine(vantages: &[Vantage], results: &[&CheckResult]) -> Verdict {
    assert!(
        !results.is_empty() && results.len() == vantages.len(),
        "one result per vantage point"
    );
    let saying: Vec<Said> = results.iter().map(|r| said(r.outcome)).collect();
    let label = |i: usize| vantages[i].label.as_str();
    let which = |want: &dyn Fn(Said) -> bool| -> Vec<usize> {
        (0..results.len()).filter(|&i| want(saying[i])).collect()
    };
    let best = |among: &[usize]| -> usize {
        *among
            .iter()
            .min_by_key(|&&i| rank(results[i].outcome))
            .expect("a vantage to choose from")
    };
    let good = which(&|s| s == Said::Good);
    let opaque = which(&|s| s == Said::Opaque);
    let bad = which(&|s| s == Said::Bad);
    let silent = which(&|s| s == Said::Silent);
    let nothing = which(&|s| s == Said::Nothing);
    let could_not = (!nothing.is_empty()).then(|| {
        let each: Vec<String> = nothing
            .iter()
            .map(|&i| format!("{}: {}", label(i), seen(results[i])))
            .collect();
        format!("could not check from {}", each.join("; "))
    });
    let checked = results.len() - nothing.len();
    let (outcome, reach, decided_by, mut sentence) = if checked == 0 {
        let i = best(&nothing);
        let sentence = if results.len() == 1 {
            results[i].detail.clone()
        } else {
            format!(
                "no vantage point could check it: {}",
                could_not.clone().unwrap_or_default()
            )
        };
        (results[i].outcome, Reach::Unchecked, i, sentence)
    } else if results.len() == 1 {
        let reach = if saying[0] == Said::Good || saying[0] == Said::Opaque {
            Reach::Everywhere
        } else {
            Reach::Nowhere
        };
        (results[0].outcome, reach, 0, results[0].detail.clone())
    } else if silent.is_empty() && bad.is_empty() {
        // Reached from every vantage that checked.
        let i = if good.is_empty() {
            opaque[0]
        } else {
            best(&good)
        };
        let statuses: Vec<Option<u16>> = good.iter().map(|&j| results[j].status).collect();
        let mut s = format!("{} {}", results[i].outcome, from_all(checked));
        if statuses.windows(2).any(|w| w[0] != w[1]) {
            let each: Vec<String> = good
                .iter()
                .map(|&j| format!("{} from {}", seen(results[j]), label(j)))
                .collect();
            s.push_str(&format!(" (statuses differ: {})", each.join(", ")));
        }
        if !good.is_empty() && !opaque.is_empty() {
            s.push_str(&format!(
                "; {} reached it but cannot see the status (CORS)",
                names(opaque.iter().map(|&j| label(j)))
            ));
        }
        (results[i].outcome, Reach::Everywhere, i, s)
    } else if good.is_empty() && (opaque.is_empty() || !bad.is_empty()) {
        // Failed from every vantage that checked: an opaque answer only
        // says the server answered, which a status that is not accepted
        // explains.
        let failed: Vec<usize> = bad.iter().chain(&silent).copied().collect();
        let i = best(&failed);
        let each = grouped(&failed, results, vantages);
        let same = failed.windows(2).all(|w| {
            results[w[0]].outcome == results[w[1]].outcome
                && seen(results[w[0]]) == seen(results[w[1]])
        });
        let mut s = if opaque.is_empty() {
            let how = if same && failed.len() > 1 {
                format!("{} everywhere", seen(results[i]))
            } else {
                each.clone()
            };
            format!("{} {}: {how}", results[i].outcome, from_all(checked))
        } else {
            format!(
                "{}: {}; {} reached it but cannot see the status (CORS)",
                results[i].outcome,
                each,
                names(opaque.iter().map(|&j| label(j)))
            )
        };
        if failed.len() > 1 && !same {
            s.push_str(" (not the same everywhere)");
        }
        (results[i].outcome, Reach::Nowhere, i, s)
    } else {
        // Reached from some, not from others.
        let reached: Vec<usize> = good.iter().chain(&opaque).copied().collect();
        let failed: Vec<usize> = bad.iter().chain(&silent).copied().collect();
        let i = if good.is_empty() {
            opaque[0]
        } else {
            best(&good)
        };
        let each: Vec<String> = failed
            .iter()
            .map(|&j| format!("{}: {}", label(j), seen(results[j])))
            .collect();
        let browser_only = failed.len() == 1 && vantages[failed[0]].kind == Kind::Browser;
        let s = if browser_only {
            format!(
                "not from {}: {} — {} reached it, so look at this network, its DNS, a \
                 firewall or a browser extension",
                label(failed[0]),
                seen(results[failed[0]]),
                names(reached.iter().map(|&j| label(j)))
            )
        } else if failed.len() <= reached.len() {
            format!(
                "not from {} ({}); {} from {}",
                names(failed.iter().map(|&j| label(j))),
                each.join("; "),
                results[i].outcome,
                names(reached.iter().map(|&j| label(j)))
            )
        } else {
            format!(
                "only from {} ({}); {}",
                names(reached.iter().map(|&j| label(j))),
                results[i].outcome,
                each.join("; ")
            )
        };
        (results[i].outcome, Reach::Split, i, s)
    };
    if let (Some(note), true) = (could_not, checked > 0) {
        sentence.push_str(&format!(" · {note}"));
    }
    Verdict {
        outcome,
        reach,
        sentence,
        decided_by,
    }
}

impl Verdict {
    /// The combined result a row holds: the verdict's outcome and sentence,
    /// the status, time and proxy detail of the vantage that decided, the
    /// checks' busy time summed, and a span over all of them.
    pub fn into_result(self, results: &[&CheckResult]) -> CheckResult {
        let decider = results[self.decided_by];
        let span = results.iter().filter_map(|r| r.span).reduce(|a, b| {
            crate::Span::new(a.started_ms.min(b.started_ms), a.ended_ms.max(b.ended_ms))
        });
        CheckResult {
            outcome: self.outcome,
            detail: self.sentence,
            busy_ms: results.iter().map(|r| r.busy_ms).sum(),
            reach: Some(self.reach),
            span,
            ..decider.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn browser_and(proxies: &[&str]) -> Vec<Vantage> {
        std::iter::once(Vantage::browser())
            .chain(proxies.iter().map(|p| Vantage::proxy(*p)))
            .collect()
    }

    fn status(outcome: Outcome, status: u16) -> CheckResult {
        let mut r = CheckResult::bare(outcome, format!("HTTP {status}"));
        r.status = Some(status);
        r.latency_ms = Some(10.0);
        r
    }

    fn bare(outcome: Outcome, detail: &str) -> CheckResult {
        CheckResult::bare(outcome, detail)
    }

    fn verdict(vantages: &[Vantage], results: &[CheckResult]) -> Verdict {
        let refs: Vec<&CheckResult> = results.iter().collect();
        combine(vantages, &refs)
    }

    #[test]
    fn up_everywhere_and_statuses_that_differ_are_said() {
        let v = browser_and(&["home", "fra-1"]);
        let same = [
            status(Outcome::Up, 200),
            status(Outcome::Up, 200),
            status(Outcome::Up, 200),
        ];
        let got = verdict(&v, &same);
        assert_eq!((got.outcome, got.reach), (Outcome::Up, Reach::Everywhere));
        assert_eq!(got.sentence, "up from all 3 vantage points");
        let differ = [
            status(Outcome::Up, 200),
            status(Outcome::Up, 204),
            status(Outcome::Slow, 200),
        ];
        let got = verdict(&v, &differ);
        assert_eq!(got.outcome, Outcome::Up);
        assert!(
            got.sentence
                .contains("statuses differ: HTTP 200 from this browser, HTTP 204 from home"),
            "{}",
            got.sentence
        );
    }

    #[test]
    fn down_everywhere_same_status_or_not() {
        let v = browser_and(&["home"]);
        let got = verdict(
            &v,
            &[status(Outcome::Down, 503), status(Outcome::Down, 503)],
        );
        assert_eq!((got.outcome, got.reach), (Outcome::Down, Reach::Nowhere));
        assert_eq!(
            got.sentence,
            "down from all 2 vantage points: HTTP 503 everywhere"
        );
        let got = verdict(
            &v,
            &[status(Outcome::Down, 502), status(Outcome::Down, 503)],
        );
        assert_eq!(
            got.sentence,
            "down from all 2 vantage points: HTTP 502 from this browser, HTTP 503 from home (not the same everywhere)"
        );
        // A status says more than silence.
        let got = verdict(
            &v,
            &[
                bare(Outcome::Timeout, "no response within 5 s"),
                status(Outcome::Down, 503),
            ],
        );
        assert_eq!((got.outcome, got.decided_by), (Outcome::Down, 1));
    }

    #[test]
    fn an_opaque_answer_never_outvotes_a_status() {
        let v = browser_and(&["fra-1"]);
        let opaque = bare(Outcome::Reachable, "answered; status hidden (CORS)");
        let got = verdict(&v, &[opaque.clone(), status(Outcome::Down, 503)]);
        assert_eq!(
            (got.outcome, got.reach, got.decided_by),
            (Outcome::Down, Reach::Nowhere, 1)
        );
        assert_eq!(
            got.sentence,
            "down: HTTP 503 from fra-1; this browser reached it but cannot see the status (CORS)"
        );
        let v3 = browser_and(&["home", "fra-1"]);
        let got = verdict(
            &v3,
            &[
                opaque.clone(),
                status(Outcome::Down, 503),
                status(Outcome::Down, 503),
            ],
        );
        assert_eq!(
            got.sentence,
            "down: HTTP 503 from home and fra-1; this browser reached it but cannot see the status (CORS)"
        );
        let got = verdict(&v, &[opaque.clone(), status(Outcome::Up, 200)]);
        assert_eq!((got.outcome, got.reach), (Outcome::Up, Reach::Everywhere));
        assert!(got
            .sentence
            .ends_with("this browser reached it but cannot see the status (CORS)"));
        // Alone, it stays `reachable`, never `up`.
        let got = verdict(&v, &[opaque.clone(), opaque]);
        assert_eq!(
            (got.outcome, got.reach),
            (Outcome::Reachable, Reach::Everywhere)
        );
    }

    #[test]
    fn only_from_here_and_only_from_a_proxy() {
        let v = browser_and(&["home", "fra-1"]);
        let failed = bare(Outcome::Unreachable, "network error (or CORS refusal)");
        let got = verdict(
            &v,
            &[
                failed.clone(),
                status(Outcome::Up, 200),
                status(Outcome::Up, 200),
            ],
        );
        assert_eq!(
            (got.outcome, got.reach, got.decided_by),
            (Outcome::Up, Reach::Split, 1)
        );
        assert!(got.sentence.starts_with("not from this browser: network error (or CORS refusal) — home and fra-1 reached it"), "{}", got.sentence);
        let reset = bare(Outcome::Unreachable, "connection reset");
        let got = verdict(&v, &[failed, reset.clone(), status(Outcome::Up, 200)]);
        assert_eq!(got.reach, Reach::Split);
        assert_eq!(
            got.sentence,
            "only from fra-1 (up); this browser: network error (or CORS refusal); home: connection reset"
        );
        let got = verdict(
            &v,
            &[status(Outcome::Up, 200), reset, status(Outcome::Up, 200)],
        );
        assert_eq!(
            got.sentence,
            "not from home (home: connection reset); up from this browser and fra-1"
        );
    }

    #[test]
    fn a_vantage_that_could_not_check_is_never_the_answer() {
        let v = browser_and(&["fra-1"]);
        let gone = bare(
            Outcome::Cancelled,
            "not checked: the proxy's stream broke off",
        );
        let got = verdict(&v, &[status(Outcome::Down, 500), gone.clone()]);
        assert_eq!((got.outcome, got.reach), (Outcome::Down, Reach::Nowhere));
        assert_eq!(
            got.sentence,
            "down from the one vantage point that could check: HTTP 500 from this browser · could not check from fra-1: not checked: the proxy's stream broke off"
        );
        let blocked = bare(Outcome::Blocked, "mixed content");
        let got = verdict(&v, &[blocked, gone]);
        assert_eq!(
            (got.outcome, got.reach),
            (Outcome::Blocked, Reach::Unchecked)
        );
        assert!(got
            .sentence
            .starts_with("no vantage point could check it: "));
    }

    #[test]
    fn one_vantage_is_its_own_verdict() {
        let v = vec![Vantage::browser()];
        let got = verdict(&v, &[status(Outcome::Down, 404)]);
        assert_eq!(
            (got.outcome, got.sentence.as_str()),
            (Outcome::Down, "HTTP 404")
        );
    }

    #[test]
    fn the_combined_result_sums_busy_time_and_spans_every_check() {
        let v = browser_and(&["fra-1"]);
        let mut a = status(Outcome::Up, 200);
        a.busy_ms = 30.0;
        a.span = Some(crate::Span::new(0.0, 30.0));
        let mut b = status(Outcome::Up, 200);
        b.busy_ms = 50.0;
        b.span = Some(crate::Span::new(10.0, 60.0));
        let refs = [&a, &b];
        let result = combine(&v, &refs).into_result(&refs);
        assert_eq!(result.busy_ms, 80.0);
        assert_eq!(result.span, Some(crate::Span::new(0.0, 60.0)));
        assert_eq!(result.reach, Some(Reach::Everywhere));
        assert_eq!(Vantage::browser().key(), "this-browser");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn any_result() -> impl Strategy<Value = CheckResult> {
        (
            proptest::sample::select(Outcome::ALL.to_vec()),
            proptest::option::of(100_u16..600),
        )
            .prop_map(|(outcome, status)| {
                let mut r = CheckResult::bare(outcome, "seen");
                r.status = status;
                r
            })
    }

    proptest! {
        /// The combined outcome is always one a vantage point saw, and a
        /// site is never `up` (or `slow`, `challenged`) unless some vantage
        /// saw it so: an opaque answer or a refusal never becomes one.
        #[test]
        fn the_verdict_is_always_something_a_vantage_saw(
            results in proptest::collection::vec(any_result(), 1..5)
        ) {
            let vantages: Vec<Vantage> = (0..results.len())
                .map(|i| if i == 0 { Vantage::browser() } else { Vantage::proxy(format!("p{i}")) })
                .collect();
            let refs: Vec<&CheckResult> = results.iter().collect();
            let v = combine(&vantages, &refs);
            prop_assert_eq!(v.outcome, results[v.decided_by].outcome);
            if v.reach == Reach::Unchecked {
                prop_assert!(results.iter().all(|r| said(r.outcome) == Said::Nothing));
            }
            if v.reach == Reach::Everywhere || v.reach == Reach::Split {
                prop_assert!(v.outcome.answered());
            }
            if v.reach == Reach::Nowhere {
                prop_assert!(!v.outcome.answered());
            }
        }
    }
}
