public import ArgumentParser
import _VeilBytes

/// `veil-node`: the inference node alone, with exactly the options of `veil node serve` (``NodeServeCommand``).
public struct VeilNodeCommand: AsyncParsableCommand {
    /// The executable's name, help and version; the discussion is `veil node serve`'s.
    public static let configuration = CommandConfiguration(
        commandName: "veil-node",
        abstract: NodeServeCommand.configuration.abstract,
        discussion: NodeServeCommand.configuration.discussion,
        version: VeilVersion.current
    )

    @OptionGroup var node: NodeServeCommand

    /// A command with the defaults.
    public init() {}

    /// Runs the node.
    public func run() async throws {
        try await node.run()
    }

    /// The entry point of `veil-node`: parses the process's arguments and runs the node (help, version and errors
    /// exit as ArgumentParser's `main()` does).
    public static func start() async {
        do {
            let command = try parseAsRoot()
            guard let node = command as? VeilNodeCommand else {
                var other = command
                try other.run()
                return
            }
            try await node.run()
        } catch {
            exit(withError: error)
        }
    }
}
