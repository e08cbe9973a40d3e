import Crypto
import Foundation
public import VeilAttestation
public import X509
import _CryptoExtras
import _VeilBytes

extension TPM {
    /// An attestation key's public key: RSA (RSASSA-PKCS1-v1_5 or RSA-PSS, SHA-256) or ECDSA P-256/P-384.
    public struct AttestationKey: Sendable {
        public let publicKey: Certificate.PublicKey

        public init(_ publicKey: Certificate.PublicKey) { self.publicKey = publicKey }

        /// An RSA key from its modulus and exponent (a JWK's `n` and `e`).
        public init(modulus: [UInt8], exponent: [UInt8]) throws(AttestationError) {
            do {
                publicKey = Certificate.PublicKey(try _RSA.Signing.PublicKey(n: modulus, e: exponent))
            } catch {
                throw AttestationError(.malformedCollateral, "the RSA attestation key is invalid: \(error)")
            }
        }

        /// A key from PEM: a PUBLIC KEY block or a certificate's subject key.
        public init(pem: String) throws(AttestationError) {
            if pem.contains("BEGIN CERTIFICATE") {
                guard let certificate = try AttestationX509.certificates(pem: Array(pem.utf8)).first else {
                    throw AttestationError(.malformedCollateral, "no AK certificate in the PEM")
                }
                publicKey = certificate.publicKey
                return
            }
            do {
                publicKey = try Certificate.PublicKey(pemEncoded: pem)
            } catch {
                throw AttestationError(.malformedCollateral, "the AK public key PEM is invalid: \(error)")
            }
        }

        /// Verifies a quote signature: a raw RSA signature, a raw r ‖ s or DER ECDSA signature, or a
        /// TPMT_SIGNATURE wrapper (sigAlg, hashAlg, then the signature).
        public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
            // A raw signature first; then, if the bytes parse as a TPMT_SIGNATURE, its inner signature.
            if isValidRaw(signature, for: message, scheme: nil) { return true }
            guard signature.count > 6 else { return false }
            var cursor = ByteCursor(signature)
            guard let scheme = try? cursor.read(UInt16.self, .big), [0x0014, 0x0016, 0x0018].contains(scheme),
                let hash = try? cursor.read(UInt16.self, .big), hash == TPM.algSHA256 || hash == TPM.algSHA384
            else { return false }
            if scheme == 0x0018 {
                guard let r = try? cursor.readLengthPrefixed(UInt16.self, .big),
                    let s = try? cursor.readLengthPrefixed(UInt16.self, .big)
                else { return false }
                // TPM2B_ECC_PARAMETER may drop leading zero bytes: pad both halves to the curve size.
                let size = max(r.count, s.count) > 32 ? 48 : 32
                guard r.count <= size, s.count <= size else { return false }
                let padded =
                    [UInt8](repeating: 0, count: size - r.count) + Array(r)
                    + [UInt8](repeating: 0, count: size - s.count) + Array(s)
                return isValidRaw(padded, for: message, scheme: scheme)
            }
            guard let body = try? cursor.readLengthPrefixed(UInt16.self, .big) else { return false }
            return isValidRaw(Array(body), for: message, scheme: scheme)
        }

        private func isValidRaw(_ signature: [UInt8], for message: [UInt8], scheme: UInt16?) -> Bool {
            if let rsa = _RSA.Signing.PublicKey(publicKey) {
                let digest = SHA256.hash(data: message)
                let rsaSignature = _RSA.Signing.RSASignature(rawRepresentation: signature)
                if scheme != 0x0016, rsa.isValidSignature(rsaSignature, for: digest, padding: .insecurePKCS1v1_5) {
                    return true
                }
                return scheme != 0x0014 && rsa.isValidSignature(rsaSignature, for: digest, padding: .PSS)
            }
            if let p256 = P256.Signing.PublicKey(publicKey) {
                let parsed =
                    (try? P256.Signing.ECDSASignature(rawRepresentation: signature))
                    ?? (try? P256.Signing.ECDSASignature(derRepresentation: signature))
                return parsed.map { p256.isValidSignature($0, for: SHA256.hash(data: message)) } ?? false
            }
            if let p384 = P384.Signing.PublicKey(publicKey) {
                let parsed =
                    (try? P384.Signing.ECDSASignature(rawRepresentation: signature))
                    ?? (try? P384.Signing.ECDSASignature(derRepresentation: signature))
                return parsed.map { p384.isValidSignature($0, for: SHA384.hash(data: message)) } ?? false
            }
            return false
        }
    }

    /// A quote with its signature and the PCR values it covers.
    public struct Quote: Sendable {
        public let attest: Attest
        public let signature: [UInt8]
        /// PCR values by index (of the quoted bank).
        public let pcrs: [Int: [UInt8]]

        public init(message: [UInt8], signature: [UInt8], pcrs: [Int: [UInt8]]) throws(AttestationError) {
            attest = try Attest(message)
            self.signature = signature
            self.pcrs = pcrs
        }
    }

    /// Verifies a quote: signature by the AK, PCR digest over the supplied PCR values. Records one check each.
    package static func verify(_ quote: Quote, key: AttestationKey, recorder: inout CheckRecorder) -> Bool {
        guard
            recorder.check(
                "tpm.signature",
                key.isValidSignature(quote.signature, for: quote.attest.bytes),
                passed: "the quote is signed by the attestation key",
                failed: "the TPM quote's signature does not verify with the attestation key",
                remedy: "Collect the quote again; make sure the AK is the one bound to this TPM."
            )
        else { return false }
        var concatenated: [UInt8] = []
        var missing: [Int] = []
        var algorithm = algSHA256
        for selection in quote.attest.selections {
            algorithm = selection.hashAlgorithm
            for index in selection.indices {
                if let value = quote.pcrs[index] { concatenated += value } else { missing.append(index) }
            }
        }
        let digest: [UInt8] =
            algorithm == algSHA384 ? Array(SHA384.hash(data: concatenated)) : Array(SHA256.hash(data: concatenated))
        return recorder.check(
            "tpm.pcr_digest",
            missing.isEmpty && digest == quote.attest.pcrDigest,
            passed: "the quoted PCR digest equals the hash of the supplied PCR values",
            failed: missing.isEmpty
                ? "the supplied PCR values do not hash to the quoted pcrDigest: they were altered"
                : "PCR values \(missing) are selected in the quote but were not supplied",
            remedy: "Supply the PCR values read together with the quote."
        )
    }

    /// The claims of a verified quote.
    public static func claims(_ quote: Quote) -> [String: ClaimValue] {
        var claims: [String: ClaimValue] = [
            "tpm_extra_data": .bytes(quote.attest.extraData),
            "tpm_clock": .integer(quote.attest.clock),
            "tpm_reset_count": .integer(UInt64(quote.attest.resetCount)),
            "tpm_restart_count": .integer(UInt64(quote.attest.restartCount)),
            "tpm_firmware_version": .integer(quote.attest.firmwareVersion),
            "tpm_pcr_digest": .bytes(quote.attest.pcrDigest),
        ]
        for (index, value) in quote.pcrs { claims["pcr\(index)"] = .bytes(value) }
        return claims
    }
}
