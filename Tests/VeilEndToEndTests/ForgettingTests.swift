import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import VeilOHTTP
import VeilTestSupport
import _VeilBytes

/// DESIGN.md invariants 1 and 2, tested against real processes: a `veil node serve` and a `veil relay serve`,
/// with wiretaps on both of the relay's hops. The test process plays the client.
///
/// After a request completes, the node's readable memory (every mapping, read through `/proc/<pid>/mem` as the host
/// could) holds no copy of a canary from the prompt nor of the completion; neither tap saw either in the clear; the
/// node's logs hold neither. A positive control proves the scan reads the node's memory: bytes of the model's
/// weights, which the node keeps in locked memory, are found.
@Suite("Forgetting: nothing of a request lingers or crosses the relay in the clear", .serialized)
struct ForgettingTests {
    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("veil-forget-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// A fresh canary: long enough that a chance match in memory is impossible, unlike any model vocabulary.
    static func canary() -> String {
        "CANARY-" + Hex.encode((0..<20).map { _ in UInt8.random(in: 0...255) }).uppercased()
    }

    @Test("after a chat request, the node's memory, logs and the relay's traffic hold no canary")
    func chatLeavesNothing() async throws {
        let modelBytes = TinyModels.llama(hidden: 64, layers: 2)
        let modelPath = Self.directory.appendingPathComponent("tiny.gguf").path
        #expect(FileManager.default.createFile(atPath: modelPath, contents: Data(modelBytes)))

        let node = try VeilProcess.start(
            ["node", "serve", "--model", modelPath, "--listen", "127.0.0.1:0", "--allow-simulated"],
            captureStandardError: true
        )
        defer { node.kill9() }
        let nodePort = try await Self.port(of: node)
        let nodeTap = try await TCPTap.start(port: nodePort)

        let relay = try VeilProcess.start(
            ["relay", "serve", "--listen", "127.0.0.1:0", "--node", "http://127.0.0.1:\(nodeTap.port)"],
            captureStandardError: true
        )
        defer { relay.kill9() }
        let relayPort = try await Self.port(of: relay)
        let clientTap = try await TCPTap.start(port: relayPort)
        let relayURL = "http://127.0.0.1:\(clientTap.port)"

        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { try? http.syncShutdown() }

        // The client fetches the bundle through the relay and encrypts to its key configuration.
        let bundle = try await Self.fetchBundle(http, relayURL)
        let keyConfigs = try OHTTP.KeyConfig.parseList(try Base64URL.decode(#require(bundle["key_configs"] as? String)))
        let client = try OHTTP.Client.choose(from: keyConfigs)

        let promptCanary = Self.canary()
        let body = try JSONSerialization.data(withJSONObject: [
            "model": "tiny",
            "messages": [["role": "user", "content": "Repeat exactly: \(promptCanary)"]],
            "max_tokens": 24,
            "temperature": 0,
        ])
        let inner = BinaryHTTP.Request(
            method: "POST", scheme: "https", authority: "node", path: "/v1/chat/completions",
            headers: [BinaryHTTP.Field("content-type", "application/json")], content: SecureBytes(body)
        )
        let encapsulated = try client.encapsulateRequest(try inner.encoded())
        var request = HTTPClientRequest(url: relayURL + "/ohttp")
        request.method = .POST
        request.headers.add(name: "content-type", value: "message/ohttp-req")
        request.body = .bytes(ByteBuffer(bytes: encapsulated.message))
        let response = try await http.execute(request, timeout: .seconds(120))
        #expect(response.status == .ok)
        let sealed = try await response.body.collect(upTo: 1 << 20)
        let opened = try encapsulated.response.decapsulate(Array(sealed.readableBytesView))
        let answer = try BinaryHTTP.Response(decoding: opened)
        #expect(answer.status == 200)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(Array(answer.content))) as? [String: Any])
        let choices = try #require(json["choices"] as? [[String: Any]])
        let message = try #require(choices.first?["message"] as? [String: Any])
        let completion = try #require(message["content"] as? String)

        // Let the node finish its request teardown.
        try await Task.sleep(for: .milliseconds(300))

        var needles: [(String, [UInt8])] = [("prompt canary", Array(promptCanary.utf8))]
        if completion.utf8.count >= 12 { needles.append(("completion", Array(completion.utf8))) }

        // Positive control: 32 bytes from the middle of the model file (tensor data) are in the node's memory.
        let probe = Array(modelBytes[(modelBytes.count / 2)..<(modelBytes.count / 2 + 32)])
        let control = try MemoryScan.scan(pid: node.process.processIdentifier, for: probe)
        #expect(!control.hits.isEmpty, "the scan must find the model's weights in the node's memory")
        #expect(control.bytesScanned > 1 << 20)

        for (name, needle) in needles {
            let report = try MemoryScan.scan(pid: node.process.processIdentifier, for: needle)
            #expect(
                report.hits.isEmpty,
                "\(name) found in node memory at \(report.hits.map { "\(String($0.address, radix: 16)) \($0.region)" })"
            )
            #expect(report.unreadable.isEmpty, "unreadable regions: \(report.unreadable)")
            #expect(nodeTap.occurrences(of: needle) == 0, "\(name) crossed relay → node in the clear")
            #expect(clientTap.occurrences(of: needle) == 0, "\(name) crossed client → relay in the clear")
            let logs = node.standardOutput + node.standardError
            #expect(MemoryScan.occurrences(of: needle, in: Array(logs)).isEmpty, "\(name) in the node's logs")
        }
        // The taps did carry the exchange (so their silence means something).
        #expect(clientTap.occurrences(of: Array("message/ohttp-req".utf8)) > 0)
        #expect(nodeTap.occurrences(of: Array("message/ohttp-req".utf8)) > 0)
        #expect(nodeTap.bytes.count > encapsulated.message.count)
    }

    static func port(of process: VeilProcess.Running) async throws -> Int {
        let line = try await process.waitForLine(prefix: "listening on http://127.0.0.1:", timeout: .seconds(60))
        return try #require(Int(line.split(separator: ":").last ?? ""))
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
            guard ContinuousClock.now < deadline else { throw MemoryScan.Failure(description: "no bundle") }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
