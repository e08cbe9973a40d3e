public import Foundation
public import VeilAttestation
public import VeilKeyBroker
import VeilKeys
import VeilLogClient
import VeilTransparency
import _VeilBytes
import VeilServerKit

extension KeyBrokerServerConfiguration {
    /// What an operator gives a broker: file paths, URLs and numbers (the options of `veil kbs serve`). ``load(_:)``
    /// reads the files and turns it into a configuration; every failure is a ``RemedialError``.
    public struct Operator: Sendable {
        /// The directory for kbs.sqlite and the default token signing key.
        public var dataDirectory: String
        /// HOST:PORT to listen on.
        public var listen = "127.0.0.1:8090"
        /// Public key files with the admin role.
        public var adminKeys: [String] = []
        /// `REPO=FILE.pub`: tenant admins.
        public var tenantAdminKeys: [String] = []
        /// Public key files with the auditor role.
        public var auditorKeys: [String] = []
        /// A PostgreSQL URL instead of SQLite (else `VEIL_KBS_POSTGRES_URL`).
        public var postgres: String?
        /// The key-encryption key file (else `VEIL_KBS_KEK`).
        public var kekFile: String?
        /// The EAR token signing key file (p256; created if absent; default `<data-dir>/token-signing.jwk`).
        public var tokenKey: String?
        /// The attestation policy file (default: the strict baseline).
        public var attestationPolicy: String?
        /// Token (and attested session) lifetime, seconds.
        public var tokenLifetime = 300
        /// Requests per second per client address.
        public var rateLimit: Double = 50
        /// The transparency log's base URL (appends; origin lookup).
        public var log: String?
        /// The log submitter's private key file: the broker appends with it.
        public var logSubmitterKey: String?
        /// The trusted log's public key file (Ed25519), pinned.
        public var logKey: String?
        /// The trusted log's origin (default: read from `log`'s checkpoint).
        public var logOrigin: String?
        /// The oldest log checkpoint accepted in a node's inclusion, seconds.
        public var maxCheckpointAge: Double = 3600
        /// The broker's audience in every token's `aud`.
        public var audience = "veil-kbs"
        /// Anchor the audit-chain head in the log every so many seconds (0: never).
        public var anchorInterval: Double = 300
        /// The environment (`VEIL_KBS_KEK`, `VEIL_KBS_POSTGRES_URL`).
        public var environment = ProcessInfo.processInfo.environment

        /// Settings for a broker storing in `dataDirectory`.
        public init(dataDirectory: String) { self.dataDirectory = dataDirectory }
    }

    /// Reads the operator's files (creating the data directory and, if absent, the token signing key) into a
    /// configuration whose broker verifies evidence with `verifier`.
    public static func load(
        _ options: Operator,
        verifier: EvidenceBundle.Verifier
    ) async throws -> KeyBrokerServerConfiguration {
        guard let address = ListenAddress(options.listen) else {
            throw RemedialError("`\(options.listen)` is not HOST:PORT.", remedy: "Use e.g. --listen 127.0.0.1:8090.")
        }
        try FileManager.default.createDirectory(atPath: options.dataDirectory, withIntermediateDirectories: true)
        let kek = try KeyEncryptionKey.load(file: options.kekFile, environment: options.environment)
        let signer: TokenSigner
        do {
            signer = try TokenSigner.file(
                options.tokenKey ?? (options.dataDirectory as NSString).appendingPathComponent("token-signing.jwk")
            )
        } catch {
            throw RemedialError(error.detail, remedy: "Give a p256 key file (veil keygen p256) with --token-key.")
        }
        var policy = PolicyDocument.baseline
        if let path = options.attestationPolicy {
            do {
                policy = try PolicyDocument.decode(try Data(contentsOf: URL(fileURLWithPath: path)))
            } catch {
                throw RemedialError(
                    "The attestation policy is not usable: \(error)",
                    remedy: "See docs/attestation.md."
                )
            }
        }
        let (transparency, transparencyLog) = try await logSettings(options)
        guard !options.audience.isEmpty, options.audience.utf8.count <= 128 else {
            throw RemedialError("--audience must be 1-128 characters.", remedy: "Use e.g. --audience veil-kbs.")
        }
        let settings = KeyBrokerSettings(
            verifier: verifier,
            adminKeys: try adminKeys(options),
            tokenLifetime: TimeInterval(options.tokenLifetime),
            attestationPolicy: policy,
            transparency: transparency,
            audience: options.audience,
            transparencyLog: transparencyLog,
            anchorInterval: options.anchorInterval > 0 ? options.anchorInterval : nil
        )
        let storage: Storage
        if let url = options.postgres ?? options.environment["VEIL_KBS_POSTGRES_URL"], !url.isEmpty {
            storage = .postgres(url: url)
        } else {
            storage = .sqlite(path: (options.dataDirectory as NSString).appendingPathComponent("kbs.sqlite"))
        }
        return KeyBrokerServerConfiguration(
            host: address.host,
            port: address.port,
            storage: storage,
            kek: kek,
            signer: signer,
            settings: settings,
            rateLimit: (options.rateLimit, max(options.rateLimit * 2, 10))
        )
    }

