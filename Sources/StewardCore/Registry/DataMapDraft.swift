/// A value read from a data-map file, with the place it was read from so that validation can name it.
public struct Located<Value: Sendable & Hashable>: Sendable, Hashable {
    public var value: Value
    /// The 1-based line the value is on.
    public var line: Int
    /// Where the value sits inside its file (`system.purposes[1]`).
    public var path: String

    public init(_ value: Value, line: Int, path: String) {
        self.value = value
        self.line = line
        self.path = path
    }
}

/// A data map as read from its files, before validation: keys are plain strings that may name
/// nothing, and anything the reader could not make sense of is already in `issues`.
///
/// `validate(taxonomy:)` turns a draft into a `DataMap` or reports every problem at once.
public struct DataMapDraft: Sendable, Hashable {
    public var controller: ControllerDraft?
    public var systems: [SystemDraft] = []
    public var datasets: [DatasetDraft] = []
    public var purposes: [PurposeDraft] = []
    public var recipients: [RecipientDraft] = []
    public var retention: [RetentionDraft] = []
    /// Problems the reader found: bad YAML, missing or mistyped fields, missing files.
    public var issues: [StewardError.Issue] = []

    public init() {}
}

/// `controller.yaml` as read.
public struct ControllerDraft: Sendable, Hashable {
    public var file: String
    public var controller: Controller
    public var identities: [Located<String>]
    public var identityNames: [String]

    public init(file: String, controller: Controller, identities: [Located<String>], identityNames: [String]) {
        self.file = file
        self.controller = controller
        self.identities = identities
        self.identityNames = identityNames
    }
}

/// One `systems/*.yaml` file as read.
public struct SystemDraft: Sendable, Hashable {
    public var file: String
    public var key: Located<String>
    public var name: String
    public var description: String?
    public var department: String
    public var hostingCountry: Located<String>
    public var processor: Located<String>?
    public var datasets: [Located<String>]
    public var purposes: [Located<String>]
    public var dataSubjects: [Located<String>]
    public var securityMeasures: String?

    public init(
        file: String,
        key: Located<String>,
        name: String,
        description: String?,
        department: String,
        hostingCountry: Located<String>,
        processor: Located<String>?,
        datasets: [Located<String>],
        purposes: [Located<String>],
        dataSubjects: [Located<String>],
        securityMeasures: String?
    ) {
        self.file = file
        self.key = key
        self.name = name
        self.description = description
        self.department = department
        self.hostingCountry = hostingCountry
        self.processor = processor
        self.datasets = datasets
        self.purposes = purposes
        self.dataSubjects = dataSubjects
        self.securityMeasures = securityMeasures
    }
}

/// One dataset of a `datasets/*.yaml` file as read.
public struct DatasetDraft: Sendable, Hashable {
    public var file: String
    public var key: Located<String>
    public var name: String?
    public var description: String?
    public var collections: [CollectionDraft]
    public var purposes: DeclaredPurposesDraft
    /// The Fides keys present in the dataset's `fides_meta` that Steward cannot honour.
    public var unsupported: [Located<String>] = []

    public init(
        file: String,
        key: Located<String>,
        name: String?,
        description: String?,
        collections: [CollectionDraft],
        purposes: DeclaredPurposesDraft = .init()
    ) {
        self.file = file
        self.key = key
        self.name = name
        self.description = description
        self.collections = collections
        self.purposes = purposes
    }
}

/// One collection of a dataset as read.
public struct CollectionDraft: Sendable, Hashable {
    public var name: Located<String>
    public var description: String?
    public var skipProcessing: Bool
    public var fields: [FieldDraft]
    public var restrictionFlag: Located<String>?
    public var purposes: DeclaredPurposesDraft
    /// `fides_meta.masking_strategy_override` and `fides_meta.erase_after`, and the Fides keys
    /// present that Steward cannot honour.
    public var maskingOverride: MaskingOverrideDraft?
    public var eraseAfter: [Located<String>] = []
    public var unsupported: [Located<String>] = []

