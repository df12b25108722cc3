//! Scenario tests: the engine driven by a fake wiring that carries each probe to the port at
//! the other end of its cable, on a virtual clock.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use bytes::Bytes;
use proto::pkt::lldp;
use proto::{DatapathId, MacAddr};

use super::*;

mod config;
mod discovery;
mod hosts;
mod paths;
mod static_links;

fn d(n: u64) -> DatapathId {
    DatapathId(n)
}

fn p(dpid: u64, port: u32) -> PortRef {
    PortRef::new(DatapathId(dpid), port)
}

fn mac(n: u8) -> MacAddr {
    MacAddr([0, 0, 0, 0, 0, n])
}

fn port_desc(dpid: u64, number: u32, live: bool) -> SwitchPort {
    SwitchPort {
        number,
        name: format!("s{dpid}-eth{number}"),
        hw_addr: MacAddr([2, 0, 0, 0, dpid as u8, number as u8]),
        live,
    }
}

fn ports(dpid: u64, n: u32) -> Vec<SwitchPort> {
    (1..=n).map(|i| port_desc(dpid, i, true)).collect()
}

fn names() -> BTreeMap<String, DatapathId> {
    (1..=3).map(|i| (format!("s{i}"), d(i))).collect()
}

/// Switches, cables and a clock around one engine.
struct Lab {
    topo: Topology,
    cables: BTreeMap<PortRef, PortRef>,
    t0: Instant,
    now: Instant,
}

impl Lab {
    fn new(config: &TopologyConfig) -> Lab {
        let t0 = Instant::now();
        Lab {
            topo: Topology::new(config, &names()).unwrap(),
            cables: BTreeMap::new(),
            t0,
            now: t0,
        }
    }

    fn cable(&mut self, a: PortRef, b: PortRef) {
        self.cables.insert(a, b);
        self.cables.insert(b, a);
    }

    fn cut(&mut self, a: PortRef) {
        if let Some(b) = self.cables.remove(&a) {
            self.cables.remove(&b);
        }
    }

    fn up(&mut self, dpid: u64, nports: u32) -> Vec<TopologyEvent> {
        self.topo.switch_up(self.now, d(dpid), &ports(dpid, nports))
    }

    /// Advance to `secs` after start, expire, then send due probes over the cables.
    fn at(&mut self, secs: u64) -> Vec<TopologyEvent> {
        self.now = self.t0 + Duration::from_secs(secs);
        let mut events = self.topo.handle_timeout(self.now);
        // Answers to new links are due at once; a bounded loop delivers them too.
        for _ in 0..3 {
            for probe in self.topo.poll_probes(self.now) {
                if let Some(peer) = self.cables.get(&p(probe.dpid.0, probe.port)).copied() {
                    if let Ok(e) =
                        self.topo
                            .handle_lldp(self.now, peer.dpid, peer.port, &probe.frame)
                    {
                        events.extend(e);
                    }
                }
            }
        }
        let next = self.topo.poll_timeout();
        assert!(next.is_none_or(|t| t > self.now), "probes left due");
        events
    }

    fn link_set(&self) -> Vec<(PortRef, PortRef)> {
        self.topo
            .links()
            .into_iter()
            .map(|(l, _)| (l.src, l.dst))
            .collect()
    }
}

/// PyTapDEMon: s1 6-10 <-> s3 1-5, s2 6-10 <-> s3 6-10, h11 on s3 port 11.
fn seed() -> Lab {
    let mut lab = Lab::new(&TopologyConfig::default());
    for i in 0..5 {
        lab.cable(p(1, 6 + i), p(3, 1 + i));
        lab.cable(p(2, 6 + i), p(3, 6 + i));
    }
    lab.up(1, 10);
    lab.up(2, 10);
    lab.up(3, 11);
    lab
}

fn count_up(events: &[TopologyEvent]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, TopologyEvent::LinkUp { .. }))
        .count()
}

/// s1 -- s2 -- s3, host ports 1 on s1 and 2 on s3.
fn line() -> Lab {
    let mut lab = Lab::new(&TopologyConfig::default());
    lab.cable(p(1, 2), p(2, 1));
    lab.cable(p(2, 2), p(3, 1));
    lab.up(1, 2);
    lab.up(2, 3);
    lab.up(3, 2);
    lab.at(0);
    lab
}
