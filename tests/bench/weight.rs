//! Page weight: the release page's wasm, js and css in `dist/`, raw and
//! `gzip -9`, held against `gzip_total_bytes` in `budget.toml`, and what makes
//! the wasm big (`benchmarks/wasm_size.py`). The page is what every visitor
//! downloads before checking anything, so it is weighed first: it is cheap,
//! and a page over budget ends the run before anything is timed.

use super::common::{env_or, root, Error};
use std::fmt::Write as _;
use std::process::Command;

pub struct Weight {
    /// (kind, file name, raw bytes, gzip -9 bytes, transfer bytes)
    files: Vec<(&'static str, String, u64, u64, u64)>,
    pub budget: u64,
}

impl Weight {
    pub fn gzip_total(&self) -> u64 {
        self.files.iter().map(|f| f.3).sum()
    }

    fn raw_total(&self) -> u64 {
        self.files.iter().map(|f| f.2).sum()
    }

    /// What the proxy actually sends a browser that accepts brotli: the
    /// precompressed `.br` beside each file (`build_page` writes them).
    fn transfer_total(&self) -> u64 {
        self.files.iter().map(|f| f.4).sum()
    }

    pub fn within_budget(&self) -> bool {
        self.gzip_total() <= self.budget
    }

    pub fn table(&self) -> String {
        let mut t = String::from(
            "| file | raw | gzip -9 | transfer (served .br) |\n|---|---:|---:|---:|\n",
        );
        for (kind, name, raw, gz, sent) in &self.files {
            let _ = writeln!(t, "| {kind} `{name}` | {raw} | {gz} | {sent} |");
        }
        let _ = writeln!(
            t,
            "| **total** | **{}** | **{}** | **{}** |\n\nBudget (`budget.toml`): {} bytes gzip — {} ({:.1} % of it used).",
            self.raw_total(),
            self.gzip_total(),
            self.transfer_total(),
            self.budget,
            if self.within_budget() { "within" } else { "**OVER**" },
            100.0 * self.gzip_total() as f64 / self.budget as f64,
        );
        t
    }
}

pub fn weigh_page() -> Result<Weight, Error> {
    let dist = root().join("dist");
    let mut files = Vec::new();
    let entries = std::fs::read_dir(&dist).map_err(|e| {
        format!(
            "{}: {e} (run ./bench, which builds the page)",
            dist.display()
        )
    })?;
    for entry in entries {
        let path = entry?.path();
        let kind = match path.extension().and_then(|x| x.to_str()) {
            Some("wasm") => "wasm",
            Some("js") => "js",
            Some("css") => "css",
            _ => continue,
        };
        let raw = std::fs::metadata(&path)?.len();
        let gz = Command::new("gzip")
            .args(["-9", "-c"])
            .arg(&path)
            .output()?;
        if !gz.status.success() {
            return Err(format!("gzip {}: {}", path.display(), gz.status).into());
        }
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        // The proxy serves `NAME.br` to browsers that accept brotli; without
        // one (a page built by hand) the file goes as it is.
        let mut br = path.clone().into_os_string();
        br.push(".br");
        let sent = std::fs::metadata(&br).map_or(raw, |m| m.len());
        files.push((kind, name.into_owned(), raw, gz.stdout.len() as u64, sent));
    }
    if !files.iter().any(|f| f.0 == "wasm") {
        return Err("dist/ holds no .wasm: build the page first (./bench does)".into());
    }
    files.sort_by_key(|f| (f.0 != "wasm", f.0 != "js", f.1.clone()));
    Ok(Weight {
        files,
        budget: read_budget()?,
    })
}

/// `gzip_total_bytes = N` from `budget.toml`.
fn read_budget() -> Result<u64, Error> {
    let path = root().join("budget.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .find_map(|l| {
            let (key, value) = l.split_once('=')?;
            (key.trim() == "gzip_total_bytes").then(|| value.trim().replace('_', ""))
        })
        .ok_or("budget.toml has no gzip_total_bytes")?
        .parse()
        .map_err(|e| format!("budget.toml gzip_total_bytes: {e}").into())
}

/// benchmarks/wasm_size.py on the shipped wasm and the named build trunk left.
pub fn wasm_contributors() -> String {
    let python = env_or("UPCHECK_BENCH_PYTHON", "python3");
    let python = if python.is_empty() {
        "python3".into()
    } else {
        python
    };
    let shipped = std::fs::read_dir(root().join("dist"))
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "wasm"));
    let named = root().join("target/wasm-bindgen/release/upcheck_bg.wasm");
    let Some(shipped) = shipped else {
        return String::new();
    };
    let mut cmd = Command::new(python);
    cmd.arg(root().join("benchmarks/wasm_size.py"))
        .arg(&shipped);
    if named.is_file() {
        cmd.arg(&named);
    }
    match cmd.arg("--top").arg("12").output() {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
        Ok(out) => format!(
            "(benchmarks/wasm_size.py failed: {})\n",
            String::from_utf8_lossy(&out.stderr).trim()
        ),
        Err(e) => format!("(benchmarks/wasm_size.py did not run: {e})\n"),
    }
}
