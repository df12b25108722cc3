//! `trigger`: sFlow threshold events turned into patches and taps.
//!
//! A rule names a threshold (an embedded-collector or sFlow-RT threshold id), optionally
//! narrows it with an ovs-ofctl match on the event's flow keys (`tcp,tp_dst=80`), and either
//! activates named patches and taps for `duration_secs`, or taps *dynamically* the switch
//! ports where the flow's source and/or destination host is attached (from the event's
//! data-source mapping or the topology's host table). Events that keep coming re-arm the
//! same patches and taps (their end moves, their flows' hard timeouts restart); nothing is
//! duplicated, because activation and dynamic taps are keyed by name.
//!
//! ```toml
//! [[trigger]]
//! name = "web"
//! threshold = "web"
//! match = "tcp,tp_dst=80"          # optional, on the flow keys
//! activate = ["patch:s2-3-4", "tap:h9"]
//! duration_secs = 120              # default
//!
//! [[trigger]]
//! name = "follow"
//! threshold = "elephant"
//! dynamic = "source"               # source | destination | both
//! monitor = "s3:11"
//! direction = "both"
//! ```

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use proto::flow::Match;
use proto::MacAddr;
use serde::Deserialize;
use toml::Spanned;
use tracing::{debug, info};

use super::control::{Applied, Control, Reconfig, TapSpec};
use super::tap_config::{parse_filter, parse_port_ref, DEFAULT_DURATION_SECS};
use crate::config::SwitchDirectory;
use crate::event::Event;
use crate::module::Module;
use crate::outbox::Outbox;
use crate::pipeline::matching::Packet;
use crate::pipeline::Direction;
use crate::topology::PortRef;

/// Which end of the flow a dynamic trigger taps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dynamic {
    /// The port of the flow's source host.
    Source,
    /// The port of the flow's destination host.
    Destination,
    /// Both.
    Both,
}

/// One `[[trigger]]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerEntry {
    /// Unique among triggers.
    pub name: Spanned<String>,
    /// The threshold id events must carry.
    pub threshold: String,
    /// Only events whose flow keys match (ovs-ofctl syntax).
    #[serde(default, rename = "match")]
    pub filter: Option<Spanned<String>>,
    /// `patch:NAME` / `tap:NAME` to activate.
    #[serde(default)]
    pub activate: Vec<Spanned<String>>,
    /// Tap the flow's hosts' ports.
    #[serde(default)]
    pub dynamic: Option<Spanned<Dynamic>>,
    /// Where dynamic taps send copies, `SWITCH:PORT`.
    #[serde(default)]
    pub monitor: Option<Spanned<String>>,
    /// Which traffic dynamic taps copy.
    #[serde(default = "both")]
    pub direction: Direction,
    /// How long an activation lasts after the last event.
    #[serde(default = "default_duration")]
    pub duration_secs: Spanned<u64>,
}

fn both() -> Direction {
    Direction::Both
}

fn default_duration() -> Spanned<u64> {
    Spanned::new(0..0, DEFAULT_DURATION_SECS)
}

/// What a trigger needs from a threshold event ([`crate::trigger::TriggerEvent`], from
/// the embedded collector or sFlow-RT, reduces to this).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TriggerInput {
    /// The threshold that fired.
    pub threshold_id: String,
    /// Flow key names and values (`ipsource` = `10.0.0.2`).
    pub flow_keys: Vec<(String, String)>,
    /// The switch port the sample's data source maps to, when known.
    pub location: Option<PortRef>,
}

impl From<&crate::trigger::TriggerEvent> for TriggerInput {
    fn from(ev: &crate::trigger::TriggerEvent) -> Self {
        TriggerInput {
            threshold_id: ev.threshold_id.clone(),
            flow_keys: ev.flow_keys.clone(),
            location: ev
                .location
                .as_ref()
                .map(|l| PortRef::new(l.dpid, l.port_no)),
        }
    }
}

