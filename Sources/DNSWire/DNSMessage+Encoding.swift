extension DNSMessage {
    /// The message on the wire, names compressed (RFC 1035 §4.1.4).
    ///
    /// With `maxSize` (a UDP response: 512, or the client's EDNS size), a larger message is cut
    /// as RFC 2181 §9 says: whole RRsets are dropped from the end, never part of one, and TC is
    /// set when an answer or authority RRset had to go. Losing only additional records does not
    /// set TC, since those are "extra information" (RFC 2181 §9 again). The OPT record is kept
    /// and moved to the end, because the client needs it to read the response at all (RFC 6891
    /// §7). If even the header, question and OPT exceed `maxSize`, that is what is returned.
    ///
    /// A section past 65535 records, or a record whose RDATA would pass 65535 bytes, cannot be
    /// expressed; such records are left out and the counts say what was written.
    public func encoded(maxSize: Int? = nil) -> [UInt8] {
        let whole = layout(setAsideOPT: false)
        guard let maxSize, whole.bytes.count > maxSize else { return whole.finished(header: header, upTo: nil) }

        let cut = layout(setAsideOPT: true)
        let fitting = cut.boundaries.last { $0.size + cut.opt.count <= maxSize } ?? cut.boundaries[0]
        var header = self.header
        let complete = cut.boundaries[cut.boundaries.count - 1]
        if fitting.answers < complete.answers || fitting.authority < complete.authority {
            header.isTruncated = true
        }
        return cut.finished(header: header, upTo: fitting)
    }

    /// The prefix of an encoding that ends after an RRset: what remains after truncation.
    struct Boundary {
        var size: Int
        var answers = 0
        var authority = 0
        var additional = 0
    }

    struct Layout {
        var bytes: [UInt8]
        var questions: Int
        /// One per RRset written, after the questions-only prefix at index 0.
        var boundaries: [Boundary]
        /// OPT records set aside, to go after whatever prefix is kept.
        var opt: [UInt8]
        var optCount: Int

        func finished(header: DNSHeader, upTo boundary: Boundary?) -> [UInt8] {
            let boundary = boundary ?? boundaries[boundaries.count - 1]
            var header = header
            header.questionCount = UInt16(questions)
            header.answerCount = UInt16(boundary.answers)
            header.authorityCount = UInt16(boundary.authority)
            header.additionalCount = UInt16(boundary.additional + optCount)
            return header.encoded() + bytes[DNSHeader.length..<boundary.size] + opt
        }
    }

    private func layout(setAsideOPT: Bool) -> Layout {
        let limit = Int(UInt16.max)
        var writer = DNSWriter()
        writer.append(repeatElement(0, count: DNSHeader.length))
        for question in questions.prefix(limit) { question.write(to: &writer) }

        var boundary = Boundary(size: writer.count)
        var boundaries = [boundary]
        var optWriter = DNSWriter(allowsCompression: false)
        var optCount = 0
        for (section, records) in [answers, authority, additional].enumerated() {
            var written = 0
            var index = 0
            while index < records.count {
                // An RRset: the run of records with this owner, type and class (RFC 2181 §5).
                let first = records[index]
                repeat {
                    let record = records[index]
                    index += 1
                    if setAsideOPT && record.type == .opt {
                        if record.isEncodable && optCount < limit {
                            record.write(to: &optWriter)
                            optCount += 1
                        }
                        continue
                    }
                    // RFC 1035 §4.1.1: each count is 16 bits (the OPT set aside counts in ARCOUNT).
                    guard record.isEncodable, written + (section == 2 ? optCount : 0) < limit else { continue }
                    record.write(to: &writer)
                    written += 1
                } while index < records.count && records[index].type == first.type
                    && records[index].class == first.class && records[index].name == first.name
                switch section {
                case 0: boundary.answers = written
                case 1: boundary.authority = written
                default: boundary.additional = written
                }
                boundary.size = writer.count
                boundaries.append(boundary)
            }
        }
        return Layout(bytes: writer.bytes, questions: min(questions.count, limit), boundaries: boundaries,
                      opt: optWriter.bytes, optCount: optCount)
    }
}
