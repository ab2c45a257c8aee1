//! End-to-end test of `witness explore`: the stateright Explorer serves the model on a free port,
//! answers its JSON endpoints, and lists discoveries once it has run to completion.

mod common;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// Kills the Explorer (which never exits by itself) even when an assertion fails.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// One HTTP/1.1 request; returns (status code, body). A hand-written client keeps the test free
/// of HTTP dependencies; tiny_http answers with Content-Length or chunked bodies and closes on
/// `Connection: close`.
fn http(addr: SocketAddr, method: &str, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    Ok((
        status,
        if chunked {
            dechunk(body)
        } else {
            body.to_string()
        },
    ))
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

fn get_json(addr: SocketAddr, path: &str) -> serde_json::Value {
    let (status, body) = http(addr, "GET", path).unwrap();
    assert_eq!(status, 200, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path} is not JSON ({e}): {body}"))
}

/// A space of a few hundred states: the survey and the Explorer's own run take a moment.
const TINY: &[&str] = &["--mode", "eventual", "--clients", "2", "--ops", "1"];

fn start(addr: SocketAddr, extra: &[&str]) -> (Server, Vec<String>) {
    start_with(addr, &[TINY, extra].concat())
}

fn start_with(addr: SocketAddr, args: &[&str]) -> (Server, Vec<String>) {
    let mut child = common::witness()
        .args(["explore", "--addr", &addr.to_string(), "--threads", "1"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    // The banner ends with "Press Ctrl-C to stop." just before serving.
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let last = line.starts_with("Press Ctrl-C");
        lines.push(line);
        if last {
            break;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while http(addr, "GET", "/.status").is_err() {
        assert!(Instant::now() < deadline, "the Explorer never answered");
        std::thread::sleep(Duration::from_millis(50));
    }
    (server, lines)
}

fn discoveries(status: &serde_json::Value) -> Vec<String> {
    status["properties"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| !p[2].is_null())
        .map(|p| p[1].as_str().unwrap().to_string())
        .collect()
}

fn poll_until_done(addr: SocketAddr) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let status = get_json(addr, "/.status");
        if status["done"] == true && !discoveries(&status).is_empty() {
            return status;
        }
        assert!(Instant::now() < deadline, "no discoveries: {status}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn explorer_serves_states_and_discoveries_after_run_to_completion() {
    let addr = free_addr();
    let (_server, banner) = start(addr, &["--no-run"]);
    let banner = banner.join("\n");
    assert!(
        banner.contains(&format!("Explorer: http://{addr}/")),
        "{banner}"
    );
    assert!(banner.contains("Run to completion"), "{banner}");

    let status = get_json(addr, "/.status");
    assert_eq!(
        status["properties"].as_array().unwrap().len(),
        24,
        "{status}"
    );

    // The init path: the initial state with its sequence diagram.
    let init = get_json(addr, "/.states/");
    let init = init.as_array().unwrap();
    assert_eq!(init.len(), 1);
    let fingerprint = init[0]["fingerprint"].as_str().unwrap().to_string();
    assert!(init[0]["svg"].as_str().unwrap().contains("<svg"));
    // One step further: actions are labelled in the system's words.
    let next = get_json(addr, &format!("/.states/{fingerprint}"));
    let actions: Vec<&str> = next
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["action"].as_str())
        .collect();
    assert!(
        actions.iter().any(|a| a.contains("PUT k0 via cache node")),
        "{actions:?}"
    );
    let (bad, _) = http(addr, "GET", "/.states/not-a-fingerprint").unwrap();
    assert_eq!(bad, 404);

    // The survey linked the shortest example of replica-lag to the Explorer's page of its path.
    let line = banner
        .lines()
        .find(|l| l.trim_start().starts_with("replica-lag"))
        .unwrap_or_else(|| panic!("no survey line for replica-lag: {banner}"));
    let prefix = format!("http://{addr}/#/steps");
    let path = line
        .split_once(&prefix)
        .map(|(_, path)| path)
        .unwrap_or_else(|| panic!("no link: {line}"));
    let steps = get_json(addr, &format!("/.states{path}"));
    assert!(!steps.as_array().unwrap().is_empty(), "{steps}");

    let (ok, _) = http(addr, "POST", "/.runtocompletion").unwrap();
    assert_eq!(ok, 200);
    let status = poll_until_done(addr);
    assert!(
        discoveries(&status).contains(&"replica-lag".to_string()),
        "{status}"
    );
    assert!(status["unique_state_count"].as_u64().unwrap() > 100);
}

#[test]
fn explorer_runs_to_completion_by_itself() {
    let addr = free_addr();
    let (_server, banner) = start(addr, &[]);
    assert!(
        banner
            .iter()
            .any(|l| l.contains("Asked the Explorer to run to completion")),
        "{banner:?}"
    );
    // No POST from us: discoveries still appear.
    poll_until_done(addr);
}

#[test]
fn a_space_the_explorer_would_take_minutes_on_is_surveyed_and_not_run() {
    let addr = free_addr();
    let (_server, banner) = start_with(
        addr,
        &[
            "--config",
            "small",
            "--mode",
            "eventual",
            "--variant",
            "witness-with-commit",
        ],
    );
    let banner = banner.join("\n");
    assert!(
        banner.contains("the Explorer's state space") && banner.contains("486,350 states"),
        "{banner}"
    );
    assert!(
        banner.contains("its own search would take about"),
        "{banner}"
    );
    assert!(!banner.contains("Asked the Explorer"), "{banner}");
    let status = get_json(addr, "/.status");
    assert!(discoveries(&status).is_empty(), "{status}");
}

#[test]
fn a_taken_port_is_a_clear_error() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let r = common::run(&["explore", "--addr", &addr]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    r.assert_no_panic();
    assert!(
        r.stderr
            .starts_with(&format!("error: cannot listen on {addr}")),
        "{}",
        r.stderr
    );
}
