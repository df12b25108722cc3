//! Serde helper: byte payloads as lowercase hex strings in JSON (`#[serde(with = "crate::serde_hex")]`).

use bytes::Bytes;

/// Serialise as a hex string.
pub fn serialize<S: serde::Serializer>(b: &Bytes, s: S) -> Result<S::Ok, S::Error> {
    let mut out = String::with_capacity(b.len() * 2);
    for x in b.iter() {
        out.push(char::from_digit((x >> 4) as u32, 16).unwrap_or('0'));
        out.push(char::from_digit((x & 15) as u32, 16).unwrap_or('0'));
    }
    s.serialize_str(&out)
}

/// Deserialise from a hex string.
pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Bytes, D::Error> {
    let s = <String as serde::Deserialize>::deserialize(d)?;
    from_hex(&s)
        .map(Bytes::from)
        .ok_or_else(|| serde::de::Error::custom("invalid hex string"))
}

/// Parse hex, ignoring whitespace. `None` on an odd digit count or a non-hex character.
pub fn from_hex(s: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = s.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    if digits.len() % 2 != 0 {
        return None;
    }
    digits
        .chunks(2)
        .map(|p| {
            let hi = (p[0] as char).to_digit(16)?;
            let lo = (p[1] as char).to_digit(16)?;
            Some((hi * 16 + lo) as u8)
        })
        .collect()
}
