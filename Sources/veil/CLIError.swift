/// An error the CLI reports to a person: one sentence saying what went wrong, one saying what to do.
///
/// ArgumentParser prints `Error: <description>` and exits with status 1 for it; usage mistakes it detects
/// itself exit with 64 (EX_USAGE).
struct CLIError: Error, CustomStringConvertible {
    let problem: String
    let remedy: String

    init(_ problem: String, remedy: String) {
        self.problem = problem
        self.remedy = remedy
    }

    var description: String { "\(problem)\n       \(remedy)" }
}
