//! `upcheck check` as a person or a CI job runs it: the real binary, lists
//! in files and on standard input, against the fixture on loopback. Each
//! test asserts what the person would read (the table, the formats) and the
//! exit code a CI job acts on.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::Ordering;
use upcheck_core::wire::CheckLine;
use upcheck_core::Outcome;
use upcheck_fixture::Fixture;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn upcheck(args: &[&str], stdin: Option<&str>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_upcheck"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the upcheck binary runs");
    let mut input = child.stdin.take().expect("stdin is piped");
    // A run refused for its flags exits before it reads the list, and may
    // close the pipe while this is still writing: its exit code and message
    // are what is asserted, so a write it never read is not a failure.
    match input.write_all(stdin.unwrap_or("").as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            panic!("writing upcheck's standard input: {e}")
        }
        _ => {}
    }
    drop(input);
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    Run {
        code: status.code().expect("upcheck exited, not killed"),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

fn list_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("upcheck-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

async fn fixture() -> Fixture {
    Fixture::start(1)
        .await
        .expect("the fixture starts on loopback")
}

fn lines(stdout: &str) -> Vec<CheckLine> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_site_up_exits_zero_with_a_table_in_list_order() {
    let fx = fixture().await;
    let list = format!(
        "# my sites\n{}\n{} # the slow one\n\n{}\n",
        fx.url(0, "/delay/300"),
        fx.url(0, "/status/204"),
        fx.url(0, "/redirect/2"),
    );
    let path = list_file("all-up.txt", &list);
    let run = upcheck(&["check", "--allow-private", path.to_str().unwrap()], None);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let rows: Vec<&str> = run.stdout.lines().collect();
    assert!(rows[0].starts_with("OUTCOME"), "{}", run.stdout);
    assert_eq!(rows.len(), 4, "{}", run.stdout);
    // List order, not completion order: the 300 ms site is first.
    assert!(
        rows[1].starts_with("✓ up") && rows[1].contains("/delay/300"),
        "{}",
        run.stdout
    );
    assert!(
        rows[2].contains(" 204 ") && rows[2].contains("/status/204"),
        "{}",
        run.stdout
    );
    assert!(rows[3].contains("/redirect/2"), "{}", run.stdout);
    assert!(
        run.stderr.contains("3 sites in") && run.stderr.contains("3 up; 0 failing"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_exit_one_and_jsonl_is_the_proxys_line_format() {
    let fx = fixture().await;
    let list = format!(
        "{}\n{}\n{}\nhttp://127.0.0.1:{}/\n{} contains=nowhere\n",
        fx.url(0, "/status/200"),
        fx.url(0, "/status/503"),
        fx.url(0, "/hang"),
        fx.closed_port(),
        fx.url(0, "/text/hello"),
    );
    let run = upcheck(
        &[
            "check",
            "--allow-private",
            "--format",
            "jsonl",
            "--timeout",
            "500ms",
            "-",
        ],
        Some(&list),
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let mut got: Vec<(usize, Outcome)> = lines(&run.stdout)
        .iter()
        .map(|l| (l.index, l.outcome))
        .collect();
    // Streamed in completion order: the hanging site ends last.
    assert_eq!(got.last(), Some(&(2, Outcome::Timeout)), "{}", run.stdout);
    got.sort();
    assert_eq!(
        got,
        [
            (0, Outcome::Up),
            (1, Outcome::Down),
            (2, Outcome::Timeout),
            (3, Outcome::Unreachable),
            (4, Outcome::Down),
        ]
    );
    let parsed = lines(&run.stdout);
    let down = parsed.iter().find(|l| l.index == 1).unwrap();
    assert_eq!(down.status, Some(503));
    assert!(
        down.timings_ms.connect.is_some(),
        "the engine's timings are there: {down:?}"
    );
    let refused = parsed.iter().find(|l| l.index == 3).unwrap();
    assert_eq!(
        refused.error.as_ref().map(|e| e.kind.as_str()),
        Some("refused")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn loopback_is_refused_unless_allowed_and_fail_on_chooses_what_fails() {
    let fx = fixture().await;
    let list = format!(
        "{}\n{}\n",
        fx.url(0, "/status/200"),
        fx.url(0, "/status/404")
    );
    let before = fx.stats().requests.load(Ordering::SeqCst);
    let run = upcheck(&["check", "-"], Some(&list));
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout.matches("⊖ blocked").count(), 2, "{}", run.stdout);
    assert!(
        run.stdout.contains("127.0.0.1 is a loopback address"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("--allow-private checks them"),
        "{}",
        run.stderr
    );
    assert_eq!(
        fx.stats().requests.load(Ordering::SeqCst),
        before,
        "nothing reached the fixture"
    );

    // A 404 passes when only timeouts fail the run.
    let run = upcheck(
        &["check", "--allow-private", "--fail-on", "timeout", "-"],
        Some(&list),
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("✗ down"), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn csv_markdown_and_junit_carry_every_site() {
    let fx = fixture().await;
    let path = list_file(
        "formats.txt",
        &format!(
            "{} contains=hello\n{}\n",
            fx.url(0, "/text/hello"),
            fx.url(0, "/status/500")
        ),
    );
    let file = path.to_str().unwrap();
    let csv = upcheck(&["check", "--allow-private", "--format", "csv", file], None);
    assert_eq!(csv.code, 1);
    let mut reader = csv::Reader::from_reader(csv.stdout.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 2, "{}", csv.stdout);
    assert_eq!(
        (&records[0][0], &records[0][2], &records[0][3]),
        ("1", "contains=hello", "up")
    );
    assert_eq!((&records[1][3], &records[1][4]), ("down", "500"));

    let md = upcheck(&["check", "--allow-private", "--format", "md", file], None);
    assert!(
        md.stdout.starts_with("| line | outcome | URL |"),
        "{}",
        md.stdout
    );
    assert!(md.stdout.contains("| 2 | ✗ down |"), "{}", md.stdout);

    let junit = upcheck(
        &["check", "--allow-private", "--format", "junit", file],
        None,
    );
    let xml = &junit.stdout;
    assert!(
        xml.contains("<testsuites name=\"upcheck\" tests=\"2\" failures=\"1\""),
        "{xml}"
    );
    assert!(xml.contains(&format!("classname=\"{file}:2\"")), "{xml}");
    assert!(
        xml.contains("<failure type=\"down\" message=\"HTTP 500 Internal Server Error\">"),
        "{xml}"
    );
    assert_eq!(xml.matches("<testcase ").count(), 2, "{xml}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_concurrency_limit_holds_and_sites_run_side_by_side() {
    let fx = fixture().await;
    let list: String = (0..24)
        .map(|i| format!("{}\n", fx.url(0, &format!("/delay/200?n={i}"))))
        .collect();
    let run = upcheck(
        &[
            "check",
            "--allow-private",
            "--concurrency",
            "8",
            "--per-host",
            "64",
            "-",
        ],
        Some(&list),
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout.matches("✓ up").count(), 24, "{}", run.stdout);
    let peak = fx.stats().peak_in_flight.load(Ordering::SeqCst);
    assert!(
        (2..=8).contains(&peak),
        "at most 8 at once, and more than one: {peak}"
    );
}

#[test]
fn bad_input_exits_two_naming_the_file_and_line() {
    let missing = upcheck(&["check", "/nonexistent/sites.txt"], None);
    assert_eq!(missing.code, 2);
    assert!(
        missing
            .stderr
            .starts_with("upcheck: /nonexistent/sites.txt: "),
        "{}",
        missing.stderr
    );

    let path = list_file(
        "typo.txt",
        "https://localhost/\n\nftp://files.example/\nlocalhost:3000 timeout=fast\n",
    );
    let file = path.to_str().unwrap();
    // Nothing leaves the machine: localhost is loopback without a lookup,
    // refused without --allow-private; the bad lines are named.
    let run = upcheck(&["check", "--format", "csv", file], None);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains(&format!("upcheck: {file}:3: 'ftp:' cannot be checked")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!(
            "upcheck: {file}:4: option 'timeout': 'fast' is not a duration"
        )),
        "{}",
        run.stderr
    );
    // The rest of the list was still checked and reported.
    assert_eq!(run.stdout.lines().count(), 1 + 3, "{}", run.stdout);
    assert!(
        run.stdout.contains("https://localhost/,,blocked"),
        "{}",
        run.stdout
    );

    let flag = upcheck(
        &["check", "--fail-on", "sideways", "-"],
        Some("example.com\n"),
    );
    assert_eq!(flag.code, 2);
    assert!(
        flag.stderr.contains("'sideways' is not an outcome"),
        "{}",
        flag.stderr
    );
    let timeout = upcheck(&["check", "--timeout", "5m", "-"], Some("example.com\n"));
    assert_eq!(timeout.code, 2);
    assert!(
        timeout.stderr.contains("is not a duration"),
        "{}",
        timeout.stderr
    );

    let empty = upcheck(&["check", "-"], Some("# nothing\n"));
    assert_eq!(empty.code, 2);
    assert!(
        empty.stderr.contains("no sites to check in -"),
        "{}",
        empty.stderr
    );
}
