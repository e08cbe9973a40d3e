import Testing
import VeilTestSupport
import _VeilKernels

/// The quantised matrix products against a naive double-precision product of the reference-decoded rows, for every
/// encoding, odd row and token counts (four-row, four- and eight-token tiles plus remainders) and several widths.
@Suite("Kernels.matmul")
struct MatmulTests {
    /// On x86-64, quantised weights meet activations quantised to 8-bit blocks of 32 (scale = max|x| / 127, round
    /// to nearest even), as in llama.cpp; the naive product applies the same rounding to stay exact.
    static func kernelActivations(_ type: TensorType, _ x: [Float]) -> [Float] {
        #if arch(x86_64) && VEIL_X86_SIMD
        guard [.q4_0, .q4_1, .q8_0].contains(type) else { return x }
        var result = x
        for start in stride(from: 0, to: x.count, by: 32) {
            let scale = x[start..<(start + 32)].map(abs).max()! / 127
            let inverse = scale == 0 ? 0 : 1 / scale
            for i in start..<(start + 32) { result[i] = scale * (x[i] * inverse).rounded(.toNearestOrEven) }
        }
        return result
        #else
        return x
        #endif
    }

    static func naive(_ matrix: WeightMatrix, _ input: [Float], tokens: Int) -> [Double] {
        let x = kernelActivations(matrix.type, input)
        var output = [Double](repeating: 0, count: tokens * matrix.rows)
        for row in 0..<matrix.rows {
            let weights = matrix.dequantizedRow(row)
            for t in 0..<tokens {
                var sum = 0.0
                for c in 0..<matrix.columns { sum += Double(weights[c]) * Double(x[t * matrix.columns + c]) }
                output[t * matrix.rows + row] = sum
            }
        }
        return output
    }

    static let pool = WorkerPool(threadCount: 2)

    @Test("every encoding matches the naive product", arguments: TensorType.allCases)
    func everyType(_ type: TensorType) throws {
        var generator = SeededGenerator(seed: 0x5EED_0000 + UInt64(type.rawValue))
        let widths = type.blockSize == 256 ? [256, 512] : type.blockSize == 32 ? [32, 96, 160] : [32, 37, 64]
        for columns in widths {
            for rows in [1, 5, 13, 21] {
                let data = RandomTensorData.make(type.rawValue, elements: rows * columns, using: &generator)
                // An offset inside the region checks that rows are read from the right place.
                let region = ByteRegion(copying: [UInt8](repeating: 0xAB, count: 7) + data)
                let matrix = try WeightMatrix(region: region, offset: 7, type: type, rows: rows, columns: columns)
                for tokens in [1, 3, 6, 13] {
                    let x = (0..<(tokens * columns)).map { _ in Float.random(in: -2...2, using: &generator) }
                    let output = FloatBuffer(count: tokens * rows)
                    Kernels.matmul(matrix, input: FloatBuffer(x), tokens: tokens, output: output, pool: Self.pool)
                    let expected = Self.naive(matrix, x, tokens: tokens)
                    for index in expected.indices {
                        let scale = max(1, abs(expected[index]))
                        #expect(
                            abs(Double(output[index]) - expected[index]) <= 1e-4 * scale * Double(columns).squareRoot(),
                            "\(type) \(rows)×\(columns), \(tokens) tokens, element \(index)"
                        )
                    }
                }
            }
        }
    }

    @Test("several products over one input write their own outputs, at offsets and strides")
    func fusedProducts() throws {
        var generator = SeededGenerator(seed: 42)
        let columns = 64
        let first = try WeightMatrix(
            region: ByteRegion(copying: RandomTensorData.make(3, elements: 9 * columns, using: &generator)),
            offset: 0,
            type: .q4_1,
            rows: 9,
            columns: columns
        )
        let second = try WeightMatrix(
            region: ByteRegion(copying: RandomTensorData.make(8, elements: 3 * columns, using: &generator)),
            offset: 0,
            type: .q8_0,
            rows: 3,
            columns: columns
        )
        let tokens = 5
        let x = (0..<(tokens * columns)).map { _ in Float.random(in: -1...1, using: &generator) }
        let out1 = FloatBuffer(count: tokens * 9)
        let out2 = FloatBuffer(count: 4 + tokens * 6)
        Kernels.matmul(
            [.init(first, into: out1), .init(second, into: out2, offset: 4, stride: 6)],
            input: FloatBuffer(x),
            tokens: tokens,
            pool: Self.pool
        )
        let expected1 = Self.naive(first, x, tokens: tokens)
        let expected2 = Self.naive(second, x, tokens: tokens)
        for t in 0..<tokens {
            for r in 0..<9 { #expect(abs(Double(out1[t * 9 + r]) - expected1[t * 9 + r]) < 1e-3) }
            for r in 0..<3 { #expect(abs(Double(out2[4 + t * 6 + r]) - expected2[t * 3 + r]) < 1e-3) }
            for r in 3..<6 { #expect(out2[4 + t * 6 + r] == 0, "the gap between strided rows stays untouched") }
        }
    }

    @Test("a matrix that does not fit its region is rejected")
    func outOfBounds() {
        let region = ByteRegion(copying: [UInt8](repeating: 0, count: 100))
        #expect(throws: WeightMatrixError.self) {
            try WeightMatrix(region: region, offset: 0, type: .q4_1, rows: 6, columns: 32)
        }
        #expect(throws: WeightMatrixError.self) {
            try WeightMatrix(region: region, offset: 90, type: .f32, rows: 1, columns: 4)
        }
        #expect(throws: WeightMatrixError.self) {
            try WeightMatrix(region: region, offset: 0, type: .q8_0, rows: 1, columns: 31)
        }
        #expect(throws: WeightMatrixError.self) {
            try WeightMatrix(region: region, offset: 0, type: .f32, rows: Int.max / 2, columns: 8)
        }
    }
}
