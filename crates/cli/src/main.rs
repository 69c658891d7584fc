//! `passa`: the command line for operators, and the process that serves the web app.
#![allow(clippy::print_stdout)] // Printing to stdout is what a command-line tool is for.

mod args;
mod check;
mod commands;
mod config;
mod pool;
mod progress;
mod solve;
mod transport;
mod worker;

use std::process::ExitCode;

use clap::Parser;

/// A mistake in what the user gave us (exit code 2), as opposed to a failure (exit code 1).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// Ends the command with this exit code and no message (its output said it all).
#[derive(Debug, thiserror::Error)]
#[error("exit {0}")]
pub struct Exit(pub u8);

fn exit_code(error: &anyhow::Error) -> u8 {
    if let Some(Exit(code)) = error.downcast_ref::<Exit>() {
        return *code;
    }
    let bad_input = error.chain().any(|cause| {
        cause.is::<BadInput>()
            || cause
                .downcast_ref::<passa_app::AppError>()
                .is_some_and(passa_app::AppError::is_bad_input)
    });
    if bad_input { 2 } else { 1 }
}

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let serving = matches!(
        cli.command,
        args::Command::Serve(_) | args::Command::Demo(args::DemoArgs { serve: true, .. })
    );
    let default_level = if serving { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("PASSA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();

    // Crash tests only: abort at a named point (see passa_app::crash).
    if let Ok(spec) = std::env::var("PASSA_CRASH_AT") {
        passa_app::crash::arm(&spec);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is::<Exit>() => ExitCode::from(exit_code(&error)),
        Err(error) => {
            // One line: the error and its causes.
            let message: Vec<String> = error.chain().map(ToString::to_string).collect();
            let mut line = message.join(": ");
            line.retain(|c| c != '\n');
            eprintln!("error: {line}");
            ExitCode::from(exit_code(&error))
        }
    }
}
