import Foundation
import HTTPTypes
import Hummingbird
import StewardApp
import StewardCore
import StewardFiles

/// The console's data map: systems down to their fields and categories, purposes with their
/// lawful bases, recipients with their agreements (those ended or ending within 90 days flagged),
/// the record of processing, and loading a new version with every problem listed. What the pages
/// show is the stored data map and `RecordOfProcessing`; the load goes through the same
/// `loadDataMap` the API and `steward load` use.
extension ConsoleController {
    /// The largest ZIP of a data-map folder the load page takes (the form around it may add a
    /// little).
    static let dataMapUploadLimit = InputLimits.dataMapBody

    func dataMapPages(_ page: PageRegistrar) {
        page(.get, "/console/data-map", .dataMapReaders, nil) { _, _, signed in try await dataMapPage(signed) }
        page(.get, "/console/data-map/systems/{key}", .dataMapReaders, nil) { _, context, signed in
            try await systemPage(try context.parameter("key"), signed)
        }
        page(.get, "/console/data-map/purposes", .dataMapReaders, nil) { _, _, signed in try await purposesPage(signed) }
        page(.get, "/console/data-map/recipients", .dataMapReaders, nil) { _, _, signed in try await recipientsPage(signed) }
        page(.get, "/console/data-map/record", .dataMapReaders, nil) { _, _, signed in try await recordPage(signed) }
        page(.get, "/console/data-map/record/download", .dataMapReaders, nil) { request, _, _ in
            try await recordDownload(request.uri.queryParameters["format"].map(String.init) ?? "csv")
        }
        page(.get, "/console/data-map/load", .dataMapWriters, nil) { _, _, signed in try await loadPage(signed, issues: [], result: nil) }
        page(.post, "/console/data-map/load", .dataMapWriters, Self.dataMapUploadLimit + 64 * 1024) { _, _, signed in try await loadPosted(signed) }
    }

    /// The data map in force, or a page saying none has been loaded.
    func currentMap() async throws -> StoredDataMap {
        guard let current = try await services.dataMaps.current() else {
            throw StewardError(.notFound, "no data map has been loaded yet: the DPO loads one from the data map's Load page or with steward load")
        }
        return current
    }

    func dataMapContext(_ title: String, _ signed: Signed) async throws -> [String: Any] {
        var context = try await layout(title: title, session: signed.session, errors: [], here: "datamap")
        context["canLoad"] = Set<Role>.dataMapWriters.contains(signed.session.account.role)
        return context
    }

    func dataMapPage(_ signed: Signed) async throws -> Response {
        var context = try await dataMapContext("Data map", signed)
        guard let current = try await services.dataMaps.current() else {
            context["empty"] = true
            return try html("console-data-map", context)
        }
        let map = current.dataMap
        context["version"] = [
            "number": "\(current.version)", "loadedAt": Self.readableTime(current.loadedAt), "loadedBy": current.loadedBy,
            "digest": String(current.digest.prefix(16)),
        ]
        context["controller"] = [
            "name": map.controller.name, "ico": map.controller.icoRegistration ?? "not recorded",
            "dpo": map.controller.dpo.map { [$0.name, $0.email].compactMap { $0 }.joined(separator: ", ") } ?? "not recorded",
        ]
        context["systems"] = map.systems.map { system -> [String: Any] in
            [
                "key": system.key.rawValue, "name": system.name, "department": system.department, "hosting": system.hostingCountry,
                "processor": system.processor.flatMap { map.recipient($0)?.name } ?? "None", "datasets": "\(system.datasets.count)",
            ]
        }
        let today = services.today()
        let attention = map.recipients.flatMap { $0.agreements }.filter { $0.standing(on: today).needsAttention }.count
        context["counts"] = [
            "systems": "\(map.systems.count)", "purposes": "\(map.purposes.count)", "recipients": "\(map.recipients.count)",
            "attention": "\(attention)",
        ]
        return try html("console-data-map", context)
    }

    func systemPage(_ key: String, _ signed: Signed) async throws -> Response {
        let map = try await currentMap().dataMap
        guard let system = map.system(.init(key)) else { throw StewardError(.notFound, "the data map has no system '\(key)'", field: "key") }
        var context = try await dataMapContext(system.name, signed)
        let taxonomy = services.taxonomy
        context["system"] = [
            "name": system.name, "description": system.description ?? "", "department": system.department, "hosting": system.hostingCountry,
            "processor": system.processor.flatMap { map.recipient($0)?.name } ?? "None",
            "purposes": system.purposes.map { map.purpose($0)?.name ?? $0.rawValue }.joined(separator: "; "),
            "subjects": system.dataSubjects.map { taxonomy.subjects[$0]?.name ?? $0 }.joined(separator: ", "),
            "security": system.securityMeasures ?? "not recorded",
        ]
        context["datasets"] = system.datasets.compactMap { map.dataset($0) }.map { dataset -> [String: Any] in
            [
                "key": dataset.key.rawValue, "name": dataset.name ?? dataset.key.rawValue, "description": dataset.description ?? "",
                "collections": dataset.collections.map { collection -> [String: Any] in
                    [
                        "name": collection.name, "description": collection.description ?? "",
                        "fields": collection.allFields.map { path, field -> [String: Any] in
                            let sensitivity = field.dataCategories.map { taxonomy.sensitivity(of: $0) }.max() ?? .ordinary
                            return [
                                "path": path, "type": field.dataType?.description ?? "", "key": field.isPrimaryKey,
                                "identity": field.identity?.rawValue ?? "",
                                "categories": field.dataCategories.map(\.rawValue).joined(separator: ", "),
                                "special": sensitivity == .specialCategory, "criminal": sensitivity == .criminalOffence,
                            ]
                        },
                    ]
                },
            ]
        }
        return try html("console-system", context)
    }

