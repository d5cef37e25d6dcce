public import Hummingbird
public import Logging
public import Prometheus
public import StewardCore
import StewardFiles
public import StewardStore

/// Everything a Steward server needs, built once at start-up.
public struct StewardEnvironment: Sendable {
    public var store: Store
    public var configuration: StewardConfiguration
    public var taxonomy: Taxonomy
    /// The Prometheus registry `/metrics` serves; the serve command bootstraps swift-metrics with it.
    public var metrics: PrometheusCollectorRegistry
    /// The statutory clock, over the configured bank holidays.
    public var clock: StatutoryClock
    /// The council's letter templates.
    public var letters: any LetterRendering
    /// Today's date for rights requests; tests move it to walk a request through the calendar.
    public var today: @Sendable () -> CalendarDate = { CalendarDate.today }

    /// Reads the bank holidays and letter templates the configuration names; a bad file stops
    /// start-up with an error naming it.
    public init(store: Store, configuration: StewardConfiguration, taxonomy: Taxonomy = .builtin, metrics: PrometheusCollectorRegistry) throws {
        self.store = store
        self.configuration = configuration
        self.taxonomy = taxonomy
        self.metrics = metrics
        self.clock = StatutoryClock(holidays: try BankHolidaysFile.load(path: configuration.bankHolidayFile))
        self.letters = try LetterTemplates(directory: configuration.lettersDirectory)
    }
}

/// Builds the HTTP application on the configured host and port.
public func buildApplication(_ environment: StewardEnvironment, logger: Logger) async throws -> some ApplicationProtocol {
    let (router, _) = buildRouter(environment)
    // A search that was going when the server last stopped will not finish: say so, so it can be run again.
    try await environment.store.failInterruptedRuns()
    return Application(
        router: router,
        configuration: .init(address: .hostname(environment.configuration.host, port: environment.configuration.port), serverName: "Steward"),
        services: [OutboxWorker(store: environment.store, settings: environment.configuration.mail, logger: logger)],
        logger: logger
    )
}

/// Builds the router and returns it with the policy of every `/api/v1` route.
public func buildRouter(_ environment: StewardEnvironment) -> (Router<StewardRequestContext>, [RoutePolicy]) {
    let router = Router(context: StewardRequestContext.self)
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: MetricsMiddleware())
    HealthController(store: environment.store, metrics: environment.metrics).register(on: router)
    var api = APIRoutes(router: router, authenticator: Authenticator(store: environment.store))
    let cache = DataMapCache(store: environment.store)
    DataMapController(environment: environment, cache: cache).register(on: &api)
    let gate = GateService(store: environment.store, dataMaps: cache, taxonomy: environment.taxonomy, adequacy: environment.configuration.adequacy)
    GateController(gate: gate).register(on: &api)
    AuditController(store: environment.store).register(on: &api)
    let requests = RequestService(
        store: environment.store, dataMaps: cache, taxonomy: environment.taxonomy, adequacy: environment.configuration.adequacy,
        clock: environment.clock, letters: environment.letters, legalHolds: environment.configuration.legalHolds
    )
    RequestsController(
        service: requests, limiter: PublicRateLimiter(), today: environment.today,
        trustForwardedFor: environment.configuration.trustForwardedFor
    ).register(on: &api)
    SourcesController(requests: requests, taxonomy: environment.taxonomy).register(on: &api)
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

    /// Adds a route. `path` is relative to `/api/v1` and written as in OpenAPI (`systems/{key}`).
    mutating func add(
        _ method: HTTPRequest.Method, _ path: String, roles: Set<Role>,
        _ handler: @escaping @Sendable (Request, StewardRequestContext) async throws -> Response
    ) {
        let full = "\(Self.prefix)/\(path)"
        policies.append(RoutePolicy(method: method, path: full, roles: roles))
        let authenticator = self.authenticator
        router.on(RouterPath(Self.routerPath(full)), method: method) { request, context in
            var context = context
            context.token = try await authenticator.authenticate(request, roles: roles)
            return try await handler(request, context)
        }
    }

    /// Adds a route anyone may call. Only routes for residents belong here.
    mutating func addPublic(
        _ method: HTTPRequest.Method, _ path: String, _ handler: @escaping @Sendable (Request, StewardRequestContext) async throws -> Response
    ) {
        let full = "\(Self.prefix)/\(path)"
        publicRoutes.append("\(method) \(full)")
        router.on(RouterPath(Self.routerPath(full)), method: method, use: handler)
    }

    /// `/api/v1/systems/{key}` → `/api/v1/systems/:key`.
    static func routerPath(_ path: String) -> String {
        path.split(separator: "/").map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? ":\(part.dropFirst().dropLast())" : String(part)
        }.joined(separator: "/")
    }
}
