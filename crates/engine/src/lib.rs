//! upcheck-engine: Upcheck's native check engine, used by the proxy server
//! (`upcheck-proxy`) and the command line (`upcheck`), the way lychee splits
//! lychee-lib from its binary. [`Checker`] is built once from an
//! [`EngineConfig`] and checks sites; [`run`] runs a list of them with a
//! concurrency bound and hands each [`CheckLine`] to the caller as it ends.
//!
//! One check, start to finish: parse, then up to `1 + retries` tries
//! ([`tries`]), each hop by hop resolve → guard → connect → TLS → HTTP head
//! (→ a bounded body prefix when the verdict needs it), following redirects
//! by hand, and report a [`CheckLine`].
//!
//! The verdict is core's one rule ([`Seen::outcome`]): a final response is
//! judged as an [`upcheck_core::Answer`] under the site's [`Expect`] (status
//! rule, bot wall, rate limit, body assertions, slow threshold), a failure by
//! its error kind ([`ErrorKind::outcome`]) — a check that could not get a
//! slot in time ends `cancelled` (`busy`), never as the site's `timeout`.
//!
//! Each hop takes its slots (see [`limits`]) and gives them all back when it
//! ends, so a redirect never waits for the next host while holding one, and
//! no slot is held while a check waits between tries or for its host's turn.

pub mod answer;
pub mod body;
pub mod config;
pub mod connect;
pub mod deadline;
pub mod dns;
pub mod guard;
pub mod http;
pub mod limits;
pub mod line;
pub mod pace;
pub mod redirect;
mod run;
pub mod site;
pub mod tls;
pub mod tries;

use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use url::{Host, Url};

use answer::Learnt;
pub use config::{EngineConfig, Reach};
use deadline::ms;
pub use deadline::{Deadline, Phase};
use dns::{Resolve, ResolveError, SystemResolver};
use guard::Guard;
use limits::Slots;
use pace::Pace;
pub use run::{run, Job};
use site::Patterns;
use upcheck_core::headers::SecurityHeaders;
use upcheck_core::wire::{CheckLine, ErrorKind, FamilyCheck, LineError, Method, Timings, TlsInfo};
use upcheck_core::Expect;
#[cfg(doc)]
use upcheck_core::Seen;

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
    /// No slot came free in time: the proxy's limit, not the site's fault.
    pub fn busy(message: String) -> Self {
        Failure {
            kind: ErrorKind::Busy,
            message,
        }
    }
    /// Not a checkable URL.
    pub fn invalid(message: String) -> Self {
        Failure {
            kind: ErrorKind::BadUrl,
            message,
        }
    }
}

/// How one site is to be checked: the request's method and redirect limit,
/// and the site's options resolved over the list's ([`site::Compiler`]).
#[derive(Debug, Clone)]
pub struct Params {
    /// GET or HEAD (always GET when the body is asserted on).
    pub method: Method,
    /// Redirects to follow at most.
    pub max_redirects: u32,
    /// What the check must do and is judged by: status rule, slow
    /// threshold, timeout of each try, retries, body assertions.
    pub expect: Expect,
    /// The body assertions' regular expressions, compiled.
    pub patterns: Patterns,
}

/// What one hop learned, success or not.
#[derive(Debug, Default)]
struct HopFacts {
    timings: Timings,
    ip: Option<IpAddr>,
    families: Vec<FamilyCheck>,
    tls: Option<TlsInfo>,
    security: Option<SecurityHeaders>,
}

/// A response head, and for a final response what it said besides.
#[derive(Debug)]
struct Fetched {
    head: http::Head,
    /// `None` for a redirect that will be followed.
    learnt: Option<Learnt>,
    /// The try's time on the site when this head arrived.
    answered_ms: u64,
}

/// A final response: the end of one try's redirect chain.
#[derive(Debug)]
pub struct Final {
    /// Its status.
    pub status: u16,
    /// What it said besides.
    pub learnt: Learnt,
    /// The try's time on the site until its head arrived, every hop included.
    pub latency_ms: u64,
}

/// One try's end: a final response or a failure, with its deadline (`None`
/// when the try never held its first slots) and the slot wait before it.
#[derive(Debug)]
pub struct Tried {
    /// What the try ended with.
    pub result: Result<Final, Failure>,
    /// The try's deadline, once it started.
    pub deadline: Option<Deadline>,
    /// Time waiting for the first hop's slots, before the deadline started.
    pub first_wait: Duration,
}

