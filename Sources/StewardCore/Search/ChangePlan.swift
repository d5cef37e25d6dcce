import Foundation

/// A correction to make to the person's rows (UK GDPR Art 16).
public struct Correction: Sendable, Hashable, Codable {
    public var dataset: String
    public var collection: String
    public var field: String
    /// The right value; nil to clear it.
    public var value: String?

    public init(dataset: String, collection: String, field: String, value: String?) {
        self.dataset = dataset
        self.collection = collection
        self.field = field
        self.value = value
    }

    enum CodingKeys: String, CodingKey {
        case dataset, collection, field, value
    }

    /// `null` in `value`, or no `value`, means "clear the field": unlike an optional field
    /// elsewhere, null here is a value.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        dataset = try container.decode(String.self, forKey: .dataset)
        collection = try container.decode(String.self, forKey: .collection)
        field = try container.decode(String.self, forKey: .field)
        switch container.contains(.value) ? try container.decode(JSONValue.self, forKey: .value) : .null {
        case .null: value = nil
        case .string(let text): value = text
        default:
            throw DecodingError.typeMismatch(
                String.self,
                .init(codingPath: container.codingPath + [CodingKeys.value], debugDescription: "a string, or null to clear the field")
            )
        }
    }
}

/// How a field is made to no longer identify the person when their data is erased.
public enum MaskingStrategy: Sendable, Hashable, Codable, CustomStringConvertible {
    /// SQL NULL, or an empty CSV cell.
    case null
    case fixed(String)
    /// Random hex of 16 characters.
    case random
    /// SHA-256 of the value with a salt made for one erasure and then forgotten, hex: the same
    /// value masks the same way across that erasure's sources, and no one can test a guess at it
    /// afterwards (a bare hash of an NI number or a date of birth could be found by trying them all).
    case hash
    /// HMAC-SHA256 of the value under the council's erasure key, hex: the same value masks the same
    /// way in every erasure. Whoever holds the key can test a guess, so this is pseudonymisation.
    case hmac
    /// AES-GCM under the council's erasure key, base64: the council can reverse it, so this is
    /// pseudonymisation.
    case encrypt
    /// Left as it is (Fides `preserve`): the field is not erased.
    case preserve

    /// True where the council could still recover or test the value: the data is then
    /// pseudonymised, and still personal data (UK GDPR Recital 26), not erased.
    public var isPseudonymising: Bool {
        switch self {
        case .hmac, .encrypt: true
        case .null, .fixed, .random, .hash, .preserve: false
        }
    }

    /// The most characters a masked value can have; nil where it depends on the value (`encrypt`).
    public var longestValue: Int? {
        switch self {
        case .null: 0
        case .fixed(let text): text.count
        case .random: 16
        case .hash, .hmac: 64
        case .encrypt: nil
        case .preserve: 0
        }
    }

    public init(parsing text: String) throws {
        switch text {
        case "null": self = .null
        case "random": self = .random
        case "hash": self = .hash
        case "hmac": self = .hmac
        case "encrypt": self = .encrypt
        case "preserve": self = .preserve
        case let value where value.hasPrefix("fixed:"): self = .fixed(String(value.dropFirst("fixed:".count)))
        default:
            throw StewardError(
                .invalidInput,
                "unknown masking strategy '\(text)'; use null, fixed:TEXT, random, hash, hmac, encrypt or preserve",
                field: "strategies"
            )
        }
    }

