//! The version-neutral flow model ([`crate::flow`]) to and from OpenFlow 1.3.
//!
//! Encoding (`to_of13`) is exact or fails with an [`EncodeError`]; it never approximates:
//! - actions become one `APPLY_ACTIONS` instruction, `goto_table` a `GOTO_TABLE` after it;
//! - `VlanMatch::Vid(v)` is `vlan_vid = v | OFPVID_PRESENT`, `Untagged` is `vlan_vid = 0`;
//!   `SetVlanVid(v)` is a set-field of `vlan_vid` with `OFPVID_PRESENT`. Unlike OF1.0's
//!   SET_VLAN_VID it rewrites an existing tag and does not add one to an untagged frame
//!   (use `PushVlan` first for that);
//! - `tp_src`/`tp_dst` (match and set actions) become the TCP, UDP or SCTP field that
//!   `ip_proto` (6, 17, 132) selects, or ICMP type/code for `ip_proto` 1 (OF1.0's
//!   overloading); without one of those `ip_proto` values they are unsupported;
//! - with `eth_type` 0x0806, `ip_proto` and `ipv4_src`/`ipv4_dst` mean the ARP opcode and
//!   ARP addresses (`arp_op`, `arp_spa`, `arp_tpa`), as OF1.0 overloads them;
//! - `buffer_id: None` is `OFP_NO_BUFFER`; `out_port: None` is `OFPP_ANY`; `out_group` is
//!   always `OFPG_ANY`; a packet-out's `in_port: None` is `OFPP_CONTROLLER`.
//!
//! Decoding an OF1.3 match into a [`flow::Match`] (for packet-in, flow-removed and
//! flow-stats consumers) applies the same mapping backwards and **drops** what the neutral
//! model cannot hold: masks on fields it keeps unmasked (in_port, eth_type, vlan, ip_proto,
//! ports...), a masked `vlan_vid`, and every field it has no slot for (IPv6, MPLS, PBB,
//! metadata, tunnel id, ECN, NXM/experimenter fields...). The result is therefore a
//! summary of the packet or flow, not a match that re-encodes to the same flow.

use std::net::Ipv4Addr;

use bytes::BytesMut;

use crate::error::EncodeError;
use crate::flow::{self, Masked, VlanMatch};

use super::action::Action;
use super::consts::{
    OFPP_ALL, OFPP_ANY, OFPP_CONTROLLER, OFPP_FLOOD, OFPP_IN_PORT, OFPP_LOCAL, OFPP_MAX,
    OFPP_NORMAL, OFPP_TABLE,
};
use super::consts_flow::*;
use super::flow_mod::{FlowMod, FlowModCommand};
use super::instruction::Instruction;
use super::match_::Match;
use super::oxm::Oxm;
use super::packet_out::PacketOut;

const VERSION: &str = "1.3";
const ETH_TYPE_ARP: u16 = 0x0806;
const IP_PROTO_ICMP: u8 = 1;
const IP_PROTO_TCP: u8 = 6;
const IP_PROTO_UDP: u8 = 17;
const IP_PROTO_SCTP: u8 = 132;

impl flow::PortNo {
    /// The OF1.3 `ofp_port_no`. Port numbers must be 1..=`OFPP_MAX` (0xffffff00).
    pub fn to_of13(self) -> Result<u32, EncodeError> {
        Ok(match self {
            flow::PortNo::Number(n) if (1..=OFPP_MAX).contains(&n) => n,
            flow::PortNo::Number(n) => {
                return Err(EncodeError::OutOfRange {
                    version: VERSION,
                    field: "port number",
                    value: u64::from(n),
                })
            }
            flow::PortNo::InPort => OFPP_IN_PORT,
            flow::PortNo::Table => OFPP_TABLE,
            flow::PortNo::Normal => OFPP_NORMAL,
            flow::PortNo::Flood => OFPP_FLOOD,
            flow::PortNo::All => OFPP_ALL,
            flow::PortNo::Controller => OFPP_CONTROLLER,
            flow::PortNo::Local => OFPP_LOCAL,
            flow::PortNo::Any => OFPP_ANY,
        })
    }

