//! [`TapService`] over the `tap` module: reads its [`TapTable`], commands it with
//! [`Control`] messages on the bus, and waits for the outcome so the API answers with
//! what happened on the switches.
//!
//! A create waits until the tap is `installed` (every switch confirmed its flows with a
//! barrier) and answers 201; a tap whose plan fails (`waiting: no path ...`, `failed on
//! ...`) is removed again and refused with that reason (409), so a refused request leaves
//! nothing behind.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::bus::Bus;
use crate::modules::control::{Control, TapSpec};
use crate::modules::tap::{Origin, TapInfo, TapTable};
use crate::pipeline::cookie::{Cookie, Kind};
use crate::pipeline::Direction as PipeDirection;
use crate::switch::handle::Switches;
use crate::topology::PortRef;

use super::state::{
    split_port_ref, BoxFut, Direction, PatchView, TapError, TapOrigin, TapRequest, TapService,
    TapView, TriggerView,
};

/// How long a create or delete waits for the switches.
pub const CONFIRM_TIMEOUT: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(20);

/// The adapter.
#[derive(Debug, Clone)]
pub struct TapsAdapter {
    bus: Arc<Bus>,
    table: TapTable,
    switches: Switches,
}

impl TapsAdapter {
    /// Over the running controller's bus, tap table and switch registry.
    pub fn new(bus: Arc<Bus>, table: TapTable, switches: Switches) -> Self {
        TapsAdapter {
            bus,
            table,
            switches,
        }
    }

    fn find(&self, name: &str) -> Option<TapInfo> {
        self.table.list().into_iter().find(|t| t.name == name)
    }

    /// `s2:4` / `0000000000000002:s2-eth4` -> the switch port.
    fn port(&self, text: &str, field: &'static str) -> Result<PortRef, TapError> {
        let unknown = |message: String| TapError::Unknown { field, message };
        let (sw, p) = split_port_ref(text).ok_or_else(|| TapError::Invalid {
            field,
            message: format!("{text:?} is not `switch:port`"),
        })?;
        let info = self
            .switches
            .list()
            .into_iter()
            .find(|i| {
                i.id.name.as_deref() == Some(sw)
                    || crate::config::parse_dpid(sw) == Some(i.id.dpid.0)
                    || sw.parse::<u64>().ok() == Some(i.id.dpid.0)
            })
            .ok_or_else(|| unknown(format!("switch {sw} is not connected")))?;
        let port = info
            .ports
            .values()
            .find(|d| d.name == p || p.parse::<u32>().ok() == Some(d.port_no))
            .ok_or_else(|| unknown(format!("switch {sw} has no port {p}")))?;
        Ok(PortRef::new(info.id.dpid, port.port_no))
    }

    fn view(&self, t: &TapInfo) -> TapView {
        let name_of = |s: &str| -> String {
            // The table says `dpid:port`; show `s2:4` when the switch has a name.
            match split_port_ref(s) {
                Some((dpid, port)) => {
                    let named = crate::config::parse_dpid(dpid).and_then(|d| {
                        self.switches
                            .get(proto::DatapathId(d))
                            .and_then(|h| h.info.id.name.as_deref().map(str::to_string))
                    });
                    match named {
                        Some(n) => format!("{n}:{port}"),
                        None => s.to_string(),
                    }
                }
                None => s.to_string(),
            }
        };
        TapView {
            id: t.name.clone(),
            name: t.name.clone(),
            source: name_of(&t.source),
            direction: match t.direction {
                PipeDirection::Ingress => Direction::In,
                PipeDirection::Egress => Direction::Out,
                PipeDirection::Both => Direction::Both,
            },
            match_: (!t.filter.is_empty()).then(|| t.filter.clone()),
            monitor: name_of(&t.monitor),
            origin: match t.origin {
                Origin::Static | Origin::Activatable => TapOrigin::Config,
                Origin::Runtime => TapOrigin::Api,
            },
            active: t.active,
            remaining_secs: t.expires_in_secs.map(|s| s as f64),
            cookie: Some(format!("{:#x}", Cookie::new(Kind::Tap, t.id).value())),
            deactivated: t.deactivated.clone(),
        }
    }

