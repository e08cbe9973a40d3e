import ArgumentParser
import Foundation
import VeilAttestation
import VeilVerifiers

/// `veil attest verify`: verify evidence offline and print the verdict (exit 0 accepted, 1 rejected, 2 invalid).
struct AttestVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify evidence and collateral offline; appraise it with a policy.",
        discussion: """
            The evidence type is detected from the bytes. Exit status: 0 accepted, 1 rejected (authentic but \
            refused by policy), 2 invalid (not authentic or malformed), 64 usage error.
            """
    )

    @OptionGroup var options: AttestOptions

    func run() throws {
        try options.report(explain: false)
    }
}

/// `veil attest explain`: the same checks for a person, with what to do about each failure.
struct AttestExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain which checks passed, which failed, why, and what to do."
    )

    @OptionGroup var options: AttestOptions

    func run() throws {
        try options.report(explain: true)
    }
}

extension AttestOptions {
    /// Verifies, prints the result (text for a person, or JSON) and exits with the verdict's status.
    func report(explain: Bool) throws {
        let result = try run()
        let ear = try ear(for: result)
        switch format {
        case .json: try JSONOutput.print(AttestationResultJSON(result, ear: ear))
        case .text:
            print(AttestationResultText.summary(result, explain: explain))
            if let ear { print("ear: \(ear)") }
        }
        if result.verdict != .accepted { throw ExitCode(result.verdict.exitCode) }
    }
}
