/// `GET /v1/capture`'s query, checked in one place for the daemon (which refuses what is out of
/// range with a message naming the parameter) and written by the client. Pure, so both sides
/// and the tests agree on every limit.
public struct CaptureRequest: Sendable, Hashable {
    /// `NET`, `NET:PORT` (a port UUID or device name) or an owner name.
    public var target: String
    /// tcpdump's filter syntax, compiled by libpcap; empty captures everything.
    public var filter: String
    /// Stop after this many frames (all ports together).
    public var count: Int?
    /// Stop after this many seconds.
    public var durationSeconds: Int?
    public var snapLength: Int
    public var format: CaptureFormat

    /// tcpdump's default snap length: whole frames, jumbo ones included.
    public static let defaultSnapLength = 262_144
    public static let snapLengthRange = 1...262_144
    public static let countRange = 1...100_000_000
    /// A day: a capture meant to run longer is one without a duration, ended by its client.
    public static let durationRange = 1...86_400
    /// In Unicode scalars, as openapi.json's maxLength counts.
    public static let maximumFilterLength = 4_096
    public static let maximumTargetLength = 256

    public init(target: String, filter: String = "", count: Int? = nil, durationSeconds: Int? = nil,
                snapLength: Int = CaptureRequest.defaultSnapLength, format: CaptureFormat = .pcapng) {
        self.target = target
        self.filter = filter
        self.count = count
        self.durationSeconds = durationSeconds
        self.snapLength = snapLength
        self.format = format
    }

    /// Reads the query parameters (already split, still percent-encoded, '+' for a space as
    /// HTML forms and Python's urlencode write it). Every parameter at most once; unknown ones
    /// are refused so a misspelt `cuont=5` does not silently capture forever.
    public static func parse(query: [(String, String)]) throws(PatchbayError) -> CaptureRequest {
        var values: [String: String] = [:]
        let known: Set<String> = ["target", "filter", "count", "duration", "snaplen", "format"]
        for (rawKey, rawValue) in query {
            let key = decode(rawKey)
            guard known.contains(key) else {
                throw PatchbayError(.invalidArgument, "unknown capture parameter '\(key)' (known: \(known.sorted().joined(separator: ", ")))")
            }
            guard values[key] == nil else { throw PatchbayError(.invalidArgument, "the query parameter '\(key)' is given more than once") }
            values[key] = decode(rawValue)
        }
        guard let target = values["target"], !target.isEmpty else {
            throw PatchbayError(.invalidArgument, "the query parameter 'target' (NET, NET:PORT or OWNER) is required")
        }
        guard target.unicodeScalars.count <= maximumTargetLength else {
            throw PatchbayError(.invalidArgument, "the capture target is longer than \(maximumTargetLength) characters")
        }
        guard target.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
            throw PatchbayError(.invalidArgument, "the capture target must be text without control characters")
        }
        let filter = values["filter"] ?? ""
        guard filter.unicodeScalars.count <= maximumFilterLength else {
            throw PatchbayError(.invalidArgument, "the capture filter is longer than \(maximumFilterLength) characters")
        }
        guard !filter.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" && $0 != "\n" || $0.value == 0x7F }) else {
            throw PatchbayError(.invalidArgument, "the capture filter must be text without control characters")
        }
        var request = CaptureRequest(target: target, filter: filter)
        request.count = try integer(values["count"], "count", countRange)
        request.durationSeconds = try integer(values["duration"], "duration", durationRange)
        request.snapLength = try integer(values["snaplen"], "snaplen", snapLengthRange) ?? defaultSnapLength
        if let format = values["format"] {
            guard let parsed = CaptureFormat(rawValue: format) else {
                throw PatchbayError(.invalidArgument, "the capture format must be pcapng or pcap, not '\(format)'")
            }
            request.format = parsed
        }
        return request
    }

    /// The query string (without '?') the client sends: every value percent-encoded except
    /// RFC 3986's unreserved characters, so '+', '&' and '=' in a filter survive.
    public var queryString: String {
        var pairs = [("target", target)]
        if !filter.isEmpty { pairs.append(("filter", filter)) }
        if let count { pairs.append(("count", String(count))) }
        if let durationSeconds { pairs.append(("duration", String(durationSeconds))) }
        if snapLength != Self.defaultSnapLength { pairs.append(("snaplen", String(snapLength))) }
        if format != .pcapng { pairs.append(("format", format.rawValue)) }
        return pairs.map { "\($0.0)=\(Self.encode($0.1))" }.joined(separator: "&")
    }

    static func integer(_ text: String?, _ name: String, _ range: ClosedRange<Int>) throws(PatchbayError) -> Int? {
        guard let text else { return nil }
        guard text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), !text.isEmpty, text.utf8.count <= 12, let value = Int(text),
              range.contains(value) else {
            throw PatchbayError(.invalidArgument, "the capture \(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return value
    }

    /// A query value as the API's clients write it: RFC 3986's unreserved characters stay, every
    /// other byte of the UTF-8 is percent-encoded.
    public static func encode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// '+' is a space, %XX a byte; a '%' not followed by two hex digits stays as it is. Bytes
    /// that are not UTF-8 become U+FFFD (and then fail the filter's compile, by name).
    static func decode(_ text: String) -> String {
        var out: [UInt8] = []
        let bytes = Array(text.utf8)
        var i = 0
        func hexValue(_ b: UInt8) -> UInt8? {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if b == UInt8(ascii: "%"), i + 2 < bytes.count,
                      let high = hexValue(bytes[i + 1]), let low = hexValue(bytes[i + 2]) {
                out.append(high << 4 | low)
                i += 2
            } else {
                out.append(b)
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
