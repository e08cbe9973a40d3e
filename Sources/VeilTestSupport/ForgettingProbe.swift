import AsyncHTTPClient
import Foundation
import NIOCore
import VeilOHTTP
import _VeilBytes

/// DESIGN.md invariants 1 and 2 as an experiment on real processes: a `veil node serve` behind a `veil relay serve`,
/// with a wiretap (``TCPTap``) on each of the relay's hops; the caller plays the client. After a few encrypted chat
/// requests carrying a unique canary, it scans the node's whole readable memory (``MemoryScan``), both taps and the
/// node's output for the canary and for every completion, and reports what it found. Tests assert on the findings.
public enum ForgettingProbe {
    /// What the probe observed.
    public struct Findings: Sendable {
        /// The completions the client received.
        public var completions: [String]
        /// The canary the prompts carried.
        public var canary = ""
        /// Needles (`prompt canary`, `completion N`) found in the node's memory after the requests completed.
        public var inMemory: [String] = []
        /// Needles seen in the clear by either wiretap.
        public var onTheWire: [String] = []
        /// Needles in the node's standard output or standard error.
        public var inLogs: [String] = []
        /// Positive control: bytes of the model's weights were found in the node's memory.
        public var weightsFound = false
        /// The most bytes one scan read.
        public var bytesScanned: UInt64 = 0
        /// Mappings the kernel refused to read.
        public var unreadableRegions: [String] = []
        /// Both taps carried the exchange (so their silence means something).
        public var tapsCarriedExchange = false

        init(completions: [String]) { self.completions = completions }
    }

    /// The probe could not run.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// A fresh canary: long enough that a chance match in memory is impossible, unlike any model vocabulary.
    public static func canary() -> String {
        "CANARY-" + Hex.encode((0..<20).map { _ in UInt8.random(in: 0...255) }).uppercased()
    }

