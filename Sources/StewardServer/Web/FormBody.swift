import Foundation
import Hummingbird
import StewardCore

/// A submitted HTML form (`application/x-www-form-urlencoded`), bounded: at most 64 KiB, 50 fields
/// and 10,000 characters a field, each name once. Anything else is refused before it is used.
struct FormBody: Sendable {
    private(set) var fields: [String: String] = [:]
    /// Files, when the page takes an upload (`multipart/form-data`).
    private(set) var uploads: [String: MultipartForm.Upload] = [:]

    static let byteLimit = 64 * 1024
    static let fieldLimit = 50
    static let valueLimit = 10_000

    subscript(_ name: String) -> String? { fields[name] }

    /// The field, trimmed; nil when missing or empty.
    func text(_ name: String) -> String? {
        guard let value = fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    init(fields: [String: String]) {
        self.fields = fields
    }

    init(encoded text: String) throws {
        guard !text.isEmpty else { return }
        let pairs = text.split(separator: "&", omittingEmptySubsequences: true)
        guard pairs.count <= Self.fieldLimit else {
            throw StewardError(.malformedInput, "the form has more than \(Self.fieldLimit) fields", field: "body")
        }
        for pair in pairs {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decoded(_ part: Substring) throws -> String {
                guard let value = part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
                    throw StewardError(.malformedInput, "the form is not correctly encoded", field: "body")
                }
                return value
            }
            let name = try decoded(parts[0])
            let value = parts.count == 2 ? try decoded(parts[1]) : ""
            guard value.count <= Self.valueLimit else {
                throw StewardError(.malformedInput, "\(name.prefix(40)) is longer than \(Self.valueLimit) characters", field: String(name.prefix(40)))
            }
            guard fields[name] == nil else {
                throw StewardError(.malformedInput, "\(name.prefix(40)) is given more than once", field: String(name.prefix(40)))
            }
            fields[name] = value
        }
    }

    /// The form of `request`: one labelled form-encoded, within the limits; or, on a page that
    /// takes a file (`uploadLimit` bytes at most), `multipart/form-data`.
    static func read(_ request: Request, context: some RequestContext, uploadLimit: Int? = nil) async throws -> FormBody {
        let header = request.headers[.contentType] ?? ""
        let type = header.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        if let uploadLimit, type == "multipart/form-data" {
            guard let boundary = MultipartForm.boundary(of: header) else {
                throw StewardError(.malformedInput, "a multipart form names its boundary in Content-Type", field: "Content-Type")
            }
            let buffer = try await request.body.collect(upTo: uploadLimit)
            let parsed = try MultipartForm.parse(Data(buffer.readableBytesView), boundary: boundary)
            var form = FormBody(fields: parsed.fields)
            form.uploads = parsed.uploads
            return form
        }
        guard type == "application/x-www-form-urlencoded" else {
            throw StewardError(.unsupportedMediaType, "a form is sent as application/x-www-form-urlencoded", field: "Content-Type")
        }
        let buffer = try await request.body.collect(upTo: byteLimit)
        guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else {
            throw StewardError(.malformedInput, "the form is not UTF-8 text", field: "body")
        }
        return try FormBody(encoded: text)
    }
}
