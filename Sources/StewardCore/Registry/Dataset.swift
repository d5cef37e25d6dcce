/// The shape of a system's data, in the terms of a Fides dataset.
public struct Dataset: Sendable, Hashable, Codable {
    public typealias Key = StewardCore.Key<Dataset>
    public var key: Key
    public var name: String?
    public var description: String?
    public var collections: [Collection]
    /// The purposes the whole dataset serves, as its file declares them (Fides `data_uses`, or
    /// `data_purposes` before it): only keys of Steward purposes are kept.
    public var dataPurposes: [Purpose.Key]

    public init(key: Key, name: String?, description: String?, collections: [Collection], dataPurposes: [Purpose.Key] = []) {
        self.key = key
        self.name = name
        self.description = description
        self.collections = collections
        self.dataPurposes = dataPurposes
    }

    enum CodingKeys: String, CodingKey {
        case key, name, description, collections, dataPurposes
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        key = try container.decode(Key.self, forKey: .key)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        collections = try container.decode([Collection].self, forKey: .collections)
        // Data maps stored before datasets declared purposes.
        dataPurposes = try container.decodeIfPresent([Purpose.Key].self, forKey: .dataPurposes) ?? []
    }

    public func collection(_ name: String) -> Collection? { collections.first { $0.name == name } }

    /// Every purpose declared for a collection: the dataset's, the collection's and its fields',
    /// as Fides adds them up, in the order first declared.
    public func declaredPurposes(of collection: Collection) -> [Purpose.Key] {
        var seen: Set<Purpose.Key> = []
        let all = dataPurposes + collection.dataPurposes + collection.allFields.flatMap(\.field.dataPurposes)
        return all.filter { seen.insert($0).inserted }
    }

    /// A table, a file or a document collection.
    public struct Collection: Sendable, Hashable, Codable {
        public var name: String
        public var description: String?
        public var fields: [Field]
        /// True where the collection is deliberately outside rights requests (Fides `skip_processing`).
        public var skipProcessing: Bool
        /// A field the council's system reads to stop using a row: set when the person restricts
        /// processing or objects (Steward's `restriction_flag` in `fides_meta`).
        public var restrictionFlag: String?
        /// The purposes this collection serves on top of its dataset's.
        public var dataPurposes: [Purpose.Key]
        /// True where erasure deletes the person's rows rather than masking them (Fides
        /// `masking_strategy_override: {strategy: delete}` on the collection).
        public var erasureDeletes: Bool = false
        /// Collections of the same dataset whose changes go first in an erasure (Fides `erase_after`).
        public var eraseAfter: [String] = []

        public init(
            name: String,
            description: String?,
            fields: [Field],
            skipProcessing: Bool,
            restrictionFlag: String? = nil,
            dataPurposes: [Purpose.Key] = []
        ) {
            self.name = name
            self.description = description
            self.fields = fields
            self.skipProcessing = skipProcessing
            self.restrictionFlag = restrictionFlag
            self.dataPurposes = dataPurposes
        }

        enum CodingKeys: String, CodingKey {
            case name, description, fields, skipProcessing, restrictionFlag, dataPurposes, erasureDeletes, eraseAfter
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            description = try container.decodeIfPresent(String.self, forKey: .description)
            fields = try container.decode([Field].self, forKey: .fields)
            skipProcessing = try container.decode(Bool.self, forKey: .skipProcessing)
            restrictionFlag = try container.decodeIfPresent(String.self, forKey: .restrictionFlag)
            dataPurposes = try container.decodeIfPresent([Purpose.Key].self, forKey: .dataPurposes) ?? []
            erasureDeletes = try container.decodeIfPresent(Bool.self, forKey: .erasureDeletes) ?? false
            eraseAfter = try container.decodeIfPresent([String].self, forKey: .eraseAfter) ?? []
        }

        /// Every field, nested ones included, each with its dotted path.
        public var allFields: [(path: String, field: Field)] {
            var result: [(String, Field)] = []
            func walk(_ fields: [Field], prefix: String) {
                for field in fields {
                    let path = prefix.isEmpty ? field.name : "\(prefix).\(field.name)"
                    result.append((path, field))
                    walk(field.fields, prefix: path)
                }
            }
            walk(fields, prefix: "")
            return result
        }

        /// The field at a dotted path (`address.postcode`), if there is one.
        public func field(at path: String) -> Field? {
            var fields = self.fields
            var found: Field?
            for part in path.split(separator: ".", omittingEmptySubsequences: false) {
                guard let next = fields.first(where: { $0.name == part }) else { return nil }
                found = next
                fields = next.fields
            }
            return found
        }
    }

