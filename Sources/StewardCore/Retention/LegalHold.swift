import Foundation

/// A legal hold: records that must be kept, whatever the retention schedule says, while a claim,
/// an investigation, an inquiry or an audit needs them. A hold covers a person (every row the person
/// search finds for them), a whole collection, or the rows of a collection that a named filter picks
/// out; it has an owner and a reason, starts on a date, may name a date to review it, and lasts
/// until it is lifted.
public struct LegalHold: Sendable, Hashable, Codable {
    public typealias ID = Key<LegalHold>

    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case subject
        case collection
        case rows
    }

    /// Who lifted a hold, when and why.
    public struct Lift: Sendable, Hashable, Codable {
        public var at: String
        public var by: String
        public var reason: String

        public init(at: String, by: String, reason: String) {
            self.at = at
            self.by = by
            self.reason = reason
        }
    }

    public var id: ID
    public var kind: Kind
    /// For a hold on a person.
    public var subject: Subject.ID?
    /// For a hold on a collection or on rows of it: `dataset.collection`.
    public var collection: String?
    /// For a hold on rows: the filter's name, and each field with the value it must hold.
    public var name: String?
    public var filter: [String: String]?
    public var owner: String
    public var reason: String
    public var startsOn: CalendarDate
    public var reviewOn: CalendarDate?
    public var createdAt: String
    public var createdBy: String
    public var lifted: Lift?

    /// In force on `day`: started and not lifted.
    public func isActive(on day: CalendarDate) -> Bool { lifted == nil && startsOn <= day }

    /// What a hold covers, for people: "person S-12", "library_db.loans", "library_db.loans where branch = Central".
    public var scope: String {
        switch kind {
        case .subject: "person \(subject?.rawValue ?? "?")"
        case .collection: collection ?? "?"
        case .rows:
            "\(collection ?? "?") where "
                + (filter ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: " and ")
                + (name.map { " (\($0))" } ?? "")
        }
    }

    /// True when the hold keeps `row` of the collection `place` (`dataset.collection`); a hold on a
    /// person is matched by key, from the person search, not here.
    public func keeps(_ row: [String: String], in place: String) -> Bool {
        switch kind {
        case .subject: false
        case .collection: collection == place
        case .rows: collection == place && (filter ?? [:]).allSatisfy { field, value in row[field] == value }
        }
    }

    /// A hold as staff ask for it, unchecked.
    public struct Draft: Sendable, Hashable, Codable {
        public var kind: Kind
        public var subject: String?
        public var collection: String?
        public var name: String?
        public var filter: [String: String]?
        public var owner: String
        public var reason: String
        public var startsOn: CalendarDate?
        public var reviewOn: CalendarDate?

        public init(
            kind: Kind,
            subject: String? = nil,
            collection: String? = nil,
            name: String? = nil,
            filter: [String: String]? = nil,
            owner: String,
            reason: String,
            startsOn: CalendarDate? = nil,
            reviewOn: CalendarDate? = nil
        ) {
            self.kind = kind
            self.subject = subject
            self.collection = collection
            self.name = name
            self.filter = filter
            self.owner = owner
            self.reason = reason
            self.startsOn = startsOn
            self.reviewOn = reviewOn
        }

        /// The hold, checked against the data map: every problem an error naming its field.
        public func validated(id: ID, in map: DataMap, today: CalendarDate, actor: String, at time: String) throws -> LegalHold {
            func text(_ value: String, _ field: String, _ what: String) throws -> String {
                let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !trimmed.isEmpty else { throw StewardError(.invalidInput, "a hold needs \(what)", field: field) }
                return trimmed
            }
            let owner = try text(owner, "owner", "an owner: the person or team answerable for it")
            let reason = try text(reason, "reason", "a reason: the claim, investigation or inquiry it is for")
            let startsOn = startsOn ?? today
            if let reviewOn, reviewOn < startsOn {
                throw StewardError(.invalidInput, "the review date \(reviewOn) is before the hold starts (\(startsOn))", field: "reviewOn")
            }
            var hold = LegalHold(
                id: id,
                kind: kind,
                owner: owner,
                reason: reason,
                startsOn: startsOn,
                reviewOn: reviewOn,
                createdAt: time,
                createdBy: actor
            )
            func collectionPlace() throws -> (String, Dataset.Collection) {
                guard let place = collection else {
                    throw StewardError(.invalidInput, "a \(kind.rawValue) hold names its collection as dataset.collection", field: "collection")
                }
                let parts = place.split(separator: ".", maxSplits: 1).map(String.init)
                guard parts.count == 2, let found = map.dataset(.init(parts[0]))?.collection(parts[1]) else {
                    throw StewardError(
                        .invalidInput,
                        "the data map has no collection '\(place)' (give it as dataset.collection)",
                        field: "collection"
                    )
                }
                return (place, found)
            }
            switch kind {
            case .subject:
                guard let subject = subject?.trimmingCharacters(in: .whitespaces), !subject.isEmpty else {
                    throw StewardError(.invalidInput, "a hold on a person names them by their subject id", field: "subject")
                }
                if collection != nil || filter != nil {
                    throw StewardError(.invalidInput, "a hold on a person has no collection or filter", field: "collection")
                }
                hold.subject = .init(subject)
            case .collection:
                if filter != nil { throw StewardError(.invalidInput, "a hold on a whole collection has no filter; use kind rows", field: "filter") }
                hold.collection = try collectionPlace().0
            case .rows:
                let (place, found) = try collectionPlace()
                guard let filter, !filter.isEmpty else {
                    throw StewardError(.invalidInput, "a hold on rows names at least one field and the value it must hold", field: "filter")
                }
                for (field, _) in filter.sorted(by: { $0.key < $1.key }) {
                    guard let declared = found.field(at: field), declared.fields.isEmpty else {
                        throw StewardError(.invalidInput, "\(place) has no field '\(field)'", field: "filter.\(field)")
                    }
                }
                hold.collection = place
                hold.filter = filter
                hold.name = try text(name ?? "", "name", "a name for its filter (what the rows are: 'Smith v Council claim files')")
            }
            if kind == .subject, name != nil { hold.name = try text(name ?? "", "name", "a name") }
            return hold
        }
    }
}
