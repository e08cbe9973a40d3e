public import Foundation
import VeilAttestation
public import VeilKeys
import Crypto
import _VeilBytes

/// The SIMULATED TEE: evidence for development and CI on machines without a TEE. It proves nothing about the
/// machine — anyone holding the dev root key can write any statement — so every default and baseline policy
/// rejects it unless `allowSimulated` is set, and every output that involves it says SIMULATED.
///
/// Evidence is a JWS (RFC 7515, compact serialisation) signed with the dev root key (ES256 or EdDSA, a VeilKeys
/// JWK); the protected header carries the public key (`jwk`) and `typ` ``evidenceType``; the payload is a
/// ``Statement``. docs/formats/simulated-evidence.md gives it member by member.
public enum SimulatedTEE {
    /// The JWS `typ` of simulated evidence.
    public static let evidenceType = "veil-simulated-evidence"
    /// The marker every statement carries in its `simulated` member.
    public static let marker = "SIMULATED"

    /// What the simulated TEE asserts (the JWS payload).
    public struct Statement: Sendable, Hashable, Codable {
        /// Always ``SimulatedTEE/marker``.
        public var simulated: String
        /// Format version, 1.
        public var version: Int
        /// The 64 bytes of report data, hex.
        public var reportData: String
        /// SHA-384 of the running executable's bytes, hex.
        public var measurement: String
        /// The path of the executable that was measured.
        public var executable: String
        /// SHA-384 of the canonical configuration JSON, hex.
        public var configDigest: String
        /// The configuration that was measured (string members, sorted keys when hashed).
        public var configuration: [String: String]
        /// When the statement was made, seconds since 1970 (signed, so policies may bound its age).
        public var issuedAt: Int64

        /// A statement; `config_digest` is computed from `configuration`.
        public init(
            reportData: [UInt8],
            measurement: [UInt8],
            executable: String,
            configuration: [String: String],
            issuedAt: Date
        ) {
            simulated = SimulatedTEE.marker
            version = 1
            self.reportData = Hex.encode(reportData)
            self.measurement = Hex.encode(measurement)
            self.executable = executable
            self.configuration = configuration
            configDigest = Hex.encode(SimulatedTEE.configurationDigest(configuration))
            self.issuedAt = Int64(issuedAt.timeIntervalSince1970.rounded(.down))
        }

        enum CodingKeys: String, CodingKey {
            case simulated, version, measurement, executable, configuration
            case reportData = "report_data"
            case configDigest = "config_digest"
            case issuedAt = "iat"
        }
    }

    /// SHA-384 over the configuration as compact JSON with sorted keys.
    public static func configurationDigest(_ configuration: [String: String]) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(configuration)) ?? Data()
        return Array(SHA384Digest.hash(Array(data)))
    }

    /// Signs a statement with the dev root key: `BASE64URL(header) . BASE64URL(payload) . BASE64URL(signature)`.
    public static func sign(_ statement: Statement, with key: SigningPrivateKey) throws -> [UInt8] {
        let header = Header(alg: key.kind == .p256 ? "ES256" : "EdDSA", typ: evidenceType, jwk: key.publicKey.jwk)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let signingInput =
            Base64URL.encode(Array(try encoder.encode(header))) + "."
            + Base64URL.encode(Array(try encoder.encode(statement)))
        let signature = try key.signature(for: Array(signingInput.utf8))
        return Array((signingInput + "." + Base64URL.encode(signature)).utf8)
    }

    /// The JWS protected header.
    struct Header: Codable {
        var alg: String
        var typ: String
        var jwk: JWK
    }

    /// Parsed, not yet verified, simulated evidence.
    struct Parsed {
        let header: Header
        let publicKey: SigningPublicKey
        let statement: Statement
        let signingInput: [UInt8]
        let signature: [UInt8]

        init(_ bytes: [UInt8]) throws(AttestationError) {
            let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 3, let headerBytes = try? Base64URL.decode(parts[0]),
                let payload = try? Base64URL.decode(parts[1]), let signature = try? Base64URL.decode(parts[2])
            else {
                throw AttestationError(.malformedEvidence, "SIMULATED evidence is not a compact JWS")
            }
            let decoder = JSONDecoder()
            guard let header = try? decoder.decode(Header.self, from: Data(headerBytes)),
                header.typ == SimulatedTEE.evidenceType
            else {
                throw AttestationError(.malformedEvidence, "the JWS header is not typ \(SimulatedTEE.evidenceType)")
            }
            guard let statement = try? decoder.decode(Statement.self, from: Data(payload)),
                statement.simulated == SimulatedTEE.marker, statement.version == 1,
                (try? Hex.decode(statement.reportData))?.count == ReportDataBinding.size
            else {
                throw AttestationError(.malformedEvidence, "the SIMULATED statement is malformed")
            }
            do {
                publicKey = try SigningPublicKey(jwk: header.jwk)
            } catch {
                throw AttestationError(.malformedEvidence, "the dev root key in the header is invalid: \(error)")
            }
            let expectedAlgorithm = publicKey.kind == .p256 ? "ES256" : "EdDSA"
            guard header.alg == expectedAlgorithm else {
                throw AttestationError(
                    .malformedEvidence,
                    "alg \(header.alg) does not match the key (\(expectedAlgorithm))"
                )
            }
            self.header = header
            self.statement = statement
            self.signature = signature
            signingInput = Array((parts[0] + "." + parts[1]).utf8)
        }
    }

    /// Whether bytes look like simulated evidence (a compact JWS whose header has our `typ`).
    public static func isEvidence(_ bytes: [UInt8]) -> Bool {
        (try? Parsed(bytes)) != nil
    }
}

/// SHA-384 through swift-crypto, kept here so the format file reads on its own.
enum SHA384Digest {
    static func hash(_ bytes: [UInt8]) -> [UInt8] {
        Array(Crypto.SHA384.hash(data: bytes))
    }
}
