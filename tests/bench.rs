//! Upcheck's benchmarks (issue 7): run by `./bench`, never by `./test`.
//!
//! One fixture (`upcheck_fixture`, in this process, on [`PORTS`] loopback
//! ports) serves one list per size N: N URLs `/cors/delay/500?n=i` spread over
//! the ports. Every checker gets that same list in the same run:
//!
//! - **proxy mode**: the shipped `upcheck-proxy` (`--release`), a fresh process
//!   per measurement so its peak RSS (VmHWM) is that run's, driven through one
//!   streamed `POST /api/check` by `crates/proxy/examples/throughput.rs`; at the
//!   default batch concurrency (256) and at `--concurrency 1024`;
//! - **direct mode**: the release page (`dist/`, served by the proxy library)
//!   in headless Chromium through chromedriver (`tests/e2e/`): wall time as the
//!   page reports it (`#summary[data-wall-ms]`), time to the first finished row
//!   (MutationObserver), the longest main-thread task (Long Tasks API);
//! - **baselines**: `benchmarks/thread_per_url.py` (one `threading.Thread` per URL,
//!   `requests.get(url, timeout=5)`), `benchmarks/for_loop.py` (N = 100 only), and
//!   lychee (`UPCHECK_LYCHEE`, else on PATH; 256 at once);
//! - **the CLI against lychee** (`cli`, `tests/bench/cli.rs`): the release
//!   `upcheck check` and lychee 0.24.2 on the same list at N = 1,000 and
//!   10,000 (fixed, not `UPCHECK_BENCH_SIZES`), the same 1,024 requests at
//!   once, three runs each: wall time, peak RSS and CPU time (`wait4`);
//! - **first usable time** (`first-load`, `tests/bench/first_load.rs`): the
//!   release page in headless Chromium throttled to Lighthouse's mobile
//!   profile through the DevTools protocol, three loads, against 1.5 s;
//! - **scale-out through nginx** (`scale`, `tests/bench/scale.rs`): 100,000
//!   URLs through the shipped `deploy/nginx/upcheck.conf` in front of 1, 2
//!   and 4 release `upcheck-proxy` replica processes, driven by one
//!   `upcheck check --via`: wall against ideal, speed-up, each replica's
//!   batches (nginx's access log) and peak RSS (`VmHWM`), and every process's
//!   CPU time.
//!
//! - **every vantage point at once** (`vantages`, `tests/bench/vantages.rs`):
//!   1,000 sites checked by the release page from this browser, from each of
//!   two remote proxies (127.0.0.2, 127.0.0.3) alone, then from all three
//!   side by side: the wall times and the ratio to the slowest alone.
//!
//! Before any of that it weighs the page (`dist/` wasm, js and css, raw and
//! `gzip -9`) and fails if the gzip total is over `budget.toml`.
//!
//! Settings (environment; `./bench` sets them):
//! - `UPCHECK_BENCH_SIZES` — list sizes, default `100,1000,10000`;
//! - `UPCHECK_BENCH_CASES` — `all` (default) or a comma list of `weight`,
//!   `proxy`, `direct`, `python`, `lychee`, `protocol`, `cli`, `scale`,
//!   `vantages`, `first-load`: which measurements run;
//! - `UPCHECK_BENCH_OUT` — write the report into this Markdown file (between
//!   `<!-- bench:begin -->` and `<!-- bench:end -->`, keeping the rest; not
//!   when only `cli`/`scale` ran); `cli` and `scale` write their own sections,
//!   between `<!-- bench:cli:begin -->`/`<!-- bench:cli:end -->` and the same
//!   with `scale`;
//! - `UPCHECK_BENCH_COMMAND` — the command line recorded in the report;
//! - `UPCHECK_BENCH_PROXY`, `UPCHECK_BENCH_THROUGHPUT`, `UPCHECK_BENCH_CLI` —
//!   the proxy binary, the throughput example and the CLI (default
//!   `target/release/…`);
//! - `UPCHECK_LYCHEE` — lychee (`ensure_lychee` exports it; default: on PATH;
//!   empty: not run, with `UPCHECK_LYCHEE_WHY`); `UPCHECK_NGINX` — nginx
//!   (`ensure_nginx`; default `/usr/sbin/nginx` or on PATH);
//! - `UPCHECK_BENCH_CLI_SIZES` — the `cli` case's sizes (default `1000,10000`);
//! - `UPCHECK_BENCH_SCALE_N`, `UPCHECK_BENCH_SCALE_KS`, `UPCHECK_BENCH_SCALE_S`
//!   — the `scale` case's URLs (100,000), replica counts (`1,2,4`) and each
//!   replica's global concurrency (1024), for a quick try;
//! - `UPCHECK_BENCH_PAGE_CONCURRENCY` — the page's concurrency in direct mode
//!   (default 256, its maximum);
//! - `UPCHECK_BENCH_PYTHON` — a Python with `requests` (default `python3`;
//!   empty: the baselines are reported as not run, with
//!   `UPCHECK_BENCH_PYTHON_WHY`).

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
#[allow(dead_code)]
// The shared e2e harness, in tests/e2e/. The `path` is for rustfmt only: with
// tests/bench/ next to this file it would look for these modules in there.
#[path = "e2e"]
mod e2e {
    #[path = "../common/contract.rs"]
    pub mod contract;
    pub mod driver;
    pub mod page;
    pub mod site;
}

