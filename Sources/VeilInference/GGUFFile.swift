public import _VeilKernels
import _VeilBytes

/// A parsed GGUF file (v2/v3; https://github.com/ggml-org/ggml/blob/master/docs/gguf.md): metadata, tensor
/// descriptions and the data section, read in place from a ``ByteRegion`` — a locked buffer holding an unsealed
/// model, or a memory-mapped file.
///
/// Every count, length, offset and size is checked against the bytes that exist before anything is allocated, so a
/// hostile file yields a ``GGUFError`` rather than a trap or an oversized allocation.
public struct GGUFFile: Sendable {
    /// A tensor's name, shape (`dimensions[0]` is the contiguous one) and placement.
    public struct TensorInfo: Sendable, Hashable {
        /// The tensor's name (`blk.0.attn_q.weight`).
        public let name: String
        /// ggml's `ne`: the innermost dimension first.
        public let dimensions: [Int]
        /// The raw `ggml_type` number.
        public let typeNumber: UInt32
        /// The offset of the data, relative to the data section.
        public let offset: Int
        /// The encoding, when the engine implements it.
        public var type: TensorType? { TensorType(rawValue: typeNumber) }
        /// The number of elements.
        public var elementCount: Int { dimensions.reduce(1, *) }
    }

    /// The format version.
    public let version: UInt32
    /// Every metadata key and value.
    public let metadata: [String: GGUFValue]
    /// The tensors in file order.
    public let tensors: [TensorInfo]
    /// The alignment of tensor data (`general.alignment`, default 32).
    public let alignment: Int
    /// The offset of the data section in the region.
    public let dataOffset: Int
    /// The bytes.
    public let region: ByteRegion
    private let index: [String: Int]

    static let maxDimensions = 4
    static let maxArrayDepth = 3

