import VeilKeys
import VeilSealing

extension CLIError {
    /// The message and remedy for a sealed-model failure.
    init(_ error: SealedModelError, file: String) {
        let remedy: String
        switch error.code {
        case .notASealedModel, .unsupportedVersion:
            remedy = "Give a .veil file written by `veil seal` (this Veil reads format version 1)."
        case .malformedHeader, .truncated, .chunkMissing, .chunkOutOfOrder, .chunkFromAnotherFile,
            .chunkAuthenticationFailed, .trailingData, .digestMismatch, .signatureInvalid:
            remedy =
                "The file is damaged or was tampered with: nothing was unsealed. Obtain an intact copy from its owner."
        case .unexpectedSigner:
            remedy = "Pass the owner's public key with --owner-key (repeatable), or obtain the file from its owner."
        case .keyUnwrapFailed:
            remedy = "Give the aes256 key the file was sealed with (see its key id with `veil inspect`)."
        case .memoryNotLocked:
            remedy = "Raise the memory-lock limit (ulimit -l) or pass --allow-unlocked-memory (development only)."
        case .limitExceeded:
            remedy = "Check the chunk size (1 byte to 64 MiB) and that the model fits in memory."
        case .invalidArgument:
            remedy = "Check the command's arguments (`veil help`)."
        case .unreadable:
            remedy = "Check that the file exists and is readable."
        case .unwritable:
            remedy = "Check that the output directory exists and is writable; pass --force to replace an existing file."
        case .sourceChanged:
            remedy = "Make sure nothing writes to the model while it is sealed, then seal it again."
        }
        self.init("\(file): \(error.description)", remedy: remedy)
    }

    /// The message and remedy for a key file that cannot be used.
    init(_ error: KeyFileError) {
        switch error.code {
        case .insecurePermissions:
            self.init(error.description, remedy: "Run chmod 600 on the key file.")
        case .wrongKind:
            self.init(
                error.description,
                remedy:
                    "--key-file takes an aes256 key; --signing-key a private ed25519/p256 key; --owner-key a public key."
            )
        default:
            self.init(error.description, remedy: "Create keys with `veil keygen aes256|ed25519|p256 --out FILE`.")
        }
    }
}

/// Runs `body`, turning library errors into ``CLIError``s a person can act on.
func withCLIErrors<T>(file: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as SealedModelError {
        throw CLIError(error, file: file)
    } catch let error as KeyFileError {
        throw CLIError(error)
    }
}
