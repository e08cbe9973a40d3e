/// Why the local stack could not start, said to a person: what went wrong and what to do.
public struct LocalStackError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public let problem: String
    /// What to do about it.
    public let remedy: String

    /// An error with its remedy.
    public init(_ problem: String, remedy: String) {
        self.problem = problem
        self.remedy = remedy
    }

    /// The problem and the remedy on two lines, as the CLI prints its own errors.
    public var description: String { "\(problem)\n       \(remedy)" }
}
