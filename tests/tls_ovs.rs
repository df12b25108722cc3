//! OpenFlow over TLS against real Open vSwitch: an `ssl:` controller target with
//! certificates made by `ovs-pki` (needs root, openvswitch-switch and openvswitch-common;
//! the lab harness fails, never skips, saying what to install).
//!
//! A bridge holding the switch certificate connects over TLS with mutual authentication,
//! hosts ping through l2_learning and the learned flows are in dump-flows. Clients with a
//! certificate from another CA, with none, speaking plain OpenFlow, or never finishing the
//! TLS handshake are refused and logged with their address, while the bridge's session
//! carries on; a second bridge whose certificate our CA did not sign never connects, until
//! OVS is given the right one (OpenFlow 1.0 on the first bridge, 1.3 on the second).

mod support;

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use proto::DatapathId;
use support::flows::FlowEntry;
use support::lab::{wait_until, BridgeSpec, Lab, OfVersions};
use support::prereq;
use tapdemon::config::Config;
use tapdemon::controller::{self, Handle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::crypto::{ring, CryptoProvider};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use tokio_rustls::rustls::{self, ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio_rustls::TlsConnector;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

const SECS: fn(u64) -> Duration = Duration::from_secs;

// ---- logs -------------------------------------------------------------------------------

/// Everything the controller logs in this test binary (the assertions look for peers).
fn logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let w = buf.clone();
        let _ = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || LogWriter(w.clone()))
            .try_init();
        buf
    })
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        std::io::stderr().write_all(b)?;
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The log lines that mention `peer` and contain `what`.
fn logged(peer: SocketAddr, what: &str) -> Vec<String> {
    let text = String::from_utf8_lossy(&logs().lock().unwrap()).into_owned();
    let needle = format!("peer={peer}");
    text.lines()
        .filter(|l| l.contains(&needle) && l.contains(what))
        .map(str::to_string)
        .collect()
}

// ---- PKI --------------------------------------------------------------------------------

/// Two `ovs-pki` PKIs: the real one (controller and switch certificates) and a rogue one
/// whose switch certificate our controller must refuse.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        prereq::require(&["ovs-pki"]);
        let dir = tempfile::Builder::new()
            .prefix("tapdemon-pki-")
            .tempdir()
            .unwrap();
        let pki = Pki { dir };
        pki.ovs_pki("pki", &["init"]);
        pki.ovs_pki("pki", &["req+sign", "ctl", "controller"]);
        pki.ovs_pki("pki", &["req+sign", "sw", "switch"]);
        pki.ovs_pki("rogue-pki", &["init"]);
        pki.ovs_pki("rogue-pki", &["req+sign", "rogue", "switch"]);
        pki
    }

    fn ovs_pki(&self, pki_dir: &str, args: &[&str]) {
        let out = Command::new(prereq::tool("ovs-pki"))
            .arg(format!("--dir={}", self.path(pki_dir).display()))
            .arg(format!("--log={}", self.path("ovs-pki.log").display()))
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("run ovs-pki");
        assert!(
            out.status.success(),
            "ovs-pki {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(file)
    }

    fn s(&self, file: &str) -> String {
        self.path(file).display().to_string()
    }
}

// ---- controller ---------------------------------------------------------------------------

/// The controller with a plain and a TLS listener on ephemeral ports, in its own runtime.
struct Running {
    rt: tokio::runtime::Runtime,
    handle: Handle,
    shutdown: CancellationToken,
    tracker: TaskTracker,
    tls_port: u16,
}

impl Running {
    fn start(pki: &Pki) -> Running {
        logs();
        let text = format!(
            "[controller]\nlisten = [\"127.0.0.1:0\"]\ntls_listen = [\"127.0.0.1:0\"]\n\
             tls_cert = \"{}\"\ntls_key = \"{}\"\ntls_ca = \"{}\"\nhandshake_timeout_secs = 2\n\
             [switches]\ns1 = 1\ns2 = 2\n",
            pki.s("ctl-cert.pem"),
            pki.s("ctl-privkey.pem"),
            pki.s("pki/switchca/cacert.pem"),
        );
        let config = Config::parse(&text, Path::new("tls_ovs.toml")).unwrap();
        let rt = tokio::runtime::Runtime::new().unwrap();
        let shutdown = CancellationToken::new();
        let (handle, tracker, tls_port) = rt.block_on(async {
            let listeners = controller::bind(&config).await.unwrap();
            assert_eq!(listeners.len(), 2);
            assert!(!listeners[0].is_tls() && listeners[1].is_tls());
            let tls_port = listeners[1].local_addr().unwrap().port();
            let (h, t) = controller::start(listeners, config, shutdown.clone());
            (h, t, tls_port)
        });
        Running {
            rt,
            handle,
            shutdown,
            tracker,
            tls_port,
        }
    }

