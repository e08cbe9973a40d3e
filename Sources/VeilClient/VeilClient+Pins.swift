public import _VeilBytes
import Foundation
import VeilAttestation
public import VeilTransparency

extension VeilClient {
    /// Why a client configuration could not be assembled from what a person gave: one sentence saying what went
    /// wrong (``problem``), one saying what to do (``remedy``).
    public typealias ConfigurationError = RemedialError

    /// What a client is told to trust, as given on a command line: the relay, the policy file, the broker's JWKS,
    /// the transparency log's key, collateral and relaxations. `nil` means "the local stack's default" where one
    /// exists (read from `endpoints.json` in ``dataDirectory``), and only while ``relay`` is `nil`.
    public struct TrustOptions: Sendable {
        /// The relay's base URL text.
        public var relay: String?
        /// Where `veil up` wrote `endpoints.json` (default ``LocalStackEndpoints/defaultDirectory``).
        public var dataDirectory: String?
        /// The attestation policy file (JSON).
        public var policy: String?
        /// Accept nodes in the simulated TEE.
        public var allowSimulated = false
        /// The key broker's JWKS: an http(s) URL or a file.
        public var jwks: String?
        /// Do not require an EAR token even when a JWKS is known.
        public var noEAR = false
        /// How long a verified bundle is used, in seconds.
        public var maximumBundleAge = 3600
        /// The transparency log's key: a verifier key or a file (resolved by the `readLogKey` closure).
        public var logKey: String?
        /// The log's origin, when ``logKey`` is a bare public key file.
        public var logOrigin: String?
        /// The oldest log checkpoint accepted, in seconds.
        public var logMaximumAge = 7200
        /// Accept any code in a genuine TEE when nothing pins the node's code.
        public var acceptAnyMeasurement = false
        /// The tenant the broker's EAR must name.
        public var tenant: String?
        /// Collateral for the node's evidence: a directory or file.
        public var collateral: String?
        /// The node's enrolled TPM attestation key (PEM public key file).
        public var attestationKey: String?

        /// Options with every default.
        public init() {}
    }

    /// The configuration `options` describe: the relay URL checked, the policy loaded, the JWKS source, the log
    /// verifier (its key read by `readLogKey(text, origin)`), collateral and attestation key loaded, with the local
    /// stack's defaults filled in when no relay is given.
    ///
    /// - Throws: ``ConfigurationError`` for an unusable option; whatever `readLogKey` throws.
    public static func configuration(
        _ options: TrustOptions,
        readLogKey: (_ text: String, _ origin: String?) throws -> LogKey
    ) throws -> Configuration {
        let relay = options.relay
        var endpoints: LocalStackEndpoints?
        let directory = options.dataDirectory ?? LocalStackEndpoints.defaultDirectory
        if relay == nil || options.jwks == nil {
            endpoints = try? LocalStackEndpoints.read(directory: directory)
        }
        guard let relayText = relay ?? endpoints?.relay.absoluteString, let relayURL = URL(string: relayText),
            relayURL.scheme == "http" || relayURL.scheme == "https"
        else {
            if relay != nil {
                throw ConfigurationError(
                    "`\(relay ?? "")` is not an http(s) URL.",
                    remedy: "Use e.g. --relay http://127.0.0.1:8480."
                )
            }
            throw ConfigurationError(
                "No relay given and no local stack found (\(directory)/endpoints.json).",
                remedy: "Start one with `veil up`, or pass --relay URL."
            )
        }
        var document = PolicyDocument.baseline
        if let policy = options.policy {
            do {
                document = try PolicyDocument.decode(try Data(contentsOf: URL(fileURLWithPath: policy)))
            } catch let error as AttestationError {
                throw ConfigurationError(
                    "The policy \(policy) is not usable: \(error.reason)",
                    remedy: "See docs/attestation.md."
                )
            } catch {
                throw ConfigurationError("Cannot read the policy \(policy).", remedy: "Check the path.")
            }
        }
        var source: JWKSSource?
        if let jwks = options.jwks {
            if jwks.hasPrefix("http://") || jwks.hasPrefix("https://"), let url = URL(string: jwks) {
                source = .url(url)
            } else {
                guard let data = FileManager.default.contents(atPath: jwks) else {
                    throw ConfigurationError(
                        "Cannot read the JWKS file \(jwks).",
                        remedy: "Give a URL or a readable file."
                    )
                }
                source = .json(data)
            }
        } else if relay == nil, let url = endpoints?.jwks {
            source = .url(url)
        }
        guard options.maximumBundleAge > 0 else {
            throw ConfigurationError("--max-bundle-age must be positive.", remedy: "Use e.g. --max-bundle-age 3600.")
        }
        // The local stack's trust defaults apply only when talking to the local stack's relay.
        let stack = relay == nil ? endpoints : nil
        func stackPath(_ path: String?) -> String? {
            guard let path else { return nil }
            return path.hasPrefix("/") ? path : URL(fileURLWithPath: directory).appendingPathComponent(path).path
        }
        var transparency: TransparencyVerifier?
        if let key = options.logKey ?? stack?.logKey {
            guard options.logMaximumAge > 0 else {
                throw ConfigurationError("--log-max-age must be positive.", remedy: "Use e.g. --log-max-age 7200.")
            }
            let origin = options.logOrigin ?? (options.logKey == nil ? stack?.logOrigin : nil)
            let resolved = options.logKey ?? (LogKeyText.isVerifierKey(key) ? key : stackPath(key) ?? key)
            transparency = TransparencyVerifier(
                logs: [try readLogKey(resolved, origin)],
                maximumCheckpointAge: TimeInterval(options.logMaximumAge)
            )
        }
        var items: [any CollateralProvider] = []
        if let collateral = options.collateral {
            guard FileManager.default.fileExists(atPath: collateral) else {
                throw ConfigurationError(
                    "The collateral path \(collateral) does not exist.",
                    remedy: "Give a directory or file."
                )
            }
            items.append(FileCollateralProvider(url: URL(fileURLWithPath: collateral)))
        }
        if let akPath = options.attestationKey ?? stackPath(stack?.akPEM) {
            guard let data = FileManager.default.contents(atPath: akPath),
                String(decoding: data, as: UTF8.self).contains("BEGIN PUBLIC KEY")
            else {
                throw ConfigurationError(
                    "Cannot read a PEM public key from \(akPath).",
                    remedy: "Give the node's enrolled TPM attestation key (-----BEGIN PUBLIC KEY-----)."
                )
            }
            items.append(BundleCollateralProvider([(URL(fileURLWithPath: akPath).lastPathComponent, Array(data))]))
        }
        return Configuration(
            relayURL: relayURL,
            policy: document,
            allowSimulated: options.allowSimulated,
            brokerJWKS: source,
            requireEAR: source != nil && !options.noEAR,
            maximumBundleAge: .seconds(options.maximumBundleAge),
            collateral: items.isEmpty ? BundleCollateralProvider() : CombinedCollateralProvider(items),
            transparency: transparency,
            acceptAnyMeasurement: options.acceptAnyMeasurement,
            requiredTenant: options.tenant ?? stack?.tenant
        )
    }
}
