import NetlinkWire
import PatchbayModel

/// libFuzzer entry point for the netlink readers: a datagram from the kernel is split into
/// messages, and each is read as whatever its type says (link with its macvtap, bridge and VF
/// attributes, address, route, FDB entry, qdisc, class, u32 filter with its actions, error), attributes nested
/// included. Any input must be either refused with a NetlinkWireError or read; a crash or a hang
/// is a bug. A message that reads must also encode to bytes that split back into the same message.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNetlinkWire(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let attributes = try? NetlinkAttribute.parse(bytes) {
        for attribute in attributes { _ = try? attribute.nested() }
    }
    guard let messages = try? NetlinkMessage.parseAll(bytes) else { return 0 }
    for message in messages {
        let again = try? NetlinkMessage.parseAll(message.encoded())
        if again?.count != 1 || again?.first?.type != message.type || again?.first?.payload.prefix(message.payload.count) != message.payload[...] {
            fatalError("encode → parse changed the message: \(message)")
        }
        switch message.type {
        case NetlinkConstants.RTM_NEWLINK:
            _ = try? Link(message: message)
            _ = try? IfInfoMessage(parsing: message.payload)
            _ = try? VirtualFunctionInfo.parseList(message)
        case NetlinkConstants.RTM_NEWROUTE:
            _ = try? RouteEntry(message: message)
            _ = try? RtMessage(parsing: message.payload)
        case NetlinkConstants.RTM_NEWNEIGH:
            _ = try? FDBEntry(message: message)
            _ = NeighborRequest.interfaceIndex(inReply: message)
        case NetlinkConstants.RTM_NEWADDR:
            _ = try? AddressEntry(message: message)
            _ = try? IfAddrMessage(parsing: message.payload)
        case NetlinkConstants.RTM_NEWQDISC:
            _ = try? QdiscEntry(message: message)
            _ = try? TcMessage(parsing: message.payload)
        case NetlinkConstants.RTM_NEWTCLASS:
            _ = try? TrafficClassEntry(message: message)
        case NetlinkConstants.RTM_NEWTFILTER:
            _ = try? FilterEntry(message: message)
        case 2:  // NLMSG_ERROR
            _ = try? NetlinkErrorMessage(message)
        default:
            _ = NeighborRequest.interfaceIndex(inReply: message)
        }
    }
    return 0
}

/// SwiftPM links executables with `main` aliased to `<Target>_main`; libFuzzer brings the real
/// driver, which this hands control to.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

@_cdecl("FuzzNetlinkWire_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzNetlinkWire(data, size) }
}
