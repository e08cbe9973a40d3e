/// An error said to a person: one sentence on what went wrong, one on what to do about it. Veil's executables print
/// it as the problem, then the remedy on an indented second line. The CLI, the node's startup, the local stack, the
/// attester factory and the benchmarks all report their failures with it.
public struct RemedialError: Error, CustomStringConvertible, Sendable, Hashable {
    /// What went wrong, in one sentence.
    public let problem: String
    /// What to do about it.
    public let remedy: String

    /// An error saying `problem`, with `remedy`.
    public init(_ problem: String, remedy: String) {
        self.problem = problem
        self.remedy = remedy
    }

    /// The problem and, on the next line, the remedy.
    public var description: String { "\(problem)\n       \(remedy)" }
}
