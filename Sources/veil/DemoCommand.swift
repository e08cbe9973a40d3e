import ArgumentParser
import Foundation
import VeilAttesters
import VeilLocalStack
import VeilClient
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
        let stack = try await LocalStack.start(
            LocalStack.Options(
                modelPath: modelPath,
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
        let client = VeilClient(configuration: stack.clientConfiguration)
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
        let relay = try await stack.relayView()
        print(
            "      relay:      \(relay.requests) forwarded request(s); \(relay.requestBytes) bytes of ciphertext in, "
                + "\(relay.responseBytes) bytes of ciphertext out; no keys, no plaintext, client headers stripped"
        )
        let audit = try await stack.brokerView()
        print("      key broker: \(audit) — digests only, never the key or the evidence")
        print("      log:        \(try await stack.logView()) — public, append-only; what every party checks")
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

    /// The model's GGUF path: a path as given, or a built-in model pulled into the cache (once).
    static func resolveModel(_ model: String) throws -> String {
        let path = try ModelResolution.languageModelPath(model, pullIfMissing: true) { print($0) }
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
