import Foundation
import Testing
import VeilKeys
import VeilTransparency

@Suite("Log entries and submissions")
struct LogEntryTests {
    @Test("canonical JSON: member order and spacing do not change the leaf; measurements are sorted")
    func canonical() throws {
        let entry = try Fixtures.release()
        let text = String(decoding: entry.leafData, as: UTF8.self)
        #expect(text.hasPrefix(#"{"kind":"release","measurements":[{"platform":"sev-snp""#))
        #expect(!text.contains(" "))
        let reparsed = try LogEntry(leafData: entry.leafData)
        #expect(reparsed == entry)
        let compact = try LogEntry(
            json: Data(
                #"{"name":"veil-node","version":"1.2.0","measurements":[{"value":"\#(Fixtures.pcr7)","register":"pcr7","platform":"tpm"},{"platform":"sev-snp","register":"measurement","value":"\#(Fixtures.snp)"},{"platform":"tdx","register":"mrtd","value":"\#(Fixtures.mrtd)"}],"source":{"revision":"0123456789abcdef","repository":"https://github.com/example/veil"}}"#
                    .utf8
            ),
            kind: .release
        )
        #expect(compact.leafHash == entry.leafHash)
        // Leaf data that is valid JSON but not canonical is refused when read back from a log.
        #expect(throws: TransparencyError.self) { try LogEntry(leafData: Array(Fixtures.releaseJSON.utf8)) }
    }

    @Test("JCS string escaping")
    func escaping() {
        let value = CanonicalJSON.object(["b": .string("a\"\\\n\u{01}é/"), "a": .integer(7), "c": .array([])])
        #expect(String(decoding: value.bytes, as: UTF8.self) == #"{"a":7,"b":"a\"\\\n\u0001é/","c":[]}"#)
    }

    @Test("invalid entries are refused with the field named")
    func invalid() {
        let cases = [
            #"{"kind":"release","name":"n","version":"1","measurements":[],"source":{"repository":"r","revision":"v"}}"#,
            #"{"kind":"release","name":"n","version":"1","measurements":[{"platform":"sev-snp","register":"measurement","value":"AB"}],"source":{"repository":"r","revision":"v"}}"#,
            #"{"kind":"release","name":"n","version":"1","measurements":[{"platform":"tdx","register":"pcr0","value":"00"}],"source":{"repository":"r","revision":"v"}}"#,
            #"{"kind":"model","name":"m","manifest_sha256":"00","owner_key":"x"}"#,
            #"{"kind":"policy","resource":"only/two","version":1,"policy_sha256":"\#(String(repeating: "0", count: 64))"}"#,
            #"{"kind":"key-release","resource":"a/b/c","policy_version":1,"event_sha256":"zz","time":1}"#,
            #"{"kind":"nonsense"}"#,
            #"[1,2]"#,
        ]
        for json in cases {
            #expect(throws: TransparencyError.self) { try LogEntry(json: Data(json.utf8)) }
        }
        #expect(throws: TransparencyError.self) {
            try LogEntry(json: Data(Fixtures.releaseJSON.utf8), kind: .model)
        }
    }

    @Test("all four kinds round-trip")
    func kinds() throws {
        let digest = String(repeating: "1f", count: 32)
        let entries: [LogEntry] = [
            try Fixtures.release(),
            .model(.init(name: "llama", manifestSHA256: digest, ownerKey: String(repeating: "A", count: 43))),
            .policy(.init(resource: "models/llama/key", version: 3, policySHA256: digest)),
            .keyRelease(
                .init(resource: "models/llama/key", policyVersion: 3, eventSHA256: digest, time: 1_700_000_000)
            ),
        ]
        for entry in entries {
            #expect(try LogEntry(leafData: entry.leafData) == entry)
        }
    }

    @Test("submission envelopes: accepted from a known key for this origin, refused otherwise")
    func envelopes() throws {
        let key = try SigningPrivateKey.generate(.ed25519)
        let other = try SigningPrivateKey.generate(.p256)
        let entry = Fixtures.keyRelease(1)
        let now = Date()
        let envelope = try SubmissionEnvelope.sign(entry, origin: "log.example/a", key: key, now: now)
        let opened = try SubmissionEnvelope.open(
            envelope,
            origin: "log.example/a",
            submitters: [key.publicKey],
            now: now
        )
        #expect(opened.entry == entry)
        // P-256 submitters work too.
        let p256 = try SubmissionEnvelope.sign(entry, origin: "log.example/a", key: other, now: now)
        _ = try SubmissionEnvelope.open(p256, origin: "log.example/a", submitters: [other.publicKey], now: now)
        #expect(throws: TransparencyError.self) {
            try SubmissionEnvelope.open(envelope, origin: "log.example/b", submitters: [key.publicKey], now: now)
        }
        #expect(throws: TransparencyError.self) {
            try SubmissionEnvelope.open(envelope, origin: "log.example/a", submitters: [other.publicKey], now: now)
        }
        #expect(throws: TransparencyError.self) {
            try SubmissionEnvelope.open(
                envelope,
                origin: "log.example/a",
                submitters: [key.publicKey],
                now: now.addingTimeInterval(3600)
            )
        }
        var parts = envelope.split(separator: ".").map(String.init)
        parts[1] = try SubmissionEnvelope.sign(Fixtures.keyRelease(2), origin: "log.example/a", key: key, now: now)
            .split(separator: ".").map(String.init)[1]
        #expect(throws: TransparencyError.self) {
            try SubmissionEnvelope.open(
                parts.joined(separator: "."),
                origin: "log.example/a",
                submitters: [key.publicKey],
                now: now
            )
        }
    }
}
