import Foundation

/// A resident's way back to their request (`StatusAccess`): the status page opened by a fresh code
/// sent to the address on the request, and, once an access request is complete, its bundle through
/// a link that works for half an hour.
extension RequestService {
    /// What entering a status code led to.
    public enum StatusResult: Sendable, Hashable {
        /// The request as it stands, and the bundle link's token when there is a bundle to give.
        case opened(View, bundleToken: String?)
        /// The same answer for every code that does not work, and for a reference that is not one.
        case refused
    }

    /// Emails a status code when the reference and the address match a request; otherwise, or
    /// when the day's codes for the request are used up, does nothing, so the answer is the same
    /// whether or not the resident is known.
    public func sendStatusCode(for id: RightsRequest.ID, email: String, today date: CalendarDate? = nil) async throws {
        let today = date ?? self.today()
        let map = try await dataMaps.current()?.dataMap
        let service = self
        try await requests.transaction { work in
            let request: RightsRequest
            do {
                request = try await work.requestForUpdate(id)
            } catch let error as StewardError where error.code == .notFound {
                return ((), [])
            }
            guard let address = request.requester.email, address.lowercased() == email.trimmingCharacters(in: .whitespaces).lowercased()
            else { return ((), []) }
            let now = IdentityChallenge.now()
            let last = try await work.statusAccess(for: id)
            let sent = StatusAccess.codesSent(last, at: now)
            guard sent.count < StatusAccess.codesPerDay else { return ((), []) }
            let (challenge, code) = IdentityChallenge.issue(at: now, key: service.codeKey)
            try await work.saveStatusAccess(
                StatusAccess(challenge: challenge, codesIssued: sent.count + 1, windowStart: sent.windowStart),
                request: id
            )
            let mail = try await service.queueCodeLetter(
                .statusCode,
                for: request,
                to: address,
                code: OneTimeCode(code: code, expiresAt: challenge.expiresAt),
                reading: service.clock.reading(for: request.timeline),
                map: map,
                today: today,
                actor: "requester",
                in: work
            )
            let issued = AuditEvent(
                actor: "requester",
                action: .statusCodeIssued,
                object: "request/\(id)",
                details: ["codesToday": .int(sent.count + 1)]
            )
            return ((), [issued, mail])
        }
    }

    /// Checks a status code. Every try is counted and audited before the answer is given; a right
    /// code opens the page once and, for a completed access request with a search kept, issues the
    /// bundle link.
    public func openStatus(_ code: String, for id: RightsRequest.ID, today date: CalendarDate? = nil) async throws -> StatusResult {
        let today = date ?? self.today()
        let service = self
        let searched = try await requests.runStatus(id)?.status == .done
        return try await requests.transaction { work in
            let request: RightsRequest
            do {
                request = try await work.requestForUpdate(id)
            } catch let error as StewardError where error.code == .notFound {
                return (.refused, [])
            }
            guard var access = try await work.statusAccess(for: id) else { return (.refused, []) }
            let now = IdentityChallenge.now()
            let wasLocked = access.challenge.isLocked
            let outcome = access.challenge.check(code, at: now, key: service.codeKey)
            switch outcome {
            case .used, .expired: return (.refused, [])
            case .locked where wasLocked: return (.refused, [])
            case .verified:
                let view = try service.view(request, today: today)
                var token: String?
                if view.state == .completed, request.kind == .access, searched {
                    token = access.issueLink(at: now, key: service.codeKey)
                }
                try await work.saveStatusAccess(access, request: id)
                let opened = AuditEvent(
                    actor: "requester",
                    action: .statusOpened,
                    object: "request/\(id)",
                    details: ["bundleLink": .bool(token != nil)]
                )
                return (.opened(view, bundleToken: token), [opened])
            case .wrong, .locked:
                try await work.saveStatusAccess(access, request: id)
                let failed = AuditEvent(
                    actor: "requester",
                    action: .statusCodeFailed,
                    object: "request/\(id)",
                    details: ["attempts": .int(access.challenge.attempts)]
                )
                return (.refused, [failed])
            }
        }
    }

    /// Whether a bundle link's token is the request's and still in time.
    public func admitsBundleLink(_ token: String, for id: RightsRequest.ID) async throws -> Bool {
        guard let access = try await requests.transaction({ work in (try await work.statusAccess(for: id), []) }) else { return false }
        return access.admits(token, at: IdentityChallenge.now(), key: codeKey)
    }
}
