public import AsyncHTTPClient
public import Foundation
public import NIOCore
import NIOHTTP1
public import VeilAttestation
public import VeilAttesters
public import VeilWire
public import _VeilBytes

/// The guest side of the KBS attestation protocol: what a Veil node runs to get its model key.
///
/// `attest` performs `POST /kbs/v0/auth` (challenge and `kbs-session-id` cookie), asks the attester for evidence
/// bound with ``ReportDataBinding/kbs(runtimeData:hash:)`` over the exact runtime-data bytes
/// (`{"nonce", "tee-pubkey", ...extra}` as canonical JSON), then `POST /kbs/v0/attest` for the EAR token.
/// `resource` fetches `GET /kbs/v0/resource/<repository>/<type>/<tag>` with the token as a bearer (and the
/// session cookie) and unwraps the JWE with the TEE key into ``SecureBytes``.
public struct KBSClient: Sendable {
    /// The broker's base URL (e.g. `http://127.0.0.1:8080`); the protocol paths are appended to it.
    public let baseURL: URL
    /// The runtime-data hash the broker expects in the report data (Trustee's default is SHA-384).
    public let hash: ReportDataBinding.KBSHash
    let httpClient: HTTPClient
    /// The time allowed for each HTTP exchange.
    public var timeout: TimeAmount = .seconds(30)

    /// The largest challenge or token response read.
    static let maximumMessageSize = 256 << 10

    /// Creates a client for a broker.
    public init(baseURL: URL, httpClient: HTTPClient = .shared, hash: ReportDataBinding.KBSHash = .sha384) {
        self.baseURL = baseURL
        self.httpClient = httpClient
        self.hash = hash
    }

    /// auth -> challenge -> evidence (bound to runtime-data {nonce, tee-pubkey, extraRuntimeData...}) -> token.
    public func attest(
        tee: KBS.TEE,
        attester: any Attester,
        teeKey: KBS.TEEKey,
        extraRuntimeData: [String: String] = [:]
    ) async throws -> KBSSession {
        for key in extraRuntimeData.keys where key == "nonce" || key == "tee-pubkey" {
            throw KBSClientError(.protocolFailure, "extra runtime data may not replace \"\(key)\"")
        }
        guard extraRuntimeData.count <= KBS.RuntimeData.maximumExtraMembers else {
            throw KBSClientError(.protocolFailure, "at most \(KBS.RuntimeData.maximumExtraMembers) extra members")
        }
        // 1. auth: the challenge and the session cookie.
        let authReply = try await exchange(
            .POST,
            path: "/kbs/v0/auth",
            body: KBS.encode(KBS.Request(tee: tee)),
            headers: [:],
            limit: Self.maximumMessageSize
        )
        let challenge = try decode(KBS.Challenge.self, authReply.body, what: "challenge")
        guard !challenge.nonce.isEmpty, challenge.nonce.utf8.count <= 1024 else {
            throw KBSClientError(
                .unexpectedResponse,
                status: authReply.status,
                "the challenge nonce is empty or too long"
            )
        }
        guard let cookie = authReply.sessionCookie else {
            throw KBSClientError(
                .unexpectedResponse,
                status: authReply.status,
                "the broker set no kbs-session-id cookie"
            )
        }

        // 2. evidence over the exact runtime-data bytes.
        let runtime = KBS.RuntimeData(nonce: challenge.nonce, teePublicKey: teeKey.publicJWK, extra: extraRuntimeData)
        let runtimeBytes = runtime.canonicalJSON()
        let evidence: EvidenceBundle
        do {
            evidence = try await attester.evidence(binding: .kbs(runtimeData: runtimeBytes, hash: hash))
        } catch {
            throw KBSClientError(.evidenceUnavailable, "the \(attester.tee.rawValue) attester failed: \(error.reason)")
        }
        let attestation: KBS.Attestation
        do {
            attestation = try KBS.Attestation(runtimeData: runtime, evidence: evidence)
        } catch {
            throw KBSClientError(.protocolFailure, "the evidence bundle is not JSON: \(error.detail)")
        }

        // 3. attest: the token.
        let attestReply = try await exchange(
            .POST,
            path: "/kbs/v0/attest",
            body: KBS.encode(attestation),
            headers: ["Cookie": "\(KBS.sessionCookieName)=\(cookie)"],
            limit: Self.maximumMessageSize
        )
        let response = try decode(KBS.AttestationResponse.self, attestReply.body, what: "attestation response")
        return KBSSession(
            token: response.token,
            evidence: evidence,
            runtimeData: runtimeBytes,
            teeKey: teeKey,
            expiresAt: Self.expiry(of: response.token) ?? Date().addingTimeInterval(300),
            cookie: attestReply.sessionCookie ?? cookie
        )
    }

    /// GET /kbs/v0/resource/<path> with the session cookie (or token as bearer); unwraps the JWE.
    public func resource(_ path: KBS.ResourcePath, session: KBSSession) async throws -> SecureBytes {
        var headers = ["Authorization": "Bearer \(session.token)"]
        if let cookie = session.cookie { headers["Cookie"] = "\(KBS.sessionCookieName)=\(cookie)" }
        let reply = try await exchange(
            .GET,
            path: "/kbs/v0/resource/\(path.repository)/\(path.type)/\(path.tag)",
            body: nil,
            headers: headers,
            limit: JWE.maximumSize
        )
        do {
            return try JWE.open(reply.body, with: session.teeKey)
        } catch {
            throw KBSClientError(.protocolFailure, status: reply.status, "the released resource: \(error.detail)")
        }
    }

    /// The `exp` claim of a JWT, read without verifying (the broker's signature is for relying parties).
    static func expiry(of token: String) -> Date? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = try? Base64URL.decode(parts[1]),
            let object = (try? JSONSerialization.jsonObject(with: Data(payload))) as? [String: Any],
            let exp = object["exp"] as? NSNumber
        else { return nil }
        return Date(timeIntervalSince1970: exp.doubleValue)
    }

    private func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8], what: String) throws -> T {
        do {
            return try KBS.decode(T.self, from: body)
        } catch {
            throw KBSClientError(.unexpectedResponse, "the broker's \(what) is malformed: \(error.detail)")
        }
    }
}
