import ArgumentParser
import Foundation
import VeilClient
import _VeilBytes

/// `veil chat`.
struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with an attested node, end to end encrypted through the relay.",
        discussion: """
            Verifies the node's attestation bundle (evidence and policy, the broker's EAR, the binding of its keys, \
            freshness) before a byte of the prompt leaves this machine, then streams the answer. With a PROMPT it \
            answers once; without one it reads prompts line by line (an empty line or /exit ends). By default it \
            uses the local stack of `veil up`. See docs/client.md.
            """
    )

    @OptionGroup var client: ClientOptions

    @Argument(help: "The prompt (omit for an interactive session).")
    var prompt: String?

    @Option(help: ArgumentHelp("A system message.", valueName: "TEXT"))
    var system: String?

    @Option(help: ArgumentHelp("The most tokens per answer.", valueName: "N"))
    var maxTokens: Int?

    @Option(help: ArgumentHelp("The sampling temperature.", valueName: "T"))
    var temperature: Double?

    @Option(help: ArgumentHelp("The model id (default: the node's).", valueName: "ID"))
    var model: String?

    @Flag(help: "Print every verification step (to standard error).")
    var verbose = false

    @Option(help: "Output format: text streams the answer; json prints it with the verification at the end.")
    var format: OutputFormat = .text

    func run() async throws {
        let configuration = try client.configuration()
        let sdk = VeilClient(configuration: configuration)
        let bundle: VerifiedBundle
        do {
            bundle = try await sdk.verifiedBundle()
        } catch {
            if let report = try? await sdk.inspect() { printSteps(report) }
            throw CLIError(error.detail, remedy: error.remedy)
        }
        if verbose || format == .text { printSummary(bundle) }
        let options = VeilClient.GenerationOptions(model: model, maxTokens: maxTokens, temperature: temperature)
        var session = VeilClient.ChatSession(system: system, options: options)
        if let prompt {
            let answer = try await answer(prompt, in: &session, using: sdk, remember: false)
            if format == .json {
                try JSONOutput.print(
                    ChatJSON(
                        answer: answer,
                        nodeId: bundle.nodeID,
                        verification: bundle.verification.steps.map { "\($0.name): \($0.detail)" },
                        relaxations: bundle.verification.relaxations,
                        release: bundle.release?.summary
                    )
                )
            }
            return
        }
        while true {
            FileHandle.standardError.write(Data("> ".utf8))
            guard let line = readLine(), !line.isEmpty, line != "/exit" else { break }
            _ = try await answer(line, in: &session, using: sdk)
        }
    }

    private func answer(
        _ prompt: String,
        in session: inout VeilClient.ChatSession,
        using sdk: VeilClient,
        remember: Bool = true
    ) async throws -> String {
        let text: String
        do {
            text = try await session.ask(prompt, using: sdk, remember: remember) { delta in
                if format == .text { FileHandle.standardOutput.write(Data(delta.utf8)) }
            }
        } catch let error as VeilClientError {
            throw CLIError(error.detail, remedy: error.remedy)
        }
        if format == .text { FileHandle.standardOutput.write(Data("\n".utf8)) }
        return text
    }

    private func printSummary(_ bundle: VerifiedBundle) {
        if verbose { printSteps(bundle.verification) }
        let platform = bundle.verification.platform?.rawValue ?? "unknown"
        let relaxed = bundle.verification.relaxations
        let line =
            "veil: verified node \(bundle.nodeID.prefix(16)) (\(platform)\(platform == "simulated" ? ": SIMULATED TEE, proves nothing" : ""))"
            + (relaxed.isEmpty ? "" : "; relaxations: \(relaxed.joined(separator: ", "))")
            + "; \(bundle.verification.steps.count) checks passed\n"
            + (bundle.release.map { "veil: logged release \($0.summary)\n" } ?? "")
        FileHandle.standardError.write(Data(line.utf8))
    }

    private func printSteps(_ report: BundleVerification) {
        FileHandle.standardError.write(Data((report.lines.joined(separator: "\n") + "\n").utf8))
    }
}

/// `veil chat --format json`.
struct ChatJSON: Encodable {
    let answer: String
    let nodeId: String
    let verification: [String]
    let relaxations: [String]
    let release: String?
}
