//! `witness explore`: the stateright Explorer on one configuration.
//!
//! stateright's `serve()` blocks forever, panics when the port is taken, lists no discoveries
//! until someone posts `/.runtocompletion`, runs to completion about fifty times slower than the
//! level search (it rebuilds the path to every state it visits), and serves `./ui/*` from the
//! working directory in place of its own UI when present. We check the port first, survey the
//! Explorer's own state space with the level search (size, verdicts, a link to each shortest
//! discovery), post the run request ourselves only when the Explorer would finish in about a
//! minute (or with `--run`), and say all of this at startup.

use crate::cli::ExploreArgs;
use crate::output::{self, CliError};
use stateright::{Model, Path};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};
use witness_model::check::{run, CheckOptions, CheckReport, Steps};
use witness_model::system::conditions::Witnessed;
use witness_model::system::explorer::ExplorerModel;
use witness_model::system::WitnessModel;

fn resolve(addr: &str) -> Result<SocketAddr, CliError> {
    addr.to_socket_addrs()
        .map_err(|e| CliError::usage(format!("invalid --addr '{addr}': {e}")))?
        .next()
        .ok_or_else(|| CliError::usage(format!("invalid --addr '{addr}': resolves to nothing")))
}

/// Sends `POST /.runtocompletion` once the server accepts connections. A raw request keeps the
/// binary free of an HTTP client dependency for one fixed call.
fn request_run_to_completion(addr: SocketAddr) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut stream = loop {
        match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
            Ok(stream) => break stream,
            Err(e) if Instant::now() >= deadline => return Err(e.to_string()),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    let request = format!(
        "POST /.runtocompletion HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| e.to_string())?;
    if response.starts_with("HTTP/1.1 200") || response.starts_with("HTTP/1.0 200") {
        Ok(())
    } else {
        Err(format!(
            "unexpected answer: {}",
            response.lines().next().unwrap_or("(empty)")
        ))
    }
}

/// How fast stateright 0.30.2's Explorer runs to completion: it rebuilds the whole path to every
/// state it visits (for its "recent path" snapshot), so it visits a few thousand states a second
/// where the level search visits hundreds of thousands. Measured on 2 shared cores: 3,700 (strong
/// mode) to 5,500 (eventual) unique states a second. Documented in docs/cli.md.
const EXPLORER_STATES_PER_SECOND: usize = 4_000;

/// The largest space the Explorer is asked to run to completion by default: about a minute.
const EXPLORER_RUN_LIMIT: usize = 60 * EXPLORER_STATES_PER_SECOND;

/// How long the survey of the Explorer's space may take before the Explorer starts anyway.
const SURVEY_LIMIT: Duration = Duration::from_secs(30);

pub fn explore(args: &ExploreArgs) -> Result<i32, CliError> {
    let mut cfg = args.config.base();
    args.protocol.apply(&mut cfg);
    cfg.validate()?;
    if args.threads == 0 {
        return Err(CliError::usage("--threads must be at least 1 (got 0)"));
    }
    let addr = resolve(&args.addr)?;
    // serve() unwraps its bind; binding here first turns a taken port into a one-line error.
    // (Another process could still take the port between this check and serve(); then serve's
    // panic is the message.)
    if let Err(e) = TcpListener::bind(addr) {
        return Err(CliError::usage(format!(
            "cannot listen on {addr}: {e} (is another Explorer running? choose another --addr)"
        )));
    }
    if let Some(warning) = output::state_space_warning(&cfg) {
        eprintln!("{warning}");
    }
    let model = ExplorerModel::new(cfg.clone().into_model());
    println!(
        "witness explore: {}",
        output::describe_run(
            cfg.mode.name(),
            &cfg.variant.to_string(),
            cfg.mutant.map(|m| m.name())
        )
    );
    println!("configuration: {}", output::describe_cfg(&cfg));
    println!("properties: {}", model.properties().len());
    let survey = survey(&model, args.threads, addr)?;
    println!("Explorer: http://{addr}/");
    if ask_to_run(args, &survey, addr) {
        std::thread::spawn(move || {
            if let Err(e) = request_run_to_completion(addr) {
                eprintln!("warning: could not ask the Explorer to run to completion: {e}; press \"Run to completion\" on the page");
            }
        });
    }
    if std::path::Path::new("ui").is_dir() {
        eprintln!(
            "warning: ./ui exists in the working directory; stateright's Explorer serves \
             ./ui/index.htm, app.js and app.css from it instead of its own UI when present"
        );
    }
    println!("Press Ctrl-C to stop.");
    let _ = std::io::stdout().flush();
    model.checker().threads(args.threads).serve(addr);
    Ok(output::EXIT_OK)
}

/// The Explorer's own state space (no symmetry, faults and deliveries whenever the system allows)
/// checked by the level search first, in seconds: its size, every verdict, and a link to the
/// shortest path of each discovery on the Explorer's page.
fn survey(
    model: &ExplorerModel,
    threads: usize,
    addr: SocketAddr,
) -> Result<CheckReport, CliError> {
    let inner = model.witness_model();
    let opts = CheckOptions {
        threads,
        symmetry: inner.symmetry,
        reductions: inner.reductions,
        timeout: Some(SURVEY_LIMIT),
        ..CheckOptions::default()
    };
    let mut progress = output::ProgressLine::new("survey");
    let report = run(&inner.cfg, &opts, None, &mut |p| progress.update(p))?;
    progress.finish();
    let size = if report.complete {
        format!("{} states", output::thousands(report.unique_states))
    } else {
        format!(
            "more than {} states (the survey stopped after {}s)",
            output::thousands(report.unique_states),
            SURVEY_LIMIT.as_secs()
        )
    };
    println!(
        "the Explorer's state space (every state: no symmetry, faults and deliveries whenever \
         possible): {size}, depth {}, surveyed in {:.1}s",
        report.max_depth, report.seconds
    );
    for result in &report.properties {
        let link = report
            .paths
            .iter()
            .find(|(p, _)| *p == result.property)
            .and_then(|(_, steps)| explorer_link(inner, steps, addr));
        println!(
            "  {:20} {}{}",
            result.property.name(),
            output::verdict_text(&report, result),
            link.map_or(String::new(), |l| format!(": {l}"))
        );
    }
    Ok(report)
}

/// The Explorer's page showing `steps`, addressed by the fingerprints of its states.
fn explorer_link(model: &WitnessModel, steps: &Steps, addr: SocketAddr) -> Option<String> {
    let (init, _) = steps.first()?;
    let actions: Vec<_> = steps.iter().filter_map(|(_, a)| a.clone()).collect();
    let path = Path::from_actions(model, init.clone(), &actions)?;
    Some(format!("http://{addr}/#/steps/{}", path.encode()))
}

/// Whether to ask the Explorer to run to completion at startup, saying why not when it is not.
fn ask_to_run(args: &ExploreArgs, survey: &CheckReport, addr: SocketAddr) -> bool {
    let small = survey.complete && survey.unique_states <= EXPLORER_RUN_LIMIT;
    if args.no_run || !(args.run || small) {
        let why =
            if args.no_run {
                "--no-run".to_string()
            } else {
                let minutes = survey
                    .unique_states
                    .div_ceil(EXPLORER_STATES_PER_SECOND * 60);
                format!(
                "its own search would take {} {minutes} minutes: stateright's Explorer rebuilds \
                 the path to every state it visits, about {} states a second; the discoveries \
                 above link to their shortest paths",
                if survey.complete { "about" } else { "more than" },
                output::thousands(EXPLORER_STATES_PER_SECOND)
            )
            };
        println!(
            "The Explorer explores only what you click and lists no discoveries until it runs to \
             completion ({why}): press \"Run to completion\" on the page (or POST \
             http://{addr}/.runtocompletion), or pass --run."
        );
        return false;
    }
    println!(
        "Asked the Explorer to run to completion (POST /.runtocompletion): discoveries \
         (counterexamples and examples) appear on the page as they are found. Use --no-run to \
         explore only what you click."
    );
    true
}
