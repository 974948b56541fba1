import Glibc
import NetlinkWire
import PatchbayModel

/// Link changes as the kernel announces them (RTNLGRP_LINK, what `ip monitor link` prints): a
/// netlink socket of its own, subscribed to the group, read by one thread. The DHCP server keeps
/// its map of bridge ports with it instead of asking the kernel for every request.
public final class LinkMonitor: Sendable {
    public enum Event: Sendable, Hashable {
        case changed(Link)
        case removed(index: Int32)
    }

    private let socket: NetlinkSocket

    public init(namespacePath: String? = nil, receiveTimeoutMilliseconds: Int32 = 500) throws(NetlinkError) {
        socket = try NetlinkSocket(namespacePath: namespacePath, groups: NetlinkConstants.RTMGRP_LINK,
                                   receiveTimeoutMilliseconds: receiveTimeoutMilliseconds)
    }

    /// The next batch of events; empty when the timeout passed first. An overrun (ENOBUFS: the
    /// kernel dropped events) is reported as an error so the reader can dump the table again.
    public func next() throws(NetlinkError) -> [Event] {
        let messages = try socket.notices(operation: "read link events")
        var events: [Event] = []
        for message in messages {
            switch message.type {
            case NetlinkConstants.RTM_NEWLINK:
                if let link = try? Link(message: message) { events.append(.changed(link)) }
            case NetlinkConstants.RTM_DELLINK:
                if let header = try? IfInfoMessage(parsing: message.payload) { events.append(.removed(index: header.index)) }
            default:
                continue
            }
        }
        return events
    }
}
