import Foundation
import Testing
import VeilKeyBroker

@Suite("Release policies over EAR claims")
struct ReleasePolicyTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func claims(
        platform: String = "sev-snp",
        status: String = "affirming",
        relaxations: [String] = [],
        tcb: String? = nil,
        evidence: [String: Any] = ["measurement": "AABB"],
        age: TimeInterval = 10
    ) throws -> EARClaims {
        var submod: [String: Any] = [
            "ear.status": status, "veil.verdict": "accepted", "veil.relaxations": relaxations,
            "ear.veraison.annotated-evidence": evidence,
        ]
        if let tcb { submod["veil.tcb-status"] = tcb }
        return try EARClaims([
            "iat": Int(now.timeIntervalSince1970 - age), "exp": Int(now.timeIntervalSince1970 + 300),
            "submods": [platform: submod],
        ])
    }

    @Test("the strict baseline accepts affirming hardware evidence and refuses simulated, stale and warning")
    func baseline() throws {
        let policy = ReleasePolicy.strictBaseline
        #expect(policy.evaluate(try Self.claims(), now: Self.now).allowed)
        let simulated = policy.evaluate(
            try Self.claims(platform: "simulated", status: "warning", relaxations: ["allow_simulated"]),
            now: Self.now
        )
        #expect(simulated.firstFailure?.rule == "platforms")
        #expect(policy.evaluate(try Self.claims(status: "warning"), now: Self.now).firstFailure?.rule == "status")
        #expect(
            policy.evaluate(try Self.claims(status: "contraindicated"), now: Self.now).firstFailure?.rule == "status"
        )
        #expect(policy.evaluate(try Self.claims(age: 301), now: Self.now).firstFailure?.rule == "max_token_age")
        #expect(policy.evaluate(try Self.claims(tcb: "OutOfDate"), now: Self.now).firstFailure?.rule == "tcb_statuses")
        #expect(policy.evaluate(try Self.claims(tcb: "SWHardeningNeeded"), now: Self.now).allowed)
    }

    @Test("simulated is accepted only where the policy names it, and only with the simulated relaxation alone")
    func simulated() throws {
        let policy = ReleasePolicy(platforms: ["simulated"])
        let ok = try Self.claims(platform: "simulated", status: "warning", relaxations: ["allow_simulated"])
        #expect(policy.evaluate(ok, now: Self.now).allowed)
        let debug = try Self.claims(
            platform: "simulated",
            status: "warning",
            relaxations: ["allow_simulated", "allow_debug"]
        )
        #expect(policy.evaluate(debug, now: Self.now).firstFailure?.rule == "status")
        let rejected = try Self.claims(
            platform: "simulated",
            status: "contraindicated",
            relaxations: ["allow_simulated"]
        )
        #expect(!policy.evaluate(rejected, now: Self.now).allowed)
        #expect(!ReleasePolicy(platforms: ["tdx"]).evaluate(ok, now: Self.now).allowed)
    }

    @Test("reference values from the policy and from named sets, case-insensitive hex")
    func referenceValues() throws {
        let policy = ReleasePolicy(referenceValues: ["sev-snp": ["measurement": ["aabb", "ccdd"]]])
        #expect(policy.evaluate(try Self.claims(), now: Self.now).allowed)
        let wrong = policy.evaluate(try Self.claims(evidence: ["measurement": "eeff"]), now: Self.now)
        #expect(wrong.firstFailure?.rule == "reference_values")
        #expect(wrong.firstFailure?.detail.contains("eeff") == true)
        let missing = policy.evaluate(try Self.claims(evidence: [:]), now: Self.now)
        #expect(missing.firstFailure?.rule == "reference_values")

        let named = ReleasePolicy(referenceValueSets: ["prod"])
        let sets: [String: ReferenceValueSet] = ["prod": ["sev-snp": ["measurement": ["AABB"]]]]
        #expect(named.evaluate(try Self.claims(), now: Self.now, referenceSets: sets).allowed)
        #expect(
            !named.evaluate(try Self.claims(evidence: ["measurement": "00"]), now: Self.now, referenceSets: sets)
                .allowed
        )
        #expect(
            named.evaluate(try Self.claims(), now: Self.now, referenceSets: [:]).firstFailure?.rule
                == "reference_values"
        )
    }

    @Test("repository and resource policies both apply; the baseline only when neither is set")
    func effective() throws {
        let claims = try Self.claims(platform: "tdx")
        let both = EffectivePolicy(
            repository: ReleasePolicy(platforms: ["tdx", "sev-snp"]),
            resource: ReleasePolicy(platforms: ["sev-snp"])
        )
        #expect(both.evaluate(claims, now: Self.now, referenceSets: [:]).firstFailure?.rule == "resource.platforms")
        let none = EffectivePolicy(repository: nil, resource: nil)
        #expect(none.policies.map(\.scope) == ["baseline"])
        #expect(none.evaluate(claims, now: Self.now, referenceSets: [:]).allowed)
    }

    @Test("policy documents are validated")
    func validation() throws {
        #expect(throws: KeyBrokerError.self) { try ReleasePolicy.decode(Data(#"{"version":2}"#.utf8)) }
        #expect(throws: KeyBrokerError.self) {
            try ReleasePolicy.decode(Data(#"{"version":1,"platforms":["sev"]}"#.utf8))
        }
        #expect(throws: KeyBrokerError.self) { try ReleasePolicy.decode(Data(#"{"version":1,"platforms":[]}"#.utf8)) }
        #expect(throws: KeyBrokerError.self) {
            try ReleasePolicy.decode(Data(#"{"version":1,"max_token_age_seconds":-1}"#.utf8))
        }
        let parsed = try ReleasePolicy.decode(
            Data(#"{"version":1,"platforms":["simulated"],"tcb_statuses":["UpToDate"]}"#.utf8)
        )
        #expect(parsed.platforms == ["simulated"])
        #expect(try ReleasePolicy.decode(Data(parsed.json().utf8)) == parsed)
    }
}
