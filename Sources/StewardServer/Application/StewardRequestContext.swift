public import Foundation
import HTTPTypes
public import Hummingbird
public import StewardCore

/// The per-request state: Hummingbird's core context and, once authenticated, the caller's token.
public struct StewardRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The token the request was made with, set by the route's access check.
    public var token: APIToken?

    /// The caller's IP address, for limiting the public routes; "unknown" when the transport has none.
    public let remoteAddress: String

    public init(source: Source) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// The data map is uploaded as text; allow large councils' folders.
    public var maxUploadSize: Int { 16 * 1024 * 1024 }

    /// Bodies are JSON; one that does not decode is a 400 naming the field.
    public var requestDecoder: StewardRequestDecoder { StewardRequestDecoder() }

    /// The name recorded in the audit log for what this request does.
    public var actor: String { token.map { "token:\($0.name)" } ?? "anonymous" }

    /// Who is calling, for the limits: the connection's address, or behind the council's proxy
    /// (`trust_forwarded_for`) the last address of `X-Forwarded-For`, the one the proxy added
    /// (those before it are whatever the caller wrote). IPv6 addresses count by their /64, which
    /// one household or device usually has to itself.
    public func caller(of request: Request, trustForwardedFor: Bool) -> String {
        var address = remoteAddress
        if trustForwardedFor, let header = request.headers[HTTPField.Name("X-Forwarded-For")!],
            let last = header.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty
        {
            address = last
        }
        if address.contains(":") {
            let groups = address.split(separator: ":", omittingEmptySubsequences: false).prefix(4)
            return groups.joined(separator: ":") + "::/64"
        }
        return address
    }

    /// A path parameter, percent-decoded (`council%5Fwebsite` is `council_website`).
    public func parameter(_ name: String) throws -> String {
        let raw = try parameters.require(name)
        return raw.removingPercentEncoding ?? raw
    }
}

/// Decodes a JSON body of at most `limit` bytes (`InputLimits.body`, 1 MiB, when nil): a body that
/// is too large is a 413; one that is malformed, too long in a field, or missing or mistyping a
/// field is an `invalidInput` error naming the field. (Only here: a decoding failure anywhere else
/// is Steward's fault, not the caller's.)
public struct StewardRequestDecoder: RequestDecoder {
    var limit: Int?
    /// Whether a body labelled form-encoded (`curl -d`) is read as JSON: not on the public routes,
    /// where it would let any web page have its visitors' browsers post to Steward.
    var formAllowed: Bool

    public init(limit: Int? = nil, formAllowed: Bool = true) {
        self.limit = limit
        self.formAllowed = formAllowed
    }

    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        try Self.checkMediaType(request.headers[.contentType], formAllowed: formAllowed)
        let buffer = try await request.body.collect(upTo: min(limit ?? InputLimits.body, context.maxUploadSize))
        return try StewardError.decodingInput(type, from: buffer.readableBytesView)
    }
}

extension StewardRequestDecoder {
    /// Bodies are JSON: a body labelled as anything else is refused (415) before it is read. A body
    /// with no label is read as JSON, and so, where `formAllowed`, is a form-encoded one, which is
    /// what `curl -d` labels every body it sends.
    static func checkMediaType(_ header: String?, formAllowed: Bool) throws {
        guard let header else { return }
        let type = header.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard
            type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json"))
                || (formAllowed && type == "application/x-www-form-urlencoded")
        else {
            throw StewardError(
                .unsupportedMediaType,
                "the body is labelled \(type.prefix(100)); this route takes application/json",
                field: "Content-Type"
            )
        }
    }
}

extension Request {
    /// Decodes a JSON body no larger than `limit` bytes, for routes that take small bodies.
    func decode<Value: Decodable>(as type: Value.Type, context: StewardRequestContext, limit: Int, formAllowed: Bool = true) async throws -> Value {
        try await StewardRequestDecoder(limit: limit, formAllowed: formAllowed).decode(type, from: self, context: context)
    }
}
