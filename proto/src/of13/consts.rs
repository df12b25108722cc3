//! OpenFlow 1.3 wire constants, spelled as in the spec's `openflow.h` (1.3.5, appendix A).
//!
//! Flow-related constants (instructions, actions, OXM, flow-mod and group-mod commands,
//! packet-in and flow-removed reasons) live in `consts_flow.rs` next to the types
//! that use them; this file holds everything else.

// ofp_type (A.1)
/// Symmetric: version negotiation.
pub const OFPT_HELLO: u8 = 0;
/// Symmetric: error report.
pub const OFPT_ERROR: u8 = 1;
/// Symmetric: liveness probe.
pub const OFPT_ECHO_REQUEST: u8 = 2;
/// Symmetric: liveness answer.
pub const OFPT_ECHO_REPLY: u8 = 3;
/// Symmetric: vendor extension.
pub const OFPT_EXPERIMENTER: u8 = 4;
/// Controller to switch: ask for the datapath id and capabilities.
pub const OFPT_FEATURES_REQUEST: u8 = 5;
/// Switch answer to `OFPT_FEATURES_REQUEST`.
pub const OFPT_FEATURES_REPLY: u8 = 6;
/// Controller to switch: ask for the switch configuration.
pub const OFPT_GET_CONFIG_REQUEST: u8 = 7;
/// Switch answer to `OFPT_GET_CONFIG_REQUEST`.
pub const OFPT_GET_CONFIG_REPLY: u8 = 8;
/// Controller to switch: set the switch configuration.
pub const OFPT_SET_CONFIG: u8 = 9;
/// Async: a packet for the controller.
pub const OFPT_PACKET_IN: u8 = 10;
/// Async: a flow entry was removed.
pub const OFPT_FLOW_REMOVED: u8 = 11;
/// Async: a port was added, removed or changed.
pub const OFPT_PORT_STATUS: u8 = 12;
/// Controller to switch: send a packet.
pub const OFPT_PACKET_OUT: u8 = 13;
/// Controller to switch: modify the flow table.
pub const OFPT_FLOW_MOD: u8 = 14;
/// Controller to switch: modify the group table.
pub const OFPT_GROUP_MOD: u8 = 15;
/// Controller to switch: modify a port's behaviour.
pub const OFPT_PORT_MOD: u8 = 16;
/// Controller to switch: configure a table.
pub const OFPT_TABLE_MOD: u8 = 17;
/// Controller to switch: statistics and descriptions.
pub const OFPT_MULTIPART_REQUEST: u8 = 18;
/// Switch answer to `OFPT_MULTIPART_REQUEST`.
pub const OFPT_MULTIPART_REPLY: u8 = 19;
/// Controller to switch: ordering point.
pub const OFPT_BARRIER_REQUEST: u8 = 20;
/// Switch answer to `OFPT_BARRIER_REQUEST`.
pub const OFPT_BARRIER_REPLY: u8 = 21;
/// Controller to switch: ask for a port's queues.
pub const OFPT_QUEUE_GET_CONFIG_REQUEST: u8 = 22;
/// Switch answer to `OFPT_QUEUE_GET_CONFIG_REQUEST`.
pub const OFPT_QUEUE_GET_CONFIG_REPLY: u8 = 23;
/// Controller to switch: set or query the controller role.
pub const OFPT_ROLE_REQUEST: u8 = 24;
/// Switch answer to `OFPT_ROLE_REQUEST`.
pub const OFPT_ROLE_REPLY: u8 = 25;
/// Controller to switch: query the asynchronous message filter.
pub const OFPT_GET_ASYNC_REQUEST: u8 = 26;
/// Switch answer to `OFPT_GET_ASYNC_REQUEST`.
pub const OFPT_GET_ASYNC_REPLY: u8 = 27;
/// Controller to switch: set the asynchronous message filter.
pub const OFPT_SET_ASYNC: u8 = 28;
/// Controller to switch: modify the meter table.
pub const OFPT_METER_MOD: u8 = 29;

