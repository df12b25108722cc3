//! A serialisable picture of the topology, for the REST API and logs.

use std::net::IpAddr;
use std::time::Instant;

use proto::{DatapathId, MacAddr};

use super::{HostSource, LinkKind, PortRef, Topology};

/// Everything the engine knows, at one instant.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Snapshot {
    /// Connected switches, by dpid.
    pub switches: Vec<SwitchSnapshot>,
    /// Live directed links, by (src, dst).
    pub links: Vec<LinkSnapshot>,
    /// Known hosts, by MAC.
    pub hosts: Vec<HostSnapshot>,
}

/// A connected switch.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SwitchSnapshot {
    /// Datapath id.
    pub dpid: DatapathId,
    /// Name from the config, if any.
    pub name: Option<String>,
    /// Its ports, by number.
    pub ports: Vec<PortSnapshot>,
}

/// A port of a connected switch.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PortSnapshot {
    /// OpenFlow port number.
    pub number: u32,
    /// Interface name.
    pub name: String,
    /// MAC address.
    pub hw_addr: MacAddr,
    /// Up.
    pub live: bool,
    /// No link uses it: hosts may be learned on it.
    pub edge: bool,
}

/// A live directed link.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LinkSnapshot {
    /// Sending port.
    pub src: PortRef,
    /// Receiving port.
    pub dst: PortRef,
    /// Discovered or static.
    pub kind: LinkKind,
    /// Seconds since the last probe (discovered links only).
    pub last_probe_secs: Option<f64>,
}

/// A known host.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HostSnapshot {
    /// MAC address.
    pub mac: MacAddr,
    /// IP addresses seen.
    pub ips: Vec<IpAddr>,
    /// Where it is attached.
    pub location: PortRef,
    /// What saw it last.
    pub source: HostSource,
    /// Seconds since it was last seen.
    pub idle_secs: f64,
}

impl Topology {
    /// The state at `now`.
    pub fn snapshot(&self, now: Instant) -> Snapshot {
        let switches = self
            .graph
            .switches()
            .map(|(dpid, s)| SwitchSnapshot {
                dpid,
                name: self.names.get(&dpid).cloned(),
                ports: s
                    .ports
                    .values()
                    .map(|p| PortSnapshot {
                        number: p.desc.number,
                        name: p.desc.name.clone(),
                        hw_addr: p.desc.hw_addr,
                        live: p.desc.live,
                        edge: self.is_edge_port(PortRef::new(dpid, p.desc.number)),
                    })
                    .collect(),
            })
            .collect();
        let links = self
            .links
            .live()
            .map(|(link, kind)| LinkSnapshot {
                src: link.src,
                dst: link.dst,
                kind,
                last_probe_secs: self
                    .links
                    .last_seen(link.src)
                    .filter(|_| kind == LinkKind::Discovered)
                    .map(|t| now.saturating_duration_since(t).as_secs_f64()),
            })
            .collect();
        let hosts = self
            .hosts
            .iter()
            .map(|h| HostSnapshot {
                mac: h.mac,
                ips: h.ips.iter().copied().collect(),
                location: h.location,
                source: h.source,
                idle_secs: now.saturating_duration_since(h.last_seen).as_secs_f64(),
            })
            .collect();
        Snapshot {
            switches,
            links,
            hosts,
        }
    }
}
