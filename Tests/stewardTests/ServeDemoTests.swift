import Foundation
import StewardTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite("steward serve --demo")
struct ServeDemoTests {
    static func freePort() -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func get(_ url: String, token: String?) async throws -> (Int, String) {
        var request = URLRequest(url: URL(string: url)!)
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as! HTTPURLResponse).statusCode, String(decoding: data, as: UTF8.self))
    }

    @Test("serve --demo prints a token that lists the demo systems; no token is 401 and the wrong role 403")
    func demoServes() async throws {
        let database = try await TestDatabase.make()
        let cli = try StewardProcess(database: database)
        let port = Self.freePort()
        let process = Process()
        process.executableURL = StewardProcess.binary
        process.arguments = ["serve", "--demo", "--port", "\(port)"]
        process.environment = cli.environment
        process.currentDirectoryURL = cli.folder
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        var text = ""
        let deadline = Date().addingTimeInterval(60)
        while !text.contains("Try: curl"), Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        let token = try #require(text.split(separator: "\n").first { $0.hasPrefix("Demo DPO token") }?.split(separator: " ").last.map(String.init))
        let base = "http://127.0.0.1:\(port)"
        var ready = false
        for _ in 0..<100 where !ready {
            ready = (try? await Self.get("\(base)/healthz", token: nil))?.0 == 200
            if !ready { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(ready)
        let (status, body) = try await Self.get("\(base)/api/v1/systems", token: token)
        #expect(status == 200)
        #expect(body.contains("\"adult_social_care\"") && body.contains("\"cctv\""))
        #expect(try await Self.get("\(base)/api/v1/systems", token: nil).0 == 401)
        let service = try cli.run("token", "create", "--role", "service", "--name", "gate client")
        let serviceToken = service.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await Self.get("\(base)/api/v1/systems", token: serviceToken).0 == 403)
        process.terminate()
        process.waitUntilExit()
        await database.destroy()
    }
}
