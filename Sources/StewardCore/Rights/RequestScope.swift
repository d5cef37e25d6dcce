import Foundation

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
        let kinds = Set(identifiers.filter { $0.kind != .localID }.map(\.kind))
        let localSystems = Set(identifiers.compactMap { $0.kind == .localID ? $0.system : nil })
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
                    reasons.append(
                        "\(dataset.name ?? dataset.key.rawValue) can be searched by \(found.sorted().map(\.rawValue).joined(separator: ", "))"
                    )
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
                collection.allFields.contains { $0.field.dataCategories.contains { DataCategory.Key.image.covers($0) } }
            } ?? false
        }
    }
}

extension RightsRequest {
    /// Takes tasks worked out again (once the person is known, say): a system already in scope
    /// keeps its status, owner and note and gets the new reasons; a new one is added.
    public mutating func mergeTasks(_ fresh: [RequestTask]) {
        for task in fresh {
            if let index = tasks.firstIndex(where: { $0.system == task.system }) {
                tasks[index].reasons = task.reasons
            } else {
                tasks.append(task)
            }
        }
    }

    /// Sets a task's status, owner or note. The request must have a task for the system and be
    /// open; an owner cannot be blank, and an empty note clears it.
    public mutating func updateTask(_ system: System.Key, status: RequestTask.Status?, owner: String?, note: String?) throws {
        guard status != nil || owner != nil || note != nil else {
            throw StewardError(.invalidInput, "give a status, an owner or a note", field: "status")
        }
        guard let index = tasks.firstIndex(where: { $0.system == system }) else {
            throw StewardError(.notFound, "the request has no task for system '\(system)'", field: "system")
        }
        guard !(try state().isClosed) else {
            throw StewardError(.conflict, "the request is closed; its tasks cannot change", field: "system")
        }
        if let status { tasks[index].status = status }
        if let owner {
            let trimmed = owner.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { throw StewardError(.invalidInput, "the owner cannot be empty", field: "owner") }
            tasks[index].owner = trimmed
        }
        if let note { tasks[index].note = note.isEmpty ? nil : note }
    }
}
