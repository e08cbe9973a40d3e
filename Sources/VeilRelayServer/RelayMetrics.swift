import Foundation
import _VeilBytes

/// Counters for `/metrics` (Prometheus text format): outcomes and byte counts only, never content.
actor RelayMetrics {
    /// How a request ended.
    enum Outcome: String, LogSafe, CaseIterable {
        case forwarded
        case document
        case stale
        case rejected
        case noHealthyNode = "no_healthy_node"
        case upstreamFailed = "upstream_failed"
        case upstreamTimeout = "upstream_timeout"
        case responseTooLarge = "response_too_large"

        var logValue: String { rawValue }
    }

    private var outcomes: [Outcome: Int] = [:]
    private var requestBytes = 0
    private var responseBytes = 0

    func count(_ outcome: Outcome, requestBytes: Int = 0, responseBytes: Int = 0) {
        outcomes[outcome, default: 0] += 1
        self.requestBytes += requestBytes
        self.responseBytes += responseBytes
    }

    /// The exposition text.
    func text(nodes: [NodePool.Node]) -> String {
        var lines = [
            "# HELP veil_relay_requests_total Requests by outcome.", "# TYPE veil_relay_requests_total counter",
        ]
        for outcome in Outcome.allCases {
            lines.append("veil_relay_requests_total{outcome=\"\(outcome.rawValue)\"} \(outcomes[outcome] ?? 0)")
        }
        lines += [
            "# HELP veil_relay_request_bytes_total Encapsulated request bytes forwarded to nodes.",
            "# TYPE veil_relay_request_bytes_total counter", "veil_relay_request_bytes_total \(requestBytes)",
            "# HELP veil_relay_response_bytes_total Encapsulated response bytes forwarded to clients.",
            "# TYPE veil_relay_response_bytes_total counter", "veil_relay_response_bytes_total \(responseBytes)",
            "# HELP veil_relay_node_healthy Whether each node passed its last health check.",
            "# TYPE veil_relay_node_healthy gauge",
        ]
        for node in nodes { lines.append("veil_relay_node_healthy{node=\"\(node.index)\"} \(node.healthy ? 1 : 0)") }
        lines += [
            "# HELP veil_relay_node_outstanding Requests in flight per node.",
            "# TYPE veil_relay_node_outstanding gauge",
        ]
        for node in nodes { lines.append("veil_relay_node_outstanding{node=\"\(node.index)\"} \(node.outstanding)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