    public init(from decoder: any Decoder) throws {
        self = try MaskingStrategy(parsing: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public var description: String {
        switch self {
        case .null: "null"
        case .fixed(let text): "fixed:\(text)"
        case .random: "random"
        case .hash: "hash"
        case .hmac: "hmac"
        case .encrypt: "encrypt"
        case .preserve: "preserve"
        }
    }
}

/// What erasure does where the person is found: which of the person's data it targets (data
/// categories, as a Fides policy does: by default everything under `user`, never operational or
/// system data), which fields are masked how (by `dataset.collection.field`, else by the field's own
/// `masking_strategy_override`, else by data category, the most specific category first, else
/// `null`), which collections lose their rows instead, and which are under a legal hold.
public struct ErasurePolicy: Sendable, Hashable, Codable {
    /// The categories erased: a field is masked when one of its categories is one of these or
    /// under one, or when `strategies` names it exactly.
    public var categories: [DataCategory.Key]
    public var strategies: [String: MaskingStrategy]
    public var deleteCollections: [String]
    public var legalHolds: [String]

    /// The person's own data: every category under `user`.
    public static let personalData: [DataCategory.Key] = ["user"]

    public init(
        categories: [DataCategory.Key] = ErasurePolicy.personalData,
        strategies: [String: MaskingStrategy] = [:],
        deleteCollections: [String] = [],
        legalHolds: [String] = []
    ) {
        self.categories = categories
        self.strategies = strategies
        self.deleteCollections = deleteCollections
        self.legalHolds = legalHolds
    }

    enum CodingKeys: String, CodingKey {
        case categories, strategies, deleteCollections, legalHolds
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        categories = try container.decodeIfPresent([DataCategory.Key].self, forKey: .categories) ?? Self.personalData
        strategies = try container.decodeIfPresent([String: MaskingStrategy].self, forKey: .strategies) ?? [:]
        deleteCollections = try container.decodeIfPresent([String].self, forKey: .deleteCollections) ?? []
        legalHolds = try container.decodeIfPresent([String].self, forKey: .legalHolds) ?? []
    }

    /// Throws, naming the field, unless every category targeted is the person's own data: erasure
    /// never touches operational or system data, which is the council's, not the person's.
    public func checked() throws -> ErasurePolicy {
        guard !categories.isEmpty else {
            throw StewardError(
                .invalidInput,
                "an erasure needs at least one data category to erase; leave categories out for all of the person's data",
                field: "erasure.categories"
            )
        }
        for (index, category) in categories.enumerated() where !DataCategory.Key("user").covers(category) {
            throw StewardError(
                .invalidInput,
                "'\(category)' is not the person's own data; erasure targets categories under 'user', never operational or system data",
                field: "erasure.categories[\(index)]"
            )
        }
        return self
    }

    /// Whether the field at `place` with `categories` is erased.
    public func targets(_ place: String, categories fieldCategories: [DataCategory.Key]) -> Bool {
        strategies[place] != nil || fieldCategories.contains { category in categories.contains { $0.covers(category) } }
    }

    /// The strategy for a field: the policy's for it by name, else the dataset's override for the
    /// field (which, as in Fides, wins over a policy's strategy for its category), else the policy's
    /// for its most specific category, else `null`.
    public func strategy(for place: String, categories: [DataCategory.Key], override: MaskingStrategy? = nil) -> MaskingStrategy {
        if let exact = strategies[place] { return exact }
        if let override { return override }
        var best: (length: Int, strategy: MaskingStrategy)?
        for category in categories {
            for (key, strategy) in strategies where DataCategory.Key(key).covers(category) {
                if key.count > best?.length ?? -1 { best = (key.count, strategy) }
            }
        }
        return best?.strategy ?? override ?? .null
    }
}

/// What a rectification or erasure did, or would do in a dry run, collection by collection.
public struct ChangeReport: Sendable, Hashable, Codable {
    public struct Step: Sendable, Hashable, Codable {
        public enum Action: String, Sendable, Hashable, Codable, CaseIterable {
            /// Fields are set (a correction, a flag) or masked.
            case update
            case delete
            /// The law or a legal hold does not allow the change.
            case refused
            /// The change cannot be made; nothing is changed anywhere.
            case failed
            /// Nothing here is the person's to change: no field holds their personal data, or
            /// every row is shared with other people.
            case unchanged
        }

        public var dataset: String
        public var collection: String
        public var action: Action
        /// The fields changed, with how (`email: hash`).
        public var fields: [String]
        /// The fields masked in a form the council can reverse or test (`hmac`, `encrypt`): they
        /// are pseudonymised, not erased.
        public var pseudonymised: [String] = []
        public var rows: Int
        /// The rows changed, or that a dry run would change, each by its primary key.
        public var keys: [[String: String]] = []
        /// Why a collection was refused, or why it failed (naming the field).
        public var reason: String?
        public var field: String?
        /// Rows of the person's that other people's rows point at (a shared address, a catalogue
        /// entry, a case handled for others): left as they are, and not in `rows`.
        public var shared: Int = 0
        /// The collections whose rows, not the person's, point at the shared rows.
        public var sharedWith: [String] = []

        public init(
            dataset: String,
            collection: String,
            action: Action,
            fields: [String],
            rows: Int,
            reason: String? = nil,
            field: String? = nil
        ) {
            self.dataset = dataset
            self.collection = collection
            self.action = action
            self.fields = fields
            self.rows = rows
            self.reason = reason
            self.field = field
        }

        enum CodingKeys: String, CodingKey {
            case dataset, collection, action, fields, pseudonymised, rows, keys, reason, field, shared, sharedWith
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            dataset = try container.decode(String.self, forKey: .dataset)
            collection = try container.decode(String.self, forKey: .collection)
            action = try container.decode(Action.self, forKey: .action)
            fields = try container.decode([String].self, forKey: .fields)
            // Steps kept before pseudonymised fields were listed.
            pseudonymised = try container.decodeIfPresent([String].self, forKey: .pseudonymised) ?? []
            rows = try container.decode(Int.self, forKey: .rows)
            keys = try container.decodeIfPresent([[String: String]].self, forKey: .keys) ?? []
            reason = try container.decodeIfPresent(String.self, forKey: .reason)
            field = try container.decodeIfPresent(String.self, forKey: .field)
            shared = try container.decodeIfPresent(Int.self, forKey: .shared) ?? 0
            sharedWith = try container.decodeIfPresent([String].self, forKey: .sharedWith) ?? []
        }
    }

    /// A recipient to tell of the change (UK GDPR Art 19).
    public struct Notice: Sendable, Hashable, Codable {
        public var recipient: String
        public var name: String
        public var disclosures: Int
        public var message: String

        public init(recipient: String, name: String, disclosures: Int, message: String) {
            self.recipient = recipient
            self.name = name
            self.disclosures = disclosures
            self.message = message
        }
    }

    public var request: RightsRequest.ID
    public var kind: RightsRequest.Kind
    public var ranAt: String
    public var dryRun: Bool
    public var steps: [Step]
    public var notices: [Notice]
    /// Rows that share a value with the person but hold nothing else of theirs: left unchanged,
    /// and listed for staff to check.
    public var unconfirmed: [PersonSearch.Unconfirmed]

    public init(
        request: RightsRequest.ID,
        kind: RightsRequest.Kind,
        ranAt: String,
        dryRun: Bool,
        steps: [Step],
        notices: [Notice],
        unconfirmed: [PersonSearch.Unconfirmed] = []
    ) {
        self.request = request
        self.kind = kind
        self.ranAt = ranAt
        self.dryRun = dryRun
        self.steps = steps
        self.notices = notices
        self.unconfirmed = unconfirmed
    }

    enum CodingKeys: String, CodingKey {
        case request, kind, ranAt, dryRun, steps, notices, unconfirmed
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        request = try container.decode(RightsRequest.ID.self, forKey: .request)
        kind = try container.decode(RightsRequest.Kind.self, forKey: .kind)
        ranAt = try container.decode(String.self, forKey: .ranAt)
        dryRun = try container.decode(Bool.self, forKey: .dryRun)
        steps = try container.decode([Step].self, forKey: .steps)
        notices = try container.decode([Notice].self, forKey: .notices)
        // Reports kept before unconfirmed rows were listed.
        unconfirmed = try container.decodeIfPresent([PersonSearch.Unconfirmed].self, forKey: .unconfirmed) ?? []
    }

    /// True when every planned change could be made: no step failed.
    public var isComplete: Bool { !steps.contains { $0.action == .failed } }
    /// The rows changed, or that a dry run would change: none when the plan cannot be carried out,
    /// since then nothing is changed anywhere.
    public var rowsChanged: Int {
        guard isComplete else { return 0 }
        return steps.filter { $0.action == .update || $0.action == .delete }.reduce(0) { $0 + $1.rows }
    }
}

/// Why erasure may not apply to a collection (UK GDPR Art 17(3)), from the purposes of the systems
/// that hold it; nil when none of them stands in the way.
public func erasureExemption(dataset: Dataset.Key, in dataMap: DataMap) -> String? {
    let purposes = dataMap.systems.filter { $0.datasets.contains(dataset) }.flatMap(\.purposes).compactMap { dataMap.purpose($0) }
    var reasons: [String] = []
    for purpose in purposes {
        switch purpose.lawfulBasis {
        case .legalObligation: reasons.append("\(purpose.name) is needed to comply with a legal obligation (Art 17(3)(b))")
        case .publicTask: reasons.append("\(purpose.name) is needed for the council's public task (Art 17(3)(b))")
        default: break
        }
        if purpose.specialCondition == .publicHealth { reasons.append("\(purpose.name) is needed for public health (Art 17(3)(c))") }
        if purpose.specialCondition == .legalClaims { reasons.append("\(purpose.name) is needed for legal claims (Art 17(3)(e))") }
    }
    return reasons.isEmpty ? nil : reasons.joined(separator: "; ")
}

extension MaskingStrategy {
    /// The strategies retention anonymises with: a value that shows, afterwards, that the row has
    /// been anonymised (NULL or a fixed text), so a sweep can tell which rows are done and never
    /// masks one twice. Hashes and random values cannot be told from real ones; HMAC and
    /// encryption are reversible by the council, so not anonymisation at all (UK GDPR Recital 26).
    public var isRetentionMask: Bool {
        switch self {
        case .null, .fixed, .preserve: true
        case .random, .hash, .hmac, .encrypt: false
        }
    }
}
