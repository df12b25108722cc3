//! Counter records (the `counter_data` of a counter sample).
//!
//! ```text
//! 0:1    if_counters        ifIndex, ifType, ifSpeed (u64), ifDirection, ifStatus,
//!                           ifInOctets (u64), 6 x u32 in, ifOutOctets (u64), 5 x u32 out,
//!                           ifPromiscuousMode                                  (88 bytes)
//! 0:2    ethernet_counters  13 x u32 dot3Stats*                                (52 bytes)
//! 0:1001 processor          5s/1m/5m CPU (percent x 100), total/free memory (u64) (28 bytes)
//! ```
//! Everything else (OVS 1004/1005/2203/2207, host-sFlow 2000+, vendor records) is kept as
//! [`UnknownRecord`].

use bytes::{BufMut, BytesMut};

use super::{xdr, DataFormat, UnknownRecord};
use crate::error::DecodeError;
use crate::reader::Reader;

/// One counter record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CounterRecord {
    /// 0:1 generic interface counters.
    Generic(IfCounters),
    /// 0:2 Ethernet interface counters.
    Ethernet(EthernetCounters),
    /// 0:1001 processor information.
    Processor(ProcessorCounters),
    /// Anything else, verbatim.
    Unknown(UnknownRecord),
}

impl CounterRecord {
    /// Decode the body of a record whose `data_format` word is `format`.
    pub fn decode(format: u32, r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let f = DataFormat::from_u32(format);
        Ok(match (f.enterprise, f.format) {
            (0, 1) => CounterRecord::Generic(IfCounters::decode(r)?),
            (0, 2) => CounterRecord::Ethernet(EthernetCounters::decode(r)?),
            (0, 1001) => CounterRecord::Processor(ProcessorCounters::decode(r)?),
            _ => CounterRecord::Unknown(UnknownRecord {
                enterprise: f.enterprise,
                format: f.format,
                body: r.rest(),
            }),
        })
    }

    /// The `data_format` word.
    pub fn data_format(&self) -> u32 {
        match self {
            CounterRecord::Generic(_) => 1,
            CounterRecord::Ethernet(_) => 2,
            CounterRecord::Processor(_) => 1001,
            CounterRecord::Unknown(u) => DataFormat {
                enterprise: u.enterprise,
                format: u.format,
            }
            .to_u32(),
        }
    }

    /// The spec's name for the record, for text output.
    pub fn name(&self) -> &'static str {
        match self {
            CounterRecord::Generic(_) => "if_counters",
            CounterRecord::Ethernet(_) => "ethernet_counters",
            CounterRecord::Processor(_) => "processor",
            CounterRecord::Unknown(_) => "unknown",
        }
    }

    /// Encode the whole record.
    pub fn encode(&self, out: &mut BytesMut) {
        let at = xdr::begin_tlv(out, self.data_format());
        match self {
            CounterRecord::Generic(x) => x.encode(out),
            CounterRecord::Ethernet(x) => x.encode(out),
            CounterRecord::Processor(x) => x.encode(out),
            CounterRecord::Unknown(u) => out.put_slice(&u.body),
        }
        xdr::end_tlv(out, at);
    }
}

/// Declares a counter struct whose fields are all read in order, with its decode/encode.
macro_rules! counters {
    (
        $(#[$meta:meta])* $name:ident, $spec:literal {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ident ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl $name {
            /// Decode the record body.
            pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                Ok($name {
                    $( $field: r.$ty(concat!($spec, ".", stringify!($field)))?, )*
                })
            }

            /// Encode the record body.
            pub fn encode(&self, out: &mut BytesMut) {
                $( counters!(@put out, $ty, self.$field); )*
            }
        }
    };
    (@put $out:ident, u32, $v:expr) => { $out.put_u32($v) };
    (@put $out:ident, u64, $v:expr) => { $out.put_u64($v) };
}

counters! {
    /// `if_counters` (0:1): generic interface counters (RFC 2233 ifTable / ifXTable).
    IfCounters, "if_counters" {
        /// ifIndex.
        if_index: u32,
        /// ifType (6 = ethernetCsmacd).
        if_type: u32,
        /// Speed in bits per second.
        if_speed: u64,
        /// 0 = unknown, 1 = full duplex, 2 = half, 3 = in, 4 = out.
        if_direction: u32,
        /// Bit 0 = admin up, bit 1 = oper up.
        if_status: u32,
        /// ifInOctets.
        in_octets: u64,
        /// ifInUcastPkts.
        in_ucast_pkts: u32,
        /// ifInMulticastPkts.
        in_multicast_pkts: u32,
        /// ifInBroadcastPkts.
        in_broadcast_pkts: u32,
        /// ifInDiscards.
        in_discards: u32,
        /// ifInErrors.
        in_errors: u32,
        /// ifInUnknownProtos.
        in_unknown_protos: u32,
        /// ifOutOctets.
        out_octets: u64,
        /// ifOutUcastPkts.
        out_ucast_pkts: u32,
        /// ifOutMulticastPkts.
        out_multicast_pkts: u32,
        /// ifOutBroadcastPkts.
        out_broadcast_pkts: u32,
        /// ifOutDiscards.
        out_discards: u32,
        /// ifOutErrors.
        out_errors: u32,
        /// ifPromiscuousMode.
        promiscuous_mode: u32,
    }
}

