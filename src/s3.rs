//! `witness serve` and `witness probe`: the IndexCache over the S3 API, and a Jepsen-style probe
//! of any S3 endpoint judged with the value-based checker. See docs/s3.md.

use crate::cli::{CredentialArgs, ProbeArgs, ServeArgs};
use crate::output::{self, CliError, EXIT_INCOMPLETE, EXIT_OK, EXIT_VIOLATED};
use std::sync::Arc;
use witness_history::Status;
use witness_model::system::Mode;
use witness_s3::faults::Fault;
use witness_s3::probe::nemesis::{self, Schedule};
use witness_s3::probe::{self, report, verdict, ProbeConfig, ProbeError, Target};
use witness_s3::serve::{self, Credentials, ServeConfig, ServeError};

const ACCESS_KEY_ENV: &str = "AWS_ACCESS_KEY_ID";
const SECRET_KEY_ENV: &str = "AWS_SECRET_ACCESS_KEY";
const REGION_ENV: &str = "AWS_REGION";

impl CredentialArgs {
    fn resolve(&self, what: &str) -> Result<Credentials, CliError> {
        let pick = |flag: &Option<String>, env: &str| {
            flag.clone()
                .or_else(|| std::env::var(env).ok())
                .filter(|s| !s.is_empty())
        };
        match (
            pick(&self.access_key, ACCESS_KEY_ENV),
            pick(&self.secret_key, SECRET_KEY_ENV),
        ) {
            (Some(access_key), Some(secret_key)) => Ok(Credentials {
                access_key,
                secret_key,
            }),
            (None, _) | (_, None) => Err(CliError::usage(format!(
                "{what} needs credentials: --access-key and --secret-key, or {ACCESS_KEY_ENV} and {SECRET_KEY_ENV}"
            ))),
        }
    }
}

pub fn serve(args: &ServeArgs) -> Result<i32, CliError> {
    let config = ServeConfig {
        mode: args.mode,
        nodes: args.nodes,
        spread: args.spread,
        addr: args.addr,
        data: args.data.clone(),
        credentials: args.credentials.resolve("witness serve")?,
        faults: args.faults,
        seed: args.seed,
        limits: args.limits(),
    };
    let log = Arc::new(|fault: &Fault| eprintln!("fault: {fault}"));
    serve::serve_until_interrupted(&config, log, |addr| {
        println!(
            "witness serve: {} mode, {} cache nodes (spread {}), listening on http://{addr} (Ctrl-C stops)",
            config.mode, config.nodes, config.spread
        );
    })
    .map_err(serve_error)?;
    Ok(EXIT_OK)
}

/// What a failed server start means for the user: their address, data directory, rate or limits,
/// or the disk.
fn serve_error(e: ServeError) -> CliError {
    match &e {
        ServeError::Data(dir, io) => CliError::io("use as the data directory", dir, io),
        ServeError::Config(_)
        | ServeError::Bind(..)
        | ServeError::FaultRate(_)
        | ServeError::Limits(_) => CliError::usage(e.to_string()),
    }
}

fn probe_error(e: ProbeError) -> CliError {
    match e {
        ProbeError::Serve(e) => serve_error(e),
        ProbeError::BadInput(_) | ProbeError::Unreachable(_) | ProbeError::Refused(_) => {
            CliError::usage(e.to_string())
        }
        ProbeError::Runtime(_) | ProbeError::Internal(_) => CliError::internal(e.to_string()),
    }
}

fn target(args: &ProbeArgs) -> Result<Target, CliError> {
    if args.endpoints.is_empty() {
        return Ok(Target::Embedded {
            mode: args.mode.unwrap_or(Mode::Strong),
            nodes: 3,
            spread: 2,
            faults: args.faults,
        });
    }
    if args.mode.is_some() || args.faults.is_some() {
        return Err(CliError::usage(
            "--mode and --faults configure the embedded server: they cannot be combined with --endpoint",
        ));
    }
    Ok(Target::Remote {
        urls: args.endpoints.clone(),
        credentials: args.credentials.resolve("witness probe --endpoint")?,
    })
}

/// `--nemesis` and `--nemesis-every` as a schedule (none without `--nemesis`).
fn nemesis(args: &ProbeArgs) -> Option<Schedule> {
    (!args.nemesis.is_empty()).then(|| Schedule {
        faults: args.nemesis.clone(),
        every: args.nemesis_every.unwrap_or(nemesis::DEFAULT_EVERY),
    })
}

/// As for `check`: a violation wins; a property left undecided makes the run incomplete.
fn exit_code(judgement: &verdict::ProbeJudgement) -> i32 {
    let statuses = || judgement.report.properties.iter().map(|p| p.status);
    if !judgement.holds() {
        EXIT_VIOLATED
    } else if statuses().any(|s| s == Status::Unknown) {
        EXIT_INCOMPLETE
    } else {
        EXIT_OK
    }
}

pub fn probe(args: &ProbeArgs) -> Result<i32, CliError> {
    for out in args.out.iter().chain(&args.html) {
        if out.exists() && !args.force {
            return Err(CliError::usage(format!(
                "{} exists; pass --force to overwrite it",
                out.display()
            )));
        }
    }
    let config = ProbeConfig {
        target: target(args)?,
        bucket: args.bucket.clone(),
        region: args
            .region
            .clone()
            .or_else(|| std::env::var(REGION_ENV).ok())
            .unwrap_or_else(|| "us-east-1".into()),
        clients: args.clients,
        ops: args.ops,
        keys: args.keys,
        duration: args.duration,
        seed: args.seed,
        timeout: args.timeout,
        nemesis: nemesis(args),
    };
    let run = probe::probe(&config).map_err(probe_error)?;
    let judgement = verdict::judge(&run.history);
    if let Some(out) = &args.out {
        // The checker's own Jepsen JSON writer, over the history it judged.
        let mut text = Vec::new();
        witness_history::export::jepsen_json(&run.history, &mut text)
            .and_then(|()| std::fs::write(out, text))
            .map_err(|e| CliError::io("write", out, e))?;
    }
    if args.json {
        let report = report::build(&run, &config, &judgement);
        println!("{}", output::to_json(&report, "the probe's report")?);
    } else {
        print!(
            "{}",
            verdict::render(&run, &config, &judgement, args.out.is_some())
        );
    }
    // With --json, stdout is the JSON alone: where the files went goes to stderr.
    let say = |line: String| {
        if args.json {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    };
    if let Some(out) = &args.out {
        say(format!(
            "history saved to {} (witness history {0} judges it again)",
            out.display()
        ));
    }
    if let Some(html) = &args.html {
        let title = run.endpoints.join(" ");
        std::fs::write(html, judgement.html(&run.history, &title))
            .map_err(|e| CliError::io("write", html, e))?;
        say(format!("timeline written to {}", html.display()));
    }
    Ok(exit_code(&judgement))
}