// ofp_hello_elem_type (A.5.1)
/// Hello element: bitmap of supported versions.
pub const OFPHET_VERSIONBITMAP: u16 = 1;

// ofp_multipart_type (A.3.5)
/// Switch description.
pub const OFPMP_DESC: u16 = 0;
/// Individual flow statistics.
pub const OFPMP_FLOW: u16 = 1;
/// Aggregate flow statistics.
pub const OFPMP_AGGREGATE: u16 = 2;
/// Flow table statistics.
pub const OFPMP_TABLE: u16 = 3;
/// Port statistics.
pub const OFPMP_PORT_STATS: u16 = 4;
/// Queue statistics for a port.
pub const OFPMP_QUEUE: u16 = 5;
/// Group counter statistics.
pub const OFPMP_GROUP: u16 = 6;
/// Group description.
pub const OFPMP_GROUP_DESC: u16 = 7;
/// Group features.
pub const OFPMP_GROUP_FEATURES: u16 = 8;
/// Meter statistics.
pub const OFPMP_METER: u16 = 9;
/// Meter configuration.
pub const OFPMP_METER_CONFIG: u16 = 10;
/// Meter features.
pub const OFPMP_METER_FEATURES: u16 = 11;
/// Table features.
pub const OFPMP_TABLE_FEATURES: u16 = 12;
/// Port description.
pub const OFPMP_PORT_DESC: u16 = 13;
/// Experimenter extension.
pub const OFPMP_EXPERIMENTER: u16 = 0xffff;

// ofp_multipart_request_flags / ofp_multipart_reply_flags
/// More requests follow.
pub const OFPMPF_REQ_MORE: u16 = 1 << 0;
/// More replies follow.
pub const OFPMPF_REPLY_MORE: u16 = 1 << 0;

// ofp_error_type (A.4.4)
/// Hello protocol failed.
pub const OFPET_HELLO_FAILED: u16 = 0;
/// Request was not understood.
pub const OFPET_BAD_REQUEST: u16 = 1;
/// Error in action description.
pub const OFPET_BAD_ACTION: u16 = 2;
/// Error in instruction list.
pub const OFPET_BAD_INSTRUCTION: u16 = 3;
/// Error in match.
pub const OFPET_BAD_MATCH: u16 = 4;
/// Problem modifying flow entry.
pub const OFPET_FLOW_MOD_FAILED: u16 = 5;
/// Problem modifying group entry.
pub const OFPET_GROUP_MOD_FAILED: u16 = 6;
/// Port mod request failed.
pub const OFPET_PORT_MOD_FAILED: u16 = 7;
/// Table mod request failed.
pub const OFPET_TABLE_MOD_FAILED: u16 = 8;
/// Queue operation failed.
pub const OFPET_QUEUE_OP_FAILED: u16 = 9;
/// Switch config request failed.
pub const OFPET_SWITCH_CONFIG_FAILED: u16 = 10;
/// Controller role request failed.
pub const OFPET_ROLE_REQUEST_FAILED: u16 = 11;
/// Error in meter.
pub const OFPET_METER_MOD_FAILED: u16 = 12;
/// Setting table features failed.
pub const OFPET_TABLE_FEATURES_FAILED: u16 = 13;
/// Experimenter error messages.
pub const OFPET_EXPERIMENTER: u16 = 0xffff;

// ofp_hello_failed_code
/// No compatible version.
pub const OFPHFC_INCOMPATIBLE: u16 = 0;
/// Permissions error.
pub const OFPHFC_EPERM: u16 = 1;

