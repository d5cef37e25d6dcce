public import Foundation
public import StewardCore

/// The copy of a person's data as it is handed over (UK GDPR Art 15(3)): a ZIP holding each
/// collection as JSON and CSV, a report the person can read in a browser, the Article 15
/// information, and a manifest listing every file with its SHA-256 and every value withheld.
public enum AccessBundle {
    public struct Manifest: Sendable, Hashable, Codable {
        public struct File: Sendable, Hashable, Codable {
            public var path: String
            public var bytes: Int
            public var sha256: String
        }

        public var request: String
        public var controller: String
        public var searchedAt: String
        public var sources: [String]
        public var rows: Int
        public var files: [File]
        public var redactions: [AccessResult.Redaction]
    }

    /// The archive.
    public static func archive(
        _ result: AccessResult,
        request: RightsRequest,
        dataMap: DataMap,
        taxonomy: Taxonomy,
        supplementary: SupplementaryInformation
    ) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var files: [(String, Data)] = []
        for collection in result.collections {
            let base = "data/\(safe(collection.dataset))/\(safe(collection.collection))"
            files.append(("\(base).json", try encoder.encode(collection.typedRows)))
            files.append(("\(base).csv", Data(csv(collection).utf8)))
        }
        files.append(("supplementary-information.json", try encoder.encode(supplementary)))
        files.append(("report.html", Data(report(result, request: request, dataMap: dataMap, taxonomy: taxonomy, supplementary: supplementary).utf8)))
        let manifest = Manifest(
            request: result.request.rawValue,
            controller: dataMap.controller.name,
            searchedAt: result.ranAt,
            sources: result.sources,
            rows: result.rowCount,
            files: files.map { .init(path: $0.0, bytes: $0.1.count, sha256: Secret.sha256($0.1)) },
            redactions: result.redactions
        )
        return try ZipArchive.make(files + [("manifest.json", try encoder.encode(manifest))])
    }

    /// A name as one path component of the archive: no folders, no leading dots.
    static func safe(_ name: String) -> String {
        let cleaned = String(name.map { $0 == "/" || $0 == "\\" ? "_" : $0 })
        return cleaned.hasPrefix(".") ? "_" + cleaned.dropFirst() : cleaned
    }

    /// RFC 4180 CSV with a header row in the dataset's field order: the same values as the JSON,
    /// a boolean as true or false whichever way its source writes it, and no value as an empty cell.
    static func csv(_ collection: AccessResult.Collection) -> String {
        CSVText.render(
            [collection.fields]
                + collection.rows.map { row in
                    collection.fields.map { field in
                        guard let text = row[field] else { return "" }
                        if case .bool(let value) = AccessResult.Collection.value(text, as: collection.types[field]) {
                            return value ? "true" : "false"
                        }
                        return text
                    }
                }
        )
    }

    /// The report: grouped by system, each field labelled with the plain-English name of its category.
    static func report(
        _ result: AccessResult,
        request: RightsRequest,
        dataMap: DataMap,
        taxonomy: Taxonomy,
        supplementary: SupplementaryInformation
    ) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en-GB"><head><meta charset="utf-8"><title>Your data held by \(escape(dataMap.controller.name))</title>
            <style>body{font-family:Arial,sans-serif;max-width:60em;margin:2em auto;color:#0b0c0c}table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #b1b4b6;padding:.3em .6em;text-align:left;vertical-align:top}th{background:#f3f2f1}</style>
            </head><body>
            <h1>Your data held by \(escape(dataMap.controller.name))</h1>
            <p>Reference \(escape(request.id.rawValue)). Searched \(escape(result.ranAt)): \(result.rowCount) records in \(result.collections.count) places.</p>

            """
        let bySystem = Dictionary(grouping: result.collections) { collection in
            dataMap.systems.first { $0.datasets.contains(Dataset.Key(collection.dataset)) }?.name
                ?? (dataMap.dataset(.init(collection.dataset))?.name ?? collection.dataset)
        }
        for system in bySystem.keys.sorted() {
            html += "<h2>\(escape(system))</h2>\n"
            for collection in bySystem[system]! {
                let declared = dataMap.dataset(.init(collection.dataset))?.collection(collection.collection)
                html += "<h3>\(escape(declared?.description ?? collection.collection.replacingUnderscores))</h3>\n<table><tr>"
                for field in collection.fields {
                    let categories = declared?.field(at: field)?.dataCategories.compactMap { taxonomy.categories[$0]?.name } ?? []
                    html +=
                        "<th>\(escape(field.replacingUnderscores))"
                        + (categories.isEmpty ? "" : "<br><small>\(escape(categories.joined(separator: ", ")))</small>") + "</th>"
                }
                html += "</tr>\n"
                for row in collection.rows {
                    html += "<tr>" + collection.fields.map { "<td>\(escape(row[$0] ?? ""))</td>" }.joined() + "</tr>\n"
                }
                html += "</table>\n"
            }
        }
        if !result.redactions.isEmpty {
            html += "<h2>What we have withheld</h2>\n<ul>\n"
            for redaction in result.redactions {
                html +=
                    "<li>\(escape(redaction.field.replacingUnderscores)) in \(escape(redaction.collection.replacingUnderscores)) (\(redaction.rows) records): \(escape(redaction.reason))</li>\n"
            }
            html += "</ul>\n"
        }
        html += "<h2>Why we hold your data</h2>\n<ul>\n"
        for purpose in supplementary.purposes {
            html += "<li><strong>\(escape(purpose.name))</strong>: \(escape(purpose.lawfulBasis))</li>\n"
        }
        html += "</ul>\n<h2>Your rights</h2>\n<ul>\n" + supplementary.rights.map { "<li>\(escape($0))</li>" }.joined(separator: "\n") + "\n</ul>\n"
        html +=
            "<p>You can complain to \(escape(supplementary.complaints.regulator)): \(escape(supplementary.complaints.regulatorContact)).</p>\n</body></html>\n"
        return html
    }
}
