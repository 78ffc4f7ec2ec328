//! TCP connect to exactly the addresses the guard admitted — never a name, so
//! nothing can re-resolve between the check and the connection — each under
//! that address's slot, so however many names point at one address, it gets
//! at most `per_host` connections from this proxy at once.
//!
//! When a name has both IPv4 and IPv6 addresses, both families are tried at
//! once (each its addresses in the resolver's order): the check goes on over
//! whichever connects first — one family answering is what a browser needs —
//! and the other's result is reported beside it ([`FamilyCheck`]), so a
//! site whose IPv6 (or IPv4) is broken is `up` with a warning, not `down`.
//! The other family gets at most [`OTHER_FAMILY_WAIT`] after the first one
//! connected, so a black-holed family costs a check two seconds, not its
//! whole timeout.
//!
//! With `--source-address`, every connection is made from that local
//! address; an address of the other family cannot be reached from it and
//! fails as such.

use futures_util::future::BoxFuture;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::net::{TcpSocket, TcpStream};

use super::deadline::ms;
use super::limits::{Slot, Slots};
use super::{Deadline, Failure, Phase};
use upcheck_core::wire::{ErrorKind, FamilyCheck, IpFamily};

/// How long the second address family may take to connect once the first
/// has: long enough for a slow but working path, far shorter than a timeout.
pub const OTHER_FAMILY_WAIT: Duration = Duration::from_secs(2);

/// An open connection and the address slot it holds.
#[derive(Debug)]
pub struct Connected {
    /// The connection.
    pub stream: TcpStream,
    /// The address it reached.
    pub ip: IpAddr,
    /// Held until the exchange is over.
    pub slot: Slot,
    /// Time spent connecting, slot waits left out.
    pub took: Duration,
}

/// The other family's attempt, still running: await it for its report.
pub type OtherFamily<'a> = BoxFuture<'a, FamilyCheck>;

/// One family's try: its stream and slot, or why it failed; with the
/// address tried last and the slot wait.
struct FamilyTry {
    family: IpFamily,
    result: Result<(TcpStream, Slot), Failure>,
    ip: IpAddr,
    waited: Duration,
    took: Duration,
}

/// Connects to the first admitted address that accepts; with both families
/// present, to the first family that connects, and hands back the other's
/// attempt (its report, `None` when there was one family).
pub async fn connect<'a>(
    addrs: &[IpAddr],
    port: u16,
    source: Option<IpAddr>,
    slots: &'a Slots,
    deadline: &mut Deadline,
) -> Result<(Connected, Option<(FamilyCheck, OtherFamily<'a>)>), Failure> {
    let (v6, v4): (Vec<IpAddr>, Vec<IpAddr>) = addrs.iter().partition(|ip| ip.is_ipv6());
    if v4.is_empty() || v6.is_empty() {
        let tried = family(addrs.to_vec(), port, source, slots, *deadline).await;
        deadline.pause(tried.waited);
        return tried.into_connected().map(|c| (c, None));
    }
    let d = *deadline;
    let (first_v4, first_v6) = (v4[0], v6[0]);
    let mut first = Box::pin(family(v6, port, source, slots, d));
    let mut second = Box::pin(family(v4, port, source, slots, d));
    let (won, mut other) = tokio::select! {
        t = &mut first => (t, second),
        t = &mut second => (t, first),
    };
    if won.result.is_ok() {
        deadline.pause(won.waited);
        let report = won.report();
        let until = tokio::time::Instant::now() + OTHER_FAMILY_WAIT;
        let (family, ip) = match won.family {
            IpFamily::V4 => (IpFamily::V6, first_v6),
            IpFamily::V6 => (IpFamily::V4, first_v4),
        };
        let rest: OtherFamily<'a> = Box::pin(async move {
            match tokio::time::timeout_at(until, &mut other).await {
                Ok(t) => t.report(),
                Err(_) => FamilyCheck {
                    family,
                    ip,
                    connected: false,
                    connect_ms: None,
                    error: Some(format!(
                        "no connection within {} s of the other family's",
                        OTHER_FAMILY_WAIT.as_secs()
                    )),
                },
            }
        });
        let connected = won.into_connected()?;
        return Ok((connected, Some((report, rest))));
    }
    // The first family to finish failed: the check needs the other one.
    let lost = won;
    let tried = other.await;
    deadline.pause(tried.waited);
    match tried.result {
        Ok(_) => {
            let report = lost.report();
            let connected = tried.into_connected()?;
            let done: OtherFamily<'a> = Box::pin(std::future::ready(report));
            let own = FamilyCheck {
                family: IpFamily::of(connected.ip),
                ip: connected.ip,
                connected: true,
                connect_ms: Some(ms(connected.took)),
                error: None,
            };
            Ok((connected, Some((own, done))))
        }
        Err(f) => {
            let lost_message = lost.result.err().map(|e| e.message).unwrap_or_default();
            let (v4_message, v6_message) = match lost.family {
                IpFamily::V4 => (lost_message, f.message.clone()),
                IpFamily::V6 => (f.message.clone(), lost_message),
            };
            Err(Failure {
                kind: f.kind,
                message: format!("IPv4: {v4_message}; IPv6: {v6_message}"),
            })
        }
    }
}