    /// The neutral name of an OF1.3 `ofp_port_no` (numbers above `OFPP_MAX` that are not
    /// reserved ports stay numbers).
    pub fn from_of13(port: u32) -> flow::PortNo {
        match port {
            OFPP_IN_PORT => flow::PortNo::InPort,
            OFPP_TABLE => flow::PortNo::Table,
            OFPP_NORMAL => flow::PortNo::Normal,
            OFPP_FLOOD => flow::PortNo::Flood,
            OFPP_ALL => flow::PortNo::All,
            OFPP_CONTROLLER => flow::PortNo::Controller,
            OFPP_LOCAL => flow::PortNo::Local,
            OFPP_ANY => flow::PortNo::Any,
            n => flow::PortNo::Number(n),
        }
    }
}

/// Which transport fields `tp_src`/`tp_dst` mean for this `ip_proto`.
fn tp_fields(ip_proto: Option<u8>, src: bool, port: u16) -> Result<Oxm, EncodeError> {
    let icmp = |what: &'static str| {
        u8::try_from(port).map_err(|_| EncodeError::OutOfRange {
            version: VERSION,
            field: what,
            value: u64::from(port),
        })
    };
    let m = Masked::exact(port);
    Ok(match (ip_proto, src) {
        (Some(IP_PROTO_TCP), true) => Oxm::TcpSrc(m),
        (Some(IP_PROTO_TCP), false) => Oxm::TcpDst(m),
        (Some(IP_PROTO_UDP), true) => Oxm::UdpSrc(m),
        (Some(IP_PROTO_UDP), false) => Oxm::UdpDst(m),
        (Some(IP_PROTO_SCTP), true) => Oxm::SctpSrc(m),
        (Some(IP_PROTO_SCTP), false) => Oxm::SctpDst(m),
        (Some(IP_PROTO_ICMP), true) => Oxm::Icmpv4Type(Masked::exact(icmp("icmpv4_type")?)),
        (Some(IP_PROTO_ICMP), false) => Oxm::Icmpv4Code(Masked::exact(icmp("icmpv4_code")?)),
        _ => {
            return Err(EncodeError::Unsupported {
                version: VERSION,
                what: "a transport port without ip_proto tcp (6), udp (17), sctp (132) or icmp (1)",
            })
        }
    })
}

fn vlan_vid(v: u16) -> Result<u16, EncodeError> {
    if v > 0x0fff {
        return Err(EncodeError::OutOfRange {
            version: VERSION,
            field: "vlan_vid",
            value: u64::from(v),
        });
    }
    Ok(v | OFPVID_PRESENT)
}

