import StewardCore
import Testing

@Suite("Letter delivery")
struct LetterDeliveryTests {
    /// The try that failed, whether the refusal was permanent, the tries allowed, and what follows:
    /// whether to give up, and the wait in seconds before the next try.
    static let cases: [(Int, Bool, Int, Bool, Int64)] = [
        (1, false, 8, false, 60), (2, false, 8, false, 120), (3, false, 8, false, 240), (7, false, 8, false, 3840),
        (8, false, 8, true, 7680), (9, false, 30, false, 15_360), (10, false, 30, false, 6 * 3600), (29, false, 30, false, 6 * 3600),
        (1, true, 8, true, 60),
    ]

    @Test("a failed letter backs off from a minute, doubling, to six hours, and gives up when refused for good or out of tries", arguments: cases)
    func backoff(_ attempts: Int, _ permanent: Bool, _ allowed: Int, _ givingUp: Bool, _ wait: Int64) {
        let outcome = LetterDelivery.afterFailure(attempts: attempts, permanent: permanent, maxAttempts: allowed, now: 1000)
        #expect(outcome.givingUp == givingUp)
        #expect(outcome.next == 1000 + wait)
    }
}
