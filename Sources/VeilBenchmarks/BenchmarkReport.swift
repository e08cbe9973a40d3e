/// What a `veil bench` measurement returns: JSON with stable keys (`--format json`) and a summary for people
/// (`--format text`) that shows each figure next to its anchor.
public protocol BenchmarkReport: Encodable, Sendable {
    /// The summary `--format text` prints.
    var text: String { get }
}
