//! OpenFlow 1.3 wire constants for flows, actions, instructions, OXM and groups
//! (spec 1.3.5 §A.2-A.3), in the spec's spelling.
//!
//! Port constants (`OFPP_*`) live with the port messages; the few that flow code needs are
//! repeated privately where used.

// ---- ofp_action_type (§A.2.5) ----
/// Output to a switch port.
pub const OFPAT_OUTPUT: u16 = 0;
/// Copy TTL "outwards": from next-to-outermost to outermost.
pub const OFPAT_COPY_TTL_OUT: u16 = 11;
/// Copy TTL "inwards": from outermost to next-to-outermost.
pub const OFPAT_COPY_TTL_IN: u16 = 12;
/// MPLS TTL.
pub const OFPAT_SET_MPLS_TTL: u16 = 15;
/// Decrement MPLS TTL.
pub const OFPAT_DEC_MPLS_TTL: u16 = 16;
/// Push a new VLAN tag.
pub const OFPAT_PUSH_VLAN: u16 = 17;
/// Pop the outer VLAN tag.
pub const OFPAT_POP_VLAN: u16 = 18;
/// Push a new MPLS tag.
pub const OFPAT_PUSH_MPLS: u16 = 19;
/// Pop the outer MPLS tag.
pub const OFPAT_POP_MPLS: u16 = 20;
/// Set queue id when outputting to a port.
pub const OFPAT_SET_QUEUE: u16 = 21;
/// Apply group.
pub const OFPAT_GROUP: u16 = 22;
/// IP TTL.
pub const OFPAT_SET_NW_TTL: u16 = 23;
/// Decrement IP TTL.
pub const OFPAT_DEC_NW_TTL: u16 = 24;
/// Set a header field using an OXM TLV.
pub const OFPAT_SET_FIELD: u16 = 25;
/// Push a new PBB service tag (I-TAG).
pub const OFPAT_PUSH_PBB: u16 = 26;
/// Pop the outer PBB service tag (I-TAG).
pub const OFPAT_POP_PBB: u16 = 27;
/// Experimenter action.
pub const OFPAT_EXPERIMENTER: u16 = 0xffff;

/// `ofp_action_output.max_len`: send the whole packet to the controller, unbuffered.
pub const OFPCML_NO_BUFFER: u16 = 0xffff;
/// `ofp_action_output.max_len`: the largest value that asks for buffering.
pub const OFPCML_MAX: u16 = 0xffe5;

// ---- ofp_instruction_type (§A.2.4) ----
/// Setup the next table in the lookup pipeline.
pub const OFPIT_GOTO_TABLE: u16 = 1;
/// Setup the metadata field for use later in pipeline.
pub const OFPIT_WRITE_METADATA: u16 = 2;
/// Write the action(s) onto the datapath action set.
pub const OFPIT_WRITE_ACTIONS: u16 = 3;
/// Applies the action(s) immediately.
pub const OFPIT_APPLY_ACTIONS: u16 = 4;
/// Clears all actions from the datapath action set.
pub const OFPIT_CLEAR_ACTIONS: u16 = 5;
/// Apply meter (rate limiter).
pub const OFPIT_METER: u16 = 6;
/// Experimenter instruction.
pub const OFPIT_EXPERIMENTER: u16 = 0xffff;

// ---- ofp_match_type and OXM classes (§A.2.3) ----
/// Deprecated OF1.1 fixed match.
pub const OFPMT_STANDARD: u16 = 0;
/// OpenFlow Extensible Match.
pub const OFPMT_OXM: u16 = 1;

/// Backward compatibility with NXM.
pub const OFPXMC_NXM_0: u16 = 0x0000;
/// Backward compatibility with NXM.
pub const OFPXMC_NXM_1: u16 = 0x0001;
/// Basic class for OpenFlow.
pub const OFPXMC_OPENFLOW_BASIC: u16 = 0x8000;
/// Experimenter class.
pub const OFPXMC_EXPERIMENTER: u16 = 0xffff;

