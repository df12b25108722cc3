//! Tap module and planner tests, on the topology engine with the seed topology's links.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use proto::{DatapathId, MacAddr};

use super::*;
use crate::event::{BatchError, BatchResult, Event, FlowRemoved, SwitchId, SwitchInfo, Timer};
use crate::modules::tap_config::TapEntry;
use crate::pipeline::plan::Network;
use crate::pipeline::CopyTo;
use crate::switch::Version;
use crate::topology::{SwitchPort, TopologyConfig};

fn d(n: u64) -> DatapathId {
    DatapathId(n)
}

fn p(n: u64, port: u32) -> PortRef {
    PortRef::new(d(n), port)
}

/// The seed topology in an engine: static links s1:6-10 <-> s3:1-5, s2:6-10 <-> s3:6-10.
fn seed_topology(now: Instant) -> Arc<RwLock<Topology>> {
    let cfg = TopologyConfig {
        enabled: false,
        ..TopologyConfig::default()
    };
    let mut t = Topology::new(&cfg, &BTreeMap::new()).unwrap();
    for i in 0..5 {
        t.add_static_link(p(1, 6 + i), p(3, 1 + i)).unwrap();
        t.add_static_link(p(2, 6 + i), p(3, 6 + i)).unwrap();
    }
    for (dpid, n) in [(1, 10), (2, 10), (3, 11)] {
        let ports: Vec<SwitchPort> = (1..=n)
            .map(|number| SwitchPort {
                number,
                name: format!("s{dpid}-eth{number}"),
                hw_addr: MacAddr([0, 0, 0, 0, dpid as u8, number as u8]),
                live: true,
            })
            .collect();
        t.switch_up(now, d(dpid), &ports);
    }
    Arc::new(RwLock::new(t))
}

fn ports() -> BTreeMap<DatapathId, BTreeSet<u32>> {
    [(d(1), 10), (d(2), 10), (d(3), 11)]
        .into_iter()
        .map(|(dp, n)| (dp, (1..=n).collect()))
        .collect()
}

fn req(source: PortRef, monitor: PortRef) -> TapRequest {
    TapRequest {
        id: 1,
        source,
        direction: Direction::Both,
        filter: Match::default(),
        monitor,
        hard_timeout: 0,
    }
}

#[test]
fn plans_the_seed_path_and_refuses_with_reasons() {
    let topo = seed_topology(Instant::now());
    let t = topo.read().unwrap();
    let ports = ports();
    let net = TopologyNetwork {
        topology: &t,
        ports: &ports,
    };
    assert!(net.is_link_port(p(3, 1)) && !net.is_link_port(p(3, 11)));
    let parts = plan(&net, &req(p(1, 1), p(3, 11)), Some(4000)).unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].0, d(1));
    assert_eq!(
        parts[0].1.rules,
        vec![TapRule::Source {
            port: 1,
            direction: Direction::Both,
            filter: Match::default(),
            copy: CopyTo::Tagged {
                vlan: 4000,
                out_port: 6
            }
        }]
    );
    assert_eq!(
        parts[1],
        (
            d(3),
            SwitchTap {
                id: 1,
                rules: vec![TapRule::Deliver {
                    in_port: 1,
                    vlan: 4000,
                    port: 11
                }],
                hard_timeout: 0
            }
        )
    );
    // Same switch: a local copy, no VLAN.
    let local = plan(&net, &req(p(1, 1), p(1, 5)), None).unwrap();
    assert!(matches!(
        local[0].1.rules[0],
        TapRule::Source {
            copy: CopyTo::Local { port: 5 },
            ..
        }
    ));
    let err = |s, m| plan(&net, &req(s, m), Some(4000)).unwrap_err();
    assert_eq!(err(p(1, 1), p(3, 1)), PlanError::MonitorIsLink(p(3, 1)));
    assert_eq!(err(p(1, 1), p(3, 12)), PlanError::UnknownPort(p(3, 12)));
    assert_eq!(err(p(1, 1), p(1, 1)), PlanError::MonitorIsSource(p(1, 1)));
    assert_eq!(err(p(1, 1), p(9, 1)), PlanError::UnknownSwitch(d(9)));
    assert_eq!(
        err(p(1, 6), p(3, 11)),
        PlanError::PathUsesSourcePort(p(1, 6))
    );
    assert_eq!(
        plan(&net, &req(p(1, 1), p(3, 11)), None).unwrap_err(),
        PlanError::VlanMissing
    );
    let mut pool = VlanPool::new(4000..=4001);
    assert_eq!(
        (pool.get(7), pool.get(8), pool.get(7)),
        (Ok(4000), Ok(4001), Ok(4000))
    );
    assert!(matches!(pool.get(9), Err(PlanError::NoVlan { .. })));
    pool.release(7);
    assert_eq!(pool.get(9), Ok(4000));
}

