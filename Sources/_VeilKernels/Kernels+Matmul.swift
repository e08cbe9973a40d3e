extension Kernels {
    /// One matrix product of a batch: `output[t * outputStride + outputOffset + r] = Σ_c W[r, c] · x[t, c]`.
    public struct Product {
        /// The weights (`rows × columns`).
        public let weights: WeightMatrix
        /// Where the results go.
        public let output: FloatBuffer
        /// The first element written for each token.
        public let outputOffset: Int
        /// The distance between consecutive tokens' results (at least `weights.rows`).
        public let outputStride: Int

        /// Describes a product writing `rows` values per token into `output`.
        public init(_ weights: WeightMatrix, into output: FloatBuffer, offset: Int = 0, stride: Int? = nil) {
            self.weights = weights
            self.output = output
            self.outputOffset = offset
            self.outputStride = stride ?? weights.rows
        }
    }

    /// Multiplies every matrix of `products` with the same `tokens` activation rows of `input` (row `t` starts at
    /// `t * inputStride`), in one batch of tasks on `pool`.
    ///
    /// All products must have the same number of columns. Quantised blocks are read in place.
    public static func matmul(
        _ products: [Product],
        input: FloatBuffer,
        inputStride: Int? = nil,
        tokens: Int,
        pool: WorkerPool
    ) {
        guard let first = products.first, tokens > 0 else { return }
        let columns = first.weights.columns
        let stride = inputStride ?? columns
        precondition(products.allSatisfy { $0.weights.columns == columns }, "products differ in columns")
        precondition(stride >= columns && (tokens - 1) * stride + columns <= input.count, "input out of bounds")
        for product in products {
            let needed = (tokens - 1) * product.outputStride + product.outputOffset + product.weights.rows
            precondition(product.outputStride >= product.weights.rows, "output stride below the row count")
            precondition(product.outputOffset >= 0 && needed <= product.output.count, "output out of bounds")
        }

        // Split every matrix into chunks of rows; small chunks keep both threads busy to the end.
        let rowsPerChunk = tokens >= 4 ? 16 : 32
        var chunks: [(product: Int, start: Int, end: Int)] = []
        for (index, product) in products.enumerated() {
            var start = 0
            while start < product.weights.rows {
                let end = min(start + rowsPerChunk, product.weights.rows)
                chunks.append((index, start, end))
                start = end
            }
        }
        // The block decoders permute lanes; give each encoding its activations permuted to match.
        var permuted: [TensorType: FloatBuffer] = [:]
        for product in products where permutesLanes(product.weights.type) && columns % 32 == 0 {
            let type = product.weights.type
            if permuted[type] == nil {
                permuted[type] = permuteInput(type, input, stride: stride, tokens: tokens, columns: columns)
            }
        }
        let inputs = products.map { permuted[$0.weights.type] ?? input }
        pool.parallelFor(chunks.count) { task in
            let chunk = chunks[task]
            let product = products[chunk.product]
            let buffer = inputs[chunk.product]
            multiplyRows(
                product.weights,
                rows: chunk.start..<chunk.end,
                x: UnsafePointer(buffer.pointer),
                stride: buffer === input ? stride : columns,
                tokens: tokens,
                output: product.output.pointer + product.outputOffset,
                outputStride: product.outputStride
            )
        }
    }

    /// Convenience for a single product.
    public static func matmul(
        _ weights: WeightMatrix,
        input: FloatBuffer,
        tokens: Int,
        output: FloatBuffer,
        pool: WorkerPool
    ) {
        matmul([Product(weights, into: output)], input: input, tokens: tokens, pool: pool)
    }

    /// The activations of `tokens` rows with the elements of every 32-block in the order `type`'s decoder
    /// produces them.
    static func permuteInput(
        _ type: TensorType,
        _ input: FloatBuffer,
        stride: Int,
        tokens: Int,
        columns: Int
    ) -> FloatBuffer {
        let output = FloatBuffer(count: tokens * columns)
        var order = [Int](repeating: 0, count: 32)
        for lane in 0..<32 { order[lane] = permutedElement(type, lane: lane) }
        for t in 0..<tokens {
            let source = input.pointer + t * stride
            let destination = output.pointer + t * columns
            var block = 0
            while block < columns {
                for lane in 0..<32 { destination[block + lane] = source[block + order[lane]] }
                block += 32
            }
        }
        return output
    }

    static func multiplyRows(
        _ weights: WeightMatrix,
        rows: Range<Int>,
        x: UnsafePointer<Float>,
        stride: Int,
        tokens: Int,
        output: UnsafeMutablePointer<Float>,
        outputStride: Int
    ) {
        let columns = weights.columns
        let base = weights.baseAddress
        let type = weights.type
        if columns % 32 == 0 {
            let blocks = columns / 32
            let rowBytes = weights.rowBytes
            switch type {
            case .q4_1:
                multiplyRowsDirect(
                    Q4_1Decoder.self,
                    base: base,
                    rowBytes: rowBytes,
                    blocks: blocks,
                    rows: rows,
                    x: x,
                    stride: stride,
                    tokens: tokens,
                    output: output,
                    outputStride: outputStride
                )
                return
            case .q4_0:
                multiplyRowsDirect(
                    Q4_0Decoder.self,
                    base: base,
                    rowBytes: rowBytes,
                    blocks: blocks,
                    rows: rows,
                    x: x,
                    stride: stride,
                    tokens: tokens,
                    output: output,
                    outputStride: outputStride
                )
                return
            case .q8_0:
                multiplyRowsDirect(
                    Q8_0Decoder.self,
                    base: base,
                    rowBytes: rowBytes,
                    blocks: blocks,
                    rows: rows,
                    x: x,
                    stride: stride,
                    tokens: tokens,
                    output: output,
                    outputStride: outputStride
                )
                return
            case .f32:
                multiplyRowsDirect(
                    F32Decoder.self,
                    base: base,
                    rowBytes: rowBytes,
                    blocks: blocks,
                    rows: rows,
                    x: x,
                    stride: stride,
                    tokens: tokens,
                    output: output,
                    outputStride: outputStride
                )
                return
            default:
                break
            }
        }
        // Other encodings: decode one row into scratch, then reuse it for every token.
        withUnsafeTemporaryAllocation(of: Float.self, capacity: columns) { scratch in
            let decoded = scratch.baseAddress!
            for row in rows {
                Dequantize.row(type, base + row * weights.rowBytes, into: decoded, count: columns)
                for t in 0..<tokens {
                    output[t * outputStride + row] = dotFloats(decoded, x + t * stride, count: columns)
                }
            }
        }
    }
}
