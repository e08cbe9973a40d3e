// Dot products computed directly on quantised blocks, in SIMD16<Float>.
//
// Swift's generic SIMD conversions (`SIMD16<Float>(SIMD16<Int32>)`, `truncatingIfNeeded:`) compile to calls of
// scalar loops, so the decoders avoid them: bytes are widened to 32-bit lanes (`widen`, one `vpmovzxbd`) and
// shifted into the mantissa of 1.0, giving the float f = 1 + q/16 (4-bit) or 1 + u/256 (8-bit) without an
// integer-to-float conversion. Every encoding's value is affine in f — `value = scale · f + bias` per block — so a
// block contributes `scale · Σ f·x + bias · Σ x`, with Σ x per block computed once per matrix product. A block is
// decoded once per eight or four tokens (prefill); decode walks one row at a time, a sequential stream.

@inline(__always)
func loadHalf(_ pointer: UnsafeRawPointer, _ offset: Int) -> Float {
    Float(Float16(bitPattern: pointer.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
}

@inline(__always)
func loadFloats(_ pointer: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self)
}

/// One decoded block: two vectors of `f` and the affine map from `f` to the weights.
struct DecodedBlock {
    var lo: SIMD16<Float>
    var hi: SIMD16<Float>
    var scale: Float
    var bias: Float
}

/// Decodes the 32-element blocks of one encoding. Generic code over a decoder is specialised per encoding, so the
/// block loops carry no type switch.
protocol BlockDecoder {
    static func decode(_ row: UnsafeRawPointer, _ block: Int) -> DecodedBlock
    /// Whether blocks have a bias term (plain floats do not; the sums are then never read).
    static var hasBias: Bool { get }
}

extension BlockDecoder {
    static var hasBias: Bool { true }
}

/// Widens 16 bytes to 32-bit lanes. Written lane by lane because the generic SIMD conversions compile to calls;
/// LLVM turns this build-vector of zero-extended lanes into one `vpmovzxbd`.
@inline(__always)
func widen(_ q: SIMD16<UInt8>) -> SIMD16<UInt32> {
    SIMD16<UInt32>(
        UInt32(q[0]),
        UInt32(q[1]),
        UInt32(q[2]),
        UInt32(q[3]),
        UInt32(q[4]),
        UInt32(q[5]),
        UInt32(q[6]),
        UInt32(q[7]),
        UInt32(q[8]),
        UInt32(q[9]),
        UInt32(q[10]),
        UInt32(q[11]),
        UInt32(q[12]),
        UInt32(q[13]),
        UInt32(q[14]),
        UInt32(q[15])
    )
}

/// Four-bit quanta as `1 + q/16`, in element order: low nibbles (elements 0–15), then high nibbles (16–31).
@inline(__always)
func nibbleFloats(_ pointer: UnsafeRawPointer) -> (SIMD16<Float>, SIMD16<Float>) {
    let q = pointer.loadUnaligned(as: SIMD16<UInt8>.self)
    let one: UInt32 = 0x3F80_0000
    let lo = (widen(q & 0x0F) &<< 19) | one
    let hi = (widen(q &>> 4) &<< 19) | one
    return (unsafeBitCast(lo, to: SIMD16<Float>.self), unsafeBitCast(hi, to: SIMD16<Float>.self))
}

enum Q4_1Decoder: BlockDecoder {
    // value = d·q + m = 16d·f + (m − 16d)
    @inline(__always)
    static func decode(_ row: UnsafeRawPointer, _ block: Int) -> DecodedBlock {
        let pointer = row + block * 20
        let d = loadHalf(pointer, 0)
        let m = loadHalf(pointer, 2)
        let (lo, hi) = nibbleFloats(pointer + 4)
        return DecodedBlock(lo: lo, hi: hi, scale: 16 * d, bias: m - 16 * d)
    }
}

enum Q4_0Decoder: BlockDecoder {
    // value = d·(q − 8) = 16d·f − 24d
    @inline(__always)
    static func decode(_ row: UnsafeRawPointer, _ block: Int) -> DecodedBlock {
        let pointer = row + block * 18
        let d = loadHalf(pointer, 0)
        let (lo, hi) = nibbleFloats(pointer + 2)
        return DecodedBlock(lo: lo, hi: hi, scale: 16 * d, bias: -24 * d)
    }
}

enum Q8_0Decoder: BlockDecoder {
    // u = q + 128 (the byte with its top bit flipped), f = 1 + u/256: value = d·q = 256d·f − 384d
    @inline(__always)
    static func decode(_ row: UnsafeRawPointer, _ block: Int) -> DecodedBlock {
        let pointer = row + block * 34
        let d = loadHalf(pointer, 0)
        let one: UInt32 = 0x3F80_0000
        let lo = (widen(pointer.loadUnaligned(fromByteOffset: 2, as: SIMD16<UInt8>.self) ^ 0x80) &<< 15) | one
        let hi = (widen(pointer.loadUnaligned(fromByteOffset: 18, as: SIMD16<UInt8>.self) ^ 0x80) &<< 15) | one
        return DecodedBlock(
            lo: unsafeBitCast(lo, to: SIMD16<Float>.self),
            hi: unsafeBitCast(hi, to: SIMD16<Float>.self),
            scale: 256 * d,
            bias: -384 * d
        )
    }
}

enum F32Decoder: BlockDecoder {
    static var hasBias: Bool { false }
    @inline(__always)
    static func decode(_ row: UnsafeRawPointer, _ block: Int) -> DecodedBlock {
        let pointer = row + block * 128
        return DecodedBlock(
            lo: pointer.loadUnaligned(as: SIMD16<Float>.self),
            hi: pointer.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self),
            scale: 1,
            bias: 0
        )
    }
}

