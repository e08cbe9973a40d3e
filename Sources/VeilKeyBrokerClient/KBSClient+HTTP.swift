import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import VeilWire

extension KBSClient {
    /// A successful answer.
    struct Reply {
        let status: Int
        let body: [UInt8]
        let sessionCookie: String?
    }

    /// One HTTP exchange; a non-2xx answer becomes a ``KBSClientError`` carrying the problem type.
    func exchange(
        _ method: HTTPMethod,
        path: String,
        body: [UInt8]?,
        headers: [String: String],
        limit: Int
    ) async throws -> Reply {
        var base = baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.add(name: "Accept", value: "application/json, application/problem+json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, timeout: timeout)
        } catch {
            throw KBSClientError(.unreachable, "cannot reach the broker at \(base): \(error)")
        }
        let status = Int(response.status.code)
        let bytes: [UInt8]
        do {
            bytes = Array(buffer: try await response.body.collect(upTo: limit))
        } catch {
            throw KBSClientError(.unexpectedResponse, status: status, "the broker's answer exceeds \(limit) bytes")
        }
        guard (200..<300).contains(status) else {
            throw Self.problem(status: status, body: bytes)
        }
        return Reply(
            status: status,
            body: bytes,
            sessionCookie: Self.sessionCookie(response.headers[canonicalForm: "set-cookie"].map(String.init))
        )
    }

    /// The error for a failed answer: RFC 9457 problem details when the body holds them.
    static func problem(status: Int, body: [UInt8]) -> KBSClientError {
        if let problem = Problem(decoding: body), problem.typeURI.utf8.count <= 512 {
            let title = String(problem.title.prefix(200))
            let detail = problem.detail.map { ": " + String($0.prefix(500)) } ?? ""
            return KBSClientError(.problem, status: status, problem: problem, "\(title)\(detail)")
        }
        return KBSClientError(.problem, status: status, "the broker answered HTTP \(status)")
    }

    /// The `kbs-session-id` value among `Set-Cookie` headers.
    static func sessionCookie(_ headers: [String]) -> String? {
        for header in headers {
            guard let pair = header.split(separator: ";").first else { continue }
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == KBS.sessionCookieName else {
                continue
            }
            let value = parts[1].trimmingCharacters(in: .whitespaces)
            guard !value.isEmpty, value.utf8.count <= 512,
                value.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0 != ";" && $0 != "," })
            else { return nil }
            return value
        }
        return nil
    }
}
