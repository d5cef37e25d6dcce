import StewardCore
import Testing

@Suite("Retention rules")
struct RetentionRuleTests {
    struct CutoffCase: Sendable, CustomTestStringConvertible {
        var period: String
        var today: String
        var cutoff: String
        var testDescription: String { "\(period) on \(today): due on or before \(cutoff)" }
    }

    static let cutoffs: [CutoffCase] = [
        .init(period: "8 years", today: "2026-12-03", cutoff: "2018-12-03"),
        .init(period: "30 days", today: "2026-12-03", cutoff: "2026-11-03"),
        .init(period: "2 weeks", today: "2026-03-01", cutoff: "2026-02-15"),
        // A month back from the 31st ends on the month's last day, as the statutory clock counts.
        .init(period: "1 month", today: "2026-03-31", cutoff: "2026-02-28"),
        .init(period: "3 months", today: "2026-05-31", cutoff: "2026-02-28"),
        // 75th birthday: born on 29 February 1952, 75 in 2027 on 28 February at the earliest.
        .init(period: "until the 75th birthday", today: "2027-02-28", cutoff: "1952-02-28"),
        .init(period: "until the 75th birthday", today: "2027-03-01", cutoff: "1952-03-01"),
        .init(period: "6 years", today: "2024-02-29", cutoff: "2018-02-28"),
    ]

    @Test("a period counts back from today to the last trigger date that is due", arguments: cutoffs)
    func cutoff(_ item: CutoffCase) throws {
        let period = try #require(RetentionRule.Period(parsing: item.period))
        #expect(period.cutoff(on: try #require(CalendarDate(iso: item.today))).description == item.cutoff)
    }

    @Test(
        "periods read as people write them, and say themselves back",
        arguments: [
            ("8 years", "8 years"), ("1 year", "1 year"), ("30 Days", "30 days"), ("until the 75th birthday", "until the 75th birthday"),
            ("until 21st birthday", "until the 21st birthday"), ("until the 112th birthday", "until the 112th birthday"),
        ]
    )
    func parsing(_ text: String, _ said: String) throws {
        #expect(try #require(RetentionRule.Period(parsing: text)).description == said)
    }

    @Test(
        "what is not a period is refused",
        arguments: ["", "eight years", "8", "8 decades", "-1 years", "0 days", "until the birthday", "until the 75 birthday"]
    )
    func notPeriods(_ text: String) {
        #expect(RetentionRule.Period(parsing: text) == nil)
    }

    static func dataset(key: Bool = true, triggerType: Dataset.DataType.Base = .date) -> Dataset {
        Dataset(
            key: "records_db",
            name: nil,
            description: nil,
            collections: [
                .init(
                    name: "people",
                    description: nil,
                    fields: [
                        field("id", .integer, ["system.operations"], key: key), field("email", .string, ["user.contact.email"]),
                        field("name", .string, ["user.name"]), field("branch", .string, ["system.operations"]),
                        field("left_on", triggerType, ["system.operations"]),
                    ],
                    skipProcessing: false
                ),
                .init(
                    name: "visits",
                    description: nil,
                    fields: [
                        field("visit_id", .integer, ["system.operations"], key: true),
                        field(
                            "person_id",
                            .integer,
                            ["system.operations"],
                            references: [.init(dataset: "records_db", collection: "people", field: "id", direction: .from)]
                        ),
                    ],
                    skipProcessing: false
                ),
            ]
        )
    }

    static func field(
        _ name: String,
        _ type: Dataset.DataType.Base,
        _ categories: [DataCategory.Key],
        key: Bool = false,
        references: [Dataset.Reference] = []
    ) -> Dataset.Field {
        .init(
            name: name,
            description: nil,
            dataCategories: categories,
            identity: nil,
            references: references,
            isPrimaryKey: key,
            dataType: .init(base: type),
            isReadOnly: false,
            isShared: false,
            fields: []
        )
    }

    static let today = CalendarDate(year: 2026, month: 12, day: 3)!

    @Test("anonymising masks the person's own fields with NULL, or as masking names them; keys, references and the trigger stay")
    func masks() throws {
        let rule = RetentionRule(
            dataset: "records_db",
            collection: "people",
            period: .init(count: 1, unit: .years),
            trigger: .field("left_on"),
            action: .anonymise,
            masking: ["user.contact.email": .fixed("REMOVED"), "name": .preserve]
        )
        let target = try RetentionTarget.make(rule, dataset: Self.dataset(), today: Self.today)
        #expect(target.masks == ["email": "REMOVED"])
        #expect(target.before == "2025-12-04")
        let all = RetentionRule(dataset: "records_db", collection: "people", period: rule.period, trigger: rule.trigger, action: .anonymise)
        let nulls: [String: String?] = ["email": nil, "name": nil]
        #expect(try RetentionTarget.make(all, dataset: Self.dataset(), today: Self.today).masks == nulls)
    }