// ofp_bad_request_code
/// ofp_header.version not supported.
pub const OFPBRC_BAD_VERSION: u16 = 0;
/// ofp_header.type not supported.
pub const OFPBRC_BAD_TYPE: u16 = 1;
/// ofp_multipart_request.type not supported.
pub const OFPBRC_BAD_MULTIPART: u16 = 2;
/// Experimenter id not supported.
pub const OFPBRC_BAD_EXPERIMENTER: u16 = 3;
/// Experimenter type not supported.
pub const OFPBRC_BAD_EXP_TYPE: u16 = 4;
/// Permissions error.
pub const OFPBRC_EPERM: u16 = 5;
/// Wrong request length for type.
pub const OFPBRC_BAD_LEN: u16 = 6;
/// Specified buffer has already been used.
pub const OFPBRC_BUFFER_EMPTY: u16 = 7;
/// Specified buffer does not exist.
pub const OFPBRC_BUFFER_UNKNOWN: u16 = 8;
/// Specified table-id invalid or does not exist.
pub const OFPBRC_BAD_TABLE_ID: u16 = 9;
/// Denied because controller is slave.
pub const OFPBRC_IS_SLAVE: u16 = 10;
/// Invalid port.
pub const OFPBRC_BAD_PORT: u16 = 11;
/// Invalid packet in packet-out.
pub const OFPBRC_BAD_PACKET: u16 = 12;
/// Multipart request overflowed the assigned buffer.
pub const OFPBRC_MULTIPART_BUFFER_OVERFLOW: u16 = 13;

// ofp_bad_action_code
/// Unknown action type.
pub const OFPBAC_BAD_TYPE: u16 = 0;
/// Length problem in actions.
pub const OFPBAC_BAD_LEN: u16 = 1;
/// Unknown experimenter id specified.
pub const OFPBAC_BAD_EXPERIMENTER: u16 = 2;
/// Unknown action for experimenter id.
pub const OFPBAC_BAD_EXP_TYPE: u16 = 3;
/// Problem validating output port.
pub const OFPBAC_BAD_OUT_PORT: u16 = 4;
/// Bad action argument.
pub const OFPBAC_BAD_ARGUMENT: u16 = 5;
/// Permissions error.
pub const OFPBAC_EPERM: u16 = 6;
/// Can't handle this many actions.
pub const OFPBAC_TOO_MANY: u16 = 7;
/// Problem validating output queue.
pub const OFPBAC_BAD_QUEUE: u16 = 8;
/// Invalid group id in forward action.
pub const OFPBAC_BAD_OUT_GROUP: u16 = 9;
/// Action can't apply for this match, or set-field missing prerequisite.
pub const OFPBAC_MATCH_INCONSISTENT: u16 = 10;
/// Action order is unsupported for the action list in an apply-actions instruction.
pub const OFPBAC_UNSUPPORTED_ORDER: u16 = 11;
/// Actions uses an unsupported tag/encap.
pub const OFPBAC_BAD_TAG: u16 = 12;
/// Unsupported type in set-field action.
pub const OFPBAC_BAD_SET_TYPE: u16 = 13;
/// Length problem in set-field action.
pub const OFPBAC_BAD_SET_LEN: u16 = 14;
/// Bad argument in set-field action.
pub const OFPBAC_BAD_SET_ARGUMENT: u16 = 15;

// ofp_bad_instruction_code
/// Unknown instruction.
pub const OFPBIC_UNKNOWN_INST: u16 = 0;
/// Switch or table does not support the instruction.
pub const OFPBIC_UNSUP_INST: u16 = 1;
/// Invalid table-id specified.
pub const OFPBIC_BAD_TABLE_ID: u16 = 2;
/// Metadata value unsupported by datapath.
pub const OFPBIC_UNSUP_METADATA: u16 = 3;
/// Metadata mask value unsupported by datapath.
pub const OFPBIC_UNSUP_METADATA_MASK: u16 = 4;
/// Unknown experimenter id specified.
pub const OFPBIC_BAD_EXPERIMENTER: u16 = 5;
/// Unknown instruction for experimenter id.
pub const OFPBIC_BAD_EXP_TYPE: u16 = 6;
/// Length problem in instructions.
pub const OFPBIC_BAD_LEN: u16 = 7;
/// Permissions error.
pub const OFPBIC_EPERM: u16 = 8;

