//! The HTTP API: `GET /api/health` and `POST /api/check` (docs/API.md).

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, Extensions, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::sync::Arc;

use crate::check::batch::{self, Batch};
use crate::check::clients::Clients;
use crate::check::{site, Checker, Params};
use crate::error::AppError;
use upcheck_core::wire::{CheckRequest, Health, Limits, API_VERSION};
use upcheck_core::{defaults, StatusRule};

/// What the handlers share.
#[derive(Debug)]
pub struct AppState {
    /// Runs the checks.
    pub checker: Arc<Checker>,
    /// Admits each client's batches (per-client caps).
    pub clients: Clients,
    /// Whether a client is known by its `X-Forwarded-For` entry.
    pub trust_forwarded: bool,
    /// How long a batch waits for its reader (see [`batch`]).
    pub write_stall: std::time::Duration,
    /// The limits in force (also what `/api/health` reports).
    pub limits: Limits,
    /// `--label`, reported by `/api/health`.
    pub label: Option<String>,
}

/// `GET /api/health`.
pub async fn health(State(state): State<Arc<AppState>>) -> Json<Health> {
    Json(Health {
        name: "upcheck-proxy".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        api_version: API_VERSION,
        label: state.label.clone(),
        limits: state.limits.clone(),
    })
}

/// `POST /api/check`: validate, admit (per-client batch cap), then stream one
/// NDJSON line per URL in completion order. The checks run in their own tasks
/// (see [`batch`]), so a reader that stalls or leaves holds no shared slot.
pub async fn check(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    extensions: Extensions,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    if !is_json(&headers) {
        return Err(AppError::UnsupportedMediaType);
    }
    let limits = &state.limits;
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::BodyTooLarge {
                max: limits.max_body_bytes,
            }
        } else {
            AppError::BadRequest("the body could not be read".to_owned())
        }
    })?;
    let request: CheckRequest =
        serde_json::from_slice(&body).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let jobs = validate(&request, limits)?;
    tracing::info!(
        urls = request.urls.len(),
        method = request.method.as_str(),
        timeout_ms = request.timeout_ms,
        retries = request.retries,
        "check batch"
    );

    let client = crate::rate::request_client(&extensions, &headers, state.trust_forwarded);
    let ticket = state
        .clients
        .admit(client)
        .ok_or_else(|| AppError::TooManyBatches {
            max: state.clients.max_batches(),
        })?;
    let lines = batch::start(
        state.checker.clone(),
        Batch {
            jobs,
            concurrency: limits.concurrency.max(1),
            write_stall: state.write_stall,
            ticket,
            api_version: request.version,
        },
    );
    let mut response = Body::from_stream(lines).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

/// Checks the whole request before anything streams, and makes each site's
/// [`Params`]: its options over the list's defaults, regexes compiled.
fn validate(request: &CheckRequest, limits: &Limits) -> Result<Vec<(String, Params)>, AppError> {
    if !(1..=API_VERSION).contains(&request.version) {
        return Err(AppError::BadField(format!(
            "version: this proxy speaks API versions 1 to {API_VERSION}, not {}",
            request.version
        )));
    }
    if request.urls.len() > limits.max_urls {
        return Err(AppError::TooManyUrls {
            got: request.urls.len(),
            max: limits.max_urls,
        });
    }
    if !(limits.min_timeout_ms..=limits.max_timeout_ms).contains(&request.timeout_ms) {
        return Err(AppError::OutOfRange(format!(
            "timeout_ms must be between {} and {}",
            limits.min_timeout_ms, limits.max_timeout_ms
        )));
    }
    if request.max_redirects > limits.max_redirects {
        return Err(AppError::OutOfRange(format!(
            "max_redirects must be at most {}",
            limits.max_redirects
        )));
    }
    let accept = match &request.accept {
        Some(rule) => rule
            .parse::<StatusRule>()
            .map_err(|e| AppError::BadRequest(format!("accept: {e}")))?,
        None => StatusRule::default(),
    };
    site::check_defaults(request.slow_ms, request.retries).map_err(AppError::OutOfRange)?;
    let defaults = request.defaults(accept);
    let mut compiler = site::Compiler::default();
    request
        .urls
        .iter()
        .enumerate()
        .map(|(i, target)| {
            if let Some(ms) = target.options.timeout_ms {
                // The same bounds as the list-wide timeout's.
                if !(limits.min_timeout_ms..=limits.max_timeout_ms).contains(&ms) {
                    return Err(AppError::BadField(format!(
                        "urls[{i}].timeout_ms: must be {} to {}",
                        limits.min_timeout_ms, limits.max_timeout_ms
                    )));
                }
            }
            let params = compiler
                .site(i, target, &defaults, request.method, request.max_redirects)
                .map_err(AppError::BadField)?;
            Ok((target.url.clone(), params))
        })
        .collect()
}

/// The limits a [`crate::Config`] puts in force.
pub fn limits(config: &crate::Config) -> Limits {
    Limits {
        max_urls: config.max_urls,
        max_body_bytes: config.max_body_bytes,
        concurrency: config.concurrency.max(1),
        per_host: config.per_host.max(1),
        global_concurrency: config.global_concurrency.max(1),
        rate_per_minute: config.rate_per_minute,
        rate_burst: config.rate_burst,
        max_redirects: defaults::MAX_REDIRECTS_CAP,
        min_timeout_ms: defaults::MIN_TIMEOUT_MS,
        max_timeout_ms: defaults::MAX_TIMEOUT_MS,
        insecure_allow_loopback: config.insecure_allow_loopback,
        max_batches_per_client: config.max_batches_per_client,
        max_checks_per_client: config.max_checks_per_client,
        honours_accept: true,
        site_options: true,
    }
}
