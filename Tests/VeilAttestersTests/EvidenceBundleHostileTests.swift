import Foundation
import Testing
import VeilAttestation
import VeilAttesters
import VeilSimulated
import VeilTestSupport
import _VeilBytes

@Suite("Evidence bundles and certificate tables from hostile bytes")
struct EvidenceBundleHostileTests {
    func simulatedBundle() async throws -> (EvidenceBundle, String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("veil-hostile-\(UUID().uuidString)")
            .path
        let binding = ReportDataBinding.veil(nonce: [1, 2, 3], publicKeys: [[4]], initData: [5])
        return (try await SimulatedAttester(rootDirectory: root).evidence(binding: binding), root)
    }

    @Test("every truncation of a bundle is a typed error or an unaccepted report, never a crash")
    func truncation() async throws {
        let (bundle, root) = try await simulatedBundle()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let json = bundle.json()
        let verifier = EvidenceBundle.Verifier(verifiers: [SimulatedTEE.Verifier()])
        let context = VerificationContext(time: Date(), options: .init(allowSimulated: true))
        #expect(verifier.verify(json, context: context).claims != nil)
        // The JSON ends with "}\n": dropping the newline still parses, anything shorter does not.
        for length in 0..<(json.count - 2) {
            let prefix = Array(json.prefix(length))
            #expect(throws: AttestationError.self) { try EvidenceBundle(json: prefix) }
            #expect(verifier.verify(prefix, context: context).claims == nil)
        }
    }

    @Test("seeded mutations of a bundle never verify with altered signed content")
    func mutations() async throws {
        let (bundle, root) = try await simulatedBundle()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let json = bundle.json()
        let verifier = EvidenceBundle.Verifier(verifiers: [SimulatedTEE.Verifier()])
        let context = VerificationContext(time: Date(), options: .init(allowSimulated: true))
        var generator = SeededGenerator(seed: 0x5EED_B0D1)
        for _ in 0..<300 {
            var mutated = json
            let index = Int.random(in: 0..<mutated.count, using: &generator)
            mutated[index] = UInt8.random(in: 0...255, using: &generator)
            guard mutated != json, let claims = verifier.verify(mutated, context: context).claims else { continue }
            // A mutation that still verifies may only touch unsigned, unbound members (producer, created_at,
            // collateral names, whitespace): the evidence, report data and binding are unchanged.
            let decoded = try EvidenceBundle(json: mutated)
            #expect(decoded.evidence == bundle.evidence)
            #expect(decoded.binding == bundle.binding)
            #expect(claims.reportData == bundle.reportData)
        }
    }

    @Test("seeded random certificate tables are typed errors or stay within their bytes")
    func randomTables() throws {
        var generator = SeededGenerator(seed: 0x7AB1E)
        for _ in 0..<500 {
            let table = generator.bytes(count: Int.random(in: 0..<200, using: &generator))
            do {
                let parsed = try SNPCertificateTable.parse(table)
                #expect(parsed.entries.allSatisfy { $0.bytes.count <= table.count })
            } catch {
                #expect(error.code == .malformedCertificateTable)
            }
        }
    }
}
