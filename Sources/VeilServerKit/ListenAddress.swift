/// A server's `--listen HOST:PORT` value: the one parser of listen addresses and the one loopback rule.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// The host name or address to bind.
    public let host: String
    /// The port (0: any free port).
    public let port: Int

    /// An address from its parts.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT` (a non-empty host, a port in 0...65535); nil if `text` is not one.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, let port = Int(parts[1]), (0...65535).contains(port) else {
            return nil
        }
        host = String(parts[0])
        self.port = port
    }

    /// Whether the host is a loopback name or address (`localhost`, `127.0.0.0/8`, `::1`).
    public var isLoopback: Bool { host == "localhost" || host == "::1" || host.hasPrefix("127.") }

    /// `HOST:PORT`.
    public var description: String { "\(host):\(port)" }
}
