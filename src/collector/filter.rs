//! sFlow-RT flow filter expressions: `tcpdestinationport=80&ipdestination=10.0.0.1`.
//!
//! Grammar (whitespace around tokens is ignored):
//! ```text
//! expr   := and ('|' and)*
//! and    := unary ('&' unary)*
//! unary  := '!' unary | '(' expr ')' | key op values
//! op     := '=' | '!=' | '<' | '<=' | '>' | '>='
//! values := value (',' value)*        -- "any of" for '=', "none of" for '!='
//! ```
//! Values are parsed by the key's kind when the filter is compiled: IP addresses with an
//! optional `/prefix` (CIDR match), MACs with or without separators, numbers in decimal or
//! `0x` hex, interfaces as a number or `discard`/`multiple`/`internal`. A comparison on a key
//! the sample lacks is false for `=`/`<`/`>` and true for `!=`.

use std::net::IpAddr;

use proto::MacAddr;

use super::keys::{Key, Kind, Value};
use super::sample::{IfRef, PacketSample};

/// A compiled filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// All must hold.
    And(Vec<Filter>),
    /// Any must hold.
    Or(Vec<Filter>),
    /// Negation.
    Not(Box<Filter>),
    /// `key op values`.
    Cmp {
        /// The attribute.
        key: Key,
        /// The comparison.
        op: Op,
        /// One or more values (only one for ordering comparisons).
        values: Vec<Pattern>,
    },
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A filter value, parsed for its key's kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    /// An address, matched on the first `prefix` bits.
    Ip {
        /// The network.
        addr: IpAddr,
        /// Prefix length (32 or 128 for an exact match).
        prefix: u8,
    },
    /// A MAC address.
    Mac(MacAddr),
    /// A number.
    Num(u32),
    /// An interface reference class or index.
    If(IfPattern),
}

/// What an interface value in a filter matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfPattern {
    /// That ifIndex.
    Index(u32),
    /// Any discard.
    Discard,
    /// Any multiple-interface output.
    Multiple,
    /// The internal interface.
    Internal,
}

/// A filter that does not parse: what was wrong and at which byte of the expression.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("filter {filter:?}: {kind} at byte {position}")]
pub struct FilterError {
    /// The whole expression.
    pub filter: String,
    /// Byte offset of the problem.
    pub position: usize,
    /// What was wrong.
    pub kind: FilterErrorKind,
}

/// Why a filter does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterErrorKind {
    /// The expression is empty.
    #[error("empty expression")]
    Empty,
    /// A key name was expected.
    #[error("expected a key name")]
    ExpectedKey,
    /// Not a key tapdemon knows.
    #[error("unknown key {0:?}")]
    UnknownKey(String),
    /// No comparison operator after the key.
    #[error("expected one of = != < <= > >= after the key")]
    ExpectedOperator,
    /// A value was expected.
    #[error("expected a value")]
    ExpectedValue,
    /// The value does not fit the key's kind.
    #[error("bad value {value:?} for key {key}")]
    BadValue {
        /// The key.
        key: &'static str,
        /// The text.
        value: String,
    },
    /// `<`, `>` take one numeric value.
    #[error("ordering comparisons take one numeric value")]
    BadOrdering,
    /// A `(` without `)`.
    #[error("expected ')'")]
    ExpectedClose,
    /// Text left after a complete expression.
    #[error("unexpected {0:?}")]
    Unexpected(char),
}

/// Bytes that end a value.
const VALUE_END: &[u8] = b"&|(),!=<>";

impl Filter {
    /// Parses and compiles `text`.
    pub fn parse(text: &str) -> Result<Filter, FilterError> {
        let mut p = Parser {
            s: text.as_bytes(),
            pos: 0,
        };
        let err = |position, kind| FilterError {
            filter: text.to_string(),
            position,
            kind,
        };
        p.skip_ws();
        if p.at_end() {
            return Err(err(0, FilterErrorKind::Empty));
        }
        let f = p.expr().map_err(|(pos, k)| err(pos, k))?;
        p.skip_ws();
        if let Some(c) = p.peek() {
            return Err(err(p.pos, FilterErrorKind::Unexpected(char::from(c))));
        }
        Ok(f)
    }

