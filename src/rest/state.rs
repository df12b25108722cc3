//! What the REST API reads and commands: the [`ControllerView`] trait and the
//! serialisable snapshots it returns.
//!
//! The HTTP layer only sees this trait, so each part of the controller plugs in by
//! implementing its methods; the ones not implemented answer 503 "not available" with the
//! name of the missing part. [`super::runtime_view::RuntimeView`] implements it over the
//! runtime on `main` (switch registry, topology snapshot, event hub) and holds the adapter
//! points for the parts still on their branches:
//! - flows per switch and port counters: a [`SwitchStats`] ([`super::stats::StatsService`]:
//!   flow-stats on demand and port-stats polled, through the switch sessions);
//! - taps, patches, triggers: a [`TapService`] (the `taps` branch's pipeline);
//! - sFlow agents and top flows: [`super::sflow::SflowService`] (the `collector` branch);
//! - reload: a [`Reloader`].

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

use serde::{Deserialize, Serialize};

use super::error::ApiError;
use crate::topology::{HostSnapshot, LinkSnapshot};

/// A boxed future, so the traits here stay object-safe.
pub type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A connected switch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SwitchView {
    /// Datapath id, 16 hex digits.
    pub dpid: String,
    /// Name from `[switches]`.
    pub name: Option<String>,
    /// Negotiated OpenFlow version: "1.0" or "1.3".
    pub version: &'static str,
    /// Flow tables.
    pub n_tables: u8,
    /// Packet buffers.
    pub n_buffers: u32,
    /// Ports by number (LOCAL excluded).
    pub ports: Vec<PortView>,
}

/// A port of a connected switch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PortView {
    /// OpenFlow port number.
    pub port_no: u32,
    /// Interface name.
    pub name: String,
    /// MAC address.
    pub hw_addr: String,
    /// Up: neither administratively nor physically down.
    pub up: bool,
    /// OFPPC_PORT_DOWN.
    pub admin_down: bool,
    /// OFPPS_LINK_DOWN.
    pub link_down: bool,
    /// Counters from the last port-stats reply; `None` until stats are available.
    pub counters: Option<PortCounters>,
    /// Rates between the last two port-stats replies; `None` until two were read.
    pub rates: Option<PortRates>,
}

/// Per-second rates of a port's counters: the change between the last two port-stats
/// replies over the time between them (`[rest] port_stats_interval_secs` apart).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct PortRates {
    /// Received packets per second.
    pub rx_packets_per_sec: f64,
    /// Transmitted packets per second.
    pub tx_packets_per_sec: f64,
    /// Received bytes per second.
    pub rx_bytes_per_sec: f64,
    /// Transmitted bytes per second.
    pub tx_bytes_per_sec: f64,
    /// Receive drops per second.
    pub rx_dropped_per_sec: f64,
    /// Transmit drops per second.
    pub tx_dropped_per_sec: f64,
    /// Receive errors per second.
    pub rx_errors_per_sec: f64,
    /// Transmit errors per second.
    pub tx_errors_per_sec: f64,
    /// Seconds between the two reads.
    pub interval_secs: f64,
}

/// A port's counters and rates, as [`SwitchStats::port_counters`] returns them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PortStatsView {
    /// Port number.
    pub port_no: u32,
    /// The last counters.
    pub counters: PortCounters,
    /// Rates, once two reads exist.
    pub rates: Option<PortRates>,
}

/// Port counters (`ofp_port_stats`), with the time they were read so clients compute rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PortCounters {
    /// Received packets.
    pub rx_packets: u64,
    /// Transmitted packets.
    pub tx_packets: u64,
    /// Received bytes.
    pub rx_bytes: u64,
    /// Transmitted bytes.
    pub tx_bytes: u64,
    /// Dropped on receive.
    pub rx_dropped: u64,
    /// Dropped on transmit.
    pub tx_dropped: u64,
    /// Receive errors.
    pub rx_errors: u64,
    /// Transmit errors.
    pub tx_errors: u64,
    /// When the switch answered, epoch milliseconds.
    pub read_at_ms: u64,
}

