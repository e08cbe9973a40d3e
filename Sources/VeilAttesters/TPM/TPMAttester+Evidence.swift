import Crypto
import Foundation
public import VeilAttestation
import _CryptoExtras
import _VeilBytes

extension TPMAttester: Attester {
    public var tee: AttestationPlatform { .tpm }

    /// The measured-boot event log the kernel exposes.
    public static let defaultEventLogPath = "/sys/kernel/security/tpm0/binary_bios_measurements"

    /// A TPM quote with `reportData` as qualifying data, as the TPM quote bundle `VeilTPM` verifies (`message`,
    /// `signature`, `pcrs`, the AK as `ak_pem`, which verifiers must pin), with the event log stapled when it is readable.
    public func evidence(reportData: [UInt8]) async throws(AttesterError) -> EvidenceBundle {
        try checkReportData(reportData)
        try await ensureCodeMeasurement()
        let quote: TPM2.Quote
        do {
            quote = try await self.quote(nonce: reportData)
        } catch {
            throw AttesterError(.tpm, "\(error)")
        }
        let evidence = try Self.quoteJSON(quote)
        var collateral: [EvidenceBundle.Item] = []
        if let path = eventLogPath, let log = FileManager.default.contents(atPath: path), !log.isEmpty {
            collateral.append(EvidenceBundle.Item(name: "tpm-event-log.bin", bytes: Array(log)))
        }
        return EvidenceBundle(
            tee: .tpm,
            evidence: evidence,
            collateral: collateral,
            reportData: reportData,
            createdAt: Date(),
            producer: "tpm \(location ?? "client")"
        )
    }

    /// The quote as the TPM quote bundle JSON that `VeilTPM` reads.
    static func quoteJSON(_ quote: TPM2.Quote) throws(AttesterError) -> [UInt8] {
        let pem: String
        do {
            pem = try attestationKeyPEM(TPM2.PublicArea(parsing: quote.attestationKey))
        } catch {
            throw AttesterError(.tpm, "the attestation key's public area is unusable: \(error)")
        }
        let object: [String: Any] = [
            "message": Hex.encode(quote.attest),
            "signature": Hex.encode(quote.signature),
            "pcrs": Dictionary(uniqueKeysWithValues: quote.pcrs.map { (String($0.key), Hex.encode($0.value)) }),
            "pcr_bank": "sha256",
            "ak_pem": pem,
            "ak_public": Hex.encode(quote.attestationKey),
        ]
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: object,
                options: [.sortedKeys, .withoutEscapingSlashes]
            )
        else { throw AttesterError(.tpm, "cannot encode the quote") }
        return Array(data)
    }

    /// The AK's SubjectPublicKeyInfo in PEM.
    public static func attestationKeyPEM(_ area: TPM2.PublicArea) throws -> String {
        switch area.key {
        case .eccP256(let x, let y):
            return try P256.Signing.PublicKey(x963Representation: [0x04] + x + y).pemRepresentation
        case .rsa(let modulus, let exponent):
            var e = [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: exponent >> $0) }
            while e.first == 0 { e.removeFirst() }
            return try _RSA.Signing.PublicKey(n: modulus, e: e).pemRepresentation
        }
    }
}
