//! Shared setup for the REST API tests: a running controller (switch listener and REST
//! listener on 127.0.0.1:0) and a minimal OpenFlow 1.0 switch over TCP.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use proto::of10::{FeaturesReply, Message, PhyPort, PortNo};
use proto::{DatapathId, MacAddr};
use tapdemon::config::Config;
use tapdemon::controller::{self, Handle};
use tapdemon::module::ModuleSpec;
use tapdemon::rest::runtime_view::RuntimeView;
use tapdemon::rest::state::{Reloader, TapService};
use tapdemon::rest::{AppState, EventForwarder, EventHub, RestConfig, SflowService};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// A controller with its REST API.
pub struct Server {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// Where switches connect.
    pub of_addr: SocketAddr,
    /// The second (sFlow-RT port) listener, when asked for.
    pub sflow_rt_base: Option<String>,
    pub handle: Handle,
    pub events: EventHub,
    shutdown: CancellationToken,
    tracker: TaskTracker,
}

/// Optional parts.
#[derive(Default)]
pub struct Parts {
    pub config: Option<Config>,
    pub token: Option<String>,
    pub taps: Option<Arc<dyn TapService>>,
    pub reloader: Option<Arc<dyn Reloader>>,
    pub sflow: Option<Arc<dyn SflowService>>,
    /// Also bind `[rest] sflow_rt_listen` (on 127.0.0.1:0).
    pub sflow_rt_listen: bool,
}

impl Server {
    pub async fn start() -> Server {
        Self::with(Parts::default()).await
    }

    pub async fn with(parts: Parts) -> Server {
        let config = parts.config.unwrap_or_else(|| {
            Config::parse("[switches]\ns1 = 1\ns2 = 2\ns3 = 3\n", "t.toml".as_ref()).unwrap()
        });
        let shutdown = CancellationToken::new();
        let of = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let of_addr = of.local_addr().unwrap();
        let events = EventHub::default();
        let fwd = ModuleSpec {
            module: Box::new(EventForwarder::new(events.clone())),
            switches: None,
        };
        let (handle, tracker) =
            controller::start_with(vec![of], config, shutdown.clone(), vec![fwd]);
        let mut view = RuntimeView::new(handle.clone());
        if let Some(t) = parts.taps {
            view = view.with_taps(t);
        }
        if let Some(r) = parts.reloader {
            view = view.with_reloader(r);
        }
        let mut state = AppState::new(Arc::new(view), events.clone());
        if let Some(s) = parts.sflow {
            state = state.with_sflow(s);
        }
        let rest = RestConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            token: parts.token,
            sflow_rt_listen: parts
                .sflow_rt_listen
                .then(|| "127.0.0.1:0".parse().unwrap()),
            ..RestConfig::default()
        };
        let addrs = tapdemon::rest::start(&rest, state, shutdown.clone(), &tracker)
            .await
            .unwrap();
        Server {
            base: format!("http://{}", addrs[0]),
            sflow_rt_base: addrs.get(1).map(|a| format!("http://{a}")),
            of_addr,
            handle,
            events,
            shutdown,
            tracker,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Wait until `n` switches are registered.
    pub async fn wait_switches(&self, n: usize) {
        for _ in 0..200 {
            if self.handle.switches.list().len() == n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("never saw {n} switches");
    }

    pub async fn stop(self) {
        self.shutdown.cancel();
        self.tracker.close();
        tokio::time::timeout(Duration::from_secs(5), self.tracker.wait())
            .await
            .expect("controller and REST server stop within 5 s");
    }
}

/// A switch speaking just enough OpenFlow 1.0: HELLO, FEATURES_REPLY with `ports`, echo.
pub struct FakeSwitch {
    task: tokio::task::JoinHandle<()>,
}

impl FakeSwitch {
    pub async fn connect(addr: SocketAddr, dpid: u64, ports: &[(u16, &str)]) -> FakeSwitch {
        let mut s = TcpStream::connect(addr).await.unwrap();
        let ports: Vec<PhyPort> = ports
            .iter()
            .map(|(n, name)| PhyPort {
                port_no: PortNo(*n),
                hw_addr: MacAddr([0, 0, 0, 0, dpid as u8, *n as u8]),
                name: name.to_string(),
                config: 0,
                state: 0,
                curr: 0,
                advertised: 0,
                supported: 0,
                peer: 0,
            })
            .collect();
        send(&mut s, &Message::Hello { body: Bytes::new() }, 1).await;
        let task = tokio::spawn(async move {
            let mut buf = BytesMut::new();
            loop {
                let mut chunk = [0u8; 4096];
                let n = match s.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                buf.extend_from_slice(&chunk[..n]);
                while buf.len() >= 8 {
                    let len = u16::from_be_bytes([buf[2], buf[3]]) as usize;
                    if buf.len() < len {
                        break;
                    }
                    let frame = buf.split_to(len).freeze();
                    let xid = u32::from_be_bytes([frame[4], frame[5], frame[6], frame[7]]);
                    let reply = match frame[1] {
                        5 => Some(Message::FeaturesReply(FeaturesReply {
                            datapath_id: DatapathId(dpid),
                            n_buffers: 0,
                            n_tables: 1,
                            capabilities: 0,
                            actions: 0,
                            ports: ports.clone(),
                        })),
                        2 => Some(Message::EchoReply {
                            data: frame.slice(8..),
                        }),
                        18 => Some(Message::BarrierReply),
                        _ => None,
                    };
                    if let Some(r) = reply {
                        send(&mut s, &r, xid).await;
                    }
                }
            }
        });
        FakeSwitch { task }
    }

    pub fn disconnect(self) {
        self.task.abort();
    }
}

async fn send(s: &mut TcpStream, m: &Message, xid: u32) {
    let mut out = BytesMut::new();
    m.encode(xid, &mut out).unwrap();
    s.write_all(&out).await.unwrap();
}

/// Status and JSON body of a response.
pub async fn json(resp: reqwest::Response) -> (u16, serde_json::Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    let v = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    (status, v)
}

/// Assert an error answer: status, `field`, and a phrase of `error`.
pub fn assert_refused(
    got: &(u16, serde_json::Value),
    status: u16,
    field: Option<&str>,
    phrase: &str,
) {
    let (code, body) = got;
    assert_eq!(*code, status, "status of {body}");
    assert_eq!(body["field"].as_str(), field, "field of {body}");
    let msg = body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error in {body}"));
    assert!(msg.contains(phrase), "{msg:?} does not say {phrase:?}");
}
