import Foundation

extension RightsRequest {
    /// A new request as staff or a resident give it, before it is checked.
    public struct Intake: Sendable, Hashable, Codable {
        public var kind: RightsRequest.Kind
        /// Defaults to today; staff may give an earlier date for a request that came by post.
        public var received: CalendarDate?
        public var requester: Requester
        public var description: String
        public var identifiers: [Subject.Identifier]
        public var cctv: CCTVDetails?
        public var madeUnderDPA1998: Bool
        /// Staff only: the person, when already known.
        public var subject: Subject.ID?

        public init(
            kind: RightsRequest.Kind,
            received: CalendarDate? = nil,
            requester: Requester,
            description: String,
            identifiers: [Subject.Identifier] = [],
            cctv: CCTVDetails? = nil,
            madeUnderDPA1998: Bool = false,
            subject: Subject.ID? = nil
        ) {
            self.kind = kind
            self.received = received
            self.requester = requester
            self.description = description
            self.identifiers = identifiers
            self.cctv = cctv
            self.madeUnderDPA1998 = madeUnderDPA1998
            self.subject = subject
        }

        /// Only kind, requester and description are needed; the rest may be left out.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            kind = try container.decode(RightsRequest.Kind.self, forKey: .kind)
            received = try container.decodeIfPresent(CalendarDate.self, forKey: .received)
            requester = try container.decode(Requester.self, forKey: .requester)
            description = try container.decodeIfPresent(String.self, forKey: .description) ?? ""
            identifiers = try container.decodeIfPresent([Subject.Identifier].self, forKey: .identifiers) ?? []
            cctv = try container.decodeIfPresent(CCTVDetails.self, forKey: .cctv)
            madeUnderDPA1998 = try container.decodeIfPresent(Bool.self, forKey: .madeUnderDPA1998) ?? false
            subject = try container.decodeIfPresent(Subject.ID.self, forKey: .subject)
        }

        /// The most identifiers one request may carry.
        public static let maximumIdentifiers = 20
        /// The longest description a request may have.
        public static let maximumDescription = 20_000
        /// The day the Data Protection Act 1998 stopped applying to new requests.
        public static let dpa1998Ends = CalendarDate(year: 2018, month: 5, day: 25)!