impl flow::Match {
    /// The OXM fields for this match, prerequisites first (in_port, Ethernet, VLAN,
    /// eth_type, ip_proto, then L3 and L4), as OF1.3 requires.
    pub fn to_of13(&self) -> Result<Match, EncodeError> {
        // Encoded straight into the match's buffer: one allocation, no field list.
        // 112 bytes hold the largest match the neutral model can express.
        let mut out = BytesMut::with_capacity(112);
        let mut push = |o: Oxm| o.encode(&mut out);
        let arp = self.eth_type == Some(ETH_TYPE_ARP);
        if let Some(p) = self.in_port {
            push(Oxm::InPort(Masked::exact(p)))?;
        }
        if let Some(m) = self.eth_dst {
            push(Oxm::EthDst(m))?;
        }
        if let Some(m) = self.eth_src {
            push(Oxm::EthSrc(m))?;
        }
        if let Some(t) = self.eth_type {
            push(Oxm::EthType(Masked::exact(t)))?;
        }
        match self.vlan {
            Some(VlanMatch::Vid(v)) => push(Oxm::VlanVid(Masked::exact(vlan_vid(v)?)))?,
            Some(VlanMatch::Untagged) => push(Oxm::VlanVid(Masked::exact(OFPVID_NONE)))?,
            None => {}
        }
        if let Some(p) = self.vlan_pcp {
            push(Oxm::VlanPcp(Masked::exact(p)))?;
        }
        if let Some(d) = self.ip_dscp {
            push(Oxm::IpDscp(Masked::exact(d)))?;
        }
        if let Some(p) = self.ip_proto {
            push(if arp {
                Oxm::ArpOp(Masked::exact(u16::from(p)))
            } else {
                Oxm::IpProto(Masked::exact(p))
            })?;
        }
        if let Some(m) = self.ipv4_src {
            push(if arp { Oxm::ArpSpa(m) } else { Oxm::Ipv4Src(m) })?;
        }
        if let Some(m) = self.ipv4_dst {
            push(if arp { Oxm::ArpTpa(m) } else { Oxm::Ipv4Dst(m) })?;
        }
        if let Some(p) = self.tp_src {
            push(tp_fields(self.ip_proto, true, p)?)?;
        }
        if let Some(p) = self.tp_dst {
            push(tp_fields(self.ip_proto, false, p)?)?;
        }
        Ok(Match::from_encoded(out.freeze()))
    }
}

impl From<&Match> for flow::Match {
    /// The neutral view of an OF1.3 match; see the module docs for what is dropped.
    fn from(m: &Match) -> flow::Match {
        let mut out = flow::Match::default();
        let mut arp_op = None;
        let mut arp_spa: Option<Masked<Ipv4Addr>> = None;
        let mut arp_tpa: Option<Masked<Ipv4Addr>> = None;
        for oxm in m {
            // Only exact values go into fields the neutral model keeps unmasked.
            match oxm {
                Oxm::InPort(v) if v.mask.is_none() => out.in_port = Some(v.value),
                Oxm::EthDst(v) => out.eth_dst = Some(v),
                Oxm::EthSrc(v) => out.eth_src = Some(v),
                Oxm::EthType(v) if v.mask.is_none() => out.eth_type = Some(v.value),
                Oxm::VlanVid(v) if v.mask.is_none() => {
                    if v.value & OFPVID_PRESENT != 0 {
                        out.vlan = Some(VlanMatch::Vid(v.value & 0x0fff));
                    } else if v.value == OFPVID_NONE {
                        out.vlan = Some(VlanMatch::Untagged);
                    }
                }
                Oxm::VlanPcp(v) if v.mask.is_none() => out.vlan_pcp = Some(v.value),
                Oxm::IpDscp(v) if v.mask.is_none() => out.ip_dscp = Some(v.value),
                Oxm::IpProto(v) if v.mask.is_none() => out.ip_proto = Some(v.value),
                Oxm::Ipv4Src(v) => out.ipv4_src = Some(v),
                Oxm::Ipv4Dst(v) => out.ipv4_dst = Some(v),
                Oxm::TcpSrc(v) | Oxm::UdpSrc(v) | Oxm::SctpSrc(v) if v.mask.is_none() => {
                    out.tp_src = Some(v.value)
                }
                Oxm::TcpDst(v) | Oxm::UdpDst(v) | Oxm::SctpDst(v) if v.mask.is_none() => {
                    out.tp_dst = Some(v.value)
                }
                Oxm::Icmpv4Type(v) if v.mask.is_none() => out.tp_src = Some(u16::from(v.value)),
                Oxm::Icmpv4Code(v) if v.mask.is_none() => out.tp_dst = Some(u16::from(v.value)),
                Oxm::ArpOp(v) if v.mask.is_none() => arp_op = u8::try_from(v.value).ok(),
                Oxm::ArpSpa(v) => arp_spa = Some(v),
                Oxm::ArpTpa(v) => arp_tpa = Some(v),
                _ => {}
            }
        }
        // ARP fields share the IP slots (OF1.0 style), never overriding real IP fields.
        out.ip_proto = out.ip_proto.or(arp_op);
        out.ipv4_src = out.ipv4_src.or(arp_spa);
        out.ipv4_dst = out.ipv4_dst.or(arp_tpa);
        out
    }
}

