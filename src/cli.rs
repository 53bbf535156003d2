//! The command line: `opslint check`, `opslint rules`, `opslint rule NAME`.

use crate::config::{self, Config};
use crate::discover;
use crate::escape::visible;
use crate::lang::Language;
use crate::linter::Linter;
use crate::report::{self, Summary};
use crate::rules;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Parser)]
#[command(
    name = "opslint",
    version,
    about = "A linter and pre-commit guard for the configuration around a MicroK8s control plane"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check files and directories (default: the current directory).
    #[command(after_help = CHECK_EXIT_STATUS)]
    Check(CheckArgs),
    /// List every rule.
    Rules {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Print the full documentation of one rule.
    Rule { name: String },
    /// Run the Language Server Protocol server on stdin/stdout (for editors).
    Server {
        /// Accepted for the clients that pass it: stdio is the only transport.
        #[arg(long)]
        stdio: bool,
    },
    /// Flag manifests: `opslint manifest import` reads a daemon's `--help`.
    #[command(subcommand)]
    Manifest(ManifestCommand),
    /// Check one args file on the node (usable as an Ansible `validate:` command).
    ValidateArgs {
        /// The daemon the file is for (k8s-dqlite, kubelet, …).
        #[arg(long)]
        component: String,
        /// Take the flag set from this binary's `--help` instead of the manifest.
        #[arg(long, value_name = "PATH")]
        binary: Option<PathBuf>,
        /// The MicroK8s release (`1.34`, `1.34.5`) whose daemon versions apply.
        #[arg(long, value_name = "VERSION", conflicts_with = "snap_revision")]
        microk8s: Option<String>,
        /// The MicroK8s snap revision whose daemon versions apply.
        #[arg(long, value_name = "N")]
        snap_revision: Option<u64>,
        /// The configuration (`target:`, `manifests:`); default: the nearest
        /// `.opslint.yaml` above FILE.
        #[arg(long, value_name = "PATH")]
        config: Option<PathBuf>,
        /// The node's filesystem root: without a target, the revision is read
        /// from DIR/snap/microk8s/current and its version from
        /// DIR/snap/microk8s/<rev>/meta/snap.yaml.
        #[arg(long, value_name = "DIR", default_value = "/")]
        root: PathBuf,
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ManifestCommand {
    /// Read a cobra/pflag `--help` text on standard input and print a user manifest
    /// (JSON) for `manifests:` in `.opslint.yaml`.
    Import {
        #[arg(long)]
        component: String,
        #[arg(long)]
        version: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or directories to check.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format; `github` when `GITHUB_ACTIONS=true`, else `text`.
    #[arg(long, short = 'f', value_enum, alias = "output-format")]
    pub format: Option<Format>,
    /// Write the report to FILE; the terminal keeps the text summary.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Colour in text output; `NO_COLOR` turns it off and `FORCE_COLOR` on
    /// (for `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Only these rules (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    pub select: Option<Vec<String>>,
    /// Add these rules to the selection (comma-separated), opt-in rules
    /// included, without turning the others off.
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    pub extend_select: Vec<String>,
    /// Skip these rules (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    pub ignore: Vec<String>,
    /// Show only findings at or above this severity, in every format and in
    /// the counts; hidden findings do not make the run exit 1 either.
    #[arg(long, short = 'S', value_enum, value_name = "SEVERITY")]
    pub severity: Option<FailOn>,
    /// Use this configuration file instead of searching for `.opslint.yaml`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print only the findings, no summary.
    #[arg(long, short)]
    pub quiet: bool,
    /// Leave out files and directories matching these globs (comma-separated,
    /// relative to the current directory) instead of the configuration's
    /// `exclude:`.
    #[arg(long, value_delimiter = ',', value_name = "GLOB,...")]
    pub exclude: Option<Vec<String>>,
    /// Leave out files and directories matching these globs (comma-separated,
    /// relative to the current directory) besides the configuration's
    /// `exclude:`.
    #[arg(long, value_delimiter = ',', value_name = "GLOB,...")]
    pub extend_exclude: Vec<String>,
    /// Apply `exclude` globs to paths given on the command line too.
    #[arg(long)]
    pub force_exclude: bool,
    /// The MicroK8s release the configuration is for (`1.34` or `1.34.5`).
    #[arg(long, value_name = "VERSION", conflicts_with = "snap_revision")]
    pub microk8s: Option<String>,
    /// The MicroK8s snap revision the configuration is for.
    #[arg(long, value_name = "N")]
    pub snap_revision: Option<u64>,
    /// A MicroK8s node's filesystem root (a chroot, a test tree): without a
    /// target, the revision and version are read from it (`/` is read by
    /// itself when a path is under /var/snap/microk8s/).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Apply the safe fixes to the files; the report shows what remains.
    #[arg(long)]
    pub fix: bool,
    /// With `--fix`: exit 1 when a file was changed, even if no finding remains.
    #[arg(long)]
    pub exit_non_zero_on_fix: bool,
    /// Apply unsafe fixes too (implies `--fix` unless `--diff` is given).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print the fixes as a unified diff instead of writing them.
    #[arg(long)]
    pub diff: bool,
    /// Show what each fix changes: under each finding in the text report,
    /// and, with `--fix` or `--diff`, list the fixes applied per file and rule.
    #[arg(long)]
    pub show_fixes: bool,
    /// Hide the findings recorded in this baseline; report only new ones.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// With `-` as the path: the name standard input stands for (its language,
    /// configuration and the path in the report).
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    /// Exit 0 even when there are findings (2 still means the run failed).
    #[arg(long, conflicts_with = "fail_on")]
    pub exit_zero: bool,
    /// The lowest severity that makes the run exit 1: `error` (default),
    /// `warning` (like ShellCheck `-S warning`, ansible-lint `--strict`) or `info`.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Print how many findings each rule has (and how many have a fix)
    /// instead of the report (with `--output-file`, the report is still written).
    #[arg(long)]
    pub statistics: bool,
    /// Record the current findings in FILE (and exit 0).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["baseline", "fix", "diff", "unsafe_fixes"])]
    pub write_baseline: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Concise,
    Json,
    Sarif,
    Github,
    Gitlab,
    Junit,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// The exit statuses of `check`, under `opslint check --help`.
const CHECK_EXIT_STATUS: &str = "\
Exit status:
  0  No finding at or above --fail-on (default: error) was reported, or --exit-zero
  1  A finding at or above --fail-on was reported (or, with --exit-non-zero-on-fix,
     a file was fixed; with --diff, a fix would change a file)
  2  The run failed: invalid configuration or arguments, a path that cannot be
     read, or a file that cannot be analysed";

/// Exit statuses.
pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Server { .. } => crate::lsp::run(),
        Command::Manifest(ManifestCommand::Import { component, version }) => {
            let mut help = String::new();
            // Bounded like every read: a help text is a few hundred KiB.
            let mut input = std::io::Read::take(std::io::stdin(), crate::fsread::MAX_FILE_SIZE + 1);
            if let Err(e) = std::io::Read::read_to_string(&mut input, &mut help) {
                eprintln!("error: cannot read the --help text: {e}");
                return EXIT_ERROR;
            }
            if help.len() as u64 > crate::fsread::MAX_FILE_SIZE {
                eprintln!(
                    "error: the --help text is larger than {} MiB",
                    crate::fsread::MAX_FILE_SIZE / (1024 * 1024)
                );
                return EXIT_ERROR;
            }
            let manifest = crate::manifest::from_help(&component, &version, &help);
            if manifest.versions.iter().all(|v| v.flags.is_empty()) {
                eprintln!("error: no flags found in the --help text on standard input");
                return EXIT_ERROR;
            }
            print(&(serde_json::to_string_pretty(&manifest).unwrap_or_default() + "\n"));
            eprintln!("{}", crate::manifest::HIDDEN_FLAGS_NOTE);
            EXIT_OK
        }
        Command::ValidateArgs {
            component,
            binary,
            microk8s,
            snap_revision,
            config,
            root,
            file,
        } => {
            let errors = Errors { github: false };
            let config = match load_configuration(config.as_deref(), Some(&file), errors) {
                Ok(config) => config,
                Err(code) => return code,
            };
            let node = Some((root, Some(file.clone())));
            let target = match prepare_target(cli_target(microk8s.as_deref(), snap_revision), &config, node, true, errors) {
                Ok(target) => target,
                Err(code) => return code,
            };
            if let Err(code) = register_manifests([&config], errors) {
                return code;
            }
            let (report, code) =
                crate::validate::validate(&file, &component, binary.as_deref(), &target);
            if code == EXIT_ERROR {
                eprint!("{report}");
            } else {
                print(&report);
            }
            code
        }
        Command::Rules { format } => {
            print(&crate::docs::rules_list(format == ListFormat::Json));
            EXIT_OK
        }
        Command::Rule { name } => match rules::by_name(&name) {
            Some(rule) => {
                print(&crate::docs::rule_markdown(rule.meta()));
                EXIT_OK
            }
            None => {
                let hint = rules::suggest(&name)
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                eprintln!("error: unknown rule `{}`{hint} (`opslint rules` lists them)", visible(&name));
                EXIT_ERROR
            }
        },
    }
}

/// The target named by `--microk8s` / `--snap-revision` (clap makes them exclusive).
fn cli_target(
    microk8s: Option<&str>,
    snap_revision: Option<u64>,
) -> Option<crate::target::TargetSpec> {
    match (microk8s, snap_revision) {
        (Some(v), _) => Some(crate::target::TargetSpec::MicroK8s(v.to_string())),
        (None, Some(rev)) => Some(crate::target::TargetSpec::SnapRevision(rev)),
        (None, None) => None,
    }
}

/// `path` as shown in a message: control characters escaped
/// ([`crate::escape::visible`]), since names come from the checked tree.
fn shown(path: &Path) -> String {
    visible(&path.to_string_lossy()).into_owned()
}

/// How configuration errors are reported: on standard error, escaped, and
/// under `--format github` also as `::error` annotations on standard output
/// (escaped by GitHub's rules), so that the job shows them on the file and
/// nothing in a key or value can pass for a workflow command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Errors {
    github: bool,
}

impl Errors {
    /// An invalid configuration: each problem at its line.
    fn config(self, e: &config::ConfigError) {
        // `ConfigError`'s `Display` escapes the path and each message.
        eprintln!("error: invalid configuration\n{e}");
        if self.github {
            let file = report::github::property(&e.path.to_string_lossy());
            for p in &e.problems {
                let at = if p.line == 0 { String::new() } else { format!(",line={},col={}", p.line, p.column) };
                self.annotate(&format!("file={file}{at},"), &p.message);
            }
        }
    }

    /// An invalid configuration where no file and line are known: `message`
    /// is escaped here.
    fn config_message(self, message: &str) {
        eprintln!("error: invalid configuration\n{}", visible(message));
        if self.github {
            self.annotate("", message);
        }
    }

    /// `properties`: empty, or `file=…,line=…,` (escaped, with a trailing comma).
    fn annotate(self, properties: &str, message: &str) {
        let title = report::github::property("opslint (invalid-configuration)");
        print(&format!("::error {properties}title={title}::{}\n", report::github::data(message)));
    }
}

fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`opslint rules | head`) is not an error worth a panic.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// The configuration: `--config`, else the nearest `.opslint.yaml` above the
/// first path, else the defaults. Errors are printed; the exit status returned.
fn load_configuration(explicit: Option<&Path>, first_path: Option<&Path>, errors: Errors) -> Result<Config, i32> {
    let all_rules = rules::all_meta();
    let config = match explicit {
        Some(path) => config::load(path, &all_rules),
        None => {
            let start = first_path
                .map(|p| {
                    if p.is_dir() {
                        p.to_path_buf()
                    } else {
                        p.parent().map(PathBuf::from).unwrap_or_default()
                    }
                })
                .unwrap_or_default();
            let start = if start.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                start
            };
            // As written, not resolved: a linked first path does not move the
            // search out of the tree it is in.
            let start = crate::fsread::lexical_absolute(&start);
            match config::discover(&start) {
                Some(path) => config::load_found(&path, &all_rules),
                None => Ok(Config::default_at(
                    &std::env::current_dir().unwrap_or_default(),
                )),
            }
        }
    };
    config.map_err(|e| {
        let e = config::ConfigError {
            path: discover::clean(&e.path),
            problems: e.problems,
        };
        errors.config(&e);
        EXIT_ERROR
    })
}