/// A tree sum of the lanes (a shorter dependency chain than a lane-by-lane sum).
@inline(__always)
func horizontalSum(_ v: SIMD16<Float>) -> Float {
    let a = SIMD8<Float>(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7])
    let b = SIMD8<Float>(v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15])
    let c = a + b
    let d = SIMD4<Float>(c[0], c[1], c[2], c[3]) + SIMD4<Float>(c[4], c[5], c[6], c[7])
    return (d[0] + d[2]) + (d[1] + d[3])
}

/// The dot product of one row with one token's prepared activations.
@inline(__always)
func dotRow1<D: BlockDecoder>(
    _: D.Type,
    _ row: UnsafeRawPointer,
    _ x: UnsafePointer<Float>,
    _ sums: UnsafePointer<Float>,
    blocks: Int
) -> Float {
    var acc = SIMD16<Float>()
    var bias: Float = 0
    for block in 0..<blocks {
        let decoded = D.decode(row, block)
        let xs = x + block * 32
        acc = acc.addingProduct(
            (decoded.lo * loadFloats(xs)).addingProduct(decoded.hi, loadFloats(xs + 16)),
            decoded.scale
        )
        if D.hasBias { bias += decoded.bias * sums[block] }
    }
    return horizontalSum(acc) + bias
}

/// The dot products of one row with four tokens' prepared activations (`stride` floats and `blocks` sums apart).
@inline(__always)
func dotRow4<D: BlockDecoder>(
    _: D.Type,
    _ row: UnsafeRawPointer,
    _ x: UnsafePointer<Float>,
    _ sums: UnsafePointer<Float>,
    stride: Int,
    blocks: Int
) -> SIMD4<Float> {
    var acc0 = SIMD16<Float>()
    var acc1 = SIMD16<Float>()
    var acc2 = SIMD16<Float>()
    var acc3 = SIMD16<Float>()
    var bias = SIMD4<Float>()
    let x1 = x + stride
    let x2 = x + 2 * stride
    let x3 = x + 3 * stride
    for block in 0..<blocks {
        let decoded = D.decode(row, block)
        let (lo, hi, scale) = (decoded.lo, decoded.hi, decoded.scale)
        let offset = block * 32
        acc0 = acc0.addingProduct((lo * loadFloats(x + offset)).addingProduct(hi, loadFloats(x + offset + 16)), scale)
        acc1 = acc1.addingProduct((lo * loadFloats(x1 + offset)).addingProduct(hi, loadFloats(x1 + offset + 16)), scale)
        acc2 = acc2.addingProduct((lo * loadFloats(x2 + offset)).addingProduct(hi, loadFloats(x2 + offset + 16)), scale)
        acc3 = acc3.addingProduct((lo * loadFloats(x3 + offset)).addingProduct(hi, loadFloats(x3 + offset + 16)), scale)
        if D.hasBias {
            let sum = SIMD4(sums[block], sums[blocks + block], sums[2 * blocks + block], sums[3 * blocks + block])
            bias = bias.addingProduct(sum, decoded.bias)
        }
    }
    return SIMD4(horizontalSum(acc0), horizontalSum(acc1), horizontalSum(acc2), horizontalSum(acc3)) + bias
}

