import Foundation
import Hummingbird
import Synchronization
import VeilWire

/// A token bucket per client address: `burst` requests at once, refilled at `perSecond`. Buckets idle for a
/// minute are dropped, so memory stays bounded by the active clients.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let perSecond: Double
    let burst: Double
    private let buckets = Mutex<[String: Bucket]>([:])

    init(perSecond: Double, burst: Double) {
        self.perSecond = perSecond
        self.burst = burst
    }

    /// Takes one token for `client`; false when the bucket is empty.
    func allow(_ client: String, now: ContinuousClock.Instant = .now) -> Bool {
        buckets.withLock { buckets in
            if buckets.count > 10_000 {
                buckets = buckets.filter { now - $0.value.updated < .seconds(60) }
            }
            var bucket = buckets[client] ?? Bucket(tokens: burst, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(burst, bucket.tokens + seconds * perSecond)
            bucket.updated = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            buckets[client] = bucket
            return allowed
        }
    }
}

/// Refuses requests over the per-client rate with `rate-limited` (429). `/metrics` and `/healthz` are exempt.
struct RateLimitMiddleware<Context: RemoteAddressRequestContext>: RouterMiddleware {
    let limiter: RateLimiter
    let metrics: KBSMetrics

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        if path == "/metrics" || path == "/healthz" { return try await next(request, context) }
        let client = context.remoteAddress?.ipAddress ?? "local"
        guard limiter.allow(client) else {
            metrics.rateLimited()
            throw Problem.rateLimited
        }
        return try await next(request, context)
    }
}
