//! The reducer's rules, without a browser.

use super::*;
use upcheck_core::parse_list;

fn run(id: u64, mode: Mode, whole_list: bool, sites: usize) -> RunInfo {
    RunInfo {
        id,
        mode,
        concurrency: if mode == Mode::Sequential { 1 } else { 16 },
        via_proxy: false,
        vantages: Rc::new(vec![upcheck_core::Vantage::browser()]),
        sites,
        whole_list,
        list_key: 7,
        started_at: 0.0,
        wall_ms: None,
    }
}

fn result(outcome: Outcome, ms: f64) -> CheckResult {
    CheckResult {
        latency_ms: Some(ms),
        busy_ms: ms,
        ..CheckResult::bare(outcome, "")
    }
}

#[test]
fn results_of_old_runs_are_ignored_and_rechecks_keep_other_rows() {
    let list = Rc::new(parse_list("a.com\nb.com\nftp://c"));
    let s = Rc::new(State::default()).reduce(Action::Start {
        run: run(1, Mode::Concurrent, true, 2),
        list,
        read_ms: 1.0,
    });
    assert_eq!(s.tally.count(Outcome::Queued), 2);
    assert_eq!(s.tally.count(Outcome::Invalid), 1);
    let s = s.reduce(Action::Finished {
        vantage: 0,
        run: 1,
        id: 0,
        result: result(Outcome::Up, 10.0),
    });
    let s = s.reduce(Action::Finished {
        vantage: 0,
        run: 1,
        id: 1,
        result: result(Outcome::Timeout, 30.0),
    });
    let s = s.reduce(Action::RunDone {
        run: 1,
        wall_ms: 31.0,
    });
    assert_eq!(s.history.len(), 1);
    assert_eq!(s.checkable_ids(true), [1]);
    assert_eq!(s.checkable_ids(false), [0, 1]);

    let s = s.reduce(Action::Recheck {
        run: run(2, Mode::Concurrent, false, 1),
        ids: vec![1],
    });
    assert_eq!(s.rows.borrow()[0].outcome(), Outcome::Up);
    assert_eq!(s.rows.borrow()[1].outcome(), Outcome::Queued);
    // A late result of run 1 must not touch the row.
    let s = s.reduce(Action::Finished {
        vantage: 0,
        run: 1,
        id: 1,
        result: result(Outcome::Down, 5.0),
    });
    assert_eq!(s.rows.borrow()[1].outcome(), Outcome::Queued);
    let s = s.reduce(Action::RunDone {
        run: 2,
        wall_ms: 3.0,
    });
    assert_eq!(s.history.len(), 1, "re-checks are not whole-list runs");
}

#[test]
fn both_modes_on_the_same_list_are_compared() {
    let list = Rc::new(parse_list("a.com"));
    let mut s = Rc::new(State::default());
    for (id, mode) in [(1, Mode::Sequential), (2, Mode::Concurrent)] {
        s = s.reduce(Action::Start {
            run: run(id, mode, true, 1),
            list: list.clone(),
            read_ms: 1.0,
        });
        s = s.reduce(Action::Finished {
            vantage: 0,
            run: id,
            id: 0,
            result: result(Outcome::Up, 100.0),
        });
        s = s.reduce(Action::RunDone {
            run: id,
            wall_ms: 100.0 / id as f64,
        });
    }
    let (seq, conc) = s.comparison().unwrap();
    assert_eq!((seq.mode, conc.mode), (Mode::Sequential, Mode::Concurrent));
    assert_eq!(conc.wall_ms, 50.0);
}

#[test]
fn a_site_going_down_and_up_again_is_two_transitions() {
    let list = Rc::new(parse_list("a.com"));
    let mut s = Rc::new(State::default()).reduce(Action::Start {
        run: run(1, Mode::Concurrent, true, 1),
        list,
        read_ms: 1.0,
    });
    for (id, outcome) in [
        (1, Outcome::Up),
        (2, Outcome::Down),
        (3, Outcome::Down),
        (4, Outcome::Up),
    ] {
        if id > 1 {
            s = s.reduce(Action::Recheck {
                run: run(id, Mode::Concurrent, false, 1),
                ids: vec![0],
            });
        }
        s = s.reduce(Action::Finished {
            vantage: 0,
            run: id,
            id: 0,
            result: result(outcome, 1.0),
        });
    }
    let seen: Vec<_> = s
        .transitions
        .iter()
        .map(|t| (t.seq, t.from, t.to))
        .collect();
    assert_eq!(
        seen,
        [
            (1, Outcome::Up, Outcome::Down),
            (2, Outcome::Down, Outcome::Up)
        ]
    );
    let row = s.rows.borrow()[0].clone();
    assert_eq!(row.history.len(), 4);
    assert_eq!(row.uptime(), Some(0.5));
}

