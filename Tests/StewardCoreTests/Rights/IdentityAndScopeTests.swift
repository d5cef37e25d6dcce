import StewardCore
import StewardFiles
import Testing

@Suite("Identity codes and request scope")
struct IdentityAndScopeTests {
    @Test("a code is six digits, kept as a salted hash, good for fifteen minutes and once only")
    func codeLife() {
        let (challenge, code) = IdentityChallenge.issue(at: 1_000_000)
        #expect(code.count == 6 && code.allSatisfy(\.isNumber))
        #expect(!challenge.codeHash.contains(code))
        let (other, _) = IdentityChallenge.issue(at: 1_000_000)
        #expect(other.salt != challenge.salt)

        var expired = challenge
        #expect(expired.check(code, at: 1_000_000 + 15 * 60) == .expired)
        var fresh = challenge
        #expect(fresh.check(" \(code.prefix(3)) \(code.suffix(3)) ", at: 1_000_000 + 15 * 60 - 1) == .verified)
        #expect(fresh.check(code, at: 1_000_001) == .used)
    }

    @Test("five wrong tries lock the code, and then even the right code fails")
    func lockout() {
        var (challenge, code) = IdentityChallenge.issue(at: 0)
        let wrong = code == "123456" ? "654321" : "123456"
        #expect(challenge.check(wrong, at: 1) == .wrong(remaining: 4))
        #expect(challenge.check(wrong, at: 2) == .wrong(remaining: 3))
        #expect(challenge.check(wrong, at: 3) == .wrong(remaining: 2))
        #expect(challenge.check(wrong, at: 4) == .wrong(remaining: 1))
        #expect(challenge.check(wrong, at: 5) == .locked)
        #expect(challenge.check(code, at: 6) == .locked)
        #expect(challenge.attempts == 5)
    }

    static func demo() throws -> DataMap {
        let draft = try DataMapReader.read(folder: try BundledData.demoDataMap)
        return try draft.validate(taxonomy: .builtin)
    }

    @Test("a CCTV request searches the systems that hold camera images; an NHS number finds the care systems; a complaint has no searches")
    func scope() throws {
        let map = try Self.demo()
        let received = CalendarDate(iso: "2026-07-01")!
        let cctv = RightsRequest(
            id: "r1", kind: .cctvAccess, received: received,
            cctv: try CCTVDetails(date: received, from: "14:00", until: "15:00", location: "Market Square", personDescription: "red coat")
                .validated(received: received)
        )
        #expect(RequestScope.tasks(for: cctv, dataMap: map, subject: nil, disclosures: []).map(\.system) == ["cctv"])
        let nhs = RightsRequest(id: "r2", kind: .access, received: received, identifiers: [.init(kind: "nhs_number", value: "9434765919")])
        let systems = RequestScope.tasks(for: nhs, dataMap: map, subject: nil, disclosures: []).map(\.system.rawValue)
        #expect(Set(systems) == ["adult_social_care", "childrens_services"])
        let complaint = RightsRequest(id: "r3", kind: .complaint, received: received, identifiers: [.init(kind: "email", value: "a@b.org")])
        #expect(RequestScope.tasks(for: complaint, dataMap: map, subject: nil, disclosures: []).isEmpty)
    }

    @Test("CCTV details need a time window that ends after it starts, on or before the day of the request")
    func cctvDetails() {
        let received = CalendarDate(iso: "2026-07-01")!
        func details(_ date: String, _ from: String, _ until: String) -> CCTVDetails {
            CCTVDetails(date: CalendarDate(iso: date)!, from: from, until: until, location: "Market Square", personDescription: "red coat")
        }
        #expect(throws: StewardError.self) { try details("2026-07-02", "10:00", "11:00").validated(received: received) }
        #expect(throws: StewardError.self) { try details("2026-06-30", "11:00", "10:00").validated(received: received) }
        #expect(throws: StewardError.self) { try details("2026-06-30", "25:00", "26:00").validated(received: received) }
        #expect((try? details("2026-06-30", "10:00", "11:00").validated(received: received)).map(\.windowMinutes) == 60)
    }
}
