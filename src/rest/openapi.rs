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
        "Flows read from the switch (flow-stats), ovs-ofctl style",
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
    ("get", "/api/patches", "Patches"),
    ("get", "/api/triggers", "Triggers"),
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
                    "counters": {"type": "object", "nullable": true}}},
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
                    "cookie": {"type": "string", "nullable": true}}}
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
    }
}
