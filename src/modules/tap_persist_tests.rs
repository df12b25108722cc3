//! The tap module's side of [`crate::state`]: it reports its dynamic taps when they
//! change, and taps re-created from the stored state after a restart carry what was left
//! of their time as their flows' hard timeout.

use std::sync::Mutex;

use super::*;
use crate::state::restore::{configured, plan};
use crate::state::{SavedOrigin, SavedStaticOff, StateFile, TapSnapshot, TapStateSink};

#[derive(Clone, Default)]
struct Recorder(
    Arc<Mutex<Vec<Vec<TapSnapshot>>>>,
    Arc<Mutex<Vec<SavedStaticOff>>>,
);

impl TapStateSink for Recorder {
    fn save(&mut self, taps: &[TapSnapshot], _now: Instant) {
        self.0.lock().unwrap().push(taps.to_vec());
    }
    fn save_static_off(&mut self, off: &[SavedStaticOff]) {
        *self.1.lock().unwrap() = off.to_vec();
    }
}

impl Recorder {
    fn saves(&self) -> usize {
        self.0.lock().unwrap().len()
    }
    fn last(&self) -> Vec<TapSnapshot> {
        self.0.lock().unwrap().last().cloned().unwrap_or_default()
    }
}

fn create(name: &str, secs: Option<u64>) -> Event {
    Event::Control(Arc::new(Control::CreateTap {
        spec: TapSpec {
            name: name.into(),
            source: p(1, 3),
            direction: Direction::Both,
            filter: Match::default(),
            monitor: p(3, 11),
        },
        duration: secs.map(Duration::from_secs),
        by: "rest".into(),
    }))
}

fn activate(name: &str, secs: u64) -> Event {
    Event::Control(Arc::new(Control::Activate {
        name: name.into(),
        duration: Some(Duration::from_secs(secs)),
        by: "web".into(),
    }))
}

/// The hard timeouts of every part sent, by tap id, confirming each barrier.
fn install(m: &mut TapModule, now: Instant, out: &mut Outbox) -> BTreeMap<TapId, Vec<(u64, u16)>> {
    let mut seen: BTreeMap<TapId, Vec<(u64, u16)>> = BTreeMap::new();
    for _ in 0..4 {
        for (dp, id, u) in out.take_taps() {
            if let TapUpdate::Set { tap, .. } = u {
                seen.entry(id).or_default().push((dp.0, tap.hard_timeout));
                m.handle(now, &ok(dp.0, id), out);
            }
        }
    }
    for v in seen.values_mut() {
        v.sort();
    }
    seen
}

/// The seed's three switches connect.
fn connect_all(m: &mut TapModule, now: Instant, out: &mut Outbox) {
    for (dp, n) in [(1, 10), (2, 10), (3, 11)] {
        m.handle(now, &up(dp, n), out);
    }
}

#[test]
fn dynamic_taps_are_reported_when_they_change_and_static_ones_never() {
    let t0 = Instant::now();
    let rec = Recorder::default();
    let mut m = module(t0, SEED).with_state_sink(Box::new(rec.clone()));
    let mut out = Outbox::new();
    connect_all(&mut m, t0, &mut out);
    // Only the static h1 is active: nothing to keep, nothing written.
    assert_eq!(rec.saves(), 0);
    m.handle(t0, &create("api", Some(300)), &mut out);
    m.handle(t0, &activate("h9", 120), &mut out);
    let last = rec.last();
    let names: Vec<_> = last.iter().map(|t| (t.name.as_str(), t.origin)).collect();
    assert_eq!(
        names,
        vec![
            ("api", SavedOrigin::Runtime),
            ("h9", SavedOrigin::Activatable)
        ]
    );
    assert_eq!(last[0].until, Some(t0 + Duration::from_secs(300)));
    assert_eq!(last[1].until, Some(t0 + Duration::from_secs(120)));
    assert_eq!((last[0].source, last[0].monitor), (p(1, 3), p(3, 11)));
    // Barriers confirmed, re-plans: the set is the same, nothing is rewritten.
    let saves = rec.saves();
    install(&mut m, t0, &mut out);
    m.handle(t0, &Event::Timer(Timer { id: RECONCILE }), &mut out);
    assert_eq!(rec.saves(), saves);
    // A re-arm moves the end: rewritten.
    let t1 = t0 + Duration::from_secs(30);
    m.handle(t1, &activate("h9", 120), &mut out);
    assert_eq!(rec.last()[1].until, Some(t1 + Duration::from_secs(120)));
    // Deleted and expired taps leave the set.
    m.handle(
        t1,
        &Event::Control(Arc::new(Control::Deactivate {
            name: "api".into(),
            by: "rest".into(),
        })),
        &mut out,
    );
    let h9 = m.table().list().iter().find(|t| t.name == "h9").unwrap().id;
    m.handle(
        t1 + Duration::from_secs(120),
        &Event::Timer(Timer { id: h9 }),
        &mut out,
    );
    assert_eq!(rec.last(), Vec::new());
    // A tap created without a duration is kept until deleted.
    m.handle(t1, &create("forever", None), &mut out);
    assert_eq!(rec.last()[0].until, None);
}

