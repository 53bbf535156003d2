use clap::Parser;

fn main() {
    let cli = opslint::cli::Cli::parse();
    std::process::exit(opslint::cli::run(cli));
}
