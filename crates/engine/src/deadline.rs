//! A check's deadline. It runs only while the check holds its slots: time spent
//! waiting for a slot is the proxy's business, not the site's, so it is added
//! back ([`Deadline::pause`]) and left out of the reported total.

use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

use super::Failure;

/// A phase of one hop, named in timeout messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Name lookup.
    Dns,
    /// TCP connect.
    Connect,
    /// TLS handshake.
    Tls,
    /// Waiting for the response head.
    Response,
    /// Reading the start of the body (for assertions or a bot wall's page).
    Body,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Dns => "the DNS lookup",
            Phase::Connect => "the TCP connect",
            Phase::Tls => "the TLS handshake",
            Phase::Response => "waiting for the response headers",
            Phase::Body => "reading the response body",
        })
    }
}

/// The check's deadline; every phase runs under it separately so a timeout
/// names the phase that ran out of time.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    start: Instant,
    end: tokio::time::Instant,
    budget: Duration,
    paused: Duration,
}

impl Deadline {
    /// A deadline `budget` from now.
    pub fn new(budget: Duration) -> Self {
        let start = Instant::now();
        Deadline {
            start,
            end: tokio::time::Instant::from_std(start + budget),
            budget,
            paused: Duration::ZERO,
        }
    }

    /// Gives back `waited`, spent waiting for a slot rather than on the site.
    pub fn pause(&mut self, waited: Duration) {
        self.end += waited;
        self.paused += waited;
    }

    /// Runs one phase, failing with `timeout` if the deadline passes first.
    pub async fn run<T>(
        &self,
        phase: Phase,
        work: impl Future<Output = Result<T, Failure>>,
    ) -> Result<T, Failure> {
        match tokio::time::timeout_at(self.end, work).await {
            Ok(result) => result,
            Err(_) => Err(Failure::timeout(format!(
                "{phase} did not finish within the {} ms timeout",
                self.budget.as_millis()
            ))),
        }
    }

    /// Milliseconds the check has spent on the site so far (slot waits excluded).
    pub fn elapsed_ms(&self) -> u64 {
        ms(self.elapsed())
    }

    /// Time spent on the site so far (slot waits excluded).
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed().saturating_sub(self.paused)
    }

    /// When the deadline started.
    pub fn started(&self) -> Instant {
        self.start
    }

    /// Slot waits given back so far.
    pub fn paused(&self) -> Duration {
        self.paused
    }
}

/// Whole milliseconds, saturating.
pub fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_pause_moves_the_deadline_and_is_not_counted() {
        let mut deadline = Deadline::new(Duration::from_millis(100));
        tokio::time::sleep(Duration::from_millis(150)).await;
        deadline.pause(Duration::from_millis(150));
        let ok = deadline
            .run(Phase::Connect, async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Ok::<_, Failure>(())
            })
            .await;
        assert!(ok.is_ok());
        assert!(deadline.elapsed_ms() < 100, "{}", deadline.elapsed_ms());
    }
}
