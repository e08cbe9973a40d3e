import ArgumentParser

/// `veil bench`: micro-benchmarks of Veil's hot paths (run a release build: `swift build -c release`).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Veil's performance on this machine.",
        subcommands: [BenchAttestCommand.self]
    )
}
