import ArgumentParser
import Foundation
import VeilLogClient
import VeilTransparency
import _VeilBytes

/// `veil log verify-inclusion`.
struct LogVerifyInclusionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-inclusion",
        abstract: "Check that an entry is in the log: exit 0 only if the inclusion proof checks out.",
        discussion: """
            Fetches the latest checkpoint, verifies its signature with --log-key (and its origin with --origin), \
            fetches the inclusion proof of the entry and verifies it against the checkpoint's root (RFC 9162). \
            With --bundle-out it also writes a stapleable inclusion bundle that expires after --expires-in seconds.
            """
    )

    @Option(help: ArgumentHelp("The log's base URL.", valueName: "URL"))
    var log: String

    @Option(help: ArgumentHelp("The log's public key.", valueName: "FILE.pub"))
    var logKey: String

    @Option(help: ArgumentHelp("The log's expected origin (recommended).", valueName: "NAME"))
    var origin: String?

    @Option(help: ArgumentHelp("The entry to look for, as JSON.", valueName: "ENTRY.json"))
    var entry: String?

    @Option(help: "The entry kind, when ENTRY.json has no `kind` member.")
    var kind: LogEntry.Kind?

    @Option(help: ArgumentHelp("The leaf hash to look for (RFC 6962, hex).", valueName: "HEX"))
    var leafHash: String?

    @Option(help: ArgumentHelp("Write a stapleable inclusion bundle (JSON) here.", valueName: "FILE"))
    var bundleOut: String?

    @Option(help: ArgumentHelp("Lifetime of the written bundle.", valueName: "SECONDS"))
    var expiresIn: Int = 86400

    func validate() throws {
        guard (entry == nil) != (leafHash == nil) else {
            throw ValidationError("Give exactly one of --entry and --leaf-hash.")
        }
    }

    func run() async throws {
        let hash: [UInt8]
        var leafData: [UInt8]?
        if let entry {
            let parsed = try LogEntryFile.read(entry, kind: kind)
            leafData = parsed.leafData
            hash = parsed.leafHash
        } else {
            guard let decoded = try? Hex.decode((leafHash ?? "").lowercased()), decoded.count == Merkle.hashSize else {
                throw CLIError(
                    "--leaf-hash is not 64 hex digits.",
                    remedy: "Give the leaf hash `veil log append` printed."
                )
            }
            hash = decoded
        }
        let client = try RemedialLogClient(log)
        let inclusion = try await client.verifyInclusion(leafHash: hash, logKeyPath: logKey, origin: origin)
        print(
            "included: entry \(inclusion.leafIndex) in the tree of size \(inclusion.treeSize) signed by \(inclusion.origin)"
        )
        if let bundleOut {
            let bundle = try await client.inclusionBundle(
                inclusion,
                leafHash: hash,
                leafData: leafData,
                expiresAt: Date().addingTimeInterval(TimeInterval(expiresIn))
            )
            try bundle.encoded().write(to: URL(fileURLWithPath: bundleOut), options: .atomic)
            print("wrote inclusion bundle to \(bundleOut)")
        }
    }
}
