//! `[rest]`: the REST API, web page, /metrics and the sFlow-RT-compatible listener.
//!
//! ```toml
//! [rest]
//! enabled = true
//! listen = "127.0.0.1:8080"
//! token = "s3cret"                     # required when `listen` is not loopback
//! sflow_rt_listen = "127.0.0.1:8008"   # optional: sFlow-RT's own port, for old scripts
//! port_stats_interval_secs = 5         # port counters polled this often (0: never)
//! stats_timeout_secs = 5               # a switch's whole flow/port-stats answer within this
//! ```

use std::net::SocketAddr;

use serde::Deserialize;

/// `[rest]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RestConfig {
    /// Serve the API at all.
    pub enabled: bool,
    /// Where the API, the web page and /metrics listen.
    pub listen: SocketAddr,
    /// Bearer token for mutating requests. Required when `listen` (or `sflow_rt_listen`)
    /// is not a loopback address; enforced whenever set.
    pub token: Option<String>,
    /// A second listener serving the same routes, usually sFlow-RT's port 8008, so scripts
    /// written for sFlow-RT run unchanged.
    pub sflow_rt_listen: Option<SocketAddr>,
    /// How often every switch's port counters are read (rates are the change between two
    /// reads over the time between them). 0 turns polling off.
    pub port_stats_interval_secs: u64,
    /// How long a switch has to answer a statistics request completely.
    pub stats_timeout_secs: u64,
}

impl Default for RestConfig {
    fn default() -> Self {
        RestConfig {
            enabled: true,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            token: None,
            sflow_rt_listen: None,
            port_stats_interval_secs: 5,
            stats_timeout_secs: 5,
        }
    }
}

impl RestConfig {
    /// Every address the server binds.
    pub fn addresses(&self) -> Vec<SocketAddr> {
        std::iter::once(self.listen)
            .chain(self.sflow_rt_listen)
            .collect()
    }

    /// Port-stats polling interval; `None` when off.
    pub fn port_stats_interval(&self) -> Option<std::time::Duration> {
        (self.port_stats_interval_secs > 0)
            .then(|| std::time::Duration::from_secs(self.port_stats_interval_secs))
    }

    /// Statistics request timeout.
    pub fn stats_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.stats_timeout_secs)
    }

    /// The check both `check-config` and server start make: a non-loopback listener without
    /// a token would let anyone on the network install flows. Returns the offending key.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        if self.stats_timeout_secs == 0 || self.stats_timeout_secs > 300 {
            return Err((
                "stats_timeout_secs",
                format!(
                    "{} is not between 1 and 300 seconds",
                    self.stats_timeout_secs
                ),
            ));
        }
        if self.port_stats_interval_secs > 86_400 {
            return Err((
                "port_stats_interval_secs",
                format!(
                    "{} is more than a day (0 turns polling off)",
                    self.port_stats_interval_secs
                ),
            ));
        }
        if self.token.as_deref() == Some("") {
            return Err(("token", "must not be empty".into()));
        }
        if self.token.is_none() {
            for (key, addr) in [
                ("listen", Some(self.listen)),
                ("sflow_rt_listen", self.sflow_rt_listen),
            ] {
                if let Some(addr) = addr {
                    if !addr.ip().is_loopback() {
                        return Err((
                            key,
                            format!(
                                "{addr} is not a loopback address: set `rest.token` so mutating \
                                 requests need `Authorization: Bearer <token>`"
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Mutating requests must carry the token.
    pub fn requires_token(&self) -> bool {
        self.token.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_loopback_needs_token() {
        let mut c = RestConfig {
            listen: "0.0.0.0:8080".parse().unwrap(),
            ..RestConfig::default()
        };
        assert_eq!(c.check().unwrap_err().0, "listen");
        c.token = Some("t".into());
        assert!(c.check().is_ok());
        c.token = Some(String::new());
        assert_eq!(c.check().unwrap_err().0, "token");
        let c = RestConfig {
            sflow_rt_listen: Some("10.0.0.1:8008".parse().unwrap()),
            ..RestConfig::default()
        };
        assert_eq!(c.check().unwrap_err().0, "sflow_rt_listen");
        assert!(RestConfig::default().check().is_ok());
        let c = RestConfig {
            stats_timeout_secs: 0,
            ..RestConfig::default()
        };
        assert_eq!(c.check().unwrap_err().0, "stats_timeout_secs");
        let c: RestConfig = toml::from_str("port_stats_interval_secs = 0").unwrap();
        assert_eq!(c.port_stats_interval(), None);
        assert_eq!(
            RestConfig::default().port_stats_interval(),
            Some(std::time::Duration::from_secs(5))
        );
    }
}
