import Foundation
import StewardCore
import StewardStore
import StewardTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Council sources that cannot be reached")
struct DeadSourceTests {
    /// A port that takes connections (the kernel completes them) and never says a word, as a
    /// firewall that drops traffic, or a server hung mid-start, would look to a client.
    final class SilentListener {
        let descriptor: Int32
        let port: Int

        init() throws {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0, listen(descriptor, 8) == 0 else {
                close(descriptor)
                throw StewardError(.unavailable, "cannot listen on loopback")
            }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
            }
            self.descriptor = descriptor
            self.port = Int(UInt16(bigEndian: address.sin_port))
        }

        deinit { close(descriptor) }
    }

    static func check(_ location: String, timeout: Duration) async throws -> SourceCheck {
        try await TestDatabase.withStore(sourceConnectTimeout: timeout) { store, _ in
            _ = try await store.saveDataMap(CouncilFixture.dataMap(), actor: "test")
            _ = try await store.addSource(id: "housing", name: "Housing", kind: .postgres, dataset: "housing_db", location: location, actor: "dpo")
            return try await store.checkSource("housing", actor: "dpo")
        }
    }

    @Test("a PostgreSQL source with nothing listening is named as such, in words", .timeLimit(.minutes(2)))
    func nothingListening() async throws {
        let check = try await Self.check("postgres://steward@127.0.0.1:1/housing", timeout: .seconds(5))
        #expect(!check.reachable)
        #expect(check.problems.map(\.message) == ["cannot connect to PostgreSQL at 127.0.0.1:1/housing: nothing is listening at 127.0.0.1:1"])
    }

    @Test("a PostgreSQL source that takes the connection and never answers gives up at the connect timeout, in words", .timeLimit(.minutes(2)))
    func silentServer() async throws {
        let listener = try SilentListener()
        let check = try await Self.check("postgres://steward@127.0.0.1:\(listener.port)/housing", timeout: .seconds(1))
        #expect(!check.reachable)
        #expect(check.problems.first?.message.hasSuffix("no answer from 127.0.0.1:\(listener.port) within 1 s") == true, "\(check.problems)")
    }

    @Test("a PostgreSQL source that refuses the password says so, with the server's own reason", .timeLimit(.minutes(2)))
    func refusedLogin() async throws {
        guard let server = ProcessInfo.processInfo.environment["STEWARD_TEST_POSTGRES_SERVER"],
            var components = URLComponents(string: server)
        else { return }
        components.user = "nobody_here"
        components.path = "/postgres"
        let check = try await Self.check(components.string!, timeout: .seconds(60))
        #expect(!check.reachable)
        #expect(check.problems.first?.message.contains("the server refused: SQLSTATE 28") == true, "\(check.problems)")
    }
}
