extension DataMapDraft {
    /// Checks the whole draft against the taxonomy and itself and returns the data map, or throws a
    /// `StewardError` with code `.invalidDataMap` listing every problem with its file, line and field.
    ///
    /// - Parameter fallbackController: the controller from configuration, used when the folder has no
    ///   `controller.yaml`.
    public func validate(taxonomy: Taxonomy, fallbackController: Controller? = nil) throws -> DataMap {
        try validated(taxonomy: taxonomy, fallbackController: fallbackController).dataMap
    }

    /// As `validate(taxonomy:fallbackController:)`, with the notes about what loads but is not used:
    /// purposes declared in dataset files that match no Steward purpose, or that no system holding
    /// the dataset serves.
    public func validated(
        taxonomy: Taxonomy,
        fallbackController: Controller? = nil
    ) throws -> (dataMap: DataMap, notes: [StewardError.Issue]) {
        var validator = Validator(draft: self, taxonomy: taxonomy)
        let map = validator.run(fallbackController: fallbackController)
        let issues = issuesSorted(self.issues + validator.issues)
        if let map, issues.isEmpty { return (map, issuesSorted(validator.notes)) }
        let count = issues.count
        throw StewardError(
            .invalidDataMap,
            "The data map has \(count) problem\(count == 1 ? "" : "s"); nothing was loaded.",
            field: issues.first?.field,
            details: issues
        )
    }

    private func issuesSorted(_ issues: [StewardError.Issue]) -> [StewardError.Issue] {
        issues.sorted { ($0.file ?? "", $0.line ?? 0, $0.field ?? "") < ($1.file ?? "", $1.line ?? 0, $1.field ?? "") }
    }
}

/// Walks a draft once, collecting every problem, and builds the data map when there are none.
struct Validator {
    let draft: DataMapDraft
    let taxonomy: Taxonomy
    var issues: [StewardError.Issue] = []
    /// What loads but is not used; never stops a load.
    var notes: [StewardError.Issue] = []
    /// Where each dataset first declared each purpose, for the notes that compare them with systems.
    var declaredSites: [String: [Purpose.Key: (file: String, value: Located<String>)]] = [:]

    init(draft: DataMapDraft, taxonomy: Taxonomy) {
        self.draft = draft
        self.taxonomy = taxonomy
    }

    mutating func report(_ file: String, _ located: Located<some Sendable & Hashable>, _ message: String) {
        issues.append(.init(file: file, line: located.line, field: located.path, message: message))
    }

