//! `GET /api/switches`, `/api/switches/{switch}`, `/api/switches/{switch}/flows`,
//! `/api/switches/{switch}/ports`, `/api/switches/{switch}/ports/{port}`.
//!
//! `{switch}` is a configured name (`s1`) or a datapath id in any form `[switches]`
//! accepts (`1`, `0x1`, `0000000000000001`, `00:00:00:00:00:00:00:01`).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::error::ApiError;
use super::state::{PortView, SwitchView};
use super::AppState;
use crate::config::parse_dpid;

/// Resolve a switch reference among the connected switches.
pub fn find(switches: &[SwitchView], reference: &str, field: &str) -> Result<SwitchView, ApiError> {
    let by_name = switches
        .iter()
        .find(|s| s.name.as_deref() == Some(reference));
    if let Some(s) = by_name {
        return Ok(s.clone());
    }
    let dpid = reference
        .parse::<u64>()
        .ok()
        .filter(|_| reference.len() < 16)
        .or_else(|| parse_dpid(reference));
    let Some(dpid) = dpid else {
        return Err(ApiError::not_found(format!(
            "no connected switch named {reference:?} (and it is not a datapath id)"
        ))
        .field(field));
    };
    let hex = proto::DatapathId(dpid).to_string();
    switches
        .iter()
        .find(|s| s.dpid == hex)
        .cloned()
        .ok_or_else(|| {
            ApiError::not_found(format!("switch {reference} ({hex}) is not connected")).field(field)
        })
}

/// Every connected switch with its ports and counters.
pub async fn list(State(st): State<AppState>) -> Json<Vec<SwitchView>> {
    Json(st.view.switches())
}

/// One switch.
pub async fn one(
    State(st): State<AppState>,
    Path(switch): Path<String>,
) -> Result<Json<SwitchView>, ApiError> {
    find(&st.view.switches(), &switch, "switch").map(Json)
}

/// `GET /api/switches/{switch}/flows` query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowsQuery {
    /// `json` (default) or `text` (the `ovs-ofctl dump-flows` lines).
    #[serde(default)]
    format: Format,
}

/// How the flows are answered.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// A JSON array of [`super::state::FlowView`].
    #[default]
    Json,
    /// `text/plain`, one `ovs-ofctl dump-flows` line per flow.
    Text,
}

/// The flows installed on a switch, read from it now (flow-stats), ovs-ofctl style;
/// ordered by table, then priority from high to low (`ovs-ofctl --rsort`).
pub async fn flows(
    State(st): State<AppState>,
    Path(switch): Path<String>,
    q: Result<Query<FlowsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(|e| super::query_error(&e))?;
    let sw = find(&st.view.switches(), &switch, "switch")?;
    let dpid = parse_dpid(&sw.dpid).ok_or_else(|| ApiError::internal("bad dpid"))?;
    let mut flows = st.view.flows(dpid).await?;
    flows.sort_by(|a, b| {
        (a.table_id, std::cmp::Reverse(a.priority))
            .cmp(&(b.table_id, std::cmp::Reverse(b.priority)))
    });
    Ok(match q.format {
        Format::Json => Json(flows).into_response(),
        Format::Text => {
            let mut body = String::new();
            for f in &flows {
                body.push(' ');
                body.push_str(&f.text);
                body.push('\n');
            }
            ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
        }
    })
}

/// A switch's ports with their counters and rates.
pub async fn ports(
    State(st): State<AppState>,
    Path(switch): Path<String>,
) -> Result<Json<Vec<PortView>>, ApiError> {
    Ok(Json(find(&st.view.switches(), &switch, "switch")?.ports))
}

/// One port, by number or interface name.
pub async fn port(
    State(st): State<AppState>,
    Path((switch, port)): Path<(String, String)>,
) -> Result<Json<PortView>, ApiError> {
    let sw = find(&st.view.switches(), &switch, "switch")?;
    let by_number = port.parse::<u32>().ok();
    sw.ports
        .into_iter()
        .find(|p| Some(p.port_no) == by_number || p.name == port)
        .map(Json)
        .ok_or_else(|| {
            ApiError::not_found(format!("switch {switch} has no port {port}")).field("port")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sw(dpid: u64, name: &str) -> SwitchView {
        SwitchView {
            dpid: proto::DatapathId(dpid).to_string(),
            name: Some(name.into()),
            version: "1.3",
            n_tables: 254,
            n_buffers: 0,
            ports: vec![],
        }
    }

    #[test]
    fn references() {
        let l = vec![sw(1, "s1"), sw(0x10, "s16")];
        assert_eq!(find(&l, "s1", "switch").unwrap().dpid, "0000000000000001");
        assert_eq!(
            find(&l, "16", "switch").unwrap().name.as_deref(),
            Some("s16")
        );
        assert_eq!(
            find(&l, "0x10", "switch").unwrap().name.as_deref(),
            Some("s16")
        );
        assert_eq!(
            find(&l, "00:00:00:00:00:00:00:10", "switch")
                .unwrap()
                .name
                .as_deref(),
            Some("s16")
        );
        let e = find(&l, "s9", "source").unwrap_err();
        assert_eq!(e.status, axum::http::StatusCode::NOT_FOUND);
        assert_eq!(e.field.as_deref(), Some("source"));
        assert!(find(&l, "2", "switch")
            .unwrap_err()
            .message
            .contains("not connected"));
    }
}