    /// A column or a document member, possibly with nested fields.
    public struct Field: Sendable, Hashable, Codable {
        public var name: String
        public var description: String?
        public var dataCategories: [DataCategory.Key]
        public var identity: IdentityKind.Key?
        public var references: [Reference]
        public var isPrimaryKey: Bool
        public var dataType: DataType?
        public var isReadOnly: Bool
        /// True where one value may belong to several people: an address's UPRN, a household's
        /// telephone (Steward's `shared` in `fides_meta`; a field whose identity is `uprn` always
        /// is). A row reached only through such a value is not taken to be the person's until
        /// something of theirs confirms it.
        public var isShared: Bool
        public var fields: [Field]
        /// The purposes this field serves on top of its collection's.
        public var dataPurposes: [Purpose.Key]
        /// How erasure masks the field unless the request's policy says otherwise (Fides
        /// `masking_strategy_override`).
        public var maskingStrategy: MaskingStrategy?
        /// The most characters the field holds (Fides `length`): a masked value must fit.
        public var maximumLength: Int?
        /// The column as the source declares it, once the dataset is resolved by a source's schema
        /// (`Dataset.resolved(by:)`); never stored with the data map.
        public var sourceColumn: SourceSchema.Column? = nil

        public init(
            name: String,
            description: String?,
            dataCategories: [DataCategory.Key],
            identity: IdentityKind.Key?,
            references: [Reference],
            isPrimaryKey: Bool,
            dataType: DataType?,
            isReadOnly: Bool,
            isShared: Bool = false,
            fields: [Field],
            dataPurposes: [Purpose.Key] = [],
            maskingStrategy: MaskingStrategy? = nil,
            maximumLength: Int? = nil
        ) {
            self.name = name
            self.description = description
            self.dataCategories = dataCategories
            self.identity = identity
            self.references = references
            self.isPrimaryKey = isPrimaryKey
            self.dataType = dataType
            self.isReadOnly = isReadOnly
            self.isShared = isShared || identity == .uprn
            self.fields = fields
            self.dataPurposes = dataPurposes
            self.maskingStrategy = maskingStrategy
            self.maximumLength = maximumLength
        }

        enum CodingKeys: String, CodingKey {
            case name, description, dataCategories, identity, references, isPrimaryKey, dataType, isReadOnly, isShared, fields, dataPurposes
            case maskingStrategy, maximumLength
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            description = try container.decodeIfPresent(String.self, forKey: .description)
            dataCategories = try container.decode([DataCategory.Key].self, forKey: .dataCategories)
            identity = try container.decodeIfPresent(IdentityKind.Key.self, forKey: .identity)
            references = try container.decode([Reference].self, forKey: .references)
            isPrimaryKey = try container.decode(Bool.self, forKey: .isPrimaryKey)
            dataType = try container.decodeIfPresent(DataType.self, forKey: .dataType)
            isReadOnly = try container.decode(Bool.self, forKey: .isReadOnly)
            // Data maps stored before `shared` existed.
            isShared = try container.decodeIfPresent(Bool.self, forKey: .isShared) ?? (identity == .uprn)
            fields = try container.decode([Field].self, forKey: .fields)
            dataPurposes = try container.decodeIfPresent([Purpose.Key].self, forKey: .dataPurposes) ?? []
            maskingStrategy = try container.decodeIfPresent(MaskingStrategy.self, forKey: .maskingStrategy)
            maximumLength = try container.decodeIfPresent(Int.self, forKey: .maximumLength)
        }
    }

    /// A link from one field to another, which rights requests follow to find a person's rows.
    public struct Reference: Sendable, Hashable, Codable {
        public var dataset: Dataset.Key
        public var collection: String
        /// The dotted path of the field inside the collection.
        public var field: String
        public var direction: Direction?

        public init(dataset: Dataset.Key, collection: String, field: String, direction: Direction?) {
            self.dataset = dataset
            self.collection = collection
            self.field = field
            self.direction = direction
        }

        /// Which way values flow along the link.
        public enum Direction: String, Sendable, Hashable, Codable {
            /// This field's value is found from the referenced field.
            case from
            /// This field's value leads to the referenced field.
            case to
        }
    }

    /// A field's type, as Fides writes it (`string`, `integer[]`).
    public struct DataType: Sendable, Hashable, Codable, CustomStringConvertible {
        public enum Base: String, Sendable, Hashable, Codable, CaseIterable {
            case string, integer, float, boolean, object, objectID = "object_id", date, datetime
        }
        public var base: Base
        public var isArray: Bool

        public init(base: Base, isArray: Bool = false) {
            self.base = base
            self.isArray = isArray
        }

        /// Parses `string`, `integer[]` and the like; nil for anything else.
        public init?(parsing text: String) {
            let isArray = text.hasSuffix("[]")
            guard let base = Base(rawValue: isArray ? String(text.dropLast(2)) : text) else { return nil }
            self.init(base: base, isArray: isArray)
        }

        public var description: String { base.rawValue + (isArray ? "[]" : "") }
    }
}
