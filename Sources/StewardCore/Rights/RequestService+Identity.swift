import Foundation

/// Identity codes: a resident proves they control the address they gave by typing the code
/// emailed to it.
extension RequestService {
    /// Emails a new code. Residents may ask for a few; after that, or once a code is locked, staff
    /// issue one (`fromPublic: false`).
    public func issueCode(for id: RightsRequest.ID, actor: String, fromPublic: Bool, today date: CalendarDate? = nil) async throws {
        let today = date ?? self.today()
        let map = try await dataMaps.current()?.dataMap
        let service = self
        try await requests.transaction { work in
            let request = try await work.requestForUpdate(id)
            guard try request.state() == .awaitingIdentity else {
                throw StewardError(.conflict, "the request is not waiting for identity", field: "id")
            }
            guard let email = request.requester.email else {
                throw StewardError(.conflict, "the requester gave no email address, so a code cannot be sent", field: "requester.email")
            }
            let existing = try await work.challenge(for: id)
            let issued = (existing?.codesIssued ?? 0) + 1
            if fromPublic {
                // Residents may ask again only on a request that began with a code; one where staff
                // asked for documents stays with the documents.
                guard let existing, !existing.challenge.isLocked, existing.codesIssued < Self.publicCodeLimit else {
                    throw StewardError(.conflict, "no more codes can be sent for this request; contact the council", field: "id")
                }
            }
            let events = try await service.queueCode(
                for: request,
                to: email,
                codesIssued: issued,
                reading: service.clock.reading(for: request.timeline),
                map: map,
                today: today,
                actor: actor,
                in: work
            )
            return ((), events)
        }
    }

    /// Issues a new code and queues the identity email carrying it: the challenge is kept as a
    /// keyed hash, the code sealed beside its waiting email and put in only as it is sent. Returns
    /// the audit entries (the code issued, the email queued).
    func queueCode(
        for request: RightsRequest,
        to email: String,
        codesIssued: Int,
        reading: ClockReading,
        map: DataMap?,
        today: CalendarDate,
        actor: String,
        in work: any RequestTransaction
    ) async throws -> [AuditEvent] {
        let (challenge, code) = IdentityChallenge.issue(at: IdentityChallenge.now(), key: codeKey)
        try await work.saveChallenge(challenge, codesIssued: codesIssued, request: request.id)
        let mail = try await queueCodeLetter(
            .identityRequest,
            for: request,
            to: email,
            code: OneTimeCode(code: code, expiresAt: challenge.expiresAt),
            reading: reading,
            map: map,
            today: today,
            actor: actor,
            in: work
        )
        let issued = AuditEvent(
            actor: actor,
            action: .identityCodeIssued,
            object: "request/\(request.id)",
            details: ["codesIssued": .int(codesIssued)]
        )
        return [issued, mail]
    }

    /// Queues a letter that carries a one-time code (the identity request, the status code): the
    /// code sealed beside the waiting letter and put in only as it is sent. Returns the letter's
    /// audit entry.
    func queueCodeLetter(
        _ kind: LetterKind,
        for request: RightsRequest,
        to email: String,
        code: OneTimeCode,
        reading: ClockReading,
        map: DataMap?,
        today: CalendarDate,
        actor: String,
        in work: any RequestTransaction
    ) async throws -> AuditEvent {
        let letter = try render(kind, for: request, reading: reading, map: map, today: today, reasons: nil, ground: nil, code: OneTimeCode.marker)
        return try await work.enqueue(
            OutgoingLetter(letter: letter, address: email, name: request.requester.name, request: request.id, code: code),
            actor: actor
        )
    }

    /// Checks a code a resident typed. Every try is recorded and audited before the answer is
    /// given, so a failed try is never lost to a rolled-back transaction.
    public func verifyCode(_ code: String, for id: RightsRequest.ID, today date: CalendarDate? = nil) async throws -> CodeResult {
        let today = date ?? self.today()
        let map = try await dataMaps.current()?.dataMap
        let service = self
        return try await requests.transaction { work in
            // The request is held first, so tries on one code are counted one at a time.
            let request: RightsRequest
            do {
                request = try await work.requestForUpdate(id)
            } catch let error as StewardError where error.code == .notFound {
                return (.refused(nil), [])
            }
            guard let stored = try await work.challenge(for: id) else { return (.refused(nil), []) }
            var challenge = stored.challenge
            let outcome = challenge.check(code, at: IdentityChallenge.now(), key: service.codeKey)
            if outcome == .used || outcome == .expired || (outcome == .locked && stored.challenge.isLocked) {
                return (.refused(outcome), [])
            }
            try await work.saveChallenge(challenge, codesIssued: stored.codesIssued, request: id)
            switch outcome {
            case .verified:
                var request = request
                guard try request.state() == .awaitingIdentity else { return (.refused(.used), []) }
                let before = request.events.count
                try request.apply(.init(date: today, change: .identityVerified(IdentityCheck(method: .emailCode)), actor: "requester"))
                try await service.link(&request, map: map, byEmailCode: true, in: work)
                // The address is proved: now the acknowledgement, with the deadline, can go to it.
                let acknowledgement = try service.acknowledge(&request, controller: Self.controller(of: map), today: today)
                let reading = service.clock.reading(for: request.timeline)
                try await work.save(request, reading: reading)
                var events = request.events.dropFirst(before).map { Self.auditEvent(for: $0, request: request, reading: reading) }
                if let subject = request.subject {
                    events.append(
                        AuditEvent(
                            actor: "requester",
                            action: .requestSubjectLinked,
                            object: "request/\(id)",
                            details: ["subject": .string(subject.rawValue)]
                        )
                    )
                }
                if let email = request.requester.email {
                    events.append(
                        try await work.enqueue(
                            OutgoingLetter(letter: acknowledgement, address: email, name: request.requester.name, request: id),
                            actor: "requester"
                        )
                    )
                }
                return (.verified(try service.view(request, today: today)), events)
            case .locked:
                let event = AuditEvent(
                    actor: "requester",
                    action: .identityCodeLocked,
                    object: "request/\(id)",
                    details: ["attempts": .int(challenge.attempts)]
                )
                return (.refused(.locked), [event])
            default:
                let event = AuditEvent(
                    actor: "requester",
                    action: .identityCodeFailed,
                    object: "request/\(id)",
                    details: ["attempts": .int(challenge.attempts)]
                )
                return (.refused(outcome), [event])
            }
        }
    }
}