#[test]
fn no_path_when_the_monitor_switch_is_unreachable() {
    let topo = seed_topology(Instant::now());
    topo.write().unwrap().switch_down(d(3));
    let t = topo.read().unwrap();
    let mut ports = ports();
    ports.remove(&d(3));
    ports.insert(d(4), (1..=3).collect());
    let net = TopologyNetwork {
        topology: &t,
        ports: &ports,
    };
    assert_eq!(
        plan(&net, &req(p(1, 1), p(4, 1)), Some(4000)).unwrap_err(),
        PlanError::NoPath {
            from: d(1),
            to: p(4, 1)
        }
    );
}

fn module(now: Instant, text: &str) -> TapModule {
    let text = format!("[switches]\ns1 = 1\ns2 = 2\ns3 = 3\n{text}");
    let c = crate::Config::parse(&text, "t".as_ref()).unwrap();
    let entries: &[TapEntry] = &c.tap;
    TapModule::new(
        &c.taps,
        entries,
        &c.directory(),
        Box::new(seed_topology(now)),
    )
}

fn up(dpid: u64, n: u32) -> Event {
    let ports = (1..=n)
        .map(|i| {
            (
                i,
                crate::event::PortDesc {
                    port_no: i,
                    hw_addr: MacAddr([0; 6]),
                    name: format!("s{dpid}-eth{i}"),
                    admin_down: false,
                    link_down: false,
                },
            )
        })
        .collect();
    Event::SwitchUp {
        info: Arc::new(SwitchInfo {
            id: SwitchId {
                dpid: d(dpid),
                name: None,
            },
            version: Version::Of13,
            n_buffers: 0,
            n_tables: 254,
            ports,
        }),
        replaced: false,
    }
}

fn ok(dpid: u64, batch: u64) -> Event {
    Event::BatchResult(BatchResult {
        switch: SwitchId {
            dpid: d(dpid),
            name: None,
        },
        batch: Some(batch),
        result: Ok(()),
    })
}

fn updates(out: &Outbox) -> Vec<(u64, TapUpdate)> {
    out.tap_updates()
        .iter()
        .map(|(dp, _, u)| (dp.0, u.clone()))
        .collect()
}

const SEED: &str = r#"
[[tap]]
name = "h1"
source = "s1:1"
monitor = "s3:11"
[[tap]]
name = "h9"
source = "s2:4"
monitor = "s3:11"
static = false
"#;

#[test]
fn static_taps_install_downstream_first_then_the_source_after_the_barrier() {
    let t0 = Instant::now();
    let mut m = module(t0, SEED);
    let mut out = Outbox::new();
    for (dp, n) in [(1, 10), (2, 10), (3, 11)] {
        m.handle(t0, &up(dp, n), &mut out);
    }
    // Only the delivery part on s3 so far; h9 is not active.
    let u = updates(&out);
    assert_eq!(u.len(), 1, "{u:?}");
    assert_eq!(u[0].0, 3);
    let id = m.taps["h1"].id;
    assert_eq!(m.table().list()[0].state, "installing");
    let mut out = Outbox::new();
    m.handle(t0, &ok(3, id), &mut out);
    let u = updates(&out);
    assert_eq!(u.len(), 1);
    assert_eq!(u[0].0, 1);
    let mut out = Outbox::new();
    m.handle(t0, &ok(1, id), &mut out);
    assert!(out.tap_updates().is_empty());
    let list = m.table().list();
    assert_eq!(
        (list[0].name.as_str(), list[0].state.as_str()),
        ("h1", "installed")
    );
    assert_eq!(list[0].vlan, Some(4000));
    assert_eq!(list[1].state, "inactive");
    // A periodic re-plan with nothing changed sends nothing.
    let mut out = Outbox::new();
    m.handle(t0, &Event::Timer(Timer { id: RECONCILE }), &mut out);
    assert!(out.tap_updates().is_empty());
    // s1 reconnects: its part comes back (s3's is still there).
    let mut out = Outbox::new();
    m.handle(t0, &up(1, 10), &mut out);
    assert_eq!(
        updates(&out).iter().map(|u| u.0).collect::<Vec<_>>(),
        vec![1]
    );
}

