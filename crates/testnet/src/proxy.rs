//! A TCP proxy per ordered pair of validators, which a partition can cut.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// The proxy from one validator to another.
pub struct Proxy {
    pub port: u16,
    blocked: Arc<AtomicBool>,
    cut: watch::Sender<u64>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Listens on a free port and forwards every connection to `target_port`.
    pub async fn start(target_port: u16) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        let blocked = Arc::new(AtomicBool::new(false));
        let (cut, _) = watch::channel(0u64);
        let (b, c) = (blocked.clone(), cut.clone());
        let task = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                if b.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let mut cut_rx = c.subscribe();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(("127.0.0.1", target_port)).await
                    else {
                        return;
                    };
                    let mut inbound = inbound;
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut_rx.changed() => {}
                    }
                });
            }
        });
        Ok(Self {
            port,
            blocked,
            cut,
            task,
        })
    }

    /// Refuses new connections and cuts the open ones.
    pub fn block(&self) {
        self.blocked.store(true, Ordering::SeqCst);
        self.cut.send_modify(|g| *g = g.wrapping_add(1));
    }

    pub fn unblock(&self) {
        self.blocked.store(false, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        self.cut.send_modify(|g| *g = g.wrapping_add(1));
    }
}
