//! OpenFlow 1.3 (wire version 0x04): every message type 0-29 of the 1.3 spec.
