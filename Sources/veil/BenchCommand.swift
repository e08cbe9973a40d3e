import ArgumentParser

/// `veil bench`: performance measurements of Veil's components (run from a release build).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the performance of Veil's components (use a release build).",
        subcommands: [
            BenchAttestCommand.self,
            BenchE2ECommand.self,
            BenchEngineCommand.self,
            BenchKBSCommand.self,
            BenchLogCommand.self,
            BenchSealCommand.self,
        ]
    )
}
