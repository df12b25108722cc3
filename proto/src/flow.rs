//! The version-neutral flow model.
//!
//! Modules describe flows once, in these types; the runtime encodes them for each switch's
//! negotiated version (`encode_of10` / `encode_of13`, in `flow/` submodules). Whatever a
//! version cannot express is an [`crate::EncodeError`], never a silent approximation.

use std::net::Ipv4Addr;

use crate::types::MacAddr;

/// A port as OpenFlow names it: a number, or one of the reserved ports.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum PortNo {
    /// A physical or logical switch port (1.0: 1..=0xff00, 1.3: 1..=0xffffff00).
    Number(u32),
    /// OFPP_IN_PORT: back out the port the packet came in on.
    InPort,
    /// OFPP_TABLE: submit to the flow table (packet-out only).
    Table,
    /// OFPP_NORMAL: the switch's own L2/L3 processing.
    Normal,
    /// OFPP_FLOOD: all ports except the input port and those with flooding disabled.
    Flood,
    /// OFPP_ALL: all ports except the input port.
    All,
    /// OFPP_CONTROLLER: send to the controller.
    Controller,
    /// OFPP_LOCAL: the switch's local networking stack.
    Local,
    /// OFPP_ANY (1.3) / OFPP_NONE (1.0): no port, a wildcard in deletes and stats.
    Any,
}

/// A value with an optional mask (set bits are compared).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Masked<T> {
    /// The value.
    pub value: T,
    /// The mask; `None` matches exactly.
    pub mask: Option<T>,
}

impl<T> Masked<T> {
    /// An exact match.
    pub fn exact(value: T) -> Self {
        Masked { value, mask: None }
    }
}

/// VLAN matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VlanMatch {
    /// Only frames without an 802.1Q tag.
    Untagged,
    /// Frames tagged with this VLAN id (0..4095).
    Vid(u16),
}

/// A flow match. `None` fields are wildcards. Prerequisites (an IP field needs
/// `eth_type` 0x0800, a TCP port needs `ip_proto` 6) are the caller's to supply, as in
/// OpenFlow; [`crate::ofctl::check_prerequisites`] reports a missing one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Match {
    /// Ingress port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_port: Option<u32>,
    /// Ethernet source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eth_src: Option<Masked<MacAddr>>,
    /// Ethernet destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eth_dst: Option<Masked<MacAddr>>,
    /// EtherType (after any VLAN tag).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eth_type: Option<u16>,
    /// VLAN id or untagged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vlan: Option<VlanMatch>,
    /// VLAN priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vlan_pcp: Option<u8>,
    /// IP DSCP (6 bits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_dscp: Option<u8>,
    /// IP protocol (or the ARP opcode's low byte on OF1.0, as the spec overloads it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_proto: Option<u8>,
    /// IPv4 source; 1.0 can only mask by prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv4_src: Option<Masked<Ipv4Addr>>,
    /// IPv4 destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv4_dst: Option<Masked<Ipv4Addr>>,
    /// TCP/UDP/SCTP source port (or ICMP type on 1.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tp_src: Option<u16>,
    /// TCP/UDP/SCTP destination port (or ICMP code on 1.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tp_dst: Option<u16>,
}

/// An action, applied in list order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Send out a port; `max_len` bytes go to the controller when the port is CONTROLLER.
    Output {
        /// Where.
        port: PortNo,
        /// Bytes sent to the controller.
        max_len: u16,
    },
    /// Set (or add, if untagged, on 1.0) the VLAN id.
    SetVlanVid(u16),
    /// Set the VLAN priority.
    SetVlanPcp(u8),
    /// Remove the outer VLAN tag.
    PopVlan,
    /// Push a new VLAN tag with this EtherType (1.3 only).
    PushVlan(u16),
    /// Rewrite the Ethernet source.
    SetEthSrc(MacAddr),
    /// Rewrite the Ethernet destination.
    SetEthDst(MacAddr),
    /// Rewrite the IPv4 source.
    SetIpv4Src(Ipv4Addr),
    /// Rewrite the IPv4 destination.
    SetIpv4Dst(Ipv4Addr),
    /// Rewrite the transport source port.
    SetTpSrc(u16),
    /// Rewrite the transport destination port.
    SetTpDst(u16),
    /// Process through a group (1.3 only).
    Group(u32),
    /// Set the queue for the next output (1.0: becomes ENQUEUE on the following output).
    SetQueue(u32),
}

/// What a flow-mod does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// OFPFC_ADD
    Add,
    /// OFPFC_MODIFY
    Modify,
    /// OFPFC_MODIFY_STRICT
    ModifyStrict,
    /// OFPFC_DELETE
    Delete,
    /// OFPFC_DELETE_STRICT
    DeleteStrict,
}

/// Flow-mod flags.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Flags {
    /// OFPFF_SEND_FLOW_REM: the switch reports the flow's removal.
    pub send_flow_rem: bool,
    /// OFPFF_CHECK_OVERLAP.
    pub check_overlap: bool,
    /// OFPFF_RESET_COUNTS (1.3; ignored on 1.0, where adds always reset).
    pub reset_counts: bool,
}

/// A flow-mod in the neutral model.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct FlowMod {
    /// Add, modify or delete.
    pub command: Command,
    /// Table (1.3); must be 0 for 1.0 switches.
    pub table_id: u8,
    /// What the flow matches.
    pub match_: Match,
    /// Actions, in order (1.3: an apply-actions instruction).
    pub actions: Vec<Action>,
    /// After the actions, continue in this table (1.3 only: a goto-table instruction).
    pub goto_table: Option<u8>,
    /// Priority.
    pub priority: u16,
    /// Idle timeout in seconds (0 = none).
    pub idle_timeout: u16,
    /// Hard timeout in seconds (0 = none).
    pub hard_timeout: u16,
    /// Opaque identifier; tapdemon uses it to tell which tap or module owns a flow.
    pub cookie: u64,
    /// Cookie mask for modify/delete (1.3 only; 0 = ignore the cookie).
    pub cookie_mask: u64,
    /// Flags.
    pub flags: Flags,
    /// A buffered packet to apply the flow to, if any.
    pub buffer_id: Option<u32>,
    /// For deletes: only flows that output to this port.
    pub out_port: Option<PortNo>,
}

impl FlowMod {
    /// An ADD with the given match, actions and priority, every other field neutral.
    pub fn add(match_: Match, actions: Vec<Action>, priority: u16) -> Self {
        FlowMod {
            command: Command::Add,
            table_id: 0,
            match_,
            actions,
            goto_table: None,
            priority,
            idle_timeout: 0,
            hard_timeout: 0,
            cookie: 0,
            cookie_mask: 0,
            flags: Flags::default(),
            buffer_id: None,
            out_port: None,
        }
    }

    /// A non-strict DELETE of everything matching `match_`.
    pub fn delete(match_: Match) -> Self {
        FlowMod {
            command: Command::Delete,
            ..FlowMod::add(match_, Vec::new(), 0)
        }
    }
}

/// A packet-out in the neutral model.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PacketOut {
    /// A buffered packet, or `None` to send `data`.
    pub buffer_id: Option<u32>,
    /// The port the packet is deemed to have arrived on (`None` = CONTROLLER).
    pub in_port: Option<PortNo>,
    /// Actions.
    pub actions: Vec<Action>,
    /// The frame, when not buffered.
    #[serde(with = "crate::serde_hex")]
    pub data: bytes::Bytes,
}