/// The target (the CLI overrides the configuration; none means the newest
/// release), and the configuration's user manifests registered.
fn prepare_target(
    cli: Option<crate::target::TargetSpec>,
    config: &Config,
    node: Option<(PathBuf, Option<PathBuf>)>,
    note: bool,
    errors: Errors,
) -> Result<crate::target::Target, i32> {
    // A sub-configuration's target is noted only when it names its own.
    let note = note || (cli.is_none() && config.target().is_some());
    let (spec, written_at) = match (cli, config.target()) {
        (Some(spec), _) => (Some(spec), None),
        (None, Some((spec, line, col))) => (Some(spec.clone()), Some((*line, *col))),
        (None, None) => (None, None),
    };
    // Without a target, a MicroK8s node says which revision it runs.
    let from_node = match (&spec, node) {
        (None, Some((root, path))) => crate::target::from_node(&root, path.as_deref()),
        _ => None,
    };
    let resolved = match from_node {
        Some(found) => found.map(Some),
        None => spec.map(|s| crate::target::resolve(&s)).transpose(),
    };
    let target = match resolved {
        Ok(target) => {
            let target = target.unwrap_or_else(crate::target::Target::newest);
            // `--microk8s 1.34.99`: said, not taken silently.
            if let Some(how) = target.approximation().filter(|_| note) {
                let what = target.describe("k8s-dqlite");
                eprintln!("note: {}: {}", visible(what.split(" (").next().unwrap_or("")), visible(&how));
            }
            target
        }
        Err(e) => {
            match (written_at, config.path()) {
                (Some((line, col)), Some(path)) => errors.config(&config::ConfigError {
                    path: discover::clean(path),
                    problems: vec![config::ConfigProblem { line, column: col, message: e.to_string() }],
                }),
                _ => eprintln!("error: {}", visible(&e.to_string())),
            }
            return Err(EXIT_ERROR);
        }
    };
    Ok(target)
}

