import Foundation

extension Preference {
    /// The preference if its kind's rules hold: an overridden objection states the compelling
    /// grounds (UK GDPR Art 21(1)), a restriction its ground (Art 18(1)), a contact condition at
    /// least one channel; and it does not expire before it is given.
    public func checked() throws -> Preference {
        switch kind {
        case .objection(.overridden(let reason)) where reason.trimmingCharacters(in: .whitespaces).isEmpty:
            throw StewardError(.invalidInput, "an overridden objection needs the compelling grounds as its reason", field: "reason")
        case .restriction(let ground) where ground.trimmingCharacters(in: .whitespaces).isEmpty:
            throw StewardError(.invalidInput, "a restriction needs its ground (UK GDPR Art 18(1))", field: "ground")
        case .channels(let channels) where channels.isEmpty:
            throw StewardError(.invalidInput, "a contact condition needs at least one allowed channel", field: "channels")
        default: break
        }
        if let expires, expires < given { throw StewardError(.invalidInput, "the preference expires before it is given", field: "expires") }
        return self
    }

    /// The preference withdrawn from `date`. A preference is withdrawn once; a restriction is
    /// lifted only once the person has been told (UK GDPR Art 18(3)), so lifting one needs the
    /// date they were told, no later than the lifting.
    public func withdrawn(on date: CalendarDate, noticeGiven: CalendarDate?) throws -> Preference {
        guard withdrawn == nil else { throw StewardError(.conflict, "the preference was already withdrawn", field: "preference") }
        if case .restriction = kind {
            guard let noticeGiven, noticeGiven <= date else {
                throw StewardError(
                    .invalidInput,
                    "a restriction is lifted only after the person has been told (UK GDPR Art 18(3)); give noticeGiven",
                    field: "noticeGiven"
                )
            }
        }
        var result = self
        result.withdrawn = date
        return result
    }

    /// True while the preference is in force and is of the same kind as the right a request
    /// exercises: a restriction for a restriction request, an objection for an objection.
    public func answers(_ kind: RightsRequest.Kind) -> Bool {
        guard withdrawn == nil else { return false }
        switch (self.kind, kind) {
        case (.restriction, .restriction), (.objection, .objection): return true
        default: return false
        }
    }
}

extension Preference.Kind {
    /// A short name for the API and the audit trail.
    public var name: String {
        switch self {
        case .consent(let explicit): explicit ? "explicit_consent" : "consent"
        case .refusal: "refusal"
        case .channels: "contact_condition"
        case .objection: "objection"
        case .restriction: "restriction"
        case .marketingOptOut: "marketing_opt_out"
        }
    }
}
