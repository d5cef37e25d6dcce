import Foundation
public import Hummingbird
public import Logging
import ServiceLifecycle
import UnixSignals

/// How long a server has to stop after SIGTERM or SIGINT: in-flight requests get the first part to
/// finish, and whatever is still running at the end (a call to a database that has gone away) is
/// abandoned. Nothing acknowledged is lost by that: a caller is answered only after its write
/// commits.
public struct StopBounds: Sendable {
    /// Graceful shutdown: requests in flight finish, the background services stop.
    public var graceful: Duration = .seconds(5)
    /// From the signal, after which the process exits whatever is still running.
    public var exit: Duration = .seconds(8)

    public init() {}
}

/// Runs the application until SIGTERM or SIGINT, and stops within `bounds`.
public func runUntilStopped(_ application: some ApplicationProtocol, bounds: StopBounds = StopBounds(), logger: Logger) async throws {
    // Started at the first signal and not cancelled with the server: closing the store comes after
    // the server stops, and is bounded too.
    let watchdog = Task {
        for await signal in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
            Task.detached {
                try await Task.sleep(for: bounds.exit)
                logger.error("still stopping \(bounds.exit.components.seconds) s after \(signal); exiting now")
                Foundation.exit(1)
            }
            break
        }
    }
    var configuration = ServiceGroupConfiguration(services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    configuration.maximumGracefulShutdownDuration = bounds.graceful
    defer { watchdog.cancel() }
    try await ServiceGroup(configuration: configuration).run()
}
