/// A key file could not be read, parsed or written.
public struct KeyFileError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        /// The file does not exist or cannot be read.
        case unreadable
        /// The file is not a JSON Web Key Veil understands.
        case malformed
        /// The key is of another kind than the caller needs (a public key where a private one is required…).
        case wrongKind
        /// The file exists and overwriting was not allowed.
        case alreadyExists
        /// Writing failed.
        case unwritable
        /// A private key file is readable by other users.
        case insecurePermissions
    }

    public let code: Code
    public let path: String?
    public let detail: String

    public init(_ code: Code, path: String? = nil, _ detail: String) {
        self.code = code
        self.path = path
        self.detail = detail
    }

    public var description: String {
        if let path { return "\(path): \(detail)" }
        return detail
    }
}

extension KeyFileError {
    /// What a person should do about this failure, in one sentence (the CLI prints it under the error).
    public var remedy: String {
        switch code {
        case .insecurePermissions: return "Run chmod 600 on the key file."
        case .wrongKind:
            return "--key-file takes an aes256 key; --signing-key a private ed25519/p256 key; --owner-key a public key."
        default: return "Create keys with `veil keygen aes256|ed25519|p256 --out FILE`."
        }
    }
}
