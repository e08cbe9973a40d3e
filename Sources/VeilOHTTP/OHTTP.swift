/// Oblivious HTTP (RFC 9458) and its chunked variant (draft-ietf-ohai-chunked-ohttp): key configurations,
/// request and response encapsulation. Crypto and framing only — no I/O, no server.
///
/// - ``KeyConfig``: a gateway's key configuration, and the `application/ohttp-keys` list.
/// - ``GatewayKey`` / ``Gateway``: the node side — decapsulate a request, encapsulate its response.
/// - ``Client``: the client side — encapsulate a request to a key configuration, open the response.
/// - ``ChunkedRequestSender``, ``ChunkedRequestReceiver``, ``ChunkedResponseSender``,
///   ``ChunkedResponseReceiver``: incremental value-type state machines for streaming.
///
/// Supported suites: KEM DHKEM(X25519, HKDF-SHA256) (0x0020) and X-Wing (ML-KEM-768 + X25519, 0x647a, the
/// post-quantum hybrid Veil prefers); KDF HKDF-SHA256; AEAD AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305.
public enum OHTTP {
    /// `message/ohttp-req`.
    public static let requestMediaType = "message/ohttp-req"
    /// `message/ohttp-res`.
    public static let responseMediaType = "message/ohttp-res"
    /// `message/ohttp-chunked-req`.
    public static let chunkedRequestMediaType = "message/ohttp-chunked-req"
    /// `message/ohttp-chunked-res`.
    public static let chunkedResponseMediaType = "message/ohttp-chunked-res"
    /// `application/ohttp-keys`.
    public static let keysMediaType = "application/ohttp-keys"

    /// The HPKE `info` label of a request (RFC 9458 §4.3).
    static let requestLabel = Array("message/bhttp request".utf8)
    /// The exporter label of a response (RFC 9458 §4.4).
    static let responseLabel = Array("message/bhttp response".utf8)
    /// The HPKE `info` label of a chunked request (draft-ietf-ohai-chunked-ohttp §6.1).
    static let chunkedRequestLabel = Array("message/bhttp chunked request".utf8)
    /// The exporter label of a chunked response (draft-ietf-ohai-chunked-ohttp §6.2).
    static let chunkedResponseLabel = Array("message/bhttp chunked response".utf8)
    /// The associated data of a final chunk (draft-ietf-ohai-chunked-ohttp §6).
    static let finalChunkAAD = Array("final".utf8)
}

/// An Oblivious HTTP failure. Compared by ``code``; the description says what to do.
public struct OHTTPError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        /// A key configuration (or list) is not well formed.
        case malformedKeyConfig
        /// The KEM, KDF or AEAD is not one Veil supports.
        case unsupportedSuite
        /// The request names a key id the gateway does not hold (rotated out): refetch the key configuration.
        case unknownKeyID
        /// A message's framing is not well formed.
        case malformedMessage
        /// Authentication failed: the message was altered, or encrypted to another key.
        case decryptionFailed
        /// A chunked stream ended without its final chunk (truncation).
        case truncated
        /// A message or chunk exceeds the configured limit.
        case tooLarge
        /// Called out of order (e.g. sending after the final chunk).
        case invalidState
        /// The underlying cryptography failed for another reason.
        case cryptoFailure
    }

    public let code: Code
    public let detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "OHTTP \(code.rawValue): \(detail)" }
}
