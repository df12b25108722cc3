//! Host locations: which edge port each MAC (and its IPs) sends from.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use proto::{DatapathId, MacAddr};

use super::{expired, HostRemovedReason, PortRef, TopologyEvent};

/// How a host is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKey {
    /// By MAC address.
    Mac(MacAddr),
    /// By any IP address the host was seen sending from.
    Ip(IpAddr),
}

impl From<MacAddr> for HostKey {
    fn from(m: MacAddr) -> Self {
        HostKey::Mac(m)
    }
}

impl From<IpAddr> for HostKey {
    fn from(ip: IpAddr) -> Self {
        HostKey::Ip(ip)
    }
}

impl From<Ipv4Addr> for HostKey {
    fn from(ip: Ipv4Addr) -> Self {
        HostKey::Ip(ip.into())
    }
}

impl From<Ipv6Addr> for HostKey {
    fn from(ip: Ipv6Addr) -> Self {
        HostKey::Ip(ip.into())
    }
}

/// What saw the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HostSource {
    /// A packet-in from the host's port.
    PacketIn,
    /// An sFlow sample whose input interface maps to the host's port.
    Sflow,
}

/// A known host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    /// Its MAC address.
    pub mac: MacAddr,
    /// IP addresses it was seen sending from.
    pub ips: BTreeSet<IpAddr>,
    /// The edge port it sends from.
    pub location: PortRef,
    /// What saw it last.
    pub source: HostSource,
    /// When it was seen last.
    pub last_seen: Instant,
}

/// Why a sighting taught nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostIgnored {
    /// The switch is not connected.
    #[error("switch {0} is not connected")]
    UnknownSwitch(DatapathId),
    /// The port is an inter-switch link: the sender is somewhere else.
    #[error("port {0} is not an edge port")]
    NotEdgePort(PortRef),
    /// `max_hosts` hosts are known already.
    #[error("host table full ({0} hosts)")]
    TableFull(usize),
    /// Multicast, broadcast or all-zero source MAC: not a host.
    #[error("{0} is not a unicast host address")]
    NotUnicast(MacAddr),
}

/// Known hosts, by MAC, with an index by IP.
#[derive(Debug, Default)]
pub(super) struct Hosts {
    by_mac: BTreeMap<MacAddr, Host>,
    by_ip: BTreeMap<IpAddr, MacAddr>,
}

/// Addresses that identify one host (not 0.0.0.0 from a DHCP client, not a group).
pub(super) fn is_host_ip(ip: IpAddr) -> bool {
    !(ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_loopback()
        || ip == IpAddr::V4(Ipv4Addr::BROADCAST))
}

impl Hosts {
    pub(super) fn learn(
        &mut self,
        now: Instant,
        mac: MacAddr,
        ip: Option<IpAddr>,
        at: PortRef,
        source: HostSource,
        max_hosts: usize,
    ) -> Result<Option<TopologyEvent>, HostIgnored> {
        if mac.is_multicast() || mac == MacAddr::default() {
            return Err(HostIgnored::NotUnicast(mac));
        }
        if self.by_mac.len() >= max_hosts && !self.by_mac.contains_key(&mac) {
            return Err(HostIgnored::TableFull(max_hosts));
        }
        let event = match self.by_mac.entry(mac) {
            Entry::Vacant(v) => {
                v.insert(Host {
                    mac,
                    ips: BTreeSet::new(),
                    location: at,
                    source,
                    last_seen: now,
                });
                Some(TopologyEvent::HostLearned { mac, location: at })
            }
            Entry::Occupied(mut o) => {
                let host = o.get_mut();
                host.last_seen = now;
                host.source = source;
                let from = std::mem::replace(&mut host.location, at);
                (from != at).then_some(TopologyEvent::HostMoved { mac, from, to: at })
            }
        };
        if let Some(ip) = ip.filter(|ip| is_host_ip(*ip)) {
            if let Some(host) = self.by_mac.get_mut(&mac) {
                host.ips.insert(ip);
            }
            // An address taken over by another MAC (DHCP reuse, failover) leaves the old one.
            if let Some(old) = self.by_ip.insert(ip, mac) {
                if old != mac {
                    if let Some(h) = self.by_mac.get_mut(&old) {
                        h.ips.remove(&ip);
                    }
                }
            }
        }
        Ok(event)
    }

    fn remove(&mut self, mac: MacAddr, reason: HostRemovedReason) -> Option<TopologyEvent> {
        let host = self.by_mac.remove(&mac)?;
        for ip in &host.ips {
            if self.by_ip.get(ip) == Some(&mac) {
                self.by_ip.remove(ip);
            }
        }
        Some(TopologyEvent::HostRemoved {
            mac,
            location: host.location,
            reason,
        })
    }

    /// Forget hosts located where `pred` holds.
    pub(super) fn remove_where(
        &mut self,
        pred: impl Fn(PortRef) -> bool,
        reason: HostRemovedReason,
    ) -> Vec<TopologyEvent> {
        let doomed: Vec<MacAddr> = self
            .by_mac
            .values()
            .filter(|h| pred(h.location))
            .map(|h| h.mac)
            .collect();
        doomed
            .into_iter()
            .filter_map(|m| self.remove(m, reason))
            .collect()
    }

    /// Forget hosts idle for `timeout`.
    pub(super) fn expire(&mut self, now: Instant, timeout: Duration) -> Vec<TopologyEvent> {
        let doomed: Vec<MacAddr> = self
            .by_mac
            .values()
            .filter(|h| expired(h.last_seen, timeout, now))
            .map(|h| h.mac)
            .collect();
        doomed
            .into_iter()
            .filter_map(|m| self.remove(m, HostRemovedReason::Timeout))
            .collect()
    }

    /// Are `max_hosts` hosts known already?
    pub(super) fn is_full(&self, max_hosts: usize) -> bool {
        self.by_mac.len() >= max_hosts
    }

    pub(super) fn next_expiry(&self, timeout: Duration) -> Option<Instant> {
        self.by_mac
            .values()
            .filter_map(|h| h.last_seen.checked_add(timeout))
            .min()
    }

    pub(super) fn get(&self, key: HostKey) -> Option<&Host> {
        let mac = match key {
            HostKey::Mac(m) => m,
            HostKey::Ip(ip) => *self.by_ip.get(&ip)?,
        };
        self.by_mac.get(&mac)
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &Host> + '_ {
        self.by_mac.values()
    }
}
