//! [`plan`]: what comes back after a restart, at a given wall-clock time.

use std::time::Duration;

use proto::flow::Match;
use proto::DatapathId;

use super::*;
use crate::pipeline::Direction;
use crate::topology::PortRef;

const NOW: u64 = 1_800_000_000_000;

fn tap(name: &str, origin: SavedOrigin, expires: Option<u64>) -> SavedTap {
    SavedTap {
        name: name.into(),
        origin,
        source: PortRef::new(DatapathId(1), 3),
        monitor: PortRef::new(DatapathId(3), 11),
        direction: Direction::Ingress,
        filter: "tcp,tp_dst=80".into(),
        expires_at_unix_ms: expires,
    }
}

fn config(taps: &[(&str, Configured)]) -> ConfigNames {
    ConfigNames {
        taps: taps.iter().map(|(n, c)| (n.to_string(), *c)).collect(),
        patches: BTreeMap::new(),
        static_taps: BTreeMap::new(),
    }
}

#[test]
fn live_runtime_taps_come_back_with_the_time_left_and_expired_ones_are_dropped() {
    let state = StateFile::new(
        vec![
            tap("timed", SavedOrigin::Runtime, Some(NOW + 200_500)),
            tap("forever", SavedOrigin::Runtime, None),
            tap("gone", SavedOrigin::Runtime, Some(NOW - 3_000)),
            tap("just", SavedOrigin::Runtime, Some(NOW)),
        ],
        NOW - 100_000,
    );
    let p = plan(&state, NOW, &config(&[]));
    let filter = Match {
        eth_type: Some(0x0800),
        ip_proto: Some(6),
        tp_dst: Some(80),
        ..Match::default()
    };
    let spec = |name: &str| TapSpec {
        name: name.into(),
        source: PortRef::new(DatapathId(1), 3),
        direction: Direction::Ingress,
        filter: filter.clone(),
        monitor: PortRef::new(DatapathId(3), 11),
    };
    assert_eq!(
        p.controls,
        vec![
            (
                "tap",
                Control::CreateTap {
                    spec: spec("timed"),
                    duration: Some(Duration::from_millis(200_500)),
                    by: BY.into(),
                }
            ),
            (
                "tap",
                Control::CreateTap {
                    spec: spec("forever"),
                    duration: None,
                    by: BY.into(),
                }
            ),
        ]
    );
    assert_eq!(p.kept, state.taps[..2].to_vec());
    assert_eq!(
        p.dropped,
        vec![
            (state.taps[2].clone(), DropReason::Expired { ago_ms: 3_000 }),
            (state.taps[3].clone(), DropReason::Expired { ago_ms: 0 }),
        ]
    );
    assert_eq!(p.dropped[0].1.to_string(), "expired 3 s ago");
}

#[test]
fn activated_config_taps_are_reactivated_only_while_the_config_still_has_them() {
    let state = StateFile::new(
        vec![
            tap("h9", SavedOrigin::Activatable, Some(NOW + 60_000)),
            tap("removed", SavedOrigin::Activatable, Some(NOW + 60_000)),
            tap("h1", SavedOrigin::Activatable, Some(NOW + 60_000)),
            tap("clash", SavedOrigin::Runtime, None),
        ],
        NOW,
    );
    let cfg = config(&[
        ("h9", Configured::Activatable),
        ("h1", Configured::Static),
        ("clash", Configured::Activatable),
    ]);
    let p = plan(&state, NOW, &cfg);
    assert_eq!(
        p.controls,
        vec![(
            "tap",
            Control::Activate {
                name: "h9".into(),
                duration: Some(Duration::from_secs(60)),
                by: BY.into(),
            }
        )]
    );
    let reasons: Vec<_> = p
        .dropped
        .iter()
        .map(|(t, r)| (t.name.as_str(), r.clone()))
        .collect();
    assert_eq!(
        reasons,
        vec![
            ("removed", DropReason::NotInConfig),
            ("h1", DropReason::NowStatic),
            ("clash", DropReason::NameInConfig),
        ]
    );
}