    fn conn(&self, dpid: u64) -> Option<u64> {
        self.handle.switches.get(DatapathId(dpid)).map(|h| h.conn)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        support::controller::stop(&self.rt, &self.shutdown, &self.tracker);
    }
}

// ---- test clients -------------------------------------------------------------------------

/// These clients test the controller's side (does it check *their* certificate?); checking
/// the controller's certificate is OVS's part (against controllerca), so they accept any.
#[derive(Debug)]
struct AnyServer(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyServer {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        msg: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            msg,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        msg: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            msg,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// What a client got from the TLS port.
#[derive(Debug)]
enum Outcome {
    /// The first 8 bytes after the handshake (an OpenFlow header).
    Bytes([u8; 8]),
    /// The handshake or the first read failed, or the connection was closed.
    Refused(String),
}

/// Connect with TLS, presenting `NAME-cert.pem` / `NAME-privkey.pem` (or no certificate),
/// and read the first OpenFlow header. Returns our local address (the controller's `peer`).
async fn tls_client(port: u16, pki: &Pki, name: Option<&str>) -> (SocketAddr, Outcome) {
    let provider = Arc::new(ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyServer(provider)));
    let config = match name {
        Some(n) => {
            let chain = CertificateDer::pem_file_iter(pki.path(&format!("{n}-cert.pem")))
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            let key = PrivateKeyDer::from_pem_file(pki.path(&format!("{n}-privkey.pem"))).unwrap();
            builder.with_client_auth_cert(chain, key).unwrap()
        }
        None => builder.with_no_client_auth(),
    };
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let local = tcp.local_addr().unwrap();
    let connector = TlsConnector::from(Arc::new(config));
    let name = ServerName::try_from("tapdemon").unwrap();
    let outcome = match tokio::time::timeout(SECS(10), connector.connect(name, tcp)).await {
        Err(_) => panic!("TLS handshake with the controller hung"),
        Ok(Err(e)) => Outcome::Refused(format!("handshake: {e}")),
        Ok(Ok(mut s)) => {
            let mut buf = [0u8; 8];
            match tokio::time::timeout(SECS(10), s.read_exact(&mut buf)).await {
                Err(_) => panic!("controller neither spoke nor closed"),
                Ok(Ok(_)) => Outcome::Bytes(buf),
                Ok(Err(e)) => Outcome::Refused(format!("read: {e}")),
            }
        }
    };
    (local, outcome)
}

/// Plain TCP to the TLS port: send `bytes`, then read until the controller closes.
/// Returns our address and what came back.
async fn plain_client(port: u16, bytes: &[u8]) -> (SocketAddr, Vec<u8>) {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let local = tcp.local_addr().unwrap();
    tcp.write_all(bytes).await.unwrap();
    let mut got = Vec::new();
    let read = tokio::time::timeout(SECS(10), tcp.read_to_end(&mut got)).await;
    assert!(
        read.is_ok(),
        "controller kept a non-TLS client open for 10 s"
    );
    (local, got)
}

// ---- lab ----------------------------------------------------------------------------------

const OFPT_HELLO: u8 = 0;

fn mac(n: u8) -> String {
    format!("00:00:00:00:00:{n:02x}")
}

/// l2_learning's flow from host `src` (port `in_port`) to host `dst` (port `out`).
fn learned(flows: &[FlowEntry], in_port: u16, src: u8, dst: u8, out: u32) {
    let f = flows
        .iter()
        .find(|f| {
            f.has_match(&format!("in_port={in_port}"))
                && f.has_match(&format!("dl_src={}", mac(src)))
                && f.has_match(&format!("dl_dst={}", mac(dst)))
        })
        .unwrap_or_else(|| panic!("no learned flow {src} -> {dst} in {flows:#?}"));
    assert_eq!(f.output_ports(), vec![out], "{f:?}");
    assert_eq!(f.cookie, 0x4c32, "{f:?}");
}

fn set_ssl(lab: &Lab, pki: &Pki, name: &str) {
    lab.vsctl(&[
        "set-ssl",
        &pki.s(&format!("{name}-privkey.pem")),
        &pki.s(&format!("{name}-cert.pem")),
        &pki.s("pki/controllerca/cacert.pem"),
    ]);
}

#[test]
fn ovs_connects_over_tls_and_bad_certificates_are_refused_without_disturbing_it() {
    let pki = Pki::new();
    let ctl = Running::start(&pki);
    let target = format!("ssl:127.0.0.1:{}", ctl.tls_port);
    let mut lab = Lab::new();
    // OVS's SSL table (the bridge's private key, certificate and the CA that must have
    // signed the controller's), written before any bridge points at an ssl: target.
    set_ssl(&lab, &pki, "sw");
    // OF1.0: with no flows it sends every packet to the controller (see below).
    lab.add_bridge_spec(BridgeSpec::new("s1", 1, OfVersions::Of10).controller(&target));
    lab.add_host("h1", "s1", 1, 1);
    lab.add_host("h2", "s1", 2, 2);
    assert!(
        wait_until(SECS(20), || ctl.conn(1).is_some()),
        "s1 did not connect over TLS; vswitchd log:\n{}",
        lab.log_tail("ovs-vswitchd.log", 30)
    );
    assert!(
        lab.wait_connected("s1", SECS(10)),
        "OVSDB: s1 not is_connected"
    );
    let conn = ctl.conn(1);

    assert!(
        lab.ping("h1", "h2", 3, SECS(10)),
        "h1 -> h2 over a TLS session"
    );
    let flows = lab.dump_flows("s1");
    learned(&flows, 1, 1, 2, 2);
    learned(&flows, 2, 2, 1, 1);

    // The good switch certificate through our own client: the controller answers with an
    // OpenFlow HELLO (so the refusals below are about the certificates).
    let (good, out) = ctl.rt.block_on(tls_client(ctl.tls_port, &pki, Some("sw")));
    match out {
        Outcome::Bytes(h) => assert_eq!(h[1], OFPT_HELLO, "{h:?}"),
        Outcome::Refused(e) => panic!("switch certificate refused: {e}"),
    }
    assert!(!logged(good, "TLS session established").is_empty());

    // Signed by another CA, and no certificate: refused before any OpenFlow, and logged.
    for name in [Some("rogue"), None] {
        let (peer, out) = ctl.rt.block_on(tls_client(ctl.tls_port, &pki, name));
        assert!(
            matches!(out, Outcome::Refused(_)),
            "client {name:?} got {out:?}"
        );
        assert!(
            wait_until(SECS(5), || !logged(peer, "TLS handshake failed").is_empty()),
            "refusal of {name:?} from {peer} not logged"
        );
    }
    // Plain OpenFlow on the TLS port: no HELLO back (at most a TLS alert record, 0x15).
    let hello = [4u8, OFPT_HELLO, 0, 8, 0, 0, 0, 1];
    let (peer, got) = ctl.rt.block_on(plain_client(ctl.tls_port, &hello));
    assert!(
        got.is_empty() || got[0] == 0x15,
        "answer to plain OpenFlow: {got:?}"
    );
    assert!(wait_until(SECS(5), || !logged(
        peer,
        "TLS handshake failed"
    )
    .is_empty()));
    // A client that never sends a ClientHello is dropped after handshake_timeout_secs;
    // meanwhile a good client is served at once.
    let ((peer, got), (_, good)) = ctl.rt.block_on(async {
        let silent = tokio::spawn(plain_client(ctl.tls_port, &[]));
        tokio::time::sleep(Duration::from_millis(200)).await;
        let good = tls_client(ctl.tls_port, &pki, Some("sw")).await;
        (silent.await.unwrap(), good)
    });
    assert!(got.is_empty(), "{got:?}");
    assert!(
        matches!(good, Outcome::Bytes(h) if h[1] == OFPT_HELLO),
        "good client beside a stalled one: {good:?}"
    );
    assert!(
        wait_until(SECS(5), || !logged(
            peer,
            "TLS handshake not finished in time"
        )
        .is_empty()),
        "slow handshake from {peer} not logged"
    );

    // Through all of it the bridge kept its session and keeps forwarding.
    assert_eq!(ctl.conn(1), conn, "s1's session was disturbed");
    // Without the learned flows the pings go through the controller again.
    lab.del_flows("s1");
    lab.flush_arp("h1");
    assert!(
        lab.ping("h1", "h2", 3, SECS(10)),
        "h1 -> h2 after the bad clients"
    );
    learned(&lab.dump_flows("s1"), 1, 1, 2, 2);

    // Real OVS with a certificate from the rogue CA: a new bridge s2 (the SSL table is
    // shared; s1's established session is unaffected) is refused at every attempt.
    set_ssl(&lab, &pki, "rogue");
    lab.add_bridge_spec(BridgeSpec::new("s2", 2, OfVersions::Of13).controller(&target));
    let refused_before = count_logged("TLS handshake failed");
    assert!(
        wait_until(SECS(15), || count_logged("TLS handshake failed")
            > refused_before),
        "s2's attempts with the rogue certificate were not refused and logged; vswitchd log:\n{}",
        lab.log_tail("ovs-vswitchd.log", 30)
    );
    assert!(
        !lab.wait_connected("s2", SECS(3)),
        "s2 connected with a rogue certificate"
    );
    assert_eq!(ctl.conn(2), None);
    assert_eq!(ctl.conn(1), conn, "s1's session was disturbed by s2");
    assert!(
        lab.ping("h1", "h2", 2, SECS(10)),
        "h1 -> h2 while s2 is refused"
    );
    // The right certificate: s2 connects (so its refusal was the certificate's doing).
    set_ssl(&lab, &pki, "sw");
    assert!(
        wait_until(SECS(30), || ctl.conn(2).is_some()),
        "s2 did not connect with the switch certificate; vswitchd log:\n{}",
        lab.log_tail("ovs-vswitchd.log", 30)
    );
    assert_eq!(ctl.conn(1), conn);
    // OpenFlow 1.3 over that session: the runtime's table-miss flow is installed.
    let s2_table_miss = || {
        lab.dump_flows("s2")
            .iter()
            .any(|f| f.priority == 0 && f.match_.is_empty() && f.actions == "CONTROLLER:65535")
    };
    assert!(
        wait_until(SECS(5), s2_table_miss),
        "{:#?}",
        lab.dump_flows("s2")
    );
}

/// How many log lines contain `what` (any peer).
fn count_logged(what: &str) -> usize {
    let text = String::from_utf8_lossy(&logs().lock().unwrap()).into_owned();
    text.lines().filter(|l| l.contains(what)).count()
}

/// `check-config` reads the certificate files: a key that is not the certificate's, a CA
/// file holding no certificate, a missing file: each names the key and the file.
#[test]
fn check_config_reads_the_ovs_pki_files() {
    let pki = Pki::new();
    let check = |cert: &str, key: &str, ca: &str| {
        let text = format!(
            "[controller]\ntls_listen = [\"127.0.0.1:6654\"]\n\
             tls_cert = \"{}\"\ntls_key = \"{}\"\ntls_ca = \"{}\"\n",
            pki.s(cert),
            pki.s(key),
            pki.s(ca)
        );
        let file = pki.path("tapdemon.toml");
        std::fs::write(&file, text).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_tapdemon"))
            .arg("check-config")
            .arg(&file)
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), all)
    };
    let (ok, out) = check("ctl-cert.pem", "ctl-privkey.pem", "pki/switchca/cacert.pem");
    assert!(ok, "{out}");
    let (ok, out) = check("ctl-cert.pem", "sw-privkey.pem", "pki/switchca/cacert.pem");
    assert!(!ok);
    assert!(
        out.contains("controller.tls_key") && out.contains("sw-privkey.pem"),
        "{out}"
    );
    let (ok, out) = check("ctl-cert.pem", "ctl-privkey.pem", "ctl-privkey.pem");
    assert!(!ok);
    assert!(
        out.contains("controller.tls_ca") && out.contains("no certificate"),
        "{out}"
    );
    let (ok, out) = check("ctl-cert.pem", "ctl-privkey.pem", "pki/nope/cacert.pem");
    assert!(!ok);
    assert!(
        out.contains("controller.tls_ca") && out.contains("pki/nope/cacert.pem"),
        "{out}"
    );
}
