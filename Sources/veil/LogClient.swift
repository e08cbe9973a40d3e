import AsyncHTTPClient
import Foundation
import NIOCore
import VeilKeys
import VeilTransparency
import _VeilBytes

/// The CLI's HTTP client for a log server (see `LogAPI`).
struct LogClient {
    let base: String

    init(_ url: String) throws {
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? "") else {
            throw CLIError(
                "`\(url)` is not an http(s) URL.",
                remedy: "Give the log's base URL, e.g. http://127.0.0.1:8088."
            )
        }
        base = url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    func checkpoint() async throws -> String {
        String(decoding: try await get("/checkpoint"), as: UTF8.self)
    }

    func append(envelope: String) async throws -> LogAPI.AppendResponse {
        try decode(try await send("/entries", body: envelope, contentType: "application/jose"))
    }

    func entry(_ index: UInt64) async throws -> LogAPI.EntryResponse {
        try decode(try await get("/entries/\(index)"))
    }

    func inclusionProof(leafHash: [UInt8], treeSize: UInt64) async throws -> LogAPI.InclusionProofResponse {
        try decode(try await get("/proof/inclusion?leaf_hash=\(Hex.encode(leafHash))&tree_size=\(treeSize)"))
    }

    func consistencyProof(first: UInt64, second: UInt64) async throws -> LogAPI.ConsistencyProofResponse {
        try decode(try await get("/proof/consistency?first=\(first)&second=\(second)"))
    }

    private func get(_ path: String) async throws -> [UInt8] {
        try await send(path, body: nil, contentType: nil)
    }

    private func send(_ path: String, body: String?, contentType: String?) async throws -> [UInt8] {
        var request = HTTPClientRequest(url: base + LogAPI.prefix + path)
        if let body {
            request.method = .POST
            request.body = .bytes(ByteBuffer(string: body))
            request.headers.add(name: "Content-Type", value: contentType ?? "application/octet-stream")
        }
        let response: HTTPClientResponse
        do { response = try await HTTPClient.shared.execute(request, timeout: .seconds(30)) } catch {
            throw CLIError(
                "Could not reach the log at \(base): \(error).",
                remedy: "Check --log and that the server runs."
            )
        }
        let bytes = Array(buffer: try await response.body.collect(upTo: 4 << 20))
        guard (200..<300).contains(response.status.code) else {
            if let problem = try? JSONDecoder().decode(LogAPI.Problem.self, from: Data(bytes)) {
                throw CLIError(
                    "The log answered \(problem.status): \(problem.title). \(problem.detail ?? "")",
                    remedy: "See the detail above; docs/log-api.md lists the log's errors."
                )
            }
            throw CLIError(
                "The log answered HTTP \(response.status.code).",
                remedy: "Check --log points at a Veil log."
            )
        }
        return bytes
    }

    private func decode<T: Decodable>(_ bytes: [UInt8]) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: Data(bytes)) } catch {
            throw CLIError("The log's answer is not the expected JSON.", remedy: "Check --log points at a Veil log.")
        }
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
        let name: String
        if let origin {
            name = origin
        } else {
            // Unpinned origin: the key is still pinned, and the key ID commits to the name.
            let note = try verifyStep { () throws(TransparencyError) in try SignedNote(parsing: checkpointNote) }
            name = try verifyStep { () throws(TransparencyError) in try Checkpoint(text: note.text).origin }
        }
        return try verifyStep { () throws(TransparencyError) in try LogKey(origin: name, publicKey: publicKey) }
    }

    /// Runs a verification step, turning its error into a CLI failure that names the check.
    static func verifyStep<T>(_ body: () throws(TransparencyError) -> T) throws -> T {
        do { return try body() } catch {
            throw CLIError("Verification failed: \(error.description)", remedy: remedy(for: error.code))
        }
    }

    static func remedy(for code: TransparencyError.Code) -> String {
        switch code {
        case .wrongOrigin: return "Check --origin and --log: the checkpoint is from another log."
        case .untrustedSignature, .badSignature, .ambiguousKey:
            return "Check --log-key is this log's public key; otherwise the log or the network is lying."
        case .rollback, .fork: return "Treat the log as compromised and alert its operator and your auditors."
        case .badProof: return "The log's proof is wrong: do not trust the entry; report it to the log's operator."
        case .stale, .expired: return "Fetch a fresh checkpoint or proof from the log."
        default: return "See docs/log-api.md and docs/formats/log-entries.md."
        }
    }
}
