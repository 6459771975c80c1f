//! Models are big plain arrays: run them on a thread with a stack to match.

/// Runs `f` on a thread whose stack holds a model of `model_bytes` (models are plain arrays;
/// constructing one by value needs its size on the stack, a few times over in debug builds).
pub fn with_stack<T: Send + 'static>(
    model_bytes: usize,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    std::thread::Builder::new()
        .stack_size(4 * model_bytes + (64 << 20))
        .spawn(f)
        .expect("spawn a thread")
        .join()
        .expect("the run panicked")
}
