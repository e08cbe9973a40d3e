import Foundation

extension Kernels {
    /// Where a query token's keys lie.
    public enum AttentionMask: Sendable {
        /// Causal: query `t` (at position `startPosition + t`) sees keys `0...startPosition + t`.
        case causal(startPosition: Int)
        /// Bidirectional within segments: a query sees every key of the segment (a sentence of a batch) it is in.
        case segments([Range<Int>])
    }

    /// Scaled dot-product attention with grouped-query heads.
    ///
    /// `queries` holds `tokens` rows of `heads × headDim` (row `t` at `t * queryStride`); keys and values hold one
    /// row of `kvHeads × headDim` per position (row `p` at `keyOffset + p * kvStride`). Query head `h` reads KV head
    /// `h / (heads / kvHeads)`. Results go to `output` rows of `heads × headDim`.
    public static func attention(
        queries: FloatBuffer,
        queryStride: Int,
        keys: FloatBuffer,
        values: FloatBuffer,
        keyOffset: Int = 0,
        kvStride: Int,
        output: FloatBuffer,
        tokens: Int,
        heads: Int,
        kvHeads: Int,
        headDim: Int,
        mask: AttentionMask,
        pool: WorkerPool
    ) {
        precondition(heads % kvHeads == 0 && heads * headDim <= queryStride && kvHeads * headDim <= kvStride)
        precondition(queries.count >= (tokens - 1) * queryStride + heads * headDim)
        precondition(output.count >= tokens * heads * headDim)
        let group = heads / kvHeads
        let scale = 1 / Float(headDim).squareRoot()
        // The key range of each query, checked against the cache before any task runs.
        var ranges = [Range<Int>](repeating: 0..<0, count: tokens)
        switch mask {
        case .causal(let start):
            for t in 0..<tokens { ranges[t] = 0..<(start + t + 1) }
        case .segments(let segments):
            for segment in segments {
                for t in segment where t >= 0 && t < tokens { ranges[t] = segment }
            }
        }
        let longest = ranges.map(\.upperBound).max() ?? 0
        precondition(keyOffset + longest * kvStride <= min(keys.count, values.count) + (kvStride - kvHeads * headDim))
        let q = UnsafePointer(queries.pointer)
        let k = UnsafePointer(keys.pointer) + keyOffset
        let v = UnsafePointer(values.pointer) + keyOffset
        let out = output.pointer
        // A decode step over a short context is less work than waking the pool; run it on the caller.
        let work = ranges.reduce(0) { $0 + $1.count } * heads * headDim
        let runner = work < 1 << 16 ? WorkerPool.serial : pool
        runner.parallelFor(tokens * heads) { task in
            let t = task / heads
            let head = task % heads
            let range = ranges[t]
            let query = q + t * queryStride + head * headDim
            let kvHead = head / group
            let result = out + t * heads * headDim + head * headDim
            withUnsafeTemporaryAllocation(of: Float.self, capacity: max(range.count, 1)) { scores in
                var maximum = -Float.infinity
                for (slot, position) in range.enumerated() {
                    let score = dotFloats(query, k + position * kvStride + kvHead * headDim, count: headDim) * scale
                    scores[slot] = score
                    maximum = max(maximum, score)
                }
                var total: Float = 0
                for slot in 0..<range.count {
                    let e = expf(scores[slot] - maximum)
                    scores[slot] = e
                    total += e
                }
                let inverse = 1 / total
                for i in 0..<headDim { result[i] = 0 }
                for (slot, position) in range.enumerated() {
                    let weight = scores[slot] * inverse
                    let row = v + position * kvStride + kvHead * headDim
                    var i = 0
                    while i + 16 <= headDim {
                        let current = UnsafeRawPointer(result + i).loadUnaligned(as: SIMD16<Float>.self)
                        let updated = current.addingProduct(loadFloats(row + i), weight)
                        UnsafeMutableRawPointer(result + i).storeBytes(of: updated, as: SIMD16<Float>.self)
                        i += 16
                    }
                    while i < headDim {
                        result[i] += weight * row[i]
                        i += 1
                    }
                }
            }
        }
    }
}
