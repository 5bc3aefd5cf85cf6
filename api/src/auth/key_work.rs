//! CPU-heavy key work (Argon2) off the async runtime, at most one per core at
//! a time: each hash takes 19 MiB and a core, so a flood of log-ins queues
//! instead of exhausting memory.

use tokio::sync::Semaphore;

use super::AuthError;

pub struct KeyWork {
    permits: Semaphore,
}

impl KeyWork {
    /// One permit per core the process may use.
    pub fn per_core() -> Self {
        Self {
            permits: Semaphore::new(
                std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get),
            ),
        }
    }

    /// Runs `f` on the blocking pool once a permit is free.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> Result<T, AuthError> + Send + 'static,
    ) -> Result<T, AuthError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|err| AuthError::Internal(err.to_string()))?;
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|err| AuthError::Internal(format!("key work: {err}")))?
    }
}
