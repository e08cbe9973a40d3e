import Crypto
import Foundation
import Hummingbird
import Synchronization
import VeilAttestation
import VeilAttesters
import VeilKeyBroker
import VeilWire
import _VeilBytes

/// A minimal in-test KBS that checks what a client sends byte for byte (the runtime-data binding, the nonce, the
/// cookie and bearer) and answers like the protocol says, so the client is tested without the real broker.
final class StubBroker: Sendable {
    struct State {
        var nonces: [String: String] = [:]  // session -> nonce
        var tokens: [String: KBS.PublicJWK] = [:]  // token -> TEE key
        var lastAttestation: KBS.Attestation?
        var lastResourceHeaders: [String: String] = [:]
    }

    let state = Mutex(State())
    let secret: [UInt8]
    let setCookie: Bool

    init(secret: [UInt8], setCookie: Bool = true) {
        self.secret = secret
        self.setCookie = setCookie
    }

    static func problem(_ status: HTTPResponse.Status, _ slug: String) -> Response {
        let body = #"{"type":"https://veil.dev/problems/kbs/\#(slug)","title":"\#(slug)","status":\#(status.code)}"#
        return Response(
            status: status,
            headers: [.contentType: "application/problem+json"],
            body: .init(byteBuffer: ByteBuffer(string: body))
        )
    }

    static func json(_ bytes: [UInt8], headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    func application() -> some ApplicationProtocol {
        let router = Router()
        router.post("kbs/v0/auth") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 65536)
            guard let message = try? KBS.decode(KBS.Request.self, from: Array(body.readableBytesView)),
                KBS.isSupportedVersion(message.version)
            else { return Self.problem(.badRequest, "bad-request") }
            let session = Hex.encode(SymmetricKey.randomNonSecretBytes(count: 16))
            let nonce = Base64.encode(SymmetricKey.randomNonSecretBytes(count: 32))
            self.state.withLock { $0.nonces[session] = nonce }
            var headers: HTTPFields = [:]
            if self.setCookie { headers[.setCookie] = "kbs-session-id=\(session); Path=/kbs; HttpOnly" }
            return Self.json(KBS.encode(KBS.Challenge(nonce: nonce)), headers: headers)
        }
        router.post("kbs/v0/attest") { request, _ -> Response in
            var request = request
            guard let session = request.cookies["kbs-session-id"]?.value,
                let nonce = self.state.withLock({ $0.nonces.removeValue(forKey: session) })
            else { return Self.problem(.unauthorized, "unauthorized") }
            let body = try await request.collectBody(upTo: 1 << 20)
            guard let attestation = try? KBS.decode(KBS.Attestation.self, from: Array(body.readableBytesView)),
                let bundle = try? attestation.evidenceBundle()
            else { return Self.problem(.badRequest, "bad-request") }
            let binding = ReportDataBinding.kbs(runtimeData: attestation.runtimeData.canonicalJSON(), hash: .sha384)
            guard attestation.runtimeData.nonce == nonce else { return Self.problem(.unauthorized, "nonce-replayed") }
            guard bundle.binding == binding, bundle.reportData == binding.reportData else {
                return Self.problem(.unauthorized, "evidence-invalid")
            }
            let exp = Int(Date().timeIntervalSince1970) + 120
            let token =
                "eyJhbGciOiJFUzI1NiJ9." + Base64URL.encode(Array(#"{"exp":\#(exp)}"#.utf8)) + "."
                + Hex.encode(SymmetricKey.randomNonSecretBytes(count: 8))
            self.state.withLock {
                $0.tokens[token] = attestation.runtimeData.teePublicKey
                $0.lastAttestation = attestation
            }
            return Self.json(KBS.encode(KBS.AttestationResponse(token: token)))
        }
        router.get("kbs/v0/resource/:repository/:type/:tag") { request, context -> Response in
            let authorization = request.headers[.authorization] ?? ""
            self.state.withLock {
                $0.lastResourceHeaders = [
                    "authorization": authorization, "cookie": request.headers[.cookie] ?? "",
                ]
            }
            guard authorization.hasPrefix("Bearer "),
                let key = self.state.withLock({ $0.tokens[String(authorization.dropFirst(7))] })
            else { return Self.problem(.unauthorized, "unauthorized") }
            let tag = context.parameters.get("tag") ?? ""
            if tag == "denied" { return Self.problem(.forbidden, "policy-denied") }
            var jwe = try JWE.seal(plaintext: self.secret, to: key)
            if tag == "tampered" { jwe.ciphertext = String(jwe.ciphertext.reversed()) }
            return Self.json(jwe.json())
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }
}

/// An attester that returns a bundle with exactly the report data asked for (the stub checks bindings, not
/// signatures; the real broker's tests use the SIMULATED TEE and swtpm).
struct EchoAttester: Attester {
    var tee: AttestationPlatform { .simulated }

    func evidence(reportData: [UInt8]) async throws(AttesterError) -> EvidenceBundle {
        EvidenceBundle(
            tee: .simulated,
            evidence: Array("echo".utf8),
            reportData: reportData,
            createdAt: Date(),
            producer: "echo"
        )
    }
}