// ofp_bad_match_code
/// Unsupported match type specified by the match.
pub const OFPBMC_BAD_TYPE: u16 = 0;
/// Length problem in match.
pub const OFPBMC_BAD_LEN: u16 = 1;
/// Match uses an unsupported tag/encap.
pub const OFPBMC_BAD_TAG: u16 = 2;
/// Unsupported datalink addr mask.
pub const OFPBMC_BAD_DL_ADDR_MASK: u16 = 3;
/// Unsupported network addr mask.
pub const OFPBMC_BAD_NW_ADDR_MASK: u16 = 4;
/// Unsupported combination of fields masked or omitted in the match.
pub const OFPBMC_BAD_WILDCARDS: u16 = 5;
/// Unsupported field type in the match.
pub const OFPBMC_BAD_FIELD: u16 = 6;
/// Unsupported value in a match field.
pub const OFPBMC_BAD_VALUE: u16 = 7;
/// Unsupported mask specified in the match.
pub const OFPBMC_BAD_MASK: u16 = 8;
/// A prerequisite was not met.
pub const OFPBMC_BAD_PREREQ: u16 = 9;
/// A field type was duplicated.
pub const OFPBMC_DUP_FIELD: u16 = 10;
/// Permissions error.
pub const OFPBMC_EPERM: u16 = 11;

// ofp_flow_mod_failed_code
/// Unspecified error.
pub const OFPFMFC_UNKNOWN: u16 = 0;
/// Flow not added because table was full.
pub const OFPFMFC_TABLE_FULL: u16 = 1;
/// Table does not exist.
pub const OFPFMFC_BAD_TABLE_ID: u16 = 2;
/// Attempted to add overlapping flow with CHECK_OVERLAP flag set.
pub const OFPFMFC_OVERLAP: u16 = 3;
/// Permissions error.
pub const OFPFMFC_EPERM: u16 = 4;
/// Flow not added because of unsupported idle/hard timeout.
pub const OFPFMFC_BAD_TIMEOUT: u16 = 5;
/// Unsupported or unknown command.
pub const OFPFMFC_BAD_COMMAND: u16 = 6;
/// Unsupported or unknown flags.
pub const OFPFMFC_BAD_FLAGS: u16 = 7;

// ofp_group_mod_failed_code
/// Group not added because a group ADD attempted to replace an already-present group.
pub const OFPGMFC_GROUP_EXISTS: u16 = 0;
/// Group not added because Group specified is invalid.
pub const OFPGMFC_INVALID_GROUP: u16 = 1;
/// Switch does not support unequal load sharing with select groups.
pub const OFPGMFC_WEIGHT_UNSUPPORTED: u16 = 2;
/// The group table is full.
pub const OFPGMFC_OUT_OF_GROUPS: u16 = 3;
/// The maximum number of action buckets for a group has been exceeded.
pub const OFPGMFC_OUT_OF_BUCKETS: u16 = 4;
/// Switch does not support groups that forward to groups.
pub const OFPGMFC_CHAINING_UNSUPPORTED: u16 = 5;
/// This group cannot watch the watch_port or watch_group specified.
pub const OFPGMFC_WATCH_UNSUPPORTED: u16 = 6;
/// Group entry would cause a loop.
pub const OFPGMFC_LOOP: u16 = 7;
/// Group not modified because a group MODIFY attempted to modify a non-existent group.
pub const OFPGMFC_UNKNOWN_GROUP: u16 = 8;
/// Group not deleted because another group is forwarding to it.
pub const OFPGMFC_CHAINED_GROUP: u16 = 9;
/// Unsupported or unknown group type.
pub const OFPGMFC_BAD_TYPE: u16 = 10;
/// Unsupported or unknown command.
pub const OFPGMFC_BAD_COMMAND: u16 = 11;
/// Error in bucket.
pub const OFPGMFC_BAD_BUCKET: u16 = 12;
/// Error in watch port/group.
pub const OFPGMFC_BAD_WATCH: u16 = 13;
/// Permissions error.
pub const OFPGMFC_EPERM: u16 = 14;

