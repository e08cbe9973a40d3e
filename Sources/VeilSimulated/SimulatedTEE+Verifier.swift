import Foundation
public import VeilAttestation
import VeilKeys
import _VeilBytes

extension SimulatedTEE {
    /// Verifies SIMULATED evidence: the JWS signature by the dev root key in its header, and — when the collateral
    /// holds a public JWK — that this key is the pinned one. The claims say `simulated: SIMULATED`; the baseline
    /// policy's ``SimulatedForbidden`` rejects them unless `allowSimulated` is set.
    ///
    /// The dev root key travels in the evidence's own header, so without a pinned JWK the signature is anchored by
    /// nothing: anyone can make a key and sign any statement. Only the named relaxation `allow_simulated` ever
    /// admits this evidence, and a relying party that pins the dev root key (and measurement) narrows it to one
    /// developer's statements — it never makes it proof about a machine.
    public struct Verifier: AttestationVerifier {
        public var platform: AttestationPlatform { .simulated }

        /// A verifier.
        public init() {}

        public func verify(_ evidence: [UInt8], context: VerificationContext) -> VerificationReport {
            let parsed: Parsed
            do {
                parsed = try Parsed(evidence)
            } catch {
                return .malformed(.simulated, name: "simulated.parse", error: error)
            }
            var recorder = CheckRecorder()
            recorder.pass("simulated.parse", "SIMULATED TEE statement (development only, proves nothing)")
            let statement = parsed.statement
            let reportData = (try? Hex.decode(statement.reportData)) ?? []
            let thumbprint = parsed.publicKey.thumbprint
            var claims: [String: ClaimValue] = [
                "simulated": .string(SimulatedTEE.marker),
                "report_data": .bytes(reportData),
                "measurement": .bytes((try? Hex.decode(statement.measurement)) ?? []),
                "config_digest": .bytes((try? Hex.decode(statement.configDigest)) ?? []),
                "executable": .string(statement.executable),
                "evidence_time": .integer(UInt64(max(0, statement.issuedAt))),
                "simulated_root_key": .string(thumbprint),
            ]
            for (key, value) in statement.configuration { claims["config.\(key)"] = .string(value) }
            let signed = recorder.check(
                "simulated.signature",
                parsed.publicKey.isValidSignature(parsed.signature, for: parsed.signingInput),
                passed: "the SIMULATED statement is signed by the dev root key \(thumbprint)",
                failed: "the SIMULATED statement's signature does not verify: it was altered",
                remedy: "Produce the simulated evidence again with `veil attest evidence --tee simulated`."
            )
            let configurationMatches = recorder.check(
                "simulated.config_digest",
                statement.configDigest == Hex.encode(SimulatedTEE.configurationDigest(statement.configuration)),
                passed: "the SIMULATED configuration hashes to config_digest",
                failed: "the SIMULATED configuration does not hash to config_digest",
                remedy: "Produce the simulated evidence again."
            )
            if signed && configurationMatches {
                checkPinnedKey(parsed.publicKey, context: context, recorder: &recorder)
            }
            guard recorder.authentic else {
                return VerificationReport(
                    platform: .simulated,
                    checks: recorder.checks,
                    claims: nil,
                    unverifiedClaims: claims
                )
            }
            let verified = VerifiedClaims(
                platform: .simulated,
                claims: claims,
                isDebug: false,
                reportData: reportData,
                checks: recorder.checks,
                context: context
            )
            return VerificationReport(
                platform: .simulated,
                checks: recorder.checks,
                claims: verified,
                unverifiedClaims: claims
            )
        }

        /// A public JWK in the collateral pins the dev root key; without one the key in the header is taken and
        /// its thumbprint is the claim `simulated_root_key` (pin it with a reference value).
        private func checkPinnedKey(
            _ key: SigningPublicKey,
            context: VerificationContext,
            recorder: inout CheckRecorder
        ) {
            let items: [(name: String, bytes: [UInt8])]
            do {
                items = try context.collateral.items()
            } catch {
                recorder.fail("simulated.root_key", "cannot read the collateral: \(error.reason)")
                return
            }
            let pinned = items.compactMap { item -> SigningPublicKey? in
                guard EvidenceJSON.looksLikeJSON(item.bytes),
                    let jwk = try? JSONDecoder().decode(JWK.self, from: Data(item.bytes)), !jwk.isPrivate
                else { return nil }
                return try? SigningPublicKey(jwk: jwk)
            }
            if pinned.isEmpty {
                recorder.pass(
                    "simulated.root_key",
                    "SIMULATED dev root key \(key.thumbprint) taken from the evidence itself: anchored by nothing (pin it "
                        + "with --collateral root.jwk.pub; only allow_simulated admits this evidence)"
                )
                return
            }
            recorder.check(
                "simulated.root_key",
                pinned.contains(key),
                passed: "the SIMULATED dev root key \(key.thumbprint) is the pinned one",
                failed: "the SIMULATED evidence is signed by \(key.thumbprint), not by the pinned dev root key",
                remedy: "Use the dev root key whose public JWK you pinned, or pin this one."
            )
        }
    }
}
