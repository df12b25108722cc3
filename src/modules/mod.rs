//! The modules, one file each, and the list of them.
//!
//! # Adding a module
//! 1. `src/modules/<name>.rs`: a config struct (`#[serde(deny_unknown_fields, default)]`,
//!    with `enabled: bool` and `switches: Option<Vec<Spanned<SwitchRef>>>`) and a type
//!    implementing [`crate::module::Module`].
//! 2. Here: `pub mod <name>;` and one entry in [`build`].
//! 3. In [`crate::config::Config`]: a field `<name>: <Name>Config` (its `[<name>]` section)
//!    and its `switches` list in `Config::switch_lists` (so unknown names are rejected
//!    with their line).

pub mod l2_learning;
pub mod sflow_rt;
pub mod topology;

use std::collections::HashSet;

use toml::Spanned;

use crate::config::{Config, SwitchDirectory, SwitchRef};
use crate::module::{Module, ModuleSpec};
use topology::SharedTopology;

/// Build every enabled module from the config, in a fixed order.
pub fn build(config: &Config) -> Vec<ModuleSpec> {
    build_with_topology(config).0
}

/// [`build`], plus a handle on the topology engine for whoever reads it (REST, tests).
pub fn build_with_topology(config: &Config) -> (Vec<ModuleSpec>, Option<SharedTopology>) {
    let dir = config.directory();
    let mut out = Vec::new();
    // Always on: static links and host locations serve other modules even with discovery
    // off. It follows every switch; `topology.switches` only scopes discovery.
    let topo = match topology::TopologyModule::new(&config.topology, &config.switch_names()) {
        Ok(m) => {
            let shared = m.shared();
            push(&mut out, &dir, None, Box::new(m));
            Some(shared)
        }
        // Config::parse validated the section, so this is only reachable for a Config
        // built by hand.
        Err(e) => {
            tracing::error!(error = %e, "topology module not started");
            None
        }
    };
    let l2 = &config.l2_learning;
    if l2.enabled {
        push(&mut out, &dir, l2.switches.as_deref(), {
            Box::new(l2_learning::L2Learning::new(l2.clone()))
        });
    }
    (out, topo)
}

fn push(
    out: &mut Vec<ModuleSpec>,
    dir: &SwitchDirectory,
    switches: Option<&[Spanned<SwitchRef>]>,
    module: Box<dyn Module>,
) {
    // Config::parse already rejected names that do not resolve.
    let switches = switches.map(|refs| {
        refs.iter()
            .filter_map(|r| dir.resolve(r.get_ref()))
            .collect::<HashSet<_>>()
    });
    out.push(ModuleSpec { module, switches });
}
