public import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import VeilAttestation
import VeilOHTTP
public import VeilWire
import _VeilBytes

/// The Veil client SDK (docs/client.md): fetches a node's attestation bundle through the relay, verifies it
/// (evidence through the platform verifiers and the policy, the broker's EAR through its JWKS, the binding of the
/// node's key configurations, freshness), caches it and checks its age on every request, then encrypts every
/// request end to end to the node with Oblivious HTTP — chunked OHTTP for streams — preferring X-Wing.
///
/// Nothing of a request leaves the process before the node is verified.
public struct VeilClient: Sendable {
    /// The configuration.
    public let configuration: Configuration
    let httpClient: HTTPClient
    let store: BundleStore

    /// A client; `httpClient` defaults to the shared one.
    public init(configuration: Configuration, httpClient: HTTPClient = .shared) {
        self.configuration = configuration
        self.httpClient = httpClient
        store = BundleStore()
    }

    /// The relay URL for a path.
    func url(_ path: String) -> String {
        var text = configuration.relayURL.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return text + path
    }

    /// The verified bundle in use: the cached one while usable, else a fresh one fetched and verified now.
    public func verifiedBundle() async throws(VeilClientError) -> VerifiedBundle {
        if let cached = await store.current(at: Date()) { return cached }
        return try await refresh()
    }

    /// Fetches and verifies the bundle now, replacing the cached one.
    @discardableResult
    public func refresh() async throws(VeilClientError) -> VerifiedBundle {
        let nonce = freshNonce()
        let bundle = try await fetchBundle(nonce: nonce)
        let jwks = try await brokerJWKS()
        let verified = try BundleVerifier(configuration: configuration).verify(
            bundle,
            jwks: jwks,
            at: Date(),
            nonce: nonce
        )
        await store.replace(with: verified)
        return verified
    }

    /// Fetches and verifies the bundle without caching or throwing on a failed check: every step, for people.
    public func inspect() async throws(VeilClientError) -> BundleVerification {
        let nonce = freshNonce()
        let bundle = try await fetchBundle(nonce: nonce)
        let jwks = try await brokerJWKS()
        return BundleVerifier(configuration: configuration).evaluate(bundle, jwks: jwks, at: Date(), nonce: nonce).0
    }

    /// The nonce for the next bundle fetch: 32 random bytes, base64url, whenever this client verifies evidence
    /// itself (the node then attests over it, which makes the bundle fresh without trusting any clock but this
    /// one); nil for an EAR-only client, whose freshness is the broker's signed `iat`/`exp`.
    func freshNonce() -> String? {
        configuration.verifyEvidence ? Self.makeNonce() : nil
    }

    /// 32 random bytes, base64url without padding.
    public static func makeNonce() -> String {
        Base64URL.encode(SymmetricKey.randomNonSecretBytes(count: 32))
    }

    /// `GET /.well-known/veil/attestation` through the relay, with `?nonce=` when given (the node then attests
    /// anew over runtime data whose `nonce` member is exactly `nonce`).
    public func fetchBundle(nonce: String? = nil) async throws(VeilClientError) -> AttestationBundle {
        let path = "/.well-known/veil/attestation" + (nonce.map { "?nonce=\($0)" } ?? "")
        let bytes = try await get(url(path), limit: AttestationBundle.maximumSize)
        do {
            return try AttestationBundle(json: bytes)
        } catch {
            throw VeilClientError(.malformedBundle, error.description)
        }
    }

    func brokerJWKS() async throws(VeilClientError) -> JWKS? {
        guard let source = configuration.brokerJWKS else { return nil }
        if let cached = await store.jwks { return cached }
        let data: Data
        switch source {
        case .json(let json): data = json
        case .url(let url): data = Data(try await get(url.absoluteString, limit: 1 << 20))
        }
        do {
            let jwks = try JWKS(json: data)
            await store.setJWKS(jwks)
            return jwks
        } catch {
            throw VeilClientError(.configuration, "the broker's JWKS is not usable: \(error.reason)")
        }
    }

    func get(_ url: String, limit: Int) async throws(VeilClientError) -> [UInt8] {
        do {
            let response = try await httpClient.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
            let body = try await response.body.collect(upTo: limit)
            guard response.status == .ok else {
                throw VeilClientError(
                    .transport,
                    "GET \(url) answered \(response.status.code)\(Problem(decoding: Array(buffer: body))?.summary ?? "")",
                    status: Int(response.status.code)
                )
            }
            return Array(buffer: body)
        } catch let error as VeilClientError {
            throw error
        } catch {
            throw VeilClientError(.transport, "GET \(url) failed: \(error)")
        }
    }
}

/// The verified bundle in use and the broker's JWKS.
actor BundleStore {
    private var bundle: VerifiedBundle?
    private(set) var jwks: JWKS?

    func current(at time: Date) -> VerifiedBundle? {
        guard let bundle, bundle.isUsable(at: time) else { return nil }
        return bundle
    }

    func replace(with bundle: VerifiedBundle) { self.bundle = bundle }

    /// Drops the bundle if it still holds these key configurations (a stale answer for them).
    func invalidate(_ keyConfigs: [OHTTP.KeyConfig]) {
        if bundle?.keyConfigs == keyConfigs { bundle = nil }
    }

    func setJWKS(_ jwks: JWKS) { self.jwks = jwks }
}
