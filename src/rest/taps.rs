//! `GET/POST /api/taps`, `GET/DELETE /api/taps/{id}`, `GET /api/patches`,
//! `GET /api/triggers`, `POST /api/reload`.
//!
//! A tap request is checked here against what the controller knows (switches connected,
//! ports present, a filter in ovs-ofctl syntax, a duration the switch can enforce) so every
//! refusal names its field the same way whatever builds the tap; what only the pipeline can
//! know (a path to the monitor, a loop, a free tap VLAN) comes back from it as 409.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

use super::error::{parse_json, ApiError};
use super::events::EventKind;
use super::state::{split_port_ref, ReloadReport, SwitchView, TapRequest, TapView};
use super::switches::find;
use super::AppState;

/// Longest timed tap: a flow's hard_timeout is 16 bits of seconds.
pub const MAX_DURATION_SECS: u64 = 65_535;

/// Every tap.
pub async fn list(State(st): State<AppState>) -> Result<Json<Vec<TapView>>, ApiError> {
    st.view.taps().map(Json)
}

/// One tap by id.
pub async fn one(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<TapView>, ApiError> {
    st.view
        .taps()?
        .into_iter()
        .find(|t| t.id == id || t.name == id)
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no tap {id:?}")).field("id"))
}

/// Create a tap: 201 with the tap once its flows are confirmed.
pub async fn create(
    State(st): State<AppState>,
    body: Bytes,
) -> Result<(StatusCode, Json<TapView>), ApiError> {
    let req: TapRequest = parse_json(&body)?;
    validate(&req, &st.view.switches())?;
    let tap = st.view.create_tap(req).await?;
    st.events.publish(EventKind::Tap {
        action: "created",
        tap: serde_json::to_value(&tap).unwrap_or_default(),
    });
    Ok((StatusCode::CREATED, Json(tap)))
}

/// Delete a tap and its flows.
pub async fn delete(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<TapView>, ApiError> {
    let tap = st.view.delete_tap(id).await?;
    st.events.publish(EventKind::Tap {
        action: "removed",
        tap: serde_json::to_value(&tap).unwrap_or_default(),
    });
    Ok(Json(tap))
}

/// Patches, with whether each is installed now.
pub async fn patches(
    State(st): State<AppState>,
) -> Result<Json<Vec<super::state::PatchView>>, ApiError> {
    st.view.patches().await.map(Json)
}

/// Threshold events listed per trigger.
pub const TRIGGER_EVENTS: usize = 20;

/// Triggers, each with the threshold events for its threshold (newest first).
pub async fn triggers(
    State(st): State<AppState>,
) -> Result<Json<Vec<super::state::TriggerView>>, ApiError> {
    let mut triggers = st.view.triggers()?;
    let events = st.events.recent(0, super::events::HISTORY, Some("trigger"));
    for t in &mut triggers {
        let mine: Vec<_> = events
            .iter()
            .filter(|e| {
                matches!(&e.kind, EventKind::Trigger { event }
                    if event.get("thresholdID").and_then(|v| v.as_str()) == Some(t.threshold.as_str()))
            })
            .collect();
        t.fired = t.fired.max(mine.len() as u64);
        t.recent_events = mine.into_iter().take(TRIGGER_EVENTS).cloned().collect();
    }
    Ok(Json(triggers))
}

/// Re-read the config and apply the difference; 422 with the reason if the new file is
/// invalid (the running config stays).
pub async fn reload(State(st): State<AppState>) -> Result<Json<ReloadReport>, ApiError> {
    match st.view.reload().await {
        Ok(report) => {
            st.events.publish(EventKind::Reload {
                ok: true,
                message: format!(
                    "added {:?}, removed {:?}, changed {:?}, {} unchanged",
                    report.added, report.removed, report.changed, report.unchanged
                ),
            });
            Ok(Json(report))
        }
        Err(e) => {
            if e.status != StatusCode::SERVICE_UNAVAILABLE {
                st.events.publish(EventKind::Reload {
                    ok: false,
                    message: e.message.clone(),
                });
            }
            Err(e)
        }
    }
}

/// Check a tap request against the connected switches.
pub fn validate(req: &TapRequest, switches: &[SwitchView]) -> Result<(), ApiError> {
    if let Some(name) = &req.name {
        let ok = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !ok {
            return Err(ApiError::bad_request(
                "name",
                "name: 1 to 64 characters among letters, digits, `-`, `_` and `.`",
            ));
        }
    }
    let source = port(&req.source, "source", switches)?;
    let monitor = port(&req.monitor, "monitor", switches)?;
    if source == monitor {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "monitor: {} is the tapped port itself: copies would loop",
                req.monitor
            ),
        )
        .field("monitor"));
    }
    if let Some(m) = &req.match_ {
        proto::ofctl::parse_match(m)
            .map_err(|e| ApiError::bad_request("match", format!("match: {e}")))?;
    }
    if let Some(d) = req.duration_secs {
        if d > MAX_DURATION_SECS {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "duration_secs: {d} is more than {MAX_DURATION_SECS}, the longest hard_timeout a switch enforces"
                ),
            )
            .field("duration_secs"));
        }
    }
    Ok(())
}

