public import _VeilKernels
import Foundation
import _VeilBytes

/// A parsed safetensors file (https://huggingface.co/docs/safetensors): an 8-byte little-endian header length, a
/// JSON header describing each tensor's dtype, shape and byte range, then the data, read in place from a
/// ``ByteRegion``. Every range is checked against the data before use.
public struct SafetensorsFile: Sendable {
    /// One tensor's description.
    public struct TensorInfo: Sendable, Hashable {
        /// `F32`, `F16`, `BF16`, `I64`, …
        public let dtype: String
        /// The shape, outermost dimension first.
        public let shape: [Int]
        /// The byte range in the region.
        public let range: Range<Int>
    }

    /// The tensors by name.
    public let tensors: [String: TensorInfo]
    /// The bytes.
    public let region: ByteRegion

    static let maxHeaderBytes = 100 << 20

    /// Parses the header of the safetensors file in `region`.
    public init(region: ByteRegion) throws(SafetensorsError) {
        var cursor = ByteCursor(region)
        let headerLength: UInt64
        do {
            headerLength = try cursor.read(UInt64.self, .little, "header length")
        } catch {
            throw SafetensorsError("the file is shorter than its 8-byte header length")
        }
        guard headerLength <= UInt64(min(Self.maxHeaderBytes, region.count - 8)) else {
            throw SafetensorsError("a header of \(headerLength) bytes does not fit in the file")
        }
        let dataStart = 8 + Int(headerLength)
        let header = region.copyBytes(8..<dataStart)
        guard let object = try? JSONSerialization.jsonObject(with: Data(header)) as? [String: Any] else {
            throw SafetensorsError("the header is not a JSON object")
        }
        var tensors: [String: TensorInfo] = [:]
        for (name, value) in object where name != "__metadata__" {
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
            else {
                throw SafetensorsError("tensor \(name) lacks dtype, shape or data_offsets")
            }
            let begin = offsets[0]
            let end = offsets[1]
            guard begin >= 0, begin <= end, end <= region.count - dataStart, shape.allSatisfy({ $0 >= 0 }) else {
                throw SafetensorsError("tensor \(name) lies outside the data")
            }
            let elementSize: Int? =
                switch dtype {
                case "F32", "I32", "U32": 4
                case "F16", "BF16", "I16", "U16": 2
                case "F64", "I64", "U64": 8
                case "I8", "U8", "BOOL": 1
                default: nil
                }
            var elements = 1
            for dimension in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
                guard !overflow else { throw SafetensorsError("tensor \(name) is too large") }
                elements = product
            }
            if let elementSize, elements * elementSize != end - begin {
                throw SafetensorsError("tensor \(name) holds \(end - begin) bytes for \(elements) \(dtype) values")
            }
            tensors[name] = TensorInfo(dtype: dtype, shape: shape, range: (dataStart + begin)..<(dataStart + end))
        }
        self.tensors = tensors
        self.region = region
    }

    /// A 2-D float tensor as a weight matrix (`[rows, columns]`), read in place; a 1-D one is a single row.
    public func matrix(_ name: String) throws(SafetensorsError) -> WeightMatrix {
        guard let info = tensors[name] else { throw SafetensorsError("tensor \(name) is absent") }
        let type: TensorType
        switch info.dtype {
        case "F32": type = .f32
        case "F16": type = .f16
        case "BF16": type = .bf16
        default: throw SafetensorsError("tensor \(name) has dtype \(info.dtype), not a float type")
        }
        guard info.shape.count == 1 || info.shape.count == 2 else {
            throw SafetensorsError("tensor \(name) has \(info.shape.count) dimensions")
        }
        let columns = info.shape.last ?? 0
        let rows = info.shape.count == 2 ? info.shape[0] : 1
        do {
            return try WeightMatrix(
                region: region,
                offset: info.range.lowerBound,
                type: type,
                rows: rows,
                columns: columns
            )
        } catch {
            throw SafetensorsError("tensor \(name): \(error)")
        }
    }

    /// A 1-D float tensor decoded to floats, checked to have `count` elements.
    public func vector(_ name: String, count: Int) throws(SafetensorsError) -> [Float] {
        let matrix = try matrix(name)
        guard matrix.rows == 1, matrix.columns == count else {
            throw SafetensorsError("tensor \(name) is not a vector of \(count)")
        }
        return matrix.dequantizedRow(0)
    }
}

/// A safetensors file is malformed, or lacks a tensor a model needs.
public struct SafetensorsError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public let description: String
    /// Creates an error.
    public init(_ description: String) { self.description = description }
}
