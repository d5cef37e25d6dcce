import Foundation

/// The operating system's cryptographically secure random bytes (`arc4random_buf`: on Linux,
/// glibc's, which reads the kernel's `getrandom`), 4 KiB at a time. `SystemRandomNumberGenerator`
/// reads the same source, but asks the kernel for every 8 bytes: a system call per number, and the
/// noise for a large table needs hundreds of thousands of numbers.
public struct SecureRandom: RandomNumberGenerator {
    private var buffer = [UInt64](repeating: 0, count: 512)
    private var index = 512

    public init() {}

    public mutating func next() -> UInt64 {
        if index == buffer.count {
            buffer.withUnsafeMutableBytes { raw in
                if let base = raw.baseAddress { arc4random_buf(base, raw.count) }
            }
            index = 0
        }
        defer { index += 1 }
        return buffer[index]
    }
}