/// One flow as the switch reported it in a flow-stats reply, with its match and actions in
/// ovs-ofctl syntax.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowView {
    /// Table.
    pub table_id: u8,
    /// Priority.
    pub priority: u16,
    /// Cookie, `0x..`.
    pub cookie: String,
    /// Seconds alive.
    pub duration_sec: u32,
    /// Idle timeout (0: none).
    pub idle_timeout: u16,
    /// Hard timeout (0: none).
    pub hard_timeout: u16,
    /// Packets matched.
    pub packet_count: u64,
    /// Bytes matched.
    pub byte_count: u64,
    /// The match, `ovs-ofctl` style (`in_port=1,tcp,tp_dst=80`).
    #[serde(rename = "match")]
    pub match_: String,
    /// The actions, `ovs-ofctl` style (`output:3,output:7`).
    pub actions: String,
    /// The whole line as `ovs-ofctl dump-flows` prints it.
    pub text: String,
}

/// One flow-stats entry in the neutral model (what a [`SwitchStats`] returns).
pub use crate::switch::stats::{FlowAction, FlowStat};

impl FlowView {
    /// Format a neutral flow-stats entry the way `ovs-ofctl dump-flows` does.
    pub fn from_stat(s: &FlowStat) -> FlowView {
        let match_ = proto::ofctl::format_match(&s.match_);
        let actions = crate::switch::stats::format_actions(&s.actions);
        let cookie = format!("{:#x}", s.cookie);
        let mut text = format!(
            "cookie={cookie}, duration={}s, table={}, n_packets={}, n_bytes={}, ",
            s.duration_sec, s.table_id, s.packet_count, s.byte_count
        );
        if s.idle_timeout != 0 {
            text.push_str(&format!("idle_timeout={}, ", s.idle_timeout));
        }
        if s.hard_timeout != 0 {
            text.push_str(&format!("hard_timeout={}, ", s.hard_timeout));
        }
        text.push_str(&format!("priority={}", s.priority));
        if !match_.is_empty() {
            text.push(',');
            text.push_str(&match_);
        }
        text.push_str(&format!(" actions={actions}"));
        FlowView {
            table_id: s.table_id,
            priority: s.priority,
            cookie,
            duration_sec: s.duration_sec,
            idle_timeout: s.idle_timeout,
            hard_timeout: s.hard_timeout,
            packet_count: s.packet_count,
            byte_count: s.byte_count,
            match_,
            actions,
            text,
        }
    }
}

/// Links and hosts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopologyView {
    /// Live directed links.
    pub links: Vec<LinkSnapshot>,
    /// Known hosts.
    pub hosts: Vec<HostSnapshot>,
}

/// Which traffic of the source port a tap copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Received on the port.
    In,
    /// Sent out of the port.
    Out,
    /// Both.
    Both,
}

/// `POST /api/taps`: what to copy where, for how long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TapRequest {
    /// A name (default: derived from the source port).
    #[serde(default)]
    pub name: Option<String>,
    /// The tapped port: `"s2:4"` (switch name or datapath id, then port number or name).
    pub source: String,
    /// Which traffic. Default `both`.
    #[serde(default = "default_direction")]
    pub direction: Direction,
    /// Only copy traffic matching this (ovs-ofctl syntax, `tcp,tp_dst=80`).
    #[serde(default, rename = "match")]
    pub match_: Option<String>,
    /// The port copies go out of: `"s3:11"`.
    pub monitor: String,
    /// Remove after this many seconds (0 or absent: until deleted).
    #[serde(default)]
    pub duration_secs: Option<u64>,
}

fn default_direction() -> Direction {
    Direction::Both
}

/// Where a tap came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TapOrigin {
    /// `[[tap]]` in the config.
    Config,
    /// The REST API.
    Api,
    /// A trigger activated it.
    Trigger,
}

/// An active (or configured, inactive) tap.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TapView {
    /// Id used in `DELETE /api/taps/{id}`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Tapped port `switch:port`.
    pub source: String,
    /// Direction.
    pub direction: Direction,
    /// Filter, ovs-ofctl syntax.
    #[serde(rename = "match")]
    pub match_: Option<String>,
    /// Monitor port `switch:port`.
    pub monitor: String,
    /// Where it came from.
    pub origin: TapOrigin,
    /// Installed on the switches now.
    pub active: bool,
    /// Seconds left for a timed tap.
    pub remaining_secs: Option<f64>,
    /// Its flows' cookie, `0x..` (find them with `ovs-ofctl dump-flows br cookie=C/-1`).
    pub cookie: Option<String>,
    /// A `[[tap]]` with `static = true` that was deactivated (`DELETE`): by whom, and what
    /// brings it back. Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deactivated: Option<String>,
}

