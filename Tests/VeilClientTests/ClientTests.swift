import AsyncHTTPClient
import Crypto
import Foundation
import Testing
import VeilAttestation
import VeilClient
import VeilOHTTP
import VeilServerTestSupport
import VeilTestSupport
import VeilWire
import _VeilBytes

@Suite("Client SDK")
struct ClientTests {
    @Test("verifies the node, then chat, stream, completion, embeddings and models work through the relay")
    func endToEnd() async throws {
        let stack = try await Stack.start()
        let client = stack.client()
        let bundle = try await client.verifiedBundle()
        let names = bundle.verification.steps.map(\.name)
        for step in [
            "bundle.freshness", "bundle.key_configs", "binding.runtime_data", "binding.evidence", "simulated.signature",
            "bundle.binding", "evidence.verdict", "trust.anchor", "policy.measurement",
        ] {
            #expect(names.contains(step), "missing step \(step)")
        }
        #expect(bundle.verification.passed)
        #expect(bundle.verification.relaxations == ["allow_simulated"])
        #expect(bundle.nodeID == stack.node.nodeID)
        #expect(bundle.verification.step("bundle.freshness")?.detail.contains("this client's nonce") == true)
        #expect(stack.node.nonceRequests == 1)

        let answer = try await client.chatCompletion([.init(role: "user", content: "hello")])
        #expect(answer.text == "echo: hello")
        #expect(answer.finishReason == "stop")
        var streamed: [String] = []
        for try await delta in client.streamChatCompletion([.init(role: "user", content: "hello there world")]) {
            streamed.append(delta.text)
        }
        #expect(streamed.joined() == "echo: hello there world")
        #expect(streamed.count >= 4)
        #expect(try await client.completion("abc").text == "echo: abc")
        #expect(try await client.embeddings(["ab", "abcd"]) == [[2, 1, 0.5], [4, 1, 0.5]])
        #expect(try await client.models() == ["test-model"])
        await stack.stop()
    }

    @Test("X-Wing is chosen when the node offers it")
    func prefersXWing() async throws {
        let stack = try await Stack.start(keyIDs: [11, 12])
        let configs = try await stack.client().verifiedBundle().keyConfigs
        #expect(try OHTTP.Client.choose(from: configs.reversed()).keyConfig.kem == .xWing)
        await stack.stop()
    }