// ofp_port_mod_failed_code
/// Specified port number does not exist.
pub const OFPPMFC_BAD_PORT: u16 = 0;
/// Specified hardware address does not match the port number.
pub const OFPPMFC_BAD_HW_ADDR: u16 = 1;
/// Specified config is invalid.
pub const OFPPMFC_BAD_CONFIG: u16 = 2;
/// Specified advertise is invalid.
pub const OFPPMFC_BAD_ADVERTISE: u16 = 3;
/// Permissions error.
pub const OFPPMFC_EPERM: u16 = 4;

// ofp_table_mod_failed_code
/// Specified table does not exist.
pub const OFPTMFC_BAD_TABLE: u16 = 0;
/// Specified config is invalid.
pub const OFPTMFC_BAD_CONFIG: u16 = 1;
/// Permissions error.
pub const OFPTMFC_EPERM: u16 = 2;

// ofp_queue_op_failed_code
/// Invalid port (or port does not exist).
pub const OFPQOFC_BAD_PORT: u16 = 0;
/// Queue does not exist.
pub const OFPQOFC_BAD_QUEUE: u16 = 1;
/// Permissions error.
pub const OFPQOFC_EPERM: u16 = 2;

// ofp_switch_config_failed_code
/// Specified flags is invalid.
pub const OFPSCFC_BAD_FLAGS: u16 = 0;
/// Specified len is invalid.
pub const OFPSCFC_BAD_LEN: u16 = 1;
/// Permissions error.
pub const OFPSCFC_EPERM: u16 = 2;

// ofp_role_request_failed_code
/// Stale message: old generation_id.
pub const OFPRRFC_STALE: u16 = 0;
/// Controller role change unsupported.
pub const OFPRRFC_UNSUP: u16 = 1;
/// Invalid role.
pub const OFPRRFC_BAD_ROLE: u16 = 2;

// ofp_meter_mod_failed_code
/// Unspecified error.
pub const OFPMMFC_UNKNOWN: u16 = 0;
/// Meter not added because a meter ADD attempted to replace an existing meter.
pub const OFPMMFC_METER_EXISTS: u16 = 1;
/// Meter not added because meter specified is invalid.
pub const OFPMMFC_INVALID_METER: u16 = 2;
/// Meter not modified because a meter MODIFY attempted to modify a non-existent meter.
pub const OFPMMFC_UNKNOWN_METER: u16 = 3;
/// Unsupported or unknown command.
pub const OFPMMFC_BAD_COMMAND: u16 = 4;
/// Flag configuration unsupported.
pub const OFPMMFC_BAD_FLAGS: u16 = 5;
/// Rate unsupported.
pub const OFPMMFC_BAD_RATE: u16 = 6;
/// Burst size unsupported.
pub const OFPMMFC_BAD_BURST: u16 = 7;
/// Band unsupported.
pub const OFPMMFC_BAD_BAND: u16 = 8;
/// Band value unsupported.
pub const OFPMMFC_BAD_BAND_VALUE: u16 = 9;
/// No more meters available.
pub const OFPMMFC_OUT_OF_METERS: u16 = 10;
/// The maximum number of properties for a meter has been exceeded.
pub const OFPMMFC_OUT_OF_BANDS: u16 = 11;

