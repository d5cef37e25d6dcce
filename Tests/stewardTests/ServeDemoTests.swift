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

    /// A running `steward serve --demo` and the token it printed.
    struct Server {
        var process: Process
        var base: String
        var token: String

        func stop() {
            process.terminate()
            process.waitUntilExit()
        }
    }

    static func serve(_ cli: StewardProcess, environment extra: [String: String] = [:]) async throws -> Server {
        let port = Self.freePort()
        let process = Process()
        process.executableURL = StewardProcess.binary
        process.arguments = ["serve", "--demo", "--port", "\(port)"]
        process.environment = cli.environment.merging(extra) { _, new in new }
        process.currentDirectoryURL = cli.folder
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(60)
        while !text.contains("Try: curl"), Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        let server = Server(process: process, base: "http://127.0.0.1:\(port)", token: "")
        guard let token = text.split(separator: "\n").first(where: { $0.hasPrefix("Demo DPO token") })?.split(separator: " ").last.map(String.init)
        else {
            server.stop()
            throw ServeError(output: text)
        }
        var ready = false
        for _ in 0..<100 where !ready {
            ready = (try? await Self.get("\(server.base)/healthz", token: nil))?.0 == 200
            if !ready { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(ready)
        return Server(process: process, base: server.base, token: token)
    }

    @Test("serve --demo prints a token that lists the demo systems; no token is 401 and the wrong role 403")
    func demoServes() async throws {
        let database = try await TestDatabase.make()
        let cli = try StewardProcess(database: database)
        let server = try await Self.serve(cli)
        defer { server.stop() }
        let (status, body) = try await Self.get("\(server.base)/api/v1/systems", token: server.token)
        #expect(status == 200)
        #expect(body.contains("\"adult_social_care\"") && body.contains("\"cctv\""))
        #expect(try await Self.get("\(server.base)/api/v1/systems", token: nil).0 == 401)
        let service = try cli.run("token", "create", "--role", "service", "--name", "gate client")
        let serviceToken = service.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await Self.get("\(server.base)/api/v1/systems", token: serviceToken).0 == 403)
        server.stop()
        await database.destroy()
    }

    @Test("serve sends a resident's letters through the configured SMTP relay as they are queued")
    func serveSendsMail() async throws {
        let sink = try await SMTPSink()
        defer { sink.stop() }
        let database = try await TestDatabase.make()
        let cli = try StewardProcess(database: database)
        let server = try await Self.serve(
            cli,
            environment: [
                "STEWARD_SMTP_HOST": "127.0.0.1", "STEWARD_SMTP_PORT": "\(sink.port)", "STEWARD_SMTP_SECURITY": "none",
                "STEWARD_MAIL_FROM": "ig@wessex.gov.example",
            ]
        )
        defer { server.stop() }
        var request = URLRequest(url: URL(string: "\(server.base)/api/v1/public/requests")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(#"{"kind":"access","requester":{"name":"Amy Pond","email":"amy@example.org"},"description":"My records"}"#.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 202)
        let mails = try await sink.waitForMessages(count: 1, timeout: .seconds(30))
        #expect(mails.allSatisfy { $0.rcptTos == ["amy@example.org"] && $0.mailFrom == "ig@wessex.gov.example" })
        #expect(mails.contains { $0.text?.contains("Your code is: ") == true })
        server.stop()
        await database.destroy()
    }
}

struct ServeError: Error, CustomStringConvertible {
    var output: String
    var description: String { "serve --demo printed no token: \(output)" }
}
