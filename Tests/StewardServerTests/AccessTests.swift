import Foundation
import Hummingbird
import HummingbirdTesting
import StewardCore
import StewardServer
import StewardTestSupport
import Testing

@Suite("API access")
struct AccessTests {
    /// A concrete URI for a route's path, filling in parameters with keys the demo has.
    static func uri(for path: String) -> String {
        path.replacingOccurrences(of: "{key}", with: path.contains("systems") ? "libraries" : "library_db").replacingOccurrences(
            of: "{id}",
            with: "no-such-subject"
        )
        .replacingOccurrences(of: "{preference}", with: "no-such-preference").replacingOccurrences(of: "{system}", with: "libraries")
        .replacingOccurrences(of: "{kind}", with: "acknowledgement")
    }

    @Test("every /api/v1 route refuses a request without a token (401) and a token of the wrong role (403)")
    func everyRouteNeedsTheRightRole() async throws {
        try await ServerFixture.with { fixture, client in
            #expect(fixture.policies.count >= 12)
            for policy in fixture.policies {
                let uri = Self.uri(for: policy.path)
                let body: ByteBuffer? = policy.method == .get ? nil : ByteBuffer(string: "{}")
                let anonymous = try await client.execute(uri: uri, method: policy.method, body: body)
                #expect(anonymous.status == .unauthorized, "\(policy.method) \(uri) without a token")
                #expect(anonymous.headers[.wwwAuthenticate] != nil)
                let garbage = try await client.execute(uri: uri, method: policy.method, headers: [.authorization: "Bearer stw_0_0"], body: body)
                #expect(garbage.status == .unauthorized, "\(policy.method) \(uri) with a bad token")
                let refused = Role.allCases.filter { !policy.roles.contains($0) }
                #expect(!refused.isEmpty, "\(policy.method) \(policy.path) admits every role; each route must refuse some role")
                for role in refused {
                    let response = try await client.execute(uri: uri, method: policy.method, headers: fixture.headers(role), body: body)
                    #expect(response.status == .forbidden, "\(policy.method) \(uri) as \(role)")
                    #expect(try response.decode(ErrorBody.self).error.code == "forbidden")
                }
                for role in policy.roles {
                    let response = try await client.execute(uri: uri, method: policy.method, headers: fixture.headers(role), body: body)
                    #expect(response.status != .unauthorized && response.status != .forbidden, "\(policy.method) \(uri) as \(role)")
                }
            }
        }
    }

    @Test("every route the router serves under /api/v1 goes through the access check")
    func everyRouteHasAPolicy() async throws {
        try await ServerFixture.with(loadDemo: false) { fixture, _ in
            // Public by design: the API's description, and the routes residents use without an account.
            let public_ = [
                "GET /api/v1/openapi.yaml", "POST /api/v1/public/requests", "POST /api/v1/public/requests/{id}/verify",
                "POST /api/v1/public/requests/{id}/code",
            ]
            let checked = Set(fixture.policies.map { "\($0.method) \($0.path)" })
            for route in fixture.routes where route.contains(" /api/v1/") && !public_.contains(route) {
                #expect(checked.contains(route), "\(route) has no access policy")
            }
        }
    }

    @Test("public routes need no token")
    func publicRoutes() async throws {
        try await ServerFixture.with(loadDemo: false) { _, client in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            // A readiness probe is asked again, as a load balancer would: on a machine running every
            // suite at once, one ping can miss its 2 s.
            var ready = try await client.execute(uri: "/readyz", method: .get)
            for _ in 0..<5 where ready.status != .ok {
                try await Task.sleep(for: .seconds(1))
                ready = try await client.execute(uri: "/readyz", method: .get)
            }
            #expect(ready.status == .ok)
            #expect(ready.text.contains("ready"))
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok)
            let document = try await client.execute(uri: "/api/v1/openapi.yaml", method: .get)
            #expect(document.status == .ok)
            #expect(document.text.hasPrefix("openapi: 3.1"))
        }
    }

    @Test("an unknown route is a 404 in the API's error format")
    func unknownRoute() async throws {
        try await ServerFixture.with(loadDemo: false) { _, client in
            let response = try await client.execute(uri: "/api/v1/nothing-here", method: .get)
            #expect(response.status == .notFound)
            #expect(try response.decode(ErrorBody.self).error.code == "not_found")
        }
    }
}
