import CYAML

// The only file in EdgeConfig that calls libyaml: events in (parser) and events out (emitter),
// copied into Swift values so the composer and the configuration code never see a C pointer.

/// One libyaml parser event, with its strings already copied out.
enum YAMLEvent {
    case streamStart, streamEnd
    case documentStart(YAMLMark)
    case documentEnd
    case scalar(String, YAMLNode.ScalarStyle, anchor: String?, YAMLMark)
    case alias(anchor: String, YAMLMark)
    case sequenceStart(anchor: String?, flow: Bool, YAMLMark)
    case sequenceEnd
    case mappingStart(anchor: String?, flow: Bool, YAMLMark)
    case mappingEnd
}

/// Reads a YAML text as a stream of `YAMLEvent`s. The text's bytes are kept alive for as long
/// as the parser reads them.
final class YAMLEventReader {
    private var parser = yaml_parser_t()
    private let bytes: UnsafeMutableBufferPointer<UInt8>

    init(text: String) {
        bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(text.utf8.count, 1))
        _ = bytes.initialize(from: text.utf8)
        yaml_parser_initialize(&parser)
        yaml_parser_set_input_string(&parser, bytes.baseAddress, text.utf8.count)
    }

    deinit {
        yaml_parser_delete(&parser)
        bytes.deallocate()
    }

    func next() throws(YAMLError) -> YAMLEvent {
        var event = yaml_event_t()
        guard yaml_parser_parse(&parser, &event) == 1 else { throw currentError() }
        defer { yaml_event_delete(&event) }
        let mark = YAMLMark(event.start_mark)
        switch event.type {
        case YAML_STREAM_START_EVENT: return .streamStart
        case YAML_DOCUMENT_START_EVENT: return .documentStart(mark)
        case YAML_DOCUMENT_END_EVENT: return .documentEnd
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let value = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
            return .scalar(value, YAMLNode.ScalarStyle(scalar.style), anchor: text(scalar.anchor), mark)
        case YAML_ALIAS_EVENT:
            return .alias(anchor: text(event.data.alias.anchor) ?? "", mark)
        case YAML_SEQUENCE_START_EVENT:
            let start = event.data.sequence_start
            return .sequenceStart(anchor: text(start.anchor), flow: start.style == YAML_FLOW_SEQUENCE_STYLE, mark)
        case YAML_SEQUENCE_END_EVENT: return .sequenceEnd
        case YAML_MAPPING_START_EVENT:
            let start = event.data.mapping_start
            return .mappingStart(anchor: text(start.anchor), flow: start.style == YAML_FLOW_MAPPING_STYLE, mark)
        case YAML_MAPPING_END_EVENT: return .mappingEnd
        default: return .streamEnd
        }
    }

    private func currentError() -> YAMLError {
        let problem = parser.problem.map { String(cString: $0) } ?? "cannot parse the text"
        if parser.error == YAML_READER_ERROR {
            // Reader errors (bad encoding, control characters) carry a byte offset, not a mark.
            let prefix = UnsafeBufferPointer(rebasing: bytes[..<min(parser.problem_offset, bytes.count)])
            let line = prefix.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            return YAMLError(problem: problem, mark: YAMLMark(line: line, column: 1), context: nil, isSyntaxError: true)
        }
        let context = parser.context.map { (String(cString: $0), YAMLMark(parser.context_mark)) }
        return YAMLError(problem: problem, mark: YAMLMark(parser.problem_mark), context: context, isSyntaxError: true)
    }

    private func text(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}

/// Writes a node tree as block-style YAML text through libyaml's emitter, which owns quoting.
enum YAMLTextWriter {
    static func write(_ root: YAMLNode) -> String {
        let output = Output()
        var emitter = yaml_emitter_t()
        yaml_emitter_initialize(&emitter)
        defer { yaml_emitter_delete(&emitter) }
        yaml_emitter_set_unicode(&emitter, 1)
        yaml_emitter_set_output(&emitter, { context, buffer, size in
            guard let context, let buffer else { return 0 }
            Unmanaged<Output>.fromOpaque(context).takeUnretainedValue()
                .bytes.append(contentsOf: UnsafeBufferPointer(start: buffer, count: size))
            return 1
        }, Unmanaged.passUnretained(output).toOpaque())

        var event = yaml_event_t()
        yaml_stream_start_event_initialize(&event, YAML_UTF8_ENCODING)
        yaml_emitter_emit(&emitter, &event)
        yaml_document_start_event_initialize(&event, nil, nil, nil, 1)
        yaml_emitter_emit(&emitter, &event)
        emit(root, &emitter)
        yaml_document_end_event_initialize(&event, 1)
        yaml_emitter_emit(&emitter, &event)
        yaml_stream_end_event_initialize(&event)
        yaml_emitter_emit(&emitter, &event)
        yaml_emitter_flush(&emitter)
        return withExtendedLifetime(output) { String(decoding: output.bytes, as: UTF8.self) }
    }

    private final class Output {
        var bytes: [UInt8] = []
    }

    private static func emit(_ node: YAMLNode, _ emitter: inout yaml_emitter_t) {
        var event = yaml_event_t()
        switch node {
        case .scalar(let scalar):
            var value = scalar.string
            value.withUTF8 { utf8 in
                _ = yaml_scalar_event_initialize(&event, nil, nil, UnsafeMutablePointer(mutating: utf8.baseAddress),
                                                 Int32(utf8.count), 1, 1, scalar.style.libyaml)
            }
            yaml_emitter_emit(&emitter, &event)
        case .sequence(let sequence):
            yaml_sequence_start_event_initialize(&event, nil, nil, 1,
                                                 sequence.flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE)
            yaml_emitter_emit(&emitter, &event)
            for item in sequence { emit(item, &emitter) }
            yaml_sequence_end_event_initialize(&event)
            yaml_emitter_emit(&emitter, &event)
        case .mapping(let mapping):
            yaml_mapping_start_event_initialize(&event, nil, nil, 1,
                                                mapping.flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE)
            yaml_emitter_emit(&emitter, &event)
            for (key, value) in mapping {
                emit(key, &emitter)
                emit(value, &emitter)
            }
            yaml_mapping_end_event_initialize(&event)
            yaml_emitter_emit(&emitter, &event)
        }
    }
}

private extension YAMLMark {
    init(_ mark: yaml_mark_t) {
        self.init(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }
}

private extension YAMLNode.ScalarStyle {
    init(_ style: yaml_scalar_style_t) {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: self = .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: self = .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: self = .literal
        case YAML_FOLDED_SCALAR_STYLE: self = .folded
        default: self = .plain
        }
    }

    var libyaml: yaml_scalar_style_t {
        switch self {
        case .plain: return YAML_PLAIN_SCALAR_STYLE
        case .singleQuoted: return YAML_SINGLE_QUOTED_SCALAR_STYLE
        case .doubleQuoted: return YAML_DOUBLE_QUOTED_SCALAR_STYLE
        case .literal: return YAML_LITERAL_SCALAR_STYLE
        case .folded: return YAML_FOLDED_SCALAR_STYLE
        }
    }
}
