public import Foundation
import Crypto
import _VeilBytes

/// A decorator that remembers successful verifications until they stop being valid (the bundle's expiry or the
/// checkpoint's maximum age, whichever is first), so a client connecting to the same node repeatedly verifies its
/// stapled proof once. Failures are never cached.
public actor CachingTransparencyVerifier<Base: TransparencyVerifying>: TransparencyVerifying {
    private let base: Base
    private let capacity: Int
    private var cache: [[UInt8]: VerifiedInclusion] = [:]
    /// How many answers came from the cache (for tests and metrics).
    public private(set) var hits = 0

    public init(_ base: Base, capacity: Int = 1024) {
        self.base = base
        self.capacity = capacity
    }

    public func verifyRelease(
        measurements: [TEEMeasurement],
        bundle: InclusionBundle,
        now: Date
    ) async throws(TransparencyError) -> VerifiedInclusion {
        let key = Self.key(measurements: measurements, bundle: bundle)
        if let cached = cache[key] {
            if now < cached.validUntil {
                hits += 1
                return cached
            }
            cache[key] = nil
        }
        let result = try await base.verifyRelease(measurements: measurements, bundle: bundle, now: now)
        if cache.count >= capacity {
            for (key, value) in cache where value.validUntil <= now { cache[key] = nil }
            if cache.count >= capacity, let any = cache.keys.first { cache[any] = nil }
        }
        cache[key] = result
        return result
    }

    private static func key(measurements: [TEEMeasurement], bundle: InclusionBundle) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: (try? bundle.encoded()) ?? Data())
        for measurement in measurements.sorted() {
            hasher.update(data: measurement.canonicalJSON.bytes)
        }
        return Array(hasher.finalize())
    }
}
