public import VeilOHTTP
public import _VeilBytes

/// The answer to a decrypted inner request: whole, or streamed piece by piece (SSE events of a streaming
/// completion). Content stays in ``SecureBytes``.
public enum InnerResponse: Sendable {
    /// A complete response.
    case complete(status: Int, headers: [BinaryHTTP.Field], body: SecureBytes)
    /// A streamed response: each element is sent (and flushed) as its own encrypted chunk.
    case stream(status: Int, headers: [BinaryHTTP.Field], body: AsyncThrowingStream<SecureBytes, any Error>)

    /// A JSON response.
    static func json(_ status: Int, _ body: SecureBytes) -> InnerResponse {
        .complete(status: status, headers: [BinaryHTTP.Field("content-type", "application/json")], body: body)
    }
}

/// What answers the decrypted OpenAI-compatible requests: the built-in engine (``BuiltInBackend``) or a loopback
/// upstream server (``UpstreamBackend``).
public protocol InferenceBackend: Sendable {
    /// Answers one inner request. Errors of the inner route are inner responses (OpenAI error JSON), never thrown.
    func respond(to request: BinaryHTTP.Request) async -> InnerResponse
}
