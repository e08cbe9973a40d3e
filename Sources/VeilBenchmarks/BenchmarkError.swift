/// A benchmark that could not run or whose workload failed: what went wrong and what to do about it, in the form
/// `veil` prints (the problem, then the remedy on an indented second line).
public struct BenchmarkError: Error, CustomStringConvertible {
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
