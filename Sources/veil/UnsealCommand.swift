import ArgumentParser
import Foundation
import VeilKeys
import VeilSealing

/// `veil unseal`: decrypt a sealed model to a file — for debugging only; nodes unseal into locked memory.
struct UnsealCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unseal",
        abstract: "Decrypt a sealed model to a PLAINTEXT file (debugging only; requires an explicit --out).",
        discussion: """
            Verifies the owner's signature against --owner-key, unwraps the data key with --key-file, and \
            decrypts every chunk into locked memory, checking each chunk and the whole-file SHA-256; only then \
            is the plaintext written (mode 0600, via a temporary file). On any failure nothing is written. \
            Inference nodes never do this: they unseal into locked memory and parse the model there.
            """
    )

    @Argument(help: "The sealed .veil file.")
    var file: String

    @Option(name: .long, help: "The aes256 key-encryption key the file was sealed with.")
    var keyFile: String

    @Option(name: .long, help: "An expected owner public key file (repeatable); other signers are refused.")
    var ownerKey: [String] = []

    @Option(name: .long, help: "Where to write the plaintext. Required: plaintext is never written implicitly.")
    var out: String?

    @Flag(name: .long, help: "Replace --out if it exists.")
    var force = false

    @Flag(name: .long, help: "Unseal even if the model cannot be locked into RAM (development only).")
    var allowUnlockedMemory = false

    func run() throws {
        guard let out, !out.isEmpty, out != "-" else {
            throw CLIError(
                "refusing to write a plaintext model without an explicit output file.",
                remedy: "Pass --out FILE to write the plaintext there (debugging only; it is written with mode 0600)."
            )
        }
        guard !ownerKey.isEmpty else {
            throw CLIError(
                "no expected owner key was given: the signer cannot be checked.",
                remedy: "Pass the owner's public key with --owner-key OWNER.pub (repeatable)."
            )
        }
        if !force, FileManager.default.fileExists(atPath: out) {
            throw CLIError("\(out) exists.", remedy: "Choose another --out path, or pass --force to replace it.")
        }
        FileHandle.standardError.write(
            Data(
                ("warning: writing the PLAINTEXT model to \(out). `veil unseal` is for debugging: anyone who can read "
                    + "that file has the weights. Delete it when done.\n").utf8
            )
        )
        if allowUnlockedMemory {
            FileHandle.standardError.write(
                Data("warning: --allow-unlocked-memory: the plaintext may be swapped to disk.\n".utf8)
            )
        }
        let reporter = SealingProgressReporter()
        let unsealed = try withCLIErrors(file: file) {
            try SealedModel.unseal(
                contentsOf: file,
                keyEncryptionKey: try KeyFile.readSymmetricKey(keyFile),
                expectedOwners: try ownerKey.map { try KeyFile.readPublicKey($0) },
                options: SealedModel.UnsealOptions(allowUnlockedMemory: allowUnlockedMemory),
                progress: reporter.update
            )
        }
        reporter.finish()
        do {
            try unsealed.writePlaintext(to: out, overwrite: force)
        } catch {
            throw CLIError("\(error)", remedy: "Check that the output directory exists and is writable.")
        }
        print("unsealed \(file) to \(out): \(unsealed.manifest.plaintextSize) bytes, SHA-256 verified")
    }
}
