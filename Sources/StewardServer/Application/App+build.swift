import Foundation
public import Hummingbird
public import Logging
public import Prometheus
public import StewardApp
public import StewardCore
public import StewardFiles
public import StewardStore

/// Everything a Steward server needs, built once at start-up: the services (the composition root
/// the command line uses too) and the metrics registry `/metrics` serves.
public struct StewardEnvironment: Sendable {
    public var services: StewardServices
    /// The Prometheus registry `/metrics` serves; the serve command bootstraps swift-metrics with it.
    public var metrics: PrometheusCollectorRegistry

    public init(services: StewardServices, metrics: PrometheusCollectorRegistry) {
        self.services = services
        self.metrics = metrics
    }

    public var store: Store { services.store }
    public var configuration: StewardConfiguration { services.configuration }
}

/// Builds the HTTP application on the configured host and port, with the services that run beside
/// it: the outbox worker that sends letters and the runner of access searches.
public func buildApplication(_ environment: StewardEnvironment, logger: Logger) async throws -> some ApplicationProtocol {
    // A search that was going when the server last stopped will not finish: say so, so it can be run again.
    try await environment.services.requests.requests.failInterruptedRuns()
    // The first sign-in with an unknown email should take no longer than any other.
    try await environment.services.staff.prepare()
    let runner = AccessRunner(service: environment.services.requests, logger: logger)
    let scheduler = RetentionScheduler(
        service: environment.services.retention,
        settings: .init(
            scheduled: environment.configuration.retention.scheduled,
            hour: environment.configuration.retention.sweepHour,
            minute: environment.configuration.retention.sweepMinute
        ),
        logger: logger
    )
    let (router, _) = try buildRouter(environment, runner: runner, scheduler: scheduler)
    return Application(
        router: router,
        configuration: .init(address: .hostname(environment.configuration.host, port: environment.configuration.port), serverName: "Steward"),
        services: [OutboxWorker(store: environment.store, settings: environment.configuration.mail, logger: logger), runner, scheduler],
        logger: logger
    )
}

/// Builds the router and returns it with the policy of every `/api/v1` route. Access searches
/// accepted over HTTP go to `runner`, and sweeps to `scheduler`, which must be running for them to
/// happen.
public func buildRouter(
    _ environment: StewardEnvironment,
    runner: AccessRunner,
    scheduler: RetentionScheduler
) throws -> (Router<StewardRequestContext>, [RoutePolicy]) {
    let services = environment.services
    // HEAD is answered wherever GET is, as HTTP asks.
    let router = Router(context: StewardRequestContext.self, options: .autoGenerateHeadEndpoints)
    let routes = RouteTable()
    router.add(middleware: ErrorMiddleware(routes: routes))
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: SecurityHeadersMiddleware(secure: services.configuration.web.secure))
    HealthController(store: services.store, metrics: environment.metrics).register(on: router)
    var api = APIRoutes(router: router, authenticator: Authenticator(store: services.store))
    // One count per caller and per email address, whether a request comes through the API or the portal.
    let limiter = PublicRateLimiter()
    DataMapController(services: services).register(on: &api)
    GateController(gate: services.gate).register(on: &api)
    AuditController(store: services.store).register(on: &api)
    RequestsController(
        service: services.requests,
        outbox: services.store,
        limiter: limiter,
        trustForwardedFor: services.configuration.trustForwardedFor
    ).register(on: &api)
    SourcesController(services: services, runner: runner).register(on: &api)
    RetentionController(service: services.retention, scheduler: scheduler, page: try CertificatePage(), dataMaps: services.dataMaps).register(
        on: &api
    )
    let logo = try services.configuration.web.logoFile.map { path in
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StewardError(.invalidConfiguration, "the logo '\(path)' cannot be read", field: "web.logo")
        }
        return data
    }
    let console = ConsoleController(
        services: services,
        pages: try WebPages(directory: services.configuration.web.pagesDirectory),
        trustForwardedFor: services.configuration.trustForwardedFor,
        logo: logo,
        runner: runner
    )
    console.register(on: router)
    PortalController(console: console, limiter: limiter).register(on: router)
    routes.fill(from: router)
    return (router, api.policies)
}

/// Registers `/api/v1` routes, each behind the access check for its roles, and remembers their
/// policies.
struct APIRoutes {
    static let prefix = "/api/v1"
    let router: Router<StewardRequestContext>
    let authenticator: Authenticator
    private(set) var policies: [RoutePolicy] = []
    /// Routes that are public by design: residents use them without an account.
    private(set) var publicRoutes: [String] = []

    init(router: Router<StewardRequestContext>, authenticator: Authenticator) {
        self.router = router
        self.authenticator = authenticator
    }

    /// Adds a route. `path` is relative to `/api/v1` and written as in OpenAPI (`systems/{key}`),
    /// which Hummingbird reads as it is.
    mutating func add(
        _ method: HTTPRequest.Method,
        _ path: String,
        roles: Set<Role>,
        use handler: @escaping @Sendable (Request, StewardRequestContext) async throws -> Response
    ) {
        let full = "\(Self.prefix)/\(path)"
        policies.append(RoutePolicy(method: method, path: full, roles: roles))
        let authenticator = self.authenticator
        router.on(RouterPath(full), method: method) { request, context in
            var context = context
            context.token = try await authenticator.authenticate(request, roles: roles)
            return try await handler(request, context)
        }
    }

    /// Adds a route anyone may call. Only routes for residents belong here.
    mutating func addPublic(
        _ method: HTTPRequest.Method,
        _ path: String,
        use handler: @escaping @Sendable (Request, StewardRequestContext) async throws -> Response
    ) {
        let full = "\(Self.prefix)/\(path)"
        publicRoutes.append("\(method) \(full)")
        router.on(RouterPath(full), method: method, use: handler)
    }
}
