//! TLS with rustls and the public web roots (plus any roots given with
//! `--ca-cert`), offering HTTP/2 and HTTP/1.1 by ALPN, and what the session
//! and the leaf certificate say.
//!
//! The certificate chain is verified right after the handshake, before a
//! byte of HTTP is sent, by the same webpki verifier rustls would use during
//! it: the handshake's signatures are checked inside the handshake as usual
//! (so the server proved it holds the leaf's key), only the chain-and-name
//! check is deferred, so that a certificate that fails it can still be
//! described (its expiry, issuer and names) beside exactly why it failed.
//! Nothing is ever sent over a session whose certificate did not verify.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, SignatureScheme};
use std::io;
use std::sync::Arc;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;
use url::Host;
use x509_parser::extensions::GeneralName;

use super::{Deadline, Failure, Phase};
use upcheck_core::wire::{ErrorKind, TlsInfo};

/// The most subject alternative names reported for one certificate.
pub const MAX_NAMES: usize = 20;

/// What every check's TLS shares: the client configuration and the
/// verifier its chains are checked with after the handshake.
#[derive(Debug, Clone)]
pub struct Tls {
    config: Arc<ClientConfig>,
    verifier: Arc<WebPkiServerVerifier>,
}

/// The handshake checks signatures with the real verifier and leaves the
/// chain to [`handshake`], which checks it before anything is sent.
#[derive(Debug)]
struct Deferred(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for Deferred {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// The configuration every check shares: web roots and `extra_roots`,
/// ALPN `h2` then `http/1.1`.
pub fn client_config(extra_roots: &[CertificateDer<'static>]) -> Tls {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for cert in extra_roots {
        if let Err(e) = roots.add(cert.clone()) {
            tracing::warn!("ignoring an extra root certificate: {e}");
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    // Fixed at build time, not input: the web roots are never empty.
    let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .expect("the web roots make a verifier");
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        // Fixed at build time, not input: aws-lc-rs supports TLS 1.2 and 1.3.
        .expect("the aws-lc-rs provider supports the default TLS versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Deferred(verifier.clone())))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Tls {
        config: Arc::new(config),
        verifier,
    }
}

/// An established, verified session.
pub struct Session {
    /// The stream to speak HTTP on.
    pub stream: TlsStream<TcpStream>,
    /// Whether the server chose `h2` by ALPN.
    pub h2: bool,
    /// What the session and its certificate say.
    pub info: Option<TlsInfo>,
}

/// Runs the handshake for `host` (SNI) within the deadline, then verifies
/// the chain and the name. A failed verification is `Err` with the
/// certificate's details (when it could be read) and exactly why.
pub async fn handshake(
    tls: &Tls,
    host: Host<&str>,
    tcp: TcpStream,
    deadline: &Deadline,
) -> Result<Session, (Failure, Option<TlsInfo>)> {
    let name = match host {
        Host::Domain(d) => ServerName::try_from(d.to_owned()).map_err(|e| {
            let f = Failure::unreachable(
                ErrorKind::Tls,
                format!("'{d}' cannot be a TLS server name: {e}"),
            );
            (f, None)
        })?,
        Host::Ipv4(ip) => ServerName::IpAddress(std::net::IpAddr::V4(ip).into()),
        Host::Ipv6(ip) => ServerName::IpAddress(std::net::IpAddr::V6(ip).into()),
    };
    let attempt = async {
        TlsConnector::from(tls.config.clone())
            .connect(name.clone(), tcp)
            .await
            .map_err(|e| handshake_failure(&e))
    };
    let stream = deadline
        .run(Phase::Tls, attempt)
        .await
        .map_err(|f| (f, None))?;
    let conn = stream.get_ref().1;
    let chain = conn.peer_certificates().unwrap_or_default();
    let now = OffsetDateTime::now_utc();
    let mut info = chain.first().and_then(|leaf| cert_info(leaf, now));
    if let Some(info) = info.as_mut() {
        info.version = conn.protocol_version().map(version_name);
        info.cipher = conn
            .negotiated_cipher_suite()
            .map(|s| format!("{:?}", s.suite()));
        info.chain_len = Some(chain.len() as u32);
    }
    let verdict = match chain.split_first() {
        Some((leaf, intermediates)) => tls
            .verifier
            .verify_server_cert(leaf, intermediates, &name, &[], UnixTime::now())
            .map(|_| ()),
        None => Err(rustls::Error::NoCertificatesPresented),
    };
    let h2 = conn.alpn_protocol() == Some(b"h2");
    match verdict {
        Ok(()) => {
            if let Some(info) = info.as_mut() {
                info.verified = Some(true);
                info.name_matches = Some(true);
            }
            Ok(Session { stream, h2, info })
        }
        Err(e) => {
            let name_matches = !matches!(
                e,
                rustls::Error::InvalidCertificate(
                    CertificateError::NotValidForName
                        | CertificateError::NotValidForNameContext { .. }
                )
            );
            if let Some(info) = info.as_mut() {
                info.verified = Some(false);
                info.name_matches = Some(name_matches);
            }
            let message = verification_failure(&e, &name, info.as_ref());
            Err((Failure::unreachable(ErrorKind::Tls, message), info))
        }
    }
}

/// `TLS 1.3`, `TLS 1.2`, ….
fn version_name(v: rustls::ProtocolVersion) -> String {
    match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLS 1.3".into(),
        rustls::ProtocolVersion::TLSv1_2 => "TLS 1.2".into(),
        other => format!("{other:?}"),
    }
}

/// Exactly why a certificate did not verify, for people.
fn verification_failure(
    e: &rustls::Error,
    name: &ServerName<'_>,
    info: Option<&TlsInfo>,
) -> String {
    let host = name.to_str();
    let expired = |info: &TlsInfo| {
        format!(
            "certificate verify failed: the certificate expired on {} ({} days ago)",
            info.not_after, -info.days_left
        )
    };
    match (e, info) {
        (
            rustls::Error::InvalidCertificate(
                CertificateError::Expired | CertificateError::ExpiredContext { .. },
            ),
            Some(info),
        ) => expired(info),
        (
            rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            ),
            Some(info),
        ) => format!(
            "certificate verify failed: the certificate is not valid for {host}; it is for {}",
            if info.names.is_empty() {
                "no DNS name or address".to_owned()
            } else {
                info.names.join(", ")
            }
        ),
        (rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer), Some(info)) => {
            format!(
                "certificate verify failed: the issuer ({}) is not a trusted root and no chain leads to one (UnknownIssuer)",
                info.issuer
            )
        }
        (rustls::Error::InvalidCertificate(c), _) => {
            format!("certificate verify failed: {c:?}")
        }
        (other, _) => format!("certificate verify failed: {other}"),
    }
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

/// Expiry, issuer and names of a DER certificate; `None` if it cannot be
/// parsed. The session's fields are left for [`handshake`] to fill.
pub fn cert_info(der: &[u8], now: OffsetDateTime) -> Option<TlsInfo> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let not_after = cert.validity().not_after.to_datetime();
    let names = cert
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|san| {
            san.value
                .general_names
                .iter()
                .filter_map(|n| match n {
                    GeneralName::DNSName(d) => Some((*d).to_owned()),
                    GeneralName::IPAddress(b) => ip_from_bytes(b).map(|ip| ip.to_string()),
                    _ => None,
                })
                .take(MAX_NAMES)
                .collect()
        })
        .unwrap_or_default();
    Some(TlsInfo {
        not_after: not_after.format(&Rfc3339).ok()?,
        days_left: (not_after - now).whole_days(),
        issuer: cert.issuer().to_string(),
        names,
        ..TlsInfo::default()
    })
}

fn ip_from_bytes(b: &[u8]) -> Option<std::net::IpAddr> {
    match b.len() {
        4 => Some(<[u8; 4]>::try_from(b).ok()?.into()),
        16 => Some(<[u8; 16]>::try_from(b).ok()?.into()),
        _ => None,
    }
}
