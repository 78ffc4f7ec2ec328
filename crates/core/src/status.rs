//! Which final HTTP statuses count as `up`.
//!
//! The default accepts 2xx and 3xx (a 3xx is only ever final when redirects are
//! not followed). A person can write their own rule, e.g. `200-299,401`.

use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// Lowest status a rule can name.
const FIRST: u16 = 100;
/// Highest status a rule can name.
const LAST: u16 = 599;
const WORDS: usize = ((LAST - FIRST) as usize) / 64 + 1;

/// A set of accepted statuses, written as comma-separated codes and ranges.
///
/// Held as one bit per status 100–599: `Copy`, so it travels inside the
/// proxy's per-check parameters for free, and `accepts` is one lookup.
/// Overlapping or unordered parts are merged: `401,200-299` reads back as
/// `200-299,401`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusRule([u64; WORDS]);

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
        let mut rule = StatusRule([0; WORDS]);
        rule.insert(200, 399);
        rule
    }
}

impl StatusRule {
    /// True when `status` counts as `up`.
    pub fn accepts(&self, status: u16) -> bool {
        (FIRST..=LAST).contains(&status) && {
            let bit = usize::from(status - FIRST);
            self.0[bit / 64] & (1 << (bit % 64)) != 0
        }
    }

    fn insert(&mut self, from: u16, to: u16) {
        for status in from..=to {
            let bit = usize::from(status - FIRST);
            self.0[bit / 64] |= 1 << (bit % 64);
        }
    }
}

impl FromStr for StatusRule {
    type Err = StatusRuleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let code = |p: &str| -> Option<u16> {
            let n: u16 = p.trim().parse().ok()?;
            (FIRST..=LAST).contains(&n).then_some(n)
        };
        let mut rule = StatusRule([0; WORDS]);
        let mut empty = true;
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let bad = || StatusRuleError::BadPart { part: part.into() };
            let (a, b) = match part.split_once('-') {
                Some((a, b)) => (code(a).ok_or_else(bad)?, code(b).ok_or_else(bad)?),
                None => {
                    let c = code(part).ok_or_else(bad)?;
                    (c, c)
                }
            };
            if a > b {
                return Err(bad());
            }
            rule.insert(a, b);
            empty = false;
        }
        if empty {
            return Err(StatusRuleError::Empty);
        }
        Ok(rule)
    }
}

/// On the wire a rule is its text, e.g. `"200-299,401"`.
impl serde::Serialize for StatusRule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for StatusRule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for StatusRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut status = FIRST;
        while status <= LAST {
            if !self.accepts(status) {
                status += 1;
                continue;
            }
            let start = status;
            while status < LAST && self.accepts(status + 1) {
                status += 1;
            }
            if !first {
                f.write_str(",")?;
            }
            first = false;
            if start == status {
                write!(f, "{start}")?;
            } else {
                write!(f, "{start}-{status}")?;
            }
            status += 1;
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
        let merged: StatusRule = "401, 250-299, 200-260, 599".parse().unwrap();
        assert_eq!(merged.to_string(), "200-299,401,599");
        assert!(merged.accepts(599) && !merged.accepts(600) && !merged.accepts(99));
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
