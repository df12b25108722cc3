//! sFlow data source (agent + ifIndex) → switch port (dpid, OpenFlow port, name).
//!
//! OVS reports Linux ifindex values, not OpenFlow port numbers (sflow-rt-api.md 1.8). Three
//! sources, best first:
//! 1. OVS's own counter records with each port's counters: 1004 (dpid + OpenFlow port) and
//!    1005 (port name), keyed by the agent and the counter sample's ifIndex.
//! 2. A name from record 1005 joined with a port name the controller learned from the switch
//!    ([`IfMap::add_switch_port`]).
//! 3. Ports the controller knows, whose ifindex it looked up in the OS
//!    ([`os_ifindex`], `/sys/class/net/NAME/ifindex`): valid for agents on this host, so
//!    they apply to every agent that sources 1 and 2 do not cover.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;

use proto::DatapathId;

use crate::trigger::PortLocation;

/// Entries kept at most per table (a bound against spoofed counter samples).
const MAX_ENTRIES: usize = 65_536;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct FromCounters {
    openflow: Option<(DatapathId, u32)>,
    name: Option<String>,
}

/// The map.
#[derive(Debug, Default)]
pub struct IfMap {
    counters: HashMap<(IpAddr, u32), FromCounters>,
    by_name: HashMap<String, (DatapathId, u32)>,
    local: HashMap<u32, PortLocation>,
}

impl IfMap {
    /// Records what a counter sample said about `(agent, ifindex)`.
    pub fn handle_counters(
        &mut self,
        agent: IpAddr,
        ifindex: u32,
        openflow: Option<(DatapathId, u32)>,
        name: Option<&str>,
    ) {
        if openflow.is_none() && name.is_none() {
            return;
        }
        if !self.counters.contains_key(&(agent, ifindex)) && self.counters.len() >= MAX_ENTRIES {
            return;
        }
        let e = self.counters.entry((agent, ifindex)).or_default();
        if openflow.is_some() {
            e.openflow = openflow;
        }
        if let Some(n) = name {
            if e.name.as_deref() != Some(n) {
                e.name = Some(n.to_string());
            }
        }
    }

    /// A port the controller learned from a switch (features reply / port status).
    /// `ifindex`, when the caller looked it up (see [`os_ifindex`]), maps it for local agents.
    pub fn add_switch_port(
        &mut self,
        dpid: DatapathId,
        port_no: u32,
        name: &str,
        ifindex: Option<u32>,
    ) {
        if self.by_name.len() < MAX_ENTRIES || self.by_name.contains_key(name) {
            self.by_name.insert(name.to_string(), (dpid, port_no));
        }
        if let Some(i) = ifindex {
            if self.local.len() < MAX_ENTRIES || self.local.contains_key(&i) {
                self.local.insert(
                    i,
                    PortLocation {
                        dpid,
                        port_no,
                        port_name: Some(name.to_string()),
                    },
                );
            }
        }
    }

    /// Forgets a port the switch removed (or all of a switch's ports when it disconnects,
    /// with `port_no = None`).
    pub fn remove_switch_port(&mut self, dpid: DatapathId, port_no: Option<u32>) {
        let hit = |d: DatapathId, p: u32| d == dpid && port_no.is_none_or(|q| q == p);
        self.by_name.retain(|_, (d, p)| !hit(*d, *p));
        self.local.retain(|_, l| !hit(l.dpid, l.port_no));
    }

    /// Where `(agent, ifindex)` is, when known.
    pub fn lookup(&self, agent: IpAddr, ifindex: u32) -> Option<PortLocation> {
        if let Some(c) = self.counters.get(&(agent, ifindex)) {
            if let Some((dpid, port_no)) = c.openflow {
                return Some(PortLocation {
                    dpid,
                    port_no,
                    port_name: c.name.clone().or_else(|| self.name_of(dpid, port_no)),
                });
            }
            if let Some(n) = &c.name {
                if let Some(&(dpid, port_no)) = self.by_name.get(n) {
                    return Some(PortLocation {
                        dpid,
                        port_no,
                        port_name: Some(n.clone()),
                    });
                }
            }
        }
        self.local.get(&ifindex).cloned()
    }

