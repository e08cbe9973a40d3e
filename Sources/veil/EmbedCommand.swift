import ArgumentParser
import VeilInference

/// `veil embed`: sentence embeddings with the built-in BERT engine.
struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed sentences with a sentence-transformers BERT model (mean pooling, L2-normalised)."
    )

    @Option(name: .long, help: "A sentence-transformers directory, or a model name (all-minilm-l6-v2).")
    var model: String

    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Argument(help: "The sentences.")
    var sentences: [String]

    struct Output: Encodable {
        let tokens: [[Int]]
        let embeddings: [[Float]]
    }

    func validate() throws {
        guard !sentences.isEmpty else { throw ValidationError("Pass at least one sentence.") }
    }

    func run() async throws {
        let embedder = try ModelResolution.embedder(model)
        let ids = sentences.map { embedder.tokenize($0) }
        let embeddings = await embedder.embed(ids: ids)
        switch format {
        case .json:
            try JSONOutput.print(Output(tokens: ids, embeddings: embeddings))
        case .text:
            for (sentence, embedding) in zip(sentences, embeddings) {
                let preview = embedding.prefix(8).map { String(format: "%+.4f", $0) }.joined(separator: " ")
                print("\(sentence)\n  [\(embedding.count)] \(preview) …")
            }
        }
    }
}

import Foundation
