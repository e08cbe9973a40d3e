public import ArgumentParser
import Foundation
import Logging
import VeilLogServer
import _VeilBytes

/// `veil log serve`.
public struct LogServeCommand: AsyncParsableCommand {
    /// The command's name and help.
    public static let configuration = CommandConfiguration(
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

    /// A command with the defaults (ArgumentParser fills in the options).
    public init() {}

    /// Runs the server until SIGINT or SIGTERM.
    public func run() async throws {
        _ = ProcessHardening.apply()
        var options = LogServerConfiguration.Operator(dataDirectory: dataDir, origin: origin, signingKey: signingKey)
        options.listen = listen
        options.submitterKeys = submitterKey
        options.postgresURL = postgresURL
        options.witnessKeys = witnessKey
        options.checkpointRefresh = checkpointRefresh
        let configuration = try LogServerConfiguration.load(options)
        var logger = Logger(label: "veil.log")
        logger.logLevel = .notice
        let origin = self.origin
        let closed = configuration.submitters.isEmpty
        try await LogServer.run(configuration, logger: logger) { server in
            print(
                "veil log: listening on \(server.url.absoluteString) origin=\(origin)\(closed ? " (closed to appends)" : "")"
            )
            print("veil log: verifier key \(configuration.signer.logKey.verifier.vkey)")
            fflush(nil)
        }
    }
}