/// Resolve `switch:port` (port by number or interface name) to (dpid, port number).
fn port(
    text: &str,
    field: &'static str,
    switches: &[SwitchView],
) -> Result<(String, u32), ApiError> {
    let Some((sw, p)) = split_port_ref(text) else {
        return Err(ApiError::bad_request(
            field,
            format!("{field}: {text:?} is not `switch:port` (like \"s2:4\")"),
        ));
    };
    let s = find(switches, sw, field).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{field}: {}", e.message),
        )
        .field(field)
    })?;
    let found = match p.parse::<u32>() {
        Ok(n) => s.ports.iter().find(|x| x.port_no == n),
        Err(_) => s.ports.iter().find(|x| x.name == p),
    };
    let Some(found) = found else {
        let known: Vec<String> = s.ports.iter().map(|x| x.port_no.to_string()).collect();
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "{field}: switch {sw} has no port {p} (ports: {})",
                if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                }
            ),
        )
        .field(field));
    };
    Ok((s.dpid.clone(), found.port_no))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::state::{Direction, PortView};

    fn switches() -> Vec<SwitchView> {
        let ports = (1..=3)
            .map(|n| PortView {
                port_no: n,
                name: format!("s1-eth{n}"),
                hw_addr: "00:00:00:00:00:01".into(),
                up: true,
                admin_down: false,
                link_down: false,
                counters: None,
                rates: None,
            })
            .collect();
        vec![SwitchView {
            dpid: "0000000000000001".into(),
            name: Some("s1".into()),
            version: "1.0",
            n_tables: 1,
            n_buffers: 0,
            ports,
        }]
    }

    fn req(source: &str, monitor: &str) -> TapRequest {
        TapRequest {
            name: None,
            source: source.into(),
            direction: Direction::Both,
            match_: None,
            monitor: monitor.into(),
            duration_secs: None,
        }
    }

    fn refused(r: &TapRequest) -> (u16, String, String) {
        let e = validate(r, &switches()).unwrap_err();
        (e.status.as_u16(), e.field.unwrap_or_default(), e.message)
    }

    #[test]
    fn refusals_name_the_field() {
        assert!(validate(&req("s1:1", "s1:s1-eth3"), &switches()).is_ok());
        assert_eq!(refused(&req("s1", "s1:3")).0, 400);
        let (code, field, msg) = refused(&req("s1:9", "s1:3"));
        assert_eq!((code, field.as_str()), (422, "source"));
        assert!(msg.contains("no port 9"), "{msg}");
        let (code, field, _) = refused(&req("s1:1", "s7:3"));
        assert_eq!((code, field.as_str()), (422, "monitor"));
        let (code, field, _) = refused(&req("s1:1", "s1:s1-eth1"));
        assert_eq!((code, field.as_str()), (409, "monitor"));
        let mut r = req("s1:1", "s1:3");
        r.match_ = Some("tcp,tp_dst=eighty".into());
        assert_eq!(refused(&r).1, "match");
        let mut r = req("s1:1", "s1:3");
        r.duration_secs = Some(100_000);
        assert_eq!(refused(&r).1, "duration_secs");
        let mut r = req("s1:1", "s1:3");
        r.name = Some("a b".into());
        assert_eq!(refused(&r).1, "name");
    }
}