    public init(
        name: Located<String>,
        description: String?,
        skipProcessing: Bool,
        fields: [FieldDraft],
        restrictionFlag: Located<String>? = nil,
        purposes: DeclaredPurposesDraft = .init()
    ) {
        self.name = name
        self.description = description
        self.skipProcessing = skipProcessing
        self.fields = fields
        self.restrictionFlag = restrictionFlag
        self.purposes = purposes
    }
}

/// One field of a collection as read.
public struct FieldDraft: Sendable, Hashable {
    public var name: Located<String>
    public var description: String?
    public var dataCategories: [Located<String>]
    public var identity: Located<String>?
    public var references: [ReferenceDraft]
    public var isPrimaryKey: Bool
    public var dataType: Located<String>?
    public var isReadOnly: Bool
    public var isShared: Bool
    public var fields: [FieldDraft]
    public var purposes: DeclaredPurposesDraft
    /// `fides_meta.masking_strategy_override`, `fides_meta.length`, and the Fides keys present
    /// that Steward cannot honour (each refused at validation, named).
    public var maskingOverride: MaskingOverrideDraft?
    public var length: Located<String>?
    public var unsupported: [Located<String>] = []

    public init(
        name: Located<String>,
        description: String?,
        dataCategories: [Located<String>],
        identity: Located<String>?,
        references: [ReferenceDraft],
        isPrimaryKey: Bool,
        dataType: Located<String>?,
        isReadOnly: Bool,
        isShared: Bool = false,
        fields: [FieldDraft],
        purposes: DeclaredPurposesDraft = .init()
    ) {
        self.name = name
        self.description = description
        self.dataCategories = dataCategories
        self.identity = identity
        self.references = references
        self.isPrimaryKey = isPrimaryKey
        self.dataType = dataType
        self.isReadOnly = isReadOnly
        self.isShared = isShared
        self.fields = fields
        self.purposes = purposes
    }
}

/// A Fides `masking_strategy_override` as read: the strategy's name and its configuration, nested
/// keys joined with dots (`format_preservation.suffix`).
public struct MaskingOverrideDraft: Sendable, Hashable {
    public var strategy: Located<String>
    public var configuration: [String: Located<String>]

    public init(strategy: Located<String>, configuration: [String: Located<String>]) {
        self.strategy = strategy
        self.configuration = configuration
    }
}

/// The purposes a dataset, a collection or a field declares, as read: Fides writes them as
/// `data_uses` and, before that name, `data_purposes`; a file from a Fides release in between
/// carries both.
public struct DeclaredPurposesDraft: Sendable, Hashable {
    public var dataUses: [Located<String>]?
    public var dataPurposes: [Located<String>]?

    public init(dataUses: [Located<String>]? = nil, dataPurposes: [Located<String>]? = nil) {
        self.dataUses = dataUses
        self.dataPurposes = dataPurposes
    }
}

/// One entry of a field's `fides_meta.references` as read.
public struct ReferenceDraft: Sendable, Hashable {
    public var dataset: Located<String>
    /// `collection.field`, nested fields joined with dots.
    public var field: Located<String>
    public var direction: Located<String>?

    public init(dataset: Located<String>, field: Located<String>, direction: Located<String>?) {
        self.dataset = dataset
        self.field = field
        self.direction = direction
    }
}

/// One entry of `purposes.yaml` as read.
public struct PurposeDraft: Sendable, Hashable {
    public var file: String
    public var key: Located<String>
    public var name: String
    public var description: String?
    public var dataUse: Located<String>
    public var lawfulBasis: Located<String>
    public var legislation: String?
    public var specialCondition: Located<String>?
    public var criminalOffenceCondition: Located<String>?
    public var dataCategories: [Located<String>]
    public var dataSubjects: [Located<String>]
    public var sources: [String]

