//! TEMPORARY stub; replaced by the real loader.
use crate::diagnostic::Severity;
use crate::rules::RuleMeta;
use std::path::{Path, PathBuf};
pub const CONFIG_FILE_NAMES: &[&str] = &[".opslint.yaml", ".opslint.yml"];
#[derive(Debug, Clone)]
pub struct Config { root: PathBuf }
impl Config {
    pub fn default_at(root: &Path) -> Config { Config { root: root.to_path_buf() } }
    pub fn is_excluded(&self, _path: &Path) -> bool { false }
    pub fn ignored_rules(&self, _path: &Path) -> Vec<&str> { vec![] }
    pub fn severity(&self, _rule: &str, default: Severity) -> Option<Severity> { Some(default) }
    pub fn option(&self, _rule: &str, _name: &str) -> Option<&str> { None }
}
pub fn discover(_start: &Path) -> Option<PathBuf> { None }
#[derive(Debug, thiserror::Error)]
#[error("config error")]
pub struct ConfigError;
pub fn load(_path: &Path, _rules: &[&RuleMeta]) -> Result<Config, ConfigError> { Err(ConfigError) }
