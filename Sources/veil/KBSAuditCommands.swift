import ArgumentParser
import Foundation
import VeilKeyBroker
import VeilKeyBrokerServer
import VeilLogClient
import VeilTransparency

/// Where the audit commands read the store from.
struct KBSStoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The broker's data directory (kbs.sqlite).", valueName: "DIR"))
    var dataDir: String?

    @Option(help: ArgumentHelp("The broker's PostgreSQL URL instead.", valueName: "URL"))
    var postgres: String?

    /// Runs `body` with the opened, migrated store.
    func withStorage<T: Sendable>(_ body: @Sendable (any KeyBrokerStorage) async throws -> T) async throws -> T {
        try await KeyBrokerServer.withStorage(dataDirectory: dataDir, postgres: postgres, body)
    }
}

/// `veil kbs audit verify`.
struct KBSAuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the audit trail's hash chain; exit 1 if any entry was edited, removed or inserted.",
        discussion: """
            A row that does not decode exactly (an unknown kind, a malformed hash) counts as an edit. With \
            --anchor (an inclusion bundle of an audit-head entry, e.g. from veil log prove) and --log-key, the \
            trail must also contain the head the log anchored, so a truncated tail is detected.
            """
    )

    @OptionGroup var store: KBSStoreOptions
    @Option var format: OutputFormat = .text

    @Option(help: ArgumentHelp("A logged audit head: its inclusion bundle (repeatable).", valueName: "FILE.json"))
    var anchor: [String] = []

    @Option(help: ArgumentHelp("The log's public key, to verify --anchor.", valueName: "FILE.pub"))
    var logKey: String?

    @Option(help: ArgumentHelp("The log's origin (default: the anchor checkpoint's).", valueName: "NAME"))
    var logOrigin: String?

    struct Output: Encodable {
        let intact: Bool
        let entries: Int
        let head: String
        let firstBroken: Int64?
        let reason: String?
    }

    func run() async throws {
        let anchors = try LogTrust.auditHeads(bundles: anchor, logKey: logKey, origin: logOrigin)
        let report = try await store.withStorage { storage in
            try await AuditChain.verify(storage: storage, anchors: anchors)
        }
        if format == .json {
            try JSONOutput.print(
                Output(
                    intact: report.isIntact,
                    entries: report.count,
                    head: report.head,
                    firstBroken: report.firstBroken,
                    reason: report.reason
                )
            )
        } else if report.isIntact {
            print(
                "audit trail intact: \(report.count) entries, head \(report.head)"
                    + (anchors.isEmpty ? "" : ", \(anchors.count) logged anchor(s) found in it")
            )
        } else {
            print("audit trail BROKEN at entry \(report.firstBroken ?? 0): \(report.reason ?? "")")
        }
        if !report.isIntact { throw ExitCode(1) }
    }
}

/// `veil kbs audit export`.
struct KBSAuditExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the audit trail as JSON lines (one entry per line, with its hashes)."
    )

    @OptionGroup var store: KBSStoreOptions

    @Option(help: ArgumentHelp("Write here instead of standard output.", valueName: "FILE"))
    var out: String?

    func run() async throws {
        let entries = try await store.withStorage { storage in try await storage.allAuditEntries() }
        let text = entries.map { $0.jsonLine() + "\n" }.joined()
        if let out {
            try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
            print("wrote \(entries.count) entries to \(out)")
        } else {
            print(text, terminator: "")
        }
    }
}

/// `veil kbs rekey`.
struct KBSRekeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rekey",
        abstract: "Rotate the key-encryption key: rewrap every data key from the old KEK to the new one.",
        discussion: """
            Run with the broker stopped (or on a quiet PostgreSQL store); one transaction rewraps every version, \
            then restart the broker with the new KEK. Secrets' ciphertexts do not change. See docs/kbs.md.
            """
    )

    @OptionGroup var store: KBSStoreOptions

    @Option(help: ArgumentHelp("The current KEK.", valueName: "FILE"))
    var oldKekFile: String

    @Option(help: ArgumentHelp("The new KEK (veil keygen aes256).", valueName: "FILE"))
    var newKekFile: String

    func run() async throws {
        let old = try KeyEncryptionKey.load(file: oldKekFile)
        let new = try KeyEncryptionKey.load(file: newKekFile)
        let count = try await store.withStorage { storage in
            try await KeyBrokerService.rekey(storage: storage, from: old, to: new)
        }
        print("rewrapped \(count) version(s) from KEK \(old.id) to \(new.id)")
    }
}
