/// The payload of NLMSG_ERROR (struct nlmsgerr): a negative errno, or 0 for a plain ACK, the
/// header of the request it answers, and, when the socket enabled NETLINK_EXT_ACK, the kernel's
/// explanation in NLMSGERR_ATTR_MSG. That text is what turns "Invalid argument" into something
/// like "Numerical result out of range: forward delay out of range" for the user.
public struct NetlinkErrorMessage: Sendable, Hashable {
    /// Positive errno (0 means success: an ACK).
    public var errno: Int32
    public var requestSequence: UInt32
    public var extendedMessage: String?
    public var attributeOffset: UInt32?

    public init(errno: Int32, requestSequence: UInt32, extendedMessage: String? = nil, attributeOffset: UInt32? = nil) {
        self.errno = errno
        self.requestSequence = requestSequence
        self.extendedMessage = extendedMessage
        self.attributeOffset = attributeOffset
    }

    public init(_ message: NetlinkMessage) throws(NetlinkWireError) {
        let p = message.payload
        guard p.count >= 4 + NetlinkMessage.headerLength else {
            throw NetlinkWireError("NLMSG_ERROR payload of \(p.count) bytes is shorter than struct nlmsgerr", offset: 0)
        }
        let code = p.hostInt32(at: 0)
        // The kernel sends 0 or a negative errno; anything else (Int32.min cannot even be
        // negated) is not an answer Patchbay can trust.
        guard code <= 0, code > -4096 else {
            throw NetlinkWireError("NLMSG_ERROR carries error code \(code), not 0 or a negative errno", offset: 0)
        }
        errno = -code
        requestSequence = p.hostUInt32(at: 4 + 8)
        let echoedLength = Int(p.hostUInt32(at: 4))
        // With NLM_F_CAPPED only the request's header is echoed; otherwise the whole request.
        var tlvStart = 4 + NetlinkMessage.headerLength
        if message.flags & NetlinkConstants.NLM_F_CAPPED == 0 {
            tlvStart = 4 + netlinkAlign(max(echoedLength, NetlinkMessage.headerLength))
        }
        if message.flags & NetlinkConstants.NLM_F_ACK_TLVS != 0, tlvStart <= p.count {
            let tlvs = try NetlinkAttribute.parse(p[tlvStart...], baseOffset: tlvStart)
            extendedMessage = tlvs.first(NetlinkConstants.NLMSGERR_ATTR_MSG)?.string
            attributeOffset = tlvs.first(NetlinkConstants.NLMSGERR_ATTR_OFFS)?.uint32
        }
    }
}