    @Test("deleting a parent takes the collections pointing at it first")
    func children() throws {
        let rule = RetentionRule(
            dataset: "records_db",
            collection: "people",
            period: .init(count: 1, unit: .years),
            trigger: .field("left_on"),
            action: .delete
        )
        let target = try RetentionTarget.make(rule, dataset: Self.dataset(), today: Self.today)
        #expect(target.children.map(\.collection) == ["visits"])
        #expect(target.children.first?.field == "person_id")
    }

    @Test("a rule that cannot run says why, naming the field: no key, a trigger that is not a date, an event nothing records")
    func cannotRun() throws {
        let rule = RetentionRule(
            dataset: "records_db",
            collection: "people",
            period: .init(count: 1, unit: .years),
            trigger: .field("left_on"),
            action: .delete
        )
        let noKey = #expect(throws: StewardError.self) { try RetentionTarget.make(rule, dataset: Self.dataset(key: false), today: Self.today) }
        #expect(noKey?.field == "records_db.people")
        let number = #expect(throws: StewardError.self) {
            try RetentionTarget.make(rule, dataset: Self.dataset(triggerType: .integer), today: Self.today)
        }
        #expect(number?.field == "records_db.people.left_on")
        var event = rule
        event.trigger = .event("left the service")
        let unrecorded = #expect(throws: StewardError.self) { try RetentionTarget.make(event, dataset: Self.dataset(), today: Self.today) }
        #expect(unrecorded?.field == "records_db.people.trigger")
    }

    @Test("a hold on rows keeps exactly the rows its filter picks out, and only in its collection")
    func rowHolds() throws {
        let map = DataMap(
            controller: Controller(name: "Council"),
            systems: [],
            datasets: [Self.dataset()],
            purposes: [],
            recipients: [],
            retention: [],
            customIdentities: []
        )
        let hold = try LegalHold.Draft(
            kind: .rows,
            collection: "records_db.people",
            name: "audit",
            filter: ["branch": "Central"],
            owner: "Audit",
            reason: "audit"
        )
        .validated(id: "LH-1", in: map, today: Self.today, actor: "dpo", at: "2026-12-03T00:00:00.000Z")
        let keepers = RetentionKeepers(holds: [hold])
        #expect(keepers.keepers(of: ["branch": "Central"], key: "1", in: "records_db.people") == [.init(.hold, "LH-1")])
        #expect(keepers.keepers(of: ["branch": "North"], key: "2", in: "records_db.people").isEmpty)
        #expect(keepers.keepers(of: ["branch": "Central"], key: "3", in: "records_db.visits").isEmpty)
        #expect(keepers.filterFields("records_db.people") == ["branch"])
        let late = #expect(throws: StewardError.self) {
            try LegalHold.Draft(
                kind: .collection,
                collection: "records_db.people",
                owner: "A",
                reason: "r",
                startsOn: Self.today,
                reviewOn: Self.today.adding(days: -1)
            )
            .validated(id: "LH-2", in: map, today: Self.today, actor: "dpo", at: "x")
        }
        #expect(late?.field == "reviewOn")
    }

    @Test("a review's outcome needs a reason, and keeping needs a date after today")
    func reviewOutcomes() throws {
        let today = Self.today
        #expect(throws: StewardError.self) {
            try RetentionReview.outcome(decision: .dispose, keepUntil: nil, reason: " ", actor: "dpo", today: today, at: "t")
        }
        #expect(throws: StewardError.self) {
            try RetentionReview.outcome(decision: .keep, keepUntil: today, reason: "r", actor: "dpo", today: today, at: "t")
        }
        #expect(throws: StewardError.self) {
            try RetentionReview.outcome(decision: .dispose, keepUntil: today.adding(days: 3), reason: "r", actor: "dpo", today: today, at: "t")
        }
        let kept = try RetentionReview.outcome(decision: .keep, keepUntil: today.adding(days: 3), reason: "r", actor: "dpo", today: today, at: "t")
        #expect(kept.keepUntil == today.adding(days: 3))
    }
}
