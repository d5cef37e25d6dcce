public import Foundation
public import Logging
public import ServiceLifecycle
public import StewardCore

/// Runs retention sweeps beside the server: the daily sweep at `retention.sweep_at` (local time),
/// claimed in the database so exactly one of several nodes runs it; sweeps staff start over HTTP,
/// which are answered at once and carried on here; and, at start and every minute, a sweep a
/// stopped process left part-way, once its lease has lapsed.
public struct RetentionScheduler: Service {
    struct Job: Sendable {
        var run: RetentionRun
        var actor: String
    }

    let service: RetentionService
    let settings: RetentionSettingsView
    let logger: Logger
    private let jobs: AsyncStream<Job>
    private let submissions: AsyncStream<Job>.Continuation

    /// What the scheduler needs of the configuration.
    public struct RetentionSettingsView: Sendable {
        public var scheduled: Bool
        public var hour: Int
        public var minute: Int

        public init(scheduled: Bool, hour: Int, minute: Int) {
            self.scheduled = scheduled
            self.hour = hour
            self.minute = minute
        }
    }

    public init(service: RetentionService, settings: RetentionSettingsView, logger: Logger) {
        self.service = service
        self.settings = settings
        self.logger = logger
        (jobs, submissions) = AsyncStream.makeStream(of: Job.self)
    }

    /// Hands a sweep already recorded as running (`RetentionService.begin`) over to be carried on.
    func submit(_ run: RetentionRun, actor: String) {
        submissions.yield(Job(run: run, actor: actor))
    }

    /// True once today's local time has reached the sweep time.
    static func isDue(_ date: Date, hour: Int, minute: Int, calendar: Calendar = .current) -> Bool {
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        return (parts.hour ?? 0, parts.minute ?? 0) >= (hour, minute)
    }

    public func run() async throws {
        let service = self.service
        let logger = self.logger
        let settings = self.settings
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await job in jobs.cancelOnGracefulShutdown() {
                    await Self.carryOn(job.run, actor: job.actor, service: service, logger: logger)
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    do {
                        // Nothing is swept while sweeps are paused, not even a sweep that stopped part-way.
                        if try await service.repository.pause() != nil {
                            // Paused: checked again in a minute.
                        } else if let stopped = try await service.claimStopped() {
                            logger.notice("resuming a sweep stopped part-way", metadata: ["sweep": "\(stopped.id)"])
                            await Self.carryOn(stopped, actor: stopped.startedBy, service: service, logger: logger)
                        } else if settings.scheduled, Self.isDue(Date(), hour: settings.hour, minute: settings.minute),
                            try await service.repository.claimScheduledSweep(on: service.today(), holder: service.holder)
                        {
                            let run = try await service.begin(actor: "system", origin: "schedule")
                            await Self.carryOn(run, actor: "system", service: service, logger: logger)
                        }
                    } catch {
                        logger.warning(
                            "the retention schedule could not be checked",
                            metadata: ["error": "\(StewardError.wrapping(error, .internal, "").code)"]
                        )
                    }
                    try? await Task.sleep(for: .seconds(60))
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    static func carryOn(_ run: RetentionRun, actor: String, service: RetentionService, logger: Logger) async {
        do {
            let ended = try await service.carryOn(run, actor: actor, progress: nil)
            logger.info("sweep ended", metadata: ["sweep": "\(ended.id)", "state": "\(ended.state.rawValue)", "disposed": "\(ended.disposed)"])
        } catch {
            // The run records its own progress; only its id is logged.
            logger.warning("sweep stopped", metadata: ["sweep": "\(run.id)"])
        }
    }
}
