/// Requests for the bridge's STP timers, priority and ageing, and a port's priority, cost,
/// learning and isolation flags. Field order follows the iproute2 commands named on each
/// builder, so a captured request and ours are byte-comparable; the kernel applies IFLA_BR_*
/// in its own fixed order (br_changelink) whatever order they arrive in.
extension LinkRequest {
    private typealias C = NetlinkConstants

    /// Equivalent to: `ip link set dev DEV type bridge forward_delay FD hello_time HT max_age MA
    /// ageing_time AT stp_state S priority P`, each only when given. Times are centiseconds
    /// (clock_t at USER_HZ 100), which is what iproute2 passes through and the kernel's
    /// clock_t_to_jiffies reads.
    public static func setBridgeControls(index: Int32, forwardDelayCentiseconds: UInt32? = nil,
                                         helloTimeCentiseconds: UInt32? = nil, maxAgeCentiseconds: UInt32? = nil,
                                         ageingTimeCentiseconds: UInt32? = nil, stp: Bool? = nil,
                                         priority: UInt16? = nil) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        b.nest(C.IFLA_LINKINFO) { info in
            info.append(C.IFLA_INFO_KIND, unterminatedString: "bridge")
            info.nest(C.IFLA_INFO_DATA) { data in
                if let forwardDelayCentiseconds { data.append(C.IFLA_BR_FORWARD_DELAY, uint32: forwardDelayCentiseconds) }
                if let helloTimeCentiseconds { data.append(C.IFLA_BR_HELLO_TIME, uint32: helloTimeCentiseconds) }
                if let maxAgeCentiseconds { data.append(C.IFLA_BR_MAX_AGE, uint32: maxAgeCentiseconds) }
                if let ageingTimeCentiseconds { data.append(C.IFLA_BR_AGEING_TIME, uint32: ageingTimeCentiseconds) }
                if let stp { data.append(C.IFLA_BR_STP_STATE, uint32: stp ? 1 : 0) }
                if let priority { data.append(C.IFLA_BR_PRIORITY, uint16: priority) }
            }
        }
        return NetlinkMessage(type: C.RTM_NEWLINK, flags: C.NLM_F_REQUEST | C.NLM_F_ACK,
                              payload: IfInfoMessage(index: index).bytes + b.bytes)
    }

    /// Equivalent to: `bridge link set dev DEV priority P cost C learning on|off isolated on|off`,
    /// each only when given: an AF_BRIDGE RTM_SETLINK with IFLA_PROTINFO nested (see
    /// `setBridgePortState`). iproute2 writes learning first, then cost, priority, isolated.
    public static func setBridgePortFlags(index: Int32, priority: UInt16? = nil, cost: UInt32? = nil,
                                          learning: Bool? = nil, isolated: Bool? = nil) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        b.nest(C.IFLA_PROTINFO | C.NLA_F_NESTED) { port in
            if let learning { port.append(C.IFLA_BRPORT_LEARNING, uint8: learning ? 1 : 0) }
            if let cost { port.append(C.IFLA_BRPORT_COST, uint32: cost) }
            if let priority { port.append(C.IFLA_BRPORT_PRIORITY, uint16: priority) }
            if let isolated { port.append(C.IFLA_BRPORT_ISOLATED, uint8: isolated ? 1 : 0) }
        }
        return NetlinkMessage(type: C.RTM_SETLINK, flags: C.NLM_F_REQUEST | C.NLM_F_ACK,
                              payload: IfInfoMessage(family: C.AF_BRIDGE, index: index).bytes + b.bytes)
    }
}
