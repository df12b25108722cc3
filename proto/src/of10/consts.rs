//! OpenFlow 1.0.0 wire constants, spelled as in the spec's `openflow.h`.
//!
//! Typed views of these values live next to the structures that use them
//! ([`super::Message::msg_type`], [`super::ErrorType`], [`super::PortNo`], ...); the numbers here are the
//! single source of truth and are what tests and logs can be grepped for.
#![allow(missing_docs)] // every name is the spec's own; the spec is the documentation.

// ofp_type (spec §5.1).
pub const OFPT_HELLO: u8 = 0;
pub const OFPT_ERROR: u8 = 1;
pub const OFPT_ECHO_REQUEST: u8 = 2;
pub const OFPT_ECHO_REPLY: u8 = 3;
pub const OFPT_VENDOR: u8 = 4;
pub const OFPT_FEATURES_REQUEST: u8 = 5;
pub const OFPT_FEATURES_REPLY: u8 = 6;
pub const OFPT_GET_CONFIG_REQUEST: u8 = 7;
pub const OFPT_GET_CONFIG_REPLY: u8 = 8;
pub const OFPT_SET_CONFIG: u8 = 9;
pub const OFPT_PACKET_IN: u8 = 10;
pub const OFPT_FLOW_REMOVED: u8 = 11;
pub const OFPT_PORT_STATUS: u8 = 12;
pub const OFPT_PACKET_OUT: u8 = 13;
pub const OFPT_FLOW_MOD: u8 = 14;
pub const OFPT_PORT_MOD: u8 = 15;
pub const OFPT_STATS_REQUEST: u8 = 16;
pub const OFPT_STATS_REPLY: u8 = 17;
pub const OFPT_BARRIER_REQUEST: u8 = 18;
pub const OFPT_BARRIER_REPLY: u8 = 19;
pub const OFPT_QUEUE_GET_CONFIG_REQUEST: u8 = 20;
pub const OFPT_QUEUE_GET_CONFIG_REPLY: u8 = 21;

// ofp_port (spec §5.2.1): reserved port numbers.
pub const OFPP_MAX: u16 = 0xff00;
pub const OFPP_IN_PORT: u16 = 0xfff8;
pub const OFPP_TABLE: u16 = 0xfff9;
pub const OFPP_NORMAL: u16 = 0xfffa;
pub const OFPP_FLOOD: u16 = 0xfffb;
pub const OFPP_ALL: u16 = 0xfffc;
pub const OFPP_CONTROLLER: u16 = 0xfffd;
pub const OFPP_LOCAL: u16 = 0xfffe;
pub const OFPP_NONE: u16 = 0xffff;

// ofp_port_config.
pub const OFPPC_PORT_DOWN: u32 = 1 << 0;
pub const OFPPC_NO_STP: u32 = 1 << 1;
pub const OFPPC_NO_RECV: u32 = 1 << 2;
pub const OFPPC_NO_RECV_STP: u32 = 1 << 3;
pub const OFPPC_NO_FLOOD: u32 = 1 << 4;
pub const OFPPC_NO_FWD: u32 = 1 << 5;
pub const OFPPC_NO_PACKET_IN: u32 = 1 << 6;

// ofp_port_state.
pub const OFPPS_LINK_DOWN: u32 = 1 << 0;
pub const OFPPS_STP_LISTEN: u32 = 0 << 8;
pub const OFPPS_STP_LEARN: u32 = 1 << 8;
pub const OFPPS_STP_FORWARD: u32 = 2 << 8;
pub const OFPPS_STP_BLOCK: u32 = 3 << 8;
pub const OFPPS_STP_MASK: u32 = 3 << 8;

// ofp_port_features.
pub const OFPPF_10MB_HD: u32 = 1 << 0;
pub const OFPPF_10MB_FD: u32 = 1 << 1;
pub const OFPPF_100MB_HD: u32 = 1 << 2;
pub const OFPPF_100MB_FD: u32 = 1 << 3;
pub const OFPPF_1GB_HD: u32 = 1 << 4;
pub const OFPPF_1GB_FD: u32 = 1 << 5;
pub const OFPPF_10GB_FD: u32 = 1 << 6;
pub const OFPPF_COPPER: u32 = 1 << 7;
pub const OFPPF_FIBER: u32 = 1 << 8;
pub const OFPPF_AUTONEG: u32 = 1 << 9;
pub const OFPPF_PAUSE: u32 = 1 << 10;
pub const OFPPF_PAUSE_ASYM: u32 = 1 << 11;

// ofp_queue_properties.
pub const OFPQT_NONE: u16 = 0;
pub const OFPQT_MIN_RATE: u16 = 1;
/// No queue id: `OFPQ_ALL` in queue stats requests.
pub const OFPQ_ALL: u32 = 0xffff_ffff;

