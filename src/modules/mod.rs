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

pub mod control;
pub mod hosts;
pub mod l2_learning;
pub mod patch;
pub mod sflow_rt;
pub mod tap;
pub mod tap_config;
pub mod topology;
pub mod trigger;

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
    let built = build_all(config);
    (built.specs, built.topology)
}

/// The modules and the state they share with readers (the REST API, tests).
#[derive(Debug)]
pub struct Built {
    /// The modules, in order.
    pub specs: Vec<ModuleSpec>,
    /// The topology engine, read-only.
    pub topology: Option<SharedTopology>,
    /// The taps' state ([`tap::TapTable`]); commands go through `Bus::control("tap", ..)`.
    pub taps: Option<tap::TapTable>,
}

/// Build every enabled module, returning the shared state too.
pub fn build_all(config: &Config) -> Built {
    build_all_with(config, None, None)
}

/// [`build_all`], the tap module persisting its dynamic taps to `tap_state` and the patch
/// module its activations to `patch_state` ([`crate::state`]).
pub fn build_all_with(
    config: &Config,
    tap_state: Option<Box<dyn crate::state::TapStateSink>>,
    patch_state: Option<Box<dyn crate::state::PatchStateSink>>,
) -> Built {
    let dir = config.directory();
    let mut out = Vec::new();
    // Always on: static links and host locations serve other modules even with discovery
    // off. It follows every switch; `topology.switches` only scopes discovery.
    let topo = match topology::TopologyModule::new(&config.topology, &config.switch_names()) {
        Ok(m) => {
            let shared = m.shared();
            push(&mut out, &dir, None, Box::new(m));
            // Its host learning, run in each switch's task.
            let hosts = hosts::HostsModule::new(shared.clone());
            push(&mut out, &dir, None, Box::new(hosts));
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
    // Patches and triggers run even with none configured, so a reload can add some.
    {
        let mut m = patch::PatchModule::new(&config.patch, &dir);
        if let Some(sink) = patch_state {
            m = m.with_state_sink(sink);
        }
        push(&mut out, &dir, None, Box::new(m));
    }
    // Taps plan over the topology engine; without one (a hand-built Config whose topology
    // section is invalid) there are no taps.
    let mut taps = None;
    if let Some(topo) = &topo {
        let mut tap = tap::TapModule::new(&config.taps, &config.tap, &dir, Box::new(topo.clone()));
        if let Some(sink) = tap_state {
            tap = tap.with_state_sink(sink);
        }
        taps = Some(tap.table());
        push(&mut out, &dir, None, Box::new(tap));
    }
    {
        let locate: trigger::HostLocator = match &topo {
            Some(t) => {
                let t = t.clone();
                Box::new(move |ip| t.read().host_location(ip))
            }
            None => Box::new(|_| None),
        };
        let m = trigger::TriggerModule::new(&config.trigger, &dir, locate);
        push(&mut out, &dir, None, Box::new(m));
    }
    Built {
        specs: out,
        topology: topo,
        taps,
    }
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
