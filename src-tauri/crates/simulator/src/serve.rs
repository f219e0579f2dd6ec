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
                            let response = match response {
                                Ok(r) => r,
                                Err(never) => match never {},
                            };
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
