import Dispatch
public import Foundation

/// The exported audit log: JSON lines: a header, the signed head, the checkpoints, then every
/// entry in order. An auditor verifies it offline with `steward audit verify --file`.
public enum AuditExport {
    /// The first line of an export.
    public struct Header: Sendable, Hashable, Codable {
        public var format = "steward-audit-export"
        public var version = 1
        public var exportedAt: String
        public var entries: Int64

        public init(exportedAt: String, entries: Int64) {
            self.exportedAt = exportedAt
            self.entries = entries
        }
    }

    /// One line of an export after the header.
    public enum Line: Sendable, Hashable {
        case entry(AuditEntry)
        case checkpoint(AuditCheckpoint)
        case head(AuditCheckpoint)
        /// The installation's record of the log's first entry: with it, an export with no entries,
        /// or with another first entry, fails.
        case origin(AuditOrigin)
    }

    private struct Tagged: Codable {
        var checkpoint: AuditCheckpoint?
        var head: AuditCheckpoint?
        var origin: AuditOrigin?
    }

    /// One line of text for an export.
    public static func encode(_ line: Line) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data
        switch line {
        case .entry(let entry): data = try encoder.encode(entry)
        case .checkpoint(let checkpoint): data = try encoder.encode(Tagged(checkpoint: checkpoint))
        case .head(let head): data = try encoder.encode(Tagged(head: head))
        case .origin(let origin): data = try encoder.encode(Tagged(origin: origin))
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Encodes the header line.
    public static func encode(_ header: Header) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(header), as: UTF8.self)
    }

    /// Verifies a whole export. The head and checkpoints come before the entries; entries are then
    /// decoded in parallel, a page at a time, and checked in order.
    public static func verify(lines: some Sequence<Substring>, trustedKeys: Set<String>?) throws -> AuditVerifier.Result {
        let decoder = JSONDecoder()
        var lineNumber = 0
        var sawHeader = false
        var checkpoints: [AuditCheckpoint] = []
        var head: AuditCheckpoint?
        var origin: AuditOrigin?
        var verifier: AuditVerifier?
        var page: [(line: Int, text: Substring)] = []
        func checkPage() throws {
            if verifier == nil { verifier = AuditVerifier(checkpoints: checkpoints, head: head, origin: origin, trustedKeys: trustedKeys) }
            let entries = decodeEntries(page.map(\.text))
            if let bad = entries.firstIndex(where: { $0 == nil }) {
                throw StewardError(
                    .auditTampered,
                    "line \(page[bad].line) of the export is not an entry, or is a checkpoint after the entries",
                    field: "file"
                )
            }
            verifier!.check(entries.map { $0! })
            page.removeAll(keepingCapacity: true)
        }
        for text in lines {
            lineNumber += 1
            if text.allSatisfy(\.isWhitespace) { continue }
            if !sawHeader {
                guard let header = try? decoder.decode(Header.self, from: Data(text.utf8)), header.format == "steward-audit-export" else {
                    throw StewardError(.invalidInput, "line \(lineNumber) is not a Steward audit export header", field: "file")
                }
                guard header.version == 1 else {
                    throw StewardError(.invalidInput, "audit export version \(header.version) is not supported", field: "file")
                }
                sawHeader = true
                continue
            }
            if verifier == nil, page.isEmpty, let tagged = try? decoder.decode(Tagged.self, from: Data(text.utf8)),
                tagged.checkpoint != nil || tagged.head != nil || tagged.origin != nil
            {
                if let checkpoint = tagged.checkpoint { checkpoints.append(checkpoint) }
                if let value = tagged.head { head = value }
                if let value = tagged.origin { origin = value }
                continue
            }
            page.append((lineNumber, text))
            if page.count == pageSize { try checkPage() }
        }
        guard sawHeader else { throw StewardError(.invalidInput, "the file is empty", field: "file") }
        if !page.isEmpty { try checkPage() }
        var final = verifier ?? AuditVerifier(checkpoints: checkpoints, head: head, origin: origin, trustedKeys: trustedKeys)
        return final.finish()
    }

    /// Lines decoded per page.
    static let pageSize = 16_384

    /// Decodes entry lines on every core; nil where a line is not an entry.
    static func decodeEntries(_ lines: [Substring]) -> [AuditEntry?] {
        let chunk = 1024
        let chunks = (lines.count + chunk - 1) / chunk
        let results = EntrySlots(count: lines.count)
        DispatchQueue.concurrentPerform(iterations: chunks) { part in
            let decoder = JSONDecoder()
            for index in part * chunk..<min(lines.count, (part + 1) * chunk) {
                results.set(index, try? decoder.decode(AuditEntry.self, from: Data(lines[index].utf8)))
            }
        }
        return results.values
    }
}

/// Slots that concurrent decoders fill, each index by exactly one of them.
private final class EntrySlots: @unchecked Sendable {
    // Safe: `decodeEntries` gives each index to one iteration only, writes through a raw pointer (no
    // exclusivity check on a shared array), and reads `values` after `concurrentPerform` returns.
    private let slots: UnsafeMutableBufferPointer<AuditEntry?>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }

    func set(_ index: Int, _ entry: AuditEntry?) { slots[index] = entry }
    var values: [AuditEntry?] { Array(slots) }
}