/// A patch (port pair forwarding).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatchView {
    /// Name.
    pub name: String,
    /// Switch.
    pub switch: String,
    /// The two ports.
    pub ports: [u32; 2],
    /// Installed whenever the switch is up (`static = true`), or only while activated.
    #[serde(rename = "static")]
    pub is_static: bool,
    /// Installed now (its flows are on the switch).
    pub active: bool,
    /// Seconds left when a trigger activated it.
    pub remaining_secs: Option<f64>,
}

/// A trigger (threshold -> activations).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TriggerView {
    /// Name.
    pub name: String,
    /// The threshold id it reacts to.
    pub threshold: String,
    /// What it activates (`tap:h9`, `patch:s2-3-4`).
    pub activate: Vec<String>,
    /// How long an activation lasts.
    pub duration_secs: u64,
    /// Threshold events for its threshold in the event history.
    pub fired: u64,
    /// The most recent of them, newest first.
    pub recent_events: Vec<super::events::ApiEvent>,
}

/// Why a tap was refused. Mapped to 404 / 409 / 422 by [`ApiError::from`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TapError {
    /// A field does not parse (`source = "s1"` without a port, a bad match).
    #[error("{field}: {message}")]
    Invalid {
        /// The request field.
        field: &'static str,
        /// Why.
        message: String,
    },
    /// A switch or port the controller does not know.
    #[error("{field}: {message}")]
    Unknown {
        /// The request field.
        field: &'static str,
        /// What is missing.
        message: String,
    },
    /// The tap cannot be built in the current network (no path to the monitor, a loop,
    /// monitor port is the source, monitor port is in use by a patch, no free tap VLAN).
    #[error("{field}: {message}")]
    Unbuildable {
        /// The field the reason is about.
        field: &'static str,
        /// The reason.
        message: String,
    },
    /// A tap with that name exists.
    #[error("name: a tap named {0:?} already exists")]
    Exists(String),
    /// No such tap.
    #[error("id: no tap {0:?}")]
    NotFound(String),
    /// The switch refused the flows.
    #[error("switch refused the tap's flows: {0}")]
    Switch(String),
}

/// What a reload changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReloadReport {
    /// Taps, patches and triggers added, by `kind:name`.
    pub added: Vec<String>,
    /// Removed.
    pub removed: Vec<String>,
    /// Changed (their flows replaced).
    pub changed: Vec<String>,
    /// Untouched.
    pub unchanged: usize,
    /// The untouched ones, by `kind:name` (no flow-mod was sent for them).
    pub unchanged_names: Vec<String>,
    /// Sections that changed but only take effect on restart (`controller.listen`).
    pub needs_restart: Vec<String>,
}

/// The read/command interface of the REST API. Every method has a default answering
/// "not available", so an implementation provides what it has.
pub trait ControllerView: Send + Sync + 'static {
    /// Connected switches, by datapath id.
    fn switches(&self) -> Vec<SwitchView>;

    /// Links and hosts.
    fn topology(&self) -> Result<TopologyView, ApiError> {
        Err(ApiError::unavailable("topology"))
    }

    /// The flows installed on `dpid`, read with a flow-stats request.
    fn flows(&self, dpid: u64) -> BoxFut<'_, Result<Vec<FlowView>, ApiError>> {
        let _ = dpid;
        Box::pin(async { Err(ApiError::unavailable("flow statistics")) })
    }

    /// Taps, configured and active.
    fn taps(&self) -> Result<Vec<TapView>, ApiError> {
        Err(ApiError::unavailable("taps"))
    }

    /// Build and install a tap; answers once the switches confirmed its flows.
    fn create_tap(&self, req: TapRequest) -> BoxFut<'_, Result<TapView, ApiError>> {
        let _ = req;
        Box::pin(async { Err(ApiError::unavailable("taps")) })
    }

    /// Remove a tap and its flows.
    fn delete_tap(&self, id: String) -> BoxFut<'_, Result<TapView, ApiError>> {
        let _ = id;
        Box::pin(async { Err(ApiError::unavailable("taps")) })
    }

    /// Patches, with whether each is installed now.
    fn patches(&self) -> BoxFut<'_, Result<Vec<PatchView>, ApiError>> {
        Box::pin(async { Err(ApiError::unavailable("patches")) })
    }

    /// Triggers.
    fn triggers(&self) -> Result<Vec<TriggerView>, ApiError> {
        Err(ApiError::unavailable("triggers"))
    }

    /// Re-read the config file and apply the difference.
    fn reload(&self) -> BoxFut<'_, Result<ReloadReport, ApiError>> {
        Box::pin(async { Err(ApiError::unavailable("config reload")) })
    }

    /// PACKET_INs dropped per module (for /metrics).
    fn dropped_packet_ins(&self) -> Vec<(&'static str, u64)> {
        Vec::new()
    }
}

