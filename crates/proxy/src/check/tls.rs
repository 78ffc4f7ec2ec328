//! TLS with rustls and the public web roots (plus, in tests, an extra root), and
//! what the leaf certificate says about its expiry.

use rustls::pki_types::{CertificateDer, ServerName};
use rustls::ClientConfig;
use std::io;
use std::sync::Arc;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;
use url::Host;

use super::{Deadline, Failure, Phase};
use upcheck_core::wire::{ErrorKind, TlsInfo};

/// The client configuration every check shares.
pub fn client_config(extra_roots: &[CertificateDer<'static>]) -> Arc<ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for cert in extra_roots {
        if let Err(e) = roots.add(cert.clone()) {
            tracing::warn!("ignoring an extra root certificate: {e}");
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        // Fixed at build time, not input: aws-lc-rs supports TLS 1.2 and 1.3.
        .expect("the aws-lc-rs provider supports the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// Runs the handshake for `host` (SNI and certificate name check) within the
/// deadline, and reads the leaf certificate.
pub async fn handshake(
    config: Arc<ClientConfig>,
    host: Host<&str>,
    tcp: TcpStream,
    deadline: &Deadline,
) -> Result<(TlsStream<TcpStream>, Option<TlsInfo>), Failure> {
    let name = match host {
        Host::Domain(d) => ServerName::try_from(d.to_owned()).map_err(|e| {
            Failure::unreachable(
                ErrorKind::Tls,
                format!("'{d}' cannot be a TLS server name: {e}"),
            )
        })?,
        Host::Ipv4(ip) => ServerName::IpAddress(std::net::IpAddr::V4(ip).into()),
        Host::Ipv6(ip) => ServerName::IpAddress(std::net::IpAddr::V6(ip).into()),
    };
    let attempt = async {
        TlsConnector::from(config)
            .connect(name, tcp)
            .await
            .map_err(|e| handshake_failure(&e))
    };
    let stream = deadline.run(Phase::Tls, attempt).await?;
    let info = stream
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|chain| chain.first())
        .and_then(|leaf| cert_info(leaf, OffsetDateTime::now_utc()));
    Ok((stream, info))
}

fn handshake_failure(e: &io::Error) -> Failure {
    let message = match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(tls) => format!("TLS handshake failed: {tls}"),
        None => match e.kind() {
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted => {
                "TLS handshake failed: the server closed the connection".to_owned()
            }
            _ => format!("TLS handshake failed: {e}"),
        },
    };
    Failure::unreachable(ErrorKind::Tls, message)
}

/// Expiry and issuer of a DER certificate; `None` if it cannot be parsed.
pub fn cert_info(der: &[u8], now: OffsetDateTime) -> Option<TlsInfo> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let not_after = cert.validity().not_after.to_datetime();
    Some(TlsInfo {
        not_after: not_after.format(&Rfc3339).ok()?,
        days_left: (not_after - now).whole_days(),
        issuer: cert.issuer().to_string(),
    })
}
