public import Foundation

/// The gate's decisions as the audit log holds them, read back for the DPO and auditors: which
/// system asked to use or disclose what, for which purpose and recipient, and what the gate said.
public enum DecisionLog {
    /// What to look for; every part left out matches everything.
    public struct Query: Sendable, Hashable {
        public enum Outcome: String, Sendable, Hashable, CaseIterable {
            case allowed, refused
        }

        public var system: System.Key?
        public var purpose: Purpose.Key?
        public var recipient: Recipient.Key?
        public var outcome: Outcome?
        /// The first day, inclusive, in UTC.
        public var from: CalendarDate?
        /// The last day, inclusive, in UTC.
        public var until: CalendarDate?
        /// Only decisions older than this entry: the next page of a list newest first.
        public var before: Int64?
        public var limit: Int

        public init(
            system: System.Key? = nil,
            purpose: Purpose.Key? = nil,
            recipient: Recipient.Key? = nil,
            outcome: Outcome? = nil,
            from: CalendarDate? = nil,
            until: CalendarDate? = nil,
            before: Int64? = nil,
            limit: Int = 50
        ) {
            self.system = system
            self.purpose = purpose
            self.recipient = recipient
            self.outcome = outcome
            self.from = from
            self.until = until
            self.before = before
            self.limit = min(max(limit, 1), 500)
        }

        /// The audit actions a query reads: real decisions, never what-ifs.
        public var actions: [AuditAction] {
            switch outcome {
            case .allowed: [.gateAllow]
            case .refused: [.gateRefuse]
            case nil: [.gateAllow, .gateRefuse]
            }
        }

        /// Whether a decision read from the log is one the query asks for (the store narrows by
        /// action, time and text; this is the exact test).
        public func matches(_ entry: Entry) -> Bool {
            (system == nil || entry.system == system) && (purpose == nil || entry.purpose == purpose)
                && (recipient == nil || entry.recipient == recipient)
        }
    }

    /// One decision: its audit entry's place and time, and what its details record.
    public struct Entry: Sendable, Hashable, Encodable {
        public var seq: Int64
        public var time: String
        public var actor: String
        public var allowed: Bool
        public var system: System.Key
        public var purpose: Purpose.Key
        public var recipient: Recipient.Key?
        public var categories: [String]
        public var basis: [String]
        public var reasons: [String]
        public var subject: Subject.ID?

        /// The decision an audit entry records, or nil for an entry that is not one.
        public init?(seq: Int64, time: String, actor: String, action: String, details: JSONValue) {
            guard action == AuditAction.gateAllow.rawValue || action == AuditAction.gateRefuse.rawValue,
                case .object(let fields) = details, case .string(let system)? = fields["system"],
                case .string(let purpose)? = fields["purpose"]
            else { return nil }
            func strings(_ name: String) -> [String] {
                guard case .array(let items)? = fields[name] else { return [] }
                return items.compactMap { if case .string(let text) = $0 { text } else { nil } }
            }
            self.seq = seq
            self.time = time
            self.actor = actor
            allowed = action == AuditAction.gateAllow.rawValue
            self.system = .init(system)
            self.purpose = .init(purpose)
            if case .string(let recipient)? = fields["recipient"] { self.recipient = .init(recipient) }
            if case .string(let subject)? = fields["subject"] { self.subject = .init(subject) }
            categories = strings("categories")
            basis = strings("basis")
            reasons = strings("reasons")
        }
    }
}

/// Reads the gate's decision log.
public protocol DecisionLogRepository: Sendable {
    /// Decisions matching `query`, newest first, at most `query.limit`.
    func decisionLog(_ query: DecisionLog.Query) async throws -> [DecisionLog.Entry]
}
