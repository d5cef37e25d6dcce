import Foundation
import StewardCore
import StewardFiles
import Testing

/// The ONS category lists shipped for equality statistics.
@Suite("Equality category lists")
struct EqualityCategoriesTests {
    @Test(
        "the bundled lists are the Census 2021 ones: 19 ethnic groups rolling up into 5, sex, gender identity, sexual orientation, disability, religion and 18 age bands nested in 6"
    )
    func bundled() throws {
        let lists = try EqualityCategoriesFile.load()
        #expect(lists.version == "census-2021-ew.1")
        let ethnic = try #require(lists["ethnic_group"])
        #expect(ethnic.categories.count == 19)
        #expect(ethnic.groups.count == 5)
        #expect(Set(ethnic.categories.compactMap(\.group)) == Set(ethnic.groups.map(\.code)))
        #expect(ethnic.values.last?.code == "prefer_not_to_say")
        for key in ["sex", "gender_identity", "sexual_orientation", "disability", "religion", "age"] {
            #expect(lists[.init(key)] != nil, "\(key)")
        }
        #expect(lists.lists.allSatisfy { !$0.source.isEmpty })
        let age = try #require(lists["age"])
        #expect(age.categories.count == 18)
        #expect(age.band(forAge: 0)?.code == "0_4")
        #expect(age.band(forAge: 15)?.group == "15_24")
        #expect(age.band(forAge: 84)?.code == "80_84")
        #expect(age.band(forAge: 107)?.code == "85_plus")
        #expect(age.band(forAge: -1) == nil)
        // Every age from 0 to 120 is in exactly one band.
        for year in 0...120 { #expect(age.categories.filter { $0.from! <= year && ($0.to ?? .max) >= year }.count == 1, "\(year)") }
    }

    @Test("a list with a code given twice, a category in no group, or age bands with a gap is refused, every problem named")
    func refused() throws {
        let broken = """
            {"version": "x", "lists": [
              {"key": "sex", "name": "Sex", "source": "s", "categories": [{"code": "female", "label": "F"}, {"code": "female", "label": "M"}]},
              {"key": "ethnic", "name": "E", "source": "s", "groups": [{"code": "a", "label": "A"}], "categories": [{"code": "x", "label": "X", "group": "b"}]},
              {"key": "age", "name": "Age", "source": "s", "categories": [{"code": "0_4", "label": "0-4", "from": 0, "to": 4}, {"code": "6_plus", "label": "6+", "from": 6}]}
            ]}
            """
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("categories-\(UUID().uuidString).json")
        try broken.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        do {
            _ = try EqualityCategoriesFile.load(path: file.path)
            Issue.record("a broken list loaded")
        } catch let error as StewardError {
            let problems = error.details.map(\.message)
            #expect(problems.count == 3, "\(problems)")
            #expect(problems.contains { $0.contains("'female' is given twice") })
            #expect(problems.contains { $0.contains("'x' rolls up into no declared group") })
            #expect(problems.contains { $0.contains("'6_plus' starts at 6, not 5") })
        }
    }
}
