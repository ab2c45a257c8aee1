//! `witness serve`: the `IndexCache` behind an S3-compatible HTTP endpoint. s3s parses requests,
//! verifies SigV4 signatures (anonymous requests are refused) and writes S3 error XML; hyper
//! serves the connections.

use crate::connection;
use crate::faults::{self, FaultLog};
pub use crate::limits::Limits;
use crate::objects::Objects;
use crate::server::{IndexS3, RecentKeys};
use index_cache::{Config, IndexCache, Mode};
use s3s::auth::SimpleAuth;
use s3s::service::{S3Service, S3ServiceBuilder};
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The default address: loopback only, so a demo server is never reachable from the network by
/// accident.
pub const DEFAULT_ADDR: &str = "127.0.0.1:9000";

#[derive(Clone, PartialEq)]
pub struct Credentials {
    pub access_key: String,
    pub secret_key: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The secret stays out of logs and panics.
        write!(f, "Credentials({}, <secret>)", self.access_key)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ServeConfig {
    pub mode: Mode,
    pub nodes: usize,
    pub spread: usize,
    pub addr: SocketAddr,
    /// The durable index and the object bytes go under this directory; `None` keeps everything
    /// in memory.
    pub data: Option<PathBuf>,
    pub credentials: Credentials,
    /// Faults injected per second, if any.
    pub faults: Option<f64>,
    pub seed: u64,
    /// Timeouts and the connection cap.
    pub limits: Limits,
}

#[derive(Debug)]
pub enum ServeError {
    Config(index_cache::Error),
    Data(PathBuf, std::io::Error),
    Bind(SocketAddr, std::io::Error),
    FaultRate(f64),
    Limits(String),
}

impl fmt::Display for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServeError::Config(e) => write!(f, "{e}"),
            ServeError::Data(dir, e) => {
                write!(f, "cannot use {} for the server's data: {e}", dir.display())
            }
            ServeError::Bind(addr, e) => write!(f, "cannot listen on {addr}: {e}"),
            ServeError::FaultRate(r) => {
                write!(
                    f,
                    "fault rate must be a positive number of faults per second, got {r}"
                )
            }
            ServeError::Limits(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for ServeError {}

/// A running server. Dropping it stops the listener and the fault injector; connections already
/// accepted run on until they end or their limits close them.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    cache: Arc<IndexCache>,
    tasks: Vec<JoinHandle<()>>,
}

impl Server {
    /// The address actually bound (useful with port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The cache behind the endpoint, for tests that inject faults by hand.
    pub fn cache(&self) -> &Arc<IndexCache> {
        &self.cache
    }

    /// Serves until the listener task ends (it only ends when aborted).
    pub async fn wait(mut self) {
        let tasks = std::mem::take(&mut self.tasks);
        for task in tasks {
            let _ = task.await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.tasks.iter().for_each(JoinHandle::abort);
    }
}

fn service(s3: IndexS3, credentials: &Credentials) -> S3Service {
    let mut builder = S3ServiceBuilder::new(s3);
    builder.set_auth(SimpleAuth::from_single(
        credentials.access_key.clone(),
        credentials.secret_key.clone(),
    ));
    builder.build()
}

/// Builds the cache and the blob store, binds the address and starts serving.
pub async fn start(config: &ServeConfig, fault_log: FaultLog) -> Result<Server, ServeError> {
    let mut cache_config = Config::new(config.nodes, config.mode);
    cache_config.spread = config.spread;
    let cache = Arc::new(IndexCache::new(cache_config).map_err(ServeError::Config)?);
    start_with(cache, config, fault_log).await
}

/// [`start`] over a cache built by the caller (tests serve a seeded bug this way; `nodes`,
/// `spread` and `mode` of `config` are the cache's own then). The cache must be new: with
/// `data`, the durable index is loaded into its persistence.
pub async fn start_with(
    cache: Arc<IndexCache>,
    config: &ServeConfig,
    fault_log: FaultLog,
) -> Result<Server, ServeError> {
    let objects = match &config.data {
        Some(dir) => {
            Objects::open(Arc::clone(&cache), dir).map_err(|e| ServeError::Data(dir.clone(), e))?
        }
        None => Objects::in_memory(Arc::clone(&cache)),
    };
    if let Some(rate) = config.faults {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(ServeError::FaultRate(rate));
        }
    }
    config.limits.check().map_err(ServeError::Limits)?;
    let listener = TcpListener::bind(config.addr)
        .await
        .map_err(|e| ServeError::Bind(config.addr, e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| ServeError::Bind(config.addr, e))?;
    let recent = Arc::new(RecentKeys::default());
    let s3 = IndexS3::new(Arc::new(objects), Arc::clone(&recent));
    let mut tasks = vec![tokio::spawn(connection::accept_loop(
        listener,
        service(s3, &config.credentials),
        config.limits,
    ))];
    if let Some(rate) = config.faults {
        let injector = faults::run(Arc::clone(&cache), recent, rate, config.seed, fault_log);
        tasks.push(tokio::spawn(injector));
    }
    Ok(Server { addr, cache, tasks })
}

/// Serves on its own runtime until Ctrl-C. `ready` is told the bound address once requests are
/// accepted.
pub fn serve_until_interrupted(
    config: &ServeConfig,
    fault_log: FaultLog,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ServeError::Bind(config.addr, e))?;
    runtime.block_on(async {
        let server = start(config, fault_log).await?;
        ready(server.addr());
        // Without a Ctrl-C handler the default signal disposition still ends the process.
        let _ = tokio::signal::ctrl_c().await;
        drop(server);
        Ok(())
    })
}