    /// Runs the experiment.
    /// - Parameters:
    ///   - modelPath: the plaintext GGUF the node serves (`--model`, development mode).
    ///   - weightsProbe: bytes of the model's weights (the positive control).
    ///   - requests: how many requests carry the canary.
    ///   - maxTokens: the completion length asked for.
    ///   - nodeArguments: extra `veil node serve` arguments.
    ///   - environment: the node's extra environment (e.g. `VEIL_HEAP_SCRUB=off` for the control).
    ///   - prompt: the user message for a canary.
    public static func run(
        modelPath: String,
        weightsProbe: [UInt8],
        requests: Int = 3,
        maxTokens: Int = 24,
        nodeArguments: [String] = [],
        environment: [String: String] = [:],
        prompt: (String) -> String = { "Repeat exactly: \($0)" }
    ) async throws -> Findings {
        let node = try VeilProcess.start(
            ["node", "serve", "--model", modelPath, "--listen", "127.0.0.1:0", "--tee", "simulated"] + nodeArguments,
            environment: environment,
            captureStandardError: true
        )
        defer { node.kill9() }
        let nodePort = try await port(of: node, prefix: "listening on http://127.0.0.1:")
        let nodeTap = try await TCPTap.start(port: nodePort)

        let relay = try VeilProcess.start(
            ["relay", "serve", "--listen", "127.0.0.1:0", "--node", "http://127.0.0.1:\(nodeTap.port)"],
            captureStandardError: true
        )
        defer { relay.kill9() }
        let relayPort = try await port(of: relay, prefix: "veil relay: listening on http://127.0.0.1:")
        let clientTap = try await TCPTap.start(port: relayPort)
        let relayURL = "http://127.0.0.1:\(clientTap.port)"

        let http = HTTPClient.shared

        // The client fetches the bundle through the relay and encrypts to its key configuration.
        let bundle = try await fetchBundle(http, relayURL)
        guard let configsText = bundle["key_configs"] as? String else { throw Failure("the bundle has no key_configs") }
        let keyConfigs = try OHTTP.KeyConfig.parseList(try Base64URL.decode(configsText))
        let client = try OHTTP.Client.choose(from: keyConfigs)

        let promptCanary = canary()
        // Three requests carry the same prompt canary (more copies for the scan to find, were any left).
        var completions: [String] = []
        var ciphertextSize = 0
        for _ in 0..<requests {
            let body = try JSONSerialization.data(withJSONObject: [
                "model": "tiny",
                "messages": [["role": "user", "content": prompt(promptCanary)]],
                "max_tokens": maxTokens,
                "temperature": 0,
            ])
            let inner = BinaryHTTP.Request(
                method: "POST",
                scheme: "https",
                authority: "node",
                path: "/v1/chat/completions",
                headers: [BinaryHTTP.Field("content-type", "application/json")],
                content: SecureBytes(body)
            )
            let encapsulated = try client.encapsulateRequest(Array(try inner.encoded()))
            var request = HTTPClientRequest(url: relayURL + "/ohttp")
            request.method = .POST
            request.headers.add(name: "content-type", value: "message/ohttp-req")
            request.body = .bytes(ByteBuffer(bytes: encapsulated.message))
            let response = try await http.execute(request, timeout: .seconds(120))
            guard response.status == .ok else { throw Failure("the relay answered \(response.status)") }
            let sealed = try await response.body.collect(upTo: 1 << 20)
            let opened = try encapsulated.response.decapsulate(Array(sealed.readableBytesView))
            let answer = try BinaryHTTP.Response(decoding: opened)
            guard answer.status == 200 else { throw Failure("the node answered \(answer.status)") }
            let answerJSON = try JSONSerialization.jsonObject(with: Data(Array(answer.content)))
            guard let json = answerJSON as? [String: Any], let choices = json["choices"] as? [[String: Any]],
                let message = choices.first?["message"] as? [String: Any], let text = message["content"] as? String
            else { throw Failure("the answer is not a chat completion") }
            completions.append(text)

            ciphertextSize += encapsulated.message.count
        }

        // Let the node finish its request teardown.
        try await Task.sleep(for: .milliseconds(300))

        var needles: [(String, [UInt8])] = [("prompt canary", Array(promptCanary.utf8))]
        for (index, completion) in completions.enumerated() where completion.utf8.count >= 12 {
            needles.append(("completion \(index)", Array(completion.utf8)))
        }

        var findings = Findings(completions: completions)
        findings.canary = promptCanary
        let pid = node.process.processIdentifier
        findings.weightsFound = !(try MemoryScan.scan(pid: pid, for: weightsProbe).hits.isEmpty)
        let logs = Array(node.standardOutput + node.standardError)
        for (name, needle) in needles {
            let report = try MemoryScan.scan(pid: pid, for: needle)
            findings.bytesScanned = max(findings.bytesScanned, report.bytesScanned)
            findings.unreadableRegions += report.unreadable
            if !report.hits.isEmpty { findings.inMemory.append(name) }
            if nodeTap.occurrences(of: needle) > 0 || clientTap.occurrences(of: needle) > 0 {
                findings.onTheWire.append(name)
            }
            if !MemoryScan.occurrences(of: needle, in: logs).isEmpty { findings.inLogs.append(name) }
        }
        let marker = Array("message/ohttp-req".utf8)
        findings.tapsCarriedExchange =
            clientTap.occurrences(of: marker) > 0 && nodeTap.occurrences(of: marker) > 0
            && nodeTap.bytes.count > ciphertextSize
        return findings
    }

    static func port(of process: VeilProcess.Running, prefix: String) async throws -> Int {
        let line = try await process.waitForLine(prefix: prefix, timeout: .seconds(120))
        guard let port = Int(line.dropFirst(prefix.count).prefix { $0.isNumber }) else {
            throw Failure("no port in `\(line)`")
        }
        return port
    }

    static func fetchBundle(_ http: HTTPClient, _ base: String) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let response = try await http.execute(
                HTTPClientRequest(url: base + "/.well-known/veil/attestation"),
                timeout: .seconds(10)
            )
            let body = try await response.body.collect(upTo: 1 << 20)
            if response.status == .ok,
                let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
            {
                return object
            }
            guard ContinuousClock.now < deadline else { throw Failure("no attestation bundle from the relay") }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
