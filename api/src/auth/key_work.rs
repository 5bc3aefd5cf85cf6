//! CPU-heavy key work (Argon2) off the async runtime, at most one per core at
//! a time (each hash takes 19 MiB and a core), with a bounded queue behind:
//! when it is full, the request is refused at once (`Busy`) instead of
//! waiting behind a flood.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use tokio::sync::Semaphore;

use super::AuthError;

pub struct KeyWork {
    permits: Semaphore,
    waiting: AtomicUsize,
    queue: usize,
}

impl KeyWork {
    /// One permit per core the process may use, and `queue` waiting places.
    pub fn per_core(queue: usize) -> Self {
        Self {
            permits: Semaphore::new(
                std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get),
            ),
            waiting: AtomicUsize::new(0),
            queue,
        }
    }

    /// Runs `f` on the blocking pool once a permit is free; `Busy` when the
    /// queue is full.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> Result<T, AuthError> + Send + 'static,
    ) -> Result<T, AuthError> {
        let queued = Instant::now();
        let _permit = match self.permits.try_acquire() {
            Ok(permit) => permit,
            Err(_) => {
                if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.queue {
                    self.waiting.fetch_sub(1, Ordering::SeqCst);
                    crate::metrics::key_work_refused();
                    return Err(AuthError::Busy);
                }
                let permit = self.permits.acquire().await;
                self.waiting.fetch_sub(1, Ordering::SeqCst);
                permit.map_err(|err| AuthError::Internal(err.to_string()))?
            }
        };
        crate::metrics::key_work_wait(queued.elapsed());
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|err| AuthError::Internal(format!("key work: {err}")))?
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn a_full_queue_refuses_at_once() {
        let work = Arc::new(KeyWork::per_core(0));
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        let (release, hold) = tokio::sync::watch::channel(false);
        let mut running = Vec::new();
        for _ in 0..cores {
            let (work, mut hold) = (work.clone(), hold.clone());
            let (started_tx, started) = tokio::sync::oneshot::channel();
            running.push(tokio::spawn(async move {
                work.run(move || {
                    let _ = started_tx.send(());
                    while !*hold.borrow_and_update() {
                        std::thread::sleep(std::time::Duration::from_millis(5));
                    }
                    Ok(())
                })
                .await
            }));
            started.await.unwrap();
        }
        assert!(matches!(work.run(|| Ok(())).await, Err(AuthError::Busy)));
        release.send(true).unwrap();
        for task in running {
            task.await.unwrap().unwrap();
        }
        assert!(work.run(|| Ok(())).await.is_ok());
        drop(hold);
    }
}
