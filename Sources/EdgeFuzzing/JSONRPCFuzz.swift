import MCPWire

/// Every public entry point of MCPWire on arbitrary bytes: the id scanner (on a slice that
/// does not start at index 0, as bodies in a connection buffer do), `looksLikeObject`, an
/// error body built from the id found, which must be JSON whose own id is the same bytes, and
/// `MessageScanner.scan` against `JSONValue.parse` (`MessageScanFuzz`).
enum JSONRPCFuzz {
    static func run(_ data: [UInt8]) {
        // The first byte is the slice offset: a body rarely starts at the buffer's index 0.
        let offset = Int(data.first ?? 0) % 8
        let padded = [UInt8](repeating: 0x7B, count: offset) + data.dropFirst()
        let body = padded[offset...]
        MessageScanFuzz.run(body)
        let id = JSONRPCScanner.topLevelID(in: body)
        let rebased = JSONRPCScanner.topLevelID(in: Array(body)[...])
        expect(id.map { ($0.lowerBound - offset)..<($0.upperBound - offset) } == rebased,
               "id at \(id as Any) with the slice at \(offset), at \(rebased as Any) from 0")
        _ = JSONRPCScanner.looksLikeObject(body)
        guard let id else { return }
        expect(id.lowerBound >= body.startIndex && id.upperBound <= body.endIndex && !id.isEmpty, "id \(id) outside the body")
        let idBytes = body[id]
        expect(JSONSyntax.isStringOrNumber(idBytes), "id is not a JSON string or number: \(String(decoding: idBytes, as: UTF8.self))")
        let message = Array(data.prefix(40))
        let error = JSONRPCErrorBody.make(id: idBytes, code: -32010, message: message)
        expect(JSONRPCScanner.looksLikeObject(error[...]), "error body does not start an object")
        let echoed = JSONRPCScanner.topLevelID(in: error[...])
        expect(echoed.map { Array(error[$0]) } == Array(idBytes), "the error body's id is not the client's id")
        _ = JSONRPCErrorBody.make(id: nil, code: Int(Int8(bitPattern: data.first ?? 0)), message: message)
    }
}

/// Just enough JSON grammar to tell whether an id may be echoed into a response. Written apart
/// from MCPWire's own check on purpose: it is the fuzzer's second opinion on the scanner.
/// (Foundation's decoder was tried as the oracle and refuses valid ids such as -0.5e+1012.)
enum JSONSyntax {
    /// RFC 8259 `string` or `number`, whole.
    static func isStringOrNumber(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let first = bytes.first else { return false }
        return first == 0x22 ? isString(bytes) : isNumber(bytes)
    }

    static func isNumber(_ bytes: ArraySlice<UInt8>) -> Bool {
        var i = bytes.startIndex
        let end = bytes.endIndex
        func digits() -> Int { let s = i; while i < end, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }; return i - s }
        if i < end, bytes[i] == 0x2D { i += 1 }
        guard i < end else { return false }
        if bytes[i] == 0x30 { i += 1 } else if digits() == 0 { return false }
        if i < end, bytes[i] == 0x2E { i += 1; if digits() == 0 { return false } }
        if i < end, bytes[i] == 0x65 || bytes[i] == 0x45 {
            i += 1
            if i < end, bytes[i] == 0x2B || bytes[i] == 0x2D { i += 1 }
            if digits() == 0 { return false }
        }
        return i == end
    }

    static func isString(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard bytes.count >= 2, bytes.first == 0x22, bytes.last == 0x22 else { return false }
        var i = bytes.startIndex + 1
        let end = bytes.endIndex - 1
        while i < end {
            let b = bytes[i]
            if b < 0x20 || b == 0x22 { return false }
            if b == 0x5C {
                guard i + 1 < end else { return false }
                let e = bytes[i + 1]
                if e == 0x75 {
                    guard i + 5 < end, bytes[(i + 2)...(i + 5)].allSatisfy(isHexDigit) else { return false }
                    i += 6
                    continue
                }
                guard [0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74].contains(e) else { return false }
                i += 2
                continue
            }
            i += 1
        }
        return true
    }

    static func isHexDigit(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)
    }
}
