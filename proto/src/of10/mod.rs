//! OpenFlow 1.0 (wire version 0x01): every message of the 1.0.0 spec.
