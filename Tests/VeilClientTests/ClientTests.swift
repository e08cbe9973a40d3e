import AsyncHTTPClient
import Crypto
import Foundation
import Testing
import VeilAttestation
import VeilClient
import VeilOHTTP
import VeilTestSupport
import _VeilBytes

/// A test node behind a relay, for one test.
struct Stack {
    let node: TestNode
    let relay: RelayHarness
    let stopNode: @Sendable () async -> Void

    static func start(keyIDs: [UInt8] = [7, 8]) async throws -> Stack {
        let node = try await TestNode(keyIDs: keyIDs, rootDirectory: try TestRoot.make())
        let (port, stop) = try await LiveServer.start(node.router)
        let relay = try await RelayHarness.start(nodes: [LiveServer.url(port)])
        return Stack(node: node, relay: relay, stopNode: stop)
    }

    func stop() async {
        await relay.stop()
        await stopNode()
    }

    func client(_ change: (inout VeilClient.Configuration) -> Void = { _ in }) -> VeilClient {
        var configuration = VeilClient.Configuration(relayURL: relay.url, allowSimulated: true)
        change(&configuration)
        return VeilClient(configuration: configuration)
    }
}

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
            "bundle.binding", "evidence.verdict", "trust.anchor",
        ] {
            #expect(names.contains(step), "missing step \(step)")
        }
        #expect(bundle.verification.passed)
        #expect(bundle.verification.relaxations == ["allow_simulated"])
        #expect(bundle.nodeID == stack.node.nodeID)

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
        func policy(_ role: String) throws -> PolicyDocument {
            try PolicyDocument.decode(
                Data(#"{"version":1,"platforms":{"simulated":{"reference_values":{"config.role":["\#(role)"]}}}}"#.utf8)
            )
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

    @Test("the maximum bundle age is enforced on every request")
    func maximumAgeEnforced() async throws {
        let stack = try await Stack.start()
        // issued_at has whole seconds: the bundle is fresh for 4 to 5 seconds after this re-attestation.
        try await stack.node.rotate(to: [9])
        let client = stack.client { $0.maximumBundleAge = .seconds(5) }
        #expect(try await client.chatCompletion([.init(role: "user", content: "a")]).text == "echo: a")
        let before = stack.node.requests
        try await Task.sleep(for: .milliseconds(5200))
        do {
            _ = try await client.chatCompletion([.init(role: "user", content: "b")])
            Issue.record("a request used a bundle past its maximum age")
        } catch let error as VeilClientError {
            #expect(error.code == .verificationFailed)
            #expect(error.detail.contains("bundle.freshness"))
        }
        #expect(stack.node.requests == before)
        try await stack.node.rotate(to: [30])
        #expect(try await client.chatCompletion([.init(role: "user", content: "c")]).text == "echo: c")
        await stack.stop()
    }

    @Test("the EAR path: a broker-signed token over the key configurations verifies; a foreign one does not")
    func earPath() async throws {
        let stack = try await Stack.start()
        let broker = P256.Signing.PrivateKey()
        let jwks = try JWKS(keys: [(id: "broker-1", key: broker.publicKey)]).json()
        func token(keys: String, status: String = "affirming", relaxations: [String] = []) throws -> String {
            try JWT.sign(
                claims: [
                    "eat_profile": EAR.profile, "iat": Int(Date().timeIntervalSince1970),
                    "exp": Int(Date().timeIntervalSince1970) + 600,
                    "veil.runtime-data": ["nonce": "n", "veil-ohttp-keys": keys],
                    "submods": [
                        "tpm": ["ear.status": status, "veil.verdict": "accepted", "veil.relaxations": relaxations]
                    ],
                ],
                key: broker,
                keyID: "broker-1"
            )
        }
        let keys = Base64URL.encode(OHTTP.KeyConfig.encodeList(stack.node.keyConfigs))
        let good = try token(keys: keys)
        stack.node.bundleOverride = { object in
            var changed = object
            changed["ear"] = good
            return changed
        }
        let earOnly = stack.client {
            $0.allowSimulated = false
            $0.verifyEvidence = false
            $0.brokerJWKS = .json(jwks)
            $0.requireEAR = true
        }
        let verified = try await earOnly.verifiedBundle()
        #expect(verified.verification.steps.map(\.name).contains("ear.signature"))
        #expect(try await earOnly.chatCompletion([.init(role: "user", content: "x")]).text == "echo: x")

        let foreign = try token(
            keys: Base64URL.encode(
                OHTTP.KeyConfig.encodeList([
                    try OHTTP.GatewayKey.generate(keyID: 7, kem: .x25519).config
                ])
            )
        )
        stack.node.bundleOverride = { object in
            var changed = object
            changed["ear"] = foreign
            return changed
        }
        let fresh = stack.client {
            $0.verifyEvidence = false
            $0.brokerJWKS = .json(jwks)
        }
        #expect(try await fresh.inspect().firstFailure?.name == "ear.runtime_data")
        let otherBroker = try JWKS(keys: [(id: "broker-1", key: P256.Signing.PrivateKey().publicKey)]).json()
        stack.node.bundleOverride = { object in
            var changed = object
            changed["ear"] = good
            return changed
        }
        let wrongKey = stack.client {
            $0.verifyEvidence = false
            $0.brokerJWKS = .json(otherBroker)
        }
        #expect(try await wrongKey.inspect().firstFailure?.name == "ear.signature")
        let warned = try token(keys: keys, status: "warning", relaxations: ["allow_debug"])
        stack.node.bundleOverride = { object in
            var changed = object
            changed["ear"] = warned
            return changed
        }
        let strict = stack.client {
            $0.allowSimulated = false
            $0.verifyEvidence = false
            $0.brokerJWKS = .json(jwks)
        }
        #expect(try await strict.inspect().firstFailure?.name == "ear.status")
        let missing = stack.client {
            $0.brokerJWKS = .json(jwks)
        }
        stack.node.bundleOverride = nil
        let missingReport = try await missing.inspect()
        #expect(missingReport.firstFailure?.name == "ear.present", "\(missingReport.lines)")
        await stack.stop()
    }
}
