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

    /// The sum of each 32-element block of each activation row (the decoders' bias term needs it).
    final class BlockSums {
        let sums: FloatBuffer

        init(_ input: FloatBuffer, stride: Int, tokens: Int, columns: Int) {
            let blocks = columns / 32
            sums = FloatBuffer(count: tokens * blocks)
            for t in 0..<tokens {
                let source = input.pointer + t * stride
                for block in 0..<blocks {
                    var acc = SIMD16<Float>()
                    acc += loadFloats(source + block * 32)
                    acc += loadFloats(source + block * 32 + 16)
                    sums.pointer[t * blocks + block] = horizontalSum(acc)
                }
            }
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

        // Split every matrix into chunks of rows. Prefill (compute-bound) uses small chunks that keep every thread
        // busy to the end; decode (memory-bound) gives each thread a few long contiguous runs of rows, so that each
        // streams its weights sequentially instead of skipping between small chunks.
        var chunks: [(product: Int, start: Int, end: Int)] = []
        for (index, product) in products.enumerated() {
            let rows = product.weights.rows
            let rowsPerChunk = tokens >= 4 ? 16 : max(32, (rows + 2 * pool.threadCount - 1) / (2 * pool.threadCount))
            var start = 0
            while start < product.weights.rows {
                let end = min(start + rowsPerChunk, product.weights.rows)
                chunks.append((index, start, end))
                start = end
            }
        }
        // Direct decoders read the activations in place plus the sums of their blocks; on x86-64 quantised
        // weights meet activations quantised to 8 bits once here.
        #if arch(x86_64) && VEIL_X86_SIMD
        let direct =
            columns % 32 == 0
            && products.contains { hasDirectDecoder($0.weights.type) && !usesInt8Path($0.weights.type) }
        #else
        let direct = columns % 32 == 0 && products.contains { hasDirectDecoder($0.weights.type) }
        #endif
        let sums = direct ? BlockSums(input, stride: stride, tokens: tokens, columns: columns) : nil
        #if arch(x86_64) && VEIL_X86_SIMD
        let int8 = columns % 32 == 0 && products.contains { usesInt8Path($0.weights.type) }
        let quantized = int8 ? QuantizedActivations(input, stride: stride, tokens: tokens, columns: columns) : nil
        #endif
        let x = UnsafePointer(input.pointer)
        pool.parallelFor(chunks.count) { task in
            let chunk = chunks[task]
            let product = products[chunk.product]
            let rows = chunk.start..<chunk.end
            let output = product.output.pointer + product.outputOffset
            #if arch(x86_64) && VEIL_X86_SIMD
            if let quantized, usesInt8Path(product.weights.type) {
                multiplyInt8(
                    product.weights,
                    rows: rows,
                    activations: quantized,
                    tokens: tokens,
                    output: output,
                    outputStride: product.outputStride
                )
                return
            }
            #endif
            if let sums, hasDirectDecoder(product.weights.type) {
                multiplyPrepared(
                    product.weights,
                    rows: rows,
                    x: x,
                    stride: stride,
                    sums: UnsafePointer(sums.sums.pointer),
                    tokens: tokens,
                    output: output,
                    outputStride: product.outputStride
                )
            } else {
                multiplyDecoded(
                    product.weights,
                    rows: rows,
                    x: x,
                    stride: stride,
                    tokens: tokens,
                    output: output,
                    outputStride: product.outputStride
                )
            }
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

    static func hasDirectDecoder(_ type: TensorType) -> Bool {
        switch type {
        case .q4_0, .q4_1, .q8_0, .f32: return true
        default: return false
        }
    }

    static func multiplyPrepared(
        _ weights: WeightMatrix,
        rows: Range<Int>,
        x: UnsafePointer<Float>,
        stride: Int,
        sums: UnsafePointer<Float>,
        tokens: Int,
        output: UnsafeMutablePointer<Float>,
        outputStride: Int
    ) {
        let base = weights.baseAddress
        let rowBytes = weights.rowBytes
        let blocks = weights.columns / 32
        switch weights.type {
        case .q4_1:
            multiplyRowsDirect(
                Q4_1Decoder.self,
                base: base,
                rowBytes: rowBytes,
                blocks: blocks,
                rows: rows,
                x: x,
                stride: stride,
                sums: sums,
                tokens: tokens,
                output: output,
                outputStride: outputStride
            )
        case .q4_0:
            multiplyRowsDirect(
                Q4_0Decoder.self,
                base: base,
                rowBytes: rowBytes,
                blocks: blocks,
                rows: rows,
                x: x,
                stride: stride,
                sums: sums,
                tokens: tokens,
                output: output,
                outputStride: outputStride
            )
        case .q8_0:
            multiplyRowsDirect(
                Q8_0Decoder.self,
                base: base,
                rowBytes: rowBytes,
                blocks: blocks,
                rows: rows,
                x: x,
                stride: stride,
                sums: sums,
                tokens: tokens,
                output: output,
                outputStride: outputStride
            )
        default:
            multiplyRowsDirect(
                F32Decoder.self,
                base: base,
                rowBytes: rowBytes,
                blocks: blocks,
                rows: rows,
                x: x,
                stride: stride,
                sums: sums,
                tokens: tokens,
                output: output,
                outputStride: outputStride
            )
        }
    }

    /// Other encodings (K-quants, F16, BF16, odd widths): decode one row into scratch, then reuse it for every token.
    static func multiplyDecoded(
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
        withUnsafeTemporaryAllocation(of: Float.self, capacity: columns) { scratch in
            let decoded = scratch.baseAddress!
            for row in rows {
                Dequantize.row(weights.type, base + row * weights.rowBytes, into: decoded, count: columns)
                for t in 0..<tokens {
                    output[t * outputStride + row] = dotFloats(decoded, x + t * stride, count: columns)
                }
            }
        }
    }
}
