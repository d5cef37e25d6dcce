public import Foundation
public import StewardCore

/// The file holding the Ed25519 key that signs audit checkpoints: 64 hex digits, readable by its
/// owner only.
public enum AuditKeyFile {
    /// Reads the key at `path`, creating a new one there first when `create` is true and there is none.
    public static func load(path: String, create: Bool) throws -> AuditSigner {
        let bytes = try KeyFile.load(path: path, create: create, setting: "audit_signing_key", name: "audit signing key") {
            AuditSigner().rawPrivateKey
        }
        guard let signer = try? AuditSigner(rawPrivateKey: bytes) else {
            throw StewardError(.invalidConfiguration, "'\(path)' is not an audit signing key (64 hex digits)", field: "audit_signing_key")
        }
        return signer
    }
}

/// The file holding the council's data key (`data_key`): 64 hex digits, readable by its owner only.
/// Keep it apart from the database and its backups: without it, source credentials and stored
/// search results cannot be read.
public enum DataKeyFile {
    /// Reads the key at `path`, creating a new one there first when `create` is true and there is none.
    public static func load(path: String, create: Bool) throws -> Secret.DataKey {
        let bytes = try KeyFile.load(path: path, create: create, setting: "data_key", name: "data key") {
            Data(AuditChain.hexDecoded(Secret.DataKey.random().hex)!)
        }
        return try Secret.DataKey(bytes: bytes)
    }
}

/// A key of 32 bytes kept as 64 hex digits in a file only its owner can read.
enum KeyFile {
    static func load(path: String, create: Bool, setting: String, name: String, make: () -> Data) throws -> Data {
        let manager = FileManager.default
        if !manager.fileExists(atPath: path) {
            guard create else {
                throw StewardError(
                    .invalidConfiguration,
                    "the \(name) '\(path)' does not exist; 'steward serve' or 'steward migrate' creates it on a new installation",
                    field: setting
                )
            }
            let key = make()
            // O_EXCL: if another process created the key meanwhile, use theirs rather than replace it.
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            if descriptor >= 0 {
                let text = Array((AuditChain.hex(key) + "\n").utf8)
                let written = text.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                let synced = fsync(descriptor)
                close(descriptor)
                guard written == text.count, synced == 0 else {
                    unlink(path)
                    throw StewardError(.invalidConfiguration, "cannot write the \(name) at '\(path)'", field: setting)
                }
                return key
            }
            guard errno == EEXIST else { throw StewardError(.invalidConfiguration, "cannot create the \(name) at '\(path)'", field: setting) }
            return try load(path: path, create: false, setting: setting, name: name, make: make)
        }
        guard let data = manager.contents(atPath: path) else {
            throw StewardError(.invalidConfiguration, "cannot read the \(name) '\(path)'", field: setting)
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count == 64, let bytes = AuditChain.hexDecoded(text) else {
            throw StewardError(.invalidConfiguration, "'\(path)' does not hold the \(name): it should hold 64 hex digits", field: setting)
        }
        return Data(bytes)
    }
}
