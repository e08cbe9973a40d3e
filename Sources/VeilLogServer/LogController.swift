import Foundation
import Hummingbird
import HummingbirdCore
import VeilTransparency
import VeilServerKit
import VeilWire
import _VeilBytes

/// The log's HTTP routes (see ``LogAPI``).
struct LogController<Context: RequestContext>: Sendable {
    let service: LogService

    func register(on router: Router<Context>) {
        let group = router.group(RouterPath(LogAPI.prefix))
        group.get("checkpoint", use: checkpoint)
        group.post("entries", use: append)
        group.post("cosignatures", use: cosign)
        group.get("entries/:index", use: entry)
        group.get("proof/inclusion", use: inclusionProof)
        group.get("proof/consistency", use: consistencyProof)
    }

    @Sendable func checkpoint(_ request: Request, context: Context) async throws -> Response {
        let checkpoint = try await service.checkpoint()
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: checkpoint.note))
        )
    }

    @Sendable func append(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let body: ByteBuffer
        do { body = try await request.collectBody(upTo: 4 * LogEntry.maximumSize) } catch {
            throw Problem(
                .log,
                .tooLarge,
                status: .contentTooLarge,
                title: "The submission is too large",
                detail: "Entries are at most \(LogEntry.maximumSize) bytes."
            )
        }
        let text = String(decoding: body.readableBytesView, as: UTF8.self).trimmingCharacters(
            in: .whitespacesAndNewlines
        )
        let result = try await service.append(envelope: text)
        return try json(result, status: result.duplicate ? .ok : .created)
    }

    @Sendable func cosign(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: SignedNote.maximumSize)
        let checkpoint = try await service.addCosignatures(
            note: String(decoding: body.readableBytesView, as: UTF8.self)
        )
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: checkpoint.note))
        )
    }

    @Sendable func entry(_ request: Request, context: Context) async throws -> Response {
        guard let index = context.parameters.get("index", as: UInt64.self) else {
            throw Problem.badRequest("the entry index must be a non-negative integer")
        }
        return try json(try await service.entry(at: index))
    }

    @Sendable func inclusionProof(_ request: Request, context: Context) async throws -> Response {
        let query = request.uri.queryParameters
        let index = try integer(query, "index")
        var leafHash: [UInt8]?
        if let text = query.get("leaf_hash") {
            guard let hash = try? Hex.decode(text.lowercased()), hash.count == Merkle.hashSize else {
                throw Problem.badRequest("leaf_hash must be 64 hex digits")
            }
            leafHash = hash
        }
        let response = try await service.inclusionProof(
            index: index,
            leafHash: leafHash,
            treeSize: try integer(query, "tree_size")
        )
        return try json(response)
    }

    @Sendable func consistencyProof(_ request: Request, context: Context) async throws -> Response {
        let query = request.uri.queryParameters
        guard let first = try integer(query, "first"), let second = try integer(query, "second") else {
            throw Problem.badRequest("give `first` and `second` tree sizes")
        }
        return try json(try await service.consistencyProof(first: first, second: second))
    }

    private func integer(_ query: FlatDictionary<Substring, Substring>, _ name: String) throws -> UInt64? {
        guard let text = query.get(name) else { return nil }
        guard let value = UInt64(text) else { throw Problem.badRequest("`\(name)` must be a non-negative integer") }
        return value
    }

    private func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value)))
        )
    }
}
