import Foundation
import StewardCore
import Testing

@Suite("Audit chain")
struct AuditChainTests {
    static func chain(
        _ count: Int,
        signer: AuditSigner = AuditSigner(),
        interval: Int64 = 5
    ) throws -> ([AuditEntry], [AuditCheckpoint], AuditCheckpoint) {
        var entries: [AuditEntry] = []
        var previous = AuditChain.genesisHash
        for index in 1...count {
            let entry = AuditChain.seal(
                AuditEvent(
                    actor: "tester",
                    action: AuditAction(rawValue: "test.event"),
                    object: "thing/\(index)",
                    details: ["n": .int(index), "note": "a \"quoted\" line\n"]
                ),
                seq: Int64(index),
                time: AuditChain.timestamp(millisecondsSince1970: 1_780_000_000_000 + Int64(index)),
                prevHash: previous
            )
            entries.append(entry)
            previous = entry.hash
        }
        let checkpoints = try entries.filter { $0.seq % interval == 0 }.map {
            try signer.checkpoint(seq: $0.seq, hash: $0.hash, previous: $0.seq - interval)
        }
        let head = try signer.checkpoint(seq: entries.last!.seq, hash: entries.last!.hash, previous: entries.last!.seq / interval * interval)
        return (entries, checkpoints, head)
    }

    static func verify(
        _ entries: [AuditEntry],
        _ checkpoints: [AuditCheckpoint],
        _ head: AuditCheckpoint?,
        trusted: Set<String>? = nil
    ) -> AuditVerifier.Result {
        var verifier = AuditVerifier(checkpoints: checkpoints, head: head, trustedKeys: trusted)
        for entry in entries where !verifier.check(entry) { break }
        return verifier.finish()
    }

    @Test("an untouched chain verifies, with its checkpoints and head")
    func intactChainVerifies() throws {
        let signer = AuditSigner()
        let (entries, checkpoints, head) = try Self.chain(12, signer: signer)
        let result = Self.verify(entries, checkpoints, head, trusted: [signer.publicKey])
        #expect(result.isIntact)
        #expect(result.entriesChecked == 12)
        #expect(result.checkpointsChecked == 3)
    }

    @Test("the hash covers every field: changing any one breaks that entry")
    func everyFieldIsCovered() throws {
        let (entries, checkpoints, head) = try Self.chain(6)
        let edits: [(inout AuditEntry) -> Void] = [
            { $0.actor = "other" }, { $0.action = "other" }, { $0.object = "other" }, { $0.details = #"{"n":99}"# },
            { $0.time = "2020-01-01T00:00:00.000Z" },
        ]
        for edit in edits {
            var tampered = entries
            edit(&tampered[3])
            let result = Self.verify(tampered, checkpoints, head)
            #expect(result.firstBad?.seq == 4)
        }
    }

    @Test("a dropped entry, a swapped pair and a cut tail are each named")
    func structuralTampering() throws {
        let (entries, checkpoints, head) = try Self.chain(12)
        var dropped = entries
        dropped.remove(at: 6)
        #expect(Self.verify(dropped, checkpoints, head).firstBad?.seq == 7)
        var swapped = entries
        swapped.swapAt(2, 3)
        #expect(Self.verify(swapped, checkpoints, head).firstBad?.seq == 3)
        #expect(Self.verify(Array(entries.prefix(11)), checkpoints, head).firstBad?.seq == 12)
        #expect(Self.verify(Array(entries.prefix(8)), checkpoints, head).firstBad?.seq == 9)
    }

    @Test("a forged signature is refused")
    func forgedSignature() throws {
        let (entries, checkpoints, head) = try Self.chain(5)
        var forged = head
        forged.signature = String(forged.signature.reversed())
        #expect(Self.verify(entries, checkpoints, forged).isIntact == false)
    }

    @Test(
        "timestamps are ISO 8601 UTC with milliseconds",
        arguments: [
            (Int64(0), "1970-01-01T00:00:00.000Z"), (Int64(951_782_400_000), "2000-02-29T00:00:00.000Z"),
            (Int64(1_796_083_199_999), "2026-11-30T23:59:59.999Z"), (Int64(-1), "1969-12-31T23:59:59.999Z"),
        ]
    )
    func timestamps(_ milliseconds: Int64, _ expected: String) {
        #expect(AuditChain.timestamp(millisecondsSince1970: milliseconds) == expected)
    }

    @Test("canonical JSON sorts keys and escapes strings")
    func canonicalJSON() {
        let value: JSONValue = ["b": 1, "a": ["z": true, "y": .null], "c": "line\n\"q\"\u{01}"]
        #expect(value.canonicalString == #"{"a":{"y":null,"z":true},"b":1,"c":"line\n\"q\"\u0001"}"#)
    }

    @Test("checking a large page in parallel names the same first bad entry as checking one by one")
    func parallelPageCheck() throws {
        let (entries, checkpoints, head) = try Self.chain(6000, interval: 1000)
        var tampered = entries
        tampered[4320].object = "changed"
        tampered[5100].actor = "changed"
        var verifier = AuditVerifier(checkpoints: checkpoints, head: head)
        let tamperedPasses = verifier.check(tampered)
        #expect(!tamperedPasses)
        #expect(verifier.finish().firstBad?.seq == 4321)
        var intact = AuditVerifier(checkpoints: checkpoints, head: head)
        let intactPasses = intact.check(entries)
        #expect(intactPasses)
        #expect(intact.finish().isIntact)
    }

    @Test("a large export is verified in pages, and a bad line is named")
    func largeExport() throws {
        let (entries, checkpoints, head) = try Self.chain(20_000, interval: 1000)
        var lines = [
            try AuditExport.encode(AuditExport.Header(exportedAt: "2026-11-29T00:00:00.000Z", entries: 20_000)), try AuditExport.encode(.head(head)),
        ]
        lines += try checkpoints.map { try AuditExport.encode(.checkpoint($0)) }
        lines += try entries.map { try AuditExport.encode(.entry($0)) }
        #expect(try AuditExport.verify(lines: lines.map { Substring($0) }, trustedKeys: nil).isIntact)
        var edited = lines
        edited[2 + checkpoints.count + 18_500] = edited[2 + checkpoints.count + 18_500].replacingOccurrences(of: "test.event", with: "test.other")
        #expect(try AuditExport.verify(lines: edited.map { Substring($0) }, trustedKeys: nil).firstBad?.seq == 18_501)
        edited[2 + checkpoints.count + 17_000] = "not json"
        #expect(throws: StewardError.self) { try AuditExport.verify(lines: edited.map { Substring($0) }, trustedKeys: nil) }
    }
}
