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
        w[0], w[1], w[2], w[3], w[0], w[1], w[2], w[3], w[0], w[1], w[2], w[3], w[0], w[1], w[2], w[3]
    )
    // Lane `L` takes byte `L / 4` of word `L % 4`.
    let shifts = SIMD16<UInt32>(0, 0, 0, 0, 8, 8, 8, 8, 16, 16, 16, 16, 24, 24, 24, 24)
    let shifted = replicated &>> shifts
    return (unsignedToFloat(shifted & 0x0F), unsignedToFloat((shifted &>> 4) & 0x0F))
}

/// Decodes block `block` of a row of `type` (a 32-element block type or F32) into two weight vectors.
@inline(__always)
func decodeBlock32(_ type: TensorType, _ row: UnsafeRawPointer, _ block: Int) -> (SIMD16<Float>, SIMD16<Float>) {
    switch type {
    case .q4_1:
        let pointer = row + block * 20
        let scale = loadHalf(pointer, 0)
        let minimum = SIMD16<Float>(repeating: loadHalf(pointer, 2))
        let (lo, hi) = nibbles(pointer + 4)
        return (minimum.addingProduct(lo, scale), minimum.addingProduct(hi, scale))
    case .q4_0:
        let pointer = row + block * 18
        let scale = loadHalf(pointer, 0)
        let offset = SIMD16<Float>(repeating: -8 * scale)
        let (lo, hi) = nibbles(pointer + 2)
        return (offset.addingProduct(lo, scale), offset.addingProduct(hi, scale))
    case .q8_0:
        let pointer = row + block * 34
        let scale = loadHalf(pointer, 0)
        let w = pointer.loadUnaligned(fromByteOffset: 2, as: SIMD8<Int32>.self)
        let replicated = SIMD16<Int32>(
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]
        )
        // Lane `L` of `a` takes byte `L / 8` of word `L % 8`, of `b` byte `2 + L / 8`; sign-extended by shifts.
        let shiftsA = SIMD16<Int32>(24, 24, 24, 24, 24, 24, 24, 24, 16, 16, 16, 16, 16, 16, 16, 16)
        let shiftsB = SIMD16<Int32>(8, 8, 8, 8, 8, 8, 8, 8, 0, 0, 0, 0, 0, 0, 0, 0)
        let a = (replicated &<< shiftsA) &>> 24
        let b = (replicated &<< shiftsB) &>> 24
        return (signedToFloat(a) * scale, signedToFloat(b) * scale)
    default:
        let pointer = row + block * 128
        return (
            pointer.loadUnaligned(as: SIMD16<Float>.self),
            pointer.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
        )
    }
}

/// Whether `type` has a direct SIMD block decoder (others are decoded a row at a time).
@inline(__always)
func hasDirectDecoder(_ type: TensorType) -> Bool {
    switch type {
    case .q4_0, .q4_1, .q8_0, .f32: return true
    default: return false
    }
}

/// The dot product of one row with one token's activations (`columns` a multiple of 32).
@inline(__always)
func dotRow1(
    _ type: TensorType,
    _ row: UnsafeRawPointer,
    _ x: UnsafePointer<Float>,
    blocks: Int
) -> Float {
    var acc0 = SIMD16<Float>()
    var acc1 = SIMD16<Float>()
    for block in 0..<blocks {
        let (lo, hi) = decodeBlock32(type, row, block)
        let xs = x + block * 32
        acc0 = acc0.addingProduct(lo, loadFloats(xs))
        acc1 = acc1.addingProduct(hi, loadFloats(xs + 16))
    }
    return (acc0 + acc1).sum()
}

/// The dot products of one row with four tokens' activations, `stride` floats apart.
@inline(__always)
func dotRow4(
    _ type: TensorType,
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
        let (lo, hi) = decodeBlock32(type, row, block)
        let offset = block * 32
        acc0 = acc0.addingProduct(lo, loadFloats(x + offset)).addingProduct(hi, loadFloats(x + offset + 16))
        acc1 = acc1.addingProduct(lo, loadFloats(x1 + offset)).addingProduct(hi, loadFloats(x1 + offset + 16))
        acc2 = acc2.addingProduct(lo, loadFloats(x2 + offset)).addingProduct(hi, loadFloats(x2 + offset + 16))
        acc3 = acc3.addingProduct(lo, loadFloats(x3 + offset)).addingProduct(hi, loadFloats(x3 + offset + 16))
    }
    return SIMD4(acc0.sum(), acc1.sum(), acc2.sum(), acc3.sum())
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
