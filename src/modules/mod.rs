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
pub mod l2_learning;
pub mod patch;
pub mod tap;
pub mod tap_config;
pub mod trigger;

use std::collections::HashSet;

use toml::Spanned;

use crate::config::{Config, SwitchDirectory, SwitchRef};
use crate::module::{Module, ModuleSpec};

/// Build every enabled module from the config, in a fixed order.
pub fn build(config: &Config) -> Vec<ModuleSpec> {
    let dir = config.directory();
    let mut out = Vec::new();
    let l2 = &config.l2_learning;
    if l2.enabled {
        push(&mut out, &dir, l2.switches.as_deref(), {
            Box::new(l2_learning::L2Learning::new(l2.clone()))
        });
    }
    if !config.patch.is_empty() {
        let m = patch::PatchModule::new(&config.patch, &dir);
        push(&mut out, &dir, None, Box::new(m));
    }
    // Until the topology module shares its engine, taps plan on an engine of their own
    // that knows no links: taps whose monitor is on the source switch work.
    if let Ok(engine) = crate::topology::Topology::new(&Default::default(), &Default::default()) {
        let topology = std::sync::Arc::new(std::sync::RwLock::new(engine));
        let tap = tap::TapModule::new(&config.taps, &config.tap, &dir, Box::new(topology));
        push(&mut out, &dir, None, Box::new(tap));
    }
    if !config.trigger.is_empty() {
        let m = trigger::TriggerModule::new(&config.trigger, &dir, Box::new(|_| None));
        push(&mut out, &dir, None, Box::new(m));
    }
    out
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
