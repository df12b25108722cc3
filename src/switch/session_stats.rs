//! [`Session::request_stats`]: flow and port statistics requests, and the reply parts
//! that answer them (a child of `session` so it reaches the session's state).

use std::time::{Duration, Instant};

use tracing::debug;

use super::super::stats::{StatsError, StatsReply, StatsRequest, StatsResult};
use super::super::wire::{self, Outgoing};
use super::{Session, State};

impl Session {
    /// Ask the switch for statistics; the answer (reassembled from every reply part) or
    /// why there is none goes to `reply`, at the latest `timeout` after `now`.
    pub fn request_stats(
        &mut self,
        now: Instant,
        request: StatsRequest,
        timeout: Duration,
        reply: tokio::sync::oneshot::Sender<StatsResult>,
    ) {
        let (Some(version), State::Main) = (self.version, self.state) else {
            let _ = reply.send(Err(StatsError::NotConnected));
            return;
        };
        let msg = match request {
            StatsRequest::Flows => Outgoing::FlowStatsRequest,
            StatsRequest::Ports => Outgoing::PortStatsRequest,
        };
        let xid = self.xid();
        if let Err(e) = wire::encode(version, &msg, xid, &mut self.transmit) {
            let _ = reply.send(Err(StatsError::Encode(e)));
            return;
        }
        let msg_type = request.type_name(version);
        debug!(xid, msg_type, "statistics request");
        self.stats
            .insert(xid, request, msg_type, (now, timeout), reply);
    }

    pub(super) fn stats_part(&mut self, xid: u32, part: StatsReply, more: bool) {
        if !self.stats.part(xid, part, more) {
            debug!(
                xid,
                "statistics reply for no outstanding request (late?), dropped"
            );
        }
    }
}