// ofp_table_features_failed_code
/// Specified table does not exist.
pub const OFPTFFC_BAD_TABLE: u16 = 0;
/// Invalid metadata mask.
pub const OFPTFFC_BAD_METADATA: u16 = 1;
/// Unknown property type.
pub const OFPTFFC_BAD_TYPE: u16 = 2;
/// Length problem in properties.
pub const OFPTFFC_BAD_LEN: u16 = 3;
/// Unsupported property value.
pub const OFPTFFC_BAD_ARGUMENT: u16 = 4;
/// Permissions error.
pub const OFPTFFC_EPERM: u16 = 5;

// ofp_port_no (A.2.1)
/// Maximum number of physical and logical switch ports.
pub const OFPP_MAX: u32 = 0xffff_ff00;
/// Send the packet out the input port.
pub const OFPP_IN_PORT: u32 = 0xffff_fff8;
/// Submit the packet to the first flow table (packet-out only).
pub const OFPP_TABLE: u32 = 0xffff_fff9;
/// Forward using the non-OpenFlow pipeline.
pub const OFPP_NORMAL: u32 = 0xffff_fffa;
/// Flood using the non-OpenFlow pipeline.
pub const OFPP_FLOOD: u32 = 0xffff_fffb;
/// All standard ports except the input port.
pub const OFPP_ALL: u32 = 0xffff_fffc;
/// Send to the controller.
pub const OFPP_CONTROLLER: u32 = 0xffff_fffd;
/// Local OpenFlow "port".
pub const OFPP_LOCAL: u32 = 0xffff_fffe;
/// Special value used in some requests when no port is specified (wildcard).
pub const OFPP_ANY: u32 = 0xffff_ffff;

/// All queues (queue stats request, queue-get-config).
pub const OFPQ_ALL: u32 = 0xffff_ffff;
/// Unconfigured minimum/maximum rate (`ofp_queue_prop_min_rate.rate`).
pub const OFPQ_MIN_RATE_UNCFG: u16 = 0xffff;
/// Unconfigured maximum rate.
pub const OFPQ_MAX_RATE_UNCFG: u16 = 0xffff;

/// The last usable table number.
pub const OFPTT_MAX: u8 = 0xfe;
/// Wildcard table, used in table config, flow stats and flow deletes.
pub const OFPTT_ALL: u8 = 0xff;

/// Last usable meter.
pub const OFPM_MAX: u32 = 0xffff_0000;
/// Meter for slow datapath.
pub const OFPM_SLOWPATH: u32 = 0xffff_fffd;
/// Meter for controller connection.
pub const OFPM_CONTROLLER: u32 = 0xffff_fffe;
/// Represents all meters for stat requests commands.
pub const OFPM_ALL: u32 = 0xffff_ffff;

/// `buffer_id` meaning "not buffered" (packet-in, packet-out, flow-mod).
pub const OFP_NO_BUFFER: u32 = 0xffff_ffff;
/// `max_len` / `miss_send_len`: send the whole packet, do not buffer.
pub const OFPCML_NO_BUFFER: u16 = 0xffff;
/// Largest `max_len` that can request buffering.
pub const OFPCML_MAX: u16 = 0xffe5;
/// Default `miss_send_len`.
pub const OFP_DEFAULT_MISS_SEND_LEN: u16 = 128;

// fixed string lengths
/// `ofp_port.name`.
pub const OFP_MAX_PORT_NAME_LEN: usize = 16;
/// `ofp_table_features.name`.
pub const OFP_MAX_TABLE_NAME_LEN: usize = 32;
/// `ofp_desc` text fields.
pub const DESC_STR_LEN: usize = 256;
/// `ofp_desc.serial_num`.
pub const SERIAL_NUM_LEN: usize = 32;

// ofp_port_config
/// Port is administratively down.
pub const OFPPC_PORT_DOWN: u32 = 1 << 0;
/// Drop all packets received by port.
pub const OFPPC_NO_RECV: u32 = 1 << 2;
/// Drop packets forwarded to port.
pub const OFPPC_NO_FWD: u32 = 1 << 5;
/// Do not send packet-in messages for port.
pub const OFPPC_NO_PACKET_IN: u32 = 1 << 6;

