import ArgumentParser
import Foundation
import VeilAttestation
import VeilKeyBroker

/// `veil kbs policy test`.
struct KBSPolicyTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Evaluate a release policy over an EAR token, offline, and explain every rule.",
        discussion: """
            Exit status 0 when the policy would release, 1 when it would deny. With --jwks the token's signature \
            and expiry are checked too; without it only the claims are read.
            """
    )

    @Option(help: ArgumentHelp("The release policy.", valueName: "POLICY.json"))
    var policy: String

    @Option(help: ArgumentHelp("The EAR token (a file holding it, or the token itself).", valueName: "TOKEN"))
    var token: String

    @Option(help: ArgumentHelp("The broker's JWKS (GET /kbs/v0/jwks) to verify the token.", valueName: "FILE"))
    var jwks: String?

    @Option var format: OutputFormat = .text

    struct Output: Encodable {
        let allowed: Bool
        let platform: String
        let status: String
        let rules: [PolicyRuleOutcome]
        let relaxations: [String]
        let logRelease: EARClaims.LogRelease?
        let tenant: String?

        enum CodingKeys: String, CodingKey {
            case allowed, platform, status, rules, relaxations, tenant
            case logRelease = "log_release"
        }
    }

    func run() async throws {
        let parsedPolicy = try ReleasePolicy.load(path: policy)
        let claims = try EARClaims.read(token: token, jwksPath: jwks)
        let decision = parsedPolicy.evaluate(claims, now: Date())
        if format == .json {
            try JSONOutput.print(
                Output(
                    allowed: decision.allowed,
                    platform: claims.platform,
                    status: claims.status,
                    rules: decision.outcomes,
                    relaxations: decision.relaxations.map(\.rawValue),
                    logRelease: claims.logRelease,
                    tenant: claims.tenant
                )
            )
        } else {
            print("platform \(claims.platform), status \(claims.status)\(claims.tenant.map { ", tenant \($0)" } ?? "")")
            if let release = claims.logRelease {
                print(
                    "logged release \(release.name) \(release.version): leaf \(release.leafIndex) of \(release.origin)"
                )
            } else if let error = claims.logReleaseError {
                print("log inclusion NOT verified: \(error)")
            }
            for outcome in decision.outcomes {
                print("\(outcome.passed ? "pass" : "FAIL")  \(outcome.rule): \(outcome.detail)")
            }
            for relaxation in decision.relaxations { print("RELAXED: \(relaxation.rawValue)") }
            print(decision.allowed ? "release: allowed" : "release: DENIED by \(decision.firstFailure?.rule ?? "?")")
        }
        if !decision.allowed { throw ExitCode(1) }
    }
}
