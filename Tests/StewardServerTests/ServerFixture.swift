import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import StewardApp
import StewardCore
import StewardFiles
import StewardServer
import StewardStore
import StewardTestSupport

/// A server over a fresh database with the demo data map loaded and one token per role.
struct ServerFixture: Sendable {
    var store: Store
    var database: TestDatabase
    var policies: [RoutePolicy]
    var tokens: [Role: String]
    var routes: [String]
    var environment: StewardEnvironment

    /// Runs `body` against the server in process, then removes the database.
    static func with(
        loadDemo: Bool = true,
        configuration: StewardConfiguration = StewardConfiguration(),
        today: (@Sendable () -> CalendarDate)? = nil,
        _ body: @escaping @Sendable (ServerFixture, any TestClientProtocol) async throws -> Void
    ) async throws {
        try await TestDatabase.withStore { store, database in
            if loadDemo {
                let draft = try DataMapReader.read(folder: try BundledData.demoDataMap)
                _ = try await store.loadDataMap(draft, taxonomy: .builtin, fallbackController: nil, actor: "test")
            }
            var tokens: [Role: String] = [:]
            for role in Role.allCases {
                tokens[role] = try await store.createToken(name: "test-\(role.rawValue)", role: role, actor: "test").secret
            }
            let services = try StewardServices(store: store, configuration: configuration, today: today ?? { .today })
            let environment = StewardEnvironment(services: services, metrics: PrometheusCollectorRegistry())
            // The runner of background searches runs beside the routes, as it does beside the server.
            let runner = AccessRunner(service: services.requests, logger: Logger(label: "test"))
            let running = Task { try await runner.run() }
            defer { running.cancel() }
            // Sweeps started over HTTP are carried on beside the routes too; no daily sweep in tests.
            let scheduler = RetentionScheduler(
                service: services.retention,
                settings: .init(scheduled: false, hour: 2, minute: 0),
                logger: Logger(label: "test")
            )
            let sweeping = Task { try await scheduler.run() }
            defer { sweeping.cancel() }
            let (router, policies) = try buildRouter(environment, runner: runner, scheduler: scheduler)
            let routes = router.routes.map { "\($0.method) \($0.path)" }
            let application = Application(router: router)
            let fixture = ServerFixture(
                store: store,
                database: database,
                policies: policies,
                tokens: tokens,
                routes: routes,
                environment: environment
            )
            try await application.test(.router) { client in try await body(fixture, client) }
        }
    }

    func headers(_ role: Role?) -> HTTPFields {
        guard let role, let token = tokens[role] else { return [:] }
        return [.authorization: "Bearer \(token)"]
    }
}

extension TestResponse {
    /// The body decoded from JSON as `type`; a body of another shape throws, naming the status and
    /// the body.
    func decode<Value: Decodable>(_ type: Value.Type) throws -> Value {
        do {
            return try JSONDecoder().decode(type, from: Data(body.readableBytesView))
        } catch {
            throw UndecodableBody(type: "\(type)", status: status, text: text, error: error)
        }
    }

    var text: String { String(buffer: body) }
}

/// A response body that is not the type a test expected.
struct UndecodableBody: Error, CustomStringConvertible {
    var type: String
    var status: HTTPResponse.Status
    var text: String
    var error: any Error

    var description: String { "\(status) is not a \(type): \(error)\n\(text)" }
}
