import ArgumentParser
import Foundation
import VeilAttesters
import VeilKeys
import VeilLogClient
import VeilTransparency
import _VeilBytes

/// `veil release`: publish a node build's measurements as a `release` entry of a transparency log — what "approved"
/// means to every client and broker that pins that log.
struct ReleaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Log a node build's measurements as an approved release.",
        discussion: """
            Computes the measurements a TEE reports when it runs EXECUTABLE (default: this veil binary) — the \
            SIMULATED TEE's `measurement` (SHA-384 of the file) and, for a TPM, `pcr23` (the node resets PCR 23 and \
            extends it with SHA-256 of the file before quoting) — adds any --measurement given for hardware TEEs \
            (SEV-SNP `measurement`, TDX `mrtd` and RTMRs, TPM boot PCRs), writes the `release` entry to --out, and \
            appends it to --log when given. Nodes staple the entry's inclusion proof (`veil node serve --release \
            FILE --log URL`); clients and brokers that pin the log accept only nodes whose evidence matches a \
            logged release. See docs/attestation.md ("What approved means").
            """
    )

    @Option(help: ArgumentHelp("The release's name.", valueName: "NAME"))
    var name = "veil-node"

    @Option(help: ArgumentHelp("The release's version (default: this build's).", valueName: "VERSION"))
    var releaseVersion: String?

    @Option(help: ArgumentHelp("The executable a node runs (default: this veil binary).", valueName: "PATH"))
    var executable: String?

    @Option(
        parsing: .upToNextOption,
        help: ArgumentHelp("Platforms to compute measurements for from the executable.", valueName: "simulated|tpm")
    )
    var platform: [String] = ["tpm"]

    @Option(
        name: .customLong("measurement"),
        help: ArgumentHelp(
            "A measurement a hardware TEE reports for this build (repeatable).",
            valueName: "PLATFORM:REGISTER=HEX"
        )
    )
    var measurements: [String] = []

    @Option(help: ArgumentHelp("The source repository.", valueName: "URL"))
    var sourceRepository = "https://veil.dev/veil"

    @Option(help: ArgumentHelp("The source revision (a commit id or tag).", valueName: "REV"))
    var sourceRevision: String?

    @Option(help: ArgumentHelp("Where to write the release entry (JSON).", valueName: "FILE"))
    var out: String

    @Option(help: ArgumentHelp("The log's base URL; without it the entry is only written.", valueName: "URL"))
    var log: String?

    @Option(help: ArgumentHelp("The submitter's private key (with --log).", valueName: "FILE"))
    var submitterKey: String?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() async throws {
        let release: LogEntry.Release
        do {
            release = try ReleaseBuilder.release(
                name: name,
                version: releaseVersion ?? VeilVersion.current,
                executable: executable ?? SimulatedAttester.currentExecutable,
                platforms: platform,
                extra: measurements,
                source: LogEntry.Release.Source(
                    repository: sourceRepository,
                    revision: sourceRevision ?? VeilVersion.current
                )
            )
        } catch {
            throw CLIError(error.description, remedy: error.remedy)
        }
        let entry = LogEntry.release(release)
        do {
            try Data(entry.leafData).write(to: URL(fileURLWithPath: out), options: .atomic)
        } catch {
            throw CLIError("Cannot write \(out): \(error.localizedDescription).", remedy: "Check the path.")
        }
        var appended: LogAPI.AppendResponse?
        if let log {
            guard let submitterKey else {
                throw CLIError("--log needs --submitter-key.", remedy: "Give the log submitter's private key file.")
            }
            appended = try await LogSubmission.append(entry, log: log, submitterKeyPath: submitterKey)
        }
        switch format {
        case .json:
            try JSONOutput.print(
                ReleaseOutput(entry: out, measurements: release.measurements, index: appended?.index)
            )
        case .text:
            print("release \(release.name) \(release.version) → \(out)")
            for measurement in release.measurements {
                print("  \(measurement.platform.rawValue) \(measurement.register) = \(measurement.value)")
            }
            if let appended {
                print("logged at index \(appended.index)\(appended.duplicate ? " (already in the log)" : "")")
            } else {
                print("not logged (no --log): append it with veil log append --kind release --entry \(out)")
            }
        }
    }

    struct ReleaseOutput: Encodable {
        var entry: String
        var measurements: [TEEMeasurement]
        var index: UInt64?
    }
}
