//! The run settings: as the person typed them (kept, so a half-typed value
//! survives a reload), and checked, ready for a run. Every problem is a
//! sentence naming its field.

use serde::{Deserialize, Serialize};
use std::time::Duration;
use upcheck_core::decimal::{self, Decimal};
use upcheck_core::options::{Defaults, SiteOptions, MAX_RETRIES};
use upcheck_core::{defaults, StatusRule};

use super::vantages::Vantages;
use super::Choice;

/// How checks are scheduled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Mode {
    /// Up to `concurrency` at once.
    Concurrent,
    /// One at a time, to show what concurrency saves.
    Sequential,
}

impl Choice for Mode {
    const ALL: &'static [(Self, &'static str, &'static str)] = &[
        (Mode::Concurrent, "concurrent", "concurrent"),
        (Mode::Sequential, "sequential", "one at a time"),
    ];
}

/// The run settings as the person typed them; [`Settings::validate`] reads them.
/// Kept as typed (strings) so a half-typed value survives a reload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Settings {
    /// Checks in flight at most (text of the number field).
    pub(crate) concurrency: String,
    /// Per-check deadline in seconds (text of the number field).
    pub(crate) timeout_s: String,
    /// Concurrent or sequential.
    pub(crate) mode: Mode,
    /// Accepted statuses, e.g. `200-399` or `200-299,401`.
    pub(crate) accept: String,
    /// The list-wide slow threshold as typed (`800`, `800ms`, `2s`); empty:
    /// no threshold. A line's `slow=` overrides it.
    pub(crate) slow_ms: String,
    /// Retries after a failure, a 5xx or a 429 (text of the number field,
    /// 0 to 5). A line's `retries=` overrides it.
    pub(crate) retries: String,
    /// Where checks run.
    pub(crate) via: ViaChoice,
    /// Base URL of a proxy elsewhere; empty means this page's own server.
    pub(crate) proxy_url: String,
    /// Watch mode: re-check everything every `watch_every_s` seconds.
    pub(crate) watch: bool,
    /// Watch interval in seconds (text of the number field).
    pub(crate) watch_every_s: String,
    /// Notify when a watched site changes state.
    pub(crate) notify: bool,
    /// The vantage points "every vantage point" checks from.
    pub(crate) vantages: Vantages,
}

/// Where the person wants checks to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ViaChoice {
    /// Through the proxy when one answers, else from the browser.
    #[default]
    Auto,
    /// Always from the browser.
    Direct,
    /// Always through the proxy.
    Proxy,
    /// From every vantage point that is on, side by side.
    Everywhere,
}

impl Choice for ViaChoice {
    const ALL: &'static [(Self, &'static str, &'static str)] = &[
        (ViaChoice::Auto, "auto", "proxy if one answers"),
        (ViaChoice::Direct, "direct", "this browser only"),
        (ViaChoice::Proxy, "proxy", "the proxy"),
        (ViaChoice::Everywhere, "everywhere", "every vantage point"),
    ];
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            concurrency: defaults::CONCURRENCY.to_string(),
            timeout_s: (defaults::TIMEOUT_MS / 1_000).to_string(),
            mode: Mode::Concurrent,
            accept: StatusRule::default().to_string(),
            slow_ms: String::new(),
            retries: "0".into(),
            via: ViaChoice::Auto,
            proxy_url: String::new(),
            watch: false,
            watch_every_s: "60".into(),
            notify: false,
            vantages: Vantages::default(),
        }
    }
}

/// Settings checked and ready for a run.
#[derive(Debug, Clone)]
pub(crate) struct RunSettings {
    /// Checks in flight at most (1 in sequential mode).
    pub(crate) concurrency: u32,
    /// Per-check deadline.
    pub(crate) timeout: Duration,
    /// Scheduling mode.
    pub(crate) mode: Mode,
    /// Accepted statuses.
    pub(crate) accept: StatusRule,
    /// The list-wide slow threshold, if any.
    pub(crate) slow_ms: Option<u32>,
    /// List-wide retries.
    pub(crate) retries: u8,
    /// Where checks should run.
    pub(crate) via: ViaChoice,
    /// Watch interval, when watching.
    pub(crate) watch_every: Option<Duration>,
}

