import Foundation
import StewardCore
import StewardFiles
import StewardTestSupport
import Testing

@testable import StewardStore

/// Releases of equality statistics and their budget, on the backend this run names.
@Suite("Statistics releases store")
struct StatisticsStoreTests {
    static func counts(_ people: Int) throws -> Tabulation.Counts {
        let lists = try EqualityCategoriesFile.load()
        let records = (0..<people).map { Tabulation.Record(person: "p\($0)", values: ["sex": $0.isMultiple(of: 3) ? "male" : "female"]) }
        return try Tabulation.count(records, dimensions: [Tabulation.Dimension(try #require(lists["sex"]))])
    }

    static func service(_ store: Store) throws -> StatisticsService {
        StatisticsService(repository: store, categories: try EqualityCategoriesFile.load(), budgetPerCycle: try PrivacyLoss(parsing: "1"))
    }

    @Test(
        "a release is published once against its cycle's budget and served again unchanged; one that would overspend is refused with the numbers, and the ledger adds up"
    )
    func budgetAndReserving() async throws {
        try await TestDatabase.withStore { store, _ in
            let service = try Self.service(store)
            var generator = SeededGenerator(seed: 1)
            let table = StatisticsService.TableRequest(
                name: "by_sex",
                title: "Service users by sex",
                counts: try Self.counts(300),
                epsilon: try PrivacyLoss(parsing: "0.5")
            )
            let first = try await service.release(
                name: "Q3",
                dataset: "equalities",
                cycle: "2026-27",
                tables: [table],
                actor: "staff:dpo",
                using: &generator
            )
            guard case .published(let published) = first else {
                Issue.record("the first release was not published")
                return
            }
            // Asked again, it is the stored release: the same noisy counts, and no ε spent.
            let again = try await service.release(
                name: "Q3",
                dataset: "equalities",
                cycle: "2026-27",
                tables: [table],
                actor: "staff:dpo",
                using: &generator
            )
            #expect(again == .servedAgain(published))
            #expect(try await store.budget(dataset: "equalities", cycle: "2026-27")?.spentSoFar == (try PrivacyLoss(parsing: "0.5")))
            // Two tables of 0.3 would take the cycle to 1.1 of 1.
            var over = table
            over.epsilon = try PrivacyLoss(parsing: "0.3")
            var second = over
            second.name = "again_by_sex"
            do {
                _ = try await service.release(
                    name: "Q4",
                    dataset: "equalities",
                    cycle: "2026-27",
                    tables: [over, second],
                    actor: "staff:dpo",
                    using: &generator
                )
                Issue.record("an overspend was published")
            } catch let error as StewardError {
                #expect(error.code == .conflict)
                #expect(error.message.contains("asks ε = 0.6") && error.message.contains("only ε = 0.5 is left of ε = 1"), "\(error.message)")
            }
            #expect(try await store.release(named: "Q4", dataset: "equalities", cycle: "2026-27") == nil, "nothing was stored")
            // One table fits; another cycle has a budget of its own.
            let fits = try await service.release(
                name: "Q4",
                dataset: "equalities",
                cycle: "2026-27",
                tables: [over],
                actor: "staff:dpo",
                using: &generator
            )
            #expect(fits.release.epsilon == (try PrivacyLoss(parsing: "0.3")))
            #expect(try await store.budget(dataset: "equalities", cycle: "2026-27")?.spentSoFar == (try PrivacyLoss(parsing: "0.8")))
            _ = try await service.release(name: "Q1", dataset: "equalities", cycle: "2027-28", tables: [table], actor: "staff:dpo", using: &generator)
            #expect(try await store.releases().count == 3)
            let audited = try await store.auditEntries(after: 0, limit: 1000).filter { $0.action == AuditAction.statisticsRelease.rawValue }
            #expect(audited.count == 3 && audited.allSatisfy { $0.actor == "staff:dpo" })
            #expect(try await store.verifyAudit(trustedKeys: [store.signingPublicKey]).isIntact)
        }
    }

    @Test("releases asked for at once cannot together overspend: the budget is checked inside the unit of work that records each")
    func concurrentReleases() async throws {
        try await TestDatabase.withStore { store, _ in
            let service = try Self.service(store)
            let counts = try Self.counts(50)
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<6 {
                    group.addTask {
                        let table = StatisticsService.TableRequest(name: "t", title: "T", counts: counts, epsilon: try PrivacyLoss(parsing: "0.25"))
                        do {
                            _ = try await service.release(
                                name: "R\(index)",
                                dataset: "equalities",
                                cycle: "2026-27",
                                tables: [table],
                                actor: "staff:dpo"
                            )
                            return true
                        } catch let error as StewardError where error.code == .conflict {
                            return false
                        }
                    }
                }
                var published: [Bool] = []
                for try await outcome in group { published.append(outcome) }
                return published
            }
            #expect(outcomes.filter { $0 }.count == 4, "four of 0.25 fit a budget of 1")
            #expect(try await store.budget(dataset: "equalities", cycle: "2026-27")?.spentSoFar == (try PrivacyLoss(parsing: "1")))
        }
    }
}
