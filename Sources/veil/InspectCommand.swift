import ArgumentParser
import Foundation
import VeilKeys
import VeilSealing

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

    func run() throws {
        let inspection = try withCLIErrors(file: file) { try SealedModel.inspect(contentsOf: file) }
        let owners = try withCLIErrors(file: file) { try ownerKey.map { try KeyFile.readPublicKey($0) } }
        let trusted = owners.isEmpty ? nil : inspection.isSigned(byOneOf: owners)
        let report = SealedModel.InspectionReport(file: file, inspection: inspection, ownerTrusted: trusted)
        switch format {
        case .json: try JSONOutput.print(report)
        case .text: print(report.text)
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
                "\(file): signed by \(inspection.header.manifest.owner.thumbprint), which is not among the given owner keys.",
                remedy: "Check that you have the right owner key, or obtain the file from its owner."
            )
        }
    }
}
