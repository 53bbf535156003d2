//! opslint: a linter for the configuration that keeps a MicroK8s control plane alive.
//!
//! Files flow one way: discover → front-end → facts → rules → diagnostics →
//! reporters. See `docs/architecture.md`.

pub mod ansible_modules;
pub mod baseline;
pub mod budget;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod docs;
pub mod duration;
pub mod escape;
pub mod facts;
pub mod fix;
pub mod fsread;
pub mod fswrite;
pub mod fixer;
pub mod fuzz;
pub mod gitindex;
pub mod ignorefiles;
pub mod kubectl;
pub mod lang;
pub mod language;
pub mod linter;
pub mod lsp;
pub mod manifest;
pub mod microk8s;
pub mod project;
pub mod report;
pub mod rule_meta;
pub mod rules;
pub mod source;
pub mod suggest;
pub mod suppress;
pub mod target;
pub mod validate;
pub mod waits;
pub mod wrappers;