/// OFPXMT_OFB_IN_PORT: switch input port.
pub const OFPXMT_OFB_IN_PORT: u8 = 0;
/// OFPXMT_OFB_IN_PHY_PORT: switch physical input port.
pub const OFPXMT_OFB_IN_PHY_PORT: u8 = 1;
/// OFPXMT_OFB_METADATA: metadata passed between tables.
pub const OFPXMT_OFB_METADATA: u8 = 2;
/// OFPXMT_OFB_ETH_DST: Ethernet destination address.
pub const OFPXMT_OFB_ETH_DST: u8 = 3;
/// OFPXMT_OFB_ETH_SRC: Ethernet source address.
pub const OFPXMT_OFB_ETH_SRC: u8 = 4;
/// OFPXMT_OFB_ETH_TYPE: Ethernet frame type.
pub const OFPXMT_OFB_ETH_TYPE: u8 = 5;
/// OFPXMT_OFB_VLAN_VID: VLAN id.
pub const OFPXMT_OFB_VLAN_VID: u8 = 6;
/// OFPXMT_OFB_VLAN_PCP: VLAN priority.
pub const OFPXMT_OFB_VLAN_PCP: u8 = 7;
/// OFPXMT_OFB_IP_DSCP: IP DSCP (6 bits in ToS field).
pub const OFPXMT_OFB_IP_DSCP: u8 = 8;
/// OFPXMT_OFB_IP_ECN: IP ECN (2 bits in ToS field).
pub const OFPXMT_OFB_IP_ECN: u8 = 9;
/// OFPXMT_OFB_IP_PROTO: IP protocol.
pub const OFPXMT_OFB_IP_PROTO: u8 = 10;
/// OFPXMT_OFB_IPV4_SRC: IPv4 source address.
pub const OFPXMT_OFB_IPV4_SRC: u8 = 11;
/// OFPXMT_OFB_IPV4_DST: IPv4 destination address.
pub const OFPXMT_OFB_IPV4_DST: u8 = 12;
/// OFPXMT_OFB_TCP_SRC: TCP source port.
pub const OFPXMT_OFB_TCP_SRC: u8 = 13;
/// OFPXMT_OFB_TCP_DST: TCP destination port.
pub const OFPXMT_OFB_TCP_DST: u8 = 14;
/// OFPXMT_OFB_UDP_SRC: UDP source port.
pub const OFPXMT_OFB_UDP_SRC: u8 = 15;
/// OFPXMT_OFB_UDP_DST: UDP destination port.
pub const OFPXMT_OFB_UDP_DST: u8 = 16;
/// OFPXMT_OFB_SCTP_SRC: SCTP source port.
pub const OFPXMT_OFB_SCTP_SRC: u8 = 17;
/// OFPXMT_OFB_SCTP_DST: SCTP destination port.
pub const OFPXMT_OFB_SCTP_DST: u8 = 18;
/// OFPXMT_OFB_ICMPV4_TYPE: ICMP type.
pub const OFPXMT_OFB_ICMPV4_TYPE: u8 = 19;
/// OFPXMT_OFB_ICMPV4_CODE: ICMP code.
pub const OFPXMT_OFB_ICMPV4_CODE: u8 = 20;
/// OFPXMT_OFB_ARP_OP: ARP opcode.
pub const OFPXMT_OFB_ARP_OP: u8 = 21;
/// OFPXMT_OFB_ARP_SPA: ARP source IPv4 address.
pub const OFPXMT_OFB_ARP_SPA: u8 = 22;
/// OFPXMT_OFB_ARP_TPA: ARP target IPv4 address.
pub const OFPXMT_OFB_ARP_TPA: u8 = 23;
/// OFPXMT_OFB_ARP_SHA: ARP source hardware address.
pub const OFPXMT_OFB_ARP_SHA: u8 = 24;
/// OFPXMT_OFB_ARP_THA: ARP target hardware address.
pub const OFPXMT_OFB_ARP_THA: u8 = 25;
/// OFPXMT_OFB_IPV6_SRC: IPv6 source address.
pub const OFPXMT_OFB_IPV6_SRC: u8 = 26;
/// OFPXMT_OFB_IPV6_DST: IPv6 destination address.
pub const OFPXMT_OFB_IPV6_DST: u8 = 27;
/// OFPXMT_OFB_IPV6_FLABEL: IPv6 flow label.
pub const OFPXMT_OFB_IPV6_FLABEL: u8 = 28;
/// OFPXMT_OFB_ICMPV6_TYPE: ICMPv6 type.
pub const OFPXMT_OFB_ICMPV6_TYPE: u8 = 29;
/// OFPXMT_OFB_ICMPV6_CODE: ICMPv6 code.
pub const OFPXMT_OFB_ICMPV6_CODE: u8 = 30;
/// OFPXMT_OFB_IPV6_ND_TARGET: target address for ND.
pub const OFPXMT_OFB_IPV6_ND_TARGET: u8 = 31;
/// OFPXMT_OFB_IPV6_ND_SLL: source link-layer for ND.
pub const OFPXMT_OFB_IPV6_ND_SLL: u8 = 32;
/// OFPXMT_OFB_IPV6_ND_TLL: target link-layer for ND.
pub const OFPXMT_OFB_IPV6_ND_TLL: u8 = 33;
/// OFPXMT_OFB_MPLS_LABEL: MPLS label.
pub const OFPXMT_OFB_MPLS_LABEL: u8 = 34;
/// OFPXMT_OFB_MPLS_TC: MPLS TC.
pub const OFPXMT_OFB_MPLS_TC: u8 = 35;
/// OFPXMT_OFB_MPLS_BOS: MPLS BoS bit.
pub const OFPXMT_OFB_MPLS_BOS: u8 = 36;
/// OFPXMT_OFB_PBB_ISID: PBB I-SID.
pub const OFPXMT_OFB_PBB_ISID: u8 = 37;
/// OFPXMT_OFB_TUNNEL_ID: logical port metadata.
pub const OFPXMT_OFB_TUNNEL_ID: u8 = 38;
/// OFPXMT_OFB_IPV6_EXTHDR: IPv6 extension header pseudo-field.
pub const OFPXMT_OFB_IPV6_EXTHDR: u8 = 39;

