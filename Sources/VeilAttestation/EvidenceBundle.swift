public import Foundation
import _VeilBytes

/// What a node publishes to prove itself (docs/formats/evidence-bundle.md): the TEE type, the evidence bytes
/// exactly as the TEE produced them, the collateral stapled by the attester, the inputs of the report-data
/// binding, and the creation time. JSON; binary fields are base64url without padding, digests lowercase hex.
public struct EvidenceBundle: Sendable, Hashable {
    /// The value of the `format` member that identifies a bundle.
    public static let formatName = "veil-evidence-bundle"
    /// The only version defined.
    public static let currentVersion = 1
    /// The marker every bundle from the simulated TEE carries in its `simulated` member.
    public static let simulatedMarker = "SIMULATED TEE: development only, proves nothing about this machine"

    /// One stapled collateral item (a certificate, a CRL, an event log).
    public struct Item: Sendable, Hashable {
        /// The item's name (for people; verifiers classify collateral by content).
        public var name: String
        /// The item's bytes (DER certificate, CRL, event log).
        public var bytes: [UInt8]

        /// An item.
        public init(name: String, bytes: [UInt8]) {
            self.name = name
            self.bytes = bytes
        }
    }

    /// The TEE (or root of trust) that produced the evidence.
    public var tee: AttestationPlatform
    /// The evidence bytes: an SEV-SNP report, a DCAP quote, a TPM quote bundle (JSON), a simulated statement (JWS).
    public var evidence: [UInt8]
    /// Collateral stapled by the attester (SNP VCEK/ASK/ARK from the certificate table, the TPM event log).
    public var collateral: [Item]
    /// The inputs of the report data, so a verifier can recompute it; absent for raw report data.
    public var binding: ReportDataBinding?
    /// The report data the attester asked the TEE to sign (64 bytes).
    public var reportData: [UInt8]
    /// When the attester made the bundle (not signed by hardware TEEs: use the nonce for freshness).
    public var createdAt: Date
    /// Who produced it, for people: the attester and the interface (`configfs-tsm/sev_guest`, `swtpm`, …).
    public var producer: String

    /// A bundle from its parts; ``json()`` encodes it.
    public init(
        tee: AttestationPlatform,
        evidence: [UInt8],
        collateral: [Item] = [],
        binding: ReportDataBinding? = nil,
        reportData: [UInt8],
        createdAt: Date,
        producer: String
    ) {
        self.tee = tee
        self.evidence = evidence
        self.collateral = collateral
        self.binding = binding
        self.reportData = reportData
        self.createdAt = createdAt
        self.producer = producer
    }

    /// Whether a JSON object is an evidence bundle.
    public static func isBundle(_ object: [String: Any]) -> Bool {
        object["format"] as? String == formatName
    }

    /// Encodes the bundle as JSON (pretty-printed, sorted keys).
    public func json() -> [UInt8] {
        var object: [String: Any] = [
            "format": Self.formatName,
            "version": Self.currentVersion,
            "tee": tee.rawValue,
            "evidence": Base64URL.encode(evidence),
            "collateral": collateral.map { ["name": $0.name, "data": Base64URL.encode($0.bytes)] },
            "report_data": Hex.encode(reportData),
            "created_at": Self.timeFormatter.string(from: createdAt),
            "producer": producer,
        ]
        if tee == .simulated { object["simulated"] = Self.simulatedMarker }
        switch binding {
        case .veil(let nonce, let keys, let initData):
            var members: [String: Any] = [
                "scheme": "veil-v1", "nonce": Hex.encode(nonce), "public_keys": keys.map { Hex.encode($0) },
            ]
            if let initData { members["init_data"] = Hex.encode(initData) }
            object["binding"] = members
        case .kbs(let runtimeData, let hash):
            object["binding"] = [
                "scheme": "kbs", "runtime_data": String(decoding: runtimeData, as: UTF8.self), "hash": hash.rawValue,
            ]
        case nil:
            break
        }
        let data =
            (try? JSONSerialization.data(
                withJSONObject: object,
                options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            )) ?? Data()
        return Array(data) + [0x0A]
    }