    /// Parses the header, metadata and tensor infos of the GGUF in `region`.
    public init(region: ByteRegion) throws(GGUFError) {
        var cursor = ByteCursor(region)
        do {
            let magic = try cursor.read(UInt32.self, .little, "magic")
            guard magic == 0x4655_4747 else { throw GGUFError(.badMagic, "the file does not start with GGUF") }
            version = try cursor.read(UInt32.self, .little, "version")
            guard version == 2 || version == 3 else {
                throw GGUFError(.unsupportedVersion, offset: 4, "version \(version); expected 2 or 3")
            }
            let tensorCount = try cursor.read(UInt64.self, .little, "tensor count")
            let keyCount = try cursor.read(UInt64.self, .little, "metadata count")
            // Each key-value pair takes at least 12 bytes, each tensor info at least 24.
            guard keyCount <= UInt64(cursor.remaining / 12), tensorCount <= UInt64(cursor.remaining / 24) else {
                throw GGUFError(.limitExceeded, offset: 8, "\(tensorCount) tensors and \(keyCount) keys cannot fit")
            }
            var metadata: [String: GGUFValue] = [:]
            for _ in 0..<Int(keyCount) {
                let keyOffset = cursor.offset
                let key = try Self.readString(&cursor)
                let typeNumber = try cursor.read(UInt32.self, .little, "value type")
                guard metadata[key] == nil else {
                    throw GGUFError(.malformed, offset: keyOffset, "duplicate metadata key \(key)")
                }
                metadata[key] = try Self.readValue(&cursor, type: typeNumber, depth: 0)
            }
            var tensors: [TensorInfo] = []
            var index: [String: Int] = [:]
            for _ in 0..<Int(tensorCount) {
                let infoOffset = cursor.offset
                let name = try Self.readString(&cursor)
                let dimensionCount = try cursor.read(UInt32.self, .little, "dimension count")
                guard dimensionCount >= 1, dimensionCount <= Self.maxDimensions else {
                    throw GGUFError(.malformed, offset: infoOffset, "tensor \(name) has \(dimensionCount) dimensions")
                }
                var dimensions: [Int] = []
                var elements = 1
                for _ in 0..<dimensionCount {
                    let dimension = try cursor.read(UInt64.self, .little, "dimension")
                    guard dimension >= 1, dimension <= UInt64(Int32.max) else {
                        throw GGUFError(.malformed, offset: infoOffset, "tensor \(name) has dimension \(dimension)")
                    }
                    let (product, overflow) = elements.multipliedReportingOverflow(by: Int(dimension))
                    guard !overflow else { throw GGUFError(.limitExceeded, offset: infoOffset, "tensor \(name) size") }
                    elements = product
                    dimensions.append(Int(dimension))
                }
                let typeNumber = try cursor.read(UInt32.self, .little, "tensor type")
                let offset = try cursor.read(UInt64.self, .little, "tensor offset")
                guard offset <= UInt64(region.count) else {
                    throw GGUFError(.malformed, offset: infoOffset, "tensor \(name) offset \(offset) is past the end")
                }
                guard index[name] == nil else {
                    throw GGUFError(.malformed, offset: infoOffset, "duplicate tensor \(name)")
                }
                index[name] = tensors.count
                tensors.append(
                    TensorInfo(name: name, dimensions: dimensions, typeNumber: typeNumber, offset: Int(offset))
                )
            }
            let alignment = metadata["general.alignment"]?.int ?? 32
            guard alignment > 0, alignment <= 1 << 16, alignment & (alignment - 1) == 0 else {
                throw GGUFError(.malformed, "general.alignment \(alignment) is not a power of two")
            }
            try cursor.align(to: alignment, "alignment before tensor data")
            self.metadata = metadata
            self.tensors = tensors
            self.index = index
            self.alignment = alignment
            self.dataOffset = cursor.offset
            self.region = region
        } catch let error as ByteParsingError {
            throw GGUFError(.malformed, offset: error.offset, "expected \(error.expected)")
        } catch let error as GGUFError {
            throw error
        } catch {
            throw GGUFError(.malformed, "\(error)")
        }
        // Every tensor of a known type must lie inside the data section.
        for tensor in tensors {
            guard tensor.offset % alignment == 0 else {
                throw GGUFError(.malformed, "tensor \(tensor.name) is not aligned to \(alignment)")
            }
            guard let type = tensor.type else { continue }
            guard let rowBytes = type.rowBytes(elements: tensor.dimensions[0]) else {
                throw GGUFError(
                    .malformed,
                    "tensor \(tensor.name): \(tensor.dimensions[0]) is not whole \(type) blocks"
                )
            }
            let rows = tensor.elementCount / tensor.dimensions[0]
            let (bytes, overflow) = rowBytes.multipliedReportingOverflow(by: rows)
            guard !overflow, dataOffset <= region.count, tensor.offset <= region.count - dataOffset,
                bytes <= region.count - dataOffset - tensor.offset
            else {
                throw GGUFError(.malformed, "tensor \(tensor.name) runs past the end of the file")
            }
        }
    }

    private static func readString(_ cursor: inout ByteCursor<ByteRegion>) throws -> String {
        let length = try cursor.read(UInt64.self, .little, "string length")
        guard length <= UInt64(cursor.remaining) else {
            throw GGUFError(.malformed, offset: cursor.offset, "a string of \(length) bytes runs past the end")
        }
        return try cursor.readUTF8(count: Int(length), "GGUF string")
    }

