/// A council application, with the department that owns it and where it is hosted.
public struct System: Sendable, Hashable, Codable {
    public typealias Key = StewardCore.Key<System>
    public var key: Key
    public var name: String
    public var description: String?
    public var department: String
    /// ISO 3166-1 alpha-2 code of the country the system is hosted in.
    public var hostingCountry: String
    /// The processor that runs the system for the council, if any.
    public var processor: Recipient.Key?
    public var datasets: [Dataset.Key]
    public var purposes: [Purpose.Key]
    public var dataSubjects: [String]
    /// Technical and organisational security measures (UK GDPR Art 30(1)(g), Art 32(1)).
    public var securityMeasures: String?

    public init(
        key: Key,
        name: String,
        description: String?,
        department: String,
        hostingCountry: String,
        processor: Recipient.Key?,
        datasets: [Dataset.Key],
        purposes: [Purpose.Key],
        dataSubjects: [String],
        securityMeasures: String?
    ) {
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
