import ArgumentParser
import Foundation
import VeilBenchmarks

/// `--format text|json`, shared by every command that prints a result.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json

    /// Prints a benchmark's report: its JSON, or its summary.
    func print(_ report: some BenchmarkReport) throws {
        switch self {
        case .json: try JSONOutput.print(report)
        case .text: Swift.print(report.text)
        }
    }
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
