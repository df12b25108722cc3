//! `GET /api/openapi.json`: an OpenAPI 3.0 description, written by hand.
//!
//! Hand-written rather than generated (utoipa): the surface is small, the sFlow-RT paths
//! take relaxed JSON that a derive would describe wrongly, and one readable file beats
//! annotations on every handler and type. The API tests check that every path listed here
//! answers and that every route is listed, so it cannot silently drift.

use axum::Json;
use serde_json::{json, Value};

/// (method, path, summary) of every operation.
pub const OPERATIONS: &[(&str, &str, &str)] = &[
    (
        "get",
        "/api/switches",
        "Connected switches with ports, state and counters",
    ),
    (
        "get",
        "/api/switches/{switch}",
        "One switch (name or datapath id)",
    ),
    (
        "get",
        "/api/switches/{switch}/flows",
        "Flows read from the switch now (flow-stats), ovs-ofctl style; ?format=text for dump-flows lines",
    ),
    (
        "get",
        "/api/switches/{switch}/ports",
        "A switch's ports with counters and rates (port-stats, polled)",
    ),
    (
        "get",
        "/api/switches/{switch}/ports/{port}",
        "One port (number or interface name) with counters and rates",
    ),
    ("get", "/api/links", "Live directed links"),
    ("get", "/api/hosts", "Known hosts and where they attach"),
    (
        "get",
        "/api/topology",
        "Switches, links and hosts in one answer",
    ),
    ("get", "/api/taps", "Taps"),
    (
        "post",
        "/api/taps",
        "Create a tap (needs the bearer token when one is configured)",
    ),
    ("get", "/api/taps/{id}", "One tap"),
    ("delete", "/api/taps/{id}", "Remove a tap and its flows"),
    ("get", "/api/patches", "Patches, and whether each is installed now"),
    (
        "get",
        "/api/triggers",
        "Triggers with their recent threshold events",
    ),
    (
        "get",
        "/api/events",
        "Recent controller events, newest first",
    ),
    (
        "get",
        "/api/events/stream",
        "Controller events as server-sent events",
    ),
    (
        "get",
        "/api/sflow/agents",
        "sFlow agents and their counters",
    ),
    (
        "get",
        "/api/sflow/flows/{name}/top",
        "Largest active flows of a flow definition",
    ),
    (
        "post",
        "/api/reload",
        "Re-read the config file and apply the difference",
    ),
    ("get", "/api/openapi.json", "This description"),
    ("get", "/metrics", "Prometheus metrics (OpenMetrics text)"),
    ("get", "/version", "sFlow-RT: version, plain text"),
    ("get", "/analyzer/json", "sFlow-RT: collector statistics"),
    ("get", "/agents/json", "sFlow-RT: agents, keyed by address"),
    ("get", "/flow/json", "sFlow-RT: flow definitions"),
    ("get", "/flow/{name}/json", "sFlow-RT: one flow definition"),
    (
        "put",
        "/flow/{name}/json",
        "sFlow-RT: define a flow (relaxed JSON accepted)",
    ),
    (
        "delete",
        "/flow/{name}/json",
        "sFlow-RT: remove a flow definition",
    ),
    ("get", "/threshold/json", "sFlow-RT: thresholds"),
    ("get", "/threshold/{name}/json", "sFlow-RT: one threshold"),
    (
        "put",
        "/threshold/{name}/json",
        "sFlow-RT: define a threshold",
    ),
    (
        "delete",
        "/threshold/{name}/json",
        "sFlow-RT: remove a threshold",
    ),
    (
        "get",
        "/events/json",
        "sFlow-RT: threshold events, newest first, long-poll with timeout",
    ),
    (
        "get",
        "/metric/{agent}/{metric}/json",
        "sFlow-RT: metric value with topKeys",
    ),
    (
        "get",
        "/activeflows/{agent}/{name}/json",
        "sFlow-RT: active flows",
    ),
];

/// Every path, for `/api/`'s index.
pub fn paths() -> Vec<String> {
    let mut v: Vec<String> = OPERATIONS
        .iter()
        .map(|(m, p, _)| format!("{} {p}", m.to_uppercase()))
        .collect();
    v.dedup();
    v
}

