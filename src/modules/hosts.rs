//! `hosts`: where each host is, learned from the source MAC (and IP) of every PACKET_IN.
//!
//! Part of the topology (configured by `[topology]`: `max_hosts`, `host_timeout_secs`;
//! always on, like it), split out because host traffic is the hot path: each switch task
//! runs its own instance ([`Module::per_switch`]) and writes sightings straight into the
//! shared topology engine, a write lock held for one insert. A packet-in thus never wakes
//! another task to be learned. The `topology` module keeps LLDP discovery, probes and the
//! expiry of hosts.
//!
//! A sighting on a switch the engine does not know yet (its switch-up is still in the
//! topology module's queue) is skipped: the host's next frame teaches it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use proto::pkt::lldp;
use tracing::{debug, warn};

use super::topology::SharedTopology;
use crate::event::{Event, PacketIn};
use crate::module::Module;
use crate::outbox::Outbox;
use crate::topology::{HostIgnored, HostSource, PortRef};

/// A host seen again where it was within this long is not written again: its `last_seen`
/// (for `host_timeout_secs`) is that much behind at most.
const REFRESH: Duration = Duration::from_secs(1);

/// After the engine refused a sighting because the host table is full, this switch's
/// sightings are refused without asking it for this long. A MAC flood (cbench sends one
/// new source per frame) otherwise has every switch task take the engine's lock, and bump
/// a shared counter, per frame: cache lines bouncing between cores cost more than the rest
/// of host learning. Meanwhile a known host's move is noticed from its next frame after
/// the pause.
pub const FULL_PAUSE: Duration = Duration::from_millis(50);

/// The module: one instance per switch, all writing to one engine.
#[derive(Debug)]
pub struct HostsModule {
    topo: SharedTopology,
    /// Sightings refused because the host table was full, over every switch (logged at
    /// each power of two).
    refused: Arc<AtomicU64>,
    /// Refused by this instance and not yet added to `refused`.
    unreported: u64,
    /// Until then the table was full a moment ago: see [`FULL_PAUSE`].
    full_until: Option<Instant>,
    /// The table's size limit, as the engine last reported it full (for the log).
    max: usize,
}

impl Clone for HostsModule {
    /// A fresh instance on the same engine and counter.
    fn clone(&self) -> Self {
        HostsModule::on(self.topo.clone(), self.refused.clone())
    }
}

impl Drop for HostsModule {
    fn drop(&mut self) {
        self.report();
    }
}

impl HostsModule {
    /// Host learning into `topo` (the topology module's engine).
    pub fn new(topo: SharedTopology) -> Self {
        HostsModule::on(topo, Arc::new(AtomicU64::new(0)))
    }

    /// An instance with nothing refused yet, counting into `refused`.
    fn on(topo: SharedTopology, refused: Arc<AtomicU64>) -> Self {
        HostsModule {
            topo,
            refused,
            unreported: 0,
            full_until: None,
            max: 0,
        }
    }

    /// Sightings refused so far because the host table was full, by every instance (each
    /// reports its own when it next asks the engine, or ends).
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed) + self.unreported
    }

    /// Adds this instance's refusals to the shared count; logs each power of two it passes.
    fn report(&mut self) {
        if self.unreported == 0 {
            return;
        }
        let n = std::mem::take(&mut self.unreported);
        let before = self.refused.fetch_add(n, Ordering::Relaxed);
        let after = before + n;
        // A MAC flood refuses a sighting per frame: log ever more rarely.
        if before == 0 || after.ilog2() > before.ilog2() {
            warn!(max = self.max, refused = after, "host table full");
        }
    }

    fn packet_in(&mut self, now: Instant, pi: &PacketIn) {
        if lldp::is_lldp(&pi.data) {
            return; // discovery's, in the topology module
        }
        let Some((_, src, _)) = pi.ethernet() else {
            return;
        };
        if self.full_until.is_some_and(|t| now < t) && !src.is_multicast() {
            self.unreported += 1;
            return;
        }
        self.full_until = None;
        self.report();
        let at = PortRef::new(pi.switch.dpid, pi.in_port);
        let ip = source_ip(&pi.data);
        let news = self
            .topo
            .read()
            .host_sighting_is_news(now, src, ip, at, REFRESH);
        let result = match news {
            Ok(false) => return,
            Ok(true) => self
                .topo
                .write()
                .learn_host(now, src, ip, at, HostSource::PacketIn),
            Err(e) => Err(e),
        };
        match result {
            Err(HostIgnored::TableFull(max)) => {
                self.max = max;
                self.unreported += 1;
                self.full_until = Some(now + FULL_PAUSE);
            }
            Err(why) => debug!(switch = %pi.switch, %src, %why, "host not learned"),
            Ok(_) => {}
        }
    }
}

impl Module for HostsModule {
    fn name(&self) -> &'static str {
        "hosts"
    }

    /// Each switch's instance runs in its task; all share the engine.
    fn per_switch(&self) -> Option<Box<dyn Module>> {
        Some(Box::new(self.clone()))
    }

    fn handle(&mut self, now: Instant, ev: &Event, _out: &mut Outbox) {
        if let Event::PacketIn(pi) = ev {
            self.packet_in(now, pi);
        }
    }
}

/// The sender's IP address: IPv4 or IPv6 source, or an ARP sender, after at most one VLAN tag.
pub fn source_ip(frame: &[u8]) -> Option<IpAddr> {
    let ethertype = |at: usize| -> Option<u16> {
        Some(u16::from_be_bytes(frame.get(at..at + 2)?.try_into().ok()?))
    };
    let (ty, l3) = match ethertype(12)? {
        0x8100 => (ethertype(16)?, 18),
        ty => (ty, 14),
    };
    let bytes = |from: usize, to: usize| frame.get(l3 + from..l3 + to);
    match ty {
        0x0800 => {
            let a: [u8; 4] = bytes(12, 16)?.try_into().ok()?;
            Some(IpAddr::V4(Ipv4Addr::from(a)))
        }
        // ARP for IPv4 over Ethernet: the sender protocol address follows the sender MAC.
        0x0806 if bytes(2, 6)? == [0x08, 0x00, 6, 4] => {
            let a: [u8; 4] = bytes(14, 18)?.try_into().ok()?;
            Some(IpAddr::V4(Ipv4Addr::from(a)))
        }
        0x86dd => {
            let a: [u8; 16] = bytes(8, 24)?.try_into().ok()?;
            Some(IpAddr::V6(Ipv6Addr::from(a)))
        }
        _ => None,
    }
}