// ofp_port_state
/// No physical link present.
pub const OFPPS_LINK_DOWN: u32 = 1 << 0;
/// Port is blocked.
pub const OFPPS_BLOCKED: u32 = 1 << 1;
/// Live for fast failover group.
pub const OFPPS_LIVE: u32 = 1 << 2;

// ofp_port_features
/// 10 Mb half-duplex rate support.
pub const OFPPF_10MB_HD: u32 = 1 << 0;
/// 10 Mb full-duplex rate support.
pub const OFPPF_10MB_FD: u32 = 1 << 1;
/// 100 Mb half-duplex rate support.
pub const OFPPF_100MB_HD: u32 = 1 << 2;
/// 100 Mb full-duplex rate support.
pub const OFPPF_100MB_FD: u32 = 1 << 3;
/// 1 Gb half-duplex rate support.
pub const OFPPF_1GB_HD: u32 = 1 << 4;
/// 1 Gb full-duplex rate support.
pub const OFPPF_1GB_FD: u32 = 1 << 5;
/// 10 Gb full-duplex rate support.
pub const OFPPF_10GB_FD: u32 = 1 << 6;
/// 40 Gb full-duplex rate support.
pub const OFPPF_40GB_FD: u32 = 1 << 7;
/// 100 Gb full-duplex rate support.
pub const OFPPF_100GB_FD: u32 = 1 << 8;
/// 1 Tb full-duplex rate support.
pub const OFPPF_1TB_FD: u32 = 1 << 9;
/// Other rate, not in the list.
pub const OFPPF_OTHER: u32 = 1 << 10;
/// Copper medium.
pub const OFPPF_COPPER: u32 = 1 << 11;
/// Fiber medium.
pub const OFPPF_FIBER: u32 = 1 << 12;
/// Auto-negotiation.
pub const OFPPF_AUTONEG: u32 = 1 << 13;
/// Pause.
pub const OFPPF_PAUSE: u32 = 1 << 14;
/// Asymmetric pause.
pub const OFPPF_PAUSE_ASYM: u32 = 1 << 15;

// ofp_port_reason
/// The port was added.
pub const OFPPR_ADD: u8 = 0;
/// The port was removed.
pub const OFPPR_DELETE: u8 = 1;
/// Some attribute of the port has changed.
pub const OFPPR_MODIFY: u8 = 2;

// ofp_capabilities
/// Flow statistics.
pub const OFPC_FLOW_STATS: u32 = 1 << 0;
/// Table statistics.
pub const OFPC_TABLE_STATS: u32 = 1 << 1;
/// Port statistics.
pub const OFPC_PORT_STATS: u32 = 1 << 2;
/// Group statistics.
pub const OFPC_GROUP_STATS: u32 = 1 << 3;
/// Can reassemble IP fragments.
pub const OFPC_IP_REASM: u32 = 1 << 5;
/// Queue statistics.
pub const OFPC_QUEUE_STATS: u32 = 1 << 6;
/// Switch will block looping ports.
pub const OFPC_PORT_BLOCKED: u32 = 1 << 8;

// ofp_config_flags
/// No special handling for fragments.
pub const OFPC_FRAG_NORMAL: u16 = 0;
/// Drop fragments.
pub const OFPC_FRAG_DROP: u16 = 1;
/// Reassemble (only if OFPC_IP_REASM set).
pub const OFPC_FRAG_REASM: u16 = 2;
/// Mask of the fragment handling bits.
pub const OFPC_FRAG_MASK: u16 = 3;

/// `ofp_table_mod.config`: bits reserved for 1.1/1.2 compatibility.
pub const OFPTC_DEPRECATED_MASK: u32 = 3;

