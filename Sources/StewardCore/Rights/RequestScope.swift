/// Which systems a request must search: every system whose datasets can find the person by an
/// identifier the request carries, every system that holds the person's own id, every system the
/// disclosure log shows data leaving from, and for CCTV access every system whose datasets hold
/// images.
///
/// The reasons are kept with each task so the scope searched can be shown (UK GDPR Art 15(1A):
/// searches must be reasonable and proportionate, and the scope recorded).
public enum RequestScope {
    /// The tasks for a request, one per system in scope, in data-map order.
    public static func tasks(for request: RightsRequest, dataMap: DataMap, subject: Subject?, disclosures: [Disclosure]) -> [RequestTask] {
        if request.kind == .complaint { return [] }
        var identifiers = request.identifiers
        if let subject { identifiers += subject.identifiers }
        let kinds = Set(identifiers.filter { $0.kind != "local_id" }.map(\.kind))
        let localSystems = Set(identifiers.compactMap { $0.kind == "local_id" ? $0.system : nil })
        let disclosedFrom = Set(disclosures.map(\.system))
        return dataMap.systems.compactMap { system in
            var reasons: [String] = []
            if localSystems.contains(system.key) { reasons.append("the person has an id in this system") }
            for datasetKey in system.datasets {
                guard let dataset = dataMap.dataset(datasetKey) else { continue }
                let found = Set(
                    dataset.collections.flatMap { collection in collection.allFields.compactMap { $0.field.identity } }
                ).intersection(kinds)
                if !found.isEmpty {
                    reasons.append("\(dataset.name ?? dataset.key.rawValue) can be searched by \(found.sorted().joined(separator: ", "))")
                }
            }
            if disclosedFrom.contains(system.key) { reasons.append("the disclosure log records data about the person leaving this system") }
            if request.kind == .cctvAccess, holdsImages(system, in: dataMap) {
                reasons.append("the system holds camera images")
            }
            guard !reasons.isEmpty else { return nil }
            return RequestTask(system: system.key, systemName: system.name, owner: system.department, reasons: reasons)
        }
    }

    /// True when a dataset of the system has a field holding images (`user.image…`).
    static func holdsImages(_ system: System, in dataMap: DataMap) -> Bool {
        system.datasets.contains { key in
            dataMap.dataset(key)?.collections.contains { collection in
                collection.allFields.contains { $0.field.dataCategories.contains { $0 == "user.image" || $0.hasPrefix("user.image.") } }
            } ?? false
        }
    }
}
