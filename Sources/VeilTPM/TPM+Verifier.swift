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

        /// An ECDSA P-256 or P-384 key from its coordinates (a JWK's `x` and `y`).
        public init(ecX x: [UInt8], y: [UInt8]) throws(AttestationError) {
            do {
                switch x.count {
                case 32 where y.count == 32:
                    publicKey = Certificate.PublicKey(try P256.Signing.PublicKey(rawRepresentation: x + y))
                case 48 where y.count == 48:
                    publicKey = Certificate.PublicKey(try P384.Signing.PublicKey(rawRepresentation: x + y))
                default:
                    throw AttestationError(.malformedCollateral, "the EC attestation key is not P-256 or P-384")
                }
            } catch let error as AttestationError {
                throw error
            } catch {
                throw AttestationError(.malformedCollateral, "the EC attestation key is invalid: \(error)")
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

    /// The name of a PCR bank's hash algorithm, as the `tpm_pcr_bank` claim spells it.
    public static func bankName(_ algorithm: UInt16) -> String? {
        switch algorithm {
        case algSHA256: return "sha256"
        case algSHA384: return "sha384"
        default: return nil
        }
    }

    /// The digest size of the banks Veil accepts.
    static func digestSize(_ algorithm: UInt16) -> Int? {
        switch algorithm {
        case algSHA256: return 32
        case algSHA384: return 48
        default: return nil
        }
    }

    /// The one bank whose PCRs the quote selects, with the selected indices in order; nil when it selects none.
    /// A quote selecting PCRs in several banks (or the same bank twice) is refused: the `pcrs` member maps an
    /// index to one value, so values could not be attributed to a bank.
    static func quotedBank(_ attest: Attest) throws(AttestationError) -> PCRSelection? {
        let selected = attest.selections.filter { !$0.indices.isEmpty }
        guard selected.count <= 1 else {
            let banks = selected.map { bankName($0.hashAlgorithm) ?? "0x\(String($0.hashAlgorithm, radix: 16))" }
            throw AttestationError(
                .malformedEvidence,
                "the quote selects PCRs in \(selected.count) banks (\(banks.joined(separator: ", "))); Veil attributes "
                    + "PCR values to exactly one bank"
            )
        }
        guard let bank = selected.first else { return nil }
        guard bankName(bank.hashAlgorithm) != nil else {
            throw AttestationError(
                .malformedEvidence,
                "the quote selects the PCR bank 0x\(String(bank.hashAlgorithm, radix: 16)); only SHA-256 and SHA-384 "
                    + "banks are accepted"
            )
        }
        return bank
    }

    /// Verifies a quote: signature by the AK (`tpm.signature`); the supplied PCR values are exactly the PCRs the
    /// signed selection covers, in its one bank (`tpm.pcr_values`); their hash is the signed pcrDigest
    /// (`tpm.pcr_digest`). Records one check each.
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
        let remedy = "Supply exactly the PCR values of the bank the quote selects, read together with the quote."
        let bank: PCRSelection?
        do {
            bank = try quotedBank(quote.attest)
        } catch {
            recorder.fail("tpm.pcr_values", error.reason, remedy: remedy)
            return false
        }
        let selected = bank?.indices ?? []
        let extra = quote.pcrs.keys.filter { !selected.contains($0) }.sorted()
        let missing = selected.filter { quote.pcrs[$0] == nil }
        let size = bank.flatMap { digestSize($0.hashAlgorithm) } ?? 32
        let wrongSize = selected.filter { quote.pcrs[$0].map { $0.count != size } ?? false }
        let bankLabel = bank.flatMap { bankName($0.hashAlgorithm) } ?? "no"
        guard
            recorder.check(
                "tpm.pcr_values",
                extra.isEmpty && missing.isEmpty && wrongSize.isEmpty,
                passed:
                    "the supplied PCR values are exactly the \(selected.count) PCR(s) \(selected) of the \(bankLabel) "
                    + "bank the quote covers",
                failed: !extra.isEmpty
                    ? "PCR values \(extra) were supplied but the quote's signed selection does not cover them"
                    : !missing.isEmpty
                        ? "PCR values \(missing) are selected in the quote but were not supplied"
                        : "PCR values \(wrongSize) are not \(size)-byte \(bankLabel) digests",
                remedy: remedy
            )
        else { return false }
        var concatenated: [UInt8] = []
        for index in selected { concatenated += quote.pcrs[index] ?? [] }
        // The digest uses the signing scheme's hash; its size tells which.
        let digest: [UInt8] =
            quote.attest.pcrDigest.count == 48
            ? Array(SHA384.hash(data: concatenated)) : Array(SHA256.hash(data: concatenated))
        return recorder.check(
            "tpm.pcr_digest",
            digest == quote.attest.pcrDigest,
            passed: "the quoted PCR digest equals the hash of the supplied PCR values",
            failed: "the supplied PCR values do not hash to the quoted pcrDigest: they were altered",
            remedy: "Supply the PCR values read together with the quote."
        )
    }

    /// The claims of a quote: the TPMS_ATTEST fields, the bank (`tpm_pcr_bank`) and one `pcrN` for each PCR the
    /// signed selection covers — never for a value supplied beside it.
    public static func claims(_ quote: Quote) -> [String: ClaimValue] {
        var claims: [String: ClaimValue] = [
            "tpm_extra_data": .bytes(quote.attest.extraData),
            "tpm_clock": .integer(quote.attest.clock),
            "tpm_reset_count": .integer(UInt64(quote.attest.resetCount)),
            "tpm_restart_count": .integer(UInt64(quote.attest.restartCount)),
            "tpm_firmware_version": .integer(quote.attest.firmwareVersion),
            "tpm_pcr_digest": .bytes(quote.attest.pcrDigest),
        ]
        guard let bank = try? quotedBank(quote.attest), let name = bankName(bank.hashAlgorithm) else { return claims }
        claims["tpm_pcr_bank"] = .string(name)
        for index in bank.indices {
            if let value = quote.pcrs[index] { claims["pcr\(index)"] = .bytes(value) }
        }
        return claims
    }
}
