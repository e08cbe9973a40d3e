public import ArgumentParser
import Foundation
import VeilKeys
import VeilLogClient
import VeilTransparency
public import VeilSealing
import _VeilBytes

extension SealedModel.ModelFormat: ExpressibleByArgument {}

/// `veil seal`: encrypt and sign a model file into a sealed `.veil` file, or re-wrap a sealed file's key.
struct SealCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract:
            "Seal a model: chunked AES-256-GCM under a fresh data key, wrapped by --key-file, signed by the owner.",
        discussion: """
            The model is read twice in chunks (first its SHA-256, then the encryption), so memory stays at a few \
            chunks whatever its size; progress goes to standard error. The output is written to a temporary file \
            and renamed when complete. --key-file is the key-encryption key the key broker will release (the KBS \
            resource named by --key-id); it wraps a per-file data key, so rotating it with --rewrap never \
            re-encrypts the weights. Format: docs/formats/sealed-model.md.

            Examples:
              veil seal llama.gguf --key-file model.key --key-id default/models/llama@1 \\
                  --signing-key owner.key --out llama.veil
              veil seal --rewrap llama.veil --key-file model.key --new-key-file model-v2.key \\
                  --key-id default/models/llama@2 --signing-key owner.key --out llama-v2.veil
            """
    )

    @Argument(help: "The model file to seal (GGUF, safetensors or any file).")
    var model: String?

    @Option(name: .long, help: "The aes256 key-encryption key (the KBS resource); with --rewrap, the current one.")
    var keyFile: String

    @Option(name: .long, help: "The key's identifier, e.g. its KBS resource path and version: default/models/llama@1.")
    var keyID: String

    @Option(name: .long, help: "The owner's private ed25519 or p256 signing key.")
    var signingKey: String

    @Option(name: .long, help: "Where to write the sealed file.")
    var out: String

    @Option(name: .long, help: "The model's name (default: the file name without extension).")
    var name: String?

    @Option(name: .long, help: "gguf, safetensors or other (default: detected from the file's first bytes).")
    var modelFormat: SealedModel.ModelFormat?

    @Option(name: .long, help: "Plaintext bytes per chunk (default 4194304 = 4 MiB; at most 64 MiB).")
    var chunkSize: Int = SealedModel.defaultChunkSize

    @Option(name: .long, help: "Re-wrap this sealed file's data key under --new-key-file instead of sealing a model.")
    var rewrap: String?

    @Option(name: .long, help: "With --rewrap: the new aes256 key-encryption key.")
    var newKeyFile: String?

    @Flag(name: .long, help: "Replace --out if it exists.")
    var force = false

    @Option(name: .long, help: "Append a `model` entry (manifest digest, owner key) to the log at this URL.")
    var log: String?

    @Option(name: .long, help: "With --log: the log submitter's private key.")
    var logSubmitterKey: String?

    func validate() throws {
        switch (model, rewrap) {
        case (nil, nil): throw ValidationError("Give the model file to seal, or --rewrap SEALED-FILE.")
        case (.some, .some): throw ValidationError("Give either a model file or --rewrap, not both.")
        case (nil, .some): if newKeyFile == nil { throw ValidationError("--rewrap needs --new-key-file.") }
        case (.some, nil): if newKeyFile != nil { throw ValidationError("--new-key-file is only for --rewrap.") }
        }
        if (log == nil) != (logSubmitterKey == nil) {
            throw ValidationError("--log and --log-submitter-key go together.")
        }
        let input = URL(fileURLWithPath: model ?? rewrap ?? "").resolvingSymlinksInPath().path
        guard URL(fileURLWithPath: out).resolvingSymlinksInPath().path != input else {
            throw ValidationError("--out must not be the input file; write the sealed file elsewhere.")
        }
    }

    func run() async throws {
        let reporter = SealingProgressReporter()
        defer { reporter.finish() }
        if let rewrap, let newKeyFile {
            let header = try withCLIErrors(file: rewrap) {
                try SealedModel.rewrap(
                    rewrap,
                    to: out,
                    currentKey: try KeyFile.readSymmetricKey(keyFile),
                    newKey: try KeyFile.readSymmetricKey(newKeyFile),
                    newKeyID: keyID,
                    signingKey: try KeyFile.readSigningKey(signingKey),
                    overwrite: force,
                    progress: reporter.update
                )
            }
            reporter.finish()
            print("re-wrapped \(rewrap) to \(out): key id \(header.keyEnvelope.keyID); the chunks are unchanged")
            return
        }
        guard let model else { return }
        let metadata = SealedModel.Metadata(modelAt: model, name: name, format: modelFormat)
        let header = try withCLIErrors(file: model) {
            try SealedModel.seal(
                model,
                to: out,
                keyEncryptionKey: try KeyFile.readSymmetricKey(keyFile),
                keyID: keyID,
                signingKey: try KeyFile.readSigningKey(signingKey),
                metadata: metadata,
                chunkSize: chunkSize,
                overwrite: force,
                progress: reporter.update
            )
        }
        reporter.finish()
        let manifest = header.manifest
        print("sealed \(model) to \(out)")
        print("  model:     \(manifest.metadata.modelName) (\(manifest.metadata.format.rawValue))")
        print("  plaintext: \(manifest.plaintextSize) bytes, SHA-256 \(Hex.encode(manifest.plaintextSHA256))")
        print("  chunks:    \(manifest.chunkCount) of up to \(manifest.chunkSize) bytes, AES-256-GCM")
        print("  key id:    \(header.keyEnvelope.keyID)")
        print("  owner:     \(manifest.owner.kind.rawValue) \(manifest.owner.thumbprint)")
        if let log, let logSubmitterKey {
            let entry = LogEntry.model(LogEntry.Model(sealed: header))
            let result = try await LogSubmission.append(entry, log: log, submitterKeyPath: logSubmitterKey)
            print("  logged:    model entry at index \(result.index)\(result.duplicate ? " (already in the log)" : "")")
        }
    }
}
