public import VeilOHTTP
public import _VeilBytes

/// A Binary HTTP (RFC 9292) response whose content streams: the status and header fields first, then the content
/// piece by piece (the SSE events of a streaming completion). The node answers a decrypted request with one (each
/// piece becomes its own encrypted chunk); the client reads the node's decrypted answer as one. Content stays in
/// ``SecureBytes``.
public struct StreamedResponse: Sendable {
    /// The inner HTTP status.
    public let status: Int
    /// The inner header fields.
    public let headers: [BinaryHTTP.Field]
    /// The content, piece by piece; a reader's stream throws on truncation or tampering.
    public let body: AsyncThrowingStream<SecureBytes, any Error>

    /// A response whose content arrives as `body` yields it.
    public init(status: Int, headers: [BinaryHTTP.Field], body: AsyncThrowingStream<SecureBytes, any Error>) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A complete response: `content` in one piece (none when it is empty).
    public init(status: Int, headers: [BinaryHTTP.Field], content: SecureBytes) {
        self.init(
            status: status,
            headers: headers,
            body: AsyncThrowingStream { continuation in
                if !content.isEmpty { continuation.yield(content) }
                continuation.finish()
            }
        )
    }

    /// The first value of a header (lowercase name).
    public func header(_ name: String) -> String? { headers.first { $0.name == name }?.value }

    /// The whole content, at most `limit` bytes (``ContentTooLarge`` beyond).
    public func collect(upTo limit: Int = 64 << 20) async throws -> SecureBytes {
        var all = SecureBytes(reservingCapacity: 0)
        for try await var piece in body {
            all.append(contentsOf: piece)
            piece.zeroize()
            guard all.count <= limit else { throw ContentTooLarge(limit: limit) }
        }
        return all
    }

    /// The content exceeds the limit given to ``collect(upTo:)``.
    public struct ContentTooLarge: Error, Hashable, Sendable {
        /// The limit, in bytes.
        public let limit: Int
    }
}
