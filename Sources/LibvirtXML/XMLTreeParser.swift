import PatchbayModel

/// A strict, non-validating XML 1.0 parser for configuration documents. It keeps what libvirt's
/// XML carries (elements, attributes, text, comments, CDATA as text) with positions, skips the
/// declaration and processing instructions, and refuses DTDs and external entities outright: a
/// network definition has no use for them and they are the classic XML attack surface.
///
/// It is iterative (an explicit stack), bounded in depth and size, and works on UTF-8 bytes, so
/// fuzzed input can neither overflow the stack nor make it slow.
public enum XMLTreeParser {
    public static let maximumDepth = 256
    public static let maximumLength = 4 << 20
    /// No element of libvirt's network schema has more than a dozen attributes.
    public static let maximumAttributesPerElement = 256
    /// Elements in one document: enough for tens of thousands of `<host>` entries, few enough
    /// that a document of tiny elements cannot take hundreds of megabytes to hold.
    public static let maximumElements = 200_000

    public static func parse(_ text: String) throws(XMLSyntaxError) -> XMLElement {
        var scanner = Scanner(Array(text.utf8))
        return try scanner.document()
    }

    struct Scanner {
        let bytes: [UInt8]
        var index = 0
        var line = 1
        var column = 1
        var elements = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var position: SourcePosition { SourcePosition(line: line, column: column) }
        var atEnd: Bool { index >= bytes.count }

        func peek(_ offset: Int = 0) -> UInt8? {
            index + offset < bytes.count ? bytes[index + offset] : nil
        }

        func error(_ message: String, at position: SourcePosition? = nil) -> XMLSyntaxError {
            XMLSyntaxError(message, at: position ?? self.position)
        }

        mutating func advance() {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }

        func hasPrefix(_ literal: String) -> Bool {
            var i = index
            for b in literal.utf8 {
                guard i < bytes.count, bytes[i] == b else { return false }
                i += 1
            }
            return true
        }

        mutating func skip(_ literal: String) {
            for _ in literal.utf8 { advance() }
        }

        mutating func skipWhitespace() {
            while let b = peek(), isWhitespace(b) { advance() }
        }

        // MARK: Document

        mutating func document() throws(XMLSyntaxError) -> XMLElement {
            guard bytes.count <= maximumLength else {
                throw error("document is \(bytes.count) bytes; the limit is \(maximumLength)", at: SourcePosition(line: 1, column: 1))
            }
            try rejectInvalidCharacters()
            if hasPrefix("\u{FEFF}") { skip("\u{FEFF}") }
            try misc()
            guard !atEnd else { throw error("no root element") }
            guard peek() == UInt8(ascii: "<") else { throw error("text before the root element") }
            let root = try element()
            try misc()
            guard atEnd else { throw error("content after the root element") }
            return root
        }

        /// XML 1.0 §2.2: control characters other than tab, newline and carriage return, and
        /// U+FFFE/U+FFFF, cannot appear in a document at all (libxml2 refuses them too). Refusing
        /// them here means no value can hold a character the writer would have to drop.
        func rejectInvalidCharacters() throws(XMLSyntaxError) {
            var line = 1, column = 1
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                if b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D {
                    throw error("invalid character U+\(String(b, radix: 16, uppercase: true).leftPadded(4)) (control characters are not allowed in XML)",
                                at: SourcePosition(line: line, column: column))
                }
                if b == 0xEF, i + 2 < bytes.count, bytes[i + 1] == 0xBF, bytes[i + 2] == 0xBE || bytes[i + 2] == 0xBF {
                    throw error("invalid character U+FFF\(bytes[i + 2] == 0xBE ? "E" : "F") (not allowed in XML)",
                                at: SourcePosition(line: line, column: column))
                }
                if b == 0x0A {
                    line += 1
                    column = 1
                } else if b & 0xC0 != 0x80 {
                    column += 1
                }
                i += 1
            }
        }

        /// Whitespace, comments, processing instructions and the XML declaration around the root.
        mutating func misc() throws(XMLSyntaxError) {
            while true {
                skipWhitespace()
                if hasPrefix("<?") {
                    try processingInstruction()
                } else if hasPrefix("<!--") {
                    _ = try comment()
                } else if hasPrefix("<!DOCTYPE") || hasPrefix("<!doctype") {
                    throw error("DOCTYPE declarations are not accepted (no DTDs or external entities)")
                } else {
                    return
                }
            }
        }

