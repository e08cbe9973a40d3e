import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import VeilAttestation
import VeilAttesters
import VeilLocalStack
import VeilClient
import VeilKeyBrokerClient
import VeilTransparency
import VeilInference
import VeilNodeServer
import _VeilBytes

/// `veil demo`: Veil's main job end to end, on this machine, in one process.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Seal a model, attest a node, release its key and stream an encrypted answer — end to end, here.",
        discussion: """
            Pulls the model (cached after the first run), then starts on 127.0.0.1 in this one process a key \
            broker (SQLite in a temporary directory), an inference node and a relay. The model owner seals the \
            model and registers its key under a release policy; the node attests to the broker with evidence that \
            binds its OHTTP keys, receives the key wrapped to its TEE key, and unseals the model into locked \
            memory; a client fetches the node's attestation bundle through the relay, verifies it, and streams an \
            answer over Oblivious HTTP. Finally it shows what each party saw and how long each step took.

            Without a hardware TEE the node's evidence comes from the SIMULATED TEE: the demo says so at every \
            step, and the broker releases the key only because the demo's release policy names `simulated`.
            See docs/demo.md.
            """
    )

    @Option(help: ArgumentHelp("A built-in model's name or a GGUF path.", valueName: "MODEL"))
    var model = "smollm2-135m-instruct"

    @Option(help: "The question the client asks.")
    var question = "In two sentences: why should a prompt about my health be encrypted end to end?"

    @Option(help: "The most tokens the answer may have.")
    var maxTokens = 96

    @Option(
        help: """
            The node's TEE: auto (a hardware TEE or TPM if present, else swtpm if installed, else SIMULATED), \
            snp, tdx, tpm (with --tpm) or simulated.
            """
    )
    var tee: TEEChoice = .auto

    @Option(help: "The TPM for --tee tpm: /dev/tpmrm0 or tcp://HOST:PORT (swtpm).")
    var tpm = "/dev/tpmrm0"

    @Option(help: ArgumentHelp("Keep the demo's keys, sealed model and broker database here.", valueName: "DIR"))
    var keep: String?

    func run() async throws {
        PlaintextProcess.prepare(label: "veil demo")
        _ = ProcessHardening.apply()
        let modelPath = try Self.resolveModel(model)
        let directory =
            keep.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("veil-demo-\(UUID().uuidString)")
        defer { if keep == nil { try? FileManager.default.removeItem(at: directory) } }

        var step = 0
        func say(_ text: String) {
            step += 1
            print(String(format: "%2d. ", step) + text)
            fflush(nil)
        }
        print("Veil demo — confidential inference end to end on 127.0.0.1 (one process)")
        let stackTEE = try StackTEE(tee, tpm: tpm)
        print("    " + stackTEE.label)
        let modelName = URL(fileURLWithPath: modelPath).deletingPathExtension().lastPathComponent
        let stack = try await LocalStack.start(
            LocalStack.Options(
                modelPath: modelPath,
                modelName: modelName,
                dataDirectory: directory,
                attester: stackTEE.attester
            ),
            say: say
        )
        do {
            try await converse(with: stack, say: say)
        } catch {
            await stack.stop()
            stackTEE.softwareTPM?.stop()
            throw error
        }
        await stack.stop()
        stackTEE.softwareTPM?.stop()
    }

    /// The client's side, then what each party saw.
    private func converse(with stack: LocalStack, say: (String) -> Void) async throws {
        let client = VeilClient(
            configuration: VeilClient.Configuration(
                relayURL: stack.endpoints.relay,
                allowSimulated: stack.tee == .simulated,
                brokerJWKS: stack.endpoints.jwks.map { .url($0) },
                requireEAR: true,
                collateral: BundleCollateralProvider(
                    stack.attestationKeyPEM.map { [("ak.pem", Array($0.utf8))] } ?? []
                ),
                transparency: TransparencyVerifier(
                    logs: [stack.logKey],
                    maximumCheckpointAge: LocalStack.logCheckpointAge
                ),
                requiredTenant: LocalStack.tenant
            )
        )
        let verifyStart = ContinuousClock.now
        let bundle = try await client.verifiedBundle()
        let coldVerify = ContinuousClock.now - verifyStart
        let cachedStart = ContinuousClock.now
        _ = try await client.verifiedBundle()
        let cachedVerify = ContinuousClock.now - cachedStart
        say("client fetched the node's attestation bundle through the relay and verified it:")
        for check in bundle.verification.steps {
            print("      \(check.passed ? "✓" : "✗") \(check.name): \(check.detail)")
        }
        for relaxation in bundle.verification.relaxations { print("      ! relaxation in force: \(relaxation)") }
        if let release = bundle.release {
            say(
                "the node runs an approved release: \(release.summary), its measurements \(release.measurements.joined(separator: ", "))"
            )
        }
        let kem = bundle.keyConfigs.first.map { "\($0.kem)" } ?? "?"
        say("client encrypts to the node's key (\(kem)); the relay forwards ciphertext only")
        print("\n    you  › \(question)\n    node › ", terminator: "")
        fflush(nil)

        let askStart = ContinuousClock.now
        var firstToken: ContinuousClock.Instant?
        var lastToken = askStart
        var pieces = 0
        for try await delta in client.streamChatCompletion(
            [VeilClient.ChatMessage(role: "user", content: question)],
            options: VeilClient.GenerationOptions(maxTokens: maxTokens, temperature: 0)
        ) where !delta.text.isEmpty {
            if firstToken == nil { firstToken = ContinuousClock.now }
            lastToken = ContinuousClock.now
            pieces += 1
            print(delta.text, terminator: "")
            fflush(nil)
        }
        print("\n")
        let timeToFirstToken = (firstToken ?? lastToken) - askStart
        let decode = lastToken - (firstToken ?? lastToken)
        let tokensPerSecond = pieces > 1 ? Double(pieces - 1) / max(decode.seconds, 1e-9) : 0

        say("what each party saw:")
        let relay = try await relayView(stack.endpoints.relay)
        print(
            "      relay:      \(relay.requests) forwarded request(s); \(relay.requestBytes) bytes of ciphertext in, "
                + "\(relay.responseBytes) bytes of ciphertext out; no keys, no plaintext, client headers stripped"
        )
        let audit = try await brokerView(stack)
        print("      key broker: \(audit) — digests only, never the key or the evidence")
        print("      log:        \(try await logView(stack)) — public, append-only; what every party checks")
        let enclave =
            stack.tee == .simulated ? "its SIMULATED TEE" : stack.tee == .tpm ? "the TPM-attested node" : "its TEE"
        print(
            "      node:       the prompt and the answer, only inside \(enclave), in locked memory, scrubbed after "
                + "the request; its logs hold no content"
        )
        print("      you:        the answer, after verifying the node (\(bundle.verification.steps.count) checks)")
        say("timings:")
        let rows: [(String, Duration)] = [
            ("seal the model", stack.timings.seal),
            ("attestation (evidence → EAR token)", stack.timings.attestation),
            ("key release (JWE to the TEE key)", stack.timings.keyRelease),
            ("unseal into locked memory + load", stack.timings.unsealAndLoad),
            ("bundle fetch + verification (cold)", coldVerify),
            ("bundle verification (cached)", cachedVerify),
            ("time to first token", timeToFirstToken),
        ]
        for (name, duration) in rows {
            print("      " + name.padding(toLength: 38, withPad: " ", startingAt: 0) + Self.format(duration))
        }
        print(
            "      " + "tokens per second".padding(toLength: 38, withPad: " ", startingAt: 0)
                + String(format: "%.1f", tokensPerSecond)
        )
    }

    /// The relay's own counters (its Prometheus text): all it knows is sizes.
    private func relayView(_ relay: URL) async throws -> (requests: Int, requestBytes: Int, responseBytes: Int) {
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: relay.appendingPathComponent("metrics").absoluteString),
            timeout: .seconds(10)
        )
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        func value(_ name: String) -> Int {
            text.split(separator: "\n").filter { $0.hasPrefix(name) }.compactMap {
                $0.split(separator: " ").last.flatMap { Double($0) }.map { Int($0) }
            }.reduce(0, +)
        }
        return (
            value("veil_relay_requests_total"), value("veil_relay_request_bytes_total"),
            value("veil_relay_response_bytes_total")
        )
    }

    /// The broker's audit trail, summarised by kind.
    private func brokerView(_ stack: LocalStack) async throws -> String {
        guard let kbs = stack.endpoints.kbs else { return "not running" }
        let admin = try KBSAdminClient(url: kbs.absoluteString, adminKeyPath: stack.adminKeyPath)
        let body = try await admin.send(.GET, "audit").body
        var counts: [String: Int] = [:]
        for line in String(decoding: body, as: UTF8.self).split(separator: "\n") {
            let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
            if let kind = object?["kind"] as? String { counts[kind, default: 0] += 1 }
        }
        let total = counts.values.reduce(0, +)
        return "\(total) audit entries ("
            + counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
            .joined(separator: ", ") + "), hash-chained"
    }

    /// The log's entries by kind: the node release, the model, the policy version, the key release, audit heads.
    private func logView(_ stack: LocalStack) async throws -> String {
        guard let url = stack.endpoints.log else { return "not running" }
        let log = try LogClient(url.absoluteString)
        let note = try await log.checkpoint()
        let size = try LogTrust.verifyStep { () throws(TransparencyError) in
            try Checkpoint(text: try SignedNote(parsing: note).text).treeSize
        }
        var counts: [String: Int] = [:]
        for index in 0..<size { counts[try await log.entry(index).kind.rawValue, default: 0] += 1 }
        return "\(size) entries ("
            + counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            + "), checkpoint signed by \(LocalStack.logOrigin)"
    }

    /// The model's GGUF path: a path as given, or a built-in model pulled into the cache (once).
    static func resolveModel(_ model: String) throws -> String {
        let path = try ModelResolution.cli {
            try ModelResolution.languageModelPath(model, pullIfMissing: true) { print($0) }
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIError("no model file \(model).", remedy: "Give a GGUF path or smollm2-135m-instruct.")
        }
        return path
    }

    static func format(_ duration: Duration) -> String {
        let milliseconds = duration.seconds * 1000
        return milliseconds >= 1000
            ? String(format: "%.2f s", milliseconds / 1000)
            : milliseconds >= 1 ? String(format: "%.1f ms", milliseconds) : String(format: "%.3f ms", milliseconds)
    }
}