    async fn wait_for<T>(
        &self,
        mut f: impl FnMut(Option<TapInfo>) -> Option<T>,
        name: &str,
    ) -> Option<T> {
        let end = Instant::now() + CONFIRM_TIMEOUT;
        loop {
            if let Some(v) = f(self.find(name)) {
                return Some(v);
            }
            if Instant::now() >= end {
                return None;
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

impl TapService for TapsAdapter {
    fn taps(&self) -> Vec<TapView> {
        self.table.list().iter().map(|t| self.view(t)).collect()
    }

    fn create(&self, req: TapRequest) -> BoxFut<'_, Result<TapView, TapError>> {
        Box::pin(async move {
            let source = self.port(&req.source, "source")?;
            let monitor = self.port(&req.monitor, "monitor")?;
            let filter = match req.match_.as_deref().filter(|m| !m.trim().is_empty()) {
                Some(m) => proto::ofctl::parse_match(m).map_err(|e| TapError::Invalid {
                    field: "match",
                    message: e.to_string(),
                })?,
                None => proto::flow::Match::default(),
            };
            let name = req
                .name
                .clone()
                .unwrap_or_else(|| req.source.replace(':', "-"));
            if self.find(&name).is_some() {
                return Err(TapError::Exists(name));
            }
            let spec = TapSpec {
                name: name.clone(),
                source,
                direction: match req.direction {
                    Direction::In => PipeDirection::Ingress,
                    Direction::Out => PipeDirection::Egress,
                    Direction::Both => PipeDirection::Both,
                },
                filter,
                monitor,
            };
            let duration = req
                .duration_secs
                .filter(|d| *d > 0)
                .map(Duration::from_secs);
            let by = "rest".to_string();
            if !self
                .bus
                .control("tap", Control::CreateTap { spec, duration, by })
            {
                return Err(TapError::Switch("the tap module is not running".into()));
            }
            // Installed, or a reason it cannot be (anything but installing/inactive).
            let outcome = self
                .wait_for(
                    |t| {
                        let t = t?;
                        match t.state.as_str() {
                            "installed" => Some(Ok(t)),
                            "installing" | "inactive" => None,
                            _ => Some(Err(t.state)),
                        }
                    },
                    &name,
                )
                .await;
            match outcome {
                Some(Ok(t)) => Ok(self.view(&t)),
                other => {
                    let reason = match other {
                        Some(Err(why)) => why,
                        _ => format!("not confirmed by the switches within {CONFIRM_TIMEOUT:?}"),
                    };
                    let _ = self.bus.control(
                        "tap",
                        Control::Deactivate {
                            name: name.clone(),
                            by: "rest (refused)".into(),
                        },
                    );
                    Err(TapError::Unbuildable {
                        field: "monitor",
                        message: format!("tap {name} cannot be built: {reason}"),
                    })
                }
            }
        })
    }

    fn delete(&self, id: String) -> BoxFut<'_, Result<TapView, TapError>> {
        Box::pin(async move {
            let Some(t) = self.find(&id) else {
                return Err(TapError::NotFound(id));
            };
            let view = self.view(&t);
            let by = "rest".to_string();
            if !self.bus.control(
                "tap",
                Control::Deactivate {
                    name: id.clone(),
                    by,
                },
            ) {
                return Err(TapError::Switch("the tap module is not running".into()));
            }
            // A runtime tap disappears from the table; a configured one goes inactive.
            let gone = self
                .wait_for(
                    |t| match t {
                        None => Some(()),
                        Some(t) if !t.active && t.switches.is_empty() => Some(()),
                        Some(_) => None,
                    },
                    &id,
                )
                .await;
            match gone {
                // The table's view now: a static tap says it was deactivated.
                Some(()) => Ok(self.find(&id).map(|t| self.view(&t)).unwrap_or(TapView {
                    active: false,
                    ..view
                })),
                None => Err(TapError::Switch(format!(
                    "tap {id} still has flows after {CONFIRM_TIMEOUT:?}"
                ))),
            }
        })
    }

    fn patches(&self) -> Vec<PatchView> {
        Vec::new()
    }

    fn triggers(&self) -> Vec<TriggerView> {
        Vec::new()
    }
}
