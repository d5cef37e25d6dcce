import Foundation
import Hummingbird
import StewardCore

/// A form sent as `multipart/form-data` (RFC 7578): the way a browser uploads a file. Bounded as
/// `FormBody` is, with the whole body at most `byteLimit`; text parts become the form's fields and
/// file parts its uploads.
enum MultipartForm {
    /// A file the form carried.
    struct Upload: Sendable {
        var filename: String
        var contents: Data
    }

    static let partLimit = 20

    /// The boundary a `Content-Type: multipart/form-data; boundary=…` header names.
    static func boundary(of contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return (1...70).contains(value.count) ? value : nil
        }
        return nil
    }

    /// The fields and files of a body; anything not as RFC 7578 describes is refused, naming what.
    static func parse(_ body: Data, boundary: String) throws -> (fields: [String: String], uploads: [String: Upload]) {
        let delimiter = Data("--\(boundary)".utf8)
        let newline = Data("\r\n".utf8)
        let headerEnd = Data("\r\n\r\n".utf8)
        func refused(_ why: String) -> StewardError { StewardError(.malformedInput, "the uploaded form \(why)", field: "body") }
        guard var cursor = body.range(of: delimiter)?.upperBound else { throw refused("has no parts") }
        var fields: [String: String] = [:]
        var uploads: [String: Upload] = [:]
        var parts = 0
        while true {
            // After a delimiter: "--" ends the body, a line break begins a part.
            if body[cursor...].starts(with: Data("--".utf8)) { break }
            guard body[cursor...].starts(with: newline) else { throw refused("is not correctly delimited") }
            cursor += newline.count
            // The part ends at the next delimiter; its headers end at its first blank line.
            guard let next = body.range(of: newline + delimiter, in: cursor..<body.endIndex) else {
                throw refused("ends before its last part does")
            }
            guard let headersEnd = body.range(of: headerEnd, in: cursor..<next.lowerBound) else {
                throw refused("has a part without headers")
            }
            parts += 1
            guard parts <= partLimit else { throw refused("has more than \(partLimit) parts") }
            let headers = String(decoding: body[cursor..<headersEnd.lowerBound], as: UTF8.self)
            let contents = body[headersEnd.upperBound..<next.lowerBound]
            guard let disposition = Self.disposition(headers), let name = disposition["name"] else {
                throw refused("has a part with no name")
            }
            guard fields[name] == nil, uploads[name] == nil else { throw refused("gives \(name.prefix(40)) more than once") }
            if let filename = disposition["filename"] {
                uploads[name] = Upload(filename: filename, contents: Data(contents))
            } else {
                guard let text = String(data: contents, encoding: .utf8) else { throw refused("has \(name.prefix(40)) that is not UTF-8 text") }
                guard text.count <= FormBody.valueLimit else { throw refused("has \(name.prefix(40)) longer than \(FormBody.valueLimit) characters") }
                fields[name] = text
            }
            cursor = next.upperBound
        }
        return (fields, uploads)
    }

    /// The parameters of a part's `Content-Disposition: form-data; name="…"; filename="…"`. As
    /// browsers send them (the HTML standard's form encoding), a quoted value carries `"`, CR and LF
    /// percent-encoded and a backslash as itself.
    static func disposition(_ headers: String) -> [String: String]? {
        for line in headers.components(separatedBy: "\r\n") {
            let header = line.split(separator: ":", maxSplits: 1)
            guard header.count == 2, header[0].trimmingCharacters(in: .whitespaces).lowercased() == "content-disposition" else { continue }
            guard header[1].split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() == "form-data" else { return nil }
            var parameters: [String: String] = [:]
            var rest = Substring(header[1])
            // Values are quoted strings that may hold ';', so read them rather than split on it.
            while let equals = rest.firstIndex(of: "=") {
                let key = rest[..<equals].split(separator: ";").last?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
                rest = rest[rest.index(after: equals)...]
                var value = ""
                if rest.first == "\"" {
                    rest = rest.dropFirst()
                    let end = rest.firstIndex(of: "\"") ?? rest.endIndex
                    value = rest[..<end].replacingOccurrences(of: "%22", with: "\"").replacingOccurrences(of: "%0D", with: "\r")
                        .replacingOccurrences(of: "%0A", with: "\n")
                    rest = end < rest.endIndex ? rest[rest.index(after: end)...] : rest[end...]
                } else {
                    let end = rest.firstIndex(of: ";") ?? rest.endIndex
                    value = rest[..<end].trimmingCharacters(in: .whitespaces)
                    rest = rest[end...]
                }
                parameters[key] = value
            }
            return parameters
        }
        return nil
    }
}
