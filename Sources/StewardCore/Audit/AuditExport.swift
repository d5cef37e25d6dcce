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
    }

    private struct Tagged: Codable {
        var checkpoint: AuditCheckpoint?
        var head: AuditCheckpoint?
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
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Encodes the header line.
    public static func encode(_ header: Header) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(header), as: UTF8.self)
    }

    /// Verifies a whole export as it is read, without holding it in memory. An export lists the signed
    /// head and the checkpoints before the entries, so each entry is checked as it arrives.
    public static func verify(lines: some Sequence<Substring>, trustedKeys: Set<String>?) throws -> AuditVerifier.Result {
        let decoder = JSONDecoder()
        var lineNumber = 0
        var sawHeader = false
        var checkpoints: [AuditCheckpoint] = []
        var head: AuditCheckpoint?
        var verifier: AuditVerifier?
        for text in lines {
            lineNumber += 1
            if text.allSatisfy(\.isWhitespace) { continue }
            let data = Data(text.utf8)
            if !sawHeader {
                guard let header = try? decoder.decode(Header.self, from: data), header.format == "steward-audit-export" else {
                    throw StewardError(.invalidInput, "line 1 is not a Steward audit export header", field: "file")
                }
                guard header.version == 1 else {
                    throw StewardError(.invalidInput, "audit export version \(header.version) is not supported", field: "file")
                }
                sawHeader = true
                continue
            }
            if let entry = try? decoder.decode(AuditEntry.self, from: data) {
                if verifier == nil { verifier = AuditVerifier(checkpoints: checkpoints, head: head, trustedKeys: trustedKeys) }
                verifier!.check(entry)
            } else if verifier == nil, let tagged = try? decoder.decode(Tagged.self, from: data), tagged.checkpoint != nil || tagged.head != nil {
                if let checkpoint = tagged.checkpoint { checkpoints.append(checkpoint) }
                if let value = tagged.head { head = value }
            } else {
                throw StewardError(
                    .auditTampered, "line \(lineNumber) of the export is not an entry, or is a checkpoint after the entries", field: "file"
                )
            }
        }
        guard sawHeader else { throw StewardError(.invalidInput, "the file is empty", field: "file") }
        var final = verifier ?? AuditVerifier(checkpoints: checkpoints, head: head, trustedKeys: trustedKeys)
        return final.finish()
    }
}
