import Foundation
import VeilKeys
import VeilServerKit
import VeilTransparency
import _VeilBytes

extension LogServerConfiguration {
    /// What an operator gives a log server: file paths, keys and numbers (the options of `veil log serve`).
    /// ``load(_:)`` reads the files and turns it into a configuration; every failure is a ``RemedialError``.
    public struct Operator: Sendable {
        /// The directory for log.sqlite.
        public var dataDirectory: String
        /// HOST:PORT to listen on.
        public var listen = "127.0.0.1:8088"
        /// The log's origin line and key name, e.g. log.example.com/veil.
        public var origin: String
        /// The log's Ed25519 signing key file.
        public var signingKey: String
        /// `FILE.pub[=KIND,…]`: keys allowed to append, optionally limited to those entry kinds.
        public var submitterKeys: [String] = []
        /// A PostgreSQL URL instead of SQLite (else `VEIL_LOG_POSTGRES_URL`).
        public var postgresURL: String?
        /// Witnesses' cosignature/v1 verifier keys whose cosignatures the log accepts and serves.
        public var witnessKeys: [String] = []
        /// Re-sign the checkpoint's timestamp when it is older than this, seconds.
        public var checkpointRefresh = 60
        /// The environment (`VEIL_LOG_POSTGRES_URL`).
        public var environment = ProcessInfo.processInfo.environment

        /// Settings for the log `origin`, signed with the key at `signingKey`, stored in `dataDirectory`.
        public init(dataDirectory: String, origin: String, signingKey: String) {
            self.dataDirectory = dataDirectory
            self.origin = origin
            self.signingKey = signingKey
        }
    }

    /// Reads the operator's files (creating the data directory for SQLite) into a configuration.
    public static func load(_ options: Operator) throws -> LogServerConfiguration {
        guard let address = ListenAddress(options.listen) else {
            throw RemedialError("`\(options.listen)` is not HOST:PORT.", remedy: "Use e.g. --listen 127.0.0.1:8088.")
        }
        let key: SigningPrivateKey
        do { key = try KeyFile.readSigningKey(options.signingKey) } catch {
            throw RemedialError(error.description, remedy: "Create one with `veil keygen ed25519 --out FILE`.")
        }
        guard case .ed25519(let ed25519) = key else {
            throw RemedialError(
                "The signing key must be Ed25519.",
                remedy: "Create one with `veil keygen ed25519 --out FILE`."
            )
        }
        let signer: CheckpointSigner
        do { signer = try CheckpointSigner(origin: options.origin, key: ed25519) } catch {
            throw RemedialError(
                "The origin is not usable: \(error.detail)",
                remedy: "Use a schema-less URL like log.example.com/veil."
            )
        }
        let (submitters, submitterKinds) = try submitters(options.submitterKeys)
        let storage: Storage
        if let url = options.postgresURL ?? options.environment["VEIL_LOG_POSTGRES_URL"], !url.isEmpty {
            storage = .postgres(url: url)
        } else {
            try FileManager.default.createDirectory(atPath: options.dataDirectory, withIntermediateDirectories: true)
            storage = .sqlite(path: (options.dataDirectory as NSString).appendingPathComponent("log.sqlite"))
        }
        return LogServerConfiguration(
            host: address.host,
            port: address.port,
            storage: storage,
            signer: signer,
            submitters: submitters,
            submitterKinds: submitterKinds,
            checkpointRefresh: TimeInterval(options.checkpointRefresh),
            witnesses: try witnesses(options.witnessKeys)
        )
    }

    /// The submitter keys of `FILE.pub[=KIND,…]` arguments, and the kinds each is limited to.
    static func submitters(
        _ arguments: [String]
    ) throws -> ([SigningPublicKey], [String: Set<LogEntry.Kind>]) {
        var submitters: [SigningPublicKey] = []
        var submitterKinds: [String: Set<LogEntry.Kind>] = [:]
        for argument in arguments {
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            let key: SigningPublicKey
            do { key = try KeyFile.readPublicKey(parts[0]) } catch {
                throw RemedialError(error.description, remedy: "Give the submitter's FILE.pub from veil keygen.")
            }
            submitters.append(key)
            if parts.count == 2 {
                var kinds: Set<LogEntry.Kind> = []
                for name in parts[1].split(separator: ",") {
                    guard let kind = LogEntry.Kind(rawValue: String(name)) else {
                        throw RemedialError(
                            "`\(name)` in --submitter-key \(argument) is not an entry kind.",
                            remedy: "Use release, model, policy, key-release or audit-head."
                        )
                    }
                    kinds.insert(kind)
                }
                submitterKinds[key.thumbprint] = kinds
            }
        }
        return (submitters, submitterKinds)
    }

    /// The witnesses' cosignature/v1 verifier keys.
    static func witnesses(_ vkeys: [String]) throws -> [NoteVerifierKey] {
        var witnesses: [NoteVerifierKey] = []
        for vkey in vkeys {
            do throws(TransparencyError) {
                let key = try NoteVerifierKey(vkey: vkey)
                guard key.type == .cosignatureV1 else {
                    throw TransparencyError(.malformedKey, "a witness key must be of type 0x04 (cosignature/v1)")
                }
                witnesses.append(key)
            } catch {
                throw RemedialError(
                    "The witness key is not usable: \(error.detail)",
                    remedy: "Give the witness's vkey."
                )
            }
        }
        return witnesses
    }
}
