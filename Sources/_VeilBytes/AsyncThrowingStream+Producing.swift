extension AsyncThrowingStream where Failure == any Error {
    /// A stream whose elements `produce` yields from its own task: the stream finishes when `produce` returns,
    /// finishes with its error when it throws, and cancels the task when the consumer stops listening.
    public static func producing(
        _ produce: @escaping @Sendable (Continuation) async throws -> Void
    ) -> Self where Element: Sendable {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await produce(continuation)
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