// ofp_flow_wildcards (spec §5.2.3).
pub const OFPFW_IN_PORT: u32 = 1 << 0;
pub const OFPFW_DL_VLAN: u32 = 1 << 1;
pub const OFPFW_DL_SRC: u32 = 1 << 2;
pub const OFPFW_DL_DST: u32 = 1 << 3;
pub const OFPFW_DL_TYPE: u32 = 1 << 4;
pub const OFPFW_NW_PROTO: u32 = 1 << 5;
pub const OFPFW_TP_SRC: u32 = 1 << 6;
pub const OFPFW_TP_DST: u32 = 1 << 7;
pub const OFPFW_NW_SRC_SHIFT: u32 = 8;
pub const OFPFW_NW_SRC_BITS: u32 = 6;
pub const OFPFW_NW_SRC_MASK: u32 = ((1 << OFPFW_NW_SRC_BITS) - 1) << OFPFW_NW_SRC_SHIFT;
pub const OFPFW_NW_SRC_ALL: u32 = 32 << OFPFW_NW_SRC_SHIFT;
pub const OFPFW_NW_DST_SHIFT: u32 = 14;
pub const OFPFW_NW_DST_BITS: u32 = 6;
pub const OFPFW_NW_DST_MASK: u32 = ((1 << OFPFW_NW_DST_BITS) - 1) << OFPFW_NW_DST_SHIFT;
pub const OFPFW_NW_DST_ALL: u32 = 32 << OFPFW_NW_DST_SHIFT;
pub const OFPFW_DL_VLAN_PCP: u32 = 1 << 20;
pub const OFPFW_NW_TOS: u32 = 1 << 21;
pub const OFPFW_ALL: u32 = (1 << 22) - 1;

/// `dl_vlan` value meaning "no 802.1Q tag".
pub const OFP_VLAN_NONE: u16 = 0xffff;
/// `dl_type` values below this are 802.3 frames; OF1.0 matches them as this type.
pub const OFP_DL_TYPE_NOT_ETH_TYPE: u16 = 0x05ff;

// ofp_action_type (spec §5.2.4).
pub const OFPAT_OUTPUT: u16 = 0;
pub const OFPAT_SET_VLAN_VID: u16 = 1;
pub const OFPAT_SET_VLAN_PCP: u16 = 2;
pub const OFPAT_STRIP_VLAN: u16 = 3;
pub const OFPAT_SET_DL_SRC: u16 = 4;
pub const OFPAT_SET_DL_DST: u16 = 5;
pub const OFPAT_SET_NW_SRC: u16 = 6;
pub const OFPAT_SET_NW_DST: u16 = 7;
pub const OFPAT_SET_NW_TOS: u16 = 8;
pub const OFPAT_SET_TP_SRC: u16 = 9;
pub const OFPAT_SET_TP_DST: u16 = 10;
pub const OFPAT_ENQUEUE: u16 = 11;
pub const OFPAT_VENDOR: u16 = 0xffff;

// ofp_capabilities.
pub const OFPC_FLOW_STATS: u32 = 1 << 0;
pub const OFPC_TABLE_STATS: u32 = 1 << 1;
pub const OFPC_PORT_STATS: u32 = 1 << 2;
pub const OFPC_STP: u32 = 1 << 3;
pub const OFPC_RESERVED: u32 = 1 << 4;
pub const OFPC_IP_REASM: u32 = 1 << 5;
pub const OFPC_QUEUE_STATS: u32 = 1 << 6;
pub const OFPC_ARP_MATCH_IP: u32 = 1 << 7;

// ofp_config_flags.
pub const OFPC_FRAG_NORMAL: u16 = 0;
pub const OFPC_FRAG_DROP: u16 = 1;
pub const OFPC_FRAG_REASM: u16 = 2;
pub const OFPC_FRAG_MASK: u16 = 3;

// ofp_flow_mod_command.
pub const OFPFC_ADD: u16 = 0;
pub const OFPFC_MODIFY: u16 = 1;
pub const OFPFC_MODIFY_STRICT: u16 = 2;
pub const OFPFC_DELETE: u16 = 3;
pub const OFPFC_DELETE_STRICT: u16 = 4;

// ofp_flow_mod_flags.
pub const OFPFF_SEND_FLOW_REM: u16 = 1 << 0;
pub const OFPFF_CHECK_OVERLAP: u16 = 1 << 1;
pub const OFPFF_EMERG: u16 = 1 << 2;

/// `buffer_id` meaning "no buffered packet".
pub const OFP_NO_BUFFER: u32 = 0xffff_ffff;
/// Default `miss_send_len`.
pub const OFP_DEFAULT_MISS_SEND_LEN: u16 = 128;

// ofp_packet_in_reason.
pub const OFPR_NO_MATCH: u8 = 0;
pub const OFPR_ACTION: u8 = 1;

// ofp_flow_removed_reason.
pub const OFPRR_IDLE_TIMEOUT: u8 = 0;
pub const OFPRR_HARD_TIMEOUT: u8 = 1;
pub const OFPRR_DELETE: u8 = 2;

// ofp_port_reason.
pub const OFPPR_ADD: u8 = 0;
pub const OFPPR_DELETE: u8 = 1;
pub const OFPPR_MODIFY: u8 = 2;

