import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import VeilNodeServer
import VeilOHTTP
import VeilTestSupport
import _VeilBytes

@Suite("veil node serve (separate process)")
struct NodeProcessTests {
    @Test("announces its port first on stdout, serves the bundle and answers an encrypted chat request")
    func serve() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("veil-node-proc-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = directory.appendingPathComponent("tiny.gguf").path
        try Data(TinyModels.llama()).write(to: URL(fileURLWithPath: model))
        let node = try VeilProcess.start([
            "node", "serve", "--model", model, "--tee", "simulated", "--simulated-root",
            directory.appendingPathComponent("sim").path, "--listen", "127.0.0.1:0", "--key-rotation", "off",
            "--max-tokens", "4",
        ])
        defer { node.terminate() }
        let line = try await node.waitForLine(prefix: "listening on http://127.0.0.1:", timeout: .seconds(60))
        #expect(node.output.first == line)
        let base = String(line.dropFirst("listening on ".count))
        let port = try #require(Int(base.split(separator: ":").last ?? ""))
        #expect(port > 0)

        let bundleResponse = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: base + "/.well-known/veil/attestation"),
            timeout: .seconds(30)
        )
        #expect(bundleResponse.status == .ok)
        let bundle = try NodeAttestationBundle(
            json: Array(try await bundleResponse.body.collect(upTo: 1 << 22).readableBytesView)
        )
        #expect(bundle.bindingProblems().isEmpty)
        #expect(bundle.ear == nil)

        let client = try OHTTP.Client.choose(from: try OHTTP.KeyConfig.parseList(bundle.keyConfigs))
        #expect(client.keyConfig.kem == .xWing)
        let inner = BinaryHTTP.Request(
            method: "POST",
            path: "/v1/chat/completions",
            headers: [BinaryHTTP.Field("content-type", "application/json")],
            content: SecureBytes(Array(#"{"messages":[{"role":"user","content":"hello"}],"temperature":0}"#.utf8))
        )
        let encapsulated = try client.encapsulateRequest(Data(try inner.encoded()))
        var request = HTTPClientRequest(url: base + "/ohttp")
        request.method = .POST
        request.headers.add(name: "content-type", value: OHTTP.requestMediaType)
        request.body = .bytes(ByteBuffer(bytes: encapsulated.message))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        #expect(response.status == .ok)
        let body = try await response.body.collect(upTo: 1 << 20)
        let answer = try BinaryHTTP.Response(
            decoding: try encapsulated.response.decapsulate(Array(body.readableBytesView))
        )
        #expect(answer.status == 200)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(Array(answer.content))) as? [String: Any])
        #expect(object["model"] as? String == "tiny")
        let usage = try #require(object["usage"] as? [String: Any])
        #expect((usage["completion_tokens"] as? Int ?? 99) <= 4)
    }
}
