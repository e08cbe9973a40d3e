// swift-tools-version: 6.1
//
// Veil — confidential computing for AI.
// One target per trust boundary; see docs/architecture.md for the module graph.

import PackageDescription

/// Settings every Veil target shares: Swift 6 language mode (strict concurrency is implied by it).
let veilSwiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// Code generation for the compute kernels: Swift targets the x86-64 baseline (SSE2) unless told otherwise, which
/// leaves the SIMD kernels without FMA, F16C or wide vectors. The fast path is opt-in, because SwiftPM refuses unsafe
/// flags in a package that another package requires by version: set `VEIL_TARGET_CPU` when building the `veil` binary
/// (`native` for the build machine's CPU, like llama.cpp's `GGML_NATIVE`, AVX-512 where present; `haswell` for
/// AVX2/FMA/F16C, which every x86 server since 2015 has; the CPU must have AVX2). It compiles the kernels for that CPU
/// and enables their AVX2 integer path (`VEIL_X86_SIMD`); unset, the package carries no unsafe flags and the kernels
/// take their portable SIMD path (docs/inference.md, "Kernel code generation").
let kernelCPU: String? = {
    #if arch(x86_64)
    if let cpu = Context.environment["VEIL_TARGET_CPU"], !cpu.isEmpty { return cpu }
    #endif
    return nil
}()
/// The AVX2 integer path's compilation condition, for the kernels and the tests that model its rounding.
let kernelConditionSettings: [SwiftSetting] = kernelCPU == nil ? [] : [.define("VEIL_X86_SIMD")]
let kernelCodegenSettings: [SwiftSetting] =
    kernelCPU.map { [.unsafeFlags(["-target-cpu", $0])] + kernelConditionSettings } ?? []

