/// A row-major matrix of `rows × columns` elements stored in a ``ByteRegion`` in one ``TensorType`` encoding —
/// a GGUF tensor with `ne = [columns, rows]`, or a safetensors `[rows, columns]` tensor.
///
/// Matrix products read the blocks in place: nothing is dequantised at load.
public struct WeightMatrix: Sendable {
    /// The bytes the matrix lives in.
    public let region: ByteRegion
    /// The offset of the first row in `region`.
    public let offset: Int
    /// The element encoding.
    public let type: TensorType
    /// The number of rows (output features).
    public let rows: Int
    /// The number of elements per row (input features).
    public let columns: Int
    /// Bytes per row.
    public let rowBytes: Int

    /// Describes a matrix, checking that it lies inside `region` and that rows are whole blocks.
    public init(
        region: ByteRegion,
        offset: Int,
        type: TensorType,
        rows: Int,
        columns: Int
    ) throws(WeightMatrixError) {
        guard rows >= 0, columns >= 0, let rowBytes = type.rowBytes(elements: columns) else {
            throw WeightMatrixError("\(columns) columns are not a whole number of \(type) blocks")
        }
        let (total, overflow) = rowBytes.multipliedReportingOverflow(by: rows)
        guard !overflow, offset >= 0, offset <= region.count, total <= region.count - offset else {
            throw WeightMatrixError("a \(rows)×\(columns) \(type) matrix at offset \(offset) runs past the data")
        }
        self.region = region
        self.offset = offset
        self.type = type
        self.rows = rows
        self.columns = columns
        self.rowBytes = rowBytes
    }

    /// The total size in bytes.
    public var byteCount: Int { rowBytes * rows }

    var baseAddress: UnsafeRawPointer { region.base + offset }

    /// Dequantises one row to `Float` with the scalar reference decoder.
    public func dequantizedRow(_ row: Int) -> [Float] {
        precondition(row >= 0 && row < rows, "row out of range")
        var output = [Float](repeating: 0, count: columns)
        output.withUnsafeMutableBufferPointer { buffer in
            Dequantize.row(type, baseAddress + row * rowBytes, into: buffer.baseAddress!, count: columns)
        }
        return output
    }

    /// Dequantises one row into `buffer` at `start` (for embedding lookups).
    public func dequantizeRow(_ row: Int, into buffer: FloatBuffer, at start: Int) {
        precondition(row >= 0 && row < rows, "row out of range")
        precondition(start >= 0 && start + columns <= buffer.count, "destination out of bounds")
        Dequantize.row(type, baseAddress + row * rowBytes, into: buffer.pointer + start, count: columns)
    }
}

/// A tensor's shape, type or placement is inconsistent with its data.
public struct WeightMatrixError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public let description: String
    init(_ description: String) { self.description = description }
}
