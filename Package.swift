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
/// leaves the SIMD kernels without FMA, F16C or wide vectors. Like llama.cpp's default `GGML_NATIVE=ON`, the kernels
/// are built for the build machine's CPU (`native`: AVX-512 where present, measured ~15% faster than AVX2 here).
/// For binaries that must run on other machines set `VEIL_TARGET_CPU` (e.g. `haswell` for AVX2/FMA/F16C, which every
/// x86 server since 2015 has).
let kernelCodegenSettings: [SwiftSetting] = {
    #if arch(x86_64)
    let cpu = Context.environment["VEIL_TARGET_CPU"] ?? "native"
    return [.unsafeFlags(["-target-cpu", cpu])]
    #else
    return []
    #endif
}()

let package = Package(
    name: "veil",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "veil", targets: ["veil"]),
        .library(name: "_VeilBytes", targets: ["_VeilBytes"]),
        .library(name: "VeilKeys", targets: ["VeilKeys"]),
        .library(name: "VeilTokenizers", targets: ["VeilTokenizers"]),
        .library(name: "VeilInference", targets: ["VeilInference"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
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

        // MARK: Executable

        .executableTarget(
            name: "veil",
            dependencies: [
                "_VeilBytes",
                "VeilKeys",
                "VeilInference",
                "VeilTokenizers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: veilSwiftSettings
        ),

        // MARK: Test support and tests

        .target(
            name: "VeilTestSupport",
            dependencies: ["_VeilBytes"],
            swiftSettings: veilSwiftSettings
        ),
        .testTarget(
            name: "VeilBytesTests",
            dependencies: ["_VeilBytes", "VeilTestSupport"],
            swiftSettings: veilSwiftSettings
        ),
        .testTarget(
            name: "VeilKeysTests",
            dependencies: ["VeilKeys", "VeilTestSupport"],
            swiftSettings: veilSwiftSettings
        ),
        .testTarget(
            name: "VeilKernelsTests",
            dependencies: ["_VeilKernels", "VeilTestSupport"],
            swiftSettings: veilSwiftSettings
        ),
        .testTarget(
            name: "VeilTokenizersTests",
            dependencies: ["VeilTokenizers", "VeilInference", "VeilTestSupport"],
            swiftSettings: veilSwiftSettings
        ),
        .testTarget(
            name: "VeilInferenceTests",
            dependencies: ["VeilInference", "_VeilKernels", "VeilTokenizers", "VeilTestSupport", "_VeilBytes"],
            swiftSettings: veilSwiftSettings
        ),
        /// Tests against the real SmolLM2 and MiniLM weights: run in a release build after `veil model pull`.
        .testTarget(
            name: "VeilModelTests",
            dependencies: ["VeilInference", "VeilTokenizers", "VeilTestSupport"],
            swiftSettings: veilSwiftSettings
        ),
        .testTarget(
            name: "VeilCLITests",
            dependencies: ["VeilTestSupport"],
            swiftSettings: veilSwiftSettings
        ),
    ]
)