    func purposesPage(_ signed: Signed) async throws -> Response {
        let map = try await currentMap().dataMap
        var context = try await dataMapContext("Purposes", signed)
        context["purposes"] = map.purposes.map { purpose -> [String: Any] in
            [
                "name": purpose.name, "key": purpose.key.rawValue, "description": purpose.description ?? "",
                "basis": "\(purpose.lawfulBasis.title) (\(purpose.lawfulBasis.article))", "legislation": purpose.legislation ?? "",
                "special": purpose.specialCondition.map { "\($0.title) (\($0.provision))" } ?? "",
                "criminal": purpose.criminalOffenceCondition.map { "\($0.title) (\($0.provision))" } ?? "",
            ]
        }
        return try html("console-purposes", context)
    }

    func recipientsPage(_ signed: Signed) async throws -> Response {
        let map = try await currentMap().dataMap
        let today = services.today()
        var context = try await dataMapContext("Recipients and agreements", signed)
        context["recipients"] = map.recipients.map { recipient -> [String: Any] in
            [
                "name": recipient.name, "key": recipient.key.rawValue, "kind": recipient.kind.title, "country": recipient.country,
                "hasAgreements": !recipient.agreements.isEmpty,
                "agreements": recipient.agreements.map { agreement -> [String: Any] in
                    var row: [String: Any] = [
                        "kind": agreement.kind.title, "reference": agreement.reference ?? "none", "starts": agreement.starts.description,
                        "ends": agreement.ends?.description ?? "no end date",
                        "purposes": agreement.purposes.map { map.purpose($0)?.name ?? $0.rawValue }.joined(separator: "; "),
                    ]
                    switch agreement.standing(on: today) {
                    case .inForce: row["status"] = "In force"
                    case .notYetInForce(let starts): row["status"] = "Starts \(starts.longDescription)"
                    case .endingSoon(_, let days):
                        row["soon"] = "Ends in \(days) day\(days == 1 ? "" : "s")"
                    case .ended(let ends): row["ended"] = "Ended \(ends.longDescription)"
                    }
                    return row
                },
                "gateways": recipient.statutoryGateways.map(\.legislation).joined(separator: "; "),
            ]
        }
        return try html("console-recipients", context)
    }

    func record() async throws -> RecordOfProcessing { try await services.recordOfProcessing().record }

    func recordPage(_ signed: Signed) async throws -> Response {
        let record = try await record()
        var context = try await dataMapContext("Record of processing", signed)
        context["generated"] = record.generatedOn.longDescription
        context["activities"] = record.activities.map { activity -> [String: Any] in
            [
                "name": activity.purposeName, "description": activity.description, "basis": activity.lawfulBasis,
                "legislation": activity.legislation ?? "", "special": activity.specialCondition ?? "",
                "criminal": activity.criminalOffenceCondition ?? "", "systems": activity.systems.joined(separator: "; "),
                "departments": activity.departments.joined(separator: "; "), "subjects": activity.dataSubjects.joined(separator: ", "),
                "categories": activity.dataCategories.joined(separator: ", "), "recipients": activity.recipients.joined(separator: "; "),
                "transfers": activity.transfers.isEmpty ? "None" : (activity.transfers + activity.transferSafeguards).joined(separator: "; "),
                "retention": activity.retention.joined(separator: "; "), "security": activity.securityMeasures.joined(separator: "; "),
            ]
        }
        return try html("console-record", context)
    }

    func recordDownload(_ format: String) async throws -> Response {
        let record = try await record()
        var response: Response
        switch format {
        case "csv": response = JSONResponse.text(record.csv, contentType: "text/csv; charset=utf-8")
        case "html": response = JSONResponse.text(record.html, contentType: "text/html; charset=utf-8")
        case "json": response = try JSONResponse.make(record)
        default: throw StewardError(.invalidInput, "the download is csv, html or json, not '\(format.prefix(20))'", field: "format")
        }
        response.headers[.cacheControl] = "no-store"
        response.headers[.contentDisposition] = "attachment; filename=\"record-of-processing-\(record.generatedOn).\(format)\""
        return response
    }

