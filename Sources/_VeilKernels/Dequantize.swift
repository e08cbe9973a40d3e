/// Scalar reference decoders for every ``TensorType``, written from ggml's `dequantize_row_*` definitions
/// (ggml-quants.c). They are the ground truth the SIMD dot products are tested against, and they decode embedding
/// rows and the small tensors that are read once.
public enum Dequantize {
    /// Decodes `count` elements (whole blocks) of `type` from `bytes`.
    public static func decode(_ type: TensorType, bytes: [UInt8], count: Int) -> [Float] {
        precondition(type.rowBytes(elements: count).map { $0 <= bytes.count } ?? false, "not enough bytes")
        var output = [Float](repeating: 0, count: count)
        bytes.withUnsafeBytes { source in
            output.withUnsafeMutableBufferPointer { destination in
                row(type, source.baseAddress!, into: destination.baseAddress!, count: count)
            }
        }
        return output
    }

    /// Converts an IEEE half-precision bit pattern to `Float`.
    @inline(__always)
    public static func half(_ bits: UInt16) -> Float { Float(Float16(bitPattern: bits)) }

    @inline(__always)
    static func half(_ pointer: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: pointer.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    static func row(
        _ type: TensorType,
        _ source: UnsafeRawPointer,
        into output: UnsafeMutablePointer<Float>,
        count: Int
    ) {
        let bytes = source.assumingMemoryBound(to: UInt8.self)
        switch type {
        case .f32:
            for index in 0..<count { output[index] = source.loadUnaligned(fromByteOffset: index * 4, as: Float.self) }
        case .f16:
            for index in 0..<count { output[index] = half(source, index * 2) }
        case .bf16:
            for index in 0..<count {
                let bits = UInt32(source.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self)) << 16
                output[index] = Float(bitPattern: bits)
            }
        case .q4_0:
            for block in 0..<(count / 32) {
                let base = block * 18
                let scale = half(source, base)
                for j in 0..<16 {
                    let q = bytes[base + 2 + j]
                    output[block * 32 + j] = Float(Int(q & 0x0F) - 8) * scale
                    output[block * 32 + j + 16] = Float(Int(q >> 4) - 8) * scale
                }
            }
        case .q4_1:
            for block in 0..<(count / 32) {
                let base = block * 20
                let scale = half(source, base)
                let minimum = half(source, base + 2)
                for j in 0..<16 {
                    let q = bytes[base + 4 + j]
                    output[block * 32 + j] = Float(q & 0x0F) * scale + minimum
                    output[block * 32 + j + 16] = Float(q >> 4) * scale + minimum
                }
            }
        case .q8_0:
            for block in 0..<(count / 32) {
                let base = block * 34
                let scale = half(source, base)
                for j in 0..<32 {
                    output[block * 32 + j] = Float(Int8(bitPattern: bytes[base + 2 + j])) * scale
                }
            }
        case .q4_K:
            for block in 0..<(count / 256) { q4K(bytes + block * 144, output + block * 256) }
        case .q5_K:
            for block in 0..<(count / 256) { q5K(bytes + block * 176, output + block * 256) }
        case .q6_K:
            for block in 0..<(count / 256) { q6K(bytes + block * 210, output + block * 256) }
        }
    }

    /// ggml's `get_scale_min_k4`: the 6-bit scale and minimum of sub-block `j` from the 12 packed bytes.
    @inline(__always)
    static func scaleMinK4(_ j: Int, _ q: UnsafePointer<UInt8>) -> (Float, Float) {
        if j < 4 {
            return (Float(q[j] & 63), Float(q[j + 4] & 63))
        }
        let scale = (q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4)
        let minimum = (q[j + 4] >> 4) | ((q[j] >> 6) << 4)
        return (Float(scale), Float(minimum))
    }

    /// block_q4_K: d, dmin (f16), scales[12], qs[128].
    static func q4K(_ block: UnsafePointer<UInt8>, _ output: UnsafeMutablePointer<Float>) {
        let raw = UnsafeRawPointer(block)
        let d = half(raw, 0)
        let dmin = half(raw, 2)
        let scales = block + 4
        var q = block + 16
        var y = output
        var subBlock = 0
        for _ in stride(from: 0, to: 256, by: 64) {
            let (sc1, m1) = scaleMinK4(subBlock, scales)
            let (sc2, m2) = scaleMinK4(subBlock + 1, scales)
            let d1 = d * sc1
            let d2 = d * sc2
            let min1 = dmin * m1
            let min2 = dmin * m2
            for l in 0..<32 { y[l] = d1 * Float(q[l] & 0x0F) - min1 }
            for l in 0..<32 { y[l + 32] = d2 * Float(q[l] >> 4) - min2 }
            y += 64
            q += 32
            subBlock += 2
        }
    }

    /// block_q5_K: d, dmin (f16), scales[12], qh[32], qs[128].
    static func q5K(_ block: UnsafePointer<UInt8>, _ output: UnsafeMutablePointer<Float>) {
        let raw = UnsafeRawPointer(block)
        let d = half(raw, 0)
        let dmin = half(raw, 2)
        let scales = block + 4
        let qh = block + 16
        var ql = block + 48
        var y = output
        var subBlock = 0
        var u1: UInt8 = 1
        var u2: UInt8 = 2
        for _ in stride(from: 0, to: 256, by: 64) {
            let (sc1, m1) = scaleMinK4(subBlock, scales)
            let (sc2, m2) = scaleMinK4(subBlock + 1, scales)
            let d1 = d * sc1
            let d2 = d * sc2
            let min1 = dmin * m1
            let min2 = dmin * m2
            for l in 0..<32 { y[l] = d1 * Float(Int(ql[l] & 0x0F) + (qh[l] & u1 != 0 ? 16 : 0)) - min1 }
            for l in 0..<32 { y[l + 32] = d2 * Float(Int(ql[l] >> 4) + (qh[l] & u2 != 0 ? 16 : 0)) - min2 }
            y += 64
            ql += 32
            subBlock += 2
            u1 <<= 2
            u2 <<= 2
        }
    }

    /// block_q6_K: ql[128], qh[64], scales[16] (int8), d (f16).
    static func q6K(_ block: UnsafePointer<UInt8>, _ output: UnsafeMutablePointer<Float>) {
        let d = half(UnsafeRawPointer(block), 208)
        var ql = block
        var qh = block + 128
        var scales = block + 192
        var y = output
        for _ in stride(from: 0, to: 256, by: 128) {
            for l in 0..<32 {
                let group = l / 16
                let q1 = Int((ql[l] & 0x0F) | ((qh[l] >> 0) & 3) << 4) - 32
                let q2 = Int((ql[l + 32] & 0x0F) | ((qh[l] >> 2) & 3) << 4) - 32
                let q3 = Int((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32
                let q4 = Int((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32
                y[l] = d * Float(Int8(bitPattern: scales[group])) * Float(q1)
                y[l + 32] = d * Float(Int8(bitPattern: scales[group + 2])) * Float(q2)
                y[l + 64] = d * Float(Int8(bitPattern: scales[group + 4])) * Float(q3)
                y[l + 96] = d * Float(Int8(bitPattern: scales[group + 6])) * Float(q4)
            }
            y += 128
            ql += 64
            qh += 32
            scales += 8
        }
    }
}
