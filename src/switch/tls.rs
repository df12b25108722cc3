//! OpenFlow over TLS: what OVS calls an `ssl:HOST:PORT` controller target.
//!
//! `[controller] tls_listen` addresses accept TLS with mutual authentication: the controller
//! presents `tls_cert` (with `tls_key`) and every switch must present a certificate signed by
//! `tls_ca` (with `ovs-pki`: the controller's `ctl-cert.pem`, and `switchca/cacert.pem` to
//! verify the switches). A connection that fails the TLS handshake (no certificate, one
//! signed by another CA, not TLS at all, or too slow) is logged with the peer's address and
//! closed before any OpenFlow is spoken, so it never touches another switch's session.
//! After the handshake the TLS stream is served by the same driver as a TCP connection.

use std::fs::File;
use std::io::{self, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::net::TcpStream;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{self, RootCertStore, ServerConfig};
use tokio_rustls::TlsAcceptor;
use tracing::{info, warn};

use super::driver::{self, SwitchContext};

/// Certificate and key files are small; anything bigger is not one (and `/dev/zero` must
/// not hang `check-config`).
pub const MAX_PEM_BYTES: u64 = 1 << 20;

/// The three files of a TLS listener, with the config keys they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// `tls_cert`: the controller's certificate chain (PEM).
    pub cert: PathBuf,
    /// `tls_key`: its private key (PEM: PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    /// `tls_ca`: CA certificate(s) a switch's certificate must chain to (PEM).
    pub ca: PathBuf,
}

/// Why a TLS listener cannot be set up. Every variant names the config key and the file.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The file cannot be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// Config key.
        key: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file is larger than [`MAX_PEM_BYTES`].
    #[error("{} is larger than {MAX_PEM_BYTES} bytes: not a PEM file", path.display())]
    TooLarge {
        /// Config key.
        key: &'static str,
        /// The file.
        path: PathBuf,
    },
    /// The file holds broken PEM, or none of what the key needs.
    #[error("{}: {what}", path.display())]
    Pem {
        /// Config key.
        key: &'static str,
        /// The file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// rustls refused the certificates or the key (a key that does not match the
    /// certificate, an unsupported key type, a CA certificate it cannot parse).
    #[error("{}: {source}", path.display())]
    Rejected {
        /// Config key.
        key: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        source: rustls::Error,
    },
}

impl TlsError {
    /// The `[controller]` key whose file is at fault (`tls_cert`, `tls_key`, `tls_ca`).
    pub fn key(&self) -> &'static str {
        match self {
            TlsError::Read { key, .. }
            | TlsError::TooLarge { key, .. }
            | TlsError::Pem { key, .. }
            | TlsError::Rejected { key, .. } => key,
        }
    }
}

/// Read `path` (at most [`MAX_PEM_BYTES`]).
fn read_pem(key: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    let read_err = |source| TlsError::Read {
        key,
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(read_err)?;
    let mut buf = Vec::new();
    file.take(MAX_PEM_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(read_err)?;
    if buf.len() as u64 > MAX_PEM_BYTES {
        return Err(TlsError::TooLarge {
            key,
            path: path.to_path_buf(),
        });
    }
    Ok(buf)
}

fn certs(key: &'static str, path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = read_pem(key, path)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Pem {
            key,
            path: path.to_path_buf(),
            what: format!("bad PEM: {e}"),
        })?;
    if certs.is_empty() {
        return Err(TlsError::Pem {
            key,
            path: path.to_path_buf(),
            what: "no certificate (-----BEGIN CERTIFICATE-----) found".to_string(),
        });
    }
    Ok(certs)
}

fn private_key(key: &'static str, path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let pem = read_pem(key, path)?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| TlsError::Pem {
        key,
        path: path.to_path_buf(),
        what: match e {
            rustls::pki_types::pem::Error::NoItemsFound => {
                "no private key (-----BEGIN PRIVATE KEY-----) found".to_string()
            }
            e => format!("bad PEM: {e}"),
        },
    })
}

/// Build the rustls server config: our certificate, and client certificates required and
/// verified against the CA. Reads the three files; `check-config` calls this too.
pub fn server_config(files: &TlsFiles) -> Result<Arc<ServerConfig>, TlsError> {
    let chain = certs("tls_cert", &files.cert)?;
    let key = private_key("tls_key", &files.key)?;
    let mut roots = RootCertStore::empty();
    for ca in certs("tls_ca", &files.ca)? {
        roots.add(ca).map_err(|source| TlsError::Rejected {
            key: "tls_ca",
            path: files.ca.clone(),
            source,
        })?;
    }
    // An explicit provider: the process-wide default is ambiguous when both rustls
    // backends are linked, and ring is the one reqwest already brings.
    let provider = Arc::new(ring::default_provider());
    let rejected_ca = |source| TlsError::Rejected {
        key: "tls_ca",
        path: files.ca.clone(),
        source,
    };
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| rejected_ca(rustls::Error::General(e.to_string())))?;
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(rejected_ca)?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|source| TlsError::Rejected {
            key: "tls_key",
            path: files.key.clone(),
            source,
        })?;
    Ok(Arc::new(config))
}

