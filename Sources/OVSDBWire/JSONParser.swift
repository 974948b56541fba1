/// A strict RFC 8259 parser: exactly one JSON value with optional whitespace around it, UTF-8
/// only (§8.1; a byte-order mark is refused, as §8.1 allows), no trailing commas, no comments, no
/// leading zeros or '+' signs (§6), no raw control characters in strings (§7), no lone
/// surrogate escapes, no duplicate member names, and numbers that fit a double. Nothing here can
/// trap on hostile input; every refusal says which byte.
public struct JSONParser {
    private let bytes: UnsafeRawBufferPointer
    private var offset = 0
    private var depth = 0
    private let limits: JSONLimits
    /// Added to offsets in errors: where this text starts in the stream it came from.
    private let baseOffset: Int

    private init(_ bytes: UnsafeRawBufferPointer, limits: JSONLimits, baseOffset: Int) {
        self.bytes = bytes
        self.limits = limits
        self.baseOffset = baseOffset
    }

    /// Parses one complete JSON text.
    public static func parse(_ bytes: some Collection<UInt8>, limits: JSONLimits = .default,
                             baseOffset: Int = 0) throws(OVSDBWireError) -> JSONValue {
        let result: Result<JSONValue, OVSDBWireError>? = bytes.withContiguousStorageIfAvailable { buffer in
            parse(UnsafeRawBufferPointer(buffer), limits: limits, baseOffset: baseOffset)
        }
        return try (result ?? Array(bytes).withUnsafeBytes { parse($0, limits: limits, baseOffset: baseOffset) }).get()
    }

    /// Parses one complete JSON text given as a string (its UTF-8 bytes).
    public static func parse(_ text: String, limits: JSONLimits = .default) throws(OVSDBWireError) -> JSONValue {
        try parse(Array(text.utf8), limits: limits)
    }