fn error_response(desc: &str) -> Value {
    json!({"description": desc, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

fn operation(method: &str, path: &str, summary: &str) -> Value {
    let mut params = Vec::new();
    for seg in path.split('/') {
        if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            params.push(
                json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}),
            );
        }
    }
    let query: &[(&str, &str)] = match path {
        "/events/json" => &[
            ("eventID", "integer"),
            ("maxEvents", "integer"),
            ("timeout", "number"),
            ("thresholdID", "string"),
        ],
        "/activeflows/{agent}/{name}/json" => &[
            ("maxFlows", "integer"),
            ("minValue", "number"),
            ("aggMode", "string"),
        ],
        "/api/events" => &[
            ("after", "integer"),
            ("limit", "integer"),
            ("type", "string"),
        ],
        "/api/sflow/flows/{name}/top" => &[("n", "integer")],
        "/api/switches/{switch}/flows" => &[("format", "string")],
        "/agents/json" => &[("agent", "string")],
        _ => &[],
    };
    for (name, ty) in query {
        params
            .push(json!({"name": name, "in": "query", "required": false, "schema": {"type": ty}}));
    }
    let ok = match (method, path) {
        ("post", "/api/taps") => {
            json!({"201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Tap"}}}}})
        }
        ("put", _) | ("delete", "/flow/{name}/json") | ("delete", "/threshold/{name}/json") => {
            json!({"204": {"description": "Done"}})
        }
        ("get", "/version") => {
            json!({"200": {"description": "OK", "content": {"text/plain": {"schema": {"type": "string"}}}}})
        }
        ("get", "/metrics") => {
            json!({"200": {"description": "OK", "content": {"application/openmetrics-text": {"schema": {"type": "string"}}}}})
        }
        ("get", "/api/events/stream") => {
            json!({"200": {"description": "OK", "content": {"text/event-stream": {"schema": {"type": "string"}}}}})
        }
        (_, p) if p.starts_with("/api/taps") => {
            json!({"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Tap"}}}}})
        }
        (_, "/api/switches") => {
            json!({"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Switch"}}}}}})
        }
        (_, "/api/switches/{switch}") => {
            json!({"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Switch"}}}}})
        }
        (_, "/api/switches/{switch}/flows") => {
            json!({"200": {"description": "OK", "content": {
                "application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Flow"}}},
                "text/plain": {"schema": {"type": "string"}}}}})
        }
        (_, "/api/switches/{switch}/ports") => {
            json!({"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Port"}}}}}})
        }
        (_, "/api/switches/{switch}/ports/{port}") => {
            json!({"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Port"}}}}})
        }
        (_, "/api/patches") => {
            json!({"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Patch"}}}}}})
        }
        (_, "/api/triggers") => {
            json!({"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Trigger"}}}}}})
        }
        (_, "/api/events") => {
            json!({"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}}}}}})
        }
        _ => json!({"200": {"description": "OK", "content": {"application/json": {"schema": {}}}}}),
    };
    let mut responses = ok;
    if let Some(map) = responses.as_object_mut() {
        map.insert(
            "400".into(),
            error_response("Bad request: `field` names the parameter"),
        );
        map.insert("404".into(), error_response("Not found"));
        map.insert(
            "503".into(),
            error_response("That part of the controller is not running"),
        );
        if method != "get" {
            map.insert(
                "401".into(),
                error_response("Missing or wrong bearer token"),
            );
        }
        if path == "/api/taps" && method == "post" {
            map.insert(
                "409".into(),
                error_response("The tap cannot be built (no path, loop, name taken)"),
            );
            map.insert("422".into(), error_response("Unknown switch or port"));
        }
        if path == "/api/switches/{switch}/flows" {
            map.insert(
                "502".into(),
                error_response(
                    "The switch refused the flow-stats request or sent an undecodable reply",
                ),
            );
            map.insert(
                "504".into(),
                error_response(
                    "The switch did not answer completely within rest.stats_timeout_secs",
                ),
            );
        }
        if path == "/api/reload" {
            map.insert(
                "422".into(),
                error_response("The new config is invalid; the running one is kept"),
            );
        }
    }
    let mut op = json!({"summary": summary, "parameters": params, "responses": responses});
    if method != "get" {
        op["security"] = json!([{"bearer": []}]);
    }
    if method == "post" && path == "/api/taps" {
        op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TapRequest"}}}});
    }
    if method == "put" {
        op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"type": "object"}}}});
    }
    op
}

