import Foundation
import VeilKeys
import VeilLogClient
import VeilTransparency
import _VeilBytes

/// The CLI's view of a log server: ``TransparencyLogClient`` with its failures as CLI errors.
struct LogClient {
    let client: TransparencyLogClient

    init(_ url: String, submitterKey: SigningPrivateKey? = nil) throws {
        do { client = try TransparencyLogClient(url: url, submitterKey: submitterKey) } catch {
            throw CLIError(
                "`\(url)` is not an http(s) URL.",
                remedy: "Give the log's base URL, e.g. http://127.0.0.1:8088."
            )
        }
    }

    var base: String { client.baseURL }

    func checkpoint() async throws -> String {
        try await cli { () async throws(LogClientError) in try await client.checkpoint() }
    }

    func append(envelope: String) async throws -> LogAPI.AppendResponse {
        try await cli { () async throws(LogClientError) in try await client.append(envelope: envelope) }
    }

    /// Signs `entry` with the submitter key for this log's origin (read from its checkpoint) and appends it.
    func append(_ entry: LogEntry) async throws -> LogAPI.AppendResponse {
        try await cli { () async throws(LogClientError) in
            do { return try await client.append(entry) } catch let error as LogClientError { throw error } catch {
                throw LogClientError(.configuration, "\(error)")
            }
        }
    }

    func entry(_ index: UInt64) async throws -> LogAPI.EntryResponse {
        try await cli { () async throws(LogClientError) in try await client.entry(index) }
    }

    private func cli<T>(_ body: () async throws(LogClientError) -> T) async throws -> T {
        do { return try await body() } catch { throw cliError(error) }
    }

    /// Runs one of `TransparencyLogClient`'s checks, its failure as the CLI error that names it.
    @discardableResult
    func check<T>(_ body: (TransparencyLogClient) async throws(LogCheckError) -> T) async throws -> T {
        do { return try await body(client) } catch {
            switch error {
            case .client(let error): throw cliError(error)
            case .verification(let error):
                throw CLIError("Verification failed: \(error.description)", remedy: error.code.remedy)
            case .entryNotBase64(let index):
                throw CLIError("Entry \(index) is not base64.", remedy: LogTrust.remedy(for: .malformedEntry))
            case .entryLeafMismatch(let index):
                throw CLIError(
                    "Entry \(index) does not match its leaf hash.",
                    remedy: LogTrust.remedy(for: .badProof)
                )
            case .malformedProof:
                throw CLIError("The log sent a malformed proof.", remedy: LogTrust.remedy(for: .badProof))
            }
        }
    }

    private func cliError(_ error: LogClientError) -> CLIError {
        switch error.code {
        case .unreachable:
            return CLIError(
                "Could not reach the log at \(base): \(error.detail).",
                remedy: "Check --log and that the server runs."
            )
        case .problem:
            return CLIError(
                error.detail.prefix(1).uppercased() + error.detail.dropFirst(),
                remedy: "See the detail above; docs/log-api.md lists the log's errors."
            )
        default:
            return CLIError(
                "The log's answer is not the expected JSON.",
                remedy: "Check --log points at a Veil log."
            )
        }
    }
}

/// Appending one entry, as `veil log append`, `veil release` and `veil seal --log` do.
enum LogSubmission {
    /// Signs `entry` with the submitter key at `keyPath` for the log at `log` (its origin read from its checkpoint)
    /// and appends it.
    static func append(
        _ entry: LogEntry,
        log: String,
        submitterKeyPath keyPath: String
    ) async throws
        -> LogAPI.AppendResponse
    {
        let key: SigningPrivateKey
        do { key = try KeyFile.readSigningKey(keyPath) } catch {
            throw CLIError(error.description, remedy: "Give the log submitter's private key file.")
        }
        return try await LogClient(log, submitterKey: key).append(entry)
    }
}

/// Reading the log's public key (and origin) for the client commands.
enum LogTrust {
    static func logKey(path: String, origin: String?, checkpointNote: String) throws -> LogKey {
        let key: SigningPublicKey
        do { key = try KeyFile.readPublicKey(path) } catch {
            throw CLIError(
                error.description,
                remedy: "Give the log's public key file (FILE.pub from veil keygen ed25519)."
            )
        }
        guard case .ed25519(let publicKey) = key else {
            throw CLIError("The log key \(path) is not an Ed25519 key.", remedy: "Logs sign with Ed25519 keys.")
        }
        return try verifyStep { () throws(TransparencyError) in
            try LogKey(publicKey: publicKey, origin: origin, checkpointNote: checkpointNote)
        }
    }

    /// Runs a verification step, turning its error into a CLI failure that names the check.
    static func verifyStep<T>(_ body: () throws(TransparencyError) -> T) throws -> T {
        do { return try body() } catch {
            throw CLIError("Verification failed: \(error.description)", remedy: remedy(for: error.code))
        }
    }

    static func remedy(for code: TransparencyError.Code) -> String { code.remedy }
}
