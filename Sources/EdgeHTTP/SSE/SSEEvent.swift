/// One event dispatched by `SSEParser`. Its bytes are slices of the parser's own buffers:
/// read or copy them inside the callback. (Keeping a slice is safe, but the parser then
/// copies its buffer on its next write instead of reusing it.)
public struct SSEEvent {
    /// The `event` field; empty means the default type, `message`.
    public var event: ArraySlice<UInt8>
    /// The `data` lines joined with LF (the final LF removed).
    public var data: ArraySlice<UInt8>
    /// The `id` field given in this event's lines, if any (empty: the client's last event ID is
    /// reset). The parser's `lastEventID` keeps the value across events.
    public var id: ArraySlice<UInt8>?
    /// A valid `retry` field (milliseconds) given in this event's lines, if any.
    public var retry: Int?

    public init(event: ArraySlice<UInt8> = [], data: ArraySlice<UInt8>, id: ArraySlice<UInt8>? = nil, retry: Int? = nil) {
        self.event = event
        self.data = data
        self.id = id
        self.retry = retry
    }

    /// Whether the type is `message` (given or by default).
    public var isMessage: Bool { event.isEmpty || event.elementsEqual("message".utf8) }
}
