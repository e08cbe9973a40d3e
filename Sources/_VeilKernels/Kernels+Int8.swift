#if arch(x86_64) && VEIL_X86_SIMD
import _Builtin_intrinsics.intel

// Integer dot products for Q4_0, Q4_1 and Q8_0 weights on x86-64, as llama.cpp computes them: the activations are
// quantised once per matrix product to 8-bit blocks of 32 (a float scale per block, like ggml's Q8_1), and each
// weight block meets its activation block in `vpmaddubsw` (unsigned × signed bytes → pairwise 16-bit sums) and
// `vpmaddwd` (→ 32-bit sums), which do 32 multiply-adds in two instructions where the float path needs a dozen.
// Decode walks one row at a time (a sequential stream of weights); prefill decodes each weight block once for four
// tokens.
// The compiler's x86 intrinsics are imported from its clang module; nothing here is C.

/// Activations of `tokens` rows quantised to 8-bit blocks of 32: `quants[t][i]`, and per block the scale `d`
/// (value ≈ d · q) and `d · Σ q`.
final class QuantizedActivations {
    let quants: UnsafeMutablePointer<Int8>
    let scales: UnsafeMutablePointer<Float>
    let sums: UnsafeMutablePointer<Float>
    let count: Int
    let blocks: Int

    init(_ input: FloatBuffer, stride: Int, tokens: Int, columns: Int) {
        blocks = columns / 32
        count = tokens * columns
        quants = .allocate(capacity: max(count, 1))
        scales = .allocate(capacity: max(tokens * blocks, 1))
        sums = .allocate(capacity: max(tokens * blocks, 1))
        let signMask = _mm256_set1_ps(-0.0)
        // packs interleave 128-bit lanes; this restores element order (as llama.cpp's quantize_row_q8_1).
        let order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)
        for t in 0..<tokens {
            let x = input.pointer + t * stride
            for block in 0..<blocks {
                let values = x + block * 32
                let v0 = _mm256_loadu_ps(values)
                let v1 = _mm256_loadu_ps(values + 8)
                let v2 = _mm256_loadu_ps(values + 16)
                let v3 = _mm256_loadu_ps(values + 24)
                let magnitude = _mm256_max_ps(
                    _mm256_max_ps(_mm256_andnot_ps(signMask, v0), _mm256_andnot_ps(signMask, v1)),
                    _mm256_max_ps(_mm256_andnot_ps(signMask, v2), _mm256_andnot_ps(signMask, v3))
                )
                let lanes: SIMD8<Float> = magnitude
                let maximum = lanes.max()
                let scale = maximum / 127
                let inverse = _mm256_set1_ps(scale == 0 ? 0 : 1 / scale)
                // Round to nearest even (the default MXCSR mode), as the reference decoders expect.
                let i0 = _mm256_cvtps_epi32(_mm256_mul_ps(v0, inverse))
                let i1 = _mm256_cvtps_epi32(_mm256_mul_ps(v1, inverse))
                let i2 = _mm256_cvtps_epi32(_mm256_mul_ps(v2, inverse))
                let i3 = _mm256_cvtps_epi32(_mm256_mul_ps(v3, inverse))
                let total: SIMD8<Int32> = unsafeBitCast(
                    _mm256_add_epi32(_mm256_add_epi32(i0, i1), _mm256_add_epi32(i2, i3)),
                    to: SIMD8<Int32>.self
                )
                let packed = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3))
                let ordered = _mm256_permutevar8x32_epi32(packed, order)
                let q = quants + t * columns + block * 32
                _mm256_storeu_si256(UnsafeMutableRawPointer(q).assumingMemoryBound(to: __m256i.self), ordered)
                scales[t * blocks + block] = scale
                sums[t * blocks + block] = scale * Float(total.wrappedSum())
            }
        }
    }

    deinit {
        SecureMemoryBridge.wipe(UnsafeMutableRawPointer(quants), byteCount: max(count, 1))
        quants.deallocate()
        scales.deallocate()
        sums.deallocate()
    }
}

/// Sum of the eight lanes.
@inline(__always)
func horizontalSum(_ v: __m256) -> Float {
    let s: SIMD8<Float> = v
    let h = SIMD4<Float>(s[0], s[1], s[2], s[3]) + SIMD4<Float>(s[4], s[5], s[6], s[7])
    return (h[0] + h[2]) + (h[1] + h[3])
}

/// The weights of one 32-block as unsigned bytes ready for `vpmaddubsw` against the activations, and the affine
/// terms: dot = d · d_a · Σ(w·a) + minimum · d_a · Σ a, where `minimum` is Q4_1's `m` (or −8d for Q4_0).
protocol Int8BlockDecoder {
    /// The pairwise 32-bit sums of weight × activation bytes (the activations adjusted to the weights' signs).
    static func products(_ row: UnsafeRawPointer, _ block: Int, _ activations: __m256i) -> __m256i
    /// The block's two leading half-precision fields as raw bits (`d`, and `m` where the encoding has one).
    static func halfBits(_ row: UnsafeRawPointer, _ block: Int) -> UInt32
    /// The minimum term's factor from the decoded halves.
    static func minimum(d: Float, second: Float) -> Float
}

