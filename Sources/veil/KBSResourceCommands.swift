import ArgumentParser
import Foundation
import VeilKeyBroker
import VeilKeyBrokerClient
import _VeilBytes

/// `veil kbs resource put`.
struct KBSResourcePutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put",
        abstract: "Store version 1 of a new resource, optionally with its release policy.",
        discussion: "Without --policy the repository's policy applies, or else the strict baseline."
    )

    @OptionGroup var admin: KBSAdminOptions

    @Option(help: ArgumentHelp("The resource.", valueName: "REPO/TYPE/TAG"))
    var path: String

    @Option(help: ArgumentHelp("The secret (at most 64 KiB).", valueName: "SECRET"))
    var file: String

    @Option(help: ArgumentHelp("A release policy for this resource (docs/kbs.md).", valueName: "POLICY.json"))
    var policy: String?

    @Option var format: OutputFormat = .text

    func run() async throws {
        let resource = try SecretFile.path(path)
        let policyBytes = try policy.map { try ReleasePolicy.validatedFile(path: $0) }
        let client = try admin.client()
        let secret = try SecretFile.read(file)
        let body = try await client.remedial { client throws(KBSClientError) in
            try await client.putResource(resource.path, secret: secret, policy: policyBytes)
        }
        try KBSResourceOutput.print(body, format: format, verb: "stored")
    }
}

/// `veil kbs resource rotate`.
struct KBSResourceRotateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Add a new version; the previous one stays readable for the grace period."
    )

    @OptionGroup var admin: KBSAdminOptions

    @Option(help: ArgumentHelp("The resource.", valueName: "REPO/TYPE/TAG"))
    var path: String

    @Option(help: ArgumentHelp("The new secret.", valueName: "SECRET"))
    var file: String

    @Option(
        help: ArgumentHelp(
            "How long the previous version stays readable (default: the broker's, 24 h).",
            valueName: "SECONDS"
        )
    )
    var grace: Int?

    @Option var format: OutputFormat = .text

    func run() async throws {
        let resource = try SecretFile.path(path)
        let client = try admin.client()
        let secret = try SecretFile.read(file)
        let body = try await client.remedial { client throws(KBSClientError) in
            try await client.rotateResource(resource.path, secret: secret, graceSeconds: grace)
        }
        try KBSResourceOutput.print(body, format: format, verb: "rotated")
    }
}

/// `veil kbs resource list`.
struct KBSResourceListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List resources and their readable versions."
    )

    @OptionGroup var admin: KBSAdminOptions

    @Option(help: ArgumentHelp("Only this repository.", valueName: "REPO"))
    var repository: String?

    @Option var format: OutputFormat = .text

    func run() async throws {
        let client = try admin.client()
        let body = try await client.remedial { client throws(KBSClientError) in
            try await client.listResources(repository: repository)
        }
        if format == .json {
            print(String(decoding: body, as: UTF8.self))
            return
        }
        let list = (try? JSONSerialization.jsonObject(with: Data(body))) as? [[String: Any]] ?? []
        if list.isEmpty { print("no resources") }
        for item in list {
            let versions = (item["readable_versions"] as? [Int] ?? []).map(String.init).joined(separator: ",")
            print(
                "\(item["path"] as? String ?? "?")  current v\(item["current_version"] as? Int ?? 0)  readable [\(versions)]"
            )
        }
    }
}

/// `veil kbs resource delete`.
struct KBSResourceDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete every version of a resource."
    )

    @OptionGroup var admin: KBSAdminOptions

    @Option(help: ArgumentHelp("The resource.", valueName: "REPO/TYPE/TAG"))
    var path: String

    func run() async throws {
        let resource = try SecretFile.path(path)
        try await admin.client().remedial { client throws(KBSClientError) in
            try await client.deleteResource(resource.path)
        }
        print("deleted \(resource.path)")
    }
}

enum KBSResourceOutput {
    static func print(_ body: [UInt8], format: OutputFormat, verb: String) throws {
        if format == .json {
            Swift.print(String(decoding: body, as: UTF8.self))
            return
        }
        let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
        Swift.print("\(verb) \(object["path"] as? String ?? "?") version \(object["version"] as? Int ?? 0)")
    }
}
