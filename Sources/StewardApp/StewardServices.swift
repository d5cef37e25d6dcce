public import Foundation
public import Logging
public import StewardCore
public import StewardFiles
public import StewardStore

/// Every service Steward offers, assembled once over one store from the configuration: the one
/// composition root, built by `steward serve` for the HTTP application and by every other command
/// for its one job, so no wiring is written twice.
public struct StewardServices: Sendable {
    public let store: Store
    public let configuration: StewardConfiguration
    public let taxonomy: Taxonomy
    /// The statutory clock, over the configured bank holidays.
    public let clock: StatutoryClock
    /// The council's letter templates.
    public let letters: any LetterRendering
    /// Today's date; tests move it to walk a request through the calendar.
    public let today: @Sendable () -> CalendarDate
    /// The current data map, shared by every service so a load is seen by all at once.
    public let dataMaps: DataMapCache
    public let gate: GateService
    public let requests: RequestService
    public let retention: RetentionService
    /// Staff accounts and console sessions.
    public let staff: StaffDirectory

    /// Reads the bank holidays and letter templates the configuration names; a bad file stops
    /// start-up with an error naming it.
    public init(
        store: Store,
        configuration: StewardConfiguration,
        taxonomy: Taxonomy = .builtin,
        today: @escaping @Sendable () -> CalendarDate = { .today }
    ) throws {
        self.store = store
        self.configuration = configuration
        self.taxonomy = taxonomy
        self.today = today
        clock = StatutoryClock(holidays: try BankHolidaysFile.load(path: configuration.bankHolidayFile))
        letters = try LetterTemplates(directory: configuration.lettersDirectory)
        dataMaps = DataMapCache(repository: store)
        gate = GateService(repository: store, dataMaps: dataMaps, taxonomy: taxonomy, adequacy: configuration.adequacy, today: today)
        requests = RequestService(
            requests: store,
            people: store,
            sources: store,
            dataMaps: dataMaps,
            taxonomy: taxonomy,
            adequacy: configuration.adequacy,
            clock: clock,
            letters: letters,
            codeKey: store.identityCodeKey,
            erasureKeys: store.erasureKeys,
            legalHolds: configuration.legalHolds,
            today: today
        )
        retention = RetentionService(
            repository: store,
            requests: store,
            people: store,
            sources: store,
            dataMaps: dataMaps,
            legalHolds: configuration.legalHolds,
            settings: .init(
                batchSize: configuration.retention.batchSize,
                reviewDays: configuration.retention.reviewDays,
                yieldShare: configuration.retention.yieldShare,
                ownRecords: configuration.retention.own
            ),
            today: today
        )
        staff = StaffDirectory(
            store: store,
            cost: UInt8(clamping: configuration.web.bcryptCost),
            sessions: SessionPolicy(
                idle: .seconds(configuration.web.sessionIdleMinutes * 60),
                absolute: .seconds(configuration.web.sessionHours * 3600)
            )
        )
    }

    /// Opens the store the configuration names (applying migrations) and builds the services over
    /// it. Only `serve` and `migrate` create the audit signing key and the data key on a new
    /// installation (`createKeys`); every other command needs them to exist already, so that one
    /// run from the wrong folder cannot start signing, or sealing, with a new key.
    public static func open(
        _ configuration: StewardConfiguration,
        migrate: Bool = true,
        createKeys: Bool = false,
        logger: Logger
    ) async throws -> StewardServices {
        let store = try await openStore(configuration, migrate: migrate, createKeys: createKeys, logger: logger)
        do {
            return try StewardServices(store: store, configuration: configuration)
        } catch {
            await store.close()
            throw error
        }
    }

    /// Opens the store the configuration names, with its keys.
    public static func openStore(
        _ configuration: StewardConfiguration,
        migrate: Bool = true,
        createKeys: Bool = false,
        logger: Logger
    ) async throws
        -> Store
    {
        let signer = try AuditKeyFile.load(path: configuration.auditSigningKeyPath, create: createKeys)
        let dataKey = try DataKeyFile.load(path: configuration.dataKeyPath, create: createKeys)
        return try await Store.open(
            configuration.database,
            signer: signer,
            dataKey: dataKey,
            checkpointInterval: configuration.auditCheckpointInterval,
            migrate: migrate,
            sourceConnectTimeout: configuration.sourceConnectTimeout,
            databaseTimeout: configuration.databaseTimeout,
            logger: logger
        )
    }

    /// Runs `body` with the services, closing the store afterwards whether or not it throws.
    public func run<Result>(_ body: (StewardServices) async throws -> Result) async throws -> Result {
        do {
            let result = try await body(self)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }
}

extension StewardServices {
    /// The ZIP an access request's last search makes (`AccessBundle`), handed over to `actor` and
    /// audited with its SHA-256: for staff in the API and the console, and for the resident through
    /// the portal's link.
    public func bundle(for id: RightsRequest.ID, actor: String) async throws -> Data {
        let taxonomy = self.taxonomy
        return try await requests.handOver(id, actor: actor) { result, request, map, supplementary in
            try AccessBundle.archive(result, request: request, dataMap: map, taxonomy: taxonomy, supplementary: supplementary)
        }.archive
    }
}

extension StewardServices {
    /// The record of processing (UK GDPR Art 30) of the data map in force, as on today: for the
    /// API, the console, `steward ropa` and the privacy notice alike.
    public func recordOfProcessing() async throws -> (record: RecordOfProcessing, dataMap: DataMap) {
        guard let current = try await dataMaps.current() else {
            throw StewardError(.notFound, "no data map has been loaded yet, so there is no record of processing; load one with steward load DIR")
        }
        let record = RecordOfProcessing(
            dataMap: current.dataMap,
            taxonomy: taxonomy,
            adequacy: configuration.adequacy,
            on: today(),
            version: current.version
        )
        return (record, current.dataMap)
    }
}
