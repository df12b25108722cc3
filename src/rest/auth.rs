//! Bearer-token check for mutating requests.
//!
//! Reads (GET, HEAD) are open: they reveal no more than the switches' own counters.
//! Anything else installs or removes flows, so when `[rest] token` is set (mandatory on a
//! non-loopback listener) it needs `Authorization: Bearer <token>`. The comparison takes
//! the same time wherever the first differing byte is.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

/// The token mutating requests must present, if any.
#[derive(Debug, Clone)]
pub struct Auth {
    token: Option<Arc<str>>,
}

impl Auth {
    /// From `[rest] token`.
    pub fn new(token: Option<&str>) -> Self {
        Auth {
            token: token.map(Arc::from),
        }
    }

    /// Check a request's method and `Authorization` header.
    pub fn check(&self, method: &Method, authorization: Option<&[u8]>) -> Result<(), ApiError> {
        let Some(token) = &self.token else {
            return Ok(());
        };
        if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
            return Ok(());
        }
        let unauthorized =
            |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, m).field("Authorization");
        let Some(value) = authorization else {
            return Err(unauthorized(
                "this request changes the network: send `Authorization: Bearer <token>` (rest.token)",
            ));
        };
        let Some(given) = value.strip_prefix(b"Bearer ") else {
            return Err(unauthorized("Authorization must be `Bearer <token>`"));
        };
        if !constant_time_eq(given.trim_ascii(), token.as_bytes()) {
            return Err(unauthorized("wrong bearer token"));
        }
        Ok(())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The middleware.
pub async fn require_token(State(auth): State<Auth>, req: Request, next: Next) -> Response {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes().to_vec());
    match auth.check(req.method(), value.as_deref()) {
        Ok(()) => next.run(req).await,
        Err(e) => {
            tracing::warn!(method = %req.method(), uri = %req.uri(), error = %e.message, "refused");
            e.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        let open = Auth::new(None);
        assert!(open.check(&Method::POST, None).is_ok());
        let a = Auth::new(Some("s3cret"));
        assert!(a.check(&Method::GET, None).is_ok());
        assert_eq!(
            a.check(&Method::POST, None).unwrap_err().status,
            StatusCode::UNAUTHORIZED
        );
        assert!(a.check(&Method::DELETE, Some(b"Bearer s3cret")).is_ok());
        assert!(a.check(&Method::PUT, Some(b"Bearer s3cres")).is_err());
        assert!(a.check(&Method::PUT, Some(b"Basic s3cret")).is_err());
        assert!(a.check(&Method::PUT, Some(b"Bearer s3cret2")).is_err());
    }
}
