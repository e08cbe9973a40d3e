import Foundation
public import VeilAttestation

extension KBS {
    /// `POST /kbs/v0/auth` body: `{"version": "0.1.1", "tee": "snp", "extra-params": ""}`.
    public struct Request: Sendable, Hashable, Codable {
        /// The protocol version the guest speaks (0.1.x).
        public var version: String
        /// The TEE whose evidence will follow.
        public var tee: TEE
        /// TEE-specific parameters; Trustee sends a (JSON-in-a-)string, usually empty.
        public var extraParams: JSONValue

        /// Creates a request.
        public init(version: String = KBS.protocolVersion, tee: TEE, extraParams: JSONValue = .string("")) {
            self.version = version
            self.tee = tee
            self.extraParams = extraParams
        }

        enum CodingKeys: String, CodingKey {
            case version
            case tee
            case extraParams = "extra-params"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            version = try container.decode(String.self, forKey: .version)
            tee = try container.decode(TEE.self, forKey: .tee)
            extraParams = try container.decodeIfPresent(JSONValue.self, forKey: .extraParams) ?? .string("")
        }
    }

    /// The `auth` response: `{"nonce": "<base64>", "extra-params": ""}`, with the `kbs-session-id` cookie.
    public struct Challenge: Sendable, Hashable, Codable {
        /// The single-use nonce the evidence must bind (through ``RuntimeData/nonce``).
        public var nonce: String
        /// TEE-specific parameters (Trustee: a string, usually empty).
        public var extraParams: JSONValue

        /// Creates a challenge.
        public init(nonce: String, extraParams: JSONValue = .string("")) {
            self.nonce = nonce
            self.extraParams = extraParams
        }

        enum CodingKeys: String, CodingKey {
            case nonce
            case extraParams = "extra-params"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            nonce = try container.decode(String.self, forKey: .nonce)
            extraParams = try container.decodeIfPresent(JSONValue.self, forKey: .extraParams) ?? .string("")
        }
    }

    /// `POST /kbs/v0/attest` body: `{"runtime-data": {...}, "tee-evidence": {...}, "init-data": ...}`.
    public struct Attestation: Sendable, Hashable, Codable {
        /// The nonce, the TEE key and any extra members; its ``RuntimeData/canonicalJSON()`` is what the evidence
        /// binds (`ReportDataBinding.kbs`).
        public var runtimeData: RuntimeData
        /// The evidence: in Veil, an evidence bundle JSON object (docs/formats/evidence-bundle.md).
        public var teeEvidence: JSONValue
        /// Init data (Trustee: `{"format": ..., "body": ...}`), if the guest has any.
        public var initData: JSONValue?

        /// Creates an attestation message.
        public init(runtimeData: RuntimeData, teeEvidence: JSONValue, initData: JSONValue? = nil) {
            self.runtimeData = runtimeData
            self.teeEvidence = teeEvidence
            self.initData = initData
        }

        /// Creates an attestation message carrying a Veil evidence bundle.
        public init(
            runtimeData: RuntimeData,
            evidence: EvidenceBundle,
            initData: JSONValue? = nil
        )
            throws(KBSProtocolError)
        {
            self.init(runtimeData: runtimeData, teeEvidence: try JSONValue(json: evidence.json()), initData: initData)
        }

        /// The Veil evidence bundle the `tee-evidence` member holds.
        public func evidenceBundle() throws(AttestationError) -> EvidenceBundle {
            try EvidenceBundle(json: teeEvidence.jsonBytes())
        }

        enum CodingKeys: String, CodingKey {
            case runtimeData = "runtime-data"
            case teeEvidence = "tee-evidence"
            case initData = "init-data"
        }
    }

    /// The `attest` response: `{"token": "<EAR JWT>"}`.
    public struct AttestationResponse: Sendable, Hashable, Codable {
        /// The broker's EAR token (ES256 JWT).
        public var token: String

        /// Creates a response.
        public init(token: String) { self.token = token }
    }

    /// The `runtime-data` object: `nonce`, `tee-pubkey` (a JWK) and optional extra string members (Veil nodes add
    /// `veil-ohttp-keys`). Its canonical JSON (compact, keys sorted) is hashed into the evidence's report data.
    public struct RuntimeData: Sendable, Hashable, Codable {
        /// The challenge nonce.
        public var nonce: String
        /// The TEE's ephemeral public key; resources are wrapped to it.
        public var teePublicKey: PublicJWK
        /// Extra members (string values only), e.g. `veil-ohttp-keys`.
        public var extra: [String: String]

        /// The most extra members.
        public static let maximumExtraMembers = 16

        /// Creates runtime data.
        public init(nonce: String, teePublicKey: PublicJWK, extra: [String: String] = [:]) {
            self.nonce = nonce
            self.teePublicKey = teePublicKey
            self.extra = extra
        }

        /// The exact bytes a KBS binding hashes: compact JSON with sorted keys, as
        /// `ReportDataBinding.kbsRuntimeData` writes it (identical when there are no extra members).
        public func canonicalJSON() -> [UInt8] {
            var object: [String: Any] = [:]
            for (key, value) in extra { object[key] = value }
            object["nonce"] = nonce
            object["tee-pubkey"] = teePublicKey.members
            let data =
                (try? JSONSerialization.data(
                    withJSONObject: object,
                    options: [.sortedKeys, .withoutEscapingSlashes]
                )) ?? Data()
            return Array(data)
        }

        /// Parses runtime-data JSON bytes (for example the `runtime_data` string a bundle's binding carries).
        public init(json bytes: [UInt8]) throws(KBSProtocolError) {
            self = try KBS.decode(RuntimeData.self, from: bytes)
        }

        struct MemberKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: MemberKey.self)
            nonce = try container.decode(String.self, forKey: MemberKey(stringValue: "nonce"))
            teePublicKey = try container.decode(PublicJWK.self, forKey: MemberKey(stringValue: "tee-pubkey"))
            var extra: [String: String] = [:]
            for key in container.allKeys where key.stringValue != "nonce" && key.stringValue != "tee-pubkey" {
                guard extra.count < Self.maximumExtraMembers else {
                    throw DecodingError.dataCorruptedError(
                        forKey: key,
                        in: container,
                        debugDescription: "runtime-data has too many members"
                    )
                }
                extra[key.stringValue] = try container.decode(String.self, forKey: key)
            }
            self.extra = extra
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: MemberKey.self)
            for (key, value) in extra { try container.encode(value, forKey: MemberKey(stringValue: key)) }
            try container.encode(nonce, forKey: MemberKey(stringValue: "nonce"))
            try container.encode(teePublicKey, forKey: MemberKey(stringValue: "tee-pubkey"))
        }
    }

    /// Decodes a protocol message, bounded by ``maximumMessageSize``; any failure is a `malformedMessage`.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws(KBSProtocolError) -> T {
        guard bytes.count <= maximumMessageSize else {
            throw KBSProtocolError(.malformedMessage, "the message exceeds \(maximumMessageSize) bytes")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw KBSProtocolError(.malformedMessage, Self.explain(error))
        } catch {
            throw KBSProtocolError(.malformedMessage, "not a \(T.self) message")
        }
    }

    /// Encodes a protocol message as compact JSON with sorted keys.
    public static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(value)) ?? Data())
    }

    private static func explain(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, _): return "the member \"\(key.stringValue)\" is missing"
        case .typeMismatch(_, let context): return "the member \"\(path(context))\" has the wrong type"
        case .valueNotFound(_, let context): return "the member \"\(path(context))\" is null"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not JSON" : "\(path(context)): \(context.debugDescription)"
        @unknown default: return "malformed"
        }
    }
}
