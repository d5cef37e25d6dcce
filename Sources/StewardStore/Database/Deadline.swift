import Synchronization

/// A call that did not finish in the time it was given.
struct DeadlineExceeded: Error, CustomStringConvertible {
    var doing: String
    var limit: Duration
    var description: String { "\(doing) took longer than \(limit.words)" }
}

/// Runs work with a time limit that holds even when the work itself never returns (a database
/// connection whose server vanished mid-query): the caller gets `DeadlineExceeded` at the limit,
/// and the work is cancelled and left to finish on its own.
enum Deadline {
    static func run<Result: Sendable>(
        within limit: Duration,
        doing: String,
        _ body: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        // A caller already cancelled gets no work started on its behalf.
        try Task.checkCancellation()
        let outcome = Outcome<Result>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                outcome.start(continuation)
                let work = Task {
                    do { outcome.finish(.success(try await body())) } catch { outcome.finish(.failure(error)) }
                }
                let timer = Task {
                    try? await Task.sleep(for: limit)
                    guard !Task.isCancelled else { return }
                    if outcome.finish(.failure(DeadlineExceeded(doing: doing, limit: limit))) { work.cancel() }
                }
                outcome.onFinish { timer.cancel() }
                outcome.onCancel { work.cancel() }
            }
        } onCancel: {
            outcome.cancel()
        }
    }

    /// The one answer a caller gets: the work's, the timer's or cancellation's, whichever is first.
    private final class Outcome<Result: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<Result, any Error>?
            var finished = false
            var early: Swift.Result<Result, any Error>?
            var cancelled = false
            var finishHandlers: [@Sendable () -> Void] = []
            var cancelHandlers: [@Sendable () -> Void] = []
        }
        private let state = Mutex(State())

        func start(_ continuation: CheckedContinuation<Result, any Error>) {
            // Cancelled before the work began: answered at once.
            let early = state.withLock { state -> Swift.Result<Result, any Error>? in
                guard let early = state.early else {
                    state.continuation = continuation
                    return nil
                }
                return early
            }
            if let early { continuation.resume(with: early) }
        }

        /// Resumes the caller unless it has been answered already; true when this was the answer.
        @discardableResult
        func finish(_ result: Swift.Result<Result, any Error>) -> Bool {
            let (continuation, handlers, first) = state.withLock {
                state -> (CheckedContinuation<Result, any Error>?, [@Sendable () -> Void], Bool) in
                guard !state.finished else { return (nil, [], false) }
                state.finished = true
                if state.continuation == nil { state.early = result }
                defer {
                    state.continuation = nil
                    state.finishHandlers = []
                }
                return (state.continuation, state.finishHandlers, true)
            }
            continuation?.resume(with: result)
            for handler in handlers { handler() }
            return first
        }

        func onFinish(_ handler: @escaping @Sendable () -> Void) {
            let now = state.withLock { state -> Bool in
                if state.finished { return true }
                state.finishHandlers.append(handler)
                return false
            }
            if now { handler() }
        }

        func onCancel(_ handler: @escaping @Sendable () -> Void) {
            let now = state.withLock { state -> Bool in
                if state.cancelled { return true }
                state.cancelHandlers.append(handler)
                return false
            }
            if now { handler() }
        }

        func cancel() {
            let handlers = state.withLock { state -> [@Sendable () -> Void] in
                state.cancelled = true
                defer { state.cancelHandlers = [] }
                return state.cancelHandlers
            }
            for handler in handlers { handler() }
            finish(.failure(CancellationError()))
        }
    }
}

extension Duration {
    /// "5 s", "250 ms": a limit in the words of a message.
    var words: String {
        let (seconds, attoseconds) = components
        if attoseconds == 0 { return "\(seconds) s" }
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }

    /// Whole milliseconds, as SQLite's busy timeout takes them.
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }

    /// The same length as NIO counts time.
    var timeAmount: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
