//! `ovs-ofctl dump-flows` output as structured entries.
//!
//! A line looks like (OVS 3.1, `--no-names`):
//! ```text
//!  cookie=0x55, duration=0.06s, table=0, n_packets=0, n_bytes=0, idle_timeout=60, hard_timeout=120, priority=0 actions=NORMAL
//!  cookie=0x0, duration=0.03s, table=1, n_packets=0, n_bytes=0, tcp,nw_src=10.0.0.1 actions=drop
//! ```
//! Statistics are separated by ", ", match fields by ","; OVS leaves out `priority` when it
//! is the default 32768 and the timeouts when they are 0.

/// One flow entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowEntry {
    pub cookie: u64,
    pub table: u8,
    pub priority: u16,
    /// Match fields in OVS's order, joined by ',' (e.g. `tcp,in_port=1,nw_src=10.0.0.1`);
    /// empty for a match-all entry.
    pub match_: String,
    /// Everything after `actions=` (e.g. `output:3,output:7`, `drop`, `CONTROLLER:65535`).
    pub actions: String,
    pub idle_timeout: u16,
    pub hard_timeout: u16,
    pub n_packets: u64,
    pub n_bytes: u64,
    /// Flags such as `send_flow_rem`, `check_overlap`, `reset_counts`.
    pub flags: Vec<String>,
}

/// Default OpenFlow priority, which OVS does not print.
pub const DEFAULT_PRIORITY: u16 = 0x8000;

const FLAGS: &[&str] = &[
    "send_flow_rem",
    "check_overlap",
    "reset_counts",
    "no_packet_counts",
    "no_byte_counts",
];

impl FlowEntry {
    /// Match fields one by one.
    pub fn match_fields(&self) -> Vec<&str> {
        self.match_.split(',').filter(|s| !s.is_empty()).collect()
    }

    /// Does the match contain exactly this field (`"in_port=4"`, `"tcp"`)?
    pub fn has_match(&self, field: &str) -> bool {
        self.match_fields().contains(&field)
    }

    /// Actions one by one, split at top-level commas (not inside parentheses).
    pub fn action_list(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut depth = 0usize;
        let mut cur = String::new();
        for ch in self.actions.chars() {
            match ch {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                ',' if depth == 0 => {
                    out.push(std::mem::take(&mut cur));
                    continue;
                }
                _ => {}
            }
            cur.push(ch);
        }
        if !cur.is_empty() {
            out.push(cur);
        }
        out
    }

    /// Ports this entry outputs to (`output:N` actions and bare port numbers).
    pub fn output_ports(&self) -> Vec<u32> {
        self.action_list()
            .iter()
            .filter_map(|a| a.strip_prefix("output:").unwrap_or(a).parse().ok())
            .collect()
    }
}

/// Parse one entry line; `None` for header lines (`OFPST_FLOW reply ...`) and blanks.
/// Panics, naming the line, on an entry it cannot read: test support code.
pub fn parse_flow_line(line: &str) -> Option<FlowEntry> {
    let line = line.trim();
    if line.is_empty() || line.contains(" reply") {
        return None;
    }
    let (head, actions) = match line.split_once(" actions=") {
        Some(x) => x,
        None => line.strip_prefix("actions=").map(|a| ("", a))?,
    };
    let mut e = FlowEntry {
        cookie: 0,
        table: 0,
        priority: DEFAULT_PRIORITY,
        match_: String::new(),
        actions: actions.trim().to_string(),
        idle_timeout: 0,
        hard_timeout: 0,
        n_packets: 0,
        n_bytes: 0,
        flags: Vec::new(),
    };
    let bad = |what: &str| -> ! { panic!("cannot parse {what} in dump-flows line: {line:?}") };
    let mut matches = Vec::new();
    // Flags such as `send_flow_rem` are followed by a space, not a comma.
    for tok in head
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
    {
        let (k, v) = tok.split_once('=').unwrap_or((tok, ""));
        match k {
            "cookie" => {
                e.cookie = u64::from_str_radix(v.trim_start_matches("0x"), 16)
                    .unwrap_or_else(|_| bad("cookie"))
            }
            "table" => e.table = v.parse().unwrap_or_else(|_| bad("table")),
            "priority" => e.priority = v.parse().unwrap_or_else(|_| bad("priority")),
            "idle_timeout" => e.idle_timeout = v.parse().unwrap_or_else(|_| bad("idle_timeout")),
            "hard_timeout" => e.hard_timeout = v.parse().unwrap_or_else(|_| bad("hard_timeout")),
            "n_packets" => e.n_packets = v.parse().unwrap_or_else(|_| bad("n_packets")),
            "n_bytes" => e.n_bytes = v.parse().unwrap_or_else(|_| bad("n_bytes")),
            "duration" | "idle_age" | "hard_age" | "importance" => {}
            f if v.is_empty() && FLAGS.contains(&f) => e.flags.push(f.to_string()),
            _ => matches.push(tok),
        }
    }
    e.match_ = matches.join(",");
    Some(e)
}

/// Parse a whole `dump-flows` output.
pub fn parse_dump_flows(text: &str) -> Vec<FlowEntry> {
    text.lines().filter_map(parse_flow_line).collect()
}
