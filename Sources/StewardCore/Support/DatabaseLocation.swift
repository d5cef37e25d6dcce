import Foundation

/// Where Steward keeps its own state.
public enum DatabaseLocation: Sendable, Hashable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    /// A description with any password removed, safe to log.
    public var description: String {
        switch self {
        case .sqlite(let path): return "SQLite at \(path)"
        case .postgres(let url):
            guard let at = url.lastIndex(of: "@"), let scheme = url.range(of: "://") else { return "PostgreSQL" }
            return "PostgreSQL at \(url[scheme.upperBound...].suffix(from: url.index(after: at)))"
        }
    }
}
