public import ArgumentParser
public import VeilKeys

extension KeyKind: ExpressibleByArgument {}

/// `veil keygen`: create owner, admin and service keys in Veil's key-file format.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Generate a key file: aes256 (model keys), ed25519 or p256 (signing keys, with FILE.pub).",
        discussion: """
            Key files are JSON Web Keys (RFC 7517), created with mode 0600; signing keys also get FILE.pub \
            (mode 0644) holding only the public key, identified by its RFC 7638 thumbprint. \
            Format: docs/formats/key-files.md.
            """
    )

    @Argument(help: "The kind of key: \(KeyKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var kind: KeyKind

    @Option(name: .long, help: "Where to write the key file.")
    var out: String

    @Flag(name: .long, help: "Overwrite existing files.")
    var force = false

    func run() throws {
        do {
            let generated = try KeyFile.generate(kind, at: out, overwrite: force)
            print("wrote \(generated.kind.rawValue) key to \(generated.path) (mode 0600)")
            if let publicPath = generated.publicPath, let keyID = generated.keyID {
                print("wrote public key to \(publicPath)")
                print("key id (RFC 7638 thumbprint): \(keyID)")
            }
        } catch {
            switch error.code {
            case .alreadyExists:
                throw CLIError(error.description, remedy: "Choose another --out path, or pass --force to replace it.")
            default:
                throw CLIError(error.description, remedy: "Check that the directory exists and is writable.")
            }
        }
    }
}
