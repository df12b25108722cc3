//! Prometheus metrics: the process-wide registry of counters the runtime increments.
//!
//! The runtime's hooks are one line each (`crate::metrics::get().x.inc()` or the helpers
//! below): the switch driver counts every OpenFlow message in and out by type
//! ([`record_in`], [`record_out`]; an incoming OFPT_ERROR of type FLOW_MOD_FAILED also
//! counts a failed flow-mod), trigger sources count events. Values something else already
//! counts (switches connected, taps active, PACKET_INs dropped per module by the bus, the
//! collector's per-agent sFlow counters) are read when `/metrics` is scraped (see
//! `rest::metrics`), so they cannot drift from the state they describe.
//!
//! Every name is prefixed `tapdemon_`; counters get OpenMetrics' `_total` suffix.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{LazyLock, OnceLock};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::{Atomic, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

/// Labels of an OpenFlow message counter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct MessageLabels {
    /// `OFPT_PACKET_IN` ...
    pub r#type: &'static str,
    /// `1.0` / `1.3`.
    pub version: &'static str,
}

/// Labels naming a trigger source.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct SourceLabels {
    /// `embedded` / `sflow_rt`.
    pub source: &'static str,
}

/// A message counter: every switch thread counts every message it reads or writes, and
/// one shared atomic per message type bounced between the cores on each increment.
pub type MessageCounter = Counter<u64, Sharded>;

/// Slots of a [`Sharded`] value: threads beyond this many share slots (still correct).
const SLOTS: usize = 8;

/// A counter's value spread over cache lines, one per thread slot, summed when read.
/// [`Atomic::inc`] returns the previous value of the caller's slot, not of the sum.
#[derive(Debug, Default)]
pub struct Sharded([Slot; SLOTS]);

#[derive(Debug, Default)]
#[repr(align(64))]
struct Slot(AtomicU64);

/// This thread's slot: threads take slots in the order they first count.
fn slot() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local!(static SLOT: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SLOTS);
    SLOT.with(|s| *s)
}

impl Atomic<u64> for Sharded {
    fn inc(&self) -> u64 {
        self.inc_by(1)
    }

    fn inc_by(&self, v: u64) -> u64 {
        self.0[slot()].0.fetch_add(v, Ordering::Relaxed)
    }

    fn get(&self) -> u64 {
        self.0.iter().map(|s| s.0.load(Ordering::Relaxed)).sum()
    }
}

/// The counters the runtime increments.
#[derive(Debug, Default)]
pub struct Metrics {
    /// OpenFlow messages received, by type and version.
    pub messages_in: Family<MessageLabels, MessageCounter>,
    /// OpenFlow messages sent, by type and version.
    pub messages_out: Family<MessageLabels, MessageCounter>,
    /// Flow-mods a switch refused (OFPET_FLOW_MOD_FAILED).
    pub flow_mods_failed: Counter,
    /// Trigger (threshold) events raised, by source.
    pub trigger_events: Family<SourceLabels, Counter>,
    /// sFlow datagrams the embedded collector read from its socket.
    pub sflow_datagrams_received: Counter,
    /// sFlow datagrams dropped because the collector's queue was full (a flood).
    pub sflow_datagrams_dropped: Counter,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::default);

/// The process-wide counters.
pub fn get() -> &'static Metrics {
    &METRICS
}

impl Metrics {
    /// Register the counters (shared, not copied: `Family` and `Counter` clones point at
    /// the same values) into `reg`.
    pub fn register(&self, reg: &mut Registry) {
        reg.register(
            "openflow_messages_in",
            "OpenFlow messages received from switches",
            self.messages_in.clone(),
        );
        reg.register(
            "openflow_messages_out",
            "OpenFlow messages sent to switches",
            self.messages_out.clone(),
        );
        reg.register(
            "flow_mods_failed",
            "Flow-mods refused by a switch (OFPET_FLOW_MOD_FAILED)",
            self.flow_mods_failed.clone(),
        );
        // Both sources appear from the start, at 0, so rate() works from the first event.
        for source in ["embedded", "sflow_rt"] {
            let _ = self.trigger_events.get_or_create(&SourceLabels { source });
        }
        reg.register(
            "trigger_events",
            "Threshold (trigger) events raised",
            self.trigger_events.clone(),
        );
        reg.register(
            "sflow_datagrams_received",
            "sFlow datagrams read from the embedded collector's socket",
            self.sflow_datagrams_received.clone(),
        );
        reg.register(
            "sflow_datagrams_dropped",
            "sFlow datagrams dropped because the embedded collector's queue was full",
            self.sflow_datagrams_dropped.clone(),
        );
    }
}

/// Count one trigger event (hook: the collector's UDP task and the sFlow-RT client,
/// where they forward a `TriggerEvent`; `source` is `embedded` or `sflow_rt`).
pub fn trigger_event(source: &'static str) {
    get()
        .trigger_events
        .get_or_create(&SourceLabels { source })
        .inc();
}

const OFP10: u8 = 0x01;
const OFP13: u8 = 0x04;
const OFPT_ERROR: u8 = 1;
const OFPET10_FLOW_MOD_FAILED: u16 = 3;
const OFPET13_FLOW_MOD_FAILED: u16 = 5;

