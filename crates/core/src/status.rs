//! Which final HTTP statuses count as `up`.
//!
//! The default accepts 2xx and 3xx (a 3xx is only ever final when redirects are
//! not followed). A person can write their own rule, e.g. `200-299,401`.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;
use thiserror::Error;

/// A set of accepted statuses, written as comma-separated codes and ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRule(Vec<RangeInclusive<u16>>);

/// Why a status rule could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum StatusRuleError {
    /// A part that is neither `NNN` nor `NNN-NNN` with codes 100–599.
    #[error("'{part}' is not a status code (100-599) or a range like 200-299")]
    BadPart {
        /// The offending part.
        part: String,
    },
    /// Nothing but commas and spaces.
    #[error("the rule is empty: write codes or ranges like 200-299,401")]
    Empty,
}

impl Default for StatusRule {
    fn default() -> Self {
        StatusRule(vec![200..=399])
    }
}

impl StatusRule {
    /// True when `status` counts as `up`.
    pub fn accepts(&self, status: u16) -> bool {
        self.0.iter().any(|r| r.contains(&status))
    }
}

impl FromStr for StatusRule {
    type Err = StatusRuleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let code = |p: &str| -> Option<u16> {
            let n: u16 = p.trim().parse().ok()?;
            (100..=599).contains(&n).then_some(n)
        };
        let mut ranges = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let bad = || StatusRuleError::BadPart { part: part.into() };
            let range = match part.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (code(a).ok_or_else(bad)?, code(b).ok_or_else(bad)?);
                    if a > b {
                        return Err(bad());
                    }
                    a..=b
                }
                None => {
                    let c = code(part).ok_or_else(bad)?;
                    c..=c
                }
            };
            ranges.push(range);
        }
        if ranges.is_empty() {
            return Err(StatusRuleError::Empty);
        }
        Ok(StatusRule(ranges))
    }
}

impl fmt::Display for StatusRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if r.start() == r.end() {
                write!(f, "{}", r.start())?;
            } else {
                write!(f, "{}-{}", r.start(), r.end())?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_accepts_2xx_and_3xx_only() {
        let rule = StatusRule::default();
        assert!(rule.accepts(200) && rule.accepts(204) && rule.accepts(301));
        assert!(!rule.accepts(404) && !rule.accepts(500) && !rule.accepts(199));
        assert_eq!(rule.to_string(), "200-399");
    }

    #[test]
    fn custom_rules_round_trip() {
        let rule: StatusRule = " 200-299, 401 ".parse().unwrap();
        assert!(rule.accepts(401) && rule.accepts(250) && !rule.accepts(301));
        assert_eq!(rule.to_string(), "200-299,401");
    }

    #[test]
    fn bad_rules_name_the_part() {
        for (text, part) in [("200-99", "200-99"), ("2xx", "2xx"), ("200,700", "700")] {
            assert_eq!(
                text.parse::<StatusRule>(),
                Err(StatusRuleError::BadPart { part: part.into() })
            );
        }
        assert_eq!(" , ".parse::<StatusRule>(), Err(StatusRuleError::Empty));
    }
}