/// The user manifests (`manifests:`) of the configurations in use, merged
/// over the built-in data once per process (a file named by several
/// configurations is read once).
fn register_manifests<'a>(configs: impl IntoIterator<Item = &'a Config>, errors: Errors) -> Result<(), i32> {
    let mut paths: Vec<PathBuf> = Vec::new();
    for config in configs {
        for path in config.manifests() {
            if !paths.contains(path) {
                paths.push(path.clone());
            }
        }
    }
    match crate::manifest::load_user(&paths) {
        Ok(user) => {
            crate::manifest::register_user(user);
            Ok(())
        }
        Err(e) => {
            errors.config_message(&e);
            Err(EXIT_ERROR)
        }
    }
}

/// Adds `n` findings (`fixable` of them with a fix) to `key`'s row, rows in
/// first-seen order.
fn tally<'a>(rows: &mut Vec<(&'a str, usize, usize)>, key: &'a str, n: usize, fixable: usize) {
    match rows.iter_mut().find(|(k, _, _)| *k == key) {
        Some(row) => {
            row.1 += n;
            row.2 += fixable;
        }
        None => rows.push((key, n, fixable)),
    }
}

/// "Fixed 2 findings in 1 file." (`verb`: "Fixed" or "Would fix"), followed
/// by `listing` (`--show-fixes`: the fixes by file and rule) when given.
fn fixes_line(verb: &str, fixes: usize, files: usize, listing: Option<&String>) -> String {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let end = if listing.is_some() && fixes > 0 { ":" } else { "." };
    format!(
        "{verb} {fixes} finding{} in {files} file{}{end}\n{}",
        plural(fixes),
        plural(files),
        listing.map_or("", String::as_str)
    )
}

