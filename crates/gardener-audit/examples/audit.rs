//! Runs the audit without the `gardener` binary:
//! `cargo run -p gardener-audit --example audit -- DIR [--redis URL] [--format json]`.

#![allow(clippy::print_stderr)] // an example's `main` reports its own errors

use clap::Parser;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    audit: gardener_audit::cli::AuditArgs,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match gardener_audit::run(&cli.audit, &mut std::io::stdout().lock()) {
        Ok(gardener_audit::Outcome::Clean) => std::process::ExitCode::SUCCESS,
        Ok(gardener_audit::Outcome::CheckTripped) => std::process::ExitCode::from(1),
        Err(error) => {
            let mut source: Option<&dyn std::error::Error> = Some(&error);
            let mut first = true;
            while let Some(e) = source {
                eprintln!("{}{e}", if first { "error: " } else { "  caused by: " });
                first = false;
                source = e.source();
            }
            std::process::ExitCode::from(2)
        }
    }
}
