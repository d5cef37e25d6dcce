/// When a letter that could not be sent is tried again: a fault of the message (a 4xx reply)
/// backs off from one minute, doubling, to at most six hours; a permanent refusal (a 5xx reply, a
/// bad address) or the last allowed try gives up, for staff to look at.
public enum LetterDelivery {
    /// The longest wait between two tries, in seconds.
    public static let longestWait: Int64 = 6 * 3600

    /// What follows the `attempts`-th failed try at `now` (seconds since 1970): give up, or try again at `next`.
    public static func afterFailure(attempts: Int, permanent: Bool, maxAttempts: Int, now: Int64) -> (givingUp: Bool, next: Int64) {
        let wait = min(Int64(60) << Int64(min(max(attempts, 1) - 1, 20)), longestWait)
        return (permanent || attempts >= maxAttempts, now + wait)
    }
}