/// What checking (and fixing) one file leaves for the run's report.
struct FileDone {
    key: PathBuf,
    piece: report::Piece,
    summary: Summary,
    fatal: bool,
    /// Fixes applied (or, with `--diff`, that would be).
    applied: usize,
    /// The rule of each fix applied (`--show-fixes`).
    fixed_rules: Vec<&'static str>,
    /// Findings and fixable ones per rule (`--statistics`).
    rules: Vec<(&'static str, usize, usize)>,
}

/// `opslint check - [--stdin-filename PATH]`: one file read from standard
/// input, reported under PATH (or `-`).
fn check_stdin(args: &CheckArgs, linter: Linter, format: report::Format) -> i32 {
    let mut bytes = Vec::new();
    let limit = crate::fsread::MAX_FILE_SIZE;
    if let Err(e) = std::io::Read::read_to_end(&mut std::io::Read::take(std::io::stdin(), limit + 1), &mut bytes) {
        eprintln!("error: cannot read standard input: {e}");
        return EXIT_ERROR;
    }
    if bytes.len() as u64 > limit {
        eprintln!("error: standard input is larger than {} MiB", limit / (1024 * 1024));
        return EXIT_ERROR;
    }
    let path = args.stdin_filename.clone().unwrap_or_else(|| PathBuf::from("-"));
    let language = args.stdin_filename.as_deref().and_then(Language::from_path);
    // `--force-exclude`: a name that `exclude:` covers is not checked (an
    // editor's plugin passes every buffer), as for a path given.
    let explicit = args.config.is_some().then(|| linter.config().clone());
    let configs = match directory_configs(args, explicit) {
        Ok(configs) => configs,
        Err(code) => return code,
    };
    let excluded = args.force_exclude && args.stdin_filename.as_deref().is_some_and(|name| configs.is_excluded(name));
    let report = if excluded { None } else { linter.check_bytes(&path, bytes, language) };
    let mut summary = Summary::default();
    let mut pieces = Vec::new();
    let mut fatal = false;
    if let Some(report) = report {
        fatal = report.is_fatal();
        let report = shown_at(report, args.severity);
        summary = Summary::of_file(&report);
        pieces.push(format.piece(report));
    } else if !args.quiet && !excluded {
        eprintln!(
            "warning: standard input was not checked: name it with --stdin-filename (e.g. check.sh, tasks/main.yml, nrpe.cfg) or start it with a shebang"
        );
    }
    let mut out = std::io::stdout().lock();
    let _ = format.finish_to(&pieces, &summary, &mut out);
    let _ = out.flush();
    exit_status(args, &summary, fatal)
}

/// What `exclude:` leaves out, with `--exclude` and `--extend-exclude`
/// (globs relative to the current directory) applied.
fn directory_configs(args: &CheckArgs, explicit: Option<Config>) -> Result<config::DirectoryConfigs, i32> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let globs = |flag: &str, patterns: &[String]| {
        Config::excluding(&cwd, patterns).map_err(|e| {
            eprintln!("error: {flag}: {}", visible(&e));
            EXIT_ERROR
        })
    };
    let replace = args.exclude.as_deref().map(|p| globs("--exclude", p)).transpose()?;
    let extend = if args.extend_exclude.is_empty() {
        None
    } else {
        Some(globs("--extend-exclude", &args.extend_exclude)?)
    };
    Ok(config::DirectoryConfigs::new(explicit, crate::rules::all_meta()).with_command_line(replace, extend))
}

/// `report` without the findings below `-S`/`--severity`: they are neither
/// shown nor counted (and so do not make the run exit 1).
fn shown_at(mut report: crate::linter::FileReport, at_least: Option<FailOn>) -> crate::linter::FileReport {
    use crate::diagnostic::Severity;
    let rank = |s: Severity| match s {
        Severity::Error => 2,
        Severity::Warning => 1,
        Severity::Info => 0,
    };
    let floor = match at_least {
        None | Some(FailOn::Info) => return report,
        Some(FailOn::Warning) => 1,
        Some(FailOn::Error) => 2,
    };
    report.diagnostics.retain(|d| rank(d.severity) >= floor);
    report
}