/// Converts four (d, second) half pairs to floats in one instruction.
@inline(__always)
func convertHalves(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32) -> SIMD8<Float> {
    _mm256_cvtph_ps(
        _mm_set_epi32(Int32(bitPattern: d), Int32(bitPattern: c), Int32(bitPattern: b), Int32(bitPattern: a))
    )
}

@inline(__always)
func pairwiseSums(_ weights: __m256i, _ activations: __m256i) -> __m256i {
    _mm256_madd_epi16(_mm256_maddubs_epi16(weights, activations), _mm256_set1_epi16(1))
}

@inline(__always)
func nibbleBytes(_ pointer: UnsafeRawPointer) -> __m256i {
    let q = _mm_loadu_si128(pointer.assumingMemoryBound(to: __m128i.self))
    let both = _mm256_set_m128i(_mm_srli_epi16(q, 4), q)
    return _mm256_and_si256(both, _mm256_set1_epi8(0x0F))
}

enum Q4_1Int8: Int8BlockDecoder {
    @inline(__always)
    static func products(_ row: UnsafeRawPointer, _ block: Int, _ activations: __m256i) -> __m256i {
        pairwiseSums(nibbleBytes(row + block * 20 + 4), activations)
    }
    @inline(__always)
    static func halfBits(_ row: UnsafeRawPointer, _ block: Int) -> UInt32 {
        (row + block * 20).loadUnaligned(as: UInt32.self)
    }
    @inline(__always)
    static func minimum(d: Float, second: Float) -> Float { second }
}

enum Q4_0Int8: Int8BlockDecoder {
    // (q − 8)·d: Σ (q − 8)·a = Σ q·a − 8 Σ a, so the "minimum" is −8d.
    @inline(__always)
    static func products(_ row: UnsafeRawPointer, _ block: Int, _ activations: __m256i) -> __m256i {
        pairwiseSums(nibbleBytes(row + block * 18 + 2), activations)
    }
    @inline(__always)
    static func halfBits(_ row: UnsafeRawPointer, _ block: Int) -> UInt32 {
        UInt32((row + block * 18).loadUnaligned(as: UInt16.self))
    }
    @inline(__always)
    static func minimum(d: Float, second: Float) -> Float { -8 * d }
}

enum Q8_0Int8: Int8BlockDecoder {
    // Signed × signed: |w| as unsigned, and the activations carrying w's sign (llama.cpp's `mul_sum_i8_pairs`).
    @inline(__always)
    static func products(_ row: UnsafeRawPointer, _ block: Int, _ activations: __m256i) -> __m256i {
        let w = _mm256_loadu_si256((row + block * 34 + 2).assumingMemoryBound(to: __m256i.self))
        return pairwiseSums(_mm256_sign_epi8(w, w), _mm256_sign_epi8(activations, w))
    }
    @inline(__always)
    static func halfBits(_ row: UnsafeRawPointer, _ block: Int) -> UInt32 {
        UInt32((row + block * 34).loadUnaligned(as: UInt16.self))
    }
    @inline(__always)
    static func minimum(d: Float, second: Float) -> Float { 0 }
}

@inline(__always)
func loadActivations(_ pointer: UnsafePointer<Int8>) -> __m256i {
    _mm256_loadu_si256(UnsafeRawPointer(pointer).assumingMemoryBound(to: __m256i.self))
}

/// One row against one token's quantised activations.
@inline(__always)
func int8Row1<D: Int8BlockDecoder>(_: D.Type, _ row: UnsafeRawPointer, _ a: QuantizedActivations, token: Int) -> Float {
    var acc = _mm256_setzero_ps()
    var minimum: Float = 0
    let quants = a.quants + token * a.blocks * 32
    for block in 0..<a.blocks {
        let h = convertHalves(D.halfBits(row, block), 0, 0, 0)
        let s = (d: h[0], m: D.minimum(d: h[0], second: h[1]))
        let products = D.products(row, block, loadActivations(quants + block * 32))
        acc = _mm256_fmadd_ps(
            _mm256_cvtepi32_ps(products),
            _mm256_set1_ps(s.d * a.scales[token * a.blocks + block]),
            acc
        )
        minimum += s.m * a.sums[token * a.blocks + block]
    }
    return horizontalSum(acc) + minimum
}

