//! The tap API on real Open vSwitch, seed topology (`mininet/pytapdemon.toml`): `POST /api/taps`
//! tapping h3's port (s1:3, not tapped by the config) to h11 (s3:11); its flows are on the
//! switches with the cookie the API reports (`ovs-ofctl dump-flows`), h11 captures h3's
//! ping to h4; `DELETE /api/taps/{id}` removes every flow of it and h11 sees no more of h3.
//! Refused requests on the running network answer with their reason. Needs root; fails,
//! never skips, when OVS, iproute2, ethtool or tcpdump are missing.

mod support;

use std::sync::Arc;
use std::time::Duration;

use support::controller::InProcess as Ctl;
use support::hosts::pcap_lines;
use support::lab::OfVersions;
use support::seed::seed_connected;
use tapdemon::rest::runtime_view::RuntimeView;
use tapdemon::rest::taps_adapter::TapsAdapter;
use tapdemon::rest::{AppState, EventHub, RestConfig};

const SECS: fn(u64) -> Duration = Duration::from_secs;

fn api_taps(versions: OfVersions) {
    let config = include_str!("../mininet/pytapdemon.toml").replace(
        "listen = [\"127.0.0.1:6653\"]",
        "listen = [\"127.0.0.1:0\"]",
    );
    let ctl = Ctl::start(&config);
    let h = &ctl.handle;
    let adapter = TapsAdapter::new(
        h.bus.clone(),
        h.taps.clone().expect("tap module"),
        h.switches.clone(),
    );
    let view = RuntimeView::new(h.clone()).with_taps(Arc::new(adapter));
    let state = AppState::new(Arc::new(view), EventHub::default());
    let rest = RestConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        ..RestConfig::default()
    };
    let shutdown = tokio_util::sync::CancellationToken::new();
    let tracker = tokio_util::task::TaskTracker::new();
    let addrs = ctl
        .rt
        .block_on(tapdemon::rest::start(
            &rest,
            state,
            shutdown.clone(),
            &tracker,
        ))
        .unwrap();
    let base = format!("http://{}", addrs[0]);
    let mut lab = seed_connected(ctl.port, versions, SECS(30), String::new);
    let client = reqwest::Client::new();
    let call = |req: reqwest::RequestBuilder| {
        ctl.rt.block_on(async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            let v: serde_json::Value = r.json().await.unwrap();
            (status, v)
        })
    };

    // Refusals on the live network.
    let (code, v) = call(
        client
            .post(format!("{base}/api/taps"))
            .body(r#"{"source":"s1:3","monitor":"s3:12"}"#),
    );
    assert_eq!((code, v["field"].as_str()), (422, Some("monitor")), "{v}");
    let (code, v) = call(
        client
            .post(format!("{base}/api/taps"))
            .body(r#"{"source":"s1:3","monitor":"s1:3"}"#),
    );
    assert_eq!((code, v["field"].as_str()), (409, Some("monitor")), "{v}");

    let (code, tap) = call(
        client
            .post(format!("{base}/api/taps"))
            .body(r#"{"name":"h3-api","source":"s1:3","monitor":"s3:11","direction":"both"}"#),
    );
    assert_eq!(code, 201, "{tap}");
    let cookie =
        u64::from_str_radix(tap["cookie"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
    let s1 = lab.dump_flows("s1");
    let mine: Vec<_> = s1.iter().filter(|f| f.cookie == cookie).collect();
    assert!(
        mine.iter()
            .any(|f| f.match_fields().iter().any(|m| m.starts_with("in_port="))),
        "no copy flow of the tap on s1: {s1:#?}"
    );
    assert!(
        lab.dump_flows("s3").iter().any(|f| f.cookie == cookie),
        "no delivery flow of the tap on s3"
    );
    // A second create under the same name is refused.
    let (code, v) = call(
        client
            .post(format!("{base}/api/taps"))
            .body(r#"{"name":"h3-api","source":"s1:4","monitor":"s3:11"}"#),
    );
    assert_eq!((code, v["field"].as_str()), (409, Some("name")), "{v}");

    lab.flush_arp("h3");
    lab.flush_arp("h4");
    let (cap, pcap) = lab.capture(Some("h11"), "h11-eth0", "icmp", "h11-api.pcap");
    assert!(
        lab.ping("h3", "h4", 2, SECS(5)),
        "h3 cannot ping h4 through its patch"
    );
    std::thread::sleep(SECS(1));
    cap.stop_with(libc::SIGINT, SECS(3));
    let seen = pcap_lines(&pcap);
    for flow in [
        "10.0.0.3 > 10.0.0.4: ICMP echo request",
        "10.0.0.4 > 10.0.0.3: ICMP echo reply",
    ] {
        assert!(
            seen.iter().any(|l| l.contains(flow)),
            "h11 did not capture `{flow}`: {seen:#?}"
        );
    }

    let (code, _) = call(client.delete(format!("{base}/api/taps/h3-api")));
    assert_eq!(code, 200);
    for s in ["s1", "s2", "s3"] {
        let left: Vec<_> = lab
            .dump_flows(s)
            .into_iter()
            .filter(|f| f.cookie == cookie)
            .collect();
        assert!(
            left.is_empty(),
            "{s} still holds flows of the deleted tap: {left:#?}"
        );
    }
    let (cap, pcap) = lab.capture(Some("h11"), "h11-eth0", "icmp", "h11-api-after.pcap");
    assert!(
        lab.ping("h3", "h4", 2, SECS(5)),
        "h3 lost h4 when its tap was removed"
    );
    std::thread::sleep(SECS(1));
    cap.stop_with(libc::SIGINT, SECS(3));
    let seen = pcap_lines(&pcap);
    assert!(
        !seen.iter().any(|l| l.contains("10.0.0.3")),
        "h11 still sees h3: {seen:#?}"
    );
    let (code, v) = call(client.delete(format!("{base}/api/taps/h3-api")));
    assert_eq!((code, v["field"].as_str()), (404, Some("id")), "{v}");

    shutdown.cancel();
    tracker.close();
    ctl.rt
        .block_on(async { tokio::time::timeout(SECS(5), tracker.wait()).await })
        .unwrap();
}

#[test]
fn api_taps_of10() {
    api_taps(OfVersions::Of10);
}

#[test]
fn api_taps_of13() {
    api_taps(OfVersions::Of13);
}