impl TriggerInput {
    fn key(&self, name: &str) -> Option<&str> {
        self.flow_keys
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn ip(&self, name: &str) -> Option<IpAddr> {
        self.key(name)?.parse().ok()
    }

    /// The flow keys as packet fields, for matching rule filters (sFlow-RT key names).
    pub fn packet(&self) -> Packet {
        let num = |k: &str| self.key(k).and_then(|v| v.parse::<u16>().ok());
        let mac = |k: &str| -> MacAddr {
            self.key(k)
                .and_then(|v| v.parse().ok())
                .unwrap_or(MacAddr([0; 6]))
        };
        let v4 = |k: &str| self.key(k).and_then(|v| v.parse::<Ipv4Addr>().ok());
        let tcp = (num("tcpsourceport"), num("tcpdestinationport"));
        let udp = (num("udpsourceport"), num("udpdestinationport"));
        let proto = self
            .key("ipprotocol")
            .and_then(|v| v.parse::<u8>().ok())
            .or(if tcp.0.or(tcp.1).is_some() {
                Some(6)
            } else if udp.0.or(udp.1).is_some() {
                Some(17)
            } else {
                None
            });
        let (sp, dp) = if proto == Some(17) { udp } else { tcp };
        let ipv4 = match (v4("ipsource"), v4("ipdestination")) {
            (Some(s), Some(d)) => Some((s, d, proto.unwrap_or(0))),
            _ => None,
        };
        Packet {
            eth_src: mac("macsource"),
            eth_dst: mac("macdestination"),
            vlans: Vec::new(),
            eth_type: if ipv4.is_some() { 0x0800 } else { 0 },
            ipv4,
            tp: sp.zip(dp),
        }
    }
}

/// Finds the edge port of a host by IP (the topology's host table).
pub type HostLocator = Box<dyn Fn(IpAddr) -> Option<PortRef> + Send>;

/// A `[[trigger]]` resolved (filter parsed, monitor port resolved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The trigger's name.
    pub name: String,
    threshold: String,
    filter: Option<Match>,
    activate: Vec<String>,
    dynamic: Option<(Dynamic, PortRef, Direction)>,
    duration: Duration,
}

/// The module.
pub struct TriggerModule {
    rules: Vec<Rule>,
    locate: HostLocator,
    /// Events that fired a rule (for the REST API and tests).
    pub fired: u64,
}

impl std::fmt::Debug for TriggerModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TriggerModule")
            .field("rules", &self.rules)
            .field("fired", &self.fired)
            .finish()
    }
}

/// Resolve validated `[[trigger]]` entries.
pub fn rules(entries: &[TriggerEntry], dir: &SwitchDirectory) -> Vec<Rule> {
    entries
        .iter()
        .map(|e| Rule {
            name: e.name.get_ref().clone(),
            threshold: e.threshold.clone(),
            filter: e
                .filter
                .as_ref()
                .and_then(|f| parse_filter(Some(f.get_ref())).ok()),
            activate: e.activate.iter().map(|a| a.get_ref().clone()).collect(),
            dynamic: e.dynamic.as_ref().and_then(|d| {
                let mon = parse_port_ref(dir, e.monitor.as_ref()?.get_ref())?;
                Some((*d.get_ref(), mon, e.direction))
            }),
            duration: Duration::from_secs(*e.duration_secs.get_ref()),
        })
        .collect()
}

impl TriggerModule {
    /// The rules of the config (`Config::parse` validated them); `locate` finds hosts.
    pub fn new(entries: &[TriggerEntry], dir: &SwitchDirectory, locate: HostLocator) -> Self {
        TriggerModule {
            rules: rules(entries, dir),
            locate,
            fired: 0,
        }
    }

    /// Apply a reloaded `[[trigger]]` list: rules are replaced by name (triggers own no
    /// flows; what they activated runs on until its own end).
    pub fn reconfigure(&mut self, rules: &[Rule]) -> Applied {
        let mut applied = Applied::default();
        for r in rules {
            match self.rules.iter().find(|o| o.name == r.name) {
                None => applied.added.push(r.name.clone()),
                Some(o) if o == r => applied.unchanged.push(r.name.clone()),
                Some(_) => applied.changed.push(r.name.clone()),
            }
        }
        applied.removed = self
            .rules
            .iter()
            .filter(|o| !rules.iter().any(|r| r.name == o.name))
            .map(|o| o.name.clone())
            .collect();
        if applied != Applied::default() {
            info!(added = ?applied.added, removed = ?applied.removed, changed = ?applied.changed, "triggers reloaded");
        }
        self.rules = rules.to_vec();
        applied
    }

