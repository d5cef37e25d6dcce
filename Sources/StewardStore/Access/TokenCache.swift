import StewardCore
import Synchronization

/// The tokens this node authenticated in the last second, so a burst of API calls does not read
/// the token table once per call. A token revoked on this node is dropped at once; one revoked on
/// another node, or by the command line, stops working here within `lifetime`.
final class TokenCache: Sendable {
    struct Entry {
        var secretHash: String
        var token: APIToken
        var expires: ContinuousClock.Instant
    }

    /// How long an authenticated token is trusted without reading it again.
    static let lifetime: Duration = .seconds(1)
    /// A bound on memory: the cache is emptied when it holds this many tokens.
    static let capacity = 10_000

    private let entries = Mutex<[String: Entry]>([:])
    /// Tokens revoked on this node in the last `lifetime`, so that a read that began before the
    /// revocation cannot put the token back.
    private let revoked = Mutex<[String: ContinuousClock.Instant]>([:])

    /// The cached token with this id, if it is still fresh and `secretHash` is its secret's.
    func token(id: String, secretHash: String) -> APIToken? {
        let now = ContinuousClock.now
        guard let entry = entries.withLock({ $0[id] }), entry.expires > now, Secret.equal(entry.secretHash, secretHash) else { return nil }
        return entry.token
    }

    func keep(_ token: APIToken, secretHash: String) {
        let now = ContinuousClock.now
        let recentlyRevoked = revoked.withLock { revoked in
            revoked = revoked.filter { $0.value > now }
            return revoked[token.id] != nil
        }
        guard !recentlyRevoked else { return }
        let entry = Entry(secretHash: secretHash, token: token, expires: now + Self.lifetime)
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[token.id] = entry
        }
    }

    func forget(_ id: String) {
        revoked.withLock { $0[id] = .now + TokenCache.lifetime }
        _ = entries.withLock { $0.removeValue(forKey: id) }
    }
}
