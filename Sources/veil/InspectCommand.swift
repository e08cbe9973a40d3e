import ArgumentParser
import Foundation
import VeilKeys
import VeilSealing
import _VeilBytes

/// `veil inspect`: print a sealed file's manifest and verify its signature, without any key.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print a sealed model's manifest and verify the owner's signature (no key needed).",
        discussion: """
            Reads only the header. Exits with status 1 when the signature does not verify, when the file's length \
            differs from what the manifest implies, or when --owner-key is given and the signer is not among them.
            """
    )

    @Argument(help: "The sealed .veil file.")
    var file: String

    @Option(name: .long, help: "An expected owner public key file (repeatable): check that the signer is one of them.")
    var ownerKey: [String] = []

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    struct Report: Encodable {
        let file: String
        let formatVersion: Int
        let modelName: String
        let sourceFileName: String
        let modelFormat: String
        let plaintextSize: UInt64
        let plaintextSha256: String
        let chunkSize: Int
        let chunkCount: UInt64
        let aead: String
        let createdAt: String
        let keyId: String
        let keyWrap: String
        let ownerKeyType: String
        let ownerKeyThumbprint: String
        let signatureValid: Bool
        let fileLength: UInt64?
        let expectedLength: UInt64
        let ownerTrusted: Bool?
    }

    func run() throws {
        let inspection = try withCLIErrors(file: file) { try SealedModel.inspect(contentsOf: file) }
        let owners = try withCLIErrors(file: file) { try ownerKey.map { try KeyFile.readPublicKey($0) } }
        let header = inspection.header
        let manifest = header.manifest
        let trusted = owners.isEmpty ? nil : inspection.isSigned(byOneOf: owners)
        let report = Report(
            file: file,
            formatVersion: Int(header.version),
            modelName: manifest.metadata.modelName,
            sourceFileName: manifest.metadata.sourceFileName,
            modelFormat: manifest.metadata.format.rawValue,
            plaintextSize: manifest.plaintextSize,
            plaintextSha256: Hex.encode(manifest.plaintextSHA256),
            chunkSize: manifest.chunkSize,
            chunkCount: manifest.chunkCount,
            aead: manifest.aead.name,
            createdAt: ISO8601DateFormatter().string(from: manifest.creationDate),
            keyId: header.keyEnvelope.keyID,
            keyWrap: header.keyEnvelope.wrap.name,
            ownerKeyType: manifest.owner.kind.rawValue,
            ownerKeyThumbprint: manifest.owner.thumbprint,
            signatureValid: inspection.isSignatureValid,
            fileLength: inspection.fileLength,
            expectedLength: inspection.expectedLength,
            ownerTrusted: trusted
        )
        switch format {
        case .json: try JSONOutput.print(report)
        case .text: print(Self.text(report))
        }
        guard inspection.isSignatureValid else {
            throw CLIError(
                "\(file): the owner's signature does not verify: the header was modified.",
                remedy: "Do not use this file; obtain an intact copy from its owner."
            )
        }
        if inspection.hasExpectedLength == false {
            throw CLIError(
                "\(file): the file is \(inspection.fileLength ?? 0) bytes; the manifest implies \(inspection.expectedLength).",
                remedy: "The file was truncated or extended; obtain an intact copy."
            )
        }
        if trusted == false {
            throw CLIError(
                "\(file): signed by \(manifest.owner.thumbprint), which is not among the given owner keys.",
                remedy: "Check that you have the right owner key, or obtain the file from its owner."
            )
        }
    }

    static func text(_ report: Report) -> String {
        var lines = ["sealed model \(report.file) (format version \(report.formatVersion))"]
        lines.append(
            "  model:        \(report.modelName) (\(report.modelFormat)), sealed from \(report.sourceFileName)"
        )
        lines.append("  plaintext:    \(report.plaintextSize) bytes")
        lines.append("  SHA-256:      \(report.plaintextSha256)")
        lines.append("  chunks:       \(report.chunkCount) of up to \(report.chunkSize) bytes, \(report.aead)")
        lines.append("  created:      \(report.createdAt)")
        lines.append("  key id:       \(report.keyId) (data key wrapped with \(report.keyWrap))")
        lines.append("  owner:        \(report.ownerKeyType) \(report.ownerKeyThumbprint)")
        lines.append("  signature:    \(report.signatureValid ? "valid" : "INVALID — the header was modified")")
        let length =
            report.fileLength.map {
                $0 == report.expectedLength
                    ? "\($0) bytes, as expected" : "\($0) bytes, EXPECTED \(report.expectedLength)"
            }
            ?? "unknown (not a regular file)"
        lines.append("  file length:  \(length)")
        if let trusted = report.ownerTrusted {
            lines.append(
                "  owner check:  \(trusted ? "signer is an expected owner" : "signer is NOT an expected owner")"
            )
        }
        return lines.joined(separator: "\n")
    }
}