    /// The trusted log (`logKey`, `logOrigin` or `log`'s origin) and the appender (`log`, `logSubmitterKey`).
    static func logSettings(
        _ options: Operator
    ) async throws -> (TransparencyVerifier?, (any TransparencyLogAppending)?) {
        var verifier: TransparencyVerifier?
        if let logKey = options.logKey {
            guard options.maxCheckpointAge > 0 else {
                throw RemedialError("--max-checkpoint-age must be positive.", remedy: "Use e.g. 3600.")
            }
            var note = ""
            if options.logOrigin == nil {
                guard let log = options.log else {
                    throw RemedialError(
                        "--log-key needs --log-origin or --log to read the origin from.",
                        remedy: "Give the log's origin (its checkpoint's first line) with --log-origin."
                    )
                }
                note = try await RemedialLogClient(log).checkpoint()
            }
            let key = try LogTrust.logKey(path: logKey, origin: options.logOrigin, checkpointNote: note)
            verifier = TransparencyVerifier(logs: [key], maximumCheckpointAge: options.maxCheckpointAge)
        }
        var appender: (any TransparencyLogAppending)?
        switch (options.log, options.logSubmitterKey) {
        case (let url?, let keyPath?):
            let key: SigningPrivateKey
            do { key = try KeyFile.readSigningKey(keyPath) } catch {
                throw RemedialError(error.description, remedy: "Give the log submitter's private key file.")
            }
            do { appender = try TransparencyLogClient(url: url, submitterKey: key) } catch {
                throw RemedialError("`\(url)` is not an http(s) URL.", remedy: "Give the log's base URL with --log.")
            }
        case (nil, _?):
            throw RemedialError("--log-submitter-key needs --log.", remedy: "Give the log's base URL with --log.")
        default:
            break
        }
        return (verifier, appender)
    }

    /// The admin, auditor and tenant admin keys.
    static func adminKeys(_ options: Operator) throws -> [AdminKey] {
        var keys: [AdminKey] = []
        func read(_ path: String) throws -> SigningPublicKey {
            do { return try KeyFile.readPublicKey(path) } catch {
                throw RemedialError(error.description, remedy: "Give the FILE.pub written by `veil keygen ed25519`.")
            }
        }
        for path in options.adminKeys { keys.append(AdminKey(key: try read(path), role: .admin)) }
        for path in options.auditorKeys { keys.append(AdminKey(key: try read(path), role: .auditor)) }
        for entry in options.tenantAdminKeys {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, (try? ResourceID.validate(parts[0])) != nil else {
                throw RemedialError(
                    "`\(entry)` is not REPO=FILE.pub.",
                    remedy: "Use e.g. --tenant-admin-key acme=acme.jwk.pub."
                )
            }
            keys.append(AdminKey(key: try read(parts[1]), role: .tenantAdmin, repository: parts[0]))
        }
        return keys
    }
}

extension KeyEncryptionKey {
    /// The KEK from `file`, else from `VEIL_KBS_KEK` in `environment`; failures say what to do.
    public static func load(
        file: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> KeyEncryptionKey {
        do {
            if let file { return try KeyEncryptionKey.file(file) }
            if let value = environment[KeyEncryptionKey.environmentVariable], !value.isEmpty {
                return try KeyEncryptionKey.environment(value)
            }
        } catch {
            throw RemedialError(error.detail, remedy: "Create a KEK with `veil keygen aes256 --out kek.jwk`.")
        }
        throw RemedialError(
            "No key-encryption key: give --kek-file or set VEIL_KBS_KEK.",
            remedy: "Create one with `veil keygen aes256 --out kek.jwk` and keep it apart from the data directory."
        )
    }
}

extension KeyBrokerServer {
    /// The store of a broker's data directory (`kbs.sqlite`, which must exist) or PostgreSQL URL, for offline tools
    /// (`veil kbs audit`, `veil kbs rekey`): ``withStorage(_:_:)`` with failures that say what to do.
    public static func withStorage<T: Sendable>(
        dataDirectory: String?,
        postgres: String?,
        _ body: @Sendable (any KeyBrokerStorage) async throws -> T
    ) async throws -> T {
        let configuration: KeyBrokerServerConfiguration.Storage
        if let postgres {
            configuration = .postgres(url: postgres)
        } else if let dataDirectory {
            let path = (dataDirectory as NSString).appendingPathComponent("kbs.sqlite")
            guard FileManager.default.fileExists(atPath: path) else {
                throw RemedialError("\(path) does not exist.", remedy: "Give the --data-dir that veil kbs serve uses.")
            }
            configuration = .sqlite(path: path)
        } else {
            throw RemedialError("Give --data-dir or --postgres.", remedy: "Point at the broker's store.")
        }
        return try await withStorage(configuration, body)
    }
}
