import Foundation
import Testing
import VeilWire
import _VeilBytes

@Suite("Attestation bundle")
struct AttestationBundleTests {
    static let runtime = Array(#"{"nonce":"abc"}"#.utf8)

    static func members(_ change: (inout [String: Any]) -> Void = { _ in }) -> [String: Any] {
        var object: [String: Any] = [
            "format": "veil-attestation-bundle", "version": 1, "node_id": "0123456789abcdef",
            "key_configs": Base64URL.encode([1, 2, 3]), "evidence": ["format": "veil-evidence", "version": 1],
            "runtime_data": Base64URL.encode(runtime), "ear": NSNull(), "kbs_url": NSNull(),
            "log_inclusion": NSNull(), "issued_at": "2026-01-01T00:00:00Z", "expires_at": "2026-01-01T01:00:00Z",
        ]
        change(&object)
        return object
    }

    static func json(_ object: [String: Any]) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    static func failure(_ bytes: [UInt8]) -> String? {
        do {
            _ = try AttestationBundle(json: bytes)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func roundTrip() throws {
        let bundle = try AttestationBundle(json: try Self.json(Self.members { $0["ear"] = "e.a.r" }))
        #expect(bundle.nodeID == "0123456789abcdef" && bundle.keyConfigs == [1, 2, 3])
        #expect(bundle.keyConfigsText == Base64URL.encode([1, 2, 3]))
        #expect(bundle.runtimeData == Self.runtime && bundle.ear == "e.a.r" && bundle.kbsURL == nil)
        #expect(!bundle.hasLogInclusion)
        #expect(bundle.expiresAt.timeIntervalSince(bundle.issuedAt) == 3600)
        let again = try AttestationBundle(json: bundle.json())
        #expect(again.json() == bundle.json())
        #expect(again.evidenceJSON == bundle.evidenceJSON)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bundle.json())) as? [String: Any])
        #expect(Set(object.keys) == Set(Self.members().keys))
        #expect(object["kbs_url"] is NSNull && object["log_inclusion"] is NSNull)
        #expect(object["issued_at"] as? String == "2026-01-01T00:00:00Z")
    }

    @Test func strictness() throws {
        #expect(Self.failure([UInt8](repeating: 0x20, count: AttestationBundle.maximumSize + 1)) != nil)
        #expect(Self.failure(Array("[]".utf8)) == "the attestation bundle is not a JSON object")
        #expect(
            Self.failure(try Self.json(Self.members { $0["version"] = 2 }))
                == "not a veil-attestation-bundle version 1"
        )
        #expect(
            Self.failure(try Self.json(Self.members { $0["node_id"] = 7 }))
                == "the bundle's node_id is missing or not a string"
        )
        #expect(
            Self.failure(try Self.json(Self.members { $0["key_configs"] = "!!" }))
                == "the bundle's key_configs is not base64url"
        )
        #expect(
            Self.failure(try Self.json(Self.members { $0["evidence"] = "text" }))
                == "the bundle's evidence is not a JSON object"
        )
        #expect(
            Self.failure(try Self.json(Self.members { $0["issued_at"] = "yesterday" }))
                == "the bundle's issued_at or expires_at is not an RFC 3339 time"
        )
        #expect(
            Self.failure(try Self.json(Self.members { $0["log_inclusion"] = ["checkpoint": 1] }))?
                .hasPrefix("the bundle's log_inclusion is not an inclusion bundle") == true
        )
        #expect(
            Self.failure(try Self.json(Self.members { $0["log_inclusion"] = "x" }))
                == "the bundle's log_inclusion is neither null nor a JSON object"
        )
    }
}
