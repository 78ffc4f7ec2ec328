//! `upcheck`: the same checker as the page, in a terminal and in CI.
//!
//! `upcheck check [FILE|-]...` reads lists in the page's syntax (comments,
//! bare hosts, per-line options), checks them in this process with the
//! proxy's engine (`upcheck-engine`), and prints a table, JSON lines, CSV,
//! Markdown or JUnit. Exit codes: 0 every site passed, 1 some site failed
//! (`--fail-on`), 2 bad usage or a list that could not be read (every
//! message names the file and the line).

mod check;
mod list;
mod output;
mod via;

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use upcheck_core::options::{Defaults, MAX_RETRIES, MAX_SLOW_MS};
use upcheck_core::row::Row;
use upcheck_core::summary::{format_ms, Tally};
use upcheck_core::wire::{ErrorKind, Method};
use upcheck_core::{defaults, Outcome, StatusRule};
use upcheck_engine::{EngineConfig, Reach};

use output::Format;

/// Check whether websites are up, with the same list syntax and verdicts as
/// the Upcheck page.
#[derive(Debug, Parser)]
#[command(name = "upcheck", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check every site in the lists (files, or - for standard input).
    Check(CheckArgs),
}

/// The outcomes that fail a run unless `--fail-on` says otherwise: every
/// final outcome that is not an answer from the site.
const DEFAULT_FAIL_ON: &str = "down,limited,unreachable,timeout,blocked,invalid,cancelled";

#[derive(Debug, Args)]
struct CheckArgs {
    /// List files in the page's syntax, or CSV with a url column; - (or
    /// none) reads standard input.
    files: Vec<String>,
    /// What to print on standard output.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Checks in flight at once.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=4096))]
    concurrency: u32,
    /// Checks in flight at once to one host:port (and to each address).
    #[arg(long, default_value_t = defaults::PROXY_PER_HOST as u32, value_parser = clap::value_parser!(u32).range(1..=4096))]
    per_host: u32,
    /// Deadline of each try: 10s, 500ms, or seconds.
    #[arg(long, default_value = "10s", value_parser = parse_timeout)]
    timeout: u32,
    /// Final statuses that count as up, e.g. 200-299,401 (default 200-399).
    #[arg(long)]
    accept: Option<StatusRule>,
    /// Tries after a failure, a 5xx or a 429 (0-5), with backoff.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=MAX_RETRIES as i64))]
    retries: u8,
    /// An accepted answer slower than this is `slow`: 800ms, 2s.
    #[arg(long, value_parser = parse_slow)]
    slow: Option<u32>,
    /// Ask with HEAD instead of GET (a HEAD refused with 405/501 is asked again with GET).
    #[arg(long)]
    head: bool,
    /// Redirects to follow at most.
    #[arg(long, default_value_t = defaults::MAX_REDIRECTS, value_parser = clap::value_parser!(u32).range(0..=defaults::MAX_REDIRECTS_CAP as i64))]
    max_redirects: u32,
    /// Outcomes that make the exit code 1 (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = DEFAULT_FAIL_ON, value_parser = parse_outcome)]
    fail_on: Vec<Outcome>,
    /// Also check loopback and local-network addresses (10/8, 192.168/16,
    /// fd00::/8, link-local …). Off by default: a list from someone else
    /// must not make this machine probe its own network.
    #[arg(long)]
    allow_private: bool,
    /// A PEM file of CA certificates to trust besides the web roots
    /// (an intranet's CA); repeatable.
    #[arg(long = "ca-cert")]
    ca_certs: Vec<std::path::PathBuf>,
    /// Check through this Upcheck proxy instead of from here (repeatable:
    /// the list is split into batches over every proxy with room).
    #[arg(long = "via", value_name = "URL")]
    via: Vec<String>,
    /// Batches sent to each --via proxy at once (default: what the proxy
    /// admits from one client, from its /api/health). Raise it for a load
    /// balancer in front of several replicas.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    batches_per_proxy: Option<u32>,
    /// No progress bar, even on a terminal.
    #[arg(long)]
    no_progress: bool,
}

fn parse_duration_ms(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (number, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (t, 1000.0)
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("'{text}' is not a duration (e.g. 10s, 500ms)"))?;
    if !value.is_finite() || value < 0.0 {
        return Err(format!("'{text}' is not a duration (e.g. 10s, 500ms)"));
    }
    Ok((value * scale).round() as u64)
}

fn parse_timeout(text: &str) -> Result<u32, String> {
    let ms = parse_duration_ms(text)?;
    let (min, max) = (defaults::MIN_TIMEOUT_MS, defaults::MAX_TIMEOUT_MS);
    u32::try_from(ms)
        .ok()
        .filter(|ms| (min..=max).contains(ms))
        .ok_or_else(|| {
            format!(
                "must be {} to {}",
                format_ms(min.into()),
                format_ms(max.into())
            )
        })
}

fn parse_slow(text: &str) -> Result<u32, String> {
    let ms = parse_duration_ms(text)?;
    u32::try_from(ms)
        .ok()
        .filter(|ms| (1..=MAX_SLOW_MS).contains(ms))
        .ok_or_else(|| format!("must be 1 ms to {}", format_ms(MAX_SLOW_MS.into())))
}