// ofp_controller_role
/// Don't change current role.
pub const OFPCR_ROLE_NOCHANGE: u32 = 0;
/// Default role, full access.
pub const OFPCR_ROLE_EQUAL: u32 = 1;
/// Full access, at most one master.
pub const OFPCR_ROLE_MASTER: u32 = 2;
/// Read-only access.
pub const OFPCR_ROLE_SLAVE: u32 = 3;

// ofp_queue_properties
/// Minimum datarate guaranteed.
pub const OFPQT_MIN_RATE: u16 = 1;
/// Maximum datarate.
pub const OFPQT_MAX_RATE: u16 = 2;
/// Experimenter defined property.
pub const OFPQT_EXPERIMENTER: u16 = 0xffff;

// ofp_meter_mod_command
/// New meter.
pub const OFPMC_ADD: u16 = 0;
/// Modify specified meter.
pub const OFPMC_MODIFY: u16 = 1;
/// Delete specified meter.
pub const OFPMC_DELETE: u16 = 2;

// ofp_meter_flags
/// Rate value in kb/s (kilo-bit per second).
pub const OFPMF_KBPS: u16 = 1 << 0;
/// Rate value in packet/sec.
pub const OFPMF_PKTPS: u16 = 1 << 1;
/// Do burst size.
pub const OFPMF_BURST: u16 = 1 << 2;
/// Collect statistics.
pub const OFPMF_STATS: u16 = 1 << 3;

// ofp_meter_band_type
/// Drop packet.
pub const OFPMBT_DROP: u16 = 1;
/// Remark DSCP in the IP header.
pub const OFPMBT_DSCP_REMARK: u16 = 2;
/// Experimenter meter band.
pub const OFPMBT_EXPERIMENTER: u16 = 0xffff;

// ofp_table_feature_prop_type
/// Instructions property.
pub const OFPTFPT_INSTRUCTIONS: u16 = 0;
/// Instructions for table-miss.
pub const OFPTFPT_INSTRUCTIONS_MISS: u16 = 1;
/// Next table property.
pub const OFPTFPT_NEXT_TABLES: u16 = 2;
/// Next table for table-miss.
pub const OFPTFPT_NEXT_TABLES_MISS: u16 = 3;
/// Write actions property.
pub const OFPTFPT_WRITE_ACTIONS: u16 = 4;
/// Write actions for table-miss.
pub const OFPTFPT_WRITE_ACTIONS_MISS: u16 = 5;
/// Apply actions property.
pub const OFPTFPT_APPLY_ACTIONS: u16 = 6;
/// Apply actions for table-miss.
pub const OFPTFPT_APPLY_ACTIONS_MISS: u16 = 7;
/// Match property.
pub const OFPTFPT_MATCH: u16 = 8;
/// Wildcards property.
pub const OFPTFPT_WILDCARDS: u16 = 10;
/// Write set-field property.
pub const OFPTFPT_WRITE_SETFIELD: u16 = 12;
/// Write set-field for table-miss.
pub const OFPTFPT_WRITE_SETFIELD_MISS: u16 = 13;
/// Apply set-field property.
pub const OFPTFPT_APPLY_SETFIELD: u16 = 14;
/// Apply set-field for table-miss.
pub const OFPTFPT_APPLY_SETFIELD_MISS: u16 = 15;
/// Experimenter property.
pub const OFPTFPT_EXPERIMENTER: u16 = 0xfffe;
/// Experimenter for table-miss.
pub const OFPTFPT_EXPERIMENTER_MISS: u16 = 0xffff;

// ofp_group_capabilities
/// Support weight for select groups.
pub const OFPGFC_SELECT_WEIGHT: u32 = 1 << 0;
/// Support liveness for select groups.
pub const OFPGFC_SELECT_LIVENESS: u32 = 1 << 1;
/// Support chaining groups.
pub const OFPGFC_CHAINING: u32 = 1 << 2;
/// Check chaining for loops and delete.
pub const OFPGFC_CHAINING_CHECKS: u32 = 1 << 3;