    /// Handle one threshold event.
    pub fn on_trigger(&mut self, input: &TriggerInput, out: &mut Outbox) {
        let packet = input.packet();
        for rule in &self.rules {
            if rule.threshold != input.threshold_id {
                continue;
            }
            if let Some(f) = &rule.filter {
                if !packet.matches(input.location.map(|l| l.port).unwrap_or(0), f) {
                    debug!(trigger = rule.name, "event does not match the filter");
                    continue;
                }
            }
            self.fired += 1;
            info!(trigger = rule.name, keys = ?input.flow_keys, "trigger fired");
            for a in &rule.activate {
                let Some((kind, name)) = a.split_once(':') else {
                    continue;
                };
                let target = if kind == "patch" { "patch" } else { "tap" };
                out.control(
                    target,
                    Control::Activate {
                        name: name.to_string(),
                        duration: Some(rule.duration),
                        by: rule.name.clone(),
                    },
                );
            }
            if let Some((which, monitor, direction)) = rule.dynamic {
                let mut ends = Vec::new();
                if matches!(which, Dynamic::Source | Dynamic::Both) {
                    let ip = input.ip("ipsource");
                    let at = ip.and_then(|ip| (self.locate)(ip)).or(input.location);
                    ends.push((ip, at));
                }
                if matches!(which, Dynamic::Destination | Dynamic::Both) {
                    let ip = input.ip("ipdestination");
                    ends.push((ip, ip.and_then(|ip| (self.locate)(ip))));
                }
                for (ip, at) in ends {
                    let Some(source) = at else {
                        info!(
                            trigger = rule.name,
                            ?ip,
                            "host location unknown: nothing to tap"
                        );
                        continue;
                    };
                    let host = ip
                        .map(|i| i.to_string())
                        .unwrap_or_else(|| source.to_string());
                    let spec = TapSpec {
                        name: format!("{}:{host}", rule.name),
                        source,
                        direction,
                        filter: Match::default(),
                        monitor,
                    };
                    out.control(
                        "tap",
                        Control::CreateTap {
                            spec,
                            duration: Some(rule.duration),
                            by: rule.name.clone(),
                        },
                    );
                }
            }
        }
    }
}

