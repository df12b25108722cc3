//! Shortest paths over live links, with a deterministic tie-break.
//!
//! Breadth-first from the destination gives every switch its distance in hops; the path is
//! then walked forward from the source, taking at each switch the link towards a switch one hop
//! closer with the lowest (next dpid, out port, next in port). The result is the
//! lexicographically smallest shortest path, so parallel uplinks always use the lowest port
//! and two calls never disagree.

use std::collections::{BTreeMap, VecDeque};

use proto::DatapathId;

use super::{Link, PortRef, Topology};

/// One switch-to-switch step of a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Hop {
    /// The switch sending.
    pub dpid: DatapathId,
    /// Its port the traffic leaves by.
    pub out_port: u32,
    /// The next switch.
    pub next_dpid: DatapathId,
    /// The port the traffic arrives on at the next switch.
    pub next_in_port: u32,
}

/// One switch on the way to a port: where traffic enters it (unknown on the first switch, where
/// it depends on the source) and where it leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TapHop {
    /// The switch.
    pub dpid: DatapathId,
    /// The port traffic arrives on; `None` on the first switch.
    pub in_port: Option<u32>,
    /// The port it leaves by.
    pub out_port: u32,
}

impl Topology {
    /// Live links between connected switches, grouped by sending switch, sorted.
    fn adjacency(&self) -> BTreeMap<DatapathId, Vec<Link>> {
        let mut out: BTreeMap<DatapathId, Vec<Link>> = BTreeMap::new();
        for (link, _) in self.links.live() {
            if self.graph.contains(link.src.dpid) && self.graph.contains(link.dst.dpid) {
                out.entry(link.src.dpid).or_default().push(link);
            }
        }
        out
    }

    /// The hops from switch `src` to switch `dst` over live links; empty when they are the
    /// same switch, `None` when either is not connected or no path exists.
    pub fn shortest_path(&self, src: DatapathId, dst: DatapathId) -> Option<Vec<Hop>> {
        if !self.graph.contains(src) || !self.graph.contains(dst) {
            return None;
        }
        let adjacency = self.adjacency();
        let mut incoming: BTreeMap<DatapathId, Vec<DatapathId>> = BTreeMap::new();
        for link in adjacency.values().flatten() {
            incoming
                .entry(link.dst.dpid)
                .or_default()
                .push(link.src.dpid);
        }
        let mut dist = BTreeMap::from([(dst, 0usize)]);
        let mut queue = VecDeque::from([dst]);
        while let Some(v) = queue.pop_front() {
            let d = dist.get(&v).copied().unwrap_or_default();
            for u in incoming.get(&v).into_iter().flatten() {
                dist.entry(*u).or_insert_with(|| {
                    queue.push_back(*u);
                    d + 1
                });
            }
        }
        let mut remaining = *dist.get(&src)?;
        let mut at = src;
        let mut hops = Vec::with_capacity(remaining);
        while remaining > 0 {
            let link = adjacency
                .get(&at)?
                .iter()
                .filter(|l| dist.get(&l.dst.dpid) == Some(&(remaining - 1)))
                .min_by_key(|l| (l.dst.dpid, l.src.port, l.dst.port))?;
            hops.push(Hop {
                dpid: at,
                out_port: link.src.port,
                next_dpid: link.dst.dpid,
                next_in_port: link.dst.port,
            });
            at = link.dst.dpid;
            remaining -= 1;
        }
        Some(hops)
    }

    /// The way from switch `src` to port `dst` anywhere (a tap's monitor port): each switch
    /// on the path with the port traffic enters by and the port it must leave by, the last
    /// one being `dst` itself. `None` when no path exists. The port itself is not checked:
    /// a monitor port that is down today still has a path.
    pub fn path_to_port(&self, src: DatapathId, dst: PortRef) -> Option<Vec<TapHop>> {
        let hops = self.shortest_path(src, dst.dpid)?;
        let mut out = Vec::with_capacity(hops.len() + 1);
        let mut in_port = None;
        for h in hops {
            out.push(TapHop {
                dpid: h.dpid,
                in_port,
                out_port: h.out_port,
            });
            in_port = Some(h.next_in_port);
        }
        out.push(TapHop {
            dpid: dst.dpid,
            in_port,
            out_port: dst.port,
        });
        Some(out)
    }
}
