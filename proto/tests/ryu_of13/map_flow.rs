// Included by map.rs: the flow-side messages and multipart bodies (types of the other
// helper's files: flow_mod, packet_in/out, flow_removed, group_mod, multipart_flow/group).

fn message_flow(m: &Message) -> Value {
    match m {
        Message::PacketIn(p) => obj(
            "OFPPacketIn",
            json!({"buffer_id": p.buffer_id, "total_len": p.total_len,
                   "reason": u8::from(p.reason), "table_id": p.table_id, "cookie": p.cookie,
                   "match": match_(&p.match_), "data": base64(&p.data)}),
        ),
        Message::PacketOut(p) => obj(
            "OFPPacketOut",
            json!({"buffer_id": p.buffer_id, "in_port": p.in_port,
                   "actions_len": action::Action::list_len(&p.actions),
                   "actions": actions(&p.actions), "data": base64(&p.data)}),
        ),
        Message::FlowRemoved(f) => obj(
            "OFPFlowRemoved",
            json!({"cookie": f.cookie, "priority": f.priority, "reason": u8::from(f.reason),
                   "table_id": f.table_id, "duration_sec": f.duration_sec,
                   "duration_nsec": f.duration_nsec, "idle_timeout": f.idle_timeout,
                   "hard_timeout": f.hard_timeout, "packet_count": f.packet_count,
                   "byte_count": f.byte_count, "match": match_(&f.match_)}),
        ),
        Message::FlowMod(f) => obj(
            "OFPFlowMod",
            json!({"cookie": f.cookie, "cookie_mask": f.cookie_mask, "table_id": f.table_id,
                   "command": u8::from(f.command), "idle_timeout": f.idle_timeout,
                   "hard_timeout": f.hard_timeout, "priority": f.priority,
                   "buffer_id": f.buffer_id, "out_port": f.out_port, "out_group": f.out_group,
                   "flags": f.flags, "match": match_(&f.match_),
                   "instructions": instructions(&f.instructions)}),
        ),
        Message::GroupMod(g) => obj(
            "OFPGroupMod",
            json!({"command": u16::from(g.command), "type": u8::from(g.ty),
                   "group_id": g.group_id,
                   "buckets": g.buckets.iter().map(bucket).collect::<Vec<_>>()}),
        ),
        other => json!(format!("~unmapped message {}", other.type_name())),
    }
}

fn flow_stats_request(class: &str, flags: u16, ty: u16, f: Value) -> Value {
    with_envelope(class, flags, ty, fields(f))
}

fn mp_request_flow(flags: u16, ty: u16, body: &Req) -> Value {
    match body {
        Req::Flow(f) => flow_stats_request(
            "OFPFlowStatsRequest",
            flags,
            ty,
            json!({"table_id": f.table_id, "out_port": f.out_port, "out_group": f.out_group,
                   "cookie": f.cookie, "cookie_mask": f.cookie_mask,
                   "match": match_(&f.match_)}),
        ),
        Req::Aggregate(f) => flow_stats_request(
            "OFPAggregateStatsRequest",
            flags,
            ty,
            json!({"table_id": f.table_id, "out_port": f.out_port, "out_group": f.out_group,
                   "cookie": f.cookie, "cookie_mask": f.cookie_mask,
                   "match": match_(&f.match_)}),
        ),
        Req::Group(g) => with_envelope(
            "OFPGroupStatsRequest",
            flags,
            ty,
            fields(json!({"group_id": g.group_id})),
        ),
        _ => json!(format!("~unmapped multipart request {ty}")),
    }
}

fn mp_reply_flow(flags: u16, ty: u16, body: &Rep) -> Value {
    let (class, f) = match body {
        Rep::Flow(v) => (
            "OFPFlowStatsReply",
            json!({"body": v.iter().map(|s| obj("OFPFlowStats", json!({
                "length": s.encoded_len(), "table_id": s.table_id,
                "duration_sec": s.duration_sec, "duration_nsec": s.duration_nsec,
                "priority": s.priority, "idle_timeout": s.idle_timeout,
                "hard_timeout": s.hard_timeout, "flags": s.flags, "cookie": s.cookie,
                "packet_count": s.packet_count, "byte_count": s.byte_count,
                "match": match_(&s.match_), "instructions": instructions(&s.instructions)})))
                .collect::<Vec<_>>()}),
        ),
        Rep::Aggregate(a) => (
            "OFPAggregateStatsReply",
            json!({"body": obj("OFPAggregateStats", json!({
                "packet_count": a.packet_count, "byte_count": a.byte_count,
                "flow_count": a.flow_count}))}),
        ),
        Rep::Group(v) => (
            "OFPGroupStatsReply",
            json!({"body": v.iter().map(|g| obj("OFPGroupStats", json!({
                "length": g.encoded_len(), "group_id": g.group_id, "ref_count": g.ref_count,
                "packet_count": g.packet_count, "byte_count": g.byte_count,
                "duration_sec": g.duration_sec, "duration_nsec": g.duration_nsec,
                "bucket_stats": g.bucket_stats.iter().map(|b| obj("OFPBucketCounter", json!({
                    "packet_count": b.packet_count, "byte_count": b.byte_count})))
                    .collect::<Vec<_>>()})))
                .collect::<Vec<_>>()}),
        ),
        Rep::GroupDesc(v) => (
            "OFPGroupDescStatsReply",
            json!({"body": v.iter().map(|g| obj("OFPGroupDescStats", json!({
                "length": g.encoded_len(), "type": u8::from(g.ty), "group_id": g.group_id,
                "buckets": g.buckets.iter().map(bucket).collect::<Vec<_>>()})))
                .collect::<Vec<_>>()}),
        ),
        _ => return json!(format!("~unmapped multipart reply {ty}")),
    };
    with_envelope(class, flags, ty, fields(f))
}
