// Dot products computed directly on quantised blocks: each 32-element block is widened to two SIMD16<Float>
// weight vectors (scale and minimum applied once), which are then multiplied into the activations of up to four
// tokens at a time, so a block is decoded once per tile of tokens rather than once per token.

@inline(__always)
func loadHalf(_ pointer: UnsafeRawPointer, _ offset: Int) -> Float {
    Float(Float16(bitPattern: pointer.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
}

// Swift's generic SIMD conversions (`SIMD16<Float>(SIMD16<Int32>)`, `truncatingIfNeeded:`) compile to calls of
// scalar loops, so the decoders below avoid them: the block's bytes are loaded as 32-bit words, each lane shifts
// its own byte into place, and integers become floats by the exponent trick (the bits of 2²³ + n are the float
// 2²³ + n for 0 ≤ n < 2²³). Lane `L` therefore holds a permuted element of the block; the activations are
// permuted the same way once per matrix product (`permuteInput`), which leaves every dot product unchanged.

@inline(__always)
func unsignedToFloat(_ value: SIMD16<UInt32>) -> SIMD16<Float> {
    unsafeBitCast(value | 0x4B00_0000, to: SIMD16<Float>.self) - 8_388_608
}

@inline(__always)
func signedToFloat(_ value: SIMD16<Int32>) -> SIMD16<Float> {
    unsafeBitCast(value &+ 0x4B40_0000, to: SIMD16<Float>.self) - 12_582_912
}

/// The element of a 32-element block that lane `lane` (0..<32, two vectors of 16) of `type`'s decoder holds.
func permutedElement(_ type: TensorType, lane: Int) -> Int {
    let half = lane / 16
    let l = lane % 16
    switch type {
    case .q4_0, .q4_1: return 16 * half + 4 * (l % 4) + l / 4
    case .q8_0: return 4 * (l % 8) + 2 * half + l / 8
    default: return lane
    }
}

/// Whether `type`'s decoder permutes lanes.
func permutesLanes(_ type: TensorType) -> Bool {
    switch type {
    case .q4_0, .q4_1, .q8_0: return true
    default: return false
    }
}

@inline(__always)
func loadFloats(_ pointer: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always)
func nibbles(_ pointer: UnsafeRawPointer) -> (SIMD16<Float>, SIMD16<Float>) {
    let w = pointer.loadUnaligned(as: SIMD4<UInt32>.self)
    let replicated = SIMD16<UInt32>(
        w[0],
        w[1],
        w[2],
        w[3],
        w[0],
        w[1],
        w[2],
        w[3],
        w[0],
        w[1],
        w[2],
        w[3],
        w[0],
        w[1],
        w[2],
        w[3]
    )
    // Lane `L` takes byte `L / 4` of word `L % 4`.
    let shifts = SIMD16<UInt32>(0, 0, 0, 0, 8, 8, 8, 8, 16, 16, 16, 16, 24, 24, 24, 24)
    let shifted = replicated &>> shifts
    return (unsignedToFloat(shifted & 0x0F), unsignedToFloat((shifted &>> 4) & 0x0F))
}

/// Decodes the 32-element blocks of one encoding into two weight vectors of 16 (lanes permuted as described
/// above). Generic code over a decoder is specialised per encoding, so the block loops carry no type switch.
protocol BlockDecoder {
    /// Bytes per 32 elements.
    static var blockBytes: Int { get }
    static func decode(_ row: UnsafeRawPointer, _ block: Int) -> (SIMD16<Float>, SIMD16<Float>)
}

enum Q4_1Decoder: BlockDecoder {
    static var blockBytes: Int { 20 }
    @inline(__always)
    static func decode(_ row: UnsafeRawPointer, _ block: Int) -> (SIMD16<Float>, SIMD16<Float>) {
        let pointer = row + block * 20
        let scale = loadHalf(pointer, 0)
        let minimum = SIMD16<Float>(repeating: loadHalf(pointer, 2))
        let (lo, hi) = nibbles(pointer + 4)
        return (minimum.addingProduct(lo, scale), minimum.addingProduct(hi, scale))
    }
}

enum Q4_0Decoder: BlockDecoder {
    static var blockBytes: Int { 18 }
    @inline(__always)
    static func decode(_ row: UnsafeRawPointer, _ block: Int) -> (SIMD16<Float>, SIMD16<Float>) {
        let pointer = row + block * 18
        let scale = loadHalf(pointer, 0)
        let offset = SIMD16<Float>(repeating: -8 * scale)
        let (lo, hi) = nibbles(pointer + 2)
        return (offset.addingProduct(lo, scale), offset.addingProduct(hi, scale))
    }
}

enum Q8_0Decoder: BlockDecoder {
    static var blockBytes: Int { 34 }
    @inline(__always)
    static func decode(_ row: UnsafeRawPointer, _ block: Int) -> (SIMD16<Float>, SIMD16<Float>) {
        let pointer = row + block * 34
        let scale = loadHalf(pointer, 0)
        let w = pointer.loadUnaligned(fromByteOffset: 2, as: SIMD8<Int32>.self)
        let replicated = SIMD16<Int32>(
            w[0],
            w[1],
            w[2],
            w[3],
            w[4],
            w[5],
            w[6],
            w[7],
            w[0],
            w[1],
            w[2],
            w[3],
            w[4],
            w[5],
            w[6],
            w[7]
        )
        // Lane `L` of `a` takes byte `L / 8` of word `L % 8`, of `b` byte `2 + L / 8`; sign-extended by shifts.
        let shiftsA = SIMD16<Int32>(24, 24, 24, 24, 24, 24, 24, 24, 16, 16, 16, 16, 16, 16, 16, 16)
        let shiftsB = SIMD16<Int32>(8, 8, 8, 8, 8, 8, 8, 8, 0, 0, 0, 0, 0, 0, 0, 0)
        let a = (replicated &<< shiftsA) &>> 24
        let b = (replicated &<< shiftsB) &>> 24
        return (signedToFloat(a) * scale, signedToFloat(b) * scale)
    }
}

enum F32Decoder: BlockDecoder {
    static var blockBytes: Int { 128 }
    @inline(__always)
    static func decode(_ row: UnsafeRawPointer, _ block: Int) -> (SIMD16<Float>, SIMD16<Float>) {
        let pointer = row + block * 128
        return (
            pointer.loadUnaligned(as: SIMD16<Float>.self),
            pointer.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
        )
    }
}

/// A tree sum of the lanes (shorter dependency chain than a lane-by-lane sum).
@inline(__always)
func horizontalSum(_ v: SIMD16<Float>) -> Float {
    let a = SIMD8<Float>(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7])
    let b = SIMD8<Float>(v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15])
    let c = a + b
    let d = SIMD4<Float>(c[0], c[1], c[2], c[3]) + SIMD4<Float>(c[4], c[5], c[6], c[7])
    return (d[0] + d[2]) + (d[1] + d[3])
}