    public init(
        file: String,
        key: Located<String>,
        name: String,
        description: String?,
        dataUse: Located<String>,
        lawfulBasis: Located<String>,
        legislation: String?,
        specialCondition: Located<String>?,
        criminalOffenceCondition: Located<String>?,
        dataCategories: [Located<String>],
        dataSubjects: [Located<String>],
        sources: [String] = []
    ) {
        self.sources = sources
        self.file = file
        self.key = key
        self.name = name
        self.description = description
        self.dataUse = dataUse
        self.lawfulBasis = lawfulBasis
        self.legislation = legislation
        self.specialCondition = specialCondition
        self.criminalOffenceCondition = criminalOffenceCondition
        self.dataCategories = dataCategories
        self.dataSubjects = dataSubjects
    }
}

/// One entry of `recipients.yaml` as read.
public struct RecipientDraft: Sendable, Hashable {
    public var file: String
    public var key: Located<String>
    public var name: String
    public var description: String?
    public var kind: Located<String>
    public var country: Located<String>
    public var dpfCertified: Bool
    public var agreements: [AgreementDraft]
    public var statutoryGateways: [GatewayDraft]

    public init(
        file: String,
        key: Located<String>,
        name: String,
        description: String?,
        kind: Located<String>,
        country: Located<String>,
        dpfCertified: Bool,
        agreements: [AgreementDraft],
        statutoryGateways: [GatewayDraft] = []
    ) {
        self.statutoryGateways = statutoryGateways
        self.file = file
        self.key = key
        self.name = name
        self.description = description
        self.kind = kind
        self.country = country
        self.dpfCertified = dpfCertified
        self.agreements = agreements
    }
}

/// One agreement of a recipient as read.
public struct AgreementDraft: Sendable, Hashable {
    public var kind: Located<String>
    public var reference: String?
    public var categories: [Located<String>]
    public var purposes: [Located<String>]
    public var starts: Located<String>
    public var ends: Located<String>?
    /// `allowed` or `forbidden`.
    public var email: Located<String>?
    /// The only domain data may be emailed to under the agreement (`nhs.net`).
    public var secureEmailDomain: Located<String>?

    public init(
        kind: Located<String>,
        reference: String?,
        categories: [Located<String>],
        purposes: [Located<String>],
        starts: Located<String>,
        ends: Located<String>?,
        email: Located<String>? = nil,
        secureEmailDomain: Located<String>? = nil
    ) {
        self.email = email
        self.secureEmailDomain = secureEmailDomain
        self.kind = kind
        self.reference = reference
        self.categories = categories
        self.purposes = purposes
        self.starts = starts
        self.ends = ends
    }
}

/// One statutory gateway of a recipient as read.
public struct GatewayDraft: Sendable, Hashable {
    public var legislation: Located<String>
    public var categories: [Located<String>]
    public var purposes: [Located<String>]

    public init(legislation: Located<String>, categories: [Located<String>], purposes: [Located<String>]) {
        self.legislation = legislation
        self.categories = categories
        self.purposes = purposes
    }
}

/// One entry of `retention.yaml` as read.
public struct RetentionDraft: Sendable, Hashable {
    /// One entry of `masking:`: a field name or data category, and its strategy.
    public struct Mask: Sendable, Hashable {
        public var key: Located<String>
        public var strategy: Located<String>

        public init(key: Located<String>, strategy: Located<String>) {
            self.key = key
            self.strategy = strategy
        }
    }

    public var file: String
    public var dataset: Located<String>
    public var collection: Located<String>
    public var period: Located<String>
    public var triggerField: Located<String>?
    public var triggerEvent: Located<String>?
    public var action: Located<String>
    public var source: String?
    /// `masking:` for an anonymising rule: each field name or data category with its strategy.
    public var masking: [Mask]
    public var line: Int

    public init(
        file: String,
        dataset: Located<String>,
        collection: Located<String>,
        period: Located<String>,
        triggerField: Located<String>?,
        triggerEvent: Located<String>?,
        action: Located<String>,
        source: String?,
        masking: [Mask] = [],
        line: Int
    ) {
        self.masking = masking
        self.file = file
        self.dataset = dataset
        self.collection = collection
        self.period = period
        self.triggerField = triggerField
        self.triggerEvent = triggerEvent
        self.action = action
        self.source = source
        self.line = line
    }
}