/// One row against four tokens' quantised activations (the weights' bytes are decoded once per block). The
/// per-token scales are read as scalars: building a vector from strided loads compiles to a gather, which is slow.
@inline(__always)
func int8Row4<D: Int8BlockDecoder>(
    _: D.Type,
    _ row: UnsafeRawPointer,
    _ a: QuantizedActivations,
    token: Int
) -> SIMD4<Float> {
    var acc0 = _mm256_setzero_ps()
    var acc1 = _mm256_setzero_ps()
    var acc2 = _mm256_setzero_ps()
    var acc3 = _mm256_setzero_ps()
    var minimum0: Float = 0
    var minimum1: Float = 0
    var minimum2: Float = 0
    var minimum3: Float = 0
    let columns = a.blocks * 32
    let q0 = a.quants + token * columns
    let scales0 = a.scales + token * a.blocks
    let scales1 = scales0 + a.blocks
    let scales2 = scales1 + a.blocks
    let scales3 = scales2 + a.blocks
    let sums0 = a.sums + token * a.blocks
    let sums1 = sums0 + a.blocks
    let sums2 = sums1 + a.blocks
    let sums3 = sums2 + a.blocks
    for block in 0..<a.blocks {
        let h = convertHalves(D.halfBits(row, block), 0, 0, 0)
        let d = h[0]
        let m = D.minimum(d: h[0], second: h[1])
        let offset = block * 32
        let p0 = D.products(row, block, loadActivations(q0 + offset))
        let p1 = D.products(row, block, loadActivations(q0 + columns + offset))
        let p2 = D.products(row, block, loadActivations(q0 + 2 * columns + offset))
        let p3 = D.products(row, block, loadActivations(q0 + 3 * columns + offset))
        acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p0), _mm256_set1_ps(d * scales0[block]), acc0)
        acc1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p1), _mm256_set1_ps(d * scales1[block]), acc1)
        acc2 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p2), _mm256_set1_ps(d * scales2[block]), acc2)
        acc3 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p3), _mm256_set1_ps(d * scales3[block]), acc3)
        minimum0 += m * sums0[block]
        minimum1 += m * sums1[block]
        minimum2 += m * sums2[block]
        minimum3 += m * sums3[block]
    }
    return SIMD4(
        horizontalSum(acc0) + minimum0,
        horizontalSum(acc1) + minimum1,
        horizontalSum(acc2) + minimum2,
        horizontalSum(acc3) + minimum3
    )
}

func multiplyRowsInt8<D: Int8BlockDecoder>(
    _ decoder: D.Type,
    base: UnsafeRawPointer,
    rowBytes: Int,
    rows: Range<Int>,
    activations: QuantizedActivations,
    tokens: Int,
    output: UnsafeMutablePointer<Float>,
    outputStride: Int
) {
    var t0 = 0
    while t0 + 4 <= tokens {
        for row in rows {
            let values = int8Row4(D.self, base + row * rowBytes, activations, token: t0)
            for lane in 0..<4 { output[(t0 + lane) * outputStride + row] = values[lane] }
        }
        t0 += 4
    }
    while t0 < tokens {
        let out = output + t0 * outputStride
        // One row at a time: the weights then stream sequentially through memory, which the hardware prefetcher
        // follows; interleaving four rows measured twice as slow in decode, which is bound by memory.
        var row = rows.lowerBound
        while row < rows.upperBound {
            out[row] = int8Row1(D.self, base + row * rowBytes, activations, token: t0)
            row += 1
        }
        t0 += 1
    }
}

extension Kernels {
    /// Whether quantised weights of `type` multiply 8-bit quantised activations on this machine.
    static func usesInt8Path(_ type: TensorType) -> Bool {
        switch type {
        case .q4_0, .q4_1, .q8_0: return true
        default: return false
        }
    }

    static func multiplyInt8(
        _ weights: WeightMatrix,
        rows: Range<Int>,
        activations: QuantizedActivations,
        tokens: Int,
        output: UnsafeMutablePointer<Float>,
        outputStride: Int
    ) {
        let base = weights.baseAddress
        let rowBytes = weights.rowBytes
        switch weights.type {
        case .q4_1:
            multiplyRowsInt8(
                Q4_1Int8.self,
                base: base,
                rowBytes: rowBytes,
                rows: rows,
                activations: activations,
                tokens: tokens,
                output: output,
                outputStride: outputStride
            )
        case .q4_0:
            multiplyRowsInt8(
                Q4_0Int8.self,
                base: base,
                rowBytes: rowBytes,
                rows: rows,
                activations: activations,
                tokens: tokens,
                output: output,
                outputStride: outputStride
            )
        default:
            multiplyRowsInt8(
                Q8_0Int8.self,
                base: base,
                rowBytes: rowBytes,
                rows: rows,
                activations: activations,
                tokens: tokens,
                output: output,
                outputStride: outputStride
            )
        }
    }
}
#endif