impl FamilyTry {
    fn report(&self) -> FamilyCheck {
        FamilyCheck {
            family: self.family,
            ip: self.ip,
            connected: self.result.is_ok(),
            connect_ms: self.result.is_ok().then(|| ms(self.took)),
            error: self.result.as_ref().err().map(|f| f.message.clone()),
        }
    }

    fn into_connected(self) -> Result<Connected, Failure> {
        let (stream, slot) = self.result?;
        Ok(Connected {
            stream,
            ip: self.ip,
            slot,
            took: self.took,
        })
    }
}

/// Tries `addrs` (one family, or whatever the name had) in order.
async fn family(
    addrs: Vec<IpAddr>,
    port: u16,
    source: Option<IpAddr>,
    slots: &Slots,
    mut deadline: Deadline,
) -> FamilyTry {
    let started = Instant::now();
    let mut waited = Duration::ZERO;
    let family = addrs.first().map_or(IpFamily::V4, |ip| IpFamily::of(*ip));
    let mut last = Failure::unreachable(ErrorKind::Connect, "no address to connect to".into());
    let mut last_ip = addrs.first().copied().unwrap_or(IpAddr::from([0, 0, 0, 0]));
    for ip in addrs {
        last_ip = ip;
        let addr = SocketAddr::new(ip, port);
        let (slot, wait) = match slots.for_addr(addr).await {
            Ok(s) => s,
            Err(f) => {
                last = f;
                break;
            }
        };
        waited += wait;
        deadline.pause(wait);
        let attempt = async {
            open(addr, source)
                .await
                .map_err(|e| connect_failure(addr, &e))
        };
        match deadline.run(Phase::Connect, attempt).await {
            Ok(stream) => {
                // Small requests, latency matters: don't wait to coalesce.
                let _ = stream.set_nodelay(true);
                return FamilyTry {
                    family,
                    result: Ok((stream, slot)),
                    ip,
                    waited,
                    took: started.elapsed().saturating_sub(waited),
                };
            }
            Err(f) if f.kind == ErrorKind::Timeout => {
                last = f;
                break;
            }
            Err(f) => last = f,
        }
    }
    FamilyTry {
        family,
        result: Err(last),
        ip: last_ip,
        waited,
        took: started.elapsed().saturating_sub(waited),
    }
}

/// A connection to `addr`, from `source` when one is set.
async fn open(addr: SocketAddr, source: Option<IpAddr>) -> io::Result<TcpStream> {
    let Some(source) = source else {
        return TcpStream::connect(addr).await;
    };
    if source.is_ipv4() != addr.is_ipv4() {
        return Err(io::Error::new(
            io::ErrorKind::AddrNotAvailable,
            format!("the source address {source} is of the other IP family"),
        ));
    }
    let socket = if source.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.bind(SocketAddr::new(source, 0))?;
    socket.connect(addr).await
}

fn connect_failure(addr: SocketAddr, e: &io::Error) -> Failure {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => {
            Failure::unreachable(ErrorKind::Refused, format!("{addr} refused the connection"))
        }
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => Failure::unreachable(
            ErrorKind::Reset,
            format!("{addr} reset the connection while connecting"),
        ),
        _ => Failure::unreachable(ErrorKind::Connect, format!("cannot connect to {addr}: {e}")),
    }
}
