import Crypto
import Foundation
public import VeilAttestation
import _VeilBytes

extension TPM {
    /// Verifies a TPM quote bundle (JSON: `message`, `signature`, `pcrs`, and the AK as `ak_pem` or a JWK
    /// `ak`, or supplied as collateral: a PEM public key, or an AK certificate with its chain).
    public struct Verifier: AttestationVerifier {
        public var platform: AttestationPlatform { .tpm }

        public init() {}

        /// Whether a JSON object is a TPM quote bundle.
        public static func isBundle(_ object: [String: Any]) -> Bool {
            object["signature"] != nil && (object["message"] != nil || object["quote"] != nil) && object["pcrs"] != nil
        }

        /// Decodes a quote from a bundle object.
        public static func quote(_ object: [String: Any]) throws(AttestationError) -> Quote {
            guard let message = EvidenceJSON.bytes(object["message"] ?? object["quote"]),
                let signature = EvidenceJSON.bytes(object["signature"]),
                let pcrs = EvidenceJSON.indexedBytes(object["pcrs"])
            else {
                throw AttestationError(.malformedEvidence, "the TPM quote bundle lacks message, signature or pcrs")
            }
            return try Quote(message: message, signature: signature, pcrs: pcrs)
        }

        public func verify(_ evidence: [UInt8], context: VerificationContext) -> VerificationReport {
            guard let object = EvidenceJSON.object(evidence) else {
                return .malformed(.tpm, name: "quote.parse", error: AttestationError(.malformedEvidence, "not JSON"))
            }
            let quote: Quote
            do {
                quote = try Self.quote(object)
            } catch {
                return .malformed(.tpm, name: "quote.parse", error: error)
            }
            var recorder = CheckRecorder()
            recorder.pass(
                "quote.parse",
                "TPMS_ATTEST quote over \(quote.attest.selections.map(\.indices.count).reduce(0, +)) PCRs"
            )
            var claims = TPM.claims(quote)
            let key: AttestationKey
            do {
                key = try Self.attestationKey(object, context: context, recorder: &recorder)
            } catch {
                recorder.fail(
                    "tpm.ak",
                    "\(error.reason)",
                    remedy: "Supply the attestation key (ak_pem in the bundle, or a PEM public key or AK certificate "
                        + "chain with --collateral)."
                )
                return VerificationReport(
                    platform: .tpm,
                    checks: recorder.checks,
                    claims: nil,
                    unverifiedClaims: claims
                )
            }
            claims["tpm_ak_sha256"] = .bytes(Array(SHA256.hash(data: Array(key.publicKey.subjectPublicKeyInfoBytes))))
            guard TPM.verify(quote, key: key, recorder: &recorder), recorder.authentic,
                Self.checkEventLog(quote, context: context, claims: &claims, recorder: &recorder)
            else {
                return VerificationReport(
                    platform: .tpm,
                    checks: recorder.checks,
                    claims: nil,
                    unverifiedClaims: claims
                )
            }
            let verified = VerifiedClaims(
                platform: .tpm,
                claims: claims,
                isDebug: false,
                reportData: quote.attest.extraData,
                checks: recorder.checks,
                context: context
            )
            return VerificationReport(
                platform: .tpm,
                checks: recorder.checks,
                claims: verified,
                unverifiedClaims: claims
            )
        }

        static func attestationKey(
            _ object: [String: Any],
            context: VerificationContext,
            recorder: inout CheckRecorder
        ) throws(AttestationError) -> AttestationKey {
            if let pem = object["ak_pem"] as? String {
                let key = try AttestationKey(pem: pem)
                // A PEM public key in the collateral pins the AK: the bundle's key must be that key.
                let pinned = try context.collateral.items().filter {
                    AttestationX509.isPEM($0.bytes)
                        && String(decoding: $0.bytes, as: UTF8.self).contains("BEGIN PUBLIC KEY")
                }
                if !pinned.isEmpty {
                    for item in pinned {
                        let candidate = try AttestationKey(pem: String(decoding: item.bytes, as: UTF8.self))
                        if candidate.publicKey == key.publicKey {
                            recorder.pass("tpm.ak", "the bundle's attestation key is the pinned key from \(item.name)")
                            return key
                        }
                    }
                    throw AttestationError(.untrustedChain, "the bundle's attestation key is not the pinned AK")
                }
                // The key travels with the quote, so by itself it proves nothing: anyone can sign a TPMS_ATTEST.
                throw AttestationError(
                    .untrustedChain,
                    "the quote's attestation key is not anchored: pin the TPM's enrolled AK with --collateral ak.pem "
                        + "(veil attest evidence --tee tpm --ak-out ak.pem) or supply its AK certificate chain"
                )
            }
            if let jwk = object["ak"] as? [String: Any], let n = EvidenceJSON.bytes(jwk["n"]),
                let e = EvidenceJSON.bytes(jwk["e"])
            {
                recorder.pass("tpm.ak", "attestation key from the bundle's JWK")
                return try AttestationKey(modulus: n, exponent: e)
            }
            var certificates: [RawCertificate] = []
            for item in try context.collateral.items() where AttestationX509.isPEM(item.bytes) {
                let text = String(decoding: item.bytes, as: UTF8.self)
                if text.contains("BEGIN PUBLIC KEY") {
                    recorder.pass("tpm.ak", "pinned attestation key from \(item.name)")
                    return try AttestationKey(pem: text)
                }
                certificates += try AttestationX509.certificates(pem: item.bytes)
            }
            // An AK certificate: the leaf is the certificate no other certificate names as issuer.
            guard
                let leaf = certificates.first(where: { candidate in
                    !certificates.contains { $0 != candidate && $0.issuer == candidate.subject }
                })
            else {
                throw AttestationError(.missingCollateral, "no attestation key was supplied")
            }
            var current = leaf
            var depth = 0
            while current.issuer != current.subject {
                guard depth < 8, let issuer = certificates.first(where: { $0.subject == current.issuer }),
                    AttestationX509.isSignedBy(current, issuer: issuer, cache: context.signatureCache),
                    AttestationX509.isValid(current, at: context.time)
                else {
                    throw AttestationError(
                        .untrustedChain,
                        "the AK certificate chain does not verify from \(current.commonName) to a supplied root"
                    )
                }
                current = issuer
                depth += 1
            }
            guard AttestationX509.isSignedBy(current, issuer: current),
                AttestationX509.isValid(current, at: context.time)
            else {
                throw AttestationError(.untrustedChain, "the AK chain's root \(current.commonName) is not valid")
            }
            recorder.pass("tpm.ak", "AK certificate \(leaf.commonName) chains to \(current.commonName)")
            return AttestationKey(leaf.publicKey)
        }
    }
}