    /// Decodes a bundle, checking every member.
    public init(json bytes: [UInt8]) throws(AttestationError) {
        guard let object = EvidenceJSON.object(bytes), Self.isBundle(object) else {
            throw AttestationError(
                .malformedEvidence,
                "not a Veil evidence bundle (JSON with format \(Self.formatName))"
            )
        }
        guard object["version"] as? Int == Self.currentVersion else {
            throw AttestationError(
                .malformedEvidence,
                "evidence bundle version \(object["version"] ?? "none") is not 1"
            )
        }
        guard let teeName = object["tee"] as? String, let tee = AttestationPlatform(rawValue: teeName) else {
            throw AttestationError(.malformedEvidence, "the bundle's tee \(object["tee"] ?? "none") is unknown")
        }
        guard let evidenceText = object["evidence"] as? String, let evidence = try? Base64URL.decode(evidenceText),
            !evidence.isEmpty
        else {
            throw AttestationError(.malformedEvidence, "the bundle's evidence is not base64url")
        }
        var items: [Item] = []
        for entry in object["collateral"] as? [[String: Any]] ?? [] {
            guard let name = entry["name"] as? String, let text = entry["data"] as? String,
                let data = try? Base64URL.decode(text)
            else {
                throw AttestationError(.malformedEvidence, "a stapled collateral item lacks name or base64url data")
            }
            items.append(Item(name: name, bytes: data))
        }
        guard let reportText = object["report_data"] as? String, let reportData = try? Hex.decode(reportText) else {
            throw AttestationError(.malformedEvidence, "the bundle's report_data is not hex")
        }
        guard let createdText = object["created_at"] as? String,
            let created = Self.timeFormatter.date(from: createdText)
        else {
            throw AttestationError(.malformedEvidence, "the bundle's created_at is not an RFC 3339 time")
        }
        self.init(
            tee: tee,
            evidence: evidence,
            collateral: items,
            binding: try Self.binding(object["binding"]),
            reportData: reportData,
            createdAt: created,
            producer: Self.printable(object["producer"] as? String ?? "unknown")
        )
    }

    private static func binding(_ value: Any?) throws(AttestationError) -> ReportDataBinding? {
        guard let value else { return nil }
        guard let members = value as? [String: Any] else {
            throw AttestationError(.malformedEvidence, "the bundle's binding is not an object")
        }
        switch members["scheme"] as? String {
        case "veil-v1":
            guard let nonce = (members["nonce"] as? String).flatMap({ try? Hex.decode($0) }),
                let keyTexts = members["public_keys"] as? [String]
            else {
                throw AttestationError(.malformedEvidence, "the veil-v1 binding needs hex nonce and public_keys")
            }
            var keys: [[UInt8]] = []
            for text in keyTexts {
                guard let key = try? Hex.decode(text) else {
                    throw AttestationError(.malformedEvidence, "a bound public key is not hex")
                }
                keys.append(key)
            }
            var initData: [UInt8]?
            if let text = members["init_data"] as? String {
                guard let decoded = try? Hex.decode(text) else {
                    throw AttestationError(.malformedEvidence, "the binding's init_data is not hex")
                }
                initData = decoded
            }
            return .veil(nonce: nonce, publicKeys: keys, initData: initData)
        case "kbs":
            guard let runtimeData = members["runtime_data"] as? String,
                let hash = (members["hash"] as? String).flatMap(ReportDataBinding.KBSHash.init(rawValue:))
            else {
                throw AttestationError(.malformedEvidence, "the kbs binding needs runtime_data and hash")
            }
            return .kbs(runtimeData: Array(runtimeData.utf8), hash: hash)
        default:
            throw AttestationError(.malformedEvidence, "unknown binding scheme \(members["scheme"] ?? "none")")
        }
    }

    /// The producer line is the attester's word and is printed: printable ASCII only, at most 200 characters.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { (0x20..<0x7F).contains($0.value) }.prefix(200)))
    }

    /// RFC 3339 in UTC with seconds.
    static var timeFormatter: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter
    }
}