impl Settings {
    /// Reads every field; each problem is a sentence naming its field.
    pub(crate) fn validate(&self) -> Result<RunSettings, Vec<String>> {
        let mut errors = Vec::new();
        let (lo, hi) = (defaults::MIN_CONCURRENCY, defaults::MAX_CONCURRENCY);
        let concurrency = match self.concurrency.trim().parse::<u32>() {
            Ok(n) if (lo..=hi).contains(&n) => n,
            _ => {
                errors.push(format!(
                    "Concurrency: '{}' must be a whole number from {lo} to {hi}",
                    self.concurrency.trim()
                ));
                defaults::CONCURRENCY
            }
        };
        let (tlo, thi) = (defaults::MIN_TIMEOUT_MS, defaults::MAX_TIMEOUT_MS);
        let timeout = match decimal::parse_scaled(self.timeout_s.trim(), 3) {
            Some(ms) if (u64::from(tlo)..=u64::from(thi)).contains(&ms) => {
                Duration::from_millis(ms)
            }
            _ => {
                errors.push(format!(
                    "Timeout: '{}' must be a number of seconds from {} to {}",
                    self.timeout_s.trim(),
                    Decimal(f64::from(tlo) / 1_000.0),
                    Decimal(f64::from(thi) / 1_000.0)
                ));
                Duration::from_millis(u64::from(defaults::TIMEOUT_MS))
            }
        };
        let accept = match self.accept.parse::<StatusRule>() {
            Ok(rule) => rule,
            Err(e) => {
                errors.push(format!("Accepted statuses: {e}"));
                StatusRule::default()
            }
        };
        // The same reading as the list's `slow=` and `retries=` options.
        let mut list_wide = SiteOptions::default();
        let slow = self.slow_ms.trim();
        if !slow.is_empty() {
            if let Err(e) = list_wide.set("slow", slow) {
                errors.push(format!("Slow after: {}", e.reason));
            }
        }
        let retries = self.retries.trim();
        if !retries.is_empty() && list_wide.set("retries", retries).is_err() {
            errors.push(format!(
                "Retries: '{retries}' must be a whole number from 0 to {MAX_RETRIES}"
            ));
        }
        let watch_every = match decimal::parse_scaled(self.watch_every_s.trim(), 3) {
            Some(ms) if (1_000..=86_400_000).contains(&ms) => Some(Duration::from_millis(ms)),
            _ if !self.watch => None,
            _ => {
                errors.push(format!(
                    "Watch every: '{}' must be a number of seconds from 1 to 86400",
                    self.watch_every_s.trim()
                ));
                None
            }
        };
        let proxy_url = self.proxy_url.trim();
        if !proxy_url.is_empty()
            && !matches!(
                url::Url::parse(proxy_url)
                    .map(|u| u.scheme().to_owned())
                    .as_deref(),
                Ok("http" | "https")
            )
        {
            errors.push(format!(
                "Proxy: '{proxy_url}' is not an http:// or https:// address"
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(RunSettings {
            concurrency: if self.mode == Mode::Sequential {
                1
            } else {
                concurrency
            },
            timeout,
            mode: self.mode,
            accept,
            slow_ms: list_wide.slow_ms,
            retries: list_wide.retries.unwrap_or(0),
            via: self.via,
            watch_every: watch_every.filter(|_| self.watch),
        })
    }
}

impl RunSettings {
    /// The list-wide defaults every site's options fall back on.
    pub(crate) fn defaults(&self) -> Defaults {
        Defaults {
            accept: self.accept,
            slow_ms: self.slow_ms,
            timeout_ms: self.timeout.as_millis().try_into().unwrap_or(u32::MAX),
            retries: self.retries,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bad_field_is_named_and_good_ones_read() {
        let ok = Settings::default().validate().unwrap();
        assert_eq!(ok.concurrency, defaults::CONCURRENCY);
        assert_eq!(ok.accept, StatusRule::default());
        let bad = Settings {
            concurrency: "0".into(),
            timeout_s: "x".into(),
            accept: "2xx".into(),
            slow_ms: "soon".into(),
            retries: "9".into(),
            proxy_url: "ftp://p".into(),
            watch: true,
            watch_every_s: "0".into(),
            ..Settings::default()
        };
        let errors = bad.validate().unwrap_err();
        for field in [
            "Concurrency",
            "Timeout",
            "Accepted statuses",
            "Slow after",
            "Retries",
            "Proxy",
            "Watch every",
        ] {
            assert!(
                errors.iter().any(|e| e.starts_with(field)),
                "{field}: {errors:?}"
            );
        }
        let sequential = Settings {
            mode: Mode::Sequential,
            ..Settings::default()
        };
        assert_eq!(sequential.validate().unwrap().concurrency, 1);
    }

    #[test]
    fn slow_and_retries_read_like_the_list_options() {
        let plain = Settings::default().validate().unwrap();
        assert_eq!((plain.slow_ms, plain.retries), (None, 0));
        let set = Settings {
            slow_ms: " 1.5s ".into(),
            retries: "2".into(),
            timeout_s: "4".into(),
            ..Settings::default()
        }
        .validate()
        .unwrap();
        assert_eq!((set.slow_ms, set.retries), (Some(1500), 2));
        let d = set.defaults();
        assert_eq!((d.slow_ms, d.retries, d.timeout_ms), (Some(1500), 2, 4000));
        let ms = Settings {
            slow_ms: "800".into(),
            ..Settings::default()
        };
        assert_eq!(ms.validate().unwrap().slow_ms, Some(800));
        let errors = Settings {
            slow_ms: "0".into(),
            retries: "-1".into(),
            ..Settings::default()
        }
        .validate()
        .unwrap_err();
        assert!(errors[0].starts_with("Slow after: "), "{errors:?}");
        assert!(errors[1].contains("'-1' must be a whole number from 0 to 5"));
    }

    #[test]
    fn settings_saved_by_an_older_page_still_load() {
        let old = r#"{"concurrency":"8","mode":"sequential","via":"direct"}"#;
        let s: Settings = serde_json::from_str(old).unwrap();
        assert_eq!(
            (s.concurrency.as_str(), s.mode, s.via),
            ("8", Mode::Sequential, ViaChoice::Direct)
        );
        assert_eq!(s.timeout_s, Settings::default().timeout_s);
        // Settings from before slow and retries existed: none, and 0.
        let run = s.validate().unwrap();
        assert_eq!((run.slow_ms, run.retries), (None, 0));
    }
}
