extension DNSMessage {
    /// The EDNS(0) parameters: the OPT record in the additional section (RFC 6891 §6.1.1), if
    /// any. Setting replaces that record in place (or appends one); nil removes it.
    public var edns: EDNS? {
        get { additional.lazy.compactMap(EDNS.init).first }
        set {
            let index = additional.firstIndex { $0.type == .opt }
            switch (newValue, index) {
            case (let edns?, let index?): additional[index] = edns.record
            case (let edns?, nil): additional.append(edns.record)
            case (nil, _): additional.removeAll { $0.type == .opt }
            }
        }
    }

    /// The largest UDP response this message's sender accepts: its EDNS size (at least 512), or
    /// 512 without EDNS (RFC 1035 §4.2.1).
    public var maximumUDPResponseSize: Int { edns?.advertisedUDPSize ?? EDNS.minimumUDPPayloadSize }

    /// The full response code: the header's four bits, extended by the OPT record's eight when
    /// there is one (RFC 6891 §6.1.3). Setting a code above 15 adds an OPT record if none is
    /// there, since only EDNS can carry it.
    public var responseCode: DNSResponseCode {
        get { DNSResponseCode(UInt16(edns?.extendedRcode ?? 0) << 4 | header.rcode.rawValue & 0x0F) }
        set {
            header.rcode = DNSResponseCode(newValue.rawValue & 0x0F)
            let high = UInt8(truncatingIfNeeded: newValue.rawValue >> 4)
            if var edns {
                edns.extendedRcode = high
                self.edns = edns
            } else if high != 0 {
                edns = EDNS(extendedRcode: high)
            }
        }
    }
}
