public import Foundation
public import VeilAttestation

/// A typed view of an EAR claims set as the broker issues it (see docs/protocols/kbs.md): the one submodule
/// named after the platform, its status, TCB status, relaxations and annotated evidence claims, plus the
/// broker's own members.
public struct EARClaims: Sendable {
    /// The whole claims set as JSON (what is stored for a session).
    public let json: String
    /// The platform (the submodule's name).
    public let platform: String
    /// `ear.status`: `affirming`, `warning`, `contraindicated` or `none`.
    public let status: String
    /// `veil.verdict`: `accepted`, `rejected` or `invalid`.
    public let verdict: String?
    /// `veil.tcb-status`, if the platform has one.
    public let tcbStatus: String?
    /// `veil.relaxations`.
    public let relaxations: [String]
    /// `ear.veraison.annotated-evidence`: claim name to string value (bytes as lowercase hex).
    public let evidenceClaims: [String: String]
    /// `iat`.
    public let issuedAt: Date?
    /// `exp`.
    public let expiresAt: Date?
    /// `veil.tee-pubkey-thumbprint`.
    public let teeKeyThumbprint: String?
    /// `veil.evidence-digest`.
    public let evidenceDigest: String?
    /// `veil.runtime-data`'s `tee-pubkey` (JWK members).
    public let teePublicKey: [String: String]?
    /// `aud`: the broker audience and, when the node named one, `tenant:<tenant>`.
    public let audience: [String]
    /// `veil.tenant`: the tenant (broker repository) the node serves, as its runtime-data named it.
    public let tenant: String?
    /// `veil.log-release`: the logged release the broker verified the evidence against.
    public let logRelease: LogRelease?
    /// `veil.log-release-error`: why a stapled inclusion did not verify.
    public let logReleaseError: String?

    /// The `veil.log-release` claim: where in which log the release that the evidence matched is listed.
    public struct LogRelease: Sendable, Hashable, Codable {
        /// The log's origin (checkpoint first line).
        public let origin: String
        /// The release entry's leaf index.
        public let leafIndex: UInt64
        /// The tree size of the checkpoint the inclusion was proved in.
        public let treeSize: UInt64
        /// The release's name.
        public let name: String
        /// The release's version.
        public let version: String
        /// The checkpoint's signed time (POSIX seconds).
        public let checkpointTime: Int64

        /// A claim.
        public init(
            origin: String,
            leafIndex: UInt64,
            treeSize: UInt64,
            name: String,
            version: String,
            checkpointTime: Int64
        ) {
            self.origin = origin
            self.leafIndex = leafIndex
            self.treeSize = treeSize
            self.name = name
            self.version = version
            self.checkpointTime = checkpointTime
        }

        enum CodingKeys: String, CodingKey {
            case origin, name, version
            case leafIndex = "leaf_index"
            case treeSize = "tree_size"
            case checkpointTime = "checkpoint_time"
        }

        /// The claim as a JSON object.
        public var jsonObject: [String: Any] {
            [
                "origin": origin, "leaf_index": leafIndex, "tree_size": treeSize, "name": name, "version": version,
                "checkpoint_time": checkpointTime,
            ]
        }

        /// Reads the claim; nil when any member is missing or has the wrong type.
        init?(_ object: Any?) {
            guard let object = object as? [String: Any], let origin = object["origin"] as? String,
                let leaf = object["leaf_index"] as? NSNumber, let size = object["tree_size"] as? NSNumber,
                let name = object["name"] as? String, let version = object["version"] as? String,
                let time = object["checkpoint_time"] as? NSNumber, leaf.int64Value >= 0, size.int64Value > 0
            else { return nil }
            self.init(
                origin: origin,
                leafIndex: leaf.uint64Value,
                treeSize: size.uint64Value,
                name: name,
                version: version,
                checkpointTime: time.int64Value
            )
        }
    }

    /// Reads a claims set. Fails when it is not an EAR with exactly one submodule.
    public init(_ claims: [String: Any]) throws(KeyBrokerError) {
        guard let submods = claims["submods"] as? [String: Any], submods.count == 1,
            let (platform, value) = submods.first, let submod = value as? [String: Any],
            let status = submod["ear.status"] as? String
        else { throw KeyBrokerError(.tokenInvalid, "the token is not an EAR with one submodule") }
        self.platform = platform
        self.status = status
        verdict = submod["veil.verdict"] as? String
        tcbStatus = submod["veil.tcb-status"] as? String
        relaxations = submod["veil.relaxations"] as? [String] ?? []
        var evidence: [String: String] = [:]
        for (key, value) in submod["ear.veraison.annotated-evidence"] as? [String: Any] ?? [:] {
            switch value {
            case let text as String: evidence[key] = text.lowercased()
            case let number as NSNumber: evidence[key] = number.stringValue
            default: continue
            }
        }
        evidenceClaims = evidence
        issuedAt = (claims["iat"] as? NSNumber).map { Date(timeIntervalSince1970: $0.doubleValue) }
        expiresAt = (claims["exp"] as? NSNumber).map { Date(timeIntervalSince1970: $0.doubleValue) }
        teeKeyThumbprint = claims["veil.tee-pubkey-thumbprint"] as? String
        evidenceDigest = claims["veil.evidence-digest"] as? String
        teePublicKey = ((claims["veil.runtime-data"] as? [String: Any])?["tee-pubkey"] as? [String: Any])?
            .compactMapValues { $0 as? String }
        switch claims["aud"] {
        case let single as String: audience = [single]
        case let list as [Any]: audience = list.compactMap { $0 as? String }
        default: audience = []
        }
        tenant = claims["veil.tenant"] as? String
        if let release = claims["veil.log-release"] {
            guard let parsed = LogRelease(release) else {
                throw KeyBrokerError(.tokenInvalid, "the token's veil.log-release is malformed")
            }
            logRelease = parsed
        } else {
            logRelease = nil
        }
        logReleaseError = claims["veil.log-release-error"] as? String
        let data = (try? JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys])) ?? Data()
        json = String(decoding: data, as: UTF8.self)
    }

    /// Reads a stored claims JSON.
    public init(json: String) throws(KeyBrokerError) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] else {
            throw KeyBrokerError(.tokenInvalid, "the stored claims are not a JSON object")
        }
        try self.init(object)
    }

    /// Verifies a broker token (ES256 JWT) against the broker's JWKS and reads its claims; expired tokens fail
    /// with `token-expired`.
    public static func verify(token: String, jwks: JWKS, now: Date) throws(KeyBrokerError) -> EARClaims {
        let claims: [String: Any]
        do {
            claims = try JWT.verify(token, jwks: jwks)
        } catch {
            throw KeyBrokerError(.tokenInvalid, "the token does not verify under the broker's keys")
        }
        let parsed = try EARClaims(claims)
        guard let expiry = parsed.expiresAt else { throw KeyBrokerError(.tokenInvalid, "the token has no exp") }
        guard now < expiry else { throw KeyBrokerError(.tokenExpired, "the token expired") }
        return parsed
    }
}
