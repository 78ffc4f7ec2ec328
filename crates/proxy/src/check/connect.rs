//! TCP connect to exactly the addresses the guard admitted — never a name, so
//! nothing can re-resolve between the check and the connection — each under
//! that address's slot, so however many names point at one address, it gets
//! at most `per_host` connections from this proxy at once.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

use super::limits::{Slot, Slots};
use super::{Deadline, Failure, Phase};
use upcheck_core::wire::ErrorKind;

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

/// Connects to the first admitted address that accepts, in the resolver's order.
pub async fn connect(
    addrs: &[IpAddr],
    port: u16,
    slots: &Slots,
    deadline: &mut Deadline,
) -> Result<Connected, Failure> {
    let started = Instant::now();
    let mut waited = Duration::ZERO;
    let mut last = Failure::unreachable(ErrorKind::Connect, "no address to connect to".into());
    for &ip in addrs {
        let addr = SocketAddr::new(ip, port);
        let (slot, wait) = slots.for_addr(addr).await?;
        waited += wait;
        deadline.pause(wait);
        let attempt = async {
            TcpStream::connect(addr)
                .await
                .map_err(|e| connect_failure(addr, &e))
        };
        match deadline.run(Phase::Connect, attempt).await {
            Ok(stream) => {
                // Small requests, latency matters: don't wait to coalesce.
                let _ = stream.set_nodelay(true);
                return Ok(Connected {
                    stream,
                    ip,
                    slot,
                    took: started.elapsed().saturating_sub(waited),
                });
            }
            Err(f) if f.kind == ErrorKind::Timeout => return Err(f),
            Err(f) => last = f,
        }
    }
    Err(last)
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
