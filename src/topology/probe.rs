//! Probe frames: building them, and telling our own genuine, fresh probes from everything else.
//!
//! Each probe carries, in an organisation-specific TLV, the time it was sent (milliseconds
//! since this engine's first probe) and a SipHash tag over (dpid, port, time) under a key
//! drawn at random for each engine. A host cannot forge a probe without the key, a probe
//! captured earlier cannot be replayed once it is older than the link timeout, and probes of
//! another controller (or another tapdemon) are recognised as foreign instead of misread.
//! A real-time relay between two hosts is beyond what LLDP can stop; edge-port checks limit
//! what a fabricated link could attract.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::time::{Duration, Instant};

use bytes::Bytes;
use proto::pkt::lldp;
use proto::MacAddr;

use super::{LldpIgnored, PortRef};

/// Organisationally unique identifier of the tag TLV. Not a registered OUI: the top byte has
/// the locally administered bit set, as Faucet does for its own LLDP TLVs.
const TAG_OUI: [u8; 3] = [0x0e, 0x74, 0x64];
const TAG_SUBTYPE: u8 = 1;
const ORG_SPECIFIC_TLV: u8 = 127;

/// Signs and verifies probes.
#[derive(Debug, Default)]
pub(super) struct Prober {
    key: RandomState,
    /// Time zero of the timestamps in probes (the first probe's `now`).
    origin: Option<Instant>,
}

impl Prober {
    fn tag(&self, at: PortRef, sent_ms: u64) -> [u8; 8] {
        self.key
            .hash_one((at.dpid.0, at.port, sent_ms))
            .to_be_bytes()
    }

    /// The probe frame for `at`.
    pub(super) fn frame(
        &mut self,
        now: Instant,
        at: PortRef,
        hw_addr: MacAddr,
        ttl: u16,
        system_name: Option<&str>,
    ) -> Option<Bytes> {
        let origin = *self.origin.get_or_insert(now);
        let sent_ms = u64::try_from(now.saturating_duration_since(origin).as_millis()).ok()?;
        let mut value = Vec::with_capacity(20);
        value.extend_from_slice(&TAG_OUI);
        value.push(TAG_SUBTYPE);
        value.extend_from_slice(&sent_ms.to_be_bytes());
        value.extend_from_slice(&self.tag(at, sent_ms));
        let mut repr = lldp::Repr::probe(at.dpid, at.port, hw_addr, ttl, system_name);
        repr.tlvs.push(lldp::Tlv::Unknown {
            ty: ORG_SPECIFIC_TLV,
            value: value.into(),
        });
        // A probe always encodes; `ok()` keeps a bug here from taking the controller down.
        repr.to_bytes().ok()
    }

    /// The port a genuine probe of ours, sent at most `max_age` ago, was sent from.
    pub(super) fn verify(
        &self,
        now: Instant,
        repr: &lldp::Repr,
        max_age: Duration,
    ) -> Result<PortRef, LldpIgnored> {
        let (dpid, port) = repr.probe_origin().ok_or(LldpIgnored::Foreign)?;
        let src = PortRef::new(dpid, port);
        let value = repr
            .tlvs
            .iter()
            .find_map(|t| match t {
                lldp::Tlv::Unknown { ty, value }
                    if *ty == ORG_SPECIFIC_TLV
                        && value.get(..3) == Some(&TAG_OUI[..])
                        && value.get(3) == Some(&TAG_SUBTYPE) =>
                {
                    Some(value)
                }
                _ => None,
            })
            .ok_or(LldpIgnored::Foreign)?;
        let (Some(sent), Some(tag), Some(origin)) = (
            value.get(4..12).and_then(|b| <[u8; 8]>::try_from(b).ok()),
            value.get(12..20),
            self.origin,
        ) else {
            return Err(LldpIgnored::BadTag(src));
        };
        let sent_ms = u64::from_be_bytes(sent);
        if value.len() != 20 || tag != self.tag(src, sent_ms) {
            return Err(LldpIgnored::BadTag(src));
        }
        let sent_at = origin.checked_add(Duration::from_millis(sent_ms));
        match sent_at {
            Some(t) if t <= now && now.duration_since(t) <= max_age => Ok(src),
            _ => Err(LldpIgnored::Stale(src)),
        }
    }
}
