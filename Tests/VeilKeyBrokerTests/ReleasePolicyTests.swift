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
        age: TimeInterval = 10,
        extra: [String: Any] = [:]
    ) throws -> EARClaims {
        var submod: [String: Any] = [
            "ear.status": status, "veil.verdict": "accepted", "veil.relaxations": relaxations,
            "ear.veraison.annotated-evidence": evidence,
        ]
        if let tcb { submod["veil.tcb-status"] = tcb }
        var set: [String: Any] = [
            "iat": Int(now.timeIntervalSince1970 - age), "exp": Int(now.timeIntervalSince1970 + 300),
            "submods": [platform: submod],
        ]
        for (key, value) in extra { set[key] = value }
        return try EARClaims(set)
    }

    /// A policy that pins the SEV-SNP measurement the claims carry.
    static let pinned = ReleasePolicy(referenceValues: ["sev-snp": ["measurement": ["aabb"]]])

    @Test("the strict baseline releases nothing: authentic affirming hardware evidence is denied by rule measurement")
    func baseline() throws {
        let policy = ReleasePolicy.strictBaseline
        for platform in ["sev-snp", "tdx", "tpm", "azure-sev-snp-vtpm"] {
            let decision = policy.evaluate(try Self.claims(platform: platform), now: Self.now)
            #expect(decision.firstFailure?.rule == "measurement", "\(platform)")
        }
        let simulated = policy.evaluate(
            try Self.claims(platform: "simulated", status: "warning", relaxations: ["allow_simulated"]),
            now: Self.now
        )
        #expect(simulated.firstFailure?.rule == "platforms")
    }

    @Test("a pinned policy checks status, staleness and TCB; it accepts pinned affirming evidence")
    func pinnedRules() throws {
        let policy = Self.pinned
        #expect(policy.evaluate(try Self.claims(), now: Self.now).allowed)
        #expect(policy.evaluate(try Self.claims(), now: Self.now).relaxations.isEmpty)
        #expect(policy.evaluate(try Self.claims(status: "warning"), now: Self.now).firstFailure?.rule == "status")
        #expect(
            policy.evaluate(try Self.claims(status: "contraindicated"), now: Self.now).firstFailure?.rule == "status"
        )
        #expect(policy.evaluate(try Self.claims(age: 301), now: Self.now).firstFailure?.rule == "max_token_age")
        #expect(policy.evaluate(try Self.claims(tcb: "OutOfDate"), now: Self.now).firstFailure?.rule == "tcb_statuses")
        #expect(policy.evaluate(try Self.claims(tcb: "SWHardeningNeeded"), now: Self.now).allowed)
    }

    @Test("reference values imply platforms: a SEV-SNP pin refuses TDX, TPM and Azure evidence (rule platforms)")
    func impliedPlatforms() throws {
        #expect(Self.pinned.impliedPlatforms == ["sev-snp"])
        for platform in ["tdx", "tpm", "azure-sev-snp-vtpm", "azure-tdx-vtpm", "simulated"] {
            let decision = Self.pinned.evaluate(try Self.claims(platform: platform), now: Self.now)
            #expect(decision.firstFailure?.rule == "platforms", "\(platform)")
        }
        // Pinning only a non-code claim (debug, a TCB version) pins no code.
        let configOnly = ReleasePolicy(referenceValues: ["sev-snp": ["vmpl": ["0"]]])
        let decision = configOnly.evaluate(
            try Self.claims(evidence: ["measurement": "aabb", "vmpl": 0]),
            now: Self.now
        )
        #expect(decision.firstFailure?.rule == "measurement")
        #expect(decision.firstFailure?.detail.contains("measurement") == true)
        // Naming more platforms than it pins: the unpinned one has no measurement requirement.
        let wider = ReleasePolicy(platforms: ["sev-snp", "tdx"], referenceValues: Self.pinned.referenceValues)
        #expect(wider.evaluate(try Self.claims(platform: "tdx"), now: Self.now).firstFailure?.rule == "measurement")
    }

    @Test("accept_any_measurement is the one way to release without a pin, and the decision names it")
    func acceptAny() throws {
        let policy = ReleasePolicy(acceptAnyMeasurement: true)
        let decision = policy.evaluate(try Self.claims(platform: "tdx"), now: Self.now)
        #expect(decision.allowed)
        #expect(decision.relaxations == [.acceptAnyMeasurement])
        #expect(decision.outcomes.contains { $0.rule == "measurement" && $0.detail.hasPrefix("RELAXED") })
        // With a pin the relaxation is not used.
        var pinned = Self.pinned
        pinned.acceptAnyMeasurement = true
        #expect(pinned.evaluate(try Self.claims(), now: Self.now).relaxations.isEmpty)
        #expect(!pinned.evaluate(try Self.claims(evidence: ["measurement": "00"]), now: Self.now).allowed)
    }

    @Test("require_logged_release needs a verified veil.log-release, from an accepted origin when log_origins is set")
    func loggedRelease() throws {
        let policy = ReleasePolicy(requireLoggedRelease: true)
        let unlogged = policy.evaluate(try Self.claims(), now: Self.now)
        #expect(unlogged.firstFailure?.rule == "require_logged_release")
        let failed = policy.evaluate(
            try Self.claims(extra: ["veil.log-release-error": "stale: the checkpoint is 9000 s old"]),
            now: Self.now
        )
        #expect(failed.firstFailure?.rule == "require_logged_release")
        #expect(failed.firstFailure?.detail.contains("stale") == true)
        let release: [String: Any] = [
            "origin": "log.example/veil", "leaf_index": 4, "tree_size": 9, "name": "veil-node", "version": "1.2.0",
            "checkpoint_time": 1_799_999_990,
        ]
        let logged = try Self.claims(extra: ["veil.log-release": release])
        #expect(policy.evaluate(logged, now: Self.now).allowed)
        let elsewhere = ReleasePolicy(requireLoggedRelease: true, logOrigins: ["prod.example/log"])
        #expect(elsewhere.evaluate(logged, now: Self.now).firstFailure?.rule == "require_logged_release")
        let here = ReleasePolicy(requireLoggedRelease: true, logOrigins: ["log.example/veil"])
        #expect(here.evaluate(logged, now: Self.now).allowed)
        #expect(throws: KeyBrokerError.self) {
            try EARClaims(["submods": ["tdx": ["ear.status": "affirming"]], "veil.log-release": ["origin": 1]])
        }
    }

    @Test("simulated is accepted only where the policy names it, and only with the simulated relaxation alone")
    func simulated() throws {
        let policy = ReleasePolicy(platforms: ["simulated"], referenceValues: ["simulated": ["measurement": ["aabb"]]])
        let ok = try Self.claims(platform: "simulated", status: "warning", relaxations: ["allow_simulated"])
        #expect(policy.evaluate(ok, now: Self.now).allowed)
        #expect(policy.evaluate(ok, now: Self.now).relaxations == [.simulated])
        // Named but unpinned: no measurement requirement, denied.
        #expect(
            ReleasePolicy(platforms: ["simulated"]).evaluate(ok, now: Self.now).firstFailure?.rule == "measurement"
        )
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
        let code = ["mrtd": "aabb", "rtmr0": "01", "rtmr1": "02", "rtmr2": "03"]
        let pins = code.mapValues { [$0] }
        let claims = try Self.claims(platform: "tdx", evidence: code)
        let both = EffectivePolicy(
            repository: ReleasePolicy(platforms: ["tdx", "sev-snp"], referenceValues: ["tdx": pins]),
            resource: ReleasePolicy(platforms: ["sev-snp"])
        )
        #expect(both.evaluate(claims, now: Self.now, referenceSets: [:]).firstFailure?.rule == "resource.platforms")
        let none = EffectivePolicy(repository: nil, resource: nil)
        #expect(none.policies.map(\.scope) == ["baseline"])
        #expect(none.evaluate(claims, now: Self.now, referenceSets: [:]).firstFailure?.rule == "baseline.measurement")
        // A repository pin covers the resource policy's lack of one: both scopes must hold, each with a requirement.
        let split = EffectivePolicy(
            repository: ReleasePolicy(referenceValues: ["tdx": pins]),
            resource: ReleasePolicy(platforms: ["tdx"])
        )
        let tdx = try Self.claims(platform: "tdx", evidence: code)
        // MRTD alone measures only the virtual firmware every TD shares: it pins no code.
        let firmwareOnly = ReleasePolicy(referenceValues: ["tdx": ["mrtd": ["aabb"]]])
        #expect(firmwareOnly.evaluate(tdx, now: Self.now).firstFailure?.rule == "measurement")
        let azure = try Self.claims(platform: "azure-tdx-vtpm", evidence: ["mrtd": "aabb"])
        #expect(
            ReleasePolicy(referenceValues: ["azure-tdx-vtpm": ["mrtd": ["aabb"]]]).evaluate(azure, now: Self.now)
                .firstFailure?.rule == "measurement"
        )
        #expect(split.evaluate(tdx, now: Self.now, referenceSets: [:]).firstFailure?.rule == "resource.measurement")
    }

    @Test(
        "accepting status warning does not accept a relaxation: debug evidence needs allowed_relaxations (rule relaxations)"
    )
    func relaxationsNeedNaming() throws {
        let pins = ["sev-snp": ["measurement": ["aabb"]]]
        let debug = try Self.claims(status: "warning", relaxations: ["allow_debug"])
        let lenient = ReleasePolicy(status: ["affirming", "warning"], referenceValues: pins)
        let decision = lenient.evaluate(debug, now: Self.now)
        #expect(decision.firstFailure?.rule == "relaxations")
        #expect(decision.firstFailure?.detail.contains("allow_debug") == true)
        let missingCRL = try Self.claims(status: "warning", relaxations: ["allow_missing_crl"])
        #expect(lenient.evaluate(missingCRL, now: Self.now).firstFailure?.rule == "relaxations")
        let named = ReleasePolicy(
            status: ["affirming", "warning"],
            referenceValues: pins,
            allowedRelaxations: ["allow_missing_crl"]
        )
        #expect(named.evaluate(missingCRL, now: Self.now).allowed)
        #expect(named.evaluate(debug, now: Self.now).firstFailure?.rule == "relaxations")
        // Authentic affirming evidence has no relaxation to name.
        #expect(ReleasePolicy(referenceValues: pins).evaluate(try Self.claims(), now: Self.now).allowed)
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
        // Unknown claim names are errors, never silent passes (the old documented example used mr_td).
        for bad in [
            #"{"version":1,"reference_values":{"tdx":{"mr_td":["aa"]}}}"#,
            #"{"version":1,"reference_values":{"sev-snp":{"mrtd":["aa"]}}}"#,
            #"{"version":1,"reference_values":{"tpm":{"pcr24":["aa"]}}}"#,
            #"{"version":1,"reference_values":{"tdx":{}}}"#,
            #"{"version":1,"reference_values":{"tdx":{"mrtd":[]}}}"#,
            #"{"version":1,"log_origins":["a"]}"#,
            #"{"version":1,"require_logged_release":true,"log_origins":[]}"#,
            // Misspelt members would pin nothing; relaxations that cannot be allowed here are named.
            #"{"version":1,"require_logged_relase":true}"#,
            #"{"version":1,"platfroms":["tdx"],"accept_any_measurement":true}"#,
            #"{"version":1,"allowed_relaxations":["allow_simulated"]}"#,
            #"{"version":1,"allowed_relaxations":["accept_any_measurement"]}"#,
        ] {
            #expect(throws: KeyBrokerError.self, "\(bad)") { try ReleasePolicy.decode(Data(bad.utf8)) }
        }
        for good in [
            #"{"version":1,"reference_values":{"tdx":{"mrtd":["aa"],"rtmr0":["bb"]}}}"#,
            #"{"version":1,"reference_values":{"tpm":{"pcr23":["aa"]}}}"#,
            #"{"version":1,"require_logged_release":true,"log_origins":["log.example/veil"]}"#,
            #"{"version":1,"accept_any_measurement":true}"#,
        ] {
            #expect(try ReleasePolicy.decode(Data(good.utf8)).json().isEmpty == false)
        }
        let parsed = try ReleasePolicy.decode(
            Data(#"{"version":1,"platforms":["simulated"],"tcb_statuses":["UpToDate"]}"#.utf8)
        )
        #expect(parsed.platforms == ["simulated"])
        #expect(try ReleasePolicy.decode(Data(parsed.json().utf8)) == parsed)
    }
}
