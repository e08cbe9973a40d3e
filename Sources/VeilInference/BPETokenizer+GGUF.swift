public import VeilTokenizers

extension BPETokenizer {
    /// Builds the tokenizer a GGUF describes (`tokenizer.ggml.model` = `gpt2`, byte-level BPE).
    public init(gguf: GGUFFile) throws(GGUFError) {
        let model = try gguf.string("tokenizer.ggml.model")
        guard model == "gpt2" else {
            throw GGUFError(.missing, "tokenizer model \(model) is not byte-level BPE (gpt2)")
        }
        let preName = gguf.metadata["tokenizer.ggml.pre"]?.string ?? "default"
        guard let pre = PreTokenizer(ggufName: preName) else {
            throw GGUFError(.missing, "pre-tokenizer \(preName) is not implemented")
        }
        guard let tokenValues = gguf.metadata["tokenizer.ggml.tokens"]?.array else {
            throw GGUFError(.missing, "tokenizer.ggml.tokens is absent")
        }
        let tokens = tokenValues.map { $0.string ?? "" }
        let kinds: [TokenKind]
        if let types = gguf.metadata["tokenizer.ggml.token_type"]?.array {
            kinds = types.map { TokenKind(rawValue: Int32($0.int ?? 1)) ?? .normal }
        } else {
            kinds = Array(repeating: .normal, count: tokens.count)
        }
        let merges = gguf.metadata["tokenizer.ggml.merges"]?.array?.map { $0.string ?? "" } ?? []
        do {
            try self.init(
                tokens: tokens,
                kinds: kinds,
                merges: merges,
                preTokenizer: pre,
                bosToken: gguf.metadata["tokenizer.ggml.bos_token_id"]?.int,
                eosToken: gguf.metadata["tokenizer.ggml.eos_token_id"]?.int,
                addsBOS: gguf.metadata["tokenizer.ggml.add_bos_token"]?.bool ?? false,
                extraEndOfGeneration: gguf.metadata["tokenizer.ggml.eot_token_id"]?.int.map { [$0] } ?? []
            )
        } catch {
            throw GGUFError(.missing, "tokenizer: \(error)")
        }
    }
}
