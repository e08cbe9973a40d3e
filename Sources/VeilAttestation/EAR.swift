public import Crypto
public import Foundation
import _VeilBytes

/// An Entity Attestation Result (draft-ietf-rats-ear) signed as an ES256 JWT (RFC 7519), verifiable with a
/// JWKS (RFC 7517).
public enum EAR {
    /// The EAR profile identifier.
    public static let profile = "tag:github.com,2023:veraison/ear"

    /// AR4SI trustworthiness tiers (draft-ietf-rats-ar4si).
    public enum Tier: Int, Sendable {
        case none = 0
        case affirming = 2
        case warning = 32
        case contraindicated = 96

        var status: String {
            switch self {
            case .none: return "none"
            case .affirming: return "affirming"
            case .warning: return "warning"
            case .contraindicated: return "contraindicated"
            }
        }
    }

    /// The JSON claims set of a result.
    public static func claimsSet(
        for result: AttestationResult,
        verifierBuild: String,
        nonce: [UInt8]? = nil
    ) -> [String: Any] {
        let tier: Tier
        switch result.verdict {
        case .accepted:
            let warn = !result.relaxations.isEmpty || (result.tcbStatus.map { $0 != .upToDate } ?? false)
            tier = warn ? .warning : .affirming
        case .rejected, .invalid: tier = .contraindicated
        }
        func vector(_ authentic: Bool, _ check: (VerificationCheck) -> Bool) -> Int {
            guard authentic else { return Tier.contraindicated.rawValue }
            return result.checks.filter(check).allSatisfy(\.passed)
                ? Tier.affirming.rawValue : Tier.contraindicated.rawValue
        }
        let authentic = result.verdict != .invalid
        let trustworthiness: [String: Any] = [
            "instance-identity": vector(authentic) { $0.kind == .authenticity },
            "hardware": vector(authentic) { $0.name.contains("tcb") || $0.name.contains("chain") },
            "executables": vector(authentic) { $0.name.hasPrefix("policy.reference") },
            "configuration": vector(authentic) { $0.name == "policy.debug" || $0.name.hasPrefix("policy.minimum") },
            "runtime-opaque": vector(authentic) { $0.name == "policy.debug" || $0.name == "policy.simulated" },
        ]
        var veilClaims: [String: Any] = [:]
        for (key, value) in result.claims {
            switch value {
            case .bytes(let bytes): veilClaims[key] = Hex.encode(bytes)
            case .integer(let number): veilClaims[key] = number
            case .string(let text): veilClaims[key] = text
            case .bool(let flag): veilClaims[key] = flag
            }
        }
        var submod: [String: Any] = [
            "ear.status": tier.status,
            "ear.trustworthiness-vector": trustworthiness,
            "ear.veraison.annotated-evidence": veilClaims,
            "veil.verdict": result.verdict.rawValue,
            "veil.relaxations": result.relaxations,
        ]
        if let status = result.tcbStatus { submod["veil.tcb-status"] = status.rawValue }
        if !result.advisoryIDs.isEmpty { submod["veil.advisory-ids"] = result.advisoryIDs }
        if let failure = result.firstFailure { submod["veil.failed-check"] = failure.name }
        var set: [String: Any] = [
            "eat_profile": profile,
            "iat": Int(result.time.timeIntervalSince1970),
            "ear.verifier-id": ["developer": "https://github.com/veil", "build": verifierBuild],
            "submods": [(result.platform?.rawValue ?? "unknown"): submod],
        ]
        if let nonce { set["eat_nonce"] = Base64URL.encode(nonce) }
        return set
    }

    /// Signs a result as a compact JWS (ES256).
    public static func sign(
        _ result: AttestationResult,
        with key: P256.Signing.PrivateKey,
        keyID: String,
        verifierBuild: String = "veil",
        nonce: [UInt8]? = nil
    ) throws -> String {
        try JWT.sign(claims: claimsSet(for: result, verifierBuild: verifierBuild, nonce: nonce), key: key, keyID: keyID)
    }
}