    func loadPage(
        _ signed: Signed,
        issues: [StewardError.Issue],
        result: DataMapLoadResult?,
        status: HTTPResponse.Status = .ok
    )
        async throws -> Response
    {
        let errors =
            issues.isEmpty
            ? [] : [(field: "folder", message: "The data map was not loaded: \(issues.count) problem\(issues.count == 1 ? "" : "s") to fix")]
        var context = try await layout(title: "Load a new data map", session: signed.session, errors: errors, here: "datamap")
        context["hasIssues"] = !issues.isEmpty
        context["issues"] = issues.map { issue -> [String: String] in
            [
                "place": [issue.file, issue.line.map { "line \($0)" }, issue.field].compactMap { $0 }.joined(separator: ", "),
                "message": issue.message,
            ]
        }
        if let result {
            let changes = result.changes
            var lines: [String] = []
            for (name, delta) in [
                ("systems", changes.systems), ("datasets", changes.datasets), ("purposes", changes.purposes),
                ("recipients", changes.recipients), ("retention rules", changes.retention),
            ] where !delta.isEmpty {
                var parts: [String] = []
                if !delta.added.isEmpty { parts.append("added \(delta.added.joined(separator: ", "))") }
                if !delta.changed.isEmpty { parts.append("changed \(delta.changed.joined(separator: ", "))") }
                if !delta.removed.isEmpty { parts.append("removed \(delta.removed.joined(separator: ", "))") }
                lines.append("\(Self.sentence(name)): \(parts.joined(separator: "; ")).")
            }
            if changes.controllerChanged { lines.append("The council's own details changed.") }
            context["result"] = [
                "version": "\(result.version)", "created": result.created, "changes": lines, "hasChanges": !lines.isEmpty,
                "notes": result.notes.map(\.description), "hasNotes": !result.notes.isEmpty,
            ]
        }
        return try html("console-data-map-load", context, status: status)
    }

    func loadPosted(_ signed: Signed) async throws -> Response {
        guard let upload = signed.form.uploads["folder"], !upload.contents.isEmpty else {
            return try await loadPage(
                signed,
                issues: [.init(field: "folder", message: "Choose the ZIP file of the data-map folder")],
                result: nil,
                status: .unprocessableContent
            )
        }
        let files: [String: String]
        do {
            files = try Self.dataMapFiles(zip: upload.contents)
        } catch let error as StewardError {
            return try await loadPage(
                signed,
                issues: [.init(file: upload.filename, message: Self.sentence(error.message))],
                result: nil,
                status: .unprocessableContent
            )
        }
        do {
            let result = try await services.store.loadDataMap(
                DataMapReader.read(files: files),
                taxonomy: services.taxonomy,
                fallbackController: services.configuration.controller,
                actor: signed.session.account.actor
            )
            await services.dataMaps.invalidate()
            return try await loadPage(signed, issues: [], result: result)
        } catch let error as StewardError where error.code == .invalidDataMap || error.code == .invalidInput {
            let issues = error.details.isEmpty ? [StewardError.Issue(field: error.field, message: error.message)] : error.details
            return try await loadPage(signed, issues: issues, result: nil, status: .unprocessableContent)
        }
    }

    /// The YAML files of a zipped data-map folder by their path inside the folder: the folder
    /// itself may be the ZIP's top level or its one top folder. Bounded: at most 2,000 files and
    /// the same total as the API takes, so a small ZIP cannot unpack into a large one.
    static func dataMapFiles(zip: Data) throws -> [String: String] {
        let entries: [String: Data]
        do {
            entries = try ZipArchive.files(zip, limit: InputLimits.dataMapBody, count: 2000)
        } catch let error as StewardError {
            throw error
        } catch {
            throw StewardError(.invalidInput, "the file is not a ZIP archive: zip the data-map folder and choose the .zip", field: "folder")
        }
        var yaml = entries.filter { ($0.key.hasSuffix(".yaml") || $0.key.hasSuffix(".yml")) && !$0.key.hasPrefix("__MACOSX/") }
        let tops = Set(yaml.keys.compactMap { $0.split(separator: "/").first.map(String.init) })
        if tops.count == 1, let top = tops.first, yaml["controller.yaml"] == nil, yaml.keys.allSatisfy({ $0.hasPrefix(top + "/") }) {
            yaml = Dictionary(uniqueKeysWithValues: yaml.map { (String($0.key.dropFirst(top.count + 1)), $0.value) })
        }
        guard !yaml.isEmpty else {
            throw StewardError(
                .invalidInput,
                "the ZIP holds no .yaml files: zip the folder that holds controller.yaml, systems/ and datasets/",
                field: "folder"
            )
        }
        var files: [String: String] = [:]
        for (path, data) in yaml {
            guard let text = String(data: data, encoding: .utf8) else {
                throw StewardError(.invalidInput, "\(path) is not UTF-8 text", field: "folder")
            }
            files[path] = text
        }
        return files
    }

    /// An ISO 8601 time as people read it: "2026-12-04 18:33 UTC".
    static func readableTime(_ iso: String) -> String {
        guard iso.count >= 16 else { return iso }
        return "\(iso.prefix(10)) \(iso.dropFirst(11).prefix(5)) UTC"
    }
}
