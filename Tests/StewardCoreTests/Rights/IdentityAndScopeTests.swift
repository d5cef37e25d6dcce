import StewardCore
import StewardFiles
import Testing

@Suite("Identity codes and request scope")
struct IdentityAndScopeTests {
    static let key = Secret.Key(signer: AuditSigner(), purpose: "test codes")

    @Test("a code is six digits, kept as a salted keyed hash, good for fifteen minutes and once only")
    func codeLife() {
        let key = Self.key
        let (challenge, code) = IdentityChallenge.issue(at: 1_000_000, key: key)
        #expect(code.count == 6 && code.allSatisfy(\.isNumber))
        #expect(!challenge.codeHash.contains(code))
        let (other, _) = IdentityChallenge.issue(at: 1_000_000, key: key)
        #expect(other.salt != challenge.salt)
        // Without the key, the hash cannot be checked: another installation's key fails the right code.
        var elsewhere = challenge
        #expect(elsewhere.check(code, at: 1_000_001, key: Secret.Key(signer: AuditSigner(), purpose: "test codes")) == .wrong(remaining: 4))

        var expired = challenge
        #expect(expired.check(code, at: 1_000_000 + 15 * 60, key: key) == .expired)
        var fresh = challenge
        let spaced = " " + code.prefix(3) + " " + code.suffix(3) + " "
        #expect(fresh.check(spaced, at: 1_000_000 + 15 * 60 - 1, key: key) == .verified)
        #expect(fresh.check(code, at: 1_000_001, key: key) == .used)
    }

    @Test("five wrong tries lock the code, and then even the right code fails")
    func lockout() {
        let key = Self.key
        var (challenge, code) = IdentityChallenge.issue(at: 0, key: key)
        let wrong = code == "123456" ? "654321" : "123456"
        #expect(challenge.check(wrong, at: 1, key: key) == .wrong(remaining: 4))
        #expect(challenge.check(wrong, at: 2, key: key) == .wrong(remaining: 3))
        #expect(challenge.check(wrong, at: 3, key: key) == .wrong(remaining: 2))
        #expect(challenge.check(wrong, at: 4, key: key) == .wrong(remaining: 1))
        #expect(challenge.check(wrong, at: 5, key: key) == .locked)
        #expect(challenge.check(code, at: 6, key: key) == .locked)
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
            id: "r1",
            kind: .cctvAccess,
            received: received,
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
