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

    /// The name recorded in the audit log for what this request does.
    public var actor: String { token.map { "token:\($0.name)" } ?? "anonymous" }
}
