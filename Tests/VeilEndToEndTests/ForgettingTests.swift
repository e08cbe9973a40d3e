import Foundation
import Testing
import VeilTestSupport

/// DESIGN.md invariants 1 and 2, tested against real processes (``ForgettingProbe``): a `veil node serve` behind a
/// `veil relay serve`, wiretapped on both hops, the test process playing the client.
///
/// After the requests complete, the node's readable memory (every mapping, read through `/proc/<pid>/mem` as the host
/// could) holds no copy of a canary from the prompt nor of any completion; neither tap saw either in the clear; the
/// node's logs hold neither. A positive control proves the scan reads the node's memory (bytes of the model's
/// weights are found); a control run without freed-memory scrubbing proves the scan finds what is left behind.
@Suite("Forgetting: nothing of a request lingers or crosses the relay in the clear", .serialized)
struct ForgettingTests {
    static let model: (path: String, probe: [UInt8]) = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "veil-forget-\(UUID().uuidString)"
        )
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let bytes = TinyModels.llama(hidden: 64, layers: 2)
        let path = directory.appendingPathComponent("tiny.gguf").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return (path, Array(bytes[(bytes.count / 2)..<(bytes.count / 2 + 32)]))
    }()

    @Test("after chat requests, the node's memory, logs and the relay's traffic hold no canary and no completion")
    func chatLeavesNothing() async throws {
        let findings = try await ForgettingProbe.run(modelPath: Self.model.path, weightsProbe: Self.model.probe)
        #expect(findings.inMemory.isEmpty, "found in the node's memory: \(findings.inMemory)")
        #expect(findings.onTheWire.isEmpty, "seen in the clear on the wire: \(findings.onTheWire)")
        #expect(findings.inLogs.isEmpty, "found in the node's logs: \(findings.inLogs)")
        #expect(findings.weightsFound, "the scan must find the model's weights in the node's memory")
        #expect(findings.bytesScanned > 1 << 20)
        #expect(findings.unreadableRegions.isEmpty, "unreadable: \(findings.unreadableRegions)")
        #expect(findings.tapsCarriedExchange)
        #expect(findings.completions.count == 3)
    }

    /// The control: the same exchange with freed-memory scrubbing turned off (`VEIL_HEAP_SCRUB=off`) leaves the
    /// prompt's canary in the node's freed heap, and the scan finds it — so the scan's silence above means something.
    /// Freed memory is a probabilistic witness: on a loaded machine the allocator can reuse the freed block before the
    /// scan reads it, so the control runs up to three exchanges (each on a fresh node) and requires the scan to find
    /// the canary in at least one; every run's wire must still be clean. The test above, with scrubbing on, runs once
    /// and must find nothing.
    @Test("control: without freed-memory scrubbing the scan finds the prompt's canary")
    func controlWithoutScrubbing() async throws {
        var runs = 0
        var found = false
        while runs < 3, !found {
            runs += 1
            let findings = try await ForgettingProbe.run(
                modelPath: Self.model.path,
                weightsProbe: Self.model.probe,
                environment: ["VEIL_HEAP_SCRUB": "off"]
            )
            #expect(findings.onTheWire.isEmpty, "seen in the clear on the wire: \(findings.onTheWire)")
            found = findings.inMemory.contains("prompt canary")
        }
        #expect(found, "an unscrubbed node still holds the prompt in freed memory (none of \(runs) runs found it)")
    }
}