counters! {
    /// `ethernet_counters` (0:2): RFC 2358 dot3StatsTable.
    EthernetCounters, "ethernet_counters" {
        /// dot3StatsAlignmentErrors.
        alignment_errors: u32,
        /// dot3StatsFCSErrors.
        fcs_errors: u32,
        /// dot3StatsSingleCollisionFrames.
        single_collision_frames: u32,
        /// dot3StatsMultipleCollisionFrames.
        multiple_collision_frames: u32,
        /// dot3StatsSQETestErrors.
        sqe_test_errors: u32,
        /// dot3StatsDeferredTransmissions.
        deferred_transmissions: u32,
        /// dot3StatsLateCollisions.
        late_collisions: u32,
        /// dot3StatsExcessiveCollisions.
        excessive_collisions: u32,
        /// dot3StatsInternalMacTransmitErrors.
        internal_mac_transmit_errors: u32,
        /// dot3StatsCarrierSenseErrors.
        carrier_sense_errors: u32,
        /// dot3StatsFrameTooLongs.
        frame_too_longs: u32,
        /// dot3StatsInternalMacReceiveErrors.
        internal_mac_receive_errors: u32,
        /// dot3StatsSymbolErrors.
        symbol_errors: u32,
    }
}

counters! {
    /// `processor` (0:1001): CPU load and memory.
    ProcessorCounters, "processor" {
        /// 5 s average CPU, percent x 100.
        cpu_5s: u32,
        /// 1 min average CPU, percent x 100.
        cpu_1m: u32,
        /// 5 min average CPU, percent x 100.
        cpu_5m: u32,
        /// Total memory in bytes.
        total_memory: u64,
        /// Free memory in bytes.
        free_memory: u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    /// An `if_counters` body: ifIndex 1036, ethernetCsmacd, 100 Mbit/s, full duplex, up.
    static IF_COUNTERS: [u8; 88] = [
        0x00, 0x00, 0x04, 0x0c, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x05, 0xf5, 0xe1,
        0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01, 0x8c,
        0x2c, 0xcc, 0x00, 0x00, 0x9b, 0x83, 0x00, 0x02, 0x90, 0x16, 0x00, 0x01, 0xf6, 0x73, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x53, 0x3d, 0xc1, 0x00, 0x00, 0xa0, 0xb7, 0x00, 0x00, 0x21, 0x87, 0x00, 0x00, 0x08,
        0xd7, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];

    fn parsed() -> IfCounters {
        IfCounters {
            if_index: 1036,
            if_type: 6,
            if_speed: 100_000_000,
            if_direction: 1,
            if_status: 3,
            in_octets: 25963724,
            in_ucast_pkts: 39811,
            in_multicast_pkts: 167958,
            in_broadcast_pkts: 128627,
            out_octets: 5455297,
            out_ucast_pkts: 41143,
            out_multicast_pkts: 8583,
            out_broadcast_pkts: 2263,
            ..Default::default()
        }
    }

    #[test]
    fn test_parse() {
        let buf = Bytes::from_static(&IF_COUNTERS);
        let mut r = Reader::new(&buf, "TEST");
        assert_eq!(
            CounterRecord::decode(1, &mut r).unwrap(),
            CounterRecord::Generic(parsed())
        );
        assert!(r.is_empty());
    }

    #[test]
    fn test_emit() {
        let mut out = BytesMut::new();
        parsed().encode(&mut out);
        assert_eq!(&out[..], &IF_COUNTERS[..]);
    }

    #[test]
    fn short_record_names_the_field() {
        let buf = Bytes::from_static(&IF_COUNTERS[..20]);
        let mut r = Reader::new(&buf, "TEST");
        let e = CounterRecord::decode(1, &mut r).unwrap_err();
        assert_eq!(e.field, "if_counters.if_status");
        assert_eq!(e.offset, 20);
    }

    #[test]
    fn unknown_record_kept_verbatim() {
        let buf = Bytes::from_static(&[1, 2, 3, 4]);
        let mut r = Reader::new(&buf, "TEST");
        let rec = CounterRecord::decode(1005, &mut r).unwrap();
        let CounterRecord::Unknown(u) = &rec else {
            panic!("not unknown: {rec:?}")
        };
        assert_eq!(
            (u.enterprise, u.format, &u.body[..]),
            (0, 1005, &[1, 2, 3, 4][..])
        );
        let mut out = BytesMut::new();
        rec.encode(&mut out);
        assert_eq!(&out[..], &[0, 0, 3, 0xed, 0, 0, 0, 4, 1, 2, 3, 4]);
    }
}
