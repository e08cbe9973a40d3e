public import VeilOHTTP
public import VeilWire
import _VeilBytes

extension StreamedResponse {
    /// A JSON response.
    static func json(_ status: Int, _ body: SecureBytes) -> StreamedResponse {
        StreamedResponse(status: status, headers: [BinaryHTTP.Field("content-type", "application/json")], content: body)
    }
}

/// What answers the decrypted OpenAI-compatible requests: the built-in engine (``BuiltInBackend``) or a loopback
/// upstream server (``UpstreamBackend``).
public protocol InferenceBackend: Sendable {
    /// Answers one inner request. Errors of the inner route are inner responses (OpenAI error JSON), never thrown.
    func respond(to request: BinaryHTTP.Request) async -> StreamedResponse
}