/// The document.
pub fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for (method, path, summary) in OPERATIONS {
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[*method] = operation(method, path, summary);
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "tapdemon",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "OpenFlow controller for on-demand traffic tapping: REST API, and sFlow-RT's REST API over the embedded collector."
        },
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {
                    "error": {"type": "string"}, "field": {"type": "string"}}},
                "Port": {"type": "object", "properties": {
                    "port_no": {"type": "integer"}, "name": {"type": "string"},
                    "hw_addr": {"type": "string"}, "up": {"type": "boolean"},
                    "admin_down": {"type": "boolean"}, "link_down": {"type": "boolean"},
                    "counters": {"$ref": "#/components/schemas/PortCounters"},
                    "rates": {"$ref": "#/components/schemas/PortRates"}}},
                "PortCounters": {"type": "object", "nullable": true,
                    "description": "The last port-stats reply (a counter the switch does not keep is 2^64-1)",
                    "properties": {
                    "rx_packets": {"type": "integer"}, "tx_packets": {"type": "integer"},
                    "rx_bytes": {"type": "integer"}, "tx_bytes": {"type": "integer"},
                    "rx_dropped": {"type": "integer"}, "tx_dropped": {"type": "integer"},
                    "rx_errors": {"type": "integer"}, "tx_errors": {"type": "integer"},
                    "read_at_ms": {"type": "integer", "description": "epoch milliseconds"}}},
                "PortRates": {"type": "object", "nullable": true,
                    "description": "Change between the last two port-stats reads over the time between them",
                    "properties": {
                    "rx_packets_per_sec": {"type": "number"}, "tx_packets_per_sec": {"type": "number"},
                    "rx_bytes_per_sec": {"type": "number"}, "tx_bytes_per_sec": {"type": "number"},
                    "rx_dropped_per_sec": {"type": "number"}, "tx_dropped_per_sec": {"type": "number"},
                    "rx_errors_per_sec": {"type": "number"}, "tx_errors_per_sec": {"type": "number"},
                    "interval_secs": {"type": "number"}}},
                "Flow": {"type": "object", "properties": {
                    "table_id": {"type": "integer"}, "priority": {"type": "integer"},
                    "cookie": {"type": "string", "example": "0x7d03000000000001"},
                    "duration_sec": {"type": "integer"}, "idle_timeout": {"type": "integer"},
                    "hard_timeout": {"type": "integer"}, "packet_count": {"type": "integer"},
                    "byte_count": {"type": "integer"},
                    "match": {"type": "string", "example": "tcp,in_port=4,tp_dst=80"},
                    "actions": {"type": "string", "example": "output:3,output:7"},
                    "text": {"type": "string", "description": "the line as ovs-ofctl dump-flows prints it"}}},
                "Patch": {"type": "object", "properties": {
                    "name": {"type": "string"}, "switch": {"type": "string"},
                    "ports": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
                    "static": {"type": "boolean"}, "active": {"type": "boolean"},
                    "remaining_secs": {"type": "number", "nullable": true}}},
                "Trigger": {"type": "object", "properties": {
                    "name": {"type": "string"}, "threshold": {"type": "string"},
                    "activate": {"type": "array", "items": {"type": "string"}},
                    "duration_secs": {"type": "integer"}, "fired": {"type": "integer"},
                    "recent_events": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}}}},
                "Event": {"type": "object", "required": ["id", "time_ms", "type"],
                    "description": "type: switch_up, switch_down, port_status, switch_error, flow_removed, trigger, tap (action: created, activated, deactivated, expired, removed), topology (event: link_up, link_down, host_learned, host_moved, host_removed), reload",
                    "properties": {
                    "id": {"type": "integer"}, "time_ms": {"type": "integer"},
                    "type": {"type": "string"}}},
                "Switch": {"type": "object", "properties": {
                    "dpid": {"type": "string"}, "name": {"type": "string", "nullable": true},
                    "version": {"type": "string", "enum": ["1.0", "1.3"]},
                    "n_tables": {"type": "integer"}, "n_buffers": {"type": "integer"},
                    "ports": {"type": "array", "items": {"$ref": "#/components/schemas/Port"}}}},
                "TapRequest": {"type": "object", "required": ["source", "monitor"],
                    "additionalProperties": false, "properties": {
                    "name": {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$"},
                    "source": {"type": "string", "example": "s2:4"},
                    "direction": {"type": "string", "enum": ["in", "out", "both"], "default": "both"},
                    "match": {"type": "string", "example": "tcp,tp_dst=80"},
                    "monitor": {"type": "string", "example": "s3:11"},
                    "duration_secs": {"type": "integer", "minimum": 0, "maximum": 65535}}},
                "Tap": {"type": "object", "properties": {
                    "id": {"type": "string"}, "name": {"type": "string"},
                    "source": {"type": "string"}, "direction": {"type": "string"},
                    "match": {"type": "string", "nullable": true}, "monitor": {"type": "string"},
                    "origin": {"type": "string", "enum": ["config", "api", "trigger"]},
                    "active": {"type": "boolean"},
                    "remaining_secs": {"type": "number", "nullable": true},
                    "cookie": {"type": "string", "nullable": true},
                    "deactivated": {"type": "string", "description": "a static [[tap]] deactivated through the API: by whom, and what brings it back (it stays off across restarts until its definition changes)"}}}
            }
        }
    })
}

/// The handler.
pub async fn spec() -> Json<Value> {
    Json(document())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_path_has_its_methods() {
        let d = super::document();
        assert_eq!(d["openapi"], "3.0.3");
        assert!(d["paths"]["/api/taps"]["post"]["requestBody"].is_object());
        assert!(d["paths"]["/api/taps"]["get"].is_object());
        assert!(d["paths"]["/flow/{name}/json"]["put"]["security"].is_array());
        let params = d["paths"]["/events/json"]["get"]["parameters"]
            .as_array()
            .unwrap();
        assert_eq!(params.len(), 4);
        let flows = &d["paths"]["/api/switches/{switch}/flows"]["get"];
        assert!(flows["responses"]["504"].is_object());
        assert!(flows["responses"]["200"]["content"]["text/plain"].is_object());
        assert!(d["paths"]["/api/switches/{switch}/ports/{port}"]["get"].is_object());
        assert!(
            d["components"]["schemas"]["PortRates"]["properties"]["rx_bytes_per_sec"].is_object()
        );
    }
}