/// The dot products of four rows (`rowBytes` apart) with one token's activations.
@inline(__always)
func dotRows4<D: BlockDecoder>(
    _: D.Type,
    _ row: UnsafeRawPointer,
    rowBytes: Int,
    _ x: UnsafePointer<Float>,
    blocks: Int
) -> SIMD4<Float> {
    var acc0 = SIMD16<Float>()
    var acc1 = SIMD16<Float>()
    var acc2 = SIMD16<Float>()
    var acc3 = SIMD16<Float>()
    let row1 = row + rowBytes
    let row2 = row + 2 * rowBytes
    let row3 = row + 3 * rowBytes
    for block in 0..<blocks {
        let xs = x + block * 32
        let xlo = loadFloats(xs)
        let xhi = loadFloats(xs + 16)
        let (lo0, hi0) = D.decode(row, block)
        acc0 = acc0.addingProduct(lo0, xlo).addingProduct(hi0, xhi)
        let (lo1, hi1) = D.decode(row1, block)
        acc1 = acc1.addingProduct(lo1, xlo).addingProduct(hi1, xhi)
        let (lo2, hi2) = D.decode(row2, block)
        acc2 = acc2.addingProduct(lo2, xlo).addingProduct(hi2, xhi)
        let (lo3, hi3) = D.decode(row3, block)
        acc3 = acc3.addingProduct(lo3, xlo).addingProduct(hi3, xhi)
    }
    return SIMD4(horizontalSum(acc0), horizontalSum(acc1), horizontalSum(acc2), horizontalSum(acc3))
}