#[test]
fn rows_keep_their_lines_options_and_flaky_passes_are_counted() {
    let list = Rc::new(parse_list(
        "a.com contains=\"Add to cart\" slow=800ms\nb.com\nc.com retries=9\n",
    ));
    let s = Rc::new(State::default()).reduce(Action::Start {
        run: run(1, Mode::Concurrent, true, 2),
        list,
        read_ms: 1.0,
    });
    {
        let rows = s.rows.borrow();
        assert_eq!(rows[0].options.contains, ["Add to cart"]);
        assert_eq!(rows[0].options.slow_ms, Some(800));
        assert!(rows[1].options.is_empty());
        assert_eq!(rows[2].outcome(), Outcome::Invalid);
        assert!(
            rows[2].detail().starts_with("line 3: option 'retries': "),
            "{}",
            rows[2].detail()
        );
    }
    let flaky = CheckResult {
        tries: 2,
        max_tries: 3,
        ..result(Outcome::Up, 10.0)
    };
    let s = s.reduce(Action::Finished {
        vantage: 0,
        run: 1,
        id: 0,
        result: flaky,
    });
    let s = s.reduce(Action::Finished {
        vantage: 0,
        run: 1,
        id: 1,
        result: CheckResult {
            tries: 3,
            max_tries: 3,
            ..result(Outcome::Down, 10.0)
        },
    });
    // A failure after every try is not a flaky pass.
    assert_eq!(s.flaky, 1);
    // Checked again and up at once: no longer flaky.
    let s = s.reduce(Action::Recheck {
        run: run(2, Mode::Concurrent, false, 1),
        ids: vec![0],
    });
    assert_eq!(s.flaky, 0, "a queued row is not flaky");
    let s = s.reduce(Action::Finished {
        vantage: 0,
        run: 2,
        id: 0,
        result: result(Outcome::Slow, 900.0),
    });
    assert_eq!((s.flaky, s.tally.count(Outcome::Slow)), (0, 1));
}

#[test]
fn results_saved_before_tries_existed_come_back() {
    // What local storage held before this page knew about tries and options.
    let old = r#"{"https://a.com/":{"result":{"outcome":"up","status":200,"latency_ms":12.5,
        "busy_ms":13.0,"detail":"HTTP 200 OK","final_url":null},"history":["up","down"]}}"#;
    let saved: HashMap<String, Saved> = serde_json::from_str(old).unwrap();
    let s = Rc::new(State::default()).reduce(Action::Restore {
        list: Rc::new(parse_list("a.com slow=1s")),
        saved: Rc::new(saved),
    });
    let row = s.rows.borrow()[0].clone();
    assert_eq!(row.outcome(), Outcome::Up);
    assert_eq!(row.options.slow_ms, Some(1000));
    let result = row.result().unwrap();
    assert_eq!((result.tries, result.max_tries), (1, 1));
    assert!(row.stale && s.flaky == 0);
}

#[test]
fn a_run_record_keeps_each_sites_bar_and_a_recheck_starts_a_new_clock() {
    let timed = |outcome, start: f64, end: f64| CheckResult {
        span: Some(upcheck_core::Span::new(start, end)),
        ..result(outcome, end - start)
    };
    let list = Rc::new(parse_list("a.com\nb.com\nftp://c"));
    let mut s = Rc::new(State::default()).reduce(Action::Start {
        run: run(1, Mode::Sequential, true, 2),
        list,
        read_ms: 1.0,
    });
    for (id, start, end) in [(0, 0.0, 10.0), (1, 10.0, 30.0)] {
        s = s.reduce(Action::Finished {
            vantage: 0,
            run: 1,
            id,
            result: timed(Outcome::Up, start, end),
        });
    }
    let s = s.reduce(Action::RunDone {
        run: 1,
        wall_ms: 31.0,
    });
    let bars = &s.history[0].bars;
    assert_eq!(bars.len(), 2, "the invalid line was never timed");
    assert_eq!((bars[1].id, bars[1].start, bars[1].end), (1, 10.0, 30.0));

    let s = s.reduce(Action::Recheck {
        run: run(2, Mode::Concurrent, false, 1),
        ids: vec![1],
    });
    let rows = s.rows.borrow();
    assert_eq!(rows[0].outcome(), Outcome::Up, "the result stays");
    assert!(
        rows[0].result().unwrap().span.is_none(),
        "but not on the new run's clock"
    );
    assert_eq!(s.history[0].bars.len(), 2, "the record keeps its bars");
}

#[test]
fn several_vantage_points_make_one_verdict_per_row() {
    use upcheck_core::{Reach, Vantage};
    let places = Rc::new(vec![Vantage::browser(), Vantage::proxy("home")]);
    let everywhere = |id| RunInfo {
        vantages: places.clone(),
        ..run(id, Mode::Concurrent, true, 2)
    };
    let list = Rc::new(parse_list("a.com\nb.com"));
    let s = Rc::new(State::default()).reduce(Action::Start {
        run: everywhere(1),
        list,
        read_ms: 1.0,
    });
    assert_eq!(s.rows.borrow()[0].seen.len(), 2);
    let finished = |vantage, id, outcome| Action::Finished {
        run: 1,
        id,
        vantage,
        result: result(outcome, 10.0),
    };
    let s = s.reduce(Action::Checking {
        run: 1,
        id: 0,
        vantage: 1,
        since_ms: 0.0,
    });
    let s = s.reduce(finished(0, 0, Outcome::Unreachable));
    // One vantage point has answered: the row waits for the other.
    assert_eq!(s.rows.borrow()[0].outcome(), Outcome::Checking);
    assert_eq!(s.tally.count(Outcome::Unreachable), 0);
    let s = s.reduce(finished(1, 0, Outcome::Up));
    let row = s.rows.borrow()[0].clone();
    assert_eq!(row.outcome(), Outcome::Up);
    assert_eq!(row.result().and_then(|r| r.reach), Some(Reach::Split));
    assert!(
        row.detail().starts_with("not from this browser"),
        "{}",
        row.detail()
    );
    assert_eq!(row.history, [Outcome::Up]);
    assert_eq!((s.tally.count(Outcome::Up), s.tally.sum_ms), (1, 20.0));
    // A re-check from one place drops the cells of the other places.
    let s = s.reduce(Action::Recheck {
        run: run(2, Mode::Concurrent, false, 1),
        ids: vec![1],
    });
    assert!(s.rows.borrow().iter().all(|r| r.seen.is_empty()));
}
