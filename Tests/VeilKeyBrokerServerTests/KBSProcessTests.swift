import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import Synchronization
import Testing
import VeilAttestation
import VeilKeyBroker
import VeilKeys
import VeilTestSupport
import _VeilBytes

/// The real `veil` binary: `veil kbs serve` as a process, the admin CLI against it, `policy test` and `audit`
/// offline, and a kill -9 in the middle of writes.
@Suite("veil kbs (processes)", .serialized)
struct KBSProcessTests {
    final class Workspace: Sendable {
        let directory: URL

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "veil-kbs-cli-\(UUID().uuidString)"
            )
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for (kind, name) in [("ed25519", "admin.key"), ("aes256", "kek.jwk"), ("aes256", "kek2.jwk")] {
                let result = try VeilProcess.run(["keygen", kind, "--out", path(name)])
                #expect(result.exitCode == 0, "\(result.standardError)")
            }
        }

        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        func write(_ name: String, _ text: String) throws -> String {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path(name)))
            return path(name)
        }

        func serve(kek: String = "kek.jwk") async throws -> (VeilProcess.Running, String) {
            let server = try VeilProcess.start([
                "kbs", "serve", "--data-dir", path("data"), "--listen", "127.0.0.1:0", "--admin-key",
                path("admin.key.pub"), "--kek-file", path(kek), "--rate-limit", "100000",
            ])
            let line = try await server.waitForLine(prefix: "veil kbs: listening on ")
            return (server, String(line.dropFirst("veil kbs: listening on ".count).prefix { $0 != " " }))
        }

        deinit { try? FileManager.default.removeItem(at: directory) }
    }

    @Test("resource put/rotate/list/delete, policy test, audit verify/export and rekey with the real binary")
    func commands() async throws {
        let work = try Workspace()
        let (server, url) = try await work.serve()
        let admin = ["--kbs", url, "--admin-key", work.path("admin.key")]
        let pinned = String(repeating: "5a", count: 48)
        let policy = try work.write(
            "policy.json",
            #"{"version":1,"platforms":["simulated"],"reference_values":{"simulated":{"measurement":["\#(pinned)"]}}}"#
        )
        let secret = try work.write("secret.bin", "model key one")
        let put = try VeilProcess.run(
            ["kbs", "resource", "put"] + admin + ["--path", "acme/key/m", "--file", secret, "--policy", policy]
        )
        #expect(put.exitCode == 0, "\(put.standardError)")
        #expect(put.standardOutput.contains("stored acme/key/m version 1"))
        let again = try VeilProcess.run(
            ["kbs", "resource", "put"] + admin + ["--path", "acme/key/m", "--file", secret]
        )
        #expect(again.exitCode != 0)
        #expect(again.standardError.contains("conflict"))
        let rotate = try VeilProcess.run(
            ["kbs", "resource", "rotate"] + admin + ["--path", "acme/key/m", "--file", secret, "--grace", "0"]
        )
        #expect(rotate.standardOutput.contains("version 2"), "\(rotate.standardError)")
        let list = try VeilProcess.run(["kbs", "resource", "list"] + admin + ["--format", "json"])
        #expect(list.standardOutput.contains(#""current_version":2"#))
        let stranger = try VeilProcess.run(["keygen", "ed25519", "--out", work.path("stranger.key")])
        #expect(stranger.exitCode == 0)
        let refused = try VeilProcess.run([
            "kbs", "resource", "list", "--kbs", url, "--admin-key", work.path("stranger.key"),
        ])
        #expect(refused.exitCode != 0 && refused.standardError.contains("unauthorized"))
        let delete = try VeilProcess.run(["kbs", "resource", "delete"] + admin + ["--path", "acme/key/m"])
        #expect(delete.exitCode == 0, "\(delete.standardError)")
        server.terminate()

        // Offline: a token the policy accepts and one it refuses, explained rule by rule.
        let signer = TokenSigner(key: P256.Signing.PrivateKey())
        func token(_ platform: String, measurement: String = pinned) throws -> String {
            try signer.sign([
                "iat": Int(Date().timeIntervalSince1970), "exp": Int(Date().timeIntervalSince1970) + 300,
                "submods": [
                    platform: [
                        "ear.status": "affirming", "veil.verdict": "accepted", "veil.relaxations": [String](),
                        "ear.veraison.annotated-evidence": ["measurement": measurement],
                    ]
                ],
            ])
        }
        let accepted = try VeilProcess.run([
            "kbs", "policy", "test", "--policy", policy, "--token", try token("simulated"),
        ])
        #expect(accepted.exitCode == 0, "\(accepted.standardOutput)\(accepted.standardError)")
        #expect(accepted.standardOutput.contains("release: allowed"))
        let refusedToken = try work.write("tdx.jwt", try token("tdx"))
        let jwks = try work.write("jwks.json", String(decoding: try signer.jwks.json(), as: UTF8.self))
        let denied = try VeilProcess.run([
            "kbs", "policy", "test", "--policy", policy, "--token", refusedToken, "--jwks", jwks,
        ])
        #expect(denied.exitCode == 1)
        #expect(denied.standardOutput.contains("FAIL  platforms"))
        let otherCode = try VeilProcess.run([
            "kbs", "policy", "test", "--policy", policy, "--token",
            try token("simulated", measurement: String(repeating: "00", count: 48)),
        ])
        #expect(otherCode.exitCode == 1)
        #expect(otherCode.standardOutput.contains("FAIL  reference_values"))
        let open = try work.write("open.json", #"{"version":1,"platforms":["tdx"]}"#)
        let unpinned = try VeilProcess.run(["kbs", "policy", "test", "--policy", open, "--token", refusedToken])
        #expect(unpinned.exitCode == 1)
        #expect(unpinned.standardOutput.contains("DENIED by measurement"))
        let any = try work.write("any.json", #"{"version":1,"platforms":["tdx"],"accept_any_measurement":true}"#)
        let relaxed = try VeilProcess.run(["kbs", "policy", "test", "--policy", any, "--token", refusedToken])
        #expect(relaxed.exitCode == 0, "\(relaxed.standardOutput)")
        #expect(relaxed.standardOutput.contains("RELAXED: accept_any_measurement"))

        let verify = try VeilProcess.run(["kbs", "audit", "verify", "--data-dir", work.path("data")])
        #expect(verify.exitCode == 0, "\(verify.standardError)")
        #expect(verify.standardOutput.contains("audit trail intact"))
        let export = try VeilProcess.run([
            "kbs", "audit", "export", "--data-dir", work.path("data"), "--out", work.path("audit.jsonl"),
        ])
        #expect(export.exitCode == 0, "\(export.standardError)")
        let lines = try String(contentsOfFile: work.path("audit.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(
            lines.contains { $0.contains(#""action":"put""#) } && lines.contains { $0.contains(#""action":"delete""#) }
        )
        #expect(!lines.contains { $0.contains("model key one") })

        let rekey = try VeilProcess.run([
            "kbs", "rekey", "--data-dir", work.path("data"), "--old-kek-file", work.path("kek.jwk"), "--new-kek-file",
            work.path("kek2.jwk"),
        ])
        #expect(rekey.exitCode == 0, "\(rekey.standardError)")
        #expect(rekey.standardOutput.contains("rewrapped 0 version"))

        // Tamper with the audit trail: verify exits 1 and names the entry.
        let storage = try SQLiteKeyBrokerStorage(path: work.path("data/kbs.sqlite"))
        try await storage.executeForTesting("UPDATE kbs_audit SET actor = 'someone else' WHERE seq = 2")
        let broken = try VeilProcess.run(["kbs", "audit", "verify", "--data-dir", work.path("data")])
        #expect(broken.exitCode == 1)
        #expect(broken.standardOutput.contains("BROKEN at entry 2"))
        // An unknown kind is an edit too (it used to be read back as `admin`).
        try await storage.executeForTesting("UPDATE kbs_audit SET kind = 'bogus' WHERE seq = 1")
        let unknownKind = try VeilProcess.run(["kbs", "audit", "verify", "--data-dir", work.path("data")])
        #expect(unknownKind.exitCode == 1)
        #expect(unknownKind.standardOutput.contains("BROKEN at entry 1"))
    }

    @Test("kill -9 during writes: every acknowledged version survives and opens; no half-written resource exists")
    func crashDuringWrites() async throws {
        let work = try Workspace()
        let (server, url) = try await work.serve()
        let admin = try KeyFile.readSigningKey(work.path("admin.key"))
        let acknowledged = Acknowledged()
        let writers = Task {
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var n = 0
                        while !Task.isCancelled {
                            let path = "acme/key/w\(worker)-\(n)"
                            let secret = "secret \(worker) \(n) " + String(repeating: "x", count: 2000)
                            var request = HTTPClientRequest(url: url + "/kbs/v0/admin/resources/" + path)
                            request.method = .PUT
                            request.body = .bytes(ByteBuffer(string: secret))
                            guard let token = try? AdminToken.sign(key: admin) else { return }
                            request.headers.add(name: "Authorization", value: "Bearer " + token)
                            guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(5)),
                                response.status == .created
                            else { return }
                            acknowledged.add(path, secret)
                            n += 1
                        }
                    }
                }
            }
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while acknowledged.count < 40 && ContinuousClock.now < deadline && server.process.isRunning {
            try await Task.sleep(for: .milliseconds(10))
        }
        server.kill9()
        writers.cancel()
        await writers.value
        let acked = acknowledged.all
        #expect(acked.count >= 40, "the writers stalled before the kill")
        #expect(server.process.terminationReason == .uncaughtSignal)

        // Straight from the database the dead server left.
        let kek = try KeyEncryptionKey.file(work.path("kek.jwk"))
        let storage = try SQLiteKeyBrokerStorage(path: work.path("data/kbs.sqlite"))
        for (path, secret) in acked {
            let resource = try ResourceID(path: path)
            let versions = try await storage.versions(of: resource)
            #expect(versions.map(\.version) == [1], "\(path)")
            if let first = versions.first {
                #expect(Array(try first.sealed.open(resource: resource, version: 1, kek: kek)) == Array(secret.utf8))
            }
        }
        let all = try await storage.allVersions()
        for version in all {
            // Every stored version is whole: it decrypts (an acknowledged write, or one that committed just before
            // the kill without its response arriving).
            #expect(throws: Never.self) {
                try version.sealed.open(resource: version.resource, version: version.version, kek: kek)
            }
        }
        #expect(all.count >= acked.count)
        let entries = try await storage.allAuditEntries()
        #expect(AuditChain.verify(entries).isIntact)
        #expect(entries.filter { $0.event.action == "put" }.count == all.count)

        let (restarted, _) = try await work.serve()
        restarted.terminate()
        let verify = try VeilProcess.run(["kbs", "audit", "verify", "--data-dir", work.path("data")])
        #expect(verify.exitCode == 0, "\(verify.standardOutput)\(verify.standardError)")
    }

    final class Acknowledged: Sendable {
        private let writes = Mutex<[String: String]>([:])
        func add(_ path: String, _ secret: String) { writes.withLock { $0[path] = secret } }
        var count: Int { writes.withLock { $0.count } }
        var all: [String: String] { writes.withLock { $0 } }
    }
}

@Suite("veil kbs serve configuration (processes)")
struct KBSServeConfigurationTests {
    @Test("without a KEK serve refuses to start; with VEIL_KBS_KEK it serves")
    func kek() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "veil-kbs-kek-\(UUID().uuidString)"
        )
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        let missing = try VeilProcess.run(["kbs", "serve", "--data-dir", data, "--listen", "127.0.0.1:0"])
        #expect(missing.exitCode != 0)
        #expect(missing.standardError.contains("No key-encryption key"))
        let short = try VeilProcess.run(
            ["kbs", "serve", "--data-dir", data, "--listen", "127.0.0.1:0"],
            environment: ["VEIL_KBS_KEK": "AAAA"]
        )
        #expect(short.exitCode != 0)
        #expect(short.standardError.contains("32 bytes"))
        let kek = Base64URL.encode(SecureBytes(randomCount: 32))
        let server = try VeilProcess.start(
            ["kbs", "serve", "--data-dir", data, "--listen", "127.0.0.1:0"],
            environment: ["VEIL_KBS_KEK": kek]
        )
        defer { server.terminate() }
        let line = try await server.waitForLine(prefix: "veil kbs: listening on ")
        #expect(line.contains("(admin API closed)"))
    }
}
