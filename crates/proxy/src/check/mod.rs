//! One check, start to finish: parse, then hop by hop resolve → guard →
//! connect → TLS → HTTP head, following redirects by hand, and report a
//! [`CheckLine`].
//!
//! The verdict is core's one rule ([`Seen::outcome`]): a final response is
//! judged by the request's `accept` rule, a failure by its error kind
//! ([`ErrorKind::outcome`]).

pub mod connect;
pub mod dns;
pub mod guard;
pub mod http;
pub mod limits;
pub mod redirect;
pub mod tls;

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use url::{Host, Url};

use crate::config::Config;
use dns::{Resolve, ResolveError, SystemResolver};
use guard::Guard;
use limits::HostLimits;
use upcheck_core::wire::{CheckLine, ErrorKind, LineError, Method, Redirect, Timings, TlsInfo};
use upcheck_core::{parse, Outcome, Seen, StatusRule};

/// Why a check ended other than with a response. Its outcome is its kind's
/// ([`ErrorKind::outcome`]), decided in core, never here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The `error.kind`.
    pub kind: ErrorKind,
    /// The `error.message`.
    pub message: String,
}

impl Failure {
    /// No HTTP response: DNS, refused, reset, TLS, not HTTP.
    pub fn unreachable(kind: ErrorKind, message: String) -> Self {
        Failure { kind, message }
    }
    /// A deadline passed.
    pub fn timeout(message: String) -> Self {
        Failure {
            kind: ErrorKind::Timeout,
            message,
        }
    }
    /// A deny-listed address.
    pub fn blocked_private(message: String) -> Self {
        Failure {
            kind: ErrorKind::PrivateAddress,
            message,
        }
    }
    /// The proxy's own address.
    pub fn proxy_itself(message: String) -> Self {
        Failure {
            kind: ErrorKind::ProxyItself,
            message,
        }
    }
    /// A response was seen but the chain leads nowhere.
    pub fn down(kind: ErrorKind, message: String) -> Self {
        Failure { kind, message }
    }
    /// Not a checkable URL.
    pub fn invalid(message: String) -> Self {
        Failure {
            kind: ErrorKind::BadUrl,
            message,
        }
    }
}

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
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Dns => "the DNS lookup",
            Phase::Connect => "the TCP connect",
            Phase::Tls => "the TLS handshake",
            Phase::Response => "waiting for the response headers",
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
}

impl Deadline {
    /// A deadline `budget` from now.
    pub fn new(budget: Duration) -> Self {
        let start = Instant::now();
        Deadline {
            start,
            end: tokio::time::Instant::from_std(start + budget),
            budget,
        }
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

    /// Milliseconds since the check started.
    pub fn elapsed_ms(&self) -> u64 {
        ms(self.start.elapsed())
    }
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// How one batch wants its checks done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// Per-check deadline.
    pub timeout: Duration,
    /// GET or HEAD.
    pub method: Method,
    /// Redirects to follow at most.
    pub max_redirects: u32,
    /// Which final statuses count as `up` (the request's `accept`).
    pub accept: StatusRule,
}

/// What one hop learned, success or not.
#[derive(Debug, Default)]
struct HopFacts {
    timings: Timings,
    ip: Option<IpAddr>,
    tls: Option<TlsInfo>,
}

/// Runs checks; one per proxy, shared by every batch.
#[derive(Debug)]
pub struct Checker {
    tls: Arc<rustls::ClientConfig>,
    resolver: Arc<dyn Resolve>,
    guard: Guard,
    global: Arc<Semaphore>,
    hosts: HostLimits,
}

impl Checker {
    /// A checker for `config`'s policy and limits.
    pub fn new(config: &Config) -> Self {
        Checker {
            tls: tls::client_config(&config.extra_root_certs),
            resolver: config
                .resolver
                .clone()
                .unwrap_or_else(|| Arc::new(SystemResolver::new())),
            guard: Guard {
                allow_loopback: config.insecure_allow_loopback,
                own: config.listen,
            },
            global: Arc::new(Semaphore::new(config.global_concurrency.max(1))),
            hosts: HostLimits::new(config.per_host),
        }
    }

