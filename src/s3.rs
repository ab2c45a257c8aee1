//! `witness serve` and `witness probe`: the IndexCache over the S3 API, and a Jepsen-style probe
//! of any S3 endpoint judged with the value-based checker. See docs/s3.md.

use crate::cli::CliError;
use crate::output::{EXIT_OK, EXIT_VIOLATED};
use clap::builder::PossibleValuesParser;
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use witness_model::system::Mode;
use witness_s3::faults::Fault;
use witness_s3::probe::{self, verdict, ProbeConfig, ProbeError, Target};
use witness_s3::serve::{self, Credentials, ServeConfig};

const ACCESS_KEY_ENV: &str = "AWS_ACCESS_KEY_ID";
const SECRET_KEY_ENV: &str = "AWS_SECRET_ACCESS_KEY";
const REGION_ENV: &str = "AWS_REGION";

fn mode_names() -> PossibleValuesParser {
    PossibleValuesParser::new(Mode::ALL.iter().map(|m| m.name()))
}

fn mode(name: &str) -> Result<Mode, CliError> {
    name.parse::<Mode>().map_err(|e| CliError::usage(e.0))
}

/// Credentials shared by both subcommands.
#[derive(Debug, Args)]
pub struct CredentialArgs {
    /// Access key id (default: $AWS_ACCESS_KEY_ID).
    #[arg(long)]
    pub access_key: Option<String>,
    /// Secret access key (default: $AWS_SECRET_ACCESS_KEY).
    #[arg(long)]
    pub secret_key: Option<String>,
}

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
            _ => Err(CliError::usage(format!(
                "{what} needs credentials: --access-key and --secret-key, or {ACCESS_KEY_ENV} and {SECRET_KEY_ENV}"
            ))),
        }
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Consistency mode of the index tier.
    #[arg(long, default_value = "strong", value_parser = mode_names())]
    pub mode: String,
    /// Number of cache nodes.
    #[arg(long, default_value_t = 3)]
    pub nodes: usize,
    /// Hot-key spread: how many ring nodes serve each key's reads.
    #[arg(long, default_value_t = 2)]
    pub spread: usize,
    /// Address to listen on (loopback by default; a non-loopback address exposes the server).
    #[arg(long, default_value = serve::DEFAULT_ADDR)]
    pub addr: SocketAddr,
    /// Directory for object bytes (default: memory).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Inject faults (evictions, node and witness restarts) at RATE per second, logged on stderr.
    #[arg(long, value_name = "RATE", num_args = 0..=1, default_missing_value = "20")]
    pub faults: Option<f64>,
    /// Seed of the fault injector.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[command(flatten)]
    pub credentials: CredentialArgs,
}

pub fn serve(args: &ServeArgs) -> Result<i32, CliError> {
    let config = ServeConfig {
        mode: mode(&args.mode)?,
        nodes: args.nodes,
        spread: args.spread,
        addr: args.addr,
        data: args.data.clone(),
        credentials: args.credentials.resolve("witness serve")?,
        faults: args.faults,
        seed: args.seed,
    };
    let log = Arc::new(|fault: &Fault| eprintln!("fault: {fault}"));
    serve::serve_until_interrupted(&config, log, |addr| {
        println!(
            "witness serve: {} mode, {} cache nodes (spread {}), listening on http://{addr} (Ctrl-C stops)",
            config.mode, config.nodes, config.spread
        );
    })
    .map_err(|e| CliError::usage(e.to_string()))?;
    Ok(EXIT_OK)
}

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// S3 endpoint URL. Without it, the probe starts `witness serve` in-process on a free
    /// loopback port and probes that.
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Bucket to probe; created if missing. Objects go under a prefix unique to the run.
    #[arg(long, default_value = "witness-probe")]
    pub bucket: String,
    /// Concurrent clients.
    #[arg(long, default_value_t = 4)]
    pub clients: usize,
    /// Operations in total.
    #[arg(long, default_value_t = 400)]
    pub ops: usize,
    /// Keys the operations share.
    /// (With 8, every eventual-mode run measured showed a read-after-write anomaly.)
    #[arg(long, default_value_t = 8)]
    pub keys: usize,
    /// Stop after this long even if operations remain (e.g. 30s, 2m, 500ms).
    #[arg(long, value_name = "D", value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Seed of the workload.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Save the history (Jepsen JSON lines, contract C1) here.
    #[arg(long, value_name = "HISTORY")]
    pub out: Option<PathBuf>,
    /// Also write the checker's HTML timeline of the history here.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Overwrite --out / --html if they exist.
    #[arg(long)]
    pub force: bool,
    /// A request unanswered this long is indeterminate (Jepsen's :info).
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Region for signing (default: $AWS_REGION, else us-east-1).
    #[arg(long)]
    pub region: Option<String>,
    /// Embedded server only: its consistency mode.
    #[arg(long, value_parser = mode_names())]
    pub mode: Option<String>,
    /// Embedded server only: inject faults at RATE per second.
    #[arg(long, value_name = "RATE", num_args = 0..=1, default_missing_value = "20")]
    pub faults: Option<f64>,
    #[command(flatten)]
    pub credentials: CredentialArgs,
}

/// `500ms`, `30s`, `2m` or a bare number of seconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration (e.g. 500ms, 30s, 2m)"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" => value * 60.0,
        _ => {
            return Err(format!(
                "unknown unit '{unit}' in '{text}' (use ms, s or m)"
            ))
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("'{text}': {e}"))
}

fn target(args: &ProbeArgs) -> Result<Target, CliError> {
    match &args.endpoint {
        Some(url) => {
            if args.mode.is_some() || args.faults.is_some() {
                return Err(CliError::usage(
                    "--mode and --faults configure the embedded server: they cannot be combined with --endpoint",
                ));
            }
            Ok(Target::Remote {
                url: url.clone(),
                credentials: args.credentials.resolve("witness probe --endpoint")?,
            })
        }
        None => Ok(Target::Embedded {
            mode: mode(args.mode.as_deref().unwrap_or("strong"))?,
            nodes: 3,
            spread: 2,
            faults: args.faults,
        }),
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
    };
    let run = probe::probe(&config).map_err(|e: ProbeError| CliError::usage(e.to_string()))?;
    let judgement = verdict::judge(&run.history);
    if let Some(out) = &args.out {
        // The checker's own Jepsen JSON writer, over the history it judged.
        let mut text = Vec::new();
        witness_history::export::jepsen_json(&run.history, &mut text)
            .and_then(|()| std::fs::write(out, text))
            .map_err(|e| CliError::usage(format!("cannot write {}: {e}", out.display())))?;
    }
    print!(
        "{}",
        verdict::render(&run, &config, &judgement, args.out.is_some())
    );
    if let Some(out) = &args.out {
        println!(
            "history saved to {} (witness history {0} judges it again)",
            out.display()
        );
    }
    if let Some(html) = &args.html {
        std::fs::write(html, judgement.html(&run.history, &run.endpoint))
            .map_err(|e| CliError::usage(format!("cannot write {}: {e}", html.display())))?;
        println!("timeline written to {}", html.display());
    }
    Ok(if judgement.holds() {
        EXIT_OK
    } else {
        EXIT_VIOLATED
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units_and_reject_garbage() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("3h").is_err());
    }
}
