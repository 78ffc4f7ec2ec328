//! Reading the lists named on the command line: files (plain text in the
//! page's list syntax, or CSV with a `url` column, through core's importer)
//! and `-` for standard input. Each file is parsed on its own, so every
//! message names the file and the line a person can open and fix.

use std::io::Read;
use thiserror::Error;
use upcheck_core::import::{self, MAX_IMPORT_BYTES};
use upcheck_core::parse::{self, Entry};

/// Why a list could not be read at all (exit code 2).
#[derive(Debug, Error)]
pub enum ListError {
    /// The file could not be opened or read.
    #[error("{file}: {source}")]
    Io {
        /// The file as named.
        file: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// Not UTF-8 text.
    #[error("{file}: line {line}: not UTF-8 text (save the list as UTF-8)")]
    NotText {
        /// The file as named.
        file: String,
        /// The first line with a byte that is not UTF-8.
        line: usize,
    },
    /// Refused by the importer (too large, an unknown type, bad CSV).
    #[error("{0}")]
    Import(#[from] import::ImportError),
    /// Nothing to check in any of the lists.
    #[error("no sites to check in {0}")]
    Empty(String),
}

/// One site to check (or an invalid line to report), with where it came from.
#[derive(Debug, Clone)]
pub struct Site {
    /// The file it is in (`-` for standard input).
    pub file: String,
    /// The parsed entry (line, input, target, options).
    pub entry: Entry,
}

/// Every list read, in order.
#[derive(Debug, Default)]
pub struct Lists {
    /// The sites in file order, duplicates within and across files merged.
    pub sites: Vec<Site>,
    /// Exact duplicates that were merged.
    pub duplicates: usize,
}

/// Reads every list in `paths` (none means standard input).
pub fn read(paths: &[String]) -> Result<Lists, ListError> {
    let stdin = ["-".to_owned()];
    let paths = if paths.is_empty() { &stdin[..] } else { paths };
    let mut lists = Lists::default();
    let mut seen = std::collections::HashSet::new();
    for path in paths {
        let text = read_text(path)?;
        let parsed = parse::parse_list(&text);
        lists.duplicates += parsed.duplicates;
        for entry in parsed.entries {
            // The same site with the same options in two files is one check.
            if let Ok(url) = &entry.target {
                if !seen.insert((url.to_string(), entry.options.to_syntax())) {
                    lists.duplicates += 1;
                    continue;
                }
            }
            lists.sites.push(Site {
                file: path.clone(),
                entry,
            });
        }
    }
    if lists.sites.is_empty() {
        return Err(ListError::Empty(paths.join(", ")));
    }
    Ok(lists)
}

/// The list text of one file: CSV through the importer, anything else as
/// the page's list syntax.
fn read_text(path: &str) -> Result<String, ListError> {
    let io = |source| ListError::Io {
        file: path.to_owned(),
        source,
    };
    let mut bytes = Vec::new();
    if path == "-" {
        std::io::stdin()
            .take(MAX_IMPORT_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
    } else {
        let file = std::fs::File::open(path).map_err(io)?;
        import::check_size(path, file.metadata().map_err(io)?.len())?;
        file.take(MAX_IMPORT_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
    }
    import::check_size(path, bytes.len() as u64)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        ListError::NotText {
            file: path.to_owned(),
            line: 1 + valid.iter().filter(|&&b| b == b'\n').count(),
        }
    })?;
    if path.to_ascii_lowercase().ends_with(".csv") {
        return Ok(import::import(path, &text)?.text);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, bytes: &[u8]) -> String {
        let dir = std::env::temp_dir().join(format!("upcheck-list-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_string_lossy().into_owned()
    }

    #[test]
    fn a_byte_that_is_not_utf8_is_named_by_its_line() {
        let path = write(
            "latin1.txt",
            b"https://a.example/\nhttps://b.example/\ncaf\xe9.example\n",
        );
        let err = read(std::slice::from_ref(&path)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{path}: line 3: not UTF-8 text (save the list as UTF-8)")
        );
    }

    #[test]
    fn duplicates_across_files_are_checked_once_and_lines_keep_their_file() {
        let a = write("a.txt", b"# mine\nexample.com\nexample.org\n");
        let b = write("b.txt", b"example.org\n\nftp://files.example/\n");
        let lists = read(&[a.clone(), b.clone()]).unwrap();
        let seen: Vec<_> = lists
            .sites
            .iter()
            .map(|s| (s.file.as_str(), s.entry.line, s.entry.target.is_ok()))
            .collect();
        assert_eq!(
            seen,
            [
                (a.as_str(), 2, true),
                (a.as_str(), 3, true),
                (b.as_str(), 3, false)
            ]
        );
        assert_eq!(lists.duplicates, 1);
    }

    #[test]
    fn a_missing_file_and_an_empty_list_are_errors() {
        let err = read(&["/nonexistent/list.txt".to_owned()]).unwrap_err();
        assert!(
            err.to_string().starts_with("/nonexistent/list.txt: "),
            "{err}"
        );
        let empty = write("empty.txt", b"# nothing yet\n\n");
        assert_eq!(
            read(std::slice::from_ref(&empty)).unwrap_err().to_string(),
            format!("no sites to check in {empty}")
        );
    }
}
