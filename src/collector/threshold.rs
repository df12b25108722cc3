//! Threshold state: which (data source[, flow]) has fired and when it re-arms.
//!
//! Evaluated on every flow update (no timer in the event path), so an event is raised by
//! the very sample that lifts a flow over `value`. A fired entry remembers when its rate
//! will fall below `value` absent further samples (exact for the exponential estimator,
//! see [`FlowState::below_at`]); later samples push that time out. It re-arms `timeout`
//! seconds after that time ([`Threshold::expire`], called from the engine's timer).
//!
//! Without `byFlow` there is one entry per data source: the first flow over the value fires,
//! and the data source stays fired while any of its flows is over it. With `byFlow` there
//! is one entry per flow key, so every new flow over the value fires once.

use super::flow_def::ThresholdDefConfig;
use super::table::{DataSource, FastMap, FlowState};

/// Fired entries kept at most per threshold; more flows over the value are counted in
/// [`Threshold::suppressed`] rather than raising events that could never re-arm cleanly.
pub const MAX_FIRED: usize = 100_000;

/// One threshold's state.
#[derive(Debug)]
pub struct Threshold {
    /// Its name (`thresholdID`).
    pub name: String,
    /// The definition.
    pub cfg: ThresholdDefConfig,
    /// data source → binary flow key (empty without byFlow) → epoch ms when it falls below.
    fired: FastMap<DataSource, FastMap<Box<[u8]>, u64>>,
    count: usize,
    /// Crossings not raised because [`MAX_FIRED`] entries were already fired.
    pub suppressed: u64,
}

impl Threshold {
    /// A threshold with nothing fired.
    pub fn new(name: &str, cfg: ThresholdDefConfig) -> Self {
        Threshold {
            name: name.to_string(),
            cfg,
            fired: FastMap::default(),
            count: 0,
            suppressed: 0,
        }
    }

    /// Entries currently fired (not yet re-armed).
    pub fn fired(&self) -> usize {
        self.count
    }

    /// A flow of the threshold's metric was updated (`key`: its binary flow key, see
    /// [`super::keys::write_key_bin`]). Returns true when this raises an event.
    pub fn handle_update(&mut self, ds: DataSource, key: &[u8], st: FlowState, t: f64) -> bool {
        let thr = self.cfg.value;
        if st.value < thr {
            return false;
        }
        let below = st.below_at(thr, t);
        let slot: &[u8] = if self.cfg.by_flow { key } else { &[] };
        if let Some(until) = self.fired.get_mut(&ds).and_then(|m| m.get_mut(slot)) {
            *until = (*until).max(below);
            return false;
        }
        if self.count >= MAX_FIRED {
            self.suppressed += 1;
            return false;
        }
        self.fired.entry(ds).or_default().insert(slot.into(), below);
        self.count += 1;
        true
    }

    /// Re-arms entries that have been below the value for `timeout` seconds.
    pub fn expire(&mut self, now: u64) {
        let hold = (self.cfg.timeout * 1000.0) as u64;
        let mut count = 0;
        self.fired.retain(|_, m| {
            m.retain(|_, until| now < until.saturating_add(hold));
            count += m.len();
            !m.is_empty()
        });
        self.count = count;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thr(by_flow: bool) -> Threshold {
        Threshold::new(
            "web",
            ThresholdDefConfig {
                metric: "tcp".into(),
                value: 1000.0,
                by_flow,
                timeout: 1.0,
            },
        )
    }

    const DS: DataSource = (std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 3);

    #[test]
    fn fires_once_and_rearms_after_hysteresis() {
        let mut th = thr(false);
        let st = |value, last| FlowState { value, last };
        assert!(!th.handle_update(DS, b"a", st(999.0, 0), 2.0));
        assert!(th.handle_update(DS, b"a", st(2000.0, 0), 2.0));
        // another flow of the same data source: no second event without byFlow
        assert!(!th.handle_update(DS, b"b", st(5000.0, 0), 2.0));
        // b falls below 1000 at 2·ln(5) s = 3219 ms; re-arm 1 s later
        th.expire(4000);
        assert_eq!(th.fired(), 1);
        th.expire(4220);
        assert_eq!(th.fired(), 0);
        assert!(th.handle_update(DS, b"a", st(2000.0, 5000), 2.0));
    }

    #[test]
    fn by_flow_fires_per_key() {
        let mut th = thr(true);
        let st = FlowState {
            value: 2000.0,
            last: 0,
        };
        assert!(th.handle_update(DS, b"a", st, 2.0));
        assert!(th.handle_update(DS, b"b", st, 2.0));
        assert!(!th.handle_update(DS, b"a", st, 2.0));
        assert!(th.handle_update((DS.0, 4), b"a", st, 2.0));
        assert_eq!(th.fired(), 3);
    }
}
