import Foundation
import StewardCore
import StewardServer
import Testing
import Yams

@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    static func document() throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/StewardServer/Resources/openapi.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        return try #require(try Yams.load(yaml: text) as? [String: Any])
    }

    static let methods = ["get", "put", "post", "patch", "delete"]

    @Test("the document describes exactly the routes the router serves, with the same roles")
    func documentMatchesRouter() async throws {
        let document = try Self.document()
        #expect((document["openapi"] as? String)?.hasPrefix("3.1") == true)
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var documented: [String: Set<String>?] = [:]
        for (path, operations) in paths {
            for method in Self.methods {
                guard let operation = operations[method] as? [String: Any] else { continue }
                let roles = (operation["x-steward-roles"] as? [String]).map(Set.init)
                documented["\(method.uppercased()) \(path)"] = roles
            }
        }
        let routesDocumented = documented
        try await ServerFixture.with(loadDemo: false) { fixture, _ in
            let documented = routesDocumented
            let served = Set(fixture.routes.map(Self.openAPIPath))
            #expect(
                Set(documented.keys) == served,
                "documented but not served: \(Set(documented.keys).subtracting(served)); served but not documented: \(served.subtracting(documented.keys))"
            )
            for policy in fixture.policies {
                let key = "\(policy.method) \(policy.path)"
                #expect(documented[key] == Set(policy.roles.map(\.rawValue)), "roles of \(key)")
            }
        }
    }

    /// `GET /api/v1/systems/:key` → `GET /api/v1/systems/{key}`.
    static func openAPIPath(_ route: String) -> String {
        route.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
        }.joined(separator: "/")
    }
}
