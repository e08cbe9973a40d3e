/// A `--listen HOST:PORT` value.
struct ListenAddress {
    let host: String
    let port: Int

    init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, let port = Int(parts[1]), (0...65535).contains(port) else {
            return nil
        }
        host = String(parts[0])
        self.port = port
    }

    /// Whether the host is a loopback name or address.
    var isLoopback: Bool { host == "localhost" || host == "::1" || host.hasPrefix("127.") }
}