#[test]
fn restored_taps_are_installed_with_the_time_left_as_hard_timeout() {
    // Before the restart: a 300 s API tap and h9 activated for 120 s, saved at wall W.
    let t0 = Instant::now();
    let rec = Recorder::default();
    let mut m = module(t0, SEED).with_state_sink(Box::new(rec.clone()));
    let mut out = Outbox::new();
    m.handle(t0, &create("api", Some(300)), &mut out);
    m.handle(t0, &activate("h9", 120), &mut out);
    let wall = 1_800_000_000_000;
    let file = StateFile::new(
        rec.last().iter().map(|t| t.to_saved(t0, wall)).collect(),
        wall,
    );
    assert_eq!(file.taps[0].expires_at_unix_ms, Some(wall + 300_000));
    // 100 s later, a new controller with the same config.
    let c = crate::Config::parse(
        &format!("[switches]\ns1 = 1\ns2 = 2\ns3 = 3\n{SEED}"),
        "t".as_ref(),
    )
    .unwrap();
    let restore = plan(&file, wall + 100_000, &configured(&c));
    assert!(restore.dropped.is_empty(), "{:?}", restore.dropped);
    let t1 = Instant::now();
    let rec2 = Recorder::default();
    let mut m2 = module(t1, SEED).with_state_sink(Box::new(rec2.clone()));
    let mut out = Outbox::new();
    for (_, c) in restore.controls {
        m2.handle(t1, &Event::Control(Arc::new(c)), &mut out);
    }
    // Known before any switch connects, with their time left, and kept again.
    let list = m2.table().list();
    let api = list.iter().find(|t| t.name == "api").unwrap();
    let h9 = list.iter().find(|t| t.name == "h9").unwrap();
    assert!(api.active && h9.active);
    assert!(matches!(api.expires_in_secs, Some(199 | 200)));
    assert_eq!(api.origin, Origin::Runtime);
    assert_eq!(h9.origin, Origin::Activatable);
    assert_eq!(rec2.last().len(), 2);
    let timers: Vec<_> = out.take_timers().iter().map(|t| t.after).collect();
    assert!(timers.contains(&Duration::from_secs(200)), "{timers:?}");
    assert!(timers.contains(&Duration::from_secs(20)), "{timers:?}");
    // The switches connect: every part carries the reduced hard timeout.
    connect_all(&mut m2, t1, &mut out);
    let parts = install(&mut m2, t1, &mut out);
    assert_eq!(parts[&api.id], vec![(1, 200), (3, 200)]);
    assert_eq!(parts[&h9.id], vec![(2, 20), (3, 20)]);
    // Its timer ends it like any activation.
    m2.handle(
        t1 + Duration::from_secs(200),
        &Event::Timer(Timer { id: api.id }),
        &mut out,
    );
    assert!(m2.table().list().iter().all(|t| t.name != "api"));
}

impl Recorder {
    fn off(&self) -> Vec<SavedStaticOff> {
        self.1.lock().unwrap().clone()
    }
}

fn deactivate(name: &str) -> Event {
    Event::Control(Arc::new(Control::Deactivate {
        name: name.into(),
        by: "rest".into(),
    }))
}

fn config_of(taps: &str) -> crate::Config {
    crate::Config::parse(
        &format!("[switches]\ns1 = 1\ns2 = 2\ns3 = 3\n{taps}"),
        "t".as_ref(),
    )
    .unwrap()
}