    /// Whether `s` passes.
    pub fn matches(&self, s: &PacketSample) -> bool {
        match self {
            Filter::And(v) => v.iter().all(|f| f.matches(s)),
            Filter::Or(v) => v.iter().any(|f| f.matches(s)),
            Filter::Not(f) => !f.matches(s),
            Filter::Cmp { key, op, values } => {
                let Some(v) = key.extract(s) else {
                    return *op == Op::Ne;
                };
                match op {
                    Op::Eq => values.iter().any(|p| p.matches(&v)),
                    Op::Ne => !values.iter().any(|p| p.matches(&v)),
                    _ => match (number(&v), values.first()) {
                        (Some(n), Some(Pattern::Num(t) | Pattern::If(IfPattern::Index(t)))) => {
                            match op {
                                Op::Lt => n < *t,
                                Op::Le => n <= *t,
                                Op::Gt => n > *t,
                                _ => n >= *t,
                            }
                        }
                        _ => false,
                    },
                }
            }
        }
    }
}

fn number(v: &Value) -> Option<u32> {
    match v {
        Value::Num(n) | Value::If(IfRef::Index(n)) => Some(*n),
        _ => None,
    }
}

impl Pattern {
    fn matches(&self, v: &Value) -> bool {
        match (self, v) {
            (Pattern::Ip { addr, prefix }, Value::Ip(a)) => in_prefix(*a, *addr, *prefix),
            (Pattern::Mac(m), Value::Mac(a)) => m == a,
            (Pattern::Num(n), Value::Num(a)) => n == a,
            (Pattern::If(p), Value::If(i)) => {
                matches!(
                    (p, i),
                    (IfPattern::Index(x), IfRef::Index(y)) if x == y
                ) || matches!(
                    (p, i),
                    (IfPattern::Discard, IfRef::Discard(_))
                        | (IfPattern::Multiple, IfRef::Multiple(_))
                        | (IfPattern::Internal, IfRef::Internal)
                )
            }
            _ => false,
        }
    }

    fn parse(key: Key, text: &str) -> Option<Pattern> {
        match key.kind() {
            Kind::Ip => {
                let (a, p) = match text.split_once('/') {
                    Some((a, p)) => (a, Some(p)),
                    None => (text, None),
                };
                let addr: IpAddr = a.parse().ok()?;
                let max = if addr.is_ipv4() { 32 } else { 128 };
                let prefix = match p {
                    Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max)?,
                    None => max,
                };
                Some(Pattern::Ip { addr, prefix })
            }
            Kind::Mac => parse_mac(text).map(Pattern::Mac),
            Kind::Num => parse_num(text).map(Pattern::Num),
            Kind::If => match text.to_ascii_lowercase().as_str() {
                "discard" => Some(Pattern::If(IfPattern::Discard)),
                "multiple" => Some(Pattern::If(IfPattern::Multiple)),
                "internal" => Some(Pattern::If(IfPattern::Internal)),
                t => parse_num(t).map(|n| Pattern::If(IfPattern::Index(n))),
            },
        }
    }
}

fn parse_num(t: &str) -> Option<u32> {
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => u32::from_str_radix(h, 16).ok(),
        None => t.parse().ok(),
    }
}

/// `00:00:00:00:00:08`, `00-00-...` or sFlow-RT's `000000000008`.
fn parse_mac(t: &str) -> Option<MacAddr> {
    if t.len() == 12 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        let mut m = [0u8; 6];
        for (i, b) in m.iter_mut().enumerate() {
            *b = u8::from_str_radix(t.get(i * 2..i * 2 + 2)?, 16).ok()?;
        }
        return Some(MacAddr(m));
    }
    t.parse().ok()
}

