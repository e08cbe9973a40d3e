import Crypto
import _VeilBytes

/// A TPM 2.0 client speaking the command protocol of TCG Library Part 3 directly, with empty-password
/// authorization sessions. One command at a time; responses are bounds-checked and response codes decoded.
public actor TPM2Client {
    private let transport: any TPM2Transport

    public init(transport: any TPM2Transport) {
        self.transport = transport
    }

    /// A client for `tcp://HOST:PORT` (swtpm, the TCG simulator) or a device path (`/dev/tpmrm0`).
    public init(location: TPM2Location) throws(TPM2Error) {
        transport = try location.transport()
    }

    private func execute(_ command: TPM2.Command, handleCount: Int = 0) async throws(TPM2Error) -> TPM2.Response {
        let response = try await transport.transmit(command.encoded())
        return try TPM2.Response(response, command: command.code, handleCount: handleCount)
    }

    private func parse<T>(
        _ command: TPM2.CommandCode,
        _ bytes: [UInt8],
        _ body: (inout ByteCursor<[UInt8]>) throws -> T
    )
        throws(TPM2Error) -> T
    {
        var cursor = ByteCursor(bytes)
        do {
            return try body(&cursor)
        } catch let error as TPM2Error {
            throw error
        } catch {
            throw TPM2Error(.malformedResponse, command: command, "\(error)")
        }
    }

    /// TPM2_Startup(CLEAR); a TPM that is already started (TPM_RC_INITIALIZE) is fine.
    public func startup() async throws(TPM2Error) {
        var command = TPM2.Command(.startup)
        command.parameters.write(TPM2.startupClear, .big)
        do {
            _ = try await execute(command)
        } catch  where error.responseCode == 0x100 {
            return
        }
    }

    /// TPM2_GetRandom.
    public func random(count: Int) async throws(TPM2Error) -> [UInt8] {
        var command = TPM2.Command(.getRandom)
        command.parameters.write(UInt16(count), .big)
        let response = try await execute(command)
        return try parse(.getRandom, response.parameters) { try $0.readTPM2B("randomBytes") }
    }

    /// TPM2_CreatePrimary under `hierarchy`: returns the transient handle and the public area.
    public func createPrimary(
        hierarchy: UInt32,
        template: [UInt8]
    ) async throws(TPM2Error)
        -> (handle: UInt32, publicArea: TPM2.PublicArea)
    {
        var command = TPM2.Command(.createPrimary)
        command.handles = [hierarchy]
        command.passwordSessions = 1
        Self.writeCreationParameters(&command.parameters, template: template)
        let response = try await execute(command, handleCount: 1)
        let wire = try parse(.createPrimary, response.parameters) { try $0.readTPM2B("outPublic") }
        return (response.handles[0], try TPM2.PublicArea(parsing: wire))
    }

    /// TPM2_Create under `parent`: returns the private blob and the public area, to be loaded.
    public func create(
        parent: UInt32,
        template: [UInt8]
    ) async throws(TPM2Error)
        -> (privateBlob: [UInt8], publicArea: TPM2.PublicArea)
    {
        var command = TPM2.Command(.create)
        command.handles = [parent]
        command.passwordSessions = 1
        Self.writeCreationParameters(&command.parameters, template: template)
        let response = try await execute(command)
        let (privateBlob, wire) = try parse(.create, response.parameters) { cursor in
            (try cursor.readTPM2B("outPrivate"), try cursor.readTPM2B("outPublic"))
        }
        return (privateBlob, try TPM2.PublicArea(parsing: wire))
    }

    /// TPM2_Load: returns the transient handle of the loaded object.
    public func load(
        parent: UInt32,
        privateBlob: [UInt8],
        publicArea: TPM2.PublicArea
    ) async throws(TPM2Error) -> UInt32 {
        var command = TPM2.Command(.load)
        command.handles = [parent]
        command.passwordSessions = 1
        command.parameters.writeTPM2B(privateBlob)
        command.parameters.writeTPM2B(publicArea.wire)
        return try await execute(command, handleCount: 1).handles[0]
    }

    /// TPM2_ReadPublic: the public area the TPM holds for `handle`, and its name as the TPM computes it.
    public func readPublic(_ handle: UInt32) async throws(TPM2Error) -> (publicArea: TPM2.PublicArea, name: [UInt8]) {
        var command = TPM2.Command(.readPublic)
        command.handles = [handle]
        let response = try await execute(command)
        let (wire, name) = try parse(.readPublic, response.parameters) { cursor in
            (try cursor.readTPM2B("outPublic"), try cursor.readTPM2B("name"))
        }
        return (try TPM2.PublicArea(parsing: wire), name)
    }

    /// TPM2_Quote with the key's own scheme: the TPMS_ATTEST bytes and the TPMT_SIGNATURE bytes, as signed.
    public func quote(
        key: UInt32,
        qualifyingData: [UInt8],
        selection: TPM2.PCRSelection
    ) async throws(TPM2Error)
        -> (attest: [UInt8], signature: [UInt8])
    {
        var command = TPM2.Command(.quote)
        command.handles = [key]
        command.passwordSessions = 1
        command.parameters.writeTPM2B(qualifyingData)
        command.parameters.write(TPM2.Algorithm.null.rawValue, .big)  // inScheme: the key's scheme
        selection.write(to: &command.parameters)
        let response = try await execute(command)
        return try parse(.quote, response.parameters) { cursor in
            let attest = try cursor.readTPM2B("quoted")
            let start = cursor.offset
            let algorithm = try cursor.read(UInt16.self, .big, "sigAlg")
            _ = try cursor.read(UInt16.self, .big, "hash")
            if algorithm == TPM2.Algorithm.ecdsa.rawValue {
                _ = try cursor.readTPM2B("signatureR")
                _ = try cursor.readTPM2B("signatureS")
            } else {
                _ = try cursor.readTPM2B("signature")
            }
            return (attest, Array(response.parameters[start..<cursor.offset]))
        }
    }

    /// TPM2_PCR_Read of every selected PCR (the TPM returns at most eight per call, so this loops).
    public func readPCRs(_ selection: TPM2.PCRSelection) async throws(TPM2Error) -> [Int: [UInt8]] {
        var remaining = selection.indices
        var values: [Int: [UInt8]] = [:]
        while !remaining.isEmpty {
            var command = TPM2.Command(.pcrRead)
            TPM2.PCRSelection(hash: selection.hash, indices: remaining).write(to: &command.parameters)
            let response = try await execute(command)
            let (returned, digests) = try parse(.pcrRead, response.parameters) { cursor in
                _ = try cursor.read(UInt32.self, .big, "pcrUpdateCounter")
                let returned = try TPM2.PCRSelection.read(from: &cursor)?.indices ?? []
                let count = try cursor.read(UInt32.self, .big, "pcrValues count")
                guard count <= 8 else { throw TPM2Error(.malformedResponse, command: .pcrRead, "\(count) digests") }
                return (returned, try (0..<count).map { _ in try cursor.readTPM2B("pcr digest") })
            }
            guard !returned.isEmpty, returned.count == digests.count else {
                throw TPM2Error(.malformedResponse, command: .pcrRead, "PCRs \(remaining) were not returned")
            }
            for (index, digest) in zip(returned, digests) { values[index] = digest }
            remaining.removeAll { returned.contains($0) }
        }
        return values
    }

    /// TPM2_PCR_Extend of one SHA-256 digest into `pcr`.
    public func extendPCR(_ pcr: Int, sha256Digest digest: [UInt8]) async throws(TPM2Error) {
        var command = TPM2.Command(.pcrExtend)
        command.handles = [UInt32(pcr)]
        command.passwordSessions = 1
        command.parameters.write(UInt32(1), .big)
        command.parameters.write(TPM2.Algorithm.sha256.rawValue, .big)
        command.parameters.write(contentsOf: digest)
        _ = try await execute(command)
    }

    /// TPM2_PCR_Reset: sets a resettable PCR (16 and 23 at locality 0 in the PC Client profile) to zero.
    public func resetPCR(_ pcr: Int) async throws(TPM2Error) {
        var command = TPM2.Command(.pcrReset)
        command.handles = [UInt32(pcr)]
        command.passwordSessions = 1
        _ = try await execute(command)
    }

    /// TPM2_FlushContext: frees a transient object.
    public func flush(_ handle: UInt32) async throws(TPM2Error) {
        var command = TPM2.Command(.flushContext)
        command.parameters.write(handle, .big)
        _ = try await execute(command)
    }

    /// inSensitive (empty auth and data), inPublic, outsideInfo (empty), creationPCR (none).
    private static func writeCreationParameters(_ writer: inout ByteWriter, template: [UInt8]) {
        writer.write(contentsOf: [0x00, 0x04, 0x00, 0x00, 0x00, 0x00])
        writer.writeTPM2B(template)
        writer.writeTPM2B([UInt8]())
        writer.write(UInt32(0), .big)
    }
}
