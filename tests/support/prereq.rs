//! Prerequisites for lab tests: fail (never skip) and say what to install.

use std::path::{Path, PathBuf};

/// Programs every [`crate::support::lab::Lab`] runs.
pub const LAB_TOOLS: &[&str] = &[
    "ovsdb-tool",
    "ovsdb-server",
    "ovs-vswitchd",
    "ovs-vsctl",
    "ovs-ofctl",
    "ip",
    "ethtool",
];

/// The OVSDB schema that `ovsdb-tool create` needs (shipped by openvswitch-common).
pub const OVS_SCHEMA: &str = "/usr/share/openvswitch/vswitch.ovsschema";

/// Debian package that provides `tool`.
pub fn package_for(tool: &str) -> &'static str {
    match tool {
        "ovs-testcontroller" => "openvswitch-testcontroller",
        t if t.starts_with("ovs") => "openvswitch-switch",
        "ip" => "iproute2",
        "ethtool" => "ethtool",
        "tshark" | "text2pcap" => "tshark",
        "tcpdump" => "tcpdump",
        "ping" => "iputils-ping",
        "iperf3" => "iperf3",
        "curl" => "curl",
        "python3" => "python3",
        _ => "(unknown package)",
    }
}

/// Absolute path of `tool`, searched in `PATH` and then in the sbin/bin directories
/// (a non-login root shell may lack `/usr/sbin`, where the OVS daemons live).
pub fn find_tool(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(
            [
                "/usr/local/sbin",
                "/usr/local/bin",
                "/usr/sbin",
                "/usr/bin",
                "/sbin",
                "/bin",
            ]
            .map(PathBuf::from),
        )
        .map(|dir| dir.join(tool))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// The tools in `tools` that cannot be found.
pub fn missing_tools<'a>(tools: &[&'a str]) -> Vec<&'a str> {
    tools
        .iter()
        .copied()
        .filter(|t| find_tool(t).is_none())
        .collect()
}

/// What is wrong with this machine for running `tools` as root, or `None` if nothing.
/// The text names every missing program and the `apt-get install` line that fixes it.
pub fn problems(tools: &[&str]) -> Option<String> {
    let mut lines = Vec::new();
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        lines.push(
            "lab tests need root (network namespaces, veth pairs, Open vSwitch): run them as root"
                .to_string(),
        );
    }
    let missing = missing_tools(tools);
    let mut packages: Vec<&str> = missing.iter().map(|t| package_for(t)).collect();
    if tools.contains(&"ovsdb-tool") && !Path::new(OVS_SCHEMA).exists() {
        lines.push(format!("the OVSDB schema {OVS_SCHEMA} is missing"));
        packages.push("openvswitch-switch");
    }
    if !missing.is_empty() {
        lines.push(format!(
            "programs not found in PATH or sbin: {}",
            missing.join(", ")
        ));
    }
    if !packages.is_empty() {
        packages.sort_unstable();
        packages.dedup();
        lines.push(format!(
            "install them (Debian): apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y {}  \
             (everything the test suite uses: apt-get install openvswitch-switch openvswitch-testcontroller \
             ethtool iproute2 tshark tcpdump iputils-ping iperf3 curl; or run `bash .ci/run`, which installs them)",
            packages.join(" ")
        ));
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// Panic with a clear message unless we are root and every tool is present.
/// Tests that need the lab must fail, not skip, on a machine that cannot run them.
pub fn require(tools: &[&str]) {
    if let Some(p) = problems(tools) {
        panic!("missing prerequisites for this test:\n{p}");
    }
}

/// Absolute path of a tool that [`require`] has checked.
pub fn tool(name: &str) -> PathBuf {
    find_tool(name).unwrap_or_else(|| {
        panic!(
            "`{name}` not found; install it: apt-get install {}",
            package_for(name)
        )
    })
}