/// The exit status of a `check` run: 2 when something could not be read or
/// analysed, else 1 when a finding is at or above `--fail-on` (unless
/// `--exit-zero`), else 0.
fn exit_status(args: &CheckArgs, summary: &Summary, fatal: bool) -> i32 {
    let failing = match args.fail_on {
        FailOn::Error => summary.errors,
        FailOn::Warning => summary.errors + summary.warnings,
        FailOn::Info => summary.errors + summary.warnings + summary.infos,
    };
    if fatal {
        EXIT_ERROR
    } else if failing > 0 && !args.exit_zero {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

fn check(args: CheckArgs) -> i32 {
    // `opslint check -`: standard input, named by `--stdin-filename`.
    let stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    if stdin && (args.paths.len() > 1 || args.fix || args.unsafe_fixes || args.diff || args.write_baseline.is_some()) {
        eprintln!("error: `-` (standard input) is checked alone, without --fix, --diff or --write-baseline");
        return EXIT_ERROR;
    }
    let config_anchor = if stdin { args.stdin_filename.as_deref() } else { args.paths.first().map(PathBuf::as_path) };
    let chosen = args.format.unwrap_or_else(|| {
        if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
            Format::Github
        } else {
            Format::Text
        }
    });
    let errors = Errors { github: chosen == Format::Github };
    let (linter, explicit_config) = match run_linter(&args, config_anchor, errors) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let node = node_tree(&args);
    let target = match prepare_target(
        cli_target(args.microk8s.as_deref(), args.snap_revision),
        linter.config(),
        node.clone(),
        true,
        errors,
    ) {
        Ok(target) => target,
        Err(code) => return code,
    };
    let configs = match directory_configs(&args, explicit_config) {
        Ok(configs) => std::sync::Arc::new(configs),
        Err(code) => return code,
    };
    let (candidates, walk_errors) = discover::discover(&args.paths, configs.clone(), args.force_exclude);
    // Paths that cannot be read: an `unreadable-file` finding each, in every
    // format (like ruff's E902); with `--fix`/`--diff`/a baseline, on stderr.
    let path_findings = unreadable_paths(&walk_errors);
    if args.diff || args.fix || args.unsafe_fixes || args.write_baseline.is_some() {
        for e in &walk_errors {
            eprintln!("error: {}: {}", shown(&e.path), visible(&e.message));
        }
    }
    let linter = with_project_context(&args, linter, &candidates).with_target(target);
    let format = output_format(&args, chosen);
    if stdin {
        if let Err(code) = register_manifests([linter.config()], errors) {
            return code;
        }
        return check_stdin(&args, linter, format);
    }
    let baseline = match args.baseline.as_deref().map(crate::baseline::Baseline::load).transpose() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {}", visible(&e.to_string()));
            return EXIT_ERROR;
        }
    };
    let groups = match linters_by_configuration(&args, linter, &configs, &candidates, node, errors) {
        Ok(groups) => groups,
        Err(code) => return code,
    };
    // What links in the tree may not lead a written file out of.
    let groups_root = groups[0].0.root().to_path_buf();
    // User manifests of every configuration in use, merged once before any
    // file is read (the built-in data is shared by the whole run).
    if let Err(code) = register_manifests(groups.iter().map(|(l, _)| l.config()), errors) {
        return code;
    }
    if let Some(path) = &args.write_baseline {
        return write_baseline(&args, &groups, &groups_root, path, &walk_errors);
    }
    let fix_mode = fix_mode(&args);
    let outcomes = check_groups(&args, &groups, baseline.as_ref(), fix_mode, format, candidates.len());
    let statistics = rule_statistics(&outcomes);
    let mut summary = outcomes.iter().fold(Summary::default(), |acc, o| acc.merge(o.summary));
    summary.path_errors = walk_errors.len();
    let fatal = outcomes.iter().any(|o| o.fatal);
    let fixes: usize = outcomes.iter().map(|o| o.applied).sum();
    let fixed_files = outcomes.iter().filter(|o| o.applied > 0).count();
    let fixed_by_file = fixed_by_file(&outcomes);
    let mut pieces: Vec<report::Piece> = Vec::with_capacity(outcomes.len() + path_findings.len());
    for report in path_findings {
        summary.errors += 1;
        pieces.push(format.piece(report));
    }
    pieces.extend(outcomes.into_iter().map(|o| o.piece));
    if fix_mode == Some(crate::fixer::Mode::Diff) {
        for piece in &pieces {
            if let report::Piece::Rendered(diff) = piece {
                print(diff);
            }
        }
        if !args.quiet {
            eprint!("{}", fixes_line("Would fix", fixes, fixed_files, args.show_fixes.then_some(&fixed_by_file)));
        }
        return if !walk_errors.is_empty() || fatal {
            EXIT_ERROR
        } else if fixes > 0 {
            EXIT_FINDINGS
        } else {
            EXIT_OK
        };
    }
    // Nothing to check: the warning below says so, not a summary of nothing.
    let nothing = summary.files_checked == 0 && walk_errors.is_empty();
    let format = match format {
        report::Format::Text { color, show_fixes, .. } if nothing => report::Format::Text { color, quiet: true, show_fixes },
        report::Format::Concise { color, .. } if nothing => report::Format::Concise { color, quiet: true },
        other => other,
    };
    if let Err(code) = write_report(&args, format, &pieces, &summary, &groups_root) {
        return code;
    }
    if fix_mode.is_some() && !args.quiet {
        eprint!("{}", fixes_line("Fixed", fixes, fixed_files, args.show_fixes.then_some(&fixed_by_file)));
    }
    if let Some(b) = &baseline {
        for e in b.stale() {
            eprintln!(
                "warning: stale baseline entry: {} {} `{}` no longer found (remove it with --write-baseline)",
                visible(&e.path),
                visible(&e.rule),
                visible(&e.content)
            );
        }
    }
    if summary.files_checked == 0 && walk_errors.is_empty() && !args.quiet {
        eprintln!(
            "warning: no files to check (opslint reads shell scripts, also extension-less ones with a shebang; Ansible playbooks, roles and task files; NRPE .cfg files; MicroK8s args files under …/args/; .microk8s.yaml launch configurations; dqlite cluster.yaml files; and the .j2 templates of these)"
        );
    }
    if args.statistics {
        print_statistics(statistics);
    }
    let status = exit_status(&args, &summary, !walk_errors.is_empty() || fatal);
    // `--exit-non-zero-on-fix`: a changed file fails the run (`--exit-zero` wins, as in ruff).
    if status == EXIT_OK && args.exit_non_zero_on_fix && fix_mode.is_some() && fixes > 0 && !args.exit_zero {
        return EXIT_FINDINGS;
    }
    status
}