#[test]
fn activated_taps_carry_the_duration_are_rearmed_not_duplicated_and_expire() {
    let t0 = Instant::now();
    let mut m = module(t0, SEED);
    let mut out = Outbox::new();
    for (dp, n) in [(1, 10), (2, 10), (3, 11)] {
        m.handle(t0, &up(dp, n), &mut out);
    }
    let act = |secs| {
        Event::Control(Arc::new(Control::Activate {
            name: "h9".into(),
            duration: Some(Duration::from_secs(secs)),
            by: "web".into(),
        }))
    };
    let id = m.taps["h9"].id;
    let mut out = Outbox::new();
    m.handle(t0, &act(30), &mut out);
    let u = updates(&out);
    assert_eq!(u.len(), 1);
    let TapUpdate::Set { tap, .. } = &u[0].1 else {
        panic!("{u:?}")
    };
    assert_eq!((u[0].0, tap.hard_timeout), (3, 30));
    m.handle(t0, &ok(3, id), &mut out);
    m.handle(t0, &ok(2, id), &mut out);
    assert_eq!(m.table().list()[1].state, "installed");
    // Re-armed 5 s later: the same parts, re-sent with rearm, nothing new.
    let t5 = t0 + Duration::from_secs(5);
    let mut out = Outbox::new();
    m.handle(t5, &act(30), &mut out);
    let u = updates(&out);
    assert_eq!(u.len(), 2);
    assert!(u
        .iter()
        .all(|(_, x)| matches!(x, TapUpdate::Set { rearm: true, tap } if tap.hard_timeout == 30)));
    // The first timer (t0 + 30) finds it extended; the switch's FLOW_REMOVED at t5 + 30
    // ends it: both parts removed, source switch first.
    let mut out = Outbox::new();
    m.handle(
        t0 + Duration::from_secs(30),
        &Event::Timer(Timer { id }),
        &mut out,
    );
    assert!(out.tap_updates().is_empty());
    let fr = Event::FlowRemoved(FlowRemoved {
        switch: SwitchId {
            dpid: d(2),
            name: None,
        },
        cookie: Cookie::new(Kind::Tap, id).value(),
        priority: 0x8001,
        reason: FlowRemovedReason::HardTimeout,
        table_id: 0,
        match_: Match::default(),
        duration_sec: 30,
        idle_timeout: 0,
        hard_timeout: 30,
        packet_count: 0,
        byte_count: 0,
    });
    let mut out = Outbox::new();
    m.handle(t5 + Duration::from_secs(30), &fr, &mut out);
    assert_eq!(
        updates(&out),
        vec![(2, TapUpdate::Remove(id)), (3, TapUpdate::Remove(id))]
    );
    assert_eq!(m.table().list()[1].state, "inactive");
    assert!(!m.table().list()[1].active);
}

#[test]
fn runtime_taps_are_created_once_and_refusals_are_reported() {
    let t0 = Instant::now();
    let mut m = module(t0, "");
    let mut out = Outbox::new();
    for (dp, n) in [(1, 10), (2, 10), (3, 11)] {
        m.handle(t0, &up(dp, n), &mut out);
    }
    let create = |monitor| {
        Event::Control(Arc::new(Control::CreateTap {
            spec: TapSpec {
                name: "web:10.0.0.9".into(),
                source: p(2, 4),
                direction: Direction::Both,
                filter: Match::default(),
                monitor,
            },
            duration: Some(Duration::from_secs(60)),
            by: "web".into(),
        }))
    };
    let mut out = Outbox::new();
    m.handle(t0, &create(p(3, 11)), &mut out);
    m.handle(t0, &create(p(3, 11)), &mut out);
    assert_eq!(m.table().list().len(), 1);
    assert_eq!(updates(&out).len(), 1);
    let id = m.table().list()[0].id;
    // The switch refuses: reported in the state, retried at the next re-plan.
    let refused = Event::BatchResult(BatchResult {
        switch: SwitchId {
            dpid: d(3),
            name: None,
        },
        batch: Some(id),
        result: Err(BatchError::Disconnected),
    });
    m.handle(t0, &refused, &mut out);
    assert!(m.table().list()[0].state.starts_with("failed on"));
    let mut out = Outbox::new();
    m.handle(t0, &Event::Timer(Timer { id: RECONCILE }), &mut out);
    assert_eq!(updates(&out).len(), 1);
    // A monitor on a link is refused with the reason.
    let mut bad = module(t0, "");
    let mut out = Outbox::new();
    for (dp, n) in [(1, 10), (2, 10), (3, 11)] {
        bad.handle(t0, &up(dp, n), &mut out);
    }
    bad.handle(t0, &create(p(3, 1)), &mut out);
    let state = &bad.table().list()[0].state;
    assert!(state.contains("inter-switch link"), "{state}");
    // Deleting a runtime tap forgets it.
    let del = Event::Control(Arc::new(Control::Deactivate {
        name: "web:10.0.0.9".into(),
        by: "rest".into(),
    }));
    m.handle(t0, &del, &mut out);
    assert!(m.table().list().is_empty());
}

#[path = "tap_persist_tests.rs"]
mod persist;
