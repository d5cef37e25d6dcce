public import Foundation
import StewardCore
import ZIPFoundation

/// ZIP archives made and read in memory with ZIPFoundation: the form an access bundle is handed
/// over in, which every operating system opens without extra software.
public enum ZipArchive {
    /// Fixed, so the same files make the same archive (and the same SHA-256 in the audit log).
    static let modified = Date(timeIntervalSince1970: 315_532_800)  // 1980-01-01, ZIP's first date

    /// An archive of the files, in order, compressed; paths use `/` and must be unique.
    public static func make(_ files: [(path: String, contents: Data)]) throws -> Data {
        let archive = try Archive(accessMode: .create)
        for (path, contents) in files {
            try archive.addEntry(
                with: path,
                type: .file,
                uncompressedSize: Int64(contents.count),
                modificationDate: modified,
                compressionMethod: .deflate
            ) { position, size in
                contents.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        guard let data = archive.data else { throw CocoaError(.fileWriteUnknown) }
        return data
    }

    /// The files of an archive by path, each checked against its CRC.
    public static func files(_ data: Data) throws -> [String: Data] {
        let archive = try Archive(data: data, accessMode: .read)
        var files: [String: Data] = [:]
        for entry in archive where entry.type == .file {
            var contents = Data()
            _ = try archive.extract(entry) { contents.append($0) }
            files[entry.path] = contents
        }
        return files
    }

    /// The files of an archive someone else made, refused once they would unpack to more than
    /// `limit` bytes or number more than `count`: a small archive cannot stand in for a large one.
    public static func files(_ data: Data, limit: Int, count: Int) throws -> [String: Data] {
        let archive = try Archive(data: data, accessMode: .read)
        var files: [String: Data] = [:]
        var total = 0
        var entries = 0
        for entry in archive where entry.type == .file {
            entries += 1
            guard entries <= count else {
                throw StewardError(.invalidInput, "the archive holds more than \(count) files", field: "archive")
            }
            var contents = Data()
            _ = try archive.extract(entry) { chunk in
                total += chunk.count
                guard total <= limit else {
                    throw StewardError(.invalidInput, "the archive unpacks to more than \(limit / (1 << 20)) MiB", field: "archive")
                }
                contents.append(chunk)
            }
            guard files.updateValue(contents, forKey: entry.path) == nil else {
                throw StewardError(.invalidInput, "the archive holds \(entry.path) more than once", field: "archive")
            }
        }
        return files
    }
}
