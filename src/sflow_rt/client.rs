//! The HTTP calls to sFlow-RT (reqwest). Each call has its own timeout; answers are read
//! up to [`MAX_BODY`] bytes and parsed with typed errors that say which call and URL failed.

use std::time::Duration;

use reqwest::{Client, Method, StatusCode, Url};
use serde::de::DeserializeOwned;

use super::{RtEvent, RtMetric};

/// Answers larger than this are refused (a healthy events answer is a few KiB).
pub const MAX_BODY: usize = 4 << 20;

/// A failed call.
#[derive(Debug, thiserror::Error)]
pub enum RtError {
    /// The configured URL is not an http(s) base URL.
    #[error("bad sFlow-RT url {url:?}: {reason}")]
    BadUrl {
        /// The text.
        url: String,
        /// Why.
        reason: String,
    },
    /// Connection refused, reset, timed out... (with the causes reqwest's own message
    /// leaves out, so the log says which).
    #[error("{what} {url}: {}", causes(.source))]
    Http {
        /// The call (`GET /events/json`).
        what: &'static str,
        /// The URL.
        url: String,
        /// The transport error.
        source: reqwest::Error,
    },
    /// A non-2xx answer.
    #[error("{what} {url}: HTTP {status}: {body}")]
    Status {
        /// The call.
        what: &'static str,
        /// The URL.
        url: String,
        /// The status.
        status: StatusCode,
        /// The start of the body.
        body: String,
    },
    /// An answer too large.
    #[error("{what} {url}: answer larger than {MAX_BODY} bytes")]
    TooLarge {
        /// The call.
        what: &'static str,
        /// The URL.
        url: String,
    },
    /// An answer that is not the documented JSON.
    #[error("{what} {url}: bad JSON ({source}); answer starts {start:?}")]
    Json {
        /// The call.
        what: &'static str,
        /// The URL.
        url: String,
        /// serde's error (with line and column).
        source: serde_json::Error,
        /// The first bytes of the answer.
        start: String,
    },
}

/// An error and its sources, `: `-joined.
fn causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut next = e.source();
    while let Some(c) = next {
        let c_text = c.to_string();
        if !text.contains(&c_text) {
            text.push_str(": ");
            text.push_str(&c_text);
        }
        next = c.source();
    }
    text
}

impl RtError {
    /// True for timeouts (a slow server), as opposed to refusals and garbage.
    pub fn is_timeout(&self) -> bool {
        matches!(self, RtError::Http { source, .. } if source.is_timeout())
    }
}

/// A client for one sFlow-RT.
#[derive(Debug, Clone)]
pub struct RtClient {
    http: Client,
    base: Url,
    /// Timeout of the short calls (PUT, metric, event sync).
    pub short_timeout: Duration,
}

impl RtClient {
    /// A client for `url` (`http://HOST:8008`).
    pub fn new(url: &str, short_timeout: Duration) -> Result<Self, RtError> {
        let bad = |reason: &str| RtError::BadUrl {
            url: url.to_string(),
            reason: reason.to_string(),
        };
        let mut base = Url::parse(url).map_err(|e| bad(&e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(bad("use http://HOST:PORT"));
        }
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        let http = Client::builder()
            .connect_timeout(short_timeout)
            .build()
            .map_err(|e| bad(&e.to_string()))?;
        Ok(RtClient {
            http,
            base,
            short_timeout,
        })
    }

    fn url(&self, segments: &[&str], query: &[(&str, String)]) -> Url {
        let mut u = self.base.clone();
        if let Ok(mut p) = u.path_segments_mut() {
            p.pop_if_empty().extend(segments);
        }
        if !query.is_empty() {
            u.query_pairs_mut().extend_pairs(query);
        }
        u
    }

    async fn call(
        &self,
        what: &'static str,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
        timeout: Duration,
    ) -> Result<Vec<u8>, RtError> {
        let http = |source| RtError::Http {
            what,
            url: url.to_string(),
            source,
        };
        let mut req = self.http.request(method, url.clone()).timeout(timeout);
        if let Some(b) = body {
            req = req.json(b);
        }
        let mut resp = req.send().await.map_err(http)?;
        let status = resp.status();
        let mut buf = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(http)? {
            if buf.len() + chunk.len() > MAX_BODY {
                return Err(RtError::TooLarge {
                    what,
                    url: url.into(),
                });
            }
            buf.extend_from_slice(&chunk);
        }
        if !status.is_success() {
            return Err(RtError::Status {
                what,
                url: url.into(),
                status,
                body: start_of(&buf),
            });
        }
        Ok(buf)
    }

    fn parse<T: DeserializeOwned>(what: &'static str, url: Url, buf: &[u8]) -> Result<T, RtError> {
        serde_json::from_slice(buf).map_err(|source| RtError::Json {
            what,
            url: url.into(),
            source,
            start: start_of(buf),
        })
    }

    /// `PUT /flow/{name}/json`.
    pub async fn put_flow(&self, name: &str, def: &serde_json::Value) -> Result<(), RtError> {
        let url = self.url(&["flow", name, "json"], &[]);
        self.call("PUT /flow", Method::PUT, url, Some(def), self.short_timeout)
            .await
            .map(drop)
    }

    /// `PUT /threshold/{name}/json`.
    pub async fn put_threshold(&self, name: &str, def: &serde_json::Value) -> Result<(), RtError> {
        let url = self.url(&["threshold", name, "json"], &[]);
        self.call(
            "PUT /threshold",
            Method::PUT,
            url,
            Some(def),
            self.short_timeout,
        )
        .await
        .map(drop)
    }

    /// The newest event id the server has (`GET /events/json?maxEvents=1`, no long-poll).
    pub async fn newest_event(&self) -> Result<Option<u64>, RtError> {
        const WHAT: &str = "GET /events/json";
        let url = self.url(&["events", "json"], &[("maxEvents", "1".into())]);
        let buf = self
            .call(WHAT, Method::GET, url.clone(), None, self.short_timeout)
            .await?;
        let evs: Vec<RtEvent> = Self::parse(WHAT, url, &buf)?;
        Ok(evs.iter().map(|e| e.event_id).max())
    }

    /// The long-poll: events after `after`, waiting up to `timeout` on the server; the HTTP
    /// timeout is twice that (as sFlow-RT's own UI does). Newest first, as the server sent.
    pub async fn events(
        &self,
        after: i64,
        max_events: u32,
        timeout: Duration,
    ) -> Result<Vec<RtEvent>, RtError> {
        const WHAT: &str = "GET /events/json";
        let url = self.url(
            &["events", "json"],
            &[
                ("maxEvents", max_events.to_string()),
                ("timeout", timeout.as_secs().max(1).to_string()),
                ("eventID", after.to_string()),
            ],
        );
        let buf = self
            .call(WHAT, Method::GET, url.clone(), None, timeout * 2)
            .await?;
        Self::parse(WHAT, url, &buf)
    }

    /// `GET /metric/{agent}/{name}/json`.
    pub async fn metric(&self, agent: &str, name: &str) -> Result<Vec<RtMetric>, RtError> {
        const WHAT: &str = "GET /metric";
        let url = self.url(&["metric", agent, name, "json"], &[]);
        let buf = self
            .call(WHAT, Method::GET, url.clone(), None, self.short_timeout)
            .await?;
        Self::parse(WHAT, url, &buf)
    }
}

fn start_of(buf: &[u8]) -> String {
    let end = buf.len().min(120);
    String::from_utf8_lossy(buf.get(..end).unwrap_or_default()).into_owned()
}