fn parse_outcome(text: &str) -> Result<Outcome, String> {
    let finals = Outcome::ALL.iter().filter(|o| o.is_final());
    finals
        .clone()
        .find(|o| o.as_str() == text.trim())
        .copied()
        .ok_or_else(|| {
            let names: Vec<&str> = finals.map(|o| o.as_str()).collect();
            format!("'{text}' is not an outcome; one of {}", names.join(", "))
        })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => match check_lists(args) {
            Ok(code) => code,
            Err(message) => {
                eprintln!("upcheck: {message}");
                ExitCode::from(2)
            }
        },
    }
}

fn progress_bar(total: usize, show: bool) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:30} {pos}/{len} checked, {elapsed} {wide_msg}")
    {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn check_lists(args: CheckArgs) -> Result<ExitCode, String> {
    let lists = list::read(&args.files).map_err(|e| e.to_string())?;
    let settings = check::Settings {
        defaults: Defaults {
            accept: args.accept.unwrap_or_default(),
            slow_ms: args.slow,
            timeout_ms: args.timeout,
            retries: args.retries,
        },
        method: if args.head { Method::Head } else { Method::Get },
        max_redirects: args.max_redirects,
        concurrency: args.concurrency as usize,
    };
    let engine = EngineConfig {
        per_host: args.per_host as usize,
        global_concurrency: args.concurrency as usize,
        reach: if args.allow_private {
            Reach::LocalNetworks
        } else {
            Reach::Public
        },
        extra_root_certs: upcheck_engine::config::read_ca_certs(&args.ca_certs)?,
        ..EngineConfig::default()
    };
    let (mut rows, jobs) = check::prepare(&lists.sites, &settings)?;
    let bad_lines: Vec<&str> = rows
        .iter()
        .filter(|r| r.outcome() == Outcome::Invalid)
        .map(Row::detail)
        .collect();
    for line in &bad_lines {
        eprintln!("upcheck: {line}");
    }
    let invalid = bad_lines.len();

    let started = Instant::now();
    let bar = progress_bar(
        jobs.len(),
        !args.no_progress && std::io::stderr().is_terminal(),
    );
    let stdout = std::io::stdout();
    let streaming = args.format == Format::Jsonl;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let via = if args.via.is_empty() {
        None
    } else {
        let tls = via::tls(&engine.extra_root_certs);
        let proxies = runtime.block_on(via::discover(&args.via, &tls))?;
        Some((proxies, tls))
    };
    // Through a proxy a site travels as its URL and its line's options.
    let targets: Vec<(usize, upcheck_core::wire::Target)> = match via {
        Some(_) => jobs
            .iter()
            .map(|(id, job)| {
                let target = upcheck_core::wire::Target {
                    url: job.url.clone(),
                    options: rows[*id].options.clone(),
                };
                (*id, target)
            })
            .collect(),
        None => Vec::new(),
    };
    let on_line = |line: upcheck_core::wire::CheckLine| {
        bar.inc(1);
        bar.set_message(format!("{} {}", line.outcome.as_str(), line.url));
        if streaming {
            // One line per site, flushed as it ends, like the proxy's stream.
            let mut out = stdout.lock();
            let _ = serde_json::to_writer(&mut out, &line);
            let _ = out.write_all(b"\n");
            let _ = out.flush();
        }
        check::settle(&mut rows, line);
    };
    match via {
        None => runtime.block_on(check::run(engine, &settings, jobs, on_line)),
        Some((proxies, tls)) => {
            let per_proxy = args.batches_per_proxy.map(|n| n as usize);
            runtime.block_on(via::run(
                proxies, &settings, targets, per_proxy, tls, on_line,
            ));
        }
    }
    bar.finish_and_clear();
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;

    let failing = |o: Outcome| args.fail_on.contains(&o);
    let mut out = stdout.lock();
    if streaming {
        // Invalid lines were never checked; they end the stream, in order.
        for row in rows.iter().filter(|r| r.outcome() == Outcome::Invalid) {
            let _ = serde_json::to_writer(&mut out, &upcheck_core::export::as_line(row));
            let _ = out.write_all(b"\n");
        }
    } else {
        let report = output::report(args.format, &lists.sites, &rows, &failing);
        out.write_all(report.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| format!("cannot write the report: {e}"))?;
    }

    let mut tally = Tally::default();
    for r in &rows {
        tally.add(r.outcome());
    }
    let counts: Vec<String> = Outcome::ALL
        .iter()
        .filter(|&&o| tally.count(o) > 0)
        .map(|&o| format!("{} {}", tally.count(o), o.as_str()))
        .collect();
    let failed = rows.iter().filter(|r| failing(r.outcome())).count();
    eprintln!(
        "upcheck: {} sites in {}: {}; {failed} failing",
        rows.len(),
        format_ms(wall_ms),
        counts.join(", ")
    );
    let private = rows
        .iter()
        .filter_map(Row::result)
        .filter(|r| {
            r.proxy
                .as_ref()
                .and_then(|l| l.error.as_ref())
                .is_some_and(|e| e.kind == ErrorKind::PrivateAddress)
        })
        .count();
    if private > 0 && !args.allow_private {
        eprintln!(
            "upcheck: {private} sites were refused as private or loopback; --allow-private checks them"
        );
    }
    if lists.duplicates > 0 {
        eprintln!(
            "upcheck: {} duplicate lines were checked once",
            lists.duplicates
        );
    }
    Ok(if invalid > 0 {
        ExitCode::from(2)
    } else if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