#[test]
fn bad_filters_and_duplicates_are_dropped_with_the_reason() {
    let mut bad = tap("bad", SavedOrigin::Runtime, None);
    bad.filter = "tcp,tp_dst=eighty".into();
    let mut no_prereq = tap("noprereq", SavedOrigin::Runtime, None);
    no_prereq.filter = "tp_dst=80".into();
    let mut all = tap("all", SavedOrigin::Runtime, None);
    all.filter = String::new();
    let state = StateFile::new(
        vec![
            bad,
            no_prereq,
            all.clone(),
            tap("all", SavedOrigin::Runtime, Some(NOW + 1)),
        ],
        NOW,
    );
    let p = plan(&state, NOW, &config(&[]));
    assert_eq!(p.kept, vec![all]);
    assert!(
        matches!(&p.controls[0], ("tap", Control::CreateTap { spec, .. }) if spec.filter == Match::default())
    );
    assert!(matches!(&p.dropped[0].1, DropReason::BadFilter(e) if e.contains("eighty")));
    assert!(matches!(&p.dropped[1].1, DropReason::BadFilter(_)));
    assert_eq!(p.dropped[2].1, DropReason::Duplicate);
}

#[test]
fn configured_reads_static_and_activatable_taps() {
    let text = "[switches]\ns1 = 1\n[[tap]]\nname = \"a\"\nsource = \"s1:1\"\nmonitor = \"s1:2\"\n\
                [[tap]]\nname = \"b\"\nsource = \"s1:1\"\nmonitor = \"s1:3\"\nstatic = false\n";
    let c = Config::parse(text, "t.toml".as_ref()).unwrap();
    assert_eq!(
        configured(&c).taps,
        config(&[("a", Configured::Static), ("b", Configured::Activatable)]).taps
    );
}

#[test]
fn activated_patches_come_back_first_with_the_time_left() {
    let patch = |name: &str, at| SavedPatch {
        name: name.into(),
        expires_at_unix_ms: at,
    };
    let mut state = StateFile::new(
        vec![tap("h9", SavedOrigin::Activatable, Some(NOW + 90_000))],
        NOW,
    );
    state.patches = vec![
        patch("s2-3-4", NOW + 90_000),
        patch("gone", NOW - 1),
        patch("removed", NOW + 5_000),
        patch("now-static", NOW + 5_000),
    ];
    let mut cfg = config(&[("h9", Configured::Activatable)]);
    cfg.patches = [
        ("s2-3-4", Configured::Activatable),
        ("gone", Configured::Activatable),
        ("now-static", Configured::Static),
    ]
    .into_iter()
    .map(|(n, c)| (n.to_string(), c))
    .collect();
    let p = plan(&state, NOW, &cfg);
    let activate = |name: &str| Control::Activate {
        name: name.into(),
        duration: Some(Duration::from_secs(90)),
        by: BY.into(),
    };
    assert_eq!(
        p.controls,
        vec![("patch", activate("s2-3-4")), ("tap", activate("h9"))]
    );
    assert_eq!(p.kept_patches, state.patches[..1].to_vec());
    let reasons: Vec<_> = p
        .dropped_patches
        .iter()
        .map(|(p, r)| (p.name.as_str(), r.clone()))
        .collect();
    assert_eq!(
        reasons,
        vec![
            ("gone", DropReason::Expired { ago_ms: 1 }),
            ("removed", DropReason::NotInConfig),
            ("now-static", DropReason::NowStatic),
        ]
    );
    // A file written before patches were stored reads as none.
    let old = br#"{"version":1,"saved_at_unix_ms":0,"taps":[]}"#;
    assert!(StateStore::new("/x").parse(old).unwrap().patches.is_empty());
}