        /// The request this intake makes, checked: every problem is an `invalidInput` error naming
        /// the field, and nothing is made of a bad intake.
        ///
        /// From the public the request must give an email address (a code is sent to it to confirm
        /// identity), is received today, and cannot name a subject or the old law. A person asking
        /// for themselves is findable by the address they wrote from.
        public func request(id: RightsRequest.ID, fromPublic: Bool, today: CalendarDate) throws -> RightsRequest {
            let received = fromPublic ? today : (self.received ?? today)
            guard received <= today else {
                throw StewardError(.invalidInput, "the request cannot be received after today (\(today))", field: "received")
            }
            let requester = try requester.validated()
            if fromPublic, requester.email == nil {
                throw StewardError(
                    .invalidInput,
                    "give an email address so we can send you a code to confirm your identity",
                    field: "requester.email"
                )
            }
            let description = description.trimmingCharacters(in: .whitespacesAndNewlines)
            guard description.count <= Self.maximumDescription else {
                throw StewardError(.invalidInput, "the description is over 20,000 characters", field: "description")
            }
            if description.isEmpty, kind != .cctvAccess {
                throw StewardError(.invalidInput, "say what the request is about", field: "description")
            }
            var checkedCCTV: CCTVDetails?
            switch (kind, cctv) {
            case (.cctvAccess, nil):
                throw StewardError(.invalidInput, "a CCTV request needs the date, times, location and a description", field: "cctv")
            case (.cctvAccess, let details?): checkedCCTV = try details.validated(received: received)
            case (_, .some): throw StewardError(.invalidInput, "CCTV details only go with kind cctv_access", field: "cctv")
            default: break
            }
            // DPA 1998 s.7 governs only requests received while it was in force.
            if madeUnderDPA1998, received >= Self.dpa1998Ends {
                throw StewardError(
                    .invalidInput,
                    "the Data Protection Act 1998 only applies to requests received before 25 May 2018",
                    field: "madeUnderDPA1998"
                )
            }
            if fromPublic, subject != nil || madeUnderDPA1998 {
                throw StewardError(
                    .invalidInput,
                    "a resident cannot set subject or madeUnderDPA1998",
                    field: subject != nil ? "subject" : "madeUnderDPA1998"
                )
            }
            guard identifiers.count <= Self.maximumIdentifiers else {
                throw StewardError(.invalidInput, "give at most \(Self.maximumIdentifiers) identifiers", field: "identifiers")
            }
            if let index = identifiers.firstIndex(where: { $0.value.count > 200 || $0.kind.rawValue.count > 100 }) {
                throw StewardError(.invalidInput, "an identifier is over 200 characters", field: "identifiers[\(index)]")
            }
            var normalised: [Subject.Identifier] = []
            for one in try Subject.Identifier.normalised(identifiers, at: "identifiers") where !normalised.contains(one) {
                normalised.append(one)
            }
            if requester.representative == nil, let email = requester.email, !normalised.contains(where: { $0.kind == .email && $0.value == email }) {
                normalised.append(Subject.Identifier(kind: .email, value: email))
            }
            return RightsRequest(
                id: id,
                kind: kind,
                received: received,
                madeUnderDPA1998: madeUnderDPA1998,
                requester: requester,
                description: description,
                identifiers: normalised,
                cctv: checkedCCTV
            )
        }
    }

    /// A reference that is hard to guess and easy to read out: `SR-` and twelve characters with no
    /// look-alikes (about 60 bits).
    public static func newReference(using generator: inout some RandomNumberGenerator) -> RightsRequest.ID {
        .init(readableReference("SR", using: &generator))
    }

    /// What staff ask to happen to a request, before it is checked.
    public struct ChangeInput: Sendable, Hashable, Codable {
        public var change: Change.Name
        public var date: CalendarDate?
        public var reasons: String?
        public var ground: RightsRequest.RefusalGround?
        public var identity: IdentityCheck?

        public init(
            change: Change.Name,
            date: CalendarDate? = nil,
            reasons: String? = nil,
            ground: RightsRequest.RefusalGround? = nil,
            identity: IdentityCheck? = nil
        ) {
            self.change = change
            self.date = date
            self.reasons = reasons
            self.ground = ground
            self.identity = identity
        }

        /// The workflow change this input names, with its details checked, and the day it happened
        /// (today unless given, never after today).
        public func resolved(today: CalendarDate) throws -> (change: Change, date: CalendarDate) {
            let date = self.date ?? today
            guard date <= today else { throw StewardError(.invalidInput, "the date cannot be after today (\(today))", field: "date") }
            func reasonsGiven(_ message: String) throws -> String {
                guard let reasons = reasons?.trimmingCharacters(in: .whitespacesAndNewlines), !reasons.isEmpty else {
                    throw StewardError(.invalidInput, message, field: "reasons")
                }
                return reasons
            }
            switch change {
            case .identityRequested: return (.identityRequested, date)
            case .identityVerified:
                guard let identity else {
                    throw StewardError(.invalidInput, "say how identity was checked: method, evidence and checkedBy", field: "identity")
                }
                guard identity.method != .emailCode else {
                    throw StewardError(
                        .invalidInput,
                        "an email code is confirmed by the requester entering it, not by staff",
                        field: "identity.method"
                    )
                }
                return (.identityVerified(try identity.validated()), date)
            case .feeReceived: return (.feeReceived, date)
            case .started: return (.started, date)
            case .clarificationRequested:
                // The questions go in the letter; the reasons field carries them.
                _ = try reasonsGiven("say what information is needed; it is sent to the requester")
                return (.clarificationRequested, date)
            case .clarificationReceived: return (.clarificationReceived, date)
            case .extended: return (.extended(reasons: try reasonsGiven("an extension needs reasons, which are sent to the requester")), date)
            case .acknowledged: return (.acknowledged, date)
            case .completed: return (.completed, date)
            case .refused:
                guard let ground else {
                    throw StewardError(.invalidInput, "a refusal needs a ground: manifestly_unfounded or excessive", field: "ground")
                }
                return (.refused(ground: ground, reasons: try reasonsGiven("a refusal needs reasons, which are sent to the requester")), date)
            case .withdrawn: return (.withdrawn, date)
            }
        }
    }
}

extension RightsRequest {
    /// A period ahead, as people write it for what is due: days (`7d`, or just `7`) or weeks (`2w`).
    /// `field` names the option or field it came from, in the error for anything else.
    public static func days(_ text: String, field: String) throws -> Int {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var days: Int?
        if let count = Int(trimmed), count >= 0 {
            days = count
        } else if let unit = trimmed.last, let count = Int(trimmed.dropLast()), count >= 0 {
            switch unit {
            case "d": days = count
            case "w": days = count.multipliedReportingOverflow(by: 7).overflow ? nil : count * 7
            default: days = nil
            }
        }
        guard let days, days <= 3660 else {
            throw StewardError(
                .invalidInput,
                "\(field) must be a number of days or weeks up to ten years, such as 7d or 2w, not '\(text)'",
                field: field
            )
        }
        return days
    }
}