        /// `<?target data?>`: the target, and the data after the whitespace that follows it (nil
        /// when the instruction ends right after the target), as libxml2's xmlParsePI reads it.
        @discardableResult
        mutating func processingInstruction() throws(XMLSyntaxError) -> (target: String, data: String?) {
            let start = position
            skip("<?")
            let targetStart = index
            while let b = peek(), !isWhitespace(b), !hasPrefix("?>") { advance() }
            let target = String(decoding: bytes[targetStart..<index], as: UTF8.self)
            guard !target.isEmpty else { throw error("processing instruction without a target", at: start) }
            var data: String?
            if !hasPrefix("?>") {
                skipWhitespace()
                let from = index
                while !atEnd && !hasPrefix("?>") { advance() }
                data = String(decoding: bytes[from..<index], as: UTF8.self)
            }
            guard hasPrefix("?>") else { throw error("unterminated processing instruction", at: start) }
            skip("?>")
            return (target, data)
        }

        mutating func comment() throws(XMLSyntaxError) -> String {
            let start = position
            skip("<!--")
            let from = index
            while !atEnd {
                if hasPrefix("--") {
                    guard hasPrefix("-->") else { throw error("'--' is not allowed inside a comment") }
                    let text = String(decoding: bytes[from..<index], as: UTF8.self)
                    skip("-->")
                    return text
                }
                advance()
            }
            throw error("unterminated comment", at: start)
        }

        // MARK: Elements

        /// Parses one element and everything inside it, iteratively.
        mutating func element() throws(XMLSyntaxError) -> XMLElement {
            var stack: [XMLElement] = []
            let (first, selfClosing) = try startTag()
            if selfClosing { return first }
            stack.append(first)
            var text: [UInt8] = []

            func flushText(_ stack: inout [XMLElement], _ text: inout [UInt8]) {
                if !text.isEmpty {
                    stack[stack.count - 1].children.append(.text(String(decoding: text, as: UTF8.self)))
                    text.removeAll(keepingCapacity: true)
                }
            }

            while true {
                guard let byte = peek() else {
                    throw error("unclosed element <\(stack[stack.count - 1].name)> (opened at \(stack[stack.count - 1].position))")
                }
                if byte == UInt8(ascii: "<") {
                    if hasPrefix("</") {
                        flushText(&stack, &text)
                        let at = position
                        skip("</")
                        let name = try self.name()
                        skipWhitespace()
                        guard peek() == UInt8(ascii: ">") else { throw error("expected '>' to end </\(name)>") }
                        advance()
                        let open = stack.removeLast()
                        guard name == open.name else {
                            throw error("mismatched closing tag </\(name)>, expected </\(open.name)>", at: at)
                        }
                        if stack.isEmpty { return open }
                        stack[stack.count - 1].children.append(.element(open))
                    } else if hasPrefix("<!--") {
                        flushText(&stack, &text)
                        let body = try comment()
                        stack[stack.count - 1].children.append(.comment(body))
                    } else if hasPrefix("<![CDATA[") {
                        flushText(&stack, &text)
                        let start = position
                        skip("<![CDATA[")
                        let from = index
                        var closed = false
                        while !atEnd {
                            if hasPrefix("]]>") {
                                closed = true
                                break
                            }
                            advance()
                        }
                        guard closed else { throw error("unterminated CDATA section", at: start) }
                        stack[stack.count - 1].children.append(.cdata(String(decoding: bytes[from..<index], as: UTF8.self)))
                        skip("]]>")
                    } else if hasPrefix("<?") {
                        flushText(&stack, &text)
                        let (target, data) = try processingInstruction()
                        stack[stack.count - 1].children.append(.processingInstruction(target: target, data: data))
                    } else if hasPrefix("<!") {
                        throw error("markup declarations are not accepted inside elements")
                    } else {
                        flushText(&stack, &text)
                        guard stack.count < maximumDepth else {
                            throw error("elements nested deeper than \(maximumDepth) levels")
                        }
                        let (child, childClosed) = try startTag()
                        if childClosed {
                            stack[stack.count - 1].children.append(.element(child))
                        } else {
                            stack.append(child)
                        }
                    }
                } else if byte == UInt8(ascii: "&") {
                    text += try reference()
                } else {
                    if byte == UInt8(ascii: "]"), hasPrefix("]]>") { throw error("']]>' is not allowed in text") }
                    text.append(byte)
                    advance()
                }
            }
        }

