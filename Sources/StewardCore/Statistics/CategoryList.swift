/// A list of the values an equality characteristic takes, from a harmonised standard (ONS, Census
/// 2021): each category with its code and label, the broader groups it rolls up into, and the
/// answer for "prefer not to say". Tables are published over every category of a list, empty ones
/// included, so that a missing row says nothing.
public struct CategoryList: Sendable, Hashable, Codable {
    public typealias Key = StewardCore.Key<CategoryList>

    public struct Category: Sendable, Hashable, Codable {
        public var code: String
        public var label: String
        /// The code of the broader group it rolls up into.
        public var group: String?
        /// For age bands: the first and last whole year of age (`to` nil for the open top band).
        public var from: Int?
        public var to: Int?

        public init(code: String, label: String, group: String? = nil, from: Int? = nil, to: Int? = nil) {
            self.code = code
            self.label = label
            self.group = group
            self.from = from
            self.to = to
        }
    }

    public var key: Key
    public var name: String
    /// Where the list comes from, for release notes.
    public var source: String
    public var url: String?
    /// The name of the roll-up, when the list has one (`Ethnic group (5 groups)`).
    public var groupsName: String?
    public var groups: [Category]
    public var categories: [Category]
    /// The answer kept for "prefer not to say"; it is a category of its own in every table.
    public var notStated: Category?

    enum CodingKeys: String, CodingKey {
        case key, name, source, url, groupsName, groups, categories, notStated
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        key = try container.decode(Key.self, forKey: .key)
        name = try container.decode(String.self, forKey: .name)
        source = try container.decode(String.self, forKey: .source)
        url = try container.decodeIfPresent(String.self, forKey: .url)
        groupsName = try container.decodeIfPresent(String.self, forKey: .groupsName)
        groups = try container.decodeIfPresent([Category].self, forKey: .groups) ?? []
        categories = try container.decode([Category].self, forKey: .categories)
        notStated = try container.decodeIfPresent(Category.self, forKey: .notStated)
    }

    /// Every value a record may hold, in the list's order: its categories, then "prefer not to say".
    public var values: [Category] { categories + (notStated.map { [$0] } ?? []) }

    /// The category with `code`, or nil when the code is not in the list.
    public func category(_ code: String) -> Category? {
        values.first { $0.code == code }
    }

    /// The band a whole age falls in (the age list's categories cover every age from 0).
    public func band(forAge age: Int) -> Category? {
        categories.first { category in
            guard let from = category.from, age >= from else { return false }
            return category.to.map { age <= $0 } ?? true
        }
    }

    /// The problems with the list, each naming where: codes unique, every group a category names
    /// declared, and age bands (where given) running from 0 without gaps or overlaps to an open
    /// top band.
    public func problems() -> [String] {
        var found: [String] = []
        var seen = Set<String>()
        for category in values where !seen.insert(category.code).inserted {
            found.append("\(key): the code '\(category.code)' is given twice")
        }
        let groupCodes = Set(groups.map(\.code))
        if !groups.isEmpty {
            for category in categories where category.group.map({ !groupCodes.contains($0) }) ?? true {
                found.append("\(key): '\(category.code)' rolls up into no declared group")
            }
        }
        let banded = categories.filter { $0.from != nil }
        if !banded.isEmpty {
            if banded.count != categories.count { found.append("\(key): some categories are age bands and some are not") }
            var next = 0
            for (index, band) in banded.enumerated() {
                if band.from != next { found.append("\(key): '\(band.code)' starts at \(band.from ?? -1), not \(next)") }
                guard let to = band.to else {
                    if index != banded.count - 1 { found.append("\(key): '\(band.code)' is open-ended but not the last band") }
                    break
                }
                next = to + 1
                if index == banded.count - 1 { found.append("\(key): the last band '\(band.code)' must be open-ended") }
            }
        }
        return found
    }
}

/// The equality category lists Steward counts by, one version of them.
public struct EqualityCategories: Sendable, Hashable, Codable {
    /// Which edition of the lists, recorded with every release made over them.
    public var version: String
    public var lists: [CategoryList]

    public subscript(key: CategoryList.Key) -> CategoryList? { lists.first { $0.key == key } }

    /// The lists, checked: every problem of every list at once, or the lists.
    public func validated(file: String) throws -> EqualityCategories {
        var problems = lists.flatMap { $0.problems() }
        var keys = Set<CategoryList.Key>()
        for list in lists where !keys.insert(list.key).inserted { problems.append("the list '\(list.key)' is given twice") }
        guard problems.isEmpty else {
            throw StewardError(
                .invalidConfiguration,
                "\(file) has \(problems.count) problem\(problems.count == 1 ? "" : "s") with its category lists",
                details: problems.map { StewardError.Issue(file: file, message: $0) }
            )
        }
        return self
    }
}
