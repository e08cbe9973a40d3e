import Foundation
import Hummingbird
import HummingbirdCore
import VeilKeyBroker
import VeilWire
import _VeilBytes

/// The KBS attestation protocol routes (Confidential Containers Trustee, protocol 0.x), the JWKS, health and
/// metrics. See docs/protocols/kbs.md for the exact messages.
struct KBSController<Context: RequestContext>: Sendable {
    let service: KeyBrokerService
    let metrics: KBSMetrics
    let wrap: ResourceWrapper

    /// The session cookie's name (Trustee's).
    static var cookieName: String { "kbs-session-id" }
    static var authBodyLimit: Int { 16 * 1024 }
    static var attestBodyLimit: Int { 512 * 1024 }

    func register(on router: Router<Context>) {
        let group = router.group("kbs/v0")
        group.post("auth", use: auth)
        group.post("attest", use: attest)
        group.get("resource/:repository/:type/:tag", use: resource)
        group.get("jwks", use: jwks)
        router.get(".well-known/jwks.json", use: jwks)
        router.get("healthz") { _, _ in Response(status: .ok) }
        router.get("metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: metrics.render()))
            )
        }
    }

    @Sendable func auth(_ request: Request, context: Context) async throws -> Response {
        let object = try await Self.jsonObject(request, limit: Self.authBodyLimit)
        guard let version = object["version"] as? String, let tee = object["tee"] as? String else {
            throw Problem.badRequest("the request needs string members version and tee")
        }
        let challenge = try await service.auth(tee: tee, version: version)
        var response = try Self.jsonAny(["nonce": challenge.nonce, "extra-params": ""])
        response.setCookie(
            Cookie(
                name: Self.cookieName,
                value: challenge.sessionID,
                maxAge: Int(service.settings.challengeLifetime + service.settings.tokenLifetime),
                path: "/kbs",
                httpOnly: true,
                sameSite: .strict
            )
        )
        return response
    }

    @Sendable func attest(_ request: Request, context: Context) async throws -> Response {
        guard let sessionID = request.cookies[Self.cookieName]?.value else {
            throw KeyBrokerError(.unauthorized, "the kbs-session-id cookie from /kbs/v0/auth is required")
        }
        let object = try await Self.jsonObject(request, limit: Self.attestBodyLimit)
        guard let runtimeData = object["runtime-data"] as? [String: Any] else {
            throw Problem.badRequest("runtime-data must be a JSON object")
        }
        let evidence: [UInt8]
        switch object["tee-evidence"] {
        case let text as String: evidence = Array(text.utf8)
        case let nested as [String: Any]:
            evidence = Array(
                try JSONSerialization.data(withJSONObject: nested, options: [.sortedKeys, .withoutEscapingSlashes])
            )
        default: throw Problem.badRequest("tee-evidence must be an evidence bundle (object or JSON string)")
        }
        let submission = try AttestationSubmission(runtimeData: runtimeData, evidence: evidence)
        do {
            let outcome = try await service.attest(sessionID: sessionID, submission)
            metrics.attestation(platform: outcome.claims.platform, outcome: outcome.claims.status)
            return try Self.jsonAny(["token": outcome.token])
        } catch let error as KeyBrokerError {
            metrics.attestation(platform: "unknown", outcome: error.code.rawValue)
            throw error
        }
    }

    @Sendable func resource(_ request: Request, context: Context) async throws -> Response {
        let resource = try ResourceID(
            repository: context.parameters.get("repository") ?? "",
            type: context.parameters.get("type") ?? "",
            tag: context.parameters.get("tag") ?? ""
        )
        let credential: ReleaseCredential
        if let bearer = Self.bearer(request) {
            credential = .token(bearer)
        } else if let session = request.cookies[Self.cookieName]?.value {
            credential = .session(session)
        } else {
            throw KeyBrokerError(.unauthorized, "attest first: send the kbs-session-id cookie or the token as a bearer")
        }
        var version: Int?
        if let text = request.uri.queryParameters.get("version") {
            guard let number = Int(text), number > 0 else {
                throw Problem.badRequest("version must be a positive integer")
            }
            version = number
        }
        let release = try await service.release(resource, version: version, credential: credential)
        let body = try wrap(release.secret, release.teePublicKey)
        metrics.release()
        return Response(
            status: .ok,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: body))
        )
    }

    @Sendable func jwks(_ request: Request, context: Context) async throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/jwk-set+json", .cacheControl: "max-age=300"],
            body: .init(byteBuffer: ByteBuffer(bytes: try service.signer.jwks.json()))
        )
    }

    static func bearer(_ request: Request) -> String? {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else { return nil }
        let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    static func collect(_ request: Request, limit: Int) async throws -> ByteBuffer {
        var request = request
        do { return try await request.collectBody(upTo: limit) } catch { throw Problem.payloadTooLarge(limit) }
    }

    static func jsonObject(_ request: Request, limit: Int) async throws -> [String: Any] {
        let body = try await collect(request, limit: limit)
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
        else {
            throw Problem.badRequest("the body must be a JSON object")
        }
        return object
    }

    static func jsonAny(_ object: Any, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return Response(
            status: status,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return Response(
            status: status,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value)))
        )
    }
}
