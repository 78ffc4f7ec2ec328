//! Files of sites: plain text as it is, or CSV (the `url` column, or the first).
//!
//! A CSV file becomes list text whose line N is the CSV's line N (a header
//! becomes a `#` comment), so the parser's per-line errors name the line of
//! the file the person can open and fix.

use thiserror::Error;

/// What an imported file turned into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// List text for the list box.
    pub text: String,
    /// A sentence saying what was taken from the file.
    pub note: String,
}

/// Why a file could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The CSV could not be read at this line.
    #[error("{file}: line {line}: {message}")]
    Csv {
        /// File name.
        file: String,
        /// 1-based line.
        line: u64,
        /// The reader's reason.
        message: String,
    },
    /// Over [`MAX_IMPORT_BYTES`]: refused before it is read.
    #[error(
        "{file}: {size} is over the {limit} a list file may have; split it into smaller files"
    )]
    TooLarge {
        /// File name.
        file: String,
        /// Its size, for people (e.g. `12.5 MB`).
        size: String,
        /// The limit, for people.
        limit: String,
    },
    /// Neither text nor CSV (judged by the name).
    #[error("{file}: only .txt and .csv files of sites can be imported")]
    UnsupportedType {
        /// File name.
        file: String,
    },
}

/// Largest file the page reads: far more than the 10,000 sites a run is built
/// for, and small enough that a mistaken pick (a video, a disk image) is
/// refused at once instead of freezing the tab while it is read.
pub const MAX_IMPORT_BYTES: u64 = 10 * 1000 * 1000;

/// Refuses a file over [`MAX_IMPORT_BYTES`] by its size alone, before reading.
pub fn check_size(name: &str, bytes: u64) -> Result<(), ImportError> {
    let mb = |b: u64| format!("{:.1} MB", crate::decimal::Decimal(b as f64 / 1e6));
    if bytes > MAX_IMPORT_BYTES {
        return Err(ImportError::TooLarge {
            file: name.to_owned(),
            size: mb(bytes),
            limit: mb(MAX_IMPORT_BYTES),
        });
    }
    Ok(())
}

/// Reads the file `name` with `content`.
pub fn import(name: &str, content: &str) -> Result<Imported, ImportError> {
    let lower = name.to_ascii_lowercase();
    let content = content.strip_prefix('\u{feff}').unwrap_or(content);
    if lower.ends_with(".csv") {
        return import_csv(name, content);
    }
    let text_like = [".txt", ".list", ".text", ".md"];
    if !lower.contains('.') || text_like.iter().any(|ext| lower.ends_with(ext)) {
        let lines = content.lines().count();
        return Ok(Imported {
            text: content.to_owned(),
            note: format!("Imported {name}: {lines} lines"),
        });
    }
    Err(ImportError::UnsupportedType {
        file: name.to_owned(),
    })
}

fn import_csv(name: &str, content: &str) -> Result<Imported, ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(content.as_bytes());
    let mut lines: Vec<String> = Vec::new();
    let mut column = None;
    let mut options_column = None;
    let mut rows = 0usize;
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| ImportError::Csv {
            file: name.to_owned(),
            line: e.position().map_or(0, |p| p.line()),
            message: e.to_string(),
        })?;
        let line = record
            .position()
            .map_or(lines.len() as u64 + 1, |p| p.line()) as usize;
        while lines.len() + 1 < line {
            lines.push(String::new());
        }
        if i == 0 {
            let named = |name: &str| {
                record
                    .iter()
                    .position(|f| f.trim().eq_ignore_ascii_case(name))
            };
            column = named("url");
            options_column = column.and(named("options"));
            if column.is_some() {
                lines.push(format!("# {}", record.iter().collect::<Vec<_>>().join(",")));
                continue;
            }
        }
        let field = record.get(column.unwrap_or(0)).unwrap_or("").trim();
        // One site per CSV row: a field is never split further.
        let mut site = field
            .replace(' ', "%20")
            .replace('\t', "%09")
            .replace(',', "%2C");
        // An `options` column (as the CSV export writes) is the list syntax.
        let options = options_column.and_then(|c| record.get(c)).unwrap_or("");
        let options = options.trim().trim_start_matches('\'');
        if !options.is_empty() && !field.is_empty() {
            site.push(' ');
            site.push_str(options);
        }
        lines.push(site);
        rows += 1;
    }
    let from = match column {
        Some(_) => "column 'url'".to_owned(),
        None => "the first column".to_owned(),
    };
    Ok(Imported {
        text: lines.join("\n"),
        note: format!("Imported {name}: {rows} rows from {from}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_over_the_cap_are_refused_by_size() {
        assert!(check_size("sites.txt", MAX_IMPORT_BYTES).is_ok());
        let err = check_size("movie.txt", 12_500_000).unwrap_err().to_string();
        assert_eq!(
            err,
            "movie.txt: 12.5 MB is over the 10.0 MB a list file may have; split it into smaller files"
        );
    }
    use crate::parse_list;

    #[test]
    fn csv_takes_the_url_column_and_keeps_line_numbers() {
        let csv =
            "name,url,owner\nHome,https://a.com,me\n\"Shop, old\",ftp://b.com,you\nBlog,c.com,\n";
        let imported = import("sites.csv", csv).unwrap();
        assert_eq!(
            imported.note,
            "Imported sites.csv: 3 rows from column 'url'"
        );
        let list = parse_list(&imported.text);
        let seen: Vec<_> = list
            .entries
            .iter()
            .map(|e| (e.line, e.target.is_ok()))
            .collect();
        assert_eq!(seen, [(2, true), (3, false), (4, true)]);
    }

    #[test]
    fn csv_without_a_url_header_takes_the_first_column() {
        let imported = import("x.CSV", "a.com,1\r\nb.com,2\r\n").unwrap();
        assert_eq!(imported.text, "a.com\nb.com");
        assert!(imported.note.contains("the first column"));
    }

    #[test]
    fn quoted_multi_line_fields_keep_later_lines_aligned() {
        let csv = "url,note\n\"a.com\",\"two\nlines\"\nb.com,x\n";
        let list = parse_list(&import("s.csv", csv).unwrap().text);
        let lines: Vec<_> = list.entries.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 4]);
    }

    #[test]
    fn text_files_pass_through_and_others_are_refused() {
        let imported = import("list.txt", "\u{feff}a.com\nb.com\n").unwrap();
        assert_eq!(imported.text, "a.com\nb.com\n");
        assert_eq!(
            import("photo.png", "x"),
            Err(ImportError::UnsupportedType {
                file: "photo.png".into()
            })
        );
    }

    #[test]
    fn a_field_with_spaces_stays_one_candidate() {
        let imported = import("s.csv", "url\nhttps://a.com/x y\n").unwrap();
        assert_eq!(parse_list(&imported.text).entries.len(), 1);
    }
}
