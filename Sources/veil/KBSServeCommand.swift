import ArgumentParser
import Foundation
import Logging
import VeilAttestation
import VeilKeyBroker
import VeilKeyBrokerServer
import VeilKeys
import VeilLogClient
import VeilServerKit
import VeilTransparency
import VeilVerifiers
import _VeilBytes

/// `veil kbs serve`.
struct KBSServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
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

    func run() async throws {
        _ = ProcessHardening.apply()
        guard let address = ListenAddress(listen) else {
            throw CLIError("`\(listen)` is not HOST:PORT.", remedy: "Use e.g. --listen 127.0.0.1:8090.")
        }
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let kek = try KBSServeCommand.loadKEK(kekFile)
        let signer: TokenSigner
        do {
            signer = try TokenSigner.file(tokenKey ?? (dataDir as NSString).appendingPathComponent("token-signing.jwk"))
        } catch {
            throw CLIError(error.detail, remedy: "Give a p256 key file (veil keygen p256) with --token-key.")
        }
        var policy = PolicyDocument.baseline
        if let attestationPolicy {
            do {
                policy = try PolicyDocument.decode(try Data(contentsOf: URL(fileURLWithPath: attestationPolicy)))
            } catch {
                throw CLIError("The attestation policy is not usable: \(error)", remedy: "See docs/attestation.md.")
            }
        }
        let (transparency, transparencyLog) = try await logSettings()
        guard !audience.isEmpty, audience.utf8.count <= 128 else {
            throw CLIError("--audience must be 1-128 characters.", remedy: "Use e.g. --audience veil-kbs.")
        }
        let settings = KeyBrokerSettings(
            verifier: EvidenceRouter.bundleVerifier,
            adminKeys: try adminKeys(),
            tokenLifetime: TimeInterval(tokenLifetime),
            attestationPolicy: policy,
            transparency: transparency,
            audience: audience,
            transparencyLog: transparencyLog,
            anchorInterval: anchorInterval > 0 ? anchorInterval : nil
        )
        let storage: KeyBrokerServerConfiguration.Storage
        if let url = postgres ?? ProcessInfo.processInfo.environment["VEIL_KBS_POSTGRES_URL"], !url.isEmpty {
            storage = .postgres(url: url)
        } else {
            storage = .sqlite(path: (dataDir as NSString).appendingPathComponent("kbs.sqlite"))
        }
        let configuration = KeyBrokerServerConfiguration(
            host: address.host,
            port: address.port,
            storage: storage,
            kek: kek,
            signer: signer,
            settings: settings,
            rateLimit: (rateLimit, max(rateLimit * 2, 10))
        )
        var logger = Logger(label: "veil.kbs")
        logger.logLevel = .notice
        let closed = settings.adminKeys.isEmpty
        try await KeyBrokerServer.run(configuration, logger: logger) { server in
            print("veil kbs: listening on \(server.url.absoluteString)\(closed ? " (admin API closed)" : "")")
            print("veil kbs: token key \(signer.keyID), KEK \(kek.id), audience \(settings.audience)")
            if let logs = settings.transparency?.logs {
                print("veil kbs: trusts the log \(logs.map(\.origin).joined(separator: ", ")) for logged releases")
            }
            if settings.transparencyLog != nil {
                print("veil kbs: appends policies, key releases and audit heads to \(log ?? "the log")")
            }
            fflush(nil)
        }
    }

    /// The trusted log (--log-key, --log-origin or --log's origin) and the appender (--log, --log-submitter-key).
    func logSettings() async throws -> (TransparencyVerifier?, (any TransparencyLogAppending)?) {
        var verifier: TransparencyVerifier?
        if let logKey {
            guard maxCheckpointAge > 0 else {
                throw CLIError("--max-checkpoint-age must be positive.", remedy: "Use e.g. 3600.")
            }
            var note = ""
            if logOrigin == nil {
                guard let log else {
                    throw CLIError(
                        "--log-key needs --log-origin or --log to read the origin from.",
                        remedy: "Give the log's origin (its checkpoint's first line) with --log-origin."
                    )
                }
                note = try await LogClient(log).checkpoint()
            }
            let key = try LogTrust.logKey(path: logKey, origin: logOrigin, checkpointNote: note)
            verifier = TransparencyVerifier(logs: [key], maximumCheckpointAge: maxCheckpointAge)
        }
        var appender: (any TransparencyLogAppending)?
        switch (log, logSubmitterKey) {
        case (let url?, let keyPath?):
            let key: SigningPrivateKey
            do { key = try KeyFile.readSigningKey(keyPath) } catch {
                throw CLIError(error.description, remedy: "Give the log submitter's private key file.")
            }
            do { appender = try TransparencyLogClient(url: url, submitterKey: key) } catch {
                throw CLIError("`\(url)` is not an http(s) URL.", remedy: "Give the log's base URL with --log.")
            }
        case (nil, _?):
            throw CLIError("--log-submitter-key needs --log.", remedy: "Give the log's base URL with --log.")
        default:
            break
        }
        return (verifier, appender)
    }

    func adminKeys() throws -> [AdminKey] {
        var keys: [AdminKey] = []
        func read(_ path: String) throws -> SigningPublicKey {
            do { return try KeyFile.readPublicKey(path) } catch {
                throw CLIError(error.description, remedy: "Give the FILE.pub written by `veil keygen ed25519`.")
            }
        }
        for path in adminKey { keys.append(AdminKey(key: try read(path), role: .admin)) }
        for path in auditorKey { keys.append(AdminKey(key: try read(path), role: .auditor)) }
        for entry in tenantAdminKey {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, (try? ResourceID.validate(parts[0])) != nil else {
                throw CLIError(
                    "`\(entry)` is not REPO=FILE.pub.",
                    remedy: "Use e.g. --tenant-admin-key acme=acme.jwk.pub."
                )
            }
            keys.append(AdminKey(key: try read(parts[1]), role: .tenantAdmin, repository: parts[0]))
        }
        return keys
    }

    /// The KEK from a file, else from VEIL_KBS_KEK.
    static func loadKEK(_ file: String?) throws -> KeyEncryptionKey {
        do {
            if let file { return try KeyEncryptionKey.file(file) }
            if let value = ProcessInfo.processInfo.environment[KeyEncryptionKey.environmentVariable], !value.isEmpty {
                return try KeyEncryptionKey.environment(value)
            }
        } catch {
            throw CLIError(error.detail, remedy: "Create a KEK with `veil keygen aes256 --out kek.jwk`.")
        }
        throw CLIError(
            "No key-encryption key: give --kek-file or set VEIL_KBS_KEK.",
            remedy: "Create one with `veil keygen aes256 --out kek.jwk` and keep it apart from the data directory."
        )
    }
}