/// Bit set in `vlan_vid` values and masks when a VLAN tag is present.
pub const OFPVID_PRESENT: u16 = 0x1000;
/// `vlan_vid` value meaning "no VLAN tag".
pub const OFPVID_NONE: u16 = 0x0000;

// ---- ofp_flow_mod (§A.3.4.1) ----
/// New flow.
pub const OFPFC_ADD: u8 = 0;
/// Modify all matching flows.
pub const OFPFC_MODIFY: u8 = 1;
/// Modify entry strictly matching wildcards and priority.
pub const OFPFC_MODIFY_STRICT: u8 = 2;
/// Delete all matching flows.
pub const OFPFC_DELETE: u8 = 3;
/// Delete entry strictly matching wildcards and priority.
pub const OFPFC_DELETE_STRICT: u8 = 4;

/// Send flow removed message when flow expires or is deleted.
pub const OFPFF_SEND_FLOW_REM: u16 = 1 << 0;
/// Check for overlapping entries first.
pub const OFPFF_CHECK_OVERLAP: u16 = 1 << 1;
/// Reset flow packet and byte counts.
pub const OFPFF_RESET_COUNTS: u16 = 1 << 2;
/// Don't keep track of packet count.
pub const OFPFF_NO_PKT_COUNTS: u16 = 1 << 3;
/// Don't keep track of byte count.
pub const OFPFF_NO_BYT_COUNTS: u16 = 1 << 4;

/// `buffer_id` meaning "no buffered packet".
pub const OFP_NO_BUFFER: u32 = 0xffff_ffff;

/// `table_id` meaning "all tables" (deletes and stats requests).
pub const OFPTT_ALL: u8 = 0xff;

// ---- groups (§A.3.4.2) ----
/// All (multicast/broadcast) group.
pub const OFPGT_ALL: u8 = 0;
/// Select group.
pub const OFPGT_SELECT: u8 = 1;
/// Indirect group.
pub const OFPGT_INDIRECT: u8 = 2;
/// Fast failover group.
pub const OFPGT_FF: u8 = 3;

/// New group.
pub const OFPGC_ADD: u16 = 0;
/// Modify all matching groups.
pub const OFPGC_MODIFY: u16 = 1;
/// Delete all matching groups.
pub const OFPGC_DELETE: u16 = 2;

/// Last usable group number.
pub const OFPG_MAX: u32 = 0xffff_ff00;
/// Represents all groups for group delete commands.
pub const OFPG_ALL: u32 = 0xffff_fffc;
/// Wildcard group used only for flow stats requests; selects all flows regardless of group.
pub const OFPG_ANY: u32 = 0xffff_ffff;

// ---- ofp_packet_in_reason (§A.4.1) / ofp_flow_removed_reason (§A.4.2) ----
/// No matching flow (table-miss flow entry).
pub const OFPR_NO_MATCH: u8 = 0;
/// Action explicitly output to controller.
pub const OFPR_ACTION: u8 = 1;
/// Packet has invalid TTL.
pub const OFPR_INVALID_TTL: u8 = 2;

/// Flow idle time exceeded idle_timeout.
pub const OFPRR_IDLE_TIMEOUT: u8 = 0;
/// Time exceeded hard_timeout.
pub const OFPRR_HARD_TIMEOUT: u8 = 1;
/// Evicted by a DELETE flow mod.
pub const OFPRR_DELETE: u8 = 2;
/// Group was removed.
pub const OFPRR_GROUP_DELETE: u8 = 3;
