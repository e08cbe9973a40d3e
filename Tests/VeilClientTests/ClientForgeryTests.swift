import Crypto
import Foundation
import Testing
import VeilAttestation
import VeilAttesters
import VeilClient
import VeilLogClient
import VeilNodeServer
import VeilOHTTP
import VeilServerTestSupport
import VeilTestSupport
import VeilTransparency
import _CryptoExtras
import _VeilBytes

/// The client's forgery catalogue (issue 13): each attack built from scratch — own keys, own quotes, own logs —
/// against the real node server, relay and transparency log, refused before a byte of the prompt is sent, with the
/// check that stops it named. And the approved path: a node whose measurements are a release in the pinned log.
@Suite("Client forgery catalogue (real node, relay and log)")
struct ClientForgeryTests {
    static let prompt: [VeilClient.ChatMessage] = [.init(role: "user", content: "a secret prompt")]

    /// Sends the prompt; it must be refused as unverified.
    static func expectRefused(_ client: VeilClient) async {
        do {
            _ = try await client.chatCompletion(prompt)
            Issue.record("a prompt was sent to an unapproved node")
        } catch let error as VeilClientError {
            #expect(error.code == .verificationFailed, "\(error)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("a logged node is accepted: the release it matched is shown (name, version, leaf, tree, origin)")
    func loggedNodeAccepted() async throws {
        let log = try await LiveLog.start()
        let client = try log.client
        let index = try await log.append(TrustStack.release(measurement: TrustStack.measurement(of: "build 1.0.0")))
        // Another entry after it: the proof is a real audit path, not a one-leaf tree.
        try await log.append(TrustStack.release(measurement: String(repeating: "ab", count: 48), version: "0.9"))
        let stack = try await TrustStack.start(code: "build 1.0.0") { measurement in
            try ReleaseInclusionSource(entry: TrustStack.release(measurement: measurement), log: client)
        }
        #expect(try stack.measurement == TrustStack.measurement(of: "build 1.0.0"))
        let veil = stack.client { $0.transparency = log.verifier() }
        let bundle = try await veil.verifiedBundle()
        let release = try #require(bundle.release)
        #expect(release.name == "veil-node" && release.version == "1.0.0")
        #expect(release.leafIndex == index)
        #expect(release.treeSize == 2)
        #expect(release.origin == "log.test/veil")
        #expect(release.measurements == ["measurement=\(try stack.measurement)"])
        let step = try #require(bundle.verification.step("log.inclusion"))
        #expect(step.passed && step.detail.contains("veil-node 1.0.0 (leaf \(index) of 2 in log.test/veil)"))
        #expect(bundle.verification.relaxations == ["allow_simulated"])
        #expect(try await veil.chatCompletion(Self.prompt).text == "echo: a secret prompt")
        #expect(stack.backend.requests == 1)
        await stack.stop()
        await log.stop()
    }

    @Test("an unlogged node is refused when the client pins a log (log.inclusion), nothing sent")
    func unloggedNodeRefused() async throws {
        let log = try await LiveLog.start()
        let stack = try await TrustStack.start()
        let veil = stack.client { $0.transparency = log.verifier() }
        let report = try await veil.inspect()
        #expect(report.firstFailure?.name == "log.inclusion", "\(report.lines)")
        #expect(report.firstFailure?.detail.contains("staples no log inclusion") == true)
        await Self.expectRefused(veil)
        // Reference values that pin this very code do not replace the log the client pins.
        let pinned = stack.client {
            $0.transparency = log.verifier()
            $0.policy.platforms = ["simulated": .init(referenceValues: ["measurement": [try! stack.measurement]])]
        }
        #expect(try await pinned.inspect().firstFailure?.name == "log.inclusion")
        #expect(stack.backend.requests == 0)
        await stack.stop()
        await log.stop()
    }

    @Test("a forked checkpoint (another key, same origin) is refused")
    func forkedCheckpointRefused() async throws {
        let log = try await LiveLog.start()
        // The attacker runs a log under the trusted log's origin with its own key, and logs the node there.
        let fork = try await LiveLog.start(origin: "log.test/veil")
        let forkClient = try fork.client
        try await fork.append(TrustStack.release(measurement: TrustStack.measurement(of: "unapproved build")))
        let stack = try await TrustStack.start(code: "unapproved build") { measurement in
            try ReleaseInclusionSource(entry: TrustStack.release(measurement: measurement), log: forkClient)
        }
        let veil = stack.client { $0.transparency = log.verifier() }
        let report = try await veil.inspect()
        let failure = try #require(report.firstFailure)
        #expect(failure.name == "log.inclusion", "\(report.lines)")
        #expect(failure.detail.contains(TransparencyError.Code.untrustedSignature.rawValue), "\(failure.detail)")
        await Self.expectRefused(veil)
        #expect(stack.backend.requests == 0)
        await stack.stop()
        await fork.stop()
        await log.stop()
    }

    @Test("a stale checkpoint is refused; the same bundle with a fresh checkpoint passes")
    func staleCheckpointRefused() async throws {
        let log = try await LiveLog.start()
        let client = try log.client
        try await log.append(TrustStack.release(measurement: TrustStack.measurement(of: "build 1.0.0")))
        let stack = try await TrustStack.start(code: "build 1.0.0") { measurement in
            try ReleaseInclusionSource(entry: TrustStack.release(measurement: measurement), log: client)
        }
        let veil = stack.client { $0.transparency = log.verifier(maximumCheckpointAge: 60) }
        let nonce = VeilClient.makeNonce()
        let bundle = try await veil.fetchBundle(nonce: nonce)
        let verifier = BundleVerifier(configuration: veil.configuration)
        #expect(verifier.evaluate(bundle, jwks: nil, at: Date(), nonce: nonce).0.passed)
        // Two minutes on, the bundle and its nonce are still fresh, but the checkpoint is older than 60 s.
        let later = verifier.evaluate(bundle, jwks: nil, at: Date().addingTimeInterval(120), nonce: nonce).0
        let failure = try #require(later.firstFailure)
        #expect(failure.name == "log.inclusion", "\(later.lines)")
        #expect(failure.detail.contains(TransparencyError.Code.stale.rawValue), "\(failure.detail)")
        await stack.stop()
        await log.stop()
    }

    @Test("the inclusion of another release (other measurements) is refused")
    func otherReleaseRefused() async throws {
        let log = try await LiveLog.start()
        let client = try log.client
        let approved = TrustStack.release(measurement: String(repeating: "5a", count: 48), version: "2.0.0")
        try await log.append(approved)
        // The node runs other code but staples the genuine inclusion of the approved release.
        let stack = try await TrustStack.start(code: "patched build") { _ in
            try ReleaseInclusionSource(entry: approved, log: client)
        }
        let veil = stack.client { $0.transparency = log.verifier() }
        let report = try await veil.inspect()
        let failure = try #require(report.firstFailure)
        #expect(failure.name == "log.inclusion", "\(report.lines)")
        #expect(failure.detail.contains("but release veil-node 2.0.0 lists"), "\(failure.detail)")
        await Self.expectRefused(veil)
        #expect(stack.backend.requests == 0)
        await stack.stop()
        await log.stop()
    }

    @Test("the inclusion of a non-release entry is refused (by the node's configuration and by the client)")
    func nonReleaseEntryRefused() async throws {
        let log = try await LiveLog.start()
        let model = LogEntry.model(
            LogEntry.Model(
                name: "tiny",
                manifestSHA256: String(repeating: "0f", count: 32),
                ownerKey: Base64URL.encode([UInt8](repeating: 7, count: 32))
            )
        )
        try await log.append(model)
        let client = try log.client
        #expect(throws: NodeReleaseError.self) { try ReleaseInclusionSource(entry: model, log: client) }
        // A host that controls the node's log connection staples the model entry's genuine inclusion instead.
        let modelInclusion = try await client.inclusionBundle(for: model)
        let stack = try await TrustStack.start { measurement in
            try ReleaseInclusionSource(entry: TrustStack.release(measurement: measurement)) { _, _ in modelInclusion }
        }
        let veil = stack.client { $0.transparency = log.verifier() }
        let report = try await veil.inspect()
        let failure = try #require(report.firstFailure)
        #expect(failure.name == "log.inclusion", "\(report.lines)")
        #expect(failure.detail.contains("is a model, not a release"), "\(failure.detail)")
        await Self.expectRefused(veil)
        #expect(stack.backend.requests == 0)
        await stack.stop()
        await log.stop()
    }

    @Test("no log and no measurement pin: refused (policy.measurement) unless accept_any_measurement is named")
    func noMeasurementPin() async throws {
        let stack = try await TrustStack.start()
        let veil = stack.client()
        let report = try await veil.inspect()
        #expect(report.firstFailure?.name == "policy.measurement", "\(report.lines)")
        #expect(report.firstFailure?.detail.contains("pins no simulated measurement") == true)
        await Self.expectRefused(veil)
        // Pinning something that is not code (a configuration value) is not a measurement pin.
        let configOnly = stack.client {
            $0.policy.platforms = ["simulated": .init(referenceValues: ["config.role": ["node"]])]
        }
        #expect(try await configOnly.inspect().firstFailure?.name == "policy.measurement")
        #expect(stack.backend.requests == 0)

        let relaxed = stack.client { $0.acceptAnyMeasurement = true }
        let accepted = try await relaxed.verifiedBundle()
        #expect(accepted.verification.relaxations == ["allow_simulated", "accept_any_measurement"])
        #expect(accepted.verification.step("policy.measurement")?.detail.contains("accept_any_measurement") == true)
        #expect(accepted.verification.lines.last == "! relaxations in force: allow_simulated, accept_any_measurement")
        #expect(try await relaxed.chatCompletion(Self.prompt).text == "echo: a secret prompt")

        // The relaxation never lifts a log the client pins.
        let log = try await LiveLog.start()
        let both = stack.client {
            $0.acceptAnyMeasurement = true
            $0.transparency = log.verifier()
        }
        #expect(try await both.inspect().firstFailure?.name == "log.inclusion")
        await stack.stop()
        await log.stop()
    }

    @Test("a policy that names other platforms refuses this one (fail closed), nothing sent")
    func platformMismatch() async throws {
        let stack = try await TrustStack.start()
        let snpOnly = stack.client {
            $0.policy.platforms = [
                "sev-snp": .init(referenceValues: ["measurement": [String(repeating: "11", count: 48)]])
            ]
        }
        let report = try await snpOnly.inspect()
        #expect(!report.passed)
        // The client's own step (and, where the policy document enforces it too, the evidence policy's) refuses it.
        let refusals = report.steps.filter { $0.name == "policy.platform" && !$0.passed }
        #expect(!refusals.isEmpty, "\(report.lines)")
        #expect(
            refusals.allSatisfy { $0.detail.contains("simulated") && $0.detail.contains("sev-snp") },
            "\(report.lines)"
        )
        #expect(report.step("policy.measurement")?.passed == false)
        await Self.expectRefused(snpOnly)
        #expect(stack.backend.requests == 0)
        await stack.stop()
    }

    @Test(
        "swtpm: a logged TPM node (PCR 23 = the release's, AK pinned) is accepted; its AK unpinned, it is refused",
        .enabled(if: SoftwareTPM.isInstalled, "needs swtpm (scripts/bootstrap installs it)")
    )
    func loggedTPMNodeAccepted() async throws {
        let swtpm = try SoftwareTPM()
        defer { swtpm.stop() }
        let location = TPM2Location.simulator(host: "127.0.0.1", port: swtpm.port)
        let code = "veil node build for a TPM"
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tpm-node-\(UUID())")
        try Data(code.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        // What `veil release --platform tpm` logs for this build: PCR 23 after the node's reset-and-extend.
        let pcr23 = TPMAttester.expectedCodePCR(executableDigest: try TPMAttester.executableDigest(file.path))
        let release = LogEntry.release(
            LogEntry.Release(
                name: "veil-node",
                version: "1.0.0",
                measurements: [TEEMeasurement(platform: .tpm, register: "pcr23", value: Hex.encode(pcr23))],
                source: .init(repository: "https://veil.dev/veil", revision: "test")
            )
        )
        let log = try await LiveLog.start()
        try await log.append(release)
        let logClient = try log.client
        let stack = try await TrustStack.start(code: code, tpm: location) { _ in
            try ReleaseInclusionSource(entry: release, log: logClient)
        }
        let tpm = TPMAttester(client: try TPM2Client(location: location))
        let akPEM = try TPMAttester.attestationKeyPEM(try await tpm.attestationKey())
        let pinnedAK = stack.client {
            $0.allowSimulated = false
            $0.transparency = log.verifier()
            $0.collateral = BundleCollateralProvider([("ak.pem", Array(akPEM.utf8))])
        }
        let bundle = try await pinnedAK.verifiedBundle()
        #expect(bundle.verification.platform == .tpm)
        #expect(bundle.verification.relaxations.isEmpty)
        #expect(bundle.release?.measurements == ["pcr23=\(Hex.encode(pcr23))"])
        #expect(try await pinnedAK.chatCompletion(Self.prompt).text == "echo: a secret prompt")
        #expect(stack.backend.requests == 1)
        // Another key pinned (not this TPM's): refused by the TPM verifier, nothing more sent.
        let otherAK = try _RSA.Signing.PrivateKey(keySize: .bits2048).publicKey.pemRepresentation
        let wrongAK = stack.client {
            $0.allowSimulated = false
            $0.transparency = log.verifier()
            $0.collateral = BundleCollateralProvider([("ak.pem", Array(otherAK.utf8))])
        }
        #expect(try await wrongAK.inspect().firstFailure?.name == "tpm.ak")
        await Self.expectRefused(wrongAK)
        #expect(stack.backend.requests == 1)
        await stack.stop()
        await log.stop()
    }

    @Test("a self-made TPM quote (own RSA key as a JWK ak, PCR 23 copied from the log) is refused: tpm.ak")
    func selfMadeTPMQuoteRefused() async throws {
        let log = try await LiveLog.start()
        // The approved TPM release, genuinely logged: its PCR 23 is public, so the forger copies it.
        let pcr23 = Array(SHA256.hash(data: Array("approved node executable".utf8)))
        let release = LogEntry.release(
            LogEntry.Release(
                name: "veil-node",
                version: "1.0.0",
                measurements: [TEEMeasurement(platform: .tpm, register: "pcr23", value: Hex.encode(pcr23))],
                source: .init(repository: "https://veil.dev/veil", revision: "test")
            )
        )
        try await log.append(release)
        let inclusion = try await (try log.client).inclusionBundle(for: release)
        // The genuine node's enrolled AK, which the client pins; the forger does not have its private key.
        let enrolled = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let akFile = FileManager.default.temporaryDirectory.appendingPathComponent("ak-\(UUID()).pem")
        try Data(enrolled.publicKey.pemRepresentation.utf8).write(to: akFile)
        defer { try? FileManager.default.removeItem(at: akFile) }
        for pem in [false, true] {
            let forger = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            let stack = try await Stack.start()
            try await stack.node.setLogInclusion(inclusion)
            stack.node.bundleOverride = { object in
                var forged = object
                guard let text = object["runtime_data"] as? String, let runtime = try? Base64URL.decode(text),
                    let evidence = try? ForgedTPM.evidence(
                        binding: .kbs(runtimeData: runtime, hash: .sha384),
                        pcrs: [0: [UInt8](repeating: 0, count: 32), 23: pcr23],
                        key: .rsa(forger),
                        carrier: pem ? .pem : .jwk
                    )
                else { return object }
                forged["evidence"] = try? JSONSerialization.jsonObject(with: Data(evidence.json()))
                return forged
            }
            let veil = stack.client {
                $0.allowSimulated = false
                $0.policy = .baseline
                $0.transparency = log.verifier()
                $0.collateral = FileCollateralProvider(url: akFile)
            }
            let report = try await veil.inspect()
            #expect(report.platform == .tpm)
            #expect(report.firstFailure?.name == "tpm.ak", "\(pem ? "ak_pem" : "JWK ak"): \(report.lines)")
            await Self.expectRefused(veil)
            #expect(stack.node.requests == 0)
            await stack.stop()
        }
        await log.stop()
    }
}