        /// `<name attr='v' ...>` or `<name .../>`; returns the element and whether it closed itself.
        mutating func startTag() throws(XMLSyntaxError) -> (XMLElement, Bool) {
            let at = position
            advance()  // "<"
            elements += 1
            guard elements <= maximumElements else { throw error("more than \(maximumElements) elements", at: at) }
            var element = XMLElement(name: try name(), position: at)
            // A set, not a scan of the list: a document of attributes alone would otherwise cost
            // the square of their number.
            var seen: Set<String> = []
            while true {
                let hadSpace = peek().map(isWhitespace) ?? false
                skipWhitespace()
                guard let byte = peek() else { throw error("unterminated start tag <\(element.name)>", at: at) }
                if byte == UInt8(ascii: ">") {
                    advance()
                    return (element, false)
                }
                if byte == UInt8(ascii: "/") {
                    advance()
                    guard peek() == UInt8(ascii: ">") else { throw error("expected '>' after '/' in <\(element.name)>") }
                    advance()
                    return (element, true)
                }
                guard hadSpace else { throw error("expected whitespace before an attribute in <\(element.name)>") }
                let attributeAt = position
                let attributeName = try name()
                skipWhitespace()
                guard peek() == UInt8(ascii: "=") else {
                    throw error("attribute '\(attributeName)' of <\(element.name)> has no value")
                }
                advance()
                skipWhitespace()
                let value = try attributeValue(of: attributeName, in: element.name)
                guard seen.insert(attributeName).inserted else {
                    throw error("duplicate attribute '\(attributeName)' in <\(element.name)>", at: attributeAt)
                }
                guard seen.count <= maximumAttributesPerElement else {
                    throw error("<\(element.name)> has more than \(maximumAttributesPerElement) attributes", at: attributeAt)
                }
                element.attributes.append(XMLAttribute(name: attributeName, value: value, position: attributeAt))
            }
        }

        mutating func attributeValue(of attribute: String, in element: String) throws(XMLSyntaxError) -> String {
            guard let quote = peek(), quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
                throw error("the value of attribute '\(attribute)' in <\(element)> must be quoted")
            }
            let start = position
            advance()
            var value: [UInt8] = []
            while let byte = peek() {
                if byte == quote {
                    advance()
                    return String(decoding: value, as: UTF8.self)
                }
                switch byte {
                case UInt8(ascii: "<"):
                    throw error("'<' is not allowed in the value of attribute '\(attribute)'")
                case UInt8(ascii: "&"):
                    value += try reference()
                case UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                    // XML 1.0 §3.3.3: literal whitespace in attribute values becomes a space.
                    value.append(UInt8(ascii: " "))
                    advance()
                default:
                    value.append(byte)
                    advance()
                }
            }
            throw error("unterminated value of attribute '\(attribute)' in <\(element)>", at: start)
        }

        /// `&name;` or `&#N;` / `&#xH;`, returned as UTF-8.
        mutating func reference() throws(XMLSyntaxError) -> [UInt8] {
            let at = position
            advance()  // "&"
            var body: [UInt8] = []
            while let byte = peek(), byte != UInt8(ascii: ";") {
                guard body.count < 12, !isWhitespace(byte), byte != UInt8(ascii: "<"), byte != UInt8(ascii: "&") else {
                    throw error("unterminated entity reference", at: at)
                }
                body.append(byte)
                advance()
            }
            guard peek() == UInt8(ascii: ";") else { throw error("unterminated entity reference", at: at) }
            advance()
            let name = String(decoding: body, as: UTF8.self)
            switch name {
            case "lt": return [UInt8(ascii: "<")]
            case "gt": return [UInt8(ascii: ">")]
            case "amp": return [UInt8(ascii: "&")]
            case "apos": return [UInt8(ascii: "'")]
            case "quot": return [UInt8(ascii: "\"")]
            default: break
            }
            guard name.hasPrefix("#") else { throw error("unknown entity '&\(name);'", at: at) }
            let digits = name.dropFirst()
            let value: UInt32?
            if digits.hasPrefix("x") {
                value = digits.count > 1 ? UInt32(digits.dropFirst(), radix: 16) : nil
            } else {
                value = digits.isEmpty ? nil : UInt32(digits, radix: 10)
            }
            // XML 1.0 §2.2 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
            guard let value, value == 0x9 || value == 0xA || value == 0xD || (0x20...0xD7FF).contains(value)
                    || (0xE000...0xFFFD).contains(value) || (0x10000...0x10FFFF).contains(value),
                  let scalar = Unicode.Scalar(value) else {
                throw error("invalid character reference '&\(name);'", at: at)
            }
            return Array(String(Character(scalar)).utf8)
        }

        /// An XML Name: a letter, '_' or ':' (or any non-ASCII) first, then also digits, '-', '.'.
        mutating func name() throws(XMLSyntaxError) -> String {
            let start = index
            guard let first = peek(), isNameStart(first) else {
                throw error("expected a name")
            }
            advance()
            while let byte = peek(), isNameStart(byte) || isDigit(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") {
                advance()
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }
    }
}

private func isWhitespace(_ b: UInt8) -> Bool {
    b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
}

private func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

private func isNameStart(_ b: UInt8) -> Bool {
    (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
        || b == UInt8(ascii: "_") || b == UInt8(ascii: ":") || b >= 0x80
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