/// Neutral actions as OF1.3 actions. `ip_proto` (from the flow's match) decides which
/// transport field `SetTpSrc`/`SetTpDst` rewrite.
pub fn actions_to_of13(
    actions: &[flow::Action],
    ip_proto: Option<u8>,
) -> Result<Vec<Action>, EncodeError> {
    let mut out = Vec::with_capacity(actions.len());
    for a in actions {
        out.push(match a {
            flow::Action::Output { port, max_len } => Action::Output {
                port: port.to_of13()?,
                max_len: *max_len,
            },
            flow::Action::SetVlanVid(v) => {
                Action::SetField(Oxm::VlanVid(Masked::exact(vlan_vid(*v)?)))
            }
            flow::Action::SetVlanPcp(p) => Action::SetField(Oxm::VlanPcp(Masked::exact(*p))),
            flow::Action::PopVlan => Action::PopVlan,
            flow::Action::PushVlan(t) => Action::PushVlan { ethertype: *t },
            flow::Action::SetEthSrc(m) => Action::SetField(Oxm::EthSrc(Masked::exact(*m))),
            flow::Action::SetEthDst(m) => Action::SetField(Oxm::EthDst(Masked::exact(*m))),
            flow::Action::SetIpv4Src(a) => Action::SetField(Oxm::Ipv4Src(Masked::exact(*a))),
            flow::Action::SetIpv4Dst(a) => Action::SetField(Oxm::Ipv4Dst(Masked::exact(*a))),
            flow::Action::SetTpSrc(p) => Action::SetField(tp_fields(ip_proto, true, *p)?),
            flow::Action::SetTpDst(p) => Action::SetField(tp_fields(ip_proto, false, *p)?),
            flow::Action::Group(g) => Action::Group { group_id: *g },
            flow::Action::SetQueue(q) => Action::SetQueue { queue_id: *q },
        });
    }
    Ok(out)
}

