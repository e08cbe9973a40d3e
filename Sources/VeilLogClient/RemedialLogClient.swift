import Foundation
public import VeilKeys
public import VeilTransparency
import _VeilBytes

/// A log server for a person at a command line: ``TransparencyLogClient`` with every failure as a
/// ``RemedialError`` that says what went wrong and what to do (the `veil log`, `veil release` and `veil seal --log`
/// commands, and the broker's log settings).
public struct RemedialLogClient: Sendable {
    /// The underlying client.
    public let client: TransparencyLogClient

    /// A client for the log at `url`, signing appends with `submitterKey` when given.
    public init(_ url: String, submitterKey: SigningPrivateKey? = nil) throws {
        do { client = try TransparencyLogClient(url: url, submitterKey: submitterKey) } catch {
            throw RemedialError(
                "`\(url)` is not an http(s) URL.",
                remedy: "Give the log's base URL, e.g. http://127.0.0.1:8088."
            )
        }
    }

    /// The log's base URL.
    public var base: String { client.baseURL }

    /// The log's current checkpoint (a signed note).
    public func checkpoint() async throws -> String {
        try await cli { () async throws(LogClientError) in try await client.checkpoint() }
    }

    /// Appends a signed envelope.
    public func append(envelope: String) async throws -> LogAPI.AppendResponse {
        try await cli { () async throws(LogClientError) in try await client.append(envelope: envelope) }
    }

    /// Signs `entry` with the submitter key for this log's origin (read from its checkpoint) and appends it.
    public func append(_ entry: LogEntry) async throws -> LogAPI.AppendResponse {
        try await cli { () async throws(LogClientError) in
            do { return try await client.append(entry) } catch let error as LogClientError { throw error } catch {
                throw LogClientError(.configuration, "\(error)")
            }
        }
    }

    /// The entry at `index`.
    public func entry(_ index: UInt64) async throws -> LogAPI.EntryResponse {
        try await cli { () async throws(LogClientError) in try await client.entry(index) }
    }

    private func cli<T>(_ body: () async throws(LogClientError) -> T) async throws -> T {
        do { return try await body() } catch { throw cliError(error) }
    }

    /// Runs one of `TransparencyLogClient`'s checks, its failure as the remedial error that names it.
    @discardableResult
    public func check<T>(_ body: (TransparencyLogClient) async throws(LogCheckError) -> T) async throws -> T {
        do { return try await body(client) } catch {
            switch error {
            case .client(let error): throw cliError(error)
            case .verification(let error):
                throw RemedialError("Verification failed: \(error.description)", remedy: error.code.remedy)
            case .entryNotBase64(let index):
                throw RemedialError("Entry \(index) is not base64.", remedy: LogTrust.remedy(for: .malformedEntry))
            case .entryLeafMismatch(let index):
                throw RemedialError(
                    "Entry \(index) does not match its leaf hash.",
                    remedy: LogTrust.remedy(for: .badProof)
                )
            case .malformedProof:
                throw RemedialError("The log sent a malformed proof.", remedy: LogTrust.remedy(for: .badProof))
            }
        }
    }

    private func cliError(_ error: LogClientError) -> RemedialError {
        switch error.code {
        case .unreachable:
            return RemedialError(
                "Could not reach the log at \(base): \(error.detail).",
                remedy: "Check --log and that the server runs."
            )
        case .problem:
            return RemedialError(
                error.detail.prefix(1).uppercased() + error.detail.dropFirst(),
                remedy: "See the detail above; docs/log-api.md lists the log's errors."
            )
        default:
            return RemedialError(
                "The log's answer is not the expected JSON.",
                remedy: "Check --log points at a Veil log."
            )
        }
    }
}

/// Appending one entry, as `veil log append`, `veil release` and `veil seal --log` do.
public enum LogSubmission {
    /// Signs `entry` with the submitter key at `keyPath` for the log at `log` (its origin read from its checkpoint)
    /// and appends it.
    public static func append(
        _ entry: LogEntry,
        log: String,
        submitterKeyPath keyPath: String
    ) async throws
        -> LogAPI.AppendResponse
    {
        let key: SigningPrivateKey
        do { key = try KeyFile.readSigningKey(keyPath) } catch {
            throw RemedialError(error.description, remedy: "Give the log submitter's private key file.")
        }
        return try await RemedialLogClient(log, submitterKey: key).append(entry)
    }
}

