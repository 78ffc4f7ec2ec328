//! The one error type of the HTTP API: each variant becomes a status code and a
//! JSON body `{"error":{"kind":…,"message":…}}` written for the caller, never
//! an internal detail.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use upcheck_core::wire::{ErrorBody, ErrorDetail};

/// Why a request to the API was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// The body is not declared as JSON (415).
    #[error("send the check request as JSON with Content-Type: application/json")]
    UnsupportedMediaType,
    /// The body could not be read as a check request (400).
    #[error("the body is not a valid check request: {0}")]
    BadRequest(String),
    /// A field is out of range (400).
    #[error("{0}")]
    OutOfRange(String),
    /// One site's option cannot be used; the message starts with the field,
    /// `urls[3].matches: …` (400, `bad_request`).
    #[error("{0}")]
    BadField(String),
    /// More URLs than allowed (413).
    #[error("{got} URLs is too many for one request (at most {max}); split the list")]
    TooManyUrls {
        /// URLs sent.
        got: usize,
        /// The limit.
        max: usize,
    },
    /// The body is larger than allowed (413).
    #[error("the request body is too large (at most {max} bytes)")]
    BodyTooLarge {
        /// The limit in bytes.
        max: usize,
    },
    /// A cross-origin caller not on the allow-list (403).
    #[error("origin {0} may not use this proxy; start it with --allow-origin {0}")]
    OriginNotAllowed(String),
    /// The request names a host the proxy is not known by (421): possibly a
    /// DNS-rebinding page.
    #[error("this proxy does not answer for host {0:?}; if that is its name, start it with --public-host {0}")]
    UnknownHost(String),
    /// The request body did not arrive in time (408).
    #[error("the request body did not arrive within {secs} s")]
    BodyTimeout {
        /// The time allowed, in seconds.
        secs: u64,
    },
    /// Too many requests from one client (429).
    #[error("too many check requests; try again in {retry_after} s")]
    RateLimited {
        /// Seconds until the next request will be accepted.
        retry_after: u64,
    },
    /// The client already has its maximum of batches streaming (429).
    #[error(
        "this client already has {max} check batches running; wait for one to finish \
         (or stop it) before starting another"
    )]
    TooManyBatches {
        /// Batches one client may have streaming at once.
        max: usize,
    },
    /// Something went wrong on our side; details are only logged (500).
    #[error("internal error")]
    Internal,
}

impl AppError {
    /// The HTTP status this error is sent with.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::BadRequest(_) | AppError::OutOfRange(_) | AppError::BadField(_) => {
                StatusCode::BAD_REQUEST
            }
            AppError::TooManyUrls { .. } | AppError::BodyTooLarge { .. } => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            AppError::OriginNotAllowed(_) => StatusCode::FORBIDDEN,
            AppError::UnknownHost(_) => StatusCode::MISDIRECTED_REQUEST,
            AppError::BodyTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            AppError::RateLimited { .. } | AppError::TooManyBatches { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            AppError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The machine-readable `error.kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            AppError::UnsupportedMediaType => "unsupported_media_type",
            AppError::BadRequest(_) | AppError::BadField(_) => "bad_request",
            AppError::OutOfRange(_) => "out_of_range",
            AppError::TooManyUrls { .. } => "too_many_urls",
            AppError::BodyTooLarge { .. } => "body_too_large",
            AppError::OriginNotAllowed(_) => "origin_not_allowed",
            AppError::UnknownHost(_) => "unknown_host",
            AppError::BodyTimeout { .. } => "body_timeout",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::TooManyBatches { .. } => "too_many_batches",
            AppError::Internal => "internal",
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                kind: self.kind().to_owned(),
                message: self.to_string(),
            },
        };
        let mut resp = (self.status(), Json(body)).into_response();
        if let AppError::RateLimited { retry_after } = self {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        resp
    }
}
