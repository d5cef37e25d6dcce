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
                throw StewardError(
                    .invalidConfiguration,
                    "the audit signing key '\(path)' does not exist; 'steward serve' or 'steward migrate' creates it on a new installation",
                    field: "audit_signing_key"
                )
            }
            let signer = AuditSigner()
            // O_EXCL: if another process created the key meanwhile, use theirs rather than replace it.
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            if descriptor >= 0 {
                let text = Array((AuditChain.hex(signer.rawPrivateKey) + "\n").utf8)
                let written = text.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                let synced = fsync(descriptor)
                close(descriptor)
                guard written == text.count, synced == 0 else {
                    unlink(path)
                    throw StewardError(.invalidConfiguration, "cannot write the audit signing key at '\(path)'", field: "audit_signing_key")
                }
                return signer
            }
            guard errno == EEXIST else {
                throw StewardError(.invalidConfiguration, "cannot create the audit signing key at '\(path)'", field: "audit_signing_key")
            }
            return try load(path: path, create: false)
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
