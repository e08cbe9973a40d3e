import VeilInference

extension ModelResolution {
    /// Runs `body`, turning a ``ModelResolution/Failure`` into the ``CLIError`` with the same texts.
    static func cli<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let failure as Failure {
            throw CLIError(failure.problem, remedy: failure.remedy)
        }
    }
}
