import _VeilKernels

/// The keys and values of one request's tokens, for every layer. It belongs to the request that created it and
/// is zeroised when the request ends (``zeroize()``, and again when it is released).
final class KVCache {
    let layers: Int
    let capacity: Int
    let kvDim: Int
    let keys: FloatBuffer
    let values: FloatBuffer
    /// Positions filled so far.
    var length = 0

    init(layers: Int, capacity: Int, kvDim: Int) {
        self.layers = layers
        self.capacity = capacity
        self.kvDim = kvDim
        keys = FloatBuffer(count: layers * capacity * kvDim)
        values = FloatBuffer(count: layers * capacity * kvDim)
    }

    /// The offset of `position` of `layer` in ``keys`` and ``values``.
    func offset(layer: Int, position: Int) -> Int { (layer * capacity + position) * kvDim }

    func zeroize() {
        keys.zeroize()
        values.zeroize()
        length = 0
    }
}
