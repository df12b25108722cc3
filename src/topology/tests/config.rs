//! `[topology]` parsing and validation.

use super::*;

#[test]
fn config_errors_name_the_key() {
    let parse = |s: &str| toml::from_str::<TopologyConfig>(s);
    assert!(
        parse("probe_interval = 2").is_err(),
        "unknown keys are refused"
    );
    assert!(parse("[[links]]\na = \"s1:1\"\nb = \"s2:1\"\nc = 1").is_err());
    let cfg = |s: &str| Topology::new(&parse(s).unwrap(), &names()).err();
    assert_eq!(
        cfg("probe_interval_secs = 0"),
        Some(TopologyConfigError::ZeroProbeInterval)
    );
    assert_eq!(
        cfg("probe_interval_secs = 5\nlink_timeout_secs = 5"),
        Some(TopologyConfigError::LinkTimeoutTooShort {
            timeout: 5,
            interval: 5
        })
    );
    let e = cfg("[[links]]\na = \"s1:6\"\nb = \"s3\"").unwrap();
    assert_eq!(
        e.to_string(),
        "topology.links[0].b: \"s3\" is not SWITCH:PORT (like \"s1:6\")"
    );
    let e = cfg("[[links]]\na = \"s1:6\"\nb = \"s3:1\"\n[[links]]\na = \"s9:6\"\nb = \"s3:2\"")
        .unwrap();
    assert_eq!(
        e,
        TopologyConfigError::UnknownSwitch {
            index: 1,
            end: "a",
            name: "s9".into()
        }
    );
    let e = cfg("[[links]]\na = \"s1:6\"\nb = \"s3:1\"\n[[links]]\na = \"s1:6\"\nb = \"s3:2\"")
        .unwrap();
    assert_eq!(
        e.to_string(),
        "topology.links[1]: port 0000000000000001:6 already has a static link to 0000000000000003:1"
    );
    assert!(matches!(
        cfg("[[links]]\na = \"s1:0\"\nb = \"s3:1\""),
        Some(TopologyConfigError::BadEndpoint { .. })
    ));
    assert!(matches!(
        cfg("[[links]]\na = \"s1:6\"\nb = \"s1:6\""),
        Some(TopologyConfigError::StaticLink {
            source: StaticLinkError::SelfLink(_),
            ..
        })
    ));
    // Defaults.
    let t = Topology::new(&parse("").unwrap(), &names()).unwrap();
    assert_eq!(t.probe_interval(), Duration::from_secs(2));
    assert_eq!(t.timers.link_timeout, Duration::from_secs(6));
}

#[test]
fn absurd_values_are_refused_and_never_overflow() {
    let parse = |s: &str| toml::from_str::<TopologyConfig>(s).unwrap();
    let err = |s: &str| Topology::new(&parse(s), &names()).err();
    assert_eq!(
        err("probe_interval_secs = 2000000000000000000")
            .unwrap()
            .to_string(),
        "topology.probe_interval_secs = 2000000000000000000 is out of range (1..=3600)"
    );
    assert!(matches!(
        err("host_timeout_secs = 18446744073709551615"),
        Some(TopologyConfigError::OutOfRange {
            key: "host_timeout_secs",
            ..
        })
    ));
    assert!(matches!(
        err("max_hosts = 0"),
        Some(TopologyConfigError::OutOfRange {
            key: "max_hosts",
            ..
        })
    ));
    // The largest accepted values run without overflow.
    let mut t = Topology::new(
        &parse(
            "probe_interval_secs = 3600\nlink_timeout_secs = 86400\nhost_timeout_secs = 31536000",
        ),
        &names(),
    )
    .unwrap();
    let now = Instant::now();
    t.switch_up(now, d(1), &ports(1, 1));
    t.learn_host(now, mac(1), None, p(1, 1), HostSource::PacketIn)
        .unwrap();
    assert_eq!(t.poll_probes(now).len(), 1);
    assert_eq!(t.handle_timeout(now), vec![]);
    assert!(t.poll_timeout().is_some());
}

#[test]
fn the_topology_section_of_the_config_file() {
    use crate::config::{Config, ConfigError};
    use std::path::Path;
    let text = r#"
[switches]
s1 = 1
s2 = 2
s3 = 3

[topology]
probe_interval_secs = 1
switches = ["s1", "s3"]

[[topology.links]]
a = "s2:6"
b = "s3:6"
"#;
    let config = Config::parse(text, Path::new("t.toml")).unwrap();
    assert_eq!(config.topology.probe_interval_secs, 1);
    assert_eq!(config.topology.links.len(), 1);
    let specs = crate::modules::build(&config);
    assert_eq!(specs[0].module.name(), "topology");
    assert!(specs[0].switches.is_none(), "topology follows every switch");

    let err = |text: &str| match Config::parse(text, Path::new("t.toml")) {
        Err(ConfigError::Invalid {
            line, key, message, ..
        }) => (line, key, message),
        other => panic!("{other:?}"),
    };
    let (line, key, message) = err("[switches]\ns1 = 1\n\n[topology]\nswitches = [\"s9\"]\n");
    assert_eq!((line, key.as_str()), (5, "topology.switches"), "{message}");
    let (line, key, message) =
        err("[switches]\ns1 = 1\n\n[topology]\n[[topology.links]]\na = \"s1:1\"\nb = \"s7:2\"\n");
    assert_eq!((line, key.as_str()), (7, "topology.links.b"), "{message}");
    assert_eq!(
        message,
        "topology.links[0].b: unknown switch \"s7\" (not a configured switch name or a hex dpid)"
    );
    let (line, key, _) = err("[topology]\nprobe_interval_secs = 5\nlink_timeout_secs = 4\n");
    assert_eq!((line, key.as_str()), (3, "topology.link_timeout_secs"));
    let (_, key, _) = err("[topology]\nprobe_interval = 5\n");
    assert!(key.starts_with("topology"), "{key}");
}