// ofp_stats_types.
pub const OFPST_DESC: u16 = 0;
pub const OFPST_FLOW: u16 = 1;
pub const OFPST_AGGREGATE: u16 = 2;
pub const OFPST_TABLE: u16 = 3;
pub const OFPST_PORT: u16 = 4;
pub const OFPST_QUEUE: u16 = 5;
pub const OFPST_VENDOR: u16 = 0xffff;

// ofp_stats_reply_flags.
pub const OFPSF_REPLY_MORE: u16 = 1 << 0;

// Fixed string sizes.
pub const OFP_MAX_PORT_NAME_LEN: usize = 16;
pub const OFP_MAX_TABLE_NAME_LEN: usize = 32;
pub const DESC_STR_LEN: usize = 256;
pub const SERIAL_NUM_LEN: usize = 32;

// ofp_error_type (spec §5.4.4).
pub const OFPET_HELLO_FAILED: u16 = 0;
pub const OFPET_BAD_REQUEST: u16 = 1;
pub const OFPET_BAD_ACTION: u16 = 2;
pub const OFPET_FLOW_MOD_FAILED: u16 = 3;
pub const OFPET_PORT_MOD_FAILED: u16 = 4;
pub const OFPET_QUEUE_OP_FAILED: u16 = 5;

// ofp_hello_failed_code.
pub const OFPHFC_INCOMPATIBLE: u16 = 0;
pub const OFPHFC_EPERM: u16 = 1;

// ofp_bad_request_code.
pub const OFPBRC_BAD_VERSION: u16 = 0;
pub const OFPBRC_BAD_TYPE: u16 = 1;
pub const OFPBRC_BAD_STAT: u16 = 2;
pub const OFPBRC_BAD_VENDOR: u16 = 3;
pub const OFPBRC_BAD_SUBTYPE: u16 = 4;
pub const OFPBRC_EPERM: u16 = 5;
pub const OFPBRC_BAD_LEN: u16 = 6;
pub const OFPBRC_BUFFER_EMPTY: u16 = 7;
pub const OFPBRC_BUFFER_UNKNOWN: u16 = 8;

// ofp_bad_action_code.
pub const OFPBAC_BAD_TYPE: u16 = 0;
pub const OFPBAC_BAD_LEN: u16 = 1;
pub const OFPBAC_BAD_VENDOR: u16 = 2;
pub const OFPBAC_BAD_VENDOR_TYPE: u16 = 3;
pub const OFPBAC_BAD_OUT_PORT: u16 = 4;
pub const OFPBAC_BAD_ARGUMENT: u16 = 5;
pub const OFPBAC_EPERM: u16 = 6;
pub const OFPBAC_TOO_MANY: u16 = 7;
pub const OFPBAC_BAD_QUEUE: u16 = 8;

// ofp_flow_mod_failed_code.
pub const OFPFMFC_ALL_TABLES_FULL: u16 = 0;
pub const OFPFMFC_OVERLAP: u16 = 1;
pub const OFPFMFC_EPERM: u16 = 2;
pub const OFPFMFC_BAD_EMERG_TIMEOUT: u16 = 3;
pub const OFPFMFC_BAD_COMMAND: u16 = 4;
pub const OFPFMFC_UNSUPPORTED: u16 = 5;

// ofp_port_mod_failed_code.
pub const OFPPMFC_BAD_PORT: u16 = 0;
pub const OFPPMFC_BAD_HW_ADDR: u16 = 1;

// ofp_queue_op_failed_code.
pub const OFPQOFC_BAD_PORT: u16 = 0;
pub const OFPQOFC_BAD_QUEUE: u16 = 1;
pub const OFPQOFC_EPERM: u16 = 2;

/// Nicira's vendor id (`NX_VENDOR_ID`, OVS `openflow/nicira-ext.h`): the vendor of every
/// vendor action in the Ryu corpus.
pub const NX_VENDOR_ID: u32 = 0x0000_2320;

// Structure sizes (the spec's OFP_ASSERTs).
pub const OFP_HEADER_LEN: usize = 8;
pub const OFP_MATCH_LEN: usize = 40;
pub const OFP_PHY_PORT_LEN: usize = 48;
pub const OFP_ACTION_HEADER_LEN: usize = 8;
pub const OFP_SWITCH_FEATURES_LEN: usize = 32;
pub const OFP_FLOW_MOD_LEN: usize = 72;
pub const OFP_FLOW_REMOVED_LEN: usize = 88;
pub const OFP_PACKET_IN_LEN: usize = 18;
pub const OFP_PACKET_OUT_LEN: usize = 16;
pub const OFP_PORT_STATUS_LEN: usize = 64;
pub const OFP_PORT_MOD_LEN: usize = 32;
pub const OFP_FLOW_STATS_LEN: usize = 88;
pub const OFP_TABLE_STATS_LEN: usize = 64;
pub const OFP_PORT_STATS_LEN: usize = 104;
pub const OFP_QUEUE_STATS_LEN: usize = 32;
pub const OFP_DESC_STATS_LEN: usize = 1056;
pub const OFP_PACKET_QUEUE_LEN: usize = 8;
pub const OFP_QUEUE_PROP_HEADER_LEN: usize = 8;
