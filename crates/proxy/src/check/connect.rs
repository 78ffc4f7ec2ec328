//! TCP connect to exactly the addresses the guard admitted — never a name, so
//! nothing can re-resolve between the check and the connection.

use std::io;
use std::net::{IpAddr, SocketAddr};
use tokio::net::TcpStream;

use super::{Deadline, Failure, Phase};
use upcheck_core::wire::ErrorKind;

/// Connects to the first admitted address that accepts, in the resolver's order.
pub async fn connect(
    addrs: &[IpAddr],
    port: u16,
    deadline: &Deadline,
) -> Result<(TcpStream, IpAddr), Failure> {
    let mut last = Failure::unreachable(ErrorKind::Connect, "no address to connect to".into());
    for &ip in addrs {
        let addr = SocketAddr::new(ip, port);
        let attempt = async {
            TcpStream::connect(addr)
                .await
                .map_err(|e| connect_failure(addr, &e))
        };
        match deadline.run(Phase::Connect, attempt).await {
            Ok(stream) => {
                // Small requests, latency matters: don't wait to coalesce.
                let _ = stream.set_nodelay(true);
                return Ok((stream, ip));
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
