import Foundation
import StewardCore
import StewardServer
import Testing
import Yams

@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    /// The parts of the document the tests read: its version, and every path's operations with the
    /// roles each admits. The rest (descriptions, parameters, schemas, examples) is left unread.
    struct Document: Decodable {
        var openapi: String
        var paths: [String: PathItem]
    }

    struct PathItem: Decodable {
        var get: Operation?
        var put: Operation?
        var post: Operation?
        var patch: Operation?
        var delete: Operation?

        /// The operations described, by lower-case method.
        var operations: [(method: String, operation: Operation)] {
            [("get", get), ("put", put), ("post", post), ("patch", patch), ("delete", delete)].compactMap { method, operation in
                operation.map { (method, $0) }
            }
        }
    }

    struct Operation: Decodable {
        /// The roles that may call the operation; absent for a public one.
        var roles: [String]?

        enum CodingKeys: String, CodingKey {
            case roles = "x-steward-roles"
        }
    }

    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/StewardServer/Resources/openapi.yaml")

    static func document() throws -> Document {
        try YAMLDecoder().decode(Document.self, from: String(contentsOf: url, encoding: .utf8))
    }

    @Test("the document describes exactly the routes the router serves, with the same roles")
    func documentMatchesRouter() async throws {
        let document = try Self.document()
        #expect(document.openapi.hasPrefix("3.1"))
        var documented: [String: Set<String>?] = [:]
        for (path, item) in document.paths {
            for (method, operation) in item.operations {
                // Bound first: a nil assigned straight to the subscript would drop a public route
                // instead of recording it without roles.
                let roles = operation.roles.map(Set.init)
                documented["\(method.uppercased()) \(path)"] = roles
            }
        }
        let routesDocumented = documented
        try await ServerFixture.with(loadDemo: false) { fixture, _ in
            let documented = routesDocumented
            // The console's and portal's pages and their assets are for browsers, not part of the API
            // (ConsoleTests, PortalTests).
            let served = Set(
                fixture.routes.map(Self.openAPIPath).filter { route in
                    ![" /console", " /assets/", " /request/"].contains { route.contains($0) } && route != "GET /" && route != "GET /privacy-notice"
                }
            )
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

    @Test("the document's lists of values are the ones the code takes and gives")
    func enumerations() throws {
        let root = try #require(try Yams.load(yaml: String(contentsOf: Self.url, encoding: .utf8)) as? [String: Any])
        let schemas = try #require((root["components"] as? [String: Any])?["schemas"] as? [String: Any])
        func values(_ path: String...) -> Set<String>? {
            var node: Any? = schemas
            for step in path { node = (node as? [String: Any])?[step] }
            return ((node as? [String: Any])?["enum"] as? [String]).map(Set.init)
        }
        #expect(values("RequestChangeName") == Set(RightsRequest.Change.Name.allCases.map(\.rawValue)))
        #expect(values("Justification", "properties", "type") == Set(Justification.Kind.allCases.map(\.rawValue)))
        #expect(values("Decision", "properties", "obligations", "items", "properties", "code") == Set(Obligation.Code.allCases.map(\.rawValue)))
        #expect(values("RequestKind") == Set(RightsRequest.Kind.allCases.map(\.rawValue)))
        #expect(values("ChangeStep", "properties", "action") == Set(ChangeReport.Step.Action.allCases.map(\.rawValue)))
        let strategies = (schemas["MaskingStrategy"] as? [String: Any])?["anyOf"] as? [[String: Any]]
        let named = Set(strategies?.compactMap { $0["enum"] as? [String] }.flatMap { $0 } ?? [])
        #expect(named == ["null", "random", "hash", "hmac", "encrypt", "preserve"])
        for name in named { #expect(try MaskingStrategy(parsing: name).description == name) }
    }

    @Test("every string and list a request body may carry has the limit the decoder enforces, and every limit is stated")
    func bodyLimits() throws {
        let root = try #require(try Yams.load(yaml: String(contentsOf: Self.url, encoding: .utf8)) as? [String: Any])
        let schemas = try #require((root["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let paths = try #require(root["paths"] as? [String: Any])
        var found: [(place: String, kind: String, name: String, limit: Int?)] = []
        var visited: Set<String> = []
        func walk(_ node: Any?, name: String, place: String) {
            guard let node = node as? [String: Any] else { return }
            if let reference = node["$ref"] as? String {
                let schema = String(reference.split(separator: "/").last!)
                guard visited.insert("\(schema) as \(name)").inserted else { return }
                walk(schemas[schema], name: name, place: schema)
                return
            }
            for key in ["oneOf", "anyOf", "allOf"] {
                for option in node[key] as? [Any] ?? [] { walk(option, name: name, place: place) }
            }
            let types = (node["type"] as? [String]) ?? (node["type"] as? String).map { [$0] } ?? []
            for (property, value) in node["properties"] as? [String: Any] ?? [:] {
                walk(value, name: property, place: "\(place).\(property)")
            }
            if let values = node["additionalProperties"] as? [String: Any] { walk(values, name: name + "{}", place: place + "{}") }
            if types.contains("array") {
                found.append((place, "array", name, node["maxItems"] as? Int))
                walk(node["items"], name: name, place: place + "[]")
            }
            if types.contains("string"), node["enum"] == nil {
                found.append((place, "string", name, node["maxLength"] as? Int))
            }
        }
        for (path, item) in paths {
            for (method, operation) in item as? [String: Any] ?? [:] {
                let content = ((operation as? [String: Any])?["requestBody"] as? [String: Any])?["content"] as? [String: Any] ?? [:]
                for (_, media) in content { walk((media as? [String: Any])?["schema"], name: "", place: "\(method) \(path)") }
            }
        }
        #expect(found.count > 50)
        for property in found {
            let limit = property.kind == "array" ? InputLimits.maxItems(property.name) : InputLimits.maxLength(property.name)
            #expect(
                property.limit == limit,
                "\(property.place) (\(property.kind) '\(property.name)'): the document says \(property.limit.map(String.init) ?? "nothing"), the decoder \(limit)"
            )
        }
        // Every named limit applies somewhere in the document.
        let named = Set(found.map(\.name))
        #expect(Set(InputLimits.lengths.keys).subtracting(named).isEmpty)
        #expect(Set(InputLimits.counts.keys).subtracting(named).isEmpty)
    }

    /// `GET /api/v1/systems/:key` → `GET /api/v1/systems/{key}`.
    static func openAPIPath(_ route: String) -> String {
        route.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
        }.joined(separator: "/")
    }
}
