//! Flow cookies: which tapdemon owner a flow belongs to.
//!
//! ```text
//!  63      56 55     48 47                                   0
//! +----------+---------+--------------------------------------+
//! |   0x7D   |  kind   |              owner id (48 bits)      |
//! +----------+---------+--------------------------------------+
//! ```
//! The magic byte says "tapdemon made this"; the kind says which owner; the id which
//! tap or patch. OF1.3 deletes use a cookie mask to remove one owner's flows exactly; at
//! connect every flow of kind [`Kind::Tap`] is stale (the new session has no taps yet) and
//! is deleted.

/// The top byte of every tapdemon cookie.
pub const MAGIC: u8 = 0x7D;

/// Mask selecting magic and kind: `cookie & KIND_MASK == Cookie::kind_bits(kind)`.
pub const KIND_MASK: u64 = 0xFFFF_0000_0000_0000;

/// Mask selecting one owner exactly.
pub const OWNER_MASK: u64 = u64::MAX;

/// Largest owner id (48 bits).
pub const MAX_ID: u64 = (1 << 48) - 1;

/// Who owns a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// `l2_learning`.
    L2Learning = 1,
    /// `patch`.
    Patch = 2,
    /// `tap` (copies, transit and delivery flows, and OF1.0 split flows).
    Tap = 3,
    /// `topology` (the LLDP trap).
    Topology = 4,
    /// The runtime's pipeline itself (OF1.3 table-0 default, monitor-port guards).
    Runtime = 0xF,
}

/// A decoded tapdemon cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cookie {
    /// Owner kind.
    pub kind: Kind,
    /// Owner id (48 bits).
    pub id: u64,
}

impl Cookie {
    /// A cookie for `kind`'s owner `id` (truncated to 48 bits).
    pub fn new(kind: Kind, id: u64) -> Self {
        Cookie {
            kind,
            id: id & MAX_ID,
        }
    }

    /// The 64-bit value.
    pub fn value(self) -> u64 {
        Self::kind_bits(self.kind) | (self.id & MAX_ID)
    }

    /// Magic and kind bits, for masked deletes of every flow of one kind.
    pub fn kind_bits(kind: Kind) -> u64 {
        (u64::from(MAGIC) << 56) | ((kind as u64) << 48)
    }

    /// Decode a cookie; `None` if it is not a tapdemon cookie of a known kind.
    pub fn parse(v: u64) -> Option<Cookie> {
        if (v >> 56) as u8 != MAGIC {
            return None;
        }
        let kind = match (v >> 48) as u8 {
            1 => Kind::L2Learning,
            2 => Kind::Patch,
            3 => Kind::Tap,
            4 => Kind::Topology,
            0xF => Kind::Runtime,
            _ => return None,
        };
        Some(Cookie {
            kind,
            id: v & MAX_ID,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_and_round_trip() {
        let c = Cookie::new(Kind::Tap, 0x1234);
        assert_eq!(c.value(), 0x7D03_0000_0000_1234);
        assert_eq!(Cookie::parse(c.value()), Some(c));
        assert_eq!(c.value() & KIND_MASK, Cookie::kind_bits(Kind::Tap));
        assert_eq!(Cookie::parse(0x4c32), None);
        assert_eq!(Cookie::parse(0x7D09_0000_0000_0001), None);
        assert_eq!(Cookie::new(Kind::Patch, u64::MAX).id, MAX_ID);
    }
}