/// A controller started on `taps` with the commands of the restore plan of `file`; its
/// switches connect. Returns it and the tap ids that got flows.
fn restart(file: &StateFile, taps: &str) -> (TapModule, BTreeSet<TapId>) {
    let t = Instant::now();
    let p = plan(file, 0, &configured(&config_of(taps)));
    let mut m = module(t, taps).with_state_sink(Box::new(Recorder::default()));
    let mut out = Outbox::new();
    for (module, c) in p.controls {
        assert_eq!(module, "tap");
        m.handle(t, &Event::Control(Arc::new(c)), &mut out);
    }
    connect_all(&mut m, t, &mut out);
    let ids = install(&mut m, t, &mut out).into_keys().collect();
    (m, ids)
}

fn info(m: &TapModule, name: &str) -> TapInfo {
    m.table()
        .list()
        .into_iter()
        .find(|t| t.name == name)
        .unwrap()
}

#[test]
fn a_static_tap_deleted_at_runtime_stays_off_after_a_restart_until_its_definition_changes() {
    let t0 = Instant::now();
    let rec = Recorder::default();
    let mut m = module(t0, SEED).with_state_sink(Box::new(rec.clone()));
    let mut out = Outbox::new();
    connect_all(&mut m, t0, &mut out);
    install(&mut m, t0, &mut out);
    assert!(rec.off().is_empty(), "an active static tap is not stored");
    m.handle(t0, &deactivate("h1"), &mut out);
    let off = rec.off();
    assert_eq!(off.len(), 1);
    assert_eq!(off[0].name, "h1");
    let h1 = info(&m, "h1");
    assert!(!h1.active);
    let note = h1.deactivated.unwrap();
    assert!(
        note.starts_with("deactivated by rest; stays off across restarts"),
        "{note}"
    );
    assert_eq!(info(&m, "h9").deactivated, None);
    let file = StateFile {
        static_off: off.clone(),
        ..StateFile::new(Vec::new(), 0)
    };

    // Same config: a Deactivate before the switches connect; no flow of h1 is sent.
    let (m2, ids) = restart(&file, SEED);
    let h1 = info(&m2, "h1");
    assert!(!h1.active && h1.switches.is_empty(), "{h1:?}");
    assert!(!ids.contains(&h1.id), "h1 was installed: {ids:?}");
    assert!(
        h1.deactivated
            .as_deref()
            .unwrap()
            .contains("before the restart"),
        "{h1:?}"
    );
    // The same definition written in other words (switch by dpid) is the same tap.
    let by_dpid = SEED.replacen("source = \"s1:1\"", "source = \"1:1\"", 1);
    let (m2, ids) = restart(&file, &by_dpid);
    assert!(!ids.contains(&info(&m2, "h1").id));

    // Its definition changed: the config speaks again, and the plan says why.
    let changed = SEED.replacen(
        "source = \"s1:1\"",
        "source = \"s1:1\"\nmatch = \"tcp,tp_dst=80\"",
        1,
    );
    let p = plan(&file, 0, &configured(&config_of(&changed)));
    assert_eq!(
        p.dropped_static_off,
        vec![(
            off[0].clone(),
            crate::state::restore::DropReason::DefinitionChanged
        )]
    );
    assert!(p.controls.is_empty() && p.kept_static_off.is_empty());
    let (m3, ids) = restart(&file, &changed);
    let h1 = info(&m3, "h1");
    assert!(h1.active && h1.state == "installed", "{h1:?}");
    assert!(ids.contains(&h1.id));

    // No longer static, or gone: dropped too.
    let activatable = SEED.replacen(
        "monitor = \"s3:11\"",
        "monitor = \"s3:11\"\nstatic = false",
        1,
    );
    let p = plan(&file, 0, &configured(&config_of(&activatable)));
    assert_eq!(
        p.dropped_static_off[0].1,
        crate::state::restore::DropReason::NotStatic
    );
    let p = plan(&file, 0, &configured(&config_of("")));
    assert_eq!(
        p.dropped_static_off[0].1,
        crate::state::restore::DropReason::NotInConfig
    );

    // Activated again at runtime: nothing is kept off any more.
    m.handle(t0, &activate("h1", 120), &mut out);
    assert!(info(&m, "h1").active);
    assert!(rec.off().is_empty());
    assert_eq!(info(&m, "h1").deactivated, None);
}

#[test]
fn without_a_state_file_the_note_says_the_tap_comes_back_at_restart() {
    let t0 = Instant::now();
    let mut m = module(t0, SEED);
    let mut out = Outbox::new();
    m.handle(t0, &deactivate("h1"), &mut out);
    let note = info(&m, "h1").deactivated.unwrap();
    assert!(note.contains("back at the next restart"), "{note}");
}