let package = Package(
    name: "veil",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "veil", targets: ["veil"]),
        .executable(name: "veil-node", targets: ["veil-node"]),
        .executable(name: "veil-kbs", targets: ["veil-kbs"]),
        .executable(name: "veil-log", targets: ["veil-log"]),
        .executable(name: "veil-relay", targets: ["veil-relay"]),
        .library(name: "VeilWire", targets: ["VeilWire"]),
        .library(name: "VeilServerKit", targets: ["VeilServerKit"]),
        .library(name: "VeilStorageKit", targets: ["VeilStorageKit"]),
        .library(name: "VeilVerifiers", targets: ["VeilVerifiers"]),
        .library(name: "VeilProxy", targets: ["VeilProxy"]),
        .library(name: "_VeilBytes", targets: ["_VeilBytes"]),
        .library(name: "VeilKeys", targets: ["VeilKeys"]),
        .library(name: "VeilAttestation", targets: ["VeilAttestation"]),
        .library(name: "VeilSEVSNP", targets: ["VeilSEVSNP"]),
        .library(name: "VeilTDX", targets: ["VeilTDX"]),
        .library(name: "VeilSGX", targets: ["VeilSGX"]),
        .library(name: "VeilTPM", targets: ["VeilTPM"]),
        .library(name: "VeilAzureVTPM", targets: ["VeilAzureVTPM"]),
        .library(name: "VeilSimulated", targets: ["VeilSimulated"]),
        .library(name: "VeilAttesters", targets: ["VeilAttesters"]),
        .library(name: "VeilOHTTP", targets: ["VeilOHTTP"]),
        .library(name: "VeilSealing", targets: ["VeilSealing"]),
        .library(name: "VeilTransparency", targets: ["VeilTransparency"]),
        .library(name: "VeilLogServer", targets: ["VeilLogServer"]),
        .library(name: "VeilLogClient", targets: ["VeilLogClient"]),
        .library(name: "VeilTokenizers", targets: ["VeilTokenizers"]),
        .library(name: "VeilInference", targets: ["VeilInference"]),
        .library(name: "VeilNodeServer", targets: ["VeilNodeServer"]),
        .library(name: "VeilKeyBroker", targets: ["VeilKeyBroker"]),
        .library(name: "VeilKeyBrokerClient", targets: ["VeilKeyBrokerClient"]),
        .library(name: "VeilKeyBrokerServer", targets: ["VeilKeyBrokerServer"]),
        .library(name: "VeilRelayServer", targets: ["VeilRelayServer"]),
        .library(name: "VeilClient", targets: ["VeilClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // `swift package generate-documentation` for the DocC catalogs (scripts/docs); no target links it.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.4.0"),
    ],
    targets: [
        // MARK: Foundation primitives

        /// System calls that Swift cannot import (variadic `prctl`) and the non-elidable wipe.
        .target(
            name: "_CVeilBytes",
            path: "Sources/_CVeilBytes"
        ),
        /// Bounds-checked byte parsing, hex/base64url, secure memory, process hardening, content-free logging.
        .target(
            name: "_VeilBytes",
            dependencies: [
                "_CVeilBytes",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: veilSwiftSettings
        ),

        // MARK: Wire formats and server scaffolding

        /// The messages that cross Veil's trust boundaries, with no server and no database: the attestation bundle,
        /// RFC 9457 problem details with typed problem types, the OpenAI request/response/stream types, the KBS
        /// protocol messages (and their JWE), and the streamed Binary HTTP response.
        .target(
            name: "VeilWire",
            dependencies: [
                "_VeilBytes", "VeilAttestation", "VeilTransparency", "VeilOHTTP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        /// What every Veil HTTP server shares: the one problem middleware, listen addresses, "run this application
        /// and tell me its port", graceful shutdown under one ServiceGroup. No database code.
        .target(
            name: "VeilServerKit",
            dependencies: [
                "_VeilBytes", "VeilWire",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        /// Durable storage scaffolding for the broker and the log: PostgreSQL clients and advisory-lock
        /// transactions, durable SQLite (WAL, synchronous=FULL) setup.
        .target(
            name: "VeilStorageKit",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        /// Every platform verifier in one registry: detect evidence by its bytes, verify bundles and raw evidence.
        .target(
            name: "VeilVerifiers",
            dependencies: [
                "_VeilBytes", "VeilAttestation", "VeilSEVSNP", "VeilTDX", "VeilSGX", "VeilTPM", "VeilAzureVTPM",
                "VeilSimulated",
            ],
            swiftSettings: veilSwiftSettings
        ),

        // MARK: Keys

        /// Key files (JSON Web Keys) for owners, operators and services: generate, read, write, thumbprint.
        .target(
            name: "VeilKeys",
            dependencies: [
                "_VeilBytes",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: veilSwiftSettings
        ),

        // MARK: Attestation

        /// Platform-neutral attestation core: evidence, verified claims, policies, EAR results, collateral.
        .target(
            name: "VeilAttestation",
            dependencies: [
                "_VeilBytes",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        /// AMD SEV-SNP attestation reports, VCEK/VLEK chains to the pinned ARKs.
        .target(
            name: "VeilSEVSNP",
            dependencies: [
                "VeilAttestation", "_VeilBytes", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        /// Intel DCAP quote core shared by TDX and SGX: quotes, PCK chains, TCB info, QE identity, CRLs.
        .target(
            name: "_VeilDCAP",
            dependencies: [
                "VeilAttestation", "_VeilBytes", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        /// Intel TDX quotes (v4, v5).
        .target(
            name: "VeilTDX",
            dependencies: ["_VeilDCAP", "VeilAttestation", "_VeilBytes"],
            swiftSettings: veilSwiftSettings
        ),
        /// Intel SGX quotes (v3).
        .target(
            name: "VeilSGX",
            dependencies: ["_VeilDCAP", "VeilAttestation", "_VeilBytes"],
            swiftSettings: veilSwiftSettings
        ),
        /// TPM 2.0 quotes (TPMS_ATTEST) signed by an attestation key.
        .target(
            name: "VeilTPM",
            dependencies: [
                "VeilAttestation", "_VeilBytes", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        /// Azure confidential VMs: HCL report, runtime claims, vTPM quote over an SEV-SNP or TDX report.
        .target(
            name: "VeilAzureVTPM",
            dependencies: ["VeilTPM", "VeilSEVSNP", "VeilTDX", "VeilAttestation", "_VeilBytes"],
            swiftSettings: veilSwiftSettings
        ),

        /// The SIMULATED TEE's evidence format and verifier (development only; every default policy rejects it).
        .target(
            name: "VeilSimulated",
            dependencies: [
                "VeilAttestation", "VeilKeys", "_VeilBytes", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: veilSwiftSettings
        ),

        // MARK: Sealed models

        /// The sealed model format: streaming, signed, chunked AES-256-GCM; unseal into locked memory.
        .target(
            name: "VeilSealing",
            dependencies: [
                "_VeilBytes",
                "VeilKeys",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: veilSwiftSettings
        ),

        // MARK: Transparency log

        /// RFC 9162 Merkle tree and proofs, C2SP signed-note checkpoints, typed log entries, client verification.
        .target(
            name: "VeilTransparency",
            dependencies: [
                "_VeilBytes",
                "VeilKeys",
                "VeilAttestation",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        /// The log's HTTP client: checkpoints, proofs, signed appends, stapleable inclusion bundles.
        .target(
            name: "VeilLogClient",
            dependencies: [
                "VeilAttesters",
                "_VeilBytes",
                "VeilKeys",
                "VeilTransparency",
                "VeilWire",
                "VeilSealing",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        /// The log server (Hummingbird): append, checkpoints, proofs; SQLite (GRDB) or PostgreSQL storage.
        .target(
            name: "VeilLogServer",
            dependencies: [
                "_VeilBytes",
                "VeilKeys",
                "VeilTransparency",
                "VeilWire",
                "VeilServerKit",
                "VeilStorageKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: veilSwiftSettings
        ),

        // MARK: Key broker

        /// The key broker's domain: KBS protocol messages and JWE, sessions, policies over EAR claims, versioned
        /// envelope-encrypted resources, hash-chained audit; SQLite (GRDB) or PostgreSQL storage. No HTTP.
        .target(
            name: "VeilKeyBroker",
            dependencies: [
                "_VeilBytes",
                "VeilKeys",
                "VeilAttestation",
                "VeilTransparency",
                "VeilStorageKit",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        /// The key broker server (Hummingbird): KBS attestation protocol, admin API, JWKS, metrics.
        .target(
            name: "VeilKeyBrokerServer",
            dependencies: [
                "_VeilBytes",
                "VeilAttestation",
                "VeilKeys",
                "VeilKeyBroker",
                "VeilLogClient",
                "VeilTransparency",
                "VeilWire",
                "VeilServerKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        /// The guest side of the KBS protocol: attest with an attester, fetch and unwrap resources.
        .target(
            name: "VeilKeyBrokerClient",
            dependencies: [
                "VeilWire", "VeilAttesters", "VeilAttestation", "_VeilBytes",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: veilSwiftSettings
        ),

        // MARK: Inference

        /// Compute kernels: quantised dot products, matrix products, norms, RoPE, attention, the worker pool.
        /// With `_VeilBytes`, the only place for unsafe pointers and SIMD.
        .target(
            name: "_VeilKernels",
            dependencies: ["_VeilBytes"],
            swiftSettings: veilSwiftSettings + kernelCodegenSettings
        ),
        /// Tokenizers: byte-level BPE from GGUF metadata, WordPiece for BERT, chat templates.
        .target(
            name: "VeilTokenizers",
            swiftSettings: veilSwiftSettings
        ),
        /// GGUF and safetensors loading, the Llama and BERT architectures, sampling, KV cache, generation.
        .target(
            name: "VeilInference",
            dependencies: [
                "_VeilBytes",
                "_VeilKernels",
                "VeilTokenizers",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: veilSwiftSettings
        ),

        // MARK: Encrypted transport

        /// Oblivious HTTP (RFC 9458, chunked draft) and Binary HTTP (RFC 9292): crypto and framing, no server.
        .target(
            name: "VeilOHTTP",
            dependencies: [
                "_VeilBytes",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: veilSwiftSettings
        ),

        // MARK: Evidence producers

        /// Evidence producers inside the node: configfs-tsm and /dev/sev-guest (SEV-SNP, TDX), TPM 2.0 (command
        /// protocol over /dev/tpmrm0 or a simulator socket), the SIMULATED TEE.
        .target(
            name: "VeilAttesters",
            dependencies: [
                "_VeilBytes", "VeilAttestation", "VeilKeys", "VeilSimulated",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: veilSwiftSettings
        ),

        // MARK: Inference node

        /// The inference node (Hummingbird): attestation bundle, OHTTP gateway, OpenAI-compatible inner routes over
        /// the built-in engine or a loopback upstream, key rotation with re-attestation.
        .target(
            name: "VeilNodeServer",
            dependencies: [
                "_VeilBytes",
                "_VeilKernels",
                "VeilKeys",
                "VeilAttestation",
                "VeilAttesters",
                "VeilOHTTP",
                "VeilInference",
                "VeilTokenizers",
                "VeilSealing",
                "VeilWire",
                "VeilServerKit",
                "VeilKeyBrokerClient",
                "VeilTransparency",
                "VeilLogClient",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: veilSwiftSettings
        ),

        // MARK: Relay and client

        /// The OHTTP relay (Hummingbird): forwards opaque OHTTP messages to a pool of nodes, routed by key id,
        /// with health checks, balancing, header stripping and bounds; holds no keys, logs no bodies.
        .target(
            name: "VeilRelayServer",
            dependencies: [
                "_VeilBytes",
                "VeilOHTTP",
                "VeilWire",
                "VeilServerKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        /// The client SDK: fetch and verify node attestation bundles, encrypt with (chunked) OHTTP through a relay,
        /// OpenAI-style calls with streaming.
        .target(
            name: "VeilClient",
            dependencies: [
                "_VeilBytes",
                "VeilOHTTP",
                "VeilWire",
                "VeilAttestation",
                "VeilTransparency",
                "VeilVerifiers",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: veilSwiftSettings
        ),

        /// The local OpenAI-compatible proxy behind `veil proxy`: plaintext on loopback, OHTTP to the node.
        .target(
            name: "VeilProxy",
            dependencies: [
                "_VeilBytes", "VeilClient", "VeilOHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        /// `veil node serve` / `veil-node`: the node's command line (parsing only); assembly is in VeilNodeServer.
        .target(
            name: "VeilNodeCLI",
            dependencies: [
                "_VeilBytes", "VeilNodeServer", "VeilAttesters", "VeilServerKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        /// `veil kbs serve` and the `veil-kbs` executable: the key broker alone (no node, engine, log server or relay).
        .target(
            name: "VeilKeyBrokerCLI",
            dependencies: [
                "_VeilBytes", "VeilKeyBroker", "VeilKeyBrokerServer", "VeilVerifiers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        /// `veil log serve` and the `veil-log` executable: the transparency log server alone.
        .target(
            name: "VeilLogCLI",
            dependencies: [
                "_VeilBytes", "VeilLogServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        /// `veil relay serve` and the `veil-relay` executable: the OHTTP relay alone (no keys, no storage).
        .target(
            name: "VeilRelayCLI",
            dependencies: [
                "_VeilBytes", "VeilRelayServer", "VeilServerKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        /// The whole stack in one process on loopback (log, broker, node, relay) for `veil demo` and `veil up`: one ordered
        /// ServiceGroup; the composition `veil` runs (real deployments run each server alone).
        .target(
            name: "VeilLocalStack",
            dependencies: [
                "_VeilBytes", "VeilKeys", "VeilSealing", "VeilAttestation", "VeilAttesters", "VeilTransparency",
                "VeilLogServer", "VeilLogClient", "VeilKeyBroker", "VeilKeyBrokerClient", "VeilKeyBrokerServer",
                "VeilNodeServer", "VeilRelayServer", "VeilClient", "VeilServerKit", "VeilVerifiers", "VeilWire",
                "VeilInference",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        /// `veil bench …`: measurements and their one sample/percentile type; the CLI only parses and prints.
        .target(
            name: "VeilBenchmarks",
            dependencies: [
                "_VeilBytes", "VeilKeys", "VeilSealing", "VeilAttestation", "VeilAttesters", "VeilSimulated",
                "VeilSEVSNP", "VeilTDX", "VeilSGX", "VeilAzureVTPM",
                "VeilTransparency", "VeilLogServer", "VeilKeyBroker", "VeilKeyBrokerClient",
                "VeilKeyBrokerServer", "VeilNodeServer", "VeilOHTTP",
                "VeilInference", "VeilTokenizers", "VeilWire", "VeilServerKit",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: veilSwiftSettings
        ),

        // MARK: Executables

        /// The inference node alone: exactly the node's dependency graph, built reproducibly (docs/release.md).
        .executableTarget(
            name: "veil-node",
            dependencies: ["VeilNodeCLI"],
            swiftSettings: veilSwiftSettings
        ),
        .executableTarget(
            name: "veil-kbs",
            dependencies: [
                "VeilKeyBrokerCLI", "_VeilBytes",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        .executableTarget(
            name: "veil-log",
            dependencies: [
                "VeilLogCLI", "_VeilBytes",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        .executableTarget(
            name: "veil-relay",
            dependencies: [
                "VeilRelayCLI", "_VeilBytes",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        .executableTarget(
            name: "veil",
            dependencies: [
                "_VeilBytes",
                "VeilKeys",
                "VeilSealing",
                "VeilAttestation",
                "VeilTransparency",
                "VeilLogClient",
                "VeilAttesters",
                "VeilInference",
                "VeilNodeServer",
                "VeilKeyBroker",
                "VeilKeyBrokerClient",
                "VeilKeyBrokerServer",
                "VeilClient",
                "VeilWire",
                "VeilServerKit",
                "VeilVerifiers",
                "VeilProxy",
                "VeilLocalStack",
                "VeilNodeCLI",
                "VeilKeyBrokerCLI",
                "VeilLogCLI",
                "VeilRelayCLI",
                "VeilBenchmarks",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: veilSwiftSettings
        ),

        // MARK: Test support and tests

        /// What every test target may share (no server code): shared-fixture lookup, seeded RNG, running the `veil`
        /// binary and child processes, tiny models, throwaway PostgreSQL databases, the attestation vectors, the forged
        /// TPM.
        .target(
            name: "VeilTestSupport",
            dependencies: [
                "_VeilBytes", "VeilOHTTP", "VeilStorageKit", "VeilAttestation", "VeilTPM",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        /// The key broker's storage back ends (SQLite, PostgreSQL) for its domain and server tests.
        .target(
            name: "VeilKeyBrokerTestSupport",
            dependencies: [
                "VeilKeyBroker", "VeilTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        /// Live servers on loopback for the relay, client, proxy and CLI tests: a test node, the real relay, log and
        /// node server (the trust stack). Only test targets that run servers depend on it.
        .target(
            name: "VeilServerTestSupport",
            dependencies: [
                "_VeilBytes", "VeilTestSupport", "VeilAttestation", "VeilAttesters", "VeilOHTTP", "VeilTransparency",
                "VeilServerKit", "VeilRelayServer", "VeilClient", "VeilLogClient", "VeilLogServer", "VeilNodeServer",
                "VeilWire",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        .testTarget(
            name: "VeilBytesTests",
            dependencies: ["_VeilBytes", "VeilTestSupport"],
            swiftSettings: veilSwiftSettings
        ),
        /// The attestation core (claims, policies, EAR, collateral) and what spans platforms: every verifier fuzzed,
        /// policies failing closed, the synthetic PKIs.
        .testTarget(
            name: "VeilAttestationTests",
            dependencies: [
                "VeilAttestation", "VeilSEVSNP", "VeilTDX", "VeilSGX", "_VeilDCAP", "VeilTPM", "VeilAzureVTPM",
                "_VeilBytes", "VeilTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        .testTarget(
            name: "VeilSEVSNPTests",
            dependencies: ["VeilSEVSNP", "VeilAttestation", "VeilTestSupport"],
            swiftSettings: veilSwiftSettings
        ),
        /// The DCAP quote core through both of its users: TDX and SGX real vectors, quote mutations, collateral layouts.
        .testTarget(
            name: "VeilDCAPTests",
            dependencies: ["_VeilDCAP", "VeilTDX", "VeilSGX", "VeilAttestation", "VeilTestSupport"],
            swiftSettings: veilSwiftSettings
        ),
        /// TPM quotes, forged and real, including the Azure vTPM vectors that carry them.
        .testTarget(
            name: "VeilTPMTests",
            dependencies: [
                "VeilTPM", "VeilAzureVTPM", "VeilAttestation", "_VeilBytes", "VeilTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        .testTarget(
            name: "VeilKeysTests",
            dependencies: ["VeilKeys"],
            swiftSettings: veilSwiftSettings
        ),
        .testTarget(
            name: "VeilSealingTests",
            dependencies: ["VeilSealing", "VeilKeys", "_VeilBytes", "VeilTestSupport"],
            exclude: ["Vectors"],
            swiftSettings: veilSwiftSettings
        ),
        .testTarget(
            name: "VeilOHTTPTests",
            dependencies: ["VeilOHTTP", "VeilTestSupport"],
            swiftSettings: veilSwiftSettings
        ),
        .testTarget(
            name: "VeilAttestersTests",
            dependencies: [
                "VeilAttesters", "VeilTestSupport", "VeilAttestation", "VeilSEVSNP", "VeilTDX", "VeilTPM",
                "VeilSimulated", "VeilKeys", "_VeilBytes",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        .testTarget(
            name: "VeilTransparencyTests",
            dependencies: ["VeilTransparency", "VeilKeys", "VeilTestSupport"],
            resources: [.copy("Vectors")],
            swiftSettings: veilSwiftSettings
        ),
        .testTarget(
            name: "VeilLogServerTests",
            dependencies: [
                "VeilLogServer",
                "VeilTransparency",
                "VeilWire",
                "VeilKeys",
                "VeilTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        /// The broker's domain: release policies, storage (SQLite and PostgreSQL), admin tokens.
        .testTarget(
            name: "VeilKeyBrokerTests",
            dependencies: [
                "VeilKeyBroker", "VeilKeys", "_VeilBytes", "VeilKeyBrokerTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        /// The broker's HTTP server: KBS protocol, admin API, forgeries, the log, audit tampering, `veil kbs serve`.
        .testTarget(
            name: "VeilKeyBrokerServerTests",
            dependencies: [
                "VeilKeyBrokerServer", "VeilKeyBroker", "VeilAttestation", "VeilAttesters", "VeilSimulated", "VeilKeys",
                "_VeilBytes",
                "VeilTestSupport",
                "VeilKeyBrokerTestSupport",
                "VeilTPM",
                "VeilWire",
                "VeilTransparency",
                "VeilLogServer",
                "VeilLogClient",
                "VeilServerKit",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        .testTarget(
            name: "VeilWireTests",
            dependencies: [
                "VeilWire", "VeilAttestation", "_VeilBytes", "VeilTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        .testTarget(
            name: "VeilKeyBrokerClientTests",
            dependencies: [
                "VeilKeyBrokerClient", "VeilKeyBroker", "VeilKeyBrokerServer", "VeilAttesters", "VeilAttestation",
                "VeilSimulated", "VeilTPM", "VeilKeys", "_VeilBytes", "VeilTestSupport", "VeilWire",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        .testTarget(
            name: "VeilKernelsTests",
            dependencies: ["_VeilKernels", "VeilTestSupport"],
            swiftSettings: veilSwiftSettings + kernelConditionSettings
        ),
        .testTarget(
            name: "VeilTokenizersTests",
            dependencies: ["VeilTokenizers"],
            swiftSettings: veilSwiftSettings
        ),
        .testTarget(
            name: "VeilInferenceTests",
            dependencies: ["VeilInference", "_VeilKernels", "VeilTokenizers", "VeilTestSupport", "_VeilBytes"],
            swiftSettings: veilSwiftSettings + kernelConditionSettings
        ),
        /// Tests against the real SmolLM2 and MiniLM weights: run in a release build after `veil model pull`.
        .testTarget(
            name: "VeilModelTests",
            dependencies: ["VeilInference", "VeilTokenizers", "VeilTestSupport"],
            swiftSettings: veilSwiftSettings
        ),
        .testTarget(
            name: "VeilNodeServerTests",
            dependencies: [
                "VeilNodeServer", "VeilOHTTP", "VeilInference", "VeilAttestation", "VeilSimulated", "VeilKeys",
                "VeilSealing", "VeilTokenizers", "VeilAttesters", "_VeilKernels", "_VeilBytes", "VeilTestSupport",
                "VeilKeyBroker", "VeilKeyBrokerClient", "VeilKeyBrokerServer", "VeilTransparency",
                "VeilLogServer", "VeilLogClient", "VeilWire",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        /// The benchmarks' one sample/percentile type.
        .testTarget(
            name: "VeilBenchmarksTests",
            dependencies: ["VeilBenchmarks"],
            swiftSettings: veilSwiftSettings
        ),
        /// Integration suite: the `veil` executable as a process (its subcommands, `veil chat` and `veil relay serve`).
        .testTarget(
            name: "VeilCLITests",
            dependencies: [
                "VeilTestSupport", "VeilServerTestSupport", "VeilAttestation", "VeilAttesters", "_VeilBytes",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        /// The OHTTP relay against in-process test nodes.
        .testTarget(
            name: "VeilRelayServerTests",
            dependencies: [
                "VeilRelayServer", "VeilOHTTP", "_VeilBytes", "VeilTestSupport", "VeilServerTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        /// The client SDK against test nodes, the real node server, relay, log and key broker.
        .testTarget(
            name: "VeilClientTests",
            dependencies: [
                "VeilClient", "VeilOHTTP", "VeilAttestation", "VeilAttesters", "VeilSimulated",
                "VeilKeys", "VeilTestSupport", "VeilServerTestSupport", "_VeilBytes", "VeilNodeServer", "VeilInference",
                "VeilKeyBroker", "VeilKeyBrokerClient", "VeilKeyBrokerServer", "VeilTransparency", "VeilLogClient",
                "VeilWire",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        /// The local OpenAI-compatible proxy, in process and driven by the real `openai` package.
        .testTarget(
            name: "VeilProxyTests",
            dependencies: [
                "VeilProxy", "VeilClient", "_VeilBytes", "VeilTestSupport", "VeilServerTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: veilSwiftSettings
        ),
        /// Integration suite: DESIGN invariants 1 and 2 against real processes (the node's memory after a request, the
        /// relay's traffic) and the whole path (`veil node serve`, `veil relay serve`, the SDK, `veil chat`, `veil
        /// proxy`).
        .testTarget(
            name: "VeilEndToEndTests",
            dependencies: [
                "VeilTestSupport", "VeilClient",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: veilSwiftSettings
        ),
    ]
)