impl flow::FlowMod {
    /// This flow-mod as an OF1.3 `ofp_flow_mod` (see the module docs for the mapping).
    pub fn to_of13(&self) -> Result<FlowMod, EncodeError> {
        let mut instructions = Vec::with_capacity(
            usize::from(!self.actions.is_empty()) + usize::from(self.goto_table.is_some()),
        );
        if !self.actions.is_empty() {
            instructions.push(Instruction::ApplyActions(actions_to_of13(
                &self.actions,
                self.match_.ip_proto,
            )?));
        }
        if let Some(t) = self.goto_table {
            // The switch would refuse it (OFPBIC_BAD_TABLE_ID); say so before sending.
            if t <= self.table_id {
                return Err(EncodeError::OutOfRange {
                    version: VERSION,
                    field: "goto_table (must be after table_id)",
                    value: u64::from(t),
                });
            }
            instructions.push(Instruction::GotoTable { table_id: t });
        }
        let command = match self.command {
            flow::Command::Add => FlowModCommand::Add,
            flow::Command::Modify => FlowModCommand::Modify,
            flow::Command::ModifyStrict => FlowModCommand::ModifyStrict,
            flow::Command::Delete => FlowModCommand::Delete,
            flow::Command::DeleteStrict => FlowModCommand::DeleteStrict,
        };
        let flags = [
            (self.flags.send_flow_rem, OFPFF_SEND_FLOW_REM),
            (self.flags.check_overlap, OFPFF_CHECK_OVERLAP),
            (self.flags.reset_counts, OFPFF_RESET_COUNTS),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .fold(0, |acc, (_, bit)| acc | bit);
        Ok(FlowMod {
            cookie: self.cookie,
            cookie_mask: self.cookie_mask,
            table_id: self.table_id,
            command,
            idle_timeout: self.idle_timeout,
            hard_timeout: self.hard_timeout,
            priority: self.priority,
            buffer_id: self.buffer_id.unwrap_or(OFP_NO_BUFFER),
            out_port: match self.out_port {
                Some(p) => p.to_of13()?,
                None => OFPP_ANY,
            },
            out_group: OFPG_ANY,
            flags,
            match_: self.match_.to_of13()?,
            instructions,
        })
    }
}

impl flow::PacketOut {
    /// This packet-out as an OF1.3 `ofp_packet_out`. There is no match to say which
    /// transport protocol the frame carries, so `SetTpSrc`/`SetTpDst` are unsupported here.
    pub fn to_of13(&self) -> Result<PacketOut, EncodeError> {
        Ok(PacketOut {
            buffer_id: self.buffer_id.unwrap_or(OFP_NO_BUFFER),
            in_port: match self.in_port {
                Some(p) => p.to_of13()?,
                None => OFPP_CONTROLLER,
            },
            actions: actions_to_of13(&self.actions, None)?,
            data: self.data.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{Action as A, Command, Flags, PortNo};
    use crate::types::MacAddr;
    use bytes::{Bytes, BytesMut};

    /// PyTapDEMon's tap: `ovs-ofctl add-flow s2 hard_timeout=120,in_port=4,
    /// actions=output:3,output:7`, as OF1.3 bytes (body after ofp_header).
    #[rustfmt::skip]
    static TAP_FLOW: [u8; 96] = [
        0, 0, 0, 0, 0, 0, 0, 0,  0, 0, 0, 0, 0, 0, 0, 0, // cookie, cookie_mask
        0, 0, 0, 0, 0, 120, 0x80, 0,                      // table, ADD, idle, hard, prio
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,   // NO_BUFFER, OFPP_ANY
        0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0,               // OFPG_ANY, flags, pad
        0, 1, 0, 12, 0x80, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 0, // match in_port=4
        0, 4, 0, 40, 0, 0, 0, 0,                          // apply_actions
        0, 0, 0, 16, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0,  //   output:3
        0, 0, 0, 16, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0,  //   output:7
    ];

    fn out(n: u32) -> A {
        A::Output {
            port: PortNo::Number(n),
            max_len: 0,
        }
    }

    #[test]
    fn pytapdemon_flow_encodes_as_ovs_expects() {
        let mut fm = flow::FlowMod::add(
            flow::Match {
                in_port: Some(4),
                ..Default::default()
            },
            vec![out(3), out(7)],
            0x8000,
        );
        fm.hard_timeout = 120;
        let of = fm.to_of13().unwrap();
        let mut buf = BytesMut::from(&[0xa5u8; 8][..]);
        of.encode(&mut buf).unwrap();
        assert_eq!(&buf[8..], &TAP_FLOW[..]);
    }

    #[test]
    fn full_match_and_rewrites() {
        let m = flow::Match {
            in_port: Some(1),
            eth_src: Some(Masked::exact(MacAddr([0, 0, 0, 0, 0, 1]))),
            eth_dst: Some(Masked {
                value: MacAddr([1, 0, 0, 0, 0, 0]),
                mask: Some(MacAddr([1, 0, 0, 0, 0, 0])),
            }),
            eth_type: Some(0x0800),
            vlan: Some(VlanMatch::Vid(10)),
            vlan_pcp: Some(3),
            ip_dscp: Some(46),
            ip_proto: Some(6),
            ipv4_src: Some(Masked {
                value: Ipv4Addr::new(10, 0, 0, 0),
                mask: Some(Ipv4Addr::new(255, 0, 0, 0)),
            }),
            ipv4_dst: Some(Masked::exact(Ipv4Addr::new(10, 0, 0, 9))),
            tp_src: Some(1234),
            tp_dst: Some(80),
        };
        let mut fm = flow::FlowMod::add(
            m.clone(),
            vec![
                A::SetVlanVid(20),
                A::SetTpDst(8080),
                A::PushVlan(0x88a8),
                A::Group(5),
                A::SetQueue(2),
                A::Output {
                    port: PortNo::Controller,
                    max_len: 0xffff,
                },
            ],
            10,
        );
        fm.goto_table = Some(2);
        fm.cookie = 0x77;
        fm.flags = Flags {
            send_flow_rem: true,
            check_overlap: false,
            reset_counts: true,
        };
        let of = fm.to_of13().unwrap();
        let fields: Vec<Oxm> = of.match_.iter().collect();
        assert_eq!(
            fields.iter().map(Oxm::name).collect::<Vec<_>>(),
            [
                "in_port", "eth_dst", "eth_src", "eth_type", "vlan_vid", "vlan_pcp", "ip_dscp",
                "ip_proto", "ipv4_src", "ipv4_dst", "tcp_src", "tcp_dst"
            ]
        );
        assert_eq!(fields[4], Oxm::VlanVid(Masked::exact(0x100a)));
        assert_eq!(
            of.instructions,
            vec![
                Instruction::ApplyActions(vec![
                    Action::SetField(Oxm::VlanVid(Masked::exact(0x1014))),
                    Action::SetField(Oxm::TcpDst(Masked::exact(8080))),
                    Action::PushVlan { ethertype: 0x88a8 },
                    Action::Group { group_id: 5 },
                    Action::SetQueue { queue_id: 2 },
                    Action::Output {
                        port: OFPP_CONTROLLER,
                        max_len: 0xffff
                    },
                ]),
                Instruction::GotoTable { table_id: 2 },
            ]
        );
        assert_eq!(of.flags, OFPFF_SEND_FLOW_REM | OFPFF_RESET_COUNTS);
        assert_eq!(of.cookie, 0x77);
        // And back: everything the neutral model holds survives.
        assert_eq!(flow::Match::from(&of.match_), m);
    }

    #[test]
    fn delete_defaults_and_untagged() {
        let mut fm = flow::FlowMod::delete(flow::Match {
            vlan: Some(VlanMatch::Untagged),
            ..Default::default()
        });
        fm.cookie_mask = u64::MAX;
        let of = fm.to_of13().unwrap();
        assert_eq!(of.command, FlowModCommand::Delete);
        assert_eq!(of.buffer_id, OFP_NO_BUFFER);
        assert_eq!(of.out_port, OFPP_ANY);
        assert_eq!(of.out_group, OFPG_ANY);
        assert!(of.instructions.is_empty());
        assert_eq!(
            of.match_.iter().collect::<Vec<_>>(),
            vec![Oxm::VlanVid(Masked::exact(0))]
        );
        fm.out_port = Some(PortNo::Number(3));
        fm.command = Command::DeleteStrict;
        let of = fm.to_of13().unwrap();
        assert_eq!((of.out_port, of.command), (3, FlowModCommand::DeleteStrict));
    }

    #[test]
    fn what_1_3_cannot_say_is_an_error() {
        let no_proto = flow::Match {
            tp_dst: Some(80),
            ..Default::default()
        };
        let e = flow::FlowMod::add(no_proto, vec![], 1).to_of13();
        assert!(matches!(e, Err(EncodeError::Unsupported { .. })));
        let e = flow::FlowMod::add(flow::Match::default(), vec![A::SetTpSrc(1)], 1).to_of13();
        assert!(matches!(e, Err(EncodeError::Unsupported { .. })));
        let e = flow::FlowMod::add(flow::Match::default(), vec![A::SetVlanVid(4096)], 1).to_of13();
        assert!(matches!(
            e,
            Err(EncodeError::OutOfRange {
                field: "vlan_vid",
                ..
            })
        ));
        let e = flow::FlowMod::add(flow::Match::default(), vec![out(0)], 1).to_of13();
        assert!(matches!(e, Err(EncodeError::OutOfRange { .. })));
        let mut fm = flow::FlowMod::add(flow::Match::default(), vec![], 1);
        fm.table_id = 3;
        fm.goto_table = Some(3);
        assert!(fm.to_of13().is_err());
    }

    #[test]
    fn ports_round_trip() {
        for p in [
            PortNo::Number(1),
            PortNo::Number(OFPP_MAX),
            PortNo::InPort,
            PortNo::Table,
            PortNo::Normal,
            PortNo::Flood,
            PortNo::All,
            PortNo::Controller,
            PortNo::Local,
            PortNo::Any,
        ] {
            assert_eq!(PortNo::from_of13(p.to_of13().unwrap()), p);
        }
        assert!(PortNo::Number(OFPP_MAX + 1).to_of13().is_err());
    }

    #[test]
    fn packet_out() {
        let po = flow::PacketOut {
            buffer_id: None,
            in_port: None,
            actions: vec![A::Output {
                port: PortNo::Flood,
                max_len: 0,
            }],
            data: Bytes::from_static(&[1, 2, 3]),
        };
        let of = po.to_of13().unwrap();
        assert_eq!(of.buffer_id, OFP_NO_BUFFER);
        assert_eq!(of.in_port, OFPP_CONTROLLER);
        assert_eq!(
            of.actions,
            vec![Action::Output {
                port: OFPP_FLOOD,
                max_len: 0
            }]
        );
        let po = flow::PacketOut {
            buffer_id: Some(7),
            in_port: Some(PortNo::Number(2)),
            actions: vec![A::SetTpDst(1)],
            data: Bytes::new(),
        };
        assert!(po.to_of13().is_err());
    }

    #[test]
    fn arp_and_icmp_use_the_of10_overloading() {
        let arp = flow::Match {
            eth_type: Some(0x0806),
            ip_proto: Some(1),
            ipv4_dst: Some(Masked::exact(Ipv4Addr::new(10, 0, 0, 3))),
            ..Default::default()
        };
        let of = arp.to_of13().unwrap();
        assert_eq!(
            of.iter().collect::<Vec<_>>(),
            vec![
                Oxm::EthType(Masked::exact(0x0806)),
                Oxm::ArpOp(Masked::exact(1)),
                Oxm::ArpTpa(Masked::exact(Ipv4Addr::new(10, 0, 0, 3))),
            ]
        );
        assert_eq!(flow::Match::from(&of), arp);
        let icmp = flow::Match {
            eth_type: Some(0x0800),
            ip_proto: Some(1),
            tp_src: Some(8),
            tp_dst: Some(0),
            ..Default::default()
        };
        let of = icmp.to_of13().unwrap();
        assert!(of.iter().any(|o| o == Oxm::Icmpv4Type(Masked::exact(8))));
        assert_eq!(flow::Match::from(&of), icmp);
    }

    #[test]
    fn packet_in_match_drops_what_the_model_lacks() {
        let m = Match::from_fields(&[
            Oxm::InPort(Masked::exact(6)),
            Oxm::Metadata(Masked::exact(1)),
            Oxm::EthType(Masked::exact(0x86dd)),
            Oxm::VlanVid(Masked {
                value: 0x1000,
                mask: Some(0x1000),
            }),
            Oxm::IpProto(Masked {
                value: 6,
                mask: Some(0xff),
            }),
            Oxm::Ipv6Src(Masked::exact("fe80::1".parse().unwrap())),
            Oxm::Unknown {
                class: 1,
                field: 31,
                hasmask: false,
                body: Bytes::from_static(&[1, 2, 3, 4]),
            },
        ])
        .unwrap();
        assert_eq!(
            flow::Match::from(&m),
            flow::Match {
                in_port: Some(6),
                eth_type: Some(0x86dd),
                ..Default::default()
            }
        );
    }
}
