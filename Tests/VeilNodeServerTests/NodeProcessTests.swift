import AsyncHTTPClient
import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VeilAttestation
import VeilLogServer
import VeilNodeServer
import VeilSimulated
import VeilTransparency
import VeilOHTTP
import VeilTestSupport
import VeilWire
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
        let bundle = try AttestationBundle(
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

    @Test("--release FILE --log URL: the release `veil release` wrote is logged, and the node staples its inclusion")
    func releaseInclusion() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("veil-node-rel-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = directory.appendingPathComponent("tiny.gguf").path
        try Data(TinyModels.llama()).write(to: URL(fileURLWithPath: model))
        let releaseFile = directory.appendingPathComponent("release.json").path
        // `veil release` measures the veil executable, which is what a `--tee simulated` node measures too.
        let written = try VeilProcess.run([
            "release", "--platform", "simulated", "--release-version", "9.9.9", "--out", releaseFile,
        ])
        #expect(written.exitCode == 0, "\(written.standardError)")
        let entry = try ReleaseInclusionSource.readEntry(path: releaseFile)
        if case .release(let release) = entry { #expect(release.version == "9.9.9") }
        let signer = try CheckpointSigner(origin: "log.test/process", key: Curve25519.Signing.PrivateKey())
        let service = LogService(storage: InMemoryLogStorage(), signer: signer, submitters: [])
        _ = try await service.append(entry)
        try await Application(router: LogServer.buildRouter(service)).test(.live) { log in
            let usage = try VeilProcess.run([
                "node", "serve", "--model", model, "--tee", "simulated", "--release", releaseFile,
            ])
            #expect(usage.exitCode == 64, "\(usage.standardError)")
            let node = try VeilProcess.start([
                "node", "serve", "--model", model, "--tee", "simulated", "--simulated-root",
                directory.appendingPathComponent("sim").path, "--listen", "127.0.0.1:0", "--key-rotation", "off",
                "--release", releaseFile, "--log", "http://127.0.0.1:\(try #require(log.port))",
            ])
            defer { node.terminate() }
            let line = try await node.waitForLine(prefix: "listening on http://127.0.0.1:", timeout: .seconds(60))
            let base = String(line.dropFirst("listening on ".count))
            let response = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: base + "/.well-known/veil/attestation"),
                timeout: .seconds(30)
            )
            let bundle = try AttestationBundle(
                json: Array(try await response.body.collect(upTo: 1 << 22).readableBytesView)
            )
            let inclusion = try #require(bundle.logInclusion)
            let runtime = try #require(
                try JSONSerialization.jsonObject(with: Data(bundle.runtimeData)) as? [String: Any]
            )
            #expect(
                (runtime["veil-log-inclusion"] as? String).flatMap { try? Base64URL.decode($0) }
                    .map { try? InclusionBundle.decode(Data($0)) } == inclusion
            )
            // The evidence's own measurement is the logged release's.
            let report = EvidenceBundle.Verifier(verifiers: [SimulatedTEE.Verifier()]).verify(
                bundle.evidenceJSON,
                context: VerificationContext(time: Date(), options: VerificationOptions(allowSimulated: true))
            )
            let measurement = try #require(report.claims?.claims["measurement"]?.bytes)
            let verifier = TransparencyVerifier(logs: [signer.logKey], maximumCheckpointAge: 300)
            let (_, release) = try verifier.verifyRelease(
                platform: "simulated",
                claims: ["measurement": Hex.encode(measurement)],
                bundle: inclusion,
                now: Date()
            )
            #expect(release.version == "9.9.9")
        }
    }
}
