import ArgumentParser
import VeilInference

/// `veil tokenize`: show the token ids of a text.
struct TokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids of a text for a GGUF model (BPE) or a BERT model (WordPiece)."
    )

    @Option(name: .long, help: "A GGUF file, a sentence-transformers directory, or a model name.")
    var model: String

    @Flag(name: .long, help: "Turn control tokens written in the text into single tokens (GGUF models).")
    var parseSpecial = false

    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Argument(help: "The text.")
    var text: String

    struct Output: Encodable {
        let tokens: [Int]
        let pieces: [String]
    }

    func run() async throws {
        let (tokens, pieces) = try ModelResolution.tokenize(text, model: model, parseSpecial: parseSpecial)
        let output = Output(tokens: tokens, pieces: pieces)
        switch format {
        case .json: try JSONOutput.print(output)
        case .text:
            for (id, piece) in zip(output.tokens, output.pieces) { print("\(id)\t\(piece.debugDescription)") }
        }
    }
}
