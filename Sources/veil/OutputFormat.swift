import ArgumentParser
import Foundation

/// `--format text|json`, shared by every command that prints a result.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

enum JSONOutput {
    /// Prints a value as pretty, key-sorted JSON on standard output.
    static func print(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let data = try encoder.encode(value)
        Swift.print(String(decoding: data, as: UTF8.self))
    }
}
