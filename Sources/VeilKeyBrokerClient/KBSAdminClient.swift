public import AsyncHTTPClient
import Foundation
import NIOCore
import VeilWire

/// A client for the key broker's admin API (`/kbs/v0/admin/…`, docs/kbs.md): resources, policies, audit. Each
/// request carries a fresh admin token (a JWT signed with an admin key the broker accepts), made by `token`.
public struct KBSAdminClient: Sendable {
    /// An HTTP method of the admin API.
    public enum Method: String, Sendable {
        /// Read.
        case GET
        /// Create or replace.
        case PUT
        /// Act (e.g. rotate).
        case POST
        /// Delete.
        case DELETE
    }

    /// The broker's base URL, without a trailing slash.
    public let baseURL: String
    let token: @Sendable () throws -> String
    let httpClient: HTTPClient

    /// A client for the broker at `baseURL` (http or https); `token` signs a fresh admin token per request
    /// (`AdminToken.sign(key:)` of the broker's domain module).
    public init(baseURL: String, httpClient: HTTPClient = .shared, token: @escaping @Sendable () throws -> String) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.httpClient = httpClient
        self.token = token
    }

    /// Sends a request to `/kbs/v0/admin/<path>` and returns the status and body. Throws
    /// ``KBSClientError/Code/unreachable`` when the broker cannot be reached and ``KBSClientError/Code/problem``
    /// (with the problem's `type` and its `detail`, else its `title`) when it answers with an error.
    @discardableResult
    public func request(
        _ method: Method,
        _ path: String,
        body: [UInt8]? = nil,
        contentType: String = "application/json"
    ) async throws(KBSClientError) -> (status: Int, body: [UInt8]) {
        var request = HTTPClientRequest(url: baseURL + "/kbs/v0/admin/" + path)
        switch method {
        case .GET: request.method = .GET
        case .PUT: request.method = .PUT
        case .POST: request.method = .POST
        case .DELETE: request.method = .DELETE
        }
        do { request.headers.add(name: "Authorization", value: "Bearer " + (try token())) } catch {
            throw KBSClientError(.protocolFailure, "cannot sign the admin token: \(error)")
        }
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
            request.headers.add(name: "Content-Type", value: contentType)
        }
        let status: Int
        let bytes: [UInt8]
        do {
            let response = try await httpClient.execute(request, timeout: .seconds(30))
            status = Int(response.status.code)
            bytes = Array(buffer: try await response.body.collect(upTo: 16 << 20))
        } catch {
            throw KBSClientError(.unreachable, "\(error)")
        }
        guard (200..<300).contains(status) else {
            let problem = Problem(decoding: bytes)
            throw KBSClientError(.problem, status: status, problem: problem, problem?.detail ?? problem?.title ?? "")
        }
        return (status, bytes)
    }
}
