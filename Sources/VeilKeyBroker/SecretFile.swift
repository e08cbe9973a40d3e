import Foundation
public import _VeilBytes

/// Secrets and resource paths as an administrator gives them (`veil kbs resource …`); failures say what to do.
public enum SecretFile {
    /// The secret in the file at `path`, in ``SecureBytes`` (the transient copy is wiped).
    public static func read(_ path: String) throws -> SecureBytes {
        guard var data = FileManager.default.contents(atPath: path) else {
            throw RemedialError("Cannot read \(path).", remedy: "Give the secret's file with --file.")
        }
        defer { SecureMemory.wipe(&data) }
        guard !data.isEmpty, data.count <= SealedSecret.maximumSecretSize else {
            throw RemedialError(
                "\(path) must hold 1 to \(SealedSecret.maximumSecretSize) bytes.",
                remedy: "Give a key or small secret."
            )
        }
        return SecureBytes(data)
    }

    /// The resource path `REPO/TYPE/TAG`.
    public static func path(_ text: String) throws -> ResourceID {
        do { return try ResourceID(path: text) } catch {
            throw RemedialError(error.detail, remedy: "Use --path REPO/TYPE/TAG, e.g. acme/key/llama-3-8b.")
        }
    }
}