/// The run's linter, from the configuration found for the first path (or
/// `--config`) with `--extend-select`, `--select` and `--ignore`; and the
/// configuration `--config` gives (its `exclude:` applies everywhere).
fn run_linter(args: &CheckArgs, config_anchor: Option<&Path>, errors: Errors) -> Result<(Linter, Option<Config>), i32> {
    let config = load_configuration(args.config.as_deref(), config_anchor, errors)?;
    for name in &args.extend_select {
        if rules::by_name(name).is_none() {
            let hint = rules::suggest(name).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
            eprintln!("error: unknown rule `{}` in --extend-select{hint}", visible(name));
            return Err(EXIT_ERROR);
        }
    }
    let config = config.with_extend_select(&args.extend_select);
    // `exclude:` of `--config` applies everywhere; else each directory's nearest.
    let explicit_config = args.config.is_some().then(|| config.clone());
    match Linter::new(config, args.select.as_deref(), &args.ignore) {
        Ok(linter) => Ok((linter, explicit_config)),
        Err(e) => {
            eprintln!("error: {}", visible(&e.to_string()));
            Err(EXIT_ERROR)
        }
    }
}

/// A node's tree: `--root`, else `/` when a path is under
/// /var/snap/microk8s/; with the path that names the snap revision.
fn node_tree(args: &CheckArgs) -> Option<(PathBuf, Option<PathBuf>)> {
    let on_node = args.paths.iter().find(|p| {
        std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()).starts_with("/var/snap/microk8s")
    });
    match (&args.root, on_node) {
        (Some(root), _) => Some((root.clone(), args.paths.iter().find(|p| crate::target::revision_in_path(p).is_some()).cloned())),
        (None, Some(path)) => Some((PathBuf::from("/"), Some(path.clone()))),
        (None, None) => None,
    }
}

/// An `unreadable-file` finding for each path the walk could not read.
fn unreadable_paths(walk_errors: &[discover::WalkError]) -> Vec<crate::linter::FileReport> {
    walk_errors
        .iter()
        .map(|e| crate::linter::FileReport {
            path: e.path.clone(),
            source: crate::source::SourceFile::new(e.path.clone(), String::new()),
            diagnostics: vec![crate::diagnostic::Diagnostic::new(
                "unreadable-file",
                crate::diagnostic::Severity::Error,
                crate::source::Span::new(0, 0),
                e.message.clone(),
            )],
            language: None,
        })
        .collect()
}

/// `linter` rooted at the project of the run's paths, with the project's
/// template variables when there are templates to resolve.
fn with_project_context(args: &CheckArgs, linter: Linter, candidates: &[discover::Candidate]) -> Linter {
    // Template variables matter only where templates are: skip the project walk
    // for trees without YAML or `.j2` files.
    let templated = candidates.iter().any(|c| {
        matches!(
            c.language,
            Some(Language::Yaml | Language::ShellTemplate | Language::NrpeConfigTemplate)
        )
    });
    let config_root = linter.config().path().map(|_| linter.config().root());
    let root = crate::project::root(&args.paths, config_root);
    let linter = linter.with_root(root);
    let vars = if templated {
        crate::project::collect_vars(linter.project())
    } else {
        Default::default()
    };
    linter.with_vars(vars)
}

