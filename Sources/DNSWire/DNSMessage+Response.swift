extension DNSMessage {
    /// The skeleton of a reply to `query`: same ID, opcode and question (RFC 1035 §4.1.1 and
    /// §7.3 match replies by them), RD copied (RFC 1035 §4.1.1), CD copied (RFC 4035 §3.2.2),
    /// QR set, everything else clear. A server answering an EDNS query adds its own OPT record
    /// (RFC 6891 §7) by setting `edns`.
    public static func response(to query: DNSMessage, responseCode: DNSResponseCode = .noError) -> DNSMessage {
        let header = DNSHeader(id: query.header.id, isResponse: true, opcode: query.header.opcode,
                               recursionDesired: query.header.recursionDesired,
                               checkingDisabled: query.header.checkingDisabled)
        var response = DNSMessage(header: header, questions: query.questions)
        response.responseCode = responseCode
        return response
    }
}
