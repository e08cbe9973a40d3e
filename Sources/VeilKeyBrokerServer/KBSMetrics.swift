import Foundation
import Hummingbird
import Synchronization
import VeilServerKit
import VeilWire

/// The broker's Prometheus metrics (text exposition format 0.0.4). Labels are only route templates, methods,
/// status codes, platforms and outcomes: never a resource name, a session or an identity.
public final class KBSMetrics: Sendable {
    struct Histogram {
        var buckets: [Int]
        var sum: Double = 0
        var count = 0
    }

    struct State {
        var requests: [String: Int] = [:]  // "route|method|status"
        var latency: [String: Histogram] = [:]  // "route"
        var attestations: [String: Int] = [:]  // "platform|outcome"
        var releases = 0
        var denials: [String: Int] = [:]  // "reason"
        var rateLimited = 0
    }

    static let bounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
    private let state = Mutex(State())

    /// Empty metrics.
    public init() {}

    func request(route: String, method: String, status: Int, seconds: Double) {
        state.withLock { state in
            state.requests["\(route)|\(method)|\(status)", default: 0] += 1
            var histogram = state.latency[route] ?? Histogram(buckets: Array(repeating: 0, count: Self.bounds.count))
            for (index, bound) in Self.bounds.enumerated() where seconds <= bound { histogram.buckets[index] += 1 }
            histogram.sum += seconds
            histogram.count += 1
            state.latency[route] = histogram
        }
    }

    func attestation(platform: String, outcome: String) {
        state.withLock { $0.attestations["\(platform)|\(outcome)", default: 0] += 1 }
    }

    func release() { state.withLock { $0.releases += 1 } }

    func denial(_ reason: String) { state.withLock { $0.denials[reason, default: 0] += 1 } }

    func rateLimited() { state.withLock { $0.rateLimited += 1 } }

    /// The exposition text.
    public func render() -> String {
        let state = self.state.withLock { $0 }
        var out = ""
        out += "# HELP veil_kbs_requests_total HTTP requests by route template, method and status.\n"
        out += "# TYPE veil_kbs_requests_total counter\n"
        for (key, value) in state.requests.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "|", omittingEmptySubsequences: false)
            out +=
                "veil_kbs_requests_total{route=\"\(parts[0])\",method=\"\(parts[1])\",status=\"\(parts[2])\"} \(value)\n"
        }
        out += "# HELP veil_kbs_request_duration_seconds Request latency by route template.\n"
        out += "# TYPE veil_kbs_request_duration_seconds histogram\n"
        for (route, histogram) in state.latency.sorted(by: { $0.key < $1.key }) {
            for (index, bound) in Self.bounds.enumerated() {
                out +=
                    "veil_kbs_request_duration_seconds_bucket{route=\"\(route)\",le=\"\(bound)\"} \(histogram.buckets[index])\n"
            }
            out += "veil_kbs_request_duration_seconds_bucket{route=\"\(route)\",le=\"+Inf\"} \(histogram.count)\n"
            out += "veil_kbs_request_duration_seconds_sum{route=\"\(route)\"} \(histogram.sum)\n"
            out += "veil_kbs_request_duration_seconds_count{route=\"\(route)\"} \(histogram.count)\n"
        }
        out += "# HELP veil_kbs_attestations_total Attestations by platform and outcome.\n"
        out += "# TYPE veil_kbs_attestations_total counter\n"
        for (key, value) in state.attestations.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "|", omittingEmptySubsequences: false)
            out += "veil_kbs_attestations_total{platform=\"\(parts[0])\",outcome=\"\(parts[1])\"} \(value)\n"
        }
        out += "# HELP veil_kbs_releases_total Resources released.\n# TYPE veil_kbs_releases_total counter\n"
        out += "veil_kbs_releases_total \(state.releases)\n"
        out += "# HELP veil_kbs_denials_total Denied requests by problem type.\n# TYPE veil_kbs_denials_total counter\n"
        for (reason, value) in state.denials.sorted(by: { $0.key < $1.key }) {
            out += "veil_kbs_denials_total{reason=\"\(reason)\"} \(value)\n"
        }
        out += "# HELP veil_kbs_rate_limited_total Requests refused by the per-client rate limit.\n"
        out += "# TYPE veil_kbs_rate_limited_total counter\nveil_kbs_rate_limited_total \(state.rateLimited)\n"
        return out
    }
}

/// Records every request's route template, status and latency; counts denials by problem slug.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: KBSMetrics

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        func seconds() -> Double {
            let elapsed = ContinuousClock.now - start
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
        let route = context.endpointPath ?? "unmatched"
        do {
            let response = try await next(request, context)
            metrics.request(
                route: context.endpointPath ?? route,
                method: request.method.rawValue,
                status: Int(response.status.code),
                seconds: seconds()
            )
            return response
        } catch let problem as Problem {
            metrics.request(
                route: context.endpointPath ?? route,
                method: request.method.rawValue,
                status: Int(problem.status.code),
                seconds: seconds()
            )
            if problem.status != .notFound { metrics.denial(problem.type.slug) }
            throw problem
        }
    }
}
