import Foundation
import Testing
import VeilAttestation
import VeilAttesters

@Suite("TEE interface detection on prepared trees")
struct TEEInterfacesTests {
    /// Builds a tree with the given files (relative paths) and, optionally, a configfs-tsm entry's provider.
    func tree(_ files: [String], provider: String? = nil) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("veil-tree-\(UUID().uuidString)")
        for file in files {
            let url = root.appendingPathComponent(file)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(),
                withIntermediateDirectories: true
            )
            try Data().write(to: url)
        }
        if let provider {
            let entry = root.appendingPathComponent("sys/kernel/config/tsm/report/existing")
            try FileManager.default.createDirectory(at: entry, withIntermediateDirectories: true)
            try Data("\(provider)\n".utf8).write(to: entry.appendingPathComponent("provider"))
        }
        return root
    }

    @Test(
        "--tee auto prefers configfs-tsm, then /dev/sev-guest, then the TPM, and never the SIMULATED TEE",
        arguments: [
            ([], nil, nil),
            (["dev/tpmrm0"], nil, AttestationPlatform.tpm),
            (["dev/sev-guest", "dev/tpmrm0"], nil, .sevSNP),
            (["dev/tdx_guest", "dev/tpmrm0"], "tdx_guest", .tdx),
            (["dev/tpmrm0"], "sev_guest", .sevSNP),
            (["dev/tpmrm0"], "", .tpm),
            (["sys/kernel/security/tpm0/binary_bios_measurements"], nil, nil),
        ] as [([String], String?, AttestationPlatform?)]
    )
    func automaticChoice(files: [String], provider: String?, expected: AttestationPlatform?) throws {
        let root = try tree(files, provider: provider)
        defer { try? FileManager.default.removeItem(at: root) }
        let found = TEEInterfaces.probe(root: root.path)
        #expect(found.automaticChoice == expected)
        #expect(found.hardwareAvailable == (expected != nil))
        for file in files {
            #expect(found.interfaces.contains { $0.present && $0.path == root.appendingPathComponent(file).path })
        }
        #expect(found.tsmProvider == provider)
    }
}
