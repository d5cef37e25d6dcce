public import Crypto
public import Foundation

/// The rules of the hash chain and its signatures: pure functions shared by the writer, the database
/// verifier and the offline verifier of exported files.
public enum AuditChain {
    /// The `prevHash` of the first entry.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// The hash of an entry: SHA-256 over the previous hash (32 bytes) followed by the canonical JSON
    /// of `{action, actor, details, object, seq, time}`.
    public static func hash(
        prevHash: String,
        seq: Int64,
        time: String,
        actor: String,
        action: String,
        object: String,
        details: String
    ) -> String {
        var bytes: [UInt8] = []
        return hex(digest(prevHash: prevHash, seq: seq, time: time, actor: actor, action: action, object: object, details: details, buffer: &bytes))
    }

    /// The digest of an entry, building the hashed bytes in `buffer` so that a verifier can reuse one
    /// buffer for every entry.
    static func digest(
        prevHash: String,
        seq: Int64,
        time: String,
        actor: String,
        action: String,
        object: String,
        details: String,
        buffer bytes: inout [UInt8]
    ) -> SHA256.Digest {
        bytes.removeAll(keepingCapacity: true)
        bytes.reserveCapacity(160 + details.utf8.count)
        appendHexDecoded(prevHash, to: &bytes)
        bytes.append(contentsOf: #"{"action":"#.utf8)
        JSONValue.writeString(action, into: &bytes)
        bytes.append(contentsOf: #","actor":"#.utf8)
        JSONValue.writeString(actor, into: &bytes)
        bytes.append(contentsOf: #","details":"#.utf8)
        bytes.append(contentsOf: details.utf8)
        bytes.append(contentsOf: #","object":"#.utf8)
        JSONValue.writeString(object, into: &bytes)
        bytes.append(contentsOf: #","seq":"#.utf8)
        appendDecimal(seq, to: &bytes)
        bytes.append(contentsOf: #","time":"#.utf8)
        JSONValue.writeString(time, into: &bytes)
        bytes.append(UInt8(ascii: "}"))
        return SHA256.hash(data: bytes)
    }

    /// The exact bytes an entry's hash is taken over: the previous hash, then the canonical JSON.
    public static func hashedBytes(of entry: AuditEntry) -> [UInt8] {
        var bytes: [UInt8] = []
        _ = digest(
            prevHash: entry.prevHash,
            seq: entry.seq,
            time: entry.time,
            actor: entry.actor,
            action: entry.action,
            object: entry.object,
            details: entry.details,
            buffer: &bytes
        )
        return bytes
    }

    /// The hash an entry should have, computed from its own fields.
    public static func expectedHash(of entry: AuditEntry) -> String {
        hash(
            prevHash: entry.prevHash,
            seq: entry.seq,
            time: entry.time,
            actor: entry.actor,
            action: entry.action,
            object: entry.object,
            details: entry.details
        )
    }

    /// True when the entry's stored hash is the one its fields give. Compares bytes, without making
    /// strings, because verification does this for every entry.
    static func hasValidHash(_ entry: AuditEntry, buffer: inout [UInt8]) -> Bool {
        let digest = digest(
            prevHash: entry.prevHash,
            seq: entry.seq,
            time: entry.time,
            actor: entry.actor,
            action: entry.action,
            object: entry.object,
            details: entry.details,
            buffer: &buffer
        )
        var stored = entry.hash
        return stored.withUTF8 { text in
            guard text.count == 64 else { return false }
            return digest.withUnsafeBytes { raw in
                for position in 0..<32 {
                    let byte = raw[position]
                    guard text[2 * position] == hexDigits[Int(byte >> 4)], text[2 * position + 1] == hexDigits[Int(byte & 0x0F)] else {
                        return false
                    }
                }
                return true
            }
        }
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func appendDecimal(_ value: Int64, to bytes: inout [UInt8]) {
        if value < 0 {
            bytes.append(contentsOf: String(value).utf8)
            return
        }
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            } while rest > 0
            for position in stride(from: count - 1, through: 0, by: -1) { bytes.append(buffer[position]) }
        }
    }

    /// Seals an event as the entry after `prevHash`.
    public static func seal(_ event: AuditEvent, seq: Int64, time: String, prevHash: String) -> AuditEntry {
        let details = event.details.canonicalString
        let hash = hash(
            prevHash: prevHash,
            seq: seq,
            time: time,
            actor: event.actor,
            action: event.action.rawValue,
            object: event.object,
            details: details
        )
        return AuditEntry(
            seq: seq,
            time: time,
            actor: event.actor,
            action: event.action.rawValue,
            object: event.object,
            details: details,
            prevHash: prevHash,
            hash: hash
        )
    }

    /// The bytes a checkpoint signs: its entry, that entry's hash and, since checkpoints are
    /// chained, the entry of the checkpoint before it.
    public static func checkpointMessage(seq: Int64, hash: String, previous: Int64?) -> [UInt8] {
        guard let previous else { return Array("steward-audit-checkpoint\n\(seq)\n\(hash)\n".utf8) }
        return Array("steward-audit-checkpoint-v2\n\(seq)\n\(hash)\n\(previous)\n".utf8)
    }

    /// The bytes an installation's record of its first entry signs.
    public static func originMessage(hash: String, signedAt: String) -> [UInt8] {
        Array("steward-audit-origin\n\(hash)\n\(signedAt)\n".utf8)
    }

    /// True when the checkpoint's signature is valid for its own public key.
    public static func isValidSignature(_ checkpoint: AuditCheckpoint) -> Bool {
        isValid(
            checkpoint.signature,
            by: checkpoint.publicKey,
            for: checkpointMessage(seq: checkpoint.seq, hash: checkpoint.hash, previous: checkpoint.previous)
        )
    }

    /// True when the origin's signature is valid for its own public key.
    public static func isValidSignature(_ origin: AuditOrigin) -> Bool {
        isValid(origin.signature, by: origin.publicKey, for: originMessage(hash: origin.hash, signedAt: origin.signedAt))
    }

    private static func isValid(_ signature: String, by publicKey: String, for message: [UInt8]) -> Bool {
        guard let keyBytes = hexDecoded(publicKey), let signature = hexDecoded(signature),
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes)
        else { return false }
        return key.isValidSignature(signature, for: message)
    }

    /// The time now as the log writes it: UTC, milliseconds, ISO 8601.
    public static func timestamp(_ date: Date = Date()) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        return timestamp(millisecondsSince1970: milliseconds)
    }

    /// Formats milliseconds since 1970 as `YYYY-MM-DDTHH:MM:SS.mmmZ` without a formatter, which matters
    /// on the append path.
    public static func timestamp(millisecondsSince1970 milliseconds: Int64) -> String {
        let (days, dayMilliseconds) = milliseconds.quotientAndRemainder(dividingBy: 86_400_000)
        var day = days
        var remainder = dayMilliseconds
        if remainder < 0 {
            day -= 1
            remainder += 86_400_000
        }
        let date = CalendarDate(dayNumber: Int(day))
        let hours = remainder / 3_600_000
        let minutes = remainder / 60000 % 60
        let seconds = remainder / 1000 % 60
        let millis = remainder % 1000
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(date)T\(pad(hours, 2)):\(pad(minutes, 2)):\(pad(seconds, 2)).\(pad(millis, 3))Z"
    }

    /// Lower-case hex of some bytes.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of a hex string; nil when it is not hex.
    public static func hexDecoded(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        guard appendHexDecoded(text, to: &bytes) else { return nil }
        return bytes
    }

    @discardableResult
    static func appendHexDecoded(_ text: String, to bytes: inout [UInt8]) -> Bool {
        var text = text
        return text.withUTF8 { appendHexDecoded(utf8: $0, to: &bytes) }
    }

    static func appendHexDecoded(utf8 text: UnsafeBufferPointer<UInt8>, to bytes: inout [UInt8]) -> Bool {
        var high: UInt8?
        for character in text {
            let value: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = character - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = character - UInt8(ascii: "A") + 10
            default: return false
            }
            if let first = high {
                bytes.append(first << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        return high == nil
    }
}

/// The key that signs checkpoints.
public struct AuditSigner: Sendable {
    /// The raw key bytes; the Crypto key type is rebuilt per signature because it is not `Sendable`.
    private let rawKey: Data
    /// The public key, lower-case hex, as written into every checkpoint.
    public let publicKey: String

    /// A signer from the 32-byte raw private key.
    public init(rawPrivateKey: some ContiguousBytes) throws {
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: rawPrivateKey)
        rawKey = key.rawRepresentation
        publicKey = AuditChain.hex(key.publicKey.rawRepresentation)
    }

    /// A signer with a new random key.
    public init() {
        let key = Curve25519.Signing.PrivateKey()
        rawKey = key.rawRepresentation
        publicKey = AuditChain.hex(key.publicKey.rawRepresentation)
    }

    /// The 32-byte raw private key, to be kept secret.
    public var rawPrivateKey: Data { rawKey }

    /// Signs the log's state at `seq`, after the checkpoint at entry `previous` (0 for none).
    public func checkpoint(seq: Int64, hash: String, previous: Int64, at time: String = AuditChain.timestamp()) throws -> AuditCheckpoint {
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: rawKey)
        let signature = try key.signature(for: AuditChain.checkpointMessage(seq: seq, hash: hash, previous: previous))
        return AuditCheckpoint(
            seq: seq,
            hash: hash,
            signedAt: time,
            publicKey: publicKey,
            signature: AuditChain.hex(signature),
            previous: previous
        )
    }

    /// Signs the record that the log began with the entry whose hash is `hash`.
    public func origin(hash: String, at time: String = AuditChain.timestamp()) throws -> AuditOrigin {
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: rawKey)
        let signature = try key.signature(for: AuditChain.originMessage(hash: hash, signedAt: time))
        return AuditOrigin(hash: hash, signedAt: time, publicKey: publicKey, signature: AuditChain.hex(signature))
    }
}
