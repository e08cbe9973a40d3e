import Foundation
import Testing
import VeilTestSupport

/// The forgetting experiment (``ForgettingProbe``) with the real SmolLM2, asked to repeat a canary: after the
/// requests, neither the canary nor anything the model said is left in the node's memory, on the wire or in its logs.
/// Runs against the release build, like every real-model test.
@Suite("SmolLM2 node forgets", .serialized)
struct SmolLM2ForgettingTests {
    @Test("SmolLM2 repeats a canary; afterwards the node's memory, the relay's traffic and the logs hold none of it")
    func repeatsAndForgets() async throws {
        let path = ModelLocations.smolLM2
        let handle = try #require(FileHandle(forReadingAtPath: path))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size / 2)
        let probe = [UInt8](try #require(try handle.read(upToCount: 32)))
        try handle.close()

        // The canary is random, and for a few canaries the greedy model paraphrases instead of repeating it; the scan
        // means most when the completions carry the canary, so up to three runs (each with a fresh canary and node)
        // look for one where the model repeated it. Every run must leave nothing behind.
        var repeated = false
        var runs = 0
        while runs < 3, !repeated {
            runs += 1
            let findings = try await ForgettingProbe.run(
                modelPath: path,
                weightsProbe: probe,
                requests: 2,
                maxTokens: 40,
                prompt: { "Repeat this code exactly, and nothing else: \($0)" }
            )
            #expect(findings.inMemory.isEmpty, "found in the node's memory: \(findings.inMemory)")
            #expect(findings.onTheWire.isEmpty, "seen in the clear on the wire: \(findings.onTheWire)")
            #expect(findings.inLogs.isEmpty, "found in the node's logs: \(findings.inLogs)")
            #expect(findings.weightsFound, "the scan must find the model's weights in the node's memory")
            #expect(findings.unreadableRegions.isEmpty, "unreadable: \(findings.unreadableRegions)")
            #expect(findings.tapsCarriedExchange)
            #expect(findings.completions.allSatisfy { $0.utf8.count >= 12 }, "completions: \(findings.completions)")
            // The model repeated the canary's random part, so the completions scanned for carry it too.
            let secret = String(findings.canary.dropFirst("CANARY-".count).prefix(24))
            repeated = findings.completions.contains { $0.contains(secret) }
        }
        #expect(repeated, "in none of \(runs) runs did the model repeat the canary")
    }
}
