public import Foundation
public import VeilAttestation
public import VeilTransparency

extension VeilClient {
    /// Where the broker's JSON Web Key Set (for EAR verification) comes from.
    public enum JWKSSource: Sendable {
        /// Fetched once from a URL (`<kbs>/kbs/v0/jwks`) and cached by the client.
        case url(URL)
        /// Given as JSON (pinned by the caller).
        case json(Data)
    }

    /// What the client trusts and how it talks. Every relaxation of the strict default is a named member and shows
    /// in each ``BundleVerification``.
    public struct Configuration: Sendable {
        /// The relay's base URL (`http://127.0.0.1:8480`).
        public var relayURL: URL
        /// The attestation policy: reference values (allowed measurements) per platform, relaxations.
        /// Default: the strict baseline, which rejects the SIMULATED TEE.
        public var policy: PolicyDocument
        /// Named relaxation: accept the SIMULATED TEE (development only; shows in every verification).
        public var allowSimulated: Bool
        /// The platforms accepted (nil: any platform a verifier exists for).
        public var allowedPlatforms: Set<AttestationPlatform>?
        /// The broker's JWKS: with it, a bundle's EAR must verify (and a bundle without one is refused when
        /// ``requireEAR`` is set).
        public var brokerJWKS: JWKSSource?
        /// Refuse bundles without an EAR token; nil (the default): required exactly when ``brokerJWKS`` is set.
        public var requireEAR: Bool?
        /// Verify the bundle's evidence locally with the platform verifiers (default true).
        public var verifyEvidence: Bool
        /// A verified bundle is used for at most this long after it was issued (and never past its `expires_at`
        /// or its EAR's `exp`); checked on every request.
        public var maximumBundleAge: Duration
        /// Collateral for evidence verification beyond what the bundle staples (e.g. a pinned dev root key).
        public var collateral: any CollateralProvider
        /// The time bound of one exchange.
        public var requestTimeout: Duration
        /// The largest inner response accepted.
        public var maximumResponseBytes: Int
        /// The transparency logs this client trusts (pinned log keys, the oldest checkpoint accepted). With it, the
        /// bundle's stapled `log_inclusion` must prove that the node's verified measurements (evidence and EAR) are a
        /// `release` in one of these logs (step `log.inclusion`): "approved" means logged.
        public var transparency: TransparencyVerifier?
        /// Named relaxation `accept_any_measurement`: without a log (``transparency``) and without reference values
        /// that pin the platform's code register, accept any code in a genuine TEE. Shows in every verification.
        /// It never lifts a log requirement that ``transparency`` sets.
        public var acceptAnyMeasurement: Bool
        /// The tenant this client talks to: the broker's EAR must name it in `aud` (`tenant:<name>`) and
        /// `veil.tenant` (step `ear.tenant`).
        public var requiredTenant: String?

        /// A strict configuration for a relay.
        public init(
            relayURL: URL,
            policy: PolicyDocument = .baseline,
            allowSimulated: Bool = false,
            allowedPlatforms: Set<AttestationPlatform>? = nil,
            brokerJWKS: JWKSSource? = nil,
            requireEAR: Bool? = nil,
            verifyEvidence: Bool = true,
            maximumBundleAge: Duration = .seconds(3600),
            collateral: any CollateralProvider = BundleCollateralProvider(),
            requestTimeout: Duration = .seconds(600),
            maximumResponseBytes: Int = 64 << 20,
            transparency: TransparencyVerifier? = nil,
            acceptAnyMeasurement: Bool = false,
            requiredTenant: String? = nil
        ) {
            self.relayURL = relayURL
            self.policy = policy
            self.allowSimulated = allowSimulated
            self.allowedPlatforms = allowedPlatforms
            self.brokerJWKS = brokerJWKS
            self.requireEAR = requireEAR
            self.verifyEvidence = verifyEvidence
            self.maximumBundleAge = maximumBundleAge
            self.collateral = collateral
            self.requestTimeout = requestTimeout
            self.maximumResponseBytes = maximumResponseBytes
            self.transparency = transparency
            self.acceptAnyMeasurement = acceptAnyMeasurement
            self.requiredTenant = requiredTenant
        }

        /// Whether a bundle must carry an EAR that verifies.
        public var earRequired: Bool { requireEAR ?? (brokerJWKS != nil) }

        /// Every relaxation in force, by name (the policy's and ``acceptAnyMeasurement``), each once.
        public var relaxations: [String] {
            let policy = effectivePolicy.options.relaxations
            return policy
                + (acceptAnyMeasurement && !policy.contains(Self.acceptAnyMeasurementName)
                    ? [Self.acceptAnyMeasurementName] : [])
        }

        /// Whether no measurement is required without a log: ``acceptAnyMeasurement``, or the policy document's own
        /// `accept_any_measurement`.
        public var acceptsAnyMeasurement: Bool { relaxations.contains(Self.acceptAnyMeasurementName) }

        /// The name of the ``acceptAnyMeasurement`` relaxation, as verifications and EARs spell it.
        public static let acceptAnyMeasurementName = "accept_any_measurement"

        /// The policy document with the named relaxations applied.
        public var effectivePolicy: PolicyDocument {
            var document = policy
            if allowSimulated { document.allowSimulated = true }
            return document
        }
    }
}
