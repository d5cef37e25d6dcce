public import Foundation
public import StewardCore

/// The file holding the Ed25519 key that signs audit checkpoints: 64 hex digits, readable by its
/// owner only.
public enum AuditKeyFile {
    /// Reads the key at `path`, creating a new one there first when `create` is true and there is none.
    public static func load(path: String, create: Bool) throws -> AuditSigner {
        let manager = FileManager.default
        if !manager.fileExists(atPath: path) {
            guard create else {
                throw StewardError(.invalidConfiguration, "the audit signing key '\(path)' does not exist", field: "audit_signing_key")
            }
            let signer = AuditSigner()
            let text = AuditChain.hex(signer.rawPrivateKey) + "\n"
            guard manager.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw StewardError(.invalidConfiguration, "cannot create the audit signing key at '\(path)'", field: "audit_signing_key")
            }
            return signer
        }
        guard let data = manager.contents(atPath: path) else {
            throw StewardError(.invalidConfiguration, "cannot read the audit signing key '\(path)'", field: "audit_signing_key")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count == 64, let bytes = AuditChain.hexDecoded(text), let signer = try? AuditSigner(rawPrivateKey: bytes) else {
            throw StewardError(.invalidConfiguration, "'\(path)' is not an audit signing key (64 hex digits)", field: "audit_signing_key")
        }
        return signer
    }
}
