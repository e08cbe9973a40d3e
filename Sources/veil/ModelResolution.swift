import Foundation
import VeilInference

/// Resolves `--model PATH|NAME`: a known model's name (from Veil's cache) or a path.
enum ModelResolution {
    static func languageModel(_ argument: String) throws -> LanguageModel {
        let path: String
        if let known = ModelStore.KnownModel.named(argument) {
            guard known.primary != nil else {
                throw CLIError("\(argument) is an embedding model.", remedy: "Use `veil embed --model \(argument)`.")
            }
            path = ModelStore().path(for: known)
            guard FileManager.default.fileExists(atPath: path) else {
                throw CLIError(
                    "\(argument) is not in the model cache (\(path)).",
                    remedy: "Run `veil model pull \(argument)` first."
                )
            }
        } else {
            path = argument
        }
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