#[test]
fn open_puts_a_corrupt_file_aside_and_restores_a_good_one() {
    let dir = std::env::temp_dir().join(format!("tapdemon-restore-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("state.json");
    let text = format!(
        "[controller]\nstate_file = {:?}\n",
        path.display().to_string()
    );
    let c = Config::parse(&text, "t.toml".as_ref()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let tracker = TaskTracker::new();
    let shutdown = CancellationToken::new();
    let _in = rt.enter();
    // Missing: the directory is created, nothing is restored, persistence is on.
    let o = open(&c, &tracker, shutdown.clone());
    assert!(o.sink.is_some() && o.controls.is_empty() && dir.is_dir());
    // Corrupt: put aside, nothing restored, still on.
    std::fs::write(&path, b"{\"version\": 1, \"taps\": [").unwrap();
    let o = open(&c, &tracker, shutdown.clone());
    assert!(o.sink.is_some() && o.controls.is_empty());
    assert!(!path.exists());
    let aside: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("state.json.corrupt-"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    // Good, with one expired entry: one restored, the file rewritten without the other.
    let now = unix_ms(SystemTime::now());
    let live = tap("live", SavedOrigin::Runtime, Some(now + 300_000));
    let state = StateFile::new(
        vec![
            live.clone(),
            tap("old", SavedOrigin::Runtime, Some(now - 1)),
        ],
        now,
    );
    StateStore::new(&path).save(&state).unwrap();
    let o = open(&c, &tracker, shutdown.clone());
    assert_eq!(o.controls.len(), 1);
    let ("tap", Control::CreateTap { duration, .. }) = &o.controls[0] else {
        panic!("{:?}", o.controls)
    };
    let left = duration.unwrap();
    assert!(left <= Duration::from_secs(300) && left > Duration::from_secs(290));
    assert_eq!(
        StateStore::new(&path).load().unwrap().unwrap().taps,
        vec![live]
    );
    // Empty path: off.
    let off = Config::parse("[controller]\nstate_file = \"\"\n", "t.toml".as_ref()).unwrap();
    assert!(open(&off, &tracker, shutdown.clone()).sink.is_none());
    assert!(open(&Config::default(), &tracker, shutdown.clone())
        .sink
        .is_none());
    shutdown.cancel();
    tracker.close();
    rt.block_on(tracker.wait());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn static_off_is_optional_in_the_file_and_only_written_when_there_is_some() {
    let store = StateStore::new("/nonexistent/state.json");
    let old = store
        .parse(br#"{"version":1,"saved_at_unix_ms":0,"taps":[]}"#)
        .unwrap();
    assert!(old.static_off.is_empty());
    let text = serde_json::to_string(&StateFile::new(Vec::new(), 0)).unwrap();
    assert!(!text.contains("static_off"), "{text}");
    let mut f = StateFile::new(Vec::new(), 0);
    f.static_off.push(SavedStaticOff {
        name: "h1".into(),
        definition_hash: definition_hash(
            PortRef::new(DatapathId(1), 1),
            PortRef::new(DatapathId(3), 11),
            Direction::Both,
            &Match::default(),
        ),
    });
    let back = store.parse(&serde_json::to_vec(&f).unwrap()).unwrap();
    assert_eq!(back, f);
}

#[test]
fn the_definition_hash_is_stable_and_sees_every_part_of_the_definition() {
    let (a, b) = (
        PortRef::new(DatapathId(1), 1),
        PortRef::new(DatapathId(3), 11),
    );
    let web = Match {
        eth_type: Some(0x0800),
        ip_proto: Some(6),
        tp_dst: Some(80),
        ..Match::default()
    };
    let h = definition_hash(a, b, Direction::Both, &Match::default());
    // Written into state files: it must not change between builds (FNV-1a 64 of
    // "source=0000000000000001:1 monitor=0000000000000003:11 direction=both match=").
    assert_eq!(h, "f69b65da541f1ccc");
    for other in [
        definition_hash(b, a, Direction::Both, &Match::default()),
        definition_hash(a, b, Direction::Ingress, &Match::default()),
        definition_hash(a, b, Direction::Both, &web),
    ] {
        assert_ne!(h, other);
    }
}
