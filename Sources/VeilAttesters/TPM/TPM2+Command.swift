import _VeilBytes

extension TPM2 {
    /// A command being marshalled (Library Part 1 §18: header, handle area, authorization area, parameters).
    struct Command {
        let code: CommandCode
        var handles: [UInt32] = []
        /// One empty-password session (TPM_RS_PW) per handle that needs authorization.
        var passwordSessions = 0
        var parameters = ByteWriter()

        init(_ code: CommandCode) {
            self.code = code
        }

        func encoded() -> [UInt8] {
            var body = ByteWriter()
            for handle in handles { body.write(handle, .big) }
            if passwordSessions > 0 {
                // TPMS_AUTH_COMMAND: sessionHandle, nonce (TPM2B, empty), sessionAttributes, hmac (TPM2B, empty).
                let session: [UInt8] = [0x40, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00]
                body.write(UInt32(session.count * passwordSessions), .big)
                for _ in 0..<passwordSessions { body.write(contentsOf: session) }
            }
            body.write(contentsOf: parameters.bytes)
            var command = ByteWriter(capacity: 10 + body.count)
            command.write((passwordSessions > 0 ? Tag.sessions : Tag.noSessions).rawValue, .big)
            command.write(UInt32(10 + body.count), .big)
            command.write(code.rawValue, .big)
            command.write(contentsOf: body.bytes)
            return command.bytes
        }
    }

    /// A parsed response: the handles it returned and its parameter area.
    struct Response {
        let handles: [UInt32]
        let parameters: [UInt8]

        /// Parses a response to `command`, which returns `handleCount` handles.
        init(_ bytes: [UInt8], command: CommandCode, handleCount: Int) throws(TPM2Error) {
            var cursor = ByteCursor(bytes)
            do {
                let tag = try cursor.read(UInt16.self, .big, "tag")
                let size = try cursor.read(UInt32.self, .big, "responseSize")
                let code = try cursor.read(UInt32.self, .big, "responseCode")
                guard Int(size) == bytes.count else {
                    throw TPM2Error(.malformedResponse, command: command, "size field \(size) ≠ \(bytes.count) bytes")
                }
                guard code == 0 else { throw TPM2Error.response(code, command: command) }
                var handles: [UInt32] = []
                for _ in 0..<handleCount { handles.append(try cursor.read(UInt32.self, .big, "handle")) }
                self.handles = handles
                switch tag {
                case Tag.sessions.rawValue:
                    let parameterSize = Int(try cursor.read(UInt32.self, .big, "parameterSize"))
                    parameters = try cursor.readBytes(count: parameterSize, "parameters")
                // The authorization area that follows is not needed for password sessions.
                case Tag.noSessions.rawValue:
                    parameters = Array(cursor.readRemaining())
                default:
                    throw TPM2Error(.malformedResponse, command: command, "unknown tag 0x\(String(tag, radix: 16))")
                }
            } catch let error as ByteParsingError {
                throw TPM2Error(.malformedResponse, command: command, error.description)
            } catch let error as TPM2Error {
                throw error
            } catch {
                throw TPM2Error(.malformedResponse, command: command, "\(error)")
            }
        }
    }
}

extension ByteWriter {
    /// A TPM2B: a big-endian UInt16 size and the bytes.
    mutating func writeTPM2B(_ bytes: some Collection<UInt8>) {
        write(UInt16(bytes.count), .big)
        write(contentsOf: bytes)
    }
}

extension ByteCursor {
    /// Reads a TPM2B: a big-endian UInt16 size and the bytes.
    mutating func readTPM2B(_ what: @autoclosure () -> String) throws(ByteParsingError) -> [UInt8] {
        Array(try readLengthPrefixed(UInt16.self, .big, what()))
    }
}
