import Crypto
import Foundation
public import VeilAttestation
import _VeilBytes

extension TPM {
    /// Verifies a TPM quote bundle (JSON: `message`, `signature`, `pcrs`, optionally the AK as `ak_pem` or a JWK
    /// `ak`).
    ///
    /// The attestation key is anchored only by what the relying party supplies as collateral: a pinned PEM public
    /// key (the enrolled AK), or an AK certificate chain that ends at a self-signed root in that collateral. A key
    /// that travels in the quote bundle (`ak_pem`, `ak`) anchors nothing — anyone can sign a TPMS_ATTEST with a
    /// fresh key — so it is at most a hint that must equal an anchored key. Evidence bundles never supply these
    /// anchors: ``EvidenceBundle/Verifier`` drops stapled PEM, DER and JSON items for the TPM.
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
                key = try Self.attestationKey(object, quote: quote, context: context, recorder: &recorder)
            } catch {
                recorder.fail(
                    "tpm.ak",
                    "\(error.reason)",
                    remedy: "Pin the TPM's enrolled attestation key with --collateral ak.pem (veil attest evidence "
                        + "--tee tpm --ak-out ak.pem), or supply its AK certificate chain and root."
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

        /// The attestation key, anchored by the relying party's collateral (see ``Verifier``).
        static func attestationKey(
            _ object: [String: Any],
            quote: Quote,
            context: VerificationContext,
            recorder: inout CheckRecorder
        ) throws(AttestationError) -> AttestationKey {
            let carried = try carriedKey(object)
            var anchors: [(key: AttestationKey, origin: String)] = []
            var certificates: [RawCertificate] = []
            for item in try context.collateral.items() where AttestationX509.isPEM(item.bytes) {
                let text = String(decoding: item.bytes, as: UTF8.self)
                if text.contains("BEGIN PUBLIC KEY") {
                    anchors.append((try AttestationKey(pem: text), "the pinned key from \(item.name)"))
                } else {
                    certificates += try AttestationX509.certificates(pem: item.bytes)
                }
            }
            var chainError: AttestationError?
            if !certificates.isEmpty {
                do {
                    let (leaf, root) = try verifiedChain(certificates, context: context)
                    anchors.append(
                        (AttestationKey(leaf.publicKey), "AK certificate \(leaf.commonName) chained to \(root)")
                    )
                } catch {
                    chainError = error
                }
            }
            if anchors.isEmpty, let chainError { throw chainError }
            guard !anchors.isEmpty else {
                throw AttestationError(
                    .untrustedChain,
                    "the quote's attestation key is not anchored"
                        + (carried == nil
                            ? ""
                            : ": the key the bundle carries (ak_pem / ak) is the attester's word and anchors nothing")
                        + "; pin the TPM's enrolled AK or supply its AK certificate chain as collateral"
                )
            }
            if let carried {
                guard let anchor = anchors.first(where: { $0.key.publicKey == carried.publicKey }) else {
                    throw AttestationError(
                        .untrustedChain,
                        "the bundle's attestation key is not the pinned AK (nor the AK certificate's key)"
                    )
                }
                recorder.pass("tpm.ak", "the bundle's attestation key is \(anchor.origin)")
                return anchor.key
            }
            let anchor =
                anchors.first { $0.key.isValidSignature(quote.signature, for: quote.attest.bytes) } ?? anchors[0]
            recorder.pass("tpm.ak", "attestation key: \(anchor.origin)")
            return anchor.key
        }

        /// The key the quote bundle carries (`ak_pem`, or an RSA / EC JWK `ak`), for comparison with the anchors.
        static func carriedKey(_ object: [String: Any]) throws(AttestationError) -> AttestationKey? {
            if let pem = object["ak_pem"] as? String { return try AttestationKey(pem: pem) }
            guard let jwk = object["ak"] as? [String: Any] else { return nil }
            if let n = EvidenceJSON.bytes(jwk["n"]), let e = EvidenceJSON.bytes(jwk["e"]) {
                return try AttestationKey(modulus: n, exponent: e)
            }
            if let x = EvidenceJSON.bytes(jwk["x"]), let y = EvidenceJSON.bytes(jwk["y"]) {
                return try AttestationKey(ecX: x, y: y)
            }
            throw AttestationError(.malformedEvidence, "the bundle's ak member is not an RSA or EC JWK")
        }

        /// Verifies an AK certificate chain from the relying party's collateral: the leaf (the certificate no other
        /// names as issuer) chains, signature by signature and valid at the verification time, to a self-signed
        /// root that is itself part of that collateral. Returns the leaf and the root's name.
        static func verifiedChain(
            _ certificates: [RawCertificate],
            context: VerificationContext
        ) throws(AttestationError) -> (leaf: RawCertificate, root: String) {
            guard
                let leaf = certificates.first(where: { candidate in
                    !certificates.contains { $0 != candidate && $0.issuer == candidate.subject }
                })
            else {
                throw AttestationError(.untrustedChain, "the AK certificates form no chain (every one issues another)")
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
            return (leaf, current.commonName)
        }
    }
}
