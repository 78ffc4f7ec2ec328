//! Checking the lists in this process: the sites become engine jobs (their
//! options over the command line's defaults, compiled as the proxy compiles
//! a request), the engine runs them, and every line becomes the site's
//! [`Row`] — the verdict is the engine's, decided by core's one rule.

use std::sync::Arc;
use upcheck_core::options::Defaults;
use upcheck_core::result::CheckResult;
use upcheck_core::row::{Progress, Row};
use upcheck_core::wire::{CheckLine, Method, Target};
use upcheck_core::Outcome;
use upcheck_engine::{site, Checker, EngineConfig, Job};

use crate::list::Site;

/// How every site is checked unless its line says otherwise.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The list-wide defaults (accept rule, slow threshold, timeout, retries).
    pub defaults: Defaults,
    /// GET or HEAD.
    pub method: Method,
    /// Redirects to follow at most.
    pub max_redirects: u32,
    /// Checks in flight at once.
    pub concurrency: usize,
}

/// Jobs to run, each with the index of its row.
pub type Jobs = Vec<(usize, Job)>;

/// A row per site, in list order: invalid lines already final (`invalid`,
/// their reason naming file and line), the rest queued. Returns the rows and
/// the jobs to run, each with its row's index.
pub fn prepare(sites: &[Site], settings: &Settings) -> Result<(Vec<Row>, Jobs), String> {
    let mut compiler = site::Compiler::default();
    let mut rows = Vec::with_capacity(sites.len());
    let mut jobs = Vec::new();
    for (id, s) in sites.iter().enumerate() {
        let entry = &s.entry;
        let mut row = Row::queued(id, entry.line, entry.input.clone());
        match &entry.target {
            Err(e) => {
                row.progress = Progress::Done(CheckResult::bare(
                    Outcome::Invalid,
                    format!("{}:{}: {e}", s.file, entry.line),
                ));
            }
            Ok(url) => {
                row.url = url.to_string();
                row.options = entry.options.clone();
                let target = Target {
                    url: url.to_string(),
                    options: entry.options.clone(),
                };
                let params = compiler
                    .site(
                        id,
                        &target,
                        &settings.defaults,
                        settings.method,
                        settings.max_redirects,
                    )
                    // The parser validated the options; what is left is a
                    // pattern the regex engine refuses, named by line.
                    .map_err(|e| {
                        let why = e.split_once("].").map_or(e.as_str(), |(_, why)| why);
                        format!("{}:{}: {why}", s.file, entry.line)
                    })?;
                jobs.push((
                    id,
                    Job {
                        url: target.url,
                        params,
                    },
                ));
            }
        }
        rows.push(row);
    }
    Ok((rows, jobs))
}

/// Runs `jobs` in-process and hands each finished line (its `index` the
/// row's) to `sink` as it ends.
pub async fn run(
    engine: EngineConfig,
    settings: &Settings,
    jobs: Jobs,
    mut sink: impl FnMut(CheckLine),
) {
    let checker = Arc::new(Checker::new(&engine));
    let (ids, jobs): (Vec<usize>, Vec<Job>) = jobs.into_iter().unzip();
    upcheck_engine::run(checker, jobs, settings.concurrency, |mut line| {
        line.index = ids.get(line.index).copied().unwrap_or(line.index);
        sink(line);
    })
    .await;
}

/// Puts a finished line into its row.
pub fn settle(rows: &mut [Row], line: CheckLine) {
    if let Some(row) = rows.get_mut(line.index) {
        row.progress = Progress::Done(CheckResult::from(line));
    }
}
