//! The vantage points a person keeps: named remote proxies (label and URL,
//! each on or off), besides this browser and this page's own proxy. Kept in
//! the settings (so in local storage) and carried in share links, labels and
//! URLs only.

use serde::{Deserialize, Serialize};

/// The most characters in a label (the proxy's `--label` allows the same).
pub(crate) const MAX_LABEL_CHARS: usize = 32;

/// A remote proxy the person named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Remote {
    /// What its column is called: `home`, `fra-1`.
    pub(crate) label: String,
    /// Its base URL, `https://fra-1.example.net`.
    pub(crate) url: String,
    /// Whether runs check from it.
    pub(crate) enabled: bool,
}

/// Which vantage points runs use when checking from every vantage point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Vantages {
    /// Check from this browser.
    pub(crate) browser: bool,
    /// Check from this page's own proxy, when it answers.
    pub(crate) own_proxy: bool,
    /// Remote proxies, in the order they were added.
    pub(crate) remotes: Vec<Remote>,
}

impl Default for Vantages {
    fn default() -> Self {
        Vantages {
            browser: true,
            own_proxy: true,
            remotes: Vec::new(),
        }
    }
}

/// Reads a label as typed: 1–32 letters, digits, `.`, `_` or `-`, and not
/// one of the built-in names.
pub(crate) fn check_label(label: &str) -> Result<String, String> {
    let label = label.trim();
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if label.is_empty() || label.chars().count() > MAX_LABEL_CHARS {
        return Err(format!(
            "Vantage label: '{label}' must be 1 to {MAX_LABEL_CHARS} characters"
        ));
    }
    if let Some(c) = label.chars().find(|&c| !ok(c)) {
        return Err(format!(
            "Vantage label: '{label}' may hold letters, digits, '.', '_' and '-' only, not {c:?}"
        ));
    }
    Ok(label.to_owned())
}

/// Reads a proxy's base URL as typed: http or https, no query or fragment,
/// kept without a trailing slash.
pub(crate) fn check_url(url: &str) -> Result<String, String> {
    let url = url.trim();
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
            if u.query().is_some() || u.fragment().is_some() {
                return Err(format!(
                    "Vantage URL: '{url}' must be the proxy's base address, without ? or #"
                ));
            }
            Ok(u.as_str().trim_end_matches('/').to_owned())
        }
        _ => Err(format!(
            "Vantage URL: '{url}' is not an http:// or https:// address"
        )),
    }
}

impl Vantages {
    /// Adds a remote proxy, on; a label already used is refused by name.
    pub(crate) fn add(&mut self, label: &str, url: &str) -> Result<(), String> {
        let label = check_label(label);
        let url = check_url(url);
        let (label, url) = match (label, url) {
            (Ok(l), Ok(u)) => (l, u),
            (Err(a), Err(b)) => return Err(format!("{a}; {b}")),
            (Err(e), _) | (_, Err(e)) => return Err(e),
        };
        if self
            .remotes
            .iter()
            .any(|r| r.label.eq_ignore_ascii_case(&label))
        {
            return Err(format!("Vantage label: '{label}' is already in the list"));
        }
        self.remotes.push(Remote {
            label,
            url,
            enabled: true,
        });
        Ok(())
    }

    /// The fragment parameter that carries the remotes in a share link:
    /// `vantages=home~http%3A%2F%2F…,fra-1~https%3A…` (empty with none).
    pub(crate) fn to_fragment(&self) -> String {
        let each: Vec<String> = self
            .remotes
            .iter()
            .map(|r| format!("{}~{}", r.label, encode(&r.url)))
            .collect();
        if each.is_empty() {
            String::new()
        } else {
            format!("vantages={}", each.join(","))
        }
    }

    /// Adds the remotes a share link carries, **off**: a link must not send
    /// the person's list to a proxy they did not choose; one click turns
    /// each on. Labels already present are skipped. Returns the labels
    /// added, or the first problem, naming its entry.
    pub(crate) fn add_shared(&mut self, param: &str) -> Result<Vec<String>, String> {
        let mut added = Vec::new();
        for (n, entry) in param.split(',').filter(|e| !e.is_empty()).enumerate() {
            let Some((label, url)) = entry.split_once('~') else {
                return Err(format!("shared vantage point {}: not label~url", n + 1));
            };
            let label =
                check_label(label).map_err(|e| format!("shared vantage point {}: {e}", n + 1))?;
            let url = check_url(&decode(url))
                .map_err(|e| format!("shared vantage point {}: {e}", n + 1))?;
            if self
                .remotes
                .iter()
                .any(|r| r.label.eq_ignore_ascii_case(&label))
            {
                continue;
            }
            added.push(label.clone());
            self.remotes.push(Remote {
                label,
                url,
                enabled: false,
            });
        }
        Ok(added)
    }
}

/// Splits a share link's fragment into the list part and the vantage points
/// it carries (`#list=v1.…&vantages=…`).
pub(crate) fn split_fragment(fragment: &str) -> (&str, Option<&str>) {
    match fragment.split_once("&vantages=") {
        Some((list, vantages)) => (list, Some(vantages)),
        None => (fragment, None),
    }
}

/// Percent-encodes everything but unreserved characters.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Undoes [`encode`] (a broken escape is kept as written).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_urls_are_read_with_their_field_named() {
        let mut v = Vantages::default();
        v.add(" fra-1 ", "https://fra-1.example.net/").unwrap();
        assert_eq!(v.remotes[0].label, "fra-1");
        assert_eq!(v.remotes[0].url, "https://fra-1.example.net");
        assert!(v
            .add("FRA-1", "https://x.example")
            .unwrap_err()
            .contains("already"));
        assert!(v
            .add("a b", "https://x.example")
            .unwrap_err()
            .starts_with("Vantage label"));
        assert!(v
            .add("x", "ftp://x")
            .unwrap_err()
            .starts_with("Vantage URL"));
        let both = v.add("", "nope").unwrap_err();
        assert!(
            both.contains("Vantage label") && both.contains("Vantage URL"),
            "{both}"
        );
    }

    #[test]
    fn a_share_link_carries_remotes_and_opens_them_off() {
        let mut mine = Vantages::default();
        mine.add("home", "http://10.0.0.2:8080").unwrap();
        mine.add("fra-1", "https://fra-1.example.net").unwrap();
        let fragment = mine.to_fragment();
        assert_eq!(
            fragment,
            "vantages=home~http%3A%2F%2F10.0.0.2%3A8080,fra-1~https%3A%2F%2Ffra-1.example.net"
        );
        let mut theirs = Vantages::default();
        theirs.add("home", "http://192.0.2.1").unwrap();
        let added = theirs
            .add_shared(fragment.strip_prefix("vantages=").unwrap())
            .unwrap();
        assert_eq!(added, ["fra-1"]);
        assert_eq!(theirs.remotes[0].url, "http://192.0.2.1");
        assert!(!theirs.remotes[1].enabled);
        assert_eq!(theirs.remotes[1].url, "https://fra-1.example.net");
        let bad = theirs
            .add_shared("ok~http%3A%2F%2Fa.test,broken")
            .unwrap_err();
        assert_eq!(bad, "shared vantage point 2: not label~url");
        assert!(Vantages::default().to_fragment().is_empty());
        assert_eq!(
            split_fragment("#list=v1.abc&vantages=a~b"),
            ("#list=v1.abc", Some("a~b"))
        );
        assert_eq!(split_fragment("#list=v1.abc"), ("#list=v1.abc", None));
    }
}
