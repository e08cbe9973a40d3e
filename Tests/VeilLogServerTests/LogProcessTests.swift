import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import Testing
import VeilKeys
import VeilLogServer
import VeilTestSupport
import VeilTransparency
import _VeilBytes

/// The real `veil` binary: `veil log serve` as a process, the client commands against it, a kill -9 in the middle
/// of appends, and the monitor catching a fork and a rollback.
@Suite("veil log (processes)", .serialized)
struct LogProcessTests {
    final class Workspace: Sendable {
        let directory: URL
        let origin = "log.test.veil/cli"

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "veil-log-cli-\(UUID().uuidString)"
            )
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for name in ["log.key", "submitter.key", "other.key"] {
                let result = try VeilProcess.run(["keygen", "ed25519", "--out", path(name)])
                #expect(result.exitCode == 0, "\(result.standardError)")
            }
        }

        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        /// Starts `veil log serve` on a free port; returns the process and its base URL.
        func serve(
            dataDir: String = "data",
            submitter: Bool = true,
            postgresURL: String? = nil
        ) async throws
            -> (VeilProcess.Running, String)
        {
            var arguments = [
                "log", "serve", "--data-dir", path(dataDir), "--listen", "127.0.0.1:0", "--origin", origin,
                "--signing-key", path("log.key"),
            ]
            if submitter { arguments += ["--submitter-key", path("submitter.key.pub")] }
            if let postgresURL { arguments += ["--postgres-url", postgresURL] }
            let server = try VeilProcess.start(arguments)
            let line = try await server.waitForLine(prefix: "veil log: listening on ")
            let url = String(line.dropFirst("veil log: listening on ".count).prefix { $0 != " " })
            return (server, url)
        }

        func writeEntry(_ n: Int) throws -> String {
            let file = path("entry-\(n).json")
            try Data(TestLog.entry(n).leafData).write(to: URL(fileURLWithPath: file))
            return file
        }

        deinit { try? FileManager.default.removeItem(at: directory) }
    }

    @Test("append, checkpoint, verify-inclusion, verify-consistency and monitor against a real server")
    func clientCommands() async throws {
        let work = try Workspace()
        let (server, url) = try await work.serve()
        defer { server.terminate() }

        let appended = try VeilProcess.run([
            "log", "append", "--log", url, "--submitter-key", work.path("submitter.key"), "--kind", "key-release",
            "--entry", try work.writeEntry(0),
        ])
        #expect(appended.exitCode == 0, "\(appended.standardError)")
        #expect(appended.standardOutput.contains("index 0"))
        #expect(appended.standardOutput.contains("leaf hash \(Hex.encode(TestLog.entry(0).leafHash))"))

        let saved = try VeilProcess.run(["log", "checkpoint", "--log", url])
        #expect(saved.exitCode == 0)
        try Data(saved.standardOutput.utf8).write(to: URL(fileURLWithPath: work.path("cp-1")))
        #expect(saved.standardOutput.hasPrefix("\(work.origin)\n1\n"))

        for n in 1..<4 {
            let result = try VeilProcess.run([
                "log", "append", "--log", url, "--submitter-key", work.path("submitter.key"), "--kind", "key-release",
                "--entry", try work.writeEntry(n),
            ])
            #expect(result.exitCode == 0, "\(result.standardError)")
        }

        let included = try VeilProcess.run([
            "log", "verify-inclusion", "--log", url, "--log-key", work.path("log.key.pub"), "--origin", work.origin,
            "--entry", try work.writeEntry(2), "--bundle-out", work.path("bundle.json"),
        ])
        #expect(included.exitCode == 0, "\(included.standardError)")
        #expect(included.standardOutput.contains("included: entry 2 in the tree of size 4"))
        let bundle = try InclusionBundle.decode(Data(contentsOf: URL(fileURLWithPath: work.path("bundle.json"))))
        let logKey = try LogKey(
            origin: work.origin,
            publicKey: Self.ed25519(try KeyFile.readPublicKey(work.path("log.key.pub")))
        )
        let verified = try TransparencyVerifier(logs: [logKey], maximumCheckpointAge: 300)
            .verifyInclusion(bundle: bundle, now: Date())
        #expect(verified.entry == TestLog.entry(2))

        let byHash = try VeilProcess.run([
            "log", "verify-inclusion", "--log", url, "--log-key", work.path("log.key.pub"),
            "--leaf-hash", Hex.encode(TestLog.entry(3).leafHash),
        ])
        #expect(byHash.exitCode == 0, "\(byHash.standardError)")

        // Not in the log, wrong key, wrong origin: non-zero exit.
        let absent = try VeilProcess.run([
            "log", "verify-inclusion", "--log", url, "--log-key", work.path("log.key.pub"), "--entry",
            try work.writeEntry(9),
        ])
        #expect(absent.exitCode != 0)
        let wrongKey = try VeilProcess.run([
            "log", "verify-inclusion", "--log", url, "--log-key", work.path("other.key.pub"), "--entry",
            try work.writeEntry(2),
        ])
        #expect(wrongKey.exitCode != 0)
        #expect(wrongKey.standardError.contains("untrustedSignature"))
        let wrongOrigin = try VeilProcess.run([
            "log", "verify-inclusion", "--log", url, "--log-key", work.path("log.key.pub"), "--origin",
            "evil.example/log",
            "--entry", try work.writeEntry(2),
        ])
        #expect(wrongOrigin.exitCode != 0)
        #expect(wrongOrigin.standardError.contains("wrongOrigin"))

        let consistent = try VeilProcess.run([
            "log", "verify-consistency", "--log", url, "--log-key", work.path("log.key.pub"), "--from",
            work.path("cp-1"),
        ])
        #expect(consistent.exitCode == 0, "\(consistent.standardError)")
        #expect(consistent.standardOutput.contains("size 4 extends the one of size 1"))

        let state = work.path("monitor")
        let monitor1 = try VeilProcess.run([
            "log", "monitor", "--log", url, "--log-key", work.path("log.key.pub"), "--state", state, "--once",
        ])
        #expect(monitor1.exitCode == 0, "\(monitor1.standardError)")
        #expect(monitor1.standardOutput.contains("first checkpoint: size 4"))
        _ = try VeilProcess.run([
            "log", "append", "--log", url, "--submitter-key", work.path("submitter.key"), "--kind", "key-release",
            "--entry", try work.writeEntry(4),
        ])
        let monitor2 = try VeilProcess.run([
            "log", "monitor", "--log", url, "--log-key", work.path("log.key.pub"), "--state", state, "--once",
        ])
        #expect(monitor2.exitCode == 0, "\(monitor2.standardError)")
        #expect(monitor2.standardOutput.contains("consistent: grew from 4 to 5"))
        #expect(monitor2.standardOutput.contains("entry 4: key-release"))
    }

    @Test("veil bench log runs end to end on a small log")
    func bench() throws {
        let result = try VeilProcess.run([
            "bench", "log", "--entries", "300", "--batch", "100", "--single-appends", "5", "--proofs", "5",
            "--http-appends", "10", "--format",
            "json",
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("\"entries\" : 305"))
    }

    @Test("veil log --help documents the commands")
    func help() throws {
        let result = try VeilProcess.run(["log", "--help"])
        #expect(result.exitCode == 0)
        for command in ["serve", "append", "checkpoint", "verify-inclusion", "verify-consistency", "monitor"] {
            #expect(result.standardOutput.contains(command))
        }
        let serve = try VeilProcess.run(["log", "serve", "--help"])
        for option in ["--data-dir", "--listen", "--origin", "--signing-key", "--submitter-key", "--postgres-url"] {
            #expect(serve.standardOutput.contains(option))
        }
    }

    @Test("veil log serve on PostgreSQL: append and verify through the CLI, state kept across a restart")
    func postgresServer() async throws {
        guard let url = try TestPostgres.url() else {
            print("skipping PostgreSQL: \(TestPostgres.environmentKey) is not set (use ./scripts/test)")
            return
        }
        let work = try Workspace()
        try await PostgresTestDatabase.withDatabase(url: url) { databaseURL in
            let (server, logURL) = try await work.serve(postgresURL: databaseURL)
            for n in 0..<3 {
                let result = try VeilProcess.run([
                    "log", "append", "--log", logURL, "--submitter-key", work.path("submitter.key"), "--kind",
                    "key-release", "--entry", try work.writeEntry(n),
                ])
                #expect(result.exitCode == 0, "\(result.standardError)")
            }
            let saved = try VeilProcess.run(["log", "checkpoint", "--log", logURL])
            try Data(saved.standardOutput.utf8).write(to: URL(fileURLWithPath: work.path("pg-checkpoint")))
            server.kill9()

            let (again, againURL) = try await work.serve(postgresURL: databaseURL)
            defer { again.terminate() }
            let appended = try VeilProcess.run([
                "log", "append", "--log", againURL, "--submitter-key", work.path("submitter.key"), "--kind",
                "key-release", "--entry", try work.writeEntry(3),
            ])
            #expect(appended.standardOutput.contains("index 3"), "\(appended.standardError)")
            let included = try VeilProcess.run([
                "log", "verify-inclusion", "--log", againURL, "--log-key", work.path("log.key.pub"), "--origin",
                work.origin, "--entry", try work.writeEntry(1),
            ])
            #expect(included.exitCode == 0, "\(included.standardError)")
            let consistent = try VeilProcess.run([
                "log", "verify-consistency", "--log", againURL, "--log-key", work.path("log.key.pub"), "--from",
                work.path("pg-checkpoint"),
            ])
            #expect(consistent.exitCode == 0, "\(consistent.standardError)")
        }
    }

    @Test("the monitor alerts on a fork and on a rollback (a log that forgot or rewrote entries)")
    func forkAndRollback() async throws {
        let work = try Workspace()
        func append(_ url: String, _ n: Int) throws {
            let result = try VeilProcess.run([
                "log", "append", "--log", url, "--submitter-key", work.path("submitter.key"), "--kind", "key-release",
                "--entry", try work.writeEntry(n),
            ])
            #expect(result.exitCode == 0, "\(result.standardError)")
        }
        func monitor(_ url: String, state: String) throws -> VeilProcess.Result {
            try VeilProcess.run([
                "log", "monitor", "--log", url, "--log-key", work.path("log.key.pub"), "--origin", work.origin,
                "--state", work.path(state), "--once",
            ])
        }
        // The honest log: entries 0, 1, 2; both monitors record size 3.
        let (honest, honestURL) = try await work.serve(dataDir: "honest")
        for n in 0..<3 { try append(honestURL, n) }
        #expect(try monitor(honestURL, state: "fork-monitor").exitCode == 0)
        #expect(try monitor(honestURL, state: "rollback-monitor").exitCode == 0)
        honest.terminate()

        // The same key, a different history (entries 0, 7, 8, 9): a fork.
        let (forked, forkedURL) = try await work.serve(dataDir: "forked")
        for n in [0, 7, 8, 9] { try append(forkedURL, n) }
        let fork = try monitor(forkedURL, state: "fork-monitor")
        #expect(fork.exitCode == 2)
        #expect(fork.standardError.contains("ALERT"))
        #expect(fork.standardError.contains("fork"))
        #expect(FileManager.default.fileExists(atPath: work.path("fork-monitor/alert")))
        forked.terminate()

        // The same key, fewer entries: a rollback.
        let (rolled, rolledURL) = try await work.serve(dataDir: "rolled")
        try append(rolledURL, 0)
        let rollback = try monitor(rolledURL, state: "rollback-monitor")
        #expect(rollback.exitCode == 2)
        #expect(rollback.standardError.contains("rolled back"))
        rolled.terminate()
    }

    @Test("kill -9 during appends leaves a log whose checkpoint the store reproduces and that keeps growing")
    func crashDuringAppends() async throws {
        let work = try Workspace()
        let (server, url) = try await work.serve()
        let submitter = try KeyFile.readSigningKey(work.path("submitter.key"))
        let logKey = try LogKey(
            origin: work.origin,
            publicKey: Self.ed25519(try KeyFile.readPublicKey(work.path("log.key.pub")))
        )

        // Four concurrent appenders, until the process is killed under them.
        let acknowledged = Acknowledged()
        let appenders = Task {
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var n = worker * 100_000
                        while !Task.isCancelled {
                            var request = HTTPClientRequest(url: url + "/log/v1/entries")
                            request.method = .POST
                            guard
                                let body = try? SubmissionEnvelope.sign(
                                    TestLog.entry(n),
                                    origin: work.origin,
                                    key: submitter
                                )
                            else { return }
                            request.body = .bytes(ByteBuffer(string: body))
                            guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(5)),
                                response.status == .created,
                                let bytes = try? await response.body.collect(upTo: 1 << 20),
                                let result = try? JSONDecoder().decode(
                                    LogAPI.AppendResponse.self,
                                    from: Data(buffer: bytes)
                                )
                            else { return }
                            acknowledged.add(result)
                            n += 1
                        }
                    }
                }
            }
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while acknowledged.count < 60 && ContinuousClock.now < deadline && server.process.isRunning {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(acknowledged.count >= 60, "the appenders stalled before the kill")
        server.kill9()
        appenders.cancel()
        await appenders.value
        let acked = acknowledged.all
        #expect(server.process.terminationReason == .uncaughtSignal)

        // Straight from the database the dead server left: the checkpoint verifies, covers every acknowledged
        // append, and its root is the root of exactly the stored entries.
        let storage = try SQLiteLogStorage(path: work.path("data/log.sqlite"))
        let stored = try #require(try await storage.latestCheckpoint())
        let checkpoint = try VerifiedCheckpoint(note: stored.note, log: logKey).checkpoint
        var leaves: [[UInt8]] = []
        for index in 0..<checkpoint.treeSize {
            leaves.append(try #require(try await storage.entry(at: index)).leafData)
        }
        #expect(LogStorageTests.naiveRoot(leaves) == checkpoint.rootHash)
        #expect(try await Merkle.root(treeSize: checkpoint.treeSize, from: storage) == checkpoint.rootHash)
        for result in acked {
            #expect(result.index < checkpoint.treeSize)
            #expect(Hex.encode(Merkle.leafHash(leaves[Int(result.index)])) == result.leafHash)
        }

        // Restarted on the same data, the log extends what every client saw before the crash.
        let latestAck = try #require(acked.max { $0.index < $1.index })
        try Data(latestAck.checkpoint.utf8).write(to: URL(fileURLWithPath: work.path("before-crash")))
        let (restarted, newURL) = try await work.serve()
        defer { restarted.terminate() }
        let more = try VeilProcess.run([
            "log", "append", "--log", newURL, "--submitter-key", work.path("submitter.key"), "--kind", "key-release",
            "--entry", try work.writeEntry(999_999),
        ])
        #expect(more.exitCode == 0, "\(more.standardError)")
        #expect(more.standardOutput.contains("index \(checkpoint.treeSize)"))
        let consistent = try VeilProcess.run([
            "log", "verify-consistency", "--log", newURL, "--log-key", work.path("log.key.pub"), "--from",
            work.path("before-crash"),
        ])
        #expect(consistent.exitCode == 0, "\(consistent.standardError)")
    }

    final class Acknowledged: @unchecked Sendable {
        private let lock = NSLock()
        private var results: [LogAPI.AppendResponse] = []
        func add(_ result: LogAPI.AppendResponse) {
            lock.lock()
            results.append(result)
            lock.unlock()
        }
        var count: Int {
            lock.lock()
            defer { lock.unlock() }
            return results.count
        }
        var all: [LogAPI.AppendResponse] {
            lock.lock()
            defer { lock.unlock() }
            return results
        }
    }

    static func ed25519(_ key: SigningPublicKey) throws -> Curve25519.Signing.PublicKey {
        guard case .ed25519(let key) = key else { throw KeyFileError(.wrongKind, "not ed25519") }
        return key
    }
}
