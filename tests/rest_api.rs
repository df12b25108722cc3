//! The REST API over HTTP against a running controller (switch and REST listeners on
//! 127.0.0.1:0, OpenFlow 1.0 switches over TCP): reads, every refusal's status and message,
//! the bearer-token rules, SSE, /metrics names, OpenAPI coverage, reload and the web page.

mod rest;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rest::{assert_refused, json, FakeSwitch, Parts, Server};
use tapdemon::config::Config;
use tapdemon::rest::reload::ConfigReloader;
use tapdemon::rest::state::{
    BoxFut, PatchView, TapError, TapOrigin, TapRequest, TapService, TapView, TriggerView,
};
use tapdemon::rest::{RestConfig, RestError};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

const S1_PORTS: &[(u16, &str)] = &[(1, "s1-eth1"), (2, "s1-eth2"), (6, "s1-eth6")];

#[tokio::test]
async fn switches_and_read_errors() {
    let srv = Server::start().await;
    let sw = FakeSwitch::connect(srv.of_addr, 1, S1_PORTS).await;
    srv.wait_switches(1).await;
    let c = client();

    let (code, v) = json(c.get(srv.url("/api/switches")).send().await.unwrap()).await;
    assert_eq!(code, 200);
    assert_eq!(v[0]["dpid"], "0000000000000001");
    assert_eq!(v[0]["name"], "s1");
    assert_eq!(v[0]["version"], "1.0");
    let ports: Vec<_> = v[0]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].clone())
        .collect();
    assert_eq!(ports, ["s1-eth1", "s1-eth2", "s1-eth6"]);
    assert_eq!(v[0]["ports"][2]["port_no"], 6);
    assert_eq!(v[0]["ports"][2]["up"], true);

    for r in ["s1", "1", "0x1", "00:00:00:00:00:00:00:01"] {
        let (code, v) = json(
            c.get(srv.url(&format!("/api/switches/{r}")))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!((code, v["name"].as_str()), (200, Some("s1")), "{r}");
    }
    let got = json(c.get(srv.url("/api/switches/2")).send().await.unwrap()).await;
    assert_refused(
        &got,
        404,
        Some("switch"),
        "switch 2 (0000000000000002) is not connected",
    );
    let got = json(c.get(srv.url("/api/switches/nope")).send().await.unwrap()).await;
    assert_refused(
        &got,
        404,
        Some("switch"),
        "no connected switch named \"nope\"",
    );

    // Parts not running answer 503 naming the part.
    let got = json(
        c.get(srv.url("/api/switches/s1/flows"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_refused(&got, 503, None, "flow statistics not available");
    // The topology module runs with every controller: one switch, no links, no hosts yet.
    let (code, v) = json(c.get(srv.url("/api/links")).send().await.unwrap()).await;
    assert_eq!((code, v), (200, serde_json::json!([])));
    let (code, v) = json(c.get(srv.url("/api/hosts")).send().await.unwrap()).await;
    assert_eq!((code, v), (200, serde_json::json!([])));
    let got = json(c.get(srv.url("/api/taps")).send().await.unwrap()).await;
    assert_refused(&got, 503, None, "taps");
    let got = json(c.get(srv.url("/agents/json")).send().await.unwrap()).await;
    assert_refused(&got, 503, None, "sFlow collector");
    let (code, v) = json(c.get(srv.url("/api/topology")).send().await.unwrap()).await;
    assert_eq!((code, &v["discovery"]), (200, &serde_json::json!(true)));
    assert_eq!(v["switches"][0]["name"], "s1");

    let got = json(c.get(srv.url("/api/nothing")).send().await.unwrap()).await;
    assert_refused(&got, 404, None, "no such endpoint: /api/nothing");
    let got = json(c.put(srv.url("/api/switches")).send().await.unwrap()).await;
    assert_refused(&got, 405, None, "PUT is not allowed on /api/switches");
    let got = json(
        c.get(srv.url("/api/events?limit=many"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_refused(&got, 400, Some("limit"), "limit");

    sw.disconnect();
    srv.wait_switches(0).await;
    let (_, v) = json(c.get(srv.url("/api/switches")).send().await.unwrap()).await;
    assert_eq!(v, serde_json::json!([]));
    srv.stop().await;
}

/// Taps as a pipeline would answer, for the HTTP contract (status codes, bodies, events);
/// the real pipeline is on the `taps` branch.
#[derive(Default)]
struct ContractTaps {
    taps: Mutex<Vec<TapView>>,
}

impl TapService for ContractTaps {
    fn taps(&self) -> Vec<TapView> {
        self.taps.lock().unwrap().clone()
    }
    fn create(&self, req: TapRequest) -> BoxFut<'_, Result<TapView, TapError>> {
        Box::pin(async move {
            if req.monitor.starts_with("s2:") {
                return Err(TapError::Unbuildable {
                    field: "monitor",
                    message: "no path from s1 to s2".into(),
                });
            }
            let name = req
                .name
                .clone()
                .unwrap_or_else(|| req.source.replace(':', "-"));
            let mut taps = self.taps.lock().unwrap();
            if taps.iter().any(|t| t.name == name) {
                return Err(TapError::Exists(name));
            }
            let t = TapView {
                id: format!("{}", taps.len() + 1),
                name,
                source: req.source,
                direction: req.direction,
                match_: req.match_,
                monitor: req.monitor,
                origin: TapOrigin::Api,
                active: true,
                remaining_secs: req.duration_secs.map(|d| d as f64),
                cookie: Some("0x7d03000000000001".into()),
                deactivated: None,
            };
            taps.push(t.clone());
            Ok(t)
        })
    }
    fn delete(&self, id: String) -> BoxFut<'_, Result<TapView, TapError>> {
        Box::pin(async move {
            let mut taps = self.taps.lock().unwrap();
            let i = taps
                .iter()
                .position(|t| t.id == id)
                .ok_or(TapError::NotFound(id))?;
            Ok(taps.remove(i))
        })
    }
    fn patches(&self) -> Vec<PatchView> {
        Vec::new()
    }
    fn triggers(&self) -> Vec<TriggerView> {
        Vec::new()
    }
}

#[tokio::test]
async fn tap_requests_refused_with_reasons() {
    let srv = Server::with(Parts {
        taps: Some(Arc::new(ContractTaps::default())),
        ..Parts::default()
    })
    .await;
    let _s1 = FakeSwitch::connect(srv.of_addr, 1, S1_PORTS).await;
    let _s2 = FakeSwitch::connect(srv.of_addr, 2, &[(1, "s2-eth1")]).await;
    srv.wait_switches(2).await;
    let c = client();
    let post = |body: &'static str| {
        let c = c.clone();
        let url = srv.url("/api/taps");
        async move { json(c.post(url).body(body).send().await.unwrap()).await }
    };

    assert_refused(&post("").await, 400, None, "empty request body");
    assert_refused(&post("{source:").await, 400, None, "invalid JSON");
    assert_refused(
        &post(r#"{"source":"s1:1"}"#).await,
        400,
        Some("monitor"),
        "missing field `monitor`",
    );
    assert_refused(
        &post(r#"{"source":"s1:1","monitor":"s1:6","colour":"red"}"#).await,
        400,
        Some("colour"),
        "unknown field `colour`",
    );
    assert_refused(
        &post(r#"{"source":"s1:1","monitor":"s1:6","direction":"up"}"#).await,
        400,
        Some("direction"),
        "unknown variant `up`",
    );
    assert_refused(
        &post(r#"{"source":"s1:1","monitor":"s1:6","duration_secs":-5}"#).await,
        400,
        Some("duration_secs"),
        "invalid value",
    );
    assert_refused(
        &post(r#"{"source":"s1","monitor":"s1:6"}"#).await,
        400,
        Some("source"),
        "not `switch:port`",
    );
    assert_refused(
        &post(r#"{"source":"s9:1","monitor":"s1:6"}"#).await,
        422,
        Some("source"),
        "no connected switch named \"s9\"",
    );
    assert_refused(
        &post(r#"{"source":"s1:1","monitor":"s3:11"}"#).await,
        422,
        Some("monitor"),
        "no connected switch named \"s3\"",
    );
    assert_refused(
        &post(r#"{"source":"s1:4","monitor":"s1:6"}"#).await,
        422,
        Some("source"),
        "switch s1 has no port 4 (ports: 1, 2, 6)",
    );
    assert_refused(
        &post(r#"{"source":"s1:6","monitor":"s1:s1-eth6"}"#).await,
        409,
        Some("monitor"),
        "copies would loop",
    );
    assert_refused(
        &post(r#"{"source":"s1:1","monitor":"s1:6","match":"tcp,tp_dst=web"}"#).await,
        400,
        Some("match"),
        "tp_dst=web",
    );
    assert_refused(
        &post(r#"{"source":"s1:1","monitor":"s1:6","duration_secs":70000}"#).await,
        422,
        Some("duration_secs"),
        "longest hard_timeout",
    );
    assert_refused(
        &post(r#"{"name":"a/b","source":"s1:1","monitor":"s1:6"}"#).await,
        400,
        Some("name"),
        "letters, digits",
    );
    // What only the pipeline knows comes back as 409 with its reason.
    assert_refused(
        &post(r#"{"source":"s1:1","monitor":"s2:1"}"#).await,
        409,
        Some("monitor"),
        "no path from s1 to s2",
    );

    let (code, tap) = post(r#"{"name":"h1","source":"s1:s1-eth1","monitor":"s1:6","match":"tcp,tp_dst=80","duration_secs":120}"#).await;
    assert_eq!(code, 201, "{tap}");
    assert_eq!(tap["name"], "h1");
    assert_eq!(tap["direction"], "both");
    assert_eq!(tap["match"], "tcp,tp_dst=80");
    assert_refused(
        &post(r#"{"name":"h1","source":"s1:2","monitor":"s1:6"}"#).await,
        409,
        Some("name"),
        "already exists",
    );

    let (code, list) = json(c.get(srv.url("/api/taps")).send().await.unwrap()).await;
    assert_eq!((code, list.as_array().unwrap().len()), (200, 1));
    let (code, one) = json(c.get(srv.url("/api/taps/h1")).send().await.unwrap()).await;
    assert_eq!((code, &one["id"]), (200, &tap["id"]));
    let id = tap["id"].as_str().unwrap();
    let (code, _) = json(
        c.delete(srv.url(&format!("/api/taps/{id}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(code, 200);
    let got = json(
        c.delete(srv.url(&format!("/api/taps/{id}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_refused(&got, 404, Some("id"), "no tap");

    // Both tap changes are in the event history, newest first.
    let (_, evs) = json(c.get(srv.url("/api/events?type=tap")).send().await.unwrap()).await;
    let actions: Vec<_> = evs
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].clone())
        .collect();
    assert_eq!(actions, ["removed", "created"]);
    srv.stop().await;
}

#[tokio::test]
async fn bearer_token_rules() {
    // A non-loopback listener without a token: refused before binding, naming the key.
    let cfg = RestConfig {
        listen: "0.0.0.0:0".parse().unwrap(),
        ..RestConfig::default()
    };
    match tapdemon::rest::bind(&cfg).await {
        Err(RestError::Config { key, message }) => {
            assert_eq!(key, "listen");
            assert!(message.contains("rest.token"), "{message}");
        }
        other => panic!("expected a config error, got {other:?}"),
    }
    // And check-config says the same, with the line.
    let e = Config::parse("\n[rest]\nlisten = \"0.0.0.0:8080\"\n", "t.toml".as_ref())
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("t.toml:3: key `rest.listen`"), "{e}");

    let srv = Server::with(Parts {
        token: Some("s3cret".into()),
        taps: Some(Arc::new(ContractTaps::default())),
        ..Parts::default()
    })
    .await;
    let _s1 = FakeSwitch::connect(srv.of_addr, 1, S1_PORTS).await;
    srv.wait_switches(1).await;
    let c = client();
    let body = r#"{"source":"s1:1","monitor":"s1:6"}"#;
    let resp = c
        .post(srv.url("/api/taps"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["www-authenticate"],
        "Bearer realm=\"tapdemon\""
    );
    assert_refused(
        &json(resp).await,
        401,
        Some("Authorization"),
        "Authorization: Bearer",
    );
    let resp = c
        .post(srv.url("/api/taps"))
        .bearer_auth("wrong")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_refused(
        &json(resp).await,
        401,
        Some("Authorization"),
        "wrong bearer token",
    );
    let resp = c
        .post(srv.url("/api/taps"))
        .basic_auth("u", Some("s3cret"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_refused(
        &json(resp).await,
        401,
        Some("Authorization"),
        "Bearer <token>",
    );
    // sFlow-RT's mutating paths and reload are covered too.
    let resp = c
        .put(srv.url("/flow/tcp/json"))
        .body("{keys:'ipsource'}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let resp = c.post(srv.url("/api/reload")).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    // Reads stay open.
    assert_eq!(
        c.get(srv.url("/api/switches"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        c.get(srv.url("/metrics")).send().await.unwrap().status(),
        200
    );
    // With the token the request reaches the API.
    let resp = c
        .post(srv.url("/api/taps"))
        .bearer_auth("s3cret")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    srv.stop().await;
}

/// Read SSE frames from `resp` until `pred` holds for one; returns it (event name, data).
async fn next_sse(
    resp: &mut reqwest::Response,
    buf: &mut String,
    pred: impl Fn(&str, &serde_json::Value) -> bool,
) -> (String, serde_json::Value) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            let mut name = String::new();
            let mut data = String::new();
            for line in frame.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim().to_string();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim());
                }
            }
            if data.is_empty() {
                continue; // keep-alive comment
            }
            let v: serde_json::Value = serde_json::from_str(&data).unwrap();
            if pred(&name, &v) {
                return (name, v);
            }
        }
        let chunk = tokio::time::timeout_at(deadline, resp.chunk())
            .await
            .expect("SSE event within 5 s")
            .unwrap()
            .expect("stream open");
        buf.push_str(std::str::from_utf8(&chunk).unwrap());
    }
}

#[tokio::test]
async fn sse_streams_controller_events() {
    let srv = Server::start().await;
    let c = client();
    let mut resp = c.get(srv.url("/api/events/stream")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    for _ in 0..100 {
        if srv.events.subscribers() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let sw = FakeSwitch::connect(srv.of_addr, 2, &[(1, "s2-eth1")]).await;
    let mut buf = String::new();
    let (name, up) = next_sse(&mut resp, &mut buf, |n, _| n == "switch_up").await;
    assert_eq!(name, "switch_up");
    assert_eq!(up["dpid"], "0000000000000002");
    assert_eq!(up["name"], "s2");
    assert_eq!(up["version"], "1.0");
    assert_eq!(up["ports"], 1);
    sw.disconnect();
    let (_, down) = next_sse(&mut resp, &mut buf, |n, _| n == "switch_down").await;
    assert_eq!(down["dpid"], "0000000000000002");
    assert!(down["id"].as_u64().unwrap() > up["id"].as_u64().unwrap());

    // A reconnecting client (Last-Event-ID) gets what came after its last event first.
    let mut again = c
        .get(srv.url("/api/events/stream"))
        .header("Last-Event-ID", up["id"].to_string())
        .send()
        .await
        .unwrap();
    let mut buf2 = String::new();
    let (name, replay) = next_sse(&mut again, &mut buf2, |_, _| true).await;
    assert_eq!((name.as_str(), &replay["id"]), ("switch_down", &down["id"]));
    srv.stop().await;
}

#[tokio::test]
async fn metrics_names_and_values() {
    let srv = Server::start().await;
    let _s1 = FakeSwitch::connect(srv.of_addr, 1, S1_PORTS).await;
    srv.wait_switches(1).await;
    let c = client();
    let resp = c.get(srv.url("/metrics")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text"));
    let text = resp.text().await.unwrap();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        assert!(line.starts_with("tapdemon_"), "unprefixed metric: {line}");
    }
    assert!(text.contains("\ntapdemon_switches_connected 1\n"), "{text}");
    assert!(
        text.contains(
            "tapdemon_openflow_messages_in_total{type=\"OFPT_FEATURES_REPLY\",version=\"1.0\"}"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "tapdemon_openflow_messages_out_total{type=\"OFPT_FEATURES_REQUEST\",version=\"1.0\"}"
        ),
        "{text}"
    );
    for name in [
        "# TYPE tapdemon_flow_mods_failed counter",
        "# TYPE tapdemon_trigger_events counter",
        "# TYPE tapdemon_packet_ins_dropped counter",
        "tapdemon_packet_ins_dropped_total{module=\"l2_learning\"} 0",
        "tapdemon_packet_ins_dropped_total{module=\"rest_events\"} 0",
    ] {
        assert!(text.contains(name), "missing {name} in {text}");
    }
    assert!(text.trim_end().ends_with("# EOF"));
    srv.stop().await;
}

#[tokio::test]
async fn openapi_lists_every_route() {
    let srv = Server::start().await;
    let c = client();
    let (code, doc) = json(c.get(srv.url("/api/openapi.json")).send().await.unwrap()).await;
    assert_eq!(code, 200);
    assert_eq!(doc["openapi"], "3.0.3");
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 25);
    // Every listed operation is routed: with placeholders filled in, none answers
    // "no such endpoint" or 405.
    for (path, ops) in paths {
        let concrete = path
            .replace("{switch}", "s1")
            .replace("{id}", "x")
            .replace("{name}", "tcp")
            .replace("{agent}", "ALL")
            .replace("{metric}", "tcp");
        for method in ops.as_object().unwrap().keys() {
            if path == "/api/events/stream" {
                continue;
            }
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let resp = c
                .request(m, srv.url(&concrete))
                .body("{}")
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let body = resp.text().await.unwrap();
            assert!(status != 405, "{method} {path}: 405");
            assert!(
                !body.contains("no such endpoint"),
                "{method} {path}: not routed"
            );
        }
    }
    // And the index lists them.
    let (_, idx) = json(c.get(srv.url("/api/")).send().await.unwrap()).await;
    assert!(idx["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e == "POST /api/taps"));
    srv.stop().await;
}

#[tokio::test]
async fn reload_by_api() {
    let dir = std::env::temp_dir().join(format!("tapdemon-rest-reload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("tapdemon.toml");
    std::fs::write(&path, "[switches]\ns1 = 1\n").unwrap();
    let config = Config::load(&path).unwrap();
    let reloader = Arc::new(ConfigReloader::new(path.clone(), config.clone()));
    let srv = Server::with(Parts {
        config: Some(config),
        reloader: Some(reloader.clone()),
        ..Parts::default()
    })
    .await;
    let c = client();
    std::fs::write(
        &path,
        "[switches]\ns1 = 1\n\n[l2_learning]\nidle_timeout = \"soon\"\n",
    )
    .unwrap();
    let got = json(c.post(srv.url("/api/reload")).send().await.unwrap()).await;
    assert_refused(
        &got,
        422,
        Some("l2_learning.idle_timeout"),
        "tapdemon.toml:5",
    );
    assert!(got.1["error"]
        .as_str()
        .unwrap()
        .contains("running config kept"));
    assert_eq!(reloader.current().l2_learning.idle_timeout, 60);
    std::fs::write(&path, "[switches]\ns1 = 1\ns2 = 2\n").unwrap();
    let (code, rep) = json(c.post(srv.url("/api/reload")).send().await.unwrap()).await;
    assert_eq!(code, 200, "{rep}");
    assert_eq!(rep["needs_restart"], serde_json::json!(["switches"]));
    let (_, evs) = json(
        c.get(srv.url("/api/events?type=reload"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(evs[0]["ok"], true);
    assert_eq!(evs[1]["ok"], false);
    srv.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn web_page_is_served() {
    let srv = Server::start().await;
    let c = client();
    let resp = c.get(srv.url("/")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("/ui/app.js") && html.contains("/ui/style.css"),
        "{html}"
    );
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external resources"
    );
    for (path, ty) in [
        ("/ui/app.js", "text/javascript"),
        ("/ui/style.css", "text/css"),
    ] {
        let resp = c.get(srv.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert!(resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with(ty));
        assert!(resp.text().await.unwrap().len() > 100, "{path} is empty");
    }
    srv.stop().await;
}

#[tokio::test]
async fn second_listener_for_sflow_rt_scripts() {
    let srv = Server::with(Parts {
        sflow_rt_listen: true,
        ..Parts::default()
    })
    .await;
    let second = srv.sflow_rt_base.clone().expect("sflow_rt_listen bound");
    assert_ne!(second, srv.base);
    let c = client();
    let resp = c.get(format!("{second}/version")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await.unwrap().starts_with("tapdemon-"));
    // The same routes: the API answers there too.
    let resp = c
        .get(format!("{second}/api/switches"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    srv.stop().await;
}
