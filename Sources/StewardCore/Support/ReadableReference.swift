/// A reference that is hard to guess and easy to read out: a prefix and twelve characters with no
/// look-alikes in three groups (about 60 bits), such as `SR-4F2K-9QXM-T7ZP`. Rights requests, legal
/// holds, sweeps, reviews and certificates are all named this way.
public func readableReference(_ prefix: String, using generator: inout some RandomNumberGenerator) -> String {
    let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    let characters = (0..<12).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
    return "\(prefix)-\(String(characters[0..<4]))-\(String(characters[4..<8]))-\(String(characters[8..<12]))"
}
