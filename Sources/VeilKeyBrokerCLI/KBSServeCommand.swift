public import ArgumentParser
import Foundation
import Logging
import VeilKeyBroker
import VeilKeyBrokerServer
import VeilVerifiers
import _VeilBytes

/// `veil kbs serve`.
public struct KBSServeCommand: AsyncParsableCommand {
    /// The command's name and help.
    public static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the key broker over HTTP.",
        discussion: """
            Stores resources, policies, sessions and the audit trail in DIR/kbs.sqlite (SQLite, the default) or in \
            PostgreSQL with --postgres (several brokers may share it; give them the same --token-key and KEK). \
            The key-encryption key comes from --kek-file (veil keygen aes256) or VEIL_KBS_KEK (base64url of 32 \
            bytes). The admin API is closed (401) unless an --admin-key, --tenant-admin-key or --auditor-key is \
            given. With --log-key the broker trusts that transparency log: a node's stapled log inclusion \
            (runtime-data veil-log-inclusion) becomes veil.log-release in its token, for policies with \
            require_logged_release. With --log and --log-submitter-key the broker appends every policy version, \
            every key release (a release the log cannot record is refused) and, every --anchor-interval seconds, \
            its audit-chain head. See docs/kbs.md.
            """
    )

    @Option(help: ArgumentHelp("Directory for kbs.sqlite and the token signing key.", valueName: "DIR"))
    var dataDir: String

    @Option(help: ArgumentHelp("Address to listen on.", valueName: "HOST:PORT"))
    var listen: String = "127.0.0.1:8090"

    @Option(
        help: ArgumentHelp("A public key with the admin role (repeatable; veil keygen ed25519).", valueName: "FILE.pub")
    )
    var adminKey: [String] = []

    @Option(help: ArgumentHelp("A tenant admin's key for one repository (repeatable).", valueName: "REPO=FILE.pub"))
    var tenantAdminKey: [String] = []

    @Option(help: ArgumentHelp("A public key with the auditor role (repeatable).", valueName: "FILE.pub"))
    var auditorKey: [String] = []

    @Option(help: ArgumentHelp("Store in PostgreSQL instead of SQLite (or VEIL_KBS_POSTGRES_URL).", valueName: "URL"))
    var postgres: String?

    @Option(help: ArgumentHelp("The key-encryption key (aes256 key file); else VEIL_KBS_KEK.", valueName: "FILE"))
    var kekFile: String?

    @Option(help: ArgumentHelp("The EAR token signing key (p256; created if absent).", valueName: "FILE"))
    var tokenKey: String?

    @Option(
        help: ArgumentHelp("Attestation policy for evidence verification (docs/attestation.md).", valueName: "FILE")
    )
    var attestationPolicy: String?

    @Option(help: ArgumentHelp("Token (and attested session) lifetime.", valueName: "SECONDS"))
    var tokenLifetime: Int = 300

    @Option(help: ArgumentHelp("Requests per second per client address.", valueName: "N"))
    var rateLimit: Double = 50

    @Option(help: ArgumentHelp("The transparency log's base URL (appends; origin lookup).", valueName: "URL"))
    var log: String?

    @Option(help: ArgumentHelp("The log submitter's private key: the broker appends with it.", valueName: "FILE"))
    var logSubmitterKey: String?

    @Option(help: ArgumentHelp("The trusted log's public key (Ed25519), pinned.", valueName: "FILE.pub"))
    var logKey: String?

    @Option(help: ArgumentHelp("The trusted log's origin (default: read from --log's checkpoint).", valueName: "NAME"))
    var logOrigin: String?

    @Option(help: ArgumentHelp("The oldest log checkpoint accepted in a node's inclusion.", valueName: "SECONDS"))
    var maxCheckpointAge: Double = 3600

    @Option(help: ArgumentHelp("The broker's audience in every token's aud.", valueName: "NAME"))
    var audience: String = "veil-kbs"

    @Option(
        help: ArgumentHelp("Anchor the audit-chain head in the log every N seconds (0: never).", valueName: "SECONDS")
    )
    var anchorInterval: Double = 300

    /// A command with the defaults (ArgumentParser fills in the options).
    public init() {}

    /// Runs the server until SIGINT or SIGTERM.
    public func run() async throws {
        _ = ProcessHardening.apply()
        var options = KeyBrokerServerConfiguration.Operator(dataDirectory: dataDir)
        options.listen = listen
        options.adminKeys = adminKey
        options.tenantAdminKeys = tenantAdminKey
        options.auditorKeys = auditorKey
        options.postgres = postgres
        options.kekFile = kekFile
        options.tokenKey = tokenKey
        options.attestationPolicy = attestationPolicy
        options.tokenLifetime = tokenLifetime
        options.rateLimit = rateLimit
        options.log = log
        options.logSubmitterKey = logSubmitterKey
        options.logKey = logKey
        options.logOrigin = logOrigin
        options.maxCheckpointAge = maxCheckpointAge
        options.audience = audience
        options.anchorInterval = anchorInterval
        let configuration = try await KeyBrokerServerConfiguration.load(
            options,
            verifier: EvidenceRouter.bundleVerifier
        )
        let settings = configuration.settings
        var logger = Logger(label: "veil.kbs")
        logger.logLevel = .notice
        let closed = settings.adminKeys.isEmpty
        try await KeyBrokerServer.run(configuration, logger: logger) { server in
            print("veil kbs: listening on \(server.url.absoluteString)\(closed ? " (admin API closed)" : "")")
            print(
                "veil kbs: token key \(configuration.signer.keyID), KEK \(configuration.kek.id), audience \(settings.audience)"
            )
            if let logs = settings.transparency?.logs {
                print("veil kbs: trusts the log \(logs.map(\.origin).joined(separator: ", ")) for logged releases")
            }
            if settings.transparencyLog != nil {
                print("veil kbs: appends policies, key releases and audit heads to \(log ?? "the log")")
            }
            fflush(nil)
        }
    }
}