/// Accept TLS on `stream` within the OpenFlow handshake timeout, then serve the switch like
/// a TCP one. A failed or slow handshake is logged (with the peer) and the connection dropped.
pub async fn run(
    acceptor: TlsAcceptor,
    stream: TcpStream,
    peer: SocketAddr,
    ctx: Arc<SwitchContext>,
) {
    let _ = stream.set_nodelay(true);
    let timeout = ctx.config.handshake_timeout;
    let handshake = tokio::select! {
        _ = ctx.shutdown.cancelled() => return,
        r = tokio::time::timeout(timeout, acceptor.accept(stream)) => r,
    };
    let stream = match handshake {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            warn!(%peer, error = %e, "TLS handshake failed; connection closed");
            return;
        }
        Err(_) => {
            warn!(%peer, ?timeout, "TLS handshake not finished in time; connection closed");
            return;
        }
    };
    let (_, conn) = stream.get_ref();
    info!(
        %peer,
        version = ?conn.protocol_version(),
        suite = ?conn.negotiated_cipher_suite().map(|s| s.suite()),
        "TLS session established, switch certificate verified"
    );
    let (rd, wr) = tokio::io::split(stream);
    driver::serve(rd, wr, peer, ctx).await
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::{Config, ConfigError};

    /// (line, key, message) of a config error.
    fn err(text: &str) -> (usize, String, String) {
        match Config::parse(text, Path::new("t.toml")).unwrap_err() {
            ConfigError::Invalid {
                line, key, message, ..
            } => (line, key, message),
            e => panic!("unexpected {e}"),
        }
    }

    fn tls(cert: &str, key: &str, ca: &str) -> String {
        format!(
            "[controller]\nlisten = []\ntls_listen = [\"127.0.0.1:6654\"]\n\
             tls_cert = \"{cert}\"\ntls_key = \"{key}\"\ntls_ca = \"{ca}\"\n"
        )
    }

    #[test]
    fn tls_is_off_by_default() {
        let c = Config::parse("", Path::new("t.toml")).unwrap();
        assert!(c.controller.tls_listen.is_empty());
        assert_eq!(c.controller.tls_files(), None);
    }

    #[test]
    fn missing_file_names_key_and_path() {
        let (line, key, msg) = err(&tls("/nonexistent/ctl-cert.pem", "k.pem", "ca.pem"));
        assert_eq!((line, key.as_str()), (4, "controller.tls_cert"));
        assert!(
            msg.contains("cannot read /nonexistent/ctl-cert.pem"),
            "{msg}"
        );
        let e = Config::parse(&tls("/nonexistent/c.pem", "k", "c"), Path::new("t.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("t.toml:4: key `controller.tls_cert`: cannot read"),
            "{e}"
        );
    }

    #[test]
    fn not_pem_and_too_large_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "hello\n").unwrap();
        let junk = junk.display().to_string();
        let (line, key, msg) = err(&tls(&junk, &junk, &junk));
        assert_eq!((line, key.as_str()), (4, "controller.tls_cert"));
        assert!(msg.contains("no certificate"), "{msg}");
        let (_, key, msg) = err(&tls("/dev/zero", &junk, &junk));
        assert_eq!(key, "controller.tls_cert");
        assert!(msg.contains("larger than"), "{msg}");
        let dir_path = dir.path().display().to_string();
        let (_, key, msg) = err(&tls(&dir_path, &junk, &junk));
        assert_eq!(key, "controller.tls_cert");
        assert!(msg.contains("cannot read"), "{msg}");
    }

    #[test]
    fn keys_must_come_together() {
        let (line, key, msg) = err("[controller]\ntls_listen = [\"127.0.0.1:6654\"]\n");
        assert_eq!((line, key.as_str()), (2, "controller.tls_listen"));
        assert!(msg.contains("tls_cert"), "{msg}");
        let (line, key, msg) = err("[controller]\n\ntls_ca = \"ca.pem\"\n");
        assert_eq!((line, key.as_str()), (3, "controller.tls_ca"));
        assert!(msg.contains("tls_listen is empty"), "{msg}");
        let (_, key, msg) = err(
            "[controller]\nlisten = [\"0.0.0.0:6653\"]\ntls_listen = [\"0.0.0.0:6653\"]\n\
             tls_cert = \"c\"\ntls_key = \"k\"\ntls_ca = \"a\"\n",
        );
        assert_eq!(key, "controller.tls_listen");
        assert!(msg.contains("also a plain listen address"), "{msg}");
        let (_, key, msg) = err("[controller]\nlisten = []\n");
        assert_eq!(key, "controller.listen");
        assert!(msg.contains("tls_listen"), "{msg}");
    }

    #[test]
    fn unknown_tls_key_is_refused() {
        let (line, key, msg) = err("[controller]\ntls_certificate = \"c.pem\"\n");
        assert_eq!((line, key.as_str()), (2, "controller.tls_certificate"));
        assert!(msg.contains("unknown field"), "{msg}");
    }
}