fn in_prefix(a: IpAddr, net: IpAddr, prefix: u8) -> bool {
    match (a, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

type PResult<T> = Result<T, (usize, FilterErrorKind)>;

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }
    fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }
    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }
    fn eat(&mut self, c: u8) -> bool {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn text(&self, from: usize) -> String {
        String::from_utf8_lossy(self.s.get(from..self.pos).unwrap_or_default()).into_owned()
    }

    fn expr(&mut self) -> PResult<Filter> {
        let mut alts = vec![self.and()?];
        while self.eat(b'|') {
            alts.push(self.and()?);
        }
        Ok(if alts.len() == 1 {
            alts.swap_remove(0)
        } else {
            Filter::Or(alts)
        })
    }

    fn and(&mut self) -> PResult<Filter> {
        let mut all = vec![self.unary()?];
        while self.eat(b'&') {
            all.push(self.unary()?);
        }
        Ok(if all.len() == 1 {
            all.swap_remove(0)
        } else {
            Filter::And(all)
        })
    }

    fn unary(&mut self) -> PResult<Filter> {
        if self.eat(b'!') {
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        if self.eat(b'(') {
            let f = self.expr()?;
            if !self.eat(b')') {
                return Err((self.pos, FilterErrorKind::ExpectedClose));
            }
            return Ok(f);
        }
        self.cmp()
    }

    fn cmp(&mut self) -> PResult<Filter> {
        self.skip_ws();
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
            self.pos += 1;
        }
        if self.pos == start {
            return Err((start, FilterErrorKind::ExpectedKey));
        }
        let name = self.text(start);
        let key: Key = name
            .parse()
            .map_err(|_| (start, FilterErrorKind::UnknownKey(name)))?;
        self.skip_ws();
        let op = match (self.peek(), self.s.get(self.pos + 1).copied()) {
            (Some(b'!'), Some(b'=')) => (Op::Ne, 2),
            (Some(b'<'), Some(b'=')) => (Op::Le, 2),
            (Some(b'>'), Some(b'=')) => (Op::Ge, 2),
            (Some(b'='), _) => (Op::Eq, 1),
            (Some(b'<'), _) => (Op::Lt, 1),
            (Some(b'>'), _) => (Op::Gt, 1),
            _ => return Err((self.pos, FilterErrorKind::ExpectedOperator)),
        };
        let (op, len) = op;
        let op_pos = self.pos;
        self.pos += len;
        let mut values = Vec::new();
        loop {
            self.skip_ws();
            let vstart = self.pos;
            while self.peek().is_some_and(|c| !VALUE_END.contains(&c)) {
                self.pos += 1;
            }
            let raw = self.text(vstart);
            let text = raw.trim();
            if text.is_empty() {
                return Err((vstart, FilterErrorKind::ExpectedValue));
            }
            let p = Pattern::parse(key, text).ok_or_else(|| {
                (
                    vstart,
                    FilterErrorKind::BadValue {
                        key: key.name(),
                        value: text.to_string(),
                    },
                )
            })?;
            values.push(p);
            if !self.eat(b',') {
                break;
            }
        }
        let ordering = !matches!(op, Op::Eq | Op::Ne);
        let numeric = matches!(
            values.first(),
            Some(Pattern::Num(_) | Pattern::If(IfPattern::Index(_)))
        );
        if ordering && (values.len() != 1 || !numeric) {
            return Err((op_pos, FilterErrorKind::BadOrdering));
        }
        Ok(Filter::Cmp { key, op, values })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn web(dst_port: u16) -> PacketSample {
        let mut s = PacketSample::new("127.0.0.1".parse().unwrap());
        s.ethertype = Some(0x0800);
        s.ip_src = Some("10.0.0.8".parse().unwrap());
        s.ip_dst = Some("10.0.0.1".parse().unwrap());
        s.ip_protocol = Some(6);
        s.src_port = Some(40000);
        s.dst_port = Some(dst_port);
        s.src_mac = Some(MacAddr([0, 0, 0, 0, 0, 8]));
        s.output = Some(IfRef::Index(3));
        s
    }

    fn ok(f: &str, s: &PacketSample) -> bool {
        Filter::parse(f).unwrap().matches(s)
    }

    #[test]
    fn and_or_not() {
        let s = web(80);
        assert!(ok("tcpdestinationport=80&ipdestination=10.0.0.1", &s));
        assert!(!ok("tcpdestinationport=80&ipdestination=10.0.0.2", &s));
        assert!(ok("tcpdestinationport=443|tcpdestinationport=80", &s));
        assert!(ok("tcpdestinationport=443,8080,80", &s));
        assert!(!ok("tcpdestinationport!=443,80", &s));
        assert!(ok("!(udpdestinationport=53) & ipprotocol=6", &s));
        assert!(ok("ipsource=10.0.0.0/8", &s));
        assert!(!ok("ipsource=10.0.1.0/24", &s));
        assert!(ok("ethernetprotocol=0x0800", &s));
        assert!(ok("macsource=000000000008", &s));
        assert!(ok("macsource=00:00:00:00:00:08", &s));
        assert!(ok("outputifindex!=discard", &s));
        assert!(ok("tcpdestinationport<1024 & tcpsourceport>=1024", &s));
        // a UDP port on a TCP sample is undefined: '=' false, '!=' true
        assert!(!ok("udpdestinationport=80", &s));
        assert!(ok("udpdestinationport!=80", &s));
        // & binds tighter than |
        assert!(ok(
            "ipprotocol=17&udpdestinationport=53|tcpdestinationport=80",
            &s
        ));
    }

    #[test]
    fn errors_say_where() {
        let e = Filter::parse("tcpdestinationport=80&ipdst=1.2.3.4").unwrap_err();
        assert_eq!(e.position, 22);
        assert_eq!(e.kind, FilterErrorKind::UnknownKey("ipdst".into()));
        let e = Filter::parse("tcpdestinationport=http").unwrap_err();
        assert_eq!(e.position, 19);
        assert!(matches!(e.kind, FilterErrorKind::BadValue { .. }));
        let e = Filter::parse("ipsource 10.0.0.1").unwrap_err();
        assert_eq!((e.position, e.kind), (9, FilterErrorKind::ExpectedOperator));
        let e = Filter::parse("(ipprotocol=6").unwrap_err();
        assert_eq!(e.kind, FilterErrorKind::ExpectedClose);
        let e = Filter::parse("ipprotocol=6)").unwrap_err();
        assert_eq!((e.position, e.kind), (12, FilterErrorKind::Unexpected(')')));
        let e = Filter::parse("ipprotocol=").unwrap_err();
        assert_eq!((e.position, e.kind), (11, FilterErrorKind::ExpectedValue));
        assert_eq!(
            Filter::parse("  ").unwrap_err().kind,
            FilterErrorKind::Empty
        );
        assert_eq!(
            Filter::parse("ipsource<10.0.0.1").unwrap_err().kind,
            FilterErrorKind::BadOrdering
        );
        assert!(Filter::parse("ipsource=10.0.0.0/33").is_err());
        let msg = Filter::parse("foo=1").unwrap_err().to_string();
        assert!(
            msg.contains("unknown key") && msg.contains("byte 0"),
            "{msg}"
        );
    }

    #[test]
    fn ipv6_values_keep_their_colons() {
        let mut s = web(80);
        s.ip_src = Some("2001:db8::1".parse().unwrap());
        assert!(ok("ip6source=2001:db8::/32", &s));
        assert!(!ok("ipsource=10.0.0.8", &s));
    }
}
