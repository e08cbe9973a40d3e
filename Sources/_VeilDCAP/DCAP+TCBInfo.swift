import Foundation
public import VeilAttestation
import _VeilBytes

extension DCAP {
    /// One TCB level of a TCB info or enclave identity.
    public struct TCBLevel: Sendable, Decodable, Hashable {
        public struct Component: Sendable, Decodable, Hashable {
            public let svn: Int
        }

        public struct TCB: Sendable, Decodable, Hashable {
            public let sgxtcbcomponents: [Component]?
            public let tdxtcbcomponents: [Component]?
            public let pcesvn: Int?
            public let isvsvn: Int?

            struct Key: CodingKey {
                var stringValue: String
                var intValue: Int? { nil }
                init(stringValue: String) { self.stringValue = stringValue }
                init?(intValue: Int) { nil }
            }

            /// Decodes TCB info v3 (`sgxtcbcomponents` arrays) and v2 (`sgxtcbcomp01svn` … `sgxtcbcomp16svn`).
            public init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: Key.self)
                pcesvn = try container.decodeIfPresent(Int.self, forKey: Key(stringValue: "pcesvn"))
                isvsvn = try container.decodeIfPresent(Int.self, forKey: Key(stringValue: "isvsvn"))
                tdxtcbcomponents = try container.decodeIfPresent(
                    [Component].self,
                    forKey: Key(stringValue: "tdxtcbcomponents")
                )
                if let components = try container.decodeIfPresent(
                    [Component].self,
                    forKey: Key(stringValue: "sgxtcbcomponents")
                ) {
                    sgxtcbcomponents = components
                } else if container.contains(Key(stringValue: "sgxtcbcomp01svn")) {
                    var components: [Component] = []
                    for index in 1...16 {
                        let key = Key(stringValue: String(format: "sgxtcbcomp%02dsvn", index))
                        components.append(Component(svn: try container.decodeIfPresent(Int.self, forKey: key) ?? 0))
                    }
                    sgxtcbcomponents = components
                } else {
                    sgxtcbcomponents = nil
                }
            }
        }

        public let tcb: TCB
        public let tcbDate: String?
        public let tcbStatus: String
        public let advisoryIDs: [String]?
    }

    /// A TDX module identity of a TDX TCB info.
    public struct TDXModuleIdentity: Sendable, Decodable, Hashable {
        public let id: String
        public let mrsigner: String
        public let attributes: String
        public let attributesMask: String
        public let tcbLevels: [TCBLevel]
    }

    /// PCS TCB info (`tcbInfo`), version 2 or 3.
    public struct TCBInfo: Sendable, Decodable, Hashable {
        public let id: String?
        public let version: Int
        public let issueDate: String
        public let nextUpdate: String
        public let fmspc: String
        public let pceId: String
        public let tcbLevels: [TCBLevel]
        public let tdxModule: TDXModule?
        public let tdxModuleIdentities: [TDXModuleIdentity]?
    }

    /// The TDX module identity of a TDX 1.0 TCB info (`tdxModule`).
    public struct TDXModule: Sendable, Decodable, Hashable {
        public let mrsigner: String
        public let attributes: String
        public let attributesMask: String
    }

    /// PCS enclave identity (`enclaveIdentity`): QE or TD_QE.
    public struct EnclaveIdentity: Sendable, Decodable, Hashable {
        public let id: String
        public let version: Int
        public let issueDate: String
        public let nextUpdate: String
        public let miscselect: String
        public let miscselectMask: String
        public let attributes: String
        public let attributesMask: String
        public let mrsigner: String
        public let isvprodid: Int
        public let tcbLevels: [TCBLevel]
    }

    /// A signed collateral document: the exact bytes of the signed JSON object and its signature.
    public struct Signed<Document: Sendable & Decodable & Hashable>: Sendable, Hashable {
        public let raw: [UInt8]
        public let signature: [UInt8]
        public let document: Document

        public init(raw: [UInt8], signatureHex: String) throws(AttestationError) {
            do {
                document = try JSONDecoder().decode(Document.self, from: Data(raw))
            } catch {
                throw AttestationError(.malformedCollateral, "\(Document.self) JSON is malformed: \(error)")
            }
            guard let signature = try? Hex.decode(signatureHex), signature.count == 64 else {
                throw AttestationError(.malformedCollateral, "the \(Document.self) signature is not 64 bytes of hex")
            }
            self.raw = raw
            self.signature = signature
        }
    }
}