    /// What OVS's own counter records (1004/1005) said about `(agent, ifindex)`, ignoring
    /// the controller's port names (for diagnostics and tests).
    pub fn from_counters(&self, agent: IpAddr, ifindex: u32) -> Option<PortLocation> {
        let c = self.counters.get(&(agent, ifindex))?;
        let (dpid, port_no) = c.openflow?;
        Some(PortLocation {
            dpid,
            port_no,
            port_name: c.name.clone(),
        })
    }

    fn name_of(&self, dpid: DatapathId, port_no: u32) -> Option<String> {
        self.by_name
            .iter()
            .find(|(_, &(d, p))| d == dpid && p == port_no)
            .map(|(n, _)| n.clone())
    }
}

/// The OS ifindex of network device `name` (`/sys/class/net/NAME/ifindex`). Errors when the
/// device does not exist here (a remote switch) or the name is not a plain device name.
pub fn os_ifindex(name: &str) -> std::io::Result<u32> {
    os_ifindex_in(Path::new("/sys/class/net"), name)
}

/// [`os_ifindex`] under another sysfs root (for tests).
pub fn os_ifindex_in(root: &Path, name: &str) -> std::io::Result<u32> {
    if name.is_empty() || name.contains('/') || name == "." || name == ".." {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a device name",
        ));
    }
    let text = std::fs::read_to_string(root.join(name).join("ifindex"))?;
    text.trim()
        .parse()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lo() -> IpAddr {
        "127.0.0.1".parse().unwrap()
    }

    #[test]
    fn counters_win_then_names_then_local() {
        let mut m = IfMap::default();
        assert_eq!(m.lookup(lo(), 7), None);
        // the controller knows s2-eth3 is port 3 of dpid 2, and the OS says ifindex 9
        m.add_switch_port(DatapathId(2), 3, "s2-eth3", Some(9));
        let l = m.lookup(lo(), 9).unwrap();
        assert_eq!((l.dpid, l.port_no), (DatapathId(2), 3));
        // a remote agent's counters name ifindex 40 as s2-eth3: joined by name
        let remote: IpAddr = "192.0.2.1".parse().unwrap();
        m.handle_counters(remote, 40, None, Some("s2-eth3"));
        assert_eq!(m.lookup(remote, 40).unwrap().port_no, 3);
        // record 1004 is authoritative
        m.handle_counters(lo(), 9, Some((DatapathId(5), 4)), None);
        let l = m.lookup(lo(), 9).unwrap();
        assert_eq!((l.dpid, l.port_no), (DatapathId(5), 4));
        m.handle_counters(lo(), 9, None, Some("s5-eth4"));
        assert_eq!(
            m.lookup(lo(), 9).unwrap().port_name.as_deref(),
            Some("s5-eth4")
        );
    }

    #[test]
    fn removal() {
        let mut m = IfMap::default();
        m.add_switch_port(DatapathId(2), 3, "s2-eth3", Some(9));
        m.add_switch_port(DatapathId(2), 4, "s2-eth4", Some(10));
        m.remove_switch_port(DatapathId(2), Some(3));
        assert_eq!(m.lookup(lo(), 9), None);
        assert!(m.lookup(lo(), 10).is_some());
        m.remove_switch_port(DatapathId(2), None);
        assert_eq!(m.lookup(lo(), 10), None);
    }

    #[test]
    fn os_lookup() {
        assert_eq!(os_ifindex("lo").unwrap(), 1);
        assert!(os_ifindex("no-such-device-x").is_err());
        assert!(os_ifindex("../lo").is_err());
        let dir = std::env::temp_dir().join(format!("tapdemon-ifmap-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("s9-eth1")).unwrap();
        std::fs::write(dir.join("s9-eth1/ifindex"), "42\n").unwrap();
        assert_eq!(os_ifindex_in(&dir, "s9-eth1").unwrap(), 42);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
