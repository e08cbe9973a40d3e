public import AsyncHTTPClient
public import Foundation
import NIOCore
public import VeilKeys
public import VeilTransparency
public import VeilWire
import _VeilBytes

/// An HTTP client for a Veil transparency log (``LogAPI``): reads checkpoints, entries and proofs, appends signed
/// entries, and assembles the ``InclusionBundle`` a node staples into its attestation bundle.
public struct TransparencyLogClient: TransparencyLogAppending {
    /// The log's base URL, without a trailing slash.
    public let baseURL: String
    /// The key that signs appends (a submitter key the log accepts), if this client appends.
    public let submitterKey: SigningPrivateKey?
    let httpClient: HTTPClient
    let timeout: TimeAmount

    /// A client for the log at `url` (http or https).
    public init(
        url: String,
        submitterKey: SigningPrivateKey? = nil,
        httpClient: HTTPClient = .shared,
        timeout: Duration = .seconds(30)
    ) throws(LogClientError) {
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
            throw LogClientError(.configuration, "`\(url)` is not an http(s) URL of a log")
        }
        baseURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.submitterKey = submitterKey
        self.httpClient = httpClient
        self.timeout = .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000)
    }

    /// The latest checkpoint (a signed note).
    public func checkpoint() async throws(LogClientError) -> String {
        String(decoding: try await get("/checkpoint"), as: UTF8.self)
    }

    /// Appends a signed submission envelope.
    public func append(envelope: String) async throws(LogClientError) -> LogAPI.AppendResponse {
        try decode(try await send("/entries", body: envelope, contentType: "application/jose"))
    }

    /// Signs `entry` with ``submitterKey`` for this log's origin (read from its checkpoint) and appends it.
    public func append(_ entry: LogEntry) async throws -> LogAPI.AppendResponse {
        guard let submitterKey else {
            throw LogClientError(.configuration, "this log client has no submitter key to sign appends with")
        }
        let origin = try await origin()
        let envelope: String
        do { envelope = try SubmissionEnvelope.sign(entry, origin: origin, key: submitterKey) } catch {
            throw LogClientError(.configuration, "cannot sign the submission: \(error)")
        }
        return try await append(envelope: envelope)
    }

    /// The log's origin, from its checkpoint.
    public func origin() async throws(LogClientError) -> String {
        let note = try await checkpoint()
        do { return try Checkpoint(text: try SignedNote(parsing: note).text).origin } catch {
            throw LogClientError(.malformedResponse, "the log's checkpoint is not a signed note: \(error.description)")
        }
    }

    /// The entry at `index`.
    public func entry(_ index: UInt64) async throws(LogClientError) -> LogAPI.EntryResponse {
        try decode(try await get("/entries/\(index)"))
    }

    /// The inclusion proof of `leafHash` in the tree of size `treeSize`.
    public func inclusionProof(
        leafHash: [UInt8],
        treeSize: UInt64
    ) async throws(LogClientError) -> LogAPI.InclusionProofResponse {
        try decode(try await get("/proof/inclusion?leaf_hash=\(Hex.encode(leafHash))&tree_size=\(treeSize)"))
    }

    /// The consistency proof between two tree sizes.
    public func consistencyProof(
        first: UInt64,
        second: UInt64
    ) async throws(LogClientError) -> LogAPI.ConsistencyProofResponse {
        try decode(try await get("/proof/consistency?first=\(first)&second=\(second)"))
    }

    /// The stapleable proof that `entry` is in the log: the latest checkpoint, the entry, its audit path, and an
    /// expiry `validity` from now. Fails with ``LogClientError/Code/notLogged`` when the log does not hold the
    /// entry.
    public func inclusionBundle(
        for entry: LogEntry,
        validity: TimeInterval = 3600,
        now: Date = Date()
    ) async throws(LogClientError) -> InclusionBundle {
        let note = try await checkpoint()
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(text: try SignedNote(parsing: note).text) } catch {
            throw LogClientError(.malformedResponse, "the log's checkpoint is not a signed note: \(error.description)")
        }
        let proof: LogAPI.InclusionProofResponse
        do {
            proof = try await inclusionProof(leafHash: entry.leafHash, treeSize: checkpoint.treeSize)
        } catch  where error.status == 404 {
            throw LogClientError(.notLogged, "the log does not hold this \(entry.kind.rawValue) entry")
        }
        var hashes: [[UInt8]] = []
        for text in proof.hashes {
            guard let hash = try? Hex.decode(text), hash.count == 32 else {
                throw LogClientError(.malformedResponse, "the log's inclusion proof holds a hash that is not 32 bytes")
            }
            hashes.append(hash)
        }
        return InclusionBundle(
            checkpoint: note,
            leafIndex: proof.leafIndex,
            leafData: entry.leafData,
            proof: hashes,
            expiresAt: now.addingTimeInterval(validity)
        )
    }

    private func get(_ path: String) async throws(LogClientError) -> [UInt8] {
        try await send(path, body: nil, contentType: nil)
    }

    private func send(_ path: String, body: String?, contentType: String?) async throws(LogClientError) -> [UInt8] {
        var request = HTTPClientRequest(url: baseURL + LogAPI.prefix + path)
        if let body {
            request.method = .POST
            request.body = .bytes(ByteBuffer(string: body))
            request.headers.add(name: "Content-Type", value: contentType ?? "application/octet-stream")
        }
        let bytes: [UInt8]
        let status: Int
        do {
            let response = try await httpClient.execute(request, timeout: timeout)
            status = Int(response.status.code)
            bytes = Array(buffer: try await response.body.collect(upTo: 4 << 20))
        } catch {
            throw LogClientError(.unreachable, "could not reach the log at \(baseURL): \(error)")
        }
        guard (200..<300).contains(status) else {
            if let problem = Problem(decoding: bytes) {
                throw LogClientError(
                    .problem,
                    status: status,
                    "the log answered \(problem.statusCode): \(problem.title). \(problem.detail ?? "")",
                    problem: problem
                )
            }
            throw LogClientError(.problem, status: status, "the log answered HTTP \(status)")
        }
        return bytes
    }

    private func decode<T: Decodable>(_ bytes: [UInt8]) throws(LogClientError) -> T {
        do { return try JSONDecoder().decode(T.self, from: Data(bytes)) } catch {
            throw LogClientError(.malformedResponse, "the log's answer is not the expected JSON")
        }
    }
}

/// A log client failure: which kind, and why.
public struct LogClientError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        /// The client is not set up to do this (a bad URL, no submitter key).
        case configuration
        /// The log could not be reached.
        case unreachable
        /// The log answered with a problem (RFC 9457) or an error status.
        case problem
        /// The log's answer is not what the API specifies.
        case malformedResponse
        /// The log does not hold the entry asked about.
        case notLogged
    }

    public let code: Code
    /// The HTTP status, for ``Code/problem``.
    public let status: Int?
    /// The log's RFC 9457 problem details, when it sent them: switch on its ``VeilWire/Problem/type``.
    public let problem: Problem?
    /// The problem type URI, when the log sent problem details.
    public var problemType: String? { problem?.typeURI }
    public let detail: String

    public init(_ code: Code, status: Int? = nil, _ detail: String, problem: Problem? = nil) {
        self.code = code
        self.status = status
        self.detail = detail
        self.problem = problem
    }

    public var description: String { detail }
}
