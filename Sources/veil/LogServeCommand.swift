import ArgumentParser
import Foundation
import Logging
import VeilKeys
import VeilLogServer
import VeilServerKit
import VeilTransparency
import _VeilBytes

/// `veil log serve`.
struct LogServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a transparency log over HTTP.",
        discussion: """
            Stores the log in DIR/log.sqlite (SQLite, the default) or in PostgreSQL when --postgres-url (or \
            VEIL_LOG_POSTGRES_URL) is given. Appends are accepted only when signed by a --submitter-key; without \
            one the log is closed to appends. API: docs/log-api.md.
            """
    )

    @Option(help: ArgumentHelp("Directory for the SQLite database.", valueName: "DIR"))
    var dataDir: String

    @Option(help: ArgumentHelp("Address to listen on.", valueName: "HOST:PORT"))
    var listen: String = "127.0.0.1:8088"

    @Option(help: ArgumentHelp("The log's origin line and key name, e.g. log.example.com/veil.", valueName: "NAME"))
    var origin: String

    @Option(help: ArgumentHelp("The log's Ed25519 signing key (veil keygen ed25519).", valueName: "FILE"))
    var signingKey: String

    @Option(
        help: ArgumentHelp(
            "A public key allowed to append (repeatable); `=KIND,…` limits it to those entry kinds (release, model, "
                + "policy, key-release, audit-head). Give the right to append `release` entries only to your release key.",
            valueName: "FILE.pub[=KINDS]"
        )
    )
    var submitterKey: [String] = []

    @Option(help: ArgumentHelp("Store the log in PostgreSQL instead of SQLite.", valueName: "URL"))
    var postgresURL: String?

    @Option(
        help: ArgumentHelp(
            "A witness whose cosignatures the log accepts and serves (repeatable; a cosignature/v1 vkey).",
            valueName: "VKEY"
        )
    )
    var witnessKey: [String] = []

    @Option(help: ArgumentHelp("Re-sign the checkpoint's timestamp when it is older than this.", valueName: "SECONDS"))
    var checkpointRefresh: Int = 60

    func run() async throws {
        _ = ProcessHardening.apply()
        guard let address = ListenAddress(listen) else {
            throw CLIError("`\(listen)` is not HOST:PORT.", remedy: "Use e.g. --listen 127.0.0.1:8088.")
        }
        let key: SigningPrivateKey
        do { key = try KeyFile.readSigningKey(signingKey) } catch {
            throw CLIError(error.description, remedy: "Create one with `veil keygen ed25519 --out FILE`.")
        }
        guard case .ed25519(let ed25519) = key else {
            throw CLIError(
                "The signing key must be Ed25519.",
                remedy: "Create one with `veil keygen ed25519 --out FILE`."
            )
        }
        let signer: CheckpointSigner
        do { signer = try CheckpointSigner(origin: origin, key: ed25519) } catch {
            throw CLIError(
                "The origin is not usable: \(error.detail)",
                remedy: "Use a schema-less URL like log.example.com/veil."
            )
        }
        var submitters: [SigningPublicKey] = []
        var submitterKinds: [String: Set<LogEntry.Kind>] = [:]
        for argument in submitterKey {
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            let key: SigningPublicKey
            do { key = try KeyFile.readPublicKey(parts[0]) } catch {
                throw CLIError(error.description, remedy: "Give the submitter's FILE.pub from veil keygen.")
            }
            submitters.append(key)
            if parts.count == 2 {
                var kinds: Set<LogEntry.Kind> = []
                for name in parts[1].split(separator: ",") {
                    guard let kind = LogEntry.Kind(rawValue: String(name)) else {
                        throw CLIError(
                            "`\(name)` in --submitter-key \(argument) is not an entry kind.",
                            remedy: "Use release, model, policy, key-release or audit-head."
                        )
                    }
                    kinds.insert(kind)
                }
                submitterKinds[key.thumbprint] = kinds
            }
        }
        var witnesses: [NoteVerifierKey] = []
        for vkey in witnessKey {
            do throws(TransparencyError) {
                let key = try NoteVerifierKey(vkey: vkey)
                guard key.type == .cosignatureV1 else {
                    throw TransparencyError(.malformedKey, "a witness key must be of type 0x04 (cosignature/v1)")
                }
                witnesses.append(key)
            } catch {
                throw CLIError("The witness key is not usable: \(error.detail)", remedy: "Give the witness's vkey.")
            }
        }
        let storage: LogServerConfiguration.Storage
        if let url = postgresURL ?? ProcessInfo.processInfo.environment["VEIL_LOG_POSTGRES_URL"], !url.isEmpty {
            storage = .postgres(url: url)
        } else {
            try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
            storage = .sqlite(path: (dataDir as NSString).appendingPathComponent("log.sqlite"))
        }
        let configuration = LogServerConfiguration(
            host: address.host,
            port: address.port,
            storage: storage,
            signer: signer,
            submitters: submitters,
            submitterKinds: submitterKinds,
            checkpointRefresh: TimeInterval(checkpointRefresh),
            witnesses: witnesses
        )
        var logger = Logger(label: "veil.log")
        logger.logLevel = .notice
        let origin = self.origin
        let closed = submitters.isEmpty
        try await LogServer.run(configuration, logger: logger) { server in
            print(
                "veil log: listening on \(server.url.absoluteString) origin=\(origin)\(closed ? " (closed to appends)" : "")"
            )
            print("veil log: verifier key \(signer.logKey.verifier.vkey)")
            fflush(nil)
        }
    }
}