fn labels(frame: &[u8]) -> Option<MessageLabels> {
    let (&version, &ty) = (frame.first()?, frame.get(1)?);
    match version {
        OFP10 => Some(MessageLabels {
            r#type: proto::of10::type_name(ty),
            version: "1.0",
        }),
        OFP13 => Some(MessageLabels {
            r#type: proto::of13::type_name_of(ty),
            version: "1.3",
        }),
        _ => Some(MessageLabels {
            r#type: "other",
            version: "other",
        }),
    }
}

/// One family's counters by (version, type), each resolved on first use: every message
/// passes here, and `Family::get_or_create` takes a lock shared by every switch thread and
/// hashes the labels.
struct ByType {
    family: fn(&Metrics) -> &Family<MessageLabels, MessageCounter>,
    cells: Vec<OnceLock<MessageCounter>>,
}

impl ByType {
    fn new(family: fn(&Metrics) -> &Family<MessageLabels, MessageCounter>) -> Self {
        ByType {
            family,
            cells: (0..3 * 256).map(|_| OnceLock::new()).collect(),
        }
    }

    /// The counter for the message starting `frame`.
    fn get(&self, frame: &[u8]) -> Option<&MessageCounter> {
        let (&version, &ty) = (frame.first()?, frame.get(1)?);
        let row = match version {
            OFP10 => 0,
            OFP13 => 1,
            _ => 2,
        };
        let cell = self.cells.get(row * 256 + usize::from(ty))?;
        let labels = labels(frame)?;
        Some(cell.get_or_init(|| (self.family)(get()).get_or_create(&labels).clone()))
    }
}

static IN_BY_TYPE: LazyLock<ByType> = LazyLock::new(|| ByType::new(|m| &m.messages_in));
static OUT_BY_TYPE: LazyLock<ByType> = LazyLock::new(|| ByType::new(|m| &m.messages_out));

/// Count one framed message received from a switch (hook: the switch driver).
pub fn record_in(frame: &[u8]) {
    let Some(counter) = IN_BY_TYPE.get(frame) else {
        return;
    };
    counter.inc();
    if frame.get(1) == Some(&OFPT_ERROR) {
        let ty = frame.get(8..10).map(|b| u16::from_be_bytes([b[0], b[1]]));
        let failed = matches!(
            (frame.first(), ty),
            (Some(&OFP10), Some(OFPET10_FLOW_MOD_FAILED))
                | (Some(&OFP13), Some(OFPET13_FLOW_MOD_FAILED))
        );
        if failed {
            get().flow_mods_failed.inc();
        }
    }
}

/// Count the messages in `buf` (one or more whole messages) sent to a switch (hook: the
/// switch driver's flush).
pub fn record_out(buf: &[u8]) {
    let mut rest = buf;
    while let Some(len) = rest
        .get(2..4)
        .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
    {
        if let Some(counter) = OUT_BY_TYPE.get(rest) {
            counter.inc();
        }
        if len < 8 {
            break;
        }
        rest = rest.get(len..).unwrap_or(&[]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(f: &Family<MessageLabels, MessageCounter>, ty: &'static str, v: &'static str) -> u64 {
        f.get_or_create(&MessageLabels {
            r#type: ty,
            version: v,
        })
        .get()
    }

    #[test]
    fn counts_by_type() {
        let m = get();
        let hello_before = count(&m.messages_out, "OFPT_HELLO", "1.3");
        let echo_before = count(&m.messages_out, "OFPT_ECHO_REQUEST", "1.3");
        // HELLO + ECHO_REQUEST in one buffer.
        let buf = [4u8, 0, 0, 8, 0, 0, 0, 1, 4, 2, 0, 8, 0, 0, 0, 2];
        record_out(&buf);
        assert_eq!(
            count(&m.messages_out, "OFPT_HELLO", "1.3"),
            hello_before + 1
        );
        assert_eq!(
            count(&m.messages_out, "OFPT_ECHO_REQUEST", "1.3"),
            echo_before + 1
        );
        // Twice: the second goes through the cached counter, which is the family's.
        let echo_in = count(&m.messages_in, "OFPT_ECHO_REPLY", "1.0");
        record_in(&[1, 3, 0, 8, 0, 0, 0, 3]);
        record_in(&[1, 3, 0, 8, 0, 0, 0, 4]);
        assert_eq!(count(&m.messages_in, "OFPT_ECHO_REPLY", "1.0"), echo_in + 2);
        let failed = m.flow_mods_failed.get();
        // OF1.0 ERROR, type 3 (FLOW_MOD_FAILED), code 0.
        record_in(&[1, 1, 0, 12, 0, 0, 0, 9, 0, 3, 0, 0]);
        assert_eq!(m.flow_mods_failed.get(), failed + 1);
        // OF1.0 ERROR, type 1 (BAD_REQUEST): not a flow-mod failure.
        record_in(&[1, 1, 0, 12, 0, 0, 0, 9, 0, 1, 0, 0]);
        assert_eq!(m.flow_mods_failed.get(), failed + 1);
    }

    #[test]
    fn sharded_counts_sum_over_threads() {
        let c = MessageCounter::default();
        std::thread::scope(|s| {
            for _ in 0..(SLOTS + 3) {
                s.spawn(|| {
                    for _ in 0..1000 {
                        c.inc();
                    }
                });
            }
        });
        c.inc_by(5);
        assert_eq!(c.get(), (SLOTS as u64 + 3) * 1000 + 5);
    }
}
