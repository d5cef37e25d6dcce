import Foundation
import Hummingbird
import StewardCore
import StewardStore
import Synchronization

/// The audit log over HTTP, for the DPO and auditors: read entries, verify the chain, export it.
struct AuditController: Sendable {
    let store: Store

    func register(on api: inout APIRoutes) {
        api.add(.get, "audit/entries", roles: .auditReaders, use: entries)
        api.add(.get, "audit/verify", roles: .auditReaders, use: verify)
        api.add(.get, "audit/export", roles: .auditReaders, use: export)
    }

    @Sendable func entries(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let after = try Self.integer(query.get("after"), field: "after", default: 0, range: 0...Int.max)
        let limit = try Self.integer(query.get("limit"), field: "limit", default: 100, range: 1...1000)
        let entries = try await store.auditEntries(after: Int64(after), limit: limit)
        return try JSONResponse.make(AuditEntriesBody(entries: entries, next: entries.count == limit ? entries.last?.seq : nil))
    }

    @Sendable func verify(_ request: Request, context: StewardRequestContext) async throws -> Response {
        // Trust only this installation's own key: a log re-signed with another key is not intact.
        try JSONResponse.make(try await store.verifyAudit(trustedKeys: [store.signingPublicKey]))
    }

    @Sendable func export(_ request: Request, context: StewardRequestContext) async throws -> Response {
        // HEAD exports nothing, so it records no export.
        if request.method == .head { return JSONResponse.text("", contentType: "application/x-ndjson; charset=utf-8") }
        return JSONResponse.text(try await Self.export(store, actor: context.actor), contentType: "application/x-ndjson; charset=utf-8")
    }

    /// The whole log as JSON lines, the export recorded in the log as done by `actor`.
    static func export(_ store: Store, actor: String) async throws -> String {
        let lines = LineCollector()
        _ = try await store.exportAudit { line in lines.append(line) }
        _ = try await store.audit.append(AuditEvent(actor: actor, action: .auditExport, object: "audit"))
        return lines.text
    }

    static func integer(_ text: String?, field: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw StewardError(.invalidInput, "\(field) must be a whole number from \(range.lowerBound) to \(range.upperBound)", field: field)
        }
        return number
    }
}

/// Collects export lines from the store's callback.
final class LineCollector: Sendable {
    private let storage = Mutex<[String]>([])

    func append(_ line: String) { storage.withLock { $0.append(line) } }
    var text: String { storage.withLock { $0.joined(separator: "\n") + "\n" } }
}
