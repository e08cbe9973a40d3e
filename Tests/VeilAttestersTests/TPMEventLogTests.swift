import Crypto
import Foundation
import Testing
import VeilAttestation
import VeilAttesters
import VeilTPM
import VeilTestSupport
import _VeilBytes

/// Writes a crypto-agile event log (TCG PC Client Platform Firmware Profile §10) field by field.
struct EventLogWriter {
    private(set) var bytes: [UInt8] = []

    private mutating func u32(_ value: UInt32) { bytes += (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
    private mutating func u16(_ value: UInt16) { bytes += [UInt8(value & 0xFF), UInt8(value >> 8)] }

    init() {
        // TCG_PCR_EVENT: PCR 0, EV_NO_ACTION, 20 zero bytes, the Spec ID event (SHA-1 and SHA-256 banks).
        var spec = Array("Spec ID Event03".utf8) + [0]
        spec += [0, 0, 0, 0, 0, 2, 0, 2]  // platformClass, minor 0, major 2, errata 0, uintnSize 2
        spec += [2, 0, 0, 0, 0x04, 0x00, 20, 0, 0x0B, 0x00, 32, 0]  // 2 algorithms: SHA-1/20, SHA-256/32
        spec += [0]  // vendorInfoSize
        u32(0)
        u32(3)
        bytes += [UInt8](repeating: 0, count: 20)
        u32(UInt32(spec.count))
        bytes += spec
    }

    /// A TCG_PCR_EVENT2 measuring `data` into `pcr` in both banks.
    mutating func measure(pcr: UInt32, type: UInt32 = 0x0000_000D, data: [UInt8]) {
        u32(pcr)
        u32(type)
        u32(2)
        u16(0x0004)
        bytes += Array(Insecure.SHA1.hash(data: data))
        u16(0x000B)
        bytes += Array(SHA256.hash(data: data))
        u32(UInt32(data.count))
        bytes += data
    }
}

@Suite("TPM measured-boot event log: stapled, parsed, replayed against the quote")
struct TPMEventLogTests {
    let binding = ReportDataBinding.veil(nonce: Array("log nonce".utf8), publicKeys: [], initData: nil)

    @Test("a log matching the extended PCRs verifies; a log that does not is invalid")
    func replayAgainstSoftwareTPM() async throws {
        let tpm = try SoftwareTPM()
        defer { tpm.stop() }
        let client = try await connect(tpm)
        var writer = EventLogWriter()
        var wrong = EventLogWriter()
        for (pcr, text) in [(4, "boot loader"), (4, "kernel"), (1, "platform config")] {
            let data = Array(text.utf8)
            try await client.extendPCR(pcr, sha256Digest: Array(SHA256.hash(data: data)))
            writer.measure(pcr: UInt32(pcr), data: data)
            wrong.measure(pcr: UInt32(pcr), data: text == "kernel" ? Array("another kernel".utf8) : data)
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("veil-log-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = directory.appendingPathComponent("good.bin")
        let bad = directory.appendingPathComponent("bad.bin")
        try Data(writer.bytes).write(to: good)
        try Data(wrong.bytes).write(to: bad)

        let enrolled = try TPMAttester.attestationKeyPEM(try await TPMAttester(client: client).attestationKey())
        let context = VerificationContext(
            time: Date(),
            collateral: BundleCollateralProvider([("ak.pem", Array(enrolled.utf8))])
        )
        let matching = try await TPMAttester(client: client, eventLogPath: good.path).evidence(binding: binding)
        let result = try appraise(matching, verifier: TPM.Verifier(), context: context)
        #expect(result.verdict == .accepted, "\(result.checks.filter { !$0.passed })")
        let check = try #require(result.checks.first { $0.name == "tpm.event_log" })
        #expect(check.passed && check.detail.contains("[1, 4]"))
        #expect(result.claims["tpm_event_log_events"] == .integer(3))

        let foreign = try await TPMAttester(client: client, eventLogPath: bad.path).evidence(binding: binding)
        let rejected = try appraise(foreign, verifier: TPM.Verifier(), context: context)
        #expect(rejected.verdict == .invalid)
        #expect(rejected.firstFailure?.name == "tpm.event_log")
        #expect(rejected.firstFailure?.detail.contains("[4]") == true)
    }

    @Test("the parser: replay by hand, StartupLocality, typed errors at every truncation inside an event")
    func parser() throws {
        var writer = EventLogWriter()
        writer.measure(pcr: 7, data: [1, 2, 3])
        let locality = Array("StartupLocality".utf8) + [0, 3]
        writer.measure(pcr: 0, type: 3, data: locality)
        writer.measure(pcr: 0, data: [9])
        let log = try TPM.EventLog(writer.bytes)
        #expect(log.events.count == 3)
        let replayed = log.replay()
        let digest7 = Array(SHA256.hash(data: [UInt8](repeating: 0, count: 32) + Array(SHA256.hash(data: [1, 2, 3]))))
        #expect(replayed[7] == digest7)
        let start0 = [UInt8](repeating: 0, count: 31) + [3]
        #expect(replayed[0] == Array(SHA256.hash(data: start0 + Array(SHA256.hash(data: [9])))))
        #expect(TPM.EventLog.looksLikeEventLog(writer.bytes))

        // Event boundaries give shorter valid logs; every other truncation is a typed error.
        var boundaries: Set<Int> = []
        var probe = EventLogWriter()
        boundaries.insert(probe.bytes.count)
        probe.measure(pcr: 7, data: [1, 2, 3])
        boundaries.insert(probe.bytes.count)
        probe.measure(pcr: 0, type: 3, data: Array("StartupLocality".utf8) + [0, 3])
        boundaries.insert(probe.bytes.count)
        for length in 0..<writer.bytes.count {
            let prefix = Array(writer.bytes.prefix(length))
            if boundaries.contains(length) {
                #expect(try TPM.EventLog(prefix).events.count < 3)
            } else {
                #expect(throws: AttestationError.self) { try TPM.EventLog(prefix) }
            }
        }
        var generator = SeededGenerator(seed: 0xE7E27)
        for _ in 0..<300 {
            var mutated = writer.bytes
            mutated[Int.random(in: 0..<mutated.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            if let parsed = try? TPM.EventLog(mutated) { #expect(parsed.events.count <= 3) }
        }
    }
}
