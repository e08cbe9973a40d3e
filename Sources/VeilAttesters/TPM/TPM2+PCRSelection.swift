import _VeilBytes

extension TPM2 {
    /// A TPML_PCR_SELECTION with one bank (Part 2 §10.9.7).
    public struct PCRSelection: Hashable, Sendable {
        /// The bank's hash algorithm (SHA-256 here).
        public var hash: Algorithm
        /// The selected PCR indices, 0…23.
        public var indices: [Int]

        public init(hash: Algorithm = .sha256, indices: [Int]) {
            self.hash = hash
            self.indices = indices.sorted()
        }

        /// Every PCR of a standard 24-PCR bank.
        public static let all = PCRSelection(indices: Array(0..<24))

        func write(to writer: inout ByteWriter) {
            writer.write(UInt32(1), .big)
            writer.write(hash.rawValue, .big)
            var bitmap = [UInt8](repeating: 0, count: 3)
            for index in indices where (0..<24).contains(index) { bitmap[index / 8] |= 1 << (index % 8) }
            writer.write(UInt8(bitmap.count))
            writer.write(contentsOf: bitmap)
        }

        /// Reads a TPML_PCR_SELECTION holding at most one bank.
        static func read(from cursor: inout ByteCursor<[UInt8]>) throws(ByteParsingError) -> PCRSelection? {
            let count = try cursor.read(UInt32.self, .big, "TPML_PCR_SELECTION count")
            guard count <= 16 else {
                throw ByteParsingError(
                    code: .limitExceeded,
                    offset: cursor.offset,
                    expected: "at most 16 banks",
                    remaining: 0
                )
            }
            var result: PCRSelection?
            for _ in 0..<count {
                let hash = try cursor.read(UInt16.self, .big, "pcr bank hash")
                let size = Int(try cursor.readUInt8("sizeofSelect"))
                let bitmap = try cursor.readBytes(count: size, "pcrSelect")
                var indices: [Int] = []
                for (byteIndex, byte) in bitmap.enumerated() {
                    for bit in 0..<8 where byte & (1 << bit) != 0 { indices.append(byteIndex * 8 + bit) }
                }
                if let algorithm = Algorithm(rawValue: hash), !indices.isEmpty {
                    result = PCRSelection(hash: algorithm, indices: indices)
                }
            }
            return result
        }
    }
}