/// The dot product of one row with one token's activations (`columns` a multiple of 32).
@inline(__always)
func dotRow1<D: BlockDecoder>(_: D.Type, _ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, blocks: Int) -> Float {
    var acc0 = SIMD16<Float>()
    var acc1 = SIMD16<Float>()
    for block in 0..<blocks {
        let (lo, hi) = D.decode(row, block)
        let xs = x + block * 32
        acc0 = acc0.addingProduct(lo, loadFloats(xs))
        acc1 = acc1.addingProduct(hi, loadFloats(xs + 16))
    }
    return horizontalSum(acc0 + acc1)
}

/// The dot products of one row with four tokens' activations, `stride` floats apart.
@inline(__always)
func dotRow4<D: BlockDecoder>(
    _: D.Type,
    _ row: UnsafeRawPointer,
    _ x: UnsafePointer<Float>,
    stride: Int,
    blocks: Int
) -> SIMD4<Float> {
    var acc0 = SIMD16<Float>()
    var acc1 = SIMD16<Float>()
    var acc2 = SIMD16<Float>()
    var acc3 = SIMD16<Float>()
    let x1 = x + stride
    let x2 = x + 2 * stride
    let x3 = x + 3 * stride
    for block in 0..<blocks {
        let (lo, hi) = D.decode(row, block)
        let offset = block * 32
        acc0 = acc0.addingProduct(lo, loadFloats(x + offset)).addingProduct(hi, loadFloats(x + offset + 16))
        acc1 = acc1.addingProduct(lo, loadFloats(x1 + offset)).addingProduct(hi, loadFloats(x1 + offset + 16))
        acc2 = acc2.addingProduct(lo, loadFloats(x2 + offset)).addingProduct(hi, loadFloats(x2 + offset + 16))
        acc3 = acc3.addingProduct(lo, loadFloats(x3 + offset)).addingProduct(hi, loadFloats(x3 + offset + 16))
    }
    return SIMD4(horizontalSum(acc0), horizontalSum(acc1), horizontalSum(acc2), horizontalSum(acc3))
}

/// Rows `rows` of a matrix whose encoding has a direct decoder, for `tokens` activation rows.
func multiplyRowsDirect<D: BlockDecoder>(
    _ decoder: D.Type,
    base: UnsafeRawPointer,
    rowBytes: Int,
    blocks: Int,
    rows: Range<Int>,
    x: UnsafePointer<Float>,
    stride: Int,
    tokens: Int,
    output: UnsafeMutablePointer<Float>,
    outputStride: Int
) {
    var t0 = 0
    while t0 + 4 <= tokens {
        let xt = x + t0 * stride
        for row in rows {
            let values = dotRow4(D.self, base + row * rowBytes, xt, stride: stride, blocks: blocks)
            output[t0 * outputStride + row] = values[0]
            output[(t0 + 1) * outputStride + row] = values[1]
            output[(t0 + 2) * outputStride + row] = values[2]
            output[(t0 + 3) * outputStride + row] = values[3]
        }
        t0 += 4
    }
    while t0 < tokens {
        let xt = x + t0 * stride
        let out = output + t0 * outputStride
        var row = rows.lowerBound
        while row + 4 <= rows.upperBound {
            let values = dotRows4(D.self, base + row * rowBytes, rowBytes: rowBytes, xt, blocks: blocks)
            out[row] = values[0]
            out[row + 1] = values[1]
            out[row + 2] = values[2]
            out[row + 3] = values[3]
            row += 4
        }
        while row < rows.upperBound {
            out[row] = dotRow1(D.self, base + row * rowBytes, xt, blocks: blocks)
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
    var total = acc.sum()
    while index < count {
        total += a[index] * b[index]
        index += 1
    }
    return total
}
