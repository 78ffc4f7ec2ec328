//! A request body must arrive whole within a deadline. hyper only bounds the
//! request head; tower-http's body timeout restarts with every chunk, so a
//! client dripping one byte a second would hold a check slot forever. Here
//! the whole body is read against one deadline, and a client that misses it
//! gets a JSON 408 while it can still read one.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use std::time::Duration;

use crate::error::AppError;

/// How long, and how much, a request body may be.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    /// The whole body must be in by then, counted from the end of the head.
    pub timeout: Duration,
    /// Largest body in bytes.
    pub max_bytes: usize,
}

/// Middleware: reads the body within [`BodyLimits`] and hands it on in full.
/// The handlers buffer the whole body anyway, so nothing streams less.
pub async fn read_whole(State(limits): State<BodyLimits>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let read = Limited::new(body, limits.max_bytes).collect();
    match tokio::time::timeout(limits.timeout, read).await {
        Ok(Ok(collected)) => {
            next.run(Request::from_parts(parts, Body::from(collected.to_bytes())))
                .await
        }
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => AppError::BodyTooLarge {
            max: limits.max_bytes,
        }
        .into_response(),
        Ok(Err(_)) => AppError::BadRequest("the body could not be read".to_owned()).into_response(),
        Err(_elapsed) => {
            tracing::info!("a request body did not arrive within {:?}", limits.timeout);
            AppError::BodyTimeout {
                secs: limits.timeout.as_secs_f64().ceil() as u64,
            }
            .into_response()
        }
    }
}
