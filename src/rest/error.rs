//! API errors: `{"error": "...", "field": "..."}` with the right status code.
//!
//! Every refusal names what was wrong (`error`) and, when one request field is to blame,
//! which (`field`, a JSON path like `monitor` or `duration_secs`), so an operator fixing a
//! script does not have to guess.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::state::TapError;

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {message}")]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// What is wrong.
    pub message: String,
    /// The request field at fault, if one is.
    pub field: Option<String>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl ApiError {
    /// Any status.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            field: None,
        }
    }

    /// Name the field at fault.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// 400 about `field`.
    pub fn bad_request(field: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message).field(field)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 503: a part of the controller that is not running (or not built in yet).
    pub fn unavailable(what: &str) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{what} not available: that part of the controller is not running"),
        )
    }

    /// 500, for a failure that is ours.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl From<TapError> for ApiError {
    fn from(e: TapError) -> Self {
        let message = e.to_string();
        match e {
            TapError::Invalid { field, .. } => {
                Self::new(StatusCode::BAD_REQUEST, message).field(field)
            }
            TapError::Unknown { field, .. } => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, message).field(field)
            }
            TapError::Unbuildable { field, .. } => {
                Self::new(StatusCode::CONFLICT, message).field(field)
            }
            TapError::Exists(_) => Self::new(StatusCode::CONFLICT, message).field("name"),
            TapError::NotFound(_) => Self::new(StatusCode::NOT_FOUND, message).field("id"),
            TapError::Switch(_) => Self::new(StatusCode::BAD_GATEWAY, message),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: &self.message,
            field: self.field.as_deref(),
        };
        let json = serde_json::to_vec(&body).unwrap_or_else(|_| b"{}".to_vec());
        let mut resp = (self.status, json).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"tapdemon\""),
            );
        }
        resp
    }
}

/// Parse a JSON request body, naming the field at fault on error. Accepts any content type
/// (curl users forget `-H 'Content-Type: application/json'`).
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(
            ApiError::bad_request("", "empty request body: expected a JSON object")
                .without_empty_field(),
        );
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        json_error(
            &path,
            &inner.to_string(),
            inner.is_syntax() || inner.is_eof(),
        )
    })?;
    de.end().map_err(|e| {
        ApiError::bad_request("", format!("invalid JSON: {e}")).without_empty_field()
    })?;
    Ok(value)
}

/// Parse a relaxed (JSON5) body, sFlow-RT style: `{keys:'ipsource', value:'bytes'}`.
pub fn parse_relaxed<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let text = std::str::from_utf8(body).map_err(|_| {
        ApiError::bad_request("", "request body is not UTF-8").without_empty_field()
    })?;
    // Strict JSON first, for exact field paths; JSON5 (a superset) when that fails to parse.
    match parse_json::<T>(body) {
        Ok(v) => Ok(v),
        Err(e) if e.field.is_some() => Err(e),
        Err(_) => json5::from_str(text).map_err(|e| {
            let msg = e.to_string();
            let field = backticked(&msg);
            let err = ApiError::bad_request("", format!("invalid JSON: {msg}"));
            match field {
                Some(f) => err.field(f),
                None => err.without_empty_field(),
            }
        }),
    }
}

impl ApiError {
    fn without_empty_field(mut self) -> Self {
        if self.field.as_deref() == Some("") {
            self.field = None;
        }
        self
    }
}

/// The error for a body that did not deserialise at `path` (`.` for the top level).
fn json_error(path: &str, message: &str, syntax: bool) -> ApiError {
    if syntax {
        return ApiError::bad_request("", format!("invalid JSON: {message}")).without_empty_field();
    }
    // "missing field `monitor`" is reported at the enclosing object (the field is the one in
    // backticks); "unknown field `foo`" at the field itself.
    let field = match (path, backticked(message)) {
        (".", Some(f))
            if message.starts_with("missing field") || message.starts_with("unknown field") =>
        {
            f
        }
        (p, Some(f)) if message.starts_with("missing field") => format!("{p}.{f}"),
        (".", _) => String::new(),
        (p, _) => p.to_string(),
    };
    ApiError::bad_request(&field, message.to_string()).without_empty_field()
}

fn backticked(msg: &str) -> Option<String> {
    let start = msg.find('`')? + 1;
    let len = msg.get(start..)?.find('`')?;
    msg.get(start..start + len).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::state::TapRequest;

    #[test]
    fn names_the_field() {
        let e = parse_json::<TapRequest>(br#"{"source":"s1:1"}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("monitor"));
        assert!(e.message.contains("missing field"), "{}", e.message);
        let e = parse_json::<TapRequest>(br#"{"source":"s1:1","monitor":"s3:11","colour":1}"#)
            .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("colour"));
        let e = parse_json::<TapRequest>(
            br#"{"source":"s1:1","monitor":"s3:11","duration_secs":"ten"}"#,
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("duration_secs"));
        let e = parse_json::<TapRequest>(
            br#"{"source":"s1:1","monitor":"s3:11","direction":"sideways"}"#,
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("direction"));
        let e = parse_json::<TapRequest>(b"{nope").unwrap_err();
        assert_eq!(e.field, None);
        assert!(e.message.starts_with("invalid JSON"), "{}", e.message);
        assert!(parse_json::<TapRequest>(b"  ").is_err());
    }

    #[test]
    fn relaxed_json() {
        #[derive(serde::Deserialize)]
        struct F {
            keys: String,
            value: String,
        }
        let f: F = parse_relaxed(b"{keys:'ipsource,ipdestination', value:'bytes'}").unwrap();
        assert_eq!(f.keys, "ipsource,ipdestination");
        assert_eq!(f.value, "bytes");
    }
}