    @Test("the strict default refuses the SIMULATED TEE and sends nothing")
    func strictRefusesSimulated() async throws {
        let stack = try await Stack.start()
        let client = stack.client { $0.allowSimulated = false }
        await #expect(throws: VeilClientError.self) {
            _ = try await client.chatCompletion([.init(role: "user", content: "secret")])
        }
        let report = try await client.inspect()
        #expect(report.firstFailure?.name == "policy.simulated")
        #expect(stack.node.requests == 0)
        await stack.stop()
    }

    @Test("key configurations not bound to the evidence are refused")
    func tamperedBindingRefused() async throws {
        let stack = try await Stack.start()
        let other = try OHTTP.GatewayKey.generate(keyID: 7, kem: .x25519)
        stack.node.bundleOverride = { object in
            var changed = object
            changed["key_configs"] = Base64URL.encode(OHTTP.KeyConfig.encodeList([other.config]))
            return changed
        }
        let client = stack.client()
        do {
            _ = try await client.verifiedBundle()
            Issue.record("a tampered bundle verified")
        } catch {
            #expect(error.code == .verificationFailed)
            #expect(error.detail.contains("binding.runtime_data"))
        }
        #expect(stack.node.requests == 0)
        await stack.stop()
    }

    @Test("reference values in the policy decide (allowed measurements and configuration)")
    func policyReferenceValues() async throws {
        let stack = try await Stack.start()
        let measurement = try stack.node.measurement
        func policy(_ role: String) throws -> PolicyDocument {
            let json =
                #"{"version":1,"platforms":{"simulated":{"reference_values":"#
                + #"{"config.role":["\#(role)"],"measurement":["\#(measurement)"]}}}}"#
            return try PolicyDocument.decode(Data(json.utf8))
        }
        let accepted = stack.client { $0.policy = try! policy("test-node") }
        #expect(try await accepted.verifiedBundle().verification.passed)
        let refused = stack.client { $0.policy = try! policy("production") }
        let report = try await refused.inspect()
        #expect(!report.passed)
        #expect(report.firstFailure?.name.hasPrefix("policy.reference") == true)
        let platforms = stack.client { $0.allowedPlatforms = [.sevSNP, .tdx] }
        #expect(try await platforms.inspect().firstFailure?.name == "policy.platform")
        await stack.stop()
    }

    @Test("key-config-stale: the client refetches the bundle once and retries")
    func staleKeyRefetch() async throws {
        let stack = try await Stack.start(keyIDs: [7, 8])
        let client = stack.client()
        #expect(try await client.chatCompletion([.init(role: "user", content: "one")]).text == "echo: one")
        try await stack.node.rotate(to: [21, 22])
        var streamed = ""
        for try await delta in client.streamChatCompletion([.init(role: "user", content: "two")]) {
            streamed += delta.text
        }
        #expect(streamed == "echo: two")
        #expect(try await client.verifiedBundle().keyConfigs.map(\.keyID) == [21, 22])
        await stack.stop()
    }

    @Test("the maximum bundle age is enforced on every request: past it, the node attests again over a new nonce")
    func maximumAgeEnforced() async throws {
        let stack = try await Stack.start()
        let client = stack.client { $0.maximumBundleAge = .seconds(8) }
        #expect(try await client.chatCompletion([.init(role: "user", content: "a")]).text == "echo: a")
        #expect(stack.node.nonceRequests == 1)
        let first = try await client.verifiedBundle()
        #expect(first.validUntil <= Date().addingTimeInterval(8))
        try await Task.sleep(for: .milliseconds(8200))
        #expect(!first.isUsable(at: Date()))
        #expect(try await client.chatCompletion([.init(role: "user", content: "b")]).text == "echo: b")
        // The stale bundle was not used: another attestation over a new nonce came first. (8 s leaves a loaded CI
        // machine room to fetch and verify a bundle well within its maximum age.)
        #expect(stack.node.nonceRequests >= 2)
        await stack.stop()
    }

    @Test("a replayed bundle (evidence over another nonce, no EAR) is refused as not fresh, and nothing is sent")
    func replayedBundleRefused() async throws {
        let stack = try await Stack.start()
        // What an attacker recorded earlier: a genuine bundle over some other client's nonce, re-served as is.
        let oldNonce = VeilClient.makeNonce()
        let recorded = try await stack.node.bundle(nonce: oldNonce)
        stack.node.bundleOverride = { _ in
            (try? JSONSerialization.jsonObject(with: Data(recorded))) as? [String: Any] ?? [:]
        }
        let client = stack.client()
        let report = try await client.inspect()
        #expect(report.firstFailure?.name == "bundle.freshness", "\(report.lines)")
        #expect(report.step("bundle.freshness")?.detail.contains("not this client's") == true)
        await #expect(throws: VeilClientError.self) {
            _ = try await client.chatCompletion([.init(role: "user", content: "secret")])
        }
        #expect(stack.node.requests == 0)
        // Without a nonce at all (an EAR-only client that got no EAR), the unsigned issued_at is not freshness.
        let noNonce = BundleVerifier(configuration: client.configuration).evaluate(
            try AttestationBundle(json: recorded),
            jwks: nil,
            at: Date(),
            nonce: nil
        ).0
        #expect(noNonce.firstFailure?.name == "bundle.freshness")
        // Checked against the nonce it was made for, the same bundle passes: the refusal is about the nonce.
        let own = try BundleVerifier(configuration: client.configuration).verify(
            try AttestationBundle(json: recorded),
            jwks: nil,
            at: Date(),
            nonce: oldNonce
        )
        #expect(own.verification.passed)
        await stack.stop()
    }

    @Test("the EAR path: a broker-signed token over the key configurations verifies; a foreign one does not")
    func earPath() async throws {
        let stack = try await Stack.start()
        let broker = P256.Signing.PrivateKey()
        let jwks = try JWKS(keys: [(id: "broker-1", key: broker.publicKey)]).json()
        let approved = Hex.encode([UInt8](repeating: 0x23, count: 32))
        // The client pins the TPM code register (PCR 23) the broker's annotated evidence reports.
        var tpmPolicy = PolicyDocument.baseline
        tpmPolicy.platforms = ["tpm": .init(referenceValues: ["pcr23": [approved]])]
        let pinned = tpmPolicy
        func token(
            keys: String,
            status: String = "affirming",
            relaxations: [String] = [],
            pcr23: String = approved,
            issued: Date = Date(),
            audience: [String] = ["veil-kbs"],
            tenant: String? = nil
        ) throws -> String {
            var claims: [String: Any] = [
                "eat_profile": EAR.profile, "iat": Int(issued.timeIntervalSince1970),
                "exp": Int(Date().timeIntervalSince1970) + 600, "aud": audience,
                "veil.runtime-data": ["nonce": "n", "veil-ohttp-keys": keys],
                "submods": [
                    "tpm": [
                        "ear.status": status, "veil.verdict": "accepted", "veil.relaxations": relaxations,
                        "ear.veraison.annotated-evidence": ["pcr23": pcr23, "tpm_reset_count": 3],
                    ]
                ],
            ]
            if let tenant { claims["veil.tenant"] = tenant }
            return try JWT.sign(claims: claims, key: broker, keyID: "broker-1")
        }
        func serve(_ ear: String?) {
            stack.node.bundleOverride = { object in
                var changed = object
                changed["ear"] = ear.map { $0 as Any } ?? NSNull()
                return changed
            }
        }
        func earClient(_ change: (inout VeilClient.Configuration) -> Void = { _ in }) -> VeilClient {
            stack.client {
                $0.allowSimulated = false
                $0.verifyEvidence = false
                $0.brokerJWKS = .json(jwks)
                $0.policy = pinned
                change(&$0)
            }
        }
        let keys = Base64URL.encode(OHTTP.KeyConfig.encodeList(stack.node.keyConfigs))
        serve(try token(keys: keys))
        let earOnly = earClient()
        let verified = try await earOnly.verifiedBundle()
        #expect(verified.verification.steps.map(\.name).contains("ear.signature"))
        #expect(verified.verification.step("ear.reference_values")?.detail.contains("tpm pcr23") == true)
        #expect(verified.verification.step("bundle.freshness")?.detail.contains("broker's EAR was issued") == true)
        #expect(try await earOnly.chatCompletion([.init(role: "user", content: "x")]).text == "echo: x")

        // A node trusted only through the EAR must still run code this client pinned.
        serve(try token(keys: keys, pcr23: Hex.encode([UInt8](repeating: 0x66, count: 32))))
        let wrongCode = try await earClient().inspect()
        #expect(wrongCode.firstFailure?.name == "ear.reference_values", "\(wrongCode.lines)")
        // ... and with no pin at all, the EAR path is refused too (policy.measurement), unless the relaxation is named.
        serve(try token(keys: keys))
        let unpinned = try await earClient { $0.policy = .baseline }.inspect()
        #expect(unpinned.firstFailure?.name == "policy.measurement", "\(unpinned.lines)")
        let relaxed = try await earClient {
            $0.policy = .baseline
            $0.acceptAnyMeasurement = true
        }.verifiedBundle()
        #expect(relaxed.verification.relaxations == ["accept_any_measurement"])

        // An old EAR (iat past the maximum bundle age) is not freshness, even before its exp.
        serve(try token(keys: keys, issued: Date().addingTimeInterval(-7200)))
        let stale = try await earClient().inspect()
        #expect(stale.firstFailure?.name == "bundle.freshness", "\(stale.lines)")

        // Tenant: the EAR must name the client's tenant in aud (and veil.tenant).
        serve(try token(keys: keys, audience: ["veil-kbs", "tenant:alpha"], tenant: "alpha"))
        #expect(try await earClient { $0.requiredTenant = "alpha" }.verifiedBundle().verification.passed)
        let otherTenant = try await earClient { $0.requiredTenant = "beta" }.inspect()
        #expect(otherTenant.firstFailure?.name == "ear.tenant", "\(otherTenant.lines)")
        serve(try token(keys: keys))
        let noAudience = try await earClient { $0.requiredTenant = "alpha" }.inspect()
        #expect(noAudience.firstFailure?.name == "ear.tenant")
        serve(try token(keys: keys, audience: ["veil-kbs", "tenant:alpha"], tenant: "beta"))
        #expect(try await earClient { $0.requiredTenant = "alpha" }.inspect().firstFailure?.name == "ear.tenant")

        let foreign = try token(
            keys: Base64URL.encode(
                OHTTP.KeyConfig.encodeList([
                    try OHTTP.GatewayKey.generate(keyID: 7, kem: .x25519).config
                ])
            )
        )
        serve(foreign)
        #expect(try await earClient().inspect().firstFailure?.name == "ear.runtime_data")
        let otherBroker = try JWKS(keys: [(id: "broker-1", key: P256.Signing.PrivateKey().publicKey)]).json()
        serve(try token(keys: keys))
        #expect(
            try await earClient { $0.brokerJWKS = .json(otherBroker) }.inspect().firstFailure?.name == "ear.signature"
        )
        serve(try token(keys: keys, status: "warning", relaxations: ["allow_debug"]))
        #expect(try await earClient().inspect().firstFailure?.name == "ear.status")
        let missing = stack.client {
            $0.brokerJWKS = .json(jwks)
        }
        stack.node.bundleOverride = nil
        let missingReport = try await missing.inspect()
        #expect(missingReport.firstFailure?.name == "ear.present", "\(missingReport.lines)")
        #expect(stack.node.requests == 1)
        await stack.stop()
    }
}
