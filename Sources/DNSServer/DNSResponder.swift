import DNSWire
import PatchbayModel

/// The server's decisions, without I/O: given a query, the zone and who asked, answer it here,
/// forward it, or drop it.
public enum DNSResponder {
    /// The UDP payload size this server advertises in its own OPT record (the DNS flag day 2020
    /// value, which avoids IP fragmentation).
    public static let advertisedUDPSize: UInt16 = 1232

    /// Clients outside the network's subnets (and not the host itself) get no answer at all, not
    /// even an error: the server's address must not reflect anything to whoever can route to it.
    public static func decide(_ query: DNSMessage, zone: DNSZone, client: IPAddress) -> DNSDecision {
        guard zone.isAllowed(client: client) else { return .drop }
        if query.header.isResponse { return .drop }
        if let edns = query.edns, edns.version != 0 {
            // RFC 6891 §6.1.3: an unknown EDNS version gets BADVERS and our own OPT (version 0).
            return .answer(reply(to: query, code: .badVers))
        }
        guard query.header.opcode == .query else { return .answer(reply(to: query, code: .notImp)) }
        guard query.questions.count == 1, let question = query.questions.first else {
            return .answer(reply(to: query, code: .formErr))
        }
        guard question.class == .in || question.class == .any else { return .answer(reply(to: query, code: .refused)) }
        // Zone transfers are for secondaries; a network's names are not served that way.
        if question.type == DNSType(252) || question.type == DNSType(251) { return .answer(reply(to: query, code: .notImp)) }

        if let records = zone.records(at: question.name) {
            var response = reply(to: query, code: .noError)
            response.header.isAuthoritative = true
            response.answers = records
                .filter { question.type == .any || $0.type == question.type }
                .map { DNSRecord(name: question.name, ttl: zone.ttl, data: $0) }
            return .answer(response)
        }
        if zone.isLocalOnly(question.name) {
            var response = reply(to: query, code: .nxDomain)
            response.header.isAuthoritative = true
            return .answer(response)
        }
        let upstreams = zone.upstreams(for: question.name)
        guard !upstreams.isEmpty else { return .answer(reply(to: query, code: .servFail)) }
        return .forward(upstreams)
    }

    /// A reply carrying only a code, with our OPT record when the query had one.
    public static func reply(to query: DNSMessage, code: DNSResponseCode) -> DNSMessage {
        var response = DNSMessage.response(to: query)
        response.header.recursionAvailable = true
        if query.edns != nil { response.edns = EDNS(udpPayloadSize: advertisedUDPSize) }
        response.responseCode = code
        return response
    }

    /// The reply to a query that could not be read past its header: FORMERR with the same ID and
    /// no question (RFC 1035 §4.1.1), or nothing if the packet was not a query at all.
    public static func formatError(for bytes: [UInt8]) -> [UInt8]? {
        guard let header = try? DNSHeader.parse(bytes), !header.isResponse else { return nil }
        var response = DNSMessage(header: DNSHeader(id: header.id, isResponse: true, opcode: header.opcode,
                                                   recursionDesired: header.recursionDesired))
        response.header.recursionAvailable = true
        response.responseCode = .formErr
        return response.encoded()
    }
}
