import ArgumentParser

/// `veil bench`: performance measurements of Veil's components, in a release build.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the performance of Veil's components (build with -c release first).",
        subcommands: [
            BenchAttestCommand.self,
            BenchSealCommand.self,
        ]
    )
}
