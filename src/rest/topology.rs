//! `GET /api/links`, `/api/hosts`, `/api/topology`.

use axum::extract::State;
use axum::Json;
use serde::Serialize;

use super::error::ApiError;
use super::state::{SwitchView, TopologyView};
use super::AppState;
use crate::topology::{HostSnapshot, LinkSnapshot};

/// Live directed links.
pub async fn links(State(st): State<AppState>) -> Result<Json<Vec<LinkSnapshot>>, ApiError> {
    Ok(Json(st.view.topology()?.links))
}

/// Known hosts.
pub async fn hosts(State(st): State<AppState>) -> Result<Json<Vec<HostSnapshot>>, ApiError> {
    Ok(Json(st.view.topology()?.hosts))
}

/// Switches, links and hosts in one answer (what the web page draws).
#[derive(Debug, Serialize)]
pub struct Whole {
    /// Connected switches.
    pub switches: Vec<SwitchView>,
    /// Links and hosts; empty when topology discovery is not running.
    #[serde(flatten)]
    pub topology: TopologyView,
    /// False when discovery is not running (links and hosts unknown).
    pub discovery: bool,
}

/// `GET /api/topology`.
pub async fn all(State(st): State<AppState>) -> Json<Whole> {
    let (topology, discovery) = match st.view.topology() {
        Ok(t) => (t, true),
        Err(_) => (
            TopologyView {
                links: Vec::new(),
                hosts: Vec::new(),
            },
            false,
        ),
    };
    Json(Whole {
        switches: st.view.switches(),
        topology,
        discovery,
    })
}
