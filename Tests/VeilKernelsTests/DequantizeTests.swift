import Testing
import _VeilKernels

/// The scalar decoders on hand-built blocks whose values follow from ggml's block definitions.
@Suite("Dequantize")
struct DequantizeTests {
    static func half(_ value: Float) -> [UInt8] {
        let bits = Float16(value).bitPattern
        return [UInt8(bits & 0xFF), UInt8(bits >> 8)]
    }

    @Test("Q4_1: element j = low nibble × d + m, element j+16 = high nibble × d + m")
    func q4_1() {
        let quants = (0..<16).map { UInt8($0) | UInt8(15 - $0) << 4 }
        let values = Dequantize.decode(.q4_1, bytes: Self.half(0.5) + Self.half(-2) + quants, count: 32)
        for j in 0..<16 {
            #expect(values[j] == Float(j) * 0.5 - 2)
            #expect(values[j + 16] == Float(15 - j) * 0.5 - 2)
        }
    }

    @Test("Q4_0: (nibble − 8) × d")
    func q4_0() {
        let quants = (0..<16).map { UInt8($0) | UInt8(15 - $0) << 4 }
        let values = Dequantize.decode(.q4_0, bytes: Self.half(2) + quants, count: 32)
        for j in 0..<16 {
            #expect(values[j] == Float(j - 8) * 2)
            #expect(values[j + 16] == Float(7 - j) * 2)
        }
    }

    @Test("Q8_0: signed byte × d")
    func q8_0() {
        let quants = (0..<32).map { UInt8(bitPattern: Int8($0 - 16)) }
        let values = Dequantize.decode(.q8_0, bytes: Self.half(0.25) + quants, count: 32)
        for j in 0..<32 { #expect(values[j] == Float(j - 16) * 0.25) }
    }

    @Test("Q4_K: 6-bit scales and minimums per 32 elements")
    func q4K() {
        // Scales: sub-blocks 0-3 scale 1 min 0 (bytes 0-3 = 1, 4-7 = 0); sub-blocks 4-7 take their low 4 bits from
        // bytes 8-11 (scale 2, min 1: 0x12) and no high bits.
        let scales: [UInt8] = [1, 1, 1, 1, 0, 0, 0, 0, 0x12, 0x12, 0x12, 0x12]
        let quants = [UInt8](repeating: 0x53, count: 128)  // low nibble 3, high nibble 5
        let values = Dequantize.decode(.q4_K, bytes: Self.half(1) + Self.half(0.5) + scales + quants, count: 256)
        // First 64: sub-block 0 (low nibbles) = 1·3 − 0, sub-block 1 (high nibbles) = 1·5 − 0.
        #expect(values[0] == 3)
        #expect(values[32] == 5)
        // Last 64: sub-blocks 6 and 7: scale 2, min 1 × dmin 0.5.
        #expect(values[192] == 2 * 3 - 0.5)
        #expect(values[224] == 2 * 5 - 0.5)
    }

    @Test("Q6_K: (6-bit value − 32) × d × signed scale")
    func q6K() {
        var block = [UInt8](repeating: 0, count: 210)
        for i in 0..<16 { block[192 + i] = UInt8(bitPattern: Int8(i % 2 == 0 ? 1 : -1)) }
        block[0] = 0x0F  // element 0: low 4 bits 15, high bits 0 → 15 − 32
        block.replaceSubrange(208..<210, with: Self.half(0.5))
        let values = Dequantize.decode(.q6_K, bytes: block, count: 256)
        #expect(values[0] == Float(15 - 32) * 0.5)
        #expect(values[1] == -32 * 0.5)
        #expect(values[16] == -32 * 0.5 * -1)
    }

    @Test("F16 and BF16")
    func floats() {
        #expect(Dequantize.decode(.f16, bytes: Self.half(1.5) + Self.half(-3), count: 2) == [1.5, -3])
        let bf16: [UInt8] = [0x80, 0x3F, 0x00, 0xC0]  // 1.0, −2.0
        #expect(Dequantize.decode(.bf16, bytes: bf16, count: 2) == [1, -2])
    }
}
