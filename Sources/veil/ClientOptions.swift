import ArgumentParser
import Foundation
import VeilAttestation
import VeilClient
import VeilKeys
import VeilTransparency

/// The options `veil chat` and `veil proxy` share: where the relay is and what the client trusts.
struct ClientOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp("The relay's base URL (default: the local stack's, from endpoints.json).", valueName: "URL")
    )
    var relay: String?

    @Option(help: ArgumentHelp("Where `veil up` wrote endpoints.json (default ~/.veil/up).", valueName: "DIR"))
    var dataDir: String?

    @Option(help: ArgumentHelp("The attestation policy (JSON; allowed measurements per platform).", valueName: "FILE"))
    var policy: String?

    @Flag(help: "Accept nodes in the SIMULATED TEE (development only; shown in every verification).")
    var allowSimulated = false

    @Option(
        help: ArgumentHelp(
            "The key broker's JWKS, a URL or a file: the node's EAR must then verify (default: the local stack's).",
            valueName: "URL|FILE"
        )
    )
    var jwks: String?

    @Flag(help: "Do not require an EAR token even when a JWKS is known (verify the evidence only).")
    var noEAR = false

    @Option(help: ArgumentHelp("Use a verified bundle for at most this long.", valueName: "SECONDS"))
    var maxBundleAge: Int = 3600

    @Option(
        help: ArgumentHelp(
            "The transparency log's key: its verifier key (origin+id+base64) or a file holding it or the log's public "
                + "key (then with --log-origin). Only nodes running a release listed in this log are approved "
                + "(default: the local stack's).",
            valueName: "VKEY|FILE"
        )
    )
    var logKey: String?

    @Option(help: ArgumentHelp("The log's origin, when --log-key is a bare public key file.", valueName: "ORIGIN"))
    var logOrigin: String?

    @Option(help: ArgumentHelp("The oldest log checkpoint accepted.", valueName: "SECONDS"))
    var logMaxAge: Int = 7200

    @Flag(
        help: """
            Relaxation: without a log key or reference values that pin the node's code, accept any code in a genuine \
            TEE (development only; shown in every verification).
            """
    )
    var acceptAnyMeasurement = false

    @Option(
        help: ArgumentHelp(
            "Require the broker's EAR to name this tenant (default: the local stack's).",
            valueName: "NAME"
        )
    )
    var tenant: String?

    @Option(
        help: ArgumentHelp(
            "Collateral for the node's evidence: a directory or file (certificates, CRLs, TCB info).",
            valueName: "PATH"
        )
    )
    var collateral: String?

    @Option(
        help: ArgumentHelp(
            "The node's enrolled TPM attestation key (PEM PUBLIC KEY) (default: the local stack's).",
            valueName: "PEM"
        )
    )
    var ak: String?

    /// The client configuration these options describe.
    func configuration() throws -> VeilClient.Configuration {
        var endpoints: LocalStackEndpoints?
        let directory = dataDir ?? LocalStackEndpoints.defaultDirectory
        if relay == nil || jwks == nil {
            endpoints = try? LocalStackEndpoints.read(directory: directory)
        }
        guard let relayText = relay ?? endpoints?.relay.absoluteString, let relayURL = URL(string: relayText),
            relayURL.scheme == "http" || relayURL.scheme == "https"
        else {
            if relay != nil {
                throw CLIError(
                    "`\(relay ?? "")` is not an http(s) URL.",
                    remedy: "Use e.g. --relay http://127.0.0.1:8480."
                )
            }
            throw CLIError(
                "No relay given and no local stack found (\(dataDir ?? LocalStackEndpoints.defaultDirectory)/endpoints.json).",
                remedy: "Start one with `veil up`, or pass --relay URL."
            )
        }
        var document = PolicyDocument.baseline
        if let policy {
            do {
                document = try PolicyDocument.decode(try Data(contentsOf: URL(fileURLWithPath: policy)))
            } catch let error as AttestationError {
                throw CLIError(
                    "The policy \(policy) is not usable: \(error.reason)",
                    remedy: "See docs/attestation.md."
                )
            } catch {
                throw CLIError("Cannot read the policy \(policy).", remedy: "Check the path.")
            }
        }
        var source: VeilClient.JWKSSource?
        if let jwks {
            if jwks.hasPrefix("http://") || jwks.hasPrefix("https://"), let url = URL(string: jwks) {
                source = .url(url)
            } else {
                guard let data = FileManager.default.contents(atPath: jwks) else {
                    throw CLIError("Cannot read the JWKS file \(jwks).", remedy: "Give a URL or a readable file.")
                }
                source = .json(data)
            }
        } else if relay == nil, let url = endpoints?.jwks {
            source = .url(url)
        }
        guard maxBundleAge > 0 else {
            throw CLIError("--max-bundle-age must be positive.", remedy: "Use e.g. --max-bundle-age 3600.")
        }
        // The local stack's trust defaults apply only when talking to the local stack's relay.
        let stack = relay == nil ? endpoints : nil
        func stackPath(_ path: String?) -> String? {
            guard let path else { return nil }
            return path.hasPrefix("/") ? path : URL(fileURLWithPath: directory).appendingPathComponent(path).path
        }
        var transparency: TransparencyVerifier?
        if let key = logKey ?? stack?.logKey {
            guard logMaxAge > 0 else {
                throw CLIError("--log-max-age must be positive.", remedy: "Use e.g. --log-max-age 7200.")
            }
            let origin = logOrigin ?? (logKey == nil ? stack?.logOrigin : nil)
            let resolved = logKey ?? (LogKeyText.isVerifierKey(key) ? key : stackPath(key) ?? key)
            transparency = TransparencyVerifier(
                logs: [try Self.readLogKey(resolved, origin: origin)],
                maximumCheckpointAge: TimeInterval(logMaxAge)
            )
        }
        var items: [any CollateralProvider] = []
        if let collateral {
            guard FileManager.default.fileExists(atPath: collateral) else {
                throw CLIError("The collateral path \(collateral) does not exist.", remedy: "Give a directory or file.")
            }
            items.append(FileCollateralProvider(url: URL(fileURLWithPath: collateral)))
        }
        if let akPath = ak ?? stackPath(stack?.akPEM) {
            guard let data = FileManager.default.contents(atPath: akPath),
                String(decoding: data, as: UTF8.self).contains("BEGIN PUBLIC KEY")
            else {
                throw CLIError(
                    "Cannot read a PEM public key from \(akPath).",
                    remedy: "Give the node's enrolled TPM attestation key (-----BEGIN PUBLIC KEY-----)."
                )
            }
            items.append(BundleCollateralProvider([(URL(fileURLWithPath: akPath).lastPathComponent, Array(data))]))
        }
        return VeilClient.Configuration(
            relayURL: relayURL,
            policy: document,
            allowSimulated: allowSimulated,
            brokerJWKS: source,
            requireEAR: source != nil && !noEAR,
            maximumBundleAge: .seconds(maxBundleAge),
            collateral: items.isEmpty ? BundleCollateralProvider() : CombinedCollateralProvider(items),
            transparency: transparency,
            acceptAnyMeasurement: acceptAnyMeasurement,
            requiredTenant: tenant ?? stack?.tenant
        )
    }

    /// A log key from a verifier key string, a file holding one, or a public key file with `origin`.
    static func readLogKey(_ text: String, origin: String?) throws -> LogKey {
        if LogKeyText.isVerifierKey(text) {
            return try LogTrust.verifyStep { () throws(TransparencyError) in
                try LogKeyText.parse(text, origin: origin)
            }
        }
        guard let data = FileManager.default.contents(atPath: text) else {
            throw CLIError(
                "Cannot read the log key \(text).",
                remedy: "Give the log's verifier key (printed by veil log serve) or its public key file."
            )
        }
        let contents = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if LogKeyText.isVerifierKey(contents) {
            return try LogTrust.verifyStep { () throws(TransparencyError) in
                try LogKeyText.parse(contents, origin: origin)
            }
        }
        guard let origin else {
            throw CLIError(
                "The log key \(text) is a bare public key, which does not name the log.",
                remedy: "Add --log-origin ORIGIN (the first line of the log's checkpoint), or give its verifier key."
            )
        }
        let key: SigningPublicKey
        do { key = try KeyFile.readPublicKey(text) } catch {
            throw CLIError(error.description, remedy: "Give the log's public key file (FILE.pub) or verifier key.")
        }
        guard case .ed25519(let publicKey) = key else {
            throw CLIError("The log key \(text) is not an Ed25519 key.", remedy: "Logs sign with Ed25519 keys.")
        }
        return try LogTrust.verifyStep { () throws(TransparencyError) in
            try LogKey(origin: origin, publicKey: publicKey)
        }
    }
}
