import _VeilBytes

/// Writes small GGUF v3 files for tests: tiny random models and hostile variants of them.
public struct GGUFWriter {
    /// A metadata value.
    public enum Value {
        case uint32(UInt32)
        case int32(Int32)
        case uint64(UInt64)
        case float32(Float)
        case float64(Double)
        case bool(Bool)
        case string(String)
        case strings([String])
        case int32s([Int32])
        case float32s([Float])
    }

    private var entries: [(String, Value)] = []
    private var tensors: [(name: String, type: UInt32, dimensions: [Int], data: [UInt8])] = []
    /// The alignment of tensor data.
    public var alignment = 32

    public init() {}

    /// Adds a metadata entry.
    public mutating func set(_ key: String, _ value: Value) { entries.append((key, value)) }

    /// Adds a tensor; `dimensions[0]` is the contiguous one (ggml's `ne`).
    public mutating func addTensor(_ name: String, type: UInt32, dimensions: [Int], data: [UInt8]) {
        tensors.append((name, type, dimensions, data))
    }

    /// The file's bytes.
    public func bytes() -> [UInt8] {
        var writer = ByteWriter()
        writer.write(UInt32(0x4655_4747), .little)
        writer.write(UInt32(3), .little)
        writer.write(UInt64(tensors.count), .little)
        writer.write(UInt64(entries.count), .little)
        func string(_ text: String) {
            writer.write(UInt64(text.utf8.count), .little)
            writer.write(contentsOf: Array(text.utf8))
        }
        for (key, value) in entries {
            string(key)
            switch value {
            case .uint32(let v):
                writer.write(UInt32(4), .little)
                writer.write(v, .little)
            case .int32(let v):
                writer.write(UInt32(5), .little)
                writer.write(v, .little)
            case .uint64(let v):
                writer.write(UInt32(10), .little)
                writer.write(v, .little)
            case .float32(let v):
                writer.write(UInt32(6), .little)
                writer.write(v.bitPattern, .little)
            case .float64(let v):
                writer.write(UInt32(12), .little)
                writer.write(v.bitPattern, .little)
            case .bool(let v):
                writer.write(UInt32(7), .little)
                writer.write(UInt8(v ? 1 : 0))
            case .string(let v):
                writer.write(UInt32(8), .little)
                string(v)
            case .strings(let values):
                writer.write(UInt32(9), .little)
                writer.write(UInt32(8), .little)
                writer.write(UInt64(values.count), .little)
                for v in values { string(v) }
            case .int32s(let values):
                writer.write(UInt32(9), .little)
                writer.write(UInt32(5), .little)
                writer.write(UInt64(values.count), .little)
                for v in values { writer.write(v, .little) }
            case .float32s(let values):
                writer.write(UInt32(9), .little)
                writer.write(UInt32(6), .little)
                writer.write(UInt64(values.count), .little)
                for v in values { writer.write(v.bitPattern, .little) }
            }
        }
        var offset = 0
        var offsets: [Int] = []
        for tensor in tensors {
            offsets.append(offset)
            offset += (tensor.data.count + alignment - 1) / alignment * alignment
        }
        for (tensor, tensorOffset) in zip(tensors, offsets) {
            string(tensor.name)
            writer.write(UInt32(tensor.dimensions.count), .little)
            for dimension in tensor.dimensions { writer.write(UInt64(dimension), .little) }
            writer.write(tensor.type, .little)
            writer.write(UInt64(tensorOffset), .little)
        }
        var bytes = writer.bytes
        while bytes.count % alignment != 0 { bytes.append(0) }
        for tensor in tensors {
            bytes += tensor.data
            while bytes.count % alignment != 0 { bytes.append(0) }
        }
        return bytes
    }
}

/// Random tensor data in every GGML encoding the engine implements, with sane scales (random bits elsewhere).
public enum RandomTensorData {
    /// `(bytes per block, elements per block)` of a ggml type number.
    public static func layout(_ type: UInt32) -> (bytes: Int, elements: Int) {
        switch type {
        case 0: return (4, 1)
        case 1, 30: return (2, 1)
        case 2: return (18, 32)
        case 3: return (20, 32)
        case 8: return (34, 32)
        case 12: return (144, 256)
        case 13: return (176, 256)
        case 14: return (210, 256)
        default: preconditionFailure("type \(type) is not generated")
        }
    }

    static func half(_ value: Float) -> [UInt8] {
        let bits = Float16(value).bitPattern
        return [UInt8(bits & 0xFF), UInt8(bits >> 8)]
    }

    /// `elements` values (whole blocks) of `type` with values of roughly `scale` in magnitude.
    public static func make(
        _ type: UInt32,
        elements: Int,
        scale: Float = 1,
        using generator: inout SeededGenerator
    )
        -> [UInt8]
    {
        let (blockBytes, blockElements) = layout(type)
        precondition(elements % blockElements == 0, "whole blocks only")
        var bytes: [UInt8] = []
        func value() -> Float { Float.random(in: -scale...scale, using: &generator) }
        for _ in 0..<(elements / blockElements) {
            var block = generator.bytes(count: blockBytes)
            switch type {
            case 0:
                let bits = value().bitPattern
                block = [UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8(bits >> 24)]
            case 1: block = half(value())
            case 30:
                let bits = value().bitPattern >> 16
                block = [UInt8(bits & 0xFF), UInt8(bits >> 8)]
            case 2, 8: block.replaceSubrange(0..<2, with: half(abs(value()) / 8))
            case 3:
                block.replaceSubrange(0..<2, with: half(abs(value()) / 8))
                block.replaceSubrange(2..<4, with: half(-abs(value())))
            case 12, 13:
                block.replaceSubrange(0..<2, with: half(abs(value()) / 64))
                block.replaceSubrange(2..<4, with: half(abs(value()) / 64))
            case 14: block.replaceSubrange(208..<210, with: half(abs(value()) / 256))
            default: break
            }
            bytes += block
        }
        return bytes
    }
}
