import Crypto
import Foundation
import Hummingbird
import VeilAttestation
import VeilAttesters
import VeilKeys
import VeilLogClient
import VeilLogServer
import VeilSealing
import VeilServerKit
import VeilTransparency
import VeilVerifiers
import _VeilBytes

/// The local stack's transparency log: what "approved" means to its broker and its clients.
extension LocalStack {
    /// The log's origin (its checkpoints' first line and its key's name).
    public static let logOrigin = "localhost/veil-up"

    /// A running log and what was logged in it.
    struct StackLog {
        /// The log's base URL.
        let url: URL
        /// The key clients and the broker pin.
        public let logKey: LogKey
        /// The broker's client for its appends (policies, key releases, audit heads) and for proofs.
        let client: TransparencyLogClient
        /// The node release entry the node staples the inclusion of.
        let release: LogEntry.Release
        /// Where the release entry is (`veil node serve --release`).
        let releasePath: String
        /// The index of the release entry.
        let releaseIndex: UInt64
    }

    /// Starts the log (SQLite in the data directory), then logs the node's release — the measurements the node's
    /// TEE reports when running this executable — and the sealed model.
    static func startLog(
        in directory: URL,
        port: Int,
        attester: any Attester,
        sealedPath: String,
        servers: ServerGroup,
        say: (String) -> Void
    ) async throws -> StackLog {
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        // Three submitters, each allowed only its own kinds: the operator's release key approves code; the model
        // owner's signing key logs sealed models; the broker logs its policies, key releases and audit heads.
        for name in ["log.jwk", "log-release.jwk", "log-broker.jwk"]
        where !FileManager.default.fileExists(atPath: path(name)) {
            try KeyFile.generate(.ed25519, at: path(name))
        }
        let releaseKey = try KeyFile.readPublicKey(path("log-release.jwk") + ".pub")
        let ownerKey = try KeyFile.readPublicKey(path("owner.jwk") + ".pub")
        let brokerKey = try KeyFile.readPublicKey(path("log-broker.jwk") + ".pub")
        guard case .ed25519(let logKey) = try KeyFile.readSigningKey(path("log.jwk")) else {
            throw LocalStackError(
                "\(path("log.jwk")) is not an Ed25519 key.",
                remedy: "Remove it; veil up makes a new one."
            )
        }
        let signer = try CheckpointSigner(origin: logOrigin, key: logKey)
        let configuration = LogServerConfiguration(
            port: port,
            storage: .sqlite(path: path("log.sqlite")),
            signer: signer,
            submitters: [releaseKey, ownerKey, brokerKey],
            submitterKinds: [
                releaseKey.thumbprint: [.release], ownerKey.thumbprint: [.model],
                brokerKey.thumbprint: [.policy, .keyRelease, .auditHead],
            ]
        )
        let url = try await run("log", in: servers) { onServerRunning in
            try LogServer.buildApplication(
                configuration,
                logger: quietLogger("veil.log"),
                onServerRunning: onServerRunning
            )
        }
        try Data((signer.logKey.vkey + "\n").utf8).write(to: URL(fileURLWithPath: path("log.vkey")), options: .atomic)
        say("transparency log listening on \(url.absoluteString) (origin \(logOrigin), key \(path("log.vkey")))")

        func client(_ key: String) throws -> TransparencyLogClient {
            try TransparencyLogClient(url: url.absoluteString, submitterKey: try KeyFile.readSigningKey(path(key)))
        }
        let platform = attester.tee
        let hardware = platform == .sevSNP || platform == .tdx
        let release = try ReleaseBuilder.release(
            name: "veil-node",
            version: VeilVersion.current,
            executable: SimulatedAttester.currentExecutable,
            platforms: hardware ? [] : [platform == .tpm ? "tpm" : "simulated"],
            extra: hardware ? try await launchMeasurements(of: attester) : [],
            source: LogEntry.Release.Source(repository: "https://veil.dev/veil", revision: VeilVersion.current)
        )
        if hardware {
            say(
                "this machine's TEE measures its launched image, not this executable: logging its own verified launch measurements as the release"
            )
        }
        let releasePath = path("release.json")
        try Data(LogEntry.release(release).leafData).write(to: URL(fileURLWithPath: releasePath), options: .atomic)
        let logged = try await client("log-release.jwk").append(.release(release))
        let listed = release.measurements.map { "\($0.platform.rawValue) \($0.register) \($0.value.prefix(16))…" }
        say(
            "logged the node release \(release.name) \(release.version) at index \(logged.index): \(listed.joined(separator: ", "))"
        )

        let sealed = try SealedModel.inspect(contentsOf: sealedPath)
        let model = try await client("owner.jwk").append(.model(LogEntry.Model(sealed: sealed.header)))
        say("logged the sealed model \(sealed.header.manifest.metadata.modelName) at index \(model.index)")
        return StackLog(
            url: url,
            logKey: signer.logKey,
            client: try client("log-broker.jwk"),
            release: release,
            releasePath: releasePath,
            releaseIndex: logged.index
        )
    }
}

extension LocalStack {
    /// The code measurements of this confidential VM, read from its own evidence verified here: what a local stack on
    /// SEV-SNP or TDX logs as its release (its operator launched the image; a production release is logged from the
    /// image build with `veil release --measurement`).
    static func launchMeasurements(of attester: any Attester) async throws -> [String] {
        let evidence = try await attester.evidence(reportData: Array(SymmetricKey.randomNonSecretBytes(count: 64)))
        let report = EvidenceRouter.bundleVerifier.verify(
            evidence.json(),
            context: VerificationContext(
                time: Date(),
                options: VerificationOptions(skipTCBCollateral: true, allowMissingCRL: true)
            )
        )
        guard let claims = report.claims else {
            let failed = report.checks.first { !$0.passed }
            throw LocalStackError(
                "this machine's own \(attester.tee.rawValue) evidence does not verify: \(failed?.name ?? "?"): \(failed?.detail ?? "")",
                remedy: "Check the TEE with veil attest detect and veil attest explain."
            )
        }
        let registers = CodeRegisters.codeClaims(Set(claims.claims.keys), platform: attester.tee)
        return registers.compactMap { register in
            claims.claims[register]?.bytes.map { "\(attester.tee.rawValue):\(register)=\(Hex.encode($0))" }
        }
    }
}

extension LogKey {
    /// The note verifier key string clients pin (`<origin>+<key id>+<key>`).
    var vkey: String { (try? NoteVerifierKey(name: origin, publicKey: publicKey))?.vkey ?? "" }
}