/// The dot products of one row with eight tokens' activations (`stride` floats and `blocks` sums apart): the
/// prefill kernel, which decodes each block once for eight tokens.
@inline(__always)
func dotRow8<D: BlockDecoder>(
    _: D.Type,
    _ row: UnsafeRawPointer,
    _ x: UnsafePointer<Float>,
    _ sums: UnsafePointer<Float>,
    stride: Int,
    blocks: Int
) -> SIMD8<Float> {
    var acc = (
        SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(),
        SIMD16<Float>(), SIMD16<Float>()
    )
    var bias = SIMD8<Float>()
    for block in 0..<blocks {
        let decoded = D.decode(row, block)
        let (lo, hi, scale) = (decoded.lo, decoded.hi, decoded.scale)
        let xb = x + block * 32
        @inline(__always)
        func term(_ t: Int) -> SIMD16<Float> {
            (lo * loadFloats(xb + t * stride)).addingProduct(hi, loadFloats(xb + t * stride + 16))
        }
        /// Plain floats (scale 1, no bias) accumulate with two fused multiply-adds per token.
        @inline(__always)
        func direct(_ a: SIMD16<Float>, _ t: Int) -> SIMD16<Float> {
            a.addingProduct(lo, loadFloats(xb + t * stride)).addingProduct(hi, loadFloats(xb + t * stride + 16))
        }
        if D.hasBias {
            acc.0 = acc.0.addingProduct(term(0), scale)
            acc.1 = acc.1.addingProduct(term(1), scale)
            acc.2 = acc.2.addingProduct(term(2), scale)
            acc.3 = acc.3.addingProduct(term(3), scale)
            acc.4 = acc.4.addingProduct(term(4), scale)
            acc.5 = acc.5.addingProduct(term(5), scale)
            acc.6 = acc.6.addingProduct(term(6), scale)
            acc.7 = acc.7.addingProduct(term(7), scale)
        } else {
            acc.0 = direct(acc.0, 0)
            acc.1 = direct(acc.1, 1)
            acc.2 = direct(acc.2, 2)
            acc.3 = direct(acc.3, 3)
            acc.4 = direct(acc.4, 4)
            acc.5 = direct(acc.5, 5)
            acc.6 = direct(acc.6, 6)
            acc.7 = direct(acc.7, 7)
        }
        if D.hasBias {
            let s = sums + block
            let blockSums = SIMD8(
                s[0],
                s[blocks],
                s[2 * blocks],
                s[3 * blocks],
                s[4 * blocks],
                s[5 * blocks],
                s[6 * blocks],
                s[7 * blocks]
            )
            bias = bias.addingProduct(blockSums, decoded.bias)
        }
    }
    let totals = SIMD8(
        horizontalSum(acc.0),
        horizontalSum(acc.1),
        horizontalSum(acc.2),
        horizontalSum(acc.3),
        horizontalSum(acc.4),
        horizontalSum(acc.5),
        horizontalSum(acc.6),
        horizontalSum(acc.7)
    )
    return totals + bias
}

/// Rows `rows` of a matrix whose encoding has a direct decoder, for `tokens` prepared activation rows.
func multiplyRowsDirect<D: BlockDecoder>(
    _ decoder: D.Type,
    base: UnsafeRawPointer,
    rowBytes: Int,
    blocks: Int,
    rows: Range<Int>,
    x: UnsafePointer<Float>,
    stride: Int,
    sums: UnsafePointer<Float>,
    tokens: Int,
    output: UnsafeMutablePointer<Float>,
    outputStride: Int
) {
    var t0 = 0
    while t0 + 8 <= tokens {
        let xt = x + t0 * stride
        let st = sums + t0 * blocks
        for row in rows {
            let values = dotRow8(D.self, base + row * rowBytes, xt, st, stride: stride, blocks: blocks)
            for lane in 0..<8 { output[(t0 + lane) * outputStride + row] = values[lane] }
        }
        t0 += 8
    }
    while t0 + 4 <= tokens {
        let xt = x + t0 * stride
        let st = sums + t0 * blocks
        for row in rows {
            let values = dotRow4(D.self, base + row * rowBytes, xt, st, stride: stride, blocks: blocks)
            output[t0 * outputStride + row] = values[0]
            output[(t0 + 1) * outputStride + row] = values[1]
            output[(t0 + 2) * outputStride + row] = values[2]
            output[(t0 + 3) * outputStride + row] = values[3]
        }
        t0 += 4
    }
    while t0 < tokens {
        let xt = x + t0 * stride
        let st = sums + t0 * blocks
        let out = output + t0 * outputStride
        // One row at a time, so that the weights stream sequentially (see multiplyRowsInt8).
        var row = rows.lowerBound
        while row < rows.upperBound {
            out[row] = dotRow1(D.self, base + row * rowBytes, xt, st, blocks: blocks)
            row += 1
        }
        t0 += 1
    }
}

/// A plain float dot product of any length (for rows decoded to scratch and for attention).
@inline(__always)
func dotFloats(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
    var acc = SIMD16<Float>()
    var index = 0
    while index + 16 <= count {
        acc = acc.addingProduct(loadFloats(a + index), loadFloats(b + index))
        index += 16
    }
    var total = horizontalSum(acc)
    while index < count {
        total += a[index] * b[index]
        index += 1
    }
    return total
}