/// How the report is written: `--output-format` (or the default `chosen`),
/// in colour when asked for or when standard output is a terminal.
fn output_format(args: &CheckArgs, chosen: Format) -> report::Format {
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
            !set("NO_COLOR") && (set("FORCE_COLOR") || std::io::stdout().is_terminal())
        }
    };
    match chosen {
        Format::Text => report::Format::Text {
            // Never colour a file.
            color: color && args.output_file.is_none(),
            quiet: args.quiet,
            show_fixes: args.show_fixes,
        },
        Format::Concise => report::Format::Concise {
            color: color && args.output_file.is_none(),
            quiet: args.quiet,
        },
        Format::Json => report::Format::Json,
        Format::Sarif => report::Format::Sarif,
        Format::Github => report::Format::Github,
        Format::Gitlab => report::Format::Gitlab,
        Format::Junit => report::Format::Junit,
    }
}

/// The candidates grouped by the configuration that applies to them, each
/// group with its linter, the run's own configuration first.
fn linters_by_configuration(
    args: &CheckArgs,
    linter: Linter,
    configs: &config::DirectoryConfigs,
    candidates: &[discover::Candidate],
    node: Option<(PathBuf, Option<PathBuf>)>,
    errors: Errors,
) -> Result<Vec<(Linter, Vec<discover::Candidate>)>, i32> {
    // Each file's configuration: `--config` for all, else the nearest
    // `.opslint.yaml` above it (up to the repository root), as ruff does and as
    // the LSP server does, so hook, CI and editor agree whatever the order of
    // the paths. Files whose nearest configuration is the run's share its linter.
    let run_config = linter.config().path().map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()));
    // Candidates by the configuration that applies to them (canonical path;
    // `None`: no configuration above them), the run's first.
    let mut by_config: Vec<(Option<PathBuf>, Vec<crate::discover::Candidate>)> = vec![(run_config.clone(), Vec::new())];
    // The walk's answers (each directory was resolved once), canonical once per file.
    let mut canonical: std::collections::HashMap<PathBuf, PathBuf> = Default::default();
    for c in candidates {
        let nearest = if args.config.is_some() {
            run_config.clone()
        } else {
            configs.nearest(config::parent_dir(&c.path)).map(|n| {
                canonical
                    .entry(n.file)
                    .or_insert_with_key(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()))
                    .clone()
            })
        };
        match by_config.iter_mut().find(|(k, _)| *k == nearest) {
            Some((_, list)) => list.push(c.clone()),
            None => by_config.push((nearest, vec![c.clone()])),
        }
    }
    let mut by_config = by_config.into_iter();
    let (_, own) = by_config.next().unwrap_or_default();
    let mut groups: Vec<(Linter, Vec<crate::discover::Candidate>)> = Vec::new();
    for (path, list) in by_config {
        let sub = match &path {
            Some(path) => load_configuration(Some(path), None, errors)?,
            // No configuration above these files: the defaults.
            None => Config::default_at(&std::env::current_dir().unwrap_or_default()),
        };
        // Its own `target:` (the command line and a node's revision take
        // precedence as for the run's configuration), else the newest.
        let target = prepare_target(cli_target(args.microk8s.as_deref(), args.snap_revision), &sub, node.clone(), false, errors)?;
        let sub = sub.with_extend_select(&args.extend_select);
        match linter.with_config(sub, args.select.as_deref(), &args.ignore) {
            Ok(l) => groups.push((l.with_target(target), list)),
            Err(e) => {
                eprintln!("error: {}", visible(&e.to_string()));
                return Err(EXIT_ERROR);
            }
        }
    }
    groups.insert(0, (linter, own));
    Ok(groups)
}

/// `--write-baseline`: every finding of the run written to `path`.
fn write_baseline(
    args: &CheckArgs,
    groups: &[(Linter, Vec<discover::Candidate>)],
    groups_root: &Path,
    path: &Path,
    walk_errors: &[discover::WalkError],
) -> i32 {
    let all: Vec<crate::baseline::Entry> = groups
        .iter()
        .flat_map(|(linter, list)| linter.check_each(list, |report| crate::baseline::entries(&report)))
        .flatten()
        .collect();
    let n = all.len();
    if let Err(e) = crate::baseline::write(groups_root, path, all) {
        eprintln!("error: cannot write the baseline {}: {}", shown(path), visible(&e));
        return EXIT_ERROR;
    }
    if !args.quiet {
        print(&format!(
            "Baseline of {n} finding{} written to {}.\n",
            if n == 1 { "" } else { "s" },
            shown(path)
        ));
    }
    if walk_errors.is_empty() { EXIT_OK } else { EXIT_ERROR }
}

/// `--diff` shows the fixes, `--fix`/`--unsafe-fixes` write them.
fn fix_mode(args: &CheckArgs) -> Option<crate::fixer::Mode> {
    if args.diff {
        Some(crate::fixer::Mode::Diff)
    } else if args.fix || args.unsafe_fixes {
        Some(crate::fixer::Mode::Write)
    } else {
        None
    }
}

