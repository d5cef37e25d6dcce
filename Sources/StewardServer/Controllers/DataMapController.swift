import Foundation
import Hummingbird
import StewardApp
import StewardCore
import StewardFiles
import StewardStore

/// The data map over HTTP: read what the council holds, replace it with a new version, and the record
/// of processing generated from it.
struct DataMapController: Sendable {
    let services: StewardServices
    var cache: DataMapCache { services.dataMaps }

    func register(on api: inout APIRoutes) {
        api.add(.get, "datamap", roles: .dataMapReaders, use: currentVersion)
        api.add(.put, "datamap", roles: .dataMapWriters, use: load)
        api.add(.get, "systems", roles: .dataMapReaders) { _, _ in try await list("systems", \.systems) }
        api.add(.get, "systems/{key}", roles: .dataMapReaders, use: system)
        api.add(.get, "datasets", roles: .dataMapReaders) { _, _ in try await list("datasets", \.datasets) }
        api.add(.get, "datasets/{key}", roles: .dataMapReaders, use: dataset)
        api.add(.get, "purposes", roles: .dataMapReaders) { _, _ in try await list("purposes", \.purposes) }
        api.add(.get, "recipients", roles: .dataMapReaders) { _, _ in try await list("recipients", \.recipients) }
        api.add(.get, "categories", roles: .dataMapReaders, use: categories)
        api.add(.get, "ropa", roles: .dataMapReaders, use: recordOfProcessing)
    }

    @Sendable func currentVersion(_ request: Request, context: StewardRequestContext) async throws -> Response {
        guard let current = try await cache.current() else {
            throw StewardError(.notFound, "no data map has been loaded yet; load one with 'steward load DIR' or PUT /api/v1/datamap")
        }
        return try JSONResponse.make(
            DataMapVersionBody(version: current.version, loadedAt: current.loadedAt, loadedBy: current.loadedBy, digest: current.digest)
        )
    }

    @Sendable func load(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let body = try await request.decode(as: DataMapUpload.self, context: context, limit: InputLimits.dataMapBody)
        guard !body.files.isEmpty else { throw StewardError(.invalidInput, "'files' is empty: send every file of the data map", field: "files") }
        let result = try await services.store.loadDataMap(
            DataMapReader.read(files: body.files),
            taxonomy: services.taxonomy,
            fallbackController: services.configuration.controller,
            actor: context.actor
        )
        await cache.invalidate()
        return try JSONResponse.make(result, status: result.created ? .created : .ok)
    }

    /// One list of the current data map under its name, with the version it came from.
    func list<Item: Encodable>(_ name: String, _ items: KeyPath<DataMap, [Item]>) async throws -> Response {
        let map = try await cache.current()
        return try JSONResponse.make(ListBody(dataMapVersion: map?.version ?? 0, items: map?.dataMap[keyPath: items] ?? [], name: name))
    }

    @Sendable func system(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let key = try context.parameter("key")
        guard let system = try await cache.current()?.dataMap.system(.init(key)) else {
            throw StewardError(.notFound, "no system with key '\(key)'", field: "key")
        }
        return try JSONResponse.make(system)
    }

    @Sendable func dataset(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let key = try context.parameter("key")
        guard let dataset = try await cache.current()?.dataMap.dataset(.init(key)) else {
            throw StewardError(.notFound, "no dataset with key '\(key)'", field: "key")
        }
        return try JSONResponse.make(dataset)
    }

    @Sendable func categories(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let taxonomy = services.taxonomy
        let categories = taxonomy.categories.values.sorted { $0.key < $1.key }.map { category in
            CategoryBody(
                key: category.key,
                name: category.name,
                description: category.description,
                sensitivity: taxonomy.sensitivity(of: category.key),
                isThirdParty: category.isThirdParty
            )
        }
        let version = try await cache.current()?.version ?? 0
        return try JSONResponse.make(ListBody(dataMapVersion: version, items: categories, name: "categories"))
    }

    @Sendable func recordOfProcessing(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let format = request.uri.queryParameters.get("format") ?? "json"
        let record = try await services.recordOfProcessing().record
        switch format {
        case "json": return try JSONResponse.make(record)
        case "csv": return JSONResponse.text(record.csv, contentType: "text/csv; charset=utf-8")
        case "html": return JSONResponse.text(record.html, contentType: "text/html; charset=utf-8")
        default: throw StewardError(.invalidInput, "format must be json, csv or html, not '\(format)'", field: "format")
        }
    }
}

/// The body of `PUT /api/v1/datamap`: every file of the folder, by its path inside it.
struct DataMapUpload: Decodable {
    var files: [String: String]
}

struct DataMapVersionBody: Encodable {
    var version: Int
    var loadedAt: String
    var loadedBy: String
    var digest: String
}

/// A list under a named key, with the data-map version it came from.
struct ListBody<Item: Encodable>: Encodable {
    var dataMapVersion: Int
    var items: [Item]
    var name: String

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(dataMapVersion, forKey: Key(stringValue: "dataMapVersion"))
        try container.encode(items, forKey: Key(stringValue: name))
    }
}