/// Flow and port statistics read from switches (adapter point: the runtime's switch
/// session sends the multipart request and hands back the reassembled reply).
pub trait SwitchStats: Send + Sync + 'static {
    /// Every flow of `dpid`, all tables.
    fn flow_stats(&self, dpid: u64) -> BoxFut<'_, Result<Vec<FlowStat>, ApiError>>;
    /// The last port counters of `dpid` and their rates, by port number (cached; refreshed
    /// by the poller every `[rest] port_stats_interval_secs`).
    fn port_counters(&self, dpid: u64) -> Vec<PortStatsView>;
}

/// Taps, patches and triggers (adapter point: the `taps` branch's pipeline).
pub trait TapService: Send + Sync + 'static {
    /// Every tap.
    fn taps(&self) -> Vec<TapView>;
    /// Build, install and confirm a tap.
    fn create(&self, req: TapRequest) -> BoxFut<'_, Result<TapView, TapError>>;
    /// Remove a tap and its flows.
    fn delete(&self, id: String) -> BoxFut<'_, Result<TapView, TapError>>;
    /// Patches.
    fn patches(&self) -> Vec<PatchView>;
    /// Triggers.
    fn triggers(&self) -> Vec<TriggerView>;
}

/// Applies a new config (adapter point: the runtime's reload, with the taps diff).
pub trait Reloader: Send + Sync + 'static {
    /// Re-read the file; on error nothing changed and the error says what and where.
    fn reload(&self) -> BoxFut<'_, Result<ReloadReport, ApiError>>;
}

/// A port reference `switch:port` as the API takes it, split.
pub fn split_port_ref(s: &str) -> Option<(&str, &str)> {
    let (sw, port) = s.rsplit_once(':')?;
    (!sw.is_empty() && !port.is_empty()).then_some((sw, port))
}

/// An sFlow agent, for `/api/sflow/agents` (the collector's per-agent stats).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentView {
    /// Agent address.
    pub agent: IpAddr,
    /// Datagrams received.
    pub datagrams: u64,
    /// Flow + counter samples.
    pub samples: u64,
    /// Datagrams lost (sequence gaps).
    pub lost: u64,
    /// Datagrams that did not decode.
    pub parse_errors: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::flow::{Action, PortNo};

    #[test]
    fn flow_text_like_dump_flows() {
        let m = proto::ofctl::parse_match("in_port=4").unwrap();
        let s = FlowStat {
            table_id: 0,
            duration_sec: 12,
            priority: 100,
            idle_timeout: 0,
            hard_timeout: 120,
            cookie: 0x7d03_0000_0000_0001,
            packet_count: 3,
            byte_count: 294,
            match_: m,
            actions: vec![
                FlowAction::Neutral(Action::Output {
                    port: PortNo::Number(3),
                    max_len: 0,
                }),
                FlowAction::Neutral(Action::Output {
                    port: PortNo::Number(7),
                    max_len: 0,
                }),
            ],
        };
        let v = FlowView::from_stat(&s);
        assert_eq!(
            v.text,
            "cookie=0x7d03000000000001, duration=12s, table=0, n_packets=3, n_bytes=294, \
             hard_timeout=120, priority=100,in_port=4 actions=output:3,output:7"
        );
        assert_eq!(split_port_ref("s1:4"), Some(("s1", "4")));
        assert_eq!(
            split_port_ref("00:00:00:00:00:00:00:01:4").map(|p| p.1),
            Some("4")
        );
        assert_eq!(split_port_ref("s1"), None);
    }
}
