import Foundation
import StewardCore

/// The gate's in-process benchmark: a data map of 50 systems, 500 purposes and 100 recipients, and a
/// person with 20 preferences; the time of one `Gate.decide`, call by call.
enum GateBench {
    static func dataMap() -> DataMap {
        let categories: [DataCategory.Key] = [
            "user.name", "user.contact.email", "user.contact.address", "user.health_and_medical", "user.financial", "user.unique_id",
        ]
        let start = CalendarDate(year: 2024, month: 1, day: 1)!
        let purposes = (0..<500).map { index in
            Purpose(
                key: .init("purpose_\(index)"),
                name: "Purpose \(index)",
                description: nil,
                dataUse: "public_service.statutory_social_care",
                lawfulBasis: index % 3 == 0 ? .legalObligation : .publicTask,
                legislation: "Act \(index)",
                specialCondition: .healthSocialCare,
                criminalOffenceCondition: nil,
                dataCategories: categories,
                dataSubjects: ["resident"]
            )
        }
        let recipients = (0..<100).map { index in
            Recipient(
                key: .init("recipient_\(index)"),
                name: "Recipient \(index)",
                description: nil,
                kind: index % 4 == 0 ? .processor : .partner,
                country: index % 10 == 0 ? "US" : "GB",
                dpfCertified: false,
                agreements: [
                    .init(
                        kind: index % 4 == 0 ? .art28Contract : .sharingAgreement,
                        reference: "A\(index)",
                        categories: categories,
                        purposes: (0..<10).map { .init("purpose_\((index * 5 + $0) % 500)") },
                        starts: start,
                        ends: nil
                    ),
                    .init(kind: .idta, reference: "T\(index)", categories: categories, purposes: [], starts: start, ends: nil),
                ]
            )
        }
        let datasets = (0..<50).map { index in
            Dataset(
                key: .init("dataset_\(index)"),
                name: nil,
                description: nil,
                collections: [
                    .init(
                        name: "people",
                        description: nil,
                        fields: categories.enumerated().map { offset, category in
                            .init(
                                name: "field_\(offset)",
                                description: nil,
                                dataCategories: [category],
                                identity: offset == 1 ? "email" : nil,
                                references: [],
                                isPrimaryKey: false,
                                dataType: .init(base: .string),
                                isReadOnly: false,
                                fields: []
                            )
                        },
                        skipProcessing: false
                    )
                ]
            )
        }
        let systems = (0..<50).map { index in
            System(
                key: .init("system_\(index)"),
                name: "System \(index)",
                description: nil,
                department: "Dept",
                hostingCountry: "GB",
                processor: nil,
                datasets: [.init("dataset_\(index)")],
                purposes: (0..<10).map { .init("purpose_\((index * 10 + $0) % 500)") },
                dataSubjects: ["resident"],
                securityMeasures: nil
            )
        }
        return DataMap(
            controller: Controller(name: "Bench Council"),
            systems: systems,
            datasets: datasets,
            purposes: purposes,
            recipients: recipients,
            retention: [],
            customIdentities: []
        )
    }

    static func preferences() -> [Preference] {
        let given = CalendarDate(year: 2025, month: 1, day: 1)!
        return (0..<20).map { index in
            let kind: Preference.Kind =
                switch index % 5 {
                case 0: .consent(explicit: true)
                case 1: .refusal
                case 2: .channels([.post, .email])
                case 3: .objection(.overridden(reason: "statutory duty"))
                default: .marketingOptOut
                }
            return Preference(
                id: .init("p\(index)"),
                kind: kind,
                purpose: .init("purpose_\(index * 7 % 500)"),
                recipient: .init("recipient_\(index * 3 % 100)"),
                given: given
            )
        }
    }

    /// Returns the median and 99th percentile of one decision, in microseconds.
    static func run(decisions: Int) -> (p50: Double, p99: Double, allowedShare: Double) {
        let map = dataMap()
        let taxonomy = Taxonomy.builtin
        let index = GateIndex(dataMap: map, taxonomy: taxonomy)
        let subject = Subject(id: "s", identifiers: [.init(kind: .email, value: "a@example.org")], verifiedEmails: ["a@example.org"])
        let today = CalendarDate(year: 2026, month: 11, day: 29)!
        let context = GateContext(
            dataMap: map,
            taxonomy: taxonomy,
            adequacy: .ukDefault,
            today: today,
            subject: subject,
            preferences: preferences(),
            index: index
        )
        let requests = (0..<1000).map { index in
            let system = index % 50
            return DecisionRequest(
                actor: "bench",
                system: .init("system_\(system)"),
                categories: index % 2 == 0 ? ["user.name", "user.contact.email"] : ["user.health_and_medical"],
                purpose: .init("purpose_\((system * 10 + index % 10) % 500)"),
                recipient: index % 3 == 0 ? nil : .init("recipient_\(index % 100)"),
                channel: index % 4 == 0 ? .email : .secureTransfer,
                justification: index % 2 == 0 ? nil : .careUnderConfidentiality(statement: "care")
            )
        }
        var durations: [Double] = []
        durations.reserveCapacity(decisions)
        var allowed = 0
        let clock = ContinuousClock()
        for round in 0..<decisions {
            let request = requests[round % requests.count]
            let start = clock.now
            let decision = Gate.decide(request, context: context)
            let elapsed = clock.now - start
            if decision.allowed { allowed += 1 }
            durations.append(Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6)
        }
        durations.sort()
        return (durations[durations.count / 2], durations[durations.count * 99 / 100], Double(allowed) / Double(decisions))
    }
}
