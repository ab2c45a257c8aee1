//! `witness explore`: the stateright Explorer on one configuration.
//!
//! stateright's `serve()` blocks forever, panics when the port is taken, lists no discoveries
//! until someone posts `/.runtocompletion`, and serves `./ui/*` from the working directory in
//! place of its own UI when present. We check the port first, post the run request ourselves
//! (unless `--no-run`), and say all of this at startup.

use crate::cli::ExploreArgs;
use crate::output::{self, CliError};
use stateright::Model;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

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
    match TcpListener::bind(addr) {
        Ok(listener) => drop(listener),
        Err(e) => {
            return Err(CliError::usage(format!(
                "cannot listen on {addr}: {e} (is another Explorer running? choose another --addr)"
            )))
        }
    }
    if let Some(warning) = output::state_space_warning(&cfg) {
        eprintln!("{warning}");
    }
    let model = witness_model::system::explorer::ExplorerModel::new(cfg.clone().into_model());
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
    println!("Explorer: http://{addr}/");
    if args.no_run {
        println!(
            "The Explorer lists no discoveries until it runs to completion: press \"Run to \
             completion\" on the page (or POST http://{addr}/.runtocompletion)."
        );
    } else {
        println!(
            "Asked the Explorer to run to completion (POST /.runtocompletion): discoveries \
             (counterexamples and examples) appear on the page as they are found. Use --no-run to \
             explore only what you click."
        );
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