/// Checks every group's files; each file is filtered by the baseline, fixed
/// when asked and rendered where it was checked (only the rendered text is
/// kept), in path order.
fn check_groups(
    args: &CheckArgs,
    groups: &[(Linter, Vec<discover::Candidate>)],
    baseline: Option<&crate::baseline::Baseline>,
    fix_mode: Option<crate::fixer::Mode>,
    format: report::Format,
    files: usize,
) -> Vec<FileDone> {
    let per_file = |linter: &Linter, mut report: crate::linter::FileReport| {
        if let Some(b) = baseline {
            b.filter(&mut report);
        }
        let (report, applied, fixed_rules, fix_failed, diff) = match fix_mode {
            Some(mode) => {
                let outcome = crate::fixer::fix_file(linter, report, args.unsafe_fixes, mode);
                if let Some(e) = &outcome.error {
                    eprintln!("error: {}: {}", shown(&outcome.report.path), visible(&e.to_string()));
                }
                let failed = outcome.error.is_some();
                (outcome.report, outcome.applied, outcome.rules, failed, outcome.diff)
            }
            None => (report, 0, Vec::new(), false, None),
        };
        // Whether the file could be analysed does not depend on what is shown.
        let fatal = report.is_fatal() || fix_failed;
        let report = shown_at(report, args.severity);
        let summary = Summary::of_file(&report);
        let key = report.path.clone();
        let mut rules: Vec<(&'static str, usize, usize)> = Vec::new();
        if args.statistics {
            for d in &report.diagnostics {
                tally(&mut rules, d.rule, 1, usize::from(d.fix.is_some()));
            }
        }
        let piece = match fix_mode {
            Some(crate::fixer::Mode::Diff) => report::Piece::Rendered(diff.unwrap_or_default()),
            _ => format.piece(report),
        };
        FileDone { key, piece, summary, fatal, applied, fixed_rules, rules }
    };
    let mut outcomes = Vec::with_capacity(files);
    for (linter, list) in groups {
        outcomes.extend(linter.check_each(list, |r| per_file(linter, r)));
    }
    if groups.len() > 1 {
        outcomes.sort_by(|a, b| a.key.cmp(&b.key));
    }
    outcomes
}

/// `--statistics`: findings (and fixable ones) per rule, most first.
fn rule_statistics(outcomes: &[FileDone]) -> Vec<(&'static str, usize, usize)> {
    let mut statistics: Vec<(&str, usize, usize)> = Vec::new();
    for &(rule, n, fixable) in outcomes.iter().flat_map(|o| o.rules.iter()) {
        tally(&mut statistics, rule, n, fixable);
    }
    statistics.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    statistics
}

/// `--show-fixes --fix`: the fixes applied, by file and rule.
fn fixed_by_file(outcomes: &[FileDone]) -> String {
    let mut fixed_by_file = String::new();
    for o in outcomes.iter().filter(|o| !o.fixed_rules.is_empty()) {
        fixed_by_file.push_str(&format!("- {}:\n", shown(&discover::clean(&o.key))));
        let mut counted: Vec<(&str, usize, usize)> = Vec::new();
        for rule in &o.fixed_rules {
            tally(&mut counted, rule, 1, 0);
        }
        for (rule, n, _) in counted {
            fixed_by_file.push_str(&format!("    {n} × {rule}\n"));
        }
    }
    fixed_by_file
}

/// Writes the report to `--output-file` or standard output (not with
/// `--statistics`, whose table is the output). The report is written as it
/// is assembled: 900,000 findings are not copied into one more string.
fn write_report(
    args: &CheckArgs,
    format: report::Format,
    pieces: &[report::Piece],
    summary: &Summary,
    groups_root: &Path,
) -> Result<(), i32> {
    match &args.output_file {
        Some(path) => {
            let dest = crate::fswrite::Dest { root: groups_root, path, explicit: true };
            let written = crate::fswrite::write_file(dest, |out| format.finish_to(pieces, summary, out));
            if let Err(e) = written {
                eprintln!("error: cannot write the report to {}: {}", shown(path), visible(&e.to_string()));
                return Err(EXIT_ERROR);
            }
            if !args.quiet {
                print(&format!(
                    "{}Report written to {}.\n",
                    crate::report::text::summary_line(summary),
                    shown(path)
                ));
            }
        }
        // `--statistics`: the table alone, as ruff prints it.
        None if args.statistics => {}
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`opslint check | head`) is not an error worth a panic.
            let _ = format.finish_to(pieces, summary, &mut out);
            let _ = out.flush();
        }
    }
    Ok(())
}

/// The `--statistics` table: findings per rule, with how many are fixable.
fn print_statistics(statistics: Vec<(&str, usize, usize)>) {
    let mut table = String::new();
    for (rule, n, fixable) in statistics {
        let mark = if fixable > 0 { format!(" ({fixable} fixable)") } else { String::new() };
        table.push_str(&format!("{n:>6}  {rule}{mark}\n"));
    }
    // The report, if any, went to `--output-file`: the table is the output.
    print(&table);
}