#[cfg(not(target_arch = "wasm32"))]
#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    match bench::run().await {
        Ok(0) => {}
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("bench failed: {e}");
            std::process::exit(1);
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod bench {
    // The benchmark's parts, in tests/bench/ (an inline module, so its files
    // are not test targets): a module for each thing it measures, the report,
    // and what they share. `run` below is the order they run in.
    mod baselines;
    mod cli;
    mod common;
    mod direct;
    mod first_load;
    mod proxy;
    mod report;
    mod scale;
    mod vantages;
    mod weight;

    use super::e2e::site::Site;
    use baselines::{baseline, run_lychee};
    use common::{env_or, loadavg, lychee, measured, raise_fd_limit, root, show, Error, Row};
    use common::{DIRECT, FLOOR, LOOP, LYCHEE, PROXY, THREADS};
    use direct::direct;
    use proxy::proxy;
    use report::{report, results_table, targets, write_between_markers, write_section, Report};
    use std::path::Path;
    use upcheck_fixture::Fixture;
    use weight::{wasm_contributors, weigh_page};

    /// Loopback ports the fixture listens on: 256 × 6 per host:port = 1536
    /// slots, so neither the browser's 256 sockets nor the proxy's 1024 are
    /// held back by its per-host limit.
    const PORTS: usize = 256;
    /// Every site answers after this long.
    const DELAY_MS: u64 = 500;
    /// The proxy's per-host limit and the browser's connections per host:port.
    const PER_HOST: usize = 6;
    /// Chromium's socket pool: at most 256 connections in all.
    const BROWSER_SOCKETS: usize = 256;
    /// The page's concurrency field goes up to 256.
    const PAGE_CONCURRENCY: usize = 256;
    /// The proxy's batch concurrencies measured: its default and its global cap.
    const PROXY_CONCURRENCIES: [usize; 2] = [256, 1024];
    /// lychee's `--max-concurrency` in the main table (Python and the proxy's
    /// default batch concurrency's 256; the `cli` case runs it at 1,024).
    const BATCH_LYCHEE: usize = 256;
    /// Checks in the HTTP/2-against-HTTP/1.1 comparison.
    const PROTOCOL_N: usize = 10_000;
    /// The for-loop baseline's wall time is the sum: only this small a list.
    const LOOP_MAX_N: usize = 100;

    pub async fn run() -> Result<i32, Error> {
        let cases = env_or("UPCHECK_BENCH_CASES", "all");
        let wants = |case: &str| cases == "all" || cases.split(',').any(|c| c.trim() == case);
        let sizes: Vec<usize> = env_or("UPCHECK_BENCH_SIZES", "100,1000,10000")
            .split(',')
            .map(|s| s.trim().parse())
            .collect::<Result<_, _>>()
            .map_err(|e| format!("UPCHECK_BENCH_SIZES: {e}"))?;
        raise_fd_limit();
        let load_before = loadavg();

        // 1. Page weight: cheap, and a failure here ends the run.
        let weight = weigh_page()?;
        println!("{}", weight.table());
        // A profiling run's wasm keeps its names (./bench): not the shipped size.
        let profiling = std::env::var_os("UPCHECK_BENCH_PROFILE").is_some();
        if profiling {
            eprintln!(
                "bench: UPCHECK_BENCH_PROFILE is set: the wasm has names, weight not checked"
            );
        } else if !weight.within_budget() {
            eprintln!(
                "bench: the page weighs {} bytes gzip, over the budget of {} bytes in \
                 budget.toml. Shrink it, or raise the budget on purpose in the same commit.",
                weight.gzip_total(),
                weight.budget
            );
            return Ok(1);
        }
        let sizes_md = if wants("weight") {
            wasm_contributors()
        } else {
            String::new()
        };
        if cases == "weight" {
            return Ok(0);
        }

        // 2. One fixture for every checker; the same list per N for all.
        let fixture = Fixture::start(PORTS).await?;
        let site = if wants("direct") {
            Some(Site::start().await)
        } else {
            None
        };
        let python = env_or("UPCHECK_BENCH_PYTHON", "python3");
        let python_why = env_or("UPCHECK_BENCH_PYTHON_WHY", "no Python with requests");
        let lychee = lychee();
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench");
        std::fs::create_dir_all(&dir)?;
        let out = std::env::var("UPCHECK_BENCH_OUT").ok();
        // The measurements of the full report; `cli` and `scale` have sections of their own.
        let main_cases = ["proxy", "direct", "python", "lychee", "protocol"];
        let mut rows = Vec::new();
        let sizes = if main_cases.iter().any(|c| wants(c)) {
            sizes
        } else {
            Vec::new()
        };
        for &n in &sizes {
            let (list, list_file) = write_list(&fixture, n, &dir)?;
            let hosts = n.min(PORTS);
            println!("--- N = {n} ({hosts} host:ports)");

            if wants("proxy") {
                for c in PROXY_CONCURRENCIES {
                    let row = measured(&fixture, proxy(n, &list_file, c, hosts, &dir).await);
                    rows.push(show(row.unwrap_or_else(|e| Row::not_run(n, PROXY, &e))));
                }
            }
            if let Some(site) = &site {
                match direct(n, &list, hosts, site, &fixture).await {
                    Ok((row, floor)) => {
                        rows.push(show(row));
                        rows.push(show(floor.unwrap_or_else(|e| Row::not_run(n, FLOOR, &e))));
                    }
                    Err(e) => rows.push(show(Row::not_run(n, DIRECT, &e))),
                }
            }
            if wants("python") {
                if python.is_empty() {
                    rows.push(show(Row::not_run(n, THREADS, &python_why)));
                } else {
                    let row = baseline(&python, "thread_per_url.py", THREADS, n, &list_file, &dir);
                    let row = measured(&fixture, row.await);
                    rows.push(show(row.unwrap_or_else(|e| Row::not_run(n, THREADS, &e))));
                    if n <= LOOP_MAX_N {
                        let row = baseline(&python, "for_loop.py", LOOP, n, &list_file, &dir);
                        let row = measured(&fixture, row.await);
                        rows.push(show(row.unwrap_or_else(|e| Row::not_run(n, LOOP, &e))));
                    }
                }
            }
            if wants("lychee") {
                let row = match &lychee {
                    Some(bin) => {
                        let row = run_lychee(bin, n, &list_file, &dir, BATCH_LYCHEE).await;
                        let row = measured(&fixture, row);
                        row.unwrap_or_else(|e| Row::not_run(n, LYCHEE, &e))
                    }
                    None => Row::not_run(
                        n,
                        LYCHEE,
                        "not installed (UPCHECK_LYCHEE unset, not on PATH)",
                    ),
                };
                rows.push(show(row));
            }
        }
        drop(site);

        if wants("cli") {
            let md = cli_case(&fixture, lychee.as_deref(), &dir).await?;
            if let Some(out) = &out {
                write_section(Path::new(out), "cli", &md)?;
                println!("written to {out} (section cli)");
            }
        }
        if wants("scale") {
            let md = scale_case(&fixture, &dir).await?;
            if let Some(out) = &out {
                write_section(Path::new(out), "scale", &md)?;
                println!("written to {out} (section scale)");
            }
        }
        if wants("vantages") {
            println!("--- every vantage point against each alone");
            let before = loadavg();
            let md = vantages::vantages(&fixture).await?;
            println!("\n{md}");
            let md = format!(
                "### Latest `vantages` run\n\n{}\n{md}",
                run_header((&before, &loadavg()))
            );
            if let Some(out) = &out {
                write_section(Path::new(out), "vantages", &md)?;
                println!("written to {out} (section vantages)");
            }
        }
        if wants("first-load") {
            println!("--- first usable time, throttled");
            let site = Site::start().await;
            let before = loadavg();
            let md = first_load::first_load(&site, &fixture).await?;
            println!("\n{md}");
            let md = format!(
                "### Latest `first-load` run\n\n{}\n{md}",
                run_header((&before, &loadavg()))
            );
            if let Some(out) = &out {
                write_section(Path::new(out), "first-load", &md)?;
                println!("written to {out} (section first-load)");
            }
        }
        if !main_cases.iter().any(|c| wants(c)) {
            return Ok(0);
        }

        let protocol_md = if wants("protocol") {
            println!("--- HTTP/2 against HTTP/1.1");
            match proxy::protocol(PROTOCOL_N, 0, &dir).await {
                Ok(md) => {
                    println!("\n{md}");
                    md
                }
                Err(e) => format!("not measured: {e}\n"),
            }
        } else {
            String::new()
        };
        let load_after = loadavg();

        let results = results_table(&rows);
        let targets = targets(&rows);
        println!("\n{results}\n{targets}");
        let report = report(&Report {
            weight: &weight,
            sizes_md: &sizes_md,
            results: &results,
            targets: &targets,
            load: (&load_before, &load_after),
            python: &python,
            lychee: lychee.as_deref(),
            protocol: &protocol_md,
        });
        if let Some(out) = &out {
            write_between_markers(Path::new(out), &report)?;
            println!("written to {out}");
        }
        Ok(0)
    }

    /// N URLs `/cors/delay/DELAY_MS?n=i` over the fixture's ports, and the
    /// file holding them, one a line.
    fn write_list(
        fixture: &Fixture,
        n: usize,
        dir: &Path,
    ) -> Result<(Vec<String>, std::path::PathBuf), Error> {
        let list: Vec<String> = (0..n)
            .map(|i| fixture.url(i, &format!("/cors/delay/{DELAY_MS}?n={i}")))
            .collect();
        let list_file = dir.join(format!("urls-{n}.txt"));
        std::fs::write(&list_file, list.join("\n") + "\n")?;
        Ok((list, list_file))
    }

    /// The release CLI both the `cli` and the `scale` case run
    /// (`UPCHECK_BENCH_CLI`, default `target/release/upcheck`).
    fn cli_binary() -> Result<std::path::PathBuf, Error> {
        let bin = root().join(env_or("UPCHECK_BENCH_CLI", "target/release/upcheck"));
        if !bin.is_file() {
            return Err(format!("{} not found (./bench builds it)", bin.display()).into());
        }
        Ok(bin)
    }

    /// When, where and on what a section's figures were taken.
    fn run_header(load: (&str, &str)) -> String {
        use common::{cpu_model, mem_total, output};
        format!(
            "- date: {}\n- command: `{}`\n- machine: {} CPUs ({}), {} memory; {}\n\
             - load average (1/5/15 min) before: {}; after: {}\n",
            output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
            env_or(
                "UPCHECK_BENCH_COMMAND",
                "cargo test -p upcheck --test bench"
            ),
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            cpu_model(),
            mem_total(),
            output("uname", &["-sr"]),
            load.0,
            load.1,
        )
    }

    /// The `cli` case: the release CLI against lychee at each size.
    async fn cli_case(
        fixture: &Fixture,
        lychee: Option<&Path>,
        dir: &Path,
    ) -> Result<String, Error> {
        let sizes: Vec<usize> = env_or(
            "UPCHECK_BENCH_CLI_SIZES",
            &cli::CLI_SIZES.map(|n| n.to_string()).join(","),
        )
        .split(',')
        .map(|s| s.trim().parse())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("UPCHECK_BENCH_CLI_SIZES: {e}"))?;
        let bin = cli_binary()?;
        let load_before = loadavg();
        let mut rows = Vec::new();
        for &n in &sizes {
            println!("--- the CLI against lychee, N = {n}");
            let (_, list_file) = write_list(fixture, n, dir)?;
            for row in cli::compare(fixture, &bin, lychee, n, &list_file, dir).await {
                rows.push(show(row));
            }
        }
        let load_after = loadavg();
        let table = cli::table(&rows);
        println!("\n{table}");
        let versions = format!(
            "- software: {}; {}\n",
            common::output(&bin.to_string_lossy(), &["--version"]),
            lychee.map_or("lychee not installed".to_owned(), |p| common::output(
                &p.to_string_lossy(),
                &["--version"]
            )),
        );
        Ok(format!(
            "### Latest `cli` run\n\n{}{versions}\n{table}",
            run_header((&load_before, &load_after))
        ))
    }

    /// The `scale` case: N URLs through nginx in front of k replicas.
    async fn scale_case(fixture: &Fixture, dir: &Path) -> Result<String, Error> {
        let settings = scale::Settings::from_env()?;
        let bin = cli_binary()?;
        let n = settings.n;
        println!(
            "--- scale-out: {n} URLs through nginx, k = {:?} replicas of S = {}",
            settings.ks, settings.s
        );
        let (_, list_file) = write_list(fixture, n, dir)?;
        let load_before = loadavg();
        let mut rows = Vec::new();
        for &k in &settings.ks {
            match scale::scale(fixture, &bin, &list_file, &settings, k, dir).await {
                Ok(row) => {
                    scale::show(&row);
                    rows.push(row);
                }
                Err(e) => println!("  k={k}: not measured: {e}"),
            }
        }
        let load_after = loadavg();
        let table = scale::table(&rows);
        println!("\n{table}");
        Ok(format!(
            "### Latest `scale` run\n\n{}- setup: {}\n{table}",
            run_header((&load_before, &load_after)),
            scale::setup(&settings)
        ))
    }
}
