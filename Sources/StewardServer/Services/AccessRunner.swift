public import Logging
public import ServiceLifecycle
public import StewardCore

/// Runs the access searches accepted over HTTP, beside the server, so the request that starts one
/// is answered at once and its progress can be read while it runs. A search is marked running
/// before it is handed here (`RequestService.beginAccess`); one still going when the server stops
/// is finished first on a graceful shutdown, and on any other stop is marked failed at the next
/// start, to be run again.
public struct AccessRunner: Service {
    /// One search to run.
    struct Job: Sendable {
        var request: RightsRequest.ID
        var actor: String
    }

    let service: RequestService
    let logger: Logger
    /// At most this many searches at once, so the council's sources are not swamped.
    let concurrency: Int
    private let jobs: AsyncStream<Job>
    private let submissions: AsyncStream<Job>.Continuation

    public init(service: RequestService, logger: Logger, concurrency: Int = 4) {
        self.service = service
        self.logger = logger
        self.concurrency = max(1, concurrency)
        (jobs, submissions) = AsyncStream.makeStream(of: Job.self)
    }

    /// Hands a search over to run; it has already been marked running.
    func submit(_ request: RightsRequest.ID, actor: String) {
        submissions.yield(Job(request: request, actor: actor))
    }

    public func run() async throws {
        let service = self.service
        let logger = self.logger
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for await job in jobs.cancelOnGracefulShutdown() {
                if running == concurrency {
                    await group.next()
                    running -= 1
                }
                running += 1
                group.addTask {
                    do {
                        _ = try await service.runAccess(job.request, actor: job.actor, begun: true)
                    } catch {
                        // The run records its own failure, with the field; only the request id is logged.
                        logger.warning("access search failed", metadata: ["request": "\(job.request)"])
                    }
                }
            }
            await group.waitForAll()
        }
    }
}
