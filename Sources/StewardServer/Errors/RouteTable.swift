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
        let matching = routes.withLock { routes in routes.filter { Self.matches($0.parts, parts) } }
        // As the router resolves a path: a literal part wins over a parameter in the same place, so
        // `subjects/search` is not also `subjects/{id}`.
        func shape(_ route: [Substring]) -> [Int] { route.map { $0.hasPrefix(":") || $0.hasPrefix("{") || $0.hasPrefix("*") ? 1 : 0 } }
        guard let best = matching.map({ shape($0.parts) }).min(by: { $0.lexicographicallyPrecedes($1) }) else { return [] }
        var methods = Set(matching.filter { shape($0.parts) == best }.map(\.method.rawValue))
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