    static func parse(_ buffer: UnsafeRawBufferPointer, limits: JSONLimits, baseOffset: Int) -> Result<JSONValue, OVSDBWireError> {
        var parser = JSONParser(buffer, limits: limits, baseOffset: baseOffset)
        do throws(OVSDBWireError) {
            guard buffer.count <= limits.maximumBytes else {
                throw OVSDBWireError(.sizeLimit, "a text of \(buffer.count) bytes exceeds the limit of \(limits.maximumBytes)",
                                     offset: baseOffset)
            }
            parser.skipWhitespace()
            let value = try parser.value()
            parser.skipWhitespace()
            guard parser.offset == buffer.count else { throw parser.error("unexpected data after the JSON value") }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }

    // MARK: - Grammar (RFC 8259 §2-§7)

    private func error(_ what: String, _ reason: OVSDBWireError.Reason = .syntax, at position: Int? = nil) -> OVSDBWireError {
        OVSDBWireError(reason, what, offset: baseOffset + (position ?? offset))
    }

    private var current: UInt8? { offset < bytes.count ? bytes[offset] : nil }

    /// §2: ws = *( %x20 / %x09 / %x0A / %x0D )
    private mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x09, 0x0A, 0x0D: offset += 1
            default: return
            }
        }
    }

    private func describe(_ byte: UInt8?) -> String {
        guard let byte else { return "the end of the text" }
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x" + String(byte, radix: 16, uppercase: true)
    }

    private mutating func value() throws(OVSDBWireError) -> JSONValue {
        guard let byte = current else { throw error("expected a value, found the end of the text") }
        switch byte {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error("expected a value, found \(describe(byte))")
        }
    }

    private mutating func literal(_ word: StaticString) throws(OVSDBWireError) {
        let count = word.utf8CodeUnitCount
        let start = offset
        guard bytes.count - offset >= count else { throw error("expected \(word)", at: start) }
        let matches = word.withUTF8Buffer { expected in
            (0..<count).allSatisfy { bytes[start + $0] == expected[$0] }
        }
        guard matches else { throw error("expected \(word)", at: start) }
        offset += count
    }

    private mutating func enter() throws(OVSDBWireError) {
        depth += 1
        guard depth <= limits.maximumDepth else {
            throw error("arrays and objects nested more than \(limits.maximumDepth) deep", .depthLimit)
        }
    }

    /// §4: object = begin-object [ member *( value-separator member ) ] end-object
    private mutating func object() throws(OVSDBWireError) -> JSONValue {
        try enter()
        offset += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            offset += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw error("expected a member name, found \(describe(current))") }
            let nameOffset = offset
            let name = try string()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw error("expected ':' after a member name, found \(describe(current))") }
            offset += 1
            skipWhitespace()
            let member = try value()
            guard members.updateValue(member, forKey: name) == nil else {
                throw error("the member \"\(name)\" appears twice", .duplicateKey, at: nameOffset)
            }
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "}"):
                offset += 1
                depth -= 1
                return .object(members)
            default: throw error("expected ',' or '}' in an object, found \(describe(current))")
            }
        }
    }

    /// §5: array = begin-array [ value *( value-separator value ) ] end-array
    private mutating func array() throws(OVSDBWireError) -> JSONValue {
        try enter()
        offset += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            offset += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try value())
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "]"):
                offset += 1
                depth -= 1
                return .array(elements)
            default: throw error("expected ',' or ']' in an array, found \(describe(current))")
            }
        }
    }

    private static func isDigit(_ byte: UInt8?) -> Bool {
        guard let byte else { return false }
        return byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// §6: number = [ minus ] int [ frac ] [ exp ]; int = zero / ( digit1-9 *DIGIT ).
    /// An integer literal that fits Int64 stays exact; any other number must fit a double.
    private mutating func number() throws(OVSDBWireError) -> JSONValue {
        let start = offset
        let negative = current == UInt8(ascii: "-")
        if negative { offset += 1 }
        guard Self.isDigit(current) else { throw error("expected a digit, found \(describe(current))") }
        if current == UInt8(ascii: "0") {
            offset += 1
            if Self.isDigit(current) { throw error("a number with a leading zero", at: start) }
        } else {
            while Self.isDigit(current) { offset += 1 }
        }
        let integerEnd = offset
        var isInteger = true
        if current == UInt8(ascii: ".") {
            isInteger = false
            offset += 1
            guard Self.isDigit(current) else { throw error("expected a digit after '.', found \(describe(current))") }
            while Self.isDigit(current) { offset += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            offset += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { offset += 1 }
            guard Self.isDigit(current) else { throw error("expected a digit in the exponent, found \(describe(current))") }
            while Self.isDigit(current) { offset += 1 }
        }
        if isInteger, let exact = exactInteger(from: negative ? start + 1 : start, to: integerEnd, negative: negative) {
            return .integer(exact)
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
        guard let double = Double(text), double.isFinite else {
            throw error("the number \(text) is outside the range of a double", .numberOutOfRange, at: start)
        }
        return .double(double)
    }

    /// The digits in `from..<to` as an Int64, or nil when they overflow it. Accumulates negatively
    /// so that -9223372036854775808 fits.
    private func exactInteger(from: Int, to: Int, negative: Bool) -> Int64? {
        var value: Int64 = 0
        for index in from..<to {
            let digit = Int64(bytes[index] - UInt8(ascii: "0"))
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = shifted.subtractingReportingOverflow(digit)
            if overflow1 || overflow2 { return nil }
            value = next
        }
        if negative { return value }
        let (positive, overflow) = Int64(0).subtractingReportingOverflow(value)
        return overflow ? nil : positive
    }

    /// §7: a quoted string; escapes \" \\ \/ \b \f \n \r \t \uXXXX, surrogate pairs joined.
    private mutating func string() throws(OVSDBWireError) -> String {
        let start = offset
        offset += 1
        var utf8: [UInt8] = []
        var runStart = offset
        while true {
            guard offset < bytes.count else { throw error("a string that never ends", at: start) }
            let byte = bytes[offset]
            switch byte {
            case UInt8(ascii: "\""):
                utf8.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<offset]))
                offset += 1
                guard let string = String(validating: utf8, as: UTF8.self) else {
                    throw error("a string that is not UTF-8", .invalidUTF8, at: start)
                }
                return string
            case UInt8(ascii: "\\"):
                utf8.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<offset]))
                try escape(into: &utf8)
                runStart = offset
            case 0x00..<0x20:
                throw error("a control character (0x\(String(byte, radix: 16, uppercase: true))) inside a string must be escaped")
            default:
                offset += 1
            }
        }
    }

    private mutating func escape(into utf8: inout [UInt8]) throws(OVSDBWireError) {
        let start = offset
        offset += 1
        guard let byte = current else { throw error("a string that never ends", at: start) }
        offset += 1
        switch byte {
        case UInt8(ascii: "\""): utf8.append(0x22)
        case UInt8(ascii: "\\"): utf8.append(0x5C)
        case UInt8(ascii: "/"): utf8.append(0x2F)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            let first = try hex4(escapeAt: start)
            var scalar: Unicode.Scalar?
            switch first {
            case 0xD800...0xDBFF:
                // A high surrogate must be followed by an escaped low one (§7).
                guard bytes.count - offset >= 2, bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u") else {
                    throw error("a high surrogate escape without a low one", .invalidUTF8, at: start)
                }
                let lowStart = offset
                offset += 2
                let second = try hex4(escapeAt: lowStart)
                guard (0xDC00...0xDFFF).contains(second) else {
                    throw error("a high surrogate escape followed by \\u\(String(second, radix: 16))", .invalidUTF8, at: lowStart)
                }
                scalar = Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
            case 0xDC00...0xDFFF:
                throw error("a low surrogate escape without a high one", .invalidUTF8, at: start)
            default:
                scalar = Unicode.Scalar(first)
            }
            guard let scalar else { throw error("an escape that is no Unicode scalar", .invalidUTF8, at: start) }
            utf8.append(contentsOf: scalar.utf8)
        default:
            throw error("an unknown escape \\\(Character(Unicode.Scalar(byte)))", at: start)
        }
    }

    private mutating func hex4(escapeAt start: Int) throws(OVSDBWireError) -> UInt32 {
        guard bytes.count - offset >= 4 else { throw error("a \\u escape needs four hex digits", at: start) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("a \\u escape needs four hex digits", at: start)
            }
            value = value << 4 | UInt32(digit)
            offset += 1
        }
        return value
    }
}