    /// Checks `input` (the `index`-th URL of its batch).
    pub async fn check(&self, index: usize, input: &str, params: Params) -> CheckLine {
        let mut line = CheckLine {
            index,
            url: input.to_owned(),
            outcome: Outcome::Invalid,
            status: None,
            reason: None,
            final_url: None,
            redirects: Vec::new(),
            timings_ms: Timings::default(),
            ip: None,
            http_version: None,
            tls: None,
            error: None,
        };
        let url = match parse::normalise(input) {
            Ok(url) => url,
            Err(e) => return fail(line, Failure::invalid(e.to_string())),
        };
        line.url = url.to_string();
        let mut host_slot = self.hosts.acquire(&host_key(&url)).await;
        let _global_slot = self.global.clone().acquire_owned().await.ok();
        let deadline = Deadline::new(params.timeout);
        let mut visited = HashSet::from([url.to_string()]);
        let mut current = url;
        let result = loop {
            let mut facts = HopFacts::default();
            let head = self
                .hop(&current, params.method, &deadline, &mut facts)
                .await;
            line.final_url = Some(current.to_string());
            line.timings_ms = facts.timings;
            line.ip = facts.ip;
            line.tls = facts.tls;
            line.status = None;
            line.reason = None;
            line.http_version = None;
            let head = match head {
                Ok(head) => head,
                Err(f) => break Err(f),
            };
            let status = head.status.as_u16();
            line.status = Some(status);
            line.reason = head.status.canonical_reason().map(str::to_owned);
            line.http_version = Some(http::version_name(head.version).to_owned());
            let location = match head.location {
                Some(loc) if redirect::is_redirect(status) => loc,
                _ => break Ok(status),
            };
            line.redirects.push(Redirect {
                url: current.to_string(),
                status,
            });
            let next = match redirect::next_url(&current, &location) {
                Ok(next) => next,
                Err(f) => break Err(f),
            };
            if !visited.insert(next.to_string()) {
                break Err(Failure::down(
                    ErrorKind::RedirectLoop,
                    format!("redirect loop: {next} was already visited"),
                ));
            }
            if line.redirects.len() > params.max_redirects as usize {
                break Err(Failure::down(
                    ErrorKind::TooManyRedirects,
                    format!("more than {} redirects", params.max_redirects),
                ));
            }
            if host_key(&next) != host_key(&current) {
                drop(host_slot);
                host_slot = self.hosts.acquire(&host_key(&next)).await;
            }
            current = next;
        };
        drop(host_slot);
        line.timings_ms.total = deadline.elapsed_ms();
        match result {
            Ok(status) => {
                line.outcome = Seen::Response(status).outcome(&params.accept);
                line
            }
            Err(f) => fail(line, f),
        }
    }

    /// One hop: exactly one lookup, the guard, then the exchange (twice to the
    /// same admitted addresses when a HEAD is rejected and retried as GET).
    async fn hop(
        &self,
        url: &Url,
        method: Method,
        deadline: &Deadline,
        facts: &mut HopFacts,
    ) -> Result<http::Head, Failure> {
        let port = url
            .port_or_known_default()
            .ok_or_else(|| Failure::invalid(format!("{url} has no port")))?;
        let host = url
            .host()
            .ok_or_else(|| Failure::invalid(format!("{url} has no host")))?;
        let resolved = match host {
            Host::Domain(name) => {
                let started = Instant::now();
                let answer = match dns::special_name(name) {
                    Some(addrs) => Ok(addrs),
                    None => deadline.run(Phase::Dns, self.lookup(name)).await,
                };
                facts.timings.dns = Some(ms(started.elapsed()));
                answer?
            }
            Host::Ipv4(ip) => vec![IpAddr::V4(ip)],
            Host::Ipv6(ip) => vec![IpAddr::V6(ip)],
        };
        let admitted = self.guard.admit(&resolved, port)?;
        let head = self
            .fetch(url, &admitted, port, method, deadline, facts)
            .await?;
        let rejected = matches!(head.status.as_u16(), 405 | 501);
        if method == Method::Head && rejected {
            let dns = facts.timings.dns;
            *facts = HopFacts::default();
            facts.timings.dns = dns;
            return self
                .fetch(url, &admitted, port, Method::Get, deadline, facts)
                .await;
        }
        Ok(head)
    }

    async fn lookup(&self, name: &str) -> Result<Vec<IpAddr>, Failure> {
        self.resolver.resolve(name).await.map_err(|e| {
            let message = match &e {
                ResolveError::NotFound(_) => format!("{e} (the name does not exist)"),
                ResolveError::Failed { .. } => e.to_string(),
            };
            Failure::unreachable(ErrorKind::Dns, message)
        })
    }

    async fn fetch(
        &self,
        url: &Url,
        addrs: &[IpAddr],
        port: u16,
        method: Method,
        deadline: &Deadline,
        facts: &mut HopFacts,
    ) -> Result<http::Head, Failure> {
        let started = Instant::now();
        let (tcp, ip) = connect::connect(addrs, port, deadline).await?;
        facts.timings.connect = Some(ms(started.elapsed()));
        facts.ip = Some(ip);
        let head = if url.scheme() == "https" {
            let host = url
                .host()
                .ok_or_else(|| Failure::invalid(format!("{url} has no host")))?;
            let started = Instant::now();
            let (stream, info) = tls::handshake(self.tls.clone(), host, tcp, deadline).await?;
            facts.timings.tls = Some(ms(started.elapsed()));
            facts.tls = info;
            http::exchange(stream, url, method, deadline).await?
        } else {
            http::exchange(tcp, url, method, deadline).await?
        };
        facts.timings.ttfb = Some(ms(head.ttfb));
        Ok(head)
    }
}

/// The key for per-host limits: what a browser would pool connections by.
fn host_key(url: &Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or_default(),
        url.port_or_known_default().unwrap_or_default()
    )
}

fn fail(mut line: CheckLine, f: Failure) -> CheckLine {
    line.outcome = f.kind.outcome();
    line.error = Some(LineError {
        kind: f.kind,
        message: f.message,
    });
    line
}
