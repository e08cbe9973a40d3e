// swift-tools-version: 6.1
//
// An application that depends on Veil the way any other project would: by version, through a git URL.
//
// VEIL_PACKAGE_URL names the repository (scripts/build-example points it at a temporary tagged clone, `file://…`);
// unset, it is the project's public repository.

import PackageDescription

let veilURL = Context.environment["VEIL_PACKAGE_URL"] ?? "https://veil.dev/veil"

let package = Package(
    name: "ChatClient",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: veilURL, from: "0.14.0")
    ],
    targets: [
        .executableTarget(
            name: "ChatClient",
            dependencies: [
                .product(name: "VeilClient", package: "veil"),
                .product(name: "VeilAttestation", package: "veil"),
                .product(name: "VeilTransparency", package: "veil"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        )
    ]
)