/// Reading a pinned log's public key (and origin), with failures as ``RemedialError``s.
public enum LogTrust {
    /// The Ed25519 log key in the public key file at `path`, named `origin` or by the origin of `checkpointNote`.
    public static func logKey(path: String, origin: String?, checkpointNote: String) throws -> LogKey {
        let key: SigningPublicKey
        do { key = try KeyFile.readPublicKey(path) } catch {
            throw RemedialError(
                error.description,
                remedy: "Give the log's public key file (FILE.pub from veil keygen ed25519)."
            )
        }
        guard case .ed25519(let publicKey) = key else {
            throw RemedialError("The log key \(path) is not an Ed25519 key.", remedy: "Logs sign with Ed25519 keys.")
        }
        return try verifyStep { () throws(TransparencyError) in
            try LogKey(publicKey: publicKey, origin: origin, checkpointNote: checkpointNote)
        }
    }

    /// Runs a verification step, turning its error into a remedial error that names the check.
    public static func verifyStep<T>(_ body: () throws(TransparencyError) -> T) throws -> T {
        do { return try body() } catch {
            throw RemedialError("Verification failed: \(error.description)", remedy: remedy(for: error.code))
        }
    }

    /// What to do about a failed log check.
    public static func remedy(for code: TransparencyError.Code) -> String { code.remedy }

    /// The `audit-head` entries proved by the inclusion bundles at `bundles` (files), each verified against the
    /// pinned log key at `logKey` (`veil kbs audit verify --anchor`): a broker's audit trail must contain them.
    public static func auditHeads(
        bundles: [String],
        logKey logKeyPath: String?,
        origin logOrigin: String?
    ) throws -> [LogEntry.AuditHead] {
        guard !bundles.isEmpty else { return [] }
        guard let logKeyPath else {
            throw RemedialError("--anchor needs --log-key.", remedy: "Give the log's public key to verify the anchor.")
        }
        var heads: [LogEntry.AuditHead] = []
        for path in bundles {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw RemedialError(
                    "Cannot read \(path).",
                    remedy: "Give an inclusion bundle (JSON) of an audit-head entry."
                )
            }
            let bundle = try verifyStep { () throws(TransparencyError) in try InclusionBundle.decode(data) }
            let key = try logKey(path: logKeyPath, origin: logOrigin, checkpointNote: bundle.checkpoint)
            // An anchor is history: its checkpoint may be old, but it must be signed by the pinned log key.
            let verifier = TransparencyVerifier(logs: [key], maximumCheckpointAge: 100 * 365 * 86_400)
            let inclusion = try verifyStep { () throws(TransparencyError) in
                try verifier.verifyInclusion(bundle: bundle, now: Date())
            }
            guard case .auditHead(let head) = inclusion.entry else {
                throw RemedialError(
                    "\(path) proves a \(inclusion.entry.kind.rawValue) entry.",
                    remedy: "Give an audit-head."
                )
            }
            heads.append(head)
        }
        return heads
    }

    /// A log key as a client is given it (`--log-key`): a verifier key string, a file holding one, or a public key
    /// file with `origin`.
    public static func readLogKey(_ text: String, origin: String?) throws -> LogKey {
        if LogKeyText.isVerifierKey(text) {
            return try verifyStep { () throws(TransparencyError) in
                try LogKeyText.parse(text, origin: origin)
            }
        }
        guard let data = FileManager.default.contents(atPath: text) else {
            throw RemedialError(
                "Cannot read the log key \(text).",
                remedy: "Give the log's verifier key (printed by veil log serve) or its public key file."
            )
        }
        let contents = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if LogKeyText.isVerifierKey(contents) {
            return try verifyStep { () throws(TransparencyError) in
                try LogKeyText.parse(contents, origin: origin)
            }
        }
        guard let origin else {
            throw RemedialError(
                "The log key \(text) is a bare public key, which does not name the log.",
                remedy: "Add --log-origin ORIGIN (the first line of the log's checkpoint), or give its verifier key."
            )
        }
        let key: SigningPublicKey
        do { key = try KeyFile.readPublicKey(text) } catch {
            throw RemedialError(error.description, remedy: "Give the log's public key file (FILE.pub) or verifier key.")
        }
        guard case .ed25519(let publicKey) = key else {
            throw RemedialError("The log key \(text) is not an Ed25519 key.", remedy: "Logs sign with Ed25519 keys.")
        }
        return try verifyStep { () throws(TransparencyError) in
            try LogKey(origin: origin, publicKey: publicKey)
        }
    }
}
