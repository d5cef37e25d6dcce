extension Recipient.Agreement {
    /// Where an agreement stands on a day: what the console flags for the DPO to renew or replace.
    public enum Standing: Sendable, Hashable {
        /// It starts later.
        case notYetInForce(starts: CalendarDate)
        /// In force with no end, or an end further off than the warning.
        case inForce
        /// In force, ending within the warning period (`days` left, counting the end day).
        case endingSoon(ends: CalendarDate, days: Int)
        /// It ended; disclosures resting on it are refused.
        case ended(ends: CalendarDate)

        /// Whether the DPO should act on it.
        public var needsAttention: Bool {
            switch self {
            case .endingSoon, .ended: true
            case .inForce, .notYetInForce: false
            }
        }
    }

    /// The agreement's standing on `date`, with a warning `warningDays` before it ends (90 by
    /// default: long enough to renew a data sharing agreement or re-tender a processor contract).
    /// In force as the gate reads it (`isInForce(on:)`): from its start day to its end day, both
    /// included.
    public func standing(on date: CalendarDate, warningDays: Int = 90) -> Standing {
        guard isInForce(on: date) else { return date < starts ? .notYetInForce(starts: starts) : .ended(ends: ends ?? date) }
        guard let ends else { return .inForce }
        let left = date.days(until: ends) + 1
        return left <= warningDays ? .endingSoon(ends: ends, days: left) : .inForce
    }
}
