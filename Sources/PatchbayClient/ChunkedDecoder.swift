import PatchbayModel

/// RFC 9112 §7.1's chunked framing, undone as bytes arrive: a streamed answer (the event stream)
/// is handed on as soon as each chunk is whole, not when the connection ends.
public struct ChunkedDecoder: Sendable {
    private var buffer: [UInt8] = []
    /// Bytes still to take of the current chunk's data (plus its CRLF); nil between chunks.
    private var remaining: Int?
    public private(set) var isFinished = false

    public init() {}

    /// The data of every chunk completed by `bytes`. Throws on framing that is not chunked.
    public mutating func feed(_ bytes: some Collection<UInt8>) throws(PatchbayError) -> [UInt8] {
        buffer.append(contentsOf: bytes)
        var out: [UInt8] = []
        var position = 0
        while !isFinished {
            if let need = remaining {
                guard buffer.count - position - 2 >= need else { break }
                guard buffer[position + need] == 13, buffer[position + need + 1] == 10 else { throw Self.malformed }
                out.append(contentsOf: buffer[position..<(position + need)])
                position += need + 2
                remaining = nil
                continue
            }
            guard let end = Self.crlf(in: buffer, from: position) else {
                guard buffer.count - position <= 1024 else { throw Self.malformed }
                break
            }
            let text = String(decoding: buffer[position..<end], as: UTF8.self).split(separator: ";").first ?? ""
            // The daemon's chunks are small; a size past 1 GiB is framing gone wrong.
            guard let size = Int(text.filter { $0 != " " && $0 != "\t" }, radix: 16), (0...(1 << 30)).contains(size) else { throw Self.malformed }
            position = end + 2
            if size == 0 { isFinished = true } else { remaining = size }
        }
        buffer.removeFirst(position)
        return out
    }

    static let malformed = PatchbayError(.unavailable, "patchbayd sent a malformed chunked answer")

    static func crlf(in bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == 13 && bytes[index + 1] == 10 { return index }
            index += 1
        }
        return nil
    }
}

/// Server-sent events (the WHATWG HTML standard's `text/event-stream`): lines of `field: value`,
/// a blank line ending each message, `:` lines being comments.
public struct ServerSentEventParser: Sendable {
    public struct Message: Sendable, Hashable {
        public var id: String?
        public var event: String
        public var data: String

        public init(id: String?, event: String, data: String) {
            self.id = id
            self.event = event
            self.data = data
        }
    }

    private var line: [UInt8] = []
    private var id: String?
    private var event: String?
    private var data: [String] = []

    public init() {}

    public mutating func feed(_ bytes: some Collection<UInt8>) -> [Message] {
        var messages: [Message] = []
        for byte in bytes {
            guard byte == 10 else {
                line.append(byte)
                continue
            }
            if line.last == 13 { line.removeLast() }
            let text = String(decoding: line, as: UTF8.self)
            line.removeAll(keepingCapacity: true)
            if text.isEmpty {
                if !data.isEmpty || event != nil {
                    messages.append(Message(id: id, event: event ?? "message", data: data.joined(separator: "\n")))
                }
                event = nil
                data = []
                continue
            }
            if text.hasPrefix(":") { continue }
            let field: Substring, value: Substring
            if let colon = text.firstIndex(of: ":") {
                field = text[..<colon]
                let rest = text[text.index(after: colon)...]
                value = rest.hasPrefix(" ") ? rest.dropFirst() : rest
            } else {
                (field, value) = (Substring(text), "")
            }
            switch field {
            case "id": id = String(value)
            case "event": event = String(value)
            case "data": data.append(String(value))
            default: continue
            }
        }
        return messages
    }
}