/// Runs checks; one per proxy, shared by every batch.
#[derive(Debug)]
pub struct Checker {
    tls: tls::Tls,
    resolver: Arc<dyn Resolve>,
    guard: Guard,
    slots: Slots,
    body_memory: body::BodyMemory,
    source_address: Option<IpAddr>,
}

impl Checker {
    /// A checker for `config`'s policy and limits.
    pub fn new(config: &EngineConfig) -> Self {
        Checker {
            tls: tls::client_config(&config.extra_root_certs),
            resolver: config
                .resolver
                .clone()
                .unwrap_or_else(|| Arc::new(SystemResolver::new())),
            guard: Guard {
                reach: config.reach,
                own: config.own_address,
            },
            slots: Slots::new(config.per_host, config.global_concurrency, config.slot_wait),
            body_memory: body::BodyMemory::new(config.body_memory_mib),
            source_address: config.source_address,
        }
    }

    /// Checks `input` (the `index`-th URL of its batch) as `params` say,
    /// paced with the rest of its batch by `pace`.
    pub async fn check(
        &self,
        index: usize,
        input: &str,
        params: &Params,
        pace: &Pace,
    ) -> CheckLine {
        tries::run(self, index, input, params, pace).await
    }

    /// One try: the redirect chain from `url`, hop by hop, each hop's facts
    /// written into `line` (the last hop's stay). The try's deadline is
    /// `budget`, started once its first hop holds its slots.
    async fn attempt(
        &self,
        url: &Url,
        params: &Params,
        budget: Duration,
        line: &mut CheckLine,
    ) -> Tried {
        let mut deadline = None;
        let mut first_wait = Duration::ZERO;
        // Fingerprints, not URLs: a chain of long URLs is not kept twice.
        let fingerprints = RandomState::new();
        let mut visited = HashSet::from([fingerprints.hash_one(url.as_str())]);
        let mut current = url.clone();
        let result = loop {
            let mut facts = HopFacts::default();
            let fetched = self
                .hop(
                    &current,
                    params,
                    budget,
                    (&mut deadline, &mut first_wait),
                    &mut facts,
                )
                .await;
            line.final_url = Some(current.to_string());
            line.timings_ms = facts.timings;
            line.ip = facts.ip;
            line.families = facts.families;
            line.tls = facts.tls;
            line.security_headers = facts.security;
            line.status = None;
            line.reason = None;
            line.http_version = None;
            let fetched = match fetched {
                Ok(fetched) => fetched,
                Err(f) => break Err(f),
            };
            let head = &fetched.head;
            let status = head.status.as_u16();
            line.status = Some(status);
            line.reason = head.status.canonical_reason().map(str::to_owned);
            line.http_version = Some(http::version_name(head.version).to_owned());
            let location = match (fetched.learnt, &head.location) {
                (Some(learnt), _) => {
                    break Ok(Final {
                        status,
                        learnt,
                        latency_ms: fetched.answered_ms,
                    })
                }
                (None, Some(location)) => location,
                // `fetch` learns from every response it does not follow.
                (None, None) => {
                    break Err(Failure::down(ErrorKind::Other, "internal error".into()))
                }
            };
            line::push_redirect(&mut line.redirects, current.as_str(), status);
            let next = match redirect::follow(&current, location.as_bytes()) {
                Ok(next) => next,
                Err(f) => break Err(f),
            };
            if !visited.insert(fingerprints.hash_one(next.as_str())) {
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
            current = next;
        };
        Tried {
            result,
            deadline,
            first_wait,
        }
    }

    /// One hop: the port rule, its slots, exactly one lookup, the guard, then
    /// the exchange (twice to the same admitted addresses when a HEAD is
    /// rejected and retried as GET). Its slots are freed when it returns.
    async fn hop(
        &self,
        url: &Url,
        params: &Params,
        budget: Duration,
        (deadline, first_wait): (&mut Option<Deadline>, &mut Duration),
        facts: &mut HopFacts,
    ) -> Result<Fetched, Failure> {
        let port = url
            .port_or_known_default()
            .ok_or_else(|| Failure::invalid(format!("{url} has no port")))?;
        let host = url
            .host()
            .ok_or_else(|| Failure::invalid(format!("{url} has no host")))?;
        self.guard.port(port)?;
        let (_name_slot, _global_slot, waited) = self.slots.for_name(&host_key(url)).await?;
        let deadline = match deadline {
            Some(d) => {
                d.pause(waited);
                d
            }
            None => {
                *first_wait = waited;
                deadline.insert(Deadline::new(budget))
            }
        };
        let method = params.method;
        let resolved = match host {
            Host::Domain(name) => {
                let started = Instant::now();
                // `name.` is `name`: one lookup key, one answer.
                let name = name.trim_end_matches('.');
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
        let fetched = self
            .fetch(url, &admitted, port, method, params, deadline, facts)
            .await?;
        let rejected = matches!(fetched.head.status.as_u16(), 405 | 501);
        if method == Method::Head && rejected {
            let dns = facts.timings.dns;
            *facts = HopFacts::default();
            facts.timings.dns = dns;
            return self
                .fetch(url, &admitted, port, Method::Get, params, deadline, facts)
                .await;
        }
        Ok(fetched)
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

    /// Connects, asks, and for a response that ends the chain learns what
    /// it says ([`answer::learn`], maybe reading a bounded body prefix),
    /// all under the address slot and the deadline.
    #[allow(clippy::too_many_arguments)]
    async fn fetch(
        &self,
        url: &Url,
        addrs: &[IpAddr],
        port: u16,
        method: Method,
        params: &Params,
        deadline: &mut Deadline,
        facts: &mut HopFacts,
    ) -> Result<Fetched, Failure> {
        let (connected, other_family) =
            connect::connect(addrs, port, self.source_address, &self.slots, deadline).await?;
        facts.timings.connect = Some(ms(connected.took));
        facts.ip = Some(connected.ip);
        // Held until the exchange is over.
        let _addr_slot = connected.slot;
        let tcp = connected.stream;
        // Offer compressed codings only when the body will be read.
        let compressed = !params.expect.body.is_empty();
        let exchange = if url.scheme() == "https" {
            let host = url
                .host()
                .ok_or_else(|| Failure::invalid(format!("{url} has no host")))?;
            let started = Instant::now();
            let handshake = tls::handshake(&self.tls, host, tcp, deadline).await;
            let took = Some(ms(started.elapsed()));
            let session = match handshake {
                Ok(session) => session,
                Err((f, info)) => {
                    // A handshake that finished, with a certificate that did not verify.
                    if info.is_some() {
                        facts.timings.tls = took;
                    }
                    facts.tls = info;
                    return Err(f);
                }
            };
            facts.timings.tls = took;
            facts.tls = session.info;
            http::exchange(
                session.stream,
                url,
                method,
                compressed,
                session.h2,
                deadline,
            )
            .await?
        } else {
            http::exchange(tcp, url, method, compressed, false, deadline).await?
        };
        let answered_ms = deadline.elapsed_ms();
        let http::Exchange {
            head,
            headers,
            body,
            ..
        } = exchange;
        facts.timings.ttfb = Some(ms(head.ttfb));
        let status = head.status.as_u16();
        let followed = redirect::is_redirect(status) && head.location.is_some();
        let retried_as_get = method == Method::Head && matches!(status, 405 | 501);
        let learnt = if followed || retried_as_get {
            None
        } else {
            let https = url.scheme() == "https";
            facts.security = Some(SecurityHeaders::assess(https, |name| {
                headers
                    .get_all(name)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .collect()
            }));
            Some(answer::learn(status, &headers, body, params, &self.body_memory, deadline).await?)
        };
        if let Some((own, other)) = other_family {
            let other = other.await;
            facts.families = match own.family {
                upcheck_core::wire::IpFamily::V4 => vec![own, other],
                upcheck_core::wire::IpFamily::V6 => vec![other, own],
            };
        }
        Ok(Fetched {
            head,
            learnt,
            answered_ms,
        })
    }
}

/// The key for per-name limits: what a browser would pool connections by,
/// with `name.` and `name` one host.
pub(crate) fn host_key(url: &Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or_default().trim_end_matches('.'),
        url.port_or_known_default().unwrap_or_default()
    )
}

fn fail(mut line: CheckLine, f: Failure) -> CheckLine {
    set_failure(&mut line, f);
    line
}

fn set_failure(line: &mut CheckLine, f: Failure) {
    line.outcome = f.kind.outcome();
    line.error = Some(LineError {
        kind: f.kind,
        message: f.message,
    });
}
