//! The GitHub Action (`action.yml` at the top level): its check step,
//! `scripts/action.sh check`, run exactly as the composite action runs it —
//! inputs in the environment, GitHub's `GITHUB_STEP_SUMMARY` and
//! `GITHUB_OUTPUT` files, the workspace as the working directory — with the
//! real `upcheck` binary against the fixture on loopback. What is asserted is
//! what a person sees on GitHub: the job summary, the annotations on a list's
//! bad lines, the step's outputs and whether the job fails.

use std::path::{Path, PathBuf};
use std::process::Command;
use upcheck_fixture::Fixture;

/// A fresh workspace directory, like `$GITHUB_WORKSPACE`.
fn workspace(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("upcheck-action-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Step {
    code: i32,
    /// The job's log: the workflow commands (`::error ...`) and the table.
    stdout: String,
    stderr: String,
    summary: String,
    outputs: String,
}

/// `scripts/action.sh check` in `ws`, with action.yml's env mapping.
fn check_step(ws: &Path, lists: &str, fail_on: &str, args: &[&str]) -> Step {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/action.sh");
    let summary = ws.join("step-summary.md");
    let outputs = ws.join("github-output.txt");
    let temp = ws.join("runner-temp");
    std::fs::create_dir_all(&temp).unwrap();
    let out = Command::new("bash")
        .arg(&script)
        .arg("check")
        .current_dir(ws)
        .env("UPCHECK_BIN", env!("CARGO_BIN_EXE_upcheck"))
        .env("UPCHECK_LISTS", lists)
        .env("UPCHECK_FAIL_ON", fail_on)
        .env("UPCHECK_ARGS", args.join("\n"))
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .env("RUNNER_TEMP", &temp)
        .output()
        .expect("bash runs scripts/action.sh");
    Step {
        code: out.status.code().expect("the step exited, not killed"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        outputs: std::fs::read_to_string(&outputs).unwrap_or_default(),
    }
}

async fn fixture() -> Fixture {
    Fixture::start(1)
        .await
        .expect("the fixture starts on loopback")
}

/// The summary's table row for `url`, if any.
fn summary_row<'a>(summary: &'a str, url: &str) -> Option<&'a str> {
    summary
        .lines()
        .find(|l| l.starts_with('|') && l.contains(url))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_down_site_fails_the_job_and_the_summary_shows_the_table() {
    let fx = fixture().await;
    let ws = workspace("down");
    let up = fx.url(0, "/status/200");
    let down = fx.url(0, "/status/503");
    std::fs::write(ws.join("sites.txt"), format!("# ours\n{up}\n{down}\n")).unwrap();

    let step = check_step(&ws, "sites.txt\n", "", &["--allow-private"]);

    assert_eq!(step.code, 1, "{}{}", step.stdout, step.stderr);
    assert!(
        step.summary.starts_with("## Upcheck: sites.txt")
            && step
                .summary
                .contains("**Some sites failed** (exit code 1)."),
        "{}",
        step.summary
    );
    let up_row = summary_row(&step.summary, &up).expect("a row for the up site");
    assert!(
        up_row.contains("✓ up") && up_row.contains("| 200 |"),
        "{up_row}"
    );
    let down_row = summary_row(&step.summary, &down).expect("a row for the 503");
    assert!(
        down_row.contains("down") && down_row.contains("| 503 |"),
        "{down_row}"
    );
    // upcheck's own account is in the summary too, verbatim.
    assert!(step.summary.contains("2 sites in"), "{}", step.summary);
    // The table is in the job's log as well.
    assert!(
        summary_row(&step.stdout, &down).is_some(),
        "{}",
        step.stdout
    );
    // The step's outputs.
    assert!(
        step.outputs.lines().any(|l| l == "exit-code=1"),
        "{}",
        step.outputs
    );
    let report = step
        .outputs
        .lines()
        .find_map(|l| l.strip_prefix("report="))
        .expect("a report output");
    let report = std::fs::read_to_string(report).expect("the report file exists");
    assert!(summary_row(&report, &down).is_some(), "{report}");

    // --fail-on through the input: a 503 is no failure when only timeouts are.
    let step = check_step(&ws, "sites.txt", "timeout", &["--allow-private"]);
    assert_eq!(step.code, 0, "{}{}", step.stdout, step.stderr);
    assert!(
        step.summary.contains("Every site passed."),
        "{}",
        step.summary
    );
    assert!(step.outputs.lines().any(|l| l == "exit-code=0"));
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_lines_become_annotations_on_the_list_file_and_the_rest_is_checked() {
    let fx = fixture().await;
    let ws = workspace("bad");
    let up = fx.url(0, "/status/204");
    std::fs::create_dir_all(ws.join("lists")).unwrap();
    std::fs::write(
        ws.join("lists/team, a%b.txt"),
        format!("{up}\nhttp://[1::x]/\n{up}?again status=200-299\nftp://files.example/\n"),
    )
    .unwrap();

    let step = check_step(&ws, "lists/team, a%b.txt", "", &["--allow-private"]);

    assert_eq!(step.code, 2, "{}{}", step.stdout, step.stderr);
    // One annotation per bad line, on that line of that file, with the file
    // name's ',' and '%' encoded as GitHub's workflow commands require.
    let annotations: Vec<&str> = step
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(annotations.len(), 2, "{}", step.stdout);
    assert!(
        annotations[0].starts_with("::error file=lists/team%2C a%25b.txt,line=2,title=upcheck::"),
        "{}",
        annotations[0]
    );
    assert!(
        annotations[1].starts_with("::error file=lists/team%2C a%25b.txt,line=4,title=upcheck::"),
        "{}",
        annotations[1]
    );
    // The good lines were still checked and are in the summary.
    assert!(
        step.summary
            .contains("**The check could not run as asked** (exit code 2)."),
        "{}",
        step.summary
    );
    let rows = step
        .summary
        .lines()
        .filter(|l| l.contains(&up) && l.contains("✓ up"))
        .count();
    assert_eq!(rows, 2, "{}", step.summary);
}

#[tokio::test(flavor = "multi_thread")]
async fn inputs_are_data_never_shell_code() {
    let fx = fixture().await;
    let ws = workspace("inject");
    let up = fx.url(0, "/status/200");
    // A list whose name is shell syntax, and args that would run a command if
    // the script expanded them.
    let name = "$(touch pwned-by-name) `touch pwned-by-tick`.txt";
    std::fs::write(ws.join(name), format!("{up}\n")).unwrap();

    let step = check_step(
        &ws,
        name,
        "down",
        &[
            "--allow-private",
            "--timeout",
            "5s",
            "; touch pwned-by-args",
        ],
    );

    // The last "argument" is read as a file name that does not exist: the
    // run is refused as bad usage (2) naming it, and nothing was executed.
    assert_eq!(step.code, 2, "{}{}", step.stdout, step.stderr);
    assert!(
        step.stderr.contains("; touch pwned-by-args"),
        "{}",
        step.stderr
    );
    for marker in ["pwned-by-name", "pwned-by-tick", "pwned-by-args"] {
        assert!(!ws.join(marker).exists(), "{marker} was created");
    }

    // Without the stray argument, the oddly named list is checked as it is.
    let step = check_step(&ws, name, "down", &["--allow-private"]);
    assert_eq!(step.code, 0, "{}{}", step.stdout, step.stderr);
    assert!(
        summary_row(&step.summary, &up).is_some(),
        "{}",
        step.summary
    );
    assert!(!ws.join("pwned-by-name").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn no_list_named_is_a_clear_error() {
    let ws = workspace("none");
    let step = check_step(&ws, "  \n\n", "", &[]);
    assert_eq!(step.code, 2);
    assert!(
        step.stdout
            .contains("::error title=upcheck::the 'lists' input names no list file"),
        "{}",
        step.stdout
    );
    assert!(step.outputs.lines().any(|l| l == "exit-code=2"));
}

#[test]
fn action_yml_runs_this_script_with_inputs_in_the_environment() {
    let yml =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../action.yml"))
            .expect("action.yml at the repository's top level");
    assert!(yml.contains("using: composite"), "{yml}");
    assert!(
        yml.contains(r#"run: '"$GITHUB_ACTION_PATH/scripts/action.sh" install'"#)
            && yml.contains(r#"run: '"$GITHUB_ACTION_PATH/scripts/action.sh" check'"#),
        "{yml}"
    );
    for (var, input) in [
        ("UPCHECK_LISTS", "lists"),
        ("UPCHECK_FAIL_ON", "fail-on"),
        ("UPCHECK_ARGS", "args"),
    ] {
        assert!(
            yml.contains(&format!("{var}: ${{{{ inputs.{input} }}}}")),
            "{var} is not mapped from inputs.{input}"
        );
    }
    // No input is interpolated into a `run:` line (script injection).
    for line in yml.lines().filter(|l| l.trim_start().starts_with("run:")) {
        assert!(
            !line.contains("${{"),
            "input pasted into shell code: {line}"
        );
    }
}
