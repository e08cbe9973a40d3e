import Foundation
public import VeilAttestation

/// The JSON shape of an appraised result, as `veil attest verify --format json` prints it (keys become snake_case
/// with a snake_case-converting encoder).
public struct AttestationResultJSON: Encodable {
    /// One check of the result.
    public struct Check: Encodable {
        let name: String
        let passed: Bool
        let detail: String
        let remedy: String?
        let kind: String
    }

    let verdict: String
    let platform: String?
    let tcbStatus: String?
    let advisoryIds: [String]
    let claims: [String: ClaimJSON]
    let checks: [Check]
    let relaxations: [String]
    let verificationTime: String
    let failedCheck: String?
    let ear: String?
    let warning: String?

    /// The JSON of `result`, with the EAR token signed for it when there is one.
    public init(_ result: AttestationResult, ear: String? = nil) {
        self.ear = ear
        warning =
            result.platform == .simulated
            ? "SIMULATED TEE: development only; this evidence proves nothing about the machine" : nil
        verdict = result.verdict.rawValue
        platform = result.platform?.rawValue
        tcbStatus = result.tcbStatus?.rawValue
        advisoryIds = result.advisoryIDs
        claims = result.claims.mapValues(ClaimJSON.init)
        checks = result.checks.map {
            Check(name: $0.name, passed: $0.passed, detail: $0.detail, remedy: $0.remedy, kind: $0.kind.rawValue)
        }
        relaxations = result.relaxations
        let formatter = ISO8601DateFormatter()
        verificationTime = formatter.string(from: result.time)
        failedCheck = result.firstFailure?.name
    }

    enum CodingKeys: String, CodingKey {
        case verdict, platform, tcbStatus, advisoryIds, claims, checks, relaxations, verificationTime, failedCheck
        case ear, warning
    }

    /// Encodes the result; `ear` and `warning` only when present.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(verdict, forKey: .verdict)
        try container.encode(platform, forKey: .platform)
        try container.encode(tcbStatus, forKey: .tcbStatus)
        try container.encode(advisoryIds, forKey: .advisoryIds)
        try container.encode(claims, forKey: .claims)
        try container.encode(checks, forKey: .checks)
        try container.encode(relaxations, forKey: .relaxations)
        try container.encode(verificationTime, forKey: .verificationTime)
        try container.encode(failedCheck, forKey: .failedCheck)
        try container.encodeIfPresent(ear, forKey: .ear)
        try container.encodeIfPresent(warning, forKey: .warning)
    }
}

/// A claim in JSON: bytes as lowercase hex, integers as numbers.
struct ClaimJSON: Encodable {
    let value: ClaimValue
    init(_ value: ClaimValue) { self.value = value }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch value {
        case .bytes: try container.encode(value.description)
        case .integer(let number): try container.encode(number)
        case .string(let text): try container.encode(text)
        case .bool(let flag): try container.encode(flag)
        }
    }
}

/// The human-readable report of an appraised result, as `veil attest verify` and `veil attest explain` print it.
public enum AttestationResultText {
    /// The verdict, TCB status, relaxations and failed checks (every check, key claims and a conclusion when
    /// `explain`), one per line.
    public static func summary(_ result: AttestationResult, explain: Bool) -> String {
        var lines: [String] = []
        let platform = result.platform?.rawValue ?? "unknown evidence"
        lines.append("verdict: \(result.verdict.rawValue) (\(platform))")
        if result.platform == .simulated {
            lines.append("SIMULATED TEE: development only; this evidence proves nothing about the machine.")
        }
        if let status = result.tcbStatus {
            let advisories =
                result.advisoryIDs.isEmpty ? "" : " — advisories \(result.advisoryIDs.joined(separator: ", "))"
            lines.append("TCB status: \(status.rawValue)\(advisories)")
        }
        if !result.relaxations.isEmpty {
            lines.append("relaxations in force: \(result.relaxations.joined(separator: ", "))")
        }
        for check in result.checks where explain || !check.passed {
            lines.append("  \(check.passed ? "✓" : "✗") \(check.name): \(check.detail)")
            if !check.passed, let remedy = check.remedy { lines.append("      what to do: \(remedy)") }
        }
        if explain {
            let keys = [
                "product", "signing_key", "measurement", "host_data", "vmpl", "policy", "debug", "mrtd", "rtmr0",
                "rtmr1", "rtmr2", "rtmr3", "mrenclave", "mrsigner", "isvprodid", "isvsvn", "fmspc", "report_data",
                "tpm_extra_data", "simulated", "binding_nonce",
            ]
            let shown = keys.compactMap { key in result.claims[key].map { "    \(key): \($0)" } }
            if !shown.isEmpty {
                lines.append(result.verdict == .invalid ? "decoded (NOT verified) claims:" : "key claims:")
                lines += shown
            }
            switch result.verdict {
            case .accepted:
                lines.append("The evidence is authentic and meets the policy.")
            case .rejected:
                lines.append(
                    "The evidence is authentic, but the policy refuses it: fix the failed policy checks above."
                )
            case .invalid:
                lines.append("The evidence is not authentic or is malformed: do not trust this node.")
            }
        } else if result.verdict == .accepted {
            lines.append("all \(result.checks.count) checks passed")
        }
        return lines.joined(separator: "\n")
    }
}
