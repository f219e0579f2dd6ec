//! Serving a router on a loopback listener, with the two things `axum::serve` does
//! not do: closing a connection without an answer (an injected fault), and being
//! halted and resumed on the same port (a vendor that goes away and comes back).

use std::net::SocketAddr;
use std::sync::Mutex;

use axum::Router;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tower::ServiceExt;

use crate::gate::DropConnection;

/// One vendor's (or the control API's) listener.
pub struct Listener {
    addr: SocketAddr,
    router: Router,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Listener {
    /// Binds `127.0.0.1:port` (0 for any free port) and starts serving.
    pub async fn bind(port: u16, router: Router) -> std::io::Result<Self> {
        let listener = bind_again(SocketAddr::from(([127, 0, 0, 1], port))).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(accept_loop(listener, router.clone()));
        Ok(Self {
            addr,
            router,
            task: Mutex::new(Some(task)),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn is_running(&self) -> bool {
        self.task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_some()
    }

    /// Stops listening and closes every open connection: clients see the vendor gone.
    pub fn halt(&self) {
        if let Some(task) = self
            .task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
        {
            task.abort();
        }
    }

    /// Listens again on the same port, with the same state.
    pub async fn resume(&self) -> std::io::Result<()> {
        if self.is_running() {
            return Ok(());
        }
        let listener = bind_again(self.addr).await?;
        let task = tokio::spawn(accept_loop(listener, self.router.clone()));
        *self
            .task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(task);
        Ok(())
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.halt();
    }
}

/// Binds `addr`. A given port that a listener of ours just let go of (halted,
/// or a simulator just dropped: its task's abort closes the socket a moment
/// later) is tried again for up to 2 s rather than refused.
async fn bind_again(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let mut tries = 0;
    loop {
        match TcpListener::bind(addr).await {
            Err(e)
                if e.kind() == std::io::ErrorKind::AddrInUse && addr.port() != 0 && tries < 40 =>
            {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            other => return other,
        }
    }
}

/// The header every simulator answer carries.
pub const SERVED_BY: &str = "x-switchboard-simulator";

/// Whether a vendor simulator answers on this loopback port (one served by
/// another Switchboard process, say), as opposed to some other program or
/// nothing at all. Gives up after a second.
pub async fn simulator_at(port: u16) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let probe = async {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .ok()?;
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .await
            .ok()?;
        let mut head = vec![0u8; 4096];
        let mut read = 0;
        while read < head.len() {
            let n = stream.read(&mut head[read..]).await.ok()?;
            if n == 0 {
                break;
            }
            read += n;
            if head[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        let text = String::from_utf8_lossy(&head[..read]).to_ascii_lowercase();
        Some(text.contains(&format!("\r\n{SERVED_BY}:")))
    };
    tokio::time::timeout(std::time::Duration::from_secs(1), probe)
        .await
        .ok()
        .flatten()
        .unwrap_or(false)
}

async fn accept_loop(listener: TcpListener, router: Router) {
    // Connections are children of this task: aborting it (halt) ends them too.
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let router = router.clone();
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                        let router = router.clone();
                        async move {
                            let response = router.oneshot(request.map(axum::body::Body::new)).await;
                            let mut response = match response {
                                Ok(r) => r,
                                Err(never) => match never {},
                            };
                            // Says who answers, so a Switchboard finding a demo
                            // port taken can tell its own simulator from a stranger.
                            response.headers_mut().insert(
                                SERVED_BY,
                                hyper::header::HeaderValue::from_static("1"),
                            );
                            if response.extensions().get::<DropConnection>().is_some() {
                                return Err(std::io::Error::other("fault: connection dropped"));
                            }
                            Ok(response)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_simulator_is_told_from_a_stranger_and_from_nothing() {
        let ours = Listener::bind(0, Router::new()).await.expect("bind");
        assert!(simulator_at(ours.addr().port()).await);

        // A program that holds a port and never answers.
        let stranger = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        assert!(!simulator_at(stranger.local_addr().expect("addr").port()).await);

        let port = stranger.local_addr().expect("addr").port();
        drop(stranger);
        assert!(!simulator_at(port).await, "nothing listens");
    }
}
