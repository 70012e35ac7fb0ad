/// Line and column of a byte offset in a file's text, counted from 1 as editors do (columns
/// in characters, as libyaml counts them).
struct TextPosition: Equatable {
    var offset: Int
    var line: Int
    var column: Int

    /// The first byte that is not part of a valid UTF-8 sequence. Call only on bytes that are
    /// not valid UTF-8.
    static func firstInvalidUTF8(in bytes: [UInt8]) -> TextPosition {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var position = TextPosition(offset: 0, line: 1, column: 1)
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                if encoded.count == 1 && encoded.first == UInt8(ascii: "\n") {
                    position.line += 1
                    position.column = 1
                } else {
                    position.column += 1
                }
                position.offset += encoded.count
            case .error, .emptyInput:
                position.offset = Swift.min(position.offset, Swift.max(bytes.count - 1, 0))
                return position
            }
        }
    }
}
