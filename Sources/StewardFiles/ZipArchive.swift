public import Foundation

/// A ZIP archive of stored (uncompressed) files, written in memory: the form an access bundle is
/// handed over in, which every operating system opens without extra software.
public struct ZipWriter: Sendable {
    private var body = Data()
    private var directory = Data()
    private var count: UInt16 = 0

    public init() {}

    /// Adds a file. Paths use `/` and must be unique; the caller keeps them so.
    public mutating func add(_ path: String, _ contents: Data) {
        let name = Data(path.utf8)
        let crc = CRC32.checksum(contents)
        let offset = UInt32(body.count)
        // Local file header: version 2.0, UTF-8 names (bit 11), stored, DOS date 1980-01-01.
        var local = Data()
        local.append(le32: 0x0403_4b50)
        local.append(le16: 20)
        local.append(le16: 0x0800)
        local.append(le16: 0)
        local.append(le16: 0)
        local.append(le16: 0x21)
        local.append(le32: crc)
        local.append(le32: UInt32(contents.count))
        local.append(le32: UInt32(contents.count))
        local.append(le16: UInt16(name.count))
        local.append(le16: 0)
        body.append(local)
        body.append(name)
        body.append(contents)

        var entry = Data()
        entry.append(le32: 0x0201_4b50)
        entry.append(le16: 20)
        entry.append(le16: 20)
        entry.append(le16: 0x0800)
        entry.append(le16: 0)
        entry.append(le16: 0)
        entry.append(le16: 0x21)
        entry.append(le32: crc)
        entry.append(le32: UInt32(contents.count))
        entry.append(le32: UInt32(contents.count))
        entry.append(le16: UInt16(name.count))
        entry.append(le16: 0)
        entry.append(le16: 0)
        entry.append(le16: 0)
        entry.append(le16: 0)
        entry.append(le32: 0o100644 << 16)
        entry.append(le32: offset)
        directory.append(entry)
        directory.append(name)
        count += 1
    }

    /// The finished archive.
    public var data: Data {
        var end = Data()
        end.append(le32: 0x0605_4b50)
        end.append(le16: 0)
        end.append(le16: 0)
        end.append(le16: count)
        end.append(le16: count)
        end.append(le32: UInt32(directory.count))
        end.append(le32: UInt32(body.count))
        end.append(le16: 0)
        return body + directory + end
    }
}

/// Reads the files of an archive `ZipWriter` made (stored entries), checking each CRC.
public enum ZipReader {
    public static func files(_ archive: Data) throws -> [String: Data] {
        let bytes = [UInt8](archive)
        func le16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func le32(_ at: Int) -> Int { le16(at) | le16(at + 2) << 16 }
        var files: [String: Data] = [:]
        var at = 0
        while at + 30 <= bytes.count, le32(at) == 0x0403_4b50 {
            guard le16(at + 8) == 0 else { throw StewardZipError(message: "entry at \(at) is compressed") }
            let size = le32(at + 18)
            let nameLength = le16(at + 26)
            let extra = le16(at + 28)
            let nameStart = at + 30
            let dataStart = nameStart + nameLength + extra
            guard dataStart + size <= bytes.count else { throw StewardZipError(message: "entry at \(at) runs past the end") }
            let name = String(decoding: bytes[nameStart..<nameStart + nameLength], as: UTF8.self)
            let contents = Data(bytes[dataStart..<dataStart + size])
            guard CRC32.checksum(contents) == UInt32(le32(at + 14)) else { throw StewardZipError(message: "\(name) fails its CRC") }
            files[name] = contents
            at = dataStart + size
        }
        return files
    }
}

public struct StewardZipError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { "not a readable archive: \(message)" }
}

/// The CRC-32 ZIP uses (polynomial 0xEDB88320).
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func checksum(_ data: Data) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

extension Data {
    mutating func append(le16 value: UInt16) { Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) } }
    mutating func append(le32 value: UInt32) { Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) } }
    mutating func append(le32 value: Int) { append(le32: UInt32(truncatingIfNeeded: value)) }
}