/// Compact JWS/JWT with ES256 over swift-crypto's P-256.
public enum JWT {
    /// Signs a claims set.
    public static func sign(claims: [String: Any], key: P256.Signing.PrivateKey, keyID: String) throws -> String {
        let header: [String: Any] = ["alg": "ES256", "typ": "JWT", "kid": keyID]
        let headerJSON = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        let payloadJSON = try JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys])
        let input = Base64URL.encode(Array(headerJSON)) + "." + Base64URL.encode(Array(payloadJSON))
        let signature = try key.signature(for: Data(input.utf8))
        return input + "." + Base64URL.encode(Array(signature.rawRepresentation))
    }

    /// Verifies a compact JWS against a JWKS and returns its claims set.
    public static func verify(_ token: String, jwks: JWKS) throws(AttestationError) -> [String: Any] {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw AttestationError(.invalidToken, "a JWS has three parts") }
        guard let headerBytes = try? Base64URL.decode(parts[0]),
            let header = try? JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any],
            header["alg"] as? String == "ES256"
        else {
            throw AttestationError(.invalidToken, "the JWS header is not an ES256 header")
        }
        let keyID = header["kid"] as? String
        guard let key = jwks.key(id: keyID) else {
            throw AttestationError(.invalidToken, "no key in the JWKS matches kid \(keyID ?? "(none)")")
        }
        guard let signatureBytes = try? Base64URL.decode(parts[2]),
            let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signatureBytes),
            key.isValidSignature(signature, for: Data("\(parts[0]).\(parts[1])".utf8))
        else {
            throw AttestationError(.invalidSignature, "the token's ES256 signature does not verify")
        }
        guard let payloadBytes = try? Base64URL.decode(parts[1]),
            let payload = try? JSONSerialization.jsonObject(with: Data(payloadBytes)) as? [String: Any]
        else {
            throw AttestationError(.invalidToken, "the token's payload is not a JSON object")
        }
        return payload
    }
}

/// A JSON Web Key Set of P-256 verification keys.
public struct JWKS: Sendable {
    public let keys: [(id: String, key: P256.Signing.PublicKey)]

    public init(keys: [(id: String, key: P256.Signing.PublicKey)]) { self.keys = keys }

    /// Parses `{"keys":[{"kty":"EC","crv":"P-256","x":…,"y":…,"kid":…}]}`.
    public init(json: Data) throws(AttestationError) {
        guard let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
            let list = object["keys"] as? [[String: Any]]
        else { throw AttestationError(.invalidToken, "the JWKS is not {\"keys\": [...]}") }
        var keys: [(id: String, key: P256.Signing.PublicKey)] = []
        for entry in list where entry["kty"] as? String == "EC" && entry["crv"] as? String == "P-256" {
            guard let x = (entry["x"] as? String).flatMap({ try? Base64URL.decode($0) }),
                let y = (entry["y"] as? String).flatMap({ try? Base64URL.decode($0) }),
                x.count == 32, y.count == 32,
                let key = try? P256.Signing.PublicKey(rawRepresentation: x + y)
            else { throw AttestationError(.invalidToken, "a JWKS key has invalid coordinates") }
            keys.append((entry["kid"] as? String ?? "", key))
        }
        self.keys = keys
    }

    /// The JWKS document for these keys.
    public func json() throws -> Data {
        let list: [[String: Any]] = keys.map { entry in
            let raw = Array(entry.key.rawRepresentation)
            return [
                "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": entry.id,
                "x": Base64URL.encode(raw[0..<32]), "y": Base64URL.encode(raw[32..<64]),
            ]
        }
        return try JSONSerialization.data(withJSONObject: ["keys": list], options: [.sortedKeys])
    }

    func key(id: String?) -> P256.Signing.PublicKey? {
        if let id, let match = keys.first(where: { $0.id == id }) { return match.key }
        return id == nil && keys.count == 1 ? keys[0].key : nil
    }
}
