//! `GET /api/switches`, `/api/switches/{switch}`, `/api/switches/{switch}/flows`.
//!
//! `{switch}` is a configured name (`s1`) or a datapath id in any form `[switches]`
//! accepts (`1`, `0x1`, `0000000000000001`, `00:00:00:00:00:00:00:01`).

use axum::extract::{Path, State};
use axum::Json;

use super::error::ApiError;
use super::state::{FlowView, SwitchView};
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

/// The flows installed on a switch, read from it now (flow-stats), ovs-ofctl style.
pub async fn flows(
    State(st): State<AppState>,
    Path(switch): Path<String>,
) -> Result<Json<Vec<FlowView>>, ApiError> {
    let sw = find(&st.view.switches(), &switch, "switch")?;
    let dpid = parse_dpid(&sw.dpid).ok_or_else(|| ApiError::internal("bad dpid"))?;
    st.view.flows(dpid).await.map(Json)
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
