import Foundation

/// A transparency log's key as people pass it around: its note verifier key, `origin+keyid+base64(0x01 || key)`,
/// the line `veil log serve` prints (and `veil up` writes to endpoints.json as `log_key`).
public enum LogKeyText {
    /// Whether `text` is a verifier key (rather than, say, a path to a key file).
    public static func isVerifierKey(_ text: String) -> Bool {
        (try? NoteVerifierKey(vkey: text.trimmingCharacters(in: .whitespacesAndNewlines))) != nil
    }

    /// The log key a verifier key names; `origin`, when given, must be the key's name (the log's origin).
    public static func parse(_ text: String, origin: String? = nil) throws(TransparencyError) -> LogKey {
        let key = try NoteVerifierKey(vkey: text.trimmingCharacters(in: .whitespacesAndNewlines))
        guard key.type == .ed25519 else {
            throw TransparencyError(
                .malformedKey,
                "a log's verifier key has type 0x01 (Ed25519); this is a witness cosignature key"
            )
        }
        if let origin, origin != key.name {
            throw TransparencyError(.wrongOrigin, "the verifier key names the log \(key.name), not \(origin)")
        }
        return try LogKey(origin: key.name, publicKey: key.publicKey)
    }
}