impl Module for TriggerModule {
    fn name(&self) -> &'static str {
        "trigger"
    }

    fn wants_packet_ins(&self) -> bool {
        false
    }

    fn handle(&mut self, _now: Instant, ev: &Event, out: &mut Outbox) {
        match ev {
            Event::Trigger(t) => self.on_trigger(&TriggerInput::from(&**t), out),
            Event::Control(c) => {
                if let Control::Reconfigure {
                    items: Reconfig::Triggers(rules),
                    done,
                } = &**c
                {
                    done.done(self.reconfigure(rules));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::DatapathId;

    const TARGETS: &str = r#"
        [[patch]]
        name = "s2-3-4"
        switch = 2
        ports = [3, 4]
        [[tap]]
        name = "h9"
        source = "2:4"
        monitor = "3:11"
    "#;

    fn rules(text: &str) -> Vec<TriggerEntry> {
        let text = format!("{TARGETS}{text}");
        crate::Config::parse(&text, "t".as_ref()).unwrap().trigger
    }

    /// The `web` rule (threshold `web`, HTTP only) activating `activate`, and `extra` lines.
    fn web_rule(activate: &str, extra: &str) -> Vec<TriggerEntry> {
        rules(&format!(
            "[[trigger]]\nname = \"web\"\nthreshold = \"web\"\nmatch = \"tcp,tp_dst=80\"\n\
             activate = {activate}\n{extra}"
        ))
    }

    /// A module on `rules` that locates no host.
    fn module(rules: &[TriggerEntry]) -> TriggerModule {
        TriggerModule::new(rules, &SwitchDirectory::default(), Box::new(|_| None))
    }

    fn web(src: &str, dst: &str, dport: &str) -> TriggerInput {
        TriggerInput {
            threshold_id: "web".into(),
            flow_keys: vec![
                ("ipsource".into(), src.into()),
                ("ipdestination".into(), dst.into()),
                ("tcpsourceport".into(), "40000".into()),
                ("tcpdestinationport".into(), dport.into()),
            ],
            location: Some(PortRef::new(DatapathId(1), 2)),
        }
    }

    #[test]
    fn activates_named_patches_and_taps_for_matching_flows_only() {
        let mut m = module(&web_rule(
            r#"["patch:s2-3-4", "tap:h9"]"#,
            "duration_secs = 30",
        ));
        let mut out = Outbox::new();
        m.on_trigger(&web("10.0.0.2", "10.0.0.1", "22"), &mut out);
        assert!(out.controls().is_empty());
        let mut other = web("10.0.0.2", "10.0.0.1", "80");
        other.threshold_id = "elephant".into();
        m.on_trigger(&other, &mut out);
        assert!(out.controls().is_empty());
        m.on_trigger(&web("10.0.0.2", "10.0.0.1", "80"), &mut out);
        let want = |name: &str| Control::Activate {
            name: name.into(),
            duration: Some(Duration::from_secs(30)),
            by: "web".into(),
        };
        assert_eq!(
            out.controls(),
            &[("patch", want("s2-3-4")), ("tap", want("h9"))]
        );
    }

    #[test]
    fn dynamic_taps_follow_the_hosts_of_the_flow() {
        let r = rules(
            r#"
            [[trigger]]
            name = "follow"
            threshold = "web"
            dynamic = "both"
            monitor = "3:11"
            "#,
        );
        let locate: HostLocator = Box::new(|ip| match ip.to_string().as_str() {
            "10.0.0.1" => Some(PortRef::new(DatapathId(1), 1)),
            _ => None,
        });
        let mut m = TriggerModule::new(&r, &SwitchDirectory::default(), locate);
        let mut out = Outbox::new();
        m.on_trigger(&web("10.0.0.2", "10.0.0.1", "80"), &mut out);
        let specs: Vec<_> = out
            .controls()
            .iter()
            .map(|(t, c)| match c {
                Control::CreateTap { spec, duration, .. } => {
                    assert_eq!((*t, *duration), ("tap", Some(Duration::from_secs(120))));
                    (spec.name.clone(), spec.source, spec.monitor)
                }
                other => panic!("{other:?}"),
            })
            .collect();
        let mon = PortRef::new(DatapathId(3), 11);
        assert_eq!(
            specs,
            vec![
                // Source unknown to the topology: the sFlow data source's port.
                (
                    "follow:10.0.0.2".into(),
                    PortRef::new(DatapathId(1), 2),
                    mon
                ),
                (
                    "follow:10.0.0.1".into(),
                    PortRef::new(DatapathId(1), 1),
                    mon
                ),
            ]
        );
    }

    #[test]
    fn trigger_events_from_the_collector_fire_rules() {
        use crate::trigger::{PortLocation, TriggerEvent, TriggerSource};
        let mut m = module(&web_rule(r#"["tap:h9"]"#, ""));
        let ev = TriggerEvent {
            event_id: 1,
            timestamp: 0,
            threshold_id: "web".into(),
            metric: "tcp".into(),
            threshold: 1.0,
            value: 5.0,
            agent: "127.0.0.1".parse().unwrap(),
            data_source: "7".into(),
            flow_key: Some("10.0.0.2,10.0.0.1,40000,80".into()),
            flow_keys: web("10.0.0.2", "10.0.0.1", "80").flow_keys,
            source: TriggerSource::Embedded,
            location: Some(PortLocation {
                dpid: DatapathId(1),
                port_no: 2,
                port_name: None,
            }),
        };
        let mut out = Outbox::new();
        m.handle(
            Instant::now(),
            &Event::Trigger(std::sync::Arc::new(ev)),
            &mut out,
        );
        assert_eq!(out.controls().len(), 1);
        assert_eq!(m.fired, 1);
    }

    #[test]
    fn reload_replaces_rules_by_name() {
        let base = r#"
            [[trigger]]
            name = "web"
            threshold = "web"
            activate = ["tap:h9"]
            [[trigger]]
            name = "ssh"
            threshold = "ssh"
            activate = ["tap:h9"]
            "#;
        let mut m = module(&rules(base));
        let new = base
            .replace(
                "name = \"ssh\"\n            threshold = \"ssh\"",
                "name = \"dns\"\n            threshold = \"dns\"",
            )
            .replace(
                "activate = [\"tap:h9\"]\n            [[trigger]]",
                "activate = [\"patch:s2-3-4\"]\n            [[trigger]]",
            );
        let c = crate::Config::parse(&format!("{TARGETS}{new}"), "t".as_ref()).unwrap();
        let (done, mut rx) = crate::modules::control::Ack::new();
        let ev = Event::Control(std::sync::Arc::new(Control::Reconfigure {
            items: Reconfig::Triggers(super::rules(&c.trigger, &c.directory())),
            done,
        }));
        let mut out = Outbox::new();
        m.handle(Instant::now(), &ev, &mut out);
        let a = rx.try_recv().unwrap();
        assert_eq!(
            (a.added, a.removed, a.changed),
            (
                vec!["dns".to_string()],
                vec!["ssh".to_string()],
                vec!["web".to_string()]
            )
        );
        assert!(out.is_empty());
        // The changed rule acts as written now.
        m.on_trigger(&web("10.0.0.2", "10.0.0.1", "80"), &mut out);
        assert!(
            matches!(&out.controls()[0], ("patch", Control::Activate { name, .. }) if name == "s2-3-4")
        );
    }
}
