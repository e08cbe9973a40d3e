import Crypto
import Foundation
import _VeilBytes

/// Produces TPM 2.0 quotes. The attestation key (AK) is a restricted signing *primary* key under the endorsement
/// hierarchy: the TPM derives it from its endorsement seed and the template, so it is the same key every time on
/// the same TPM. An operator enrolls it once (``attestationKey()``, `veil attest evidence --tee tpm --ak-out`)
/// and verifiers pin it; a quote signed by any other key is refused.
public struct TPMAttester: Sendable {
    /// The TPM client.
    public let client: TPM2Client
    /// The attestation key's algorithm.
    public let keyAlgorithm: TPM2.KeyAlgorithm
    /// The PCRs quoted (SHA-256 bank).
    public let selection: TPM2.PCRSelection
    /// The measured-boot event log to staple (nil: none).
    public let eventLogPath: String?
    /// Where the TPM is, for the bundle's producer line.
    public let location: String?
    /// The executable measured into PCR 23 before every quote (nil: none); see ``ensureCodeMeasurement()``.
    public let measuredExecutable: String?

    /// An attester for the TPM behind `client`.
    public init(
        client: TPM2Client,
        keyAlgorithm: TPM2.KeyAlgorithm = .ecc,
        selection: TPM2.PCRSelection = .all,
        eventLogPath: String? = nil,
        location: String? = nil,
        measuredExecutable: String? = nil
    ) {
        self.measuredExecutable = measuredExecutable
        self.client = client
        self.keyAlgorithm = keyAlgorithm
        self.selection = selection
        self.eventLogPath = eventLogPath
        self.location = location
    }

    /// The AK's public area, for enrollment: what verifiers pin.
    public func attestationKey() async throws(TPM2Error) -> TPM2.PublicArea {
        try await client.startup()
        let key = try await client.createPrimary(
            hierarchy: TPM2.Handle.endorsement,
            template: keyAlgorithm.attestationTemplate
        )
        try await client.flush(key.handle)
        return key.publicArea
    }

    /// A quote over the selected PCRs whose `extraData` is `nonce` (at most 64 bytes, the size of a SHA-512
    /// digest, which is what Veil's report-data binding produces).
    public func quote(nonce: [UInt8]) async throws(TPM2Error) -> TPM2.Quote {
        guard nonce.count <= 64 else { throw TPM2Error(.unsupported, "nonce of \(nonce.count) bytes (at most 64)") }
        try await client.startup()
        let key = try await client.createPrimary(
            hierarchy: TPM2.Handle.endorsement,
            template: keyAlgorithm.attestationTemplate
        )
        do throws(TPM2Error) {
            let (attest, signature) = try await client.quote(
                key: key.handle,
                qualifyingData: nonce,
                selection: selection
            )
            let values = try await client.readPCRs(selection)
            try await client.flush(key.handle)
            return TPM2.Quote(
                attest: attest,
                signature: signature,
                attestationKey: key.publicArea.wire,
                pcrBank: selection.hash,
                pcrs: values,
                nonce: nonce
            )
        } catch {
            try? await client.flush(key.handle)
            throw error
        }
    }
}

extension TPM2 {
    /// A TPM quote as evidence: everything a verifier needs, in the TPM's own wire formats.
    public struct Quote: Hashable, Sendable, Codable {
        /// TPMS_ATTEST, exactly the bytes the AK signed.
        public var attest: [UInt8]
        /// TPMT_SIGNATURE over SHA-256 of ``attest``.
        public var signature: [UInt8]
        /// TPMT_PUBLIC of the attestation key.
        public var attestationKey: [UInt8]
        /// The PCR bank quoted.
        public var pcrBank: Algorithm
        /// The PCR values read after quoting, by index.
        public var pcrs: [Int: [UInt8]]
        /// The nonce placed in `extraData`.
        public var nonce: [UInt8]

        public init(
            attest: [UInt8],
            signature: [UInt8],
            attestationKey: [UInt8],
            pcrBank: Algorithm,
            pcrs: [Int: [UInt8]],
            nonce: [UInt8]
        ) {
            self.attest = attest
            self.signature = signature
            self.attestationKey = attestationKey
            self.pcrBank = pcrBank
            self.pcrs = pcrs
            self.nonce = nonce
        }

        private enum CodingKeys: String, CodingKey {
            case attest, signature, nonce, pcrs
            case attestationKey = "attestation_key"
            case pcrBank = "pcr_bank"
        }

        /// JSON: byte strings as lowercase hex, the bank as its name, PCRs as an index → hex object.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(Hex.encode(attest), forKey: .attest)
            try container.encode(Hex.encode(signature), forKey: .signature)
            try container.encode(Hex.encode(attestationKey), forKey: .attestationKey)
            try container.encode(Hex.encode(nonce), forKey: .nonce)
            try container.encode(pcrBank == .sha256 ? "sha256" : String(pcrBank.rawValue), forKey: .pcrBank)
            try container.encode(
                Dictionary(uniqueKeysWithValues: pcrs.map { (String($0.key), Hex.encode($0.value)) }),
                forKey: .pcrs
            )
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            func bytes(_ key: CodingKeys) throws -> [UInt8] {
                let text = try container.decode(String.self, forKey: key)
                do {
                    return try Hex.decode(text)
                } catch {
                    throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "\(error)")
                }
            }
            attest = try bytes(.attest)
            signature = try bytes(.signature)
            attestationKey = try bytes(.attestationKey)
            nonce = try bytes(.nonce)
            guard try container.decode(String.self, forKey: .pcrBank) == "sha256" else {
                throw DecodingError.dataCorruptedError(
                    forKey: .pcrBank,
                    in: container,
                    debugDescription: "sha256 expected"
                )
            }
            pcrBank = .sha256
            var values: [Int: [UInt8]] = [:]
            for (index, value) in try container.decode([String: String].self, forKey: .pcrs) {
                guard let pcr = Int(index), (0..<24).contains(pcr), let digest = try? Hex.decode(value) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .pcrs,
                        in: container,
                        debugDescription: "bad PCR \(index)"
                    )
                }
                values[pcr] = digest
            }
            pcrs = values
        }
    }
}
