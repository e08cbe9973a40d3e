import Crypto
public import Foundation
public import VeilKeys
import _VeilBytes

/// An administrator's role. Roles come from the configured key, not from the token.
public enum AdminRole: String, Sendable, Hashable, Codable, CaseIterable {
    /// Everything.
    case admin
    /// Resources and policies of one repository.
    case tenantAdmin = "tenant-admin"
    /// Read the audit trail only.
    case auditor
}

/// A key allowed to sign admin tokens, with its role (and repository for tenant admins).
public struct AdminKey: Sendable, Hashable {
    /// The public key (Ed25519 or P-256).
    public let key: SigningPublicKey
    /// The role its tokens carry.
    public let role: AdminRole
    /// The repository a tenant admin may manage.
    public let repository: String?

    /// A configured admin key.
    public init(key: SigningPublicKey, role: AdminRole, repository: String? = nil) {
        self.key = key
        self.role = role
        self.repository = repository
    }
}

/// An authenticated administrator.
public struct AdminIdentity: Sendable, Hashable {
    /// The role.
    public let role: AdminRole
    /// The repository, for tenant admins.
    public let repository: String?
    /// The RFC 7638 thumbprint of the signing key (the audit trail's actor).
    public let keyThumbprint: String
}

/// Admin bearer tokens: compact JWS (`EdDSA` for Ed25519 keys, `ES256` for P-256), header `kid` = the key's
/// RFC 7638 thumbprint, claims `aud` = `veil-kbs`, `iat`, `exp` (at most 1 hour after `iat`).
public enum AdminToken {
    /// The audience every admin token names.
    public static let audience = "veil-kbs"
    /// The longest lifetime accepted.
    public static let maximumLifetime: TimeInterval = 3600

    /// Signs a token with an admin private key (what `veil kbs resource …` does).
    public static func sign(key: SigningPrivateKey, now: Date = Date(), lifetime: TimeInterval = 300) throws -> String {
        let alg = key.kind == .ed25519 ? "EdDSA" : "ES256"
        let header: [String: Any] = ["alg": alg, "typ": "JWT", "kid": key.publicKey.thumbprint]
        let claims: [String: Any] = [
            "aud": audience, "iat": Int(now.timeIntervalSince1970), "exp": Int(now.timeIntervalSince1970 + lifetime),
            "jti": Base64URL.encode(SymmetricKey.randomNonSecretBytes(count: 16)),
        ]
        let headerJSON = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        let claimsJSON = try JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys])
        let input = Base64URL.encode(Array(headerJSON)) + "." + Base64URL.encode(Array(claimsJSON))
        return input + "." + Base64URL.encode(try key.signature(for: Array(input.utf8)))
    }

    /// Verifies a token against the configured keys. No key configured: always `unauthorized` (closed).
    public static func verify(_ token: String, keys: [AdminKey], now: Date) throws(KeyBrokerError) -> AdminIdentity {
        guard !keys.isEmpty else {
            throw KeyBrokerError(.unauthorized, "the admin API is closed: the broker has no admin key configured")
        }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= 8192, parts.count == 3,
            let headerBytes = try? Base64URL.decode(parts[0]),
            let header = (try? JSONSerialization.jsonObject(with: Data(headerBytes))) as? [String: Any],
            let kid = header["kid"] as? String, let alg = header["alg"] as? String
        else { throw KeyBrokerError(.unauthorized, "the admin token is not a JWS with alg and kid") }
        guard let match = keys.first(where: { $0.key.thumbprint == kid }) else {
            throw KeyBrokerError(.unauthorized, "the admin token's key is not configured")
        }
        guard alg == (match.key.kind == .ed25519 ? "EdDSA" : "ES256") else {
            throw KeyBrokerError(.unauthorized, "the admin token's alg does not match its key")
        }
        guard let signature = try? Base64URL.decode(parts[2]),
            match.key.isValidSignature(signature, for: Array("\(parts[0]).\(parts[1])".utf8))
        else { throw KeyBrokerError(.unauthorized, "the admin token's signature does not verify") }
        guard let claimBytes = try? Base64URL.decode(parts[1]),
            let claims = (try? JSONSerialization.jsonObject(with: Data(claimBytes))) as? [String: Any],
            claims["aud"] as? String == audience,
            let iat = (claims["iat"] as? NSNumber)?.doubleValue, let exp = (claims["exp"] as? NSNumber)?.doubleValue
        else { throw KeyBrokerError(.unauthorized, "the admin token lacks aud veil-kbs, iat or exp") }
        let time = now.timeIntervalSince1970
        guard exp > time else { throw KeyBrokerError(.unauthorized, "the admin token expired") }
        guard iat <= time + 60, exp - iat <= maximumLifetime else {
            throw KeyBrokerError(.unauthorized, "the admin token's lifetime is not acceptable (at most 1 hour)")
        }
        return AdminIdentity(role: match.role, repository: match.repository, keyThumbprint: kid)
    }
}

extension AdminIdentity {
    /// Throws `forbidden` unless this identity may manage `repository` (nil: broker-wide objects).
    public func authorizeManage(repository: String?) throws(KeyBrokerError) {
        switch role {
        case .admin: return
        case .tenantAdmin:
            guard let repository, repository == self.repository else {
                throw KeyBrokerError(.forbidden, "a tenant admin manages only its own repository")
            }
        case .auditor: throw KeyBrokerError(.forbidden, "an auditor may only read the audit trail")
        }
    }

    /// Throws `forbidden` unless this identity may read the audit trail.
    public func authorizeAudit() throws(KeyBrokerError) {
        guard role == .admin || role == .auditor else {
            throw KeyBrokerError(.forbidden, "only admins and auditors read the audit trail")
        }
    }
}
