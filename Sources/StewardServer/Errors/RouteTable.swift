import HTTPTypes
public import Hummingbird
import Synchronization

/// Every route the router serves, by path and method, so that a request whose path is known but
/// whose method is not is answered 405 with the methods it takes (`Allow`), not 404.
public final class RouteTable: Sendable {
    private let routes = Mutex<[(parts: [Substring], method: HTTPRequest.Method)]>([])

    public init() {}

    /// Takes the router's routes, once every route is registered.
    func fill<Context>(from router: Router<Context>) {
        let described = router.routes.map { route in
            (parts: route.path.description.split(separator: "/"), method: route.method)
        }
        routes.withLock { $0 = described }
    }

    /// The methods a path takes, in the order `Allow` lists them; empty when no route has the path.
    func methods(for path: String) -> [HTTPRequest.Method] {
        let parts = path.split(separator: "/")
        let found = routes.withLock { routes in routes.filter { Self.matches($0.parts, parts) }.map(\.method) }
        var methods = Set(found.map(\.rawValue))
        if methods.contains("GET") { methods.insert("HEAD") }
        return methods.sorted().compactMap { HTTPRequest.Method($0) }
    }

    private static func matches(_ route: [Substring], _ path: [Substring]) -> Bool {
        for (index, part) in route.enumerated() {
            if part == "**" { return true }
            guard index < path.count else { return false }
            if part == "*" || part.hasPrefix(":") || part.hasPrefix("{") { continue }
            if part != path[index] { return false }
        }
        return route.count == path.count
    }
}