    private static func readValue(_ cursor: inout ByteCursor<ByteRegion>, type: UInt32, depth: Int) throws -> GGUFValue
    {
        switch type {
        case 0: return .uint8(try cursor.read(UInt8.self, .little, "uint8"))
        case 1: return .int8(try cursor.read(Int8.self, .little, "int8"))
        case 2: return .uint16(try cursor.read(UInt16.self, .little, "uint16"))
        case 3: return .int16(try cursor.read(Int16.self, .little, "int16"))
        case 4: return .uint32(try cursor.read(UInt32.self, .little, "uint32"))
        case 5: return .int32(try cursor.read(Int32.self, .little, "int32"))
        case 6: return .float32(Float(bitPattern: try cursor.read(UInt32.self, .little, "float32")))
        case 7:
            let byte = try cursor.read(UInt8.self, .little, "bool")
            guard byte <= 1 else { throw GGUFError(.malformed, offset: cursor.offset - 1, "bool value \(byte)") }
            return .bool(byte == 1)
        case 8: return .string(try readString(&cursor))
        case 9:
            guard depth < maxArrayDepth else {
                throw GGUFError(.limitExceeded, offset: cursor.offset, "arrays nested deeper than \(maxArrayDepth)")
            }
            let elementType = try cursor.read(UInt32.self, .little, "array element type")
            let count = try cursor.read(UInt64.self, .little, "array length")
            // Every element takes at least one byte (a string or array at least eight).
            let minimumSize: UInt64 = elementType == 8 || elementType == 9 ? 8 : 1
            guard count <= UInt64(cursor.remaining) / minimumSize else {
                throw GGUFError(.limitExceeded, offset: cursor.offset, "an array of \(count) cannot fit")
            }
            var values: [GGUFValue] = []
            values.reserveCapacity(Int(count))
            for _ in 0..<Int(count) { values.append(try readValue(&cursor, type: elementType, depth: depth + 1)) }
            return .array(values)
        case 10: return .uint64(try cursor.read(UInt64.self, .little, "uint64"))
        case 11: return .int64(try cursor.read(Int64.self, .little, "int64"))
        case 12: return .float64(Double(bitPattern: try cursor.read(UInt64.self, .little, "float64")))
        default: throw GGUFError(.malformed, offset: cursor.offset, "unknown metadata value type \(type)")
        }
    }

    // MARK: Lookup

    /// The tensor named `name`, if present.
    public func tensor(_ name: String) -> TensorInfo? { index[name].map { tensors[$0] } }

    /// The tensor `name` as a matrix of `dimensions[1...]` rows by `dimensions[0]` columns, read in place.
    public func matrix(_ name: String) throws(GGUFError) -> WeightMatrix {
        guard let info = tensor(name) else { throw GGUFError(.missing, "tensor \(name) is absent") }
        guard let type = info.type else {
            throw GGUFError(.unsupportedTensorType, "tensor \(name) has ggml type \(info.typeNumber)")
        }
        do {
            return try WeightMatrix(
                region: region,
                offset: dataOffset + info.offset,
                type: type,
                rows: info.elementCount / info.dimensions[0],
                columns: info.dimensions[0]
            )
        } catch {
            throw GGUFError(.malformed, "tensor \(name): \(error)")
        }
    }

    /// The tensor `name` decoded to floats (for norm weights and other small vectors).
    public func vector(_ name: String, count: Int? = nil) throws(GGUFError) -> [Float] {
        let matrix = try matrix(name)
        guard matrix.rows == 1, count.map({ $0 == matrix.columns }) ?? true else {
            throw GGUFError(.missing, "tensor \(name) is not a vector of \(count ?? matrix.columns)")
        }
        return matrix.dequantizedRow(0)
    }

    /// A required integer metadata value.
    public func int(_ key: String) throws(GGUFError) -> Int {
        guard let value = metadata[key]?.int else { throw GGUFError(.missing, "metadata \(key) is absent") }
        return value
    }

    /// A required numeric metadata value.
    public func double(_ key: String) throws(GGUFError) -> Double {
        guard let value = metadata[key]?.double else { throw GGUFError(.missing, "metadata \(key) is absent") }
        return value
    }

    /// A required string metadata value.
    public func string(_ key: String) throws(GGUFError) -> String {
        guard let value = metadata[key]?.string else { throw GGUFError(.missing, "metadata \(key) is absent") }
        return value
    }
}
