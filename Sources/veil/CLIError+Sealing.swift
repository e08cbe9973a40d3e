import VeilKeys
import VeilSealing

/// Runs `body`, turning library errors into ``CLIError``s a person can act on.
func withCLIErrors<T>(file: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as SealedModelError {
        throw CLIError("\(file): \(error.description)", remedy: error.remedy)
    } catch let error as KeyFileError {
        throw CLIError(error.description, remedy: error.remedy)
    }
}
