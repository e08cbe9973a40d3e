public import VeilAttestation
import Foundation
import _VeilBytes

/// The SEV-SNP certificate table (GHCB specification, "SNP Extended Guest Request"): entries of
/// `GUID (16) ‖ offset (u32 LE) ‖ length (u32 LE)` ending with an all-zero entry; offsets count from the table's
/// start. configfs-tsm returns it as `auxblob`, the extended-report ioctl in its certificate buffer.
public struct SNPCertificateTable: Sendable, Hashable {
    /// One certificate (DER) or CRL, named by its GUID.
    public struct Entry: Sendable, Hashable {
        /// The GUID, lowercase with dashes.
        public let guid: String
        /// The certificate or CRL bytes.
        public let bytes: [UInt8]
    }

    /// The entries in table order.
    public let entries: [Entry]

    /// The GUIDs AMD defines, with the file name each is stapled under.
    public static let knownGUIDs: [String: String] = [
        "c0b406a4-a803-4952-9743-3fb6014cd0ae": "ark.der",
        "4ab7b379-bbac-4fe4-a02f-05aef327c782": "ask.der",
        "63da758d-e664-4564-adc5-f4b93be8accd": "vcek.der",
        "a8074bc2-a25a-483e-aae6-39c045a0b8a1": "vlek.der",
        "92f81bc3-5811-4d3d-97ff-d19f88dc67ea": "crl.der",
    ]

    /// The known entries as stapled collateral (unknown GUIDs are left out).
    public var items: [EvidenceBundle.Item] {
        entries.compactMap { entry in
            Self.knownGUIDs[entry.guid].map { EvidenceBundle.Item(name: $0, bytes: entry.bytes) }
        }
    }

    /// Parses a table. GUIDs are read in RFC 4122 byte order (what `snphost` and go-sev-guest write); a GUID that
    /// is only known in the mixed-endian EFI order is accepted too.
    public static func parse(_ table: [UInt8]) throws(AttesterError) -> SNPCertificateTable {
        var cursor = ByteCursor(table)
        var entries: [Entry] = []
        do {
            while true {
                let guidBytes = try cursor.readBytes(count: 16, "GUID")
                let offset = Int(try cursor.read(UInt32.self, .little, "offset"))
                let length = Int(try cursor.read(UInt32.self, .little, "length"))
                if guidBytes.allSatisfy({ $0 == 0 }) && offset == 0 && length == 0 { break }
                guard entries.count < 64 else {
                    throw AttesterError(.malformedCertificateTable, "more than 64 entries")
                }
                guard offset <= table.count, length <= table.count - offset, length > 0 else {
                    throw AttesterError(
                        .malformedCertificateTable,
                        "entry \(entries.count) points at bytes \(offset)..<\(offset + length) of a \(table.count)-byte table"
                    )
                }
                entries.append(
                    Entry(guid: guidString(Array(guidBytes)), bytes: Array(table[offset..<(offset + length)]))
                )
            }
        } catch let error as AttesterError {
            throw error
        } catch {
            throw AttesterError(.malformedCertificateTable, "the table ends without its zero terminator: \(error)")
        }
        return SNPCertificateTable(entries: entries)
    }

    /// Builds a table (for tests and for hosts): entries then the terminator, then the data.
    public static func encode(_ entries: [(guid: String, bytes: [UInt8])]) -> [UInt8] {
        var writer = ByteWriter()
        var offset = 24 * (entries.count + 1)
        for entry in entries {
            writer.write(contentsOf: guidBytes(entry.guid))
            writer.write(UInt32(offset), .little)
            writer.write(UInt32(entry.bytes.count), .little)
            offset += entry.bytes.count
        }
        writer.writeZeros(24)
        for entry in entries { writer.write(contentsOf: entry.bytes) }
        return writer.bytes
    }

    static func guidString(_ bytes: [UInt8]) -> String {
        let standard = format(bytes)
        if knownGUIDs[standard] != nil { return standard }
        // Mixed-endian (EFI) order: the first three fields little-endian.
        let swapped = Array(bytes[0..<4].reversed()) + bytes[4..<6].reversed() + bytes[6..<8].reversed() + bytes[8...]
        let efi = format(swapped)
        return knownGUIDs[efi] != nil ? efi : standard
    }

    private static func format(_ bytes: [UInt8]) -> String {
        let hex = Hex.encode(bytes)
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }

    static func guidBytes(_ guid: String) -> [UInt8] {
        (try? Hex.decode(guid.replacingOccurrences(of: "-", with: ""))) ?? [UInt8](repeating: 0, count: 16)
    }
}