    mutating func checkKey(_ file: String, _ key: Located<String>, kind: String) {
        let valid =
            !key.value.isEmpty
            && key.value.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "_")
            }
        if !valid { report(file, key, "\(kind) key '\(key.value)' must be lower case letters, digits and '_'") }
    }

    mutating func checkUnique<T>(_ items: [T], kind: String, file: (T) -> String, key: (T) -> Located<String>) {
        var seen: [String: (String, Int)] = [:]
        for item in items {
            let located = key(item)
            if let first = seen[located.value] {
                report(file(item), located, "\(kind) '\(located.value)' is already defined at \(first.0):\(first.1)")
            } else {
                seen[located.value] = (file(item), located.line)
            }
        }
    }

    mutating func checkCategories(_ file: String, _ categories: [Located<String>]) {
        for category in categories where taxonomy.categories[.init(category.value)] == nil {
            report(
                file,
                category,
                "unknown data category '\(category.value)'\(suggestion(category.value, in: taxonomy.categories.keys.map(\.rawValue)))"
            )
        }
    }

    mutating func checkSubjects(_ file: String, _ subjects: [Located<String>]) {
        for subject in subjects where taxonomy.subjects[subject.value] == nil {
            report(file, subject, "unknown data subject '\(subject.value)'\(suggestion(subject.value, in: taxonomy.subjects.keys))")
        }
    }

    mutating func checkCountry(_ file: String, _ country: Located<String>) {
        let code = country.value
        if code.count != 2 || !code.utf8.allSatisfy({ (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }) {
            report(file, country, "country '\(code)' must be an ISO 3166-1 alpha-2 code such as GB or US")
        }
    }

    mutating func run(fallbackController: Controller?) -> DataMap? {
        let controller: Controller
        var customIdentities: [IdentityKind] = []
        if let controllerDraft = draft.controller {
            controller = controllerDraft.controller
            for (index, identity) in controllerDraft.identities.enumerated() {
                checkKey(controllerDraft.file, identity, kind: "identity")
                if IdentityKind.builtin.contains(where: { $0.key.rawValue == identity.value }) {
                    report(controllerDraft.file, identity, "identity '\(identity.value)' is built in and need not be declared")
                }
                let name = index < controllerDraft.identityNames.count ? controllerDraft.identityNames[index] : identity.value
                customIdentities.append(IdentityKind(key: .init(identity.value), name: name))
            }
        } else if let fallbackController {
            controller = fallbackController
        } else {
            issues.append(
                .init(
                    file: "controller.yaml",
                    field: "controller",
                    message: "missing: add controller.yaml or set the controller name in configuration"
                )
            )
            return nil
        }
        let identityKeys = Set((IdentityKind.builtin + customIdentities).map(\.key.rawValue))

        let purposes = validatePurposes()
        let purposeKeys = Set(draft.purposes.map(\.key.value))
        let recipients = validateRecipients(purposeKeys: purposeKeys)
        let recipientKinds = Dictionary(draft.recipients.map { ($0.key.value, $0.kind.value) }, uniquingKeysWith: { first, _ in first })
        let datasets = validateDatasets(identityKeys: identityKeys, purposes: purposes)
        let systems = validateSystems(purposeKeys: purposeKeys, recipientKinds: recipientKinds)
        checkDeclaredPurposes(systems: systems)
        let retention = validateRetention(datasets: datasets)

        guard issues.isEmpty else { return nil }
        return DataMap(
            controller: controller,
            systems: systems.sorted { $0.key < $1.key },
            datasets: datasets.sorted { $0.key < $1.key },
            purposes: purposes.sorted { $0.key < $1.key },
            recipients: recipients.sorted { $0.key < $1.key },
            retention: retention,
            customIdentities: customIdentities
        )
    }

    // MARK: Purposes

    mutating func validatePurposes() -> [Purpose] {
        checkUnique(draft.purposes, kind: "purpose", file: \.file, key: \.key)
        var result: [Purpose] = []
        for draft in draft.purposes {
            let file = draft.file
            checkKey(file, draft.key, kind: "purpose")
            if taxonomy.uses[draft.dataUse.value] == nil {
                report(file, draft.dataUse, "unknown data use '\(draft.dataUse.value)'\(suggestion(draft.dataUse.value, in: taxonomy.uses.keys))")
            }
            let basis = LawfulBasis(rawValue: draft.lawfulBasis.value)
            if basis == nil {
                report(
                    file,
                    draft.lawfulBasis,
                    "unknown lawful basis '\(draft.lawfulBasis.value)'; use one of \(LawfulBasis.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            let special = parseCondition(file, draft.specialCondition)
            let criminal = parseCondition(file, draft.criminalOffenceCondition)
            checkCategories(file, draft.dataCategories)
            checkSubjects(file, draft.dataSubjects)
            if draft.dataCategories.isEmpty {
                report(file, draft.key, "purpose '\(draft.key.value)' lists no data_categories")
            }
            let sensitivities = draft.dataCategories.filter { taxonomy.categories[.init($0.value)] != nil }.map {
                ($0, taxonomy.sensitivities(covering: .init($0.value)))
            }
            // UK GDPR Art 9(1): special category data needs an Art 9(2) condition as well as a basis.
            if let first = sensitivities.first(where: { $0.1.contains(.specialCategory) }), draft.specialCondition == nil {
                report(
                    file,
                    first.0,
                    "'\(first.0.value)' is or covers special category data: purpose '\(draft.key.value)' needs a special_condition (UK GDPR Art 9(2))"
                )
            }
            // UK GDPR Art 10 and DPA 2018 s.10(5): criminal offence data needs a Schedule 1 condition.
            if let first = sensitivities.first(where: { $0.1.contains(.criminalOffence) }), draft.criminalOffenceCondition == nil {
                report(
                    file,
                    first.0,
                    "'\(first.0.value)' is or covers criminal offence data: purpose '\(draft.key.value)' needs a criminal_offence_condition (UK GDPR Art 10)"
                )
            }
            if let basis {
                result.append(
                    Purpose(
                        key: .init(draft.key.value),
                        name: draft.name,
                        description: draft.description,
                        dataUse: draft.dataUse.value,
                        lawfulBasis: basis,
                        legislation: draft.legislation,
                        specialCondition: special,
                        criminalOffenceCondition: criminal,
                        dataCategories: draft.dataCategories.map { .init($0.value) },
                        dataSubjects: draft.dataSubjects.map(\.value),
                        sources: draft.sources.isEmpty ? nil : draft.sources
                    )
                )
            }
        }
        return result
    }

    mutating func parseCondition(_ file: String, _ located: Located<String>?) -> SpecialCondition? {
        guard let located else { return nil }
        guard let condition = SpecialCondition(rawValue: located.value) else {
            report(
                file,
                located,
                "unknown condition '\(located.value)'; use one of \(SpecialCondition.allCases.map(\.rawValue).joined(separator: ", "))"
            )
            return nil
        }
        return condition
    }

    mutating func validateSystems(purposeKeys: Set<String>, recipientKinds: [String: String]) -> [System] {
        checkUnique(draft.systems, kind: "system", file: \.file, key: \.key)
        let datasetKeys = Set(draft.datasets.map(\.key.value))
        var result: [System] = []
        for system in draft.systems {
            let file = system.file
            checkKey(file, system.key, kind: "system")
            checkCountry(file, system.hostingCountry)
            checkSubjects(file, system.dataSubjects)
            for dataset in system.datasets where !datasetKeys.contains(dataset.value) {
                report(file, dataset, "unknown dataset '\(dataset.value)'\(suggestion(dataset.value, in: datasetKeys))")
            }
            for purpose in system.purposes where !purposeKeys.contains(purpose.value) {
                report(file, purpose, "unknown purpose '\(purpose.value)'\(suggestion(purpose.value, in: purposeKeys))")
            }
            if let processor = system.processor {
                switch recipientKinds[processor.value] {
                case nil: report(file, processor, "unknown recipient '\(processor.value)'\(suggestion(processor.value, in: recipientKinds.keys))")
                case Recipient.Kind.processor.rawValue?: break
                case let other?: report(file, processor, "recipient '\(processor.value)' is of type \(other), not processor")
                }
            }
            result.append(
                System(
                    key: .init(system.key.value),
                    name: system.name,
                    description: system.description,
                    department: system.department,
                    hostingCountry: system.hostingCountry.value,
                    processor: system.processor.map { .init($0.value) },
                    datasets: system.datasets.map { .init($0.value) },
                    purposes: system.purposes.map { .init($0.value) },
                    dataSubjects: system.dataSubjects.map(\.value),
                    securityMeasures: system.securityMeasures
                )
            )
        }
        return result
    }

    // MARK: Retention

    mutating func validateRetention(datasets: [Dataset]) -> [RetentionRule] {
        var result: [RetentionRule] = []
        var seen: Set<String> = []
        for rule in draft.retention {
            let file = rule.file
            let period = RetentionRule.Period(parsing: rule.period.value)
            if period == nil {
                report(
                    file,
                    rule.period,
                    "period '\(rule.period.value)' must be a whole number of days, weeks, months or years, such as '8 years', or an age, such as 'until the 75th birthday'"
                )
            }
            let action = RetentionRule.Action(rawValue: rule.action.value)
            if action == nil {
                report(file, rule.action, "unknown action '\(rule.action.value)'; use one of delete, anonymise, review")
            }
            var trigger: RetentionRule.Trigger?
            guard let dataset = datasets.first(where: { $0.key.rawValue == rule.dataset.value }) else {
                report(file, rule.dataset, "unknown dataset '\(rule.dataset.value)'")
                continue
            }
            guard let collection = dataset.collection(rule.collection.value) else {
                report(file, rule.collection, "unknown collection '\(rule.collection.value)' in dataset '\(rule.dataset.value)'")
                continue
            }
            if !seen.insert("\(dataset.key).\(collection.name)").inserted {
                report(file, rule.collection, "\(dataset.key).\(collection.name) already has a retention rule; give each collection one")
            }
            switch (rule.triggerField, rule.triggerEvent) {
            case (let field?, let event):
                if let found = collection.field(at: field.value), found.fields.isEmpty {
                    if let type = found.dataType, type.base != .date, type.base != .datetime {
                        report(file, field, "trigger field '\(field.value)' is \(type), not a date or datetime")
                    } else if let event {
                        trigger = .recorded(event: event.value, field: field.value)
                    } else {
                        trigger = .field(field.value)
                    }
                    if period?.birthday == true,
                        !found.dataCategories.contains(where: { DataCategory.Key("user.demographic.date_of_birth").covers($0) })
                    {
                        report(
                            file,
                            field,
                            "an age ('\(rule.period.value)') counts from a date of birth; '\(field.value)' is not one (data category user.demographic.date_of_birth)"
                        )
                    }
                } else {
                    report(file, field, "unknown field '\(field.value)' in \(rule.dataset.value).\(rule.collection.value)")
                }
            case (nil, let event?):
                report(
                    file,
                    event,
                    "an event trigger names the date field that records when '\(event.value)' happened: give trigger.field too, or nothing can tell which rows are due"
                )
            case (nil, nil):
                issues.append(
                    .init(
                        file: file,
                        line: rule.line,
                        field: "retention.trigger",
                        message: "missing trigger: give trigger.field (and trigger.event if it records one)"
                    )
                )
            }
            var masking: [String: MaskingStrategy] = [:]
            for mask in rule.masking {
                let (key, text) = (mask.key, mask.strategy)
                if action != .anonymise {
                    report(file, key, "masking is for a rule whose action is anonymise")
                    break
                }
                if collection.field(at: key.value) == nil, taxonomy.categories[.init(key.value)] == nil {
                    report(file, key, "'\(key.value)' is neither a field of \(dataset.key).\(collection.name) nor a data category")
                    continue
                }
                switch try? MaskingStrategy(parsing: text.value) {
                case let strategy? where strategy.isRetentionMask: masking[key.value] = strategy
                case .some:
                    report(
                        file,
                        text,
                        "retention anonymises with null or fixed:TEXT, so a row once anonymised is known to be and is never changed twice; '\(text.value)' is not one"
                    )
                case nil: report(file, text, "unknown masking strategy '\(text.value)'; use null or fixed:TEXT")
                }
            }
            if let period, let action, let trigger {
                result.append(
                    .init(
                        dataset: dataset.key,
                        collection: collection.name,
                        period: period,
                        trigger: trigger,
                        action: action,
                        source: rule.source,
                        masking: masking
                    )
                )
            }
        }
        return result
    }
}

/// Suggests the closest known key when a name is mistyped.
func suggestion(_ value: String, in known: some Sequence<String>) -> String {
    var best: (String, Int)?
    for candidate in known {
        let distance = editDistance(value, candidate)
        if distance <= max(2, value.count / 4), distance < (best?.1 ?? Int.max) { best = (candidate, distance) }
    }
    return best.map { "; did you mean '\($0.0)'?" } ?? ""
}

/// Levenshtein distance between two strings, by characters.
func editDistance(_ lhs: String, _ rhs: String) -> Int {
    let a = Array(lhs)
    let b = Array(rhs)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
